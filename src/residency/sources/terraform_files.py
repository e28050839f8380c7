"""The files of one Terraform module, read as Terraform reads them.

A module is every `*.tf` and `*.tf.json` file of its directory, in lexical order of name. Override
files (`override.tf`, `*_override.tf` and their `.tf.json` forms) are read after all the others,
also in lexical order, and merged into the blocks they override as Terraform merges them
(configs/module_merge.go): an attribute replaces the attribute of the same name; a nested block
type replaces every block of that type; a `locals` entry replaces the local of that name. A block
overridden that no primary file defines is an error, as it is for Terraform.

JSON files are turned into the shapes the HCL parser gives (attribute values in one-element lists,
expressions as `${...}` templates), so the rest of the reader does not care which syntax a block
was written in.

Every file is bounded: only regular files are read (a FIFO, or a link to /dev/zero, is refused),
no larger than MAX_FILE_BYTES, and nesting beyond the parser's reach is a clear error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2
from lark.exceptions import LarkError, UnexpectedInput

from residency.errors import InputError
from residency.inputs import TimeBoundExceeded, nesting_bound, read_text, time_bound
from residency.inputs import parse_json as parse_json_text

MAX_FILE_BYTES = 16 * 1024 * 1024
HCL_SECONDS_PER_MEGABYTE = 20.0  # processor time the parser may take; it reads about 1 MB/s
MAX_HCL_NESTING = 64  # levels of brackets and blocks; the parser spends several frames per level
OVERRIDE = re.compile(r"(^|_)override\.tf(\.json)?$")
QUOTED = re.compile(r'"((?:[^"\\\n]|\\.)*)"')  # a quoted string, as written
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}  # a quoted string's escapes, as HCL reads them
META_ARGUMENTS = {"count", "for_each", "provider", "depends_on", "lifecycle", "provisioner", "connection"}


@dataclass
class Block:
    """One block: its body as the HCL parser gives it, and where it was written."""

    body: dict[str, Any]
    file: str
    line: int | None = None


@dataclass
class ModuleFiles:
    variables: dict[str, Block] = field(default_factory=dict)
    locals: dict[str, Block] = field(default_factory=dict)  # body: {"value": [raw]}
    providers: dict[str, Block] = field(default_factory=dict)  # "oci", "oci.west"
    resources: dict[tuple[str, str], Block] = field(default_factory=dict)
    data_sources: dict[tuple[str, str], Block] = field(default_factory=dict)
    modules: dict[str, Block] = field(default_factory=dict)
    outputs: dict[str, Block] = field(default_factory=dict)


def is_override(path: Path) -> bool:
    return bool(OVERRIDE.search(path.name))


def configuration_files(directory: Path) -> list[Path]:
    """Primary files in lexical order, then override files in lexical order."""
    files = sorted(p for p in directory.iterdir() if p.name.endswith((".tf", ".tf.json")) and not p.name.startswith("."))
    return [p for p in files if not is_override(p)] + [p for p in files if is_override(p)]


def read_source(path: Path, shown: str) -> str:
    """A configuration file's text: a regular file of bounded size, never a device, FIFO or socket."""
    return read_text(path, shown, limit=MAX_FILE_BYTES)


def hcl_time_bound(text: str) -> float:
    return HCL_SECONDS_PER_MEGABYTE * max(1.0, len(text) / 1_000_000)


def parse_hcl(text: str, shown: str) -> dict[str, Any]:
    try:
        with time_bound(hcl_time_bound(text)), nesting_bound(MAX_HCL_NESTING * 40):
            return _unescaped(hcl2.loads(text), _with_escapes(text))
    except TimeBoundExceeded:
        raise InputError(
            f"the HCL parser took more than {hcl_time_bound(text):g} s of processor time on this file and was "
            "stopped (some strings, such as an escaped quote inside ${...} before a heredoc, make it backtrack "
            "without end); expected a file it can read in bounded time", file=shown,
        ) from None
    except UnexpectedInput as error:
        raise InputError(f"not valid HCL: {str(error).splitlines()[0]}", file=shown, line=error.line) from None
    except LarkError as error:
        raise InputError(f"not valid HCL: {str(error).splitlines()[0]}", file=shown) from None
    except ValueError as error:  # the parser's own checks, e.g. an unterminated string
        raise InputError(f"not valid HCL: {str(error).splitlines()[0]}", file=shown) from None
    except RecursionError:
        raise InputError(f"not valid HCL: nested more than about {MAX_HCL_NESTING} levels deep", file=shown) from None


