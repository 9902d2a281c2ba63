"""Applying: the application schema (form and API share it), receipt dates, submission."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import colander

from ..boundary import field_messages
from ..catalogue.forms import clean_text, strip_blank
from ..catalogue.registry import load_vocabulary
from ..models import DisclosureRequest, Organisation
from ..models.requests import REQUEST_KINDS, RequestStatus
from .identity import credit_code_problem, resident_id_problem
from .tokens import hash_access_code, new_access_code, new_tracking_number

APPLICANT_TYPES = {"person": "公民", "organisation": "法人或者其他组织"}
# An organisation's category (商业企业, 科研机构 …): the annual report's columns for organisations
# (DOMAIN.md §5, table 三); data in catalog_schemas/applicant_categories.yaml. "" for a person.
_SCHEMAS = Path(__file__).resolve().parents[2] / "catalog_schemas"
APPLICANT_CATEGORIES = {
    c.code: c.label for c in load_vocabulary(_SCHEMAS / "applicant_categories.yaml", _SCHEMAS).items
}
ID_TYPES = {
    "resident_id": "居民身份证",
    "passport": "护照",
    "hk_macao_permit": "港澳居民来往内地通行证",
    "taiwan_permit": "台湾居民来往大陆通行证",
    "other": "其他有效身份证件",
}
DELIVERY_FORMS = {"paper": "纸质文本", "electronic": "电子文件", "disk": "光盘/磁盘"}
DELIVERY_CHANNELS = {
    "post": "邮寄",
    "express": "快递",
    "email": "电子邮件",
    "fax": "传真",
    "collect": "自行领取",
    "on_site": "当场阅读、抄录",
}
# How an application reached the agency, and which date Art. 31 takes as its receipt date.
CHANNELS = {
    "online": "网上申请",
    "in_person": "当面提交",
    "post_registered": "邮寄（挂号信、快递等需签收）",
    "post_ordinary": "邮寄（平常信函）",
    "fax": "传真",
    "email": "电子邮件",
}
PHONE_RE = re.compile(r"^[0-9+\-() ]{7,20}$")
POSTCODE_RE = re.compile(r"^\d{6}$")


def receipt_date(channel: str, event_date: date) -> tuple[date, str]:
    """Art. 31 (2019): the receipt date for a channel and the date of the event that fixes it,
    with the rule applied (``services.submit`` adds the article of the case's profile)."""
    rules = {
        "online": "网上提交经双方确认之日",
        "in_person": "申请人提交之日",
        "post_registered": "本机关签收之日",
        "post_ordinary": "本机关与申请人确认之日",
        "fax": "双方确认之日",
        "email": "双方确认之日",
    }
    return event_date, f"以{rules[channel]}为收到申请之日"


def _text(name, title, *, required=True, max_length=200, **kw):
    return colander.SchemaNode(
        colander.String(),
        name=name,
        title=title,
        missing=colander.required if required else "",
        missing_msg="必填",
        preparer=strip_blank,
        validator=colander.All(
            clean_text, colander.Length(max=max_length, max_err=f"不能超过 {max_length} 个字符")
        ),
        **kw,
    )


def _choice(name, title, choices: dict[str, str], **kw):
    def check(node, value):
        if value not in choices:
            raise colander.Invalid(
                node, f"应为以下之一：{'、'.join(f'{k}（{v}）' for k, v in choices.items())}"
            )

    node = colander.SchemaNode(
        colander.String(), name=name, title=title, missing_msg="必填", validator=check, **kw
    )
    node.choices = choices  # code → label, for what shows the field (the printable form)
    return node


class ApplicationSchema(colander.MappingSchema):
    """The fields of DOMAIN.md §3, by their API names."""

    def __init__(
        self, organisations: dict[str, Organisation], require_consent: bool = True, **kw
    ) -> None:
        super().__init__(**kw)
        self.require_consent = require_consent  # officers entering a signed paper form: False
        self.add(_choice("applicant_type", "申请人类型", APPLICANT_TYPES))
        self.add(
            _choice(
                "applicant_category",
                "申请人类别（法人或者其他组织）",
                APPLICANT_CATEGORIES,
                missing="",
            )
        )
        self.add(_text("name", "姓名/名称", max_length=200))
        self.add(_choice("id_type", "证件类型", ID_TYPES, missing=""))
        self.add(_text("id_number", "证件号码", required=False, max_length=40))
        self.add(_text("credit_code", "统一社会信用代码", required=False, max_length=18))
        self.add(_text("legal_representative", "法定代表人", required=False, max_length=100))
        self.add(_text("contact_person", "联系人", required=False, max_length=100))
        self.add(_text("work_unit", "工作单位", required=False, max_length=200))
        self.add(_text("phone", "联系电话", max_length=20))
        self.add(_text("email", "电子邮箱", required=False, max_length=254))
        self.add(_text("address", "通信地址", required=False, max_length=300))
        self.add(_text("postcode", "邮政编码", required=False, max_length=6))
        self.add(
            _choice("organisation", "受理机关", {code: o.name for code, o in organisations.items()})
        )
        # a disclosure request, or a correction of records about the applicant (Art. 41)
        self.add(_choice("request_kind", "申请类型", REQUEST_KINDS, missing="disclosure"))
        self.add(_text("description", "所需信息的内容描述", max_length=5000))
        self.add(_text("document_number", "文号", required=False, max_length=100))
        self.add(_text("index_number", "索引号", required=False, max_length=40))
        self.add(_choice("delivery_form", "获取信息的载体形式", DELIVERY_FORMS))
        self.add(_choice("delivery_channel", "获取信息的方式", DELIVERY_CHANNELS))
        self.add(
            colander.SchemaNode(colander.Boolean(), name="consent", title="同意", missing=False)
        )
        self.validator = check_application

    def deserialize(self, cstruct=colander.null):
        """All problems at once: the cross-field rules also run when a field failed."""
        try:
            return super().deserialize(cstruct)
        except colander.Invalid as exc:
            if not isinstance(cstruct, dict) or self.validator is None:
                raise
            raw = {k: (v.strip() if isinstance(v, str) else "") for k, v in cstruct.items()}
            raw["consent"] = cstruct.get("consent") in (True, "true", "True", "on", "1")
            raw.setdefault("applicant_type", "person")
            raw.setdefault("description", "")
            try:
                self.validator(self, raw)
            except colander.Invalid as cross:
                known = exc.asdict()
                # each field's own message ("必填"), not the schema's "申请内容有误" before it
                for name, msg in field_messages(cross).items():
                    if name not in known and name in self:
                        exc[name] = msg
            raise exc from None


def check_application(node, data: dict) -> None:
    """Cross-field rules; each problem is reported on its own field."""
    problems: dict[str, str] = {}
    if data["applicant_type"] == "person":
        if not data.get("id_type"):
            problems["id_type"] = "必填"
        if not data.get("id_number"):
            problems["id_number"] = "必填"
        elif data.get("id_type") == "resident_id" and (
            msg := resident_id_problem(data["id_number"])
        ):
            problems["id_number"] = msg
        if data.get("applicant_category"):
            problems["applicant_category"] = "公民申请无需填写申请人类别"
    else:
        if not data.get("applicant_category"):
            problems["applicant_category"] = "必填"
        if not data.get("credit_code"):
            problems["credit_code"] = "必填"
        elif msg := credit_code_problem(data["credit_code"]):
            problems["credit_code"] = msg
        for name in ("legal_representative", "contact_person"):
            if not data.get(name):
                problems[name] = "必填"
    if data.get("phone") and not PHONE_RE.match(data["phone"]):
        problems["phone"] = "电话号码格式不正确"
    if data.get("email") and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", data["email"]):
        problems["email"] = "电子邮箱格式不正确"
    if data.get("delivery_channel") == "email" and not data.get("email"):
        problems["email"] = "选择电子邮件方式时必须填写电子邮箱"
    if data.get("delivery_channel") in ("post", "express") and not data.get("address"):
        problems["address"] = "选择邮寄或快递时必须填写通信地址"
    if data.get("postcode") and not POSTCODE_RE.match(data["postcode"]):
        problems["postcode"] = "邮政编码应为6位数字"
    if len(data.get("description", "")) < 5:
        problems.setdefault("description", "请具体描述所需信息（至少5个字）")
    if getattr(node, "require_consent", True) and data.get("consent") is not True:
        problems["consent"] = "请阅读并同意个人信息处理说明"
    if problems:
        exc = colander.Invalid(node, "申请内容有误")
        for name, msg in problems.items():
            exc[name] = msg
        raise exc


@dataclass
class Submission:
    request: DisclosureRequest
    access_code: str


def new_request(
    data: dict, organisation: Organisation, *, channel: str, received_on: date, year: int
) -> Submission:
    """A request row from validated data; the caller computes the deadline and records history."""
    code = new_access_code()
    tracking = new_tracking_number(year)
    fields = {
        k: data.get(k) or ""
        for k in (
            "applicant_type",
            "applicant_category",
            "name",
            "id_type",
            "id_number",
            "credit_code",
            "legal_representative",
            "contact_person",
            "work_unit",
            "phone",
            "email",
            "address",
            "postcode",
            "description",
            "document_number",
            "index_number",
            "delivery_form",
            "delivery_channel",
        )
    }
    fields["request_kind"] = data.get("request_kind") or "disclosure"
    fields["id_number"] = fields["id_number"].upper()
    fields["credit_code"] = fields["credit_code"].upper()
    request = DisclosureRequest(
        tracking_number=tracking,
        access_code_hash=hash_access_code(code, tracking),
        organisation=organisation,
        status=RequestStatus.RECEIVED,
        channel=channel,
        received_on=received_on,
        clock_events=[],
        **fields,
    )
    return Submission(request, code)
