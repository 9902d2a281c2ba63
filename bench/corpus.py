"""Real Chinese statutes → catalogue items, one item per article (条), for the search benchmarks.

The corpus (``shared/corpus/statutes.jsonl.gz`` beside the repository, or the file named by the
``DISCLOSURE_CORPUS`` environment variable) holds 3,475 statutes; split into articles they give
about 147,000 items. It is read, never copied into the repository.

Every item is a dict with the catalogue's own field names (``catalog_schemas/fields.yaml``):
``index_number``, ``title``, ``body``, ``summary``, ``document_number``, ``organisation``,
``topic``, ``genre``, ``published_on``, ``created_on``, ``keywords``, ``disclosure_mode``,
``validity``. What the statutes do not carry is synthesised, deterministically:

* ``organisation``: one of the 40 bodies in ``ORGANISATIONS``, a synthetic city (青岚市) →
  counties → townships tree, chosen from the topic (the department that owns it) or spread
  over the counties and townships. All articles of a statute share it, its 文号, topic,
  genre and dates.
* ``index_number``: ``<9-char organisation code>/<year>-<5-digit serial>``, the serial counted per
  body per year over the whole corpus (so an item keeps its number whatever ``limit`` is).
* ``document_number``: the statute's own ``docno`` (``令第656号`` of a 行政法规 becomes
  ``国务院令第656号``), else ``<issuer>〔<year>〕<serial>号`` with the issuer abbreviation taken
  from the title's region or the category and the serial counted per issuer per year, so that
  ``鲁政发〔2016〕1号`` and ``鲁政发〔2016〕12号`` both exist; national laws get ``主席令第N号``.

``python -m bench.corpus --out items.jsonl [--limit N]`` writes the items and prints counts.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import hashlib
import json
import os
import random
import re
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import yaml

SEED = 20240601
REPO_ROOT = Path(__file__).resolve().parents[1]
CORPUS_ENV = "DISCLOSURE_CORPUS"
VOCABULARIES = REPO_ROOT / "catalog_schemas" / "vocabularies"


def corpus_path() -> Path:
    """The statutes file: ``$DISCLOSURE_CORPUS`` or ``<repo>/../shared/corpus/…``."""
    env = os.environ.get(CORPUS_ENV)
    if env:
        return Path(env)
    return REPO_ROOT.parent / "shared" / "corpus" / "statutes.jsonl.gz"


def _vocabulary(name: str) -> list[dict]:
    with open(VOCABULARIES / f"{name}.yaml", encoding="utf-8") as f:
        return yaml.safe_load(f)["items"]


TOPICS: list[dict] = _vocabulary("topics")
TOPIC_CODES: list[str] = [t["code"] for t in TOPICS]
GENRE_CODES: list[str] = [g["code"] for g in _vocabulary("genres")]


def _h(*parts: object) -> int:
    """A stable 64-bit hash (Python's ``hash`` changes between runs)."""
    data = "\x1f".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big")


# --------------------------------------------------------------------------- organisations

_CITY = "青岚市"
_CITY_DEPARTMENTS = [  # code suffix, name, topics the department owns
    ("101", "人民政府办公室", ("general_affairs", "state_council_organisation", "other")),
    ("102", "发展和改革委员会", ("economy_state_assets",)),
    ("103", "财政局", ("finance_audit",)),
    ("104", "自然资源和规划局", ("land_energy",)),
    ("105", "农业农村局", ("agriculture_forestry_water",)),
    ("106", "交通运输局", ("industry_transport",)),
    ("107", "商务局", ("commerce_customs_tourism", "foreign_affairs", "hk_macao_taiwan_overseas")),
    ("108", "市场监督管理局", ("market_safety_regulation",)),
    ("109", "教育局", ("science_education", "culture_media")),
    ("110", "卫生健康委员会", ("health_sports", "population_women_children")),
    ("111", "人力资源和社会保障局", ("labour_personnel_supervision",)),
    ("112", "公安局", ("security_justice", "national_defence")),
    ("113", "民政局", ("civil_affairs_relief", "ethnic_religious")),
    ("114", "生态环境局", ("construction_environment",)),
]
_COUNTIES = [  # name, its one department, its three townships / sub-districts
    ("东湖区", "民政局", ("湖滨街道", "望江街道", "柳塘镇")),
    ("西山区", "教育局", ("西山街道", "枫林街道", "石门镇")),
    ("南屏县", "农业农村局", ("南屏镇", "白沙镇", "桃源乡")),
    ("北塘县", "公安局", ("北塘镇", "新河镇", "芦花乡")),
    ("清溪县", "卫生健康局", ("清溪镇", "长乐镇", "云岭乡")),
]


def _organisations() -> list[dict]:
    # Codes follow the demo tree's scheme: 0180 + county no. (00 = the city) + 001 government,
    # 1nn department, 2nn township.
    root = "018000001"
    orgs = [{"code": root, "name": f"{_CITY}人民政府", "parent": None}]
    for suffix, name, _topics in _CITY_DEPARTMENTS:
        orgs.append({"code": f"018000{suffix}", "name": f"{_CITY}{name}", "parent": root})
    for n, (county, department, townships) in enumerate(_COUNTIES, start=1):
        gov = f"0180{n:02d}001"
        orgs.append({"code": gov, "name": f"{_CITY}{county}人民政府", "parent": root})
        orgs.append({"code": f"0180{n:02d}101", "name": f"{county}{department}", "parent": gov})
        for t, township in enumerate(townships, start=1):
            kind = "办事处" if township.endswith("街道") else "人民政府"
            orgs.append(
                {"code": f"0180{n:02d}2{t:02d}", "name": f"{county}{township}{kind}", "parent": gov}
            )
    return orgs


ORGANISATIONS: list[dict] = _organisations()
_ORG_BY_CODE = {o["code"]: o for o in ORGANISATIONS}
_TOPIC_DEPARTMENT = {
    topic: f"018000{suffix}" for suffix, _name, topics in _CITY_DEPARTMENTS for topic in topics
}


def organisation_path(code: str) -> list[str]:
    """The codes from the root down to ``code`` (inclusive): index these to filter by subtree."""
    path = []
    node: dict | None = _ORG_BY_CODE[code]
    while node is not None:
        path.append(node["code"])
        node = _ORG_BY_CODE.get(node["parent"]) if node["parent"] else None
    return path[::-1]


def organisation_descendants(code: str) -> set[str]:
    """``code`` and every body below it."""
    return {o["code"] for o in ORGANISATIONS if code in organisation_path(o["code"])}


def _assign_organisation(title: str, topic: str, seed: int) -> str:
    h = _h("org", title, seed)
    share = h % 100
    if share < 15:
        return "018000001"
    if share < 60:
        return _TOPIC_DEPARTMENT.get(topic, "018000101")
    county = 1 + (h >> 8) % len(_COUNTIES)
    unit = (h >> 16) % 5
    if unit == 0:
        return f"0180{county:02d}001"
    if unit == 1:
        return f"0180{county:02d}101"
    return f"0180{county:02d}2{unit - 1:02d}"


# --------------------------------------------------------------------------- classification

# Title keywords → topic, tried in order (the more specific classes first).
_TOPIC_RULES: list[tuple[str, tuple[str, ...]]] = [
    ("hk_macao_taiwan_overseas", ("香港", "澳门", "台湾", "华侨", "归侨", "侨")),
    ("national_defence", ("国防", "兵役", "军事", "人民防空", "民兵", "军人", "军服", "军队")),
    ("ethnic_religious", ("民族", "宗教")),
    ("foreign_affairs", ("外交", "领事", "缔结条约", "引渡", "外国")),
    (
        "commerce_customs_tourism",
        ("口岸", "海关", "旅游", "商务", "贸易", "拍卖", "进出口", "外商"),
    ),
    (
        "finance_audit",
        ("财政", "税", "金融", "银行", "保险", "审计", "会计", "证券", "预算", "外汇"),
    ),
    ("finance_audit", ("期货", "股票", "国库", "彩票", "债")),
    ("market_safety_regulation", ("食品", "药品", "安全生产", "质量", "价格", "标准化", "计量")),
    (
        "market_safety_regulation",
        ("广告", "消费者", "特种设备", "不正当竞争", "检验", "市场", "认证"),
    ),
    ("market_safety_regulation", ("危险化学品", "电梯", "烟花爆竹")),
    (
        "population_women_children",
        ("人口", "计划生育", "妇女", "儿童", "未成年人", "母婴", "老年人"),
    ),
    ("health_sports", ("卫生", "医疗", "疾病", "传染病", "体育", "健身", "中医", "献血", "疫苗")),
    ("security_justice", ("公安", "警察", "警衔", "治安", "监狱", "刑", "司法", "法院", "检察")),
    ("security_justice", ("律师", "公证", "诉讼", "仲裁", "消防", "枪支", "禁毒", "调解", "赌博")),
    ("security_justice", ("出境入境", "户口", "身份证", "法律援助", "陪审", "国籍")),
    (
        "labour_personnel_supervision",
        ("劳动", "就业", "工资", "社会保险", "公务员", "人事", "监察"),
    ),
    ("labour_personnel_supervision", ("工伤", "职工", "人才", "专业技术人员")),
    ("civil_affairs_relief", ("民政", "救助", "救灾", "扶贫", "殡葬", "婚姻", "社会组织", "慈善")),
    ("civil_affairs_relief", ("优抚", "退役", "地名", "志愿服务", "信访", "气象灾害", "地震")),
    ("culture_media", ("文化", "文物", "广播", "电视", "电影", "出版", "新闻", "图书馆", "博物馆")),
    ("culture_media", ("档案", "著作权", "音像", "印刷", "非物质文化遗产", "石窟", "工艺美术")),
    ("science_education", ("教育", "学校", "教师", "学位", "科学", "科技", "技术", "知识产权")),
    ("science_education", ("专利", "学生", "密码")),
    ("land_energy", ("土地", "矿", "能源", "电力", "煤炭", "石油", "天然气", "测绘", "不动产")),
    ("land_energy", ("地质", "核", "地面沉降", "海洋", "海域")),
    (
        "agriculture_forestry_water",
        ("农", "林", "水利", "水法", "渔", "畜", "种子", "草原", "防汛"),
    ),
    ("agriculture_forestry_water", ("抗旱", "河道", "水资源", "野生动物", "植物", "动物防疫")),
    ("agriculture_forestry_water", ("河湖", "湖泊", "水土保持", "灌区", "蚕")),
    ("industry_transport", ("交通", "道路", "公路", "铁路", "航空", "民用航空", "船", "港口")),
    ("industry_transport", ("航道", "运输", "工业", "邮政", "电信", "无线电", "汽车", "机动车")),
    ("industry_transport", ("机场", "路政", "区块链", "信息化", "电子")),
    ("construction_environment", ("建设", "建筑", "规划", "城市", "住房", "住宅", "物业", "房屋")),
    ("construction_environment", ("环境", "污染", "大气", "生态", "市容", "绿化", "垃圾", "噪声")),
    ("construction_environment", ("排水", "燃气", "市政", "管线", "村落", "风景", "运河")),
    (
        "economy_state_assets",
        ("国有资产", "企业", "经济", "投资", "营商环境", "招标投标", "开发区"),
    ),
    ("economy_state_assets", ("统计", "发展", "破产", "合同", "公司")),
    ("state_council_organisation", ("国务院组织", "机构编制", "国务院")),
    ("general_affairs", ("人民代表大会", "立法", "行政", "政府", "政务", "地方性法规", "备案")),
    ("general_affairs", ("任免", "选举", "文明行为", "宪法", "放假", "国徽", "国旗")),
]


def assign_topic(title: str, seed: int = SEED) -> str:
    for topic, words in _TOPIC_RULES:
        if any(w in title for w in words):
            return topic
    return TOPIC_CODES[_h("topic", title, seed) % len(TOPIC_CODES)]


_GENRE_RULES = [
    ("决议", "resolution"),
    ("决定", "decision"),
    ("通告", "public_notice"),
    ("公告", "announcement"),
    ("意见", "opinion"),
    ("通知", "notice"),
    ("通报", "circular"),
    ("批复", "reply"),
    ("答复", "letter"),
    ("规划", "plan"),
    ("指南", "service_guide"),
]


def assign_genre(title: str, category: str) -> str:
    for word, genre in _GENRE_RULES:
        if word in title:
            return genre
    if category.endswith("地方法规"):
        return "announcement"  # local regulations are promulgated by a 公告 of the 人大常委会
    if category in ("司法解释", "案例", "其他"):
        return "other"
    return "order"  # laws, 行政法规 and 部门规章 are promulgated by an order (令)


# --------------------------------------------------------------------------- 文号

_CATEGORY_ISSUER = {
    "上海地方法规": "沪府发",
    "北京地方法规": "京政发",
    "重庆地方法规": "渝府发",
    "山东地方法规": "鲁政发",
    "河南地方法规": "豫政",
    "浙江地方法规": "浙政发",
    "广东地方法规": "粤府",
    "行政法规": "国发",
    "部门规章": "国办发",
    "司法解释": "法释",
    "案例": "法",
    "其他": "国办发",
}
# A title starting with one of these cities gets the city's own abbreviation.
_CITY_ISSUER = {
    "济南": "济政发",
    "青岛": "青政发",
    "临沂": "临政发",
    "淄博": "淄政发",
    "枣庄": "枣政发",
    "滨州": "滨政发",
    "聊城": "聊政发",
    "烟台": "烟政发",
    "潍坊": "潍政发",
    "郑州": "郑政",
    "洛阳": "洛政",
    "开封": "汴政",
    "南阳": "宛政",
    "杭州": "杭政",
    "宁波": "甬政发",
    "温州": "温政发",
    "丽水": "丽政发",
    "衢州": "衢政发",
    "绍兴": "绍政发",
    "嘉兴": "嘉政发",
    "湖州": "湖政发",
    "金华": "金政发",
    "台州": "台政发",
    "舟山": "舟政发",
    "广州": "穗府",
    "深圳": "深府",
    "珠海": "珠府",
    "汕头": "汕府",
    "江门": "江府",
}
_LAW_ISSUER = "主席令"  # categories not in _CATEGORY_ISSUER: national laws


def _issuer(title: str, category: str) -> str:
    for city, abbr in _CITY_ISSUER.items():
        if title.startswith(city):
            return abbr
    return _CATEGORY_ISSUER.get(category, _LAW_ISSUER)


# --------------------------------------------------------------------------- splitting

_NUM = "一二三四五六七八九十百千零〇两"
ARTICLE_RE = re.compile(rf"^(第[{_NUM}]+条(?:之[{_NUM}]+)?)(?:[ \u3000]+|$)")
_WS = re.compile(r"\s+")


def split_articles(body: str) -> list[tuple[str, str]]:
    """``[(label, text)]``: ``("第十二条", "第十二条 …")`` per article, chapter headings dropped.

    Text before the first article (a preamble of at least 30 characters) becomes ``("序言", …)``;
    a statute without articles is one ``("", whole text)``.
    """
    parts: list[tuple[str, list[str]]] = [("序言", [])]
    for raw in body.split("\n"):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = ARTICLE_RE.match(line)
        if m:
            parts.append((m.group(1), [line]))
        else:
            parts[-1][1].append(line)
    out = [(label, "\n".join(lines)) for label, lines in parts]
    if len(out) == 1:
        return [("", out[0][1])] if out[0][1] else []
    if len(out[0][1]) < 30:
        out = out[1:]
    return out


_REGION_PREFIX = re.compile(
    r"^(中华人民共和国|全国人民代表大会常务委员会关于|最高人民法院、最高人民检察院关于"
    r"|最高人民法院关于|最高人民检察院关于|国务院关于"
    r"|(上海|北京|重庆|天津)市?|[\u4e00-\u9fff]{2,3}省|[\u4e00-\u9fff]{2,3}市)"
)


def short_title(title: str) -> str:
    """The title without its region or issuer prefix: 上海口岸服务条例 → 口岸服务条例."""
    return _REGION_PREFIX.sub("", title, count=1) or title


_GENERIC_WORDS = {
    "条例", "规定", "办法", "实施", "若干", "管理", "暂行", "细则", "问题", "关于", "解释",
    "决定", "适用", "法律", "具体", "应用", "中华人民共和国", "修正案", "试行", "有关",
}  # fmt: skip


def _keywords(title: str, topic: str) -> list[str]:
    import rjieba

    words: list[str] = []
    for w in rjieba.cut(short_title(title)):
        if len(w) >= 2 and w not in _GENERIC_WORDS and w not in words and _is_cjk(w):
            words.append(w)
    label = next(t["label"] for t in TOPICS if t["code"] == topic)
    for w in re.split(r"[、与]", label):
        if len(words) >= 2:
            break
        if w not in words:
            words.append(w)
    return words[:3]


def _is_cjk(s: str) -> bool:
    return all("\u4e00" <= c <= "\u9fff" for c in s)


# --------------------------------------------------------------------------- statutes → items


@dataclass
class Statute:
    """One statute of the corpus with the catalogue items made from its articles."""

    number: int  # 0-based line number in the corpus file
    title: str
    category: str
    document_number: str
    published_on: date
    items: list[dict] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)  # the items' article labels ("第十二条")


