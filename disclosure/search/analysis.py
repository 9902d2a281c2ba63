"""Chinese text analysis for search: folding, 文号/索引号 normalising, Whoosh analyzers.

Pure functions and picklable Whoosh tokenizers; no database, no Pyramid.

- ``fold`` makes text comparable: full-width → ASCII (NFKC, character by character),
  traditional → simplified (OpenCC's character table), lowercase. It is length-preserving,
  so offsets into the folded text are offsets into the original text, which is what
  Whoosh's highlighter needs.
- ``WordTokenizer`` segments words with rjieba (search mode when indexing, plain
  non-overlapping cut when parsing a query). Good for ranking, not for phrases.
- ``BigramTokenizer`` emits overlapping character bigrams at consecutive positions.
  Use it for quoted phrase queries: the phrase 政务公开 is 政务/务公/公开 at positions
  n, n+1, n+2, exactly as in any text that contains it.
- ``normalise_document_number`` / ``find_document_numbers`` / ``document_number_spans`` give
  every spelling of a 文号 (〔〕 [] () （） 【】 or no brackets at all: 咸政发2009年12号,
  咸政发 2009 12号; full-width digits, spaces, traditional characters) one canonical form,
  ``咸政发〔2009〕12号``. It is a match key: folding may change characters (乾 → 干), so
  show the original to people.
- ``highlight_spans`` gives the character spans a snippet should mark: quoted phrases whole
  (where they match as phrase search matches them) and the typed words. Engine-neutral.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache, lru_cache
from importlib import resources
from operator import add, itemgetter

import rjieba
from whoosh.analysis import Token, Tokenizer

__all__ = [
    "BigramTokenizer",
    "WordTokenizer",
    "bigram_analyzer",
    "document_number_spans",
    "find_document_numbers",
    "highlight_spans",
    "find_index_numbers",
    "fold",
    "looks_like_document_number",
    "looks_like_index_number",
    "normalise_document_number",
    "normalise_index_number",
    "tokens",
    "word_analyzer",
]

# --------------------------------------------------------------------------- folding

# OpenCC's character tables: traditional → simplified (first candidate, as OpenCC
# itself falls back to), plus the Taiwan and Hong Kong variant forms → OpenCC standard.
_T2S_FILES = ("TSCharacters.txt",)
_VARIANT_FILES = ("TWVariantsRev.txt", "HKVariantsRev.txt")

# Code points that can change under NFKC or lowercasing. Planes 4-13 are unassigned
# and planes 15-16 are private use; skipping them keeps the table build at ~50 ms.
_SCAN_RANGES = ((0, 0xD800), (0xE000, 0x40000), (0xE0000, 0xE1000))


def _read_pairs(filename: str) -> dict[str, str]:
    path = resources.files("opencc") / "dictionary" / filename
    pairs = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        source, _, targets = line.partition("\t")
        target = targets.split(" ", 1)[0].strip()
        if len(source) == 1 and len(target) == 1:
            pairs[source] = target
    return pairs


@cache
def _fold_table() -> dict[int, str]:
    """One ``str.translate`` table: NFKC, then traditional → simplified, then lowercase.

    Every entry maps one character to one character; NFKC results longer than one
    character (⑩ → 10, ㈠ → (一)) are left out so folding never moves an offset.
    """
    t2s = _read_pairs(_T2S_FILES[0])
    for filename in _VARIANT_FILES:
        for variant, standard in _read_pairs(filename).items():
            t2s.setdefault(variant, t2s.get(standard, standard))
    normalize, is_normalized = unicodedata.normalize, unicodedata.is_normalized
    table: dict[int, str] = {}
    for low, high in _SCAN_RANGES:
        for cp in range(low, high):
            char = chr(cp)
            folded = char
            if not is_normalized("NFKC", char):
                folded = normalize("NFKC", char)
                if len(folded) != 1:
                    folded = char
            folded = t2s.get(folded, folded)
            lower = folded.lower()
            if len(lower) == 1:
                folded = lower
            if folded != char:
                table[cp] = folded
    for trad, simp in t2s.items():
        table.setdefault(ord(trad), simp)
    return table


def fold(text: str) -> str:
    """Full-width → ASCII, traditional → simplified, lowercase; same length as ``text``.

    >>> fold("國務院辦公廳關於ＡＢＣ１２３")
    '国务院办公厅关于abc123'
    """
    return text.translate(_fold_lookup())


@cache
def _fold_lookup() -> dict[int, int | str]:
    """``_fold_table`` with every other BMP character mapped to itself, so ``str.translate``
    never misses (a miss costs an exception inside it): about twice as fast on a long body
    (snippets fold each hit's), for some 5 MB. The result is the same."""
    table: dict[int, int | str] = {cp: cp for cp in range(0x10000)}
    table.update({cp: ord(v) if len(v) == 1 else v for cp, v in _fold_table().items()})
    return table


# ------------------------------------------------------------- 文号 and 索引号

_OPEN_BRACKETS = "([{<【〔〖「『〈《⦅"
_CLOSE_BRACKETS = ")]}>】〕〗」』〉》⦆"
_BRACKETS = str.maketrans(
    {**dict.fromkeys(_OPEN_BRACKETS, "〔"), **dict.fromkeys(_CLOSE_BRACKETS, "〕")}
)
_DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−﹘﹣", "-"))
_WHITESPACE = re.compile(r"\s+")

_CJK = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U000323af"

_DOCNO_WHOLE = re.compile(r"(?P<issuer>.+?)〔(?P<year>\d{4})〕第?(?P<serial>\d+)号?")
_DOCNO_IN_TEXT = re.compile(
    rf"(?P<issuer>[{_CJK}a-zA-Z]+)\s*[{re.escape(_OPEN_BRACKETS)}]\s*(?P<year>\d{{4}})\s*"
    rf"[{re.escape(_CLOSE_BRACKETS)}]\s*第?\s*(?P<serial>\d{{1,6}})(?!\d)(?:\s*号)?"
)
# Without brackets the year must be set off from the serial (by 年, white space or 第) and the
# 号 is required, so a date or a bare number is never read as a 文号: 咸民发2025年6号,
# 咸民发 2025 6号, 咸民发2025 6号, 国家税务总局公告2020年第1号.
_YEAR = r"(?:19|20)\d{2}"
_BARE_SEPARATOR = r"(?:\s*年\s*|\s+)第?\s*|\s*第\s*"
_DOCNO_BARE_WHOLE = re.compile(
    rf"(?P<issuer>.*?[{_CJK}a-zA-Z])\s*(?P<year>{_YEAR})(?:{_BARE_SEPARATOR})"
    rf"(?P<serial>\d{{1,6}})\s*号"
)
_DOCNO_BARE_IN_TEXT = re.compile(
    rf"(?P<issuer>[{_CJK}a-zA-Z]+)\s*(?P<year>{_YEAR})(?:{_BARE_SEPARATOR})"
    rf"(?P<serial>\d{{1,6}})(?!\d)\s*号"
)
# Orders (令) are numbered without a year: 国务院令第711号, 陕西省人民政府令第12号.
_ORDER_WHOLE = re.compile(r"(?P<issuer>.+?令)第?(?P<serial>\d+)号?")
_ORDER_IN_TEXT = re.compile(rf"(?P<issuer>[{_CJK}]+令)\s*第\s*(?P<serial>\d{{1,6}})(?!\d)\s*号")
# Words that end the lead-in of a request ("请提供咸政发…", "文号为咸政发…"): the issuer
# starts after the last of them. Single characters are kept to ones no issuer uses.
_ISSUER_LEAD_IN = re.compile(
    r".*(?:请|提供|申请|查询|查阅|查找|索取|获取|调取|依据|根据|按照|依照|参照|关于|印发|转发|"
    r"执行|贯彻|落实|文号|文件|号为|号是|的)"
)
_CONJUNCTIONS = "和与及或"
_AFTER_A_REFERENCE = "号" + _CLOSE_BRACKETS

_INDEX_WHOLE = re.compile(r"[0-9A-Z]{9}(?:[0-9A-Z]{9})?/\d{4}-\d{5}")
_INDEX_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z])[0-9A-Za-z]{9}(?:[0-9A-Za-z]{9})?\s*/\s*\d{4}\s*-\s*\d{5}(?!\d)"
)


