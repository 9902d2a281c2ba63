"""A case's history and deadline trail are stored as message codes and shown in the reader's
language; migration 0022 gives the history written before it its codes, and every hash chain
still verifies."""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from disclosure import models
from disclosure.audit import chain
from disclosure.audit.verify import verify
from disclosure.scripts.migrations import upgrade
from tests.english import ENGLISH, english_page

from .test_migrations import _database
from .test_request_workflow import act, case  # noqa: F401  (the case fixture)


def status_page(testapp, req, headers=None):
    form = testapp.get("/requests/status", headers=headers or {}).forms[0]
    form["tracking_number"] = req.tracking_number
    form["access_code"] = req.access_code
    return form.submit(headers=headers or {})


def test_history_and_trail_in_english_and_unchanged_in_chinese(
    testapp,
    make_user,
    civil,
    case,  # noqa: F811
    dbsession,
):
    testapp.login(make_user(civil).email)
    act(testapp, case, "accept")
    event = case.events[-1]
    assert (event.message, event.message_params) == ("accepted", {})
    assert event.public_text == "您的申请已受理，正在办理。"
    step = case.deadline["trail"][0]
    assert step["message"]["code"] == "trail.receipt"
    assert step["public_message"]["code"] == "public.receipt"

    officer_en = english_page(testapp, f"/officer/requests/{case.id}").text
    day = case.received_on
    english_day = f"{day.day} {day.strftime('%B')} {day.year}"
    assert f"{english_day}: application received (that day not counted)" in officer_en
    assert "收到申请（当日不计入）" not in officer_en
    officer_zh = testapp.get(f"/officer/requests/{case.id}").text
    assert f"{day.isoformat()} 收到申请（当日不计入）" in officer_zh

    testapp.logout()  # the applicant, not the officer
    zh = status_page(testapp, case).text
    assert "您的申请已受理，正在办理。" in zh
    assert f"{day.year}年{day.month}月{day.day}日收到您的申请，收到当日不计入答复期限。" in zh
    en = status_page(testapp, case, ENGLISH).text
    assert "Your application has been accepted and is being handled." in en
    assert f"Your application was received on {english_day}" in en
    assert "您的申请已受理" not in en and "收到您的申请" not in en
    due = case.due_on
    assert f"reply due by {due.day} {due.strftime('%B')} {due.year}" in en


