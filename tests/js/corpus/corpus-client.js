'use strict';
// The migration corpus driven by the official JavaScript client (tests/SignalRLite.Tests/Packaging/MigrationTests.cs
// runs it against the official build and the migrated build and compares the transcripts).
//
//   node corpus-client.js <server url> <websockets|longpolling|sse> <json|messagepack> '<targets json>'
//
// Prints one JSON line per step: [key, value]. A step that throws records "!<name>: <message>"; values are shown
// with JSON.stringify, and undefined as "undefined" (so null and undefined stay apart).

const signalR = require('@microsoft/signalr');

const [server, transportName, protocolName, targetsJson] = process.argv.slice(2);
const STEP_TIMEOUT_MS = 10000;
const transport = {
  websockets: signalR.HttpTransportType.WebSockets,
  longpolling: signalR.HttpTransportType.LongPolling,
  sse: signalR.HttpTransportType.ServerSentEvents,
}[transportName];
const { hubTargets, serviceTargets } = JSON.parse(targetsJson);

function show(value) {
  return value === undefined ? 'undefined' : JSON.stringify(value);
}

function record(key, value) {
  process.stdout.write(JSON.stringify([key, value]) + '\n');
}

async function step(key, fn) {
  let timer;
  try {
    const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('timeout')), STEP_TIMEOUT_MS); });
    const value = await Promise.race([fn(), timeout]);
    record(key, value === undefined ? 'ok' : String(value));
  } catch (e) {
    record(key, e && e.message === 'timeout' ? '!timeout' : `!${e && e.name}: ${e && e.message}`);
  } finally {
    clearTimeout(timer);
  }
}

function connect(hub, user) {
  const builder = new signalR.HubConnectionBuilder()
    .withUrl(`${server}/${hub}${user ? `?user=${user}` : ''}`, { transport })
    .configureLogging(signalR.LogLevel.None);
  if (protocolName === 'messagepack') {
    const { MessagePackHubProtocol } = require('@microsoft/signalr-protocol-msgpack');
    builder.withHubProtocol(new MessagePackHubProtocol());
  }
  return builder.build();
}

/** The arguments of each call of one client method, shown in order. */
function inbox(connection, method) {
  const queue = [];
  const waiters = [];
  connection.on(method, (...args) => {
    const shown = show(args);
    if (waiters.length) waiters.shift()(shown); else queue.push(shown);
  });
  return { next: () => (queue.length ? Promise.resolve(queue.shift()) : new Promise((resolve) => waiters.push(resolve))) };
}

function readStream(stream) {
  return new Promise((resolve) => {
    const items = [];
    stream.subscribe({
      next: (item) => items.push(item),
      complete: () => resolve(show(items)),
      error: (e) => resolve(`${show(items)} then !${e.name}: ${e.message}`),
    });
  });
}

