"""The information-processing fee (Art. 42; 国办函〔2020〕109号) in the workflow: the fee notice
(one method, never a zero fee, never under the 2008 rules) with its letter, the pause from the
notice until payment in the trail, the payment period from the day after the applicant received
the notice, payment ending the pause, the unpaid closure (三（六）2) only after the period, and
the totals per organisation and year on the officers' dashboard."""

from __future__ import annotations

from datetime import date

import pytest

from disclosure.models import Letter

from .test_law import enter_on_paper
from .test_letters_issue import issue, text_of
from .test_request_workflow import act
from .test_requests import submit_case

# Filed Mon 1 Jun 2026: the 20th working day is Tue 30 Jun (Fri 19 Jun, 端午节, is off).
FILED = date(2026, 6, 1)
DUE = date(2026, 6, 30)
# The notice, issued 1 Jun, is received 2 Jun: the applicant pays by the 20th working day after
# it, Wed 1 Jul.
PAY_BY = date(2026, 7, 1)
PAYMENT = "咸阳市财政局非税收入汇缴结算户，开户行：某银行咸阳分行，账号：1234567890"


@pytest.fixture(name="clock")
def _clock(app):
    """``clock(date)`` sets the application's business date; restored after the test."""
    before = app.registry.get("disclosure.clock")
    day = {"today": FILED}
    app.registry["disclosure.clock"] = lambda: day["today"]
    yield lambda value: day.update(today=value)
    app.registry["disclosure.clock"] = before


def file_case(testapp, dbsession, org, name="钱十二"):
    return submit_case(
        testapp,
        dbsession,
        name=name,
        phone="13900000000",
        email="qian@example.com",
        organisation=org.code,
        description="2025年度全市养老机构名单及各机构历年检查记录、整改报告",
        delivery_channel="email",
    )


@pytest.fixture
def case(testapp, dbsession, civil, clock):
    return file_case(testapp, dbsession, civil)


@pytest.fixture
def officer(testapp, make_user, civil):
    user = make_user(civil)
    testapp.login(user.email)
    return user


def trail(case, kind):
    return [s for s in case.deadline["trail"] if s["kind"] == kind]


def status_page(testapp, case):
    form = next(
        f for f in testapp.get("/requests/status").forms.values() if "access_code" in f.fields
    )
    form["tracking_number"], form["access_code"] = case.tracking_number, case.access_code
    return form.submit().text


def test_the_fee_pauses_the_clock_from_the_notice_until_payment(
    testapp, dbsession, case, officer, clock
):
    assert case.due_on == DUE
    act(testapp, case, "fee_notice", fee_method="volume", fee_quantity="150")
    # 1-30 free, 31-100 at 10 yuan, 101-150 at 20 yuan
    assert (case.fee_method, case.fee_quantity, case.fee_amount) == ("volume", 150, 1700)
    assert case.fee_notice_on == FILED and case.fee_paid_on is None
    # unpaid, the receipt not recorded: paused for at most the payment period, from the notice
    (step,) = trail(case, "fee")
    assert "2026-06-01 出具收费通知（按量计收1700元），尚未缴费" in step["text"]
    assert "自出具收费通知之日起至缴纳费用之日止的期间不计算在答复期限内" in step["text"]
    assert step["article"] == "《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）"
    assert case.due_on == date(2026, 7, 28)
    page = testapp.get(f"/officer/requests/{case.id}").text
    assert "信息处理费" in page and "按量计收（150页），1700 元" in page
    assert "申请人收到收费通知的日期未登记" in page
    assert "record_fee_notice_receipt" in page and "record_payment" in page
    assert 'id="action-close_unpaid"' not in page  # the period is not known yet
    assert 'id="action-fee_notice"' not in page  # one notice per request

    clock(date(2026, 6, 3))
    act(testapp, case, "record_fee_notice_receipt", notice_received_on="2026-06-02")
    assert case.fee_notice_received_on == date(2026, 6, 2)
    (step,) = trail(case, "fee")
    assert "申请人 2026-06-02 收到，尚未缴费" in step["text"]
    assert "（至 2026-07-01）缴纳" in step["text"]
    receipt = case.events[-1]
    assert receipt.changes["payment_due_on"] == PAY_BY.isoformat()
    assert f"请于 {PAY_BY.isoformat()} 前缴纳信息处理费" in receipt.public_text

    clock(date(2026, 6, 10))
    res = act(testapp, case, "record_payment", paid_on="2026-06-10", paid_amount="1000", status=400)
    assert "缴费金额应为收费通知所列的 1700 元" in res.text
    assert case.fee_paid_on is None
    act(testapp, case, "record_payment", paid_on="2026-06-10", paid_amount="1700")
    assert (case.fee_paid_on, case.fee_paid_amount) == (date(2026, 6, 10), 1700)
    # the working days 2-10 Jun (7) do not count: 30 Jun + 7 working days = Thu 9 Jul
    assert case.due_on == date(2026, 7, 9)
    (step,) = trail(case, "fee")
    assert "2026-06-10 缴纳费用" in step["text"]
    assert "2026-06-02 至 2026-06-10 共 7 个工作日不计算在内" in step["text"]
    (due,) = trail(case, "due")
    assert "已扣除缴纳信息处理费期间 7 个工作日" in due["text"]
    assert case.events[-1].changes["due_on"] == ["2026-07-29", "2026-07-09"]
    for action in ("record_payment", "close_unpaid", "record_fee_notice_receipt"):
        assert f'id="action-{action}"' not in testapp.get(f"/officer/requests/{case.id}").text

    # the applicant sees the pause, the payment and the history
    testapp.logout()
    text = status_page(testapp, case)
    assert "本机关出具收费通知后，至您缴纳费用之日止，2026年6月2日至2026年6月10日期间" in text
    assert "（共7个工作日）不计算在答复期限内" in text
    assert "本机关决定收取信息处理费 1700 元（按量计收）（第四十二条）" in text
    assert "收到您缴纳的信息处理费 1700 元，答复期限自次日起继续计算" in text
    assert "2026-07-09" in text


