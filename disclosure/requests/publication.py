"""Requests that become public: the information released on a case, published proactively as a
catalogue item (依申请公开转主动公开; Art. 44, and the disclosure log of FOI portals).

- :func:`publish_case`: the officer publishes the documents released on a case (an answer that
  provided information: :data:`RELEASING_OUTCOMES`, with at least one released document) as a
  new proactive catalogue item of the case's organisation, its 索引号 assigned as for any item.
  The title, summary and classification are the officer's, confirmed in a form
  (:func:`publication_schema`); the files are the released documents (the agency's own
  documents), attached to the item by the same stored bytes. The item is linked to the case
  in ``case_publications`` (officers only) and carries nothing of the case: no tracking number,
  no applicant. A case is published once.
- No applicant data in the item, enforced: the title, summary, keywords and 文号 may not contain
  the applicant's name, ID number, credit code, phone, e-mail, address, contact person or legal
  representative; a chosen document's file name neither; a chosen document's text may not
  contain the applicant's ID number, credit code, phone, e-mail or address (:func:`problems`;
  the name is not looked for in a document's text, where a short name is found by chance).
  Compared after folding (full-width, traditional characters, case) and without spaces and
  punctuation, so ``135-0000 0001`` is the phone ``13500000001``.
- :func:`suggestions`: the officers' dashboard panel: groups of cases that ask one
  organisation for the same information from several applicants (``art44.group_cases``).

``includeme`` checks the two settings of the rule at start-up and gives templates
``request.case_publication(req)`` (the case page's block) and ``request.art44_suggestions()``
(the dashboard's panel).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import colander
import deform
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from .. import settings as s
from ..catalogue.forms import field_node, normalise
from ..catalogue.registry import CatalogueSchema
from ..catalogue.services import CatalogueService
from ..files.extract import extract_text
from ..i18n import _, chinese
from ..models import Attachment, CasePublication, DisclosureRequest, RequestEvent, User
from ..models.documents import ReleasedDocument
from ..models.requests import STATUS_LABELS, RequestStatus
from ..search.analysis import fold
from ..settings import SettingsError
from . import art44

#: the answers that provide the information (outcomes.yaml codes): 予以公开 and 部分公开
RELEASING_OUTCOMES = ("disclosed", "partially_disclosed")
ACTION = "publish_proactively"  # the case history's entry
STEP = "proactive_on_request"  # the step of the rule profiles that cites Art. 44 (disclosure.law)
ACTION_LABEL = _("公开为主动公开信息")

#: catalogue fields the officer gives in the form (fields.yaml); the rest are set here
FORM_FIELDS = (
    "title",
    "summary",
    "document_number",
    "created_on",
    "topic",
    "genre",
    "category",
    "audience",
    "keywords",
)
#: the form's fields checked for the applicant's data
CHECKED_FIELDS = ("title", "summary", "document_number", "keywords")

#: cases the dashboard's rule reads: received in the last this many days, the most recent first
SUGGESTION_WINDOW_DAYS = 365
SUGGESTION_MAX_CASES = 500

NOT_RELEASED = _("本件尚未作出予以公开或部分公开的答复，没有可以主动公开的信息")
NO_DOCUMENTS = _("本件没有提供的政府信息（请先在“提供的政府信息”中上传）")
NOT_A_DISCLOSURE = _("政府信息更正申请不涉及公开政府信息")
ALREADY = _("本件提供的政府信息已公开为主动公开信息")
CONFIRM = _("请确认名称、内容概述和文件不含申请人的个人信息")
CARRIES_APPLICANT_DATA = _("名称、内容概述或文件含有申请人的个人信息")
CHOOSE_A_DOCUMENT = _("请至少选择一个文件")


class PublicationError(Exception):
    """The case cannot be published as asked. ``fields``: field → message (form errors)."""

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class NotPublishable(PublicationError):
    """The case released no information (or is published already)."""


class AlreadyPublished(NotPublishable):
    """Published already (also: by a form sent twice at the same moment)."""


class PersonalDataFound(PublicationError):
    """The item would carry the applicant's data."""


# --- what may be published ---------------------------------------------------------------------