def _canonical_document_number(issuer: str, year: str, serial: str) -> str:
    return f"{issuer.upper()}〔{year}〕{int(serial)}号"


def normalise_document_number(text: str) -> str:
    """The canonical form of a 文号: ``咸政发〔2009〕12号``.

    Any bracket style, no brackets at all (``咸政发2009年12号``, ``咸政发 2009 12号``),
    full-width digits, spaces, traditional characters, a missing 号 (bracketed form only),
    a 第 before the serial and leading zeros in the serial all give the same string.
    Text that is not shaped like a 文号 is returned folded, without spaces, with its
    brackets made 〔〕 and its Latin letters in capitals.
    """
    folded = fold(text).translate(_BRACKETS)
    cleaned = _WHITESPACE.sub("", folded)
    match = _DOCNO_WHOLE.fullmatch(cleaned)
    if match is not None:
        return _canonical_document_number(*match.group("issuer", "year", "serial"))
    # before the spaces go: in 咸政发 2009 12号 they separate the year from the serial
    bare = _DOCNO_BARE_WHOLE.fullmatch(folded.strip())
    if bare is not None:
        issuer = _WHITESPACE.sub("", bare.group("issuer"))
        return _canonical_document_number(issuer, *bare.group("year", "serial"))
    order = _ORDER_WHOLE.fullmatch(cleaned)
    if order is not None:
        return f"{order.group('issuer')}第{int(order.group('serial'))}号"
    return cleaned.upper()


