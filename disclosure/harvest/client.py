"""A small OAI-PMH 2.0 client for the harvester: one request a page, over the standard library's
HTTP client, parsed with lxml (no DTDs, no entities, no network access from the parser).

A page that is not well-formed XML as a whole is read record by record: each ``record``
element is parsed on its own, so one malformed record is reported (:attr:`RawRecord.problem`)
and the others are kept. A response that cannot be read at all (not OAI-PMH, cut short, an
HTTP or network failure) raises :class:`HarvestError`; the harvest stops there and can be
resumed.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from lxml import etree

from ..oai.protocol import OAI

USER_AGENT = "disclosure-harvester/1.0 (OAI-PMH 2.0)"
MAX_RESPONSE = 64 * 1024 * 1024  # bytes of one page

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_pis=True
)
_NAME = rb"(?:[A-Za-z_][\w.-]*:)?"
_ROOT = re.compile(rb"<(" + _NAME + rb"OAI-PMH)\b[^>]*>", re.S)
_RECORD = re.compile(rb"<" + _NAME + rb"record\b.*?</" + _NAME + rb"record\s*>", re.S)
_LIST_END = re.compile(rb"</" + _NAME + rb"ListRecords\s*>")
_TOKEN = re.compile(
    rb"<" + _NAME + rb"resumptionToken\b([^>]*?)(?:/>|>(.*?)</" + _NAME + rb"resumptionToken\s*>)",
    re.S,
)
_IDENTIFIER = re.compile(rb"<" + _NAME + rb"identifier\s*>(.*?)</", re.S)
_DATESTAMP = re.compile(rb"<" + _NAME + rb"datestamp\s*>(.*?)</", re.S)
_SIZE = re.compile(rb'completeListSize\s*=\s*"(\d+)"')


class HarvestError(Exception):
    """The source cannot be harvested now (unreachable, an HTTP error, not OAI-PMH, an OAI
    error other than noRecordsMatch)."""


class BadResumptionToken(HarvestError):
    """The source no longer accepts the resumption token (the list must start again)."""


@dataclass
class RawRecord:
    identifier: str
    datestamp: str
    deleted: bool = False
    set_specs: list[str] = field(default_factory=list)
    metadata: etree._Element | None = None  # the format's root element (``disclosure:item``)
    problem: str | None = None  # why the record could not be read


@dataclass
class Page:
    records: list[RawRecord]
    token: str | None  # the next page's token; None: the list is complete
    complete_list_size: int | None = None


def _q(tag: str) -> str:
    return f"{{{OAI}}}{tag}"


def _text(node, tag: str) -> str:
    found = node.find(_q(tag))
    return (found.text or "").strip() if found is not None else ""


def _record(node) -> RawRecord:
    header = node.find(_q("header"))
    if header is None:
        # i18n: command line (the harvest's errors)
        raise ValueError("记录缺少 header")
    metadata = node.find(_q("metadata"))
    content = None
    if metadata is not None:
        children = [c for c in metadata if isinstance(c.tag, str)]
        content = children[0] if children else None
    return RawRecord(
        identifier=_text(header, "identifier"),
        datestamp=_text(header, "datestamp"),
        deleted=header.get("status") == "deleted",
        set_specs=[(s.text or "").strip() for s in header.findall(_q("setSpec"))],
        metadata=content,
    )


class Client:
    def __init__(self, base_url: str, *, timeout: float = 60.0) -> None:
        self.base_url = base_url
        self.timeout = timeout

    # --- HTTP ----------------------------------------------------------------------------------

    def fetch(self, url: str, max_bytes: int) -> bytes:
        """GET ``url`` (a page, an attachment), at most ``max_bytes``; HarvestError if not."""
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                data = response.read(max_bytes + 1)
        except urllib.error.HTTPError as exc:
            retry = exc.headers.get("Retry-After") if exc.headers else None
            # i18n: command line (the harvest's errors)
            later = f"，请于 {retry} 秒后重试" if retry else ""
            # i18n: command line (the harvest's errors)
            raise HarvestError(f"来源返回 HTTP {exc.code}{later}：{url}") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            # i18n: command line (the harvest's errors)
            raise HarvestError(f"无法连接来源：{reason}（{url}）") from None
        if len(data) > max_bytes:
            # i18n: command line (the harvest's errors)
            raise HarvestError(f"响应超过 {max_bytes} 字节：{url}")
        return data

    def _get(self, **params: str) -> bytes:
        query = urllib.parse.urlencode({k: v for k, v in params.items() if v})
        return self.fetch(f"{self.base_url}?{query}", MAX_RESPONSE)

    @staticmethod
    def _check_xml(data: bytes) -> None:
        if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data:
            # i18n: command line (the harvest's errors)
            raise HarvestError("来源的响应含有 DTD 或实体声明，拒绝解析")

    @staticmethod
    def _errors(root) -> None:
        for error in root.findall(_q("error")):
            code = error.get("code", "")
            message = (error.text or "").strip()
            if code == "badResumptionToken":
                # i18n: command line (the harvest's errors)
                raise BadResumptionToken(f"来源不再接受断点续传标记：{message}")
            if code == "noRecordsMatch":
                continue
            # i18n: command line (the harvest's errors)
            raise HarvestError(f"来源返回 OAI-PMH 错误 {code}：{message}")

    def _document(self, data: bytes):
        self._check_xml(data)
        try:
            root = etree.fromstring(data, _PARSER)
        except etree.XMLSyntaxError as exc:
            # i18n: command line (the harvest's errors)
            raise HarvestError(f"来源的响应不是有效的 XML：{exc}") from None
        if root.tag != _q("OAI-PMH"):
            # i18n: command line (the harvest's errors)
            raise HarvestError("来源的响应不是 OAI-PMH 文档")
        self._errors(root)
        return root

    # --- verbs ---------------------------------------------------------------------------------

    def identify(self) -> dict[str, str]:
        root = self._document(self._get(verb="Identify"))
        node = root.find(_q("Identify"))
        if node is None:
            # i18n: command line (the harvest's errors)
            raise HarvestError("来源的 Identify 响应不完整")
        return {
            etree.QName(child).localname: (child.text or "").strip()
            for child in node
            if isinstance(child.tag, str) and child.tag != _q("description")
        }

    def list_sets(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        params = {"verb": "ListSets"}
        while True:
            root = self._document(self._get(**params))
            if root.find(_q("error")) is not None:  # noSetHierarchy and the like: no sets
                return out
            node = root.find(_q("ListSets"))
            if node is None:
                return out
            for one in node.findall(_q("set")):
                out.append((_text(one, "setSpec"), _text(one, "setName")))
            token = node.find(_q("resumptionToken"))
            if token is None or not (token.text or "").strip():
                return out
            params = {"verb": "ListSets", "resumptionToken": token.text.strip()}

    def list_records(
        self,
        prefix: str,
        *,
        start: str | None = None,
        set_spec: str = "",
        token: str | None = None,
    ) -> Page:
        """One page of ListRecords: the first (``prefix``, ``start``, ``set_spec``) or the one
        ``token`` names. An empty list (noRecordsMatch) is an empty, complete page."""
        if token:
            data = self._get(verb="ListRecords", resumptionToken=token)
        else:
            data = self._get(
                verb="ListRecords", metadataPrefix=prefix, set=set_spec, **{"from": start or ""}
            )
        self._check_xml(data)
        try:
            root = etree.fromstring(data, _PARSER)
        except etree.XMLSyntaxError:
            return self._salvage(data)
        if root.tag != _q("OAI-PMH"):
            # i18n: command line (the harvest's errors)
            raise HarvestError("来源的响应不是 OAI-PMH 文档")
        self._errors(root)
        node = root.find(_q("ListRecords"))
        if node is None:
            return Page([], None)
        records = []
        for n, element in enumerate(node.findall(_q("record")), start=1):
            try:
                records.append(_record(element))
            except ValueError as exc:
                # i18n: command line (the harvest's errors)
                records.append(RawRecord(f"（第 {n} 条记录）", "", problem=str(exc)))
        token_node = node.find(_q("resumptionToken"))
        next_token = (token_node.text or "").strip() if token_node is not None else ""
        size = token_node.get("completeListSize") if token_node is not None else None
        return Page(records, next_token or None, int(size) if size and size.isdigit() else None)

    def _salvage(self, data: bytes) -> Page:
        """A page that is not well-formed as a whole: parse each record on its own."""
        root = _ROOT.search(data)
        if root is None or not _LIST_END.search(data):
            # i18n: command line (the harvest's errors)
            raise HarvestError("来源的响应不是有效的 XML，且无法逐条读取（可能被截断）")
        start, name = root.group(0), root.group(1)
        records = []
        for n, match in enumerate(_RECORD.finditer(data), start=1):
            chunk = match.group(0)
            try:
                wrapped = etree.fromstring(start + chunk + b"</" + name + b">", _PARSER)
                records.append(_record(wrapped[0]))
            except (etree.XMLSyntaxError, ValueError, IndexError) as exc:
                ident = _IDENTIFIER.search(chunk)
                stamp = _DATESTAMP.search(chunk)
                # i18n: command line (the harvest's errors)
                records.append(
                    RawRecord(
                        identifier=_decode(ident.group(1)) if ident else f"（第 {n} 条记录）",
                        datestamp=_decode(stamp.group(1)) if stamp else "",
                        problem=f"XML 格式错误：{exc}",
                    )
                )
        token = None
        size = None
        found = _TOKEN.search(data)
        if found:
            token = _decode(found.group(2) or b"") or None
            sized = _SIZE.search(found.group(1))
            size = int(sized.group(1)) if sized else None
        return Page(records, token, size)


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "replace").strip()
