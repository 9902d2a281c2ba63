"""Scoring a body and ranking the bodies of one level. Pure: no Pyramid, no database.

- A body's points per indicator: :meth:`.config.Indicator.points` (full weight at ``full_at``,
  none at ``zero_at``, linear between; no data by ``when_no_data``).
- Its total: 100 × points earned ÷ weights of the indicators scored (those with points; an
  indicator left out for want of data counts in neither), two decimals; None when nothing was
  scored.
- Its rank among the bodies of its level: 1 + the number of bodies with a higher total, so equal
  totals share a rank (1, 2, 2, 4); bodies with no total come last, unranked.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .config import Indicator, Level, Scorecard
from .indicators import Figure


@dataclass(frozen=True)
class Score:
    indicator: Indicator
    figure: Figure
    points: float | None  # None: left out (no data, when_no_data skip)

    @property
    def value(self) -> float | None:
        return self.figure.value


@dataclass
class BodyScore:
    organisation: Any  # an Organisation
    level: Level | None  # None: evaluated, not ranked (the city government)
    scores: list[Score]
    total: float | None = None
    rank: int | None = None

    def score(self, code: str) -> Score | None:
        return next((s for s in self.scores if s.indicator.code == code), None)


@dataclass
class Ranking:
    year: int
    scorecard: Scorecard
    tables: list[tuple[Level, list[BodyScore]]] = field(default_factory=list)
    bodies: dict[int, BodyScore] = field(default_factory=dict)  # by organisation id

    def as_json(self) -> dict[str, Any]:
        """The ranking as a publication freezes it (no case data: names, values, points)."""
        return {
            "year": self.year,
            "title": self.scorecard.title,
            "levels": [
                {
                    "kind": level.kind,
                    "label": level.label,
                    "indicators": [i.code for i in self.scorecard.for_level(level.kind)],
                    "rows": [
                        {
                            "rank": b.rank,
                            "code": b.organisation.code,
                            "name": b.organisation.name,
                            "total": b.total,
                            "indicators": {
                                s.indicator.code: {
                                    "value": s.value,
                                    "points": s.points,
                                    "counted": s.figure.counted,
                                }
                                for s in b.scores
                            },
                        }
                        for b in rows
                    ],
                }
                for level, rows in self.tables
            ],
        }


def score_body(
    organisation: Any, level: Level | None, indicators: Sequence[Indicator], figures: dict
) -> BodyScore:
    """``figures``: indicator code → :class:`Figure` for this body."""
    scores = [
        Score(ind, figures[ind.code], ind.points(figures[ind.code].value)) for ind in indicators
    ]
    return BodyScore(organisation, level, scores, total_of(scores))


def total_of(scores: Iterable[Score]) -> float | None:
    scored = [s for s in scores if s.points is not None]
    weights = sum(s.indicator.weight for s in scored)
    if not weights:
        return None
    return round(100 * sum(s.points for s in scored) / weights, 2)  # type: ignore[misc]


def rank(bodies: Iterable[BodyScore]) -> list[BodyScore]:
    """The bodies best first, each with its rank; equal totals share one."""
    rows = list(bodies)
    ranked = sorted(
        (b for b in rows if b.total is not None),
        key=lambda b: (-b.total, getattr(b.organisation, "position", 0), b.organisation.code),  # type: ignore[operator]
    )
    for b in ranked:
        b.rank = 1 + sum(1 for other in ranked if other.total > b.total)  # type: ignore[operator]
    unranked = [b for b in rows if b.total is None]
    for b in unranked:
        b.rank = None
    return ranked + sorted(unranked, key=lambda b: b.organisation.code)
