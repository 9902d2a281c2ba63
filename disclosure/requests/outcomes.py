"""The outcome table now lives in :mod:`disclosure.law` (its legal basis is per rule profile);
kept so existing imports work."""

from ..law.outcomes import Ground, Outcome, Outcomes, load_outcomes

__all__ = ["Ground", "Outcome", "Outcomes", "load_outcomes"]
