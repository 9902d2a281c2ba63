"""The yearly evaluation (年度考核评议 / 评比, issue 11): a scorecard per organisation and year,
ranked per level, exported as CSV and published by the city office as a catalogue item.

- :mod:`.config`: ``catalog_schemas/scorecard.yaml`` (indicators, weights, thresholds, levels),
  checked at start-up;
- :mod:`.indicators`: the seven indicators, small pure functions;
- :mod:`.guides`: the disclosure guide's elements (Art. 12), a pure rule;
- :mod:`.ranking`: points, totals and ranks (ties share a rank), pure;
- :mod:`.services`: what counts from the database, and the publication;
- :mod:`.views`: ``/officer/scorecard`` and friends (routes in :mod:`disclosure.routes`).
"""

from .. import settings as s
from .config import load_scorecard


def includeme(config):
    # A broken scorecard.yaml raises ScorecardError here and start-up stops.
    schema = config.registry["catalogue_schema"]
    config.registry["scorecard"] = load_scorecard(
        s.get(config.get_settings(), "schemas_dir"), schema
    )
