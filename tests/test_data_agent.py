"""Checks for the agent notebook's data: the support database extract (data/support_db/*.csv), the agent tasks
(data/agent_tasks.jsonl) and the hand-labelled judge set (data/judge_labels.jsonl).

The CSVs must agree with each other (keys, dates, plan histories, prices, seats, dunning), with data/WORLD.md, with
the incident post-mortems in data/kb and with the customers the tickets mention; every agent task must be solvable
with its reference tool calls; every judge label must be consistent with the KB.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from helpers import rag
from helpers.agents import tools as agent_tools
from helpers.agents import support_db

ROOT = Path(__file__).resolve().parents[1]
DB = ROOT / "data" / "support_db"
TODAY = dt.date(2026, 11, 24)
SNAPSHOT = "2026-11-24T06:00:00Z"
WINDOW = ("2026-11-12T02:00:00Z", "2026-11-12T09:40:00Z")   # stale entitlements (inc-2026-11-12)
PRICE_CHANGE = "2026-03-01"


def read(name: str) -> list[dict]:
    with open(DB / f"{name}.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text[:-1])


@pytest.fixture(scope="module")
def t() -> dict[str, list[dict]]:
    return {name: read(name) for name in support_db.TABLE_NAMES}


@pytest.fixture(scope="module")
def by_customer(t):
    out = {name: defaultdict(list) for name in ("members", "sources", "invoices", "upgrade_history",
                                                 "incident_impacts")}
    for name, groups in out.items():
        for row in t[name]:
            groups[row["customer_id"]].append(row)
    for rows in out["upgrade_history"].values():
        rows.sort(key=lambda r: (r["effective_at"], r["change_id"]))
    return out


@pytest.fixture(scope="module")
def kb():
    return rag.load_corpus(ROOT / "data" / "kb")


def plan_at(customer: dict, changes: list[dict], moment: str) -> str:
    plan = customer["signup_plan"]
    for c in changes:
        if c["effective_at"] <= moment and c["change_type"] not in ("seats_added", "reactivation"):
            plan = c["to_plan"]
    return plan


def extras_at(changes: list[dict], moment: str) -> int:
    return sum(int(c["seats_delta"]) for c in changes
               if c["change_type"] == "seats_added" and c["effective_at"] <= moment)


def period_price(plans: dict, plan: str, cycle: str, extras: int, period_start: str, contract: str) -> float:
    """The price rule of data/support_db/README.md: list price plus extra seats; annual = 10 months; Team before
    2026-03-01 at $79; Enterprise by contract."""
    if plan == "free":
        return 0.0
    if plan == "enterprise":
        return float(contract)
    months = 10 if cycle == "annual" else 1
    base = 79.0 if plan == "team" and period_start < PRICE_CHANGE else float(plans[plan]["monthly_price_usd"])
    return base * months + extras * float(plans[plan]["extra_seat_usd"]) * months


# ------------------------------------------------------------------------------------------------ structure
def test_columns_match_the_schema_and_the_readme():
    readme = (DB / "README.md").read_text(encoding="utf-8")
    for table in support_db.TABLES:
        with open(DB / table.csv_name, encoding="utf-8", newline="") as handle:
            assert next(csv.reader(handle)) == [c.name for c in table.columns], table.name
        assert f"`{table.csv_name}`" in readme
        for col in table.columns:
            assert f"`{col.name}`" in readme, f"README does not describe {table.name}.{col.name}"


def test_readme_counts_match_the_files(t):
    readme = (DB / "README.md").read_text(encoding="utf-8")
    for name, rows in t.items():
        match = re.search(rf"\| `{name}\.csv` \| (\d[\d,]*) \|", readme)
        assert match, f"README has no count row for {name}.csv"
        assert int(match.group(1).replace(",", "")) == len(rows), name


def test_ids_are_unique_and_well_formed(t):
    patterns = {"customers": ("customer_id", r"C-\d{5}"), "subscriptions": ("subscription_id", r"SUB-\d{5}"),
                "members": ("member_id", r"M-\d{6}"), "sources": ("source_id", r"SRC-\d{6}"),
                "invoices": ("invoice_id", r"INV-20\d\d-\d{6}"), "upgrade_history": ("change_id", r"CH-\d{4,5}"),
                "incidents": ("incident_id", r"INC-\d{4}-\d\d-\d\d")}
    for table, (key, pattern) in patterns.items():
        values = [row[key] for row in t[table]]
        assert len(values) == len(set(values)), f"duplicate {key} in {table}"
        assert all(re.fullmatch(pattern, v) for v in values), table
    slugs = [c["workspace_slug"] for c in t["customers"]]
    assert len(slugs) == len(set(slugs)) and all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", s) for s in slugs)
    pairs = [(r["incident_id"], r["customer_id"]) for r in t["incident_impacts"]]
    assert len(pairs) == len(set(pairs))


def test_foreign_keys_resolve(t):
    customers = {c["customer_id"] for c in t["customers"]}
    plans = {p["plan_id"] for p in t["plans"]}
    invoices = {i["invoice_id"]: i for i in t["invoices"]}
    subs = {s["subscription_id"]: s for s in t["subscriptions"]}
    assert Counter(s["customer_id"] for s in t["subscriptions"]) == Counter(customers)  # one each
    assert {c["signup_plan"] for c in t["customers"]} <= plans and {s["plan_id"] for s in subs.values()} <= plans
    for table in ("members", "sources", "invoices", "upgrade_history", "incident_impacts"):
        assert {r["customer_id"] for r in t[table]} <= customers, table
    for inv in invoices.values():
        assert subs[inv["subscription_id"]]["customer_id"] == inv["customer_id"]
    for change in t["upgrade_history"]:
        assert {change["from_plan"], change["to_plan"]} <= plans
        if change["invoice_id"]:
            assert invoices[change["invoice_id"]]["customer_id"] == change["customer_id"]
    assert {r["incident_id"] for r in t["incident_impacts"]} <= {i["incident_id"] for i in t["incidents"]}


def test_dates_are_ordered_and_not_after_the_snapshot(t):
    created = {c["customer_id"]: c["created_at"] for c in t["customers"]}
    assert all(d <= str(TODAY) for d in created.values())
    for s in t["subscriptions"]:
        assert s["started_at"] == created[s["customer_id"]]
        if s["current_period_start"]:
            assert created[s["customer_id"]] <= s["current_period_start"] <= str(TODAY) < s["current_period_end"]
    for m in t["members"]:
        assert created[m["customer_id"]] <= m["joined_at"] <= str(TODAY)
        assert (m["status"] == "deactivated") == bool(m["deactivated_at"])
        assert not m["deactivated_at"] or m["joined_at"] <= m["deactivated_at"] <= str(TODAY)
    for s in t["sources"]:
        assert created[s["customer_id"]] <= s["created_at"] <= str(TODAY)
    for i in t["invoices"]:
        assert created[i["customer_id"]] <= i["issued_at"][:10] and i["issued_at"] <= SNAPSHOT
        assert i["period_start"] < i["period_end"] and (not i["paid_at"] or i["issued_at"] <= i["paid_at"] <= SNAPSHOT)
        assert (i["status"] == "paid") == bool(i["paid_at"])
    for c in t["upgrade_history"]:
        assert created[c["customer_id"]] <= c["requested_at"][:10] and c["requested_at"] <= c["effective_at"]
        assert c["requested_at"] <= SNAPSHOT
        if c["effective_at"] > SNAPSHOT:   # scheduled for the end of the period: not applied yet
            assert not c["entitlements_applied_at"] and c["change_type"] in ("downgrade", "cancellation")
        else:
            assert c["effective_at"] <= c["entitlements_applied_at"] <= SNAPSHOT
    for i in t["incidents"]:
        assert i["started_at"][:10] <= i["incident_date"] <= str(TODAY)
        assert (i["status"] == "resolved") == bool(i["resolved_at"])
        assert not i["resolved_at"] or i["started_at"] < i["resolved_at"]


# ------------------------------------------------------------------------------------------------ business rules
def test_plans_match_world_md(t):
    world = (ROOT / "data" / "WORLD.md").read_text(encoding="utf-8")
    plans = {p["name"]: p for p in t["plans"]}
    rows = re.findall(r"^\| (Free|Starter|Team|Business|Enterprise) \| ([^|]+)\| ([^|]+)\| ([^|]+)\| ([^|]+)\| "
                      r"([^|]+)\| ([^|]+)\| ([^|]+)\|", world, re.M)
    assert len(rows) == 5
    for name, price, seats, sources, sync, retention, rate, support in rows:
        p = plans[name]
        money = re.match(r"\$(\d+)", price.strip())
        assert (money.group(1) if money else "") == p["monthly_price_usd"], name
        assert seats.strip() == (p["seats_included"] or "custom")
        assert sources.strip() == (p["source_limit"] or "unlimited")
        assert (sync.strip(), retention.strip(), support.strip()) == (p["sync_frequency"], p["retention"],
                                                                      p["support"])
        assert rate.strip().replace(",", "") == (f"{p['api_rate_limit_per_min']} req/min"
                                                 if p["api_rate_limit_per_min"] else "custom")
    extras = re.search(r"Extra seats: \$(\d+) \(Starter\), \$(\d+) \(Team\), \$(\d+) \(Business\)", world).groups()
    assert extras == tuple(plans[n]["extra_seat_usd"] for n in ("Starter", "Team", "Business"))
    assert all(float(p["annual_price_usd"]) == 10 * float(p["monthly_price_usd"])
               for p in t["plans"] if p["monthly_price_usd"])
    assert plans["Starter"]["legacy_name"] == "Basic"


def test_plan_histories_chain_to_the_current_plan(t, by_customer):
    subs = {s["customer_id"]: s for s in t["subscriptions"]}
    for customer in t["customers"]:
        cid, plan = customer["customer_id"], customer["signup_plan"]
        changes = by_customer["upgrade_history"][cid]
        for c in changes:
            assert c["from_plan"] == plan, f"{cid}: {c['change_id']} starts from {c['from_plan']}, not {plan}"
            if c["change_type"] in ("seats_added", "reactivation"):
                assert c["to_plan"] == plan
            else:
                rank = {"free": 0, "starter": 1, "team": 2, "business": 3, "enterprise": 4}
                direction = rank[c["to_plan"]] - rank[plan]
                expected = {"upgrade": direction > 0, "downgrade": direction < 0 and c["to_plan"] != "free",
                            "cancellation": c["to_plan"] == "free"}
                assert expected[c["change_type"]], f"{cid}: {c['change_type']} {plan} -> {c['to_plan']}"
                if c["change_type"] in ("downgrade", "cancellation"):   # at the end of a billing period
                    assert c["effective_at"].endswith("T00:00:00Z")
                plan = c["to_plan"]
        assert plan_at(customer, changes, SNAPSHOT) == subs[cid]["plan_id"], cid


def test_prices_follow_the_price_rules(t, by_customer):
    plans = {p["plan_id"]: p for p in t["plans"]}
    customers = {c["customer_id"]: c for c in t["customers"]}
    subs = {s["customer_id"]: s for s in t["subscriptions"]}
    for cid, s in subs.items():
        changes = by_customer["upgrade_history"][cid]
        if s["plan_id"] == "free":
            assert (s["billing_cycle"], float(s["renewal_price_usd"]), s["current_period_start"]) == ("none", 0, "")
            continue
        assert (s["billing_cycle"] == "contract") == (s["plan_id"] == "enterprise")
        end = s["current_period_end"] + "T00:00:00Z"
        after = plan_at(customers[cid], changes, end)
        expected = period_price(plans, after, s["billing_cycle"], int(s["extra_seats"]) if after == s["plan_id"]
                                else 0, s["current_period_end"], s["contract_value_usd"])
        assert float(s["renewal_price_usd"]) == pytest.approx(expected), cid
        assert bool(int(s["cancel_at_period_end"])) == (after == "free")
        for inv in by_customer["invoices"][cid]:
            if inv["kind"] != "subscription":
                assert float(inv["amount_usd"]) > 0
                continue
            moment = inv["issued_at"]
            price = period_price(plans, plan_at(customers[cid], changes, moment), s["billing_cycle"],
                                 extras_at(changes, moment), inv["period_start"], s["contract_value_usd"])
            assert float(inv["amount_usd"]) == pytest.approx(price), inv["invoice_id"]


def test_seats_members_and_roles(t, by_customer):
    plans = {p["plan_id"]: p for p in t["plans"]}
    for s in t["subscriptions"]:
        members = by_customer["members"][s["customer_id"]]
        roles = Counter(m["role"] for m in members if m["status"] == "active")
        assert roles["Owner"] == 1 and sum(m["role"] == "Owner" for m in members) == 1, s["customer_id"]
        changes = by_customer["upgrade_history"][s["customer_id"]]
        if s["plan_id"] == "enterprise":
            assert int(s["contract_seats"]) >= len(members) and s["extra_seats"] == "0"
        elif s["plan_id"] == "free":
            assert len(members) <= 2 and s["extra_seats"] == "0"
        else:
            assert int(s["extra_seats"]) == max(0, len(members) - int(plans[s["plan_id"]]["seats_included"]))
        assert extras_at(changes, SNAPSHOT) == int(s["extra_seats"]), s["customer_id"]


def test_boards_and_sources_fit_the_plan_unless_downgraded(t, by_customer):
    plans = {p["plan_id"]: p for p in t["plans"]}
    subs = {s["customer_id"]: s for s in t["subscriptions"]}
    frosted = 0
    for c in t["customers"]:
        plan = plans[subs[c["customer_id"]]["plan_id"]]
        sources = by_customer["sources"][c["customer_id"]]
        if plan["source_limit"]:
            assert len(sources) <= int(plan["source_limit"]), c["customer_id"]
        if plan["board_limit"] and int(c["board_count"]) > int(plan["board_limit"]):
            frosted += 1
            assert any(h["change_type"] in ("downgrade", "cancellation") and h["effective_at"] <= SNAPSHOT
                       for h in by_customer["upgrade_history"][c["customer_id"]]), c["customer_id"]
        if c["sso_provider"]:
            assert subs[c["customer_id"]]["plan_id"] in ("business", "enterprise")
    assert frosted >= 3


def test_dunning_states(t, by_customer):
    for s in t["subscriptions"]:
        invoices = {i["issued_at"][:10]: i for i in by_customer["invoices"][s["customer_id"]]}
        if s["status"] == "past_due":
            failed = invoices[s["past_due_since"]]
            assert failed["status"] == "past_due" and not s["suspended_at"]
            assert TODAY - dt.timedelta(days=10) < dt.date.fromisoformat(s["past_due_since"]) <= TODAY
        elif s["status"] == "suspended":
            due = dt.date.fromisoformat(s["suspended_at"]) - dt.timedelta(days=10)
            assert invoices[str(due)]["status"] == "unpaid" and invoices[str(due)]["attempts"] == "4"
            assert not s["past_due_since"] and dt.date.fromisoformat(s["suspended_at"]) <= TODAY
        else:
            assert not s["past_due_since"] and not s["suspended_at"]
            assert all(i["status"] in ("paid", "open") for i in invoices.values()), s["customer_id"]


def test_invoice_numbers_follow_issue_order_and_avoid_ticket_numbers(t):
    tickets = "".join((ROOT / "data" / "tickets" / f).read_text(encoding="utf-8") for f in ("train.jsonl",
                                                                                              "test.jsonl"))
    ours = {i["invoice_id"]: i for i in t["invoices"]}
    for number in set(re.findall(r"INV-\d{4}-\d{6}", tickets)) - {"INV-2026-005102", "INV-2026-005103"}:
        assert number not in ours, f"{number} belongs to a ticket about another situation"
    by_year = defaultdict(list)
    for inv in t["invoices"]:
        by_year[inv["invoice_id"][4:8]].append(inv)
    for year, rows in by_year.items():
        assert all(r["issued_at"].startswith(year) for r in rows)
        order = [r["invoice_id"] for r in sorted(rows, key=lambda r: r["issued_at"])]
        assert order == sorted(order), year


# ------------------------------------------------------------------------------------------------ incidents
def test_incidents_match_the_kb_postmortems(t, kb):
    rows = {i["postmortem_doc_id"]: i for i in t["incidents"] if i["postmortem_doc_id"]}
    postmortems = [d for d in kb if d.id.startswith("inc-")]
    assert sorted(rows) == sorted(d.id for d in postmortems)
    for doc in postmortems:
        row = rows[doc.id]
        date = re.search(r"\*\*Date:\*\* (\d{4}-\d\d-\d\d)", doc.text).group(1)
        severity = re.search(r"\*\*Severity:\*\* (Sev-\d)", doc.text).group(1)
        title = re.sub(r"^Post-mortem: | \(\d{4}-\d\d-\d\d\)$", "", doc.title)
        assert (row["incident_date"], row["severity"], row["status"]) == (date, severity, "resolved"), doc.id
        assert row["incident_id"] == f"INC-{date}" and doc.id.startswith(f"inc-{date}")
        assert row["title"].lower() == title.lower(), doc.id
        figures = re.findall(r"\d+(?:\.\d+)? ?(?:%|minutes|hours|h \d+ min)", row["summary"])
        for figure in figures:   # every duration and share in the summary is the post-mortem's
            spelled = re.sub(r"(\d+) h (\d+) min", r"\1 hours \2 minutes", figure)
            assert figure in doc.text or spelled in doc.text, f"{doc.id}: {figure}"
    open_rows = [i for i in t["incidents"] if not i["postmortem_doc_id"]]
    assert open_rows and all(i["status"] != "resolved" for i in open_rows)   # post-mortems follow resolution


def test_world_md_incidents_are_in_the_table(t):
    world = (ROOT / "data" / "WORLD.md").read_text(encoding="utf-8")
    listed = re.findall(r"^- (\d{4}-\d\d-\d\d), (Sev-\d),", world, re.M)
    table = {(i["incident_date"], i["severity"]) for i in t["incidents"]}
    assert len(listed) == 5 and set(listed) <= table


def test_incident_impacts_follow_the_rules(t, by_customer):
    customers = {c["customer_id"]: c for c in t["customers"]}
    incidents = {i["incident_id"]: i for i in t["incidents"]}

    def has_source(cid, kind, before):
        return any(s["source_type"] == kind and s["created_at"] < before for s in by_customer["sources"][cid])

    for impact in t["incident_impacts"]:
        cid, inc = impact["customer_id"], incidents[impact["incident_id"]]
        c = customers[cid]
        assert c["created_at"] <= (inc["resolved_at"] or SNAPSHOT)[:10], impact
        assert c["region"] in inc["regions"].split(";"), impact
        rule = {
            "INC-2025-11-18": lambda: has_source(cid, "csv", "2025-11-19"),
            "INC-2026-01-27": lambda: has_source(cid, "stripe", "2026-01-27"),
            "INC-2026-06-03": lambda: has_source(cid, "postgres", "2026-06-03"),
            "INC-2026-10-02": lambda: c["sso_provider"] == "Okta" and plan_at(
                c, by_customer["upgrade_history"][cid], "2026-10-02T08:00:00Z") in ("business", "enterprise"),
            "INC-2026-11-18": lambda: has_source(cid, "google_sheets", "2026-11-18"),
        }.get(impact["incident_id"], lambda: True)
        assert rule(), impact
    per_incident = Counter(i["incident_id"] for i in t["incident_impacts"])
    assert set(per_incident) == set(incidents), "every incident touched at least one customer of the extract"


def test_stale_entitlements_hit_exactly_the_plan_changes_in_the_window(t):
    in_window = {c["customer_id"]: c for c in t["upgrade_history"] if WINDOW[0] <= c["effective_at"] < WINDOW[1]}
    impacted = {i["customer_id"] for i in t["incident_impacts"] if i["incident_id"] == "INC-2026-11-12"}
    assert impacted == set(in_window) and len(impacted) >= 4
    assert {c["change_type"] for c in in_window.values()} >= {"upgrade", "seats_added", "reactivation"}
    for c in t["upgrade_history"]:
        if c["entitlements_applied_at"]:
            delay = ts(c["entitlements_applied_at"]) - ts(c["effective_at"])
            if c["customer_id"] in in_window and c is in_window[c["customer_id"]]:
                assert dt.timedelta(hours=1) <= delay <= dt.timedelta(hours=6)
                assert c["entitlements_applied_at"] <= WINDOW[1]
            else:
                assert delay < dt.timedelta(minutes=1), c["change_id"]


# ------------------------------------------------------------------------------------------------ stories
def test_customer_12345_story(t, by_customer):
    customer = next(c for c in t["customers"] if c["customer_id"] == "C-12345")
    assert (customer["region"], customer["city"]) == ("us-east", "Toronto")   # the first ticket came from Toronto
    upgrade = by_customer["upgrade_history"]["C-12345"][-1]
    assert (upgrade["from_plan"], upgrade["to_plan"]) == ("starter", "team")
    assert upgrade["effective_at"] == "2026-11-12T03:52:10Z"   # 'upgraded to Team an hour ago' at 04:50
    assert upgrade["entitlements_applied_at"] == "2026-11-12T09:40:00Z"   # the cache flush
    invoice = next(i for i in t["invoices"] if i["invoice_id"] == upgrade["invoice_id"])
    assert (invoice["kind"], invoice["status"]) == ("proration", "paid")   # billing was correct
    assert [i["incident_id"] for i in by_customer["incident_impacts"]["C-12345"]] == ["INC-2026-11-12"]
    assert int(customer["board_count"]) > 25   # boards above Starter's limit showed "Upgrade required"


def test_customers_named_in_tickets_agree_with_the_tickets(t, by_customer):
    customers = {c["customer_id"]: c for c in t["customers"]}
    slugs = {c["workspace_slug"]: c for c in t["customers"]}
    subs = {s["customer_id"]: s for s in t["subscriptions"]}
    dup = {i["invoice_id"]: i for i in by_customer["invoices"]["C-20931"]}
    assert {"INV-2026-005102", "INV-2026-005103"} <= set(dup)   # T-train-0150
    assert {dup[n]["issued_at"][:10] for n in ("INV-2026-005102", "INV-2026-005103")} == {"2026-11-03"}
    assert {dup[n]["amount_usd"] for n in ("INV-2026-005102", "INV-2026-005103")} == {"99.00"}
    quayside = customers["C-30417"]   # T-test-0129
    assert quayside["company_name"] == "Quayside Bakeries" and subs["C-30417"]["billing_cycle"] == "annual"
    renewals = [i for i in by_customer["invoices"]["C-30417"] if i["issued_at"].startswith("2026-11-02")]
    assert len(renewals) == 2 and {i["amount_usd"] for i in renewals} == {"990.00"}
    assert any(s["source_type"] == "google_sheets" for s in by_customer["sources"]["C-30417"])
    cobalt = customers["C-11873"]   # T-train-0301
    assert cobalt["workspace_slug"] == "cobalt-logistics" and subs["C-11873"]["plan_id"] == "business"
    assert subs["C-11873"]["billing_cycle"] == "annual"
    assert "INC-2026-08-19" in {i["incident_id"] for i in by_customer["incident_impacts"]["C-11873"]}
    assert subs[slugs["fernhill-group"]["customer_id"]]["plan_id"] == "business"   # T-test-0122
    ridgeline = slugs["ridgeline-eng"]   # T-train-0114
    assert (subs[ridgeline["customer_id"]]["plan_id"], ridgeline["sso_provider"]) == ("business", "Okta")
    assert subs[slugs["bluefin-analytics"]["customer_id"]]["cancel_at_period_end"] == "1"   # T-train-0080
    for slug in ("acme-retail", "acme-wholesale"):   # T-train-0299
        assert subs[slugs[slug]["customer_id"]]["plan_id"] == "team"
    assert {"tallgrass-co", "lumen-health"} <= set(slugs)


def test_generator_reproduces_the_csvs(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("support_db_build", DB / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    monkeypatch.setattr(build, "OUT", tmp_path)
    build.main()
    for table in support_db.TABLES:
        assert (tmp_path / table.csv_name).read_bytes() == (DB / table.csv_name).read_bytes(), table.csv_name


# ------------------------------------------------------------------------------------------------ agent tasks
TASKS = jsonl(ROOT / "data" / "agent_tasks.jsonl")
CATEGORIES = {"kb", "kb_not_in_docs", "customer", "incidents", "multi", "not_found", "no_tool"}


def test_agent_tasks_are_well_formed():
    assert len(TASKS) >= 24
    assert len({task["id"] for task in TASKS}) == len(TASKS)
    assert len({task["question"] for task in TASKS}) == len(TASKS)
    for task in TASKS:
        assert set(task) == {"id", "category", "question", "expected_tools", "reference_calls", "expected_facts",
                             "notes"}, task["id"]
        assert task["category"] in CATEGORIES and task["question"].strip() and task["notes"].strip()
        assert task["expected_tools"] == [c["tool"] for c in task["reference_calls"]]
        assert set(task["expected_tools"]) <= set(agent_tools.TOOL_NAMES)
        for call in task["reference_calls"]:
            assert agent_tools.validate_arguments(call["tool"], call["arguments"])[1] == [], task["id"]
        assert all(isinstance(f, str) and f.strip() for f in task["expected_facts"])
        assert (task["category"] == "no_tool") == (task["expected_tools"] == [])
        assert bool(task["expected_facts"]) == (task["category"] not in ("no_tool", "kb_not_in_docs"))
    counts = Counter(task["category"] for task in TASKS)
    assert counts["kb"] >= 4 and counts["customer"] >= 4 and counts["incidents"] >= 3 and counts["multi"] >= 6
    assert counts["not_found"] + counts["no_tool"] + counts["kb_not_in_docs"] >= 2
    assert sum(len(task["expected_tools"]) == 3 for task in TASKS) >= 1
    seed = next(task for task in TASKS if "12345" in task["question"])
    assert seed["expected_tools"] == ["lookup_customer", "search_recent_incidents", "search_knowledge_base"]


@pytest.fixture(scope="module")
def course_tools(tmp_path_factory):
    """The tools on a freshly built database and the real KB pipeline (dense + BM25)."""
    agent_tools.use_database(support_db.build_database(tmp_path_factory.mktemp("db") / "support.sqlite"))
    yield agent_tools
    agent_tools.use_database(None)


@pytest.mark.parametrize("task", TASKS, ids=[task["id"] for task in TASKS])
def test_agent_task_is_solvable_with_its_reference_calls(course_tools, task):
    outputs = []
    for call in task["reference_calls"]:
        result = course_tools.run_tool(call["tool"], call["arguments"])
        assert not course_tools.is_error(result), result
        outputs.append(result)
    text = "\n".join(outputs).lower()
    missing = [fact for fact in task["expected_facts"] if fact.lower() not in text]
    assert not missing, f"{task['id']}: facts not in the tool outputs: {missing}"
    if task["category"] == "not_found":
        assert json.loads(outputs[0])["found"] is False


# ------------------------------------------------------------------------------------------------ judge labels
LABELS = jsonl(ROOT / "data" / "judge_labels.jsonl")
KINDS = {"correct": (True, True, True, True), "partial": (True, True, False, True),
         "hallucination": (False, True, False, False), "not_in_docs": (True, True, True, True),
         "stale_context": (True, True, True, False), "off_topic": (True, False, False, False),
         "false_refusal": (True, False, False, False)}
NOT_IN_DOCS = re.compile(r"not in the docs|do(?:es)? not (?:say|mention|state|give)|could not find|no information",
                         re.I)


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("*", "").replace("`", "")).lower()


def test_judge_labels_are_well_formed(kb):
    questions = {q["id"]: q for q in jsonl(ROOT / "data" / "kb_eval.jsonl")}
    assert len(LABELS) >= 48 and len({label["id"] for label in LABELS}) == len(LABELS)
    for label in LABELS:
        assert set(label) == {"id", "question_id", "question", "context_doc_ids", "answer", "kind", "grounded",
                              "relevant", "complete", "correct", "hallucination", "planted"}, label["id"]
        assert label["question"] == questions[label["question_id"]]["question"]
        assert label["context_doc_ids"] and set(label["context_doc_ids"]) <= set(kb.ids)
        assert (label["grounded"], label["relevant"], label["complete"], label["correct"]) == KINDS[label["kind"]]
        assert bool(label["hallucination"]) == (label["kind"] not in ("correct", "not_in_docs")), label["id"]
        assert len(label["answer"].split()) >= 5
    counts = Counter(label["kind"] for label in LABELS)
    assert counts["hallucination"] >= 12 and counts["correct"] >= 8 and counts["partial"] >= 4
    assert counts["not_in_docs"] >= 4
    assert sum(not label["grounded"] for label in LABELS) >= 12


def test_judge_labels_agree_with_the_kb(kb):
    questions = {q["id"]: q for q in jsonl(ROOT / "data" / "kb_eval.jsonl")}
    docs = kb.by_id
    for label in LABELS:
        q, answer = questions[label["question_id"]], norm(label["answer"])
        context = norm(" ".join(docs[d].text for d in label["context_doc_ids"]))
        facts = [norm(f) for f in q["reference_facts"]]
        kind = label["kind"]
        if kind in ("correct", "partial", "stale_context", "off_topic", "false_refusal"):
            assert not label["planted"] or kind == "stale_context", label["id"]
        if kind == "correct":
            assert set(label["context_doc_ids"]) & set(q["gold_doc_ids"]), label["id"]
            assert all(f in answer for f in facts), label["id"]
        elif kind == "partial":
            assert len(facts) >= 2 and 0 < sum(f in answer for f in facts) < len(facts), label["id"]
        elif kind == "hallucination":
            planted = norm(label["planted"])
            assert planted and planted in answer, label["id"]
            assert planted not in context, f"{label['id']}: the planted claim is in the context after all"
        elif kind == "not_in_docs":
            assert q["type"] == "unanswerable" and NOT_IN_DOCS.search(label["answer"]), label["id"]
        elif kind == "stale_context":
            planted = norm(label["planted"])
            assert all(docs[d].metadata.get("superseded_by") for d in label["context_doc_ids"]), label["id"]
            assert planted in answer and planted in context, label["id"]
            assert not any(f in answer for f in facts), label["id"]
        elif kind == "false_refusal":
            assert q["type"] != "unanswerable" and NOT_IN_DOCS.search(label["answer"]), label["id"]
            assert any(f in context for f in facts), f"{label['id']}: the context must hold the answer"
        elif kind == "off_topic":
            assert not any(f in answer for f in facts), label["id"]


def test_data_readme_states_the_right_counts(t):
    readme = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    kinds = Counter(label["kind"] for label in LABELS)
    assert f"{len(t['customers'])} customers with subscriptions" in readme
    assert f"the {len(t['incidents'])} incidents" in readme
    assert f"{len(TASKS)} customer questions" in readme
    assert f"{len(LABELS)} hand-labelled RAG answers" in readme
    assert f"with {kinds['hallucination']} planted hallucinations" in readme
    stated = ", ".join([f"{kinds['correct']} correct", f"{kinds['partial']} partial",
                        f"{kinds['hallucination']} hallucination"])
    assert f"Counts: {stated}" in readme
    for words, kind in [("not in the docs", "not_in_docs"), ("stale", "stale_context"), ("off topic", "off_topic"),
                        ("false refusals", "false_refusal")]:
        assert f"{kinds[kind]} {words}" in readme, kind
