"""The law in one place (disclosure.law): profiles chosen by receipt date, articles and day counts
from the data, the 2008 consultation pause without a cap, the one business clock, and no article
or working-day count written into the code that shows cases to people."""

from __future__ import annotations

import ast
import re
import shutil
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from disclosure.calendar.workdays import WorkingCalendar
from disclosure.clock import business_today, today
from disclosure.law import Law, ProfileError, load_law
from disclosure.letters.templates import DEFAULT_VARIANT, load_templates, render_text
from disclosure.requests.deadlines import ClockEvent, compute_due, public_trail
from disclosure.requests.services import RequestRules

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "catalog_schemas"
LAW = load_law(SCHEMAS)
OGI2019 = LAW.profile("ogi-2019")
OGI2008 = LAW.profile("ogi-2008")
CAL = WorkingCalendar(SCHEMAS / "calendars")
SEP24 = date(2026, 9, 24)  # Thursday; see tests/unit/test_deadlines.py for the 2026 calendar

# What a 2008 case must never show: the 2019 articles of the request procedure and its figures.
ARTICLES_2019 = [f"第{n}条" for n in ("三十", "三十一", "三十二", "三十三", "三十四", "三十五")] + [
    f"第{n}条" for n in ("三十六", "三十七", "三十八", "三十九", "四十二")
]
FIGURES_2019 = re.compile(r"(?<![0-9])(?:20|7)个工作日")


def assert_no_2019_law(text: str) -> None:
    flat = "".join(text.split())
    for article in ARTICLES_2019:
        assert article not in flat, article
    assert not FIGURES_2019.search(flat), FIGURES_2019.search(flat).group(0)


# -- the profiles, by receipt date --------------------------------------------------------------


def test_profiles_are_effective_dated():
    assert OGI2019.effective_from == date(2019, 5, 15)
    assert OGI2008.effective_from == date(2008, 5, 1)
    assert LAW.profile_for(date(2019, 5, 14)) is OGI2008
    assert LAW.profile_for(date(2019, 5, 15)) is OGI2019
    assert LAW.profile_for(date(2018, 6, 1)) is OGI2008
    assert LAW.profile_for(date(2026, 11, 20)) is OGI2019
    assert LAW.profile_for(date(2005, 1, 1)) is OGI2008  # before every profile: the earliest


def test_the_setting_only_overrides():
    by_date = RequestRules(SCHEMAS)
    assert by_date.profile_for(date(2019, 5, 14)).key == "ogi-2008"
    assert by_date.profile_for(date(2019, 5, 15)).key == "ogi-2019"
    forced = RequestRules(SCHEMAS, "ogi-2008")
    assert forced.profile_for(date(2026, 11, 20)).key == "ogi-2008"
    with pytest.raises(ProfileError, match="ogi-2030"):
        RequestRules(SCHEMAS, "ogi-2030")


def test_day_counts_and_articles_are_data():
    assert (OGI2019.answer_days, OGI2019.extension_days, OGI2019.consultation_days) == (20, 20, 15)
    assert (OGI2008.answer_days, OGI2008.extension_days, OGI2008.consultation_days) == (
        15,
        15,
        None,
    )
    assert OGI2008.correction_notice_days is None and OGI2008.fee_payment_days is None
    assert OGI2019.pause_article == "第三十三条第三款"  # the pause cites Art. 33(3)
    assert OGI2008.pause_article == "第二十四条第三款"
    assert OGI2008.article("receipt") == "" and OGI2019.article("receipt") == "第三十一条"
    assert OGI2019.outcome_article("disclosed") == "第三十六条第（二）项"
    assert OGI2008.outcome_article("disclosed") == "第二十一条第（一）项"
    assert OGI2008.outcome_article("unpaid") == "第二十七条"  # closures too


def test_citations():
    regs = "《中华人民共和国政府信息公开条例》"
    assert OGI2019.legal_basis("not_disclosed", "third_party") == (
        f"{regs}第十五条和第三十六条第（三）项"
    )
    assert OGI2008.legal_basis("not_disclosed", "third_party") == (
        f"{regs}第十四条第四款、第二十三条和第二十一条第（二）项"
    )
    assert OGI2008.legal_basis("disclosed") == f"{regs}第二十一条第（一）项"
    # another instrument is cited as written, the Regulations' articles under their title
    basis = OGI2008.legal_basis("partially_disclosed", "process_info")
    assert basis.startswith("《国务院办公厅关于做好政府信息依申请公开工作的意见》")
    assert basis.endswith(f"和{regs}第二十二条")


