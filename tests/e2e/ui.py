"""Driving the site as a person does: with the mouse, or with the keyboard alone (Tab to reach
a control, Enter or Space to use it, arrows in a radio group or a list box, typing to fill).

Every page a journey shows is checked where it stands (:meth:`Ui.seen`): axe-core in the page
(no serious or critical violation), at phone size no horizontal scrolling, no server error and
no script error; and a screenshot is saved. A page shown without that check is itself reported.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urldefrag

import axe_playwright_python
from playwright.sync_api import Browser, BrowserContext, Download, Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

# axe-core as bundled by the PyPI wrapper (axe-playwright-python): no network at test time.
AXE_SCRIPT = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
AXE_RUN = """async () => {
  const r = await axe.run(document, {resultTypes: ['violations']});
  return {version: r.testEngine.version, violations: r.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}))};
}"""
BLOCKING = ("serious", "critical")

# Elements wider than the window, for a readable report of horizontal scrolling.
WIDE = """() => {
  const w = window.innerWidth, out = [];
  for (const e of document.querySelectorAll('body *')) {
    const r = e.getBoundingClientRect();
    if (r.width && r.right > w + 1) {
      let p = e.parentElement, inside = false;
      for (; p; p = p.parentElement) if (p.getBoundingClientRect().right > w + 1) { inside = true; break; }
      // report the outermost elements only, and none inside a scrolling container
      if (!inside) out.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
        (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : '') +
        ' (' + Math.round(r.right) + ' px)');
    }
    if (out.length >= 5) break;
  }
  return {scroll: document.documentElement.scrollWidth, inner: w, wide: out};
}"""

# The focused element shows it: an outline or a box shadow (the focus ring).
FOCUS_SHOWN = """e => { const s = getComputedStyle(e);
  return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none'; }"""

SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 360, "height": 780}}
MAX_TABS = 400  # a control further than this from the focus is not reachable
CHOOSER_TRIES = 3  # presses of Space on a file field before it counts as not opening
CHOOSER_WAIT_MS = 5000  # for the file chooser after each


@dataclass(frozen=True)
class Mode:
    """How a journey is driven: the window size, and mouse or keyboard alone."""

    size: str  # desktop | phone
    keyboard: bool

    @property
    def id(self) -> str:
        return f"{self.size}-keyboard" if self.keyboard else self.size

    @property
    def phone(self) -> bool:
        return self.size == "phone"

    @property
    def audits(self) -> bool:
        """axe-core runs at desktop and phone size with the mouse; a keyboard run shows the
        same pages at the same size again, so it skips the audit (DISCLOSURE_E2E_AXE=all: not)."""
        return not self.keyboard or os.environ.get("DISCLOSURE_E2E_AXE") == "all"


MODES = {
    "desktop": Mode("desktop", False),
    "phone": Mode("phone", False),
    "keyboard": Mode("desktop", True),
    "phone-keyboard": Mode("phone", True),
}


_DATE_ORDER: dict[str, str] = {}


def date_field_order(context: BrowserContext) -> str:
    """The order of a date field's parts in this browser (mdy, dmy or ymd), found once by
    typing into one on a page of its own."""
    version = context.browser.version if context.browser else ""
    if version not in _DATE_ORDER:
        probe = context.new_page()
        try:
            probe.set_content('<input type="date" id="d">')
            probe.focus("#d")
            probe.keyboard.type("01022003")
            found = probe.input_value("#d")
        finally:
            probe.close()
        _DATE_ORDER[version] = {"2003-01-02": "mdy", "2003-02-01": "dmy"}.get(found, "ymd")
    return _DATE_ORDER[version]


@contextmanager
def open_ui(browser: Browser, mode: Mode, base_url: str, shots: Path) -> Iterator[Ui]:
    """A fresh browser context (no cookies) at the mode's size, with axe-core loaded in every
    page; its screenshots go to ``shots``."""
    context = browser.new_context(
        base_url=base_url,
        viewport=SIZES[mode.size],
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        accept_downloads=True,
    )
    ui = None
    try:
        context.add_init_script(AXE_SCRIPT)
        context.set_default_timeout(10_000)
        shots.mkdir(parents=True, exist_ok=True)
        ui = Ui(context.new_page(), mode, shots)
        yield ui
    finally:
        if ui is not None and ui.problems and not ui.finished:  # stopped early: say what it saw
            print(f"before it stopped, the journey ({mode.id}) found:", *ui.problems, sep="\n")
        context.close()


