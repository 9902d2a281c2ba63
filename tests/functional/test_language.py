"""The interface in Chinese (the default) or English: the switch, its cookie, Accept-Language,
and pages cached per language."""

import re

import pytest

from disclosure.i18n import from_accept_language, safe_next

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, None),
        ("", None),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh_Hans"),
        ("en-US,en;q=0.9", "en"),
        ("en-GB;q=0.5, zh-TW;q=0.8", "zh_Hans"),
        ("fr-FR, en;q=0.3", "en"),
        ("fr-FR, de", None),
        ("en;q=0, zh", "zh_Hans"),
        ("en;q=bad, zh;q=0.1", "zh_Hans"),
        ("*", None),
    ],
)
def test_accept_language_picks_the_first_language_the_site_has(header, language):
    assert from_accept_language(header) == language


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/catalogue?page=2", "/catalogue?page=2"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        (None, "/"),
        ("", "/"),
    ],
)
def test_the_switch_returns_only_to_this_site(target, expected):
    assert safe_next(target) == expected


def nav(res) -> str:
    return res.html.find("nav", id="site-nav").get_text(" ", strip=True)


def test_chinese_by_default(testapp):
    res = testapp.get("/")
    assert '<html lang="zh-CN">' in res.text
    assert "信息公开目录" in nav(res)
    assert "English" in nav(res)


def test_accept_language_english(testapp):
    res = testapp.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="en">' in res.text
    assert "Disclosure catalogue" in nav(res)
    assert "信息公开目录" not in nav(res)
    assert "中文" in nav(res)  # the way back, named in its own language


def test_the_switch_sets_a_cookie_that_wins_over_accept_language(testapp):
    res = testapp.get("/language", params={"to": "en", "next": "/catalogue?page=1"})
    assert res.status_int == 303
    assert res.location.endswith("/catalogue?page=1")
    cookie = res.headers["Set-Cookie"]
    assert cookie.startswith("disclosure_lang=en;") and "SameSite=Lax" in cookie
    page = testapp.get("/catalogue", headers={"Accept-Language": "zh-CN"})
    assert "Disclosure catalogue" in nav(page)
    back = testapp.get("/language", params={"to": "zh_Hans", "next": "/"})
    assert back.status_int == 303
    assert "信息公开目录" in nav(testapp.get("/", headers={"Accept-Language": "en"}))


def test_an_unknown_language_changes_nothing(testapp):
    res = testapp.get("/language", params={"to": "fr", "next": "https://evil.example/"})
    assert res.status_int == 303
    assert res.location.endswith("/") and "evil" not in res.location
    assert "Set-Cookie" not in res.headers


def test_cached_pages_are_kept_per_language(testapp):
    chinese = testapp.get("/catalogue")
    english = testapp.get("/catalogue", headers={"Accept-Language": "en"})
    assert "Accept-Language" in english.headers["Vary"]
    assert chinese.headers["ETag"] != english.headers["ETag"]
    assert "信息公开目录" in nav(testapp.get("/catalogue"))
    assert "Disclosure catalogue" in nav(
        testapp.get("/catalogue", headers={"Accept-Language": "en"})
    )


def test_a_page_in_english_shows_no_message_untranslated(testapp):
    from tests.english import english_page, untranslated

    english_page(testapp, "/")
    # the check itself sees a message left in Chinese
    assert untranslated("<nav><a>信息公开目录</a> <a title='检索'>x</a></nav>") == [
        "信息公开目录",
        "检索",
    ]
