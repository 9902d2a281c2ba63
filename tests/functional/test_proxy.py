"""X-Forwarded-* are believed from a trusted proxy only; from anyone else they are dropped."""

import pytest
import webtest
from webob import Request

from disclosure.proxy import TrustedProxies, client_from, parse_trusted


def seen_by_app(environ, start_response):
    req = Request(environ)
    body = f"{req.client_addr}|{req.scheme}|{req.host}".encode()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [body]


def web(trusted: str) -> webtest.TestApp:
    return webtest.TestApp(TrustedProxies(seen_by_app, parse_trusted(trusted)))


FORWARDED = {
    "X-Forwarded-For": "203.0.113.9",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "gk.xianyang.gov.cn",
}


def test_a_client_cannot_name_its_own_address():
    res = web("").get("/", headers=FORWARDED, extra_environ={"REMOTE_ADDR": "198.51.100.7"})
    assert res.text == "198.51.100.7|http|localhost:80"


def test_the_trusted_proxy_is_believed():
    res = web("127.0.0.1 ::1").get(
        "/", headers=FORWARDED, extra_environ={"REMOTE_ADDR": "127.0.0.1"}
    )
    assert res.text == "203.0.113.9|https|gk.xianyang.gov.cn"


def test_an_untrusted_peer_behind_a_trusted_proxy_cannot_prepend_addresses():
    # the client sent "X-Forwarded-For: 10.0.0.1"; nginx appended the address it saw
    headers = {"X-Forwarded-For": "10.0.0.1, 203.0.113.9"}
    res = web("127.0.0.1").get("/", headers=headers, extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    assert res.text.startswith("203.0.113.9|")


def test_client_from():
    trusted = parse_trusted("127.0.0.1, 10.0.0.2")
    assert client_from("1.2.3.4, 10.0.0.2", trusted) == "1.2.3.4"
    assert client_from("1.2.3.4, garbage", trusted) is None
    assert client_from("", trusted) is None


def test_a_bad_trusted_address_stops_start_up():
    with pytest.raises(ValueError):
        parse_trusted("127.0.0.1 not-an-address")


def test_the_app_drops_forwarded_headers_by_default(testapp):
    # the site's own stack: no proxy trusted, so a forged X-Forwarded-Proto changes nothing
    res = testapp.get(
        "/", headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"}
    )
    assert "evil.example" not in res.text
