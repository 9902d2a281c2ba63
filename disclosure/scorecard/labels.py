"""The English of ``catalog_schemas/scorecard.yaml``'s texts shown on the pages.

The file's title, level labels, indicator labels and the guide's fixed phrases are data, in
Chinese: ``make i18n-extract`` reads them from the file (disclosure/i18n/extract.py, kind
``scorecard``), so the catalogue holds their English. :func:`label` turns such a text into its
marked message, to be shown through ``request.translate`` or ``|t``; a text the file gained
since the catalogue was last updated is shown as written. What is published (the ranking item,
its CSV) keeps the file's Chinese.
"""

from __future__ import annotations

from ..i18n import _


def label(text: str):
    """``text`` (from scorecard.yaml) as a marked message."""
    return _(text)
