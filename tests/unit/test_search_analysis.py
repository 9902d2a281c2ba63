"""Chinese analysis: folding, 文号/索引号 normalising, and analyzers that Whoosh can use."""

from __future__ import annotations

import pickle
import re

import pytest
from whoosh.fields import ID, TEXT, Schema
from whoosh.filedb.filestore import FileStorage, RamStorage
from whoosh.qparser import QueryParser

from disclosure.search.analysis import (
    BigramTokenizer,
    WordTokenizer,
    bigram_analyzer,
    find_document_numbers,
    find_index_numbers,
    fold,
    looks_like_document_number,
    looks_like_index_number,
    normalise_document_number,
    normalise_index_number,
    tokens,
    word_analyzer,
)

SAMPLE = (
    "咸阳市人民政府办公室关于印发《咸阳市政务公开工作要点》的通知（咸政办发〔2026〕3号）\n"
    "各县市区人民政府，市政府各工作部门：根据《中华人民共和国政府信息公开条例》第二十条，"
    "现将有关事项通知如下。一、加强政务公开标准化建设，2026年底前完成 A 类目录 100% 覆盖；"
    "二、索引号 000014349/2020-00072 由 Web 端统一生成。國務院辦公廳關於全面推進政務公開。"
)


def highlighted(fragment: str) -> list[str]:
    return re.findall(r"<b [^>]*>(.*?)</b>", fragment)


def analyse(analyzer, text, **kwargs):
    return [
        (t.text, t.pos, t.startchar, t.endchar)
        for t in analyzer(text, positions=True, chars=True, **kwargs)
    ]


# ---------------------------------------------------------------- folding


def test_fold_makes_traditional_simplified():
    assert fold("國務院辦公廳關於") == "国务院办公厅关于"
    assert fold("條例") == "条例"
    assert fold("規定") == "规定"
    assert fold("政務公開") == "政务公开"


def test_fold_makes_full_width_ascii_and_lowercase():
    assert fold("ＡＢＣ　１２３abc") == "abc 123abc"
    assert fold("Web") == "web"


def test_fold_keeps_bracket_styles_apart_where_nfkc_does():
    assert fold("（［｛") == "([{"
    assert fold("〔〕【】") == "〔〕【】"


def test_fold_never_moves_a_character():
    tricky = "⑩㈠ﬁİ…½𠀀國①"
    folded = fold(tricky)
    assert len(folded) == len(tricky)
    assert folded[-2:] == "国1"


# -------------------------------------------------------------- 文号


@pytest.mark.parametrize(
    "spelling",
    [
        "咸政发〔2009〕1号",
        "咸政发[2009]1号",
        "咸政发(2009)1号",
        "咸政发（2009）1号",
        "咸政发【2009】1号",
        "咸政发［2009］1号",
        "咸政发｛2009｝1号",
        "咸政发「2009」1号",
        "咸政发〈2009〉1号",
        "咸政发【２００９】１号",
        "咸政发 〔 2009 〕 1 号",
        "咸政发〔2009〕1",
        "咸政發〔2009〕1號",
        "咸政发〔2009〕第1号",
        "咸政发〔2009〕01号",
    ],
)
def test_every_spelling_of_a_document_number_normalises_the_same(spelling):
    assert normalise_document_number(spelling) == "咸政发〔2009〕1号"


def test_serial_1_is_not_serial_12():
    assert normalise_document_number("咸政发〔2009〕1号") != normalise_document_number(
        "咸政发[2009]12号"
    )
    assert normalise_document_number("咸政发【２００９】１２号") == "咸政发〔2009〕12号"


def test_text_that_is_not_a_document_number_is_still_cleaned():
    assert normalise_document_number(" 陕西省人民政府令 第1号 ") == "陕西省人民政府令第1号"


def test_find_document_numbers_in_free_text():
    assert find_document_numbers("请提供咸政发【2009】12号文件") == [
        normalise_document_number("咸政发〔2009〕12号")
    ]
    assert find_document_numbers("根据《通知》（国发〔2026〕3号）和國辦發(2020)１號办理") == [
        "国发〔2026〕3号",
        "国办发〔2020〕1号",
    ]
    assert find_document_numbers("国发〔2009〕1号和咸政发〔2009〕12号，国发[2009]1号") == [
        "国发〔2009〕1号",
        "咸政发〔2009〕12号",
    ]
    assert find_document_numbers("文号为咸政办发(2026)3号的文件") == ["咸政办发〔2026〕3号"]


def test_looks_like_document_number():
    assert looks_like_document_number("咸政发（2009）1号")
    assert looks_like_document_number("咸政发[2009]12")
    assert looks_like_document_number("请提供咸政发【2009】12号文件")
    assert not looks_like_document_number("政务公开")
    assert not looks_like_document_number("2009年12号")
    assert not looks_like_document_number("请提供〔2009〕12号")
    assert not looks_like_document_number("咸政发〔09〕1号")


