"""Generate the committed benchmark queries and relevance judgements from the corpus.

``python -m bench.queries`` rewrites ``bench/data/latency_queries.json`` and
``bench/data/relevance.json``. Everything is drawn with a fixed seed from the full corpus
(``bench.corpus.build_statutes``), so the same corpus gives the same files; the files are
committed so that judgements stay put even if the generator changes. How the judgements are
drawn is described in ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import warnings
from collections import Counter, defaultdict
from pathlib import Path

import rjieba

from .corpus import SEED, Statute, build_statutes, organisation_path, short_title
from .engines.base import BenchQuery

DATA = Path(__file__).resolve().parent / "data"
LATENCY_FILE = DATA / "latency_queries.json"
RELEVANCE_FILE = DATA / "relevance.json"
DEV_RELEVANCE_FILE = DATA / "relevance_dev.json"  # for tuning; the judged set is for measuring
DEV_SEED_OFFSET = 1000

_CJK_WORD = re.compile(r"^[\u4e00-\u9fff]{2,4}$")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_DOCNO = re.compile(r"^(.+)〔(\d{4})〕(\d+)号$")
_LABEL = re.compile(r"^第[一二三四五六七八九十百千零〇两]+条(?:之[一二三四五六七八九十百]+)?\s*")
_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_NOUNS = {"n", "nz", "ns", "nt", "nl", "ng", "vn", "s", "j", "an"}  # jieba part-of-speech tags
DOCNO_STYLES = ("〔〕", "[]", "（）", "()", "【】", "［］", "fullwidth", "spaced")


def render_document_number(docno: str, style: str) -> str:
    """A 文号 as people type it: ``鲁政发〔2016〕1号`` → ``鲁政发[2016]1号``, ``鲁政发（2016）1号``…"""
    m = _DOCNO.match(docno)
    if not m:  # 国务院令第656号: only the digits can vary
        return docno.translate(_FULLWIDTH) if style in ("fullwidth", "spaced") else docno
    issuer, year, serial = m.groups()
    if style == "fullwidth":
        return f"{issuer}〔{year.translate(_FULLWIDTH)}〕{serial.translate(_FULLWIDTH)}号"
    if style == "spaced":
        return f"{issuer} [{year}] {serial}号"
    return f"{issuer}{style[0]}{year}{style[1]}{serial}号"


class _Corpus:
    """The statutes plus what the generator needs to look things up fast."""

    def __init__(self, seed: int) -> None:
        self.statutes: tuple[Statute, ...] = build_statutes(seed, progress=True)
        self.items = [it for s in self.statutes for it in s.items]
        self.statute_of = {it["index_number"]: s for s in self.statutes for it in s.items}
        print("queries: segmenting the corpus…", file=sys.stderr)
        self.df: Counter[str] = Counter()
        for it in self.items:
            self.df.update(set(rjieba.cut(it["body"])))
        self.bodies = "\x00".join(it["body"] for it in self.items)
        self.titles = "\x00".join(s.title for s in self.statutes)
        self.docno_count = Counter(s.document_number for s in self.statutes)
        self.title_count = Counter(s.title for s in self.statutes)

    def content_words(self, text: str, lo: int = 30, hi: int = 3000) -> list[str]:
        """The article's nouns that are neither rare nor everywhere, in text order."""
        out: list[str] = []
        for w, pos in rjieba.tag(text):
            if pos in _NOUNS and _CJK_WORD.match(w) and lo <= self.df[w] <= hi and w not in out:
                out.append(w)
        return out


def _article_text(item: dict) -> str:
    """The body without its leading 第N条 label (queries should not hinge on it)."""
    m = _LABEL.match(item["body"])
    return item["body"][m.end() :] if m else item["body"]


def _substring(rng: random.Random, text: str, lo: int, hi: int) -> str | None:
    """A run of whole words (Han characters only) of ``lo``–``hi`` characters from ``text``."""
    tokens = rjieba.cut(text)
    windows: list[str] = []
    for i in range(len(tokens)):
        run = ""
        for token in tokens[i:]:
            if not _CJK_RUN.fullmatch(token) or len(run) + len(token) > hi:
                break
            run += token
            if len(run) >= lo:
                windows.append(run)
    return rng.choice(windows) if windows else None


def _word_query(c: _Corpus, rng: random.Random, item: dict, n: int) -> str | None:
    words = c.content_words(_article_text(item))
    if len(words) < n:
        return None
    return " ".join(rng.sample(words, n))


# --------------------------------------------------------------------------- latency queries


