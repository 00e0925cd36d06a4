"""Write the code-review snippets and issues.json, with line numbers computed, not typed.

Each snippet below is written with markers of the form `⟪key⟫` at the end of the line that
carries a planted issue. This script strips the markers (and the whitespace before them),
writes the snippet file, and records the 1-based line number of every marked line in
issues.json. It then re-reads the written files and checks that every recorded line is
non-blank and still contains the code fragment named in ANCHORS, so a later hand edit that
shifts lines is caught. Run:  python data/code_review/build_snippets.py
"""
from __future__ import annotations

import json
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
MARK = re.compile(r"\s*⟪(\w+)⟫\s*$")

SNIPPETS: dict[str, tuple[str, str]] = {}
ISSUES: dict[str, list[dict]] = {}
ANCHORS: dict[tuple[str, str], str] = {}


def snippet(fname: str, language: str, code: str, issues: dict[str, dict], anchors: dict[str, str]) -> None:
    SNIPPETS[fname] = (language, code)
    ISSUES[fname] = [dict(key=k, **v) for k, v in issues.items()]
    for k, a in anchors.items():
        ANCHORS[(fname, k)] = a


def I(severity: str, category: str, description: str, keywords: list[str]) -> dict:
    return {"severity": severity, "category": category, "description": description, "keywords": keywords}


# ---------------------------------------------------------------- 01 Python: sync retry
snippet("01_sync_retry.py", "python", '''\
"""Tidewater worker: run one sync for a source, retrying transient failures."""
import logging
import time

from tidewater.client import SourceClient, SyncError, RateLimited

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BASE_DELAY_S = 2


def run_sync(source_id: str, client: SourceClient) -> int:
    """Run the sync; return the number of rows written, or -1 if every attempt failed."""
    for attempt in range(1, MAX_ATTEMPTS):  ⟪offbyone⟫
        try:
            rows = client.fetch_rows(source_id)
            written = client.write_rows(source_id, rows)
            log.info("sync %s ok: %d rows (attempt %d)", source_id, written, attempt)
            return written
        except RateLimited:
            time.sleep(BASE_DELAY_S * 2 ** attempt)  ⟪retryafter⟫
        except SyncError as exc:
            log.warning("sync %s failed (attempt %d): %s", source_id, attempt, exc)
            time.sleep(BASE_DELAY_S * 2 ** attempt)
        except:  ⟪bareexcept⟫
            pass
    log.error("sync %s gave up after %d attempts", source_id, MAX_ATTEMPTS)
    return -1
''', {
    "offbyone": I("MEDIUM", "off-by-one",
                  "range(1, MAX_ATTEMPTS) runs only 4 attempts although MAX_ATTEMPTS is 5 and the final log claims 5.",
                  ["off-by-one", "range", "attempts", "max_attempts", "4"]),
    "retryafter": I("LOW", "ignored-retry-after",
                    "On PB-4290 (429) the API sends a Retry-After header; the loop ignores it and uses its own backoff, so it may retry too early and be throttled again.",
                    ["retry-after", "429", "rate limit", "header", "backoff"]),
    "bareexcept": I("HIGH", "swallowed-exception",
                    "A bare except with pass swallows every other error (bugs, KeyboardInterrupt, SystemExit) silently, without logging, and retries immediately with no delay.",
                    ["bare except", "swallow", "pass", "logging", "exception"]),
}, {"offbyone": "range(1, MAX_ATTEMPTS)", "retryafter": "time.sleep(BASE_DELAY_S", "bareexcept": "except:"})

