"""Checks of Chinese identity numbers: pure functions.

- 18-digit resident identity number (GB 11643-1999): ISO 7064 MOD 11-2 check character.
- Unified social credit code (GB 32100-2015): 18 characters, its own MOD 31 check character.
"""

from __future__ import annotations

import re
from datetime import date

from ..i18n import _

RESIDENT_ID_RE = re.compile(r"^\d{17}[\dX]$")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"

CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, Z, S, V
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
CREDIT_RE = re.compile(rf"^[{CREDIT_CHARS}]{{18}}$")


def resident_id_check_char(first17: str) -> str:
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def resident_id_problem(value: str) -> str | None:
    """None if valid, else a message (marked for translation)."""
    value = value.strip().upper()
    if not RESIDENT_ID_RE.match(value):
        return _("居民身份证号码应为18位，最后一位可以是数字或X")
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return _("居民身份证号码中的出生日期无效")
    if born.year < 1900:
        return _("居民身份证号码中的出生日期无效")
    if resident_id_check_char(value[:17]) != value[17]:
        return _("居民身份证号码校验位不正确，请核对")
    return None


def credit_code_check_char(first17: str) -> str:
    total = sum(CREDIT_CHARS.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARS[(31 - total % 31) % 31]


def credit_code_problem(value: str) -> str | None:
    value = value.strip().upper()
    if not CREDIT_RE.match(value):
        return _("统一社会信用代码应为18位数字或大写字母（不含I、O、Z、S、V）")
    if credit_code_check_char(value[:17]) != value[17]:
        return _("统一社会信用代码校验位不正确，请核对")
    return None


def mask(value: str, keep_start: int = 3, keep_end: int = 2) -> str:
    """For officer lists: 610402********1234 style masking of identifiers."""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]
