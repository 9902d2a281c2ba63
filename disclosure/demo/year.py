"""A full demo year (2025) for ``disclosure load-demo``: for the city government, the nine pilot
departments and the first county government (秦都区, whose admin is a demo account), a year of
disclosure requests, a few reconsiderations and lawsuits, the hand-entered report figures and a
few 规章 / 行政规范性文件, so each of them has a non-trivial draft annual report for 2025. What
each organisation's year is about (subjects, parties consulted, report figures, documents,
appeals) is data, in ``year.yaml``; which outcomes and flows its cases take is below.

Every case goes through the real workflow with its business dates: ``requests.services.submit``
and ``act`` (accept, correction, consultation, extension, fee notice, Art. 35, answer, withdraw
…), letters through ``letters.services.issue``. A case is a script, a generator that yields the
day of its next step; the steps of one organisation run in date order, so its letter numbers
follow their dates. The catalogue items go through the catalogue importer (validation, 索引号)
and ``CatalogueService.repeal``.

Deterministic (fixed lists and a seeded ``random.Random``; only tracking numbers and access
codes are random) and idempotent: an organisation that already has requests received in 2025
gets none, a report-input row is added only where none exists for 2025, and catalogue items are
matched as the importer matches them. The applicants are made up: their ID numbers and credit
codes pass their check characters, phones and e-mail addresses are obviously fake.
"""

from __future__ import annotations

import heapq
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import settings as s
from .. import yamlfile
from ..accounts.services import find_user, hash_password, normalise_email
from ..catalogue.importer import CatalogueImporter
from ..catalogue.services import CatalogueService
from ..models import (
    CaseAppeal,
    CatalogueItem,
    DisclosureRequest,
    Organisation,
    ReportInput,
    User,
)
from ..models.catalogue import ItemStatus
from ..models.report_inputs import GOVERNMENT_KINDS
from ..models.users import Role
from ..requests import services
from ..requests.appeals import (
    AppealResultSchema,
    AppealSchema,
    add_appeal,
    decide_appeal,
    validate,
)
from ..requests.identity import credit_code_check_char, resident_id_check_char
from ..requests.intake import ApplicationSchema, receipt_date
from ..requests.workflow import Actor
from ..security import applicant_permits, user_permits

if TYPE_CHECKING:
    from ..calendar.workdays import WorkingCalendar
    from ..letters.services import LetterContext

YEAR = 2025
SEED = 20250101
GROUNDS = (
    "state_secret",
    "forbidden_by_law",
    "three_security",
    "third_party",
    "internal_affairs",
    "process_info",
    "enforcement_file",
)


@dataclass(frozen=True)
class OrgPlan:
    """What the demo year holds for one organisation."""

    code: str
    focus: str  # the work the narrative sections name
    subjects: tuple[str, ...]  # what applicants ask for
    party: str  # a third party consulted (Art. 32)
    agency: str  # another agency consulted (Art. 34)
    figures: tuple[int, int, int, str]  # 行政许可, 行政处罚, 行政强制, 行政事业性收费（万元）
    # (normative_kind, title, 文号, 成文日期, topic) made in 2025
    documents: tuple[tuple[str, str, str, str, str], ...] = ()
    appeals: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()  # (outcome, [(kind, result)])


DATA = Path(__file__).resolve().parent / "year.yaml"


def load_plans(path: Path = DATA) -> tuple[tuple[OrgPlan, ...], dict]:
    """The organisations' plans and the repealed document, from ``year.yaml``."""
    data = yamlfile.safe_load(path.read_text(encoding="utf-8"))
    plans = []
    for entry in data["organisations"]:
        report = entry["report"]
        plans.append(
            OrgPlan(
                code=str(entry["organisation"]),
                focus=entry["focus"],
                subjects=tuple(entry["subjects"]),
                party=entry["third_party"],
                agency=entry["other_agency"],
                figures=(
                    int(report["licences"]),
                    int(report["penalties"]),
                    int(report["enforcement"]),
                    str(report["fees_wan"]),
                ),
                documents=tuple(
                    (
                        d["normative_kind"],
                        d["title"],
                        d["document_number"],
                        str(d["created_on"]),
                        d["topic"],
                    )
                    for d in entry.get("documents", ())
                ),
                appeals=tuple(
                    (a["on_outcome"], tuple((s["kind"], s["result"]) for s in a["steps"]))
                    for a in entry.get("appeals", ())
                ),
            )
        )
    repealed = {k: str(v) for k, v in data["repealed"].items()}
    return tuple(plans), repealed


PLANS, REPEALED = load_plans()


# -- the cases --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """One case: the answer or closure it ends with and the way it goes there."""

    outcome: str
    flow: str = "plain"
    ground: str = ""
    # "out": received late in December, answered in January of the next year (table 三 四);
    # "in": the same a year earlier, so the year's report has 二 上年结转
    carry: str = ""
    appeals: tuple[tuple[str, str], ...] = ()


