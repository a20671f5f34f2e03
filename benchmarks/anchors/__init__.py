"""SPEC 10's anchors: the plan of one campaign written by hand with DuckDB, Polars and pandas.

Each is `python -m benchmarks.anchors.<name> CAMPAIGN.yaml --touches TOUCHES.csv --out DIR
[--as-of DATE]` and writes `send_list.csv` and `excluded.csv`; `benchmarks.run` times them in
the same run as `planner build`. `common` holds what they share (criteria constants, the
campaign's values, the gazetteer tables), so the anchors differ only in their engine.
"""