# -------------------------------------------------------------- 索引号


def test_normalise_index_number():
    assert normalise_index_number(" ０００014349 / 2020－00072 ") == "000014349/2020-00072"
    assert normalise_index_number("11610400mb1234567x/2021-00001") == (
        "11610400MB1234567X/2021-00001"
    )


def test_looks_like_index_number():
    assert looks_like_index_number("０００014349/2020-00072")
    assert looks_like_index_number("000014349/2020-00072")
    assert looks_like_index_number("11610400mb1234567x/2021-00001")
    assert not looks_like_index_number("000014349/2020-0072")
    assert not looks_like_index_number("0000143490/2020-00072")
    assert not looks_like_index_number("索引号 000014349/2020-00072")


def test_find_index_numbers_in_free_text():
    assert find_index_numbers(
        "索引号：０００014349/2020-00072，又见11610400MB1234567X/2021-00001"
    ) == [
        "000014349/2020-00072",
        "11610400MB1234567X/2021-00001",
    ]


# ---------------------------------------------------------------- tokens


def test_word_tokens_keep_the_numbers_of_a_document_number():
    for mode in ("index", "query"):
        words = tokens("国发〔2026〕3号", mode=mode)
        assert "2026" in words
        assert "3" in words
        assert "〔" not in words and "〕" not in words


def test_word_tokens_keep_single_letters_and_drop_punctuation():
    words = tokens("第 A 类，共 3 项！", mode="query")
    assert words == ["第", "a", "类", "共", "3", "项"]


def test_word_tokens_fold_first():
    assert tokens("政務公開", mode="query") == tokens("政务公开", mode="query") == ["政务", "公开"]


def test_query_mode_does_not_overlap_and_index_mode_adds_inner_words():
    text = "中华人民共和国政府信息公开条例"
    query = analyse(word_analyzer(), text, mode="query")
    for (_, _, _, end), (_, _, start, _) in zip(query, query[1:], strict=False):
        assert end <= start
    index = [t for t, *_ in analyse(word_analyzer(), text, mode="index")]
    assert {"中华人民共和国", "人民", "政府", "信息", "公开", "条例"} <= set(index)


def test_bigram_tokens_of_a_phrase():
    result = analyse(bigram_analyzer(), "政务公开")
    assert [t for t, *_ in result] == ["政务", "务公", "公开"]
    assert [pos for _, pos, *_ in result] == [0, 1, 2]
    assert [(s, e) for *_, s, e in result] == [(0, 2), (1, 3), (2, 4)]


def test_bigram_runs_single_characters_and_words():
    result = analyse(bigram_analyzer(), "国 ABC，2026年 公开")
    assert result == [
        ("国", 0, 0, 1),
        ("abc", 1, 2, 5),
        ("2026", 2, 6, 10),
        ("年", 3, 10, 11),
        ("公开", 4, 12, 14),
    ]


@pytest.mark.parametrize("analyzer", [word_analyzer(), bigram_analyzer()], ids=["word", "bigram"])
@pytest.mark.parametrize("mode", ["index", "query"])
def test_positions_strictly_increase_and_offsets_point_at_the_text(analyzer, mode):
    result = analyse(analyzer, SAMPLE, mode=mode, start_pos=7, start_char=1000)
    assert result
    positions = [pos for _, pos, *_ in result]
    assert positions == list(range(7, 7 + len(positions)))
    for text, _, start, end in result:
        assert text == fold(SAMPLE[start - 1000 : end - 1000])
        assert text.strip() and re.search(r"[^\W_]", text)


@pytest.mark.parametrize("analyzer", [word_analyzer(), bigram_analyzer()], ids=["word", "bigram"])
def test_untokenized_value_is_one_folded_token(analyzer):
    assert analyse(analyzer, "政務 ＡＢ", tokenize=False) == [("政务 ab", 0, 0, 5)]


def test_tokens_refuses_an_unknown_kind():
    with pytest.raises(ValueError):
        tokens("政务", kind="trigram")


def test_analyzers_survive_pickling():
    for analyzer in (word_analyzer(), bigram_analyzer()):
        copy = pickle.loads(pickle.dumps(analyzer))
        assert copy == analyzer
        assert analyse(copy, SAMPLE) == analyse(analyzer, SAMPLE)
    assert isinstance(pickle.loads(pickle.dumps(word_analyzer())), WordTokenizer)
    assert isinstance(pickle.loads(pickle.dumps(bigram_analyzer())), BigramTokenizer)


# ----------------------------------------------------------- Whoosh index


