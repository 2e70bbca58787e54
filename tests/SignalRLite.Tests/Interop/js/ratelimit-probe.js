// Official JavaScript client probe for RateLimitQuotaJavaScriptTests: what the client sees of a hub rate limit
// (Error action on /limited, Close action on /closing) and of a full per-user connection quota.
// Usage: node ratelimit-probe.js <base url> <WebSockets|ServerSentEvents|LongPolling> <json|messagepack> <user>
// Prints one JSON line. Needs @microsoft/signalr (and -protocol-msgpack) resolvable through NODE_PATH.
const signalR = require("@microsoft/signalr");

async function main() {
    const [baseUrl, transportName, protocolName, user] = process.argv.slice(2);
    const build = (path, who = user) => {
        const builder = new signalR.HubConnectionBuilder()
            .withUrl(baseUrl + path, { transport: signalR.HttpTransportType[transportName], accessTokenFactory: () => who })
            .configureLogging(signalR.LogLevel.None);
        if (protocolName === "messagepack") {
            const { MessagePackHubProtocol } = require("@microsoft/signalr-protocol-msgpack");
            builder.withHubProtocol(new MessagePackHubProtocol());
        }
        return builder.build();
    };
    const result = {};

    // Error action: the second call of Limited is refused with the rate limit text.
    const limited = build("/limited");
    await limited.start();
    result.first = await limited.invoke("Limited");
    try {
        await limited.invoke("Limited");
        result.error = null;
    } catch (error) {
        result.error = error.message;
    }
    result.echo = await limited.invoke("Echo", 5);

    // The user's only connection slot is taken by `limited`: a second connection is refused at negotiate.
    const second = build("/limited");
    try {
        await second.start();
        result.quota = null;
        await second.stop();
    } catch (error) {
        result.quota = error.message;
    }
    await limited.stop();

    // Close action: the second call of A closes the connection with the policy in the error.
    const closing = build("/closing", user + "-closing"); // another user: the slot of `limited` may not be free yet
    const closed = new Promise(resolve => closing.onclose(error => resolve(error ? error.message : null)));
    await closing.start();
    result.closingFirst = await closing.invoke("A");
    closing.invoke("A").catch(() => { });
    result.closed = await closed;

    console.log(JSON.stringify(result));
}

main().then(() => process.exit(0), error => { console.error(error); process.exit(1); });