# Every organisation gets these …
COMMON = (
    Spec("disclosed"),
    Spec("disclosed", "extension"),
    Spec("disclosed", "third_party"),
    Spec("already_public"),
    Spec("already_public"),
    Spec("partially_disclosed"),
    Spec("not_disclosed"),
    Spec("not_exist"),
)
# … and four of these, in turn, so that each occurs somewhere.
RARE = (
    Spec("not_ours"),
    Spec("no_compile"),
    Spec("unclear_after_correction", "correction"),
    Spec("repeat"),
    Spec("registers"),
    Spec("excessive"),
    Spec("excessive_unreasonable", "excessive"),
    Spec("petition"),
    Spec("publication"),
    Spec("reconfirm"),
    Spec("abandoned", "abandon"),
    Spec("unpaid", "unpaid"),
    Spec("withdrawn", "withdraw"),
    Spec("disclosed", "fee_paid"),
    Spec("disclosed", "other_agency"),
)
# flows that take a month or two: received by October, so they end within the year
LONG_FLOWS = ("correction", "abandon", "unpaid", "excessive", "fee_paid", "extension")
# person, or the category of an organisation (the annual report's columns)
APPLICANTS = (
    "person",
    "person",
    "commercial",
    "person",
    "research",
    "person",
    "public_interest",
    "legal_services",
    "person",
    "other",
)


def specs_for(index: int, plan: OrgPlan) -> list[Spec]:
    """The cases of the ``index``-th organisation: the common ones (withholding grounds in
    turn), four of the rare ones in turn, its appeals on the first case of their outcome, and
    one case carried in from the year before and one carried into the next."""
    grounds = {
        "partially_disclosed": GROUNDS[index % len(GROUNDS)],
        "not_disclosed": GROUNDS[(index + 2) % len(GROUNDS)],
    }
    out = [Spec(c.outcome, c.flow, grounds.get(c.outcome, "")) for c in COMMON]
    out += [RARE[(4 * index + k) % len(RARE)] for k in range(4)]
    for outcome, appeals in plan.appeals:
        i = next(n for n, spec in enumerate(out) if spec.outcome == outcome)
        out[i] = Spec(out[i].outcome, out[i].flow, out[i].ground, appeals=appeals)
    out.append(Spec("already_public", carry="in"))
    out.append(Spec("disclosed", carry="out"))
    return out


SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰晓东海波亮欣怡浩宇子轩"
AREAS = ("610402", "610403", "610404", "610422", "610423", "610424", "610425", "610481")
DISTRICTS = ("秦都区", "渭城区", "兴平市", "三原县", "泾阳县", "礼泉县")
ROADS = ("人民西路", "世纪大道", "文汇路", "渭阳西路", "乐育北路", "玉泉路", "统一路", "迎宾大道")
ORG_NAMES = {
    "commercial": ("咸阳{}商贸有限公司", "咸阳{}建设工程有限公司", "陕西{}物流有限公司"),
    "research": ("咸阳{}城乡规划研究院", "陕西{}社会发展研究中心"),
    "public_interest": ("咸阳市{}公益服务中心", "咸阳市{}志愿者协会"),
    "legal_services": ("陕西{}律师事务所", "咸阳{}法律服务所"),
    "other": ("秦都区{}社区居民委员会", "渭城区{}小区业主委员会"),
}
ORG_WORDS = ("渭水", "秦川", "五陵", "泾渭", "古渡", "兴盛", "长乐", "安康", "北塬", "丰禾")
CREDIT_PREFIX = {
    "commercial": "91",
    "research": "12",
    "public_interest": "52",
    "legal_services": "31",
    "other": "54",
}


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def resident_id(rng: random.Random) -> str:
    born = date(1955, 1, 1) + timedelta(days=rng.randrange(365 * 45))
    first17 = f"{rng.choice(AREAS)}{born:%Y%m%d}{rng.randrange(1, 999):03d}"
    return first17 + resident_id_check_char(first17)


def credit_code(rng: random.Random, category: str) -> str:
    digits = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    first17 = f"{CREDIT_PREFIX[category]}6104{rng.choice(('00', '02', '04'))}" + "".join(
        rng.choice(digits[:10] if k < 6 else digits) for k in range(9)
    )
    return first17 + credit_code_check_char(first17)