# ---------------------------------------------------------------- 02 Python: invoice total
snippet("02_invoice_total.py", "python", '''\
"""Compute the monthly invoice total for a workspace (price list since release 4.0)."""
from db import session
from models import Member, Workspace

PLAN_PRICE = {"starter": 29.00, "team": 99.00, "business": 349.00}  ⟪floatmoney⟫
SEATS_INCLUDED = {"starter": 5, "team": 15, "business": 50}
EXTRA_SEAT_PRICE = {"starter": 8.00, "team": 7.00, "business": 6.00}


def billable_seats(workspace: Workspace) -> int:
    seats = 0
    for member_id in workspace.member_ids:
        member = session.query(Member).get(member_id)  ⟪nplus1⟫
        if member.status in ("active", "deactivated"):  ⟪ghostseat⟫
            seats += 1
    return seats


def monthly_total(workspace: Workspace) -> float:
    plan = workspace.plan
    seats = billable_seats(workspace)
    extra = max(0, seats - SEATS_INCLUDED[plan] + 1)  ⟪extraseat⟫
    total = PLAN_PRICE[plan] + extra * EXTRA_SEAT_PRICE[plan]
    if workspace.annual:
        total = total * 10 / 12
    return round(total, 2)
''', {
    "floatmoney": I("HIGH", "float-money",
                    "Prices are binary floats; totals, the annual 10/12 factor and round() accumulate representation errors. Use Decimal or integer cents.",
                    ["float", "decimal", "cents", "money", "rounding"]),
    "nplus1": I("MEDIUM", "n-plus-1-query",
                "One query per member inside the loop (N+1). Load members in one query filtered by workspace id.",
                ["n+1", "query", "loop", "batch", "join"]),
    "ghostseat": I("INFO", "business-rule",
                   "Counting deactivated users is correct per policy (ghost seats bill until an Admin removes them), but worth a comment or a test because reviewers often flag it as a bug.",
                   ["deactivated", "ghost seat", "comment", "policy"]),
    "extraseat": I("HIGH", "off-by-one",
                   "The '+ 1' bills one extra seat too many: 16 seats on Team should be 1 extra seat, this yields 2; exactly 15 seats yields 1 instead of 0.",
                   ["off-by-one", "+ 1", "extra seat", "seats_included", "overcharge"]),
}, {"floatmoney": "PLAN_PRICE = {", "nplus1": "session.query(Member).get", "ghostseat": "member.status in",
    "extraseat": "seats - SEATS_INCLUDED[plan] + 1"})

# ---------------------------------------------------------------- 03 Python: share link token
snippet("03_share_link_token.py", "python", '''\
"""Validate public share-link tokens: /s/<board_id>.<expires>.<signature>."""
import hashlib
import hmac
from datetime import datetime

from boards import get_board, BoardNotFound

SHARE_LINK_SECRET = b"pb-share-7f2a9c41d0e84b6fa3c5"  ⟪secret⟫


def sign(board_id: str, expires: int) -> str:
    msg = f"{board_id}.{expires}".encode()
    return hmac.new(SHARE_LINK_SECRET, msg, hashlib.sha256).hexdigest()


def resolve_share_link(token: str):
    try:
        board_id, expires_s, signature = token.split(".")
        expires = int(expires_s)
    except ValueError:
        raise BoardNotFound(token)
    if signature != sign(board_id, expires):  ⟪timing⟫
        raise BoardNotFound(token)
    if expires and datetime.now().timestamp() > expires:
        raise BoardNotFound(token)
    return get_board(board_id, public=True)  ⟪revocation⟫
''', {
    "secret": I("CRITICAL", "hardcoded-secret",
                "The HMAC signing secret is committed in source code; anyone with repo access can forge share links for any board. Load it from a secret store and rotate it.",
                ["secret", "hardcoded", "environment", "rotate", "key"]),
    "timing": I("HIGH", "timing-unsafe-compare",
                "Signature compared with != leaks timing information; use hmac.compare_digest.",
                ["timing", "compare_digest", "constant-time", "hmac", "signature"]),
    "revocation": I("HIGH", "missing-revocation-check",
                    "Nothing checks that sharing is still enabled for the board: a link stays valid until it expires (forever when expires is 0) even after the owner disables or regenerates the share link. Check the board's share state or a stored link id.",
                    ["revoke", "revocation", "disabled", "share link", "expires"]),
}, {"secret": "SHARE_LINK_SECRET = b", "timing": "signature != sign", "revocation": "get_board(board_id, public=True)"})

