"""How fast reply letters are built, and a picture of one.

``python -m bench.letters`` builds N reply letters (outcome ``not_disclosed``, with a realistic
300-character statement of reasons) one after another in this process, three times, and
prints the median rate in letters per second. Each letter is filled in from the template and
built into a PDF (``disclosure.letters.builders.build_from_template``); the font is registered
and the templates loaded once, before timing, as the app does at start-up.

``--png PATH`` also writes page 1 of a sample letter as a PNG (``pdftoppm -png -r 80
-singlefile``, Debian package poppler-utils); ``--pdf PATH`` writes the sample PDF.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from disclosure.law import load_law
from disclosure.letters.builders import build_from_template
from disclosure.letters.fonts import register_font
from disclosure.letters.templates import letter_number, load_templates

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "catalog_schemas"

REASONS = (
    "您申请公开的《2025年度城乡最低生活保障对象审批花名册》载有低保对象的姓名、公民身份号码、"
    "家庭住址、家庭成员构成、收入及财产状况等信息，属于个人隐私。我机关已于2026年11月5日依照"
    "《中华人民共和国政府信息公开条例》第三十二条的规定书面征求相关低保对象的意见，相关第三方均"
    "明确表示不同意公开。经综合考量，不公开上述信息不会对公共利益造成重大影响，故对上述信息不予"
    "公开。您如需了解我市低保政策及资金总体发放情况，可以登录咸阳市人民政府门户网站“政府信息"
    "公开”栏目，查阅我机关已主动公开的《咸阳市民政局关于2025年度城乡最低生活保障资金使用情况的"
    "公告》，或者在工作日到咸阳市民政局政务服务窗口查阅。"
)


def sample_values(serial: int) -> dict:
    law = load_law(SCHEMAS)
    profile = law.profile("ogi-2019")
    ground = law.grounds["third_party"]
    return {
        **profile.values(deadline="2026年12月14日"),
        "legal_basis": profile.legal_basis("not_disclosed", "third_party"),
        "agency": "咸阳市民政局",
        "agency_short": "咸民",
        "applicant": "张三",
        "received_on": date(2026, 10, 26),
        "tracking_number": f"XY-2026-{serial:06d}",
        "description": "2025年度城乡最低生活保障对象审批花名册",
        "reasons": REASONS,
        "ground_label": ground.label,
        "ground_article": profile.ground_article("third_party"),
        "reconsideration_body": "咸阳市人民政府",
    }


def build_one(templates, font: str, serial: int, values: dict) -> bytes:
    values = dict(values, tracking_number=f"XY-2026-{serial:06d}")
    return build_from_template(
        templates["reply"],
        "not_disclosed",
        values,
        font=font,
        issued_on=date(2026, 11, 20),
        number=letter_number("咸民", templates["reply"].number_prefix, 2026, serial),
        status_url=f"https://xxgk.xianyang.gov.cn/requests/{values['tracking_number']}",
    )


def write_png(pdf: bytes, path: Path) -> None:
    pdftoppm = shutil.which("pdftoppm")
    if not pdftoppm:
        sys.exit("letters: pdftoppm not found (apt-get install -y poppler-utils)")
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "letter.pdf"
        source.write_bytes(pdf)
        prefix = path.with_suffix("") if path.suffix == ".png" else path
        subprocess.run(
            [pdftoppm, "-png", "-r", "80", "-singlefile", "-f", "1", "-l", "1", source, prefix],
            check=True,
        )
    print(f"letters: page 1 written to {prefix.with_suffix('.png')}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200, help="letters per run (default 200)")
    parser.add_argument("--runs", type=int, default=3, help="runs; the median is reported")
    parser.add_argument("--font", help="TrueType font file (default: WenQuanYi Zen Hei)")
    parser.add_argument("--png", type=Path, help="write page 1 of a sample letter here")
    parser.add_argument("--pdf", type=Path, help="write the sample letter here")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    font = register_font(args.font)
    templates = load_templates(SCHEMAS / "letters", load_law(SCHEMAS).outcomes)
    values = sample_values(1)
    sample = build_one(templates, font, 1, values)
    print(
        f"letters: start-up (font, templates, first letter) {time.perf_counter() - started:.3f} s;"
        f" reasons {len(REASONS)} characters; font {font}"
    )

    rates = []
    for run in range(1, args.runs + 1):
        size = 0
        t0 = time.perf_counter()
        for serial in range(1, args.n + 1):
            size += len(build_one(templates, font, serial, values))
        elapsed = time.perf_counter() - t0
        rates.append(args.n / elapsed)
        print(
            f"letters: run {run}: {args.n} letters in {elapsed:.2f} s = {rates[-1]:.1f} letters/s"
            f" ({elapsed / args.n * 1000:.1f} ms each, {size / args.n / 1024:.1f} KiB each)"
        )
    print(f"letters: median {statistics.median(rates):.1f} letters/s (reply, not_disclosed)")

    if args.pdf:
        args.pdf.parent.mkdir(parents=True, exist_ok=True)
        args.pdf.write_bytes(sample)
        print(f"letters: sample written to {args.pdf}")
    if args.png:
        write_png(sample, args.png)


if __name__ == "__main__":
    main()
