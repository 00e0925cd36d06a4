"""The support database behind the agent's tools: SQLite built by code from the CSV files in data/support_db/.

Taught in notebooks/05_agentic_rag.ipynb. ``build_database()`` creates the schema (types, primary and foreign keys,
CHECK constraints, indexes), loads every CSV with its types checked, and renames the finished file into place under
the course cache; it rebuilds only when a CSV (or the schema) changes. ``connect()`` opens it read-only. A missing or
malformed CSV raises ``SupportDataError`` naming the file and the line.
"""

from __future__ import annotations

import csv
import datetime as dt
from contextlib import closing
import hashlib
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from helpers import env, paths
from helpers.files import atomic_path

ROOT = paths.REPO_ROOT
CSV_DIR = paths.DATA_DIR / "support_db"
DB_NAME = "support.sqlite"
SCHEMA_VERSION = 1

# STRICT tables (SQLite >= 3.37) also make SQLite refuse a wrongly typed value; older SQLite still gets the loader's
# checks, which run before any row is written.
_STRICT = " STRICT" if sqlite3.sqlite_version_info >= (3, 37) else ""
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


class SupportDataError(ValueError):
    """A CSV of the support database is missing or malformed; the message names the file and the line."""


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "text"          # text, int, real, bool, date, timestamp
    required: bool = True       # False: an empty cell becomes NULL
    check: str = ""             # extra SQL CHECK on this column (a constant, never user input)


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[tuple[str, str, str], ...] = ()   # (column, table, column)
    unique: tuple[str, ...] = ()
    indexes: tuple[tuple[str, ...], ...] = ()

    @property
    def csv_name(self) -> str:
        return f"{self.name}.csv"


_SQL_TYPES = {"text": "TEXT", "int": "INTEGER", "real": "REAL", "bool": "INTEGER", "date": "TEXT",
              "timestamp": "TEXT"}


def _in(*values: str) -> str:
    return "IN (" + ", ".join("'" + v + "'" for v in values) + ")"


C = Column
TABLES: tuple[Table, ...] = (
    Table("plans", (
        C("plan_id"), C("name"), C("legacy_name", required=False), C("rank", "int"),
        C("monthly_price_usd", "real", False), C("annual_price_usd", "real", False), C("seats_included", "int", False),
        C("extra_seat_usd", "real", False), C("source_limit", "int", False), C("board_limit", "int", False),
        C("sync_frequency"), C("retention"), C("api_rate_limit_per_min", "int", False), C("support"),
        C("sla_uptime_pct", "real", False), C("pulse_ai", "bool"), C("sso", "bool"), C("scim", "bool"),
        C("audit_logs", "bool")), ("plan_id",), unique=("name",)),
    Table("customers", (
        C("customer_id", check="LIKE 'C-%'"), C("company_name"), C("workspace_slug"),
        C("region", check=_in("eu-west", "us-east")), C("country"), C("city"), C("industry"),
        C("created_at", "date"), C("signup_plan"), C("sso_provider", required=False), C("canary_ring", "bool"),
        C("board_count", "int", check=">= 0")), ("customer_id",),
        foreign_keys=(("signup_plan", "plans", "plan_id"),), unique=("workspace_slug",),
        indexes=(("company_name",),)),
    Table("subscriptions", (
        C("subscription_id"), C("customer_id"), C("plan_id"),
        C("billing_cycle", check=_in("none", "monthly", "annual", "contract")),
        C("status", check=_in("active", "past_due", "suspended")), C("started_at", "date"),
        C("current_period_start", "date", False), C("current_period_end", "date", False),
        C("renewal_price_usd", "real", check=">= 0"), C("extra_seats", "int", check=">= 0"),
        C("contract_seats", "int", False), C("contract_value_usd", "real", False), C("cancel_at_period_end", "bool"),
        C("past_due_since", "date", False), C("suspended_at", "date", False), C("payment_method", required=False)),
        ("subscription_id",), foreign_keys=(("customer_id", "customers", "customer_id"),
                                            ("plan_id", "plans", "plan_id")),
        unique=("customer_id",), indexes=(("plan_id",), ("status",))),
    Table("members", (
        C("member_id"), C("customer_id"), C("full_name"), C("email"),
        C("role", check=_in("Owner", "Admin", "Editor", "Viewer", "Billing manager")),
        C("status", check=_in("active", "deactivated")), C("joined_at", "date"), C("deactivated_at", "date", False)),
        ("member_id",), foreign_keys=(("customer_id", "customers", "customer_id"),),
        indexes=(("customer_id",),)),
    Table("sources", (
        C("source_id"), C("customer_id"),
        C("source_type", check=_in("postgres", "mysql", "bigquery", "snowflake", "google_sheets", "csv", "stripe",
                                   "hubspot", "webhook")),
        C("name"), C("created_at", "date")), ("source_id",),
        foreign_keys=(("customer_id", "customers", "customer_id"),), indexes=(("customer_id",),)),
    Table("invoices", (
        C("invoice_id", check="LIKE 'INV-____-______'"), C("customer_id"), C("subscription_id"),
        C("issued_at", "timestamp"), C("kind", check=_in("subscription", "proration")),
        C("period_start", "date"), C("period_end", "date"), C("amount_usd", "real", check=">= 0"),
        C("status", check=_in("paid", "open", "past_due", "unpaid")), C("attempts", "int", check=">= 1"),
        C("paid_at", "timestamp", False), C("note", required=False)), ("invoice_id",),
        foreign_keys=(("customer_id", "customers", "customer_id"),
                      ("subscription_id", "subscriptions", "subscription_id")),
        indexes=(("customer_id", "issued_at"),)),
    Table("upgrade_history", (
        C("change_id"), C("customer_id"), C("requested_at", "timestamp"), C("effective_at", "timestamp"),
        C("change_type", check=_in("upgrade", "downgrade", "cancellation", "seats_added", "reactivation")),
        C("from_plan"), C("to_plan"), C("seats_delta", "int"), C("invoice_id", required=False),
        C("entitlements_applied_at", "timestamp", False), C("note", required=False)), ("change_id",),
        foreign_keys=(("customer_id", "customers", "customer_id"), ("from_plan", "plans", "plan_id"),
                      ("to_plan", "plans", "plan_id"), ("invoice_id", "invoices", "invoice_id")),
        indexes=(("customer_id", "effective_at"), ("effective_at",))),
    Table("incidents", (
        C("incident_id"), C("incident_date", "date"), C("severity", check=_in("Sev-1", "Sev-2", "Sev-3")),
        C("status", check=_in("investigating", "monitoring", "resolved")), C("title"),
        C("started_at", "timestamp"), C("resolved_at", "timestamp", False), C("regions"), C("components"),
        C("affected_pct", "real"), C("summary"), C("keywords"), C("postmortem_doc_id", required=False)),
        ("incident_id",), indexes=(("started_at",),)),
    Table("incident_impacts", (C("incident_id"), C("customer_id"), C("detail")), ("incident_id", "customer_id"),
          foreign_keys=(("incident_id", "incidents", "incident_id"), ("customer_id", "customers", "customer_id")),
          indexes=(("customer_id",),)),
)
TABLE_NAMES = tuple(t.name for t in TABLES)


