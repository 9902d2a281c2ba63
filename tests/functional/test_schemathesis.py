"""schemathesis against a live server: every operation of ``/api/v1/openapi.json``, with its
stateful links, and no failure.

The server is real (waitress in a thread, on a free loopback port) and serves the application on
a database of its own: the demo organisation tree, a published item with an attachment, an
on-request item, and a case with an issued letter and a released document. schemathesis loads
the document from the server, then:

- ``test_every_operation_and_the_stateful_links`` runs what ``st run`` runs (schemathesis's
  engine): the examples, coverage, fuzzing and stateful phases with every check (no 5xx;
  documented statuses, content types, headers and bodies; invalid data refused, valid data
  accepted; 405 with ``Allow`` for other methods). The stateful phase follows the document's
  OpenAPI links: an application filed, then its status, letters and documents with the returned
  tracking number and access code; a page of items or of hits, then the first item; the
  organisations, then a report.
- ``test_the_documented_answers_of_the_seeded_world``: the answers random data rarely reaches
  (an existing item, letter and document, a replayed submission, 413, 422, 429, 405), each
  validated by schemathesis against the document the same way.

Examples are bounded and derandomized (the run is the same every time). The limits on case
look-ups (20 a minute per address, 10 wrong codes an hour per case) would answer most of the
run's look-ups with 429: the server's instant clock (``disclosure.now``) moves on past both
windows at each reading, so no look-up shares a window with another; the business date stays
fixed. The last test stops that clock to get its 429s.

Two things JSON Schema cannot state are given to schemathesis here: the check characters of
resident ID numbers and credit codes (the formats ``cn-resident-id`` and ``cn-credit-code``
generate valid ones), and ``date_to`` not before ``date_from`` in a search (a filter).
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
import requests
import schemathesis
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from schemathesis.engine import Status, events
from webtest.http import StopableWSGIServer

from disclosure import main
from disclosure.catalogue.services import CatalogueService
from disclosure.files.services import LocalFileStorage
from disclosure.letters.services import LetterContext, issue
from disclosure.models import Attachment, ReleasedDocument
from disclosure.organisations.services import OrganisationTree
from disclosure.requests import services as request_services
from disclosure.requests.identity import (
    CREDIT_CHARS,
    credit_code_check_char,
    resident_id_check_char,
)

from ..conftest import TODAY

NOW = datetime(2026, 11, 20, 2, 0)  # 10:00 in Shanghai on TODAY
PDF = b"%PDF-1.4\n% live server attachment\n%%EOF\n"
RELEASED = b"%PDF-1.4\n% released to the applicant\n%%EOF\n"
MAX_EXAMPLES = 15
OPENAPI = "/api/v1/openapi.json"
# past the look-up limits' windows (a minute per address, an hour per case)
STEP = timedelta(hours=1, minutes=1)


class SteppingClock:
    """Each reading ``STEP`` after the last (thread-safe); ``stop()`` holds it still."""

    def __init__(self, start: datetime) -> None:
        self._ticks = itertools.count()
        self._lock = threading.Lock()
        self.start = start
        self.held: datetime | None = None

    def __call__(self) -> datetime:
        with self._lock:
            if self.held is not None:
                return self.held
            return self.start + STEP * next(self._ticks)

    def stop(self) -> None:
        self.held = self()

    def go(self) -> None:
        self.held = None


def _store(store: LocalFileStorage, data: bytes) -> tuple[str, str]:
    digest = hashlib.sha256(data).hexdigest()
    key = f"{digest[:2]}/{digest}"
    store.put(key, data)
    return digest, key


def seed_world(app, schema, store) -> SimpleNamespace:
    """Two published items (one with an attachment, one on request) and a case with a letter
    and a released document, committed through the application's own services."""
    factory = app.registry["dbsession_factory"]
    w = SimpleNamespace()
    with factory() as db, db.begin():
        tree = OrganisationTree(db)
        org = next(o for o in tree.orgs if o.kind == "township")
        w.org_code = org.code
        w.city_code = tree.roots[0].code
        catalogue = CatalogueService(db, schema)
        base = {
            "summary": "接口测试条目",
            "created_on": TODAY,
            "topic": "general_affairs",
            "genre": "notice",
            "keywords": ["政务公开"],
            "validity": "valid",
            "document_number": "咸政发〔2026〕7号",
        }
        public = catalogue.create(
            org,
            {**base, "title": "关于政务公开的通知", "body": "正文", "disclosure_mode": "proactive"},
            None,
        )
        catalogue.publish(public, None, TODAY)
        on_request = catalogue.create(
            org,
            {
                **base,
                "title": "依申请公开的条目",
                "body": "不公开的正文",
                "disclosure_mode": "on_request",
            },
            None,
        )
        catalogue.publish(on_request, None, TODAY)
        digest, key = _store(store, PDF)
        db.add(
            Attachment(
                item=public,
                filename="附件.pdf",
                media_type="application/pdf",
                kind="pdf",
                size=len(PDF),
                sha256=digest,
                storage_key=key,
                text="",
            )
        )
        rules = request_services.RequestRules.from_settings(app.registry.settings)
        submission = request_services.submit(
            db,
            rules,
            {
                "applicant_type": "person",
                "name": "接口申请人",
                "id_type": "passport",
                "id_number": "E12345678",
                "phone": "13900000000",
                "email": "",
                "address": "咸阳市秦都区测试路1号",
                "postcode": "712000",
                "description": "接口测试所需的政府信息",
                "delivery_form": "paper",
                "delivery_channel": "post",
            },
            org,
            today=TODAY,
        )
        case = submission.request
        digest, key = _store(store, RELEASED)
        document = ReleasedDocument(
            request=case,
            filename="提供的信息.pdf",
            media_type="application/pdf",
            kind="pdf",
            size=len(RELEASED),
            sha256=digest,
            storage_key=key,
        )
        db.add(document)
        db.flush()
        letter = issue(
            db,
            case,
            "acknowledgement",
            "default",
            LetterContext(
                templates=app.registry["letter_templates"],
                font=app.registry["letter_font"],
                outcomes=rules.outcomes,
                calendar=rules.calendar(db),
            ),
            user=None,
            today=TODAY,
            status_url="http://127.0.0.1/requests/status",
            store=store,
        )
        db.flush()
        w.public_index, w.on_request_index = public.index_number, on_request.index_number
        w.tracking_number, w.access_code = case.tracking_number, submission.access_code
        w.letter_id, w.document_id = letter.id, document.id
    app.registry["search_indexer"].run_until_empty()
    return w