def latency_queries(c: _Corpus, seed: int) -> list[dict]:
    rng = random.Random(seed)
    out: list[BenchQuery] = []
    articles = [it for it in c.items if len(it["body"]) >= 60]

    while sum(q.kind == "words" for q in out) < 80:
        text = _word_query(c, rng, rng.choice(articles), rng.choice((2, 2, 3)))
        if text:
            out.append(BenchQuery(text, "words"))

    while sum(q.kind == "phrase" for q in out) < 40:
        s = _substring(rng, _article_text(rng.choice(articles)), 4, 8)
        if s:
            out.append(BenchQuery(f'"{s}"', "phrase"))

    statutes = [s for s in c.statutes if s.items]
    docnos = 0
    while docnos < 30:
        s = rng.choice(statutes)
        if _DOCNO.match(s.document_number) or docnos % 5 == 4:
            style = DOCNO_STYLES[docnos % len(DOCNO_STYLES)]
            out.append(BenchQuery(render_document_number(s.document_number, style), "docno"))
            docnos += 1

    for item in rng.sample(c.items, 20):
        out.append(BenchQuery(item["index_number"], "index_number"))

    filtered = 0
    while filtered < 30:
        item = rng.choice(articles)
        text = _word_query(c, rng, item, 2)
        if not text:
            continue
        which = filtered % 5
        path = organisation_path(item["organisation"])
        organisation = rng.choice(path[1:] or path) if which in (0, 3) else None
        topic = item["topic"] if which in (1, 4) else None
        year = int(item["published_on"][:4]) if which in (2, 3, 4) else None
        out.append(BenchQuery(text, "filtered", organisation, topic, year))
        filtered += 1

    return [q.to_dict() for q in out]


# --------------------------------------------------------------------------- judgements


def _entry(judgement: str, q: BenchQuery, relevant: dict[str, int], note: str) -> dict:
    return {"judgement": judgement, "note": note, "query": q.to_dict(), "relevant": relevant}


