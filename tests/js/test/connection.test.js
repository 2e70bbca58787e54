'use strict';
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { signalR, variants, session, nonce, http, TEST_TIMEOUT_MS } = require('../lib/harness');

for (const variant of variants()) {
  describe(`connection lifecycle [${variant.name}]`, { timeout: TEST_TIMEOUT_MS }, () => {
    it('negotiates, completes the handshake and reaches Connected', async (t) => {
      const s = session(t, variant);
      const a = s.create('a');
      assert.equal(a.state, signalR.HubConnectionState.Disconnected);
      await a.start();
      assert.equal(a.state, signalR.HubConnectionState.Connected);
      assert.equal(typeof a.id, 'string');
      assert.ok(a.id.length > 0, 'hub sees a non-empty connection id');
      // With negotiation the client learns its id from negotiate; the hub must agree.
      assert.equal(a.connection.connectionId, a.id);
    });

    it('gives every connection its own id', async (t) => {
      const s = session(t, variant);
      const clients = await s.clients('a', 'b', 'c');
      const ids = new Set(clients.map((c) => c.id));
      assert.equal(ids.size, 3);
    });

    it('runs OnConnectedAsync before the first invocation, and it can send to the caller', async (t) => {
      const s = session(t, variant);
      const a = s.create('a');
      await a.start();
      const [welcomeId] = await a.waitFor('Welcome');
      assert.equal(welcomeId, a.id);
      assert.equal(await a.invoke('WasOnConnectedCalled'), true);
      const record = (await http('GET', `/lifecycle/${encodeURIComponent(a.id)}`)).json();
      assert.equal(record.connected, true);
      assert.equal(record.disconnectedCount, 0);
    });

    it('keeps Context.Items across invocations of one connection only', async (t) => {
      const s = session(t, variant);
      const [a, b] = await s.clients('a', 'b');
      const value = nonce('item');
      await a.invoke('SetItem', 'k', value);
      assert.equal(await a.invoke('GetItem', 'k'), value);
      assert.equal(await b.invoke('GetItem', 'k'), null);
    });

    it('stops cleanly: onclose without error, OnDisconnectedAsync once with no exception', async (t) => {
      const s = session(t, variant);
      const [observer, a] = await s.clients('observer', 'a');
      await observer.invoke('JoinGroup', 'lifecycle-observers');
      const id = a.id;
      await a.stop();
      assert.equal(a.state, signalR.HubConnectionState.Disconnected);
      assert.equal(await a.waitForClose(), null, 'onclose reports no error');
      const [, exceptionType] = await observer.waitFor('Disconnected', (args) => args[0] === id);
      assert.equal(exceptionType, null, 'OnDisconnectedAsync got no exception');
      const record = (await http('GET', `/lifecycle/${encodeURIComponent(id)}`)).json();
      assert.equal(record.disconnectedCount, 1);
      await assert.rejects(a.invoke('EchoInt', 1), 'invoking on a stopped connection fails');
    });

    it('closes the connection when the hub calls Context.Abort()', async (t) => {
      const s = session(t, variant);
      const [observer, a] = await s.clients('observer', 'a');
      await observer.invoke('JoinGroup', 'lifecycle-observers');
      await a.send('Abort');
      await a.waitForClose();
      assert.equal(a.state, signalR.HubConnectionState.Disconnected);
      await observer.waitFor('Disconnected', (args) => args[0] === a.id);
      assert.equal(observer.state, signalR.HubConnectionState.Connected, 'other connections are unaffected');
      assert.equal(await observer.invoke('EchoInt', 5), 5);
    });

    // skipNegotiation exists only for WebSockets: the test is not defined for the other transports.
    const itOnWebSockets = variant.transport === 'websockets' ? it : () => {};
    itOnWebSockets('connects with skipNegotiation over WebSockets', async (t) => {
      const s = session(t, variant);
      const a = s.create('a', { skipNegotiation: true });
      await a.start();
      assert.equal(a.state, signalR.HubConnectionState.Connected);
      assert.equal(typeof a.id, 'string');
      assert.ok(a.id.length > 0);
      assert.equal(await a.invoke('Add', 2, 3), 5);
      const [welcomeId] = await a.waitFor('Welcome');
      assert.equal(welcomeId, a.id);
      await a.stop();
      assert.equal(await a.waitForClose(), null);
    });

    it('authenticates users from the request (Context.User / UserIdentifier)', async (t) => {
      const s = session(t, variant);
      const alice = await s.client('alice', { user: 'alice' });
      const anon = await s.client('anon');
      assert.equal(await alice.invoke('GetUserIdentifier'), 'alice');
      assert.equal(await alice.invoke('GetUserName'), 'alice');
      assert.equal(await anon.invoke('GetUserIdentifier'), null);
    });

    it('restarts a stopped connection with a new id', async (t) => {
      const s = session(t, variant);
      const a = await s.client('a');
      const first = a.id;
      await a.stop();
      await a.connection.start();
      const second = await a.invoke('GetConnectionId');
      assert.notEqual(second, first);
    });
  });

  // Long Polling only: the client sends no Ping there (the polls are its keep-alive), and the server must not time it
  // out. With the default ClientTimeoutInterval (30 s) that takes one idle stretch longer than 30 s, so this is the one
  // slow test of the suite and runs in the Long Polling entries of the matrix only.
  if (variant.transport === 'longpolling') {
    const IDLE_MS = 35_000;
    describe(`long polling keep-alive [${variant.name}]`, { timeout: IDLE_MS + TEST_TIMEOUT_MS }, () => {
      it('stays connected while idle for longer than the default ClientTimeoutInterval, then invokes', async (t) => {
        const a = await session(t, variant).client('a');
        // Not a synchronisation: the idle time is what is under test. The client sends nothing meanwhile.
        await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
        assert.equal(a.closeError, undefined, 'the connection was closed while idle');
        assert.equal(a.state, signalR.HubConnectionState.Connected);
        assert.equal(await a.invoke('EchoInt', 7), 7);
      });
    });
  }
}
