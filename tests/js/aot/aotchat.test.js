'use strict';
// The official JavaScript client (@microsoft/signalr 10.0.11) against the Native AOT build of samples/AotChat, run only
// by test.sh's AOT step (SIGNALRLITE_URL is the native binary's URL there). Every transport/protocol pair of
// SIGNALRLITE_MATRIX: calls with strings, numbers and an app type, streams both ways with value-type items, a broadcast,
// and the strongly typed hub (/typedchat) calling the client.
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const {
  signalR, variants, wire, nonce, buildConnection, deferred, withTimeout, EVENT_TIMEOUT_MS, TEST_TIMEOUT_MS,
} = require('../lib/harness');

async function connect(t, variant, hub) {
  const connection = buildConnection(variant, { hub });
  t.after(() => connection.stop());
  await connection.start();
  return connection;
}

function collect(connection, method, ...args) {
  const items = [];
  const done = deferred();
  connection.stream(method, ...args).subscribe({
    next: (item) => items.push(item),
    complete: () => done.resolve(items),
    error: (error) => done.reject(error),
  });
  return withTimeout(done.promise, EVENT_TIMEOUT_MS, `stream '${method}'`);
}

for (const variant of variants()) {
  const w = wire(variant);
  describe(`AotChat (native) [${variant.name}]`, { timeout: TEST_TIMEOUT_MS }, () => {
    it('echoes strings and adds numbers', async (t) => {
      const c = await connect(t, variant, 'chat');
      assert.equal(await c.invoke('Echo', 'héllo ✓'), 'héllo ✓');
      assert.equal(await c.invoke('Add', 40, 2), 42);
    });

    it('returns an app type', async (t) => {
      const c = await connect(t, variant, 'chat');
      assert.deepEqual(await c.invoke('Stamp', 'ann', 'hi'), w.poco({ user: 'ann', text: 'hi', timestamp: 1700000000000 }));
    });

    it('broadcasts SendMessage to the sender', async (t) => {
      const c = await connect(t, variant, 'chat');
      const text = nonce('m');
      const got = deferred();
      c.on('ReceiveMessage', (user, message) => { if (message === text) got.resolve([user, message]); });
      await c.invoke('SendMessage', 'bob', text);
      assert.deepEqual(await withTimeout(got.promise, EVENT_TIMEOUT_MS, 'ReceiveMessage'), ['bob', text]);
    });

    it('streams value types to the client (IAsyncEnumerable and ChannelReader)', async (t) => {
      const c = await connect(t, variant, 'chat');
      assert.deepEqual(await collect(c, 'Counter', 5), [0, 1, 2, 3, 4]);
      assert.deepEqual(await collect(c, 'Points', 3), [{ x: 0, y: 0 }, { x: 1, y: 1 }, { x: 2, y: 4 }].map(w.poco));
    });

    it('uploads value types and strings to the server', async (t) => {
      const c = await connect(t, variant, 'chat');
      const numbers = new signalR.Subject();
      const sum = c.invoke('Sum', numbers);
      for (let i = 1; i <= 5; i++) numbers.next(i);
      numbers.complete();
      assert.equal(Number(await withTimeout(sum, EVENT_TIMEOUT_MS, 'Sum')), 15);

      const points = new signalR.Subject();
      const total = c.invoke('SumPoints', points);
      points.next(w.poco({ x: 1, y: 2 }));
      points.next(w.poco({ x: 3, y: 4 }));
      points.complete();
      assert.equal(await withTimeout(total, EVENT_TIMEOUT_MS, 'SumPoints'), 10);

      const parts = new signalR.Subject();
      const joined = c.invoke('Join', parts);
      parts.next('native');
      parts.next('chat');
      parts.complete();
      assert.equal(await withTimeout(joined, EVENT_TIMEOUT_MS, 'Join'), 'native chat');
    });

    it('the strongly typed hub calls the client', async (t) => {
      const c = await connect(t, variant, 'typedchat');
      const text = nonce('t');
      const message = deferred();
      const tick = deferred();
      c.on('ReceiveMessage', (m) => { if (m[w.member('text')] === text) message.resolve(m); });
      c.on('Tick', (count, at) => tick.resolve([count, at]));
      await c.invoke('Send', 'cy', text);
      assert.deepEqual(await withTimeout(message.promise, EVENT_TIMEOUT_MS, 'ReceiveMessage'), w.poco({ user: 'cy', text, timestamp: 1700000000000 }));
      await c.invoke('TickCaller', 7);
      assert.deepEqual(await withTimeout(tick.promise, EVENT_TIMEOUT_MS, 'Tick'), [7, w.poco({ x: 7, y: -7 })]);
    });
  });
}
