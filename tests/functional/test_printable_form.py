"""The application form on paper (GET /apply/form.pdf, issue 15): a PDF built from the online
form's own schema, every field label in it, a box per choice, the receiving body blank unless
printed for one, the rules in force quoted from the law module; text extractable."""

from __future__ import annotations

import io
import re
from urllib.parse import quote

import colander
import pytest
from pypdf import PdfReader

from disclosure.requests.intake import (
    APPLICANT_CATEGORIES,
    DELIVERY_CHANNELS,
    ID_TYPES,
    ApplicationSchema,
)
from disclosure.requests.printable import build_application_form

from ..conftest import TODAY


def pdf_text(data: bytes) -> str:
    """The PDF's text, without the line breaks the layout puts into long labels."""
    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", "", text)


@pytest.fixture
def application(orgs):
    return ApplicationSchema(orgs.by_code)


def test_the_form_holds_every_field_label_of_the_schema(testapp, application):
    res = testapp.get("/apply/form.pdf")
    assert res.content_type == "application/pdf" and res.body.startswith(b"%PDF")
    assert (
        "filename*=UTF-8''" + quote("政府信息公开申请表.pdf") in res.headers["Content-Disposition"]
    )
    text = pdf_text(res.body)
    assert "政府信息公开申请表" in text
    for node in application.children:
        assert re.sub(r"\s+", "", node.title) in text, node.name
    # a box for each choice, for a person and for an organisation
    for label in (*ID_TYPES.values(), *APPLICANT_CATEGORIES.values(), *DELIVERY_CHANNELS.values()):
        assert "□" + label in text, label
    assert "公民填写" in text and "法人或者其他组织填写" in text
    # the receiving body is left to choose, and the applicant signs
    assert "请选择" in text and "申请人签名" in text


def test_the_notes_quote_the_rules_in_force(app, testapp):
    profile = app.registry["request_rules"].profile_for(TODAY)
    text = pdf_text(testapp.get("/apply/form.pdf").body)
    for sentence in (
        profile.wording("answer_rule"),
        profile.wording("correction_notice_rule"),
        profile.regulations + profile.article("receipt"),
    ):
        assert re.sub(r"\s+", "", sentence) in text


def test_printed_for_one_body_and_one_kind_of_applicant(testapp, orgs):
    body = orgs.by_code["016000102"]  # 咸阳市民政局
    res = testapp.get(f"/apply/form.pdf?organisation={body.code}&applicant_type=organisation")
    assert quote(f"{body.name}政府信息公开申请表.pdf") in res.headers["Content-Disposition"]
    text = pdf_text(res.body)
    assert body.name in text and "请选择" not in text
    assert "■法人或者其他组织" in text and "统一社会信用代码" in text
    assert "公民填写" not in text and "证件类型" not in text
    person = pdf_text(testapp.get("/apply/form.pdf?applicant_type=person").body)
    assert "证件类型" in person and "统一社会信用代码" not in person


def test_bad_parameters_are_a_400_naming_them(testapp):
    res = testapp.get("/apply/form.pdf?organisation=999999999&applicant_type=robot", status=400)
    assert "受理机关" in res.text and "申请人类型" in res.text


def test_a_field_added_to_the_schema_is_printed(app, application):
    """The form follows the schema: no list of fields of its own."""
    application.add(colander.SchemaNode(colander.String(), name="extra", title="新增的申请字段"))
    profile = app.registry["request_rules"].profile_for(TODAY)
    pdf = build_application_form(application, profile, app.registry["letter_font"])
    assert "新增的申请字段" in pdf_text(pdf)
    assert pdf == build_application_form(application, profile, app.registry["letter_font"])
