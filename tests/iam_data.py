"""The parser's typed model as plain data, for comparing with the expected parses in fixtures/iam."""

import dataclasses


def as_data(node):
    if dataclasses.is_dataclass(node):
        return {
            field.name: as_data(getattr(node, field.name))
            for field in dataclasses.fields(node)
            if getattr(node, field.name) != field.default
        }
    if isinstance(node, tuple):
        return [as_data(item) for item in node]
    return node
