"""Page 1 of sample letters as PNG pictures, for the documentation (docs/letters/).

``python -m bench.letter_pages [--out docs/letters]`` fills the templates in
``catalog_schemas/letters/`` with sample data under the 2019 rules, builds each PDF with the
application's builder and writes page 1 with ``pdftoppm -png -r 60 -f 1 -l 1`` (Debian package
poppler-utils). The pictures: the extension notice (original and new deadline, the approved
reason), replies that need officer input (access route, referral), an Art. 39 告知书, the
acknowledgement of a 3,000-character description (one page, quoted short) and, where its
template exists, the letter consulting another agency.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

from disclosure.law import load_law
from disclosure.letters.builders import build_from_template
from disclosure.letters.fonts import register_font
from disclosure.letters.templates import letter_number, load_templates

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "catalog_schemas"
STATUS_URL = "https://xxgk.xianyang.gov.cn/requests/status?tracking_number=YS2026-7K3M-Q9PX-4HTD"

LONG_DESCRIPTION = (
    "2020年至2025年本市各区县城乡最低生活保障资金的发放明细、审批花名册、复核记录及资金拨付凭证，"
    * 70
)[:3000]

# name → (letter type, variant, values beyond the common ones)
SAMPLES: dict[str, tuple[str, str | None, dict]] = {
    "extension-notice": (
        "extension",
        None,
        {
            "due_on": date(2026, 12, 18),
            "new_due_on": date(2027, 1, 19),
            "extension_days": "20",
            "reasons": "所申请的信息分散保存于市档案馆和三个县区，需逐一调取、核对",
        },
    ),
    "reply-disclosed": (
        "reply",
        "disclosed",
        {
            "access_route": "已将所申请的信息上传至本平台，请凭追踪号和查询码在“查询申请办理进度”页面"
            "下载（共2件）；如需纸质件，请于工作日到咸阳市民政局政务服务窗口领取。",
        },
    ),
    "reply-referral": (
        "reply",
        "not_ours",
        {
            "reasons": "您申请的城乡医疗救助资金拨付明细由咸阳市医疗保障局制作并保存，不属于我机关负责公开的政府信息。",
            "referral": "咸阳市医疗保障局，地址：咸阳市秦都区人民西路10号，政府信息公开咨询电话：029-33270000",
        },
    ),
    "notice-petition": (
        "reply",
        "petition",
        {
            "description": "要求查处某社区工作人员在低保审核中优亲厚友的问题",
            "access_route": "咸阳市民政局信访接待室（咸阳市秦都区人民东路1号，电话029-33210001），"
            "或登录陕西省网上信访信息系统提出。",
        },
    ),
    "acknowledgement-long-description": (
        "acknowledgement",
        None,
        {"description": LONG_DESCRIPTION, "due_on": date(2026, 12, 18)},
    ),
    "agency-consultation": (
        "agency_consultation",
        None,
        {"consulted_agency": "咸阳市财政局", "third_party": "咸阳市财政局"},
    ),
    "correction-notice": (
        "correction",
        None,
        {
            "correction_items": [
                "1. 请写明所需信息的年度。",
                "2. 请写明所需信息涉及的县（市、区）。",
            ],
            "correction_deadline": date(2026, 12, 4),
        },
    ),
    "third-party-consultation": (
        "third_party",
        None,
        {"third_party": "咸阳市某社会救助服务中心"},
    ),
    "fee-notice": (
        "fee_notice",
        None,
        {
            "fee_method": "按量计收",
            "fee_amount": "700",
            "fee_lines": "第1至30页，30页，不收费；第31至100页，70页×10元＝700元；合计700元",
            "payment_method": "咸阳市非税收入管理局，开户行：中国工商银行咸阳分行，"
            "账号：2704 0000 0000 0000 000；或到咸阳市民政局政务服务窗口缴纳",
        },
    ),
    "excessive-reasons": (
        "excessive_reasons",
        None,
        {"reasons_deadline": date(2026, 12, 11)},
    ),
    "later-date": (
        "later_date",
        None,
        {
            "due_on": date(2026, 12, 18),
            "later_due_on": date(2027, 2, 26),
            "reasons_given": "您于2026年12月3日说明了申请理由",
        },
    ),
    "reply-registers": (
        "reply",
        "registers",
        {
            "description": "某公司的股东及出资情况",
            "referral": "咸阳市市场监督管理局企业登记档案查询窗口（咸阳市秦都区渭阳西路1号），"
            "或登录国家企业信用信息公示系统查询",
        },
    ),
    "record-correction-reply": (
        "record_correction_reply",
        "record_corrected",
        {
            "description": "更正本人2025年度城乡低保审批记录中登记错误的家庭人口数",
            "reasons": "经核对户籍登记材料，原记录中家庭人口数登记有误，已更正为4人。",
        },
    ),
}


def common_values(law) -> dict:
    profile = law.profile("ogi-2019")
    return {
        **profile.values(deadline="2026年12月14日"),
        "agency": "咸阳市民政局",
        "agency_short": "咸民",
        "applicant": "张三",
        "received_on": date(2026, 11, 20),
        "tracking_number": "YS2026-7K3M-Q9PX-4HTD",
        "description": "2025年度城乡最低生活保障资金发放明细",
        "application": "政府信息公开申请",
        "request_verb": "申请获取",
        "request_object": "的信息",
        "reconsideration_body": "咸阳市人民政府",
        "document_number": "无",
        "index_number": "无",
        "due_on": date(2026, 12, 18),
    }


def build_samples(out: Path) -> list[Path]:
    law = load_law(SCHEMAS)
    templates = load_templates(SCHEMAS / "letters", law.outcomes)
    font = register_font(None)
    profile = law.profile("ogi-2019")
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, (kind, variant, extra) in SAMPLES.items():
            if kind not in templates:
                print(f"skipped {name}: no {kind} template", file=sys.stderr)
                continue
            values = {**common_values(law), **extra}
            if kind in ("reply", "record_correction_reply"):
                values["legal_basis"] = profile.legal_basis(variant)
            pdf = build_from_template(
                templates[kind],
                variant,
                values,
                font=font,
                issued_on=date(2026, 11, 27),
                number=letter_number("咸民", templates[kind].number_prefix, 2026, 7),
                status_url=STATUS_URL,
            )
            source = Path(tmp) / f"{name}.pdf"
            source.write_bytes(pdf)
            target = out / name
            subprocess.run(
                [
                    "pdftoppm",
                    "-png",
                    "-r",
                    "60",
                    "-f",
                    "1",
                    "-l",
                    "1",
                    "-singlefile",
                    str(source),
                    str(target),
                ],
                check=True,
            )
            written.append(target.with_suffix(".png"))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "letters"))
    args = parser.parse_args(argv)
    if shutil.which("pdftoppm") is None:
        print("pdftoppm not found: apt-get install poppler-utils", file=sys.stderr)
        return 1
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for path in build_samples(out):
        print(f"{path} ({path.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
