"""OAI-PMH 2.0 (https://www.openarchives.org/OAI/openarchivesprotocol.html): verbs, their
arguments, datestamps and errors. Pure functions over plain values, no database."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

OAI = "http://www.openarchives.org/OAI/2.0/"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
DC = "http://purl.org/dc/elements/1.1/"
OAI_IDENTIFIER = "http://www.openarchives.org/OAI/2.0/oai-identifier"
OAI_IDENTIFIER_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd"
#: the namespace of this platform's own metadata format (``metadataPrefix=disclosure``): every
#: public field of an item under its name in catalog_schemas/fields.yaml, its status, its page
#: and its attachments; the schema is served at ``/oai/disclosure.xsd``
DISCLOSURE = "urn:x-disclosure:catalogue:1.0"

OAI_DC_PREFIX = "oai_dc"
DISCLOSURE_PREFIX = "disclosure"
PREFIXES = (OAI_DC_PREFIX, DISCLOSURE_PREFIX)

GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"

# verb → (required arguments, optional arguments); resumptionToken is exclusive
VERBS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "Identify": (frozenset(), frozenset()),
    "ListMetadataFormats": (frozenset(), frozenset({"identifier"})),
    "ListSets": (frozenset(), frozenset({"resumptionToken"})),
    "ListIdentifiers": (
        frozenset({"metadataPrefix"}),
        frozenset({"from", "until", "set", "resumptionToken"}),
    ),
    "ListRecords": (
        frozenset({"metadataPrefix"}),
        frozenset({"from", "until", "set", "resumptionToken"}),
    ),
    "GetRecord": (frozenset({"identifier", "metadataPrefix"}), frozenset()),
}
LIST_VERBS = frozenset({"ListIdentifiers", "ListRecords"})

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_SECOND = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\Z")
_DOMAIN = re.compile(r"[a-zA-Z][a-zA-Z0-9\-]*(\.[a-zA-Z][a-zA-Z0-9\-]*)+\Z")


class OAIError(Exception):
    """An OAI-PMH error condition: ``code`` is one of the protocol's error codes."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Request:
    """A checked request: its verb and arguments (each at most once)."""

    verb: str
    arguments: dict[str, str]


def parse_request(pairs: Iterable[tuple[str, str]]) -> Request:
    """The verb and arguments of a request's (name, value) pairs, or the OAI error: badVerb for
    a missing, repeated or unknown verb; badArgument for an unknown, repeated or missing
    argument, or a resumptionToken with anything else."""
    pairs = list(pairs)
    verbs = [value for name, value in pairs if name == "verb"]
    if not verbs:
        # i18n: OAI-PMH, for harvesters: protocol text (bilingual), not the interface
        raise OAIError("badVerb", "缺少 verb 参数 / missing verb")
    if len(verbs) > 1:
        # i18n: OAI-PMH, for harvesters: protocol text (bilingual), not the interface
        raise OAIError("badVerb", "verb 参数重复 / repeated verb")
    verb = verbs[0]
    if verb not in VERBS:
        # i18n: OAI-PMH, for harvesters: protocol text (bilingual), not the interface
        raise OAIError("badVerb", f"不支持的 verb / illegal verb: {verb[:50]}")
    arguments: dict[str, str] = {}
    for name, value in pairs:
        if name == "verb":
            continue
        if name in arguments:
            # i18n: OAI-PMH, for harvesters: protocol text (bilingual), not the interface
            raise OAIError("badArgument", f"参数重复 / repeated argument: {name[:50]}")
        arguments[name] = value
    required, optional = VERBS[verb]
    unknown = sorted(set(arguments) - required - optional)
    if unknown:
        # i18n: OAI-PMH, for harvesters: protocol text (bilingual), not the interface
        raise OAIError("badArgument", f"不支持的参数 / illegal argument: {unknown[0][:50]}")
    if "resumptionToken" in arguments:
        if len(arguments) > 1:
            raise OAIError(
                # i18n: OAI-PMH, for harvesters: protocol text (bilingual), not the interface
                "badArgument",
                "resumptionToken 须单独使用 / resumptionToken is exclusive",
            )
        return Request(verb, arguments)
    missing = sorted(required - set(arguments))
    if missing:
        # i18n: OAI-PMH, for harvesters: protocol text (bilingual), not the interface
        raise OAIError("badArgument", f"缺少参数 / missing argument: {missing[0]}")
    return Request(verb, arguments)


def format_datestamp(value: datetime) -> str:
    """A naive UTC instant (or an aware one) at the repository's granularity."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datestamp(value: str, *, until: bool = False) -> tuple[datetime, str]:
    """A ``from``/``until`` argument as a naive UTC instant and its granularity ("day" or
    "second"). A day means its first second for ``from`` and its last for ``until``."""
    try:
        if _SECOND.match(value):
            return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ"), "second"
        if _DAY.match(value):
            day = datetime.strptime(value, "%Y-%m-%d")
            return (day.replace(hour=23, minute=59, second=59) if until else day), "day"
    except ValueError:
        pass
    raise OAIError(
        "badArgument",
        # i18n: OAI-PMH, for harvesters: protocol text (bilingual), not the interface
        f"日期格式无效，应为 YYYY-MM-DD 或 YYYY-MM-DDThh:mm:ssZ / bad datestamp: {value[:30]}",
    )


def parse_range(arguments: dict[str, str]) -> tuple[datetime | None, datetime | None]:
    """The ``from`` and ``until`` of a list request (both optional, same granularity)."""
    start = end = None
    grains = set()
    if "from" in arguments:
        start, grain = parse_datestamp(arguments["from"])
        grains.add(grain)
    if "until" in arguments:
        end, grain = parse_datestamp(arguments["until"], until=True)
        grains.add(grain)
    if len(grains) > 1:
        raise OAIError(
            # i18n: OAI-PMH, for harvesters: protocol text (bilingual), not the interface
            "badArgument",
            "from 与 until 的粒度应相同 / from and until differ in granularity",
        )
    if start is not None and end is not None and start > end:
        # i18n: OAI-PMH, for harvesters: protocol text (bilingual), not the interface
        raise OAIError("badArgument", "from 晚于 until / from is later than until")
    return start, end


def is_domain(value: str) -> bool:
    """Whether ``value`` may be the repositoryIdentifier of oai-identifiers (a domain name)."""
    return bool(_DOMAIN.match(value))


SET_SPEC = re.compile(r"[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*\Z")
