"""Data migrations keep what was issued: letter numbers move to one series per kind."""

from __future__ import annotations

import os
import uuid

from sqlalchemy import text

from disclosure import models
from disclosure.scripts.migrations import upgrade

from ..conftest import backend


def _database(databases, tmp_path) -> str:
    if backend() == "postgresql":
        name = "m_" + uuid.uuid4().hex[:12]
        engine = models.get_engine(os.environ["DISCLOSURE_TEST_DATABASE_URL"])
        with engine.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {name}"))
        engine.dispose()
        databases.schemas.append(name)
        from ..conftest import _pg_url_with_schema

        return _pg_url_with_schema(name)
    return f"sqlite:///{tmp_path}/m.sqlite"


def test_letter_series_migration_keeps_numbers_and_counts_on(databases, tmp_path):
    url = _database(databases, tmp_path)
    upgrade(None, url, "0006")
    engine = models.get_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO organisations (id, code, name, short_name, kind, category_tree, "
                "guide, reconsideration_body, position) VALUES "
                "(1, '016000102', '咸阳市民政局', '咸民', 'department', 'generic', '', '', 0)"
            )
        )
        row = {
            "id": 1,
            "tracking_number": "YS2026-AAAA-BBBB-CCCC",
            "access_code_hash": "x",
            "organisation_id": 1,
            "status": "answered",
            "profile": "ogi-2019",
            "channel": "online",
            "description": "需要的信息",
            "delivery_form": "paper",
            "delivery_channel": "post",
            "submitted_at": "2026-11-02 08:00:00",
            "received_on": "2026-11-02",
            "clock_events": "[]",
            "due_on": "2026-11-30",
            "provisional": False,
            "deadline": "{}",
            "lock_version": 1,
            "created_at": "2026-11-02 08:00:00",
            "updated_at": "2026-11-02 08:00:00",
        }
        for empty in (
            "applicant_type name id_type id_number credit_code legal_representative "
            "contact_person work_unit phone email address postcode document_number "
            "index_number outcome outcome_ground outcome_reasons report_row"
        ).split():
            row[empty] = ""
        conn.execute(
            text(
                f"INSERT INTO requests ({', '.join(row)}) VALUES ({', '.join(':' + k for k in row)})"
            ),
            row,
        )
        for serial, (kind, prefix) in enumerate(
            [("acknowledgement", "公开受"), ("correction", "公开补"), ("reply", "公开答")], 1
        ):
            conn.execute(
                text(
                    "INSERT INTO letters (request_id, organisation_id, kind, variant, number, "
                    "year, serial, title, issued_on, storage_key, sha256, size, created_at) VALUES "
                    "(1, 1, :kind, 'default', :number, 2026, :serial, 't', '2026-11-02', 'k', "
                    "'s', 1, '2026-11-02 08:00:00')"
                ),
                {"kind": kind, "number": f"咸民{prefix}〔2026〕{serial}号", "serial": serial},
            )
        conn.execute(
            text(
                "INSERT INTO letter_serials (organisation_id, year, last_serial) "
                "VALUES (1, 2026, 3)"
            )
        )
    engine.dispose()
    upgrade(None, url)
    engine = models.get_engine(url)
    with engine.connect() as conn:
        series = dict(conn.execute(text("SELECT number, series FROM letters")).all())
        counters = dict(
            conn.execute(
                text("SELECT series, last_serial FROM letter_serials WHERE year = 2026")
            ).all()
        )
    engine.dispose()
    assert series == {
        "咸民公开受〔2026〕1号": "公开受",
        "咸民公开补〔2026〕2号": "公开补",
        "咸民公开答〔2026〕3号": "公开答",
    }
    # the next reply continues after 3 (never reuses an issued number); a new series starts at 1
    assert counters == {"公开受": 1, "公开补": 2, "公开答": 3}
