"""Auto-checked exercises of notebook 05. Importing this module registers them; ``check`` is re-exported."""

from __future__ import annotations

import sqlite3

from helpers.checking import check, exercise, verify

__all__ = ["check", "verify"]


@exercise("05.safe_member_count")
def _safe_member_count(answer) -> tuple[bool, str]:
    """answer = a function (connection, customer_id) -> number of members of that customer."""
    from helpers.agents import support_db

    if not callable(answer):
        return False, "pass your function itself: check('05.safe_member_count', count_members)."
    conn = support_db.connect()
    try:
        expected = conn.execute("SELECT COUNT(*) FROM members WHERE customer_id = ?", ("C-12345",)).fetchone()[0]
        try:
            got = answer(conn, "C-12345")
            attack = answer(conn, "C-12345' OR '1'='1")
        except sqlite3.Error as exc:
            return False, f"your query failed: {exc}. Hint: SELECT COUNT(*) FROM members WHERE customer_id = ?"
        if got != expected:
            return False, f"C-12345 has {expected} members, your function says {got}."
        if attack != 0:
            return False, ("an id with a quote in it matched rows: the input was pasted into the SQL. Pass it as a "
                           "parameter: conn.execute(sql, (customer_id,)).")
        return True, f"{expected} members, and the injection attempt matched nothing."
    finally:
        conn.close()
