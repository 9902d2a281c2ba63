"""The ``disclosure`` command line. Every command takes the ini file first.

disclosure initdb CONFIG
disclosure load-demo CONFIG
disclosure create-user CONFIG --organisation CODE --role ROLE EMAIL
disclosure import-catalogue CONFIG FILE
disclosure purge-personal-data CONFIG [--older-than-years N] [--today DATE] [--dry-run]
disclosure backup CONFIG DIR
disclosure restore CONFIG DIR
disclosure audit-verify CONFIG
disclosure files-gc CONFIG [--grace-hours 24] [--now ISO-UTC] [--dry-run]
disclosure harvest CONFIG SOURCE_URL --as ORG_CODE [--set SPEC] [--full] [--max-pages N]
"""

from __future__ import annotations

import argparse
import getpass
import os
import secrets
import sys
from datetime import date, timedelta
from pathlib import Path

from pyramid.paster import get_appsettings, setup_logging
from sqlalchemy import func, select
from tqdm import tqdm

from .. import settings as s
from .. import yamlfile
from ..accounts.services import AccountError, configure_passwords, create_user, find_user
from ..catalogue.importer import CatalogueImporter, ImportFileError, read_rows
from ..catalogue.registry import SchemaError, load_organisation_seed, load_schema
from ..catalogue.services import CatalogueService
from ..clock import business_today
from ..models import Organisation, get_engine, get_session_factory
from ..models.users import Role
from ..organisations.seed import load_organisations
from ..search.parallel import parallel_analysis
from .migrations import upgrade

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo"
DEMO_PASSWORD = "demo-password-2026"
DEMO_USERS = [
    # (email, organisation code or None for the root, role, name)
    ("admin@xianyang.gov.cn", None, Role.CITY_ADMIN, "市信息办管理员"),
]


class Env:
    """Settings, schema and a database session for one command."""

    def __init__(self, config_uri: str) -> None:
        setup_logging(config_uri)
        self.config_uri = config_uri
        self.settings = s.resolve(get_appsettings(config_uri))
        configure_passwords(self.settings)
        self.database_url = s.get(self.settings, "database_url")
        self.schema = load_schema(s.get(self.settings, "schemas_dir"))
        self._engine = None
        self._search_index = None

    def session(self):
        return self.session_factory()()

    def session_factory(self):
        """Sessions on the application's database; with a transactional search engine
        (``sqlite``) every commit also writes the search index, as in the web app."""
        from ..search.transactional import bind, is_transactional

        if self._engine is None:
            self._engine = get_engine(self.database_url)
        factory = get_session_factory(self._engine)
        search_index = self.search_index()
        if is_transactional(search_index):
            bind(factory, search_index, schema=self.schema)
        return factory

    def search_index(self):
        """The configured search engine (``disclosure.search.backend``)."""
        from ..search import make_search_index

        if self._engine is None:
            self._engine = get_engine(self.database_url)
        if self._search_index is None:
            self._search_index = make_search_index(self.settings, {"db_engine": self._engine})
        return self._search_index


def cmd_initdb(env: Env, args) -> int:
    from ..requests.services import RequestRules, recode_trails

    upgrade(env.config_uri, env.database_url)
    print(f"数据库已迁移到最新版本 / database at head: {_redact(env.database_url)}")
    # deadline trails written before message codes (migration 0022 recoded the histories)
    db = env.session()
    recoded, left = recode_trails(db, RequestRules.from_settings(env.settings), business_today())
    db.commit()
    if recoded or left:
        print(f"答复期限计算过程：{recoded} 件已改存为消息代码，{left} 件保留原文")
    return 0


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def demo_users(db) -> list[tuple[str, Organisation, Role, str]]:
    """A city admin, plus an officer and an org admin in the first two pilot departments."""
    root = db.scalars(select(Organisation).where(Organisation.parent_id.is_(None))).first()
    users = [(email, root, role, name) for email, _, role, name in DEMO_USERS]
    pilots = db.scalars(
        select(Organisation)
        .where(Organisation.category_tree != "generic")
        .order_by(Organisation.id)
    ).all()
    for org in pilots[:2]:
        tree = org.category_tree
        users.append(
            (f"officer.{tree}@xianyang.gov.cn", org, Role.OFFICER, f"{org.short_name}公开专员")
        )
        users.append(
            (f"admin.{tree}@xianyang.gov.cn", org, Role.ORG_ADMIN, f"{org.short_name}管理员")
        )
    # The first county: its admin oversees its townships and departments; one township officer.
    county = db.scalars(
        select(Organisation).where(Organisation.kind == "county").order_by(Organisation.id)
    ).first()
    if county is not None:
        users.append(
            ("admin.county@xianyang.gov.cn", county, Role.ORG_ADMIN, f"{county.short_name}管理员")
        )
        township = db.scalars(
            select(Organisation)
            .where(Organisation.parent_id == county.id, Organisation.kind == "township")
            .order_by(Organisation.id)
        ).first()
        if township is not None:
            users.append(
                (
                    "officer.township@xianyang.gov.cn",
                    township,
                    Role.OFFICER,
                    f"{township.short_name}公开专员",
                )
            )
    return users


