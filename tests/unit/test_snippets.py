"""Snippets of long bodies: read in windows, never losing the match."""

import pytest

from disclosure.search import snippets
from disclosure.search.snippets import WINDOW, make_snippet

FILLER = "本条例所称的事项，按照有关规定办理。"  # holds none of the words below


def long_body(*inserts: tuple[int, str]) -> str:
    body = FILLER * (3 * WINDOW // len(FILLER))
    for at, text in sorted(inserts, reverse=True):
        cut = body.index("。", at) + 1
        body = body[:cut] + text + body[cut:]
    return body


def test_a_phrase_deep_in_a_long_body_is_in_the_snippet():
    body = long_body((int(2.5 * WINDOW), "县级人民政府应当公开救助标准。"))
    assert len(body) > 2 * WINDOW
    assert '<em class="hl">人民政府应当</em>' in make_snippet(body, phrases=["人民政府应当"])


def test_words_far_apart_are_both_marked():
    body = long_body((100, "发放救助资金。"), (int(2.2 * WINDOW), "接受社会监督。"))
    snippet = make_snippet(body, ["救助", "监督"])
    assert '<em class="hl">救助</em>' in snippet
    assert '<em class="hl">监督</em>' in snippet


def test_reading_stops_once_every_word_is_found(monkeypatch):
    body = long_body((100, "发放救助资金。"))
    read = []
    real = snippets.highlight_spans
    monkeypatch.setattr(
        snippets, "highlight_spans", lambda text, *a: read.append(len(text)) or real(text, *a)
    )
    assert '<em class="hl">救助</em>' in make_snippet(body, ["救助"])
    assert len(read) == 1 and read[0] < WINDOW + snippets.CUT_SLACK


@pytest.mark.parametrize("size", [WINDOW - 10, WINDOW + 10, 3 * WINDOW])
def test_windows_give_the_same_spans_as_one_pass_when_all_are_needed(size):
    body = (FILLER + "救助。") * (size // (len(FILLER) + 3) + 1)
    whole = snippets.highlight_spans(body, ["救助", "没有"], [])
    assert snippets._spans(body, ["救助", "没有"], []) == whole
