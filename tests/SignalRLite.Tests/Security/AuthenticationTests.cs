using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using SignalRLite.Tests.Infrastructure;
using ClientHubException = Microsoft.AspNetCore.SignalR.HubException;
using ClientTransport = Microsoft.AspNetCore.Http.Connections.HttpTransportType;

namespace SignalRLite.Tests.Security;

/// <summary>
/// Authentication and authorization with the official .NET client. Each theory runs the same assertions against
/// SignalRLite (<c>official: false</c>) and the official server of the shared framework (<c>official: true</c>).
/// </summary>
[Trait("Category", "Integration")]
public class AuthenticationTests
{
    public static TheoryData<bool> Servers => new() { false, true };

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task HubClassAuthorizeRefusesNegotiateAndEveryTransportRequest(bool official)
    {
        await using var server = await AuthTestServer.StartAsync(official);
        using var http = new HttpClient { BaseAddress = server.BaseAddress };

        // Official client: negotiate refused with the status of the authorization result.
        var anonymous = server.CreateClient("/roles", token: null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Assert.ThrowsAsync<HttpRequestException>(() => anonymous.StartAsync())).StatusCode);
        var withoutRole = server.CreateClient("/roles", token: "bob");
        Assert.Equal(HttpStatusCode.Forbidden, (await Assert.ThrowsAsync<HttpRequestException>(() => withoutRole.StartAsync())).StatusCode);
        var skipping = server.CreateClient("/roles", token: "bob", skipNegotiation: true);
        await Assert.ThrowsAnyAsync<Exception>(() => skipping.StartAsync());

        var admin = await server.ConnectAsync("/roles", "ann:admin");
        Assert.Equal("ann", await admin.InvokeAsync<string>("WhoAmI"));

