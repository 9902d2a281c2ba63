"""Statistics with pictures (统计图表, issue 11): how many requests, how they ended, how fast.

- :mod:`.measures`: pure per-request measures (working days to answer net of pauses, on time or
  not) and the small statistics over them (median, nearest-rank percentile, on-time rate).
- :mod:`.figures`: the figures of one scope and year, from the database (the views' only
  query layer).
- :mod:`.charts`: server-rendered SVG bar charts, pure (data in, markup out).
- :mod:`.views`: ``/statistics`` (public, aggregate counts only) and ``/officer/statistics``
  (per-organisation rows for the bodies the officer may see), each with CSV downloads.

The views are picked up by ``config.scan()``; the routes are in :mod:`disclosure.routes`.
"""
