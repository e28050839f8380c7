"""Renderers: findings documents as text, JSON and the report formats."""