def document_number_spans(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, 文号)`` of every 文号 in free text, in order: ``text[start:end]`` is
    how it was typed (without a lead-in such as 请提供), the third item its canonical form.

    >>> document_number_spans("请提供咸民发 2025 6号文件")
    [(3, 14, '咸民发〔2025〕6号')]
    """
    folded = fold(text)  # same length as text: offsets carry over
    spans: list[tuple[int, int, str]] = []
    for pattern in (_DOCNO_IN_TEXT, _DOCNO_BARE_IN_TEXT):
        for match in pattern.finditer(folded):
            start = _issuer_start(folded, match.start("issuer"), match.group("issuer"))
            issuer = folded[start : match.end("issuer")]
            if not issuer:
                continue
            number = _canonical_document_number(issuer, *match.group("year", "serial"))
            spans.append((start, match.end(), number))
    for match in _ORDER_IN_TEXT.finditer(folded):
        start = _issuer_start(folded, match.start("issuer"), match.group("issuer")[:-1])
        issuer = folded[start : match.end("issuer")]
        if len(issuer) < 2:
            continue
        spans.append((start, match.end(), f"{issuer}第{int(match.group('serial'))}号"))
    spans.sort()
    return spans


def _issuer_start(folded: str, start: int, issuer: str) -> int:
    """Where the issuer really starts: after a lead-in ("请提供咸政发…"), and not in the tail of
    the 文号 before it ("…6号和咸政发〔2009〕12号": not an issuer called 号和咸政发 or 和咸政发)."""
    lead_in = _ISSUER_LEAD_IN.match(issuer)
    if lead_in is not None:
        return start + lead_in.end()
    stripped = issuer.lstrip("号")
    if stripped != issuer or (start > 0 and folded[start - 1] in _AFTER_A_REFERENCE):
        stripped = stripped.lstrip(_CONJUNCTIONS)
    return start + len(issuer) - len(stripped)


def find_document_numbers(text: str) -> list[str]:
    """Normalised 文号 found in free text, in order, without repeats.

    >>> find_document_numbers("请提供咸政发【2009】12号文件")
    ['咸政发〔2009〕12号']
    >>> find_document_numbers("咸民发2025年6号和咸民发 2025 16号")
    ['咸民发〔2025〕6号', '咸民发〔2025〕16号']
    """
    found: list[str] = []
    for _start, _end, number in document_number_spans(text):
        if number not in found:
            found.append(number)
    return found


def looks_like_document_number(query: str) -> bool:
    """True if the query holds a 文号 (issuer, bracketed year, serial), alone or not."""
    return bool(find_document_numbers(query))


def normalise_index_number(text: str) -> str:
    """``０００014349 / 2020－00072`` → ``000014349/2020-00072``."""
    normal = unicodedata.normalize("NFKC", text).translate(_DASHES)
    return _WHITESPACE.sub("", normal).upper()


def looks_like_index_number(query: str) -> bool:
    """True if the whole query is a 索引号: 9- or 18-character code, /yyyy-nnnnn."""
    return _INDEX_WHOLE.fullmatch(normalise_index_number(query)) is not None


def find_index_numbers(text: str) -> list[str]:
    """Normalised 索引号 found in free text, in order, without repeats."""
    normal = unicodedata.normalize("NFKC", text).translate(_DASHES)
    found: list[str] = []
    for match in _INDEX_IN_TEXT.finditer(normal):
        number = normalise_index_number(match.group())
        if number not in found:
            found.append(number)
    return found


# --------------------------------------------------------------------- tokenizers

_HAS_ALNUM = re.compile(r"[^\W_]").search
_BY_START = itemgetter(1)
# Runs the bigram tokenizer works on: CJK (plus kana and hangul) for bigrams, and
# everything else that is alphanumeric as whole tokens.
_BIGRAM_SCRIPTS = _CJK + "\u3040-\u30ff\u31f0-\u31ff\uac00-\ud7af"
_RUNS = re.compile(rf"([{_BIGRAM_SCRIPTS}]+)|[^\W_{_BIGRAM_SCRIPTS}]+")
# the same runs as (CJK run, "") or ("", other run) pairs, without match objects
_RUN_PAIRS = re.compile(rf"([{_BIGRAM_SCRIPTS}]+)|([^\W_{_BIGRAM_SCRIPTS}]+)").findall
# rjieba's search mode adds the 2- and 3-character dictionary words inside a longer
# word; longer words (5+ characters) also get their 4+-character dictionary words, so
# 中华人民共和国 is found inside 中华人民共和国政府.
_EXPAND_FROM = 5
_EXPAND_MIN = 4


@lru_cache(maxsize=65536)
def _long_subwords(word: str) -> tuple[tuple[str, int, int], ...]:
    """(subword, start, end) for dictionary words of 4+ characters inside ``word``."""
    if not ("\u3400" <= word[0] <= "\u9fff" or word[0] >= "\U00020000"):
        return ()
    subwords = []
    seen = set()
    offset = 0
    for sub in rjieba.cut_all(word):
        size = len(sub)
        found = word.find(sub, offset)
        offset = found if found >= 0 else word.find(sub)
        if size >= _EXPAND_MIN and size != len(word) and (offset, size) not in seen:
            seen.add((offset, size))
            subwords.append((sub, offset, offset + size))
    return tuple(subwords)


def _whole_value_token(token, value, text, start_pos, start_char, keeporiginal):
    token.text = text
    if keeporiginal:
        token.original = text
    token.pos = start_pos
    token.startchar = start_char
    token.endchar = start_char + len(value)
    return token


def _words(folded: str, mode: str) -> list[tuple[str, int, int]]:
    """(word, start, end) of the ``WordTokenizer``'s tokens of already folded text, in order."""
    if mode == "query":
        words = rjieba.tokenize(folded, "default", False)
    else:
        words = rjieba.tokenize(folded, "search", False)
        longer = [
            (sub, start + s, start + e)
            for word, start, end in words
            if end - start >= _EXPAND_FROM
            for sub, s, e in _long_subwords(word)
        ]
        words.extend(longer)
        words.sort(key=_BY_START)
    return [w for w in words if w[0].isalnum() or _HAS_ALNUM(w[0]) is not None]


