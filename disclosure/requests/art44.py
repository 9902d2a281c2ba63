"""Which requests ask for the same information (Art. 44 of the 2019 Regulations: several
applicants asking one agency for the same information that may be disclosed → the agency may
publish it proactively). Pure: no database, no Pyramid; the officers' dashboard feeds it the
cases it may act on (``publication.suggestions``) and shows the groups it returns.

Two cases of the same organisation ask for the same information when

- they name the same 索引号 or the same 文号 (in the request's own fields or anywhere in its
  description), compared in their normalised forms (``search.analysis``: every bracket style,
  full-width digits, spaces; ``…〔2009〕1号`` is not ``…〔2009〕12号``); or
- neither names any 索引号 or 文号 and their descriptions are alike: the Jaccard index of the
  sets of analysed words (the search engines' own word segmentation, without single
  characters and the words every request uses, such as 申请 and 提供) reaches
  ``threshold``. Two cases that name different documents are never joined by their wording:
  ``请提供咸政发〔2009〕1号`` and ``请提供咸政发〔2009〕12号`` read alike and are not the same.

Groups are the connected sets of that relation (a case like two others joins all three). A
group is suggested when its cases come from at least ``min_applicants`` distinct applicants:
one applicant asking twice is not "several".
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..search.analysis import (
    document_number_spans,
    find_index_numbers,
    normalise_document_number,
    normalise_index_number,
    tokens,
)

#: at least this many distinct applicants make "several" (the default; a setting overrides it)
MIN_APPLICANTS = 2
#: the Jaccard index of two descriptions' word sets at which they ask for the same thing
THRESHOLD = 0.6
#: words that say "I ask for information", not which: left out of the comparison
# i18n: words matched in what applicants type, not interface text
REQUEST_WORDS = frozenset(
    "申请 公开 提供 要求 请求 希望 获取 查询 相关 有关 关于 政府 信息 政府信息 文件 资料 内容 "
    "情况 具体 全部 以及 我们 本人 贵单位 贵局 贵机关".split()
)


@dataclass(frozen=True)
class CaseFacts:
    """What the rule reads of one case. ``applicant`` is any key that is equal for the same
    applicant and different for different ones (it is never shown)."""

    case_id: int
    organisation_id: int
    applicant: str
    description: str
    document_number: str = ""
    index_number: str = ""


@dataclass(frozen=True)
class Group:
    """Cases of one organisation that ask for the same information."""

    organisation_id: int
    case_ids: tuple[int, ...]  # in the order given
    applicants: int  # distinct applicants
    index_numbers: tuple[str, ...]  # the 索引号 that joined them (normalised)
    document_numbers: tuple[str, ...]  # the 文号 that joined them (normalised)
    similar: bool  # joined (also) by alike descriptions

    @property
    def references(self) -> tuple[str, ...]:
        return self.index_numbers + self.document_numbers


def references(case: CaseFacts) -> tuple[set[str], set[str]]:
    """The normalised 索引号 and 文号 a case names, in its own fields or in its description."""
    index_numbers = set(find_index_numbers(case.description))
    if case.index_number.strip():
        index_numbers.add(normalise_index_number(case.index_number))
    document_numbers = {number for _, _, number in document_number_spans(case.description)}
    if case.document_number.strip():
        document_numbers.add(normalise_document_number(case.document_number))
    return index_numbers, document_numbers


def words(description: str) -> frozenset[str]:
    """The words of a description that say what is asked for: its analysed words (the search
    engines' segmentation and folding) but single characters and :data:`REQUEST_WORDS`."""
    return frozenset(
        w for w in tokens(description, "word", "query") if len(w) > 1 and w not in REQUEST_WORDS
    )


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


class _Sets:
    """Union-find over positions 0..n-1."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


def _alike_pairs(
    word_sets: Sequence[frozenset[str]], threshold: float
) -> Iterable[tuple[int, int]]:
    """Pairs of positions whose word sets reach ``threshold`` (Jaccard), found with the prefix
    filter: two sets that similar must share a word among the rarest ``|x| - ceil(t·|x|) + 1``
    words of each, so only pairs sharing such a word are compared."""
    frequency = Counter(w for ws in word_sets for w in ws)
    postings: dict[str, list[int]] = defaultdict(list)
    for i, ws in enumerate(word_sets):
        if not ws:
            continue
        ordered = sorted(ws, key=lambda w: (frequency[w], w))
        prefix = len(ordered) - math.ceil(threshold * len(ordered) - 1e-9) + 1
        candidates: set[int] = set()
        for w in ordered[:prefix]:
            candidates.update(postings[w])
            postings[w].append(i)
        for j in sorted(candidates):
            if jaccard(ws, word_sets[j]) >= threshold:
                yield j, i


def group_cases(
    cases: Iterable[CaseFacts],
    *,
    min_applicants: int = MIN_APPLICANTS,
    threshold: float = THRESHOLD,
) -> list[Group]:
    """The groups of cases that ask one organisation for the same information and come from at
    least ``min_applicants`` distinct applicants, largest first (then by their first case)."""
    if min_applicants < 1:
        raise ValueError("min_applicants must be at least 1")
    if not 0 < threshold <= 1:
        raise ValueError("threshold must be in (0, 1]")
    by_org: dict[int, list[CaseFacts]] = defaultdict(list)
    for case in cases:
        by_org[case.organisation_id].append(case)
    groups: list[Group] = []
    for organisation_id, found in by_org.items():
        groups += _groups_of(organisation_id, found, min_applicants, threshold)
    groups.sort(key=lambda g: (-g.applicants, -len(g.case_ids), g.case_ids))
    return groups


def _groups_of(
    organisation_id: int, cases: list[CaseFacts], min_applicants: int, threshold: float
) -> list[Group]:
    sets = _Sets(len(cases))
    refs = [references(c) for c in cases]
    by_key: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, (index_numbers, document_numbers) in enumerate(refs):
        for number in index_numbers:
            by_key[("index", number)].append(i)
        for number in document_numbers:
            by_key[("document", number)].append(i)
    for positions in by_key.values():
        for j in positions[1:]:
            sets.union(positions[0], j)
    # wording joins only cases that name no document at all
    plain = [i for i, (a, b) in enumerate(refs) if not a and not b]
    word_sets = [words(cases[i].description) for i in plain]
    alike: set[int] = set()
    for a, b in _alike_pairs(word_sets, threshold):
        sets.union(plain[a], plain[b])
        alike.update((plain[a], plain[b]))
    members: dict[int, list[int]] = defaultdict(list)
    for i in range(len(cases)):
        members[sets.find(i)].append(i)
    out = []
    for positions in members.values():
        applicants = len({cases[i].applicant for i in positions})
        if len(positions) < 2 or applicants < min_applicants:
            continue
        shared = {key for key, where in by_key.items() if len(set(where) & set(positions)) > 1}
        out.append(
            Group(
                organisation_id=organisation_id,
                case_ids=tuple(cases[i].case_id for i in positions),
                applicants=applicants,
                index_numbers=tuple(sorted(n for kind, n in shared if kind == "index")),
                document_numbers=tuple(sorted(n for kind, n in shared if kind == "document")),
                similar=any(i in alike for i in positions),
            )
        )
    return out