def applicant(rng: random.Random, kind: str, number: int) -> dict[str, str]:
    """Made-up, valid-looking applicant data (``kind``: person or an organisation category)."""
    address = f"咸阳市{rng.choice(DISTRICTS)}{rng.choice(ROADS)}{rng.randrange(1, 300)}号"
    form, channel = rng.choice(
        (("electronic", "email"), ("electronic", "email"), ("paper", "post"), ("paper", "collect"))
    )
    data = {
        "address": address,
        "postcode": "712000",
        "email": f"demo{number:03d}@example.com",
        "delivery_form": form,
        "delivery_channel": channel,
    }
    if kind == "person":
        data.update(
            applicant_type="person",
            name=_name(rng),
            id_type="resident_id",
            id_number=resident_id(rng),
            phone=f"1389100{number:04d}",
        )
    else:
        word = ORG_WORDS[number % len(ORG_WORDS)]
        data.update(
            applicant_type="organisation",
            applicant_category=kind,
            name=rng.choice(ORG_NAMES[kind]).format(word),
            credit_code=credit_code(rng, kind),
            legal_representative=_name(rng),
            contact_person=_name(rng),
            phone=f"029-332{number:05d}",
        )
    return data


def description(plan: OrgPlan, spec: Spec, n: int) -> str:
    subject = plan.subjects[n % len(plan.subjects)]
    return {
        "not_ours": "本市某楼盘的商品房预售许可证及预售资金监管账户信息",
        "no_compile": f"请按县区汇总近五年{plan.focus}方面的数据，并制作分年度对比分析报告",
        "unclear_after_correction": "关于我家那件事的所有文件和处理情况",
        "repeat": f"再次申请：{subject}",
        "registers": "咸阳某商贸有限公司的工商登记档案（股东及出资情况）",
        "excessive": "2010年以来本机关的全部发文、会议纪要、请示及批复（共列明326项）",
        "excessive_unreasonable": "2015年以来本机关每一份收文和发文的登记簿（逐月列明共210项）",
        "petition": "举报所住小区物业公司违规收费，要求查处并书面答复处理结果",
        "publication": "索取《咸阳年鉴（2024）》纸质版一册",
        "reconfirm": f"要求对2024年已获取的{subject}重新出具并加盖公章",
    }.get(spec.outcome, subject)


REASONS = {
    "state_secret": "所申请信息经依法定密属于国家秘密，公开后可能损害国家安全和利益。",
    "forbidden_by_law": "所申请信息属于《中华人民共和国统计法》规定应当保密的单个统计调查对象的资料。",
    "three_security": "所申请信息涉及重要目标的安全保卫部署，公开后可能危及公共安全和社会稳定。",
    "third_party": "所申请信息含有第三方的商业秘密和个人隐私，第三方不同意公开，公开会对其合法权益造成损害。",
    "internal_affairs": "所申请信息属于本机关人事管理和内部工作流程方面的信息。",
    "process_info": "所申请信息属于讨论记录、过程稿和请示报告等过程性信息，尚未形成正式决定。",
    "enforcement_file": "所申请信息属于行政执法案卷信息。",
}
# how the information goes to the applicant, by the channel they chose
DELIVERY = {
    "email": "已通过电子邮件发送至您在申请中预留的电子邮箱",
    "post": "以挂号信邮寄至您在申请中预留的通信地址",
    "collect": "请自收到本答复之日起15个工作日内，持身份证明到本机关政务公开办公室领取",
}
# what a repeat request may repeat
ASKED_AGAIN = ("disclosed", "already_public", "not_exist")
OUTCOME_REASONS = {
    "excessive": "申请人本月内已提出内容相近的申请二十余件，所列事项达三百余项，明显超过合理范围。",
    "excessive_unreasonable": "经书面要求说明理由，申请人逾期未说明，所列事项达二百余项，明显超过合理范围。",
}


def letter_inputs(
    case: _Case, names: list[str], previous: tuple[str, date] | None
) -> dict[str, str]:
    """What the officer types into the reply for the inputs its variant asks for."""
    outcome = case.req.outcome
    routes = {
        "already_public": "咸阳市人民政府门户网站（www.xianyang.gov.cn）“政府信息公开”专栏，"
        "可按标题或文号检索查阅",
        "disclosed": DELIVERY[case.req.delivery_channel],
        "partially_disclosed": "可以公开的内容通过本平台下载，并按您选择的方式同时提供",
        "petition": "咸阳市信访局（咸阳市秦都区人民西路1号），电话029-33210000，"
        "或登录陕西省网上信访平台提出",
        "publication": "《咸阳年鉴（2024）》由咸阳市地方志办公室编纂，可在咸阳市图书馆地方文献阅览室查阅",
    }
    referrals = {
        "not_ours": "咸阳市住房和城乡建设局，地址：咸阳市秦都区人民西路1号，电话：029-33210120",
        "registers": "咸阳市行政审批服务局企业登记档案查询窗口，地址：咸阳市秦都区世纪大道66号，"
        "电话：029-33210300，依照《中华人民共和国市场主体登记管理条例》及其实施细则查询",
    }
    values = {
        "access_route": routes.get(outcome, "通过本平台下载"),
        "referral": referrals.get(outcome, "经查无法确定"),
        "reasons": "该信息由住房和城乡建设部门在商品房预售许可工作中制作并保存，不属于本机关负责公开的政府信息。",
        "previous_reply": (
            f"{previous[0]}，{previous[1].year}年{previous[1].month}月{previous[1].day}日"
            if previous
            else "本机关此前作出的答复书"
        ),
        "payment_method": "通过陕西省非税收入电子缴款平台缴纳（缴款码随本通知发送），"
        "或到咸阳市秦都区人民西路1号市政务服务中心收费窗口缴纳",
    }
    return {name: values[name] for name in names}


