"""The working-day calendar (工作日): statutory holiday data, override files, loaded years,
and (re-exported from :mod:`disclosure.law`) the rule profiles. Pure: no Pyramid, no database.

- :mod:`.workdays`: :class:`~.workdays.WorkingCalendar`, ``parse_arrangement``
- :mod:`.profiles`: :class:`~.profiles.Profile`, ``load_profiles``
"""
