"""How a message leaves: SMTP (``disclosure.mail.backend = smtp``), or only a log line
(``log``, for development: nothing needs an SMTP server, and nothing personal is logged)."""

from __future__ import annotations

import logging

from pyramid_mailer.message import Message

log = logging.getLogger(__name__)

BACKENDS = ("smtp", "log")


def mask_address(address: str) -> str:
    """``w***@example.com``: enough to tell recipients apart in a log, not to read them."""
    local, _, domain = address.rpartition("@")
    return f"{local[:1]}***@{domain}" if local else "***"


class LogMailer:
    """Writes the subject and the (masked) recipients to the log and sends nothing; the
    outbox then marks the message sent. The body (an access code, a name) is never logged."""

    def send_immediately(self, message: Message, fail_silently: bool = False) -> None:
        log.info(
            "mail not sent (disclosure.mail.backend = log): %s → %s",
            message.subject,
            ", ".join(mask_address(r) for r in message.recipients) or "(no recipient)",
        )
