"""``/oai``: the OAI-PMH 2.0 endpoint (GET, or POST with a form body), and
``/oai/disclosure.xsd``, the schema of the ``disclosure`` metadata format.

Every record comes from the public boundary (:mod:`disclosure.catalogue.visibility`): only
items the public may see, with the public fields and attachments. Identifiers are
``oai:{repository id}:{索引号}``; the repository id is ``disclosure.oai.repository_id``, or the
host name the request was addressed to. OAI errors are answered with HTTP 200 and an ``error``
element, as the protocol says. Lists come ``disclosure.oai.page_size`` records a page, with
stateless signed resumption tokens (:mod:`.tokens`).
"""

from __future__ import annotations

from pyramid.events import ApplicationCreated, subscriber
from pyramid.response import Response
from pyramid.view import view_config

from .. import settings as s
from ..catalogue.visibility import public_view
from ..clock import now
from ..security import Permission
from . import documents, tokens
from .protocol import (
    OAI,
    OAI_DC_PREFIX,
    PREFIXES,
    SET_SPEC,
    OAIError,
    format_datestamp,
    is_domain,
    parse_datestamp,
    parse_range,
    parse_request,
)
from .services import Record, Repository, Selection

XML_TYPE = "text/xml"


def page_size(settings) -> int:
    """``disclosure.oai.page_size``: records per page of a list (1–10000)."""
    value = s.get(settings, "oai.page_size")
    try:
        size = int(value)
    except ValueError:
        size = 0
    if not 1 <= size <= 10000:
        raise s.SettingsError(
            # i18n: OAI-PMH, for harvesters: protocol text (bilingual), not the interface
            f"disclosure.oai.page_size 应为 1 至 10000 的整数 / must be an integer "
            f"between 1 and 10000: {value!r}"
        )
    return size


@subscriber(ApplicationCreated)
def _check_settings(event) -> None:
    page_size(event.app.registry.settings)  # a bad value stops start-up with its message


