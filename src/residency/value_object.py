"""The class of the small objects made per value read and per finding, hundreds of thousands of
them on a large plan (`FieldValue`, `Evidence`, `Violation`, `ResourceIdentity`, `Finding`).

Not frozen, but hashed by its fields as a frozen one is: nothing assigns to one once it is made,
and a frozen class sets each field through `object.__setattr__`, which takes twice as long.
Pickled as its class and its fields in order (the findings a fork of the engine sends back):
the generic pickling of a class with slots builds a dictionary of them per object."""

from __future__ import annotations

import dataclasses
from operator import attrgetter
from typing import Any, dataclass_transform


@dataclass_transform()
def value_object(cls: type) -> type:
    made = dataclasses.dataclass(slots=True, unsafe_hash=True)(cls)
    names = [f.name for f in dataclasses.fields(made)]
    # attrgetter reads several fields as a tuple in one call, but one field as itself
    fields = attrgetter(*names) if len(names) > 1 else (lambda self: (getattr(self, names[0]),))

    def __reduce__(self: Any) -> tuple[type, tuple[Any, ...]]:
        return made, fields(self)

    made.__reduce__ = __reduce__
    return made
