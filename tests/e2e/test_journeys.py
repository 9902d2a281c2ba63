"""The journeys of issue 15 in a real browser (chromium), each on a fresh database: the public,
an applicant, an officer (with the org admin), the city admin. Each runs at desktop size, at
phone size (360 px wide) and with the keyboard alone; every page shown passes axe-core with no
serious or critical violation and, at phone size, does not scroll sideways (tests/e2e/ui.py).

Selectors are roles, labels, visible Chinese text and ids: what a person (or a screen reader)
goes by, so the journeys hold while the markup and the styles change. What happens on the other
side of the counter while a journey waits (an officer answering the applicant) goes through the
same application over HTTP (WebTest, :class:`Desk`).

Each journey is a class of its own: ``--dist loadscope`` spreads them over the workers.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from disclosure.models import AnnualReport, DisclosureRequest, RequestFile
from disclosure.requests import services
from disclosure.requests.deadlines import due_soon
from disclosure.requests.identity import credit_code_check_char, resident_id_check_char

from ..conftest import PASSWORD, TestApp
from ..english import untranslated

MISSING = "playwright or axe-playwright-python missing (pip install -e '.[testing]')"
expect = pytest.importorskip("playwright.sync_api", reason=MISSING).expect
pytest.importorskip("axe_playwright_python", reason=MISSING)

from .ui import Ui, open_ui  # noqa: E402  (needs both)

MODES = pytest.mark.parametrize("ui", ["desktop", "phone", "keyboard"], indirect=True)

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
CIVIL = "咸阳市民政局"


def resident_id(body17: str = "61040219800101123") -> str:
    return body17 + resident_id_check_char(body17)


def credit_code(body17: str = "91610400MA6X12345") -> str:
    return body17 + credit_code_check_char(body17)


def count(ui: Ui, pattern: str = r"找到 (\d+) 条结果") -> int:
    """The number in a count line: 找到 5 条结果 (search), 共 90 条 (catalogue)."""
    text = ui.page.get_by_text(re.compile(pattern)).first.inner_text()
    return int(re.search(pattern, text)[1])


def main_area(ui: Ui):
    return ui.page.get_by_role("main")


def login(ui: Ui, email: str, name: str = "login") -> None:
    ui.goto("/login", name)
    form = main_area(ui)
    ui.fill(form.get_by_label("邮箱"), email)
    ui.fill(form.get_by_label("密码"), PASSWORD)
    ui.submit(form.get_by_role("button", name="登录"), "officer-landing")


class Desk:
    """A member of staff at another desk, acting through the same application (WebTest)."""

    def __init__(self, site, who: str) -> None:
        self.site = site
        self.app = TestApp(site.app, extra_environ={"HTTP_HOST": site.base.split("//")[1]})
        self.app.login(site.staff[who])

    def case(self, tracking: str) -> DisclosureRequest:
        with self.site.session() as db:
            req = db.scalars(
                select(DisclosureRequest).where(DisclosureRequest.tracking_number == tracking)
            ).one()
            db.expunge(req)
            return req

    def act(self, tracking: str, action: str, **params) -> None:
        req = self.case(tracking)
        self.app.post(
            f"/officer/requests/{req.id}/{action}",
            {"csrf_token": self.app.csrf_token(), "lock_version": req.lock_version, **params},
            status=303,
        )

    def issue(self, tracking: str, kind: str, variant: str, **inputs) -> None:
        req = self.case(tracking)
        self.app.post(
            f"/officer/requests/{req.id}/letters",
            {
                "csrf_token": self.app.csrf_token(),
                "kind": kind,
                "variant": variant,
                "lock_version": req.lock_version,
                **inputs,
            },
            status=303,
        )

    def release(self, tracking: str, filename: str, data: bytes) -> None:
        req = self.case(tracking)
        self.app.post(
            f"/officer/requests/{req.id}/documents",
            {"csrf_token": self.app.csrf_token(), "lock_version": str(req.lock_version)},
            upload_files=[("file", filename, data)],
            status=303,
        )


def application(**overrides) -> dict:
    """An application as the form's validated data (for cases filed before a journey)."""
    data = {
        "applicant_type": "person",
        "name": "赵六",
        "id_type": "resident_id",
        "id_number": resident_id("61040219750505123"),
        "phone": "029-33210000",
        "email": "zhaoliu@example.com",
        "description": "请提供2026年城乡居民最低生活保障标准调整文件",
        "delivery_form": "electronic",
        "delivery_channel": "email",
        "consent": True,
    }
    data.update(overrides)
    return data


