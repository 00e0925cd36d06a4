"""Write data/finetune/messy_chat_examples.jsonl (+ .expected.json and the table in its README).

    .venv/bin/python data/orders/make_messy_chat.py

A deliberately dirty OpenAI chat fine-tuning file for the data-cleaning exercise. Good lines are
support-ticket classifications (tickets written by hand below) and order extractions (texts and gold
from data/orders/train.jsonl). Problem lines are planted on purpose; every planted problem is recorded
with its 1-based line number in messy_chat_examples.expected.json and in the README table.
The file is deterministic (fixed seed).
"""
import json
import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "data" / "finetune"
ORDERS = ROOT / "data" / "orders" / "train.jsonl"

CLS_SYS = ("You are the Pulseboard support triage assistant. Classify the customer's ticket. "
           "Reply with JSON only: {\"category\": one of billing, account_access, bug, how_to, "
           "feature_request, outage, integration; \"priority\": one of low, normal, high, urgent; "
           "\"summary\": one sentence}.")
EXT_SYS = ("You extract Pulseboard Store orders from customer messages. Reply with JSON only, with the "
           "keys customer_name, company, items (sku, name, quantity, color, size, unit), delivery "
           "(address, city, country), requested_date and notes, as defined in the order schema. "
           "Use null for anything the message does not say.")

