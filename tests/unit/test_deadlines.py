"""The deadline engine and the rule profiles.

Every date below was counted by hand (2026-01-01 is a Thursday). The 2026 calendar used:
25-27 Sep 中秋节, 1-7 Oct 国庆节, Sat 10 Oct a make-up working day; 15-23 Feb 春节 with make-up
Saturdays 14 and 28 Feb; 4-6 Apr 清明节.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml

from disclosure.calendar.profiles import ProfileError, load_profiles
from disclosure.calendar.workdays import WorkingCalendar
from disclosure.requests.deadlines import (
    ClockEvent,
    DeadlineError,
    DueResult,
    TrailStep,
    compute_due,
    due_soon,
    overdue,
    public_trail,
)

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "catalog_schemas"
CAL = WorkingCalendar(SCHEMAS / "calendars")
PROFILES = load_profiles(SCHEMAS / "profiles")
OGI2019 = PROFILES["ogi-2019"]
OGI2008 = PROFILES["ogi-2008"]
SEP24 = date(2026, 9, 24)  # Thursday; 20th working day: Thu 29 Oct

# Made up for tests: the 2027 arrangement is not published here.
ARRANGEMENT_2027 = {
    "year": 2027,
    "source": "测试用 2027 年安排 (test data)",
    "holidays": [{"from": "2027-01-01", "to": "2027-01-03", "name": "元旦"}],  # Fri–Sun
    "workdays": [{"date": "2027-02-20", "name": "春节调休"}],  # a Saturday, outside the window
}


def due(received: date, *events: ClockEvent, profile=OGI2019, calendar=CAL) -> DueResult:
    return compute_due(received, profile, calendar, events)


def texts(result: DueResult, kind: str | None = None) -> list[str]:
    return [s.text for s in result.trail if kind is None or s.kind == kind]


def restart(on):
    return ClockEvent("restart", on)


def pause(start, end=None):
    return ClockEvent("pause", start, end)


def extension(on, days):
    return ClockEvent("extension", on, days=days)


# -- profiles ---------------------------------------------------------------------------------


def test_profiles_are_data():
    assert set(PROFILES) == {"ogi-2019", "ogi-2008"}
    assert (OGI2019.answer_days, OGI2019.extension_days) == (20, 20)
    assert (OGI2019.correction_notice_days, OGI2019.consultation_days) == (7, 15)
    assert OGI2019.answer_article == "第三十三条第二款"
    assert OGI2019.correction_article == "第三十条"
    assert (OGI2008.answer_days, OGI2008.extension_days) == (15, 15)
    assert OGI2008.correction_notice_days is None
    assert OGI2008.answer_article == "第二十四条第二款"


@pytest.fixture
def profiles_dir(tmp_path) -> Path:
    target = tmp_path / "profiles"
    shutil.copytree(SCHEMAS / "profiles", target)
    return target


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"key": "ogi-2020"}, "key: 'ogi-2020' 与文件名不符"),
        ({"answer_days": None}, "answer_days: 必须是正整数"),
        ({"extension_days": 0}, "extension_days: 必须是正整数"),
        ({"consultation_days": "15"}, "consultation_days: 必须是正整数"),
        ({"correction_notice_days": -7}, "correction_notice_days: 必须是正整数或 null"),
        ({"articles.answer": ""}, "articles.answer: 必须是非空文本"),
        ({"articles.pause": ...}, "articles.pause: 缺少此字段"),
        ({"articles.appeal": "第九条"}, "articles.appeal: 未知字段"),
        ({"outcomes.disclosed": ""}, "outcomes.disclosed: 必须是非空文本"),
        ({"wording.answer_rule": ...}, "wording.answer_rule: 缺少此字段"),
        ({"wording.pause_rule": "{deadline}"}, "wording.pause_rule: {deadline}: 未知占位符"),
        ({"effective_from": "soon"}, "effective_from: 必须是日期"),
        ({"answer_day": 20}, "answer_day: 未知字段"),
        ({"name": ...}, "name: 缺少此字段"),
    ],
)
def test_bad_profile_names_file_and_field(profiles_dir, change, expected):
    path = profiles_dir / "ogi-2019.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key, value in change.items():
        *parents, name = key.split(".")
        target = data
        for parent in parents:
            target = target[parent]
        if value is ...:
            del target[name]
        else:
            target[name] = value
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ProfileError) as exc:
        load_profiles(profiles_dir)
    assert str(path) in str(exc.value)
    assert expected in str(exc.value)


def test_a_wording_may_not_use_a_day_count_the_rules_leave_unset(profiles_dir):
    path = profiles_dir / "ogi-2008.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["wording"]["pause_rule"] = "征求意见最长{consultation_days}个工作日"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ProfileError, match="wording.pause_rule: {consultation_days}: 本规则未规定"):
        load_profiles(profiles_dir)


def test_profile_correction_days_may_be_null_only_explicitly(profiles_dir):
    path = profiles_dir / "ogi-2008.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["correction_notice_days"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ProfileError, match="correction_notice_days: 缺少此字段"):
        load_profiles(profiles_dir)


# -- plain counting ---------------------------------------------------------------------------


def test_domain_example_received_24_september():
    result = due(SEP24)
    assert result.due_on == date(2026, 10, 29)
    assert not result.provisional
    assert result.clock_start == SEP24 and result.total_days == 20 and result.paused_days == 0
    # correction notice: 28, 29, 30 Sep, 8, 9, Sat 10, 12 Oct
    assert result.correction_due_on == date(2026, 10, 12)
    assert [s.kind for s in result.trail] == [
        "receipt",
        "correction_notice",
        "holiday",
        "holiday",
        "makeup_workday",
        "weekends",
        "due",
    ]
    assert texts(result) == [
        "2026-09-24 收到申请（当日不计入）",
        "如需补正，应于 2026-10-12 前一次性告知申请人（收到申请后第7个工作日）",
        "跳过中秋节 2026-09-25 至 2026-09-27",
        "跳过国庆节 2026-10-01 至 2026-10-07",
        "2026-10-10（国庆节调休）为工作日，计入期限",
        "其间周末 5 天不计入",  # 11, 17, 18, 24, 25 Oct
        "第20个工作日为 2026-10-29",
    ]
    assert result.trail[0].article == "第三十三条第二款"
    assert result.trail[1].article == "第三十条"
    holiday = result.trail[3]
    assert (holiday.date, holiday.end) == (date(2026, 10, 1), date(2026, 10, 7))


def test_public_trail_is_plain_chinese():
    assert public_trail(due(SEP24)) == [
        "2026年9月24日收到您的申请，收到当日不计入答复期限。",
        "中秋节假期（2026年9月25日至2026年9月27日）不计入答复期限。",
        "国庆节假期（2026年10月1日至2026年10月7日）不计入答复期限。",
        "2026年10月10日为国庆节调休上班日，计入答复期限。",
        "答复期限至2026年10月29日。",
    ]


def test_received_on_a_saturday_counts_from_monday():
    # Sat 28 Mar: 30, 31 Mar, 1-3 Apr are days 1-5; 4-6 Apr 清明节; 7-10 Apr days 6-9;
    # 13-17 Apr 10-14; 20-24 Apr 15-19; Mon 27 Apr day 20.
    result = due(date(2026, 3, 28))
    assert result.due_on == date(2026, 4, 27)
    assert due(date(2026, 3, 27)).due_on == date(2026, 4, 27)  # the Friday before
    assert due(date(2026, 3, 29)).due_on == date(2026, 4, 27)  # the Sunday
    assert "跳过清明节 2026-04-04 至 2026-04-06" in texts(result)


def test_received_on_a_holiday():
    # Sat 3 Oct (国庆节): 4-7 Oct off; Thu 8 Oct is day 1, Fri 9 day 2, Sat 10 (调休) day 3,
    # Mon 12 day 4 ... Fri 30 Oct day 18, Mon 2 Nov day 19, Tue 3 Nov day 20.
    result = due(date(2026, 10, 3))
    assert result.due_on == date(2026, 11, 3)
    assert CAL.add_working_days(date(2026, 10, 3), 1).date == date(2026, 10, 8)
    assert CAL.add_working_days(date(2026, 10, 3), 3).date == date(2026, 10, 10)
    # only the rest of the block after the day of receipt is skipped
    assert "跳过国庆节 2026-10-04 至 2026-10-07" in texts(result)


def test_spring_festival_make_up_saturdays_count():
    # Tue 10 Feb: 11-13 days 1-3, Sat 14 day 4, 15-23 off, 24-27 days 5-8, Sat 28 day 9,
    # 2-6 Mar days 10-14, 9-13 Mar 15-19, Mon 16 Mar day 20.
    result = due(date(2026, 2, 10))
    assert result.due_on == date(2026, 3, 16)
    assert texts(result, "makeup_workday") == [
        "2026-02-14（春节调休）为工作日，计入期限",
        "2026-02-28（春节调休）为工作日，计入期限",
    ]
    assert texts(result, "holiday") == ["跳过春节 2026-02-15 至 2026-02-23"]
    # The same arrangement without the two make-up Saturdays ends two working days later.
    no_makeup = CAL.with_year(
        {
            "year": 2026,
            "source": "test",
            "holidays": [{"from": "2026-02-15", "to": "2026-02-23", "name": "春节"}],
        }
    )
    assert due(date(2026, 2, 10), calendar=no_makeup).due_on == date(2026, 3, 18)


def test_ogi_2008_profile():
    # 15 working days from Thu 24 Sep: 28-30 Sep 1-3, 8, 9, Sat 10, 12-16 Oct 4-11, 19-22 Oct 12-15
    result = due(SEP24, profile=OGI2008)
    assert result.due_on == date(2026, 10, 22)
    assert result.correction_due_on is None
    assert result.trail[0].article == "第二十四条第二款"
    notice = result.trail[1]
    assert notice.kind == "correction_notice" and notice.date is None
    assert "未规定具体工作日数" in notice.text
    assert texts(result, "due") == ["第15个工作日为 2026-10-22"]


def test_correction_notice_limit_across_a_holiday():
    # Wed 30 Sep: 8, 9, Sat 10, 12, 13, 14, 15 Oct
    assert due(date(2026, 9, 30)).correction_due_on == date(2026, 10, 15)


# -- correction: restart ----------------------------------------------------------------------


def test_correction_restarts_the_clock():
    # Corrected request received Thu 8 Oct: 9, Sat 10, 12-16 (7), 19-23 (12), 26-30 (17),
    # 2, 3, 4 Nov (20).
    result = due(SEP24, restart(date(2026, 10, 8)))
    assert result.due_on == date(2026, 11, 4)
    assert result.clock_start == date(2026, 10, 8)
    assert result.correction_due_on == date(2026, 10, 12)  # still from the first receipt
    assert "2026-10-08 收到补正后的申请，期限重新计算（第三十条）" in texts(result)
    assert texts(result, "holiday") == []  # the National Day block is before the new clock
    assert "2026年10月8日收到您补正后的申请，答复期限自次日起重新计算。" in public_trail(result)


def test_latest_restart_wins_whatever_the_order():
    # Mon 12 Oct: 13-16 (4), 19-23 (9), 26-30 (14), 2-6 Nov (19), Mon 9 Nov (20)
    result = due(SEP24, restart(date(2026, 10, 12)), restart(date(2026, 10, 8)))
    assert result.due_on == date(2026, 11, 9)
    assert texts(result, "restart")[0].endswith("；其后又重新计算")


def test_restart_with_a_note_for_a_transfer():
    result = due(SEP24, ClockEvent("restart", date(2026, 10, 8), note="转送咸阳市民政局办理"))
    assert result.due_on == date(2026, 11, 4)
    assert texts(result, "restart") == ["2026-10-08 转送咸阳市民政局办理，期限重新计算"]


def test_a_transfer_is_not_a_correction():
    moved = ClockEvent("restart", date(2026, 10, 8), reason="transfer", note="咸阳市公安局")
    result = due(SEP24, moved)
    assert result.due_on == date(2026, 11, 4)  # the period counts afresh, as for a correction
    assert texts(result, "restart") == ["2026-10-08 转送咸阳市公安局办理，期限自次日起重新计算"]
    assert result.trail[[s.kind for s in result.trail].index("restart")].article == ""
    trail = public_trail(result)
    assert "2026年10月8日您的申请转送咸阳市公安局办理，答复期限自次日起重新计算。" in trail
    assert not any("补正" in line for line in trail)
    assert not any("第三十条" in s.text for s in result.trail if s.kind == "restart")


def test_event_before_receipt_is_rejected():
    with pytest.raises(DeadlineError, match="早于收到申请之日"):
        due(SEP24, restart(date(2026, 9, 23)))


# -- consultation: pause ----------------------------------------------------------------------


def test_closed_pause():
    # Letter sent Fri 9 Oct, answer Tue 20 Oct: working days 10, 12-16, 19, 20 Oct (8) excluded.
    # Counted: 28-30 Sep (3), 8, 9 Oct (5), 21-23 (8), 26-30 (13), 2-6 Nov (18), 9, 10 Nov (20).
    result = due(SEP24, pause(date(2026, 10, 9), date(2026, 10, 20)))
    assert result.due_on == date(2026, 11, 10)
    assert result.paused_days == 8
    assert not result.awaiting_consultation
    assert texts(result, "pause") == [
        "2026-10-09 发函征求意见，2026-10-20 收到答复；征求意见期间 2026-10-10 至 2026-10-20 "
        "不计算在内，共 8 个工作日（第三十三条第三款）"  # Art. 33(3): the pause
    ]
    assert texts(result, "due") == ["第20个工作日为 2026-11-10（已扣除征求意见期间 8 个工作日）"]


def test_pause_boundaries_letter_day_counts_answer_day_does_not():
    # Letter Wed 30 Sep (day 3 counts), answer Thu 8 Oct (excluded): one day off → Fri 30 Oct.
    result = due(SEP24, pause(date(2026, 9, 30), date(2026, 10, 8)))
    assert result.paused_days == 1
    assert result.due_on == date(2026, 10, 30)
    # Answer on the day the letter went: nothing excluded.
    same_day = due(SEP24, pause(date(2026, 10, 9), date(2026, 10, 9)))
    assert same_day.due_on == date(2026, 10, 29) and same_day.paused_days == 0
    assert texts(same_day, "pause") == ["2026-10-09 发函征求意见，当日收到答复，不影响期限"]


def test_open_pause_runs_to_the_15_day_cap():
    # Letter Fri 9 Oct; cap = 15th working day after: 10, 12-16, 19-23, 26-29 Oct → Thu 29 Oct.
    # Counted after the pause: 30 Oct (6), 2-6 Nov (11), 9-13 Nov (16), 16-19 Nov (20).
    result = due(SEP24, pause(date(2026, 10, 9)))
    assert result.due_on == date(2026, 11, 19)
    assert result.paused_days == 15
    assert result.awaiting_consultation
    # the party's receipt of the letter is not recorded: its period is stated, not computed
    (text,) = texts(result, "pause")
    assert text.startswith(
        "2026-10-09 发函征求意见，尚未收到答复；对方收到日期未登记，其意见期限为自收到之日起 "
        "15 个工作日内"
    )
    assert "2026-10-29" not in text
    (line,) = [line for line in public_trail(result) if "征求" in line]
    assert "自收到征求意见书之日起15个工作日内" in line and "10月29日" not in line


def test_the_cap_counts_from_the_partys_receipt_of_the_letter():
    # Letter sent Fri 9 Oct, received by the third party Wed 14 Oct: its 15 working days are
    # 15, 16, 19-23, 26-30 Oct, 2, 3, 4 Nov → Wed 4 Nov. Still open: Sat 10 (make-up day),
    # 12-14 Oct and those 15 are excluded (19 working days). Counted: 28-30 Sep (3), 8, 9 Oct
    # (5), 5, 6 Nov (7), 9-13 (12), 16-20 (17), 23-25 Nov (20).
    letter = ClockEvent("pause", date(2026, 10, 9), received=date(2026, 10, 14))
    result = due(SEP24, letter)
    assert result.paused_days == 19
    assert result.due_on == date(2026, 11, 25)
    (text,) = texts(result, "pause")
    assert (
        "对方 2026-10-14 收到" in text
        and "自对方收到之日起最长 15 个工作日（至 2026-11-04）" in text
    )
    # answered late, on Fri 6 Nov: only up to the cap counts, from the receipt
    answered = ClockEvent(
        "pause", date(2026, 10, 9), date(2026, 11, 6), received=date(2026, 10, 14)
    )
    assert due(SEP24, answered).paused_days == 19
    # without the receipt the cap counts from the letter (15 days), not 19
    assert due(SEP24, pause(date(2026, 10, 9), date(2026, 11, 6))).paused_days == 15
    # 2008: no cap, so the receipt changes nothing
    assert (
        due(SEP24, answered, profile=OGI2008).paused_days
        == due(SEP24, pause(date(2026, 10, 9), date(2026, 11, 6)), profile=OGI2008).paused_days
    )


def test_a_receipt_outside_the_consultation_is_rejected():
    with pytest.raises(DeadlineError, match="早于发函日期"):
        ClockEvent("pause", date(2026, 10, 9), received=date(2026, 10, 8))
    with pytest.raises(DeadlineError, match="早于对方收到日期"):
        ClockEvent("pause", date(2026, 10, 9), date(2026, 10, 12), received=date(2026, 10, 13))
    with pytest.raises(DeadlineError):
        ClockEvent("restart", date(2026, 10, 9), received=date(2026, 10, 9))


def test_the_trail_names_who_is_consulted():
    third = ClockEvent("pause", date(2026, 10, 9), date(2026, 10, 20), reason="third_party")
    agency = ClockEvent(
        "pause", date(2026, 10, 9), date(2026, 10, 20), reason="other_agency", note="咸阳市财政局"
    )
    assert "因需征求第三方的意见" in " ".join(public_trail(due(SEP24, third)))
    assert "因需征求其他机关的意见" in " ".join(public_trail(due(SEP24, agency)))
    assert texts(due(SEP24, agency), "pause")[0].startswith("2026-10-09 发函征求咸阳市财政局意见")


def test_late_answer_is_capped_at_15_working_days():
    result = due(SEP24, pause(date(2026, 10, 9), date(2026, 11, 5)))
    assert result.due_on == date(2026, 11, 19)
    assert result.paused_days == 15
    assert "超过 15 个工作日（2026-10-29 之后）的部分不予扣除" in texts(result, "pause")[0]


def test_overlapping_pauses_exclude_each_day_once():
    # A: 10, 12-16, 19, 20 Oct; B (letter Thu 15, answer Thu 22): 16, 19-22 Oct.
    # Union: 10 working days → 29 Oct + 10: 30 Oct, 2-6 Nov, 9-12 Nov → Thu 12 Nov.
    result = due(
        SEP24,
        pause(date(2026, 10, 15), date(2026, 10, 22)),
        pause(date(2026, 10, 9), date(2026, 10, 20)),
    )
    assert result.paused_days == 10
    assert result.due_on == date(2026, 11, 12)
    assert "重叠部分只扣除一次" in texts(result, "due")[0]


def test_pause_begun_before_a_restart_is_ignored():
    # Consultation from Mon 28 Sep still running when the corrected request arrives on 8 Oct.
    result = due(SEP24, pause(date(2026, 9, 28), date(2026, 10, 20)), restart(date(2026, 10, 8)))
    assert result.due_on == date(2026, 11, 4)  # as with the restart alone
    assert result.paused_days == 0
    assert texts(result, "pause_ignored") == [
        "2026-09-28 发函征求意见早于 2026-10-08 重新计算，该期间不予扣除"
    ]


def test_pause_begun_on_the_restart_day_counts():
    # Restart Thu 8 Oct, letter the same day, answer Mon 12 Oct: 9, 10, 12 Oct excluded.
    # 4 Nov + 3 working days: 5, 6, 9 Nov.
    result = due(SEP24, restart(date(2026, 10, 8)), pause(date(2026, 10, 8), date(2026, 10, 12)))
    assert result.paused_days == 3
    assert result.due_on == date(2026, 11, 9)


def test_pause_after_the_deadline_changes_nothing():
    for start in (date(2026, 10, 29), date(2026, 11, 2)):
        result = due(SEP24, pause(start, date(2026, 11, 20)))
        assert result.due_on == date(2026, 10, 29)
        assert result.paused_days == 0
        assert [s.kind for s in result.trail].count("pause_late") == 1


def test_pause_answer_before_letter_is_rejected():
    with pytest.raises(DeadlineError, match="早于发函日期"):
        pause(date(2026, 10, 9), date(2026, 10, 8))


# -- extension ----------------------------------------------------------------------------------


def test_extension_20_plus_20():
    # 29 Oct is day 20; 30 Oct 21, 2-6 Nov 26, 9-13 Nov 31, 16-20 Nov 36, 23-26 Nov 40.
    result = due(SEP24, extension(date(2026, 10, 20), 20))
    assert result.due_on == date(2026, 11, 26)
    assert result.total_days == 40
    assert texts(result, "extension") == [
        "2026-10-20 经政府信息公开工作机构负责人同意，延长答复期限 20 个工作日并告知申请人"
        "（第三十三条第二款）"
    ]
    assert texts(result, "due") == ["第40个工作日为 2026-11-26（20 个工作日加延长 20 个工作日）"]
    assert "经政府信息公开工作机构负责人同意，答复期限延长20个工作日。" in public_trail(result)


def test_shorter_extension_and_extension_on_the_due_day():
    # 29 Oct + 5: 30 Oct, 2, 3, 4, 5 Nov
    assert due(SEP24, extension(date(2026, 10, 29), 5)).due_on == date(2026, 11, 5)


def test_extension_decided_after_the_deadline_extends_nothing_and_the_case_is_overdue():
    # The workflow refuses to grant one after the due date; but a fact recorded later (here:
    # none; in practice the real day a consultation was answered) can move the due date before
    # an extension already granted. The engine then records it and says so, it does not fail.
    result = due(SEP24, extension(date(2026, 10, 30), 20))
    assert result.due_on == date(2026, 10, 29) and result.total_days == 20
    assert result.extension_late
    (step,) = [s for s in result.trail if s.kind == "extension_late"]
    assert "已逾期" in step.text and step.article == "第三十三条第二款"
    assert "按实际情况重新计算后，答复期限为2026年10月29日，已逾期" in step.public_text
    assert texts(result, "due")[0].endswith("已逾期")
    assert DueResult.from_dict(result.to_dict()).extension_late
    assert not due(SEP24, extension(date(2026, 10, 29), 5)).extension_late


def test_second_extension_is_rejected():
    with pytest.raises(DeadlineError, match="只能延长一次"):
        due(SEP24, extension(date(2026, 10, 20), 10), extension(date(2026, 11, 2), 10))


def test_extension_over_the_profile_maximum_is_rejected():
    with pytest.raises(DeadlineError, match="超过最长 20 个工作日"):
        due(SEP24, extension(date(2026, 10, 20), 21))
    with pytest.raises(DeadlineError, match="超过最长 15 个工作日"):
        due(SEP24, extension(date(2026, 10, 15), 16), profile=OGI2008)
    # 2008: 22 Oct is day 15; +15: 23 Oct, 26-30 Oct, 2-6 Nov, 9-12 Nov → Thu 12 Nov
    assert due(SEP24, extension(date(2026, 10, 15), 15), profile=OGI2008).due_on == date(
        2026, 11, 12
    )


def test_extension_before_a_restart_belongs_to_the_old_clock():
    result = due(SEP24, extension(date(2026, 9, 28), 20), restart(date(2026, 10, 8)))
    assert result.due_on == date(2026, 11, 4)
    assert result.total_days == 20
    assert texts(result, "extension_ignored") == [
        "2026-09-28 的延期早于 2026-10-08 重新计算，不再适用"
    ]
    # and a new extension may be granted on the new clock:
    # 4 Nov + 20: 5, 6 Nov, 9-13, 16-20, 23-27 Nov, 30 Nov, 1, 2 Dec
    again = due(
        SEP24,
        extension(date(2026, 9, 28), 20),
        restart(date(2026, 10, 8)),
        extension(date(2026, 11, 2), 20),
    )
    assert again.due_on == date(2026, 12, 2)


def test_pause_and_extension_together():
    # 10 Nov is day 20 with the pause of 8 days; +20: 11-13 Nov (3), 16-20 (8), 23-27 (13),
    # 30 Nov-4 Dec (18), 7, 8 Dec (20).
    result = due(
        SEP24, pause(date(2026, 10, 9), date(2026, 10, 20)), extension(date(2026, 10, 20), 20)
    )
    assert result.due_on == date(2026, 12, 8)
    assert result.paused_days == 8


@pytest.mark.parametrize(
    "make",
    [
        lambda: ClockEvent("suspend", date(2026, 10, 9)),
        lambda: ClockEvent("extension", date(2026, 10, 9)),
        lambda: ClockEvent("extension", date(2026, 10, 9), days=0),
        lambda: ClockEvent("restart", date(2026, 10, 9), end=date(2026, 10, 10)),
        lambda: ClockEvent("pause", date(2026, 10, 9), days=3),
        lambda: ClockEvent("pause", datetime(2026, 10, 9, 9, 30)),
    ],
)
def test_malformed_events_are_rejected(make):
    with pytest.raises(DeadlineError):
        make()


# -- years without holiday data -------------------------------------------------------------------


def test_deadline_into_2027_is_provisional_then_recomputed():
    # Tue 15 Dec 2026: 16-18 Dec (3), 21-25 (8), 28-31 (12); 2027 has no arrangement: its
    # statutory days are computed (Fri 1 Jan 元旦 off), no make-up days known:
    # 4-8 Jan (17), 11-13 Jan (20).
    result = due(date(2026, 12, 15))
    assert result.due_on == date(2027, 1, 13)
    assert result.provisional
    expected = (
        "2027年节假日安排尚未发布，按法定节假日计算（调休尚未公布），为暂定日期，发布后将重新计算"
    )
    assert texts(result, "provisional") == [expected]
    assert "跳过元旦 2027-01-01" in texts(result)
    assert texts(result, "due") == ["第20个工作日为 2027-01-13（暂定）"]
    assert public_trail(result)[-2:] == [expected + "。", "答复期限至2027年1月13日（暂定）。"]
    # without the computed statutory days: weekdays only, Fri 1 Jan (13) ... Tue 12 Jan (20)
    weekdays = WorkingCalendar(SCHEMAS / "calendars", statutory=False)
    assert due(date(2026, 12, 15), calendar=weekdays).due_on == date(2027, 1, 12)

    # Once the 2027 arrangement is loaded (1-3 Jan off): 4-8 Jan (17), 11-13 Jan (20), final.
    loaded = CAL.with_year(ARRANGEMENT_2027)
    final = due(date(2026, 12, 15), calendar=loaded)
    assert final.due_on == date(2027, 1, 13)
    assert not final.provisional
    assert texts(final, "provisional") == []
    assert "跳过元旦 2027-01-01 至 2027-01-03" in texts(final)


def test_2027_override_file_gives_the_same_result(tmp_path):
    shutil.copy(SCHEMAS / "calendars" / "2026.yaml", tmp_path)
    (tmp_path / "2027.yaml").write_text(
        yaml.safe_dump(ARRANGEMENT_2027, allow_unicode=True), encoding="utf-8"
    )
    result = due(date(2026, 12, 15), calendar=WorkingCalendar(tmp_path))
    assert (result.due_on, result.provisional) == (date(2027, 1, 13), False)


def test_correction_notice_counted_into_an_unknown_year():
    # Thu 31 Dec 2026, Fri 1 Jan 元旦 (computed) off: correction notice by 12 Jan 2027
    # (4-8 Jan, 11-12 Jan), answer by 29 Jan 2027 (4 weeks of weekdays).
    result = due(date(2026, 12, 31))
    assert result.correction_due_on == date(2027, 1, 12)
    assert result.due_on == date(2027, 1, 29)
    assert result.provisional


# -- serialisation, reminders -------------------------------------------------------------------


def test_result_round_trips_through_json():
    result = due(
        SEP24, pause(date(2026, 10, 9)), extension(date(2026, 10, 20), 20), profile=OGI2019
    )
    stored = json.loads(json.dumps(result.to_dict(), ensure_ascii=False))
    assert stored["due_on"] == result.due_on.isoformat()
    assert stored["trail"][0] == {
        "kind": "receipt",
        "date": "2026-09-24",
        "end": None,
        "text": "2026-09-24 收到申请（当日不计入）",
        "article": "第三十三条第二款",
        "public_text": "2026年9月24日收到您的申请，收到当日不计入答复期限。",
        "message": {"code": "trail.receipt", "params": {"date": "2026-09-24"}},
        "public_message": {"code": "public.receipt", "params": {"date": "2026-09-24"}},
    }
    assert DueResult.from_dict(stored) == result
    step = TrailStep("holiday", date(2026, 10, 1), "跳过国庆节", end=date(2026, 10, 7))
    assert TrailStep.from_dict(json.loads(json.dumps(step.to_dict()))) == step


def test_due_soon_and_overdue():
    deadline = date(2026, 10, 29)
    assert due_soon(deadline, date(2026, 10, 26), CAL)  # 27, 28, 29: three working days
    assert not due_soon(deadline, date(2026, 10, 23), CAL)  # four working days
    assert due_soon(deadline, date(2026, 10, 29), CAL)  # due today
    assert not due_soon(deadline, date(2026, 10, 30), CAL)
    assert overdue(deadline, date(2026, 10, 30))
    assert not overdue(deadline, date(2026, 10, 29))
    # eight calendar days but one working day away, across the National Day holiday
    assert due_soon(date(2026, 10, 8), date(2026, 9, 30), CAL, within=1)
    assert not due_soon(deadline, date(2026, 10, 26), CAL, within=2)