# -- running the cases ------------------------------------------------------------------------


@dataclass
class _Run:
    """What every case of one organisation shares."""

    db: Session
    rules: services.RequestRules
    org: Organisation
    ancestors: list[Organisation]
    officer: User
    admin: User
    letters: LetterContext
    storage: object  # the file storage (disclosure.files.backend)
    organisations: dict[str, Organisation]
    plan: OrgPlan
    replies: dict[int, tuple[str, date]] = field(default_factory=dict)  # case → its reply
    answered: list[_Case] = field(default_factory=list)  # in the order answered
    letter_count: int = 0
    appeal_count: int = 0

    @property
    def calendar(self) -> WorkingCalendar:
        return self.letters.calendar


class _Case:
    """One case of the demo year: its plan (``spec``), receipt date, application data, the
    channel it came by (Art. 31) and its number within the organisation's year."""

    def __init__(
        self, run: _Run, spec: Spec, received: date, data: dict, channel: str, n: int
    ) -> None:
        self.run = run
        self.spec = spec
        self.received = received
        self.data = data
        self.channel = channel
        self.n = n
        self.today = received
        self.req: DisclosureRequest | None = None
        self.previous: _Case | None = None  # the earlier case a repeat request repeats

    # helpers

    def wd(self, start: date, n: int) -> date:
        return self.run.calendar.add_working_days(start, n).date

    def officer(self, user: User | None = None) -> Actor:
        user = user or self.run.officer
        return Actor.officer(user, user_permits(user, self.req, self.run.ancestors))

    def act(self, action: str, actor: Actor | None = None, **params) -> None:
        services.act(
            self.run.db,
            self.run.rules,
            self.req,
            action,
            actor or self.officer(),
            self.today,
            params,
        )

    def letter(self, kind: str, variant: str = "default", **params) -> None:
        from ..letters.services import issue

        letter = issue(
            self.run.db,
            self.req,
            kind,
            variant,
            self.run.letters,
            user=self.run.officer,
            today=self.today,
            # No status address or QR code: the demo's public address is not known here, and
            # ReportLab's QR encoder would double the time a letter takes.
            status_url=None,
            store=self.run.storage,
            params=params,
        )
        self.run.letter_count += 1
        if kind == "reply":
            self.run.replies[self.n] = (letter.number, letter.issued_on)

    # the steps

    def submit(self) -> None:
        if self.spec.outcome == "repeat":
            # the same applicant asks again for what an answered case of theirs asked for
            earlier = [c for c in self.run.answered if c.spec.outcome in ASKED_AGAIN]
            if earlier:
                self.previous = earlier[-1]
                self.data = dict(self.previous.data)
        data = ApplicationSchema(self.run.organisations, require_consent=False).deserialize(
            {**self.data, "organisation": self.run.org.code}
        )
        online = self.channel == "online"
        self.req = services.submit(
            self.run.db,
            self.run.rules,
            data,
            self.run.org,
            today=self.received,
            channel=self.channel,
            received_on=self.received,
            entered_by=None if online else self.run.officer,
            receipt_note="" if online else receipt_date(self.channel, self.received)[1],
        ).request

    def answer(self) -> None:
        spec = self.spec
        params = {"outcome": spec.outcome}
        if spec.ground:
            params["ground"] = spec.ground
            params["reason"] = REASONS[spec.ground]
        elif spec.outcome in OUTCOME_REASONS:
            params["reason"] = OUTCOME_REASONS[spec.outcome]
        self.act("answer", **params)
        template = self.run.letters.templates["reply"]
        names = [i.name for i in template.inputs(spec.outcome)]
        previous = self.run.replies.get(self.previous.n) if self.previous else None
        self.letter("reply", spec.outcome, **letter_inputs(self, names, previous))
        self.run.answered.append(self)

    def script(self) -> Iterator[date]:
        """The case's steps: yields the day of the next one (the first: the receipt day)."""
        yield self.received
        self.submit()
        yield self.wd(self.received, 1)
        self.act("accept")
        yield from FLOWS[self.spec.flow](self)
        if self.spec.appeals:
            yield from self.appeals()

    def answer_on(self, day: date) -> Iterator[date]:
        yield max(self.today, min(day, self.req.due_on))  # never overdue
        self.answer()

    def appeals(self) -> Iterator[date]:
        """Recorded by the officer a few days after each filing and again after each decision,
        as on the case page."""
        filed = self.today + timedelta(days=24)
        for kind, result in self.spec.appeals:
            body = _appeal_body(self.run.org, kind)
            yield filed + timedelta(days=3)
            appeal = self._record_appeal(kind, body, filed)
            if result == "pending":
                continue
            decided = filed + timedelta(days=56)
            yield decided + timedelta(days=2)
            self._decide_appeal(appeal, result, decided)
            filed = decided + timedelta(days=12)

    def _record_appeal(self, kind: str, body: str, filed: date) -> CaseAppeal:
        raw = {"kind": kind, "body": body, "filed_on": filed.isoformat(), "result": "pending"}
        data = validate(AppealSchema(), raw, self.today, None)
        officer = self.run.officer
        appeal = add_appeal(self.run.db, self.req, data, officer, officer.history_label, self.today)
        self.run.appeal_count += 1
        return appeal

    def _decide_appeal(self, appeal: CaseAppeal, result: str, decided: date) -> None:
        raw = {"result": result, "decided_on": decided.isoformat()}
        data = validate(AppealResultSchema(), raw, self.today, appeal.filed_on)
        officer = self.run.officer
        decide_appeal(self.run.db, appeal, data, officer, officer.history_label, self.today)