def _unescaped(value: Any, quoted: frozenset[str]) -> Any:
    """The parser hands on a quoted string's escapes (`\\"`) as written; Terraform reads them. A
    heredoc keeps its backslashes, and an expression (`${...}`, which the parser gives whole when it
    quotes inside) is read with its own escapes later: only a string written in quotes in the file is
    decoded, outside its expressions. `quoted`: the file's quoted strings with a backslash, as written."""
    if isinstance(value, str):
        return _decoded(value) if value in quoted else value
    if isinstance(value, list):
        return [_unescaped(item, quoted) for item in value]
    if isinstance(value, dict):  # an object's keys are text in Terraform: the parser reads `{3 = "a"}` with the key 3
        return {str(k): v if str(k).startswith("__") else _unescaped(v, quoted) for k, v in value.items()}
    return value


def _with_escapes(text: str) -> frozenset[str]:
    """The quoted strings of a file that hold an escape, as written (read once: linear in the file)."""
    return frozenset(q for q in QUOTED.findall(text) if "\\" in q) if "\\" in text else frozenset()


def _decoded(template: str) -> str:
    out, position = [], 0
    while position < len(template):
        if template.startswith("$${", position) or template.startswith("%%{", position):
            out.append(template[position:position + 3])
            position += 3
        elif template.startswith(("${", "%{"), position):
            end = _closing(template, position + 2)
            out.append(template[position:end])
            position = end
        elif template[position] == "\\" and template[position + 1:position + 2] in ESCAPES:
            out.append(ESCAPES[template[position + 1]])
            position += 2
        elif template.startswith("\\u", position) and re.fullmatch(r"[0-9a-fA-F]{4}", template[position + 2:position + 6]):
            out.append(chr(int(template[position + 2:position + 6], 16)))
            position += 6
        else:
            out.append(template[position])
            position += 1
    return "".join(out)


def _closing(template: str, position: int) -> int:
    """Just past the `}` that closes an expression opened before `position` (strings in it skipped)."""
    depth, quoted = 1, False
    while position < len(template) and depth:
        char = template[position]
        if quoted and char == "\\":
            position += 1
        elif char == '"':
            quoted = not quoted
        elif not quoted:
            depth += {"{": 1, "}": -1}.get(char, 0)
        position += 1
    return position


def parse_json(text: str, shown: str) -> Any:
    return parse_json_text(text, file=shown)


def read_module(directory: Path, shown) -> ModuleFiles:
    """The merged blocks of the module in `directory`; `shown(path)` names a file in errors."""
    module = ModuleFiles()
    for path in configuration_files(directory):
        name = shown(path)
        text = read_source(path, name)
        if path.name.endswith(".json"):
            document = _from_json(parse_json(text, name), text, name)
        else:
            document = parse_hcl(text, name)
        _add(module, document, name, override=is_override(path))
    return module


