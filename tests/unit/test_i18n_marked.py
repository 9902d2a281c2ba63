"""Every piece of interface text is marked for translation (disclosure.i18n).

- A template holds Chinese only inside ``_("…")`` or ``{% trans %}…{% endtrans %}`` (and
  comments).
- Python code holds Chinese only inside ``_("…")``, docstrings, log calls and regular
  expressions, in a module whose text is not the interface (EXEMPT: the law's wording, the
  letters, which are legal acts in Chinese, the command line, the demo data…), or in a
  statement that says why with ``# i18n: <reason>`` (on one of its lines, or alone on the line
  above it).

So nothing a reader sees can be left out of the English catalogue, which
``test_i18n_catalogue`` checks is complete.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "disclosure"
TEMPLATES = PACKAGE / "templates"
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")

# modules whose Chinese is not the interface, and why (paths relative to disclosure/)
EXEMPT = {
    "law/": "the law's wording: Chinese is the legal language",
    "letters/templates.py": "the letters' text: legal acts, in Chinese",
    "letters/builders.py": "the letters' text: legal acts, in Chinese",
    "requests/printable.py": "the paper application form: a legal document, in Chinese",
    "scripts/": "the command line, for the site's operators",
    "demo/": "the demonstration data",
    "search/analysis.py": "Chinese text analysis (stop words, folding, segmentation)",
    "calendar/holidays.py": "the State Council's holiday names (data)",
    "requests/mail.py": "the e-mails to applicants: notices of legal acts, in Chinese",
    "reports/pdf.py": "the annual report's PDF: the published legal report, in Chinese",
    "api/openapi.py": "the API's reference document (OpenAPI), written in Chinese",
    "backup/": "the command line (backup and restore), for the site's operators",
    "audit/verify.py": "the command line (audit-verify), for the site's operators",
}

TEMPLATE_MARKED = re.compile(
    r"\{#.*?#\}"  # comments
    r"|\{%-?\s*trans\b.*?%\}.*?\{%-?\s*endtrans\s*-?%\}"  # trans blocks
    r"|\b_\(\s*(?:\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')",  # _("…") and _('…')
    re.S,
)


def exempt(relative: str) -> bool:
    return any(relative == key or relative.startswith(key) for key in EXEMPT if key)


def template_problems(text: str) -> list[str]:
    rest = TEMPLATE_MARKED.sub("", text)
    return [line.strip() for line in rest.splitlines() if CJK.search(line)]


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        base = func.value
        prefix = base.id if isinstance(base, ast.Name) else ""
        return f"{prefix}.{func.attr}"
    return ""


def _allowed_call(name: str) -> bool:
    head, _dot, attr = name.rpartition(".")
    return (
        name == "_"
        or head in ("log", "logger", "logging", "re")
        or attr in ("debug", "info", "warning", "error", "exception")
        and head.endswith("log")
    )


def python_problems(source: str) -> list[tuple[int, str]]:
    tree = ast.parse(source)
    lines = source.splitlines()
    parents: dict[ast.AST, ast.AST] = {}
    for parent in ast.walk(tree):
        for child in ast.iter_child_nodes(parent):
            parents[child] = parent
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(body[0].value)
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        if node in docstrings or not CJK.search(node.value):
            continue
        allowed = False
        cursor = node
        statement = None
        while cursor in parents:
            cursor = parents[cursor]
            if isinstance(cursor, ast.Call) and _allowed_call(_call_name(cursor)):
                allowed = True
                break
            if isinstance(cursor, ast.stmt) and statement is None:
                statement = cursor
        if allowed:
            continue
        first = (statement or node).lineno - 1
        last = (statement or node).end_lineno or node.lineno
        if first > 0 and lines[first - 1].lstrip().startswith("# i18n:"):
            first -= 1  # the reason on a line of its own, just above
        if any("# i18n:" in lines[i] for i in range(first, last)):
            continue
        found.append((node.lineno, node.value[:40]))
    return found


TEMPLATE_FILES = sorted(TEMPLATES.rglob("*.jinja2"))
PYTHON_FILES = sorted(
    p for p in PACKAGE.rglob("*.py") if not exempt(p.relative_to(PACKAGE).as_posix())
)


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_template_text_is_marked(path):
    problems = template_problems(path.read_text(encoding="utf-8"))
    assert not problems, f"unmarked Chinese in {path.relative_to(ROOT)}: {problems[:10]}"


@pytest.mark.parametrize("path", PYTHON_FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_python_text_is_marked(path):
    problems = python_problems(path.read_text(encoding="utf-8"))
    assert not problems, f"unmarked Chinese in {path.relative_to(ROOT)}: {problems[:10]}"


def test_the_checks_see_unmarked_text():
    assert template_problems('<p>{{ _("已标记") }}</p>\n<p>未标记</p>') == ["<p>未标记</p>"]
    assert template_problems("{% trans n=1 %}共 {{ n }} 条{% endtrans %}{# 注释 #}") == []
    source = 'import re\nA = _("好")\nB = "坏"\nC = re.compile("第")\nD = "法"  # i18n: legal\n'
    assert python_problems(source) == [(3, "坏")]
    assert python_problems('x = f"共{n}条"\n') == [(1, "共"), (1, "条")]
