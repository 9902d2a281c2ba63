"""Accessible markup and plain Chinese wording (issue 15), checked on the HTML the server sends.

A skip link first and one ``<main>`` on every page; the application form's required markers,
its "请选择" default, its error summary linked to the fields, each bad field tied to its message;
field labels (never parameter names) and no English on error pages and in the API's errors;
attachments described in words ("PDF 文件，60.6 KB"); the phone rules in the style sheet and the
contrast of every text colour on its background. The browser run (tests/e2e) checks the layout.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from urllib.parse import urlencode

import lxml.html
import pytest

from disclosure.models import Attachment

from ..conftest import TODAY

CSS = Path(__file__).resolve().parents[2] / "disclosure/static/site.css"
FOCUSABLE = (
    "//a[@href] | //button | //input[not(@type='hidden')] | //select | //textarea"
    " | //summary | //*[@tabindex and not(@tabindex='-1')]"
)
ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")


def parse(res) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(res.body)


def text_of(element) -> str:
    return " ".join(element.text_content().split())


@pytest.fixture
def item(dbsession, civil, catalogue, item_data):
    """A published item with a 62,031-byte PDF attachment."""
    made = catalogue.create(civil, item_data(title="关于无障碍改造的通知"), None)
    catalogue.publish(made, None, TODAY)
    digest = hashlib.sha256(b"a11y").hexdigest()
    dbsession.add(
        Attachment(
            item=made,
            filename="改造方案.pdf",
            media_type="application/pdf",
            kind="pdf",
            size=62031,
            sha256=digest,
            storage_key=f"{digest[:2]}/{digest}",
            text="",
        )
    )
    dbsession.flush()
    return made


def public_pages(item) -> list[tuple[str, int]]:
    return [
        ("/", 200),
        ("/catalogue", 200),
        ("/search?" + urlencode({"q": "无障碍"}), 200),
        (f"/catalogue/{item.index_number}", 200),
        ("/organisations", 200),
        ("/released", 200),
        ("/apply", 200),
        ("/requests/new", 200),
        ("/requests/status", 200),
        ("/statistics", 200),
        ("/catalogue?topic=zz", 400),
        ("/no/such/page", 404),
    ]


def unlabelled_controls(doc) -> list[str]:
    missing = []
    controls = doc.xpath(
        "//input[not(@type='hidden') and not(@type='submit') and not(@type='button')]"
        " | //select | //textarea"
    )
    for control in controls:
        if control.get("aria-label") or control.get("aria-labelledby"):
            continue
        if control.get("id") and doc.xpath("//label[@for=$id]", id=control.get("id")):
            continue
        if control.xpath("ancestor::label"):
            continue
        missing.append(control.get("name") or control.tag)
    return missing


def test_every_page_opens_with_the_skip_link_to_its_one_main(testapp, item):
    for path, status in public_pages(item):
        doc = parse(testapp.get(path, status=status))
        assert doc.get("lang") == "zh-CN", path
        (main,) = doc.xpath("//main")
        first = doc.xpath(FOCUSABLE)[0]
        assert first.tag == "a" and text_of(first) == "跳到主要内容", path
        assert first.get("href") == "#main" and doc.get_element_by_id("main") is main, path
        for landmark in ("header", "nav", "footer"):
            assert doc.xpath(f"//{landmark}"), (path, landmark)
        assert not unlabelled_controls(doc), (path, unlabelled_controls(doc))


def test_the_menu_folds_behind_a_button_and_lists_whole_words(testapp):
    doc = parse(testapp.get("/"))
    (button,) = doc.xpath("//header//button[contains(@class, 'menu-toggle')]")
    assert text_of(button) == "菜单" and button.get("aria-expanded") == "false"
    nav = doc.get_element_by_id(button.get("aria-controls"))
    assert nav.tag == "nav" and nav.get("aria-label")
    assert "申请公开" in [text_of(a) for a in nav.xpath(".//a")]
    assert doc.xpath("//script[contains(@src, 'site.js')]")


def test_list_tables_become_labelled_cards_and_facets_fold(testapp, item):
    doc = parse(testapp.get("/catalogue"))
    (table,) = doc.xpath("//main//table[contains(@class, 'cards')]")
    headers = [text_of(th) for th in table.xpath(".//thead//th")]
    assert headers == ["索引号", "名称", "文号", "发布机构", "发布日期"]
    assert all(th.get("scope") == "col" for th in table.xpath(".//thead//th"))
    for row in table.xpath(".//tbody/tr"):
        assert [td.get("data-label") for td in row.xpath("td")] == headers
    (fold,) = doc.xpath("//aside[contains(@class, 'facets')]/details[contains(@class, 'fold')]")
    assert text_of(fold.xpath("summary")[0]) == "筛选"
    search = parse(testapp.get("/search", {"q": "无障碍"}))
    assert search.xpath("//aside[contains(@class, 'facets')]/details[contains(@class, 'fold')]")
    assert len(search.xpath("//h1")) == 1
    page = parse(testapp.get(f"/catalogue/{item.index_number}"))
    assert page.xpath("//table[contains(@class, 'meta')]//th")
    assert all(th.get("scope") == "row" for th in page.xpath("//table[@class='meta']//th"))


def field(doc, name: str):
    (control,) = doc.xpath("//form[@id='deform']//*[@name=$name]", name=name)
    return control


def label_of(doc, control):
    (label,) = doc.xpath("//label[@for=$id]", id=control.get("id"))
    return label


def marker_shown(label) -> bool:
    """The "*" (hidden from screen readers) and "（必填）" (for them only), not ``hidden``."""
    (mark,) = label.xpath(".//*[contains(@class, 'required-mark')]")
    star = mark.xpath(".//*[@aria-hidden='true']")
    spoken = mark.xpath(".//*[contains(@class, 'visually-hidden')]")
    assert star and "*" in text_of(star[0]) and spoken and text_of(spoken[0]) == "（必填）"
    return mark.get("hidden") is None


def test_application_form_marks_its_required_fields(testapp):
    doc = parse(testapp.get("/requests/new"))
    form = doc.get_element_by_id("deform")
    assert form.get("novalidate") is not None  # the server's error summary, not browser bubbles
    for name in ("name", "phone", "organisation", "description", "consent"):
        control = field(doc, name)
        assert control.get("required") == "required", name
        assert marker_shown(label_of(doc, control)), name
    for name in ("work_unit", "postcode", "document_number"):
        label = label_of(doc, field(doc, name))
        assert not label.xpath(".//*[contains(@class, 'required-mark')]"), name
    # required with the chosen delivery (e-mail, the default): marked, aria-required only
    email = field(doc, "email")
    assert marker_shown(label_of(doc, email)) and email.get("aria-required") == "true"
    assert email.get("required") is None
    address = field(doc, "address")
    assert not marker_shown(label_of(doc, address)) and address.get("aria-required") is None
    # 受理机关: "请选择" first and selected, nothing else
    organisation = field(doc, "organisation")
    options = organisation.xpath("option")
    assert (options[0].get("value"), text_of(options[0])) == ("", "请选择")
    assert [o.get("value") for o in options if o.get("selected") is not None] == [""]
    # radio groups: a fieldset whose legend carries the marker; no autofocus anywhere
    (legend,) = doc.xpath("//fieldset[contains(@class, 'item-applicant_type')]/legend")
    assert "（必填）" in text_of(legend)
    assert not doc.xpath("//*[@autofocus]")


def test_the_identity_groups_say_when_they_apply(testapp):
    doc = parse(testapp.get("/requests/new"))
    groups = {
        g.get("data-show-value"): g
        for g in doc.xpath("//fieldset[@data-show-when='applicant_type']")
    }
    assert set(groups) == {"person", "organisation"}
    names = {
        key: {c.get("name") for c in g.xpath(".//*[@name]") if c.get("name") != "__start__"}
        for key, g in groups.items()
    }
    assert names["person"] == {"id_type", "id_number"}
    assert names["organisation"] == {
        "applicant_category",
        "credit_code",
        "legal_representative",
        "contact_person",
    }
    assert text_of(groups["organisation"].xpath("legend")[0]) == "法人或者其他组织的信息"
    # without the script both show: none is hidden in the page as sent
    assert all(g.get("hidden") is None for g in groups.values())


def test_a_failed_submission_lists_each_error_linked_to_its_field(testapp):
    form = testapp.get("/requests/new").forms["deform"]
    form["description"] = "太短"
    res = form.submit("submit", status=400)
    doc = parse(res)
    (summary,) = doc.xpath("//*[contains(@class, 'error-summary') and @role='alert']")
    assert summary.xpath(".//h2") and summary.get("tabindex") == "-1"
    links = summary.xpath(".//li/a")
    bad = set()
    for link in links:
        target = doc.get_element_by_id(link.get("href").removeprefix("#"))
        assert target.tag in ("input", "select", "textarea"), link.get("href")
        assert target.get("aria-invalid") == "true"
        described = [doc.get_element_by_id(i) for i in target.get("aria-describedby").split()]
        messages = [text_of(d) for d in described if "invalid-feedback" in d.get("class", "")]
        assert messages and text_of(link).endswith(messages[0]), text_of(link)
        bad.add(target.get("name"))
    assert {"name", "phone", "organisation", "description", "consent"} <= bad
    assert "受理机关：请选择受理机关" in [text_of(a) for a in links]
    assert "所需信息的内容描述：请具体描述所需信息（至少5个字）" in [text_of(a) for a in links]
    main = text_of(doc.xpath("//main")[0])
    assert "; " not in main and "申请内容有误" not in main
    # the sent-back form marks what the sent choice requires: post needs an address, not e-mail
    form = res.forms["deform"]
    for fields in form.fields.values():
        if "post" in [o[0] for o in getattr(fields[0], "options", None) or []]:
            fields[0].value = "post"
    doc = parse(form.submit("submit", status=400))
    assert marker_shown(label_of(doc, field(doc, "address")))
    assert not marker_shown(label_of(doc, field(doc, "email")))


def test_api_application_errors_are_each_fields_own_message(testapp):
    res = testapp.post_json("/api/v1/requests", {"delivery_channel": "email"}, status=400).json
    assert res["error"] == "申请内容有误"
    assert res["fields"]["email"] == "选择电子邮件方式时必须填写电子邮箱"
    for message in res["fields"].values():
        assert "; " not in message and "申请内容有误" not in message, message


def test_error_pages_name_fields_in_chinese_not_by_parameter(testapp):
    res = testapp.get("/catalogue", {"topic": "zz", "q": "x", "page": "abc"}, status=400)
    errors = [text_of(li) for li in parse(res).xpath("//main//ul[@class='errors']/li")]
    assert "主题分类：“zz”不是有效的主题分类" in errors and "页码：应为整数" in errors
    res = testapp.get("/search", {"topic": "zz", "q": "x"}, status=400)
    summary = text_of(parse(res).xpath("//*[@id='search-errors']")[0])
    assert "主题分类：" in summary
    for res in (
        testapp.get("/catalogue", {"topic": "无此主题", "q": "x", "page": "x"}, status=400),
        testapp.get("/search", {"topic": "无此主题", "q": "x", "date_from": "昨天"}, status=400),
        testapp.get("/feeds/catalogue.atom", {"page": "第一"}, status=400),
    ):
        doc = parse(res)
        main = text_of(doc.xpath("//main")[0])
        for prefix in ("topic", "q", "page", "date_from"):
            assert not re.search(rf"\b{prefix}\s*[:：]", main), (prefix, main)
        (errors,) = doc.xpath("//main//*[contains(@class, 'error-summary')]")
        shown = text_of(errors).replace("YYYY-MM-DD", "")
        assert "; " not in shown and not ENGLISH_WORD.search(shown), shown
    main = text_of(
        parse(testapp.get("/catalogue/016000001/2026-99999", status=404)).xpath("//main")[0]
    )
    assert "页面不存在" in main and "/catalogue" not in main


def test_api_errors_have_no_english(testapp):
    for path, status in (
        ("/api/v1/catalogue/016000001/2026-99999", 404),
        ("/api/v1/no-such-thing", 404),
        ("/api/v1/catalogue?" + urlencode({"topic": "无此主题", "page": "第一"}), 400),
        ("/api/v1/search?" + urlencode({"topic": "无此主题", "date_from": "昨天"}), 400),
    ):
        body = testapp.get(path, status=status).json
        texts = [body["error"], *body.get("fields", {}).values()]
        assert not any(ENGLISH_WORD.search(t.replace("YYYY-MM-DD", "")) for t in texts), body


def test_attachments_read_as_a_kind_and_a_size(testapp, item):
    doc = parse(testapp.get(f"/catalogue/{item.index_number}"))
    (entry,) = doc.xpath("//ul[@class='attachments']/li")
    assert "改造方案.pdf" in text_of(entry) and "（PDF 文件，60.6 KB）" in text_of(entry)
    assert "application/pdf" not in text_of(entry) and "62031" not in text_of(entry)


# --- the style sheet -------------------------------------------------------------------------


def css_blocks(css: str) -> list[tuple[str, str]]:
    """``(selector, declarations)`` of every innermost rule (inside @media too)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    return [(s.strip(), d) for s, d in re.findall(r"([^{}]+)\{([^{}]*)\}", css)]