def test_wording_is_filled_from_the_profile():
    assert OGI2019.wording("answer_rule").startswith(
        "依据《中华人民共和国政府信息公开条例》第三十三条第二款"
    )
    assert "20个工作日内" in OGI2019.wording("answer_rule")
    rule_2008 = OGI2008.wording("answer_rule")
    assert "第二十四条第二款" in rule_2008 and "15个工作日" in rule_2008
    assert_no_2019_law(rule_2008)
    assert OGI2019.wording("third_party_reply", deadline="2026年12月14日") == (
        "自收到本意见书之日起15个工作日内，即于2026年12月14日前"
    )
    assert OGI2019.values()["third_party_reply"] == ""  # needs the case's deadline
    assert OGI2008.values()["third_party_reply"]  # the 2008 rules set the party no deadline


# -- broken data stops start-up, naming file and key ---------------------------------------------


@pytest.fixture
def schemas(tmp_path) -> Path:
    target = tmp_path / "catalog_schemas"
    (target / "profiles").mkdir(parents=True)
    shutil.copy(SCHEMAS / "outcomes.yaml", target / "outcomes.yaml")
    for path in (SCHEMAS / "profiles").glob("*.yaml"):
        shutil.copy(path, target / "profiles" / path.name)
    return target


def edit_profile(schemas: Path, key: str, change) -> Path:
    path = schemas / "profiles" / f"{key}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_profile_must_cite_every_outcome(schemas):
    path = edit_profile(schemas, "ogi-2008", lambda d: d["outcomes"].pop("repeat"))
    with pytest.raises(ProfileError) as err:
        load_law(schemas)
    assert str(path) in str(err.value) and "outcomes.repeat" in str(err.value)


def test_a_profile_may_not_cite_unknown_codes(schemas):
    path = edit_profile(schemas, "ogi-2019", lambda d: d["grounds"].update(gossip="第九条"))
    with pytest.raises(ProfileError) as err:
        load_law(schemas)
    assert str(path) in str(err.value) and "grounds.gossip" in str(err.value)


def test_two_profiles_may_not_take_effect_on_one_day(schemas):
    edit_profile(schemas, "ogi-2008", lambda d: d.update(effective_from=date(2019, 5, 15)))
    with pytest.raises(ProfileError, match="effective_from"):
        load_law(schemas)


def test_a_missing_key_names_file_and_key(schemas):
    path = edit_profile(schemas, "ogi-2019", lambda d: d.pop("effective_from"))
    with pytest.raises(ProfileError) as err:
        load_law(schemas)
    assert f"{path}: effective_from: 缺少此字段" in str(err.value)


# -- the consultation pause: capped in 2019, not in 2008 ----------------------------------------


def pause(start, end=None):
    return ClockEvent("pause", start, end)


def test_2019_caps_the_pause_at_15_working_days_and_2008_does_not():
    # Sent Fri 9 Oct, answered Mon 23 Nov: Sat 10 Oct (make-up day), 12 Oct … 23 Nov: 32
    # working days.
    sent, answered = date(2026, 10, 9), date(2026, 11, 23)
    capped = compute_due(SEP24, OGI2019, CAL, [pause(sent, answered)])
    uncapped = compute_due(SEP24, OGI2008, CAL, [pause(sent, answered)])
    assert capped.paused_days == 15
    assert uncapped.paused_days == 32
    # 2008, 15 answer days: 28-30 Sep (3), 8, 9 Oct (5), paused to 23 Nov, 24-27 Nov (9),
    # 30 Nov - 4 Dec (14), Mon 7 Dec (15).
    assert uncapped.due_on == date(2026, 12, 7)
    # 2019, 20 answer days with 15 paused: the 35th working day after receipt, Thu 19 Nov.
    assert capped.due_on == date(2026, 11, 19) == CAL.add_working_days(SEP24, 35).date
    [step_2019] = [s for s in capped.trail if s.kind == "pause"]
    [step_2008] = [s for s in uncapped.trail if s.kind == "pause"]
    assert "超过 15 个工作日" in step_2019.text and step_2019.article == "第三十三条第三款"
    assert "超过" not in step_2008.text and step_2008.article == "第二十四条第三款"
    assert "共 32 个工作日" in step_2008.text


def test_an_open_pause_runs_to_the_cap_in_2019_and_waits_in_2008():
    sent = date(2026, 10, 9)
    capped = compute_due(SEP24, OGI2019, CAL, [pause(sent)])
    waiting = compute_due(SEP24, OGI2008, CAL, [pause(sent)])
    assert capped.awaiting_consultation and waiting.awaiting_consultation
    assert capped.paused_days == 15
    assert waiting.paused_days == 0  # nothing known yet; the due date moves when it ends
    assert waiting.due_on == compute_due(SEP24, OGI2008, CAL).due_on
    [step] = [s for s in waiting.trail if s.kind == "pause"]
    assert "未规定征求意见的期限" in step.text and "顺延" in step.text
    assert any("收到后答复期限将相应顺延" in line for line in public_trail(waiting))
    for s in waiting.trail:
        assert_no_2019_law(s.text + s.article + (s.public_text or ""))