@pytest.fixture(scope="module")
def live(databases, schema, tmp_path_factory):
    seeded = databases.seeded(schema)
    files = tmp_path_factory.mktemp("live-files")
    app = main(
        {},
        **{
            "disclosure.database_url": seeded.url,
            "disclosure.session_secret": "live-secret",
            "disclosure.files_dir": str(files),
            "disclosure.search.index_dir": str(tmp_path_factory.mktemp("live-index")),
            "disclosure.search.indexer": "off",
            "disclosure.mail.worker": "off",
            "disclosure.mail.backend": "log",
        },
    )
    clock = SteppingClock(NOW)
    app.registry["disclosure.clock"] = lambda: TODAY
    app.registry["disclosure.now"] = clock
    world = seed_world(app, schema, LocalFileStorage(files))
    # the socket listens from here on (waitress binds it when the server is made)
    server = StopableWSGIServer.create(app, host="127.0.0.1", expose_tracebacks=False, threads=2)
    try:
        world.url = server.application_url.rstrip("/")
        world.clock = clock
        world.app = app
        yield world
    finally:
        server.shutdown()
        app.registry["db_engine"].dispose()
        seeded.engine.dispose()


# --- what JSON Schema cannot say: check characters, and one rule across two parameters -----------


def resident_ids() -> st.SearchStrategy[str]:
    """Valid 18-digit resident ID numbers (GB 11643: area, birth date, serial, check char)."""

    def build(area: int, born, serial: int) -> str:
        first = f"{area:06d}{born:%Y%m%d}{serial:03d}"
        return first + resident_id_check_char(first)

    return st.builds(
        build,
        st.integers(110000, 659999),
        st.dates(datetime(1900, 1, 1).date(), datetime(2020, 12, 31).date()),
        st.integers(0, 999),
    )


def credit_codes() -> st.SearchStrategy[str]:
    """Valid unified social credit codes (GB 32100)."""
    return st.text(CREDIT_CHARS, min_size=17, max_size=17).map(
        lambda first: first + credit_code_check_char(first)
    )


schemathesis.openapi.format("cn-resident-id", resident_ids())
schemathesis.openapi.format("cn-credit-code", credit_codes())


