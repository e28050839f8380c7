"""Property values as every source delivers them: plain JSON, plus values that are unknown
until apply and values that are secret.

Sources decode into this tree; rules read it through `select` and `leaves`, which say for each
value whether it is known and whether it may be shown.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, Self

from residency.value_object import value_object

Naming = Literal["pulumi", "terraform"]

# Pulumi's property-value encoding (sdk/go/common/resource/sig).
SIGNATURE_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
RESOURCE_REFERENCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


class Unknown:
    """A value that is computed at apply: nothing about it can be proven before."""

    _instance: Unknown | None = None

    def __new__(cls) -> Self:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        return False


UNKNOWN = Unknown()


@dataclass(frozen=True, slots=True)
class Secret:
    """A value that may be checked but never shown."""

    value: Any


def from_pulumi(value: Any) -> Any:
    """Decode Pulumi's JSON property values (state, export, events, engine RPCs)."""
    if isinstance(value, str):
        return UNKNOWN if value == UNKNOWN_SENTINEL else value
    if isinstance(value, list):
        return [from_pulumi(item) for item in value]
    if not isinstance(value, dict):
        return value
    signature = value.get(SIGNATURE_KEY)
    if signature == SECRET_SIG:
        if "value" in value:
            return Secret(from_pulumi(value["value"]))
        if "plaintext" in value:  # `pulumi stack export --show-secrets`
            return Secret(from_pulumi(json.loads(value["plaintext"])))
        return Secret(UNKNOWN)  # encrypted: the value cannot be read here
    if signature == OUTPUT_SIG:
        inner = from_pulumi(value["value"]) if "value" in value else UNKNOWN
        return Secret(inner) if value.get("secret") else inner
    if signature == RESOURCE_REFERENCE_SIG:
        return from_pulumi(value.get("id", value.get("urn")))
    return {key: from_pulumi(item) for key, item in value.items() if key != SIGNATURE_KEY}


def to_pulumi(value: Any) -> Any:
    """Encode a value tree back into Pulumi's JSON property values."""
    if value is UNKNOWN:
        return UNKNOWN_SENTINEL
    if isinstance(value, Secret):
        return {SIGNATURE_KEY: SECRET_SIG, "value": to_pulumi(value.value)}
    if isinstance(value, list):
        return [to_pulumi(item) for item in value]
    if isinstance(value, dict):
        return {key: to_pulumi(item) for key, item in value.items()}
    return value


@dataclass(frozen=True, slots=True)
class Template:
    """Text of which only some parts are known before apply (`"Allow group ${var.g} to ..."`):
    literal parts as strings, the others UNKNOWN. Unknown as a whole; a reader that knows the
    text's language may read the literal parts (residency.iam reads IAM statements so)."""

    parts: tuple[str | Unknown, ...]

    def shown(self) -> str:
        return "".join(part if isinstance(part, str) else "${...}" for part in self.parts)


@value_object
class FieldValue:
    """One value found at a path, with what may be said about it."""

    path: str
    value: Any
    secret: bool = False

    @property
    def known(self) -> bool:
        return self.value is not UNKNOWN and not isinstance(self.value, Template)

    def shown(self) -> str:
        if self.secret:
            return "[secret]"
        if isinstance(self.value, Template):
            return self.value.shown()
        if not self.known:
            return "(known only after apply)"
        return self.value if isinstance(self.value, str) else json.dumps(self.value)


def camel(snake: str) -> str:
    """Pulumi's wire name for a snake_case property name (`is_ipv6enabled` -> `isIpv6enabled`)."""
    if "_" not in snake:  # most names are one word: no pattern to run
        return snake
    return re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), snake)


def snake(name: str) -> str:
    if name.islower():  # no capital to split at: most names
        return name
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def native_name(segment: str, naming: Naming) -> str:
    return camel(segment) if naming == "pulumi" else segment


def select(
    properties: Mapping[str, Any], segments: tuple[str, ...], naming: Naming
) -> Iterator[FieldValue]:
    """The values at a snake_case path. Lists are entered element by element, so a one-item
    block is found whether a source writes it as an object (Pulumi) or a list (Terraform).
    An unknown or secret value on the way is reported where it stands."""
    return _select(properties, segments, naming, "", False)


def _select(node: Any, segments, naming, path, secret) -> Iterator[FieldValue]:
    # Down through mappings in a loop, recursing only into lists: most paths cross no list, and a
    # generator per level is most of what asking for a field costs.
    for depth, head in enumerate(segments):
        while isinstance(node, Secret):
            node, secret = node.value, True
        if node is UNKNOWN:
            yield FieldValue(path, UNKNOWN, secret)
            return
        if isinstance(node, list):
            for index, item in enumerate(node):
                yield from _select(item, segments[depth:], naming, f"{path}[{index}]", secret)
            return
        if type(node) is not dict and not isinstance(node, Mapping):  # a plain dict first: Mapping's check is slow
            return
        key = native_name(head, naming)
        if key not in node:
            return
        node, path = node[key], f"{path}.{head}" if path else head
    while isinstance(node, Secret):
        node, secret = node.value, True
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _select(item, (), naming, f"{path}[{index}]", secret)
    elif node is not None:
        yield FieldValue(path, node, secret)


_PLAIN_LEAVES = frozenset({str, bool, int, float, Unknown})


def leaves(properties: Mapping[str, Any]) -> Iterator[FieldValue]:
    """Every scalar value, with its path in the source's own names."""
    return _leaves(properties, "", False)


