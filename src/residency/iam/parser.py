"""Parses OCI policy statements, quota statements and dynamic-group matching rules with one Lark
grammar (grammar.lark). Every failure is a ParseError that names the text and the column."""

from __future__ import annotations

from functools import cache, lru_cache
from importlib import resources

from lark import Lark, Token, Transformer, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from residency.iam.model import (
    Association,
    Condition,
    ConditionGroup,
    Define,
    Expression,
    Grant,
    Location,
    Principal,
    QuotaStatement,
    Statement,
    Value,
)


class ParseError(ValueError):
    """Text that is not a statement of the language: where, and what was expected there."""

    def __init__(self, text: str, message: str, column: int, line: int = 1):
        super().__init__(message)
        self.text = text
        self.message = message
        self.column = column
        self.line = line

    @property
    def where(self) -> str:
        return f"line {self.line}, column {self.column}" if "\n" in self.text.strip() else f"column {self.column}"

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


_DESCRIBED = {
    "NAME": "a name",
    "STRING": "a 'quoted' value",
    "PATTERN": "a /pattern/",
    "INT": "a number",
    "OP": "= or !=",
    "$END": "the end",
    "<END-OF-FILE>": "the end",
}


def _described(terminal: str) -> str:
    if terminal in _DESCRIBED:
        return _DESCRIBED[terminal]
    try:
        pattern = _lark().get_terminal(terminal).pattern
    except KeyError:  # a name of Lark's own
        return terminal.lower()
    if pattern.type == "str":
        return repr(pattern.value)
    return terminal.lstrip("_").lower().replace("_", "-")  # keywords: _ANY_USER -> any-user


def _expected(terminals: set[str]) -> str:
    words = sorted({_described(t) for t in terminals})
    return words[0] if len(words) == 1 else "one of: " + ", ".join(words)


def _error(text: str, error: UnexpectedInput) -> ParseError:
    if isinstance(error, UnexpectedEOF) or (isinstance(error, UnexpectedToken) and error.token.type == "$END"):
        lines = text.rstrip().split("\n")
        expected = error.expected if isinstance(error, UnexpectedEOF) else (error.accepts or error.expected)
        return ParseError(text, f"the text ends too early; expected {_expected(set(expected))}", len(lines[-1]) + 1, len(lines))
    if isinstance(error, UnexpectedToken):
        message = f"unexpected {error.token.value!r}; expected {_expected(set(error.accepts or error.expected))}"
        return ParseError(text, message, error.column, error.line)
    assert isinstance(error, UnexpectedCharacters)
    allowed = error.allowed or set()
    expected = f"; expected {_expected(set(allowed))}" if allowed else ""
    return ParseError(text, f"unexpected character {text[error.pos_in_stream]!r}{expected}", error.column, error.line)


def _text(token: Token) -> str:
    return token.value[1:-1] if token.type == "STRING" else token.value


