"""Colander schemas as JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1).

The API validates its input with colander; the OpenAPI document describes that input by
converting the very same nodes: their types, whether they are required, their defaults and
titles, and what their validators accept. Colander's stock validators (``Range``, ``Length``,
``OneOf``, ``Regex``, ``Email``, ``All``) say what they accept in their attributes. A validator
that is a plain function cannot, so the caller hands :func:`to_json_schema` a ``describe``
function that returns the JSON Schema of such a validator (or None when it adds nothing that
JSON Schema can say); a validator may also carry its own fragment as a ``json_schema``
attribute (a dict, or a callable taking the node).

The document is written in Chinese: a node's title or description that is a marked message
(:mod:`disclosure.i18n`) goes into it as its Chinese, placeholders filled in.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import colander

from ..i18n import chinese

JsonSchema = dict[str, Any]
Describe = Callable[[Any, colander.SchemaNode], JsonSchema | None]
Adjust = Callable[[colander.SchemaNode, JsonSchema], JsonSchema]


def ecma_pattern(pattern: str, *, anchored_start: bool = True) -> str:
    """A Python regular expression as an ECMA-262 one (JSON Schema's ``pattern``): ``\\Z`` and
    ``\\A`` become ``$`` and ``^``; ``re.match`` is anchored at the start, JSON Schema is not."""
    out = pattern.replace(r"\Z", "$").replace(r"\A", "^")
    if anchored_start and not out.startswith("^"):
        out = "^" + out
    return out


def merge(target: JsonSchema, fragment: JsonSchema | None) -> JsonSchema:
    """Add ``fragment`` to ``target``; a second ``pattern`` (JSON Schema allows one per object)
    and anything else already there go into ``allOf``."""
    if not fragment:
        return target
    extra: JsonSchema = {}
    for key, value in fragment.items():
        if key == "allOf":
            target.setdefault("allOf", []).extend(value)
        elif key in target and target[key] != value:
            extra[key] = value
        else:
            target[key] = value
    if extra:
        target.setdefault("allOf", []).append(extra)
    return target


def _json_value(value: Any) -> Any:
    """A default as JSON (dates as ISO strings); ``colander.null``/None: no default."""
    if value is colander.null or value is colander.required or value is colander.drop:
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str | int | float | bool):
        return value
    return None


def type_schema(node: colander.SchemaNode) -> JsonSchema:
    """The JSON Schema of a node's type alone (no validators)."""
    typ = node.typ
    vocabulary = getattr(typ, "vocabulary", None)
    if vocabulary is not None:
        # catalogue.forms.ChoiceType: a code, a Chinese label or an English label
        accepted = []
        for choice in vocabulary.items:
            for spelling in (choice.code, choice.label, choice.label_en):
                if spelling and spelling not in accepted:
                    accepted.append(spelling)
        return {"type": "string", "enum": accepted}
    if isinstance(typ, colander.Date):
        return {"type": "string", "format": "date"}
    if isinstance(typ, colander.DateTime):
        return {"type": "string", "format": "date-time"}
    if isinstance(typ, colander.Boolean):
        return {"type": "boolean"}
    if isinstance(typ, colander.Int):
        return {"type": "integer"}
    if isinstance(typ, colander.Float | colander.Decimal):
        return {"type": "number"}
    if isinstance(typ, colander.String):
        return {"type": "string"}
    if isinstance(typ, colander.Mapping):
        return {"type": "object"}
    if isinstance(typ, colander.Sequence | colander.List | colander.Set):
        return {"type": "array"}
    return {}


def validator_schema(
    validator: Any, node: colander.SchemaNode, describe: Describe | None = None
) -> JsonSchema:
    """What a validator accepts, as JSON Schema keywords."""
    if validator is None:
        return {}
    if isinstance(validator, colander.All):
        out: JsonSchema = {}
        for part in validator.validators:
            merge(out, validator_schema(part, node, describe))
        return out
    if isinstance(validator, colander.Range):
        bounds = {"minimum": validator.min, "maximum": validator.max}
        return {k: _json_value(v) for k, v in bounds.items() if v is not None}
    if isinstance(validator, colander.Length):
        array = isinstance(node.typ, colander.Sequence | colander.List | colander.Set)
        names = ("minItems", "maxItems") if array else ("minLength", "maxLength")
        bounds = dict(zip(names, (validator.min, validator.max), strict=True))
        return {k: v for k, v in bounds.items() if v is not None}
    if isinstance(validator, colander.OneOf):
        return {"enum": list(validator.choices)}
    if isinstance(validator, colander.Email):
        return {"format": "email"}
    if isinstance(validator, colander.Regex):
        return {"pattern": ecma_pattern(validator.match_object.pattern)}
    own = getattr(validator, "json_schema", None)
    if own is not None:
        return dict(own(node) if callable(own) else own)
    if describe is not None:
        return dict(describe(validator, node) or {})
    return {}


def required(node: colander.SchemaNode) -> bool:
    return node.missing is colander.required


def to_json_schema(
    node: colander.SchemaNode, describe: Describe | None = None, adjust: Adjust | None = None
) -> JsonSchema:
    """The JSON Schema of a colander node (a mapping: its children as properties). ``adjust``,
    if given, has the last word on each node's schema (e.g. for what its preparer does)."""
    schema = type_schema(node)
    if node.title and node.name and node.title != node.name.replace("_", " ").title():
        schema["title"] = chinese(node.title)
    if getattr(node, "description", None):
        schema["description"] = chinese(node.description)
    if isinstance(node.typ, colander.Mapping):
        schema["properties"] = {
            child.name: to_json_schema(child, describe, adjust) for child in node.children
        }
        names = [child.name for child in node.children if required(child)]
        if names:
            schema["required"] = names
        if getattr(node.typ, "unknown", "ignore") == "raise":
            schema["additionalProperties"] = False
    elif isinstance(node.typ, colander.Sequence) and node.children:
        schema["items"] = to_json_schema(node.children[0], describe, adjust)
    merge(schema, validator_schema(node.validator, node, describe))
    default = _json_value(node.missing) if not required(node) else None
    if default is not None and default in schema.get("enum", [default]):
        schema["default"] = default
    return adjust(node, schema) if adjust is not None else schema


def parameters(
    node: colander.SchemaNode,
    location: str = "query",
    describe: Describe | None = None,
    adjust: Adjust | None = None,
) -> list[JsonSchema]:
    """A mapping node's children as OpenAPI parameters."""
    out = []
    for child in node.children:
        schema = to_json_schema(child, describe, adjust)
        parameter: JsonSchema = {"name": child.name, "in": location, "schema": schema}
        if "title" in schema:
            parameter["description"] = schema.pop("title")
        if required(child):
            parameter["required"] = True
        out.append(parameter)
    return out


# --- small JSON Schema helpers for the document ------------------------------------------------

#: what Python's ``str.strip()`` and ``re``'s ``\\s`` take for white space (ECMA-262's ``\\s``
#: differs: it lacks U+001C–U+001F and U+0085, and has U+FEFF); none lies past U+3000
PY_WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())