def _appeal_body(org: Organisation, kind: str) -> str:
    from ..letters.services import reconsideration_body

    if kind == "reconsideration":
        return reconsideration_body(org)
    # a suit after reconsideration names the reconsideration body too: the intermediate court
    if org.kind == "city" or kind == "lawsuit_after_reconsideration":
        return "咸阳市中级人民法院"
    return "咸阳市秦都区人民法院"


def _plain(c: _Case) -> Iterator[date]:
    yield from c.answer_on(c.wd(c.received, 10 if c.spec.carry else 3 + c.n % 12))


def _extension(c: _Case) -> Iterator[date]:
    yield c.wd(c.received, 16)
    c.act(
        "request_extension",
        days="15",
        reason="所申请信息涉及多个年度的档案，需调档核查，无法在法定期限内答复",
    )
    c.act("approve_extension", actor=c.officer(c.run.admin))
    c.letter("extension")
    yield from c.answer_on(c.wd(c.received, 27))


def _consultation(kind: str) -> Callable[[_Case], Iterator[date]]:
    def flow(c: _Case) -> Iterator[date]:
        yield c.wd(c.received, 4)
        party = c.run.plan.party if kind == "third_party" else c.run.plan.agency
        c.act("start_consultation", kind=kind, party=party, sent_on=c.today)
        c.letter(kind if kind == "third_party" else "agency_consultation", "consultation-1")
        received = c.wd(c.today, 2)
        yield c.wd(c.today, 12)
        c.act("end_consultation", answered_on=c.today, party_received_on=received)
        yield from c.answer_on(c.wd(c.today, 4))

    return flow


def _correction(c: _Case) -> Iterator[date]:
    yield c.wd(c.received, 2)
    c.act(
        "request_correction",
        reason="请写明所需信息的名称、文号或者形成时间等能够指向特定政府信息的描述",
        correction_deadline=c.today + timedelta(days=15),
    )
    c.letter("correction")
    yield c.wd(c.today, 6)
    if c.channel == "online":
        actor = Actor.applicant(applicant_permits(c.req, c.run.ancestors))
        c.act("submit_correction", actor=actor, corrected_text="我家房屋的相关文件和处理情况")
    else:
        c.act("record_correction", corrected_on=c.today)
    yield from c.answer_on(c.wd(c.today, 8))


def _abandon(c: _Case) -> Iterator[date]:
    yield c.wd(c.received, 3)
    deadline = c.today + timedelta(days=15)
    c.act(
        "request_correction",
        reason="请补充提供身份证明，并写明所需信息的名称或文号",
        correction_deadline=deadline,
    )
    c.letter("correction")
    yield c.wd(deadline, 2)
    c.act("mark_abandoned", reason="申请人无正当理由逾期未补正")


def _excessive(c: _Case) -> Iterator[date]:
    yield c.wd(c.received, 2)
    deadline = c.today + timedelta(days=12)
    c.act("ask_excessive_reasons", reasons_deadline=deadline)
    c.letter("excessive_reasons")
    yield c.wd(deadline, 1)
    c.act("record_excessive_reasons", reasons_received="no")
    yield from c.answer_on(c.wd(c.today, 1))