def config() -> schemathesis.Config:
    # valid data may meet one documented refusal that depends on what came before: an
    # Idempotency-Key already used with another body is a 422 (the IETF draft's status), and
    # schemathesis sends the same generated key with many bodies
    accepted = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]
    return schemathesis.Config.from_dict(
        {
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
            },
            "phases": {"stateful": {"max-steps": 10}},
            "workers": 1,
            "operations": [
                {
                    "include-operation-id": "submitRequest",
                    "checks": {"positive_data_acceptance": {"expected-statuses": accepted}},
                }
            ],
        }
    )


@pytest.fixture(scope="module")
def api_schema(live, tmp_path_factory):
    # hypothesis keeps its caches out of the checkout; no example database (deterministic runs)
    set_hypothesis_home_dir(str(tmp_path_factory.mktemp("hypothesis")))
    loaded = schemathesis.openapi.from_url(live.url + OPENAPI, config=config())

    @loaded.hook("filter_query")
    def dates_in_order(context, query):
        """``date_to`` before ``date_from`` is a 400 (search.views._dates_in_order): a rule
        between two parameters, which OpenAPI cannot state."""
        start, end = (query or {}).get("date_from"), (query or {}).get("date_to")
        return not (
            isinstance(start, str) and isinstance(end, str) and start and end and start > end
        )

    return loaded


@dataclass
class Run:
    tested: dict[str, set[str]] = field(default_factory=dict)  # phase → operations tested
    statuses: dict[tuple[str, str], set[int]] = field(default_factory=dict)  # phase, operation
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def run_engine(api_schema) -> Run:
    """The schemathesis run the CLI makes (``st run``): every phase, every check."""
    run = Run()
    for event in schemathesis.engine.from_schema(api_schema).execute():
        if isinstance(event, events.ScenarioFinished):
            if event.status in (Status.SUCCESS, Status.FAILURE):
                run.tested.setdefault(event.phase.value, set()).add(event.label or "")
            for case_id, interaction in event.recorder.interactions.items():
                node = event.recorder.cases.get(case_id)
                if node is not None and interaction.response is not None:
                    key = (event.phase.value, node.value.operation.label)
                    run.statuses.setdefault(key, set()).add(interaction.response.status_code)
            for checks in event.recorder.checks.values():
                for check in checks:
                    if check.status == Status.FAILURE and check.failure_info is not None:
                        info = check.failure_info
                        run.failures.append(
                            f"[{event.phase.value}] {event.label or 'links'}: {check.name}: "
                            f"{info.failure.title}\n{info.failure.message}\n{info.code_sample}"
                        )
        elif isinstance(event, events.NonFatalError):
            run.errors.append(f"[{event.phase}] {event.label}: {event.info.format()}")
        elif isinstance(event, events.FatalError):
            run.errors.append(f"fatal: {event.exception!r}")
    return run


def test_every_operation_and_the_stateful_links(live, api_schema):
    run = run_engine(api_schema)
    operations = {op.ok() for op in api_schema.get_all_operations()}
    labels = {op.label for op in operations}
    assert not run.errors, "\n\n".join(run.errors)
    assert not run.failures, f"{len(run.failures)} failures:\n\n" + "\n\n".join(
        sorted(set(run.failures))
    )
    # every operation in the coverage and fuzzing phases (schemathesis leaves out the one that
    # serves the document itself: the last test calls it); in the examples phase every one that
    # has parameters or a body to give examples of
    assert labels == {
        f"{method.upper()} {path}"
        for path, item in api_schema.raw_schema["paths"].items()
        for method in item
        if path != OPENAPI
    }
    for phase in ("coverage", "fuzzing"):
        assert run.tested.get(phase, set()) == labels, phase
    with_examples = {op.label for op in operations if op.body or list(op.iter_parameters())}
    assert run.tested.get("examples", set()) >= with_examples
    # the links were followed: a filed application was looked up with its number and code
    stateful = {
        label: codes for (phase, label), codes in run.statuses.items() if phase == "stateful"
    }
    assert 201 in stateful.get("POST /api/v1/requests", set()), stateful
    for label in (
        "GET /api/v1/requests/{tracking_number}",
        "GET /api/v1/requests/{tracking_number}/letters",
        "GET /api/v1/requests/{tracking_number}/documents",
        "GET /api/v1/catalogue/{index_number}",
    ):
        assert 200 in stateful.get(label, set()), (label, stateful)


# --- the answers random data rarely reaches ----------------------------------------------------