def schema_sql() -> list[str]:
    """CREATE TABLE / CREATE INDEX statements for every table (built from the constants above)."""
    statements = []
    for table in TABLES:
        lines = []
        for col in table.columns:
            line = f"{col.name} {_SQL_TYPES[col.kind]}" + (" NOT NULL" if col.required else "")
            if col.check:
                line += f" CHECK ({col.name} {col.check})"
            if col.kind == "bool":
                line += f" CHECK ({col.name} IN (0, 1))"
            lines.append(line)
        lines.append(f"PRIMARY KEY ({', '.join(table.primary_key)})")
        lines += [f"UNIQUE ({name})" for name in table.unique]
        lines += [f"FOREIGN KEY ({col}) REFERENCES {other} ({other_col})"
                  for col, other, other_col in table.foreign_keys]
        statements.append(f"CREATE TABLE {table.name} (\n  " + ",\n  ".join(lines) + "\n)" + _STRICT)
        for cols in table.indexes:
            statements.append(f"CREATE INDEX idx_{table.name}_{'_'.join(cols)} ON {table.name} ({', '.join(cols)})")
    return statements


# ------------------------------------------------------------------------------------------------- reading CSVs
def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _convert(value: str, col: Column, where: str):
    """One cell to its Python value, or a SupportDataError that says what was expected."""
    if value == "":
        if col.required:
            raise SupportDataError(f"{where}: column '{col.name}' is empty but required")
        return None
    try:
        if col.kind == "int":
            return int(value)
        if col.kind == "real":
            return float(value)
        if col.kind == "bool":
            if value not in ("0", "1"):
                raise ValueError
            return int(value)
        if col.kind == "date":
            if not _DATE.fullmatch(value):
                raise ValueError
            dt.date.fromisoformat(value)
        if col.kind == "timestamp":
            if not _TIMESTAMP.fullmatch(value):
                raise ValueError
            dt.datetime.fromisoformat(value[:-1])
    except ValueError:
        expected = {"int": "an integer", "real": "a number", "bool": "0 or 1", "date": "a date YYYY-MM-DD",
                    "timestamp": "a UTC time YYYY-MM-DDTHH:MM:SSZ"}[col.kind]
        raise SupportDataError(f"{where}: column '{col.name}' should be {expected}, not {value!r}") from None
    return value


