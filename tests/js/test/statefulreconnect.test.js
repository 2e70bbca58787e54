'use strict';
// Stateful reconnect with the official JS client (withStatefulReconnect): a TCP proxy between the
// client and the server resets every connection (RST, no close frame) several times; the
// connection must survive with its id, and every message must arrive exactly once, in order.
// WebSockets only (the feature is WebSockets-only). The server-to-client direction is cut while
// no message is in flight (the official .NET client keeps a half-received WebSocket message across
// a reset and then fails to parse, and can resend the tail of a half-sent one; see docs/transports.md).

const { test } = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const { signalR, BASE_URL, TEST_TIMEOUT_MS, variants, withTimeout } = require('../lib/harness');
const { MessagePackHubProtocol } = require('@microsoft/signalr-protocol-msgpack');

const COUNT = 10000;
const BATCH = 1000;

function startProxy() {
  const target = new URL(BASE_URL);
  const sockets = new Set();
  let connections = 0;
  const server = net.createServer((client) => {
    connections++;
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      s.setNoDelay(true);
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => { sockets.delete(s); client.destroy(); upstream.destroy(); });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}/reconnecthub`,
    get connections() { return connections; },
    dropAll() {
      const n = sockets.size;
      for (const s of [...sockets]) s.resetAndDestroy();
      return n;
    },
    close() { for (const s of [...sockets]) s.destroy(); return new Promise((r) => server.close(r)); },
  })));
}

for (const variant of variants().filter((v) => v.transport === 'websockets')) {
  const build = (url) => new signalR.HubConnectionBuilder()
    .withUrl(url, { transport: signalR.HttpTransportType.WebSockets })
    .withHubProtocol(variant.protocol === 'messagepack' ? new MessagePackHubProtocol() : new signalR.JsonHubProtocol())
    .withStatefulReconnect()
    .configureLogging(signalR.LogLevel.None)
    .build();

  test(`${variant.name}: stateful reconnect, ${COUNT} messages each way across socket resets`, { timeout: TEST_TIMEOUT_MS * 4 }, async () => {
    const proxy = await startProxy();
    const connection = build(proxy.url);
    const received = [];
    connection.on('Number', (n) => { received.push(n); });
    let closed = false;
    connection.onclose(() => { closed = true; });
    try {
      await connection.start();
      const id = await connection.invoke('GetConnectionId');
      assert.equal(id, connection.connectionId);

      // Server to client: each batch is complete when its invocation completes; then the network blinks.
      for (let from = 1; from <= COUNT; from += BATCH) {
        await withTimeout(connection.invoke('SendNumbers', from, BATCH), 30000, 'SendNumbers');
        assert.ok(proxy.dropAll() > 0);
      }

      // Client to server: the reset hits once the server has processed a batch (and before its Ack
      // is due), so the client replays messages the server must drop as duplicates.
      for (let from = 1; from <= COUNT; from += BATCH) {
        const sends = [];
        for (let i = from; i < from + BATCH; i++) sends.push(connection.send('Receive', i));
        await withTimeout(Promise.all(sends), 30000, 'sends');
        await withTimeout(connection.invoke('GetConnectionId'), 30000, 'round trip');
        assert.ok(proxy.dropAll() > 0);
      }

      const serverReceived = await withTimeout(connection.invoke('GetReceived'), 30000, 'GetReceived');
      assert.deepEqual(received, Array.from({ length: COUNT }, (_, i) => i + 1));
      assert.deepEqual(Array.from(serverReceived), Array.from({ length: COUNT }, (_, i) => i + 1));
      assert.equal(await connection.invoke('GetConnectionId'), id);
      assert.ok(proxy.connections > 10, `reconnected ${proxy.connections - 1} times`);
      assert.equal(closed, false);
    } finally {
      await connection.stop();
      await proxy.close();
    }
  });
}
