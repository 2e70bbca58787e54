'use strict';
// Streams in both directions, client results and invocation ordering against /streamhub
// (MaximumParallelInvocationsPerClient = 1, the default) and /parallelhub (3).
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const {
  signalR, variants, session, nonce, http, deferred, withTimeout, EVENT_TIMEOUT_MS, TEST_TIMEOUT_MS,
} = require('../lib/harness');

const ITEMS = 10000;
/**
 * Upload size. On Server-Sent Events and Long Polling the JS client sends every upload item in an HTTP POST of its own
 * and waits for it before the next (about 1.5 ms each, against the official server too: 10,000 items take 15 s), so
 * those transports upload 1,000 items; the .NET client suite uploads 10,000 over every transport.
 */
const uploadItems = (variant) => (variant.transport === 'websockets' ? ITEMS : 1000);

/** Collects a server-to-client stream; resolves with the items, rejects with the stream's error. */
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

/** A started client of `hub` answering client-result calls of 'Ask' with `answer` and seeing 'StreamEnded'. */
async function streamClient(s, name, hub, answer) {
  const c = s.create(name, { hub });
  const ended = [];
  const waiters = [];
  c.connection.on('StreamEnded', (key, produced, cancelled) => {
    ended.push({ key, produced, cancelled });
    for (const w of waiters.filter((x) => x.key === key)) w.resolve({ key, produced, cancelled });
  });
  if (answer) c.connection.on('Ask', answer);
  await c.start();
  c.streamEnded = (key) => {
    const found = ended.find((e) => e.key === key);
    if (found) return Promise.resolve(found);
    const d = deferred();
    waiters.push({ key, resolve: d.resolve });
    return withTimeout(d.promise, EVENT_TIMEOUT_MS, `StreamEnded(${key}) on ${name}`);
  };
  return c;
}

function range(n) {
  return Array.from({ length: n }, (_, i) => i);
}