def _fee(paid: bool) -> Callable[[_Case], Iterator[date]]:
    def flow(c: _Case) -> Iterator[date]:
        yield c.wd(c.received, 6)
        c.act("fee_notice", fee_method="volume", fee_quantity=str(60 + 30 * (c.n % 4)))
        c.letter("fee_notice", **letter_inputs(c, ["payment_method"], None))
        yield c.wd(c.today, 2)
        c.act("record_fee_notice_receipt", notice_received_on=c.today)
        if paid:
            yield c.wd(c.today, 5)
            c.act("record_payment", paid_on=c.today, paid_amount=str(c.req.fee_amount))
            yield from c.answer_on(c.wd(c.today, 5))
        else:
            yield c.wd(c.today, 21)
            c.act("close_unpaid", reason="申请人逾期未缴纳信息处理费")

    return flow


def _withdraw(c: _Case) -> Iterator[date]:
    yield c.wd(c.received, 4)
    c.act("withdraw", actor=Actor.applicant(applicant_permits(c.req, c.run.ancestors)))


FLOWS: dict[str, Callable[[_Case], Iterator[date]]] = {
    "plain": _plain,
    "extension": _extension,
    "third_party": _consultation("third_party"),
    "other_agency": _consultation("other_agency"),
    "correction": _correction,
    "abandon": _abandon,
    "excessive": _excessive,
    "fee_paid": _fee(True),
    "unpaid": _fee(False),
    "withdraw": _withdraw,
}


def _receipt_day(
    calendar, rng: random.Random, month: int, days: tuple[int, int], year: int = YEAR
) -> date:
    day = date(year, month, rng.randint(*days))
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return day


def run_cases(run: _Run, index: int, plan: OrgPlan, rng: random.Random) -> list[_Case]:
    """Build one organisation's cases and run their steps in date order."""
    cases = []
    for n, spec in enumerate(specs_for(index, plan)):
        if spec.carry:
            year = YEAR - 1 if spec.carry == "in" else YEAR
            received = _receipt_day(run.calendar, rng, 12, (22, 26), year)
        else:
            month = (index + n) % 12 + 1
            if spec.appeals:
                month = 1 + month % 5  # answered early enough for the appeal to be decided
            elif spec.flow in LONG_FLOWS and month > 10:
                month -= 6
            received = _receipt_day(run.calendar, rng, month, (1, 20))
        kind = APPLICANTS[(3 * index + n) % len(APPLICANTS)]
        number = 100 * index + n + 1
        data = {
            **applicant(rng, kind, number),
            "description": description(plan, spec, n + index),
        }
        channel = rng.choice(
            ("online", "online", "online", "in_person", "post_registered", "email")
        )
        cases.append(_Case(run, spec, received, data, channel, n))
    heap: list[tuple[date, int, Iterator[date]]] = []
    for n, case in enumerate(cases):
        script = case.script()
        heapq.heappush(heap, (next(script), n, script))
    while heap:
        day, n, script = heapq.heappop(heap)
        cases[n].today = day
        try:
            following = next(script)
        except StopIteration:
            continue
        if following < day:
            raise AssertionError(f"demo script goes back in time: {following} < {day}")
        heapq.heappush(heap, (following, n, script))
    return cases


# -- the organisations' staff, catalogue items and report inputs -------------------------------


def _staff(
    db: Session, org: Organisation, password: str, echo, hashed: Callable[[], str]
) -> tuple[User, User]:
    """The organisation's demo officer and org admin, created where the demo has none. They
    share the demo password's one hash (``hashed``): argon2 takes about 0.2 s a hash."""
    users = db.scalars(select(User).where(User.organisation_id == org.id).order_by(User.id)).all()
    found = {}
    for role in (Role.OFFICER, Role.ORG_ADMIN):
        user = next((u for u in users if u.role == role), None)
        if user is None:
            tag = {"city": "city", "county": "county"}.get(org.kind, org.category_tree)
            prefix = "officer" if role == Role.OFFICER else "admin"
            email = normalise_email(f"{prefix}.{tag}@xianyang.gov.cn")
            if find_user(db, email) is not None:
                raise ValueError(f"demo account {email} belongs to another organisation")
            label = "公开专员" if role == Role.OFFICER else "管理员"
            user = User(
                email=email,
                password_hash=hashed(),
                organisation=org,
                role=role,
                display_name=f"{org.short_name}{label}",
                active=True,
            )
            db.add(user)
            db.flush()
            echo(f"账号：{email}（{role}，{org.name}）密码 {password}")
        found[role] = user
    return found[Role.OFFICER], found[Role.ORG_ADMIN]