# -- the letters for a 2008 case -------------------------------------------------------------------


CASE = {
    "agency": "咸阳市民政局",
    "agency_short": "咸民",
    "applicant": "张三",
    "received_on": date(2018, 6, 1),
    "tracking_number": "YS2018-AAAA-BBBB-CCCC",
    "description": "2017年度城乡最低生活保障资金发放明细",
    "application": "政府信息公开申请",
    "request_verb": "申请获取",
    "request_object": "的信息",
    "issued_on": date(2018, 6, 4),
    "letter_number": "咸民公开答〔2018〕1号",
    "status_url": "https://example.com/requests/status",
    "document_number": "无",
    "index_number": "无",
    "due_on": date(2018, 6, 25),
    "new_due_on": date(2018, 8, 22),
    "extension_days": "15",
    "correction_items": "请写明所需信息的年度。",
    "correction_deadline": date(2018, 6, 15),
    "third_party": "某物流有限公司",
    "reasons": "涉及第三方商业秘密，第三方不同意公开。",
    "ground_label": "涉及商业秘密、个人隐私等",
    "reconsideration_body": "咸阳市人民政府",
    "access_route": "电子邮件发送",
    "referral": "咸阳市财政局",
    "previous_reply": "咸民公开答〔2018〕1号",
    "reasons_asked_on": date(2018, 6, 5),
    "reasons_given": "您于2018年6月8日说明了申请理由",
}


@pytest.mark.parametrize("kind", ["acknowledgement", "correction", "extension", "third_party"])
def test_every_letter_of_a_2008_case_cites_the_2008_rules(kind):
    templates = load_templates(SCHEMAS / "letters", LAW.outcomes)
    values = {**CASE, **{k: v for k, v in OGI2008.values().items() if v}}
    letter = render_text(templates[kind], DEFAULT_VARIANT, values)
    text = "".join(letter.paragraphs)
    assert_no_2019_law(text)
    expected = {
        "acknowledgement": [
            "第二十四条第二款",
            "15个工作日",
            "第二十四条第三款",
            "第二十一条第（四）项",
        ],
        "correction": ["第二十一条第（四）项"],
        "extension": ["第二十四条第二款", "延长15个工作日"],
        "third_party": ["第二十三条", "不同意公开的，我机关不予公开"],
    }[kind]
    for needle in expected:
        assert needle in text, needle


@pytest.mark.parametrize("code", sorted(LAW.outcomes))
def test_every_reply_of_a_2008_case_cites_the_2008_rules(code):
    templates = load_templates(SCHEMAS / "letters", LAW.outcomes)
    ground = "third_party" if LAW.outcomes[code].grounds else ""
    values = {
        **CASE,
        **{k: v for k, v in OGI2008.values().items() if v},
        "ground_article": OGI2008.ground_article("third_party"),
        "legal_basis": OGI2008.legal_basis(code, ground),
    }
    text = "".join(render_text(templates["reply"], code, values).paragraphs)
    assert_no_2019_law(text)
    assert OGI2008.outcome_article(code).removeprefix("《") in text


@pytest.mark.parametrize("code", sorted(LAW.record_corrections))
def test_every_answer_to_a_2008_correction_of_records_cites_the_2008_rules(code):
    templates = load_templates(SCHEMAS / "letters", LAW.outcomes, LAW.record_corrections)
    values = {
        **CASE,
        **{k: v for k, v in OGI2008.values().items() if v},
        "legal_basis": OGI2008.legal_basis(code),
    }
    text = "".join(render_text(templates["record_correction_reply"], code, values).paragraphs)
    assert_no_2019_law(text)
    assert "第四十一条" not in text and "第二十五条第二款" in text


def test_the_2008_rules_set_no_fee_period_and_no_art_35_steps():
    """The 2008 text has no payment period (the fee notice is refused for its cases) and no
    Art. 35 (no reasons asked, no later answer date); the 2019 profile has all three."""
    assert OGI2008.fee_payment_days is None and OGI2019.fee_payment_days == 20
    for step in ("excessive", "later_date", "fee_payment"):
        assert OGI2008.article(step) == "" and OGI2019.article(step)
    assert OGI2019.article("excessive") == OGI2019.article("later_date") == "第三十五条"
    assert "{" not in OGI2019.wording("fee_payment_rule")
    assert "20个工作日内缴纳" in OGI2019.wording("fee_payment_rule")
    assert OGI2019.outcome_article("record_corrected") == "第四十一条"
    assert LAW.report_row("record_refused") == ""  # not counted in table 三
    assert LAW.report_row("unpaid") == "三（六）2"