def colour_variables(css: str) -> dict[str, str]:
    (root,) = [d for s, d in css_blocks(css) if s == ":root"]
    raw = dict(re.findall(r"--([\w-]+)\s*:\s*([^;]+);", root))
    resolved = {}
    for name, value in raw.items():
        while (ref := re.fullmatch(r"var\(--([\w-]+)\)", value.strip())) is not None:
            value = raw[ref.group(1)]
        resolved[name] = value.strip()
    return resolved


def luminance(colour: str) -> float:
    hexa = colour.lstrip("#")
    if len(hexa) == 3:
        hexa = "".join(c * 2 for c in hexa)
    channels = [int(hexa[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# Every text colour on every background the site sets it on (site.css).
TEXT_PAIRS = [
    ("text", "bg"),
    ("text", "surface"),
    ("text", "error-bg"),
    ("text", "warn-bg"),
    ("text", "notice-bg"),
    ("text", "ok-bg"),
    ("muted", "bg"),
    ("muted", "surface"),
    ("link", "bg"),
    ("link", "surface"),
    ("link", "warn-bg"),
    ("link", "notice-bg"),
    ("link", "ok-bg"),
    ("link-visited", "bg"),
    ("link-visited", "surface"),
    ("accent", "bg"),
    ("accent", "error-bg"),
    ("accent", "notice-bg"),
    ("on-accent", "accent"),
    ("error", "bg"),
    ("error", "error-bg"),
    ("caution", "bg"),
    ("caution", "notice-bg"),
]
# Focus rings and field borders against what surrounds them (WCAG 1.4.11: 3:1).
NON_TEXT_PAIRS = [("focus", "bg"), ("focus", "surface"), ("focus-on-accent", "accent")]
NON_TEXT_PAIRS += [("field-line", "bg")]


@pytest.mark.parametrize(("fg", "bg"), TEXT_PAIRS)
def test_text_contrast_is_at_least_4_5(fg, bg):
    colours = colour_variables(CSS.read_text(encoding="utf-8"))
    assert contrast(colours[fg], colours[bg]) >= 4.5, (fg, bg, colours[fg], colours[bg])


@pytest.mark.parametrize(("fg", "bg"), NON_TEXT_PAIRS)
def test_focus_ring_and_field_border_contrast_is_at_least_3(fg, bg):
    colours = colour_variables(CSS.read_text(encoding="utf-8"))
    assert contrast(colours[fg], colours[bg]) >= 3, (fg, bg)


def test_colours_come_from_the_checked_variables():
    css = CSS.read_text(encoding="utf-8")
    colours = colour_variables(css)
    checked = {name for pair in TEXT_PAIRS for name in pair}
    for selector, declarations in css_blocks(css):
        if selector == ":root":
            continue
        for prop, value in re.findall(r"([\w-]+)\s*:\s*([^;]+)", declarations):
            if prop in ("color", "background", "background-color"):
                assert "#" not in value and "rgb" not in value, (selector, prop, value)
            for name in re.findall(r"var\(--([\w-]+)\)", value):
                assert name in colours, (selector, name)
        # a rule that sets both a text colour and a background: a checked pair
        fg = re.search(r"(?<![-\w])color\s*:\s*var\(--([\w-]+)\)", declarations)
        bg = re.search(r"background(?:-color)?\s*:\s*var\(--([\w-]+)\)", declarations)
        if fg and bg:
            assert (fg.group(1), bg.group(1)) in TEXT_PAIRS, selector
        elif fg:
            assert fg.group(1) in checked, selector


def test_the_style_sheet_holds_the_phone_rules():
    css = CSS.read_text(encoding="utf-8")
    phone = re.search(r"@media \(max-width: 760px\) \{(.*)\}\s*$", css, re.S)
    assert phone is not None
    rules = phone.group(1)
    for needle in (
        "table.cards td[data-label]::before",
        "content: attr(data-label)",
        "table.meta tr { display: grid",
        ".js .menu-toggle",
        ".js header.site nav:not(.open) { display: none; }",
        ".columns { flex-direction: column;",
    ):
        assert needle in rules, needle
    assert "header.site nav a, header.site nav button.link { white-space: nowrap;" in css
    assert re.search(r":focus-visible \{ outline: 3px solid var\(--focus\)", css)
    assert ".skip-link:focus" in css
