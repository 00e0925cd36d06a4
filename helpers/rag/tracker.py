"""Production metrics for a RAG service: every answered query appends one row (latency, tokens, dollars, the
deterministic checks, the judge's scores) to a local SQLite file, and the history is plotted over time.

Taught in notebooks/06b_when_rag_is_not_the_answer.ipynb (section 3). SQLite makes each write a transaction: a crash
mid-write, or two kernels writing at once, never leaves a half-written row. The file lives under
``$COURSE_CACHE_DIR/metrics``.
"""

from __future__ import annotations

import json
import math
import numbers
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from helpers import env

NUMBERS = ("retrieval_ms", "generation_ms", "input_tokens", "output_tokens", "cost_usd", "relevance", "groundedness",
           "context_utilization")
FLAGS = ("correct", "cites_gold", "judge_ok")
COLUMNS = {"ts": "REAL NOT NULL", "run": "TEXT NOT NULL", "pipeline": "TEXT NOT NULL", "model": "TEXT NOT NULL",
           "query_id": "TEXT", "question": "TEXT NOT NULL", "retrieved": "TEXT NOT NULL",
           **{n: "REAL" for n in NUMBERS}, **{f: "INTEGER" for f in FLAGS}}


class TrackerError(ValueError):
    """A record the tracker cannot store, or a file that is not its database; the message says what to do."""


def default_path() -> Path:
    return env.cache_dir() / "metrics" / "rag_queries.sqlite"


class MetricsTracker:
    """Append-only query log: ``tracker.record(rows)``, ``tracker.frame()``, :func:`over_time`."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with self._connect() as conn:
                columns = ", ".join(f"{name} {kind}" for name, kind in COLUMNS.items())
                conn.execute(f"CREATE TABLE IF NOT EXISTS queries (id INTEGER PRIMARY KEY, {columns})")
                have = {row[1] for row in conn.execute("PRAGMA table_info(queries)")}
                if not set(COLUMNS) <= have:
                    raise TrackerError(f"{self.path} has a 'queries' table without the columns "
                                       f"{sorted(set(COLUMNS) - have)}; it belongs to something else. Pass "
                                       "another path.")
                conn.execute("CREATE INDEX IF NOT EXISTS queries_ts ON queries (ts)")
        except sqlite3.DatabaseError as exc:
            raise TrackerError(f"{self.path} is not a metrics database ({exc}). Nothing was changed: move the file "
                               "aside (or pass another path) and a new database will be created.") from exc

    @contextmanager
    def _connect(self):
        """One connection per operation: a transaction that commits on success, rolls back on error, then closes."""
        conn = sqlite3.connect(self.path, timeout=30)
        try:
            conn.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
            with conn:
                yield conn
        finally:
            conn.close()

    @staticmethod
    def _clean(row: dict, number: int) -> dict:
        missing = [k for k in ("run", "pipeline", "model", "question", "retrieved") if row.get(k) in (None, "")]
        if missing:
            raise TrackerError(f"record {number} lacks {missing}; nothing from this batch was stored.")
        out = {k: row[k] for k in ("run", "pipeline", "model", "question")}
        out["query_id"] = None if row.get("query_id") is None else str(row["query_id"])
        out["retrieved"] = json.dumps(list(row["retrieved"]))
        out["ts"] = float(row.get("ts") or time.time())
        for name in NUMBERS:
            value = row.get(name)
            if value is None or (isinstance(value, float) and math.isnan(value)):
                out[name] = None
                continue
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value < 0:
                raise TrackerError(f"record {number}: {name}={value!r} is not a finite number >= 0; nothing from "
                                   "this batch was stored.")
            out[name] = float(value)
        for name in FLAGS:
            value = row.get(name)
            out[name] = None if value is None or (isinstance(value, float) and math.isnan(value)) else int(bool(value))
        return out

    def record(self, rows) -> int:
        """Validate every row, then append them all in one transaction (all or nothing). Returns the count."""
        rows = [self._clean(dict(r), n) for n, r in enumerate(rows)]
        if not rows:
            return 0
        names = list(COLUMNS)
        with self._connect() as conn:  # commits on success, rolls back on any error
            conn.executemany(f"INSERT INTO queries ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                             [[r[n] for n in names] for r in rows])
        return len(rows)

    def frame(self, *, since: float | None = None, run: str | None = None) -> pd.DataFrame:
        """The log as a DataFrame (``time`` as datetimes), optionally from ``since`` (epoch seconds) or one run."""
        query, params = "SELECT * FROM queries WHERE 1=1", []
        if since is not None:
            query, params = query + " AND ts >= ?", params + [since]
        if run is not None:
            query, params = query + " AND run = ?", params + [run]
        with self._connect() as conn:
            table = pd.read_sql_query(query + " ORDER BY ts, id", conn, params=params)
        table["retrieved"] = table["retrieved"].map(json.loads)
        table.insert(1, "time", pd.to_datetime(table["ts"], unit="s"))
        return table


def over_time(table: pd.DataFrame, metrics=("latency_ms", "groundedness", "correct"), *, window: int = 5):
    """A plotly figure: one panel per metric, each query a dot, a rolling mean of ``window`` queries per
    pipeline as a line (``latency_ms`` is retrieval + generation)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    table = table.assign(latency_ms=table["retrieval_ms"].fillna(0) + table["generation_ms"].fillna(0))
    fig = make_subplots(rows=len(metrics), cols=1, shared_xaxes=True, subplot_titles=list(metrics))
    for row, metric in enumerate(metrics, start=1):
        for n, (pipeline, part) in enumerate(table.groupby("pipeline", sort=False)):
            color = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"][n % 5]
            values = part[metric].astype(float)
            fig.add_trace(go.Scatter(x=part["time"], y=values, mode="markers", marker={"color": color, "size": 5},
                                     opacity=0.4, name=pipeline, legendgroup=pipeline, showlegend=False), row, 1)
            fig.add_trace(go.Scatter(x=part["time"], y=values.rolling(window, min_periods=1).mean(), mode="lines",
                                     line={"color": color}, name=pipeline, legendgroup=pipeline,
                                     showlegend=row == 1), row, 1)
    fig.update_layout(height=220 * len(metrics), title=f"Per-query metrics over time (rolling mean of {window})")
    return fig
