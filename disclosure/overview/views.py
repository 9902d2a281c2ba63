"""``/officer/overview``: where an officer lands after logging in."""

from __future__ import annotations

from pyramid.view import view_config

from .. import clock
from ..reports.lifecycle import STATE_LABELS
from ..security import Permission, visible_organisations
from .services import case_counts, catalogue_counts, report_summary


@view_config(
    route_name="officer_overview",
    renderer="officer/overview.jinja2",
    permission=Permission.OFFICER_AREA,
    request_method="GET",
)
def overview(request):
    today = clock.today(request)
    db = request.dbsession
    rules = request.registry["request_rules"]
    me = request.identity

    def ids(permission) -> list[int]:
        return [o.id for o in visible_organisations(request, permission)]

    case_ids = ids(Permission.REQUESTS_VIEW)
    return {
        "today": today,
        "organisation_count": len(case_ids),
        "cases": case_counts(db, case_ids, today, rules.calendar(db)),
        "catalogue": catalogue_counts(db, ids(Permission.CATALOGUE_VIEW)),
        "reports": report_summary(
            db,
            me.organisation,
            visible_organisations(request, Permission.REPORTS_VIEW),
            rules.law,
            today,
        ),
        "state_labels": STATE_LABELS,
    }