# (ticket text, category, priority, summary) -- written by hand for this file.
TICKETS = [
    ("We were charged twice for invoice INV-2026-004817 this month. Please refund the duplicate, our workspace is acme-retail.",
     "billing", "high", "Customer was charged twice for invoice INV-2026-004817 and asks for the duplicate to be refunded."),
    ("Since this morning every board in our workspace shows a blank white page. Nothing loads, not even the tiles. Is Prism down?",
     "outage", "urgent", "All boards in the workspace render blank since this morning; customer suspects a rendering outage."),
    ("How do I make a share link expire after 7 days? I can't find the option anywhere.",
     "how_to", "low", "Customer asks how to set an expiry on a share link."),
    ("Our API calls started failing with PB-4290 after we added a second integration. We're on Starter.",
     "integration", "normal", "API requests return PB-4290 rate-limit errors on the Starter plan after adding a second integration."),
    ("I'm the Owner and I lost my phone, so I can't complete the 2FA prompt anymore. Please help me get back into the workspace.",
     "account_access", "high", "Workspace Owner lost the 2FA device and cannot log in."),
    ("It would be great if alerts could also go to Discord, not just Slack and Teams.",
     "feature_request", "low", "Customer requests Discord as an alert destination."),
    ("The revenue tile shows a number that is 10x too high since yesterday's sync. The Postgres table itself is fine.",
     "bug", "high", "A revenue tile shows values ten times too high after the latest sync while the source table is correct."),
    ("Can we switch from monthly to annual billing on the Team plan and what would we pay?",
     "billing", "normal", "Customer wants to move the Team plan from monthly to annual billing and asks for the price."),
    ("My Snowflake source keeps failing with PB-3150 every night at 2am. The query runs in 3 minutes in Snowflake directly.",
     "integration", "normal", "Nightly Snowflake sync fails with a PB-3150 timeout although the query takes three minutes."),
    ("We downgraded to Starter and now half our boards say read-only with error PB-2210. We didn't expect that.",
     "billing", "normal", "After downgrading to Starter, boards over the plan limits became read-only (PB-2210)."),
    ("SSO login through Okta fails with 'certificate invalid' for everyone in our company since this morning.",
     "outage", "urgent", "All company users fail to sign in through Okta SSO with a certificate error."),
    ("Please add a dark mode for boards shown on wall displays, the white background is too bright at night.",
     "feature_request", "low", "Customer asks for a dark mode for boards on wall displays."),
    ("How can I connect a Google Sheet that lives in a shared drive? The picker only shows my own files.",
     "how_to", "normal", "Customer cannot find a shared-drive Google Sheet in the source picker."),
    ("I was removed from the workspace by mistake by an Admin who left the company. Nobody else is Owner. How do we recover?",
     "account_access", "high", "User lost access after removal by a departed Admin and the workspace has no reachable Owner."),
    ("Our card expired and the workspace now shows 'Workspace paused'. We updated the card, but syncs are still not running.",
     "billing", "high", "Workspace remains suspended after the payment card was updated following failed payments."),
    ("When I export a board to PDF the tile titles overlap the charts. Happens in Chrome and Firefox.",
     "bug", "normal", "PDF export of a board renders tile titles overlapping the charts in Chrome and Firefox."),
    ("Our webhook source rejects every event with 'signature mismatch' since we rotated the secret.",
     "integration", "high", "Webhook source rejects all events with a signature mismatch after the secret was rotated."),
    ("Is it possible to have more than one Billing manager in a workspace?",
     "how_to", "low", "Customer asks whether a workspace can have several Billing managers."),
    ("We were upgraded to Business yesterday but the dashboards still say 'Upgrade required'. We paid already!",
     "billing", "urgent", "After upgrading to Business the dashboards still show 'Upgrade required'."),
    ("Could you support MongoDB as a source? We'd move our whole team to Pulseboard if so.",
     "feature_request", "normal", "Customer requests a MongoDB source and ties it to a team-wide adoption."),
    ("Every sync of our eu-west Postgres sources is delayed by hours today. Status page says nothing.",
     "outage", "high", "Postgres syncs in eu-west are delayed by hours while the status page shows no incident."),
    ("I get PB-1001 when calling the API with the token I created last week. It worked until Friday.",
     "integration", "normal", "API calls fail with PB-1001 using a token that worked until Friday."),
    ("The invite email never arrives for our new colleague. We checked spam. Her address is on our company domain.",
     "account_access", "normal", "Invitation emails to a new colleague on the company domain do not arrive."),
    ("Tile values on the sales board round 0.5 down instead of up. Finance noticed the totals don't match.",
     "bug", "normal", "Tiles round 0.5 values down, so board totals disagree with finance figures."),
    ("Can I get an invoice with our VAT number on it? Our accountant needs it for October.",
     "billing", "low", "Customer needs the October invoice reissued with their VAT number."),
    ("Where do I see who deleted a board last week? We're on Business.",
     "how_to", "normal", "Business customer asks how to find who deleted a board using the audit log."),
    ("We'd love to schedule board snapshots to be emailed to our CEO every Monday morning.",
     "feature_request", "low", "Customer requests scheduled email snapshots of a board."),
    ("The CSV upload stops at 100% and then says 'failed'. The file is 180 MB.",
     "bug", "normal", "A 180 MB CSV upload reaches 100% and then fails."),
    ("Our deactivated users still count as seats on the invoice. We removed them from the company directory a month ago.",
     "billing", "normal", "Deactivated users still count as billed seats (ghost seats) a month after leaving."),
    ("Since the 4.3 update I can't log in as Admin without setting up 2FA, but I don't have a smartphone.",
     "account_access", "normal", "Admin cannot log in because 2FA became mandatory and they have no smartphone."),
    ("HubSpot source says 'connected' but no deals have synced for three days.",
     "integration", "high", "HubSpot source appears connected but has not synced deals for three days."),
    ("Boards are loading extremely slowly for all of us, 30+ seconds per board, and some tiles time out. Started an hour ago.",
     "outage", "high", "All users see very slow board loads and tile timeouts starting an hour ago."),
    ("What's the difference between an Editor and an Admin? I want someone to build boards but not manage billing.",
     "how_to", "low", "Customer asks which role lets someone build boards without billing access."),
    ("The alert for 'orders below 100' fired 40 times in one hour even though the value only crossed once.",
     "bug", "high", "A threshold alert fired 40 times in an hour for a single crossing."),
    ("We need to cancel our subscription and get a refund for this month, we were charged 3 days ago.",
     "billing", "normal", "Customer cancels and asks for a refund of a monthly charge made three days ago."),
    ("Please let us set a different time zone per board. Our Toronto and Lisbon teams see different 'today'.",
     "feature_request", "normal", "Customer requests per-board time zone settings for teams in different regions."),
    ("I can't reset my password, the reset link says it expired, even when I click it right away.",
     "account_access", "high", "Password reset links report as expired immediately."),
    ("Our BigQuery source fails with PB-3003 'column not found' but the column exists, we just renamed it yesterday.",
     "integration", "normal", "BigQuery sync fails with PB-3003 after a column was renamed in the source table."),
    ("Using the v1 API still? We get 404 on all v1 endpoints since 30 September. What do we change?",
     "integration", "high", "Customer's integration calls removed v1 API endpoints and fails with 404."),
    ("Pulse AI summary on our Team workspace says 'not available on your plan'. I thought Team includes it.",
     "bug", "normal", "Pulse AI tile summaries are reported unavailable on a Team workspace that should include them."),
    ("Hey, how do I move a tile from one board to another without rebuilding it?",
     "how_to", "low", "Customer asks how to move a tile between boards."),
    ("Whole app returns PB-5000 internal error for everyone in our workspace, X-Request-Id 7f3a-22c1.",
     "outage", "urgent", "The app returns PB-5000 internal errors for the whole workspace (request id 7f3a-22c1)."),
]