def cmd_load_demo(env: Env, args) -> int:
    tree = load_organisation_seed(env.schema.root / "organisations" / "xianyang.yaml", env.schema)
    db = env.session()
    with db.begin():
        created, updated = load_organisations(db, tree)
    print(f"机构：新增 {created}，更新 {updated}")
    with db.begin():
        for email, org, role, name in demo_users(db):
            if find_user(db, email) is None:
                create_user(db, email, DEMO_PASSWORD, org, role, name)
                print(f"账号：{email}（{role}，{org.name}）密码 {DEMO_PASSWORD}")
    report = _import(env, db, DEMO_DIR / "items.jsonl", today=business_today())
    load_demo_requests(env, db, business_today())
    from ..demo.year import load_demo_year  # a full year (2025) for the annual reports

    load_demo_year(env.settings, env.schema, db, password=DEMO_PASSWORD)
    return 0 if not report.rejected else 3


def load_demo_requests(env: Env, db, today: date) -> None:
    """A few requests in different states, handled by the demo officers (only into an empty
    requests table, so running load-demo again adds nothing)."""

    from ..models import DisclosureRequest, User
    from ..organisations.services import OrganisationTree
    from ..requests import services
    from ..requests.workflow import Actor
    from ..security import user_permits

    rules = services.RequestRules.from_settings(env.settings)
    data = yamlfile.safe_load((DEMO_DIR / "requests.yaml").read_text(encoding="utf-8"))
    db.commit()
    with db.begin():
        if db.scalar(select(func.count()).select_from(DisclosureRequest)):
            return
        tree = OrganisationTree(db)
        for entry in data["requests"]:
            org = db.scalars(
                select(Organisation).where(Organisation.code == entry["organisation"])
            ).one()
            staff = {
                u.role: u for u in db.scalars(select(User).where(User.organisation_id == org.id))
            }
            received = today - timedelta(days=entry["received_days_ago"])
            submission = services.submit(
                db,
                rules,
                {**entry["application"], "organisation": org.code},
                org,
                today=received,
                received_on=received,
            )
            for step in entry["steps"]:
                step = {"action": step} if isinstance(step, str) else dict(step)
                action = step.pop("action")
                if "correction_deadline_days" in step:
                    step["correction_deadline"] = today + timedelta(
                        days=step.pop("correction_deadline_days")
                    )
                step.setdefault("sent_on", received + timedelta(days=1))
                services.act(
                    db,
                    rules,
                    submission.request,
                    action,
                    Actor.officer(
                        staff[Role.OFFICER],
                        user_permits(staff[Role.OFFICER], submission.request, tree.ancestors(org)),
                    ),
                    min(today, received + timedelta(days=2)),
                    step,
                )
            req = submission.request
            print(
                f"演示申请：{req.tracking_number} 查询码 {submission.access_code}（{org.short_name}，{req.status}）"
            )


def cmd_create_user(env: Env, args) -> int:
    password = args.password or os.environ.get("DISCLOSURE_PASSWORD")
    generated = False
    if not password:
        if sys.stdin.isatty():
            password = getpass.getpass("密码 / password: ")
        else:
            password, generated = secrets.token_urlsafe(12), True
    db = env.session()
    with db.begin():
        org = db.scalars(select(Organisation).where(Organisation.code == args.organisation)).first()
        if org is None:
            print(f"错误：未知机构代码 {args.organisation}", file=sys.stderr)
            return 2
        try:
            user = create_user(db, args.email, password, org, args.role, args.name or "")
        except AccountError as exc:
            print(f"错误：{exc}", file=sys.stderr)
            return 2
        print(f"已创建账号 {user.email}（{user.role}，{org.name}）")
    if generated:
        print(f"初始密码 / initial password: {password}")
    return 0


