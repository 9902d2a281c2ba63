"""The search engine contract: one small real corpus, searched through every engine.

The ``engine`` fixture is parametrised over the engine names. Each param builds the app through
its composition root (``disclosure.main`` with ``disclosure.search.backend = <name>``) on a fresh
seeded database, creates and publishes the corpus through ``CatalogueService`` and commits, then
makes it searchable the engine's way:

- an engine that writes in the catalogue's own transaction (``transactional = True``: ``sqlite``,
  ``postgresql``) has nothing left to do: the commit did it;
- any other engine (``whoosh``) is fed by the outbox indexer, ``Indexer.run_until_empty()``.

A param is skipped when its engine is not registered in ``disclosure.search.ENGINES`` yet, or
when the test database cannot run it (``sqlite`` on SQLite runs only, ``postgresql`` on
PostgreSQL runs only). The corpus is module-scoped: it is built once per engine.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy.orm import sessionmaker

from disclosure import main
from disclosure.catalogue.services import CatalogueService
from disclosure.organisations.services import OrganisationTree
from disclosure.search import ENGINES
from disclosure.search.indexer import Indexer, documents_for
from disclosure.search.interfaces import SearchQuery, SearchResult
from disclosure.search.transactional import is_transactional, session_index

from ..conftest import TODAY, backend

ENGINE_NAMES = ["whoosh", "sqlite", "postgresql"]

#: engine name → the test databases (``tests/conftest.py`` ``backend()``) it runs on
RUNS_ON = {
    "whoosh": {"sqlite", "postgresql"},
    "sqlite": {"sqlite"},
    "postgresql": {"postgresql"},
}

# Organisations, by code (catalog_schemas/organisations/xianyang.yaml):
CITY = "016000001"  # 咸阳市人民政府, the root
CIVIL = "016000102"  # 咸阳市民政局 (咸民), a city department
COUNTY = "016001001"  # a county government with departments and townships
COUNTY_DEPT = "016001101"  # a department of that county
TOWNSHIP = "016001201"  # a township of that county
OTHER_COUNTY = "016002001"  # another county: never a descendant of COUNTY


@dataclass(frozen=True)
class Spec:
    key: str
    org: str
    title: str
    body: str
    published_on: date
    topic: str
    genre: str
    document_number: str = ""
    summary: str = ""
    keywords: tuple[str, ...] = ()
    disclosure_mode: str = "proactive"
    validity: str = "valid"


# The public corpus: 16 published items. Every published_on differs (sort by date is total).
CORPUS: list[Spec] = [
    Spec(
        "civil_1",
        CIVIL,
        "关于做好冬季困难群众救助工作的通知",
        "各县区要及时发放冬季救助资金，确保困难群众温暖过冬。",
        date(2009, 1, 15),
        "civil_affairs_relief",
        "notice",
        document_number="咸民发〔2009〕1号",
        keywords=("救助", "冬季"),
    ),
    Spec(
        "civil_12",
        CIVIL,
        "关于加强城乡低保资金管理的意见",
        "规范低保审批程序，救助资金发放要及时足额。",
        date(2009, 6, 20),
        "civil_affairs_relief",
        "opinion",
        document_number="咸民发〔2009〕12号",
    ),
    Spec(
        "civil_2020",
        CIVIL,
        "关于做好养老服务机构疫情防控工作的通知",
        "养老服务机构要落实各项防控措施。",
        date(2020, 2, 2),
        "civil_affairs_relief",
        "notice",
        document_number="咸民发〔2020〕1号",
    ),
    Spec(
        "civil_2026",
        CIVIL,
        "城乡低保资金发放情况统计",
        "本季度救助资金已按时足额发放。",
        date(2026, 10, 5),
        "civil_affairs_relief",
        "statistics",
        keywords=("民生保障",),  # a keyword that is nowhere in the text
    ),
    Spec(
        "city_safety",
        CITY,
        "咸阳市人民政府关于安全生产工作的决定",
        "安全生产责任重大，各部门要落实监管责任。",
        date(2015, 3, 10),
        "market_safety_regulation",
        "decision",
        document_number="咸政发〔2015〕3号",
        validity="expired",
    ),
    Spec(
        "city_open",
        CITY,
        "关于全面推进政务公开工作的实施意见",
        "全面推进政务公开标准化规范化，加强政府信息管理。",
        date(2020, 8, 1),
        "general_affairs",
        "opinion",
        document_number="咸政办发〔2020〕5号",
        keywords=("政务公开",),
    ),
    Spec(
        "city_service",  # 公开 and 政务, but never side by side
        CITY,
        "优化营商环境工作方案",
        "坚持公开透明，优化政务服务流程。",
        date(2024, 4, 18),
        "general_affairs",
        "work_plan",
    ),
    Spec(
        "traditional",  # written in traditional characters
        CITY,
        "財政預算執行情況報告",
        "本年度財政收入穩步增長，預算執行總體平穩。",
        date(2025, 2, 14),
        "finance_audit",
        "report",
    ),
    Spec(
        "on_request",  # 依申请公开: metadata only, the body is not public
        CITY,
        "关于某建设项目用地的批复",
        "依申请公开的正文：青铜鼎计划。",
        date(2024, 11, 11),
        "land_energy",
        "reply",
        summary="项目用地批复",
        disclosure_mode="on_request",
    ),
    Spec(
        "markup",
        CITY,
        "关于网页标签测试的说明",
        "正文含有<script>alert(1)</script>脚本标签测试内容。",
        date(2020, 1, 6),
        "other",
        "notice",
    ),
    Spec(
        "county_sorting",
        COUNTY,
        "关于印发生活垃圾分类实施方案的通知",
        "推进生活垃圾分类投放，建设美丽乡村。",
        date(2025, 6, 30),
        "construction_environment",
        "notice",
        document_number="县政发〔2025〕8号",
    ),
    Spec(
        "county_fire",
        COUNTY,
        "县人民政府关于冬季森林防火工作的通知",
        "冬季气候干燥，严防森林火灾。",
        date(2026, 11, 1),
        "agriculture_forestry_water",
        "notice",
    ),
    Spec(
        "county_health",
        COUNTY_DEPT,
        "县卫生健康局关于开展爱国卫生运动的通知",
        "清理卫生死角，做好病媒生物防制。",
        date(2025, 9, 9),
        "health_sports",
        "notice",
    ),
    Spec(
        "township",  # 分类 and 垃圾, but not 垃圾分类
        TOWNSHIP,
        "镇人民政府关于环境卫生整治的公告",
        "按类别分类收集，生活垃圾统一清运。",
        date(2026, 3, 3),
        "construction_environment",
        "public_notice",
    ),
    Spec(
        "other_county",
        OTHER_COUNTY,
        "关于生活垃圾治理情况的通报",
        "部分村组生活垃圾清运不及时。",
        date(2026, 1, 20),
        "construction_environment",
        "circular",
    ),
    Spec(
        "city_2026",
        CITY,
        "关于做好二〇二六年元旦春节期间有关工作的通知",
        "各地要关心困难群众生活，做好节日期间安全生产工作。",
        date(2026, 11, 15),
        "general_affairs",
        "notice",
        document_number="咸政发〔2026〕2号",
    ),
]

#: Items that exist but are not public: they must never be found.
HIDDEN_TITLE_WORD = "紫色大象"


@dataclass
class Contract:
    """One engine with the corpus in it, and what the tests need to read its answers."""

    name: str
    index: object  # ISearchIndex
    factory: sessionmaker
    schema: object
    specs: dict[str, Spec]
    ids: dict[str, str]  # key → item id (str, as the index keys it)
    index_numbers: dict[str, str]  # key → 索引号
    paths: dict[str, list[str]]  # key → organisation codes, ancestors first, its own last
    hidden_ids: set[str] = field(default_factory=set)
    transactional: bool = False

    def sync(self) -> None:
        """Make committed changes searchable the engine's way: nothing for a transactional
        engine (the commit did it), the outbox indexer for the others."""
        if not self.transactional:
            Indexer(self.factory, self.index, schema=self.schema).run_until_empty()

    def search(self, q: str = "", **kwargs) -> SearchResult:
        result = self.index.search(SearchQuery(q=q, **kwargs))
        assert isinstance(result, SearchResult)
        return result

    def key_of(self, index_number: str) -> str:
        for key, number in self.index_numbers.items():
            if number == index_number:
                return key
        raise AssertionError(f"a hit that is not in the corpus: {index_number!r}")

    def keys(self, result: SearchResult) -> list[str]:
        return [self.key_of(hit.index_number) for hit in result.hits]

    def found(self, q: str = "", **kwargs) -> set[str]:
        """Every key matching (all pages at once: the corpus is small)."""
        result = self.search(q, per_page=100, **kwargs)
        assert result.total == len(result.hits), (result.total, len(result.hits))
        return set(self.keys(result))

    def documents(self, keys: Iterable[str]) -> list[dict]:
        """The current public documents of these items, as the indexer builds them."""
        with self.factory() as db:
            docs, _ = documents_for(db, {int(self.ids[k]) for k in keys}, schema=self.schema)
        return docs


def _skip_unless_runnable(name: str) -> None:
    if name not in ENGINES:
        pytest.skip(f"search engine {name!r} is not in disclosure.search.ENGINES yet")
    if backend() not in RUNS_ON[name]:
        pytest.skip(f"search engine {name!r} does not run on a {backend()} database")


def _publish_corpus(factory: sessionmaker, schema) -> SimpleNamespace:
    made = SimpleNamespace(ids={}, index_numbers={}, paths={}, hidden_ids=set())
    with factory.begin() as db:
        tree = OrganisationTree(db)
        by_code = {o.code: o for o in tree.orgs}
        county = by_code[COUNTY]
        assert by_code[COUNTY_DEPT] in tree.children(county)
        assert by_code[TOWNSHIP] in tree.children(county)
        assert by_code[OTHER_COUNTY] not in list(tree.descendants(county))
        service = CatalogueService(db, schema)
        for spec in CORPUS:
            org = by_code[spec.org]
            data = {
                "title": spec.title,
                "summary": spec.summary,
                "body": spec.body,
                "document_number": spec.document_number,
                "created_on": spec.published_on,
                "published_on": spec.published_on,
                "topic": spec.topic,
                "genre": spec.genre,
                "keywords": list(spec.keywords),
                "disclosure_mode": spec.disclosure_mode,
                "validity": spec.validity,
            }
            item = service.create(org, data, None)
            service.publish(item, None, TODAY)
            made.ids[spec.key] = str(item.id)
            made.index_numbers[spec.key] = item.index_number
            made.paths[spec.key] = [a.code for a in tree.ancestors(org)] + [org.code]
        draft = service.create(
            by_code[CITY],
            {"title": f"内部草稿：{HIDDEN_TITLE_WORD}", "topic": "other", "genre": "notice"},
            None,
        )
        withheld = service.create(
            by_code[CITY],
            {
                "title": f"不予公开：{HIDDEN_TITLE_WORD}",
                "topic": "other",
                "genre": "notice",
                "disclosure_mode": "withheld",
            },
            None,
        )
        service.publish(withheld, None, TODAY)
        made.hidden_ids = {str(draft.id), str(withheld.id)}
    return made


@pytest.fixture(scope="module", params=ENGINE_NAMES)
def engine(request, databases, schema, tmp_path_factory):
    """A ``Contract``: the named engine holding the committed corpus."""
    name = request.param
    _skip_unless_runnable(name)
    seeded = databases.seeded(schema)
    settings = {
        "disclosure.database_url": seeded.url,
        "disclosure.session_secret": "contract",
        "disclosure.files_dir": str(tmp_path_factory.mktemp("files")),
        "disclosure.search.index_dir": str(tmp_path_factory.mktemp(f"index-{name}")),
        "disclosure.search.indexer": "off",
        "disclosure.search.backend": name,
    }
    app = main({}, **settings)
    index = app.registry["search_index"]
    assert index.name == name
    factory = app.registry["dbsession_factory"]
    transactional = is_transactional(index)
    if transactional:
        # disclosure.search.includeme binds the engine into the app's session factory
        # (transactional.bind): sessions made by it write the index before they commit.
        with factory() as db:
            assert session_index(db) is index
    made = _publish_corpus(factory, schema)
    contract = Contract(
        name=name,
        index=index,
        factory=factory,
        schema=schema,
        specs={spec.key: spec for spec in CORPUS},
        ids=made.ids,
        index_numbers=made.index_numbers,
        paths=made.paths,
        hidden_ids=made.hidden_ids,
        transactional=transactional,
    )
    contract.sync()
    yield contract
    app.registry["db_engine"].dispose()
    seeded.engine.dispose()