HEDGES = [
    ("Our boards stopped refreshing after we changed the database password.",
     "I'm not sure but I think this is probably an integration issue? Maybe billing."),
    ("Can I pay by bank transfer instead of card?",
     "I think maybe it's billing, but it could also be a how-to question, hard to say."),
    ("The Teams alerts arrive twice.",
     "Not sure. Probably a bug, I guess? {\"category\": \"bug\"}"),
]
SHORTS = [
    ("We got charged for 12 seats but we only have 9 people.", "billing"),
    ("The board shows 'PB-2004 not found' when I open the share link.", "bug"),
    ("How do I add a Viewer?", "ok"),
]


def cls_line(ticket, answer, weight=None):
    asst = {"role": "assistant", "content": answer}
    if weight is not None:
        asst["weight"] = weight
    return {"messages": [{"role": "system", "content": CLS_SYS},
                         {"role": "user", "content": ticket}, asst]}


def cls_answer(cat, prio, summary):
    return json.dumps({"category": cat, "priority": prio, "summary": summary})


def ext_line(text, gold):
    return {"messages": [{"role": "system", "content": EXT_SYS},
                         {"role": "user", "content": text},
                         {"role": "assistant", "content": json.dumps(gold, ensure_ascii=False)}]}


def dumps(obj):
    return json.dumps(obj, ensure_ascii=False)


def long_log(rng, n_lines=560):
    levels = ["INFO", "INFO", "INFO", "WARN", "ERROR"]
    comps = ["tidewater.scheduler", "prism.render", "source.postgres", "sync.worker", "api.gateway"]
    msgs = ["sync started for source src_4411 rows_expected=120000",
            "query on source took 118.2s close to limit",
            "retrying batch after PB-5031 worker overloaded",
            "tile t_9921 recomputed from cache miss",
            "request finished status=504 code=PB-3150"]
    out = []
    for i in range(n_lines):
        out.append(f"2026-11-1{i % 10}T0{i % 10}:{i % 60:02d}:{(i * 7) % 60:02d}Z {rng.choice(levels)} "
                   f"{rng.choice(comps)} {rng.choice(msgs)}")
    return "\n".join(out)