def _bigrams(folded: str) -> list[str]:
    """The ``BigramTokenizer``'s token texts of already folded text, in order."""
    grams: list[str] = []
    for run, other in _RUN_PAIRS(folded):
        if other:
            grams.append(other)
        elif len(run) == 1:
            grams.append(run)
        else:
            grams.extend(map(add, run, run[1:]))
    return grams


class WordTokenizer(Tokenizer):
    """Folds, then segments words with rjieba (dictionary only, no HMM guessing).

    ``mode="index"`` (or anything but ``"query"``) uses search mode: each word plus the
    shorter dictionary words inside it, overlapping, ordered by start character.
    ``mode="query"`` uses the plain non-overlapping cut, so an AND query asks for each
    word once. Every emitted token gets its own position, strictly increasing; tokens
    that are only punctuation or whitespace are dropped; digits and single Latin letters
    are kept. Overlapping tokens make positions meaningless for phrases: quote phrases
    against a ``BigramTokenizer`` field.
    """

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        text = fold(value)
        if not tokenize:
            yield _whole_value_token(token, value, text, start_pos, start_char, keeporiginal)
            return
        pos = start_pos
        for word, start, end in _words(text, mode):
            token.text = word
            if keeporiginal:
                token.original = word
            token.pos = pos
            pos += 1
            token.startchar = start_char + start
            token.endchar = start_char + end
            yield token


