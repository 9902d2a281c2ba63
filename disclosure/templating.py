"""Jinja2 pages, Deform forms rendered in Chinese, static files."""

from __future__ import annotations

import deform
from pyramid.csrf import get_csrf_token
from pyramid.events import BeforeRender
from pyramid.i18n import get_localizer
from pyramid.renderers import JSON
from pyramid.threadlocal import get_current_request

from .dates import zh_date

DEFORM_SEARCH_PATH = ("deform:templates/",)


def _translator(term):
    request = get_current_request()
    return get_localizer(request).translate(term) if request is not None else term


def _template_globals(event):
    event["zh_date"] = zh_date
    request = event.get("request")
    if request is not None:
        event["get_csrf_token"] = lambda: get_csrf_token(request)


def includeme(config):
    config.add_subscriber(_template_globals, BeforeRender)
    config.add_renderer("json", JSON(ensure_ascii=False))
    config.include("pyramid_jinja2")
    config.add_jinja2_renderer(".jinja2")
    config.add_jinja2_search_path("disclosure:templates", name=".jinja2")
    config.add_translation_dirs("colander:locale/", "deform:locale/")
    config.add_static_view("static", "disclosure:static", cache_max_age=3600)
    config.add_static_view("deform_static", "deform:static", cache_max_age=3600)
    deform.Form.set_zpt_renderer(DEFORM_SEARCH_PATH, translator=_translator)