def file_case(site, received: date, **overrides) -> DisclosureRequest:
    """A case received on ``received`` (through the service the form uses), committed."""
    rules = site.app.registry["request_rules"]
    with site.session() as db:
        org = db.merge(site.organisation("civil_affairs"))
        req = services.submit(db, rules, application(**overrides), org, today=received).request
        db.commit()
        db.refresh(req)
        db.expunge(req)
        return req


def due_soon_case(site) -> DisclosureRequest:
    """A case whose answer is due within three working days of the site's date: received
    twenty-odd working days before it (the day found with the site's own calendar)."""
    rules = site.app.registry["request_rules"]
    for back in range(20, 45):
        received = site.today - timedelta(days=back)
        with site.session() as db:
            org = db.merge(site.organisation("civil_affairs"))
            req = services.submit(db, rules, application(), org, today=received).request
            db.flush()
            if due_soon(req.due_on, site.today, rules.calendar(db)):
                db.commit()
                db.refresh(req)
                db.expunge(req)
                return req
            db.rollback()
    raise AssertionError("no receipt date gives a case due soon")


# -- the public -------------------------------------------------------------------------------


class TestPublic:
    @MODES
    def test_browse_filter_open_search_and_narrow(self, ui: Ui, site):
        site.import_items()
        page = ui.page

        ui.goto("/", "home")
        expect(page.get_by_role("heading", name="最新公开信息")).to_be_visible()
        public = count(ui, r"共 (\d+) 条公开信息")
        assert public > 80  # the demo catalogue

        # browse the catalogue, narrow it with two filters, widen it again
        ui.nav("信息公开目录", "catalogue")
        assert count(ui, r"共 (\d+) 条") == public
        ui.unfold("筛选")
        facets = page.get_by_role("complementary")
        topic = facets.get_by_role("link", name="综合政务")
        in_topic = int(re.search(r"\((\d+)\)", topic.locator("xpath=..").inner_text())[1])
        ui.follow(topic, "catalogue-topic")
        assert count(ui, r"共 (\d+) 条") == in_topic < public
        ui.unfold("筛选")
        ui.follow(facets.get_by_role("link", name="2025年"), "catalogue-topic-year")
        assert 0 < count(ui, r"共 (\d+) 条") < in_topic
        ui.unfold("筛选")
        ui.follow(facets.get_by_role("link", name="« 全部").first, "catalogue-year")
        assert in_topic != count(ui, r"共 (\d+) 条") < public

        # open an item from the list
        first = main_area(ui).get_by_role("table").get_by_role("link").first
        title = first.inner_text().strip()
        ui.follow(first, "item")
        expect(page.get_by_role("heading", level=1)).to_have_text(title)

        # search: words, a phrase, a 文号 typed without its brackets
        ui.nav("检索", "search")

        def search(words: str, name: str) -> None:
            box = main_area(ui).get_by_role("searchbox", name="检索词").first
            ui.fill(box, words)
            ui.submit(main_area(ui).get_by_role("button", name="检索").first, name)

        search("政务公开 通知", "search-words")
        assert count(ui) >= 1
        expect(page.locator("ol.hits").locator("em, mark").first).to_be_visible()  # marked

        search("“优化营商环境”", "search-phrase")
        assert count(ui) >= 1
        expect(page.locator("ol.hits").locator("em, mark").first).to_have_text("优化营商环境")

        search("咸政发2021年6号", "search-docno")
        hit = page.locator("ol.hits li").first
        expect(hit).to_contain_text("咸政发〔2021〕6号")
        expect(hit).to_contain_text("十四个五年规划")

        # a facet of the results narrows them and shows as a removable chip
        search("通知", "search-notice")
        before = count(ui)
        ui.unfold("筛选")
        facets = page.get_by_role("complementary")
        facet = facets.get_by_role("link").filter(has_not_text="«").nth(1)
        label = facet.inner_text().strip()
        ui.follow(facet, "search-facet")
        assert 0 < count(ui) < before
        expect(page.get_by_role("region", name="已选条件")).to_contain_text(label)
        hit = page.locator("ol.hits").get_by_role("link").first
        title = hit.inner_text().strip()
        ui.follow(hit, "search-hit")
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        ui.finish()


