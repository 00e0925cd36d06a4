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
  alerts.forEach(async (alert) => {
    const value = getTileValue(alert.tileId);
    const crossed = alert.direction === "above"
      ? value > alert.threshold
      : value < alert.threshold;
    if (crossed) {
      notify(alert, value);
      await markFired(alert.id);
    }
  });
}

module.exports = { evaluateAlerts };
