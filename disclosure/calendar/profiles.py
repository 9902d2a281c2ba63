"""Rule profiles: the statutory time limits as data (``catalog_schemas/profiles/*.yaml``).

``ogi-2019`` is the 2019 Regulations (the default); ``ogi-2008`` the 2008 ones, for old cases.
A broken file raises :class:`ProfileError` naming the file and the field.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml


class ProfileError(ValueError):
    """A profile file is missing or invalid."""


@dataclass(frozen=True)
class Profile:
    key: str
    name: str
    answer_days: int  # working days to answer, counted from the day after receipt
    answer_article: str
    extension_days: int  # at most this many working days, once
    extension_article: str
    correction_notice_days: int | None  # None: "tell the applicant once", no fixed day count
    correction_article: str
    consultation_days: int  # a consultation pauses the clock for at most this many working days
    consultation_article: str


_DAYS = ("answer_days", "extension_days", "consultation_days")
_NULLABLE_DAYS = ("correction_notice_days",)


def parse_profile(data: Any, where: str = "profile") -> Profile:
    if not isinstance(data, dict):
        raise ProfileError(f"{where}: 顶层必须是映射 (top level must be a mapping)")
    names = [f.name for f in fields(Profile)]
    unknown = sorted(set(map(str, data)) - set(names))
    if unknown:
        raise ProfileError(f"{where}: {unknown[0]}: 未知字段 (unknown field)")
    for name in names:
        if name not in data:
            raise ProfileError(f"{where}: {name}: 缺少此字段 (field missing)")
        value = data[name]
        if name in _DAYS or name in _NULLABLE_DAYS:
            if value is None and name in _NULLABLE_DAYS:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ProfileError(
                    f"{where}: {name}: 必须是正整数{'或 null' if name in _NULLABLE_DAYS else ''}"
                    f" (must be a positive integer{' or null' if name in _NULLABLE_DAYS else ''})"
                    f"，实际为 {value!r}"
                )
        elif not isinstance(value, str) or not value.strip():
            raise ProfileError(f"{where}: {name}: 必须是非空文本 (must be non-empty text)")
    return Profile(**{name: data[name] for name in names})


def load_profiles(directory: Path) -> dict[str, Profile]:
    """Every ``<key>.yaml`` in ``directory``, by key (the key must equal the file name)."""
    directory = Path(directory)
    paths = sorted(directory.glob("*.yaml"))
    if not paths:
        raise ProfileError(f"{directory}: 没有规则文件 (no profile files)")
    profiles: dict[str, Profile] = {}
    for path in paths:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise ProfileError(f"{path}: 无法解析 (cannot parse): {exc}") from None
        profile = parse_profile(data, str(path))
        if profile.key != path.stem:
            raise ProfileError(
                f"{path}: key: '{profile.key}' 与文件名不符 (key does not match the file name)"
            )
        profiles[profile.key] = profile
    return profiles