class TestEnglish:
    """The same public site read in English: chosen with the switch in the menu, remembered
    for the pages that follow; no message left in Chinese on any of them (the catalogue's own
    titles are data, and stay as written)."""

    @MODES
    def test_switch_to_english_browse_and_search(self, ui: Ui, site):
        site.import_items()
        page = ui.page

        def in_english() -> None:
            assert page.locator("html").get_attribute("lang") == "en"
            left = untranslated(page.content())
            assert not left, f"{page.url}: untranslated {left[:10]}"

        ui.goto("/", "home-zh")
        ui.nav("English", "home-en")
        in_english()
        ui.nav("Disclosure catalogue", "catalogue-en")
        in_english()
        first = main_area(ui).get_by_role("table").get_by_role("link").first
        ui.follow(first, "item-en")
        in_english()
        ui.nav("Search", "search-en")
        box = main_area(ui).get_by_role("searchbox").first
        ui.fill(box, "通知")
        ui.submit(main_area(ui).locator("button[type=submit]").first, "search-results-en")
        in_english()
        expect(page.locator("ol.hits li").first).to_be_visible()
        ui.nav("中文", "search-results-zh")
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        ui.finish()


# -- the applicant ----------------------------------------------------------------------------


def fill_common(ui: Ui, form, *, phone: str, email: str, description: str) -> None:
    ui.fill(form.get_by_label("联系电话"), phone)
    ui.fill(form.get_by_label("电子邮箱"), email)
    ui.select(form.get_by_label("受理机关"), CIVIL)
    ui.fill(form.get_by_label("所需信息的内容描述"), description)


