"""helpers.agents.support_db: the SQLite database is built by code from data/support_db/*.csv, rebuilt only when a CSV
changes, opened read-only, and bad CSVs are reported with their file and line."""

from __future__ import annotations

import csv
import shutil
import sqlite3
from pathlib import Path

import pytest

from helpers.agents import support_db
from helpers.agents.support_db import SupportDataError

CSV_DIR = support_db.CSV_DIR


def csv_rows(name: str) -> int:
    with open(CSV_DIR / f"{name}.csv", encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


@pytest.fixture()
def csv_copy(tmp_path) -> Path:
    """A private copy of the CSVs that a test may break."""
    folder = tmp_path / "csv"
    shutil.copytree(CSV_DIR, folder, ignore=shutil.ignore_patterns("*.py", "*.md", "__pycache__"))
    return folder


def replace_line(path: Path, line_no: int, new: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[line_no - 1] = new + "\n"
    path.write_text("".join(lines), encoding="utf-8")


def test_build_loads_every_row_of_every_csv(tmp_path):
    path = support_db.build_database(tmp_path / "support.sqlite")
    with support_db.connect(path) as conn:
        counts = support_db.table_counts(conn)
    assert counts == {name: csv_rows(name) for name in support_db.TABLE_NAMES}
    assert counts["customers"] >= 300 and counts["incidents"] >= 9


def test_schema_has_types_keys_and_indexes(tmp_path):
    conn = support_db.connect(support_db.build_database(tmp_path / "s.sqlite"))
    columns = {row["name"]: row for row in conn.execute("PRAGMA table_info(invoices)")}
    assert columns["amount_usd"]["type"] == "REAL" and columns["amount_usd"]["notnull"] == 1
    assert columns["invoice_id"]["pk"] == 1 and columns["paid_at"]["notnull"] == 0
    refs = {(r["from"], r["table"]) for r in conn.execute("PRAGMA foreign_key_list(upgrade_history)")}
    assert {("customer_id", "customers"), ("invoice_id", "invoices"), ("to_plan", "plans")} <= refs
    impact_pk = [r["name"] for r in conn.execute("PRAGMA table_info(incident_impacts)") if r["pk"]]
    assert impact_pk == ["incident_id", "customer_id"]
    indexes = {r["name"] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "idx_upgrade_history_customer_id_effective_at" in indexes and "idx_members_customer_id" in indexes
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()


def test_rebuilds_only_when_a_csv_changes(tmp_path, csv_copy):
    target = tmp_path / "db" / "support.sqlite"
    support_db.build_database(target, csv_dir=csv_copy)
    first = target.stat().st_ino, target.stat().st_mtime_ns
    support_db.build_database(target, csv_dir=csv_copy)
    assert (target.stat().st_ino, target.stat().st_mtime_ns) == first           # unchanged: not rebuilt
    incidents = csv_copy / "incidents.csv"
    incidents.write_text(incidents.read_text(encoding="utf-8").replace("Duplicate Slack alert messages",
                                                                       "Slack alerts sent twice"), encoding="utf-8")
    before = support_db.stored_fingerprint(target)
    support_db.build_database(target, csv_dir=csv_copy)
    assert support_db.stored_fingerprint(target) != before == support_db.fingerprint(CSV_DIR)
    with support_db.connect(target, build=False) as conn:
        title = conn.execute("SELECT title FROM incidents WHERE incident_id = ?", ("INC-2025-10-21",)).fetchone()[0]
    assert title == "Slack alerts sent twice"
    assert sorted(p.name for p in target.parent.iterdir()) == ["support.sqlite"]  # no temporary files left


def test_default_location_is_the_course_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    path = support_db.build_database()
    assert path == tmp_path / "cache" / "support.sqlite" and path.is_file()


def test_connection_is_read_only(tmp_path):
    conn = support_db.connect(support_db.build_database(tmp_path / "s.sqlite"))
    with pytest.raises(sqlite3.OperationalError):
        conn.execute("DELETE FROM customers")
    with pytest.raises(sqlite3.OperationalError):
        conn.execute("DROP TABLE customers")
    assert conn.execute("SELECT COUNT(*) FROM customers").fetchone()[0] == csv_rows("customers")
    conn.close()


def set_field(path: Path, line_no: int, column: str, value: str) -> None:
    """Write ``value`` into one cell of a CSV (line numbers count the header as line 1)."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[line_no - 1][rows[0].index(column)] = value
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


@pytest.mark.parametrize("name, line, column, value, expected", [
    ("subscriptions", 7, "current_period_start", "2026-13-01",
     "subscriptions.csv, line 7: column 'current_period_start' should be a date YYYY-MM-DD, not '2026-13-01'"),
    ("members", 2, "customer_id", "C-00000", "members.csv, line 2: a reference points at a row that does not exist"),
    ("sources", 4, "created_at", "yesterday", "sources.csv, line 4: column 'created_at' should be a date"),
    ("customers", 9, "canary_ring", "maybe", "customers.csv, line 9: column 'canary_ring' should be 0 or 1"),
    ("invoices", 3, "amount_usd", "12,50", "invoices.csv, line 3: column 'amount_usd' should be a number"),
    ("invoices", 5, "status", "refunded", "invoices.csv, line 5: a value is not allowed"),
    ("upgrade_history", 6, "effective_at", "2026-11-12 03:52", "upgrade_history.csv, line 6: column 'effective_at'"),
    ("customers", 3, "company_name", "", "customers.csv, line 3: column 'company_name' is empty but required"),
])
def test_bad_cell_names_the_file_line_and_column(tmp_path, csv_copy, name, line, column, value, expected):
    set_field(csv_copy / f"{name}.csv", line, column, value)
    with pytest.raises(SupportDataError) as info:
        support_db.build_database(tmp_path / "bad.sqlite", csv_dir=csv_copy)
    assert expected in str(info.value)
    assert not (tmp_path / "bad.sqlite").exists()


@pytest.mark.parametrize("name, line, make, expected", [
    ("customers", 5, lambda row: row + ",extra", "customers.csv, line 5: expected 12 fields, found 13"),
    ("invoices", 3, lambda row: row.replace(",", ",oops,", 1), "invoices.csv, line 3: expected 12 fields, found 13"),
    ("incidents", 4, lambda row: row.split(",", 1)[0], "incidents.csv, line 4: expected 13 fields, found 1"),
    ("plans", 1, lambda row: row.replace("plan_id", "id"), "plans.csv, line 1: header should be"),
])
def test_malformed_line_names_the_file_and_line(tmp_path, csv_copy, name, line, make, expected):
    path = csv_copy / f"{name}.csv"
    replace_line(path, line, make(path.read_text(encoding="utf-8").splitlines()[line - 1]))
    with pytest.raises(SupportDataError) as info:
        support_db.build_database(tmp_path / "bad.sqlite", csv_dir=csv_copy)
    assert expected in str(info.value)


def test_unterminated_quote_is_reported_with_its_line(tmp_path, csv_copy):
    path = csv_copy / "incidents.csv"
    with open(path, "a", encoding="utf-8") as handle:
        handle.write('INC-2026-12-01,2026-12-01,Sev-3,resolved,"broken title\n')
    with pytest.raises(SupportDataError, match=r"incidents\.csv, line \d+"):
        support_db.build_database(tmp_path / "bad.sqlite", csv_dir=csv_copy)


def test_duplicate_primary_key_is_reported(tmp_path, csv_copy):
    path = csv_copy / "incidents.csv"
    rows = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(rows + [rows[1]]) + "\n", encoding="utf-8")
    with pytest.raises(SupportDataError, match=rf"incidents\.csv, line {len(rows) + 1}: duplicate value"):
        support_db.build_database(tmp_path / "bad.sqlite", csv_dir=csv_copy)


def test_missing_csv_is_named(tmp_path, csv_copy):
    (csv_copy / "plans.csv").unlink()
    with pytest.raises(SupportDataError, match=r"plans\.csv is missing"):
        support_db.build_database(tmp_path / "bad.sqlite", csv_dir=csv_copy)


def test_failed_rebuild_keeps_the_previous_database(tmp_path, csv_copy):
    target = tmp_path / "support.sqlite"
    support_db.build_database(target, csv_dir=csv_copy)
    good = support_db.stored_fingerprint(target)
    replace_line(csv_copy / "customers.csv", 2, "C-1,broken")
    with pytest.raises(SupportDataError):
        support_db.build_database(target, csv_dir=csv_copy)
    assert support_db.stored_fingerprint(target) == good
    with support_db.connect(target, build=False) as conn:
        assert conn.execute("SELECT COUNT(*) FROM customers").fetchone()[0] == csv_rows("customers")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["csv", "support.sqlite"]


def test_a_foreign_file_is_rebuilt_not_trusted(tmp_path):
    target = tmp_path / "support.sqlite"
    target.write_bytes(b"not a database at all")
    assert support_db.stored_fingerprint(target) is None
    support_db.build_database(target)
    assert support_db.stored_fingerprint(target) == support_db.fingerprint()