def _bare(url: str) -> str:
    return urldefrag(url)[0]


class Ui:
    """One browser page driven in ``mode``; screenshots go to ``shots``."""

    def __init__(self, page: Page, mode: Mode, shots: Path) -> None:
        self.page = page
        self.mode = mode
        self.shots = shots
        self.problems: list[str] = []  # what the checks found, page by page
        self.checked: list[str] = []  # the pages checked, in order
        self._shown: list[str] = []  # pages shown since the last check
        self.finished = False
        self._count = 0
        page.on("framenavigated", self._navigated)
        page.on("pageerror", lambda exc: self.problems.append(f"script error on {page.url}: {exc}"))
        page.on("response", self._response)

    # -- what the journey sees ------------------------------------------------------------

    def _navigated(self, frame) -> None:
        if frame == self.page.main_frame and frame.url.startswith("http"):
            self._shown.append(_bare(frame.url))

    def _response(self, response) -> None:
        if response.status >= 500:
            self.problems.append(
                f"HTTP {response.status} for {response.request.method} {response.url}"
            )

    def goto(self, path: str, name: str) -> None:
        """Open a page by its address (typed, bookmarked or followed from a mail)."""
        self.page.goto(path)
        self.seen(name)

    def seen(self, name: str) -> None:
        """Check the page now shown and keep a screenshot of it."""
        page = self.page
        page.wait_for_load_state("load")
        url = _bare(page.url)
        self.problems.extend(f"{u}: shown but never checked" for u in self._shown if u != url)
        self._shown = []
        self._count += 1
        label = f"{self._count:02d}-{name}"
        self.checked.append(f"{label} {url}")
        result = page.evaluate(AXE_RUN) if self.mode.audits else {"violations": []}
        for v in result["violations"]:
            if v["impact"] in BLOCKING:
                where = "; ".join(n["target"] for n in v["nodes"][:4])
                more = f" (+{len(v['nodes']) - 4})" if len(v["nodes"]) > 4 else ""
                self.problems.append(
                    f"{label} {url}: axe {v['impact']} {v['id']}: {v['help']} — {where}{more}"
                )
        if self.mode.phone:
            width = page.evaluate(WIDE)
            if width["scroll"] > width["inner"]:
                self.problems.append(
                    f"{label} {url}: scrolls sideways at {width['inner']} px "
                    f"(scrollWidth {width['scroll']}): {', '.join(width['wide'])}"
                )
        page.screenshot(path=self.shots / f"{label}.png")

    def finish(self) -> None:
        """Fail with every problem found, page by page."""
        last = self.checked[-1].split(" ", 1)[1] if self.checked else None
        self.problems.extend(f"{u}: shown but never checked" for u in self._shown if u != last)
        self._shown = []
        self.finished = True
        assert not self.problems, "\n".join(
            [f"{len(self.problems)} problem(s) in the journey ({self.mode.id}):", *self.problems]
        )

    # -- acting ---------------------------------------------------------------------------

    def focus(self, target: Locator) -> None:
        """Keyboard: press Tab until ``target`` has the focus (it must be reachable)."""
        target.wait_for(state="attached")
        handle = target.element_handle()
        for _ in range(MAX_TABS):
            if handle.evaluate("e => e === document.activeElement"):
                break
            self.page.keyboard.press("Tab")
        else:
            raise AssertionError(f"{target} cannot be reached with the Tab key")
        if not handle.evaluate(FOCUS_SHOWN):
            self.problems.append(f"{self.page.url}: no visible focus indicator on {target}")

    def click(self, target: Locator) -> None:
        """Follow a link or press a button."""
        if self.mode.keyboard:
            self.focus(target)
            self.page.keyboard.press("Enter")
        else:
            target.click()

    def fill(self, target: Locator, text: str) -> None:
        if self.mode.keyboard:
            self.focus(target)
            self.page.keyboard.press("ControlOrMeta+a")
            self.page.keyboard.press("Delete")
            self.page.keyboard.insert_text(text)  # as an input method gives it
        else:
            target.fill(text)
        assert target.input_value() == text, f"{target} holds {target.input_value()!r}"

    def fill_date(self, target: Locator, day: str) -> None:
        """A date field (ISO ``day``): with the keyboard, its parts typed in the order the
        browser's date field has them (its locale's: month/day/year, day/month/year or
        year/month/day)."""
        if not self.mode.keyboard:
            target.fill(day)
        else:
            year, month, date = day.split("-")
            self.focus(target)
            order = date_field_order(self.page.context)
            if order == "ymd":
                self.page.keyboard.type(year)
                self.page.keyboard.press("ArrowRight")  # a year may have up to six digits
                self.page.keyboard.type(month + date)
            else:
                self.page.keyboard.type((month + date if order == "mdy" else date + month) + year)
        assert target.input_value() == day, f"{target} holds {target.input_value()!r}"

    def tick(self, target: Locator) -> None:
        """Tick a checkbox."""
        if self.mode.keyboard:
            self.focus(target)
            self.page.keyboard.press("Space")
        else:
            target.check()
        assert target.is_checked()

    def choose(self, target: Locator) -> None:
        """Choose a radio button: with the keyboard, Tab into its group, then arrows."""
        if not self.mode.keyboard:
            target.check()
            return
        name = target.get_attribute("name")
        handle = target.element_handle()
        for _ in range(MAX_TABS):
            if self.page.evaluate(
                "n => document.activeElement && document.activeElement.name === n", name
            ):
                break
            self.page.keyboard.press("Tab")
        else:
            raise AssertionError(f"the radio group {name} cannot be reached with the Tab key")
        for _ in range(20):
            if handle.evaluate("e => e === document.activeElement"):
                break
            self.page.keyboard.press("ArrowRight")
        self.page.keyboard.press("Space")
        assert target.is_checked(), f"{target} is not chosen"

    def select(self, target: Locator, label: str | re.Pattern) -> None:
        """Choose the first option of a list box whose text (stripped) is ``label``, or
        matches it (a pattern)."""
        options = [t.strip() for t in target.locator("option").all_text_contents()]
        matches = [
            i
            for i, text in enumerate(options)
            if (label.search(text) if isinstance(label, re.Pattern) else text == label)
        ]
        assert matches, f"{target} has no option {label!r}: {options}"
        wanted = matches[0]
        if not self.mode.keyboard:
            target.select_option(index=wanted)
        else:
            self.focus(target)
            now = target.evaluate("e => e.selectedIndex")
            key = "ArrowDown" if wanted > now else "ArrowUp"
            for _ in range(abs(wanted - now)):
                self.page.keyboard.press(key)
        assert target.evaluate("e => e.selectedIndex") == wanted, f"{target}: not {label!r}"

    def upload(self, target: Locator, path: Path) -> None:
        """A file field: with the keyboard, Space opens the file chooser, which gets ``path``."""
        if self.mode.keyboard:
            # Chromium now and then lets a Space pressed on a file field go without opening the
            # chooser (seen once in a loaded CI run): the same key again, up to CHOOSER_TRIES
            for attempt in range(1, CHOOSER_TRIES + 1):
                self.focus(target)
                try:
                    with self.page.expect_file_chooser(timeout=CHOOSER_WAIT_MS) as chooser:
                        self.page.keyboard.press("Space")
                    break
                except PlaywrightTimeoutError:
                    if attempt == CHOOSER_TRIES:
                        raise
            chooser.value.set_files(path)
        else:
            target.set_input_files(path)

    def download(self, target: Locator) -> Download:
        with self.page.expect_download() as got:
            self.click(target)
        return got.value

    def submit(self, target: Locator, name: str) -> None:
        """Press a form's button and check the page it leads to."""
        with self.page.expect_navigation():
            self.click(target)
        self.seen(name)

    def follow(self, target: Locator, name: str) -> None:
        """Follow a link and check the page it leads to."""
        self.submit(target, name)

    def unfold(self, summary_text: str) -> None:
        """Open a folded section (``<details>``, e.g. the facets behind "筛选" on a phone) by
        its summary, where the page folds it; nothing where it is open or not folded."""
        summary = self.page.locator("details:not([open]) > summary").filter(has_text=summary_text)
        if summary.count() and summary.first.is_visible():
            self.click(summary.first)
            expect(summary).to_have_count(0)

    def nav(self, link_name: str, name: str) -> None:
        """Follow a link of the site's menu (opening the menu first where a phone folds it)."""
        header = self.page.locator("header").first
        link = header.get_by_role("link", name=link_name, exact=True)
        if not link.is_visible():
            toggle = header.get_by_role("button", name=re.compile("菜单|导航|Menu"))
            if toggle.count():
                self.click(toggle.first)
        self.follow(link, name)