async function chat() {
  const a = connect('chat', 'ann');
  const b = connect('chat');
  const aInbox = inbox(a, 'Receive');
  const bInbox = inbox(b, 'Receive');
  a.on('Ask', (question) => `yes to ${question}`);
  a.on('Double', (x) => 2 * x);
  a.on('Throws', () => { throw new Error('the client handler broke'); });
  await step('chat.start', () => Promise.all([a.start(), b.start()]).then(() => undefined));
  const invoke = (key, method, ...args) => step(key, async () => show(await a.invoke(method, ...args)));

  await invoke('chat.Echo', 'Echo', 'hello');
  await invoke('chat.Add', 'Add', 2, 3);
  await invoke('chat.Nothing (void)', 'Nothing');
  await invoke('chat.NullText', 'NullText');
  await invoke('chat.Describe (POCO, enum, null member)', 'Describe', 'Bo');
  await invoke('chat.Greet (POCO argument)', 'Greet', { Name: 'Al', Age: 3, Mood: 'Calm' });
  await invoke('chat.Greet (POCO argument, undefined member)', 'Greet', { Name: 'Al', Age: 3, Mood: 'Calm', Nickname: undefined });
  await step('chat.SendNull', async () => {
    await a.invoke('SendNull');
    return aInbox.next();
  });
  await invoke('chat.WhoAmI (IUserIdProvider)', 'WhoAmI');
  await step('chat.WhoAmI without user', async () => show(await b.invoke('WhoAmI')));
  await invoke('chat.FilterTag (AddHubOptions filter)', 'FilterTag');
  await invoke('chat.Filtered (global filter)', 'Filtered', 'abc');
  await invoke('chat.Blocked (filter throws)', 'Blocked');
  await invoke('chat.Connection (GetHttpContext, IHttpTransportFeature)', 'Connection');
  await invoke('chat.Fail (HubException)', 'Fail');
  await invoke('chat.Crash', 'Crash');
  await invoke('chat.unknown method', 'Nope');
  await invoke('chat.too many arguments', 'Echo', 'a', 'b');
  await invoke('chat.too few arguments', 'Add', 1);
  await invoke('chat.wrong argument type', 'Add', 'x', 1);
  await invoke('chat.undefined argument', 'Echo', undefined);
  await invoke('chat.null argument', 'Echo', null);
  await step('chat.send shout', async () => {
    await a.send('shout', 'hi all');
    return `a got ${await aInbox.next()}, b got ${await bInbox.next()}`;
  });
  await step('chat.groups', async () => {
    await a.invoke('Join', 'room');
    const joined = await aInbox.next();
    await b.invoke('SendToGroup', 'room', 'to the room');
    const inRoom = await aInbox.next();
    await a.invoke('SendToOthers', 'to others');
    const others = await bInbox.next();
    await a.invoke('Leave', 'room');
    await b.invoke('SendToGroup', 'room', 'nobody');
    await b.invoke('SendToOthers', 'after leaving');
    return `${joined} ${inRoom} ${others} ${await aInbox.next()}`;
  });
  await step('chat.IHubContext in a minimal API', async () => {
    const response = await fetch(`${server}/announce?text=everyone`, { method: 'POST' });
    return `${response.status} a got ${await aInbox.next()}, b got ${await bInbox.next()}`;
  });
  await step('chat.IHubContext in a BackgroundService', async () => {
    await a.invoke('Tick', 't1');
    return `a got ${await aInbox.next()}, b got ${await bInbox.next()}`;
  });

  await step('chat.Count (IAsyncEnumerable)', () => readStream(a.stream('Count', 5)));
  await step('chat.Letters (ChannelReader)', () => readStream(a.stream('Letters', 'abc')));
  await step('chat.BrokenStream HubException', () => readStream(a.stream('BrokenStream', true)));
  await step('chat.BrokenStream other exception', () => readStream(a.stream('BrokenStream', false)));
  await step('chat.FaultedChannel', () => readStream(a.stream('FaultedChannel')));
  await step('chat.stream a non-streaming method', () => readStream(a.stream('Echo', 'x')));
  await step('chat.invoke a streaming method', async () => show(await a.invoke('Count', 2)));
  await step('chat.Count cancelled by the client', async () => {
    const seen = await new Promise((resolve, reject) => {
      let count = 0;
      const subscription = a.stream('Count', 1000).subscribe({
        next: () => { if (++count === 3) { subscription.dispose(); resolve(count); } },
        complete: () => resolve(`completed after ${count}`),
        error: reject,
      });
    });
    return `${seen} then ${show(await a.invoke('Echo', 'still alive'))}`;
  });
  await step('chat.Sum (client stream)', async () => {
    const subject = new signalR.Subject();
    const result = a.invoke('Sum', subject);
    for (const n of [1, 2, 3, 4]) subject.next(n);
    subject.complete();
    return show(await result);
  });
  await step('chat.Concat (client stream to ChannelReader)', async () => {
    const subject = new signalR.Subject();
    const result = a.invoke('Concat', subject, '-');
    for (const part of ['x', 'y', 'z']) subject.next(part);
    subject.complete();
    return show(await result);
  });
  await step('chat.Upper (streams both ways)', async () => {
    const subject = new signalR.Subject();
    const result = readStream(a.stream('Upper', subject));
    subject.next('one');
    subject.next('two');
    subject.complete();
    return result;
  });
  await step('chat.client stream errors', async () => {
    const subject = new signalR.Subject();
    const result = a.invoke('Sum', subject);
    subject.next(1);
    subject.error(new Error('the client stream broke'));
    try { return show(await result); } catch (e) { return `!${e.name}: ${e.message}`; }
  });

  await invoke('chat.AskCaller', 'AskCaller', 'ready?');
  await invoke('chat.AskNumber', 'AskNumber', 20);
  await invoke('chat.AskFailing no handler', 'AskFailing', 'NoHandler');
  await invoke('chat.AskFailing handler throws', 'AskFailing', 'Throws');
  await step('chat.still connected', async () => `${a.state} ${b.state}`);
  await Promise.all([a.stop(), b.stop()]);
}

