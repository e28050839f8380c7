"""Residency: keep protected data inside its allowed OCI regions, proven before deployment."""

__version__ = "0.1.0"