class TestApplicant:
    @MODES
    def test_apply_follow_correct_and_download(self, ui: Ui, site, tmp_path: Path):
        page = ui.page
        ui.goto("/", "home")

        # as a person
        ui.nav("申请公开", "apply")
        form = main_area(ui).locator("form")
        expect(form.get_by_role("radio", name="公民")).to_be_checked()
        ui.fill(form.get_by_label("姓名/名称"), "张三")
        ui.select(form.get_by_label("证件类型"), "居民身份证")
        ui.fill(form.get_by_label("证件号码"), resident_id())
        fill_common(
            ui,
            form,
            phone="029-33212345",
            email="zhangsan@example.com",
            description="请提供2025年度城乡低保资金发放明细",
        )
        ui.fill(form.get_by_label("文号", exact=True), "咸民发〔2026〕2号")
        ui.tick(form.get_by_role("checkbox"))
        ui.submit(form.get_by_role("button", name="提交申请"), "receipt")
        expect(page.get_by_role("heading", name="申请已收到")).to_be_visible()
        tracking = page.locator("#tracking-number").inner_text().strip()
        code = page.locator("#access-code").inner_text().strip()
        assert tracking and code

        # the receipt reloaded: the same receipt, still one application
        page.reload()
        ui.seen("receipt-reloaded")
        expect(page.locator("#tracking-number")).to_have_text(tracking)
        assert site.count(DisclosureRequest) == 1

        # as an organisation, with a proof of identity
        proof = tmp_path / "营业执照.pdf"
        proof.write_bytes(PDF)
        ui.nav("申请公开", "apply-organisation")
        form = main_area(ui).locator("form")
        ui.choose(form.get_by_role("radio", name="法人或者其他组织"))
        ui.select(form.get_by_label("申请人类别（法人或者其他组织）"), "科研机构")
        ui.fill(form.get_by_label("姓名/名称"), "咸阳某研究院")
        ui.fill(form.get_by_label("统一社会信用代码"), credit_code())
        ui.fill(form.get_by_label("法定代表人"), "李四")
        ui.fill(form.get_by_label("联系人"), "王五")
        fill_common(
            ui,
            form,
            phone="029-33219876",
            email="office@example.com",
            description="请提供2025年度养老机构运营补贴发放情况",
        )
        ui.upload(form.get_by_label("身份证明（可选）"), proof)
        ui.tick(form.get_by_role("checkbox"))
        ui.submit(form.get_by_role("button", name="提交申请"), "receipt-organisation")
        second = page.locator("#tracking-number").inner_text().strip()
        assert second != tracking and site.count(DisclosureRequest) == 2
        with site.session() as db:
            org_case = db.scalars(
                select(DisclosureRequest).where(DisclosureRequest.tracking_number == second)
            ).one()
            assert (org_case.applicant_type, org_case.applicant_category) == (
                "organisation",
                "research",
            )
            (stored,) = db.scalars(select(RequestFile).where(RequestFile.request_id == org_case.id))
            assert stored.filename == "营业执照.pdf" and stored.size == len(PDF)

        # look the first case up with its tracking number and access code
        def look_up(name: str) -> None:
            ui.nav("进度查询", name)
            form = main_area(ui).locator("form")
            ui.fill(form.get_by_label("追踪号"), tracking)
            ui.fill(form.get_by_label("查询码"), code)
            ui.submit(form.get_by_role("button", name="查询"), name + "-case")
            expect(main_area(ui)).to_contain_text(tracking)

        look_up("status")
        expect(main_area(ui)).to_contain_text("已收到")

        # the officer asks for a correction; the applicant sends it online
        desk = Desk(site, "officer")
        desk.act(tracking, "accept")
        desk.act(
            tracking,
            "request_correction",
            reason="请写明所需明细的月份范围",
            correction_deadline=(site.today + timedelta(days=14)).isoformat(),
        )
        look_up("status-correction")
        expect(page.get_by_role("heading", name="请补正您的申请")).to_be_visible()
        expect(main_area(ui)).to_contain_text("请写明所需明细的月份范围")
        ui.fill(
            main_area(ui).get_by_label(re.compile("补正后的申请内容")),
            "请提供2025年1月至12月城乡低保资金发放明细",
        )
        ui.submit(main_area(ui).get_by_role("button", name="提交补正"), "status-corrected")
        expect(page.get_by_role("heading", name="请补正您的申请")).to_have_count(0)
        assert desk.case(tracking).status == "accepted"

        # the officer answers, issues the reply and provides the information
        desk.act(tracking, "answer", outcome="disclosed", reason="")
        desk.issue(tracking, "reply", "disclosed", access_route="本平台下载，2026年11月20日")
        desk.release(tracking, "低保资金发放明细.pdf", PDF)

        look_up("status-answered")
        # each letter and document is a list item with its own download button
        items = main_area(ui).get_by_role("listitem").filter(has=page.get_by_role("button"))
        reply = items.filter(has_text="答复书")
        expect(reply).to_contain_text("公开答")  # its number
        letter = ui.download(reply.get_by_role("button", name=re.compile("下载")))
        assert Path(letter.path()).read_bytes().startswith(b"%PDF")
        expect(page.get_by_role("heading", name="向您提供的政府信息")).to_be_visible()
        released = items.filter(has_text="低保资金发放明细.pdf")
        document = ui.download(released.get_by_role("button", name=re.compile("下载")))
        assert document.suggested_filename.endswith(".pdf")
        assert Path(document.path()).read_bytes() == PDF
        ui.finish()


