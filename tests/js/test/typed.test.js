'use strict';
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { variants, wire, session, nonce, http, TEST_TIMEOUT_MS } = require('../lib/harness');

// TypedHub (Hub<ITypedClient>) has no Marker method, so "did not receive" is checked by
// sending a second message to everyone after the first and awaiting it: per-connection order
// guarantees the first would have arrived before it.
for (const variant of variants()) {
  const w = wire(variant);
  describe(`strongly typed hubs Hub<T> [${variant.name}]`, { timeout: TEST_TIMEOUT_MS }, () => {
    async function typedClients(t, ...names) {
      const s = session(t, variant);
      return Promise.all(names.map((n) => s.client(n, { hub: 'typedhub' })));
    }

    async function flush(sender, clients) {
      const p = nonce('flush');
      await sender.invoke('SendToAll', p);
      await Promise.all(clients.map((c) => c.waitFor('Receive', (a) => a[1] === p)));
    }

    function who(clients, payload) {
      return clients.filter((c) => c.received('Receive', (a) => a[1] === payload).length > 0).map((c) => c.name);
    }

    it('calls client methods through the interface (All, Caller, Others)', async (t) => {
      const clients = await typedClients(t, 'a', 'b', 'c');
      const [a, b] = clients;
      const pAll = nonce('all');
      await a.invoke('SendToAll', pAll);
      const pCaller = nonce('caller');
      await b.invoke('SendToCaller', pCaller);
      const pOthers = nonce('others');
      await b.invoke('SendToOthers', pOthers);
      await flush(a, clients);
      assert.deepEqual(who(clients, pAll), ['a', 'b', 'c']);
      assert.deepEqual(who(clients, pCaller), ['b']);
      assert.deepEqual(who(clients, pOthers), ['a', 'c']);
      const [kind] = (await a.waitFor('Receive', (x) => x[1] === pAll));
      assert.equal(kind, 'typed-all');
    });

    it('sends POCO arguments and reaches groups', async (t) => {
      const clients = await typedClients(t, 'a', 'b');
      const [a, b] = clients;
      const name = nonce('person');
      await a.invoke('SendPersonToCaller', name);
      const [person] = await a.waitFor('ReceivePerson', (x) => x[0][w.member('name')] === name);
      assert.deepEqual(person[w.member('tags')], ['x']);
      assert.equal(person[w.member('age')], 7);
      const g = nonce('g');
      await b.invoke('JoinGroup', g);
      const p = nonce('group');
      await a.invoke('SendToGroup', g, p);
      await flush(a, clients);
      assert.deepEqual(who(clients, p), ['b']);
    });

    it('IHubContext<THub, T> sends through the interface', async (t) => {
      const clients = await typedClients(t, 'a', 'b');
      const [a, b] = clients;
      const p = nonce('ctx');
      const res = await http('POST', '/broadcast-typed', { target: 'client', name: b.id, message: p });
      assert.equal(res.status, 204, res.text);
      await flush(a, clients);
      assert.deepEqual(who(clients, p), ['b']);
      const [kind] = await b.waitFor('Receive', (x) => x[1] === p);
      assert.equal(kind, 'typed-context-client');
    });
  });
}
