"""The interface's languages: Chinese (the default, and the legal language of every letter)
and English.

- Messages are marked where they are written: ``_("…")`` in Python (a
  :class:`~translationstring.TranslationString`, which is a ``str`` and reads as its Chinese
  source until translated), ``{{ _("…") }}`` or ``{% trans %}`` in the Jinja2 templates. The
  Chinese text is the message id; ``disclosure/locale/en/LC_MESSAGES/disclosure.po`` holds the
  English (``make i18n-extract``, ``make i18n-update``, ``make i18n-compile``).
- A request's language (:func:`negotiate`): the ``disclosure_lang`` cookie set by the
  switch at ``/language``, else the first language of ``Accept-Language`` the site has, else
  Chinese.
- ``request.translate(message)`` renders a marked message (or passes a plain string through) in
  the request's language; the templates have the same as the ``t`` filter. A marked message is
  a ``str`` whose value is its Chinese *source* (``${name}`` placeholders unfilled): show it
  only through ``request.translate``, ``|t`` or :func:`chinese`, never with ``str()``.
"""

from __future__ import annotations

from pyramid.i18n import TranslationString, TranslationStringFactory

from ..boundary import LANGUAGE_COOKIE

DOMAIN = "disclosure"
_ = TranslationStringFactory(DOMAIN)

CHINESE = "zh_Hans"
ENGLISH = "en"
# i18n: each language named in itself, for the switch
LANGUAGES = {CHINESE: "中文", ENGLISH: "English"}
HTML_LANG = {CHINESE: "zh-CN", ENGLISH: "en"}
COOKIE_MAX_AGE = 365 * 24 * 3600

# Accept-Language's primary subtags, and the language each picks
PRIMARY = {"zh": CHINESE, "en": ENGLISH}


def from_accept_language(header: str | None) -> str | None:
    """The first of the site's languages in an ``Accept-Language`` header, by quality (ties
    in the header's order); None when it names none of them."""
    if not header:
        return None
    ranges = []
    for position, part in enumerate(header.split(",")):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _eq, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and quality > 0:
            ranges.append((-quality, position, tag.strip().lower()))
    for _q, _p, tag in sorted(ranges):
        language = PRIMARY.get(tag.split("-")[0])
        if language is not None:
            return language
    return None


def negotiate(request) -> str:
    """Pyramid's locale negotiator: the switch's cookie, then ``Accept-Language``, then
    Chinese."""
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return from_accept_language(request.headers.get("Accept-Language")) or CHINESE


def translate(request, message, mapping: dict | None = None) -> str:
    """``message`` in the request's language: a marked message translated (with ``mapping``
    filled in), anything else as it is."""
    if isinstance(message, TranslationString):
        localizer = request.localizer
        return localizer.translate(message, mapping=_filled(message, mapping, localizer.translate))
    if message is None:
        return ""
    return str(message)


def _filled(message: TranslationString, mapping: dict | None, render) -> dict | None:
    """``message``'s mapping (updated by ``mapping``) with every marked value rendered by
    ``render`` first, its own mapping filled in the same way (a label inside a message)."""
    values = {**(message.mapping or {}), **(mapping or {})}
    if not any(isinstance(v, TranslationString) for v in values.values()):
        return mapping
    return {
        key: render(value, mapping=_filled(value, None, render))
        if isinstance(value, TranslationString)
        else value
        for key, value in values.items()
    }


def chinese(message) -> str:
    """A marked message in Chinese, its mapping filled in: for what is kept or sent as written
    (a letter, a log line), where no reader's language applies."""
    if isinstance(message, TranslationString):
        return _interpolated(message, None)
    return "" if message is None else str(message)


def _interpolated(message: TranslationString, mapping: dict | None) -> str:
    filled = _filled(message, mapping, _interpolated)
    if filled is not None:
        message = TranslationString(message, mapping={**(message.mapping or {}), **filled})
    return message.interpolate()


def safe_next(url: str | None) -> str:
    """Where the switch returns to: a path on this site, never another host."""
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return "/"
    return url


def includeme(config):
    config.set_locale_negotiator(negotiate)
    config.add_translation_dirs("disclosure:locale/")
    config.add_request_method(translate, "translate")
