'use strict';
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { variants, wire, session, nonce, TEST_TIMEOUT_MS } = require('../lib/harness');

for (const variant of variants()) {
  const w = wire(variant);
  const person = w.poco({
    name: 'Zoë "Z" <Ω>',
    age: 41,
    score: 3.25,
    active: true,
    rank: null,
    favorite: w.enumValue('Blue', 2),
    tags: ['x', 'y', ''],
    address: { city: 'Kraków', zip: null },
  });
  const second = { ...person, [w.member('name')]: 'second' };

  describe(`invoke results [${variant.name}]`, { timeout: TEST_TIMEOUT_MS }, () => {
    it('echoes strings, including empty, unicode and null', async (t) => {
      const a = await session(t, variant).client('a');
      assert.equal(await a.invoke('EchoString', 'hello'), 'hello');
      assert.equal(await a.invoke('EchoString', ''), '');
      assert.equal(await a.invoke('EchoString', 'héllo ✓ 😀 \u001e "q" \\ \n'), 'héllo ✓ 😀 \u001e "q" \\ \n');
      assert.equal(await a.invoke('EchoString', null), null);
    });

    it('echoes numbers and booleans', async (t) => {
      const a = await session(t, variant).client('a');
      assert.equal(await a.invoke('EchoInt', 0), 0);
      assert.equal(await a.invoke('EchoInt', -2147483648), -2147483648);
      assert.equal(await a.invoke('EchoInt', 2147483647), 2147483647);
      assert.equal(await a.invoke('EchoLong', 9007199254740991), 9007199254740991);
      assert.equal(await a.invoke('EchoDouble', 3.5), 3.5);
      assert.equal(await a.invoke('EchoDouble', -0.125), -0.125);
      assert.equal(await a.invoke('EchoBool', true), true);
      assert.equal(await a.invoke('EchoBool', false), false);
      assert.equal(await a.invoke('Add', 40, 2), 42);
    });

    it('echoes nullables, enums and guids', async (t) => {
      const a = await session(t, variant).client('a');
      assert.equal(await a.invoke('EchoNullableInt', 7), 7);
      assert.equal(await a.invoke('EchoNullableInt', null), null);
      assert.equal(await a.invoke('EchoEnum', w.enumValue('Green', 1)), w.enumValue('Green', 1));
      assert.equal(await a.invoke('DescribeEnum', w.enumValue('Blue', 2)), 'Blue');
      const guid = '0f8fad5b-d9cb-469f-a165-70867728950e';
      assert.equal(await a.invoke('EchoGuid', guid), guid);
    });

    it('echoes POCOs (member names per protocol), nested objects and nulls', async (t) => {
      const a = await session(t, variant).client('a');
      assert.deepEqual(await a.invoke('EchoPerson', person), person);
      assert.equal(await a.invoke('EchoNullablePerson', null), null);
      assert.deepEqual(await a.invoke('MakePerson', 'Bo', 9), w.poco({
        name: 'Bo', age: 9, score: 1.5, active: true, rank: null, favorite: w.enumValue('Blue', 2), tags: ['a', 'b'],
        address: { city: 'Oslo', zip: null },
      }));
    });

    it('echoes arrays, lists, dictionaries and collection results', async (t) => {
      const a = await session(t, variant).client('a');
      assert.deepEqual(await a.invoke('EchoIntArray', [1, 2, 3]), [1, 2, 3]);
      assert.deepEqual(await a.invoke('EchoIntArray', []), []);
      assert.deepEqual(await a.invoke('EchoStringList', ['a', 'b']), ['a', 'b']);
      assert.deepEqual(await a.invoke('EchoPersonArray', [person, second]), [person, second]);
      assert.deepEqual(await a.invoke('EchoDictionary', { one: 1, two: 2 }), { one: 1, two: 2 });
      assert.equal(await a.invoke('SumArray', [1, 2, 3, 4]), 10);
      assert.deepEqual(await a.invoke('Range', 4), [0, 1, 2, 3], 'IEnumerable<int> is one result, not a stream');
    });

    it('binds several arguments of different types in order', async (t) => {
      const a = await session(t, variant).client('a');
      assert.equal(await a.invoke('Describe', 1, 'two', true, 4.5, null), '1|two|True|4.5|null');
      assert.equal(await a.invoke('Describe', -1, '', false, 0, 5), '-1||False|0|5');
    });

    it('returns null for a method returning null and for void/Task/ValueTask methods', async (t) => {
      const a = await session(t, variant).client('a');
      assert.equal(await a.invoke('GetNullString'), null);
      const key = nonce('mark');
      // As from the official server: the Completion carries "result":null (MessagePack: result kind 3, nil), so
      // invoke resolves to null, not undefined.
      assert.strictEqual(await a.invoke('VoidMethod', key), null);
      assert.strictEqual(await a.invoke('TaskMethod', key), null);
      assert.strictEqual(await a.invoke('ValueTaskMethod', key), null);
      assert.equal(await a.invoke('MarkCount', key), 3, 'each method ran once before its completion');
    });

    it('unwraps Task<T> and ValueTask<T> results', async (t) => {
      const a = await session(t, variant).client('a');
      assert.equal(await a.invoke('TaskOfInt', 21), 42);
      assert.equal(await a.invoke('ValueTaskOfString', 'hi'), 'hi!');
    });

    it('uses [HubMethodName] as the only name of a renamed method', async (t) => {
      const a = await session(t, variant).client('a');
      assert.equal(await a.invoke('renamed'), 'renamed-ok');
      await assert.rejects(a.invoke('OriginalName'), Error);
      assert.equal(await a.invoke('EchoInt', 1), 1);
    });

    it('matches method names case-insensitively', async (t) => {
      const a = await session(t, variant).client('a');
      assert.equal(await a.invoke('echostring', 'x'), 'x');
      assert.equal(await a.invoke('ADD', 1, 1), 2);
    });

    it('injects DI services into hub method parameters', async (t) => {
      const a = await session(t, variant).client('a');
      assert.equal(await a.invoke('GreetFromService', 'Ada'), 'Hello, Ada!');
    });

    it('runs one client\'s invocations one at a time, in order (MaximumParallelInvocationsPerClient = 1)', async (t) => {
      const a = await session(t, variant).client('a');
      const order = [];
      const slow = a.invoke('DelayEcho', 300, 'slow').then((v) => order.push(v));
      const fast = a.invoke('DelayEcho', 0, 'fast').then((v) => order.push(v));
      await Promise.all([slow, fast]);
      assert.deepEqual(order, ['slow', 'fast']);
    });

    it('handles many concurrent invocations, each answered with its own result', async (t) => {
      const a = await session(t, variant).client('a');
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => a.invoke('Add', i, 1000)));
      assert.deepEqual(results, Array.from({ length: 50 }, (_, i) => i + 1000));
    });

    it('carries large arguments and results', async (t) => {
      const a = await session(t, variant).client('a');
      const big = 'x'.repeat(20000);
      assert.equal(await a.invoke('EchoString', big), big);
    });
  });

  describe(`send (non-blocking) [${variant.name}]`, { timeout: TEST_TIMEOUT_MS }, () => {
    it('resolves send() without waiting for the hub method to finish', async (t) => {
      const s = session(t, variant);
      const [a, b] = await s.clients('a', 'b');
      const key = nonce('gate');
      // WaitForGate blocks on the server until the gate opens; send() must resolve anyway.
      await a.send('WaitForGate', key);
      assert.equal(a.received('GateOpened').length, 0, 'the method is still blocked');
      await b.invoke('OpenGate', key);
      const [opened] = await a.waitFor('GateOpened', (args) => args[0] === key);
      assert.equal(opened, key);
    });

    it('runs a sent method (its side effects happen) and sends no completion', async (t) => {
      const a = await session(t, variant).client('a');
      const payload = nonce('send');
      await a.send('SendToCaller', payload);
      const [kind] = await a.waitFor('Receive', (args) => args[1] === payload);
      assert.equal(kind, 'caller');
    });

    it('ignores a sent call to an unknown method or that throws, keeping the connection open', async (t) => {
      const a = await session(t, variant).client('a');
      await a.send('NoSuchMethod', 1, 2);
      await a.send('ThrowGeneric');
      await a.send('Add', 'wrong');
      assert.equal(await a.invoke('Add', 1, 2), 3);
    });
  });

  describe(`server-to-client arguments [${variant.name}]`, { timeout: TEST_TIMEOUT_MS }, () => {
    it('delivers several arguments of different types and zero-argument messages', async (t) => {
      const a = await session(t, variant).client('a');
      const payload = nonce('complex');
      await a.invoke('SendComplexToCaller', payload);
      const args = await a.waitFor('ReceiveComplex', (x) => x[0] === payload);
      assert.equal(args.length, 5);
      assert.equal(args[1], 42);
      assert.deepEqual(args[2], [1, 2, 3]);
      assert.equal(args[3][w.member('name')], 'Ann');
      assert.equal(args[3][w.member('address')][w.member('city')], 'Oslo');
      assert.equal(args[4], null);
      await a.invoke('SendNoArgsToCaller');
      const none = await a.waitFor('ReceiveNoArgs');
      assert.deepEqual(none, []);
    });
  });
}
