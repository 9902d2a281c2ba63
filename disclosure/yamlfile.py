"""The project's own YAML files (``catalog_schemas/``, the demo data), read with libyaml.

PyYAML's pure-Python parser took about 0.4 s of every process's start-up (each command, each
app server, each test worker) to read ``catalog_schemas/``; its C parser (libyaml, in PyYAML's
wheels) reads the same files into the same data about ten times faster (0.04 s). Both are safe loaders:
plain data, no Python objects. Text typed by users (the holiday arrangement form) keeps the
pure-Python parser, whose error messages it shows.
"""

from __future__ import annotations

from typing import IO, Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(source: str | bytes | IO) -> Any:
    """``yaml.safe_load`` with libyaml when PyYAML was built with it; errors are
    ``yaml.YAMLError`` either way."""
    return yaml.load(source, Loader=_LOADER)  # noqa: S506 (a safe loader)