class _Build(Transformer):
    """Parse tree -> the typed model. Lower-cases what OCI reads without case."""

    # statements
    def statement(self, children):
        return children[0]

    def action(self, tokens):
        words = [t.value.lower() for t in tokens]
        deny = words[0] == "deny"
        return (words[-1] if words[-1] != "deny" else "allow"), deny

    def grant(self, children):
        (action, deny), subjects, access, location, *rest = children
        verb, resource, permissions = access
        condition = rest[0] if rest else None
        return Grant(action, deny, subjects, location, verb, resource, permissions, condition)

    def association(self, children):
        (action, deny), subjects, resource, location, other, other_location, *rest = children
        condition = rest[0] if rest else None
        return Grant(
            action, deny, subjects, location, "associate", resource.value.lower(), (), condition,
            Association(other.value.lower(), other_location),
        )

    def subjects(self, children):
        principals = children[0]
        if len(children) == 1:
            return principals
        tenancy = children[-1].value
        return tuple(Principal(p.kind, p.name, p.ocid, p.domain, tenancy) for p in principals)

    def _principals(self, kind: str, refs) -> tuple[Principal, ...]:
        return tuple(Principal(ref_kind or kind, **fields) for ref_kind, fields in refs)

    def groups(self, children):
        return self._principals("group", children[1:])

    def dynamic_groups(self, children):
        return self._principals("dynamic-group", children[1:])

    def services(self, children):
        return tuple(Principal("service", name=name) for name in children)

    def any_user(self, _children):
        return (Principal("any-user"),)

    def any_group(self, _children):
        return (Principal("any-group"),)

    def principal(self, children):
        kind = children[0].value.lower() if len(children) == 2 else None
        return kind, children[-1]

    def by_id(self, children):
        return {"ocid": children[0].value}

    def in_domain(self, children):
        return {"domain": children[0], "name": children[1]}

    def in_tenancy(self, children):
        return {"tenancy": children[0].value, "name": children[1]}

    def by_name(self, children):
        return {"name": children[0]}

    def service(self, children):
        return children[0]

    def name_part(self, children):
        return _text(children[0])

    def verb_access(self, children):
        return children[0], children[1].value.lower(), ()

    def verb(self, children):
        return children[0].value.lower()

    def permissions(self, children):
        return None, None, tuple(t.value.upper() for t in children)

    def in_tenancy_location(self, children):
        return Location("tenancy", tenancy=children[1].value if len(children) > 1 else None)

    def in_any_tenancy(self, _children):
        return Location("any-tenancy")

    def in_compartment_id(self, children):
        return Location("compartment", ocid=children[0].value)

    def in_compartment(self, children):
        return Location("compartment", path=tuple(children))

    def define(self, children):
        return Define(children[0], children[1].value, children[2].value)

    def define_kind(self, children):
        return children[0].value.lower()

    # conditions
    def where(self, children):
        return children[0]

    def condition_group(self, children):
        return ConditionGroup(children[0].value.lower(), tuple(children[1:]))

    rule_group = condition_group

    def compare(self, children):
        return Condition(children[0].value.lower(), children[1].value, (children[2],))

    def member(self, children):
        return Condition(children[0].value.lower(), "in", tuple(children[1:]))

    def compare_time(self, children):
        return Condition(children[0].value.lower(), children[1].value.lower(), (children[2],))

    def between(self, children):
        return Condition(children[0].value.lower(), "between", (children[1], children[2]))

    def present(self, children):
        return Condition(children[0].value.lower(), "present")

    def value(self, children):
        token = children[0]
        if token.type == "PATTERN":
            return Value(token.value[1:-1], "pattern")
        return Value(_text(token), "string" if token.type == "STRING" else "word")

    # quotas and matching rules
    def quota(self, children):
        action, family, *rest = children
        names: tuple[Value, ...] = ()
        amount = None
        if isinstance(rest[0], tuple):
            names, rest = rest[0], rest[1:]
        if isinstance(rest[0], Token):  # set ... to <amount>
            amount, rest = int(rest[0].value), rest[1:]
        location, *condition = rest
        return QuotaStatement(action.value.lower(), family.value.lower(), names, location, amount, condition[0] if condition else None)

    def quota_names(self, children):
        return tuple(children)

    def matching_rule(self, children):
        return children[0]

    def group_ref(self, children):
        return Principal("group", **children[0])


@cache
def _lark() -> Lark:
    grammar = resources.files(__package__).joinpath("grammar.lark").read_text()
    return Lark(
        grammar, parser="lalr", lexer="contextual", maybe_placeholders=False,
        start=["statement", "quota", "matching_rule", "group_ref"],
    )


def _parse(text: str, start: str):
    if not isinstance(text, str):
        raise ParseError(str(text), f"expected text, got {type(text).__name__}", 1)
    if not text.strip():
        raise ParseError(text, "the text is empty", 1)
    _check_nesting(text)
    try:
        tree = _lark().parse(text, start=start)
    except UnexpectedInput as error:
        raise _error(text, error) from None
    return _Build().transform(tree)


# Real conditions nest `all {}` / `any {}` two or three deep; the bound keeps every walk over a
# parsed condition far from the interpreter's recursion limit.
MAX_NESTING = 32


def _check_nesting(text: str) -> None:
    depth = 0
    for column, character in enumerate(text, start=1):
        if character in "{(":
            depth += 1
            if depth > MAX_NESTING:
                raise ParseError(text, f"nested more than {MAX_NESTING} levels deep", column)
        elif character in "})":
            depth -= 1


@lru_cache(maxsize=4096)
def parse_statement(text: str) -> Statement:
    """One IAM policy statement: Allow, Deny, Endorse, Admit or Define."""
    return _parse(text, "statement")


@lru_cache(maxsize=1024)
def parse_quota(text: str) -> QuotaStatement:
    """One compartment quota statement: zero, set or unset."""
    return _parse(text, "quota")


@lru_cache(maxsize=1024)
def parse_matching_rule(text: str) -> Expression:
    """A dynamic group's matching rule."""
    return _parse(text, "matching_rule")


@lru_cache(maxsize=256)
def parse_group(text: str) -> Principal:
    """A group as a policy file names it: `Name`, `Domain/Name` or a group OCID."""
    text = text.strip()
    if text.lower().startswith("ocid1."):
        text = "id " + text
    return _parse(text, "group_ref")
