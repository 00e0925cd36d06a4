"""The production metrics log (notebook 06): append-only SQLite rows, all-or-nothing batches, clear refusals,
concurrent writers, the file left untouched when it is not ours, and the chart over time."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from helpers.rag.tracker import MetricsTracker, TrackerError, default_path, over_time


def row(**changes):
    base = {"run": "r1", "pipeline": "p", "model": "m", "question": "q?", "query_id": "qa-1", "retrieved": ["d1", "d2"],
            "retrieval_ms": 12.5, "generation_ms": 800.0, "input_tokens": 700, "output_tokens": 40, "cost_usd": 0.0,
            "relevance": 4, "groundedness": None, "context_utilization": float("nan"), "correct": True,
            "cites_gold": False, "judge_ok": True, "answer": "ignored extra field"}
    return {**base, **changes}


def test_round_trip(tmp_path):
    log = MetricsTracker(tmp_path / "m.sqlite")
    assert log.record([row(ts=1000.0), row(ts=1001.0, pipeline="q", correct=False)]) == 2
    table = log.frame()
    assert table["pipeline"].tolist() == ["p", "q"]
    assert table.loc[0, "retrieved"] == ["d1", "d2"]
    assert table.loc[0, "correct"] == 1 and table.loc[1, "correct"] == 0
    assert table["groundedness"].isna().all() and table["context_utilization"].isna().all()
    assert str(table.loc[0, "time"]) == "1970-01-01 00:16:40"
    assert len(log.frame(since=1000.5)) == 1 and len(log.frame(run="nope")) == 0
    assert len(MetricsTracker(tmp_path / "m.sqlite").frame()) == 2  # a new tracker on the same file sees the rows


@pytest.mark.parametrize("bad, message", [
    ({"retrieval_ms": -3}, "retrieval_ms=-3 is not a finite number >= 0"),
    ({"cost_usd": float("inf")}, "cost_usd=inf"),
    ({"input_tokens": "700"}, "input_tokens='700'"),
    ({"generation_ms": True}, "generation_ms=True"),
    ({"pipeline": ""}, "lacks ['pipeline']"),
    ({"retrieved": None}, "lacks ['retrieved']"),
])
def test_bad_record_is_refused_and_nothing_of_the_batch_is_stored(tmp_path, bad, message):
    log = MetricsTracker(tmp_path / "m.sqlite")
    log.record([row()])
    with pytest.raises(TrackerError, match="record 1") as info:
        log.record([row(), row(**bad)])
    assert message in str(info.value) and "nothing from this batch was stored" in str(info.value)
    assert len(log.frame()) == 1


def test_a_file_that_is_not_a_database_is_left_alone(tmp_path):
    path = tmp_path / "notes.sqlite"
    path.write_bytes(b"my notes, not a database\n" * 100)
    before = path.read_bytes()
    with pytest.raises(TrackerError, match="move the file aside"):
        MetricsTracker(path)
    assert path.read_bytes() == before


def test_someone_elses_queries_table_is_refused(tmp_path):
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE queries (id INTEGER PRIMARY KEY, sql TEXT)")
    with pytest.raises(TrackerError, match="belongs to something else"):
        MetricsTracker(path)


def test_concurrent_writers_lose_nothing(tmp_path):
    path = tmp_path / "m.sqlite"
    MetricsTracker(path)
    errors = []

    def writer(n):
        try:
            log = MetricsTracker(path)
            for i in range(20):
                log.record([row(run=f"w{n}", query_id=str(i))])
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    table = MetricsTracker(path).frame()
    assert len(table) == 80 and table.groupby("run").size().tolist() == [20] * 4


def test_default_path_is_under_the_course_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    assert default_path().is_relative_to(tmp_path)
    log = MetricsTracker()
    assert log.path == default_path() and log.path.is_file()


def test_chart_over_time(tmp_path):
    log = MetricsTracker(tmp_path / "m.sqlite")
    log.record([row(ts=1000.0 + i, pipeline="a" if i % 2 else "b", groundedness=i % 5 + 1) for i in range(10)])
    fig = over_time(log.frame(), metrics=("latency_ms", "groundedness"), window=3)
    assert len(fig.data) == 2 * 2 * 2  # metrics x pipelines x (dots, rolling line)
    lines = [t for t in fig.data if t.mode == "lines"]
    assert {t.name for t in lines} == {"a", "b"}
    assert list(fig.data[0].y) == pytest.approx([812.5] * 5)  # latency = retrieval + generation