# ---------------------------------------------------------------- 04 Python: CSV upload
snippet("04_csv_upload.py", "python", '''\
"""Handle CSV uploads for the CSV source."""
import csv
import os

UPLOAD_DIR = "/var/pulseboard/uploads"
MAX_UPLOAD_BYTES = 50 * 1024 * 1024  ⟪stalelimit⟫


class UploadTooLarge(Exception):
    pass


def save_upload(workspace_slug: str, filename: str, data: bytes) -> str:
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadTooLarge(f"{filename}: limit is {MAX_UPLOAD_BYTES // 2**20} MB")
    path = os.path.join(UPLOAD_DIR, workspace_slug, filename)  ⟪traversal⟫
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data)
    return path


def read_header(path: str) -> list[str]:
    fh = open(path, newline="", encoding="utf-8")  ⟪unclosed⟫
    reader = csv.reader(fh)
    return next(reader)
''', {
    "stalelimit": I("MEDIUM", "stale-constant",
                    "The limit is still 50 MB (release 3.8); since 4.1 the CSV upload limit is 200 MB, so valid uploads are rejected with a wrong message.",
                    ["50 mb", "200 mb", "limit", "4.1", "outdated"]),
    "traversal": I("CRITICAL", "path-traversal",
                   "The client-supplied filename is joined into the path unchecked; '../../other-workspace/x.csv' writes outside the workspace's upload folder. Sanitise with os.path.basename or generate the name server-side.",
                   ["path traversal", "filename", "sanitize", "basename", "../"]),
    "unclosed": I("LOW", "resource-leak",
                  "The file handle is never closed (no with-block); under load this leaks descriptors. Also next() raises StopIteration on an empty file.",
                  ["close", "with", "file handle", "leak", "context manager"]),
}, {"stalelimit": "MAX_UPLOAD_BYTES = 50", "traversal": "os.path.join(UPLOAD_DIR", "unclosed": "fh = open(path"})

# ---------------------------------------------------------------- 05 Python: webhook source
snippet("05_webhook_ingest.py", "python", '''\
"""Ingest endpoint for the REST webhook source (signatures since release 4.2)."""
import hashlib
import hmac
import json
import logging

from db import connection

log = logging.getLogger(__name__)


def ingest(source, raw_body: bytes, signature_header: str) -> int:
    event = json.loads(raw_body)
    payload = json.dumps(event).encode()  ⟪reserialise⟫
    expected = hmac.new(source.secret.encode(), payload, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature_header):
        log.warning("bad signature for source %s, secret=%s", source.id, source.secret)  ⟪logsecret⟫
        return 401
    with connection() as conn:
        conn.execute(
            f"INSERT INTO webhook_events (source_id, event_type, body) "
            f"VALUES ({source.id}, '{event['type']}', %s)",  ⟪sqli⟫
            (raw_body.decode(),),
        )
    return 202
''', {
    "reserialise": I("HIGH", "signature-over-wrong-bytes",
                     "The HMAC is computed over re-serialised JSON, not the raw request body; key order and whitespace differ, so valid senders fail verification. Sign and verify the raw bytes.",
                     ["raw body", "json.dumps", "hmac", "signature", "bytes"]),
    "logsecret": I("MEDIUM", "secret-in-logs",
                   "The webhook signing secret is written to the log on every failed verification.",
                   ["log", "secret", "leak", "sensitive"]),
    "sqli": I("CRITICAL", "sql-injection",
              "event['type'] comes from the request body and is interpolated into the SQL string; use a bound parameter like the body already does.",
              ["sql injection", "parameter", "f-string", "placeholder", "event type"]),
}, {"reserialise": "json.dumps(event)", "logsecret": "secret=%s", "sqli": "'{event['type']}'"})

