"""The law in one place: the rule profiles and the outcome table, read from ``catalog_schemas/``.

Workflow, deadlines, mail, pages and letters ask this package for every article, day count and
sentence of the rules; none of them repeats one. Pure: no Pyramid, no database.

- :class:`Law` (from :func:`load_law`): the outcome table (:class:`~.outcomes.Outcomes`: labels,
  report rows) together with the profiles; :meth:`Law.profile_for` picks the profile in force
  on the day an application was received (``effective_from``), :meth:`Law.profile` by key.
  :meth:`Law.report_deadline` gives when a body's annual report falls due (``annual_report:``
  of the profile in force when it falls due).
- :class:`~.profiles.Profile`: one version of the Regulations: day counts
  (``answer_days`` …, ``consultation_days`` None = no cap), ``article(step)``,
  ``outcome_article(code)``, ``ground_article(code)``, ``cite(...)``, ``legal_basis(...)``,
  ``wording(key)`` and ``values()`` (every placeholder a letter may take from the law).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .outcomes import Ground, Outcome, Outcomes, load_outcomes
from .profiles import PLACEHOLDERS, STEPS, Profile, ProfileError, ReportDue, load_profiles

__all__ = [
    "PLACEHOLDERS",
    "STEPS",
    "Ground",
    "Law",
    "Outcome",
    "Outcomes",
    "Profile",
    "ProfileError",
    "ReportDeadline",
    "ReportDue",
    "load_law",
    "load_outcomes",
    "load_profiles",
]


@dataclass(frozen=True)
class ReportDeadline:
    """When one organisation's annual report for one year falls due, and under which rule."""

    year: int  # the year the report covers
    due_on: date  # in the next year
    article: str  # e.g. the article of the Regulations that sets the date
    regulations: str  # the title of the Regulations, to cite the article

    @property
    def citation(self) -> str:
        return self.regulations + self.article


@dataclass(frozen=True)
class Law(Outcomes):
    """The outcome table and the rule profiles, checked against each other."""

    profiles: Mapping[str, Profile] = field(default_factory=dict)

    def profile(self, key: str) -> Profile:
        try:
            return self.profiles[key]
        except KeyError:
            raise ProfileError(
                f"未知的规则 {key!r} (unknown profile; one of {', '.join(self.profiles)})"
            ) from None

    def profile_for(self, received_on: date) -> Profile:
        """The profile in force on the day the application was received: the one with the latest
        ``effective_from`` not after it (the earliest profile for a day before all of them)."""
        ordered = sorted(self.profiles.values(), key=lambda p: p.effective_from)
        found = ordered[0]
        for profile in ordered:
            if profile.effective_from <= received_on:
                found = profile
        return found

    def report_deadline(self, kind: str, year: int) -> ReportDeadline:
        """When the annual report for ``year`` of an organisation of ``kind`` (city, county,
        department, township) falls due: under the profile in force on 1 January of the next
        year, when the report is due (``annual_report:`` of catalog_schemas/profiles/)."""
        profile = self.profile_for(date(year + 1, 1, 1))
        due = profile.report_due(kind)
        return ReportDeadline(year, due.due_on(year), due.article, profile.regulations)


def load_law(schemas_dir: str | Path) -> Law:
    """``outcomes.yaml`` and ``profiles/*.yaml`` under ``schemas_dir``. Every profile must give
    the legal basis of every outcome, ground, closure and record-correction answer, and no other; no two profiles may take
    effect on the same day. A problem raises ProfileError (or SchemaError for outcomes.yaml)
    naming the file and the key."""
    root = Path(schemas_dir)
    table = load_outcomes(root)
    profiles = load_profiles(root / "profiles")
    expected = {
        "outcomes": set(table.outcomes),
        "grounds": set(table.grounds),
        "closures": set(table.closures),
        "record_corrections": set(table.record_corrections),
    }
    for profile in profiles.values():
        given = {
            "outcomes": set(profile.outcome_articles),
            "grounds": set(profile.ground_articles),
            "closures": set(profile.closure_articles),
            "record_corrections": set(profile.record_correction_articles),
        }
        for name, codes in expected.items():
            missing = sorted(codes - given[name])
            if missing:
                raise ProfileError(
                    f"{profile.source}: {name}.{missing[0]}: 缺少此项的法律依据 (legal basis "
                    f"missing for a code of outcomes.yaml)"
                )
            extra = sorted(given[name] - codes)
            if extra:
                raise ProfileError(
                    f"{profile.source}: {name}.{extra[0]}: 不是 outcomes.yaml 中的代码 (not a "
                    f"code of outcomes.yaml)"
                )
    seen: dict[date, Profile] = {}
    for profile in profiles.values():
        if profile.effective_from in seen:
            raise ProfileError(
                f"{profile.source}: effective_from: 与 {seen[profile.effective_from].key} 相同 "
                f"(two profiles take effect on the same day)"
            )
        seen[profile.effective_from] = profile
    return Law(
        outcomes=table.outcomes,
        grounds=table.grounds,
        closures=table.closures,
        record_corrections=table.record_corrections,
        profiles=profiles,
    )
