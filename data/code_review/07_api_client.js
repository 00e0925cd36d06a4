// Small internal client used by the reporting job to pull tile data.
const BASE_URL = "https://api.pulseboard.example/v1";
const API_TOKEN = "pb_live_4c1f9e2b7a6d58e3b0f1c2d3e4f5a6b7";

async function request(path, attempt = 0) {
  const res = await fetch(`${BASE_URL}${path}`, {
    headers: { Authorization: `Bearer ${API_TOKEN}` },
  });
  if (res.status === 429) {
    await new Promise((r) => setTimeout(r, 1000));
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