def test_one_method_and_no_zero_fee(testapp, dbsession, case, officer):
    res = act(testapp, case, "fee_notice", fee_method="volume", fee_quantity="30", status=400)
    assert "按按量计收计算，本件不收费" in res.text or "本件不收费" in res.text
    assert "第1至30页，30页，不收费" in res.text
    res = act(testapp, case, "fee_notice", fee_method="count", fee_quantity="10", status=400)
    assert "本件不收费" in res.text
    res = act(testapp, case, "fee_notice", fee_method="both", fee_quantity="150", status=400)
    assert "请选择计收方式" in res.text and "只能选择一种" in res.text
    res = act(testapp, case, "fee_notice", fee_method="count", fee_quantity="0", status=400)
    assert "数量应为正整数" in res.text
    assert case.fee_notice_on is None and case.fee_amount is None
    assert not [e for e in case.clock_events if e["kind"] == "fee"]
    # the 11th request of the applicant's month: 100 yuan
    act(testapp, case, "fee_notice", fee_method="count", fee_quantity="11")
    assert (case.fee_method, case.fee_amount) == ("count", 100)
    res = act(testapp, case, "fee_notice", fee_method="count", fee_quantity="31", status=400)
    assert "已于 2026-06-01 出具收费通知" in res.text


def test_the_fee_notice_letter(testapp, dbsession, case, officer):
    res = issue(testapp, case, "fee_notice", status=400)  # not before the notice is decided
    act(testapp, case, "fee_notice", fee_method="volume", fee_quantity="150")
    res = issue(testapp, case, "fee_notice", status=400)  # how to pay is typed in
    assert "缴纳方式" in res.text
    issue(testapp, case, "fee_notice", payment_method=PAYMENT)
    letter = dbsession.query(Letter).filter_by(request_id=case.id, kind="fee_notice").one()
    assert letter.number.endswith("公开收〔2026〕1号") and letter.series == "公开收"
    text = "".join(
        text_of(testapp.get(f"/officer/requests/{case.id}/letters/{letter.id}").body).split()
    )
    assert "政府信息公开信息处理费收费通知" in text
    assert "计收方式为按量计收，金额为人民币1700元" in text
    assert "第31至100页，70页×10元＝700元" in text and "第101至150页，50页×20元＝1000元" in text
    assert "合计1700元" in text and "咸阳市财政局非税收入汇缴结算户" in text
    assert "请您自收到本通知之日的次日起20个工作日内缴纳" in text
    # (a letter of two pages: the footer may stand between any two characters)
    assert "自本通知出具之日起至您缴纳费用之日止的期间，不计算在答复期" in text
    assert "逾期未缴纳的，视为放弃申请" in text


