"""Optimistic locking at the form boundary.

Every state-changing form carries the ``lock_version`` of the row it was rendered from. A form
without one is refused (400) rather than applied without the check; a stale one is a conflict
(409) raised by the service that compares it.
"""

from __future__ import annotations

from pyramid.view import view_config

from .boundary import error_response
from .i18n import _

MISSING_LOCK = _("表单缺少版本号（lock_version），请刷新页面后重试")


class MissingLock(Exception):
    """The form carried no usable ``lock_version``."""


def required_lock_version(request) -> int:
    """The form's ``lock_version``, or MissingLock (a 400 page or JSON body)."""
    try:
        value = int(request.POST.get("lock_version", ""))
    except ValueError:
        raise MissingLock() from None
    if value < 1:
        raise MissingLock()
    return value


@view_config(context=MissingLock)
def missing_lock(exc, request):
    return error_response(request, 400, MISSING_LOCK, {"lock_version": _("必填")})