# -- one business clock ---------------------------------------------------------------------------


def test_business_today_is_the_date_in_beijing():
    late_utc = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)  # 07:30 on the 26th in Beijing
    assert business_today(late_utc) == date(2026, 11, 26)
    assert business_today(late_utc.replace(tzinfo=None)) == date(2026, 11, 26)  # naive = UTC
    assert business_today(datetime(2026, 11, 25, 15, 59, tzinfo=UTC)) == date(2026, 11, 25)
    eastern = timezone(timedelta(hours=-5))
    assert business_today(datetime(2026, 11, 25, 18, 30, tzinfo=eastern)) == date(2026, 11, 26)


def test_todays_date_follows_an_injected_instant():
    registry = {"disclosure.now": lambda: datetime(2026, 11, 25, 23, 30)}
    assert today(SimpleNamespace(registry=registry)) == date(2026, 11, 26)
    registry["disclosure.clock"] = lambda: date(2018, 6, 1)  # an injected business date wins
    assert today(SimpleNamespace(registry=registry)) == date(2018, 6, 1)


# -- no law in the code ---------------------------------------------------------------------------

LAW_LITERAL = re.compile(
    r"第[一二三四五六七八九十百零〇]+条|[0-9０-９一二三四五六七八九十两]+\s*个工作日"
)
CHECKED = (
    "disclosure/requests",
    "disclosure/letters",
    "disclosure/templates",
    "disclosure/reports",
    "disclosure/statistics",
    "disclosure/scorecard",
)
# Literals allowed to stay, each with why. All are on forms for NEW applications, which always
# fall under the rules in force today; none is shown with a case.
ALLOWED = {
    (
        "disclosure/requests/forms.py",
        "第三十一条",
    ): "officer entry form: the Art. 31 receipt-date help",
    ("disclosure/templates/requests/officer_new.jinja2", "第三十一条"): "the same, on the page",
    ("disclosure/templates/apply.jinja2", "第二十七条"): "public application page",
    ("disclosure/templates/requests/apply.jinja2", "第二十七条"): "public application form",
    ("disclosure/templates/requests/apply.jinja2", "第二十九条"): "public application form",
}


def _python_strings(path: Path):
    """Every string constant except docstrings (comments are not in the tree)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            if isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
                docstrings.add(id(body[0].value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docstrings:
                yield node.value


def _texts(path: Path):
    if path.suffix == ".py":
        yield from _python_strings(path)
    else:  # a template: all of it but {# comments #}
        yield re.sub(r"\{#.*?#\}", "", path.read_text(encoding="utf-8"), flags=re.S)


def test_no_article_or_working_day_count_is_written_into_the_code():
    """Articles and day counts live in catalog_schemas/ and reach the code through
    disclosure.law; a literal one here would show 2019 law on a 2008 case."""
    found = []
    for folder in CHECKED:
        for path in sorted((ROOT / folder).rglob("*")):
            if not path.is_file() or path.suffix not in (".py", ".jinja2", ".html", ".txt"):
                continue
            relative = path.relative_to(ROOT).as_posix()
            for text in _texts(path):
                for match in LAW_LITERAL.finditer(text):
                    if (relative, match.group(0)) not in ALLOWED:
                        found.append(f"{relative}: {match.group(0)}")
    assert not found, "take these from disclosure.law instead:\n" + "\n".join(found)


def test_the_law_loads_as_the_request_rules_outcome_table():
    rules = RequestRules(SCHEMAS)
    assert isinstance(rules.outcomes, Law) and rules.outcomes is rules.law
    assert rules.outcomes.report_row("not_disclosed", "third_party") == "三（三）4"


def test_no_template_or_module_outside_the_law_names_an_article():
    """Articles are data (catalog_schemas/profiles) read through disclosure.law: pages, forms
    and the API take them from the profile in force, never from their own text (templates, and
    the string constants of modules; docstrings and comments may name what they describe)."""
    import ast
    import re
    from pathlib import Path

    package = Path(__file__).resolve().parents[2] / "disclosure"
    article = re.compile(r"第[一二三四五六七八九十百零]+条")
    named = []
    for path in package.rglob("*"):
        where = path.relative_to(package)
        if "law" in where.parts or path.suffix not in (".py", ".jinja2", ".pt"):
            continue
        source = path.read_text(encoding="utf-8")
        if path.suffix != ".py":
            named += [
                f"{where}:{n}"
                for n, line in enumerate(source.splitlines(), 1)
                if article.search(line)
            ]
            continue
        tree = ast.parse(source)
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        named += [
            f"{where}:{node.lineno}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and article.search(node.value)
        ]
    assert named == []
