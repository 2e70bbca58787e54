'use strict';
// Shared helpers for the black-box suite: the official @microsoft/signalr client against
// tests/SignalRLite.TestServer. Transport and hub protocol are parameters: every test file
// loops over variants(), which SIGNALRLITE_MATRIX selects (default "websockets/json").

const assert = require('node:assert/strict');
const { randomUUID } = require('node:crypto');
const signalR = require('@microsoft/signalr');

const BASE_URL = (process.env.SIGNALRLITE_URL || '').replace(/\/+$/, '');
if (!BASE_URL) {
  throw new Error('SIGNALRLITE_URL is not set. Start tests/SignalRLite.TestServer and set it ' +
    '(e.g. SIGNALRLITE_URL=http://127.0.0.1:5050), or run ./test.sh at the repository root.');
}

/** Default time limit for one awaited event. Generous: CI machines are slow and shared. */
const EVENT_TIMEOUT_MS = Number(process.env.SIGNALRLITE_EVENT_TIMEOUT_MS || 10000);
/** Per-test time limit for node:test. */
const TEST_TIMEOUT_MS = Number(process.env.SIGNALRLITE_TEST_TIMEOUT_MS || 30000);

const TRANSPORTS = {
  websockets: signalR.HttpTransportType.WebSockets,
  sse: signalR.HttpTransportType.ServerSentEvents,
  longpolling: signalR.HttpTransportType.LongPolling,
};

const PROTOCOLS = {
  json: () => new signalR.JsonHubProtocol(),
  messagepack: () => {
    const { MessagePackHubProtocol } = require('@microsoft/signalr-protocol-msgpack');
    return new MessagePackHubProtocol();
  },
};

const LOG_LEVELS = {
  trace: signalR.LogLevel.Trace,
  debug: signalR.LogLevel.Debug,
  information: signalR.LogLevel.Information,
  warning: signalR.LogLevel.Warning,
  error: signalR.LogLevel.Error,
  critical: signalR.LogLevel.Critical,
  none: signalR.LogLevel.None,
};
const CLIENT_LOG_LEVEL = LOG_LEVELS[(process.env.SIGNALRLITE_CLIENT_LOG || 'none').toLowerCase()] ?? signalR.LogLevel.None;

/**
 * The transport/protocol combinations to run, from SIGNALRLITE_MATRIX: a comma-separated list
 * of "transport/protocol" (transport: websockets | sse | longpolling; protocol: json | messagepack).
 */
function variants() {
  const spec = process.env.SIGNALRLITE_MATRIX || 'websockets/json';
  return spec.split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
    const [transport, protocol = 'json'] = s.toLowerCase().split('/');
    if (!(transport in TRANSPORTS)) throw new Error(`unknown transport '${transport}' in SIGNALRLITE_MATRIX`);
    if (!(protocol in PROTOCOLS)) throw new Error(`unknown protocol '${protocol}' in SIGNALRLITE_MATRIX`);
    return { name: `${transport}/${protocol}`, transport, protocol };
  });
}

/**
 * How values travel for a variant's hub protocol, so expectations stay protocol-neutral.
 * JSON (System.Text.Json, web defaults): POCO members camelCase, enums as numbers.
 * MessagePack (official behaviour, observed): POCO members keep their C# names, enums as names.
 */
function wire(variant) {
  const messagepack = variant.protocol === 'messagepack';
  const pascal = (value) => {
    if (Array.isArray(value)) return value.map(pascal);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k[0].toUpperCase() + k.slice(1), pascal(v)]));
  };
  return {
    /** A POCO written with camelCase members, as it travels (nested POCOs too; not for dictionaries). */
    poco: (value) => (messagepack ? pascal(value) : value),
    /** A member name of a received POCO. */
    member: (camelName) => (messagepack ? camelName[0].toUpperCase() + camelName.slice(1) : camelName),
    /** An enum value as it travels. */
    enumValue: (name, number) => (messagepack ? name : number),
  };
}

function nonce(label = 'n') {
  return `${label}-${randomUUID()}`;
}

function hubUrl(hub, query) {
  const params = new URLSearchParams(query);
  const qs = params.toString();
  return `${BASE_URL}/${hub}${qs ? `?${qs}` : ''}`;
}

/** Builds (does not start) an official HubConnection for a variant. */
function buildConnection(variant, { hub = 'testhub', user, query = {}, skipNegotiation = false } = {}) {
  const q = { ...query };
  if (user !== undefined) q.user = user;
  return new signalR.HubConnectionBuilder()
    .withUrl(hubUrl(hub, q), { transport: TRANSPORTS[variant.transport], skipNegotiation })
    .withHubProtocol(PROTOCOLS[variant.protocol]())
    .configureLogging(CLIENT_LOG_LEVEL)
    .build();
}

function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

/** Rejects with a descriptive error if `promise` does not settle within `ms`. */
function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Client methods every TestClient listens to (registered before start, so nothing is dropped). */
const CLIENT_METHODS = ['Receive', 'ReceiveComplex', 'ReceiveNoArgs', 'ReceivePerson', 'Marker',
  'Welcome', 'Disconnected', 'GateOpened'];

/** One official client connection plus an inbox of every server-to-client invocation it got. */
class TestClient {
  constructor(name, connection) {
    this.name = name;
    this.connection = connection;
    this.id = undefined;
    this.inbox = [];
    this.waiters = [];
    this.closeError = undefined;
    const closed = deferred();
    this.closed = closed.promise;
    connection.onclose((error) => {
      this.closeError = error ?? null;
      closed.resolve(error ?? null);
    });
    for (const method of CLIENT_METHODS) {
      connection.on(method, (...args) => this.#push(method, args));
    }
  }

  #push(method, args) {
    const message = { method, args };
    this.inbox.push(message);
    this.waiters = this.waiters.filter((w) => {
      if (w.method.toLowerCase() === method.toLowerCase() && w.predicate(args)) {
        w.resolve(args);
        return false;
      }
      return true;
    });
  }

  /** Starts the connection and asks the hub for the connection id. */
  async start() {
    await this.connection.start();
    this.id = await this.connection.invoke('GetConnectionId');
    return this;
  }

  invoke(method, ...args) { return this.connection.invoke(method, ...args); }

  send(method, ...args) { return this.connection.send(method, ...args); }

  async stop() {
    if (this.connection.state !== signalR.HubConnectionState.Disconnected) {
      await this.connection.stop();
    }
  }

  get state() { return this.connection.state; }

  /** Messages already received for `method` whose argument list satisfies `predicate`. */
  received(method, predicate = () => true) {
    return this.inbox.filter((m) => m.method.toLowerCase() === method.toLowerCase() && predicate(m.args)).map((m) => m.args);
  }

  /** Resolves with the arguments of the first (past or future) `method` message matching `predicate`. */
  waitFor(method, predicate = () => true, timeoutMs = EVENT_TIMEOUT_MS) {
    const [already] = this.received(method, predicate);
    if (already) return Promise.resolve(already);
    const d = deferred();
    this.waiters.push({ method, predicate, resolve: d.resolve });
    return withTimeout(d.promise, timeoutMs, `'${method}' on client ${this.name}; inbox: ${JSON.stringify(this.inbox).slice(0, 800)}`);
  }

  /** Resolves with the close error (null for a clean close). */
  waitForClose(timeoutMs = EVENT_TIMEOUT_MS) {
    return withTimeout(this.closed, timeoutMs, `client ${this.name} to close`);
  }
}

/**
 * Per-test connection factory; every connection it made is stopped when the test ends.
 * Usage: const s = session(t, variant); const a = await s.client('a', { user: 'alice' });
 */
function session(t, variant) {
  const clients = [];
  t.after(async () => {
    await Promise.allSettled(clients.map((c) => c.stop()));
  });
  return {
    variant,
    /** A started client. */
    async client(name, options = {}) {
      const c = this.create(name, options);
      await c.start();
      return c;
    },
    /** A client that is not started yet. */
    create(name, options = {}) {
      const c = new TestClient(name, buildConnection(variant, options));
      clients.push(c);
      return c;
    },
    /** Several started clients, one per name. */
    async clients(...names) {
      return Promise.all(names.map((n) => this.client(n)));
    },
  };
}

/**
 * Delivery barrier. Asks the server (through `via`) to send a Marker to each client after
 * everything sent to it so far, and waits for all markers. Messages to one connection are
 * delivered in order, so once this resolves any earlier message would have arrived.
 */
async function settle(via, clients) {
  const marker = nonce('marker');
  await via.invoke('Marker', clients.map((c) => c.id), marker);
  await Promise.all(clients.map((c) => c.waitFor('Marker', (a) => a[0] === marker)));
}

/**
 * After settle(), asserts that exactly the clients named in `expected` got one `Receive(kind, payload)`
 * (and nobody got it twice).
 */
function assertDeliveries(clients, payload, expected, kind) {
  const got = [];
  for (const c of clients) {
    const hits = c.received('Receive', (a) => a[1] === payload);
    for (const h of hits) {
      if (kind !== undefined) assert.equal(h[0], kind, `client ${c.name} got kind ${h[0]}, expected ${kind}`);
    }
    assert.ok(hits.length <= 1, `client ${c.name} received the message ${hits.length} times`);
    if (hits.length === 1) got.push(c.name);
  }
  assert.deepEqual(got.sort(), [...expected].sort(), 'set of clients that received the message');
}

async function http(method, path, body) {
  const res = await fetch(`${BASE_URL}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) };
}

module.exports = {
  signalR,
  BASE_URL,
  EVENT_TIMEOUT_MS,
  TEST_TIMEOUT_MS,
  variants,
  wire,
  nonce,
  buildConnection,
  TestClient,
  session,
  settle,
  assertDeliveries,
  withTimeout,
  deferred,
  http,
};
