"""helpers.agents.tools: the three tools on the real support database, their specs in both wire formats, and
run_tool, which turns every bad call into an error string instead of an exception."""

from __future__ import annotations

import json

import pytest

from helpers import rag
from helpers.agents import tools as agent_tools
from helpers.agents import support_db

INJECTIONS = ["1 OR 1=1", "C-12345' OR '1'='1", "'; DROP TABLE customers; --", "12345; DELETE FROM plans",
              "%", "_____"]


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    path = support_db.build_database(tmp_path_factory.mktemp("db") / "support.sqlite")
    agent_tools.use_database(path)
    yield path
    agent_tools.use_database(None)


@pytest.fixture()
def small_kb(tmp_path):
    """A four-document corpus with BM25 only: fast, and independent of the course KB and the embedding model."""
    docs = {
        "refunds": ("Refunds", "Duplicate charges are refunded in full within 5 business days. Monthly plans can be "
                               "refunded within 14 days of the charge."),
        "csv-old": ("CSV upload (archived)", "The CSV upload limit is 50 MB per file."),
        "csv": ("CSV upload", "The CSV upload limit is 200 MB per file since release 4.1."),
        "alerts": ("Alerts", "Alerts notify email, Slack or Microsoft Teams when a tile crosses a threshold."),
    }
    for doc_id, (title, body) in docs.items():
        extra = "superseded_by: csv\n" if doc_id == "csv-old" else ""
        filler = " ".join(f"{title.lower()} note {i}." for i in range(40))
        (tmp_path / f"{doc_id}.md").write_text(
            f"---\nid: {doc_id}\ntitle: {title}\nupdated: 2026-11-01\nproduct_version: '4.4'\n{extra}---\n"
            f"# {title}\n\n{body}\n\n## More\n{filler}\n", encoding="utf-8")
    corpus = rag.load_corpus(tmp_path)
    agent_tools.use_kb_pipeline(rag.build_pipeline(corpus, retrievers=("bm25",), chunk_size=60, overlap=10), corpus)
    yield corpus
    agent_tools.use_kb_pipeline(None, None)


def counts(path) -> dict:
    with support_db.connect(path, build=False) as conn:
        return support_db.table_counts(conn)


# ------------------------------------------------------------------------------------------------ lookup_customer
@pytest.mark.parametrize("given", ["C-12345", "12345", "c-12345", "C12345", " 12345 ", "brightwater-outfitters",
                                   "Brightwater Outfitters", "brightwater outfitters"])
def test_lookup_accepts_ids_slugs_and_names(db_path, given):
    result = agent_tools.lookup_customer(given)
    assert result["found"] and result["customer"]["customer_id"] == "C-12345"


def test_lookup_tells_the_12345_story(db_path):
    result = agent_tools.lookup_customer("12345")
    upgrade = result["recent_plan_changes"][0]
    assert (upgrade["type"], upgrade["from_plan"], upgrade["to_plan"]) == ("upgrade", "starter", "team")
    assert upgrade["effective_at"].startswith("2026-11-12T03:52")
    assert upgrade["entitlements_applied_at"] == "2026-11-12T09:40:00Z"
    assert upgrade["entitlements_delay_minutes"] == 347
    assert result["plan"]["plan"] == "Team" and result["subscription"]["status"] == "active"
    assert [i["incident_id"] for i in result["incidents_affecting_customer"]] == ["INC-2026-11-12"]
    assert result["recent_invoices"][0]["invoice_id"] == upgrade["invoice_id"]


def test_lookup_computes_dunning_dates_and_frosted_boards(db_path):
    past_due = agent_tools.lookup_customer("C-15520")["subscription"]
    assert (past_due["status"], past_due["suspension_if_unpaid_on"]) == ("past_due", "2026-11-29")
    suspended = agent_tools.lookup_customer("orchard-lane-foods")["subscription"]
    assert (suspended["suspended_at"], suspended["data_kept_until"]) == ("2026-11-07", "2027-01-06")
    usage = agent_tools.lookup_customer("C-24610")["usage"]
    assert (usage["boards"], usage["board_limit"], usage["frosted_boards"]) == (31, 25, 6)
    seats = agent_tools.lookup_customer("saltmarsh-media")["seats"]
    assert seats == {"included": 15, "extra_seats_billed": 2, "in_use": 17, "deactivated_ghost_seats": 2}


def test_lookup_shows_scheduled_cancellation(db_path):
    result = agent_tools.lookup_customer("bluefin-analytics")
    change = result["recent_plan_changes"][0]
    assert change["scheduled"] and change["effective_at"] == "2026-12-01T00:00:00Z" and change["to_plan"] == "free"
    assert result["subscription"]["cancel_at_period_end"] and result["subscription"]["renewal_price_usd"] == 0