def _leaves(node: Any, path: str, secret: bool) -> Iterator[FieldValue]:
    while isinstance(node, Secret):
        node, secret = node.value, True
    if type(node) in _PLAIN_LEAVES:  # before Mapping's check, which is slow
        yield FieldValue(path, node, secret)
    elif isinstance(node, Mapping):
        for key, item in node.items():
            yield from _leaves(item, f"{path}.{key}" if path else str(key), secret)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _leaves(item, f"{path}[{index}]", secret)
    elif node is not None:
        yield FieldValue(path, node, secret)


_NO_STRINGS = frozenset({bool, int, float, type(None)})  # values that hold no text to walk into


class TextScan(NamedTuple):  # a tuple: made for every resource, and cheaper to make than a dataclass
    """What one walk over a resource's properties found."""

    strings: list[FieldValue]  # the known strings that contain the text, in the order `leaves` gives them
    unknown_keys: list[str]  # the top-level keys whose values are, or hold, a value known only after apply


def scan_text(properties: Mapping[str, Any], text: str, skipped: frozenset[str] = frozenset()) -> TextScan:
    """The known string values that contain `text` (in lower case), and the properties that hold
    values known only after apply (UNKNOWN, a Template), in one walk, but for the properties named
    in `skipped`. A rule that looks for a few values among many: the walk builds a path only for
    what it finds, where `leaves` builds one for every value."""
    found: list[FieldValue] = []
    unknown_keys: list[str] = []
    probe = _caseless_part(text)
    for key, value in properties.items():
        if key in skipped:
            continue
        if type(value) is str:  # most values: no call, and no path unless it holds `text`
            if probe in value and text in value.lower():
                found.append(FieldValue(str(key), value, False))
        elif value is UNKNOWN or type(value) is Template or (
                type(value) not in _NO_STRINGS and _strings_containing(value, str(key), False, text, probe, found)):
            unknown_keys.append(key)
    return TextScan(found, unknown_keys)


@functools.cache
def _caseless_part(text: str) -> str:
    """The longest run of ASCII digits and punctuation in `text` (`1.` of `ocid1.`): a string
    without it cannot hold `text` in any case, which is cheaper to see than to lower-case it
    (no letter lower-cases to a digit or punctuation)."""
    runs = re.findall(r"[0-9!-/:-@\[-`{-~]+", text)
    return max(runs, key=len, default="")


def _strings_containing(node: Any, path: str, secret: bool, text: str, probe: str, found: list[FieldValue]) -> bool:
    """Adds the strings under `node` that contain `text` to `found`; whether `node` is, or holds,
    a value known only after apply."""
    # A function of the module, not one nested in scan_text: a nested function that calls itself
    # is a reference cycle, left for the cyclic collector after every call.
    while isinstance(node, Secret):
        node, secret = node.value, True
    if node is UNKNOWN or type(node) is Template:
        return True
    unknown = False
    if type(node) is dict or isinstance(node, Mapping):  # a plain dict first: Mapping's check is slow
        for key, item in node.items():
            if type(item) is str:
                if probe in item and text in item.lower():
                    found.append(FieldValue(f"{path}.{key}" if path else str(key), item, secret))
            elif item is UNKNOWN or type(item) is Template:
                unknown = True
            elif type(item) not in _NO_STRINGS:
                unknown = _strings_containing(item, f"{path}.{key}" if path else str(key), secret, text, probe, found) or unknown
    elif isinstance(node, list):
        for index, item in enumerate(node):
            if type(item) is str:
                if probe in item and text in item.lower():
                    found.append(FieldValue(f"{path}[{index}]", item, secret))
            elif item is UNKNOWN or type(item) is Template:
                unknown = True
            elif type(item) not in _NO_STRINGS:
                unknown = _strings_containing(item, f"{path}[{index}]", secret, text, probe, found) or unknown
    elif isinstance(node, str) and probe in node and text in node.lower():
        found.append(FieldValue(path, node, secret))
    return unknown


# --- values as the provider schema declares them ---------------------------------------------

Declared = Literal["bool", "number", "string"]
_NUMBER = re.compile(r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$")


def as_declared(value: Any, declared: Declared) -> Any:
    """A value converted as Terraform converts it to the type the provider schema declares for
    its attribute (HashiCorp's cty conversions): `"true"`/`"false"` (and `"1"`/`"0"`) for a bool,
    `"3"` for a number, a number or bool for a string. UNKNOWN, secrets kept as they are; a value
    that does not convert is returned unchanged, so a rule still sees it (Terraform rejects it).
    Every rule that reads a bool or a number reads it through here, in both naming styles."""
    if isinstance(value, Secret):
        return Secret(as_declared(value.value, declared))
    if value is UNKNOWN or value is None:
        return value
    if declared == "bool" and isinstance(value, str):
        return {"true": True, "1": True, "false": False, "0": False}.get(value, value)
    if declared == "number" and isinstance(value, str) and _NUMBER.match(value):
        number = float(value)
        return int(number) if number.is_integer() and "." not in value and "e" not in value.lower() else number
    if declared == "string" and isinstance(value, bool):
        return "true" if value else "false"
    if declared == "string" and isinstance(value, (int, float)):
        return str(value)
    return value


def declared_field(found: FieldValue | None, declared: Declared) -> FieldValue | None:
    """A field read by a rule, its value converted as the schema declares (`as_declared`)."""
    if found is None:
        return None
    return FieldValue(found.path, as_declared(found.value, declared), found.secret)