async function clients() {
  const names = ['A', 'B', 'C', 'D'];
  const users = ['alice', 'bob', 'carol', 'alice'];
  const connections = names.map((_, i) => connect('clients', users[i]));
  const inboxes = connections.map((c) => inbox(c, 'Got'));
  await step('clients.start', () => Promise.all(connections.map((c) => c.start())).then(() => undefined));
  const ids = {};
  await step('clients.ids', async () => {
    for (let i = 0; i < names.length; i++) ids[names[i]] = await connections[i].invoke('Id');
    return names.every((n, i) => ids[n] === connections[i].connectionId) ? 'same as connectionId' : 'differ from connectionId';
  });
  await step('clients.join', async () => {
    await connections[0].invoke('Join', 'g1');
    await connections[2].invoke('Join', 'g1');
    await connections[1].invoke('Join', 'g2');
  });
  const observe = async () => {
    const seen = [];
    for (let i = 0; i < names.length; i++) {
      const got = [];
      for (let m = await inboxes[i].next(); m !== '["marker"]'; m = await inboxes[i].next()) got.push(m);
      seen.push(`${names[i]}=${got.join(',')}`);
    }
    return seen.join(' ');
  };
  const route = (method, how, args) => step(`clients.${method} ${how} [${args.join(',')}]`, async () => {
    await connections[0].invoke(method, how, how, args.map((x) => ids[x] ?? x));
    return observe();
  });
  for (const [how, args] of hubTargets) await route('Route', how, args);
  await step('clients.unknown target', async () => { await connections[0].invoke('Route', 'Nowhere', 'x', []); return 'no error'; });
  await step('clients.C leaves g1', () => connections[2].invoke('Leave', 'g1').then(() => undefined));
  await route('Route', 'Group', ['g1']);
  for (const [how, args] of serviceTargets) await route('RouteFromService', how, args);
  await Promise.all(connections.map((c) => c.stop()));
}

// Starts the connections, then makes one round trip on each: both servers answer the handshake before they register
// the connection for sends to all, so a send to all right after start could miss one of them, on either server.
async function startReady(connections) {
  await Promise.all(connections.map((c) => c.start()));
  await Promise.all(connections.map((c) => c.invoke('Ready')));
}

async function typedAndDynamic() {
  const ann = connect('typed', 'ann');
  const bob = connect('typed', 'bob');
  const annInbox = inbox(ann, 'Receive');
  const bobInbox = inbox(bob, 'Receive');
  ann.on('GetName', () => 'Ann');
  bob.on('GetName', () => Promise.resolve('Bob'));
  await step('typed.start', () => startReady([ann, bob]));
  await step('typed.WhoAmI (client result through Hub<T>)', async () =>
    `${show(await ann.invoke('WhoAmI'))} ann got ${await annInbox.next()}, bob got ${await bobInbox.next()}`);
  await step('typed.typed-send', async () => {
    await bob.invoke('typed-send', 'hello');
    return `ann got ${await annInbox.next()}, bob got ${await bobInbox.next()}`;
  });
  await step('typed.JoinTyped', async () => {
    await ann.invoke('JoinTyped', 't');
    await bob.invoke('JoinTyped', 't');
    return `ann got ${await annInbox.next()} ${await annInbox.next()}, bob got ${await bobInbox.next()}`;
  });
  await step('typed.IHubContext<THub, T> in a BackgroundService', async () => {
    const chatConnection = connect('chat');
    await chatConnection.start();
    await chatConnection.invoke('Tick', 't2');
    const result = `ann got ${await annInbox.next()}, bob got ${await bobInbox.next()}`;
    await chatConnection.stop();
    return result;
  });
  await Promise.all([ann.stop(), bob.stop()]);

  const d1 = connect('dynamic');
  const d2 = connect('dynamic');
  const d1Inbox = inbox(d1, 'Receive');
  const d2Inbox = inbox(d2, 'Receive');
  await step('dynamic.start', () => startReady([d1, d2]));
  await step('dynamic.Send (Clients.All.Receive)', async () => {
    await d1.invoke('Send', 'd');
    return `d1 got ${await d1Inbox.next()}, d2 got ${await d2Inbox.next()}`;
  });
  await step('dynamic.ToCaller, ToOthers', async () => {
    await d1.invoke('ToCaller', 'c');
    await d1.invoke('ToOthers', 'o');
    return `d1 got ${await d1Inbox.next()}, d2 got ${await d2Inbox.next()}`;
  });
  await Promise.all([d1.stop(), d2.stop()]);
}

async function transports() {
  const polling = connect('polling-only');
  await step('transports.polling-only hub', async () => {
    await polling.start();
    return show(await polling.invoke('Connection'));
  });
  await polling.stop();

  const signedIn = connect('secure', 'ann');
  await step('auth.[Authorize] hub, signed in', async () => {
    await signedIn.start();
    return show(await signedIn.invoke('Name'));
  });
  await signedIn.stop();
  const anonymous = connect('secure');
  await step('auth.[Authorize] hub, anonymous', async () => {
    await anonymous.start();
    return anonymous.state;
  });
  await anonymous.stop();
}

(async () => {
  await chat();
  await clients();
  await typedAndDynamic();
  await transports();
})().then(() => process.exit(0), (e) => {
  process.stderr.write(`corpus-client failed: ${e && e.stack}\n`);
  process.exit(1);
});