def _import(env: Env, db, path: Path, today: date):
    rows = list(read_rows(path))
    importer = CatalogueImporter(CatalogueService(db, env.schema), today=today)
    with tqdm(total=len(rows), desc="导入", unit="条", file=sys.stderr, disable=None) as bar:
        report = importer.run(rows, progress=bar.update)
    print(f"导入完成：新增 {report.created}，已存在 {report.existing}，拒绝 {len(report.rejected)}")
    for line, reason in report.rejected:
        print(f"  第 {line} 行：{reason}")
    return report


def cmd_import(env: Env, args) -> int:
    db = env.session()
    try:
        with parallel_analysis():  # the search engine's analysis on every core
            report = _import(env, db, Path(args.file), today=business_today())
    except ImportFileError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    return 0 if not report.rejected else 3


def _search(env: Env):
    from ..search.indexer import Indexer
    from ..search.whoosh_index import IndexStore

    store = IndexStore(s.get(env.settings, "search.index_dir"))
    search_index = env.search_index()
    factory = env.session_factory()
    return store, search_index, factory, Indexer(factory, search_index, schema=env.schema)


def cmd_index_worker(env: Env, args) -> int:
    """Apply the outbox to the index, for production (set disclosure.search.indexer = off)."""
    import time

    _, _, _, indexer = _search(env)
    if args.once:
        print(f"已应用 {indexer.run_until_empty()} 条变更")
        return 0
    print("索引进程已启动（Ctrl+C 退出）", file=sys.stderr)
    last_purge = 0.0
    try:
        while True:
            done = indexer.run_until_empty()
            if done:
                print(f"已应用 {done} 条变更", file=sys.stderr)
            if time.monotonic() - last_purge > 3600:
                indexer.prune()  # outbox rows every consumer has passed, older than 7 days
                last_purge = time.monotonic()
            time.sleep(args.interval)
    except KeyboardInterrupt:
        return 0


def cmd_reindex(env: Env, args) -> int:
    """Rebuild the index from the database into a new generation and swap it in."""
    import time

    from ..search.indexer import rebuild
    from ..search.transactional import is_transactional

    store, search_index, factory, _ = _search(env)
    if is_transactional(search_index):
        return _reindex_in_database(env, search_index, factory)
    start = time.monotonic()
    with tqdm(desc="重建索引", unit="条", file=sys.stderr, disable=None) as bar:
        report = rebuild(
            factory,
            store,
            progress=bar.update,
            total=lambda n: bar.reset(total=n),
            procs=args.procs,
            schema=env.schema,
        )
    seconds = time.monotonic() - start
    print(
        f"重建完成：{report.indexed} 条，{seconds:.1f} 秒（{report.indexed / max(seconds, 1e-9):.0f} 条/秒），"
        f"补录变更 {report.replayed} 条，当前索引 {report.generation}"
    )
    return 0


def _reindex_in_database(env: Env, search_index, factory) -> int:
    """A search engine in the application's database (``sqlite``): re-apply every public item
    in short batched transactions, remove what is not public any more, then optimise."""
    import time

    from ..search.transactional import rebuild

    start = time.monotonic()
    with (
        parallel_analysis(),
        tqdm(desc="重建索引", unit="条", file=sys.stderr, disable=None) as bar,
    ):
        report = rebuild(
            factory,
            search_index,
            schema=env.schema,
            progress=bar.update,
            total=lambda n: bar.reset(total=n),
        )
    optimize = getattr(search_index, "optimize", None)
    if optimize:
        optimize()
    seconds = time.monotonic() - start
    print(
        f"重建完成：{report.indexed} 条，{seconds:.1f} 秒（{report.indexed / max(seconds, 1e-9):.0f} 条/秒），"
        f"移除 {report.removed} 条，检索引擎 {search_index.name}"
    )
    _release_whoosh_cursor(factory)
    return 0


