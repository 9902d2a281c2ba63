"""Demo data for ``disclosure load-demo``: catalogue items and requests (``items.jsonl``,
``requests.yaml``) and a full year of cases (:mod:`disclosure.demo.year`)."""