# ---------------------------------------------------------------- 06 JS: alert notifier
snippet("06_alert_notifier.js", "javascript", '''\
// Evaluate alerts after a sync finished and notify Slack / Microsoft Teams.
// All ./store functions are async (they query Postgres). alert.threshold is the
// raw text from the alert editor form, e.g. "5000".
const { getAlertsForSource, getTileValue, markFired } = require("./store");
const { postToSlack, postToTeams } = require("./destinations");

async function notify(alert, value) {
  const text = `Alert "${alert.name}": ${alert.tileName} is ${value} (threshold ${alert.threshold})`;
  if (alert.destination === "slack") {
    await postToSlack(alert.channel, text);
  } else if (alert.destination === "teams") {
    await postToTeams(alert.webhookUrl, text);
  }
}

async function evaluateAlerts(sourceId) {
  const alerts = await getAlertsForSource(sourceId);
  alerts.forEach(async (alert) => {  ⟪foreachasync⟫
    const value = getTileValue(alert.tileId);  ⟪missingawait⟫
    const crossed = alert.direction === "above"
      ? value > alert.threshold  ⟪stringcompare⟫
      : value < alert.threshold;
    if (crossed) {
      notify(alert, value);  ⟪firefail⟫
      await markFired(alert.id);
    }
  });
}

module.exports = { evaluateAlerts };
''', {
    "foreachasync": I("HIGH", "async-foreach",
                      "forEach does not wait for async callbacks: evaluateAlerts resolves before any alert is evaluated and rejections become unhandled. Use for...of with await or Promise.all.",
                      ["foreach", "async", "promise.all", "for...of", "unhandled"]),
    "missingawait": I("HIGH", "missing-await",
                      "getTileValue is async but not awaited, so value is a Promise: every comparison is false and alerts never fire.",
                      ["await", "promise", "async", "gettilevalue"]),
    "stringcompare": I("MEDIUM", "type-coercion",
                       "alert.threshold is form text; comparing with > relies on implicit coercion (and '5000' > '10000' is true if the value is ever a string too). Parse and validate numbers explicitly.",
                       ["string", "number", "parsefloat", "comparison", "coercion"]),
    "firefail": I("MEDIUM", "missing-await",
                  "notify() is not awaited, so the alert is marked fired even if Slack/Teams delivery fails, and the error is lost.",
                  ["await", "notify", "markfired", "error handling", "delivery"]),
}, {"foreachasync": "alerts.forEach(async", "missingawait": "getTileValue(alert.tileId)",
    "stringcompare": "value > alert.threshold", "firefail": "notify(alert, value);"})

# ---------------------------------------------------------------- 07 JS: API client
snippet("07_api_client.js", "javascript", '''\
// Small internal client used by the reporting job to pull tile data.
const BASE_URL = "https://api.pulseboard.example/v1";  ⟪v1⟫
const API_TOKEN = "pb_live_4c1f9e2b7a6d58e3b0f1c2d3e4f5a6b7";  ⟪token⟫

async function request(path, attempt = 0) {
  const res = await fetch(`${BASE_URL}${path}`, {
    headers: { Authorization: `Bearer ${API_TOKEN}` },
  });
  if (res.status === 429) {
    await new Promise((r) => setTimeout(r, 1000));  ⟪retryloop⟫
    return request(path, attempt + 1);
  }
  if (!res.ok) {
    throw new Error(`Pulseboard API ${res.status} on ${path}`);
  }
  return res.json();
}

async function allTileRows(tileId) {
  const rows = [];
  let page = 1;
  while (true) {
    const body = await request(`/tiles/${tileId}/data?page=${page}`);
    rows.push(...body.rows);
    if (!body.next_page) break;
    page += 1;
  }
  return rows;
}

module.exports = { request, allTileRows };
''', {
    "v1": I("HIGH", "removed-api-version",
            "API v1 was removed on 2026-09-30 (release 4.3); every call fails. Migrate to /v2.",
            ["v1", "v2", "deprecated", "removed", "4.3"]),
    "token": I("CRITICAL", "hardcoded-secret",
               "A live API token is committed in source. Revoke it and read the token from the environment or a secret manager.",
               ["token", "secret", "hardcoded", "environment", "revoke"]),
    "retryloop": I("MEDIUM", "unbounded-retry",
                   "On 429 the client retries forever with a fixed 1 s delay: attempt is counted but never checked, and the Retry-After header is ignored.",
                   ["retry-after", "429", "infinite", "attempt", "backoff"]),
}, {"v1": "/v1\"", "token": "API_TOKEN = \"pb_live", "retryloop": "setTimeout(r, 1000)"})