def _add(module: ModuleFiles, document: dict[str, Any], file: str, override: bool) -> None:
    for name, body in _labelled(document, "variable", file):
        _put(module.variables, name, Block(body, file, body.get("__start_line__")), override, f'variable "{name}"')
    for entry in document.get("locals", []):
        line = entry.get("__start_line__")
        for name, raw in entry.items():
            if not name.startswith("__"):
                _put(module.locals, name, Block({"value": raw}, file, line), override, f"local.{name}", merge=False)
    for name, body in _labelled(document, "provider", file):
        alias = body.get("alias", [None])[0]
        key = f"{name}.{alias}" if isinstance(alias, str) and alias else name
        _put(module.providers, key, Block(body, file, body.get("__start_line__")), override, f'provider "{key}"')
    for type_, named in _labelled(document, "resource", file, labels=2):
        for name, body in named:
            block = Block(body, file, body.get("__start_line__"))
            _put(module.resources, (type_, name), block, override, f"{type_}.{name}")
    for type_, named in _labelled(document, "data", file, labels=2):
        for name, body in named:
            block = Block(body, file, body.get("__start_line__"))
            _put(module.data_sources, (type_, name), block, override, f"data.{type_}.{name}")
    for name, body in _labelled(document, "module", file):
        _put(module.modules, name, Block(body, file, body.get("__start_line__")), override, f"module.{name}")
    for name, body in _labelled(document, "output", file):
        _put(module.outputs, name, Block(body, file, body.get("__start_line__")), override, f"output.{name}")


def _labelled(document: dict[str, Any], kind: str, file: str, labels: int = 1) -> Iterator[tuple[str, Any]]:
    """(label, body) of each block of a kind; with two labels, (first label, [(second, body)]).
    A block with another number of labels is an error, as it is for Terraform."""
    for entry in document.get(kind, []):
        for label, inner in entry.items():
            if label.startswith("__"):
                continue
            if labels == 2:
                if not isinstance(inner, dict) or not all(_is_body(b) for k, b in inner.items() if not k.startswith("__")):
                    raise _labels_error(kind, labels, file, inner)
                yield label, [(name, body) for name, body in inner.items() if not name.startswith("__")]
            elif _is_body(inner):
                yield label, inner
            else:
                raise _labels_error(kind, labels, file, inner)


def _is_body(body: Any) -> bool:
    return isinstance(body, dict) and all(isinstance(v, list) or k.startswith("__") for k, v in body.items())


def _labels_error(kind: str, labels: int, file: str, inner: Any) -> InputError:
    line = inner.get("__start_line__") if isinstance(inner, dict) else None
    return InputError(f"a {kind} block takes exactly {labels} label{'s' if labels > 1 else ''}", file=file, line=line)


def _put(blocks: dict, key: Any, block: Block, override: bool, shown: str, merge: bool = True) -> None:
    if not override:
        if key in blocks:
            first = blocks[key]
            raise InputError(f"{shown} is defined twice (first at {first.file}:{first.line})", file=block.file,
                             line=block.line)
        blocks[key] = block
        return
    base = blocks.get(key)
    if base is None:
        raise InputError(f"the override of {shown} has no block to override in a primary file", file=block.file,
                         line=block.line)
    if merge:
        blocks[key] = Block(merge_bodies(base.body, block.body), base.file, base.line)
    else:
        blocks[key] = block


