"""``GET /healthz``: JSON for a load balancer or a monitor. 200 while every check is ``ok`` or
``warn``, 503 when one ``fail``s; never cached. Public: it names no path, URL or person."""

from __future__ import annotations

from pathlib import Path

from pyramid.response import Response
from pyramid.view import view_config

from .. import clock
from .. import settings as s
from ..search.interfaces import ISearchIndex
from ..security import Permission
from .checks import (
    FAIL,
    check_database,
    check_disk,
    check_mail,
    check_search,
    database_folder,
    worst,
)


def run_checks(request) -> dict:
    registry = request.registry
    thresholds = registry["disclosure.health"]
    engine = registry["db_engine"]
    factory = registry["dbsession_factory"]
    places = {"files": Path(s.get(registry.settings, "files_dir"))}
    folder = database_folder(engine)
    if folder is not None:
        places["database"] = folder
    checks = {"database": check_database(engine)}
    checks["search"] = check_search(request.find_service(ISearchIndex), factory)
    checks["mail"] = check_mail(factory, clock.now(request), thresholds)
    checks["disk"] = check_disk(places, thresholds)
    return {"status": worst(c["status"] for c in checks.values()), "checks": checks}


@view_config(route_name="healthz", request_method=("GET", "HEAD"), permission=Permission.VIEW)
def healthz(request):
    # Its own sessions on the engine, not request.dbsession: a failing check is an answer here,
    # not the site's 503.
    body = run_checks(request)
    response = Response(
        json_body=body, status=503 if body["status"] == FAIL else 200, charset="utf-8"
    )
    response.headers["Cache-Control"] = "no-store"
    return response
