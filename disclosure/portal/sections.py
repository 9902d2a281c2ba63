"""The sections of the 政府信息公开 column (``catalog_schemas/sections.yaml``): their order,
titles and descriptions, and which catalogue items the rules section lists. Pure: no Pyramid, no
database. A broken file raises :class:`~disclosure.catalogue.registry.SchemaError` naming the
file and the key, and start-up stops.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from .. import yamlfile
from ..catalogue.registry import SchemaError
from ..i18n import _
from ..law.proactive import parse_match, unknown_codes
from ..law.profiles import ProfileError

#: what each section shows is code (disclosure/portal/views.py); the file orders and names them
KEYS = ("guide", "rules", "proactive", "reports", "apply")
#: the sections that list catalogue items and so need ``match``
LISTS = ("rules",)


@dataclass(frozen=True)
class Section:
    """A section; its title and description are marked messages (the Chinese of the file,
    extracted by :mod:`disclosure.i18n.extract`): show them with ``|t``."""

    key: str
    title: str
    description: str
    match: tuple[Mapping[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class Sections:
    title: str  # the column's, e.g. 政府信息公开
    sections: tuple[Section, ...]
    source: str = ""

    def get(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    def __iter__(self):
        return iter(self.sections)

    def check_codes(self, known: Mapping[str, set[str]]) -> None:
        for section in self.sections:
            for j, name, code in unknown_codes(section.match, known):
                # i18n: a start-up error about catalog_schemas/, for the operators
                raise SchemaError(
                    f"{self.source}: sections.{section.key}.match[{j}].{name}: "
                    f"'{code}' 不是目录中的代码 (not a code of the catalogue)"
                )


def _text(data: dict, key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        # i18n: a start-up error about catalog_schemas/, for the operators
        raise SchemaError(f"{where}.{key}: 必须是非空文本 (must be non-empty text)")
    return value.strip()


def load_sections(path: str | Path) -> Sections:
    path = Path(path)
    where = str(path)
    try:
        data = yamlfile.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        # i18n: a start-up error about catalog_schemas/, for the operators
        raise SchemaError(f"{where}: 文件不存在 (file missing)") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        # i18n: a start-up error about catalog_schemas/, for the operators
        raise SchemaError(f"{where}: 无法解析 (cannot parse): {exc}") from None
    if not isinstance(data, dict):
        # i18n: a start-up error about catalog_schemas/, for the operators
        raise SchemaError(f"{where}: 顶层必须是映射 (top level must be a mapping)")
    title = _text(data, "title", where)
    raw = data.get("sections")
    if not isinstance(raw, list):
        # i18n: a start-up error about catalog_schemas/, for the operators
        raise SchemaError(f"{where}: sections: 必须是列表 (must be a list)")
    out: list[Section] = []
    for i, entry in enumerate(raw):
        here = f"{where}: sections[{i}]"
        if not isinstance(entry, dict):
            # i18n: a start-up error about catalog_schemas/, for the operators
            raise SchemaError(f"{here}: 必须是映射 (must be a mapping)")
        unknown = sorted(set(map(str, entry)) - {"key", "title", "description", "match"})
        if unknown:
            # i18n: a start-up error about catalog_schemas/, for the operators
            raise SchemaError(f"{here}.{unknown[0]}: 未知字段 (unknown field)")
        key = _text(entry, "key", here)
        if key not in KEYS:
            # i18n: a start-up error about catalog_schemas/, for the operators
            raise SchemaError(f"{here}.key: '{key}' 应为 {', '.join(KEYS)} 之一")
        if any(s.key == key for s in out):
            # i18n: a start-up error about catalog_schemas/, for the operators
            raise SchemaError(f"{here}.key: '{key}' 重复 (duplicate)")
        match: tuple = ()
        if key in LISTS:
            try:
                match = parse_match(entry.get("match"), f"{here}.match")
            except ProfileError as exc:
                raise SchemaError(str(exc)) from None
            if not match:
                # i18n: a start-up error about catalog_schemas/, for the operators
                raise SchemaError(f"{here}.match: 不能为空 (must not be empty)")
        elif "match" in entry:
            # i18n: a start-up error about catalog_schemas/, for the operators
            raise SchemaError(f"{here}.match: 只有 {', '.join(LISTS)} 列出目录条目")
        out.append(
            Section(
                key, _(_text(entry, "title", here)), _(_text(entry, "description", here)), match
            )
        )
    missing = [k for k in KEYS if k not in {s.key for s in out}]
    if missing:
        # i18n: a start-up error about catalog_schemas/, for the operators
        raise SchemaError(f"{where}: sections: 缺少栏目 (section missing) '{missing[0]}'")
    return Sections(_(title), tuple(out), where)
