"""What deploy/ ships works with this code: the production server really starts with several
workers, the units run commands that exist, nginx sends the headers production.ini trusts."""

from __future__ import annotations

import configparser
import os
import re
import select
import shlex
import signal
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest

from disclosure.scripts.cli import build_parser

from ..conftest import ROOT

DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent


def units() -> list[Path]:
    return sorted(DEPLOY.glob("*.service"))


def exec_start(unit: Path) -> list[str]:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.read(unit)
    return shlex.split(parser["Service"]["ExecStart"])


def test_every_unit_runs_a_command_that_exists():
    commands = build_parser()._subparsers._group_actions[0].choices
    seen = set()
    for unit in units():
        argv = exec_start(unit)
        program = Path(argv[0]).name
        if program == "disclosure":
            assert argv[1] in commands, unit.name
            seen.add(argv[1])
        else:
            assert program == "pserve", unit.name
        assert argv[-1].endswith("/production.ini"), unit.name
    assert {"mail-worker", "index-worker", "remind"} <= seen
    timer = (DEPLOY / "disclosure-remind.timer").read_text()
    assert "OnCalendar=" in timer and "Asia/Shanghai" in timer


def test_nginx_sends_what_production_trusts():
    nginx = (DEPLOY / "nginx-disclosure.conf").read_text()
    upstream = re.search(r"server (127\.0\.0\.1):(\d+);", nginx)
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(ROOT / "production.ini")
    trusted = ini["app:main"]["disclosure.trusted_proxies"].split()
    assert upstream.group(1) in trusted
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Request-Id"):
        assert f"proxy_set_header {header} " in nginx
    assert "location /static/" in nginx
    # the mail and index workers are services, not threads in forked web workers
    assert ini["app:main"]["disclosure.mail.worker"] == "off"
    assert ini["server:main"]["use"] == "egg:gunicorn#main"


@pytest.fixture
def production_site(tmp_path, databases):
    """``pserve production.ini`` on a migrated database, as the web unit starts it."""
    url = databases.new()
    port = _free_port()
    env = {
        **os.environ,
        "DISCLOSURE_DATABASE_URL": url,
        "DISCLOSURE_SESSION_SECRET": "s" * 32,
        "DISCLOSURE_FILES_DIR": str(tmp_path / "files"),
        "DISCLOSURE_SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "DISCLOSURE_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
    }
    process = subprocess.Popen(
        [str(BIN / "pserve"), str(ROOT / "production.ini")],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    booted = []
    try:
        # gunicorn logs one "Booting worker with pid" line per worker once it serves
        while len(booted) < 2:
            ready, _, _ = select.select([process.stderr], [], [], 60)
            assert ready, "the server did not start within 60 s"
            line = process.stderr.readline()
            assert line, f"the server stopped: exit {process.poll()}"
            found = re.search(r"Booting worker with pid: (\d+)", line)
            if found:
                booted.append(int(found.group(1)))
        # the rest of the log is read and dropped, so that a full pipe never blocks the server
        threading.Thread(target=process.stderr.read, daemon=True).start()
        yield f"http://127.0.0.1:{port}", booted
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)
        process.stderr.close()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_production_ini_starts_several_workers_that_serve_the_site(production_site):
    base, workers = production_site
    assert len(set(workers)) == 2
    with urllib.request.urlopen(base + "/api/v1/organisations", timeout=10) as res:
        assert res.status == 200
        etag = res.headers["ETag"]
        assert res.headers["Cache-Control"] == "public, no-cache"
    # any worker validates the same page the same way
    for _ in range(4):
        request = urllib.request.Request(base + "/api/v1/organisations")
        request.add_header("If-None-Match", etag)
        try:
            urllib.request.urlopen(request, timeout=10)
            raise AssertionError("expected 304")
        except urllib.error.HTTPError as exc:
            assert exc.code == 304
