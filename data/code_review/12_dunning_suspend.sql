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
         AND pa.result = 'failed') >= 3;

-- 2. Purge data of workspaces that stayed suspended too long.
DELETE FROM synced_rows sr
USING workspaces w
WHERE sr.workspace_id = w.id
  AND w.status = 'suspended'
  AND w.suspended_at < now() - INTERVAL '30 days';

-- 3. Record what happened for the billing team.
INSERT INTO dunning_log (run_at, suspended, purged)
SELECT now(),
       (SELECT COUNT(*) FROM workspaces WHERE status = 'suspended'),
       NULL;