def test_migration_gives_earlier_history_its_codes_and_chains_still_verify(databases, tmp_path):
    url = _database(databases, tmp_path)
    upgrade(None, url, "0021")
    engine = models.get_engine(url)
    prose = [
        ("submit", "收到申请，答复期限至 2026-11-30。"),
        ("accept", "您的申请已受理，正在办理。"),
        (
            "approve_extension",
            "经本机关政府信息公开工作机构负责人同意，答复期限延长 20 个工作日（第三十三条第二款）。",
        ),
        (
            "end_consultation",
            "征求意见已结束，继续办理。按实际情况重新计算后，答复期限为 2026-11-20，已逾期。",
        ),
        ("note", "一句从未有过的说法"),
        ("request_extension", ""),
    ]
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO organisations (id, code, name, short_name, kind, category_tree, "
                "guide, reconsideration_body, position, functions, address, office_hours, "
                "phone, fax, email, postcode) VALUES (1, '016000102', '咸阳市民政局', '咸民', "
                "'department', 'generic', '', '', 0, '', '', '', '', '', '', '')"
            )
        )
        row = {
            "id": 1, "tracking_number": "YS2026-AAAA-BBBB-CCCC", "access_code_hash": "x",
            "organisation_id": 1, "status": "accepted", "profile": "ogi-2019",
            "channel": "online", "description": "需要的信息", "delivery_form": "paper",
            "delivery_channel": "post", "submitted_at": "2026-11-02 08:00:00",
            "received_on": "2026-11-02", "clock_events": "[]", "due_on": "2026-11-30",
            "provisional": False, "deadline": "{}", "lock_version": 1,
            "created_at": "2026-11-02 08:00:00", "updated_at": "2026-11-02 08:00:00",
        }  # fmt: skip
        for empty in (
            "applicant_type name id_type id_number credit_code legal_representative "
            "contact_person work_unit phone email address postcode document_number "
            "index_number outcome outcome_ground outcome_reasons report_row request_kind "
            "applicant_category fee_method"
        ).split():
            row[empty] = ""
        conn.execute(
            text(
                f"INSERT INTO requests ({', '.join(row)}) VALUES ({', '.join(':' + k for k in row)})"
            ),
            row,
        )
        prev = None
        for n, (action, public) in enumerate(prose, start=1):
            event = {
                "request_id": 1, "at": datetime(2026, 11, 2, 8, n), "on": date(2026, 11, 2),
                "actor_id": None, "actor_label": "系统", "action": action, "from_status": "",
                "to_status": "accepted", "reason": "", "changes": {}, "public_text": public,
                "visible_to_applicant": True,
            }  # fmt: skip
            digest = chain.entry_hash(chain.REQUEST_EVENTS, event, prev)
            conn.execute(
                text(
                    'INSERT INTO request_events (id, request_id, at, "on", actor_id, '
                    "actor_label, action, from_status, to_status, reason, changes, "
                    "public_text, visible_to_applicant, prev_hash, entry_hash) VALUES "
                    "(:id, :request_id, :at, :on, :actor_id, :actor_label, :action, "
                    ":from_status, :to_status, :reason, :changes, :public_text, "
                    ":visible_to_applicant, :prev, :digest)"
                ),
                {**event, "id": n, "changes": json.dumps({}), "prev": prev, "digest": digest},
            )
            prev = digest
    engine.dispose()

    upgrade(None, url, "0022")
    engine = models.get_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT message, message_params FROM request_events ORDER BY id")
        ).all()
    stored = [(code, json.loads(p) if isinstance(p, str) else p) for code, p in rows]
    assert stored[0] == ("received", {"due": "2026-11-30", "mark": ""})
    assert stored[1] == ("accepted", {})
    assert stored[2] == (
        "extension_approved",
        {"days": "20", "cited": {"code": "cited", "params": {"article": "第三十三条第二款"}}},
    )
    assert stored[3][0] == "seq"
    assert [p["code"] for p in stored[3][1]["parts"]] == ["consultation_ended", "overdue"]
    assert stored[4] == ("text", {"text": "一句从未有过的说法"})
    assert stored[5] == (None, None)
    with Session(engine) as db:
        report = verify(db)
        assert report.ok, report.findings
        assert report.entries["request_events"] == len(prose)
        events = db.query(models.RequestEvent).order_by(models.RequestEvent.id).all()
        assert [e.text_for() for e in events] == [p for _a, p in prose]
    engine.dispose()


def test_trails_stored_before_codes_get_them_where_the_words_agree(
    testapp,
    make_user,
    civil,
    case,  # noqa: F811
    dbsession,
    app,
):
    from disclosure.requests.services import RequestRules, recode_trails

    testapp.login(make_user(civil).email)
    act(testapp, case, "accept")
    coded = case.deadline["trail"]
    assert all(step["message"] for step in coded)

    def as_before_codes(trail, **change):
        return [
            {**{k: v for k, v in s.items() if k not in ("message", "public_message")}, **change}
            for s in trail
        ]

    rules = RequestRules.from_settings(app.registry.settings)
    case.deadline = {**case.deadline, "trail": as_before_codes(coded)}
    dbsession.flush()
    english_day = f"{case.received_on.day} {case.received_on.strftime('%B')}"
    assert english_day not in english_page(testapp, f"/officer/requests/{case.id}").text

    assert recode_trails(dbsession, rules, case.received_on) == (1, 0)
    assert case.deadline["trail"] == coded  # the codes back, every word as it was
    assert english_day in english_page(testapp, f"/officer/requests/{case.id}").text
    assert recode_trails(dbsession, rules, case.received_on) == (0, 0)  # done once

    # a trail that says something else than the rules would now: kept as written
    reworded = as_before_codes(coded)
    reworded[0]["text"] += "（原文）"
    case.deadline = {**case.deadline, "trail": reworded}
    dbsession.flush()
    assert recode_trails(dbsession, rules, case.received_on) == (0, 1)
    assert case.deadline["trail"] == reworded
