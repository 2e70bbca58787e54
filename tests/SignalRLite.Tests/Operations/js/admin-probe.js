// Official JavaScript client probe for AdminJavaScriptTests: what the client sees of IHubAdmin (through the HTTP admin
// endpoints, MapSignalRLiteAdmin at <ops>): a user closed with a reason on every server, a group closed with
// allowReconnect (automatic reconnect brings its members back), one connection closed by its ID.
// Usage: node admin-probe.js <ops base url> <transport> <hub url>... (one hub URL per server; the connections are spread
// over them). Prints one JSON line. Needs @microsoft/signalr resolvable through NODE_PATH.
const signalR = require("@microsoft/signalr");

async function main() {
    const [ops, transportName, ...hubs] = process.argv.slice(2);
    const server = i => hubs[i % hubs.length];
    const connect = async (i, user, reconnect) => {
        let builder = new signalR.HubConnectionBuilder()
            .withUrl(server(i), { transport: signalR.HttpTransportType[transportName], accessTokenFactory: () => user })
            .configureLogging(signalR.LogLevel.None);
        if (reconnect) {
            builder = builder.withAutomaticReconnect([0, 0, 0]);
        }
        const connection = builder.build();
        connection.closed = new Promise(resolve => connection.onclose(error => resolve(error ? error.message : null)));
        connection.reconnecting = new Promise(resolve => connection.onreconnecting(error => resolve(error ? error.message : null)));
        connection.reconnected = new Promise(resolve => connection.onreconnected(() => resolve(true)));
        await connection.start();
        // One round trip: the server registers a connection after answering its handshake.
        connection.id = await connection.invoke("GetId");
        return connection;
    };
    const post = async path => {
        const response = await fetch(ops + path, { method: "POST", headers: { Authorization: "Bearer root" } });
        if (!response.ok) {
            throw new Error(`${path}: ${response.status} ${await response.text()}`);
        }
        return (await response.json()).reached;
    };

    const alice = [await connect(0, "alice", true), await connect(1, "alice", false), await connect(2, "alice", false)];
    const members = [await connect(1, "m1", true), await connect(2, "m2", true)];
    for (const member of members) {
        await member.invoke("Join", "room");
    }
    const victim = await connect(2, "victim", false);
    const bystander = await connect(0, "bystander", false);
    const result = {};

    result.userReached = await post("/users/alice/close?reason=" + encodeURIComponent("Your account was suspended."));
    result.userClosed = await Promise.all(alice.map(c => c.closed));
    result.aliceReconnected = alice[0].state !== signalR.HubConnectionState.Disconnected;

    result.groupReached = await post("/groups/room/close?allowReconnect=true");
    result.groupReconnecting = await Promise.all(members.map(c => c.reconnecting));
    result.groupReconnected = await Promise.all(members.map(c => c.reconnected));

    result.connectionReached = await post(`/connections/${victim.id}/close?reason=bye`);
    result.connectionClosed = await victim.closed;
    result.bystander = (await bystander.invoke("GetId")) === bystander.id;

    await Promise.all([...members, bystander].map(c => c.stop()));
    console.log(JSON.stringify(result));
}

main().then(() => process.exit(0), error => { console.error(error); process.exit(1); });