def make_schema() -> Schema:
    return Schema(
        id=ID(stored=True, unique=True),
        content=TEXT(analyzer=word_analyzer(), stored=True),
        phrase=TEXT(analyzer=bigram_analyzer(), phrase=True, stored=True),
    )


DOCS = {
    "notice": "咸阳市人民政府关于加强政务公开工作的通知（国发〔2026〕12号）",
    "traditional": "國務院辦公廳關於全面推進基層政務公開標準化工作的指導意見",
    "other": "咸阳市财政局2025年部门预算公开说明",
}


@pytest.fixture
def index():
    ix = RamStorage().create_index(make_schema())
    with ix.writer() as writer:
        for key, text in DOCS.items():
            writer.add_document(id=key, content=text, phrase=text)
    return ix


def search(ix, field, querystring):
    with ix.searcher() as searcher:
        query = QueryParser(field, ix.schema).parse(querystring)
        hits = searcher.search(query, limit=None)
        return [(hit["id"], hit.highlights(field)) for hit in hits]


def ids(results):
    return {key for key, _ in results}


def test_quoted_phrase_matches_only_in_order(index):
    results = search(index, "phrase", '"加强政务公开"')
    assert ids(results) == {"notice"}
    assert highlighted(results[0][1]) == ["加强政务公开"]
    assert search(index, "phrase", '"政务加强公开"') == []


def test_quoted_phrase_in_simplified_finds_traditional_text(index):
    results = search(index, "phrase", '"政务公开标准化"')
    assert ids(results) == {"traditional"}
    assert highlighted(results[0][1]) == ["政務公開標準化"]


def test_word_query_matches_and_highlights(index):
    results = search(index, "content", "政务公开 通知")
    assert ids(results) == {"notice"}
    marked = highlighted(results[0][1])
    assert "通知" in marked
    assert "政务" in "".join(marked) and "公开" in "".join(marked)


def test_traditional_word_query_finds_simplified_text(index):
    assert ids(search(index, "content", "政務公開")) == {"notice", "traditional"}
    assert ids(search(index, "content", "預算")) == {"other"}


def test_document_number_serials_do_not_collide(index):
    assert ids(search(index, "content", "国发〔2026〕12号")) == {"notice"}
    assert search(index, "content", "国发〔2026〕1号") == []


def test_index_on_disk_reopens_with_the_pickled_analyzers(tmp_path):
    ix = FileStorage(str(tmp_path)).create_index(make_schema())
    with ix.writer() as writer:
        writer.add_document(id="notice", content=DOCS["notice"], phrase=DOCS["notice"])
    reopened = FileStorage(str(tmp_path)).open_index()
    assert reopened.schema == ix.schema
    assert ids(search(reopened, "phrase", '"政务公开工作"')) == {"notice"}
    assert ids(search(reopened, "content", "政务公开")) == {"notice"}


def test_orders_are_document_numbers_too():
    from disclosure.search.analysis import find_document_numbers, normalise_document_number

    assert normalise_document_number("國務院令第７１１號") == "国务院令第711号"
    assert normalise_document_number("国务院令第711号") != normalise_document_number(
        "国务院令第71号"
    )
    assert find_document_numbers("请提供国务院令第711号全文") == ["国务院令第711号"]


# ------------------------------------------------- 文号 without brackets, spans, highlighting


@pytest.mark.parametrize(
    "spelling",
    [
        "咸民发〔2025〕6号",
        "咸民发2025年6号",
        "咸民发 2025 6号",
        "咸民发2025 6号",
        "咸民发 2025年 第6号",
        "咸民发2025第6号",
        "咸民發２０２５年６號",
        "咸民发\u30002025\u30006号",
    ],
)
def test_document_number_without_brackets_normalises_the_same(spelling):
    assert normalise_document_number(spelling) == "咸民发〔2025〕6号"
    assert find_document_numbers(spelling) == ["咸民发〔2025〕6号"]


def test_bracketless_serial_6_is_not_16():
    assert normalise_document_number("咸民发2025年16号") == "咸民发〔2025〕16号"
    assert find_document_numbers("咸民发 2025 16号") == ["咸民发〔2025〕16号"]
    assert normalise_document_number("国家税务总局公告2020年第1号") == "国家税务总局公告〔2020〕1号"


@pytest.mark.parametrize(
    "text",
    [
        "2025年6号",  # no issuer
        "咸民发20256号",  # year and serial run together: ambiguous
        "咸民发 2025 6",  # no 号 and no brackets
        "咸阳市2025年6月6号",  # a date
        "咸民发 1850 6号",  # not a year
    ],
)
def test_text_that_only_looks_bracketless_is_not_a_document_number(text):
    assert find_document_numbers(text) == []
    assert not looks_like_document_number(text)