def why_not(req: DisclosureRequest) -> str | None:
    """Why the case's information cannot be published now (None: it can)."""
    if req.publication is not None:
        return ALREADY
    if req.request_kind != "disclosure":
        return NOT_A_DISCLOSURE
    if req.outcome not in RELEASING_OUTCOMES:
        return NOT_RELEASED
    if not req.released_documents:
        return NO_DOCUMENTS
    return None


# --- the applicant's data ----------------------------------------------------------------------

_NOT_WORD = re.compile(r"[\W_]+")
# (attribute of the case, what it is called, looked for in a document's text too)
APPLICANT_FIELDS = (
    ("name", _("申请人姓名或名称"), False),
    ("id_number", _("证件号码"), True),
    ("credit_code", _("统一社会信用代码"), True),
    ("phone", _("联系电话"), True),
    ("email", _("电子邮箱"), True),
    ("address", _("通信地址"), True),
    ("contact_person", _("联系人"), False),
    ("legal_representative", _("法定代表人"), False),
)
MIN_LENGTH = {"name": 2, "contact_person": 2, "legal_representative": 2, "address": 4}


def squash(text: str) -> str:
    """Folded (full-width, traditional characters, case), without spaces and punctuation."""
    return _NOT_WORD.sub("", fold(text or ""))


@dataclass(frozen=True)
class Marker:
    label: str
    value: str  # squashed
    in_text: bool


def applicant_markers(req: DisclosureRequest) -> list[Marker]:
    """The applicant's data to look for (empty values and too short ones left out)."""
    out = []
    for attribute, label, in_text in APPLICANT_FIELDS:
        value = squash(getattr(req, attribute, "") or "")
        if len(value) >= MIN_LENGTH.get(attribute, 5):
            out.append(Marker(label, value, in_text))
    return out


def found_in(text: str, markers: Iterable[Marker], *, document_text: bool = False) -> str | None:
    """The label of the first of ``markers`` found in ``text`` (None: none)."""
    haystack = squash(text)
    if not haystack:
        return None
    for marker in markers:
        if document_text and not marker.in_text:
            continue
        if marker.value in haystack:
            return marker.label
    return None


class DocumentTexts:
    """The extracted text of released documents, read from the file store once each."""

    def __init__(self, storage) -> None:
        self.storage = storage
        self._texts: dict[int, str] = {}

    def __call__(self, document: ReleasedDocument) -> str:
        if document.id not in self._texts:
            data = self.storage.get(document.storage_key)
            self._texts[document.id] = extract_text(data, document.kind, document.media_type)
        return self._texts[document.id]


def problems(
    req: DisclosureRequest,
    data: dict[str, Any],
    documents: Sequence[ReleasedDocument],
    texts: Callable[[ReleasedDocument], str],
    translate: Callable[..., str] = chinese,
) -> dict[str, str]:
    """Field → message for each place the item would carry the applicant's data, by
    ``translate`` (``request.translate`` for a page; Chinese by default)."""
    markers = applicant_markers(req)
    out: dict[str, str] = {}
    for name in CHECKED_FIELDS:
        value = data.get(name)
        if isinstance(value, list | tuple | set):
            value = " ".join(value)
        found = found_in(value or "", markers) if isinstance(value, str) else None
        if found:
            what = translate(found)
            out[name] = translate(_("不能含有申请人的个人信息（${what}）", mapping={"what": what}))
    for document in documents:
        found = found_in(document.filename, markers)
        if found:
            out["documents"] = translate(
                _(
                    "文件名《${filename}》含有申请人的个人信息（${what}）",
                    mapping={"filename": document.filename, "what": translate(found)},
                )
            )
            break
        found = found_in(texts(document), markers, document_text=True)
        if found:
            out["documents"] = translate(
                _(
                    "《${filename}》的内容含有申请人的个人信息（${what}），不能公开",
                    mapping={"filename": document.filename, "what": translate(found)},
                )
            )
            break
    return out


# --- the form ------------------------------------------------------------------------------------


def _documents_label(document: ReleasedDocument) -> str:
    from ..files.labels import size_label

    return f"{document.filename}（{size_label(document.size)}）"  # i18n: a file name and size


