"""Deform forms over the shared colander schemas."""

from __future__ import annotations

import colander
import deform

from .. import settings as s
from ..i18n import ENGLISH, _
from ..security import csrf_node
from ..templating import FieldGroup
from .idempotency import new_form_token
from .intake import (
    APPLICANT_CATEGORIES,
    APPLICANT_CATEGORIES_EN,
    APPLICANT_TYPES,
    CHANNELS,
    DELIVERY_CHANNELS,
    DELIVERY_FORMS,
    ID_TYPES,
    REQUEST_KINDS,
    ApplicationSchema,
)

# The applicant's identity: a citizen's, or an organisation's. The page shows the group that fits
# the chosen 申请人类型 (static/site.js; without the script both show, each with its legend).
PERSON = FieldGroup("person", _("公民的身份信息"), when=("applicant_type", "person"))
ORGANISATION = FieldGroup(
    "organisation", _("法人或者其他组织的信息"), when=("applicant_type", "organisation")
)
GROUPS = {
    "id_type": PERSON,
    "id_number": PERSON,
    "applicant_category": ORGANISATION,
    "credit_code": ORGANISATION,
    "legal_representative": ORGANISATION,
    "contact_person": ORGANISATION,
}
# Required only with another choice (check_application enforces each): marked while it holds.
REQUIRED_WHEN = {
    "id_type": ("applicant_type", "person"),
    "id_number": ("applicant_type", "person"),
    "applicant_category": ("applicant_type", "organisation"),
    "credit_code": ("applicant_type", "organisation"),
    "legal_representative": ("applicant_type", "organisation"),
    "contact_person": ("applicant_type", "organisation"),
    "email": ("delivery_channel", "email"),
    "address": ("delivery_channel", ("post", "express")),
}
# The order on the page: who applies (the identity groups together), whom, what, how.
ORDER = (
    "applicant_type",
    "name",
    "id_type",
    "id_number",
    "applicant_category",
    "credit_code",
    "legal_representative",
    "contact_person",
    "work_unit",
    "phone",
    "email",
    "address",
    "postcode",
    "organisation",
    "request_kind",
    "description",
    "document_number",
    "index_number",
    "delivery_form",
    "delivery_channel",
    "proof",
    "consent",
)


class MemoryTmpStore(dict):
    """Deform's file widget wants a temporary store; one request is all we need."""

    def preview_url(self, name):
        return None


def submission_token_node(request) -> colander.SchemaNode:
    """The form's one-time token: one application per token, however often it is posted."""
    secret = s.get(request.registry.settings, "session_secret")
    return colander.SchemaNode(
        colander.String(),
        name="submission_token",
        widget=deform.widget.HiddenWidget(),
        default=new_form_token(secret),
        missing="",
    )


def category_labels(request) -> dict[str, str]:
    """The applicant categories, labelled in the reader's language (the vocabulary's data
    carries both)."""
    return APPLICANT_CATEGORIES_EN if request.locale_name == ENGLISH else APPLICANT_CATEGORIES


def application_form(request, *, officer_entry: bool = False) -> deform.Form:
    orgs = request.organisations
    schema = ApplicationSchema(orgs.by_code, require_consent=not officer_entry)
    widgets = {
        "applicant_type": deform.widget.RadioChoiceWidget(
            values=list(APPLICANT_TYPES.items()), inline=True
        ),
        "applicant_category": deform.widget.SelectWidget(
            values=[("", _("请选择")), *category_labels(request).items()]
        ),
        "id_type": deform.widget.SelectWidget(values=[("", _("请选择")), *ID_TYPES.items()]),
        "organisation": deform.widget.SelectWidget(
            values=[
                ("", _("请选择")),
                # i18n: an ideographic space per level indents the organisation tree
                *((o.code, "　" * d + o.name) for o, d in orgs.walk()),
            ]
        ),
        "request_kind": deform.widget.RadioChoiceWidget(
            values=list(REQUEST_KINDS.items()), inline=True
        ),
        "description": deform.widget.TextAreaWidget(rows=5),
        "delivery_form": deform.widget.RadioChoiceWidget(
            values=list(DELIVERY_FORMS.items()), inline=True
        ),
        "delivery_channel": deform.widget.RadioChoiceWidget(
            values=list(DELIVERY_CHANNELS.items()), inline=True
        ),
        "consent": deform.widget.CheckboxWidget(),
    }
    descriptions = {
        "request_kind": _(
            "要求更正本机关提供的与您自身相关的不准确的政府信息记录的，请选择更正申请"
        ),
        "description": _(
            "请写明所需政府信息的名称、文号或者便于查询的其他特征性描述；更正申请请写明"
            "需要更正的记录、不准确之处和应更正的内容，并提供证据"
        ),
        "consent": _("我同意本机关为办理本申请处理上述个人信息；证件号码、电话和地址不会公开。"),
    }
    for node in schema.children:
        if node.name in widgets:
            node.widget = widgets[node.name]
        if node.name in descriptions:
            node.description = descriptions[node.name]
        if node.name in GROUPS:
            node.group = GROUPS[node.name]
        if node.name in REQUIRED_WHEN:
            node.required_when = REQUIRED_WHEN[node.name]
    schema["organisation"].missing_msg = _("请选择受理机关")
    schema["organisation"].default = ""  # "请选择", never a guess
    schema["applicant_type"].default = "person"
    schema["request_kind"].default = "disclosure"
    schema["id_type"].default = "resident_id"
    schema["delivery_form"].default = "electronic"
    schema["delivery_channel"].default = "email"
    schema.add(
        colander.SchemaNode(
            deform.FileData(),
            name="proof",
            title=_("身份证明（可选）"),
            missing=None,
            description=_("PDF 或图片，不超过 20 MB"),
            widget=deform.widget.FileUploadWidget(MemoryTmpStore()),
        )
    )
    if officer_entry:
        del schema["consent"]  # the applicant signed the paper form
    else:
        schema["consent"].required_mark = True  # check_application refuses an unticked box
    rank = {name: i for i, name in enumerate(ORDER)}
    schema.children.sort(key=lambda node: rank.get(node.name, len(ORDER)))
    if officer_entry:
        schema.add(
            colander.SchemaNode(
                colander.String(),
                name="channel",
                title=_("收到申请的方式"),
                validator=colander.OneOf([k for k in CHANNELS if k != "online"]),
                widget=deform.widget.SelectWidget(
                    values=[(k, v) for k, v in CHANNELS.items() if k != "online"]
                ),
            )
        )
        schema.add(
            colander.SchemaNode(
                colander.Date(),
                name="event_date",
                title=_("提交、签收或确认的日期"),
                description=_(
                    "当面提交：提交之日；挂号信：签收之日；平常信函：与申请人确认之日；"
                    "传真、电子邮件：双方确认之日"
                ),
                widget=deform.widget.TextInputWidget(attributes={"type": "date"}),
            )
        )
    else:
        schema.add(submission_token_node(request))
    schema.add(csrf_node(request))
    # no autofocus: the page opens at its top, with the skip link and the heading first
    return deform.Form(schema, buttons=(deform.Button("submit", _("提交申请")),), focus="off")