# ---------------------------------------------------------------- 08 JS: board permissions
snippet("08_board_permissions.js", "javascript", '''\
// Express middleware: may the current user edit this board?
const express = require("express");
const { Boards, Memberships } = require("./models");

const router = express.Router();

async function canEditBoard(req, res, next) {
  try {
    const board = await Boards.findById(req.params.boardId);  ⟪idor⟫
    if (!board) return res.status(404).json({ code: "PB-2004" });
    const membership = await Memberships.findOne({
      userId: req.user.id,
      workspaceId: req.user.workspaceId,
    });
    if (membership && membership.role !== "Viewer") {  ⟪billingrole⟫
      req.board = board;
      return next();
    }
    return res.status(403).json({ code: "PB-1002" });
  } catch (err) {
    return res.status(500).json({ code: "PB-5000", detail: err.stack });  ⟪stackleak⟫
  }
}

router.patch("/boards/:boardId", canEditBoard, async (req, res) => {
  await req.board.update(req.body);
  res.json(req.board);
});

module.exports = router;
''', {
    "idor": I("CRITICAL", "broken-access-control",
              "The board is loaded by id only; the membership check uses the user's own workspace, never the board's, so any Editor can edit boards of other workspaces (IDOR). Check board.workspaceId.",
              ["idor", "workspace", "authorization", "access control", "board.workspaceid"]),
    "billingrole": I("HIGH", "wrong-role-check",
                     "A deny-list on 'Viewer' lets the Billing manager role (and any future role) edit boards. Use an allow-list of Owner, Admin, Editor.",
                     ["billing manager", "role", "allow-list", "viewer", "deny-list"]),
    "stackleak": I("LOW", "information-leak",
                   "The stack trace is returned to the client. Log it server-side and return the X-Request-Id instead.",
                   ["stack trace", "leak", "error", "x-request-id", "logging"]),
}, {"idor": "Boards.findById(req.params.boardId)", "billingrole": "membership.role !== \"Viewer\"", "stackleak": "err.stack"})

# ---------------------------------------------------------------- 09 JS: rate limiter
snippet("09_rate_limiter.js", "javascript", '''\
// In-memory per-workspace API rate limiter (fixed one-minute window).
const LIMITS_PER_MIN = { free: 30, starter: 120, team: 600, business: 3000 };  ⟪stalelimits⟫

const windows = new Map();  ⟪memoryleak⟫

function checkRateLimit(workspace, now = Date.now()) {
  const key = workspace.id;
  const limit = LIMITS_PER_MIN[workspace.plan];  ⟪enterprise⟫
  let w = windows.get(key);
  if (!w || now - w.start >= 60000) {
    w = { start: now, count: 0 };
    windows.set(key, w);
  }
  w.count += 1;
  if (w.count > limit + 1) {  ⟪offbyone⟫
    const retryAfter = Math.ceil((w.start + 60000 - now) / 1000);
    return { allowed: false, status: 429, code: "PB-4290", retryAfter };
  }
  return { allowed: true };
}

module.exports = { checkRateLimit };
''', {
    "stalelimits": I("MEDIUM", "stale-constant",
                     "These are the pre-4.2 limits; since release 4.2 Free is 60, Starter 300 and Team 1,200 req/min, so customers are throttled far too early.",
                     ["4.2", "limits", "outdated", "starter", "300"]),
    "memoryleak": I("LOW", "unbounded-cache",
                    "The Map grows by one entry per workspace and is never pruned; expired windows should be evicted (or use a shared store such as Redis when running several instances).",
                    ["memory", "map", "evict", "leak", "redis"]),
    "enterprise": I("MEDIUM", "missing-case",
                    "Enterprise (custom limit) is not in the table: limit is undefined, 'count > undefined + 1' is always false, so Enterprise workspaces are never limited.",
                    ["enterprise", "undefined", "custom", "default", "nan"]),
    "offbyone": I("MEDIUM", "off-by-one",
                  "'limit + 1' lets limit+1 requests through per window; the check should be count > limit.",
                  ["off-by-one", "limit + 1", "boundary", "count"]),
}, {"stalelimits": "const LIMITS_PER_MIN", "memoryleak": "new Map()", "enterprise": "LIMITS_PER_MIN[workspace.plan]",
    "offbyone": "w.count > limit + 1"})