def publication_schema(
    schema: CatalogueSchema,
    req: DisclosureRequest,
    texts: Callable[[ReleasedDocument], str],
    translate: Callable[..., str] = chinese,
) -> colander.SchemaNode:
    """The officer's form: the item's fields (as fields.yaml defines them), the released
    documents to publish (at least one), and the confirmation. Validating it finds the
    applicant's data (:func:`problems`) as field errors."""
    documents = {str(d.id): d for d in req.released_documents}

    def no_applicant_data(node, value):
        chosen = [documents[i] for i in sorted(value.get("documents") or ()) if i in documents]
        found = problems(req, value, chosen, texts, translate)
        if found:
            error = colander.Invalid(node, CARRIES_APPLICANT_DATA)
            for name, message in found.items():
                error[name] = message
            raise error

    def known_documents(node, value):
        if not value:
            raise colander.Invalid(node, CHOOSE_A_DOCUMENT)
        if not set(value) <= set(documents):
            raise colander.Invalid(node, _("所选文件不属于本件"))

    def confirmed(node, value):
        if value is not True:
            raise colander.Invalid(node, CONFIRM)

    root = colander.SchemaNode(colander.Mapping(unknown="ignore"), validator=no_applicant_data)
    specs = {spec.name: spec for spec in schema.fields}
    for name in FORM_FIELDS:
        if name in specs:
            root.add(field_node(specs[name], schema, req.organisation.category_tree))
    root.add(
        colander.SchemaNode(
            colander.Set(),
            name="documents",
            title=_("公开的文件"),
            missing=(),
            validator=known_documents,
            widget=deform.widget.CheckboxChoiceWidget(
                values=[(key, _documents_label(d)) for key, d in documents.items()]
            ),
        )
    )
    root.add(
        colander.SchemaNode(
            colander.Boolean(),
            name="confirm",
            title=_("确认"),
            missing=False,
            validator=confirmed,
            widget=deform.widget.CheckboxWidget(),
            description=_(
                "我已核对：名称、内容概述和所选文件不含申请人的姓名、证件号码、联系方式等个人信息"
            ),
        )
    )
    return root


_ASKING = re.compile(
    r"^(?:我|本人)?(?:请|特)?(?:申请|要求|请求)?(?:公开|提供|获取|查阅)+(?:一下)?[：:]?\s*"
)


def prefill(req: DisclosureRequest, today: date) -> dict[str, Any]:
    """What the form starts from: the request's description (the officer must edit and confirm
    it), its 文号, every released document."""
    description = (req.description or "").strip()
    first = re.split(r"[\n。；;]", description, maxsplit=1)[0].strip()
    first = _ASKING.sub("", first) or first  # "请提供…" names what, not a title
    return {
        "title": first[:100],
        "summary": description[:2000],
        "document_number": req.document_number or "",
        "created_on": req.answered_on or today,
        "documents": [str(d.id) for d in req.released_documents],
        "keywords": [],
    }


def clean(appstruct: dict[str, Any], schema: CatalogueSchema) -> dict[str, Any]:
    """The validated form as catalogue data (colander.null made empty) and the documents."""
    data = normalise(appstruct, schema)
    return {k: v for k, v in data.items() if k in FORM_FIELDS}


# --- publishing ----------------------------------------------------------------------------------


