"""Jinja2 pages, Deform forms rendered in Chinese and accessibly, static files.

Deform's stock Bootstrap templates give a field no required marker, do not tie its error or help
text to its input, and list no errors at the top of the form. ``templates/deform/`` overrides
the form, the item around each field and the choice groups; they ask :data:`A11Y` (passed to
every Deform template by :class:`AccessibleRenderer`) what to show. A schema node may carry:

- ``required_mark = True``: required although colander has a default for it (a consent box that
  the form's validator checks);
- ``required_when = (name, value or values)``: required while the sibling field ``name`` has
  (one of) them (电子邮箱 when the delivery is by e-mail); ``static/site.js`` follows the choice
  in the page;
- ``group = FieldGroup(...)``: the field is shown inside the group's ``<fieldset>``, which the
  script hides and disables while its condition does not hold (without the script all show).
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field

import colander
import deform
from deform.template import ZPTRendererFactory
from jinja2 import pass_context
from pyramid.csrf import get_csrf_token
from pyramid.events import BeforeRender
from pyramid.i18n import get_localizer
from pyramid.renderers import JSON
from pyramid.threadlocal import get_current_request

from .boundary import MESSAGE_SEPARATOR
from .dates import zh_date
from .files.labels import file_label, media_type_label, size_label
from .i18n import HTML_LANG, LANGUAGES, _, translate

DEFORM_SEARCH_PATH = ("disclosure:templates/deform/", "deform:templates/")
CHOICE_GROUPS = ("radio_choice", "checkbox_choice")  # widgets rendered as a fieldset


def _translator(term):
    request = get_current_request()
    return get_localizer(request).translate(term) if request is not None else term


def _text(message) -> str:
    if not hasattr(message, "interpolate"):
        return str(message)
    translated = _translator(message)  # a colander or deform TranslationString
    return translated.interpolate() if hasattr(translated, "interpolate") else str(translated)


FORM_ERRORS = _("提交的内容有误，请修改后重新提交")
REQUIRED = _("（必填）")


@dataclass(frozen=True)
class FieldGroup:
    """Fields shown together in a ``<fieldset>`` with ``legend``; with ``when = (name, value)``
    the group applies only while the sibling field ``name`` has ``value``."""

    key: str
    legend: str
    when: tuple[str, str] | None = None


@dataclass
class Group:
    group: FieldGroup | None
    children: list = dc_field(default_factory=list)


@dataclass(frozen=True)
class Problem:
    target: str | None  # the id of the input to focus, None for a form-level message
    label: str
    message: str


class DeformA11y:
    """Answers for the Deform templates in ``templates/deform/``."""

    @staticmethod
    def errors_title(count: int) -> str:
        """The heading of the error summary at the top of a form."""
        if not count:
            return _text(FORM_ERRORS)
        return _text(
            _("${errors}（共 ${count} 处）", mapping={"errors": _text(FORM_ERRORS), "count": count})
        )

    @staticmethod
    def required_text() -> str:
        """What a screen reader says after a required field's label (the * is hidden)."""
        return _text(REQUIRED)

    @staticmethod
    def is_group(field) -> bool:
        return getattr(field.widget, "template", "") in CHOICE_GROUPS

    @staticmethod
    def target(field) -> str:
        """The id of the element a link to this field focuses: its first option for a group."""
        return f"{field.oid}-0" if DeformA11y.is_group(field) else field.oid

    @staticmethod
    def sibling_value(field, name: str):
        parent = field.parent
        cstruct = parent.cstruct if parent is not None else None
        return cstruct.get(name) if isinstance(cstruct, dict) else None

    @staticmethod
    def required_when(field) -> tuple[str, tuple[str, ...]] | None:
        """``(sibling name, values)``: the field is required while the sibling has one of them."""
        when = getattr(field.schema, "required_when", None)
        if when is None:
            return None
        name, values = when
        return name, (values,) if isinstance(values, str) else tuple(values)

    @classmethod
    def marked(cls, field) -> bool:
        """Whether the field is required now (and shows the marker)."""
        if field.required or getattr(field.schema, "required_mark", False):
            return True
        when = cls.required_when(field)
        return when is not None and cls.sibling_value(field, when[0]) in when[1]

    @staticmethod
    def message(field) -> str:
        return MESSAGE_SEPARATOR.join(_text(m) for m in field.error.messages() if m)

    @staticmethod
    def help_id(field) -> str | None:
        return f"help-{field.oid}" if field.description and not field.widget.hidden else None

    @staticmethod
    def error_id(field) -> str | None:
        shown = field.error is not None and not isinstance(field.typ, colander.Mapping)
        return f"error-{field.oid}" if shown else None

    @classmethod
    def described_by(cls, field) -> str | None:
        ids = [i for i in (cls.error_id(field), cls.help_id(field)) if i]
        return " ".join(ids) or None

    @classmethod
    def attributes(cls, field) -> dict[str, str]:
        """The widget's own attributes, with the ARIA ones the field's state calls for."""
        attrs = dict(getattr(field.widget, "attributes", None) or {})
        described = cls.described_by(field)
        if described:
            attrs["aria-describedby"] = " ".join(
                i for i in (attrs.get("aria-describedby"), described) if i
            )
        if field.error is not None:
            attrs["aria-invalid"] = "true"
        if not field.required and not cls.is_group(field):
            if getattr(field.schema, "required_mark", False):
                attrs["required"] = "required"
            elif cls.marked(field):
                # a conditional one: no ``required`` (it would block the other choice without
                # the script, which sets and clears this as the choice changes)
                attrs["aria-required"] = "true"
        return attrs

    @staticmethod
    def groups(field) -> list[Group]:
        """The children in order, those of a :class:`FieldGroup` together where its first is."""
        out: list[Group] = []
        by_key: dict[str, Group] = {}
        for child in field.children:
            group = getattr(child.schema, "group", None)
            if group is None:
                out.append(Group(None, [child]))
            elif group.key in by_key:
                by_key[group.key].children.append(child)
            else:
                by_key[group.key] = Group(group, [child])
                out.append(by_key[group.key])
        return out

    @classmethod
    def problems(cls, form) -> list[Problem]:
        """Every field error of the form, in page order, for the summary at its top."""
        found: list[Problem] = []

        def walk(parent):
            for group in cls.groups(parent):
                for child in group.children:
                    if child.error is None:
                        continue
                    if isinstance(child.typ, colander.Mapping) and child.children:
                        walk(child)
                    elif child.widget.hidden:
                        found.append(Problem(None, "", cls.message(child)))
                    else:
                        found.append(Problem(cls.target(child), child.title, cls.message(child)))

        walk(form)
        if not found and form.error is not None and form.error.msg:
            found.append(Problem(None, "", cls.message(form)))
        return found