# ---------------------------------------------------------------- 10 SQL: revenue report
snippet("10_monthly_revenue_report.sql", "sql", '''\
-- Monthly revenue by plan for the finance dashboard (Postgres).
-- :month_start is the first day of the month, e.g. '2026-10-01'.
WITH charges AS (
    SELECT c.workspace_id,
           c.amount_cents,
           c.charged_at
    FROM billing_charges c
    WHERE c.charged_at BETWEEN :month_start
                          AND :month_start::date + INTERVAL '1 month'  ⟪between⟫
      AND c.status = 'succeeded'
)
SELECT w.plan,
       COUNT(DISTINCT w.id)                       AS workspaces,
       SUM(ch.amount_cents) / 100                 AS revenue_usd,  ⟪intdiv⟫
       SUM(r.amount_cents) / 100                  AS refunds_usd
FROM workspaces w
LEFT JOIN charges ch ON ch.workspace_id = w.id
LEFT JOIN billing_refunds r ON r.workspace_id = w.id  ⟪fanout⟫
WHERE w.id NOT IN (SELECT workspace_id FROM internal_test_workspaces)  ⟪notinnull⟫
GROUP BY w.plan
ORDER BY revenue_usd DESC;
''', {
    "between": I("MEDIUM", "off-by-one",
                 "BETWEEN is inclusive at both ends, so charges at exactly midnight on the first day of the next month are counted in two months. Use >= start AND < start + 1 month.",
                 ["between", "inclusive", "half-open", "midnight", "double count"]),
    "intdiv": I("MEDIUM", "integer-division",
                "bigint / 100 is integer division in Postgres and drops the cents. Divide by 100.0 or cast to numeric.",
                ["integer division", "cents", "numeric", "100.0", "truncation"]),
    "fanout": I("HIGH", "join-fan-out",
                "Joining refunds on workspace only (not month, not charge) multiplies rows: each charge is repeated per refund and vice versa, inflating both sums, and refunds are not limited to the month.",
                ["fan-out", "join", "duplicate", "aggregate", "month"]),
    "notinnull": I("HIGH", "not-in-null",
                   "If internal_test_workspaces.workspace_id contains a NULL, NOT IN returns no rows at all. Use NOT EXISTS.",
                   ["not in", "null", "not exists", "empty result"]),
}, {"between": "INTERVAL '1 month'", "intdiv": "SUM(ch.amount_cents) / 100", "fanout": "LEFT JOIN billing_refunds",
    "notinnull": "NOT IN (SELECT"})

# ---------------------------------------------------------------- 11 SQL: workspace lookup function
snippet("11_workspace_usage_fn.sql", "sql", """\
-- Support tool: usage summary for one workspace, called with the slug typed by an agent.
CREATE OR REPLACE FUNCTION support_workspace_usage(p_slug text)
RETURNS TABLE (slug text, plan text, members bigint, billable_seats bigint, sources bigint)
LANGUAGE plpgsql
SECURITY DEFINER  ⟪secdef⟫
AS $$
BEGIN
    RETURN QUERY EXECUTE
        'SELECT w.slug, w.plan, '
        '       COUNT(m.user_id), '  ⟪countfanout⟫
        '       COUNT(m.user_id) FILTER (WHERE m.status <> ''removed''), '
        '       COUNT(s.id) '
        'FROM workspaces w '
        'LEFT JOIN memberships m ON m.workspace_id = w.id '
        'LEFT JOIN sources s ON s.workspace_id = w.id '
        'WHERE w.slug = ''' || p_slug || ''' '  ⟪sqli⟫
        'GROUP BY w.slug, w.plan';
END;
$$;
""", {
    "secdef": I("MEDIUM", "privilege",
                "SECURITY DEFINER runs with the owner's rights and no SET search_path; combined with the dynamic SQL below it turns an injection into full database access.",
                ["security definer", "search_path", "privilege", "owner"]),
    "countfanout": I("HIGH", "join-fan-out",
                     "Joining memberships and sources in one query multiplies rows (members x sources); COUNT without DISTINCT over-reports members, seats and sources.",
                     ["distinct", "fan-out", "join", "count", "cartesian"]),
    "sqli": I("CRITICAL", "sql-injection",
              "p_slug is concatenated into dynamic SQL; a crafted slug can run arbitrary SQL. Use EXECUTE ... USING p_slug, format() with %L, or plain static SQL.",
              ["sql injection", "execute", "using", "quote_literal", "concatenation"]),
}, {"secdef": "SECURITY DEFINER", "countfanout": "'       COUNT(m.user_id), '", "sqli": "p_slug ||"})

