"""A file store that cannot take bytes (full, read-only) is a clear message, not a 500."""

from __future__ import annotations

import logging

from pyramid.view import exception_view_config

from ..boundary import error_response
from ..i18n import _
from .interfaces import FileStoreUnavailable

log = logging.getLogger(__name__)

# For officers' uploads and anything else that stores a file; the application form says more
# (the application was not filed), see disclosure.requests.views.
# (marked messages: shown through request.translate)
UNAVAILABLE = _(
    "文件存储空间已满或不可写，本次上传的文件和所做的修改均未保存，请稍后再试或联系系统管理员"
)
APPLICATION_NOT_FILED = _("附件存储空间已满或不可写，请稍后再试；您的申请尚未提交")


@exception_view_config(FileStoreUnavailable)
def file_store_unavailable(exc, request):
    # request.exception is set, so pyramid_tm aborts the transaction: no row points at a file
    # that was not stored.
    log.error(
        "file store unavailable (errno %s) on %s %s", exc.errno, request.method, request.path_info
    )
    return error_response(request, exc.status, UNAVAILABLE)