def merge_bodies(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Terraform's override merge of one block: attributes one by one, nested block types whole
    (a `dynamic "x"` block counts as a block of type x), `lifecycle` attribute by attribute."""
    merged = dict(base)
    overridden_types = set(_block_types(override))
    for key in list(merged):
        if key in overridden_types and key not in ("lifecycle", "dynamic") and is_blocks(merged[key]):
            del merged[key]
    if "dynamic" in merged and overridden_types:
        kept = [{n: b for n, b in entry.items() if n not in overridden_types} for entry in merged["dynamic"]]
        kept = [entry for entry in kept if entry]
        if kept:
            merged["dynamic"] = kept
        else:
            del merged["dynamic"]
    for key, value in override.items():
        if key.startswith("__"):
            continue
        if key == "lifecycle" and key in merged:
            merged[key] = [{**merged[key][0], **value[0]}]
        elif key == "dynamic" and "dynamic" in merged:
            merged[key] = merged[key] + value
        else:
            merged[key] = value
    return merged


def _block_types(body: dict[str, Any]) -> Iterator[str]:
    for key, value in body.items():
        if key == "dynamic":
            for entry in value:
                yield from (name for name in entry if not name.startswith("__"))
        elif key != "lifecycle" and is_blocks(value):
            yield key


def is_blocks(raw: Any) -> bool:
    """Blocks come as a list of bodies whose every attribute is itself wrapped in a list; an
    attribute comes as a one-element list holding its value."""
    return isinstance(raw, list) and bool(raw) and all(
        isinstance(b, dict) and b and all(isinstance(v, list) or k.startswith("__") for k, v in b.items()) for b in raw
    )


# --- Terraform's JSON syntax -----------------------------------------------------------------

def _from_json(document: Any, text: str, file: str) -> dict[str, Any]:
    """A `.tf.json` document in the HCL parser's shapes."""
    if not isinstance(document, dict):
        raise InputError("expected a JSON object of Terraform blocks", file=file)
    lines = _Lines(text)
    converted: dict[str, list] = {}
    for kind, content in document.items():
        if kind == "//":
            continue
        if kind == "locals":
            for entry in _entries(content, file, kind):
                converted.setdefault(kind, []).append(
                    {**{k: [v] for k, v in entry.items() if k != "//"}, "__start_line__": lines.of(kind)})
        elif kind in ("variable", "provider", "module", "output"):
            for entry in _entries(content, file, kind):
                for name, bodies in entry.items():
                    for body in _bodies(bodies, file, f"{kind}.{name}"):
                        block = _json_body(body, variable=kind == "variable")
                        block["__start_line__"] = lines.of(name)
                        converted.setdefault(kind, []).append({name: block})
        elif kind in ("resource", "data"):
            for entry in _entries(content, file, kind):
                for type_, named in entry.items():
                    for by_name in _entries(named, file, f"{kind}.{type_}"):
                        for name, bodies in by_name.items():
                            for body in _bodies(bodies, file, f"{type_}.{name}"):
                                block = _json_body(body)
                                block["__start_line__"] = lines.of(name, after=type_)
                                converted.setdefault(kind, []).append({type_: {name: block}})
    return converted


def _entries(content: Any, file: str, key: str) -> Iterator[dict[str, Any]]:
    for entry in content if isinstance(content, list) else [content]:
        if not isinstance(entry, dict):
            raise InputError("expected a JSON object", file=file, key=key)
        yield entry


def _bodies(content: Any, file: str, key: str) -> Iterator[dict[str, Any]]:
    for body in content if isinstance(content, list) else [content]:
        if not isinstance(body, dict):
            raise InputError("expected a JSON object for the block's body", file=file, key=key)
        yield body


def _json_body(body: dict[str, Any], variable: bool = False) -> dict[str, Any]:
    """Attributes wrapped in one-element lists; `dynamic` blocks and `lifecycle` as the HCL
    parser gives them. Other objects stay values: without the provider's schema an object is
    as well an attribute map as a block, and the rules read both alike."""
    converted: dict[str, Any] = {}
    for key, value in body.items():
        if key == "//":
            continue
        if key == "dynamic" and isinstance(value, dict):
            converted[key] = [{name: _json_body(content if isinstance(content, dict) else {})}
                              for name, content in value.items()]
        elif key in ("lifecycle", "content") and isinstance(value, dict):
            converted[key] = [_json_body(value)]
        elif key == "provider" and isinstance(value, str):
            converted[key] = [value]
        elif variable:
            converted[key] = [literal(value) if key == "default" else value]
        else:
            converted[key] = [value]
    return converted


def literal(value: Any) -> Any:
    """A value that is a literal, not an expression (a variable default in JSON, a value in a
    .tfvars.json file or on the command line): `${` in it is text, not a template."""
    if isinstance(value, str):
        return value.replace("${", "$${").replace("%{", "%%{")
    if isinstance(value, list):
        return [literal(v) for v in value]
    if isinstance(value, dict):
        return {k: literal(v) for k, v in value.items()}
    return value


class _Lines:
    """The line where a JSON key is first written (after another key when given)."""

    def __init__(self, text: str):
        self._text = text

    def of(self, key: str, after: str | None = None) -> int | None:
        start = self._text.find(json.dumps(after)) if after else 0
        position = self._text.find(json.dumps(key) + "", max(start, 0))
        return self._text.count("\n", 0, position) + 1 if position >= 0 else None