# -- the officer, with the org admin ----------------------------------------------------------


def case_action(ui: Ui, action: str):
    """The form of one workflow action on the case page."""
    return ui.page.locator(f"#action-{action}")


class TestOfficer:
    @MODES
    def test_due_soon_accept_correct_extend_answer_and_reply(self, ui: Ui, site, browser):
        page = ui.page
        urgent = due_soon_case(site)
        case = file_case(site, site.today, name="孙七", description="请提供本市养老服务补贴标准")
        login(ui, site.staff["officer"])

        # the landing page sums up the cases: one due within three working days, named
        summary = main_area(ui).get_by_role("row", name=re.compile("^即将到期"))
        expect(summary.get_by_role("link")).to_have_text("1")
        expect(main_area(ui).get_by_role("link", name=urgent.tracking_number)).to_be_visible()
        ui.follow(summary.get_by_role("link"), "requests-due-soon")
        rows = main_area(ui).get_by_role("row")
        expect(rows.filter(has_text=urgent.tracking_number)).to_contain_text("即将到期")
        expect(rows.filter(has_text=case.tracking_number)).to_have_count(0)
        ui.nav("申请办理", "requests")
        row = main_area(ui).get_by_role("row").filter(has_text=case.tracking_number)
        expect(row).not_to_contain_text("即将到期")

        # a new case: accept it, ask for a correction, record the corrected request
        ui.follow(row.get_by_role("link", name=case.tracking_number), "case")
        ui.submit(case_action(ui, "accept").get_by_role("button"), "case-accepted")
        expect(main_area(ui).get_by_role("table").first).to_contain_text("办理中")
        form = case_action(ui, "request_correction")
        ui.fill(form.get_by_label("需要补正的内容"), "请写明所需文件的年度")
        ui.fill_date(form.get_by_label("补正期限"), (site.today + timedelta(days=10)).isoformat())
        ui.submit(form.get_by_role("button"), "case-correction")
        expect(main_area(ui).get_by_role("table").first).to_contain_text("请写明所需文件的年度")
        ui.submit(case_action(ui, "record_correction").get_by_role("button"), "case-corrected")

        # ask for an extension; the org admin approves it
        form = case_action(ui, "request_extension")
        ui.fill(form.get_by_label("延期理由"), "需要调取多个科室的档案")
        ui.submit(form.get_by_role("button"), "case-extension-asked")
        expect(main_area(ui)).to_contain_text("延期待批")
        desk = Desk(site, "officer")
        before = desk.case(case.tracking_number).due_on

        with open_ui(browser, ui.mode, site.base, ui.shots / "org-admin") as admin:
            login(admin, site.staff["org_admin"], "admin-login")
            admin.nav("申请办理", "admin-requests")
            row = main_area(admin).get_by_role("row").filter(has_text=case.tracking_number)
            expect(row).to_contain_text("延期待批")
            admin.follow(row.get_by_role("link", name=case.tracking_number), "admin-case")
            admin.submit(
                case_action(admin, "approve_extension").get_by_role("button"),
                "admin-case-approved",
            )
            expect(main_area(admin)).not_to_contain_text("延期待批")
            admin.finish()
        assert desk.case(case.tracking_number).due_on > before

        # answer, issue the reply (and download it)
        page.reload()
        ui.seen("case-extended")
        form = case_action(ui, "answer")
        ui.select(form.get_by_label("答复结果"), re.compile("^予以公开"))
        ui.fill(form.get_by_label("理由", exact=True), "属于可以公开的政府信息")
        ui.submit(form.get_by_role("button"), "case-answered")
        expect(main_area(ui).get_by_role("table").first).to_contain_text("已答复")
        reply = (
            main_area(ui)
            .locator("form")
            .filter(has=page.get_by_role("heading", name=re.compile("答复书")))
        )
        ui.fill(reply.get_by_label(re.compile("^提供方式")), "本平台下载")
        ui.submit(reply.get_by_role("button", name="签发并发送"), "case-replied")
        letters = (
            main_area(ui)
            .get_by_role("table")
            .filter(has=page.get_by_role("columnheader", name="SHA-256"))
        )
        expect(letters).to_contain_text("公开答")
        pdf = ui.download(letters.get_by_role("link", name="下载").first)
        assert Path(pdf.path()).read_bytes().startswith(b"%PDF")
        ui.finish()


