'use strict';
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { variants, session, nonce, settle, assertDeliveries, http, TEST_TIMEOUT_MS } = require('../lib/harness');

async function broadcast(body) {
  const res = await http('POST', '/broadcast', body);
  assert.equal(res.status, 204, `POST /broadcast answered ${res.status}: ${res.text}`);
}

for (const variant of variants()) {
  describe(`IHubContext (sending from outside a hub) [${variant.name}]`, { timeout: TEST_TIMEOUT_MS }, () => {
    it('Clients.All reaches every connection', async (t) => {
      const s = session(t, variant);
      const clients = await s.clients('a', 'b', 'c');
      const p = nonce('ctx-all');
      await broadcast({ target: 'all', message: p });
      await settle(clients[0], clients);
      assertDeliveries(clients, p, ['a', 'b', 'c'], 'context-all');
    });

    it('Clients.Client / Clients / AllExcept address connections by id', async (t) => {
      const s = session(t, variant);
      const clients = await s.clients('a', 'b', 'c');
      const [a, b, c] = clients;
      const p1 = nonce('ctx-client');
      await broadcast({ target: 'client', name: b.id, message: p1 });
      const p2 = nonce('ctx-clients');
      await broadcast({ target: 'clients', names: [a.id, c.id], message: p2 });
      const p3 = nonce('ctx-allExcept');
      await broadcast({ target: 'allExcept', names: [a.id], message: p3 });
      await settle(a, clients);
      assertDeliveries(clients, p1, ['b'], 'context-client');
      assertDeliveries(clients, p2, ['a', 'c'], 'context-clients');
      assertDeliveries(clients, p3, ['b', 'c'], 'context-allExcept');
    });

    it('Groups (add/remove through IHubContext.Groups) and Clients.Group / Groups / GroupExcept', async (t) => {
      const s = session(t, variant);
      const clients = await s.clients('a', 'b', 'c');
      const [a, b, c] = clients;
      const g = nonce('ctx-group');
      const g2 = nonce('ctx-group2');
      assert.equal((await http('POST', '/groups/add', { connectionId: a.id, group: g })).status, 204);
      assert.equal((await http('POST', '/groups/add', { connectionId: b.id, group: g })).status, 204);
      assert.equal((await http('POST', '/groups/add', { connectionId: c.id, group: g2 })).status, 204);
      const p1 = nonce('p1');
      await broadcast({ target: 'group', name: g, message: p1 });
      const p2 = nonce('p2');
      await broadcast({ target: 'groups', names: [g, g2], message: p2 });
      const p3 = nonce('p3');
      await broadcast({ target: 'groupExcept', name: g, names: [a.id], message: p3 });
      await settle(a, clients);
      assertDeliveries(clients, p1, ['a', 'b'], 'context-group');
      assertDeliveries(clients, p2, ['a', 'b', 'c'], 'context-groups');
      assertDeliveries(clients, p3, ['b'], 'context-groupExcept');

      assert.equal((await http('POST', '/groups/remove', { connectionId: a.id, group: g })).status, 204);
      const p4 = nonce('p4');
      await broadcast({ target: 'group', name: g, message: p4 });
      await settle(a, clients);
      assertDeliveries(clients, p4, ['b'], 'context-group');
    });

    it('Clients.User / Users', async (t) => {
      const s = session(t, variant);
      const alice = nonce('alice');
      const bob = nonce('bob');
      const a1 = await s.client('a1', { user: alice });
      const a2 = await s.client('a2', { user: alice });
      const b1 = await s.client('b1', { user: bob });
      const x = await s.client('x');
      const clients = [a1, a2, b1, x];
      const p1 = nonce('ctx-user');
      await broadcast({ target: 'user', name: alice, message: p1 });
      const p2 = nonce('ctx-users');
      await broadcast({ target: 'users', names: [alice, bob], message: p2 });
      await settle(x, clients);
      assertDeliveries(clients, p1, ['a1', 'a2'], 'context-user');
      assertDeliveries(clients, p2, ['a1', 'a2', 'b1'], 'context-users');
    });

    it('a hub context send with no connections succeeds', async () => {
      await broadcast({ target: 'group', name: nonce('empty'), message: nonce('nobody') });
      await broadcast({ target: 'user', name: nonce('nobody'), message: nonce('nobody') });
    });
  });
}