@pytest.mark.parametrize("given", ["C-99999", "99999", "no-such-workspace", "Nobody Inc"] + INJECTIONS)
def test_unknown_or_hostile_ids_are_not_found_and_the_db_is_intact(db_path, given):
    before = counts(db_path)
    result = json.loads(agent_tools.run_tool("lookup_customer", {"customer_id": given}))
    assert result["found"] is False and "C-12345" in result["message"]
    assert counts(db_path) == before


# ------------------------------------------------------------------------------------------------ incidents
def test_default_window_is_the_last_30_days_of_the_world(db_path):
    result = agent_tools.search_recent_incidents()
    assert (result["today"], result["since"]) == ("2026-11-24", "2026-10-25")
    assert [i["incident_id"] for i in result["incidents"]] == ["INC-2026-11-18", "INC-2026-11-12"]
    assert result["incidents"][0]["resolved_at"] == "ongoing"
    assert result["incidents"][0]["postmortem"] == "not written yet"


def test_query_filters_and_ranks(db_path):
    result = agent_tools.search_recent_incidents("dashboard says upgrade required after upgrading")
    assert [i["incident_id"] for i in result["incidents"]] == ["INC-2026-11-12"]
    assert agent_tools.search_recent_incidents("sso", days=30)["count"] == 0
    okta = agent_tools.search_recent_incidents("sso sign-in", days=60)["incidents"]
    assert [i["incident_id"] for i in okta] == ["INC-2026-10-02"]


def test_today_moves_the_window(db_path):
    result = agent_tools.search_recent_incidents(days=2, today="2026-06-04")
    assert [i["incident_id"] for i in result["incidents"]] == ["INC-2026-06-03"]
    spanning = agent_tools.search_recent_incidents("csv", days=1, today="2025-11-01")
    assert [i["incident_id"] for i in spanning["incidents"]] == ["INC-2025-11-18"]  # started 2025-10-14, still open


def test_a_query_without_search_words_lists_the_window(db_path):
    result = agent_tools.search_recent_incidents("any incidents today?")
    assert result["count"] == 2 and "no searchable words" in result["note"]


@pytest.mark.parametrize("query", ["'; DROP TABLE customers; --", "x' OR 'x'='x", "%", "_____", "100%' --", "\\",
                                   "zzz' UNION SELECT * FROM customers --"])
def test_hostile_queries_match_nothing_and_the_db_is_intact(db_path, query):
    before = counts(db_path)
    result = json.loads(agent_tools.run_tool("search_recent_incidents", {"query": query, "days": 365}))
    assert "error" not in result
    assert result["count"] == 0 or "no searchable words" in result.get("note", "")
    assert counts(db_path) == before


def test_like_wildcards_are_escaped():
    assert agent_tools._like("a%b_c\\") == "%a\\%b\\_c\\\\%"


@pytest.mark.parametrize("days", [0, 366, -3])
def test_days_out_of_range_is_an_error(db_path, days):
    with pytest.raises(ValueError, match="days"):
        agent_tools.search_recent_incidents(days=days)
    assert "from 1 to 365" in json.loads(agent_tools.run_tool("search_recent_incidents", {"days": days}))["error"]


# ------------------------------------------------------------------------------------------------ knowledge base
def test_knowledge_base_returns_ids_titles_and_short_passages(small_kb):
    result = agent_tools.search_knowledge_base("duplicate charge refunded business days", k=2)
    top = result["results"][0]
    assert top["doc_id"] == "refunds" and top["title"] == "Refunds" and top["updated"] == "2026-11-01"
    assert "5 business days" in top["passage"] and len(top["passage"]) <= agent_tools.MAX_PASSAGE_CHARS
    assert len(result["results"]) == 2


def test_knowledge_base_marks_archived_pages(small_kb):
    results = agent_tools.search_knowledge_base("CSV upload limit MB", k=2)["results"]
    flags = {r["doc_id"]: r.get("archived_superseded_by") for r in results}
    assert flags == {"csv": None, "csv-old": "csv"}


def test_best_passage_picks_the_sentences_with_the_query_words():
    text = "Intro sentence one. Another filler line here. " * 20 + "The refund takes 5 business days. " + "Tail. " * 50
    passage = agent_tools.best_passage(text, "refund business days", max_chars=120)
    assert "5 business days" in passage and len(passage) <= 120


def test_knowledge_base_validates_its_arguments(small_kb):
    with pytest.raises(ValueError):
        agent_tools.search_knowledge_base("   ")
    with pytest.raises(ValueError):
        agent_tools.search_knowledge_base("refunds", k=9)


# ------------------------------------------------------------------------------------------------ specs
def test_specs_in_both_wire_formats_describe_the_same_tools():
    anthropic, openai = agent_tools.TOOL_SPECS["anthropic"], agent_tools.TOOL_SPECS["openai"]
    names = ["lookup_customer", "search_recent_incidents", "search_knowledge_base"]
    assert [t["name"] for t in anthropic] == names == list(agent_tools.TOOL_NAMES)
    assert [t["function"]["name"] for t in openai] == names and {t["type"] for t in openai} == {"function"}
    for a, o in zip(anthropic, openai):
        assert set(a) == {"name", "description", "input_schema"}
        assert set(o["function"]) == {"name", "description", "parameters"}
        assert a["input_schema"] == o["function"]["parameters"]
        schema = a["input_schema"]
        assert schema["type"] == "object" and schema["additionalProperties"] is False
        assert set(schema["required"]) <= set(schema["properties"])
        assert all(p["description"] and p["type"] in ("string", "integer") for p in schema["properties"].values())
        json.dumps(a), json.dumps(o)