def catalogue_rows(plans=PLANS) -> list[dict]:
    rows = []
    for plan in plans:
        for kind, title, number, created, topic in plan.documents:
            created_on = date.fromisoformat(created)
            rows.append(
                {
                    "organisation": plan.code,
                    "title": title,
                    "summary": f"{title.split('关于')[-1]}，自印发之日起施行。",
                    "body": f"{title}\n\n（{number}）\n\n现予印发，请认真贯彻执行。",
                    "document_number": number,
                    "created_on": created,
                    "published_on": (created_on + timedelta(days=6)).isoformat(),
                    "topic": topic,
                    "genre": "notice" if kind == "normative_document" else "other",
                    "category": "zcwj_gfxwj",
                    "keywords": ["规范性文件" if kind == "normative_document" else "规章"],
                    "disclosure_mode": "proactive",
                    "validity": "valid",
                    "normative_kind": kind,
                }
            )
    old = {k: v for k, v in REPEALED.items() if k not in ("repealed_on", "note")}
    rows.append(
        {
            **old,
            "summary": "规范城区临时占用城市道路的审批和管理。",
            "body": f"{REPEALED['title']}\n\n（{REPEALED['document_number']}）",
            "genre": "notice",
            "category": "zcwj_gfxwj",
            "disclosure_mode": "proactive",
            "validity": "valid",
        }
    )
    return rows


def load_catalogue(db: Session, schema, officers: dict[str, User]) -> tuple[int, int]:
    """The 规章 and 行政规范性文件 of the year, and the one repealed in it."""
    service = CatalogueService(db, schema)
    importer = CatalogueImporter(service, today=date(YEAR, 12, 31))
    created = existing = 0
    for row in catalogue_rows():
        reason = importer.import_row(row)
        if reason is None:
            created += 1
        elif reason == "existing":
            existing += 1
        else:
            raise ValueError(f"demo catalogue row refused: {row['title']}: {reason}")
    item = db.scalars(
        select(CatalogueItem).where(
            CatalogueItem.title == REPEALED["title"],
            CatalogueItem.document_number == REPEALED["document_number"],
        )
    ).one()
    if item.status != ItemStatus.REPEALED:
        service.repeal(
            item,
            officers.get(REPEALED["organisation"]),
            REPEALED["note"],
            today=date.fromisoformat(REPEALED["repealed_on"]),
        )
    return created, existing


def report_input(db: Session, org: Organisation, plan: OrgPlan, officer: User) -> ReportInput:
    """The hand-entered figures and sections, worded from the organisation's demo year."""
    in_year = (DisclosureRequest.organisation_id == org.id,)
    received = db.scalar(
        select(func.count())
        .select_from(DisclosureRequest)
        .where(
            *in_year,
            DisclosureRequest.received_on >= date(YEAR, 1, 1),
            DisclosureRequest.received_on <= date(YEAR, 12, 31),
        )
    )
    carried = db.scalar(
        select(func.count())
        .select_from(DisclosureRequest)
        .where(
            *in_year,
            DisclosureRequest.received_on <= date(YEAR, 12, 31),
            DisclosureRequest.received_on >= date(YEAR, 1, 1),
            DisclosureRequest.answered_on > date(YEAR, 12, 31),
        )
    )
    fees = db.scalars(
        select(DisclosureRequest.fee_paid_amount).where(
            *in_year,
            DisclosureRequest.fee_paid_on >= date(YEAR, 1, 1),
            DisclosureRequest.fee_paid_on <= date(YEAR, 12, 31),
        )
    ).all()
    licences, penalties, enforcement, fees_wan = plan.figures
    normative = len(plan.documents)
    overview = (
        f"{YEAR}年，{org.name}坚持以公开为常态、不公开为例外，围绕{plan.focus}，扎实推进政务公开工作。"
        f"全年制发并公开规章和行政规范性文件{normative}件，及时公开行政许可、行政处罚等执法信息；"
        f"收到政府信息公开申请{received}件，除{carried}件结转下年度继续办理外均已在法定期限内办结。"
        "严格落实信息发布前的保密审查，通过门户网站、政务新媒体和政府信息查阅点方便群众查询。"
    )
    problems = (
        "一是个别答复书说理不够充分，对部分公开、不予公开的理由阐述还需加强；"
        "二是政策解读形式较为单一，图解、视频解读偏少。"
        f"改进措施：{YEAR + 1}年将组织依申请公开答复规范化培训，建立疑难申请集体研究机制，"
        "丰富政策解读形式，提升公开质量。"
    )
    other = (
        f"本年度按照《政府信息公开信息处理费管理办法》收取信息处理费{len(fees)}件，"
        f"共计{sum(fees)}元。"
        if fees
        else "本年度未收取信息处理费。"
    ) + "落实全国人大代表建议和政协委员提案公开要求，无其他需要报告的事项。"
    row = ReportInput(
        organisation=org,
        year=YEAR,
        licences=licences,
        penalties=penalties,
        enforcement=enforcement,
        fees_wan=Decimal(fees_wan),
        overview=overview,
        problems=problems,
        other_matters=other,
        accountability=(
            "将政务公开工作纳入年度目标责任考核，分值占比4%；委托第三方机构开展政务公开社会评议，"
            "群众满意度为92.6%；全年未发生因政务公开工作不到位被追究责任的情形。"
            if org.kind in GOVERNMENT_KINDS
            else ""
        ),
    )
    row.touch(officer)
    db.add(row)
    return row