class BigramTokenizer(Tokenizer):
    """Folds, then emits overlapping bigrams of CJK runs and whole non-CJK words.

    Positions come from one running counter: a CJK run of n ≥ 2 characters gives n - 1
    bigrams at consecutive positions, a lone CJK character gives itself, a Latin word or
    number gives one token; punctuation and whitespace separate runs and give nothing.
    Index and query mode are the same, which is what lets a quoted phrase match: 政务公开
    is 政务/务公/公开 at consecutive positions wherever it appears.
    """

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        text = fold(value)
        if not tokenize:
            yield _whole_value_token(token, value, text, start_pos, start_char, keeporiginal)
            return
        pos = start_pos
        for match in _RUNS.finditer(text):
            start, end = match.span()
            if match.lastindex is None or end - start == 1:
                # A Latin word, a number or a lone CJK character: one token.
                token.text = word = match.group()
                if keeporiginal:
                    token.original = word
                token.pos = pos
                pos += 1
                token.startchar = start_char + start
                token.endchar = start_char + end
                yield token
                continue
            run = match.group()
            first = start_char + start
            shift = pos - first
            for startchar, gram in enumerate(map(add, run, run[1:]), first):
                token.text = gram
                if keeporiginal:
                    token.original = gram
                token.pos = startchar + shift
                token.startchar = startchar
                token.endchar = startchar + 2
                yield token
            pos += end - start - 1


def word_analyzer() -> WordTokenizer:
    """Analyzer for ranked word search (a ``TEXT`` field's ``analyzer=``)."""
    return WordTokenizer()


def bigram_analyzer() -> BigramTokenizer:
    """Analyzer for phrase search (a ``TEXT(phrase=True)`` field's ``analyzer=``)."""
    return BigramTokenizer()


_ANALYZERS = {"word": WordTokenizer(), "bigram": BigramTokenizer()}


def tokens(text: str, kind: str = "word", mode: str = "index") -> list[str]:
    """Token texts of ``text``: ``kind`` is ``"word"`` or ``"bigram"``, ``mode`` is
    ``"index"`` or ``"query"``."""
    # The analyzers' own token texts, without making a Token for each (index builds call this
    # for every document): _words and _bigrams are what WordTokenizer and BigramTokenizer emit.
    if kind == "word":
        return [word for word, _, _ in _words(fold(text), mode)]
    if kind == "bigram":
        return _bigrams(fold(text))
    raise ValueError(f"unknown token kind {kind!r}; use 'word' or 'bigram'")


def index_tokens(text: str) -> tuple[list[str], list[str]]:
    """``(tokens(text, "word"), tokens(text, "bigram"))``, folding ``text`` once."""
    folded = fold(text)
    return [word for word, _, _ in _words(folded, "index")], _bigrams(folded)


# --------------------------------------------------------------------- highlighting


