"""Is an organisation's disclosure guide (公开指南, Art. 12) complete? One rule, pure.

The elements (DOMAIN.md §1–§3): the catalogue's classification and arrangement with the body's own
category tree and its 索引号; how to apply, with an e-mail or online address (an online form that
names the body); the remedy: reconsideration within 60 days before the right body (the
government at the same level since 2024; vertically managed bodies: their superior, as the
letters say), a lawsuit within 6 months, and for refusals reconsideration first (复议前置) and
then a suit within 15 days; and the fixed phrases of the scorecard's ``guide_complete.params``
(scope, methods, the office, address, phone, the answer period, fees, refusals).

``tests/unit/test_guides.py`` checks every demo guide with the same expressions and this rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ..i18n import _, chinese
from ..letters.services import reconsideration_body
from .labels import label as yaml_label

EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
URL_RE = re.compile(r"https://[A-Za-z0-9.-]+\.[A-Za-z]{2,}/\S*")
FIRST_RECONSIDERATION_RE = re.compile(r"应当先(?:向\S+?)?申请行政复议")
SUIT_AFTER_RECONSIDERATION_RE = re.compile(r"行政复议决定书之日起15日内\S*提起行政诉讼")
NAMED_BODY_RE = re.compile(r"向(\S+?)申请行政复议")


def guide_elements(
    guide: str,
    *,
    code: str,
    reconsideration_body: str,
    category_tree_label: str,
    phrases: Iterable[str] = (),
) -> list[tuple[str, bool]]:
    """Each element of a complete guide with whether ``guide`` has it, in a fixed order. The
    elements are marked messages (:func:`guide_missing` gives them in Chinese)."""
    guide = guide or ""
    named = set(NAMED_BODY_RE.findall(guide))
    urls = URL_RE.findall(guide)
    out = [
        (
            _("行政复议机关（${body}）及60日期限", mapping={"body": reconsideration_body}),
            named == {reconsideration_body}
            and f"60日内向{reconsideration_body}申请行政复议" in guide,
        ),
        (_("行政诉讼6个月期限"), "6个月" in guide),  # i18n: the guide's Chinese, searched
        (
            _("不予公开决定须先申请行政复议（复议前置）及复议后15日内起诉"),
            bool(FIRST_RECONSIDERATION_RE.search(guide))
            and bool(SUIT_AFTER_RECONSIDERATION_RE.search(guide)),
        ),
        (
            _(
                "目录的分类与编排（主题分类、体裁分类、${tree}）",
                mapping={"tree": category_tree_label},
            ),
            # i18n: the guide's Chinese, searched
            all(p in guide for p in ("分类", "编排", "主题分类", "体裁分类", category_tree_label)),
        ),
        (
            _("索引号（${code}/…）与发布日期", mapping={"code": code}),
            f"{code}/" in guide and "索引号" in guide and "发布日期" in guide,  # i18n: searched
        ),
        (
            _("申请的电子邮箱或网上申请地址"),
            bool(EMAIL_RE.search(guide) or urls)
            and all(code in url for url in urls if "/requests/new" in url),
        ),
    ]
    out += [(yaml_label(phrase), phrase in guide) for phrase in phrases]
    return out


def guide_missing(
    organisation: Any, schema: Any, phrases: Iterable[str] = (), body: str | None = None
) -> list[str]:
    """The elements ``organisation``'s guide lacks (empty: complete). ``schema``: the catalogue
    schema (for the body's category tree); ``body``: the reconsideration body (default: the
    letters' rule, :func:`disclosure.letters.services.reconsideration_body`)."""
    if body is None:
        body = reconsideration_body(organisation)
    elements = guide_elements(
        organisation.guide or "",
        code=organisation.code,
        reconsideration_body=body,
        category_tree_label=schema.category_tree(organisation.category_tree).label,
        phrases=phrases,
    )
    return [chinese(label) for label, present in elements if not present]
