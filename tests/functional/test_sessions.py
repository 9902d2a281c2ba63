"""Logging in and out: throttling, session rotation, server-side logout, cookie flags."""

import configparser
import hashlib
import time
from datetime import datetime, timedelta

import pytest
from pyramid.session import JSONSerializer
from sqlalchemy import select
from webob.cookies import SignedSerializer

import disclosure
from disclosure.models import LoginSession, RateLimit

from ..conftest import PASSWORD, ROOT, TestApp

COOKIE = "disclosure_session"
START = datetime(2026, 11, 20, 2, 0)  # naive UTC, as disclosure.clock.now returns


def attempt(testapp, email, password, status, addr=None):
    """One POST to /login (with a valid CSRF token), optionally from a given address."""
    environ = {"REMOTE_ADDR": addr} if addr else {}
    token = testapp.csrf_token()
    return testapp.post(
        "/login",
        {"csrf_token": token, "email": email, "password": password},
        status=status,
        extra_environ=environ,
    )


def session_state(value: str) -> dict:
    """The contents of a signed session cookie (the test settings' secret)."""
    serializer = SignedSerializer(
        "test-secret", "pyramid.session.", "sha512", serializer=JSONSerializer()
    )
    _accessed, _created, state = serializer.loads(value.encode())
    return state


def sign_session(value: dict) -> str:
    serializer = SignedSerializer(
        "test-secret", "pyramid.session.", "sha512", serializer=JSONSerializer()
    )
    now = time.time()  # the session factory expires a cookie not renewed for 8 hours
    return serializer.dumps((now, now, value)).decode()


def login_rows(dbsession, user) -> list[LoginSession]:
    dbsession.flush()
    return list(
        dbsession.scalars(
            select(LoginSession)
            .where(LoginSession.user_id == user.id)
            .order_by(LoginSession.created_at)
        )
    )


def set_cookie_header(res) -> str:
    (header,) = [h for h in res.headers.getall("Set-Cookie") if h.startswith(COOKIE + "=")]
    return header


@pytest.fixture
def fixed_now(app):
    moment = {"now": START}
    app.registry["disclosure.now"] = lambda: moment["now"]
    try:
        yield moment
    finally:
        del app.registry["disclosure.now"]


# --- throttling ----------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(
    testapp, app, make_user, civil, dbsession
):
    user, other = make_user(civil), make_user(civil)
    app.registry["disclosure.now"] = lambda: START
    try:
        for _ in range(5):
            res = attempt(testapp, user.email, "wrong-password-123", status=400)
            assert "邮箱或密码错误" in res.text
        # the sixth attempt is refused even with the right password, and says how long to wait
        res = attempt(testapp, user.email, PASSWORD, status=429)
        assert "分钟后再试" in res.text and "15 分钟" in res.text
        assert login_rows(dbsession, user) == []
        assert testapp.get("/officer", status=303).location.split("?")[0].endswith("/login")
        # the case does not matter: it is the same account
        attempt(testapp, user.email.upper(), PASSWORD, status=429)

        # another account from the same address is not affected
        attempt(testapp, other.email, PASSWORD, status=303)
        testapp.get("/officer", status=200)
        testapp.logout()

        app.registry["disclosure.now"] = lambda: START + timedelta(minutes=14)
        res = attempt(testapp, user.email, PASSWORD, status=429)
        assert "1 分钟后再试" in res.text

        app.registry["disclosure.now"] = lambda: START + timedelta(minutes=15, seconds=1)
        attempt(testapp, user.email, PASSWORD, status=303)
        testapp.get("/officer", status=200)
        assert len(login_rows(dbsession, user)) == 1
        # a successful login clears the account's counter
        key = f"login:account:{user.email}"
        assert dbsession.get(RateLimit, key) is None
    finally:
        del app.registry["disclosure.now"]


def test_twenty_failures_from_one_address_block_that_address_only(
    testapp, make_user, civil, fixed_now
):
    user = make_user(civil)
    for i in range(20):  # one failure each on twenty different accounts
        attempt(testapp, f"nobody{i}@example.gov.cn", "wrong-password", 400, addr="203.0.113.7")
    res = attempt(testapp, user.email, PASSWORD, status=429, addr="203.0.113.7")
    assert "分钟后再试" in res.text
    testapp.get("/officer", status=303)
    attempt(testapp, user.email, PASSWORD, status=303, addr="198.51.100.9")
    testapp.get("/officer", status=200)


