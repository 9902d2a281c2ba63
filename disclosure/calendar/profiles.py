"""Rule profiles now live in :mod:`disclosure.law` (with the outcome table and the articles);
kept so existing imports work."""

from ..law.profiles import Profile, ProfileError, load_profiles, parse_profile

__all__ = ["Profile", "ProfileError", "load_profiles", "parse_profile"]