# -- the city admin ---------------------------------------------------------------------------


class TestCityAdmin:
    @MODES
    def test_annual_reports_across_bodies(self, ui: Ui, site):
        # 咸阳市民政局 publishes its 2025 report (late: the date is November 2026)
        civil = site.organisation("civil_affairs")
        desk = Desk(site, "officer")
        desk.app.post(
            f"/officer/reports/{civil.code}/2025/publish",
            {"csrf_token": desk.app.csrf_token(), "lock_version": "1"},
            status=303,
        )
        assert site.count(AnnualReport) == 1

        login(ui, site.staff["city_admin"])
        ui.nav("年度报告", "reports")
        form = main_area(ui).locator("form").filter(has=ui.page.get_by_label("年度"))
        ui.fill(form.get_by_label("年度"), "2025")
        ui.submit(form.get_by_role("button", name="查看"), "reports-2025")
        table = main_area(ui).get_by_role("table")
        rows = table.locator("tbody").get_by_role("row")
        bodies = rows.count()
        assert bodies > 20  # every body of the city
        expect(rows.filter(has_text=CIVIL)).to_contain_text("已发布")
        expect(rows.filter(has_text="咸阳市公安局")).to_contain_text("已逾期")
        expect(main_area(ui)).to_contain_text("已发布 1")
        ui.follow(rows.filter(has_text=CIVIL).get_by_role("link", name=CIVIL), "report")
        expect(main_area(ui)).to_contain_text("第1版")
        ui.finish()


# -- narrow windows and 200% zoom ---------------------------------------------------------------

#: the public pages, and the application form, with the demo catalogue behind them
NARROW_PAGES = (
    "/",
    "/catalogue",
    "/search?q=%E5%85%AC%E5%BC%80",
    "/organisations",
    "/organisations/016000101",
    "/sections",
    "/released",
    "/requests/new",
)


@pytest.mark.parametrize(
    ("width", "height", "scale"),
    [(320, 640, 1), (640, 400, 2)],
    ids=["320px", "zoom-200"],  # a 1280 px window at 200% lays pages out in 640 CSS pixels
)
def test_public_pages_fit_a_320px_window_and_200_percent_zoom(browser, site, width, height, scale):
    site.import_items()
    context = browser.new_context(
        base_url=site.base,
        viewport={"width": width, "height": height},
        device_scale_factor=scale,
        locale="zh-CN",
    )
    try:
        page = context.new_page()
        too_wide = {}
        first_item = None
        for path in NARROW_PAGES:
            assert page.goto(path).status == 200, path
            over = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if over > 0:
                too_wide[path] = over
            if path == "/catalogue":
                # an item's own page: /catalogue/{index_number}
                first_item = page.locator("main a[href*='/catalogue/0']").first.get_attribute(
                    "href"
                )
        assert first_item
        page.goto(first_item)
        over = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if over > 0:
            too_wide[first_item] = over
    finally:
        context.close()
    assert too_wide == {}  # page → how many CSS pixels it scrolls sideways