def test_nineteen_failures_from_one_address_do_not_block_it(testapp, make_user, civil, fixed_now):
    user = make_user(civil)
    for i in range(19):
        attempt(testapp, f"nobody{i}@example.gov.cn", "wrong-password", 400, addr="203.0.113.7")
    attempt(testapp, user.email, PASSWORD, status=303, addr="203.0.113.7")


# --- the session ---------------------------------------------------------------------------


def test_login_rotates_the_session_and_opens_a_login_session(
    testapp, make_user, civil, dbsession, fixed_now
):
    user = make_user(civil)
    testapp.get("/login")
    before = testapp.cookies[COOKIE]
    anonymous = session_state(before)
    assert "_csrft_" in anonymous and "login_token" not in anonymous
    # whatever the anonymous session held must not survive the login
    testapp.set_cookie(COOKIE, sign_session({**anonymous, "planted": "before login"}))
    assert "planted" in session_state(testapp.get("/login").request.cookies[COOKIE])
    testapp.login(user.email)
    after = testapp.cookies[COOKIE]
    assert after != before
    state = session_state(after)
    assert "planted" not in state
    assert state["_csrft_"] != anonymous["_csrft_"]
    assert state["auth.userid"] == user.id

    (row,) = login_rows(dbsession, user)
    assert row.token_hash == hashlib.sha256(state["login_token"].encode()).hexdigest()
    assert row.ended_at is None and row.created_at == START

    testapp.logout()
    testapp.login(user.email)
    # by token, not by order: the clock is fixed, so both rows have the same created_at
    rows = {r.token_hash: r for r in login_rows(dbsession, user)}
    assert len(rows) == 2
    assert rows.pop(row.token_hash).ended_at == START  # the first login, ended by the logout
    ((_, second),) = rows.items()
    assert second.ended_at is None


def test_logout_ends_the_session_on_the_server(testapp, app, make_user, civil, dbsession):
    user = make_user(civil)
    testapp.login(user.email)
    old = testapp.cookies[COOKIE]
    copy = TestApp(app, extra_environ=dict(testapp.extra_environ))
    copy.set_cookie(COOKIE, old)
    copy.get("/officer", status=200)  # a copied cookie works while the login lasts

    testapp.logout()
    testapp.get("/officer", status=303)
    replay = TestApp(app, extra_environ=dict(testapp.extra_environ))
    replay.set_cookie(COOKIE, old)
    res = replay.get("/officer", status=303)
    assert res.location.split("?")[0].endswith("/login")
    (row,) = login_rows(dbsession, user)
    assert row.ended_at is not None


def test_deactivated_users_session_stops_working(testapp, make_user, civil, dbsession):
    user = make_user(civil)
    testapp.login(user.email)
    testapp.get("/officer", status=200)
    user.active = False
    dbsession.flush()
    res = testapp.get("/officer", status=303)
    assert res.location.split("?")[0].endswith("/login")
    attempt(testapp, user.email, PASSWORD, status=400)  # nor can they log in again


# --- cookie flags --------------------------------------------------------------------------


def test_session_cookie_flags(testapp, make_user, civil):
    header = set_cookie_header(testapp.login(make_user(civil).email))
    flags = [part.strip().lower() for part in header.split(";")]
    assert "httponly" in flags and "samesite=lax" in flags
    assert "secure" not in flags  # the test settings serve plain http


def test_cookie_secure_setting_marks_the_cookie_secure(app_settings, tm, dbsession):
    secure_app = disclosure.main({}, **{**app_settings, "disclosure.cookie_secure": "true"})
    try:
        client = TestApp(
            secure_app,
            extra_environ={
                "HTTP_HOST": "example.com",
                "tm.active": True,
                "tm.manager": tm,
                "app.dbsession": dbsession,
            },
        )
        header = set_cookie_header(client.get("/login"))
        flags = [part.strip().lower() for part in header.split(";")]
        assert "secure" in flags and "httponly" in flags and "samesite=lax" in flags
    finally:
        secure_app.registry["db_engine"].dispose()


def test_production_ini_sends_secure_cookies():
    config = configparser.ConfigParser(interpolation=None)
    config.read(ROOT / "production.ini", encoding="utf-8")
    assert config["app:main"]["disclosure.cookie_secure"].strip().lower() == "true"
