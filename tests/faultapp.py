"""The application in a process of its own, with an optional fault point (tests only).

Run as ``python -m tests.faultapp CONFIG.json`` from the project root. The JSON holds the app
``settings``, the injected clock (``today``, ``now``), the ``fault`` point (or null) and ``fd``,
the write end of a pipe inherited from the test. The process writes ``ready PORT`` to the pipe
once it serves (waitress on a loopback port chosen by the kernel). At the fault point it writes
the point's name to the pipe and blocks forever, so the test can kill it exactly there:

* ``after_put``: the proof's bytes are in the file store; no row of the application is flushed.
* ``before_commit``: every row of the application is flushed, the transaction is not committed.
* ``after_commit``: the transaction is committed; no response has been sent.

The commit points fire only for the session that files an application (a DisclosureRequest
was flushed in it), not for other requests (the form page, sessions, lookups).
"""

from __future__ import annotations

import json
import os
import sys
import threading
from datetime import date, datetime

import waitress
from sqlalchemy import event

from disclosure import main as make_app
from disclosure.files.services import LocalFileStorage
from disclosure.models import DisclosureRequest

POINTS = ("after_put", "before_commit", "after_commit")


def install(app, point: str, fd: int) -> None:
    def halt() -> None:
        os.write(fd, f"{point}\n".encode())
        threading.Event().wait()  # until SIGKILL

    if point == "after_put":
        put = LocalFileStorage.put

        def put_then_halt(self, key, data):
            put(self, key, data)
            halt()

        LocalFileStorage.put = put_then_halt
        return
    factory = app.registry["dbsession_factory"]

    @event.listens_for(factory, "after_flush")
    def mark(session, context):
        if any(isinstance(obj, DisclosureRequest) for obj in session.new):
            session.info["filing"] = True

    if point == "before_commit":

        @event.listens_for(factory, "before_commit")
        def before_commit(session):
            if session.info.get("filing"):
                session.flush()
                halt()

    elif point == "after_commit":

        @event.listens_for(factory, "after_commit")
        def after_commit(session):
            if session.info.pop("filing", False):
                halt()

    else:
        raise SystemExit(f"unknown fault point {point!r}; one of {', '.join(POINTS)}")


def run(config: dict) -> None:
    app = make_app({}, **config["settings"])
    today, now = date.fromisoformat(config["today"]), datetime.fromisoformat(config["now"])
    app.registry["disclosure.clock"] = lambda: today
    app.registry["disclosure.now"] = lambda: now
    fd = config["fd"]
    if config.get("fault"):
        install(app, config["fault"], fd)
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=2)
    os.write(fd, f"ready {server.effective_port}\n".encode())
    server.run()


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as fh:
        run(json.load(fh))
