"""How a request ends (``catalog_schemas/outcomes.yaml``): the outcomes of an answer, the grounds
for withholding and the closures that are not an answer, each with its annual-report row; and
the answers to a correction of records (更正申请, Art. 41), which the report's table 三 does not
count (their ``report_row`` is "").

Their legal basis differs between versions of the Regulations, so it lives in the rule profiles
(``outcomes:``, ``grounds:``, ``closures:`` in ``catalog_schemas/profiles/*.yaml``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .. import yamlfile
from ..catalogue.registry import SchemaError


@dataclass(frozen=True)
class Outcome:
    code: str
    label: str
    report_row: str
    reasons: bool = False
    grounds: bool = False


@dataclass(frozen=True)
class Ground:
    code: str
    label: str
    row: str


@dataclass(frozen=True)
class Outcomes:
    outcomes: dict[str, Outcome]
    grounds: dict[str, Ground]
    closures: dict[str, Outcome]
    # the answers to a correction of records (request_kind "record_correction")
    record_corrections: dict[str, Outcome] = field(default_factory=dict)

    def find(self, code: str) -> Outcome | None:
        """An outcome, closure or record-correction answer by its code (codes are unique)."""
        return (
            self.outcomes.get(code) or self.closures.get(code) or self.record_corrections.get(code)
        )

    def report_row(self, outcome: str, ground: str = "") -> str:
        """The annual-report row, e.g. 三（三）4 for 不予公开 to protect a third party; "" for
        the answer to a correction of records (not counted in table 三)."""
        found = self.find(outcome)
        if found is None:
            raise KeyError(outcome)
        if found.grounds and found.code == "not_disclosed" and ground:
            return found.report_row + self.grounds[ground].row
        return found.report_row


def load_outcomes(root: str | Path) -> Outcomes:
    path = Path(root) / "outcomes.yaml"
    where = "catalog_schemas/outcomes.yaml"
    try:
        data = yamlfile.safe_load(path.read_text(encoding="utf-8"))
        outcomes = {o["code"]: Outcome(**o) for o in data["outcomes"]}
        grounds = {g["code"]: Ground(**g) for g in data["grounds"]}
        closures = {code: Outcome(code=code, **fields) for code, fields in data["closures"].items()}
        corrections = {o["code"]: Outcome(**o) for o in data.get("record_corrections") or []}
    except FileNotFoundError:
        raise SchemaError(f"{where}: 文件不存在 (file missing)") from None
    except (yaml.YAMLError, KeyError, TypeError) as exc:
        raise SchemaError(f"{where}: 格式错误 (invalid): {exc!r}") from None
    for o in outcomes.values():
        if not o.report_row.startswith("三（"):
            raise SchemaError(f"{where}: outcome {o.code}: report_row 必填")
    for o in corrections.values():
        if o.report_row or o.grounds:
            raise SchemaError(
                f"{where}: record_corrections.{o.code}: 更正申请不计入年报表三，report_row 应为空，"
                f"且不设 grounds (not counted in table 三)"
            )
    seen: dict[str, str] = {}
    for section, codes in (
        ("outcomes", outcomes),
        ("closures", closures),
        ("record_corrections", corrections),
    ):
        for code in codes:
            if code in seen:
                raise SchemaError(
                    f"{where}: {section}.{code}: 与 {seen[code]} 中的代码重复 (codes must be "
                    f"unique across sections)"
                )
            seen[code] = section
    return Outcomes(outcomes, grounds, closures, corrections)
