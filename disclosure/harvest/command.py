"""``disclosure harvest CONFIG SOURCE_URL --as ORG_CODE``: what the command does (its arguments
are declared with the other commands in :mod:`disclosure.scripts.cli`).

Exit status: 0 when the source has been harvested completely (or the run stopped where
``--max-pages`` said), 3 when it has, but some records were bad input (each is printed),
1 when the harvest was interrupted (the next run resumes where it stopped), 2 for a usage
error (an unknown organisation, a source address that is not http(s)).
"""

from __future__ import annotations

import sys

from pyramid.path import DottedNameResolver
from tqdm import tqdm

from .. import settings as s
from .client import HarvestError
from .services import Harvester, normalise_url


def run(env, args) -> int:
    try:
        normalise_url(args.source_url)
        if args.max_pages is not None and args.max_pages < 1:
            # i18n: command line
            raise HarvestError("--max-pages 应为正整数")
    except HarvestError as exc:
        # i18n: command line
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    backend = DottedNameResolver().maybe_resolve(s.get(env.settings, "files.backend"))
    harvester = Harvester(
        env.session_factory(),
        env.schema,
        backend.from_settings(env.settings),
        max_bytes=int(s.get(env.settings, "files.max_bytes")),
        say=lambda line: tqdm.write(line, file=sys.stdout),
        timeout=args.timeout,
    )
    try:
        # i18n: command line
        with tqdm(desc="收割", unit="条", file=sys.stderr, disable=None) as bar:
            report = harvester.run(
                args.source_url,
                args.organisation,
                set_spec=args.set_spec,
                full=args.full,
                max_pages=args.max_pages,
                progress=bar.update,
                total=lambda n: bar.reset(total=n) if bar.total is None else None,
            )
    except HarvestError as exc:
        # i18n: command line
        unknown = str(exc).startswith("本机没有机构代码")
        # i18n: command line
        print(f"错误：{exc}", file=sys.stderr)
        if not unknown:
            # i18n: command line
            print("收割已中断；已完成的页已保存，下次运行从中断处继续。", file=sys.stderr)
        return 2 if unknown else 1
    finally:
        if env._engine is not None:
            env._engine.dispose()
    # i18n: command line
    print(f"共 {report.pages} 页：{report.summary()}")
    if report.complete:
        # i18n: command line
        following = f"下次从 {report.next_from} 起增量收割" if report.next_from else "来源暂无记录"
        # i18n: command line
        print(f"收割完成；{following}")
    else:
        # i18n: command line
        print("已按 --max-pages 暂停；下次运行从断点继续")
    return 3 if report.errors else 0