def read_table(table: Table, csv_dir: Path) -> list[tuple[int, tuple]]:
    """The rows of one CSV as (line number, typed values), checking the header, the field count and every cell."""
    path = csv_dir / table.csv_name
    shown = _shown(path)
    if not path.is_file():
        raise SupportDataError(f"{shown} is missing: the support database needs all of "
                               f"{', '.join(t.csv_name for t in TABLES)} in {_shown(csv_dir)} "
                               "(restore it from git, or run data/support_db/build.py)")
    expected = [c.name for c in table.columns]
    rows = []
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle, strict=True)
            header = next(reader, None)
            if header != expected:
                raise SupportDataError(f"{shown}, line 1: header should be {','.join(expected)}, "
                                       f"found {','.join(header or [])!s}")
            for fields in reader:
                where = f"{shown}, line {reader.line_num}"
                if not fields:
                    continue
                if len(fields) != len(expected):
                    raise SupportDataError(f"{where}: expected {len(expected)} fields, found {len(fields)} "
                                           "(a stray comma, or an unquoted comma inside a value?)")
                rows.append((reader.line_num, tuple(_convert(v, c, where) for v, c in zip(fields, table.columns))))
    except csv.Error as exc:
        raise SupportDataError(f"{shown}, line {reader.line_num}: malformed CSV ({exc})") from None
    except UnicodeDecodeError as exc:
        raise SupportDataError(f"{shown}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8") \
            from None
    return rows


# ------------------------------------------------------------------------------------------------- building
def default_path() -> Path:
    """Where the database lives: ``<course cache>/support.sqlite``."""
    return env.cache_dir() / DB_NAME


def fingerprint(csv_dir: Path | None = None) -> str:
    """Changes whenever a CSV's bytes or the schema change: the key that decides whether to rebuild."""
    csv_dir = Path(csv_dir or CSV_DIR)
    digest = hashlib.sha256(f"schema {SCHEMA_VERSION}\n".encode())
    digest.update("\n".join(schema_sql()).encode())
    for table in TABLES:
        path = csv_dir / table.csv_name
        digest.update(table.csv_name.encode())
        digest.update(path.read_bytes() if path.is_file() else b"<missing>")
    return digest.hexdigest()[:20]


def read_only_uri(path: str | Path) -> str:
    """The SQLite URI that opens ``path`` read-only. The path is percent-encoded (``Path.as_uri``), so a folder
    named with ``#``, ``?`` or ``%`` (say ``COURSE_CACHE_DIR=~/cache #2``) still names the same file."""
    return Path(path).expanduser().resolve().as_uri() + "?mode=ro"


def stored_fingerprint(path: Path) -> str | None:
    """The fingerprint recorded inside an existing database file, or None (no file, or not our database)."""
    if not path.is_file():
        return None
    try:
        with closing(sqlite3.connect(read_only_uri(path), uri=True)) as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


def _load(conn: sqlite3.Connection, table: Table, rows: list[tuple[int, tuple]], shown: str) -> None:
    marks = ", ".join("?" for _ in table.columns)
    sql = f"INSERT INTO {table.name} ({', '.join(c.name for c in table.columns)}) VALUES ({marks})"
    for line, values in rows:
        try:
            conn.execute(sql, values)
        except sqlite3.IntegrityError as exc:
            raise SupportDataError(f"{shown}, line {line}: {_explain(exc, table)}") from None


def _explain(exc: sqlite3.IntegrityError, table: Table) -> str:
    text = str(exc)
    if "FOREIGN KEY" in text:
        refs = ", ".join(f"{col} -> {other}.{other_col}" for col, other, other_col in table.foreign_keys)
        return f"a reference points at a row that does not exist ({refs})"
    if "UNIQUE" in text:
        return f"duplicate value ({text.split(':', 1)[-1].strip()})"
    if "CHECK" in text:
        return f"a value is not allowed ({text})"
    return text


def build_database(path: str | Path | None = None, *, csv_dir: str | Path | None = None, force: bool = False) -> Path:
    """Build the SQLite database from the CSVs (only when they changed, unless ``force``) and return its path.

    The file is written to a temporary name next to the target and renamed into place, so a reader never sees a
    half-built database and an interrupted build leaves the old one intact.
    """
    target = Path(path) if path else default_path()
    csv_dir = Path(csv_dir or CSV_DIR)
    key = fingerprint(csv_dir)
    if not force and stored_fingerprint(target) == key:
        return target
    data = {table.name: read_table(table, csv_dir) for table in TABLES}   # every CSV checked before writing
    with atomic_path(target) as tmp:  # helpers.files: built aside, renamed into place, removed on failure
        conn = sqlite3.connect(tmp)
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            with conn:
                for statement in schema_sql():
                    conn.execute(statement)
                conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)" + _STRICT)
                for table in TABLES:
                    _load(conn, table, data[table.name], _shown(csv_dir / table.csv_name))
                conn.executemany("INSERT INTO meta VALUES (?, ?)", [
                    ("fingerprint", key), ("schema_version", str(SCHEMA_VERSION)),
                    ("built_at", dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")),
                    ("csv_dir", _shown(csv_dir))])
        finally:
            conn.close()
    return target


def connect(path: str | Path | None = None, *, build: bool = True) -> sqlite3.Connection:
    """A read-only connection (rows as ``sqlite3.Row``) to the database, built first if needed."""
    target = build_database(path) if build else Path(path or default_path())
    if not target.is_file():
        raise FileNotFoundError(f"{target} does not exist; call helpers.agents.support_db.build_database() first")
    conn = sqlite3.connect(read_only_uri(target), uri=True, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA query_only = ON")
    return conn


def table_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows per table (the table names are the module's constants, not input)."""
    return {name: conn.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0] for name in TABLE_NAMES}