def build():
    rng = random.Random(20261124)
    orders = [json.loads(l) for l in ORDERS.read_text().splitlines()]
    good = []  # list of (obj, label)
    for text, cat, prio, summary in TICKETS:
        good.append(cls_line(text, cls_answer(cat, prio, summary)))
    for r in orders[4::11][:27]:
        good.append(ext_line(r["text"], r["gold"]))
    # three good multi-turn lines: a wrong first answer with weight 0, then a corrected answer
    o1 = orders[20]
    wrong = json.loads(json.dumps(o1["gold"]))
    wrong["items"][0]["quantity"] += 1
    good.append({"messages": [
        {"role": "system", "content": EXT_SYS},
        {"role": "user", "content": o1["text"]},
        {"role": "assistant", "content": dumps(wrong), "weight": 0},
        {"role": "user", "content": "The first item's quantity is wrong, please check the message again."},
        {"role": "assistant", "content": dumps(o1["gold"]), "weight": 1}]})
    good.append({"messages": [
        {"role": "system", "content": CLS_SYS},
        {"role": "user", "content": "Our Stripe source shows last month's payouts twice on the revenue board."},
        {"role": "assistant", "content": cls_answer("bug", "normal", "Stripe payouts appear twice on a board."),
         "weight": 0},
        {"role": "user", "content": "It only happens on the Stripe source, the board itself is fine. Re-check the category."},
        {"role": "assistant", "content": cls_answer(
            "integration", "normal",
            "The Stripe source imports last month's payouts twice, which doubles them on the revenue board."),
         "weight": 1}]})
    good.append({"messages": [
        {"role": "system", "content": CLS_SYS},
        {"role": "user", "content": "Our Viewer accounts can suddenly edit tiles. That should not be possible."},
        {"role": "assistant", "content": cls_answer(
            "bug", "high", "Users with the Viewer role are able to edit tiles, which their role should not allow.")}]})
    assert len(good) == 72, len(good)

    problems = []  # (raw line string, [problems], dup_of index into good or None)
    # exact duplicates (5) and near duplicates (5) of good lines
    dup_src = rng.sample(range(len(good)), 10)
    for gi in dup_src[:5]:
        problems.append((dumps(good[gi]), ["duplicate"], gi))
    for k, gi in enumerate(dup_src[5:]):
        obj = json.loads(dumps(good[gi]))
        user = next(m for m in obj["messages"] if m["role"] == "user")
        if k % 3 == 0:
            user["content"] = user["content"].lower()
        elif k % 3 == 1:
            user["content"] = "  " + user["content"].replace(" ", "  ") + "\n"
        else:
            user["content"] = user["content"].upper()
        problems.append((dumps(obj), ["near_duplicate"], gi))
    # not JSON (3)
    problems.append(('{"messages": [{"role": "system", "content": "' + CLS_SYS[:60].replace('"', '\\"')
                     + '"}, {"role": "user", "content": "Invoice shows the old Team price of $79", ',
                     ["not_json"], None))
    problems.append(("{'messages': [{'role': 'user', 'content': 'Where is the CSV upload button?'}, "
                     "{'role': 'assistant', 'content': '{\"category\": \"how_to\", \"priority\": \"low\", "
                     "\"summary\": \"Customer cannot find CSV upload.\"}'}]}", ["not_json"], None))
    problems.append(('{"messages": [{"role": "user", "content": "Alerts to Teams stopped."}, '
                     '{"role": "assistant", "content": "{\\"category\\": \\"bug\\", \\"priority\\": '
                     '\\"normal\\", \\"summary\\": \\"Teams alerts stopped arriving.\\"}"},]}',
                     ["not_json"], None))
    # not a dict (2)
    problems.append((dumps([{"role": "user", "content": "Our share link shows an expired page."},
                            {"role": "assistant", "content": cls_answer(
                                "how_to", "low", "Customer asks why a share link shows as expired.")}]),
                     ["not_dict"], None))
    problems.append((dumps([cls_line("Refund please, charged twice.", cls_answer(
        "billing", "high", "Customer reports a duplicate charge and asks for a refund."))]),
                     ["not_dict"], None))
    # missing messages (2; one also has an unrecognised key)
    problems.append(("{}", ["missing_messages"], None))
    problems.append((dumps({"conversation": [{"role": "user", "content": "Can I rename a workspace slug?"},
                                             {"role": "assistant", "content": cls_answer(
                                                 "how_to", "low", "Customer asks how to rename the workspace slug.")}]}),
                     ["missing_messages", "unrecognised_keys"], None))
    # prompt/completion format (2) and an extra top-level key next to messages (1)
    problems.append((dumps({"prompt": "Ticket: Our dashboard is blank.\nCategory:",
                            "completion": " outage"}), ["missing_messages", "unrecognised_keys"], None))
    problems.append((dumps({"prompt": "Extract the order: 3 black mugs to Porto",
                            "completion": " {\"items\": [{\"sku\": \"PB-MUG\", \"quantity\": 3}]}"}),
                     ["missing_messages", "unrecognised_keys"], None))
    ex = cls_line("Why does my Starter plan only allow 10 sources?", cls_answer(
        "how_to", "low", "Customer asks about the source limit of the Starter plan."))
    ex["prompt"] = "Why does my Starter plan only allow 10 sources?"
    problems.append((dumps(ex), ["unrecognised_keys"], None))
    # message missing role (2) / missing content (2)
    ex = cls_line("Our sync runs every hour but we pay for Team, shouldn't it be every 15 minutes?", cls_answer(
        "billing", "normal", "Team customer sees hourly syncs instead of the plan's 15-minute frequency."))
    del ex["messages"][1]["role"]
    problems.append((dumps(ex), ["missing_role"], None))
    ex = ext_line(orders[33]["text"], orders[33]["gold"])
    del ex["messages"][0]["role"]
    problems.append((dumps(ex), ["missing_role"], None))
    ex = cls_line("placeholder", cls_answer("bug", "normal", "The user message of this example has no content."))
    del ex["messages"][1]["content"]
    problems.append((dumps(ex), ["missing_content"], None))
    ex = ext_line(orders[77]["text"], orders[77]["gold"])
    del ex["messages"][2]["content"]
    problems.append((dumps(ex), ["missing_content"], None))
    # unknown role (3): two where the answer has role "bot" (so there is no assistant), one extra "agent" turn
    ex = cls_line("Can I get a copy of all invoices from 2026 in one PDF?", cls_answer(
        "billing", "low", "Customer asks for all 2026 invoices in one PDF."))
    ex["messages"][2]["role"] = "bot"
    problems.append((dumps(ex), ["unknown_role", "no_assistant"], None))
    ex = ext_line(orders[101]["text"], orders[101]["gold"])
    ex["messages"][2]["role"] = "bot"
    problems.append((dumps(ex), ["unknown_role", "no_assistant"], None))
    ex = cls_line("My API token has the wrong scope, I get PB-1002 on the boards endpoint.", cls_answer(
        "integration", "normal", "API token lacks the scope for the boards endpoint (PB-1002)."))
    ex["messages"].insert(2, {"role": "agent", "content": "Forwarding to tier 2."})
    problems.append((dumps(ex), ["unknown_role"], None))
    # empty assistant content (3)
    for i, (text, content) in enumerate([
            ("The board title is cut off on the 43-inch wall display.", ""),
            ("How do I add a second Owner?", "   "),
            (orders[150]["text"], "")]):
        ex = (cls_line(text, content) if i < 2 else ext_line(text, {}))
        ex["messages"][2]["content"] = content
        problems.append((dumps(ex), ["empty_assistant"], None))
    # no assistant message (3)
    problems.append((dumps({"messages": [{"role": "system", "content": CLS_SYS},
                                         {"role": "user", "content": "Can a Viewer export a board as CSV?"}]}),
                     ["no_assistant"], None))
    problems.append((dumps({"messages": [{"role": "user", "content": orders[190]["text"]}]}),
                     ["no_assistant"], None))
    problems.append((dumps({"messages": [{"role": "system", "content": CLS_SYS},
                                         {"role": "user", "content": "Audit log export to S3 fails."},
                                         {"role": "user", "content": "Sorry, forgot: we are on Enterprise."}]}),
                     ["no_assistant"], None))
    # weight not 0/1 (3)
    for w, (text, cat, prio, summ) in zip([2, 0.5, "1"], [
            ("We want to pay in EUR instead of USD.", "billing", "low", "Customer asks to be billed in euros."),
            ("Tidewater shows 'queued' for our MySQL source since yesterday.", "integration", "high",
             "A MySQL source has been stuck in the sync queue since yesterday."),
            ("Let us pin a tile to the top of every board.", "feature_request", "low",
             "Customer requests tiles pinned across all boards.")]):
        problems.append((dumps(cls_line(text, cls_answer(cat, prio, summ), weight=w)), ["bad_weight"], None))
    # hedging answers (5)
    for text, ans in HEDGES:
        problems.append((dumps(cls_line(text, ans)), ["hedging"], None))
    o = orders[120]
    problems.append((dumps(ext_line(o["text"], None) | {"messages": [
        {"role": "system", "content": EXT_SYS}, {"role": "user", "content": o["text"]},
        {"role": "assistant", "content": "I think maybe they want " + str(o["gold"]["items"][0]["quantity"])
         + " items, but I'm not sure about the colour or the address."}]}), ["hedging"], None))
    problems.append((dumps(cls_line("Data from June is gone from our board, we're on Starter.",
                                    "Probably a data retention thing? I'm not sure, maybe billing or bug.")),
                     ["hedging"], None))
    # far too long (2)
    for k in range(2):
        log = long_log(rng)
        ticket = ("Our nightly syncs keep failing and the board is empty every morning. "
                  "I pasted the whole log below, sorry for the length.\n\n" + log)
        problems.append((dumps(cls_line(ticket, cls_answer(
            "integration", "high", "Nightly syncs fail repeatedly with timeouts and worker-overload retries."))),
            ["too_long"], None))
    # very short assistant answers (5)
    for text, ans in SHORTS:
        problems.append((dumps(cls_line(text, ans)), ["short_answer"], None))
    problems.append((dumps(ext_line(orders[55]["text"], {}) | {"messages": [
        {"role": "system", "content": EXT_SYS}, {"role": "user", "content": orders[55]["text"]},
        {"role": "assistant", "content": "3 hoodies"}]}), ["short_answer"], None))
    problems.append((dumps(cls_line("Please delete my account.", "Done.")), ["short_answer"], None))
    assert len(problems) == 48, len(problems)

    # order: shuffle good lines and non-duplicate problems; place each (near) duplicate after its source
    base = [("good", dumps(g), [], gi) for gi, g in enumerate(good)]
    base += [("prob", raw, probs, None) for raw, probs, src in problems if src is None]
    rng.shuffle(base)
    dups = [(raw, probs, src) for raw, probs, src in problems if src is not None]
    for raw, probs, src in dups:
        pos_src = next(i for i, b in enumerate(base) if b[0] == "good" and b[3] == src)
        pos = rng.randint(pos_src + 1, len(base))
        base.insert(pos, ("dup", raw, probs, src))
    lines, expected = [], []
    good_line = {}
    for n, (kind, raw, probs, src) in enumerate(base, 1):
        lines.append(raw)
        if kind == "good":
            good_line[src] = n
        if probs:
            entry = {"line": n, "problems": probs}
            if src is not None:
                entry["duplicate_of"] = good_line[src]
            expected.append(entry)
    return lines, expected


