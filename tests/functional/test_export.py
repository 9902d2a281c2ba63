"""The public catalogue as CSV and JSONL: the public view only, streamed with flat memory, and
read back by ``disclosure import-catalogue`` into another instance."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import tracemalloc
from datetime import date

import pytest
import webtest

from disclosure import main
from disclosure.catalogue.services import CatalogueService
from disclosure.models import CatalogueItem
from disclosure.organisations import OrganisationTree

from ..conftest import ROOT, TODAY


def make_app(seeded, tmp_path, name: str):
    app = main(
        {},
        **{
            "disclosure.database_url": seeded.url,
            "disclosure.session_secret": "x",
            "disclosure.files_dir": str(tmp_path / f"files-{name}"),
            "disclosure.search.index_dir": str(tmp_path / f"index-{name}"),
            "disclosure.search.indexer": "off",
            "disclosure.mail.worker": "off",
        },
    )
    app.registry["disclosure.clock"] = lambda: TODAY
    return app


@pytest.fixture
def instances(databases, schema, tmp_path):
    made = []

    def make(name: str):
        seeded = databases.seeded(schema)
        app = make_app(seeded, tmp_path, name)
        made.append((app, seeded))
        return app, seeded

    yield make
    for app, seeded in made:
        app.registry["db_engine"].dispose()
        seeded.engine.dispose()


def publish_some(app, schema, item_data):
    with app.registry["dbsession_factory"].begin() as db:
        tree = OrganisationTree(db)
        city, county = tree.roots[0], tree.children(tree.roots[0])[0]
        service = CatalogueService(db, schema)
        for n, (org, extra) in enumerate(
            [
                (city, {"keywords": ["政务公开", "通知"]}),
                (county, {"topic": "agriculture_forestry_water", "summary": "含“引号”,逗号"}),
                (city, {"disclosure_mode": "on_request", "body": "依申请公开条目的正文"}),
            ],
            start=1,
        ):
            data = item_data(title=f"导出条目{n}", document_number=f"咸政发〔2026〕{n}号", **extra)
            item = service.create(org, data, None)
            service.publish(item, None, date(2026, 10, n))
        service.create(city, item_data(title="未发布的草稿不导出"), None)


def read_csv(body: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_exports_hold_the_public_view_with_the_schema_columns(instances, schema, item_data):
    app, _ = instances("source")
    publish_some(app, schema, item_data)
    web = webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"})
    res = web.get("/catalogue.csv")
    assert res.headers["Content-Disposition"] == 'attachment; filename="catalogue.csv"'
    rows = read_csv(res.body)
    assert list(rows[0]) == list(schema.field_names)
    assert [r["title"] for r in rows] == ["导出条目1", "导出条目2", "导出条目3"]
    assert rows[0]["keywords"] == "政务公开，通知"
    assert rows[1]["summary"] == "含“引号”,逗号"
    assert rows[2]["body"] == ""  # on request: metadata only, as on its item page
    assert "未发布的草稿不导出" not in res.text and "依申请公开条目的正文" not in res.text
    lines = [json.loads(line) for line in web.get("/catalogue.jsonl").text.splitlines()]
    assert [line["title"] for line in lines] == ["导出条目1", "导出条目2", "导出条目3"]
    assert lines[0]["keywords"] == ["政务公开", "通知"] and "body" not in lines[2]
    assert set(lines[0]) <= set(schema.field_names)


@pytest.mark.parametrize("suffix", ["csv", "jsonl"])
def test_an_export_imports_back_into_another_instance(
    instances, schema, item_data, tmp_path, suffix
):
    source, _ = instances("source")
    publish_some(source, schema, item_data)
    exported = webtest.TestApp(source, extra_environ={"HTTP_HOST": "example.com"}).get(
        f"/catalogue.{suffix}"
    )
    path = tmp_path / f"catalogue.{suffix}"
    path.write_bytes(exported.body)
    target, seeded = instances("target")
    ini = tmp_path / "target.ini"
    ini.write_text(
        (ROOT / "testing.ini").read_text().replace("%(here)s/alembic", str(ROOT / "alembic"))
    )
    env = {
        **os.environ,
        "DISCLOSURE_DATABASE_URL": seeded.url,
        "DISCLOSURE_FILES_DIR": str(tmp_path / "files-target"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "disclosure.scripts.cli", "import-catalogue", str(ini), str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    again = webtest.TestApp(target, extra_environ={"HTTP_HOST": "example.com"}).get(
        "/catalogue.jsonl"
    )
    before = (
        [json.loads(line) for line in exported.text.splitlines()] if suffix == "jsonl" else None
    )
    after = [json.loads(line) for line in again.text.splitlines()]
    if before is None:
        before = [
            json.loads(line)
            for line in webtest.TestApp(source, extra_environ={"HTTP_HOST": "example.com"})
            .get("/catalogue.jsonl")
            .text.splitlines()
        ]
    assert len(after) == len(before) == 3
    for a, b in zip(after, before, strict=True):
        # an empty optional date reads back as null: the same absence
        differ = {k: (a.get(k), b.get(k)) for k in set(a) | set(b) if a.get(k) != b.get(k)}
        assert {k: v for k, v in differ.items() if set(v) != {None, ""}} == {}


def test_a_large_export_streams_with_flat_memory(instances, schema):
    """Peak memory while sending 4,000 rows is about that of 1,000: rows are read in batches of
    500 and dropped once sent (holding them all would take four times as much)."""
    app, seeded = instances("big")
    body = "正文" * 1000  # 2,000 characters a row: holding 4,000 rows would take ~24 MB

    def add(count: int, start: int) -> None:
        with app.registry["dbsession_factory"].begin() as db:
            org = OrganisationTree(db).roots[0]
            db.add_all(
                CatalogueItem(
                    organisation_id=org.id,
                    index_number=f"{org.code}/2026-{n:05d}",
                    status="published",
                    title=f"批量条目{n}",
                    body=body,
                    published_on=TODAY,
                    disclosure_mode="proactive",
                )
                for n in range(start, start + count)
            )

    def peak_of_export() -> tuple[int, int]:
        environ = webtest.TestRequest.blank("/catalogue.jsonl").environ
        environ["HTTP_HOST"] = "example.com"
        tracemalloc.start()
        try:
            result = app(environ, lambda status, headers, exc_info=None: None)
            assert not isinstance(result, list)  # a stream, not a body built in memory
            rows = sum(chunk.count(b"\n") for chunk in result)
            result.close()
            return rows, tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    add(1000, 1)
    small_rows, small_peak = peak_of_export()
    add(3000, 1001)
    large_rows, large_peak = peak_of_export()
    assert (small_rows, large_rows) == (1000, 4000)
    assert large_peak < 1.5 * small_peak, (small_peak, large_peak)
