"""The command line, run as the README says, against a fresh database of its own."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from disclosure import models
from disclosure.models import CatalogueItem, Organisation, User

from ..conftest import ROOT


@pytest.fixture
def cli(tmp_path, databases):
    url = databases.new()
    ini = tmp_path / "cli.ini"
    ini.write_text(
        (ROOT / "testing.ini").read_text().replace("%(here)s/alembic", str(ROOT / "alembic"))
    )
    env = {
        **os.environ,
        "DISCLOSURE_DATABASE_URL": url,
        "DISCLOSURE_FILES_DIR": str(tmp_path / "files"),
    }
    engine = models.get_engine(url)

    def run(*args, input=None):
        return subprocess.run(
            [sys.executable, "-m", "disclosure.scripts.cli", *args[:1], str(ini), *args[1:]],
            capture_output=True,
            text=True,
            env=env,
            input=input,
            cwd=tmp_path,
            timeout=300,
        )

    run.engine = engine
    yield run
    engine.dispose()


def count(engine, model, *where):
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(model).where(*where))


def test_initdb_load_demo_twice_and_create_user(cli):
    assert cli("initdb").returncode == 0
    first = cli("load-demo")
    assert first.returncode == 0, first.stderr
    assert "拒绝 0" in first.stdout
    orgs, items = count(cli.engine, Organisation), count(cli.engine, CatalogueItem)
    assert orgs > 60 and items > 50
    # the default engine lives in the database: load-demo indexed in its own transactions
    applied = cli("index-worker", "--once")
    assert applied.returncode == 0 and "已应用 0 条" in applied.stdout
    fresh = cli("index-check")
    assert fresh.returncode == 0 and "缺失 0，过期 0，多余 0" in fresh.stdout
    second = cli("load-demo")
    assert second.returncode == 0
    rebuilt = cli("reindex")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert f"重建完成：{items - 3} 条" in rebuilt.stdout  # the demo's withheld items stay out
    checked = cli("index-check")
    assert checked.returncode == 0 and "缺失 0，过期 0，多余 0" in checked.stdout
    worker = cli("index-worker", "--once")
    assert worker.returncode == 0 and "已应用 0 条" in worker.stdout
    assert (count(cli.engine, Organisation), count(cli.engine, CatalogueItem)) == (orgs, items)

    with cli.engine.connect() as conn:
        code = conn.scalar(select(Organisation.code).where(Organisation.kind == "county"))
    made = cli(
        "create-user",
        "--organisation",
        code,
        "--role",
        "officer",
        "new@example.gov.cn",
        "--password",
        "long-password-1",
    )
    assert made.returncode == 0, made.stderr
    assert count(cli.engine, User, User.email == "new@example.gov.cn") == 1
    again = cli(
        "create-user",
        "--organisation",
        code,
        "--role",
        "officer",
        "new@example.gov.cn",
        "--password",
        "long-password-1",
    )
    assert again.returncode == 2 and "已存在" in again.stderr
    bad = cli(
        "create-user",
        "--organisation",
        "NOPE",
        "--role",
        "officer",
        "x@example.gov.cn",
        "--password",
        "long-password-1",
    )
    assert bad.returncode == 2 and "未知机构" in bad.stderr
    generated = cli(
        "create-user", "--organisation", code, "--role", "org_admin", "gen@example.gov.cn"
    )
    assert generated.returncode == 0 and "初始密码" in generated.stdout


def test_import_catalogue_reports_rejects_and_is_idempotent(cli, tmp_path):
    assert cli("initdb").returncode == 0
    assert cli("load-demo").returncode == 0
    with cli.engine.connect() as conn:
        code = conn.scalar(select(Organisation.code).where(Organisation.kind == "township"))
    before = count(cli.engine, CatalogueItem)
    csv_file = tmp_path / "items.csv"
    csv_file.write_text(
        "title,organisation,created_on,published_on,topic,genre,document_number,keywords,disclosure_mode,validity\n"
        f"乡镇财政预算公开,{code},2026-01-05,2026-01-06,财政、金融、审计,统计数据,,预算;财政,主动公开,有效\n"
        f"坏日期,{code},2026-02-30,,general_affairs,notice,,,proactive,valid\n"
        f",{code},2026-01-05,,general_affairs,notice,,,proactive,valid\n"
        f"未知机构,NOPE,2026-01-05,,general_affairs,notice,,,proactive,valid\n"
        f"乡镇工作通知,{code},2026-03-05,2026-03-06,general_affairs,notice,某政发〔2026〕1号,,proactive,valid\n",
        encoding="utf-8",
    )
    res = cli("import-catalogue", str(csv_file))
    assert res.returncode == 3
    assert "新增 2" in res.stdout and "拒绝 3" in res.stdout
    assert "第 3 行：created_on" in res.stdout
    assert "第 4 行：title: 必填" in res.stdout
    assert "第 5 行：organisation" in res.stdout
    assert count(cli.engine, CatalogueItem) == before + 2
    again = cli("import-catalogue", str(csv_file))
    assert "新增 0，已存在 2" in again.stdout
    assert count(cli.engine, CatalogueItem) == before + 2
    missing = cli("import-catalogue", str(tmp_path / "nope.jsonl"))
    assert missing.returncode == 2 and "文件不存在" in missing.stderr


def test_missing_config_and_broken_schema_stop_with_a_message(cli, tmp_path):
    res = subprocess.run(
        [sys.executable, "-m", "disclosure.scripts.cli", "initdb", str(tmp_path / "none.ini")],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 2 and "找不到配置文件" in res.stderr
    broken = tmp_path / "schemas"
    import shutil

    shutil.copytree(ROOT / "catalog_schemas", broken)
    fields = broken / "fields.yaml"
    fields.write_text(fields.read_text().replace("type: date", "type: datum", 1))
    env = {**os.environ, "DISCLOSURE_SCHEMAS_DIR": str(broken)}
    res = subprocess.run(
        [sys.executable, "-m", "disclosure.scripts.cli", "initdb", str(ROOT / "testing.ini")],
        capture_output=True,
        text=True,
        env=env,
    )
    assert res.returncode == 2
    assert "schemas/fields.yaml" in res.stderr and "datum" in res.stderr
    assert Path(broken).exists()


def test_remind_and_calendar_load_commands(cli, tmp_path):
    assert cli("initdb").returncode == 0
    assert cli("load-demo").returncode == 0
    arrangement = tmp_path / "2027.yaml"
    arrangement.write_text(
        "year: 2027\nsource: 测试安排\nholidays:\n  - {from: 2027-01-01, to: 2027-01-03, name: 元旦}\n",
        encoding="utf-8",
    )
    loaded = cli("calendar-load", str(arrangement), "--today", "2026-11-20")
    assert loaded.returncode == 0 and "已载入 2027 年" in loaded.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("year: 2027\nholidays: [{date: 2030-01-01, name: x}]\n", encoding="utf-8")
    refused = cli("calendar-load", str(bad))
    assert refused.returncode == 2 and "错误" in refused.stderr
    reminded = cli("remind", "--today", "2026-11-20")  # no open cases in the demo: nothing to send
    assert reminded.returncode == 0 and "发送 0 封邮件" in reminded.stdout
