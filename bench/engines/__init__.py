"""The benchmarked search engines: ``ENGINES[name]`` is an adapter class (see ``base.Engine``).

``whoosh_app`` (the app's own Chinese analysis, ``bench/engines/whoosh_app.py``) and ``xapian``
(the ``bench`` extra's Xapian bindings) are registered when they can be imported: the test
suite, installed without the ``bench`` extra, imports the benchmark modules too.
"""

from __future__ import annotations

from .base import BenchQuery, Engine
from .fts5 import Fts5Engine
from .whoosh_default import WhooshDefaultEngine

ENGINES: dict[str, type] = {
    "whoosh_default": WhooshDefaultEngine,
    "fts5": Fts5Engine,
}

try:
    from .xapian_engine import XapianEngine
except ImportError:
    pass
else:
    ENGINES["xapian"] = XapianEngine

try:
    from .whoosh_app import WhooshAppEngine, WhooshAppFullEngine
except ImportError:
    pass
else:
    ENGINES["whoosh_app"] = WhooshAppEngine
    ENGINES["whoosh_app_full"] = WhooshAppFullEngine

__all__ = ["ENGINES", "BenchQuery", "Engine"]