def _gram_offsets(folded: str) -> tuple[list[str], list[int], list[int]]:
    """The ``BigramTokenizer``'s token texts with their start and end characters, as three
    lists (no Token objects: highlighting scans whole documents)."""
    grams: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for match in _RUNS.finditer(folded):
        start, end = match.span()
        if match.lastindex is None or end - start == 1:
            grams.append(match.group())
            starts.append(start)
            ends.append(end)
            continue
        run = match.group()
        grams.extend(map(add, run, run[1:]))
        starts.extend(range(start, end - 1))
        ends.extend(range(start + 2, end + 1))
    return grams, starts, ends


@lru_cache(maxsize=1024)
def _query_words(word: str) -> tuple[str, ...]:
    return tuple(tokens(word, "word", mode="query"))


@lru_cache(maxsize=1024)
def _phrase_grams(phrase: str) -> list[str]:
    return tokens(phrase, "bigram")


_SEPARATOR_CHARS = "，。；：、！？,;:!?（）()《》〈〉“”\"'「」『』【】[]"
#: text between punctuation and white space, which the segmenter never joins across
_STRETCHES = re.compile(rf"[^\s{re.escape(_SEPARATOR_CHARS)}]+").finditer


#: one separator (what ``_STRETCHES`` stops at)
_SEPARATOR = re.compile(_STRETCHES.__self__.pattern.replace("[^", "[", 1).removesuffix("+"))
_CJK_RUN = re.compile(f"[{_CJK}]+").fullmatch


@cache
def _unfolded() -> dict[str, str]:
    """Folded character → every other character that folds to it (``fold`` is one character
    to one, so a pattern over these finds in the raw text what it finds in the folded text,
    at the same offsets, without folding the text)."""
    inverse: dict[str, set[str]] = {}
    for cp, folded in _fold_table().items():
        if len(folded) == 1 and chr(cp) != folded:
            inverse.setdefault(folded, set()).add(chr(cp))
    return {folded: "".join(sorted(chars)) for folded, chars in inverse.items()}


def _raw(char: str) -> str:
    """A pattern for the characters that fold to ``char`` (itself, unless it folds further)."""
    chars = (char if fold(char) == char else "") + _unfolded().get(char, "")
    if not chars:
        return "(?!)"  # nothing folds to it
    return f"[{re.escape(chars)}]" if len(chars) > 1 else re.escape(chars)


@cache
def _raw_separators() -> tuple:
    """(a separator, a stretch) in the raw text: ``_SEPARATOR`` and ``_STRETCHES`` of its
    folding."""
    chars = "".join(c + _unfolded().get(c, "") for c in _SEPARATOR_CHARS + " ")
    body = r"\s" + re.escape(chars)
    return re.compile(f"[{body}]"), re.compile(f"[^{body}]+")


def raw_separator():
    """A compiled pattern of one separator in raw (unfolded) text: where the segmenter, and
    so a stretch, stops."""
    return _raw_separators()[0]


@lru_cache(maxsize=1024)
def _wanted_pattern(wanted: frozenset[str]):
    """``finditer`` over the raw text of the wanted words a stretch can hold (none with a
    separator in it)."""
    words = sorted((w for w in wanted if w and not _SEPARATOR.search(w)), key=len, reverse=True)
    if not words:
        return None
    return re.compile("|".join("".join(map(_raw, word)) for word in words)).finditer


@lru_cache(maxsize=1024)
def _literal_phrase(grams: tuple[str, ...]):
    """(a pattern of a phrase's characters in the raw text, their number) when its bigrams
    chain into one run of CJK characters (人民 民政 政府 → 人民政府); else None. Such a
    phrase matches wherever its characters stand together (:func:`_starts`)."""
    if len(grams) < 1 or any(len(g) != 2 for g in grams):
        return None
    if any(a[1] != b[0] for a, b in zip(grams, grams[1:], strict=False)):
        return None
    literal = grams[0] + "".join(g[1] for g in grams[1:])
    if not _CJK_RUN(literal):
        return None
    return re.compile("".join(map(_raw, literal))), len(literal)