# ---------------------------------------------------------------- 12 SQL: dunning job
snippet("12_dunning_suspend.sql", "sql", '''\
-- Nightly dunning job (Postgres). Policy: 3 failed payment retries over 10 days,
-- then suspend the workspace; keep suspended workspaces' data for 60 days.

-- 1. Suspend workspaces whose payment retries are exhausted.
UPDATE workspaces w
SET status = 'suspended',
    suspended_at = now()
WHERE w.status = 'active'
  AND (SELECT COUNT(*)
       FROM payment_attempts pa
       WHERE pa.workspace_id = w.id
         AND pa.result = 'failed') >= 3;  ⟪window⟫

-- 2. Purge data of workspaces that stayed suspended too long.
DELETE FROM synced_rows sr
USING workspaces w
WHERE sr.workspace_id = w.id
  AND w.status = 'suspended'
  AND w.suspended_at < now() - INTERVAL '30 days';  ⟪retention⟫

-- 3. Record what happened for the billing team.
INSERT INTO dunning_log (run_at, suspended, purged)
SELECT now(),
       (SELECT COUNT(*) FROM workspaces WHERE status = 'suspended'),  ⟪logcount⟫
       NULL;
''', {
    "window": I("HIGH", "missing-time-window",
                "Counts failed attempts over all time, not the current 10-day dunning cycle and not only since the last successful payment; a customer with three failures years ago is suspended immediately.",
                ["10 days", "window", "all time", "last successful", "dunning"]),
    "retention": I("CRITICAL", "data-loss",
                   "Policy keeps suspended workspaces' data for 60 days; deleting after 30 days destroys customer data that should be recoverable.",
                   ["60 days", "30 days", "retention", "data loss", "policy"]),
    "logcount": I("LOW", "wrong-metric",
                  "Logs the total number of suspended workspaces rather than how many this run suspended, and never records the purge count; the statements also run without a transaction.",
                  ["count", "returning", "transaction", "log", "metric"]),
}, {"window": "AND pa.result = 'failed'", "retention": "INTERVAL '30 days'", "logcount": "WHERE status = 'suspended'"})


EXT = {"python": ".py", "javascript": ".js", "sql": ".sql"}


def main() -> None:
    out = []
    for fname, (language, code) in SNIPPETS.items():
        assert fname.endswith(EXT[language]), fname
        lines, marks = [], {}
        for n, line in enumerate(code.splitlines(), 1):
            m = MARK.search(line)
            if m:
                marks[m.group(1)] = n
                line = line[: m.start()]
            lines.append(line.rstrip())
        text = "\n".join(lines) + "\n"
        (HERE / fname).write_text(text, encoding="utf-8")
        issues = []
        for iss in ISSUES[fname]:
            key = iss["key"]
            issues.append({"line": marks.pop(key), **{k: v for k, v in iss.items() if k != "key"}})
        assert not marks, f"{fname}: markers without issue entry: {marks}"
        out.append({"file": fname, "language": language,
                    "planted_issues": sorted(issues, key=lambda i: i["line"])})
    (HERE / "issues.json").write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    # Verification pass on the files as written.
    for entry in json.loads((HERE / "issues.json").read_text(encoding="utf-8")):
        lines = (HERE / entry["file"]).read_text(encoding="utf-8").splitlines()
        assert 15 <= len(lines) <= 40, (entry["file"], len(lines))
        assert "⟪" not in "".join(lines)
        for iss in entry["planted_issues"]:
            line = lines[iss["line"] - 1]
            assert line.strip(), (entry["file"], iss["line"])
        keys = [k for (f, k) in ANCHORS if f == entry["file"]]
        for key in keys:
            anchor = ANCHORS[(entry["file"], key)]
            desc = next(i for i in ISSUES[entry["file"]] if i["key"] == key)["description"]
            iss = next(i for i in entry["planted_issues"] if i["description"] == desc)
            assert anchor in lines[iss["line"] - 1], (entry["file"], key, iss["line"], lines[iss["line"] - 1])
        print(f"{entry['file']:32s} {len(lines):3d} lines  issues at lines "
              f"{[i['line'] for i in entry['planted_issues']]}")


if __name__ == "__main__":
    main()
