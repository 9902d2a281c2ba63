"""The working-day calendar (工作日): statutory holiday data, override files, loaded years,
and the rule profiles (statutory time limits as data). Pure: no Pyramid, no database.

- :mod:`.workdays`: :class:`~.workdays.WorkingCalendar`, ``parse_arrangement``
- :mod:`.profiles`: :class:`~.profiles.Profile`, ``load_profiles``
"""
