"""The whole public catalogue as CSV and JSONL downloads, streamed.

Columns are the field names of ``catalog_schemas/fields.yaml`` and values what
``disclosure import-catalogue`` reads (codes, ISO dates, keywords joined by "，" in CSV), so an export
imports back. Each row is the item's public view (:func:`..catalogue.visibility.public_fields`):
a metadata-only item has no content columns filled.

Rows are read 500 at a time on a session of the download's own (the request's transaction has
ended by the time the server sends the body), so memory stays flat however large the catalogue.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy.orm import joinedload

from ..catalogue.visibility import public_fields, visible_items
from ..models import CatalogueItem
from ..security import Permission

BATCH = 500


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        # i18n: data: keywords, as the import (and the officer's form) splits them
        return "，".join(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def public_rows(db, schema) -> Iterator[dict]:
    """Every visible item's public fields, in 索引号 order of creation, BATCH rows at a time."""
    query = (
        visible_items()
        .order_by(CatalogueItem.id)
        .options(joinedload(CatalogueItem.organisation))
        .execution_options(yield_per=BATCH)
    )
    # the session holds loaded items weakly: a sent row is dropped once the next is read
    for item in db.scalars(query):
        yield public_fields(item, schema)


def csv_chunks(rows: Iterator[dict], names: list[str]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff".encode()  # a BOM: spreadsheet programs then read UTF-8
    writer.writerow(names)
    for n, row in enumerate(rows, start=1):
        writer.writerow([_cell(row.get(name)) for name in names])
        if n % 100 == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def jsonl_chunks(rows: Iterator[dict], names: list[str]) -> Iterator[bytes]:
    for row in rows:
        line = {name: row[name] for name in names if name in row}
        yield (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8")


def _stream(request, chunks, content_type: str, filename: str) -> Response:
    schema = request.catalogue_schema
    names = list(schema.field_names)
    handed_in = request.environ.get("app.dbsession")  # a caller's own transaction (tests)
    factory = request.registry["dbsession_factory"]

    def body() -> Iterator[bytes]:
        db = handed_in if handed_in is not None else factory()
        try:
            yield from chunks(public_rows(db, schema), names)
        finally:
            if handed_in is None:
                db.close()

    response = Response(content_type=content_type, charset="utf-8")
    response.app_iter = body()
    response.content_disposition = f'attachment; filename="{filename}"'
    response.cache_control = "public, no-cache"
    return response


@view_config(route_name="export_csv", permission=Permission.VIEW)
def export_csv(request):
    return _stream(request, csv_chunks, "text/csv", "catalogue.csv")


@view_config(route_name="export_jsonl", permission=Permission.VIEW)
def export_jsonl(request):
    return _stream(request, jsonl_chunks, "application/x-ndjson", "catalogue.jsonl")