def publish_case(
    db: Session,
    catalogue: CatalogueService,
    storage,
    req: DisclosureRequest,
    data: dict[str, Any],
    document_ids: Iterable[int],
    user: User | None,
    today: date,
    now: datetime,
    texts: Callable[[ReleasedDocument], str] | None = None,
) -> CasePublication:
    """Publish the chosen released documents of ``req`` as a new proactive catalogue item, with
    ``data`` (catalogue fields) as its metadata. Raises NotPublishable (nothing released, or
    published already), PersonalDataFound (field → message) or PublicationError."""
    problem = why_not(req)
    if problem is not None:
        raise (AlreadyPublished if req.publication is not None else NotPublishable)(problem)
    wanted = {int(i) for i in document_ids}
    documents = [d for d in req.released_documents if d.id in wanted]
    if not documents or len(documents) != len(wanted):
        raise PublicationError(_("请选择本件提供的文件"), {"documents": CHOOSE_A_DOCUMENT})
    if not (data.get("title") or "").strip():
        raise PublicationError(_("名称必填"), {"title": _("必填")})
    texts = texts or DocumentTexts(storage)
    found = problems(req, data, documents, texts)
    if found:
        raise PersonalDataFound(CARRIES_APPLICANT_DATA, found)
    item_data = {
        **{k: v for k, v in data.items() if k in FORM_FIELDS},
        "disclosure_mode": "proactive",
        "validity": "valid",
        "note": chinese(ACTION_LABEL),  # the item's note: stored data, in Chinese
    }
    try:
        # In a savepoint: the same case published at the same moment by a second submission
        # (the unique request_id) takes the item, its 索引号 serial and attachments back with it.
        with db.begin_nested():
            item = catalogue.create(req.organisation, item_data, user)
            for document in documents:
                db.add(
                    Attachment(
                        item=item,
                        filename=document.filename,
                        media_type=document.media_type,
                        kind=document.kind,
                        size=document.size,
                        sha256=document.sha256,
                        storage_key=document.storage_key,  # the same stored bytes
                        text=texts(document),
                        created_by_id=user.id if user else None,
                    )
                )
            db.flush()
            catalogue.publish(item, user, today)
            publication = CasePublication(
                request=req, item=item, published_at=now, published_by=user
            )
            db.add(publication)
            db.flush()
    except IntegrityError:
        db.expire(req, ["publication"])
        raise AlreadyPublished(ALREADY) from None
    db.add(
        RequestEvent(
            request=req,
            on=today,
            actor_id=user.id if user else None,
            actor_label=user.history_label if user else "系统",  # i18n: a stored record
            action=ACTION,
            from_status=req.status,
            to_status=req.status,
            reason="",
            changes={"index_number": item.index_number, "documents": len(documents)},
            public_text="",
            visible_to_applicant=False,
        )
    )
    db.flush()
    return publication


# --- the dashboard's suggestions (Art. 44) -----------------------------------------------------


@dataclass(frozen=True)
class Art44Rule:
    """The rule's settings: ``disclosure.requests.art44_min_applicants`` ("several": at least
    this many distinct applicants) and ``disclosure.requests.art44_similarity`` (Jaccard)."""

    min_applicants: int = art44.MIN_APPLICANTS
    threshold: float = art44.THRESHOLD

    @classmethod
    def from_settings(cls, settings) -> Art44Rule:
        raw_min = s.get(settings, "requests.art44_min_applicants") or str(art44.MIN_APPLICANTS)
        raw_threshold = s.get(settings, "requests.art44_similarity") or str(art44.THRESHOLD)
        try:
            min_applicants = int(raw_min)
            if min_applicants < 2:
                raise ValueError
        except ValueError:
            raise SettingsError(  # i18n: a settings error, for the operators (bilingual)
                f"disclosure.requests.art44_min_applicants = {raw_min!r}: 应为不小于 2 的整数 / "
                "must be an integer of at least 2"
            ) from None
        try:
            threshold = float(raw_threshold)
            if not 0 < threshold <= 1:
                raise ValueError
        except ValueError:
            raise SettingsError(  # i18n: a settings error, for the operators (bilingual)
                f"disclosure.requests.art44_similarity = {raw_threshold!r}: 应为 0 到 1 之间的数 / "
                "must be a number in (0, 1]"
            ) from None
        return cls(min_applicants, threshold)


@dataclass
class Suggestion:
    """One group of the dashboard's panel: the cases, and the one to publish from (None while
    no case of the group has released information)."""

    group: art44.Group
    organisation: Any
    cases: list[DisclosureRequest]
    publishable: DisclosureRequest | None = None

    @property
    def rows(self) -> list[tuple[DisclosureRequest, str]]:
        """Each case with its status in words."""
        return [(c, STATUS_LABELS.get(c.status, c.status)) for c in self.cases]

    @property
    def excerpt(self) -> str:
        text = " ".join((self.cases[0].description or "").split())
        return text if len(text) <= 80 else text[:80] + "…"


def applicant_key(applicant_type: str, name: str, id_number: str, credit_code: str) -> str:
    """Equal for the same applicant: the ID number or credit code, else the name."""
    if applicant_type == "organisation" and credit_code:
        return "o:" + credit_code.upper()
    if id_number:
        return "p:" + squash(id_number)
    return "n:" + squash(name)


