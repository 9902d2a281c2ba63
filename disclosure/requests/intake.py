"""Applying: the application schema (form and API share it), receipt dates, submission."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import colander

from ..catalogue.forms import clean_text, strip_blank
from ..catalogue.registry import load_vocabulary
from ..i18n import _, chinese
from ..models import DisclosureRequest, Organisation
from ..models.requests import REQUEST_KINDS, RequestStatus
from .identity import credit_code_problem, resident_id_problem
from .tokens import hash_access_code, new_access_code, new_tracking_number

APPLICANT_TYPES = {"person": _("公民"), "organisation": _("法人或者其他组织")}
# An organisation's category (商业企业, 科研机构 …): the annual report's columns for organisations
# (DOMAIN.md §5, table 三); data in catalog_schemas/applicant_categories.yaml. "" for a person.
_SCHEMAS = Path(__file__).resolve().parents[2] / "catalog_schemas"
_CATEGORY_ITEMS = load_vocabulary(_SCHEMAS / "applicant_categories.yaml", _SCHEMAS).items
APPLICANT_CATEGORIES = {c.code: c.label for c in _CATEGORY_ITEMS}
# the vocabulary's own English labels, for the form in English
APPLICANT_CATEGORIES_EN = {c.code: c.label_en or c.label for c in _CATEGORY_ITEMS}
ID_TYPES = {
    "resident_id": _("居民身份证"),
    "passport": _("护照"),
    "hk_macao_permit": _("港澳居民来往内地通行证"),
    "taiwan_permit": _("台湾居民来往大陆通行证"),
    "other": _("其他有效身份证件"),
}
DELIVERY_FORMS = {"paper": _("纸质文本"), "electronic": _("电子文件"), "disk": _("光盘/磁盘")}
DELIVERY_CHANNELS = {
    "post": _("邮寄"),
    "express": _("快递"),
    "email": _("电子邮件"),
    "fax": _("传真"),
    "collect": _("自行领取"),
    "on_site": _("当场阅读、抄录"),
}
# How an application reached the agency, and which date Art. 31 takes as its receipt date.
CHANNELS = {
    "online": _("网上申请"),
    "in_person": _("当面提交"),
    "post_registered": _("邮寄（挂号信、快递等需签收）"),
    "post_ordinary": _("邮寄（平常信函）"),
    "fax": _("传真"),
    "email": _("电子邮件"),
}
# The rule that fixes the receipt date, by channel: a whole sentence each (kept in the case's
# history as written, shown translated on the pages)
RECEIPT_RULES = {
    "online": _("以网上提交经双方确认之日为收到申请之日"),
    "in_person": _("以申请人提交之日为收到申请之日"),
    "post_registered": _("以本机关签收之日为收到申请之日"),
    "post_ordinary": _("以本机关与申请人确认之日为收到申请之日"),
    "fax": _("以双方确认之日为收到申请之日"),
    "email": _("以双方确认之日为收到申请之日"),
}
REQUIRED = _("必填")
INVALID = _("申请内容有误")
PHONE_RE = re.compile(r"^[0-9+\-() ]{7,20}$")
POSTCODE_RE = re.compile(r"^\d{6}$")


def receipt_date(channel: str, event_date: date) -> tuple[date, str]:
    """Art. 31 (2019): the receipt date for a channel and the date of the event that fixes it,
    with the rule applied (``services.submit`` adds the article of the case's profile)."""
    return event_date, RECEIPT_RULES[channel]


def _text(name, title, *, required=True, max_length=200, **kw):
    return colander.SchemaNode(
        colander.String(),
        name=name,
        title=title,
        missing=colander.required if required else "",
        missing_msg=REQUIRED,
        preparer=strip_blank,
        validator=colander.All(
            clean_text,
            colander.Length(max=max_length, max_err=_("不能超过 ${max} 个字符")),
        ),
        **kw,
    )


def _choice(name, title, choices: dict[str, str], **kw):
    def check(node, value):
        if value not in choices:
            # i18n: the list joins the codes with their (Chinese) labels
            listed = "、".join(f"{k}（{chinese(v)}）" for k, v in choices.items())
            raise colander.Invalid(node, _("应为以下之一：${choices}", mapping={"choices": listed}))

    node = colander.SchemaNode(
        colander.String(), name=name, title=title, missing_msg=REQUIRED, validator=check, **kw
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
        self.add(_choice("applicant_type", _("申请人类型"), APPLICANT_TYPES))
        self.add(
            _choice(
                "applicant_category",
                _("申请人类别（法人或者其他组织）"),
                APPLICANT_CATEGORIES,
                missing="",
            )
        )
        self.add(_text("name", _("姓名/名称"), max_length=200))
        self.add(_choice("id_type", _("证件类型"), ID_TYPES, missing=""))
        self.add(_text("id_number", _("证件号码"), required=False, max_length=40))
        self.add(_text("credit_code", _("统一社会信用代码"), required=False, max_length=18))
        self.add(_text("legal_representative", _("法定代表人"), required=False, max_length=100))
        self.add(_text("contact_person", _("联系人"), required=False, max_length=100))
        self.add(_text("work_unit", _("工作单位"), required=False, max_length=200))
        self.add(_text("phone", _("联系电话"), max_length=20))
        self.add(_text("email", _("电子邮箱"), required=False, max_length=254))
        self.add(_text("address", _("通信地址"), required=False, max_length=300))
        self.add(_text("postcode", _("邮政编码"), required=False, max_length=6))
        self.add(
            _choice(
                "organisation",
                _("受理机关"),
                {code: o.name for code, o in organisations.items()},
            )
        )
        # a disclosure request, or a correction of records about the applicant (Art. 41)
        self.add(_choice("request_kind", _("申请类型"), REQUEST_KINDS, missing="disclosure"))
        self.add(_text("description", _("所需信息的内容描述"), max_length=5000))
        self.add(_text("document_number", _("文号"), required=False, max_length=100))
        self.add(_text("index_number", _("索引号"), required=False, max_length=40))
        self.add(_choice("delivery_form", _("获取信息的载体形式"), DELIVERY_FORMS))
        self.add(_choice("delivery_channel", _("获取信息的方式"), DELIVERY_CHANNELS))
        self.add(
            colander.SchemaNode(colander.Boolean(), name="consent", title=_("同意"), missing=False)
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
                for child in cross.children:  # the messages as marked, translated when shown
                    name = child.node.name
                    if name not in known and name in self:
                        exc[name] = child.msg
            raise exc from None


def check_application(node, data: dict) -> None:
    """Cross-field rules; each problem is reported on its own field."""
    problems: dict[str, str] = {}
    if data["applicant_type"] == "person":
        if not data.get("id_type"):
            problems["id_type"] = REQUIRED
        if not data.get("id_number"):
            problems["id_number"] = REQUIRED
        elif data.get("id_type") == "resident_id" and (
            msg := resident_id_problem(data["id_number"])
        ):
            problems["id_number"] = msg
        if data.get("applicant_category"):
            problems["applicant_category"] = _("公民申请无需填写申请人类别")
    else:
        if not data.get("applicant_category"):
            problems["applicant_category"] = REQUIRED
        if not data.get("credit_code"):
            problems["credit_code"] = REQUIRED
        elif msg := credit_code_problem(data["credit_code"]):
            problems["credit_code"] = msg
        for name in ("legal_representative", "contact_person"):
            if not data.get(name):
                problems[name] = REQUIRED
    if data.get("phone") and not PHONE_RE.match(data["phone"]):
        problems["phone"] = _("电话号码格式不正确")
    if data.get("email") and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", data["email"]):
        problems["email"] = _("电子邮箱格式不正确")
    if data.get("delivery_channel") == "email" and not data.get("email"):
        problems["email"] = _("选择电子邮件方式时必须填写电子邮箱")
    if data.get("delivery_channel") in ("post", "express") and not data.get("address"):
        problems["address"] = _("选择邮寄或快递时必须填写通信地址")
    if data.get("postcode") and not POSTCODE_RE.match(data["postcode"]):
        problems["postcode"] = _("邮政编码应为6位数字")
    if len(data.get("description", "")) < 5:
        problems.setdefault("description", _("请具体描述所需信息（至少5个字）"))
    if getattr(node, "require_consent", True) and data.get("consent") is not True:
        problems["consent"] = _("请阅读并同意个人信息处理说明")
    if problems:
        exc = colander.Invalid(node, INVALID)
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
