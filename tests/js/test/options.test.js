'use strict';
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { signalR, variants, session, nonce, TEST_TIMEOUT_MS } = require('../lib/harness');

for (const variant of variants()) {
  describe(`authorization [${variant.name}]`, { timeout: TEST_TIMEOUT_MS }, () => {
    it('[Authorize] on a hub refuses anonymous connections with 401', async (t) => {
      const s = session(t, variant);
      const anon = s.create('anon', { hub: 'authhub' });
      await assert.rejects(anon.start(), (err) => {
        assert.match(String(err.message), /401|Unauthorized/);
        return true;
      });
      assert.equal(anon.state, signalR.HubConnectionState.Disconnected);
    });

    it('[Authorize] on a hub admits an authenticated user', async (t) => {
      const s = session(t, variant);
      const user = nonce('user');
      const a = await s.client('a', { hub: 'authhub', user });
      assert.equal(await a.invoke('Who'), user);
    });
  });

  describe(`per-hub options [${variant.name}]`, { timeout: TEST_TIMEOUT_MS }, () => {
    it('EnableDetailedErrors (set with AddHubOptions<THub>) sends the exception type and message', async (t) => {
      const a = await session(t, variant).client('a', { hub: 'detailedhub' });
      await assert.rejects(a.invoke('ThrowGeneric'), (err) => {
        assert.equal(err.message, "An unexpected error occurred invoking 'ThrowGeneric' on the server. InvalidOperationException: visible details");
        return true;
      });
      const text = nonce('boom');
      await assert.rejects(a.invoke('ThrowHubException', text), (err) => {
        assert.equal(err.message, `An unexpected error occurred invoking 'ThrowHubException' on the server. HubException: ${text}`);
        return true;
      });
      assert.equal(a.state, signalR.HubConnectionState.Connected);
    });

    it('other hubs keep the default (details hidden)', async (t) => {
      const a = await session(t, variant).client('a');
      await assert.rejects(a.invoke('ThrowGeneric'), (err) => {
        assert.equal(err.message, "An unexpected error occurred invoking 'ThrowGeneric' on the server.");
        return true;
      });
    });
  });
}
