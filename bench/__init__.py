"""Search benchmarks for the disclosure platform (not part of the installed app).

Modules: ``bench.corpus`` (statutes → catalogue items), ``bench.queries`` (the committed query
and judgement files), ``bench.engines`` (one adapter per search engine) and ``bench.search``
(the harness). See ``bench/README.md``.
"""