def suggestions(
    db: Session,
    organisation_ids: Sequence[int],
    today: date,
    rule: Art44Rule,
    organisations: dict[int, Any] | None = None,
) -> list[Suggestion]:
    """The groups of recent cases of ``organisation_ids`` that several applicants asked for
    and that are not published yet, each with the case to publish from."""
    if not organisation_ids:
        return []
    since = today - timedelta(days=SUGGESTION_WINDOW_DAYS)
    rows = db.execute(
        select(
            DisclosureRequest.id,
            DisclosureRequest.organisation_id,
            DisclosureRequest.applicant_type,
            DisclosureRequest.name,
            DisclosureRequest.id_number,
            DisclosureRequest.credit_code,
            DisclosureRequest.description,
            DisclosureRequest.document_number,
            DisclosureRequest.index_number,
        )
        .where(
            DisclosureRequest.organisation_id.in_(organisation_ids),
            DisclosureRequest.request_kind == "disclosure",
            DisclosureRequest.status != RequestStatus.WITHDRAWN,
            DisclosureRequest.received_on >= since,
        )
        .order_by(DisclosureRequest.received_on.desc(), DisclosureRequest.id.desc())
        .limit(SUGGESTION_MAX_CASES)
    ).all()
    facts = [
        art44.CaseFacts(
            case_id=row.id,
            organisation_id=row.organisation_id,
            applicant=applicant_key(row.applicant_type, row.name, row.id_number, row.credit_code),
            description=row.description or "",
            document_number=row.document_number or "",
            index_number=row.index_number or "",
        )
        for row in rows
    ]
    groups = art44.group_cases(facts, min_applicants=rule.min_applicants, threshold=rule.threshold)
    if not groups:
        return []
    ids = {case_id for g in groups for case_id in g.case_ids}
    cases = {
        c.id: c
        for c in db.scalars(
            select(DisclosureRequest)
            .where(DisclosureRequest.id.in_(ids))
            .options(
                selectinload(DisclosureRequest.released_documents),
                selectinload(DisclosureRequest.publication),
            )
        )
    }
    out = []
    for group in groups:
        members = sorted((cases[i] for i in group.case_ids), key=lambda c: (c.received_on, c.id))
        if any(c.publication is not None for c in members):
            continue  # published already
        publishable = next((c for c in members if why_not(c) is None), None)
        organisation = (organisations or {}).get(group.organisation_id) or members[0].organisation
        out.append(Suggestion(group, organisation, members, publishable))
    return out


# --- wiring ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseState:
    """The case page's block: the publication (or None), why it cannot be published, and
    whether this officer may publish it."""

    publication: CasePublication | None
    problem: str | None
    can_publish: bool


def _case_state(request, req: DisclosureRequest) -> CaseState:
    from ..security import Permission

    may = request.has_permission(Permission.REQUESTS_HANDLE) and request.has_permission(
        Permission.CATALOGUE_PUBLISH
    )
    return CaseState(req.publication, why_not(req), bool(may))


@dataclass(frozen=True)
class Art44Panel:
    """The dashboard's panel: the rule as the law module gives it (the article of the profile in
    force today, "" where those rules have none; the rule's wording) and the groups."""

    citation: str
    rule: str
    min_applicants: int
    suggestions: list[Suggestion]


def _dashboard_suggestions(request) -> Art44Panel:
    from ..clock import today
    from ..law import STEPS
    from ..security import Permission, visible_organisations

    day = today(request)
    rule: Art44Rule = request.registry["art44_rule"]
    orgs = visible_organisations(request, Permission.REQUESTS_HANDLE)
    found = suggestions(request.dbsession, [o.id for o in orgs], day, rule, {o.id: o for o in orgs})
    profile = request.registry["request_rules"].profile_for(day)
    article = profile.article(STEP)
    return Art44Panel(
        profile.cite(article) if article else "", STEPS[STEP], rule.min_applicants, found
    )


def includeme(config):
    # a bad setting stops start-up, naming it
    config.registry["art44_rule"] = Art44Rule.from_settings(config.get_settings())
    config.add_request_method(_case_state, "case_publication")
    config.add_request_method(_dashboard_suggestions, "art44_suggestions", reify=True)