def _docno_judgements(
    c: _Corpus, rng: random.Random, n: int, exclude: frozenset[int] = frozenset()
) -> list[dict]:
    serials: dict[tuple[str, str], set[int]] = defaultdict(set)
    for s in c.statutes:
        m = _DOCNO.match(s.document_number)
        if m:
            serials[(m.group(1), m.group(2))].add(int(m.group(3)))

    def usable(s: Statute) -> bool:
        return (
            5 <= len(s.items) <= 60
            and c.docno_count[s.document_number] == 1
            and "第一条" in s.labels
            and s.number not in exclude
        )

    def trap(s: Statute) -> bool:  # …〔2016〕1号 while …〔2016〕1x号 exists
        m = _DOCNO.match(s.document_number)
        if not m:
            return False
        serial = int(m.group(3))
        others = serials[(m.group(1), m.group(2))]
        return serial < 10 and any(serial * 10 + k in others for k in range(10))

    candidates = [s for s in c.statutes if usable(s)]
    traps = rng.sample([s for s in candidates if trap(s)], n // 2)
    orders = rng.sample([s for s in candidates if s.document_number.startswith("国务院令")], 2)
    rest = [s for s in candidates if s not in traps and s not in orders]
    chosen = traps + orders + rng.sample(rest, n - len(traps) - len(orders))
    out = []
    for k, s in enumerate(chosen):
        text = render_document_number(s.document_number, DOCNO_STYLES[k % len(DOCNO_STYLES)])
        relevant = {it["index_number"]: 1 for it in s.items}
        relevant[s.items[s.labels.index("第一条")]["index_number"]] = 2
        note = f"{s.title} ({s.document_number}): 第一条 2, its other articles 1"
        out.append(_entry("docno", BenchQuery(text, "docno"), relevant, note))
    return out


def _index_number_judgements(
    c: _Corpus, rng: random.Random, n: int, exclude: frozenset[int] = frozenset()
) -> list[dict]:
    out = []
    items = [it for it in c.items if c.statute_of[it["index_number"]].number not in exclude]
    for it in rng.sample(items, n):
        q = BenchQuery(it["index_number"], "index_number")
        out.append(_entry("index_number", q, {it["index_number"]: 2}, it["title"]))
    return out


def _title_topic_query(c: _Corpus, rng: random.Random, s: Statute) -> dict | None:
    """``<short title> <noun>`` for one statute: the articles holding the noun 2, its other
    articles 1; None when the statute has no usable title or noun."""
    short = short_title(s.title)
    if not 4 <= len(short) <= 12 or c.titles.count(short) != 1:
        return None
    share: Counter[str] = Counter()
    for it in s.items:
        share.update(c.content_words(_article_text(it), lo=20, hi=5000))
    words = sorted(
        w
        for w, k in share.items()
        if 0.1 <= k / len(s.items) <= 0.5 and w not in short and short not in w
    )
    if not words:
        return None
    word = rng.choice(words)
    relevant = {
        it["index_number"]: 2 if word in it["title"] or word in it["body"] else 1 for it in s.items
    }
    note = f"{s.title}: articles containing {word} 2, its other articles 1"
    return {"text": f"{short} {word}", "relevant": relevant, "note": note}


def _title_topic_statutes(c: _Corpus, exclude: frozenset[int]) -> list[Statute]:
    return [
        s
        for s in c.statutes
        if 5 <= len(s.items) <= 60
        and c.title_count[s.title] == 1
        and s.labels[0] != ""
        and s.number not in exclude
    ]


def _title_topic_judgements(
    c: _Corpus, rng: random.Random, n: int, exclude: frozenset[int] = frozenset()
) -> list[dict]:
    out: list[dict] = []
    statutes = _title_topic_statutes(c, exclude)
    rng.shuffle(statutes)
    for s in statutes:
        if len(out) >= n:
            break
        found = _title_topic_query(c, rng, s)
        if found is None:
            continue
        q = BenchQuery(found["text"], "words")
        out.append(_entry("title_topic", q, found["relevant"], found["note"]))
    return out


def _phrase_judgements(
    c: _Corpus, rng: random.Random, n: int, exclude: frozenset[int] = frozenset()
) -> list[dict]:
    out: list[dict] = []
    articles = [
        it
        for it in c.items
        if len(it["body"]) >= 60 and c.statute_of[it["index_number"]].number not in exclude
    ]
    while len(out) < 2 * n:
        it = rng.choice(articles)
        s = _substring(rng, _article_text(it), 6, 12)
        if not s or c.bodies.count(s) != 1 or s in c.titles:
            continue
        relevant = {it["index_number"]: 2}
        out.append(_entry("phrase", BenchQuery(f'"{s}"', "phrase"), relevant, it["title"]))
        out.append(_entry("phrase_unquoted", BenchQuery(s, "words"), relevant, it["title"]))
    return out


def _traditional_judgements(simplified: list[dict], n: int) -> list[dict]:
    with warnings.catch_warnings():  # zhconv imports pkg_resources
        warnings.simplefilter("ignore")
        from zhconv import convert
    out = []
    for e in simplified:
        text = e["query"]["text"]
        hant = convert(text, "zh-hant")
        if hant != text and len(out) < n:
            q = BenchQuery(hant, e["query"]["kind"])
            note = f"traditional form of {text!r}: the same judgements"
            out.append(_entry("traditional", q, dict(e["relevant"]), note))
    return out


def _holding_all(c: _Corpus, words: list[str]) -> list[dict]:
    """The articles in which every word occurs, each in the title or the body (the engines'
    AND: each word may match either field)."""
    return [it for it in c.items if all(w in it["body"] or w in it["title"] for w in words)]


def _keyword_query(
    c: _Corpus, rng: random.Random, item: dict, exclude_texts: frozenset[str]
) -> dict | None:
    """2–3 distinctive nouns of one article, none of them in its statute's title: that article
    2, the statute's other articles holding every word 1. Only word sets that occur together in
    at most 3 articles, all of that statute (so the query does point at the article)."""
    s = c.statute_of[item["index_number"]]
    words = [w for w in c.content_words(_article_text(item), lo=5, hi=2000) if w not in s.title]
    k = rng.choice((2, 3, 3))
    if len(words) < k:
        return None
    chosen = rng.sample(words, k)
    text = " ".join(chosen)
    if text in exclude_texts:
        return None
    holding = _holding_all(c, chosen)
    if len(holding) > 3 or any(c.statute_of[it["index_number"]] is not s for it in holding):
        return None
    relevant = {it["index_number"]: 1 for it in holding}
    relevant[item["index_number"]] = 2
    note = f"{item['title']}: 2, the statute's other articles holding every word 1"
    return {"text": text, "relevant": relevant, "note": note}


def _keyword_articles(c: _Corpus, exclude: frozenset[int]) -> list[dict]:
    return [
        it
        for it in c.items
        if len(it["body"]) >= 60 and c.statute_of[it["index_number"]].number not in exclude
    ]


def _keyword_judgements(
    c: _Corpus,
    rng: random.Random,
    n: int,
    exclude: frozenset[int] = frozenset(),
    exclude_texts: frozenset[str] = frozenset(),
) -> list[dict]:
    out: list[dict] = []
    articles = _keyword_articles(c, exclude)
    seen: set[str] = set(exclude_texts)
    while len(out) < n:
        found = _keyword_query(c, rng, rng.choice(articles), frozenset(seen))
        if found is None:
            continue
        seen.add(found["text"])
        q = BenchQuery(found["text"], "words")
        out.append(_entry("keywords", q, found["relevant"], found["note"]))
    return out


def _filtered_judgements(
    c: _Corpus,
    rng: random.Random,
    n: int,
    exclude: frozenset[int] = frozenset(),
    exclude_texts: frozenset[str] = frozenset(),
) -> list[dict]:
    """Half law name + word, half keyword queries, each with a filter the statute satisfies:
    its organisation or one of its ancestors below the city (the filter keeps descendants), or
    its year. The judgements are the unfiltered query's, restricted to the items the filter
    keeps."""
    out: list[dict] = []
    statutes = _title_topic_statutes(c, exclude)
    articles = _keyword_articles(c, exclude)
    seen: set[str] = set(exclude_texts)
    by_number = {it["index_number"]: it for it in c.items}
    while len(out) < n:
        if len(out) % 2 == 0:
            found = _title_topic_query(c, rng, rng.choice(statutes))
            what = "law name + word"
        else:
            found = _keyword_query(c, rng, rng.choice(articles), frozenset(seen))
            what = "keywords"
        if found is None or found["text"] in seen:
            continue
        item = by_number[next(iter(found["relevant"]))]
        if len(out) % 4 < 2:
            path = organisation_path(item["organisation"])
            organisation, year = rng.choice(path[1:] or path), None
            kept = [
                k
                for k in found["relevant"]
                if organisation in organisation_path(by_number[k]["organisation"])
            ]
            how = f"organisation {organisation} (and below)"
        else:
            organisation, year = None, int(item["published_on"][:4])
            kept = [k for k in found["relevant"] if by_number[k]["published_on"][:4] == str(year)]
            how = f"year {year}"
        relevant = {k: found["relevant"][k] for k in kept}
        if not any(g == 2 for g in relevant.values()):
            continue
        seen.add(found["text"])
        q = BenchQuery(found["text"], "filtered", organisation=organisation, year=year)
        note = f"{what}, filtered by {how}; {found['note']}"
        out.append(_entry("filtered", q, relevant, note))
    return out


def relevance_judgements(
    c: _Corpus,
    seed: int,
    exclude: frozenset[int] = frozenset(),
    exclude_texts: frozenset[str] = frozenset(),
) -> list[dict]:
    """The judged queries. ``exclude``: statute numbers none of them may draw on, and
    ``exclude_texts``: query texts they may not repeat (the development set leaves out the
    judged set's)."""
    rng = random.Random(seed + 1)
    docno = _docno_judgements(c, rng, 14, exclude)
    index_numbers = _index_number_judgements(c, rng, 8, exclude)
    title_topic = _title_topic_judgements(c, rng, 18, exclude)
    phrases = _phrase_judgements(c, rng, 10, exclude)
    unquoted = [e for e in phrases if e["judgement"] == "phrase_unquoted"]
    hant = _traditional_judgements(title_topic[:8], 5)
    hant += _traditional_judgements(unquoted, 10 - len(hant))
    # Added later, from a stream of their own so that the groups above stay as they were.
    rng = random.Random(seed + 2)
    taken = exclude_texts | {e["query"]["text"] for e in docno + title_topic + phrases + hant}
    keywords = _keyword_judgements(c, rng, 14, exclude, taken)
    taken |= {e["query"]["text"] for e in keywords}
    filtered = _filtered_judgements(c, rng, 14, exclude, taken)
    return docno + index_numbers + title_topic + phrases + hant + keywords + filtered


def development_judgements(c: _Corpus, seed: int, judged: list[dict]) -> list[dict]:
    """The development set: the same generators with another seed, drawing on none of the
    statutes and repeating none of the query texts of the judged set ``judged``."""
    statutes = frozenset(
        c.statute_of[k].number for e in judged for k in e["relevant"] if k in c.statute_of
    )
    texts = frozenset(e["query"]["text"] for e in judged)
    dev = relevance_judgements(c, seed + DEV_SEED_OFFSET, statutes, texts)
    return [e for e in dev if e["query"]["text"] not in texts]


def _dump(path: Path, data: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write("[\n")
        f.write(",\n".join(json.dumps(d, ensure_ascii=False) for d in data))
        f.write("\n]\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out-dir", type=Path, default=DATA)
    args = parser.parse_args(argv)
    c = _Corpus(args.seed)
    latency = latency_queries(c, args.seed)
    relevance = relevance_judgements(c, args.seed)
    development = development_judgements(c, args.seed, relevance)
    _dump(args.out_dir / LATENCY_FILE.name, latency)
    _dump(args.out_dir / RELEVANCE_FILE.name, relevance)
    _dump(args.out_dir / DEV_RELEVANCE_FILE.name, development)
    kinds = Counter(q["kind"] for q in latency)
    groups = Counter(e["judgement"] for e in relevance)
    print(f"latency queries: {len(latency)} {dict(kinds)}")
    print(f"relevance queries: {len(relevance)} {dict(groups)}")
    groups = Counter(e["judgement"] for e in development)
    print(f"development queries: {len(development)} {dict(groups)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
