"""Table 三 of the annual report's PDF as a PNG picture, for the documentation (docs/reports/).

``python -m bench.report_pages [--config development.ini] [--org 016000102] [--year 2025]
[--out docs/reports]`` computes table 三 (收到和处理政府信息公开申请情况) of that organisation's
report from the database of the config (after ``make run``: the demo's 咸阳市民政局, 2025), or,
with ``--sample``, fills it with sample figures (every column used, the identity
一 + 二 = 三（七） + 四 holding); it sets it with the application's own PDF code (``disclosure.reports.pdf``, the same
table, styles and embedded CJK font as the report) on one A4 page, and writes that page with
``pdftoppm -png -r 100 -f 1 -l 1`` (Debian package poppler-utils) as ``table3.png``.
"""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer

from disclosure.letters.fonts import register_font
from disclosure.reports.compute import TABLE3_COLUMNS, TABLE3_ROWS
from disclosure.reports.pdf import _p, _styles, table3
from disclosure.reports.tables import TABLE3_TITLE

ROOT = Path(__file__).resolve().parent.parent
TITLE = "咸阳市民政局2025年政府信息公开工作年度报告（示例）"

# (row, natural_person, commercial, research, public_interest, legal_services, other)
SAMPLE: dict[str, tuple[int, ...]] = {
    "一": (86, 9, 2, 3, 4, 1),
    "二": (5, 1, 0, 0, 0, 0),
    "三（一）": (31, 4, 1, 1, 2, 0),
    "三（二）": (12, 2, 0, 1, 1, 0),
    "三（三）1": (1, 0, 0, 0, 0, 0),
    "三（三）4": (3, 1, 0, 0, 0, 0),
    "三（三）6": (2, 0, 0, 0, 0, 0),
    "三（四）1": (14, 1, 1, 0, 0, 1),
    "三（四）2": (4, 0, 0, 0, 0, 0),
    "三（四）3": (2, 0, 0, 0, 0, 0),
    "三（五）1": (6, 0, 0, 0, 0, 0),
    "三（五）2": (3, 0, 0, 0, 0, 0),
    "三（六）1": (2, 0, 0, 0, 0, 0),
    "三（六）2": (1, 0, 0, 0, 0, 0),
    "三（六）3": (1, 0, 0, 0, 0, 0),
    "四": (9, 2, 0, 1, 1, 0),
}


def sample_rows() -> dict[str, dict[str, int]]:
    """The sample as table 三's ``rows``, with 三（七） and the totals computed."""
    rows = {row: dict.fromkeys(TABLE3_COLUMNS, 0) for row in TABLE3_ROWS}
    for row, values in SAMPLE.items():
        rows[row].update(zip(TABLE3_COLUMNS[:-1], values, strict=True))
    results = TABLE3_ROWS[2:-2]
    for col in TABLE3_COLUMNS[:-1]:
        rows["三（七）"][col] = sum(rows[row][col] for row in results)
    for row in TABLE3_ROWS:
        rows[row]["total"] = sum(rows[row][col] for col in TABLE3_COLUMNS[:-1])
    for col in TABLE3_COLUMNS:
        left = rows["一"][col] + rows["二"][col]
        right = rows["三（七）"][col] + rows["四"][col]
        assert left == right, f"the sample breaks the identity in {col}: {left} != {right}"
    return rows


def demo_rows(config: str, code: str, year: int) -> tuple[str, dict[str, dict[str, int]]]:
    """The title and table 三 of ``code``'s live report for ``year``, from the config's database."""
    from pyramid.paster import get_appsettings
    from sqlalchemy import select

    from disclosure import models
    from disclosure import settings as s
    from disclosure.models import Organisation
    from disclosure.reports.compute import compute_report

    settings = get_appsettings(config)
    engine = models.get_engine(s.get(settings, "database_url"))
    with models.get_session_factory(engine)() as db:
        org = db.scalars(select(Organisation).where(Organisation.code == code)).one()
        figures = compute_report(db, [org], year)
        title = f"{org.name}{year}年政府信息公开工作年度报告"
        return title, figures.as_json()["table3"]["rows"]


def table3_pdf(title: str = TITLE, rows: dict | None = None) -> bytes:
    font = register_font()
    st = _styles(font)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=title,
    )
    doc.build(
        [
            _p(title, st["title"]),
            Spacer(1, 2 * mm),
            _p(TABLE3_TITLE, st["h"]),
            table3({"rows": rows or sample_rows()}, st, font),
        ]
    )
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "reports"))
    parser.add_argument("--config", default=str(ROOT / "development.ini"))
    parser.add_argument("--org", default="016000102")  # 咸阳市民政局
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--sample", action="store_true", help="sample figures, no database")
    args = parser.parse_args(argv)
    if args.sample:
        title, rows = TITLE, sample_rows()
    else:
        title, rows = demo_rows(args.config, args.org, args.year)
    if shutil.which("pdftoppm") is None:
        print("pdftoppm not found: apt-get install poppler-utils", file=sys.stderr)
        return 1
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "table3.pdf"
        pdf.write_bytes(table3_pdf(title, rows))
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "100",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(pdf),
                str(Path(tmp) / "table3"),
            ],
            check=True,
        )
        shutil.copy(Path(tmp) / "table3.png", out / "table3.png")
    print(out / "table3.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