for (const variant of variants()) {
  describe(`server-to-client streams [${variant.name}]`, { timeout: TEST_TIMEOUT_MS }, () => {
    it(`IAsyncEnumerable: ${ITEMS} items arrive complete and in order`, async (t) => {
      const a = await streamClient(session(t, variant), 'a', 'streamhub');
      const started = performance.now();
      const items = await collect(a.connection, 'Counter', ITEMS);
      t.diagnostic(`${ITEMS} items in ${(performance.now() - started).toFixed(0)} ms`);
      assert.deepEqual(items, range(ITEMS));
    });

    it(`ChannelReader: ${ITEMS} items arrive complete and in order`, async (t) => {
      const a = await streamClient(session(t, variant), 'a', 'streamhub');
      const items = await collect(a.connection, 'CounterChannel', ITEMS);
      assert.deepEqual(items, range(ITEMS));
    });

    it('a Task<IAsyncEnumerable<T>> method streams too', async (t) => {
      const a = await streamClient(session(t, variant), 'a', 'streamhub');
      assert.deepEqual(await collect(a.connection, 'CounterTask', 1000), range(1000));
    });

    it('an empty stream completes, a failing stream delivers its items then the error', async (t) => {
      const a = await streamClient(session(t, variant), 'a', 'streamhub');
      assert.deepEqual(await collect(a.connection, 'Counter', 0), []);
      const items = [];
      const failed = deferred();
      a.connection.stream('FailAfter', 3).subscribe({
        next: (i) => items.push(i), complete: () => failed.reject(new Error('completed')), error: failed.resolve,
      });
      const error = await withTimeout(failed.promise, EVENT_TIMEOUT_MS, 'stream error');
      assert.deepEqual(items, [0, 1, 2]);
      assert.equal(error.message, 'An error occurred on the server while streaming results.');
      assert.equal(await a.invoke('GetConnectionId'), a.id, 'the connection stays open');
    });

    it('cancelling the subscription stops the server within a bounded number of items', async (t) => {
      const a = await streamClient(session(t, variant), 'a', 'streamhub');
      const key = nonce('cancel');
      let received = 0;
      const five = deferred();
      const subscription = a.connection.stream('Endless', key).subscribe({
        next: () => { if (++received === 5) five.resolve(); },
        complete: () => {},
        error: () => {},
      });
      await withTimeout(five.promise, EVENT_TIMEOUT_MS, 'five items');
      subscription.dispose();
      const ended = await a.streamEnded(key);
      assert.equal(ended.cancelled, true, 'the method token fired');
      t.diagnostic(`received ${received} before cancelling; the server produced ${ended.produced}`);
      assert.ok(ended.produced < received + 1000, `server produced ${ended.produced} items after the client cancelled at ${received}`);
      assert.equal(await a.invoke('GetConnectionId'), a.id, 'the connection stays open');
    });

    it('a disconnect cancels every stream of that connection', async (t) => {
      const s = session(t, variant);
      const observer = await streamClient(s, 'observer', 'streamhub');
      await observer.invoke('ObserveStreams');
      const a = await streamClient(s, 'a', 'streamhub');
      const keys = [nonce('d1'), nonce('d2')];
      const firsts = keys.map((key) => {
        const first = deferred();
        a.connection.stream('Endless', key).subscribe({ next: first.resolve, complete: () => {}, error: () => {} });
        return withTimeout(first.promise, EVENT_TIMEOUT_MS, `first item of ${key}`);
      });
      await Promise.all(firsts);
      await a.stop();
      for (const key of keys) {
        assert.equal((await observer.streamEnded(key)).cancelled, true, `${key} was cancelled`);
      }
    });

    it('a streaming method called with invoke, and a plain method called with stream, get the spec errors', async (t) => {
      const a = await streamClient(session(t, variant), 'a', 'streamhub');
      await assert.rejects(a.invoke('Counter', 3), {
        message: "The client attempted to invoke the streaming 'Counter' method with a non-streaming invocation.",
      });
      await assert.rejects(collect(a.connection, 'GetConnectionId'), {
        message: "The client attempted to invoke the non-streaming 'GetConnectionId' method with a streaming invocation.",
      });
    });
  });

  describe(`client-to-server streams [${variant.name}]`, { timeout: TEST_TIMEOUT_MS }, () => {
    const n = uploadItems(variant);
    it(`uploads ${n} items through ChannelReader and IAsyncEnumerable, summed correctly`, async (t) => {
      const a = await streamClient(session(t, variant), 'a', 'streamhub');
      const expected = (n * (n - 1)) / 2;
      for (const method of ['Sum', 'SumAsync']) {
        const subject = new signalR.Subject();
        const started = performance.now();
        const result = a.invoke(method, subject);
        for (let i = 0; i < n; i++) subject.next(i);
        subject.complete();
        const value = await result;
        t.diagnostic(`${method}: ${n} items in ${(performance.now() - started).toFixed(0)} ms`);
        assert.equal(method === 'Sum' ? Number(value) : value, method === 'Sum' ? expected : `${n}:${expected}`);
      }
    });

    it('two uploads of one invocation, and uploads of two invocations, run at once', async (t) => {
      const a = await streamClient(session(t, variant), 'a', 'streamhub');
      const first = new signalR.Subject();
      const second = new signalR.Subject();
      const both = a.invoke('SumBoth', first, '|', second);
      const third = new signalR.Subject();
      const other = a.invoke('SumAsync', third);
      for (let i = 1; i <= 100; i++) {
        first.next(i);
        second.next(2 * i);
        third.next(3 * i);
      }
      second.complete();
      third.complete();
      first.complete();
      assert.equal(await both, '5050|100:10100');
      assert.equal(await other, '100:15150');
    });

    it("the client's error completes the upload with an error", async (t) => {
      const a = await streamClient(session(t, variant), 'a', 'streamhub');
      const subject = new signalR.Subject();
      const outcome = a.invoke('UploadOutcome', subject);
      subject.next(1);
      subject.next(2);
      subject.error(new Error('client gave up'));
      assert.match(await outcome, /^failed:2:\w+:.*client gave up/);
    });
  });

  describe(`client results [${variant.name}]`, { timeout: TEST_TIMEOUT_MS }, () => {
    it('a hub method awaits its caller with the default MaximumParallelInvocationsPerClient = 1', async (t) => {
      const a = await streamClient(session(t, variant), 'a', 'streamhub', (q) => `A:${q}`);
      assert.equal(await a.invoke('AskCaller', 'q1'), 'caller said A:q1');
      assert.equal(await a.invoke('AskCaller', 'q2'), 'caller said A:q2');
    });

    it('Clients.Client and IHubContext round trips, async answers included', async (t) => {
      const s = session(t, variant);
      const a = await streamClient(s, 'a', 'streamhub');
      const b = await streamClient(s, 'b', 'streamhub', async (q) => { await new Promise((r) => setImmediate(r)); return `B:${q}`; });
      assert.equal(await a.invoke('AskClient', b.id, 'x', 5000), 'ok:B:x');
      const res = await http('POST', '/client-result', { connectionId: b.id, question: 'y', timeoutMs: 5000 });
      assert.equal(res.text, 'ok:B:y');
    });

    it("the client's error faults the result", async (t) => {
      const s = session(t, variant);
      const a = await streamClient(s, 'a', 'streamhub');
      const b = await streamClient(s, 'b', 'streamhub', () => { throw new Error('client boom'); });
      assert.equal(await a.invoke('AskClient', b.id, 'x', 5000), 'HubException:Error: client boom');
      const c = await streamClient(s, 'c', 'streamhub');
      assert.equal(await a.invoke('AskClient', c.id, 'x', 5000), "HubException:Client didn't provide a result.");
      assert.equal(await a.invoke('AskClient', 'no-such-connection', 'x', 5000), "IOException:Connection 'no-such-connection' does not exist.");
    });

    it('the token cancels the result', async (t) => {
      const s = session(t, variant);
      const a = await streamClient(s, 'a', 'streamhub');
      const asked = deferred();
      const b = await streamClient(s, 'b', 'streamhub', () => { asked.resolve(); return new Promise(() => {}); });
      assert.equal(await a.invoke('AskClient', b.id, 'x', 200), 'HubException:Invocation canceled by the server.');
      await asked.promise;
      const res = await http('POST', '/client-result', { connectionId: b.id, question: 'y', timeoutMs: 200 });
      assert.equal(res.text, 'HubException:Invocation canceled by the server.');
    });

    it('a disconnect faults the result', async (t) => {
      const s = session(t, variant);
      const asked = deferred();
      const b = await streamClient(s, 'b', 'streamhub', () => { asked.resolve(); return new Promise(() => {}); });
      const pending = http('POST', '/client-result', { connectionId: b.id, question: 'y', timeoutMs: 10000 });
      await withTimeout(asked.promise, EVENT_TIMEOUT_MS, 'the question');
      await b.stop();
      assert.equal((await pending).text, `IOException:Connection '${b.id}' disconnected.`);
    });
  });

  describe(`parallel invocations [${variant.name}]`, { timeout: TEST_TIMEOUT_MS }, () => {
    it('with the default of 1, queued invocations run one at a time, in order, none dropped', async (t) => {
      const a = await streamClient(session(t, variant), 'a', 'streamhub');
      const key = nonce('order');
      const running = await Promise.all(range(200).map((i) => a.invoke('Append', key, i)));
      assert.deepEqual(await a.invoke('GetAppended', key), range(200));
      assert.ok(running.every((n) => n === 1), `concurrency seen: ${Math.max(...running)}`);
    });

    it('an invocation with an upload stream runs outside the limit of 1, as with the official server', async (t) => {
      const a = await streamClient(session(t, variant), 'a', 'streamhub');
      const key = nonce('upload-together');
      const plain = a.invoke('Together', key, 2);
      const subject = new signalR.Subject();
      const upload = a.invoke('UploadTogether', subject, key, 2);
      for (let i = 0; i < 50; i++) subject.next(1);
      subject.complete();
      assert.equal(await plain, 2);
      assert.equal(await upload, '2:50');
    });

    it('with 3, three invocations of one client run at once and never more', async (t) => {
      const a = await streamClient(session(t, variant), 'a', 'parallelhub');
      const key = nonce('together');
      const widths = await Promise.all(range(9).map(() => a.invoke('Together', key, 3)));
      assert.deepEqual(widths, range(9).map(() => 3));
      const order = nonce('order');
      await Promise.all(range(50).map((i) => a.invoke('Append', order, i)));
      assert.deepEqual((await a.invoke('GetAppended', order)).length, 50, 'none dropped');
    });
  });
}