class Provider:
    """One OAI-PMH request against this instance's public catalogue."""

    def __init__(self, request) -> None:
        self.request = request
        settings = request.registry.settings
        self.settings = settings
        self.schema = request.catalogue_schema
        self.repo = Repository(request.dbsession, request.organisations)
        self.base_url = request.route_url("oai")
        self.repository_id = s.get(settings, "oai.repository_id") or request.domain
        self.secret = s.get(settings, "session_secret")
        self.page_size = page_size(settings)

    # --- identifiers ---------------------------------------------------------------------------

    def identifier(self, index_number: str) -> str:
        return f"oai:{self.repository_id}:{index_number}"

    def find(self, identifier: str) -> Record:
        prefix = f"oai:{self.repository_id}:"
        record = None
        if identifier.startswith(prefix):
            record = self.repo.find(identifier[len(prefix) :].strip().upper()[:40])
        if record is None:
            raise OAIError(
                # i18n: OAI-PMH, for harvesters: protocol text (bilingual), not the interface
                "idDoesNotExist",
                f"没有这个标识符 / no such identifier: {identifier[:200]}",
            )
        return record

    # --- records ---------------------------------------------------------------------------

    def header(self, parent, record: Record) -> None:
        spec = self.repo.set_spec_of(record.organisation_id)
        documents.header(
            parent,
            documents.Header(
                identifier=self.identifier(record.index_number),
                datestamp=record.datestamp,
                set_specs=(spec,) if spec else (),
                deleted=record.deleted,
            ),
        )

    def record(self, parent, record: Record, prefix: str) -> None:
        node = documents.element(parent, OAI, "record")
        self.header(node, record)
        if record.deleted:
            return
        view = public_view(record.item, self.schema)
        if view is None:  # pragma: no cover - the repository lists visible items only
            return
        item = record.item
        ctx = documents.ItemContext(
            view=view,
            schema=self.schema,
            url=self.request.route_url("item", index_number=item.index_number),
            attachment_url=lambda attachment_id: self.request.route_url(
                "attachment", index_number=item.index_number, attachment_id=attachment_id
            ),
        )
        metadata = documents.element(node, OAI, "metadata")
        (documents.oai_dc if prefix == OAI_DC_PREFIX else documents.disclosure)(metadata, ctx)

    # --- verbs ---------------------------------------------------------------------------------

    def Identify(self, root, arguments) -> None:
        earliest = self.repo.earliest() or now(self.request).replace(microsecond=0)
        roots = self.request.organisations.roots
        # i18n: OAI-PMH repositoryName, for harvesters: the catalogue's name (data), in Chinese
        default_name = f"{roots[0].name}政府信息公开目录" if roots else "政府信息公开目录"
        repository_id = self.repository_id if is_domain(self.repository_id) else None
        documents.identify(
            root,
            name=s.get(self.settings, "oai.repository_name") or default_name,
            base_url=self.base_url,
            admin_email=s.get(self.settings, "oai.admin_email")
            or s.get(self.settings, "mail.default_sender"),
            earliest=earliest,
            repository_id=repository_id,
            sample=self.identifier("000014349/2020-00072"),
        )

    def ListMetadataFormats(self, root, arguments) -> None:
        if "identifier" in arguments:
            self.find(arguments["identifier"])
        documents.metadata_formats(root, self.request.route_url("oai_schema"))

    def ListSets(self, root, arguments) -> None:
        if "resumptionToken" in arguments:
            raise OAIError(
                # i18n: OAI-PMH, for harvesters: protocol text (bilingual), not the interface
                "badResumptionToken",
                "ListSets 不分页 / ListSets is sent in one response",
            )
        documents.sets(root, self.repo.sets())

    def GetRecord(self, root, arguments) -> None:
        prefix = self._prefix(arguments["metadataPrefix"])
        record = self.find(arguments["identifier"])
        self.record(documents.element(root, OAI, "GetRecord"), record, prefix)

    def ListIdentifiers(self, root, arguments) -> None:
        self._list(root, "ListIdentifiers", arguments)

    def ListRecords(self, root, arguments) -> None:
        self._list(root, "ListRecords", arguments)

    # --- lists ---------------------------------------------------------------------------------

    def _prefix(self, prefix: str) -> str:
        if prefix not in PREFIXES:
            raise OAIError(
                "cannotDisseminateFormat",
                # i18n: OAI-PMH, for harvesters: protocol text (bilingual), not the interface
                f"不支持的元数据格式 / unsupported metadataPrefix: {prefix[:50]}",
            )
        return prefix

    def _state(self, verb: str, arguments: dict[str, str]) -> dict:
        """The list's parameters and position: from a resumption token, or a first request."""
        if "resumptionToken" in arguments:
            state = tokens.decode(self.secret, arguments["resumptionToken"])
            if state.get("verb") != verb or state.get("prefix") not in PREFIXES:
                raise OAIError(
                    # i18n: OAI-PMH, for harvesters: protocol text (bilingual), not the interface
                    "badResumptionToken",
                    "resumptionToken 无效 / invalid resumptionToken",
                )
            return state
        prefix = self._prefix(arguments["metadataPrefix"])
        parse_range(arguments)  # badArgument for bad dates
        spec = arguments.get("set", "")
        if "set" in arguments and not SET_SPEC.match(spec):
            # i18n: OAI-PMH, for harvesters: protocol text (bilingual), not the interface
            raise OAIError("badArgument", f"set 格式无效 / bad setSpec: {spec[:100]}")
        return {
            "verb": verb,
            "prefix": prefix,
            "set": spec,
            "from": arguments.get("from", ""),
            "until": arguments.get("until", ""),
            "after": None,
            "cursor": 0,
        }

    def _selection(self, state: dict) -> Selection:
        # i18n: OAI-PMH, for harvesters: protocol text (bilingual), not the interface
        bad = OAIError("badResumptionToken", "resumptionToken 无效 / invalid resumptionToken")
        try:
            start = parse_datestamp(state["from"])[0] if state["from"] else None
            end = parse_datestamp(state["until"], until=True)[0] if state["until"] else None
        except (OAIError, KeyError, TypeError):
            raise bad from None
        organisation_ids = None
        if state.get("set"):
            org = self.repo.organisation_for_set(state["set"])
            if org is None:
                # i18n: OAI-PMH, for harvesters: protocol text (bilingual), not the interface
                raise OAIError("noRecordsMatch", "没有这个集合 / no such set")
            organisation_ids = self.request.organisations.subtree_ids(org)
        return Selection(organisation_ids, start, end)

    def _list(self, root, verb: str, arguments: dict[str, str]) -> None:
        state = self._state(verb, arguments)
        selection = self._selection(state)
        after = None
        if state.get("after"):
            try:
                stamp, number = state["after"]
                after = (parse_datestamp(stamp)[0], str(number))
            except (OAIError, TypeError, ValueError):
                raise OAIError(
                    # i18n: OAI-PMH, for harvesters: protocol text (bilingual), not the interface
                    "badResumptionToken",
                    "resumptionToken 无效 / invalid resumptionToken",
                ) from None
        records, more = self.repo.page(
            selection, after, self.page_size, with_items=verb == "ListRecords"
        )
        if not records:
            # i18n: OAI-PMH, for harvesters: protocol text (bilingual), not the interface
            raise OAIError("noRecordsMatch", "没有符合条件的记录 / no records match")
        node = documents.element(root, OAI, verb)
        for record in records:
            if verb == "ListRecords":
                self.record(node, record, state["prefix"])
            else:
                self.header(node, record)
        cursor = int(state.get("cursor") or 0)
        paged = more or "resumptionToken" in arguments
        if paged:
            token = None
            if more:
                last = records[-1]
                token = tokens.encode(
                    self.secret,
                    {
                        **state,
                        "after": [format_datestamp(last.datestamp), last.index_number],
                        "cursor": cursor + len(records),
                    },
                )
            documents.resumption_token(node, token, self.repo.count(selection), cursor)


def _pairs(request) -> list[tuple[str, str]]:
    if request.method == "POST":
        return list(request.POST.items())
    return list(request.GET.items())


@view_config(
    route_name="oai",
    request_method=("GET", "POST"),
    permission=Permission.VIEW,
    require_csrf=False,  # a POST here only reads (the protocol allows GET or POST)
)
def oai(request):
    provider = Provider(request)
    pairs = _pairs(request)
    response_date = now(request)
    try:
        parsed = parse_request(pairs)
    except OAIError as exc:
        root = documents.envelope(response_date, provider.base_url, None, {})
        documents.error(root, exc.code, exc.message)
    else:
        root = documents.envelope(response_date, provider.base_url, parsed.verb, parsed.arguments)
        try:
            getattr(provider, parsed.verb)(root, parsed.arguments)
        except OAIError as exc:
            if exc.code == "badArgument":  # the request element then carries no arguments
                root = documents.envelope(response_date, provider.base_url, None, {})
            documents.error(root, exc.code, exc.message)
    return Response(body=documents.serialise(root), content_type=XML_TYPE, charset="utf-8")


@view_config(route_name="oai_schema", permission=Permission.VIEW)
def oai_schema(request):
    return Response(
        body=documents.disclosure_schema(request.catalogue_schema),
        content_type="application/xml",
        charset="utf-8",
    )
