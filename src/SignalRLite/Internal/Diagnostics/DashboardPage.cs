namespace SignalRLite.Internal.Diagnostics;

/// <summary>
/// The dashboard: one self-contained page (inline CSS, script and SVG charts; nothing from the network but its own
/// JSON snapshot, which it fetches every second). Data is written with textContent only, never as markup.
/// <c>"__DATA_URL__"</c> is replaced by the snapshot's URL as a JSON string.
/// </summary>
internal static class DashboardPage
{
    public const string Html = """
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SignalRLite dashboard</title>
<style>
:root { --bg:#0f1419; --panel:#182028; --line:#2a3642; --text:#d8dee6; --dim:#8a97a6; --accent:#4fb3ff; --warn:#ffb454; --bad:#ff6b6b; --good:#7bd88f; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; background:var(--bg); color:var(--text); }
header { display:flex; align-items:baseline; gap:16px; padding:12px 20px; border-bottom:1px solid var(--line); }
header h1 { font-size:18px; margin:0; font-weight:600; }
header .status { color:var(--dim); font-size:12px; }
header .status.error { color:var(--bad); }
main { padding:16px 20px; display:grid; gap:16px; }
.cards { display:grid; grid-template-columns:repeat(auto-fill, minmax(170px, 1fr)); gap:12px; }
.card { background:var(--panel); border:1px solid var(--line); border-radius:6px; padding:10px 12px; }
.card .label { color:var(--dim); font-size:12px; text-transform:uppercase; letter-spacing:.04em; }
.card .value { font-size:26px; font-weight:600; font-variant-numeric:tabular-nums; }
.charts { display:grid; grid-template-columns:repeat(auto-fit, minmax(320px, 1fr)); gap:12px; }
.chart { background:var(--panel); border:1px solid var(--line); border-radius:6px; padding:10px 12px; }
.chart h2, section h2 { font-size:13px; margin:0 0 6px; color:var(--dim); font-weight:600; text-transform:uppercase; letter-spacing:.04em; }
.chart svg { width:100%; height:120px; display:block; }
.grid2 { display:grid; grid-template-columns:repeat(auto-fit, minmax(420px, 1fr)); gap:12px; }
section { background:var(--panel); border:1px solid var(--line); border-radius:6px; padding:10px 12px; overflow:auto; }
table { width:100%; border-collapse:collapse; font-variant-numeric:tabular-nums; }
th, td { text-align:left; padding:3px 8px 3px 0; border-bottom:1px solid var(--line); white-space:nowrap; }
th { color:var(--dim); font-weight:500; font-size:12px; }
td.num, th.num { text-align:right; }
.empty { color:var(--dim); font-style:italic; }
.note { color:var(--dim); font-size:12px; margin:6px 0 0; }
</style>
</head>
<body>
<header><h1>SignalRLite</h1><span class="status" id="status">connecting…</span></header>
<main>
  <div class="cards">
    <div class="card"><div class="label">Live connections</div><div class="value" id="live-connections">0</div></div>
    <div class="card"><div class="label">Invocations / s</div><div class="value" id="invocations-per-second">0</div></div>
    <div class="card"><div class="label">Invocations</div><div class="value" id="invocations-total">0</div></div>
    <div class="card"><div class="label">Invocation errors</div><div class="value" id="invocation-errors">0</div></div>
    <div class="card"><div class="label">Messages / s</div><div class="value" id="messages-per-second">0</div></div>
    <div class="card"><div class="label">Slow-consumer closes</div><div class="value" id="slow-consumer-closes">0</div></div>
    <div class="card"><div class="label">Queued outbound</div><div class="value" id="outbound-queue">0</div></div>
    <div class="card"><div class="label">Backplane</div><div class="value" id="redis-status">–</div></div>
  </div>
  <div class="charts">
    <div class="chart"><h2>Live connections</h2><svg id="chart-connections" viewBox="0 0 300 100" preserveAspectRatio="none"></svg></div>
    <div class="chart"><h2>Invocations / s</h2><svg id="chart-invocations" viewBox="0 0 300 100" preserveAspectRatio="none"></svg></div>
    <div class="chart"><h2>Messages / s</h2><svg id="chart-messages" viewBox="0 0 300 100" preserveAspectRatio="none"></svg></div>
  </div>
  <div class="grid2">
    <section><h2>Connections by transport</h2><table id="connections-by-transport"></table>
      <h2 style="margin-top:10px">Connections by hub</h2><table id="connections-by-hub"></table>
      <h2 style="margin-top:10px">Closed connections by status</h2><table id="connections-closed"></table></section>
    <section><h2>Methods (latency of the last 512 calls, ms)</h2><table id="methods"></table></section>
    <section><h2>Messages</h2><table id="messages"></table></section>
    <section><h2>Slow consumers</h2><table id="slow-consumers"></table></section>
    <section><h2>Backplane (Redis)</h2><table id="redis"></table><table id="redis-channels"></table></section>
    <section><h2>Groups</h2><table id="groups"></table>
      <h2 style="margin-top:10px">Largest groups</h2><table id="largest-groups"></table><p class="note" id="groups-note"></p></section>
  </div>
  <section><h2>All instruments</h2><table id="instruments"></table><p class="note" id="overflow"></p></section>
</main>
<script>
"use strict";
const dataUrl = "__DATA_URL__";
const historyLength = 120;
const history = { connections: [], invocations: [], messages: [] };
const $ = id => document.getElementById(id);

function fmt(n, digits) {
  if (n === null || n === undefined) return "–";
  if (digits === undefined) digits = Number.isInteger(n) ? 0 : 1;
  return n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

function setText(id, text) { const el = $(id); if (el.textContent !== text) el.textContent = text; }

function table(id, headers, rows) {
  const el = $(id);
  el.replaceChildren();
  const head = document.createElement("tr");
  headers.forEach(h => {
    const th = document.createElement("th");
    th.textContent = h.label;
    if (h.num) th.className = "num";
    head.appendChild(th);
  });
  el.appendChild(head);
  if (rows.length === 0) {
    const tr = document.createElement("tr");
    const td = document.createElement("td");
    td.colSpan = headers.length; td.className = "empty"; td.textContent = "no data";
    tr.appendChild(td); el.appendChild(tr);
    return;
  }
  rows.forEach(row => {
    const tr = document.createElement("tr");
    row.forEach((cell, i) => {
      const td = document.createElement("td");
      td.textContent = typeof cell === "number" || cell === null ? fmt(cell) : String(cell);
      if (headers[i].num) td.className = "num";
      tr.appendChild(td);
    });
    el.appendChild(tr);
  });
}

function chart(id, values, color) {
  const svg = $(id);
  svg.dataset.points = String(values.length);
  const ns = "http://www.w3.org/2000/svg";
  svg.replaceChildren();
  const max = Math.max(1, ...values);
  const step = 300 / (historyLength - 1);
  const offset = historyLength - values.length;
  const points = values.map((v, i) => ((offset + i) * step).toFixed(1) + "," + (98 - (v / max) * 90).toFixed(1)).join(" ");
  const grid = document.createElementNS(ns, "line");
  grid.setAttribute("x1", "0"); grid.setAttribute("x2", "300"); grid.setAttribute("y1", "8"); grid.setAttribute("y2", "8");
  grid.setAttribute("stroke", "#2a3642"); grid.setAttribute("stroke-dasharray", "3 3");
  svg.appendChild(grid);
  const label = document.createElementNS(ns, "text");
  label.setAttribute("x", "2"); label.setAttribute("y", "7"); label.setAttribute("fill", "#8a97a6"); label.setAttribute("font-size", "7");
  label.textContent = fmt(max);
  svg.appendChild(label);
  if (values.length > 1) {
    const line = document.createElementNS(ns, "polyline");
    line.setAttribute("points", points);
    line.setAttribute("fill", "none");
    line.setAttribute("stroke", color);
    line.setAttribute("stroke-width", "1.5");
    line.setAttribute("vector-effect", "non-scaling-stroke");
    svg.appendChild(line);
  }
}

function push(series, value) {
  series.push(value);
  if (series.length > historyLength) series.shift();
}

function render(s) {
  const has = name => s.present.includes(name);
  const shown = (name, value) => has(name) ? fmt(value) : "–";
  setText("live-connections", fmt(s.connections.live));
  setText("invocations-per-second", shown("signalrlite.server.invocations", s.invocations.perSecond));
  setText("invocations-total", shown("signalrlite.server.invocations", s.invocations.total));
  setText("invocation-errors", shown("signalrlite.server.invocations", s.invocations.errors));
  setText("messages-per-second", shown("signalrlite.server.messages", s.messages.perSecond));
  setText("slow-consumer-closes", shown("signalrlite.server.slow_consumer_closes", s.slowConsumers.closes));
  setText("outbound-queue", shown("signalrlite.server.outbound_queue", s.slowConsumers.queued));
  setText("redis-status", s.redis.present ? (s.redis.reconnects > 0 ? "reconnected " + fmt(s.redis.reconnects) + "×" : "ok") : "none");

  push(history.connections, s.connections.live);
  push(history.invocations, s.invocations.perSecond);
  push(history.messages, s.messages.perSecond);
  chart("chart-connections", history.connections, "#4fb3ff");
  chart("chart-invocations", history.invocations, "#7bd88f");
  chart("chart-messages", history.messages, "#ffb454");

  const named = [{ label: "Name" }, { label: "Count", num: true }];
  table("connections-by-transport", named, s.connections.byTransport.map(c => [c.name, c.count]));
  table("connections-by-hub", named, s.connections.byHub.map(c => [c.name, c.count]));
  table("connections-closed", named, s.connections.closedByStatus.map(c => [c.name, c.count]));
  table("methods",
    [{ label: "Hub" }, { label: "Method" }, { label: "Calls", num: true }, { label: "/s", num: true }, { label: "Errors", num: true },
     { label: "p50", num: true }, { label: "p95", num: true }, { label: "p99", num: true }],
    s.invocations.methods.map(m => [m.hub, m.method, m.total, m.perSecond, m.errors, m.p50, m.p95, m.p99]));
  table("messages",
    [{ label: "Hub" }, { label: "Protocol" }, { label: "Direction" }, { label: "/s", num: true }, { label: "Total", num: true }],
    s.messages.rows.map(r => [r.hub, r.protocol, r.direction, r.perSecond, r.total]));
  table("slow-consumers",
    [{ label: "Hub" }, { label: "Closes", num: true }, { label: "Queued", num: true }],
    s.slowConsumers.byHub.map(h => [h.hub, h.closes, h.queued]));
  table("redis",
    [{ label: "Publishes/s", num: true }, { label: "Received/s", num: true }, { label: "Reconnects", num: true },
     { label: "Ack timeouts", num: true }, { label: "Publish p50 ms", num: true }, { label: "p99 ms", num: true }],
    s.redis.present ? [[s.redis.publishesPerSecond, s.redis.receivedPerSecond, s.redis.reconnects, s.redis.ackTimeouts, s.redis.publishP50, s.redis.publishP99]] : []);
  table("redis-channels",
    [{ label: "Channel" }, { label: "Pub/s", num: true }, { label: "Recv/s", num: true }, { label: "Published", num: true }, { label: "Received", num: true }],
    s.redis.channels.map(c => [c.kind, c.publishesPerSecond, c.receivedPerSecond, c.publishes, c.received]));
  table("groups",
    [{ label: "Group sends/s", num: true }, { label: "Group sends", num: true }, { label: "Fan-out p50", num: true }, { label: "Fan-out p99", num: true }],
    has("signalrlite.server.sends") ? [[s.groups.sendsPerSecond, s.groups.sends, s.groups.fanOutP50, s.groups.fanOutP99]] : []);
  table("largest-groups",
    [{ label: "Hub" }, { label: "Group" }, { label: "Connections", num: true }],
    s.groups.largest.map(g => [g.hub, g.group, g.connections]));
  setText("groups-note", s.groups.groupsByHub.map(h => h.name + ": " + fmt(h.count) + " groups").join(", ") + (s.groups.groupsByHub.length ? ". " : "") + s.groups.note);
  table("instruments",
    [{ label: "Instrument" }, { label: "Kind" }, { label: "Attributes" }, { label: "Value", num: true }, { label: "/s", num: true },
     { label: "p50", num: true }, { label: "p99", num: true }],
    s.instruments.map(i => [i.instrument, i.kind, i.attributes, i.value, i.perSecond, i.p50, i.p99]));
  setText("overflow", s.overflowMeasurements > 0 ? fmt(s.overflowMeasurements) + " measurements beyond the cap of attribute sets were merged into 'overflow' rows." : "");
}

async function poll() {
  try {
    const response = await fetch(dataUrl, { cache: "no-store", credentials: "same-origin" });
    if (!response.ok) throw new Error("HTTP " + response.status);
    render(await response.json());
    const status = $("status");
    status.className = "status";
    status.textContent = "updated " + new Date().toLocaleTimeString();
  } catch (e) {
    const status = $("status");
    status.className = "status error";
    status.textContent = "update failed: " + e.message;
  }
  setTimeout(poll, 1000);
}
poll();
</script>
</body>
</html>
""";
}