        // Every request on the connection endpoint is authorized, not only negotiate.
        foreach (var (token, status) in new[] { ((string?)null, HttpStatusCode.Unauthorized), ("bob", HttpStatusCode.Forbidden) })
        {
            Assert.Equal(status, (await SendAsync(http, HttpMethod.Post, "/roles/negotiate?negotiateVersion=1", token)).StatusCode);
            Assert.Equal(status, (await SendAsync(http, HttpMethod.Get, "/roles?id=guessed", token)).StatusCode);
            Assert.Equal(status, (await SendAsync(http, HttpMethod.Post, "/roles?id=guessed", token)).StatusCode);
            Assert.Equal(status, (await SendAsync(http, HttpMethod.Delete, "/roles?id=guessed", token)).StatusCode);
            Assert.Equal((int)status, await WebSocketStatusAsync(server.BaseAddress, "/roles", token));
        }
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task MethodAuthorizeRefusesTheInvocationWithACompletionErrorAndKeepsTheConnection(bool official)
    {
        await using var server = await AuthTestServer.StartAsync(official);
        var anonymous = await server.ConnectAsync("/method", token: null);
        var bob = await server.ConnectAsync("/method", "bob", ClientTransport.ServerSentEvents);
        var ann = await server.ConnectAsync("/method", "ann:admin,ops", ClientTransport.LongPolling);

        foreach (var method in new[] { "Secret", "AdminSecret", "PolicySecret" })
        {
            var ex = await Assert.ThrowsAsync<ClientHubException>(() => anonymous.InvokeAsync<string>(method));
            Assert.Equal($"Failed to invoke '{method}' because user is unauthorized", ex.Message);
        }

        Assert.Equal("secret", await bob.InvokeAsync<string>("Secret"));
        foreach (var method in new[] { "AdminSecret", "PolicySecret" })
        {
            var ex = await Assert.ThrowsAsync<ClientHubException>(() => bob.InvokeAsync<string>(method));
            Assert.Equal($"Failed to invoke '{method}' because user is unauthorized", ex.Message);
        }

        Assert.Equal("secret", await ann.InvokeAsync<string>("Secret"));
        Assert.Equal("admin", await ann.InvokeAsync<string>("AdminSecret"));
        Assert.Equal("policy", await ann.InvokeAsync<string>("PolicySecret"));

        // The refused connections stay open and usable.
        Assert.Equal("public", await anonymous.InvokeAsync<string>("Public"));
        Assert.Equal("public", await bob.InvokeAsync<string>("Public"));
        Assert.Equal(HubConnectionState.Connected, anonymous.State);
        Assert.Equal(HubConnectionState.Connected, bob.State);
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task AuthorizeWithAnAuthenticationSchemeAuthenticatesWithThatScheme(bool official)
    {
        await using var server = await AuthTestServer.StartAsync(official);

        // A user of the default scheme is unknown to the hub's scheme.
        var other = server.CreateClient("/scheme", token: "bob");
        Assert.Equal(HttpStatusCode.Unauthorized, (await Assert.ThrowsAsync<HttpRequestException>(() => other.StartAsync())).StatusCode);

        foreach (var transport in new[] { ClientTransport.WebSockets, ClientTransport.ServerSentEvents, ClientTransport.LongPolling })
        {
            var alt = await server.ConnectAsync("/scheme", "alt-bob", transport);
            Assert.Equal("alt-bob", await alt.InvokeAsync<string>("WhoAmI"));
            Assert.Equal("Alt", await alt.InvokeAsync<string>("Scheme"));
        }
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task AllowAnonymousOnTheHubClassWinsOverRequireAuthorization(bool official)
    {
        await using var server = await AuthTestServer.StartAsync(official);
        var anonymous = await server.ConnectAsync("/anon", token: null);
        Assert.Null(await anonymous.InvokeAsync<string?>("WhoAmI"));
        var bob = await server.ConnectAsync("/anon", "bob");
        Assert.Equal("bob", await bob.InvokeAsync<string?>("WhoAmI"));
    }

    [Theory]
    [InlineData(ClientTransport.WebSockets)]
    [InlineData(ClientTransport.ServerSentEvents)]
    [InlineData(ClientTransport.LongPolling)]
    public async Task UserAndUserIdentifierFlowFromAuthentication(ClientTransport transport)
    {
        await using var server = await AuthTestServer.StartAsync(official: false);
        var client = await server.ConnectAsync("/method", "carol:ops,admin", transport);
        Assert.Equal("carol", await client.InvokeAsync<string>("WhoAmI"));
        Assert.Equal(["admin", "ops"], await client.InvokeAsync<string[]>("Roles"));
        var anonymous = await server.ConnectAsync("/method", null, transport);
        Assert.Null(await anonymous.InvokeAsync<string?>("WhoAmI"));
        Assert.Empty(await anonymous.InvokeAsync<string[]>("Roles"));
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task CloseOnAuthenticationExpirationClosesTheConnectionWhenTheTicketExpires(bool official)
    {
        await using var server = await AuthTestServer.StartAsync(official);
        var expiring = await server.ConnectAsync("/expiring", "dave@1500");
        var lasting = await server.ConnectAsync("/expiring", "erin");
        var unaffected = await server.ConnectAsync("/method", "frank@1500");
        var closed = new Signal<Exception?>();
        expiring.Closed += e => { closed.TrySetResult(e); return Task.CompletedTask; };

        // Observed on the official server: Close {"type":7,"allowReconnect":true} (no error) at expiry, then the
        // transport closes normally; the client reports a clean close.
        Assert.Null(await closed.WaitAsync());
        Assert.Equal("erin", await lasting.InvokeAsync<string>("WhoAmI"));
        // Without the option, an expired ticket does not end the connection.
        Assert.Equal("frank", await unaffected.InvokeAsync<string>("WhoAmI"));
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string url, string? token)
    {
        using var request = new HttpRequestMessage(method, url);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await http.SendAsync(request);
    }

    private static async Task<int> WebSocketStatusAsync(Uri baseAddress, string path, string? token)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (token is not null)
        {
            socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        }

        try
        {
            await socket.ConnectAsync(new Uri($"ws://{baseAddress.Authority}{path}"), CancellationToken.None);
            return 101;
        }
        catch (WebSocketException)
        {
            return (int)socket.HttpStatusCode;
        }
    }
}
