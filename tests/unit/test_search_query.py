"""The query tree: document names, and the snippets the SQL engines build from it."""

from __future__ import annotations

import pytest

from disclosure.search.query import names_a_document, parse
from disclosure.search.snippets import make_snippet, marked


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("外汇管理条例", True),
        ("可再生能源法", True),
        ("外匯管理條例", True),  # traditional characters are folded first
        ("生活垃圾分类实施方案", True),
        ("实施方案", False),  # a kind of document, not one
        ("通知", False),
        ("外汇管理", False),  # no document type at the end
        ("ABC条例", False),
    ],
)
def test_names_a_document(word, expected):
    assert names_a_document(word) is expected


def test_a_document_name_counts_only_beside_other_words():
    assert parse("外汇管理条例 境外").document_names == ["外汇管理条例"]
    assert parse('外汇管理条例 "境外机构"').document_names == ["外汇管理条例"]
    assert parse("外汇管理条例").document_names == []  # alone it is just a word
    assert parse("外汇管理条例 OR 境外 机构").document_names == []  # in an OR group
    assert parse("境外 -外汇管理条例").document_names == []  # excluded


def test_snippets_mark_typed_words_and_quoted_phrases_whole():
    words, phrases = marked(parse('救助 "政务公开"'))
    assert (words, phrases) == (["救助"], ["政务公开"])
    snippet = make_snippet("全面推进政务公开，发放救助资金。政务要公开", words, phrases)
    assert snippet.count('<em class="hl">政务公开</em>') == 1
    assert '<em class="hl">救助</em>' in snippet
    assert make_snippet("没有命中", words, phrases) == ""
    assert "&lt;b&gt;" in make_snippet("<b>救助</b>", ["救助"])
