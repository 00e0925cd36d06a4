-- Monthly revenue by plan for the finance dashboard (Postgres).
-- :month_start is the first day of the month, e.g. '2026-10-01'.
WITH charges AS (
    SELECT c.workspace_id,
           c.amount_cents,
           c.charged_at
    FROM billing_charges c
    WHERE c.charged_at BETWEEN :month_start
                          AND :month_start::date + INTERVAL '1 month'
      AND c.status = 'succeeded'
)
SELECT w.plan,
       COUNT(DISTINCT w.id)                       AS workspaces,
       SUM(ch.amount_cents) / 100                 AS revenue_usd,
       SUM(r.amount_cents) / 100                  AS refunds_usd
FROM workspaces w
LEFT JOIN charges ch ON ch.workspace_id = w.id
LEFT JOIN billing_refunds r ON r.workspace_id = w.id
WHERE w.id NOT IN (SELECT workspace_id FROM internal_test_workspaces)
GROUP BY w.plan
ORDER BY revenue_usd DESC;
