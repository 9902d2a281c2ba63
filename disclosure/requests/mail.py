"""Mail to applicants and officers: written to the outbox with the data, sent after commit
through real SMTP (pyramid_mailer) or, in development, only logged."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from pyramid_mailer.mailer import Mailer
from pyramid_mailer.message import Message

from .. import settings as s
from ..clock import now
from ..law import Profile
from ..mail.backends import BACKENDS, LogMailer
from ..mail.outbox import StoredAttachment, enqueue
from ..models import DisclosureRequest
from ..models.mail import MailKind
from ..models.requests import REQUEST_KINDS

log = logging.getLogger(__name__)


class SMTPMailer(Mailer):
    """pyramid_mailer, with CRLF line ends on the wire: repoze.sendmail hands smtplib bytes
    with bare LF, which strict servers (RFC 5321 §2.3.8) read as one over-long line."""

    def _message_args(self, message):
        sender, recipients, email_message = super()._message_args(message)
        email_message.policy = email_message.policy.clone(linesep="\r\n")
        return sender, recipients, email_message


def mailer_from_settings(settings) -> Mailer | LogMailer:
    """The configured way out: ``disclosure.mail.backend`` = ``smtp`` (default) or ``log``."""
    backend = s.get(settings, "mail.backend")
    if backend not in BACKENDS:
        raise s.SettingsError(
            f"disclosure.mail.backend = {backend!r}: 应为 / must be {' or '.join(BACKENDS)}"
        )
    if backend == "log":
        return LogMailer()
    return SMTPMailer(
        host=s.get(settings, "mail.host"),
        port=int(s.get(settings, "mail.port")),
        default_sender=s.get(settings, "mail.default_sender"),
    )


def acknowledgement(
    request: DisclosureRequest, access_code: str, status_url: str, profile: Profile
) -> Message:
    """The mail that confirms an application; ``profile``: the case's rules (disclosure.law)."""
    application = REQUEST_KINDS.get(request.request_kind, REQUEST_KINDS["disclosure"])
    provisional = (
        "（暂定：该年度节假日安排尚未发布，发布后将重新计算）" if request.provisional else ""
    )
    body = f"""{request.name}：

{request.organisation.name}已收到您的{application}。

追踪号：{request.tracking_number}
查询码：{access_code}
收到申请日期：{request.received_on.isoformat()}
答复期限：{request.due_on.isoformat()}{provisional}

请妥善保管追踪号和查询码，凭此在 {status_url} 查询办理进度、下载答复文书。
{profile.wording("answer_rule")}

此邮件由系统自动发送，请勿直接回复。
"""
    return Message(
        subject=f"【{application.removesuffix('申请')}】申请已收到（追踪号 {request.tracking_number}）",
        recipients=[request.email],
        body=body,
    )


def reminder(recipients: list[str], lines: list[str], organisation_name: str) -> Message:
    body = (
        f"""{organisation_name}政府信息公开工作人员：

以下依申请公开件即将到期或已经逾期，请及时办理：

"""
        + "\n".join(lines)
        + "\n\n此邮件每件每天最多发送一次。\n"
    )
    return Message(
        subject=f"【依申请公开】{len(lines)} 件申请即将到期或已逾期",
        recipients=recipients,
        body=body,
    )


def queue_mail(
    request,
    message: Message,
    kind: MailKind,
    *,
    disclosure_request: DisclosureRequest | None = None,
    letter=None,
    attachments: Iterable[StoredAttachment] = (),
) -> None:
    """Write the mail to the outbox in this request's transaction (so it exists exactly when
    the data commits), and wake the sender once the transaction has committed."""
    db = request.dbsession
    if (disclosure_request and disclosure_request.id is None) or (letter and letter.id is None):
        db.flush()
    enqueue(
        db,
        message,
        kind,
        request_id=disclosure_request.id if disclosure_request else None,
        letter_id=letter.id if letter else None,
        attachments=attachments,
        now=now(request),
    )
    thread = request.registry.get("mail_sender_thread")
    if thread is not None:
        request.tm.get().addAfterCommitHook(lambda committed: committed and thread.notify())
