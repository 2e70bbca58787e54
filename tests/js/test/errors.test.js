'use strict';
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { signalR, variants, session, nonce, TEST_TIMEOUT_MS } = require('../lib/harness');

/** Runs `promise`, expects a rejection, returns the Error. */
async function rejection(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail('expected the invocation to fail');
}

async function assertStillOpen(client) {
  assert.equal(client.state, signalR.HubConnectionState.Connected);
  assert.equal(await client.invoke('Add', 2, 2), 4, 'the connection still works');
}

for (const variant of variants()) {
  describe(`hub errors [${variant.name}]`, { timeout: TEST_TIMEOUT_MS }, () => {
    it('sends a HubException\'s message to the client', async (t) => {
      const a = await session(t, variant).client('a');
      const text = nonce('boom');
      const err = await rejection(a.invoke('ThrowHubException', text));
      assert.ok(err instanceof Error);
      // Official server's wording (black-box observed): generic text + "HubException: <message>".
      assert.equal(err.message, `An unexpected error occurred invoking 'ThrowHubException' on the server. HubException: ${text}`);
      await assertStillOpen(a);
    });

    it('hides the details of any other exception', async (t) => {
      const a = await session(t, variant).client('a');
      const err = await rejection(a.invoke('ThrowGeneric'));
      assert.equal(err.message, 'An unexpected error occurred invoking \'ThrowGeneric\' on the server.');
      assert.ok(!err.message.includes('secret'));
      const err2 = await rejection(a.invoke('ThrowGenericAsync'));
      assert.equal(err2.message, 'An unexpected error occurred invoking \'ThrowGenericAsync\' on the server.');
      await assertStillOpen(a);
    });

    it('reports an unknown method and keeps the connection open', async (t) => {
      const a = await session(t, variant).client('a');
      const err = await rejection(a.invoke('NoSuchMethod', 1));
      // Official server's wording (black-box observed).
      assert.equal(err.message, "Failed to invoke 'NoSuchMethod' due to an error on the server. HubException: Method does not exist.");
      await assertStillOpen(a);
    });

    it('reports a wrong argument count and keeps the connection open', async (t) => {
      const a = await session(t, variant).client('a');
      const tooFew = await rejection(a.invoke('Add', 1));
      assert.equal(tooFew.message, "Failed to invoke 'Add' due to an error on the server.");
      const tooMany = await rejection(a.invoke('Add', 1, 2, 3));
      assert.equal(tooMany.message, "Failed to invoke 'Add' due to an error on the server.");
      await assertStillOpen(a);
    });

    it('reports arguments of the wrong type and keeps the connection open', async (t) => {
      const a = await session(t, variant).client('a');
      const err = await rejection(a.invoke('Add', 'one', { two: 2 }));
      assert.equal(err.message, "Failed to invoke 'Add' due to an error on the server.");
      await assertStillOpen(a);
    });

    it('keeps other connections unaffected by one client\'s errors', async (t) => {
      const s = session(t, variant);
      const [a, b] = await s.clients('a', 'b');
      await rejection(a.invoke('ThrowGeneric'));
      await rejection(a.invoke('NoSuchMethod'));
      assert.equal(await b.invoke('EchoString', 'fine'), 'fine');
      await assertStillOpen(a);
    });
  });
}
