// Official JavaScript client probe for JavaScriptClientTransportTests.
// Usage: node probe.js <hub url> <WebSockets|ServerSentEvents|LongPolling> <skipNegotiation true|false>
// Needs @microsoft/signalr (10.0.11) resolvable through NODE_PATH (the test points it at tests/js/node_modules).
const signalR = require("@microsoft/signalr");

async function main() {
    const [url, transportName, skip] = process.argv.slice(2);
    const connection = new signalR.HubConnectionBuilder()
        .withUrl(url, { transport: signalR.HttpTransportType[transportName], skipNegotiation: skip === "true" })
        .configureLogging(signalR.LogLevel.Warning)
        .build();
    const hello = new Promise(resolve => connection.on("hello", value => resolve(value)));
    await connection.start();
    const value = await hello;
    if (value !== "world") {
        throw new Error("unexpected hello argument: " + value);
    }
    await connection.send("Echo", "abc");
    await connection.stop();
    console.log("ok " + transportName);
}

main().then(() => process.exit(0), error => { console.error(error); process.exit(1); });