def test_document_number_spans_point_at_what_was_typed():
    from disclosure.search.analysis import document_number_spans

    text = "请提供咸民发 2025 6号和国发〔2026〕3号，国务院令第711号"
    spans = document_number_spans(text)
    assert [n for _, _, n in spans] == ["咸民发〔2025〕6号", "国发〔2026〕3号", "国务院令第711号"]
    assert [text[s:e] for s, e, _ in spans] == [
        "咸民发 2025 6号",
        "国发〔2026〕3号",
        "国务院令第711号",
    ]


def test_highlight_spans_mark_a_phrase_whole_and_only_where_it_matches():
    from disclosure.search.analysis import highlight_spans

    text = "要加强政务公开，政务要公开，基層政務公開。"
    assert highlight_spans(text, phrases=["政务公开"]) == [(3, 7), (16, 20)]
    assert highlight_spans(text, words=["加强"], phrases=["政务公开"]) == [(1, 7), (16, 20)]
    assert [text[s:e] for s, e in highlight_spans(text, words=["公开"])] == ["公开", "公开", "公開"]
    assert highlight_spans(text, phrases=["公开政务"]) == []


def test_a_typed_word_is_marked_where_its_characters_match_it():
    """Every engine finds a word of Chinese characters that segments to itself wherever its
    characters stand together (its bigram phrase): the snippet marks it there, also where
    segmenting the text would not give that word, in any spelling, overlapping too."""
    from disclosure.search.analysis import by_characters, highlight_spans

    assert by_characters("保险") and by_characters("醫療") and by_characters("委托事项")
    assert not by_characters("三人")  # two words (三, 人): marked where the text has them
    assert not by_characters("abc")  # a Latin word is one token: never inside another
    assert highlight_spans("要确保险情及时上报", words=["保险"]) == [(2, 4)]
    assert highlight_spans("醫療机构和医疗", words=["医疗"]) == [(0, 2), (5, 7)]
    assert highlight_spans("哈哈哈", words=["哈哈"]) == [(0, 3)]
    assert highlight_spans("abc abcd", words=["abc"]) == [(0, 3)]
    assert highlight_spans("没有这个词", words=["保险"]) == []
    # marked by segmenting instead: characters folding into several words, other scripts
    assert not by_characters("乾隆") and not by_characters("ＡＢ") and not by_characters("〇〇")
    assert highlight_spans("乾隆年间", words=["乾隆"]) == [(0, 2)]


def test_parse_gives_every_spelling_of_a_document_number_the_same_tree():
    from disclosure.search.query import parse

    trees = {
        repr(parse(f"低保 {typed} 标准"))
        for typed in ("咸民发〔2025〕6号", "咸民发2025年6号", "咸民发 2025 6号", "咸民发[2025]6号")
    }
    assert len(trees) == 1
    tree = parse("低保 咸民发 2025 6号")
    assert tree.document_numbers == ["咸民发〔2025〕6号"]
    assert tree.groups == [["低保"], ["咸民发〔2025〕6号"]]
    alone = parse("咸民发 2025 6号")
    assert alone.document_numbers == ["咸民发〔2025〕6号"] and not alone.groups


def test_parse_adds_a_document_number_given_apart_from_the_text():
    from disclosure.search.query import parse

    assert parse("", ["咸民发 2025 6号"]).document_numbers == ["咸民发〔2025〕6号"]
    tree = parse("低保", ["咸民发2025年6号", "  "])
    assert tree.groups == [["低保"]] and tree.document_numbers == ["咸民发〔2025〕6号"]
    assert parse("咸民发〔2025〕6号", ["咸民发2025年6号"]).document_numbers == ["咸民发〔2025〕6号"]


def test_parse_reads_full_width_operators():
    from disclosure.search.query import parse

    tree = parse("救助 ＯＲ 低保 －冬季 ｜")
    assert tree.groups == [["救助", "低保"]] and tree.excluded == ["冬季"]
    assert parse("＂政务公开＂").phrases == ["政务公开"]


def test_parse_excluded_document_number_is_not_an_identifier():
    from disclosure.search.query import parse

    for typed in ("救助 -咸政发〔2009〕1号", "救助 -咸政发 2009 1号", "救助 －咸政发2009年1号"):
        tree = parse(typed)
        assert tree.excluded == ["咸政发〔2009〕1号"] and tree.document_numbers == [], typed
        assert tree.groups == [["救助"]]


def test_highlighting_reads_the_same_bigrams_as_the_tokenizer():
    from disclosure.search.analysis import _gram_offsets

    grams, starts, ends = _gram_offsets(fold(SAMPLE))
    expected = [(t, s, e) for t, _pos, s, e in analyse(BigramTokenizer(), SAMPLE)]
    assert list(zip(grams, starts, ends, strict=True)) == expected