def test_specs_match_the_python_signatures():
    import inspect

    for name, func in agent_tools.TOOLS.items():
        schema = next(t["input_schema"] for t in agent_tools.TOOL_SPECS["anthropic"] if t["name"] == name)
        params = inspect.signature(func).parameters
        assert set(schema["properties"]) <= set(params)
        assert set(schema["required"]) == {p for p in schema["properties"]
                                           if params[p].default is inspect.Parameter.empty}


# ------------------------------------------------------------------------------------------------ run_tool
@pytest.mark.parametrize("name, arguments, message", [
    ("delete_customer", {"customer_id": "C-12345"}, "unknown tool 'delete_customer'; available tools:"),
    ("lookup_customer", {}, "missing required argument 'customer_id'"),
    ("lookup_customer", {"customer_id": "C-12345", "plan": "team"}, "unknown argument 'plan'"),
    ("lookup_customer", {"customer_id": 12345}, "argument 'customer_id' must be a string, got 12345"),
    ("lookup_customer", {"customer_id": "  "}, "argument 'customer_id' must not be empty"),
    ("lookup_customer", {"customer_id": "x" * 101}, "too long"),
    ("search_recent_incidents", {"days": "30"}, "argument 'days' must be an integer, got \"30\""),
    ("search_recent_incidents", {"days": True}, "argument 'days' must be an integer, got true"),
    ("search_recent_incidents", {"days": 2.5}, "must be an integer"),
    ("search_recent_incidents", {"query": ["sso"]}, "argument 'query' must be a string"),
    ("search_knowledge_base", {"query": "refunds", "k": 50}, "argument 'k' must be from 1 to 5, got 50"),
    ("lookup_customer", "{not json", "arguments are not valid JSON"),
    ("lookup_customer", "[\"C-12345\"]", "arguments must be a JSON object"),
    ("search_recent_incidents", {"today": "2027-01-01"}, "unknown argument 'today'"),
])
def test_bad_calls_become_readable_errors(db_path, name, arguments, message):
    result = agent_tools.run_tool(name, arguments)
    assert agent_tools.is_error(result) and message in json.loads(result)["error"]


def test_good_calls_return_json(db_path):
    from_string = agent_tools.run_tool("lookup_customer", '{"customer_id": "C-12345"}')   # OpenAI sends a string
    from_dict = agent_tools.run_tool("lookup_customer", {"customer_id": "C-12345"})       # Anthropic a dict
    assert from_string == from_dict and not agent_tools.is_error(from_dict)
    assert json.loads(agent_tools.run_tool("search_recent_incidents", None))["count"] == 2
    assert json.loads(agent_tools.run_tool("search_recent_incidents", {"days": 30.0}))["days"] == 30


def test_a_failing_tool_returns_an_error_instead_of_raising(monkeypatch):
    def broken(**_):
        raise RuntimeError("database is locked")

    monkeypatch.setitem(agent_tools.TOOLS, "lookup_customer", broken)
    result = json.loads(agent_tools.run_tool("lookup_customer", {"customer_id": "C-1"}))
    assert result == {"error": "lookup_customer failed: RuntimeError: database is locked", "tool": "lookup_customer"}


def test_missing_database_files_become_errors(tmp_path, monkeypatch):
    monkeypatch.setattr(support_db, "CSV_DIR", tmp_path / "nowhere")
    agent_tools.use_database(tmp_path / "fresh.sqlite")
    try:
        result = json.loads(agent_tools.run_tool("lookup_customer", {"customer_id": "C-12345"}))
    finally:
        agent_tools.use_database(None)
    assert "plans.csv is missing" in result["error"]


def test_results_are_bounded(db_path):
    for name, args in [("lookup_customer", {"customer_id": cid}) for cid in ("C-12345", "C-11873", "C-30417")] + [
            ("search_recent_incidents", {"days": 365})]:
        assert len(agent_tools.run_tool(name, args)) <= agent_tools.MAX_RESULT_CHARS


def test_bounded_json_shrinks_lists_then_strings():
    big = {"items": [{"text": "word " * 100, "n": i} for i in range(50)], "title": "keep me"}
    text = agent_tools.bounded_json(big, max_chars=1500)
    value = json.loads(text)
    assert len(text) <= 1500 and value["truncated"] is True and value["title"] == "keep me"
    assert 1 <= len(value["items"]) < 50
    assert agent_tools.bounded_json({"a": 1}) == '{"a": 1}'
