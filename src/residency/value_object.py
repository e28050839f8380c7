"""The class of the small objects made per value read and per finding, hundreds of thousands of
them on a large plan (`FieldValue`, `Evidence`, `Violation`, `ResourceIdentity`, `Finding`).

Not frozen, but hashed by its fields as a frozen one is: nothing assigns to one once it is made,
and a frozen class sets each field through `object.__setattr__`, which takes twice as long."""

from __future__ import annotations

import dataclasses
from typing import dataclass_transform


@dataclass_transform()
def value_object(cls: type) -> type:
    return dataclasses.dataclass(slots=True, unsafe_hash=True)(cls)
