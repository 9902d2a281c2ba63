"""The Art. 44 rule (disclosure.requests.art44): which cases ask one organisation for the same
information, and when their applicants are "several"."""

from __future__ import annotations

import random

import pytest

from disclosure.requests.art44 import CaseFacts, _alike_pairs, group_cases, jaccard, words
from disclosure.requests.publication import Art44Rule
from disclosure.settings import SettingsError

CIVIL, POLICE = 1, 2


def case(case_id, applicant, description, org=CIVIL, **refs) -> CaseFacts:
    return CaseFacts(case_id, org, applicant, description, **refs)


def ids(groups) -> list[tuple[int, ...]]:
    return [g.case_ids for g in groups]


def test_the_same_index_number_in_a_field_or_in_the_text():
    groups = group_cases(
        [
            case(1, "a", "请提供该文件", index_number="016000102/2026-00007"),
            case(2, "b", "我想要索引号为 ０16000102 / 2026－00007 的信息全文"),
            case(3, "c", "请提供016000102/2026-00070"),  # another serial
        ]
    )
    assert ids(groups) == [(1, 2)]
    (group,) = groups
    assert group.index_numbers == ("016000102/2026-00007",) and group.applicants == 2
    assert group.document_numbers == () and not group.similar


def test_the_same_document_number_in_different_spellings():
    groups = group_cases(
        [
            case(1, "a", "请提供咸民发〔2026〕7号文件"),
            case(2, "b", "申请获取咸民发[2026]7号", document_number=""),
            case(3, "c", "要求提供", document_number="咸民发（２０２６）７号"),
            case(4, "d", "请提供咸民发2026年7号文件全文"),
            case(5, "e", "请提供咸民发〔2026〕17号文件"),  # 17 is not 7
            case(6, "f", "请提供咸民发〔2025〕7号文件"),  # another year
        ]
    )
    assert ids(groups) == [(1, 2, 3, 4)]
    assert groups[0].document_numbers == ("咸民发〔2026〕7号",) and groups[0].applicants == 4


def test_similar_descriptions_with_no_reference():
    groups = group_cases(
        [
            case(1, "a", "请提供2026年城乡低保资金发放总额"),
            case(2, "b", "申请公开2026年城乡低保资金的发放总额"),
            case(3, "c", "咸阳市2025年度城市道路建设规划"),
            case(4, "d", "2026年城乡低保资金发放总额及相关情况"),
        ]
    )
    assert ids(groups) == [(1, 2, 4)]
    assert groups[0].similar and groups[0].references == ()


def test_wording_never_joins_cases_that_name_different_documents():
    """The same words around 1号 and 12号 are two different requests."""
    groups = group_cases(
        [
            case(1, "a", "请提供咸政发〔2009〕1号文件"),
            case(2, "b", "请提供咸政发〔2009〕12号文件"),
        ]
    )
    assert groups == []


def test_one_applicant_twice_is_not_several():
    cases = [
        case(1, "a", "请提供咸民发〔2026〕7号文件"),
        case(2, "a", "请提供咸民发[2026]7号文件"),
    ]
    assert group_cases(cases) == []
    (group,) = group_cases([*cases, case(3, "b", "咸民发（2026）7号")])
    assert group.case_ids == (1, 2, 3) and group.applicants == 2


def test_different_organisations_are_not_grouped():
    cases = [
        case(1, "a", "请提供咸民发〔2026〕7号文件", org=CIVIL),
        case(2, "b", "请提供咸民发〔2026〕7号文件", org=POLICE),
        case(3, "c", "请提供2026年城乡低保资金发放总额", org=CIVIL),
        case(4, "d", "请提供2026年城乡低保资金发放总额", org=POLICE),
    ]
    assert group_cases(cases) == []


def test_several_and_the_threshold_are_settings():
    cases = [
        case(1, "a", "请提供咸民发〔2026〕7号文件"),
        case(2, "b", "请提供咸民发〔2026〕7号文件"),
        case(3, "a", "请提供2026年城乡低保资金发放总额"),
        case(4, "b", "2026年度城乡最低生活保障资金发放总额情况"),
    ]
    assert ids(group_cases(cases)) == [(1, 2)]
    assert group_cases(cases, min_applicants=3) == []
    # the two descriptions share 5 of 10 words: alike at 0.5, not at the default 0.6
    assert jaccard(words(cases[2].description), words(cases[3].description)) == 0.5
    assert sorted(ids(group_cases(cases, threshold=0.5))) == [(1, 2), (3, 4)]
    with pytest.raises(ValueError):
        group_cases(cases, min_applicants=0)
    with pytest.raises(ValueError):
        group_cases(cases, threshold=0)


def test_request_words_and_single_characters_do_not_count():
    assert words("请提供申请公开的政府信息") == frozenset()
    assert words("申请公开2026年城乡低保资金的发放总额") == {
        "2026",
        "城乡",
        "低保",
        "资金",
        "发放",
        "总额",
    }


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.6, 0.8, 1.0])
def test_the_prefix_filter_finds_every_alike_pair(threshold):
    """The pairs found without comparing every pair are exactly those a full comparison finds."""
    rng = random.Random(44)
    vocabulary = [f"w{n}" for n in range(30)]
    sets = [frozenset(rng.sample(vocabulary, rng.randint(1, 8))) for _ in range(150)]
    found = {tuple(sorted(p)) for p in _alike_pairs(sets, threshold)}
    every = {
        (i, j)
        for i in range(len(sets))
        for j in range(i + 1, len(sets))
        if jaccard(sets[i], sets[j]) >= threshold
    }
    assert found == every and every


def test_one_alike_pair_among_many_distinct_cases():
    def text(i: int) -> str:
        return f"请提供{i + 1000}号地块{i + 3000}亩{i + 5000}户土地征收补偿方案"

    cases = [case(i, f"p{i}", text(i)) for i in range(400)]
    cases.append(case(1000, "x", text(5)))
    groups = group_cases(cases)
    assert ids(groups) == [(5, 1000)]


def test_the_settings_are_checked_at_start_up():
    assert Art44Rule.from_settings({}) == Art44Rule(2, 0.6)
    assert Art44Rule.from_settings(
        {
            "disclosure.requests.art44_min_applicants": "3",
            "disclosure.requests.art44_similarity": "0.75",
        }
    ) == Art44Rule(3, 0.75)
    for key, bad in [
        ("art44_min_applicants", "1"),
        ("art44_min_applicants", "several"),
        ("art44_similarity", "0"),
        ("art44_similarity", "1.5"),
    ]:
        with pytest.raises(SettingsError, match=f"disclosure.requests.{key}"):
            Art44Rule.from_settings({f"disclosure.requests.{key}": bad})