def _release_whoosh_cursor(factory) -> None:
    """A transactional engine needs no Whoosh indexer: its change feed cursor (left from a
    Whoosh set-up) would only hold back pruning. Forget it and prune what nobody waits for."""
    from ..search import changefeed
    from ..search.indexer import CONSUMER

    with factory() as db:
        dropped = changefeed.unregister(db, CONSUMER)
        pruned = changefeed.prune(db)
        db.commit()
    if dropped or pruned:
        print(f"变更记录：不再为 {CONSUMER} 保留，清理 {pruned} 条")


def cmd_index_check(env: Env, args) -> int:
    from ..health.checks import probe_search
    from ..search.indexer import check

    _, search_index, factory, indexer = _search(env)
    try:
        probe_search(search_index)  # a missing or corrupt index says so, not a traceback
    except Exception as exc:
        print(f"检索索引无法读取（{search_index.name}）：{type(exc).__name__}: {exc}")
        print("请运行 disclosure reindex 重建索引（数据库不可用时先恢复数据库）。")
        return 2
    report = check(factory, search_index)
    # a transactional engine (sqlite) is written with each change: the outbox is no backlog for it
    pending = "—" if getattr(search_index, "transactional", False) else indexer.pending()
    print(
        f"缺失 {len(report.missing)}，过期 {len(report.stale)}，多余 {len(report.extra)}，待处理变更 {pending}"
    )
    _print_change_feed(factory)
    for label, items in (("缺失", report.missing), ("过期", report.stale), ("多余", report.extra)):
        for value in items[:50]:
            print(f"  {label}：{value}")
        if len(items) > 50:
            print(f"  …… 另有 {len(items) - 50} 条{label}")
    return 0 if report.ok else 1


def _print_change_feed(factory) -> None:
    """The outbox as a change feed: rows held, and each consumer's position and backlog."""
    from ..models import SearchOutbox
    from ..search import changefeed

    with factory() as db:
        held = db.scalar(select(func.count()).select_from(SearchOutbox))
        feed = changefeed.consumers(db)
    print(f"变更记录 {held} 条，订阅者 {len(feed)} 个")
    for c in feed:
        print(
            f"  {c.consumer}：已读至 {c.position}，待处理 {c.pending}，"
            f"更新于 {c.updated_at:%Y-%m-%d %H:%M:%S} UTC"
        )


def _today(args) -> date:
    return date.fromisoformat(args.today) if getattr(args, "today", None) else business_today()


def cmd_remind(env: Env, args) -> int:
    from ..requests.mail import mailer_from_settings
    from ..requests.reminders import remind
    from ..requests.services import RequestRules

    db = env.session()
    rules = RequestRules.from_settings(env.settings)
    report = remind(db, rules, mailer_from_settings(env.settings), _today(args))
    print(
        f"提醒：发送 {report.mails} 封邮件，涉及 {report.cases} 件；今日已提醒跳过 {report.skipped} 件；"
        f"补正期限已过、待工作人员决定是否视为放弃 {len(report.corrections_overdue)} 件"
    )
    for number in report.corrections_overdue:
        print(f"  补正期限已过，待决定：{number}")
    return 0


def cmd_mail_worker(env: Env, args) -> int:
    """Send the mail outbox, for production (set disclosure.mail.worker = off): due messages
    now, failed attempts again after their backoff."""
    import time

    from pyramid.path import DottedNameResolver

    from ..mail.outbox import MailSender
    from ..requests.mail import mailer_from_settings

    env.session()  # creates the engine
    backend = DottedNameResolver().maybe_resolve(s.get(env.settings, "files.backend"))
    sender = MailSender(
        get_session_factory(env._engine),
        mailer_from_settings(env.settings),
        backend.from_settings(env.settings),
    )
    if args.retry_failed:
        print(f"已将 {sender.retry_failed()} 封发送失败的邮件重新排队")

    def run() -> None:
        report = sender.run_once()
        if report:
            print(
                f"邮件：发送 {report.sent} 封，失败待重试 {report.retrying} 封，"
                f"放弃 {report.failed} 封",
                file=sys.stderr,
            )

    if args.once:
        run()
        print(f"待发送 {sender.pending()} 封")
        return 0
    print("邮件发送进程已启动（Ctrl+C 退出）", file=sys.stderr)
    try:
        while True:
            run()
            time.sleep(args.interval)
    except KeyboardInterrupt:
        return 0