# -- the entry point --------------------------------------------------------------------------


@dataclass
class YearSummary:
    cases: dict[str, int] = field(default_factory=dict)  # organisation code → cases added
    skipped: list[str] = field(default_factory=list)
    report_inputs: int = 0
    catalogue: tuple[int, int] = (0, 0)
    seconds: float = 0.0


def load_demo_year(settings, schema, db: Session, *, password: str, echo=print) -> YearSummary:
    """Add the demo year to the database (nothing that is already there)."""
    from pyramid.path import DottedNameResolver

    from ..letters.fonts import register_font
    from ..letters.services import LetterContext
    from ..letters.templates import load_templates
    from ..organisations.services import OrganisationTree

    start = time.monotonic()
    summary = YearSummary()
    rules = services.RequestRules.from_settings(settings)
    storage = (
        DottedNameResolver().maybe_resolve(s.get(settings, "files.backend")).from_settings(settings)
    )
    templates = load_templates(
        Path(s.get(settings, "schemas_dir")) / "letters",
        rules.outcomes.outcomes,
        rules.outcomes.record_corrections,
    )
    font = register_font(s.get(settings, "letters.font") or None)
    echo(f"{YEAR} 年度演示数据：")
    db.commit()
    with db.begin():
        orgs = {o.code: o for o in db.scalars(select(Organisation))}
        plans = [p for p in PLANS if p.code in orgs]
        hashes: list[str] = []

        def hashed() -> str:
            if not hashes:
                hashes.append(hash_password(password))
            return hashes[0]

        staff = {p.code: _staff(db, orgs[p.code], password, echo, hashed) for p in plans}
    for index, plan in enumerate(plans):
        db.commit()
        with db.begin():
            org = db.scalars(select(Organisation).where(Organisation.code == plan.code)).one()
            already = db.scalar(
                select(func.count())
                .select_from(DisclosureRequest)
                .where(
                    DisclosureRequest.organisation_id == org.id,
                    DisclosureRequest.received_on >= date(YEAR, 1, 1),
                    DisclosureRequest.received_on <= date(YEAR, 12, 31),
                )
            )
            if already:
                summary.skipped.append(plan.code)
                echo(
                    f"  [{index + 1}/{len(plans)}] {org.name}：已有 {YEAR} 年申请 {already} 件，跳过"
                )
                continue
            officer, admin = staff[plan.code]
            tree = OrganisationTree(db)
            run = _Run(
                db=db,
                rules=rules,
                org=org,
                ancestors=tree.ancestors(org),
                officer=officer,
                admin=admin,
                letters=LetterContext(
                    templates=templates,
                    font=font,
                    outcomes=rules.outcomes,
                    calendar=rules.calendar(db),
                ),
                storage=storage,
                organisations={o.code: o for o in db.scalars(select(Organisation))},
                plan=plan,
            )
            cases = run_cases(run, index, plan, random.Random(SEED + index))
            earlier = sum(1 for c in cases if c.received.year < YEAR)
            carried = sum(1 for c in cases if c.req.answered_on and c.req.answered_on.year > YEAR)
            summary.cases[plan.code] = len(cases) - earlier
            echo(
                f"  [{index + 1}/{len(plans)}] {org.name}：{YEAR} 年收到申请 {len(cases) - earlier} 件"
                f"（上年结转 {earlier} 件，结转下年 {carried} 件），文书 {run.letter_count} 份，"
                f"行政复议、诉讼 {run.appeal_count} 件"
            )
    db.commit()
    with db.begin():
        officers = {p.code: staff[p.code][0] for p in plans}
        for plan in plans:
            org = db.scalars(select(Organisation).where(Organisation.code == plan.code)).one()
            exists = db.scalar(
                select(ReportInput).where(
                    ReportInput.organisation_id == org.id, ReportInput.year == YEAR
                )
            )
            if exists is None:
                report_input(db, org, plan, officers[plan.code])
                summary.report_inputs += 1
        summary.catalogue = load_catalogue(db, schema, officers)
    created, existing = summary.catalogue
    echo(f"  年度报告录入数据：新增 {summary.report_inputs} 家")
    echo(f"  规章和行政规范性文件：新增 {created}，已存在 {existing}")
    summary.seconds = time.monotonic() - start
    echo(f"{YEAR} 年度演示数据载入完成，用时 {summary.seconds:.1f} 秒")
    return summary
