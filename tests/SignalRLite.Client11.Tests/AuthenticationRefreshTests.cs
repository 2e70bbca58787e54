using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using ClientTransport = Microsoft.AspNetCore.Http.Connections.HttpTransportType;

namespace SignalRLite.Client11.Tests;

/// <summary>
/// Authentication refresh with the official .NET client 11.0.0 and JwtBearer tokens that live seconds, over the three
/// transports: the connection outlives its tokens, a rejected refresh leaves the connection to expire, a role policy and
/// <c>Context.User</c> follow the refreshed user.
/// </summary>
[Trait("Category", "Integration")]
public class AuthenticationRefreshTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData(ClientTransport.WebSockets)]
    [InlineData(ClientTransport.ServerSentEvents)]
    [InlineData(ClientTransport.LongPolling)]
    public async Task TheConnectionStaysUpAcrossSeveralAutomaticRefreshesOfTokensThatExpireInSeconds(ClientTransport transport)
    {
        await using var server = await RefreshServer.StartAsync();
        var lifetime = TimeSpan.FromSeconds(4);
        var issued = 0;
        await using var client = server.CreateClient(
            transport,
            () => JwtBearerSetup.CreateToken("alice", lifetime, Interlocked.Increment(ref issued)),
            o => o.RefreshBeforeExpiration = TimeSpan.FromSeconds(2.5));
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Closed += e => { closed.TrySetResult(e); return Task.CompletedTask; };
        var refreshes = 0;
        var outlived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        DateTimeOffset firstExpiry = default;
        client.AuthenticationRefreshed += c =>
        {
            // Done once a refresh happens after the token the connection started with had expired.
            if (Interlocked.Increment(ref refreshes) >= 3 && c.RefreshedAt > firstExpiry + TimeSpan.FromSeconds(0.5))
            {
                outlived.TrySetResult();
            }

            return Task.CompletedTask;
        };

        firstExpiry = DateTimeOffset.UtcNow + lifetime;
        await client.StartAsync().WaitAsync(Wait);
        await Task.WhenAny(outlived.Task, closed.Task).WaitAsync(Wait);
        Assert.False(closed.Task.IsCompleted, "The connection closed before it outlived its first token.");
        Assert.Equal(HubConnectionState.Connected, client.State);
        Assert.Equal("alice", await client.InvokeAsync<string>("Name").WaitAsync(Wait));
        Assert.True(Volatile.Read(ref refreshes) >= 3);
    }

    [Theory]
    [InlineData(ClientTransport.WebSockets)]
    [InlineData(ClientTransport.ServerSentEvents)]
    [InlineData(ClientTransport.LongPolling)]
    public async Task AHubMethodWithARolePolicySeesTheRefreshedRolesAndOnAuthenticationRefreshedAsyncRuns(ClientTransport transport)
    {
        await using var server = await RefreshServer.StartAsync();
        var roles = Array.Empty<string>();
        await using var client = server.CreateClient(transport, () => JwtBearerSetup.CreateToken("alice", TimeSpan.FromMinutes(5), version: 1, roles));
        var notified = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.On<string?>("Refreshed", v => notified.TrySetResult(v));
        await client.StartAsync().WaitAsync(Wait);

        var refused = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => client.InvokeAsync<string>("Roles").WaitAsync(Wait));
        Assert.Contains("unauthorized", refused.Message);

        roles = ["admin", "editor"];
        var lifetime = await client.RefreshAuthenticationAsync().WaitAsync(Wait);
        Assert.NotNull(lifetime);
        Assert.InRange(lifetime!.Value, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(5));

        // The very next invocation is authorized against the new principal.
        Assert.Equal("admin,editor", await client.InvokeAsync<string>("Roles").WaitAsync(Wait));
        Assert.Equal("1", await notified.Task.WaitAsync(Wait));
        Assert.Equal(["admin,editor"], server.Log.Refreshed);
        // The user identifier (and user routing) does not change.
        Assert.Equal("alice", await client.InvokeAsync<string>("UserId").WaitAsync(Wait));
    }

    [Fact]
    public async Task ARejectedRefreshKeepsTheUserAndTheConnectionClosesWhenItsTokenExpires()
    {
        await using var server = await RefreshServer.StartAsync();
        var user = "alice";
        await using var client = server.CreateClient(ClientTransport.WebSockets, () => JwtBearerSetup.CreateToken(user, TimeSpan.FromSeconds(3)));
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Closed += e => { closed.TrySetResult(e); return Task.CompletedTask; };
        var failed = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.AuthenticationRefreshFailed += c => { failed.TrySetResult(c.Exception); return Task.CompletedTask; };
        await client.StartAsync().WaitAsync(Wait);

        // Another user's valid token: the identity check rejects it (the user identifier would change).
        user = "mallory";
        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => client.RefreshAuthenticationAsync().WaitAsync(Wait));
        Assert.Equal(HttpStatusCode.Forbidden, ex.StatusCode);
        Assert.Same(ex, await failed.Task.WaitAsync(Wait));
        Assert.Equal("alice", await client.InvokeAsync<string>("Name").WaitAsync(Wait));

        // CloseOnAuthenticationExpiration: the connection ends with the token it still has (Close without error, as
        // the official server closes an expired connection).
        Assert.Null(await closed.Task.WaitAsync(Wait));
    }

    [Fact]
    public async Task TheRefreshEndpointAnswersErrorsAsJsonAndAppliesTheHubsAuthorization()
    {
        var seen = new System.Collections.Concurrent.ConcurrentQueue<SignalRLite.Http.Connections.AuthenticationRefreshContext>();
        await using var server = await RefreshServer.StartAsync(o =>
        {
            o.MaximumAuthenticationExpiration = TimeSpan.FromSeconds(150);
            o.OnAuthenticationRefresh = c =>
            {
                seen.Enqueue(c);
                return Task.FromResult(c.NewUser.FindFirst("v")?.Value != "13");
            };
        });
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var alice = JwtBearerSetup.CreateToken("alice", TimeSpan.FromMinutes(1), version: 1);

        // Negotiate reports the token lifetime only on the endpoint with refresh.
        var negotiate = await PostAsync(http, "/hubs/refresh/negotiate?negotiateVersion=1", alice);
        Assert.Equal(HttpStatusCode.OK, negotiate.Status);
        Assert.InRange(negotiate.Body.GetProperty("tokenLifetimeSeconds").GetInt32(), 50, 60);
        var token = negotiate.Body.GetProperty("connectionToken").GetString()!;
        var plain = await PostAsync(http, "/hubs/plain/negotiate?negotiateVersion=1", alice);
        Assert.False(plain.Body.TryGetProperty("tokenLifetimeSeconds", out _));

        // 200 with the new lifetime; the documented form (token in id) and the client's (header) both work.
        var ok = await PostAsync(http, "/hubs/refresh/refresh?id=" + token, JwtBearerSetup.CreateToken("alice", TimeSpan.FromMinutes(2), version: 2));
        Assert.Equal(HttpStatusCode.OK, ok.Status);
        Assert.InRange(ok.Body.GetProperty("tokenLifetimeSeconds").GetInt32(), 110, 120);
        // A 3-minute token: MaximumAuthenticationExpiration caps the expiry at 150 s from now.
        ok = await PostAsync(http, "/hubs/refresh/refresh", JwtBearerSetup.CreateToken("alice", TimeSpan.FromMinutes(3), version: 3), token);
        Assert.InRange(ok.Body.GetProperty("tokenLifetimeSeconds").GetInt32(), 140, 150);
        var second = seen.ToArray()[1];
        Assert.Equal("2", second.PreviousUser.FindFirst("v")?.Value);
        Assert.Equal("3", second.NewUser.FindFirst("v")?.Value);
        Assert.InRange(second.NewExpiration!.Value - DateTimeOffset.UtcNow, TimeSpan.FromSeconds(140), TimeSpan.FromSeconds(150));
        Assert.Equal(negotiate.Body.GetProperty("connectionId").GetString(), second.ConnectionId);

        // Rejections: a JSON error body.
        var rejected = await PostAsync(http, "/hubs/refresh/refresh", JwtBearerSetup.CreateToken("alice", TimeSpan.FromMinutes(1), version: 13), token);
        Assert.Equal(HttpStatusCode.Forbidden, rejected.Status);
        Assert.Equal("The authentication refresh was rejected.", rejected.Body.GetProperty("error").GetString());
        var otherUser = await PostAsync(http, "/hubs/refresh/refresh", JwtBearerSetup.CreateToken("mallory", TimeSpan.FromMinutes(1), version: 4), token);
        Assert.Equal(HttpStatusCode.Forbidden, otherUser.Status);
        Assert.Equal("The refreshed user does not match the connection's user.", otherUser.Body.GetProperty("error").GetString());
        var unknown = await PostAsync(http, "/hubs/refresh/refresh", alice, "no-such-token");
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        Assert.Equal("No Connection with that ID", unknown.Body.GetProperty("error").GetString());
        var missing = await PostAsync(http, "/hubs/refresh/refresh", alice);
        Assert.Equal(HttpStatusCode.BadRequest, missing.Status);
        Assert.True(missing.Body.TryGetProperty("error", out _));

        // The hub's [Authorize] applies (401 without a token); POST only; absent where refresh is off.
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(http, "/hubs/refresh/refresh", null, token)).Status);
        using var get = new HttpRequestMessage(HttpMethod.Get, "/hubs/refresh/refresh?id=" + token) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", alice) } };
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await http.SendAsync(get)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync(http, "/hubs/plain/refresh", alice, token)).Status);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(HttpClient http, string path, string? bearer, string? connectionToken = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (connectionToken is not null)
        {
            request.Headers.Add("X-SignalR-Connection-Token", connectionToken);
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 && response.Content.Headers.ContentType?.MediaType == "application/json" ? JsonDocument.Parse(text).RootElement.Clone() : default);
    }
}
