"""The language switch: ``GET /language?to=en&next=/catalogue`` remembers the choice in a
cookie and returns to the page it was chosen on."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from ..security import Permission
from . import COOKIE_MAX_AGE, LANGUAGE_COOKIE, LANGUAGES, safe_next


@view_config(route_name="language", request_method="GET", permission=Permission.VIEW)
def switch_language(request):
    response = HTTPSeeOther(location=safe_next(request.params.get("next")))
    response.cache_control = "no-store"
    chosen = request.params.get("to")
    if chosen in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            chosen,
            max_age=COOKIE_MAX_AGE,
            path="/",
            samesite="Lax",
            secure=request.scheme == "https",
        )
    return response