def cmd_calendar_load(env: Env, args) -> int:
    from ..calendar.views import load_year
    from ..calendar.workdays import CalendarError
    from ..requests.services import RequestRules

    db = env.session()
    rules = RequestRules.from_settings(env.settings)
    try:
        text = Path(args.file).read_text(encoding="utf-8")
        year, count = load_year(db, rules, text, None, _today(args))
    except (OSError, UnicodeDecodeError) as exc:
        print(f"错误：无法读取 {args.file}：{exc}", file=sys.stderr)
        return 2
    except CalendarError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    db.commit()
    print(f"已载入 {year} 年节假日安排，重新计算了 {count} 件申请的答复期限")
    return 0


def cmd_purge_personal_data(env: Env, args) -> int:
    """Erase ID numbers, proofs, phones, e-mail and addresses of cases closed N years ago."""
    from pyramid.path import DottedNameResolver

    from ..clock import business_today
    from ..requests.purge import cutoff_for, purge_personal_data

    setting = s.get(env.settings, "requests.purge_after_years")
    try:
        years = args.older_than_years
        if years is None:
            years = int(setting)
        today = date.fromisoformat(args.today) if args.today else business_today()
        cutoff = cutoff_for(today, years)
    except ValueError:
        print(
            "错误：--today 应为 YYYY-MM-DD，保存年限（--older-than-years 或 "
            f"disclosure.requests.purge_after_years={setting!r}）应为不小于 0 的整数",
            file=sys.stderr,
        )
        return 2
    backend = DottedNameResolver().maybe_resolve(s.get(env.settings, "files.backend"))
    storage = backend.from_settings(env.settings)
    db = env.session()
    try:
        with tqdm(desc="清除个人信息", unit="件", file=sys.stderr, disable=None) as bar:
            report = purge_personal_data(
                db,
                storage,
                cutoff,
                today=today,
                dry_run=args.dry_run,
                progress=bar.update,
                total=lambda n: bar.reset(total=n),
            )
    finally:
        db.close()
        env._engine.dispose()
    verb = "将清除" if args.dry_run else "已清除"
    print(
        f"{verb} {report.cases} 件已办结申请的个人信息（{cutoff.isoformat()} 之前办结，"
        f"保存期限 {years} 年）：证件号码、身份证明 {report.files} 份、电话、电子邮箱、通信地址"
    )
    for tracking_number in report.tracking_numbers:
        print(f"  {tracking_number}")
    if args.dry_run:
        print("试运行（--dry-run）：未作任何修改")
    elif report.cases:
        print(f"已从文件存储中删除 {report.blobs_deleted} 个文件；各件的办理记录中已记载本次清除")
    return 0


def cmd_files_gc(env: Env, args) -> int:
    """Delete stored files that no database row references and that are older than the grace
    period (left by requests killed between writing a file and committing)."""
    from datetime import UTC, datetime

    from pyramid.path import DottedNameResolver

    from ..clock import utcnow
    from ..files.gc import sweep

    try:
        now = datetime.fromisoformat(args.now) if args.now else utcnow()
        if now.tzinfo is not None:
            now = now.astimezone(UTC).replace(tzinfo=None)
        grace = timedelta(hours=args.grace_hours)
        if args.grace_hours < 0:
            raise ValueError(args.grace_hours)
    except (ValueError, OverflowError):
        print("错误：--now 应为 ISO 时间（UTC），--grace-hours 应为不小于 0 的数", file=sys.stderr)
        return 2
    backend = DottedNameResolver().maybe_resolve(s.get(env.settings, "files.backend"))
    storage = backend.from_settings(env.settings)
    if not hasattr(storage, "remove_if_older"):
        print(f"错误：文件存储 {backend.__name__} 不支持清理", file=sys.stderr)
        return 2
    db = env.session()
    try:
        report = sweep(db, storage, now, grace, dry_run=args.dry_run)
    finally:
        db.close()
        env._engine.dispose()
    verb = "将删除" if args.dry_run else "已删除"
    for name in report.removed:
        print(f"{verb} {name}")
    print(
        f"{verb} {len(report.removed)} 个无引用的文件（早于 {now - grace:%Y-%m-%d %H:%M} UTC）；"
        f"有引用 {report.referenced} 个，无引用但在宽限期内 {report.kept_recent} 个"
    )
    if args.dry_run:
        print("试运行（--dry-run）：未作任何修改")
    return 0