README_TABLE_BEGIN = "<!-- PROBLEMS:BEGIN -->"
README_TABLE_END = "<!-- PROBLEMS:END -->"


def main():
    lines, expected = build()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "messy_chat_examples.jsonl").write_text("\n".join(lines) + "\n")
    (OUT / "messy_chat_examples.expected.json").write_text(
        json.dumps(expected, indent=1) + "\n")
    readme = OUT / "README.md"
    if readme.exists():
        rows = ["| line | problems | note |", "|---:|---|---|"]
        for e in expected:
            note = f"copy of line {e['duplicate_of']}" if "duplicate_of" in e else ""
            rows.append(f"| {e['line']} | {', '.join(e['problems'])} | {note} |")
        n_bad = len(expected)
        summary = (f"{len(lines)} lines: {len(lines) - n_bad} good, {n_bad} with planted problems.")
        block = summary + "\n\n" + "\n".join(rows)
        txt = readme.read_text()
        txt = re.sub(re.escape(README_TABLE_BEGIN) + r".*?" + re.escape(README_TABLE_END),
                     lambda m: README_TABLE_BEGIN + "\n" + block + "\n" + README_TABLE_END, txt,
                     flags=re.S)
        readme.write_text(txt)
    print(f"{len(lines)} lines, {len(expected)} with problems")


if __name__ == "__main__":
    main()