def read_statutes(path: Path | None = None) -> Iterable[dict]:
    with gzip.open(path or corpus_path(), "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def _published_on(raw: str | None, title: str, seed: int) -> date:
    if raw:
        try:
            return date.fromisoformat(raw[:10])
        except ValueError:
            pass
    h = _h("date", title, seed)
    return date(1995 + h % 26, 1 + (h >> 8) % 12, 1 + (h >> 16) % 28)


def _summary(text: str, label: str) -> str:
    if label and text.startswith(label):
        text = text[len(label) :]
    text = _WS.sub(" ", text).strip()
    return text if len(text) <= 60 else text[:60] + "…"


def _progress(msg: str) -> None:
    print(f"\r{msg}", end="", file=sys.stderr, flush=True)


@functools.lru_cache(maxsize=2)
def build_statutes(
    seed: int = SEED, path: Path | None = None, progress: bool = False
) -> tuple[Statute, ...]:
    """Every statute of the corpus with all its items (index numbers over the whole corpus)."""
    raws = list(read_statutes(path))
    own_docnos = {r["docno"] for r in raws if r.get("docno")}
    issuer_serials: dict[tuple[str, int], int] = defaultdict(int)
    index_serials: dict[tuple[str, int], int] = defaultdict(int)
    by_title: dict[str, list[int]] = defaultdict(list)
    statutes: list[Statute] = []
    for n, raw in enumerate(raws):
        if progress and n % 100 == 0:
            _progress(f"corpus: statute {n}/{len(raws)}")
        title, category = raw["title"], raw.get("category") or "其他"
        published = _published_on(raw.get("date"), title, seed)
        topic = assign_topic(title, seed)
        organisation = _assign_organisation(title, topic, seed)
        docno = raw.get("docno")
        if docno:
            if docno.startswith("令") and category == "行政法规":
                docno = "国务院" + docno
        else:
            issuer = _issuer(title, category)
            while True:
                if issuer == _LAW_ISSUER:
                    issuer_serials[(issuer, 0)] += 1
                    docno = f"{issuer}第{issuer_serials[(issuer, 0)]}号"
                else:
                    issuer_serials[(issuer, published.year)] += 1
                    docno = (
                        f"{issuer}〔{published.year}〕{issuer_serials[(issuer, published.year)]}号"
                    )
                if docno not in own_docnos:
                    break
        statute = Statute(n, title, category, docno, published)
        common = {
            "document_number": docno,
            "organisation": organisation,
            "topic": topic,
            "genre": assign_genre(title, category),
            "published_on": published.isoformat(),
            "created_on": (published - timedelta(days=_h("created", title, seed) % 20)).isoformat(),
            "keywords": _keywords(title, topic),
            "disclosure_mode": "proactive",
            "validity": "expired" if _h("validity", title, seed) % 50 == 0 else "valid",
        }
        for label, text in split_articles(raw.get("body") or ""):
            index_serials[(organisation, published.year)] += 1
            serial = index_serials[(organisation, published.year)]
            statute.items.append(
                {
                    "index_number": f"{organisation}/{published.year}-{serial:05d}",
                    "title": f"{title}{label}",
                    "body": text,
                    "summary": _summary(text, label),
                    **common,
                }
            )
            statute.labels.append(label)
        by_title[title].append(n)
        statutes.append(statute)
    # An older version of a statute that appears again under the same title was repealed.
    for numbers in by_title.values():
        newest = max(numbers, key=lambda i: (statutes[i].published_on, i))
        for i in numbers:
            if i != newest:
                for item in statutes[i].items:
                    item["validity"] = "repealed"
    if progress:
        _progress(f"corpus: statute {len(raws)}/{len(raws)}\n")
    return tuple(statutes)


def build_items(
    limit: int | None = None,
    seed: int = SEED,
    prefer: Iterable[str] = (),
    path: Path | None = None,
    progress: bool = False,
) -> list[dict]:
    """The catalogue items, in corpus order (statute by statute, article by article).

    ``limit``: at most this many items, taken as whole statutes in a seeded random order (the
    last one cut short). Statutes holding an index number in ``prefer`` (e.g. the judged items
    of ``bench/data/relevance.json``) are taken first, so that small runs can still be judged.
    Item fields never depend on ``limit``. The dicts are shared: copy before changing them.
    """
    statutes = build_statutes(seed, path, progress)
    if limit is None:
        return [item for s in statutes for item in s.items]
    wanted = set(prefer)
    order = list(range(len(statutes)))
    random.Random(seed).shuffle(order)
    order.sort(key=lambda i: not any(it["index_number"] in wanted for it in statutes[i].items))
    taken: dict[int, int] = {}
    total = 0
    for i in order:
        if total >= limit:
            break
        take = min(len(statutes[i].items), limit - total)
        taken[i] = take
        total += take
    return [item for i in sorted(taken) for item in statutes[i].items[: taken[i]]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="JSONL file to write")
    parser.add_argument("--limit", type=int, default=None, help="at most N items")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    items = build_items(args.limit, args.seed, progress=True)
    statutes = build_statutes(args.seed, None, True)  # cached by build_items
    statute_of = {it["index_number"]: s.number for s in statutes for it in s.items}
    chars = 0
    with open(args.out, "w", encoding="utf-8") as f:
        for n, item in enumerate(items):
            if n % 5000 == 0:
                _progress(f"writing: item {n}/{len(items)}")
            chars += len(item["body"])
            f.write(json.dumps(item, ensure_ascii=False) + "\n")
    _progress(f"writing: item {len(items)}/{len(items)}\n")
    n_statutes = len({statute_of[it["index_number"]] for it in items})
    print(f"statutes: {n_statutes}")
    print(f"articles: {len(items)}")
    print(f"chars: {chars}")
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
