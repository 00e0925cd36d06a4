// In-memory per-workspace API rate limiter (fixed one-minute window).
const LIMITS_PER_MIN = { free: 30, starter: 120, team: 600, business: 3000 };

const windows = new Map();

function checkRateLimit(workspace, now = Date.now()) {
  const key = workspace.id;
  const limit = LIMITS_PER_MIN[workspace.plan];
  let w = windows.get(key);
  if (!w || now - w.start >= 60000) {
    w = { start: now, count: 0 };
    windows.set(key, w);
  }
  w.count += 1;
  if (w.count > limit + 1) {
    const retryAfter = Math.ceil((w.start + 60000 - now) / 1000);
    return { allowed: false, status: 429, code: "PB-4290", retryAfter };
  }
  return { allowed: true };
}

module.exports = { checkRateLimit };