def test_the_unpaid_closure_only_after_the_payment_period(testapp, dbsession, case, officer, clock):
    act(testapp, case, "fee_notice", fee_method="volume", fee_quantity="150")
    res = act(testapp, case, "close_unpaid", reason="逾期未缴费", status=400)
    assert "请先登记申请人收到收费通知的日期" in res.text
    clock(date(2026, 6, 3))
    act(testapp, case, "record_fee_notice_receipt", notice_received_on="2026-06-02")
    clock(PAY_BY)  # the last day to pay
    res = act(testapp, case, "close_unpaid", reason="逾期未缴费", status=400)
    assert "缴费期限（2026-07-01）尚未届满" in res.text
    assert 'id="action-close_unpaid"' not in testapp.get(f"/officer/requests/{case.id}").text
    clock(date(2026, 7, 2))
    res = act(testapp, case, "record_payment", paid_on="2026-07-02", paid_amount="1700", status=400)
    assert "缴费期限已于 2026-07-01 届满" in res.text
    page = testapp.get(f"/officer/requests/{case.id}").text
    assert 'id="action-close_unpaid"' in page and "缴费期限已过" in page
    act(testapp, case, "close_unpaid", reason="申请人逾期未缴纳信息处理费")
    assert case.status == "abandoned" and case.outcome == "unpaid"
    assert case.report_row == "三（六）2" and case.closed_on == date(2026, 7, 2)
    event = case.events[-1]
    assert event.action == "close_unpaid" and event.reason == "申请人逾期未缴纳信息处理费"
    assert "您未在缴费期限（2026-07-01）内缴纳信息处理费，视为放弃申请" in event.public_text
    assert "（第四十二条）" in event.public_text
    act(testapp, case, "close")
    assert case.status == "closed"


def test_no_fee_under_the_2008_rules(testapp, app, dbsession, civil, make_user, clock):
    officer = make_user(civil)
    clock(date(2018, 6, 1))
    case = enter_on_paper(app, dbsession, civil, officer, date(2018, 6, 1), date(2018, 6, 1))
    case = case.request
    dbsession.flush()
    testapp.login(officer.email)
    page = testapp.get(f"/officer/requests/{case.id}").text
    assert 'id="action-fee_notice"' not in page
    res = act(testapp, case, "fee_notice", fee_method="volume", fee_quantity="150", status=400)
    assert (
        "本件适用《政府信息公开条例》（2008年施行），该规则未规定信息处理费的缴纳期限" in res.text
    )
    assert case.fee_notice_on is None


def test_fee_totals_per_organisation_and_year_on_the_dashboard(
    testapp, dbsession, civil, police, make_user, clock
):
    officer = make_user(civil)
    testapp.login(officer.email)
    paid, unpaid = file_case(testapp, dbsession, civil), file_case(testapp, dbsession, civil)
    act(testapp, paid, "fee_notice", fee_method="volume", fee_quantity="150")
    act(testapp, paid, "record_payment", paid_on="2026-06-01", paid_amount="1700")
    act(testapp, unpaid, "fee_notice", fee_method="count", fee_quantity="31")
    act(testapp, unpaid, "record_fee_notice_receipt", notice_received_on="2026-06-01")
    clock(date(2026, 7, 1))  # 20 working days after 1 Jun end on Tue 30 Jun
    act(testapp, unpaid, "close_unpaid", reason="申请人逾期未缴纳信息处理费")
    page = testapp.get("/officer/requests").text
    assert "信息处理费（2026年）" in page
    row = page.split('id="fee-totals"')[1].split("</table>")[0]
    cells = [c.split("<")[0] for c in row.split("<td>")[1:]]
    # notices, charged, paid, collected, closed unpaid
    assert cells == [civil.name, "2", "1900", "1", "1700", "1"]
    assert "2025年未收取信息处理费" in testapp.get("/officer/requests?fee_year=2025").text
    testapp.logout()
    # another organisation's officer sees none of it
    testapp.login(make_user(police).email)
    page = testapp.get("/officer/requests").text
    assert "2026年未收取信息处理费" in page and "1900" not in page
