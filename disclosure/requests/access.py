"""How an applicant reaches their case: tracking number + access code, with rate limits.

A wrong code and an unknown tracking number give the same answer. After too many wrong codes a
case is locked for a while: then even the right code is refused, and the message says how long
to wait.
"""

from __future__ import annotations

from datetime import timedelta

from .. import clock
from ..boundary import error_response
from ..i18n import _
from ..throttle import Rule, blocked_for, record_failure, wait_text
from . import services

LOOKUPS_PER_MINUTE_PER_IP = 20
CASE_LOCKOUT = Rule(limit=10, window=timedelta(hours=1))  # wrong codes per case, then locked
NOT_FOUND = _("追踪号或查询码不正确")
TOO_FREQUENT = _("查询过于频繁，请 1 分钟后再试")
LOCKED = _("该申请的查询错误次数过多，已暂时锁定，请 ${wait}后再试")


def lookup_case(request, tracking: str, code: str):
    """(case, None, 200) with the right access code; otherwise (None, message, status), the
    message in the request's language."""
    db = request.dbsession
    client = request.client_addr or "unknown"
    moment = clock.now(request)
    if services.rate_limited(
        db, f"ip:{client}", LOOKUPS_PER_MINUTE_PER_IP, timedelta(minutes=1), now=moment
    ):
        return None, request.translate(TOO_FREQUENT), 429
    key = f"fail:{services.normalise_tracking_number(tracking)[:32]}"
    wait = blocked_for(db, key, CASE_LOCKOUT, moment)
    if wait is not None:
        return None, request.translate(LOCKED, {"wait": wait_text(wait, request)}), 429
    req = services.lookup(db, tracking, code)
    if req is None:
        record_failure(db, key, CASE_LOCKOUT, moment)
        return None, request.translate(NOT_FOUND), 404
    return req, None, 200


def case_from_api(request):
    """(case, None) for the API's ``/requests/{tracking_number}/…`` with the access code in the
    ``X-Access-Code`` header; otherwise (None, the JSON error response)."""
    req, error, status = lookup_case(
        request, request.matchdict["tracking_number"], request.headers.get("X-Access-Code", "")
    )
    if req is None:
        return None, error_response(request, status, error)
    return req, None