def _starts(pattern: re.Pattern, size: int, text: str) -> list[tuple[int, int]]:
    """The spans of every occurrence, overlapping ones too (哈哈 twice in 哈哈哈). A search
    from each start, not a lookahead at every position: the engine then scans for the first
    character in C."""
    spans, search, pos = [], pattern.search, 0
    while (found := search(text, pos)) is not None:
        start = found.start()
        spans.append((start, start + size))
        pos = start + 1
    return spans


@lru_cache(maxsize=1024)
def _literal_word(word: str):
    """``_literal_phrase`` of a typed word that is one word of two or more Chinese characters
    after segmenting (救助, 行政处分, 醫療 folded), else None: such a word is marked where its
    characters stand together."""
    words = _query_words(word)
    if len(words) != 1 or len(words[0]) < 2 or _CJK_RUN(words[0]) is None:
        return None
    return _literal_phrase(tuple(_phrase_grams(word)))


def by_characters(word: str) -> bool:
    """Whether a typed word is marked by its characters (:func:`_literal_word`)."""
    return _literal_word(word) is not None


def highlight_spans(
    text: str, words: Iterable[str] = (), phrases: Iterable[str] = ()
) -> list[tuple[int, int]]:
    """``(start, end)`` character spans of ``text`` to highlight, in order, merged where they
    touch. A quoted phrase is marked where it matches as phrase search matches it (its
    bigrams at consecutive positions), as one span, so 政务公开 is one <em>; a typed word
    marks every word of the text that is one of its segmented words. Engine-neutral: any
    engine can build its snippets from these spans.

    A typed word of Chinese characters that segments to itself (most typed words: 救助,
    行政处分) is found by every engine wherever its characters stand together (its bigram
    phrase is one of its alternatives), so it is marked there, as a phrase is: one scan of
    the raw text, without segmenting the text around it (:func:`by_characters`).

    >>> highlight_spans("要加强政务公开，政务要公开", phrases=["政务公开"])
    [(3, 7)]
    """
    spans: list[tuple[int, int]] = []
    segmented = []
    for word in words:
        literal = _literal_word(word)
        if literal is None:
            segmented.append(word)
        else:
            spans += _starts(*literal, text)
    wanted = {w for word in segmented for w in _query_words(word)}
    if wanted:
        # Only the stretches between punctuation that hold a wanted word are folded and
        # segmented: the segmenter cuts at punctuation itself, so each stretch gives the words
        # it gives in the whole text (a body is segmented in a fraction of the time).
        # The stretches holding a wanted word are found with one scan of the raw text (the
        # pattern matches what folds to the word): an occurrence lies in one stretch (the
        # words with a separator in them are in none).
        found = _wanted_pattern(frozenset(wanted))
        separator_re, stretch_re = _raw_separators()
        backwards, done = None, 0
        for occurrence in found(text) if found is not None else ():
            at = occurrence.start()
            if at < done:
                continue  # in the stretch just segmented
            if backwards is None:
                backwards = text[::-1]
            separator = separator_re.search(backwards, len(text) - at)  # the last one before
            offset = len(text) - separator.start() if separator else 0
            stretch = stretch_re.match(text, offset)
            done = stretch.end()
            spans += [
                (offset + start, offset + end)
                for word, start, end in _words(fold(stretch.group()), "index")
                if word in wanted
            ]
    phrase_grams = []
    for wanted_grams in (g for g in map(_phrase_grams, phrases) if g):
        # a phrase of CJK characters is first looked for as those characters together (one
        # scan of the raw text); only a phrase not found that way is matched by its bigrams
        literal = _literal_phrase(tuple(wanted_grams))
        found = _starts(*literal, text) if literal else []
        spans += found
        if not found:
            phrase_grams.append(wanted_grams)
    if phrase_grams:
        grams, starts, ends = _gram_offsets(fold(text))
        # Positions are consecutive across runs (punctuation gives no token), so the list
        # index is the position.
        for wanted_grams in phrase_grams:
            size, first = len(wanted_grams), wanted_grams[0]
            for i in [i for i, gram in enumerate(grams) if gram == first]:
                if grams[i : i + size] == wanted_grams:
                    spans.append((starts[i], ends[i + size - 1]))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged
