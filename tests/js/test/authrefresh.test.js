'use strict';
// Authentication refresh with the official JavaScript client 11.0.0 (npm alias @microsoft/signalr-11; the rest of the
// suite uses 10.0.11). /refreshhub authenticates tokens "NAME.VERSION.LIFETIME_MS" that expire LIFETIME_MS after each
// request, with EnableAuthenticationRefresh and CloseOnAuthenticationExpiration on SignalRLite. Against the oracle
// (the official .NET 10 server) the same client finds no refresh endpoint: asserted too.
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const signalR11 = require('@microsoft/signalr-11');
const { BASE_URL, variants, nonce, withTimeout, EVENT_TIMEOUT_MS, TEST_TIMEOUT_MS } = require('../lib/harness');

const TRANSPORTS = {
  websockets: signalR11.HttpTransportType.WebSockets,
  sse: signalR11.HttpTransportType.ServerSentEvents,
  longpolling: signalR11.HttpTransportType.LongPolling,
};

async function implementation() {
  return (await fetch(`${BASE_URL}/implementation`)).text();
}

/** A JSON-protocol 11.0 client of /refreshhub whose token comes from token() at every request. */
function build(variant, token, refreshOptions) {
  let builder = new signalR11.HubConnectionBuilder()
    .withUrl(`${BASE_URL}/refreshhub`, { transport: TRANSPORTS[variant.transport], accessTokenFactory: () => token() })
    .configureLogging(signalR11.LogLevel.None);
  if (refreshOptions) {
    builder = builder.withAuthenticationRefresh(refreshOptions);
  }

  return builder.build();
}

for (const variant of variants().filter((v) => v.protocol === 'json')) {
  describe(`authentication refresh, @microsoft/signalr 11.0.0 [${variant.name}]`, { timeout: TEST_TIMEOUT_MS }, () => {
    it('automatic refreshes keep a connection whose tokens live 3 s open past the first expiry', async (t) => {
      const user = nonce('user');
      let version = 0;
      const token = () => `${user}.${++version}.3000`;
      const connection = build(variant, token, { refreshBeforeExpirationInMilliseconds: 1500 });
      t.after(() => connection.stop());
      let closed = false;
      connection.onclose(() => { closed = true; });
      const firstExpiry = Date.now() + 3000;
      let refreshes = 0;
      let done;
      const outlived = new Promise((resolve) => { done = resolve; });
      const pushed = [];
      connection.on('Refreshed', (v) => pushed.push(v));
      connection.onAuthenticationRefreshed((context) => {
        refreshes++;
        assert.ok(context.newTokenLifetimeInSeconds >= 1 && context.newTokenLifetimeInSeconds <= 3);
        if (refreshes >= 3 && context.refreshedAt.getTime() > firstExpiry + 500) done();
      });

      if ((await implementation()) !== 'SignalRLite') {
        // The official .NET 10 server: no tokenLifetimeSeconds, so no automatic refresh; a manual one is refused.
        await connection.start();
        await assert.rejects(connection.refreshAuthentication(), /404|Not Found/);
        return;
      }

      await connection.start();
      await withTimeout(outlived, 2 * EVENT_TIMEOUT_MS, 'three refreshes past the first expiry');
      assert.equal(closed, false);
      assert.equal(connection.state, signalR11.HubConnectionState.Connected);
      assert.equal(await connection.invoke('Who'), user);
      // Context.User is the latest refreshed user; OnAuthenticationRefreshedAsync ran for the refreshes.
      assert.ok(Number(await connection.invoke('Version')) >= 3);
      assert.ok(pushed.length >= 1);
    });

    it('a manual refresh replaces Context.User; a refresh as another user is refused and changes nothing', async (t) => {
      if ((await implementation()) !== 'SignalRLite') return;
      const user = nonce('user');
      let current = `${user}.1.60000`;
      const connection = build(variant, () => current, { enableAutoRefresh: false });
      t.after(() => connection.stop());
      await connection.start();
      assert.equal(await connection.invoke('Version'), '1');

      current = `${user}.2.60000`;
      const lifetime = await connection.refreshAuthentication();
      assert.ok(lifetime >= 58 && lifetime <= 60, `lifetime ${lifetime}`);
      assert.equal(await connection.invoke('Version'), '2');

      const failures = [];
      connection.onAuthenticationRefreshFailed((context) => failures.push(context.error));
      current = `${nonce('mallory')}.3.60000`;
      await assert.rejects(connection.refreshAuthentication(), /403|Forbidden/);
      assert.equal(failures.length, 1);
      assert.equal(await connection.invoke('Version'), '2');
      assert.equal(await connection.invoke('Who'), user);
    });
  });
}
