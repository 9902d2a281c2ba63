"""Letters the agency sends (DOMAIN.md §4), as PDF: acknowledgement, correction notice,
extension notice, third-party consultation, the reply (one variant per outcome), the Art. 35
letters (asking for reasons, a later answer date), the fee notice and the answer to a correction
of records (one variant per its outcome).

- ``templates``: the wording as data (``catalog_schemas/letters/*.yaml``), checked on load,
  and :func:`~disclosure.letters.templates.render_text` to fill it in;
- ``builders``: pure functions, data in → PDF bytes out (ReportLab);
- ``fonts``: the embedded Chinese TrueType font, with a logged fallback;
- ``services`` and ``views``: issuing (numbered, stored once with its SHA-256, never rebuilt),
  preview, download, mail.
"""


def includeme(config):
    from pathlib import Path

    from .. import settings as s
    from .fonts import register_font
    from .templates import load_templates

    settings = config.get_settings()
    rules = config.registry["request_rules"]
    directory = Path(s.get(settings, "schemas_dir")) / "letters"
    # A template with a missing or unknown placeholder stops start-up with a clear message.
    config.registry["letter_templates"] = load_templates(
        directory, rules.outcomes.outcomes, rules.outcomes.record_corrections
    )
    config.registry["letter_font"] = register_font(s.get(settings, "letters.font") or None)
