"""Disclosure on request: applying, the workflow, deadlines, reminders."""


def includeme(config):
    from .mail import mailer_from_settings
    from .services import RequestRules

    settings = config.get_settings()
    config.registry["request_rules"] = RequestRules.from_settings(settings)
    config.registry["mailer"] = mailer_from_settings(settings)
