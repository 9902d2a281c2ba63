"""Mail to applicants and officers through real SMTP (pyramid_mailer)."""

from __future__ import annotations

import logging

from pyramid_mailer.mailer import Mailer
from pyramid_mailer.message import Message

from .. import settings as s
from ..models import DisclosureRequest

log = logging.getLogger(__name__)


class SMTPMailer(Mailer):
    """pyramid_mailer, with CRLF line ends on the wire: repoze.sendmail hands smtplib bytes
    with bare LF, which strict servers (RFC 5321 §2.3.8) read as one over-long line."""

    def _message_args(self, message):
        sender, recipients, email_message = super()._message_args(message)
        email_message.policy = email_message.policy.clone(linesep="\r\n")
        return sender, recipients, email_message


def mailer_from_settings(settings) -> Mailer:
    return SMTPMailer(
        host=s.get(settings, "mail.host"),
        port=int(s.get(settings, "mail.port")),
        default_sender=s.get(settings, "mail.default_sender"),
    )


def acknowledgement(request: DisclosureRequest, access_code: str, status_url: str) -> Message:
    provisional = (
        "（暂定：该年度节假日安排尚未发布，发布后将重新计算）" if request.provisional else ""
    )
    body = f"""{request.name}：

{request.organisation.name}已收到您的政府信息公开申请。

追踪号：{request.tracking_number}
查询码：{access_code}
收到申请日期：{request.received_on.isoformat()}
答复期限：{request.due_on.isoformat()}{provisional}

请妥善保管追踪号和查询码，凭此在 {status_url} 查询办理进度、下载答复文书。
依据《中华人民共和国政府信息公开条例》第三十三条，行政机关收到申请后应当在20个工作日内予以答复；
需要延长答复期限的，经批准可以延长，延长期限最长不超过20个工作日。

此邮件由系统自动发送，请勿直接回复。
"""
    return Message(
        subject=f"【政府信息公开】申请已收到（追踪号 {request.tracking_number}）",
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


def send_after_commit(request, message) -> None:
    """Mail goes out only once the transaction has committed; a mail failure is logged."""
    mailer = request.registry["mailer"]

    def hook(committed: bool) -> None:
        if committed:
            try:
                mailer.send_immediately(message)
            except Exception:  # the application is safely stored; the page shows the receipt
                log.exception("could not send mail %r", message.subject)

    request.tm.get().addAfterCommitHook(hook)
