"""Deform forms over the shared colander schemas."""

from __future__ import annotations

import colander
import deform

from .. import settings as s
from ..security import csrf_node
from .idempotency import new_form_token
from .intake import (
    APPLICANT_CATEGORIES,
    APPLICANT_TYPES,
    CHANNELS,
    DELIVERY_CHANNELS,
    DELIVERY_FORMS,
    ID_TYPES,
    REQUEST_KINDS,
    ApplicationSchema,
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


def application_form(request, *, officer_entry: bool = False) -> deform.Form:
    orgs = request.organisations
    schema = ApplicationSchema(orgs.by_code, require_consent=not officer_entry)
    widgets = {
        "applicant_type": deform.widget.RadioChoiceWidget(
            values=list(APPLICANT_TYPES.items()), inline=True
        ),
        "applicant_category": deform.widget.SelectWidget(
            values=[("", "——"), *APPLICANT_CATEGORIES.items()]
        ),
        "id_type": deform.widget.SelectWidget(values=[("", "——"), *ID_TYPES.items()]),
        "organisation": deform.widget.SelectWidget(
            values=[(o.code, "　" * d + o.name) for o, d in orgs.walk()]
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
        "id_number": "公民填写",
        "applicant_category": "法人或者其他组织必选；公民不选",
        "credit_code": "法人或者其他组织填写",
        "legal_representative": "法人或者其他组织填写",
        "contact_person": "法人或者其他组织填写",
        "request_kind": "要求更正本机关提供的与您自身相关的不准确的政府信息记录的，请选择更正申请",
        "description": "请写明所需政府信息的名称、文号或者便于查询的其他特征性描述；更正申请请写明"
        "需要更正的记录、不准确之处和应更正的内容，并提供证据",
        "consent": "我同意本机关为办理本申请处理上述个人信息；证件号码、电话和地址不会公开。",
    }
    for node in schema.children:
        if node.name in widgets:
            node.widget = widgets[node.name]
        if node.name in descriptions:
            node.description = descriptions[node.name]
    schema["applicant_type"].default = "person"
    schema["request_kind"].default = "disclosure"
    schema["id_type"].default = "resident_id"
    schema["delivery_form"].default = "electronic"
    schema["delivery_channel"].default = "email"
    schema.add(
        colander.SchemaNode(
            deform.FileData(),
            name="proof",
            title="身份证明（可选）",
            missing=None,
            description="PDF 或图片，不超过 20 MB",
            widget=deform.widget.FileUploadWidget(MemoryTmpStore()),
        )
    )
    if officer_entry:
        del schema["consent"]  # the applicant signed the paper form
        schema.add(
            colander.SchemaNode(
                colander.String(),
                name="channel",
                title="收到申请的方式",
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
                title="提交、签收或确认的日期",
                description="当面提交：提交之日；挂号信：签收之日；平常信函：与申请人确认之日；传真、电子邮件：双方确认之日（第三十一条）",
                widget=deform.widget.TextInputWidget(attributes={"type": "date"}),
            )
        )
    else:
        schema.add(submission_token_node(request))
    schema.add(csrf_node(request))
    return deform.Form(schema, buttons=(deform.Button("submit", "提交申请"),))