def char_class(chars: str, *, negate: bool = False) -> str:
    """A character class of ``chars`` (runs as ranges), written with ``\\uXXXX`` escapes."""
    codes = sorted({ord(c) for c in chars})
    runs: list[tuple[int, int]] = []
    for code in codes:
        if runs and code == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], code)
        else:
            runs.append((code, code))
    body = "".join(f"\\u{a:04x}" if a == b else f"\\u{a:04x}-\\u{b:04x}" for a, b in runs)
    return f"[{'^' if negate else ''}{body}]"


def class_chars(pattern: str) -> str:
    """The characters of a simple Python character class such as ``[\\x00-\\x08\\x7f]``."""
    match = re.fullmatch(r"\[([^\]^][^\]]*)\]", pattern)
    if match is None:
        raise ValueError(f"not a simple character class: {pattern!r}")
    compiled = re.compile(pattern)
    return "".join(chr(c) for c in range(0x3001) if compiled.fullmatch(chr(c)))


def stripped_text(
    *,
    max_length: int | None = None,
    min_length: int = 1,
    required: bool = False,
    forbidden: str = "",
    core: str | None = None,
) -> str:
    """A pattern for a string taken after ``strip()`` (white space around it dropped): what is
    left has ``min_length`` to ``max_length`` characters, none of them ``forbidden``, and may be
    empty unless ``required``; or, given ``core`` (a regex of what is left, no anchors), matches
    it."""
    space = char_class(PY_WHITESPACE)
    if core is None:
        edge = char_class(PY_WHITESPACE + forbidden, negate=True)
        inner = char_class(forbidden, negate=True) if forbidden else "[\\s\\S]"
        low = max(min_length - 2, 0)
        high = "" if max_length is None else str(max(max_length - 2, 0))
        if max_length == 1:
            core = edge
        elif min_length <= 1:
            core = f"{edge}(?:{inner}{{0,{high}}}{edge})?"
        else:
            core = f"{edge}{inner}{{{low},{high}}}{edge}"
    optional = "" if required else "?"
    return f"^{space}*(?:{core}){optional}{space}*$"


def not_blank() -> str:
    """A pattern for a string with something besides white space in it."""
    return char_class(PY_WHITESPACE, negate=True)


def negated_class(pattern: str) -> str:
    """``[abc]`` → ``^[^abc]*$``: a string with none of a character class's characters."""
    match = re.fullmatch(r"\[(\^?)(.*)\]", pattern, re.S)
    if match is None or match.group(1):
        raise ValueError(f"not a simple character class: {pattern!r}")
    return f"^[^{match.group(2)}]*$"


def year_range(first: int, last: int) -> str:
    """An ECMA-262 alternation matching the four-digit years ``first`` to ``last``."""
    parts: list[str] = []
    year = first
    while year <= last:
        # the widest block of years (10, 100, 1000 at a time) that starts here and fits
        for width in (1000, 100, 10, 1):
            if year % width == 0 and year + width - 1 <= last:
                break
        digits = len(str(width)) - 1
        prefix = str(year)[: 4 - digits]
        parts.append(prefix + r"\d" * digits)
        year += width
    return "(?:" + "|".join(parts) + ")"


def date_range_pattern(first: date, last: date) -> str:
    """``YYYY-MM-DD`` between two dates that are a 1 January and a 31 December."""
    if (first.month, first.day) != (1, 1) or (last.month, last.day) != (12, 31):
        raise ValueError("the range must cover whole years")
    return f"^{year_range(first.year, last.year)}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\\d|3[01])$"