def cmd_backup(env: Env, args) -> int:
    """A consistent backup of the database and the file store (disclosure.backup)."""
    from ..backup.database import BackupError
    from ..backup.services import backup

    try:
        backup(
            env.database_url,
            s.get(env.settings, "files_dir"),
            args.directory,
            say=lambda line: print(line, flush=True),
        )
    except (BackupError, OSError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    return 0


def cmd_restore(env: Env, args) -> int:
    """Replace the database and the file store with a backup (stop the site first)."""
    from ..backup.database import BackupError
    from ..backup.services import restore

    try:
        restore(
            env.database_url,
            s.get(env.settings, "files_dir"),
            args.directory,
            say=lambda line: print(line, flush=True),
        )
    except (BackupError, OSError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    return 0


def cmd_audit_verify(env: Env, args) -> int:
    """Walk every hash chain (case histories, catalogue versions); name what was altered."""
    from ..audit.verify import verify

    factory = get_session_factory(get_engine(env.database_url))
    with factory() as db:
        report = verify(db)
    db.get_bind().dispose()
    for finding in report.findings:
        print(finding.message)
    events, versions = (
        report.entries.get("request_events", 0),
        report.entries.get("catalogue_item_versions", 0),
    )
    summary = (
        f"办理记录 {events} 条（{report.chains.get('request_events', 0)} 件申请），"
        f"目录版本 {versions} 个（{report.chains.get('catalogue_item_versions', 0)} 个条目）"
    )
    if report.findings:
        print(f"发现 {len(report.findings)} 处问题；已检查{summary}")
        return 1
    print(f"哈希链完整：已检查{summary}")
    return 0


def cmd_harvest(env: Env, args) -> int:
    """Pull another instance's public catalogue (its /oai) under one organisation."""
    from ..harvest.command import run

    return run(env, args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="disclosure", description="政府信息公开平台命令行")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("initdb", help="创建或升级数据库（Alembic 迁移）")
    p.add_argument("config")
    p.set_defaults(func=cmd_initdb)
    p = sub.add_parser(
        "load-demo",
        help="载入演示数据：咸阳市机构树、演示账号、目录条目、申请，以及 2025 年全年的申请、复议诉讼和年报录入数据",
    )
    p.add_argument("config")
    p.set_defaults(func=cmd_load_demo)
    p = sub.add_parser("create-user", help="创建工作人员账号")
    p.add_argument("config")
    p.add_argument("email")
    p.add_argument("--organisation", required=True, help="机构代码")
    p.add_argument("--role", required=True, choices=[r.value for r in Role])
    p.add_argument("--name", help="显示名称")
    p.add_argument(
        "--password", help="密码（也可用环境变量 DISCLOSURE_PASSWORD；缺省时交互输入或自动生成）"
    )
    p.set_defaults(func=cmd_create_user)
    p = sub.add_parser("import-catalogue", help="从 CSV 或 JSONL 文件导入目录条目")
    p.add_argument("config")
    p.add_argument("file")
    p.set_defaults(func=cmd_import)
    p = sub.add_parser("index-worker", help="把目录变更写入检索索引（生产环境单独运行）")
    p.add_argument("config")
    p.add_argument("--once", action="store_true", help="处理完当前变更后退出")
    p.add_argument("--interval", type=float, default=2.0, help="轮询间隔（秒）")
    p.set_defaults(func=cmd_index_worker)
    p = sub.add_parser("reindex", help="从数据库重建检索索引并切换（重建期间检索照常）")
    p.add_argument("config")
    p.add_argument(
        "--procs", type=int, default=min(2, os.cpu_count() or 1), help="并行进程数（默认 2）"
    )
    p.add_argument("--limitmb", type=int, default=1024, help="每个进程的索引缓冲内存（MB）")
    p.set_defaults(func=cmd_reindex)
    p = sub.add_parser("index-check", help="检查索引中缺失或过期的条目")
    p.add_argument("config")
    p.set_defaults(func=cmd_index_check)
    p = sub.add_parser(
        "remind",
        help="向工作人员发送即将到期、已逾期和补正期限已过（待决定）申请的提醒邮件（每件每天最多一次）",
    )
    p.add_argument("config")
    p.add_argument("--today", help="按此日期计算（YYYY-MM-DD，默认今天）")
    p.set_defaults(func=cmd_remind)
    p = sub.add_parser(
        "mail-worker", help="发送邮件发件箱中的邮件，失败的按间隔重试（生产环境单独运行）"
    )
    p.add_argument("config")
    p.add_argument("--once", action="store_true", help="发送当前到期的邮件后退出")
    p.add_argument("--interval", type=float, default=10.0, help="轮询间隔（秒）")
    p.add_argument("--retry-failed", action="store_true", help="先把已放弃的邮件重新排队")
    p.set_defaults(func=cmd_mail_worker)
    p = sub.add_parser("calendar-load", help="载入某年的节假日安排（YAML），并重新计算暂定期限")
    p.add_argument("config")
    p.add_argument("file")
    p.add_argument("--today", help="记录日期（YYYY-MM-DD，默认今天）")
    p.set_defaults(func=cmd_calendar_load)
    p = sub.add_parser(
        "purge-personal-data",
        help="清除办结满保存期限的申请中的个人信息（证件号码、身份证明、电话、电子邮箱、通信地址）",
    )
    p.add_argument("config")
    p.add_argument(
        "--older-than-years",
        type=int,
        help="办结满 N 年的申请（默认取配置 disclosure.requests.purge_after_years，为 5）",
    )
    p.add_argument("--today", help="从此日期往前计算（YYYY-MM-DD，默认今天）")
    p.add_argument("--dry-run", action="store_true", help="只列出将清除的申请，不作任何修改")
    p.set_defaults(func=cmd_purge_personal_data)
    p = sub.add_parser(
        "files-gc", help="删除数据库中没有任何记录引用、且早于宽限期的存储文件（中断的提交遗留）"
    )
    p.add_argument("config")
    p.add_argument(
        "--grace-hours", type=float, default=24.0, help="只删除此前写入的文件（默认 24 小时）"
    )
    p.add_argument("--now", help="按此时间计算（ISO 格式，UTC；默认现在）")
    p.add_argument("--dry-run", action="store_true", help="只列出将删除的文件，不作任何修改")
    p.set_defaults(func=cmd_files_gc)
    p = sub.add_parser(
        "backup", help="在线备份数据库和文件存储到一个新目录（含校验清单 manifest.json）"
    )
    p.add_argument("config")
    p.add_argument("directory", help="备份目录（新建或为空）")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser(
        "restore", help="校验备份后，用它替换数据库和文件存储的内容（请先停止网站和后台进程）"
    )
    p.add_argument("config")
    p.add_argument("directory", help="disclosure backup 写出的备份目录")
    p.set_defaults(func=cmd_restore)
    p = sub.add_parser(
        "audit-verify", help="校验申请办理记录和目录版本的哈希链，指出被改动或删除的记录"
    )
    p.add_argument("config")
    p.set_defaults(func=cmd_audit_verify)
    p = sub.add_parser(
        "harvest",
        help="通过 OAI-PMH 从另一实例收割公开目录，归入本机某机构（增量、可断点续传、按索引号去重）",
    )
    p.add_argument("config")
    p.add_argument("source_url", help="来源的 OAI-PMH 地址，如 https://county.example.gov.cn/oai")
    p.add_argument(
        "--as",
        dest="organisation",
        required=True,
        metavar="ORG_CODE",
        help="归入本机的机构代码；来源条目的发布机构须为该机构或其下级机构",
    )
    p.add_argument(
        "--set",
        dest="set_spec",
        help="只收割来源的这个集合（setSpec）；默认：来源中与 ORG_CODE 同代码的机构集合，没有则全部",
    )
    p.add_argument(
        "--full", action="store_true", help="从头收割全部记录（不做增量，放弃中断的收割）"
    )
    p.add_argument("--max-pages", type=int, help="本次最多收割的页数；未收完的部分下次运行时继续")
    p.add_argument("--timeout", type=float, default=60.0, help="每个 HTTP 请求的超时（秒）")
    p.set_defaults(func=cmd_harvest)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        env = Env(args.config)
    except (SchemaError, s.SettingsError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(f"错误：找不到配置文件 {exc.filename or args.config}", file=sys.stderr)
        return 2
    try:
        return args.func(env, args)
    except s.SettingsError as exc:  # e.g. a search engine the database cannot hold
        print(f"错误：{exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
