"""Answers to the data sources (invokes) a program calls offline: the user's own, from a file, first;
then the built-in ones (offline_invokes.ANSWERS); anything else has no answer, and the monitor
answers it as unknown.

The file (`--invoke-answers FILE`, YAML or JSON) lists answers in the engine's wire names (camelCase):

    invokes:
      - token: oci:Identity/getRegionSubscriptions:getRegionSubscriptions
        args: {tenancyId: ocid1.tenancy.oc1..aaaa}     # optional: the answer is for calls with these args
        result: {regionSubscriptions: [{regionName: us-ashburn-1, isHomeRegion: true}]}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from residency.errors import InputError
from residency.oci.regions import Region
from residency.sources.offline_invokes import ANSWERS
from residency.yamlfile import line_of, load_yaml, plain


@dataclass(frozen=True)
class GivenAnswer:
    token: str
    args: dict[str, Any]
    result: dict[str, Any]

    def matches(self, token: str, args: dict[str, Any]) -> bool:
        return token == self.token and all(args.get(key) == value for key, value in self.args.items())


@dataclass(frozen=True)
class InvokeAnswers:
    given: tuple[GivenAnswer, ...] = field(default_factory=tuple)

    def answer(self, token: str, args: dict[str, Any], region: Region | None) -> dict[str, Any] | None:
        for given in self.given:
            if given.matches(token, args):
                return given.result
        builtin = ANSWERS.get(token)
        return builtin(args, region) if builtin else None


def load_invoke_answers(path: Path | None) -> InvokeAnswers:
    if path is None:
        return InvokeAnswers()
    document = load_yaml(path)  # JSON is YAML too
    shown = str(path)
    entries = document.get("invokes") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise InputError("expected a mapping with an `invokes` list", file=shown, line=line_of(document, []), key="invokes")
    answers = []
    for index, entry in enumerate(entries):
        where = ["invokes", index]
        if not isinstance(entry, dict) or set(entry) - {"token", "args", "result"}:
            raise InputError("expected an entry with token, result and optional args", file=shown,
                             line=line_of(document, where), key=f"invokes[{index}]")
        for key, kind in (("token", str), ("result", dict), ("args", dict)):
            if (key in entry or key != "args") and not isinstance(entry.get(key), kind):
                expected = "a data source token" if kind is str else "a mapping"
                raise InputError(f"expected {key} to be {expected}", file=shown,
                                 line=line_of(document, [*where, key]), key=f"invokes[{index}].{key}")
        answers.append(GivenAnswer(str(entry["token"]), plain(entry.get("args") or {}), plain(entry["result"])))
    return InvokeAnswers(tuple(answers))