A11Y = DeformA11y()


class AccessibleRenderer(ZPTRendererFactory):
    """Deform's Chameleon renderer, handing :data:`A11Y` to every template."""

    def __call__(self, template_name, **kw):
        kw.setdefault("a11y", A11Y)
        return super().__call__(template_name, **kw)


def here(request) -> str:
    """The request's path and query, for a link back to this page (the language switch): the
    home page when the path is not UTF-8 (an error page for such a path still renders)."""
    try:
        return request.path_qs
    except UnicodeDecodeError:
        return "/"


def _template_globals(event):
    event["zh_date"] = zh_date
    request = event.get("request")
    if request is not None:
        event["get_csrf_token"] = lambda: get_csrf_token(request)
        event["html_lang"] = HTML_LANG.get(request.locale_name, "zh-CN")
        event["other_languages"] = [
            (code, name, HTML_LANG[code])
            for code, name in LANGUAGES.items()
            if code != request.locale_name
        ]
        event["here"] = here(request)


def _add_filters(config) -> None:
    env = config.get_jinja2_environment()
    # in the request's language (files/labels.py)
    env.filters["filesize"] = pass_context(  # 62031 → "60.6 KB"
        lambda context, size: size_label(size, context.get("request"))
    )
    env.filters["media_type_label"] = pass_context(  # "application/pdf" → "PDF 文件"
        lambda context, media_type: media_type_label(media_type, context.get("request"))
    )
    env.filters["file_label"] = pass_context(  # "PDF 文件，60.6 KB"
        lambda context, f: file_label(f.media_type, f.size, context.get("request"))
    )
    # a marked message (disclosure.i18n._) in the reader's language; other values as they are
    env.filters["t"] = pass_context(lambda context, value: translate(context["request"], value))


def includeme(config):
    # {{ _("…", name=value) }}: the message is looked up first, then filled in and escaped
    config.registry.settings.setdefault("jinja2.newstyle", "true")
    config.add_subscriber(_template_globals, BeforeRender)
    config.add_renderer("json", JSON(ensure_ascii=False))
    config.include("pyramid_jinja2")
    config.add_jinja2_renderer(".jinja2")
    config.add_jinja2_search_path("disclosure:templates", name=".jinja2")
    config.action(None, lambda: _add_filters(config), order=999)  # once the environment exists
    config.add_translation_dirs("colander:locale/", "deform:locale/")
    config.add_static_view("static", "disclosure:static", cache_max_age=3600)
    config.add_static_view("deform_static", "deform:static", cache_max_age=3600)
    deform.Form.set_default_renderer(AccessibleRenderer(DEFORM_SEARCH_PATH, translator=_translator))
