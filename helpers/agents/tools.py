"""The agent's three tools, their JSON-schema specs in both wire formats, and a dispatcher that never crashes.

Taught in notebooks/05_agentic_rag.ipynb: ``lookup_customer`` and ``search_recent_incidents`` query the SQLite
support database (helpers.agents.support_db) with parameterised SQL only; ``search_knowledge_base`` runs the hybrid
retrieval pipeline of notebook 04 (helpers.rag). ``run_tool(name, arguments)`` checks the arguments against the
tool's schema and always returns a JSON string, an error included, so the agent loop can hand it to the model.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import sqlite3
from contextlib import closing
from pathlib import Path

from helpers import paths
from helpers.agents import support_db

WORLD_TODAY = dt.date(2026, 11, 24)   # "today" in the course's product world (data/WORLD.md)
MAX_RESULT_CHARS = 4000               # a tool result never exceeds this many characters
MAX_PASSAGE_CHARS = 600
KB_FOLDER = paths.DATA_DIR / "kb"

_state: dict = {"db_path": None, "pipeline": None, "corpus": None}


def use_database(path: str | Path | None) -> None:
    """Point the database tools at another SQLite file (None: the default under the course cache)."""
    _state["db_path"] = Path(path) if path else None


def use_kb_pipeline(pipeline, corpus) -> None:
    """Use another retrieval pipeline (any ``helpers.rag`` retriever) and its corpus for ``search_knowledge_base``."""
    _state["pipeline"], _state["corpus"] = pipeline, corpus


def kb_pipeline():
    """(pipeline, corpus): the KB in data/kb with dense + BM25 retrieval fused by RRF, built once per process."""
    if _state["pipeline"] is None:
        from helpers import rag

        corpus = rag.load_corpus(KB_FOLDER)
        _state["pipeline"], _state["corpus"] = rag.build_pipeline(corpus, retrievers=("dense", "bm25")), corpus
    return _state["pipeline"], _state["corpus"]


def _connect() -> sqlite3.Connection:
    return support_db.connect(_state["db_path"])


# ------------------------------------------------------------------------------------------------- lookup_customer
_CUSTOMER_NUMBER = re.compile(r"(?i)c?[-\s]?(\d{4,6})")
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{1,62}")


def _resolve_customer(conn: sqlite3.Connection, text: str) -> str | None:
    """A customer id from 'C-12345', '12345', a workspace slug or an exact company name; None when nothing matches."""
    number = _CUSTOMER_NUMBER.fullmatch(text)
    if number:
        row = conn.execute("SELECT customer_id FROM customers WHERE customer_id = ?",
                           (f"C-{number.group(1)}",)).fetchone()
        return row[0] if row else None
    if _SLUG.fullmatch(text.lower()):
        row = conn.execute("SELECT customer_id FROM customers WHERE workspace_slug = ?", (text.lower(),)).fetchone()
        if row:
            return row[0]
    row = conn.execute("SELECT customer_id FROM customers WHERE company_name = ? COLLATE NOCASE", (text,)).fetchone()
    return row[0] if row else None


def _minutes(start: str | None, end: str | None) -> int | None:
    if not start or not end:
        return None
    parse = dt.datetime.fromisoformat
    return int((parse(end[:-1]) - parse(start[:-1])).total_seconds() // 60)


def lookup_customer(customer_id: str) -> dict:
    """Plan, subscription state, seats, usage against limits, recent plan changes and invoices, and the incidents
    that affected one customer; ``{"found": False, ...}`` when no customer matches."""
    if not isinstance(customer_id, str) or not customer_id.strip():
        raise ValueError("customer_id must be a non-empty string such as 'C-12345'")
    text = customer_id.strip()
    with closing(_connect()) as conn:
        cid = _resolve_customer(conn, text)
        if cid is None:
            return {"found": False, "customer_id": text,
                    "message": f"No customer matches {text!r}. Customer ids look like C-12345; a workspace slug "
                               "(e.g. acme-retail) or the exact company name also works. Ask the customer to check."}
        row = conn.execute(
            """SELECT c.*, s.*, p.name AS plan_name, p.seats_included, p.source_limit, p.board_limit,
                      p.sync_frequency, p.api_rate_limit_per_min, p.support, p.sla_uptime_pct,
                      p.pulse_ai, p.sso, p.scim, p.audit_logs
               FROM customers c JOIN subscriptions s ON s.customer_id = c.customer_id
               JOIN plans p ON p.plan_id = s.plan_id WHERE c.customer_id = ?""", (cid,)).fetchone()
        seats = conn.execute(
            """SELECT COUNT(*) AS in_use, SUM(status = 'deactivated') AS ghosts FROM members WHERE customer_id = ?""",
            (cid,)).fetchone()
        contacts = conn.execute(
            """SELECT full_name, email, role FROM members WHERE customer_id = ? AND status = 'active'
               AND role IN ('Owner', 'Billing manager', 'Admin')
               ORDER BY CASE role WHEN 'Owner' THEN 0 WHEN 'Billing manager' THEN 1 ELSE 2 END, member_id LIMIT 4""",
            (cid,)).fetchall()
        sources = conn.execute(
            "SELECT source_type, COUNT(*) FROM sources WHERE customer_id = ? GROUP BY source_type ORDER BY 2 DESC",
            (cid,)).fetchall()
        changes = conn.execute(
            """SELECT change_id, change_type, from_plan, to_plan, seats_delta, requested_at, effective_at,
                      entitlements_applied_at, invoice_id, note
               FROM upgrade_history WHERE customer_id = ? ORDER BY effective_at DESC LIMIT 4""", (cid,)).fetchall()
        invoices = conn.execute(
            """SELECT invoice_id, issued_at, kind, period_start, period_end, amount_usd, status, attempts, paid_at, note
               FROM invoices WHERE customer_id = ? ORDER BY issued_at DESC LIMIT 4""", (cid,)).fetchall()
        incidents = conn.execute(
            """SELECT i.incident_id, i.incident_date, i.severity, i.status, i.title, i.postmortem_doc_id, m.detail
               FROM incident_impacts m JOIN incidents i ON i.incident_id = m.incident_id
               WHERE m.customer_id = ? ORDER BY (i.status != 'resolved') DESC, i.started_at DESC LIMIT 4""",
            (cid,)).fetchall()
    return _customer_view(row, seats, contacts, sources, changes, invoices, incidents)


def _customer_view(row, seats, contacts, sources, changes, invoices, incidents) -> dict:
    included = row["contract_seats"] if row["plan_id"] == "enterprise" else row["seats_included"]
    limit = row["board_limit"]
    view = {
        "found": True,
        "customer": {"customer_id": row["customer_id"], "company": row["company_name"],
                     "workspace": row["workspace_slug"], "region": row["region"], "country": row["country"],
                     "customer_since": row["created_at"], "sso_provider": row["sso_provider"] or "none"},
        "plan": {"plan": row["plan_name"], "billing_cycle": row["billing_cycle"],
                 "sync_frequency": row["sync_frequency"], "support": row["support"],
                 "api_rate_limit_per_min": row["api_rate_limit_per_min"] or "custom",
                 "uptime_sla_pct": row["sla_uptime_pct"] or "none",
                 "features": [name for name in ("pulse_ai", "sso", "scim", "audit_logs") if row[name]]},
        "subscription": {"status": row["status"], "current_period_start": row["current_period_start"],
                         "current_period_end": row["current_period_end"],
                         "renewal_price_usd": row["renewal_price_usd"],
                         "cancel_at_period_end": bool(row["cancel_at_period_end"]),
                         "payment_method": row["payment_method"] or "none"},
        "seats": {"included": included, "extra_seats_billed": row["extra_seats"], "in_use": seats["in_use"],
                  "deactivated_ghost_seats": seats["ghosts"] or 0},
        "usage": {"boards": row["board_count"], "board_limit": limit if limit is not None else "unlimited",
                  "frosted_boards": max(0, row["board_count"] - limit) if limit is not None else 0,
                  "sources": sum(n for _, n in sources),
                  "source_limit": row["source_limit"] if row["source_limit"] is not None else "unlimited",
                  "source_types": {kind: n for kind, n in sources}},
        "contacts": [f"{c['full_name']} ({c['role']}, {c['email']})" for c in contacts],
    }
    if row["status"] == "past_due":
        since = dt.date.fromisoformat(row["past_due_since"])
        view["subscription"]["past_due_since"] = row["past_due_since"]
        view["subscription"]["suspension_if_unpaid_on"] = str(since + dt.timedelta(days=10))
    if row["status"] == "suspended":
        since = dt.date.fromisoformat(row["suspended_at"])
        view["subscription"]["suspended_at"] = row["suspended_at"]
        view["subscription"]["data_kept_until"] = str(since + dt.timedelta(days=60))
    if row["plan_id"] == "enterprise":
        view["subscription"]["contract_value_usd"] = row["contract_value_usd"]
    view["recent_plan_changes"] = [_change_view(c) for c in changes]
    view["recent_invoices"] = [
        {k: v for k, v in {"invoice_id": i["invoice_id"], "issued_at": i["issued_at"], "kind": i["kind"],
                           "period": f"{i['period_start']} to {i['period_end']}", "amount_usd": i["amount_usd"],
                           "status": i["status"], "payment_attempts": i["attempts"] if i["attempts"] > 1 else None,
                           "paid_at": i["paid_at"] if i["attempts"] > 1 else None,
                           "note": i["note"]}.items() if v not in (None, "")}
        for i in invoices]
    view["incidents_affecting_customer"] = [
        {"incident_id": i["incident_id"], "date": i["incident_date"], "severity": i["severity"],
         "status": i["status"], "title": i["title"], "impact": i["detail"],
         "postmortem": i["postmortem_doc_id"] or "not written yet"} for i in incidents]
    return view


def _change_view(c) -> dict:
    view = {"change_id": c["change_id"], "type": c["change_type"], "from_plan": c["from_plan"],
            "to_plan": c["to_plan"], "effective_at": c["effective_at"]}
    if c["requested_at"] != c["effective_at"]:
        view["requested_at"] = c["requested_at"]
    if c["seats_delta"]:
        view["seats_delta"] = c["seats_delta"]
    if c["entitlements_applied_at"] is None:
        view["scheduled"] = True
    else:
        view["entitlements_applied_at"] = c["entitlements_applied_at"]
        delay = _minutes(c["effective_at"], c["entitlements_applied_at"])
        if delay:
            view["entitlements_delay_minutes"] = delay
    if c["invoice_id"]:
        view["invoice_id"] = c["invoice_id"]
    if c["note"]:
        view["note"] = c["note"]
    return view


# ------------------------------------------------------------------------------------------------- incidents
_STOPWORDS = set("""a an the and or of to in on for with from at by is are was were be been it its this that these those
our we us you your they them their my me i why what when how who which can cant can't not no any there here about
after before since during today now currently current recent recently ongoing issue issues problem problems
incident incidents outage outages customer customers please help still just some all""".split())
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_HAYSTACK = "lower(title || ' ' || summary || ' ' || components || ' ' || keywords || ' ' || regions)"


def _terms(query: str) -> list[str]:
    """Search terms: lower-case words minus stop words, crude suffixes removed ('upgrading' -> 'upgrad')."""
    terms = []
    for word in _WORD.findall(query.lower()):
        if word in _STOPWORDS or len(word) < 3:
            continue
        for suffix in ("ing", "ed", "es", "s"):
            if word.endswith(suffix) and len(word) - len(suffix) >= 4:
                word = word[: -len(suffix)]
                break
        if word not in terms:
            terms.append(word)
    return terms[:8]


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _as_date(today) -> dt.date:
    if today is None:
        return WORLD_TODAY
    if isinstance(today, dt.datetime):
        return today.date()
    if isinstance(today, dt.date):
        return today
    return dt.date.fromisoformat(str(today))


def search_recent_incidents(query: str | None = None, days: int = 30, today=None) -> dict:
    """Incidents active in the last ``days`` days up to ``today`` (default: the world's 2026-11-24), best matches of
    ``query`` (words in the title, summary, components, regions or keywords) first, newest first otherwise."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 365:
        raise ValueError("days must be an integer from 1 to 365")
    if query is not None and not isinstance(query, str):
        raise ValueError("query must be a string or omitted")
    end = _as_date(today)
    start = end - dt.timedelta(days=days)
    window = (f"{start}T00:00:00Z", f"{end}T23:59:59Z")
    terms = _terms(query or "")
    columns = ("incident_id, incident_date, severity, status, title, started_at, resolved_at, regions, components, "
               "affected_pct, summary, postmortem_doc_id")
    where = "started_at <= ? AND (resolved_at IS NULL OR resolved_at >= ?)"
    with closing(_connect()) as conn:
        total = conn.execute(f"SELECT COUNT(*) FROM incidents WHERE {where}", (window[1], window[0])).fetchone()[0]
        if terms:
            score = " + ".join(f"({_HAYSTACK} LIKE ? ESCAPE '\\')" for _ in terms)
            rows = conn.execute(
                f"SELECT * FROM (SELECT {columns}, ({score}) AS matches FROM incidents WHERE {where}) "
                "WHERE matches > 0 ORDER BY matches DESC, started_at DESC LIMIT 8",
                (*[_like(t) for t in terms], window[1], window[0])).fetchall()
        else:
            rows = conn.execute(f"SELECT {columns} FROM incidents WHERE {where} ORDER BY started_at DESC LIMIT 8",
                                (window[1], window[0])).fetchall()
    result = {"today": str(end), "days": days, "since": str(start), "query": query, "count": len(rows),
              "incidents": [_incident_view(r) for r in rows]}
    if query and query.strip() and not terms:
        result["note"] = "The query had no searchable words, so every incident in the window is listed."
    elif query and not rows:
        result["note"] = (f"No incident in this window matches {query!r} "
                          f"({total} incident(s) in the window in total); try other words, no query, or more days.")
    return result


def _incident_view(r) -> dict:
    return {"incident_id": r["incident_id"], "date": r["incident_date"], "severity": r["severity"],
            "status": r["status"], "title": r["title"], "started_at": r["started_at"],
            "resolved_at": r["resolved_at"] or "ongoing", "regions": r["regions"].split(";"),
            "components": r["components"].split(";"), "affected_pct_of_workspaces": r["affected_pct"],
            "summary": r["summary"], "postmortem": r["postmortem_doc_id"] or "not written yet"}


# ------------------------------------------------------------------------------------------------- knowledge base
_SENTENCE_END = re.compile(r"(?<=[.!?:|])\s+|\n+")


def best_passage(text: str, query: str, max_chars: int = MAX_PASSAGE_CHARS) -> str:
    """The window of whole sentences (at most ``max_chars``) of ``text`` that holds the most query terms."""
    pieces = [p.strip() for p in _SENTENCE_END.split(text) if p and p.strip()]
    terms = _terms(query)
    best, best_score = "", -1
    for i in range(len(pieces)):
        window = pieces[i]
        for piece in pieces[i + 1:]:
            if len(window) + 1 + len(piece) > max_chars:
                break
            window += " " + piece
        window = window[:max_chars]
        lowered = window.lower()
        score = sum(t in lowered for t in terms)
        if score > best_score:
            best, best_score = window, score
    return best


def search_knowledge_base(query: str, k: int = 3) -> dict:
    """The ``k`` best knowledge-base documents for ``query``: id, title, version, date and the best short passage."""
    if not isinstance(query, str) or not query.strip():
        raise ValueError("query must be a non-empty string")
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= 5:
        raise ValueError("k must be an integer from 1 to 5")
    pipeline, corpus = kb_pipeline()
    docs = corpus.by_id
    results = []
    for hit in pipeline.retrieve(query, k):
        doc = docs.get(hit.doc_id)
        meta = doc.metadata if doc else {}
        item = {"doc_id": hit.doc_id, "title": doc.title if doc else hit.doc_id,
                "product_version": str(meta.get("product_version", "")), "updated": str(meta.get("updated", "")),
                "score": round(float(hit.score), 4),
                "passage": best_passage(hit.chunks[0].text if hit.chunks else "", query)}
        if meta.get("superseded_by"):
            item["archived_superseded_by"] = meta["superseded_by"]
        results.append(item)
    return {"query": query, "results": results}


# ------------------------------------------------------------------------------------------------- specs
TOOL_SCHEMAS = [
    {"name": "lookup_customer",
     "description": "Look up one Pulseboard customer in the support database: plan, subscription status (active, "
                    "past_due, suspended), renewal price, seats (included, extra, ghost seats), boards and sources "
                    "against plan limits, recent plan changes with when their entitlements were applied, recent "
                    "invoices, and incidents that affected this customer. Use it whenever the question names a "
                    "customer id, a workspace slug or a company.",
     "parameters": {"type": "object", "properties": {
         "customer_id": {"type": "string", "minLength": 1, "maxLength": 100,
                         "description": "Customer id such as 'C-12345' (the bare number '12345' works too), a "
                                        "workspace slug such as 'acme-retail', or the exact company name."}},
         "required": ["customer_id"], "additionalProperties": False}},
    {"name": "search_recent_incidents",
     "description": "Search Pulseboard incidents (outages and degradations) active in the last N days, including "
                    "ongoing ones that have no post-mortem yet. Use it when a customer reports something broken, "
                    "slow, blank or failing that may be on Halcyon Labs' side.",
     "parameters": {"type": "object", "properties": {
         "query": {"type": "string", "maxLength": 200,
                   "description": "Optional words to match, e.g. 'upgrade required', 'google sheets sync', 'sso'. "
                                  "Omit to list every incident in the window."},
         "days": {"type": "integer", "minimum": 1, "maximum": 365,
                  "description": "How many days back to look (default 30)."}},
         "required": [], "additionalProperties": False}},
    {"name": "search_knowledge_base",
     "description": "Search the Pulseboard help centre (policies, how-to guides, API reference, troubleshooting, "
                    "release notes, incident post-mortems) and return the best documents with a short passage "
                    "each. Use it for how things work, prices, limits, policies and error codes. Prefer the "
                    "newest document; archived pages are marked.",
     "parameters": {"type": "object", "properties": {
         "query": {"type": "string", "minLength": 1, "maxLength": 300,
                   "description": "What to look for, in plain words or with exact identifiers such as PB-2210."},
         "k": {"type": "integer", "minimum": 1, "maximum": 5,
               "description": "How many documents to return (default 3)."}},
         "required": ["query"], "additionalProperties": False}},
]
TOOL_NAMES = tuple(s["name"] for s in TOOL_SCHEMAS)
TOOL_SPECS = {
    "anthropic": [{"name": s["name"], "description": s["description"], "input_schema": s["parameters"]}
                  for s in TOOL_SCHEMAS],
    "openai": [{"type": "function", "function": {"name": s["name"], "description": s["description"],
                                                 "parameters": s["parameters"]}} for s in TOOL_SCHEMAS],
}
TOOLS = {"lookup_customer": lookup_customer, "search_recent_incidents": search_recent_incidents,
         "search_knowledge_base": search_knowledge_base}


# ------------------------------------------------------------------------------------------------- dispatch
_JSON_TYPES = {"string": "a string", "integer": "an integer"}


def validate_arguments(name: str, arguments: dict) -> tuple[dict, list[str]]:
    """(clean arguments, problems) for one call, against the tool's schema; integral floats such as 3.0 become 3."""
    schema = next(s["parameters"] for s in TOOL_SCHEMAS if s["name"] == name)
    props, clean, problems = schema["properties"], {}, []
    for missing in [r for r in schema["required"] if r not in arguments]:
        problems.append(f"missing required argument {missing!r}")
    for key, value in arguments.items():
        if key not in props:
            problems.append(f"unknown argument {repr(key)[:60]} (allowed: {', '.join(props)})")
            continue
        rule = props[key]
        if rule["type"] == "integer" and isinstance(value, float) and value.is_integer():
            value = int(value)
        ok = (isinstance(value, str) if rule["type"] == "string"
              else isinstance(value, int) and not isinstance(value, bool))
        if not ok:
            shown = _json_prefix(value, 80) or type(value).__name__
            problems.append(f"argument {key!r} must be {_JSON_TYPES[rule['type']]}, got {shown[:80]}")
            continue
        if isinstance(value, int) and not rule.get("minimum", value) <= value <= rule.get("maximum", value):
            problems.append(f"argument {key!r} must be from {rule['minimum']} to {rule['maximum']}, got {value}")
            continue
        if isinstance(value, str) and rule.get("minLength") and not value.strip():
            problems.append(f"argument {key!r} must not be empty")
            continue
        if isinstance(value, str) and len(value) > rule["maxLength"]:
            problems.append(f"argument {key!r} is too long ({len(value)} characters, at most {rule['maxLength']})")
            continue
        clean[key] = value
    return clean, problems


def error_result(message: str, tool: str | None = None) -> str:
    """The JSON string a failed call returns: the model reads ``error`` and can retry."""
    return json.dumps({"error": message, **({"tool": tool} if tool else {})}, ensure_ascii=False)


def is_error(result: str) -> bool:
    """True when a ``run_tool`` result is an error (for Anthropic's ``is_error`` flag on a tool_result)."""
    try:
        value = json.loads(result)
    except (TypeError, ValueError):
        return True
    return isinstance(value, dict) and "error" in value


BOUNDED_WORK_FACTOR = 16  # bounded_json reads at most this many times max_chars of a value before cutting it down
BOUNDED_MAX_DEPTH = 32    # nesting levels kept by bounded_json; deeper values become "..."


def bounded_json(value, max_chars: int = MAX_RESULT_CHARS) -> str:
    """JSON no longer than ``max_chars``: drops the last items of the longest lists, then shortens the longest
    strings, and marks the result ``"truncated": true``. The work is bounded too, whatever the value: a value
    whose JSON exceeds ``BOUNDED_WORK_FACTOR * max_chars`` is first cut down by :func:`_prune` (each container
    shares that budget among its items), so a million-item list costs about as much as a short one."""
    budget = BOUNDED_WORK_FACTOR * max_chars
    text = _json_prefix(value, budget + 1)
    if text is not None and len(text) <= max_chars:
        return text
    cut = text is None or len(text) > budget
    value, _ = _prune(value, budget, 0) if cut else (copy.deepcopy(value), 0)
    if isinstance(value, dict):
        value["truncated"] = True
    for _ in range(1000):
        text = json.dumps(value, ensure_ascii=False)
        if len(text) <= max_chars:
            return text
        lists, strings = [], []
        _collect(value, lists, strings)
        shrinkable = [item for item in lists if len(item) > 1]
        if shrinkable:
            longest = max(shrinkable, key=lambda item: len(json.dumps(item, ensure_ascii=False)))
            del longest[max(1, len(longest) * 7 // 8):]  # the last eighth (at least one item)
        elif strings:
            holder, key = max(strings, key=lambda hk: len(hk[0][hk[1]]))
            holder[key] = holder[key][: max(20, len(holder[key]) * 2 // 3)].rstrip() + "..."
        else:
            break  # nothing left to shorten: say so now rather than loop
    return error_result(f"result too large to return (over {max_chars} characters)")


def _json_prefix(value, limit: int) -> str | None:
    """The JSON of ``value`` when it is at most ``limit`` characters, else its first ``limit``-odd characters;
    None when it cannot be written (nested too deeply, circular, not JSON types). Stops encoding at the limit."""
    pieces, size = [], 0
    try:
        for piece in json.JSONEncoder(ensure_ascii=False).iterencode(value):
            pieces.append(piece)
            size += len(piece)
            if size >= limit:
                break
    except (RecursionError, ValueError, TypeError):
        return None
    return "".join(pieces)


def _prune(value, budget: int, depth: int) -> tuple[object, int]:
    """A copy of ``value`` whose JSON is about ``budget`` characters at most, and that size: long strings are cut,
    containers keep their first items while the budget lasts, each item getting a fair share of what is left;
    deeper than ``BOUNDED_MAX_DEPTH`` becomes "...". Visits O(budget) items, never the rest."""
    if depth >= BOUNDED_MAX_DEPTH:
        return "...", 5
    if isinstance(value, str):
        if len(value) + 2 > budget:
            value = value[: max(20, budget - 5)] + "..."
        return value, len(value) + 2
    if isinstance(value, (list, tuple)):
        items, used = [], 2
        for index, item in enumerate(value):
            share = max(24, (budget - used) // max(1, len(value) - index))
            if used + 4 > budget:
                break
            kept, size = _prune(item, share, depth + 1)
            items.append(kept)
            used += size + 2
        return items, used
    if isinstance(value, dict):
        kept_items, used = {}, 2
        for index, (key, item) in enumerate(value.items()):
            share = max(24, (budget - used) // max(1, len(value) - index))
            if used + 8 > budget:
                break
            kept, size = _prune(item, share, depth + 1)
            kept_items[key] = kept
            used += len(str(key)) + size + 4
        return kept_items, used
    return value, len(str(value)) if isinstance(value, (int, float)) else 8


def _collect(value, lists: list, strings: list) -> None:
    if isinstance(value, list):
        lists.append(value)
        for i, item in enumerate(value):
            if isinstance(item, str) and len(item) > 40:
                strings.append((value, i))
            else:
                _collect(item, lists, strings)
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str) and len(item) > 40:
                strings.append((value, key))
            else:
                _collect(item, lists, strings)


MAX_ARGUMENT_CHARS = 20_000  # a tool call's JSON arguments longer than this are refused unread


def run_tool(name: str, arguments: dict | str | None = None) -> str:
    """Run one tool call from a model and return a JSON string: the result, or ``{"error": ...}`` that the model
    can read (unknown tool or a name that is not a string, bad, oversized or absurdly nested JSON, a
    missing/extra/wrongly typed argument, or the tool failing). Never raises."""
    if not isinstance(name, str) or name not in TOOLS:
        shown = repr(name)[:60]
        return error_result(f"unknown tool {shown}; available tools: {', '.join(TOOL_NAMES)}")
    if isinstance(arguments, str):
        if len(arguments) > MAX_ARGUMENT_CHARS:
            return error_result(f"arguments are too long ({len(arguments):,} characters, at most "
                                f"{MAX_ARGUMENT_CHARS:,}); send only the documented fields", name)
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except json.JSONDecodeError as exc:
            return error_result(f"arguments are not valid JSON ({exc.msg} at position {exc.pos})", name)
        except (RecursionError, ValueError):
            return error_result("arguments are nested too deeply or hold a number too long to read; send a flat "
                                "JSON object such as {\"customer_id\": \"C-12345\"}", name)
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, dict):
        return error_result("arguments must be a JSON object, e.g. {\"query\": \"...\"}", name)
    clean, problems = validate_arguments(name, arguments)
    if problems:
        return error_result("; ".join(problems), name)
    try:
        result = TOOLS[name](**clean)
    except Exception as exc:  # noqa: BLE001 - the loop's boundary: any failure becomes a message the model reads
        return error_result(f"{name} failed: {type(exc).__name__}: {exc}", name)
    return bounded_json(result)
