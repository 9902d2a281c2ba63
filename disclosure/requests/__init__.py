"""Disclosure on request: applying, the workflow, deadlines, reminders."""

import atexit


def includeme(config):
    from pyramid.path import DottedNameResolver

    from .. import settings as s
    from ..mail.outbox import MailSender, MailSenderThread, mail_states
    from .mail import mailer_from_settings
    from .services import RequestRules

    settings = config.get_settings()
    config.registry["request_rules"] = RequestRules.from_settings(settings)
    mailer = mailer_from_settings(settings)
    config.registry["mailer"] = mailer
    storage = DottedNameResolver().maybe_resolve(s.get(settings, "files.backend"))
    sender = MailSender(
        config.registry["dbsession_factory"], mailer, storage.from_settings(settings)
    )
    config.registry["mail_sender"] = sender
    worker = s.get(settings, "mail.worker")
    if worker not in ("thread", "off"):
        raise s.SettingsError(  # i18n: a settings error, for the operators (bilingual)
            f"disclosure.mail.worker = {worker!r}: 应为 / must be thread or off"
        )
    if worker == "thread":
        thread = MailSenderThread(sender)
        config.registry["mail_sender_thread"] = thread
        atexit.register(thread.stop)
        if _mail_waiting(sender):
            thread.notify()

    # The case page's mail status: request.mail_status(req) → [MailState]
    config.add_request_method(
        lambda request, req: mail_states(request.dbsession, req.id), "mail_status"
    )
    # The rules in force on the business date (pages citing the right to apply, what an
    # application holds): request.law_today.article("application")
    config.add_request_method(
        lambda request: request.registry["request_rules"].profile_for(_today(request)),
        "law_today",
        reify=True,
    )
    # Requests that become public (publication.py): the case page's block, the dashboard's
    # Art. 44 panel, the rule's settings checked
    config.include(".publication")


def _today(request):
    from ..clock import today

    return today(request)


def _mail_waiting(sender) -> bool:
    """Mail left from the last run (retries, or a stop before sending) starts the thread now;
    otherwise the first commit that queues mail does."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        return sender.pending() > 0
    except SQLAlchemyError:  # not migrated yet: `disclosure initdb` comes first
        return False