def call(api_schema, live, method: str, path: str, **kwargs):
    """One explicit call, validated by schemathesis against the document (status, content
    type, headers and body)."""
    case = api_schema[path][method].Case(**kwargs)
    return case.call_and_validate(base_url=live.url)


def test_the_documented_answers_of_the_seeded_world(live, api_schema):
    own = schemathesis.openapi.from_dict(api_schema.raw_schema, config=config())
    document = call(own, live, "GET", OPENAPI)
    assert document.json()["openapi"] == "3.1.0"

    item = call(
        api_schema,
        live,
        "GET",
        "/api/v1/catalogue/{index_number}",
        path_parameters={"index_number": live.public_index},
    ).json()
    assert item["body"] == "正文" and [a["filename"] for a in item["attachments"]] == ["附件.pdf"]
    metadata_only = call(
        api_schema,
        live,
        "GET",
        "/api/v1/catalogue/{index_number}",
        path_parameters={"index_number": live.on_request_index},
    ).json()
    assert "body" not in metadata_only and metadata_only["attachments"] == []

    case = {"tracking_number": live.tracking_number}
    code = {"X-Access-Code": live.access_code}
    status = call(
        api_schema,
        live,
        "GET",
        "/api/v1/requests/{tracking_number}",
        path_parameters=case,
        headers=code,
    ).json()
    assert status["tracking_number"] == live.tracking_number
    letters = call(
        api_schema,
        live,
        "GET",
        "/api/v1/requests/{tracking_number}/letters",
        path_parameters=case,
        headers=code,
    ).json()["letters"]
    assert letters and letters[0]["url"].endswith(f"/letters/{live.letter_id}")
    pdf = call(
        api_schema,
        live,
        "GET",
        "/api/v1/requests/{tracking_number}/letters/{letter_id}",
        path_parameters={**case, "letter_id": live.letter_id},
        headers=code,
    )
    assert pdf.content.startswith(b"%PDF")
    documents = call(
        api_schema,
        live,
        "GET",
        "/api/v1/requests/{tracking_number}/documents",
        path_parameters=case,
        headers=code,
    ).json()["documents"]
    assert [d["id"] for d in documents] == [live.document_id]
    released = call(
        api_schema,
        live,
        "GET",
        "/api/v1/requests/{tracking_number}/documents/{document_id}",
        path_parameters={**case, "document_id": live.document_id},
        headers=code,
    )
    assert released.content == RELEASED

    # an Idempotency-Key: the same body again is the same 201, another body is a 422
    body = api_schema.raw_schema["paths"]["/api/v1/requests"]["post"]["requestBody"]
    example = body["content"]["application/json"]["example"]
    key = {"Idempotency-Key": "schemathesis-live-0001"}
    first = call(api_schema, live, "POST", "/api/v1/requests", body=example, headers=key)
    again = call(api_schema, live, "POST", "/api/v1/requests", body=example, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == ["true"]
    other = call(
        api_schema,
        live,
        "POST",
        "/api/v1/requests",
        body={**example, "name": "李四"},
        headers=key,
    )
    assert other.status_code == 422 and other.json()["error"]
    # a body over 1 MB
    large = call(
        api_schema,
        live,
        "POST",
        "/api/v1/requests",
        body={**example, "description": "信" * (1024 * 1024)},
    )
    assert large.status_code == 413

    # within one minute: 20 look-ups from one address, then 429; 10 wrong codes for one case,
    # then 429 for that case, the right code too
    def look_up(number: str, access_code: str) -> int:
        return call(
            api_schema,
            live,
            "GET",
            "/api/v1/requests/{tracking_number}",
            path_parameters={"tracking_number": number},
            headers={"X-Access-Code": access_code},
        ).status_code

    live.clock.stop()
    try:
        answers = [look_up(f"YS2026-NONE-{n:04d}", "WRONG") for n in range(21)]
    finally:
        live.clock.go()
    assert answers == [404] * 20 + [429]
    live.clock.stop()
    try:
        answers = [look_up(live.tracking_number, "WRONG") for _ in range(11)]
        answers.append(look_up(live.tracking_number, live.access_code))
    finally:
        live.clock.go()
    assert answers == [404] * 10 + [429, 429]

    # another method: 405 with the methods there are
    with requests.post(f"{live.url}/api/v1/catalogue", timeout=10) as refused:
        pass
    assert refused.status_code == 405 and refused.headers["Allow"] == "GET, HEAD"
    assert refused.json()["error"]
