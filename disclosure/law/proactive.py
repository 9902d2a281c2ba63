"""法定主动公开内容: the kinds of information the Regulations tell every agency to disclose
proactively (2019: Art. 20; 2008: Art. 10), one file per rule profile in
``catalog_schemas/proactive/<profile key>.yaml``, with which catalogue items belong to each kind.

Pure: no Pyramid, no database. :func:`load_proactive` reads and checks the files against the
profiles (one file per profile, no other); :meth:`ProactiveList.check_codes` checks the
catalogue codes the kinds name against the catalogue's own (the portal does it at start-up).
A broken file raises :class:`~.profiles.ProfileError` naming the file and the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .. import yamlfile
from .profiles import Profile, ProfileError

#: the catalogue fields a kind may match on (``match:``), each a list of codes
MATCH_FIELDS = ("category", "topic", "genre")
_TOP = ("profile", "article", "intro", "kinds")
_KIND = ("code", "item", "label", "match", "search")


@dataclass(frozen=True)
class ProactiveKind:
    """One item of the article: e.g. 第二十条第（一）项 行政法规、规章和规范性文件."""

    code: str  # stable, for URLs
    item: str  # e.g. 第（一）项
    label: str
    #: alternatives (any may hold), each {field: codes} (every field must hold)
    match: tuple[Mapping[str, tuple[str, ...]], ...]
    search: str = ""  # words to look the kind up with when no category holds it
    article: str = ""  # e.g. 第二十条 (the list's)

    @property
    def reference(self) -> str:
        """The article and item, e.g. 第二十条第（一）项."""
        return self.article + self.item


@dataclass(frozen=True)
class ProactiveList:
    """The kinds of one profile, in the article's order."""

    profile: Profile
    article: str
    intro: str
    kinds: tuple[ProactiveKind, ...]
    source: str = ""

    def kind(self, code: str) -> ProactiveKind | None:
        return next((k for k in self.kinds if k.code == code), None)

    @property
    def citation(self) -> str:
        """e.g. 《中华人民共和国政府信息公开条例》第二十条."""
        return self.profile.regulations + self.article

    def check_codes(self, known: Mapping[str, set[str]]) -> None:
        """Every code a kind matches on must be one of ``known[field]`` (the catalogue's)."""
        for i, kind in enumerate(self.kinds):
            for j, name, code in unknown_codes(kind.match, known):
                raise ProfileError(
                    f"{self.source}: kinds[{i}] ({kind.code}).match[{j}].{name}: "
                    f"'{code}' 不是目录中的代码 (not a code of the catalogue)"
                )


def unknown_codes(match, known: Mapping[str, set[str]]):
    """``(alternative, field, code)`` for each code of a ``match`` (alternatives of field →
    codes) that is not one of ``known[field]``."""
    for j, alternative in enumerate(match):
        for name, codes in alternative.items():
            for code in codes:
                if code not in known.get(name, set()):
                    yield j, name, code


def _text(data: dict, key: str, where: str, *, required: bool = True) -> str:
    value = data.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise ProfileError(f"{where}: {key}: 必须是非空文本 (must be non-empty text)")
    return value.strip()


def parse_match(value: Any, where: str) -> tuple[Mapping[str, tuple[str, ...]], ...]:
    if not isinstance(value, list):
        raise ProfileError(f"{where}: 必须是列表 (must be a list)")
    out = []
    for j, alternative in enumerate(value):
        here = f"{where}[{j}]"
        if not isinstance(alternative, dict) or not alternative:
            raise ProfileError(f"{here}: 必须是非空映射 (must be a non-empty mapping)")
        clean: dict[str, tuple[str, ...]] = {}
        for name, codes in alternative.items():
            if name not in MATCH_FIELDS:
                raise ProfileError(
                    f"{here}.{name}: 未知字段 (unknown field; one of {', '.join(MATCH_FIELDS)})"
                )
            if (
                not isinstance(codes, list)
                or not codes
                or not all(isinstance(c, str) and c for c in codes)
            ):
                raise ProfileError(f"{here}.{name}: 必须是代码列表 (must be a list of codes)")
            clean[name] = tuple(codes)
        out.append(clean)
    return tuple(out)


def parse_proactive(data: Any, profile: Profile, where: str) -> ProactiveList:
    if not isinstance(data, dict):
        raise ProfileError(f"{where}: 顶层必须是映射 (top level must be a mapping)")
    unknown = sorted(set(map(str, data)) - set(_TOP))
    if unknown:
        raise ProfileError(f"{where}: {unknown[0]}: 未知字段 (unknown field)")
    if data.get("profile") != profile.key:
        raise ProfileError(
            f"{where}: profile: 应为 '{profile.key}' (must name the profile of its file name)"
        )
    article = _text(data, "article", where)
    intro = _text(data, "intro", where)
    raw = data.get("kinds")
    if not isinstance(raw, list) or not raw:
        raise ProfileError(f"{where}: kinds: 必须是非空列表 (must be a non-empty list)")
    kinds: list[ProactiveKind] = []
    for i, entry in enumerate(raw):
        here = f"{where}: kinds[{i}]"
        if not isinstance(entry, dict):
            raise ProfileError(f"{here}: 必须是映射 (must be a mapping)")
        unknown = sorted(set(map(str, entry)) - set(_KIND))
        if unknown:
            raise ProfileError(f"{here}.{unknown[0]}: 未知字段 (unknown field)")
        code = _text(entry, "code", here)
        if not code.isascii() or not code.replace("_", "").isalnum() or code != code.lower():
            raise ProfileError(f"{here}.code: '{code}' 应为小写字母、数字和下划线")
        if any(k.code == code for k in kinds):
            raise ProfileError(f"{here}.code: '{code}' 重复 (duplicate)")
        if "match" not in entry:
            raise ProfileError(f"{here}.match: 缺少此字段 (field missing; [] for none)")
        match = parse_match(entry["match"], f"{here}.match")
        search = _text(entry, "search", here, required=not match)
        kinds.append(
            ProactiveKind(
                code=code,
                item=_text(entry, "item", here),
                label=_text(entry, "label", here),
                match=match,
                search=search,
                article=article,
            )
        )
    return ProactiveList(profile, article, intro, tuple(kinds), where)


def load_proactive(
    directory: str | Path, profiles: Mapping[str, Profile]
) -> dict[str, ProactiveList]:
    """``<profile key>.yaml`` in ``directory`` for every profile, by key; a profile without a
    file, or a file without a profile, stops start-up."""
    directory = Path(directory)
    out: dict[str, ProactiveList] = {}
    for key, profile in profiles.items():
        path = directory / f"{key}.yaml"
        try:
            data = yamlfile.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ProfileError(
                f"{path}: 文件不存在 (file missing: every profile lists its 法定主动公开内容)"
            ) from None
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise ProfileError(f"{path}: 无法解析 (cannot parse): {exc}") from None
        out[key] = parse_proactive(data, profile, str(path))
    extra = sorted(p.stem for p in directory.glob("*.yaml") if p.stem not in profiles)
    if extra:
        raise ProfileError(f"{directory / (extra[0] + '.yaml')}: 没有对应的规则 (no such profile)")
    return out
