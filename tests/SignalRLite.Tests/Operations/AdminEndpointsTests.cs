using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite.Tests.Infrastructure;

namespace SignalRLite.Tests.Operations;

[Trait("Category", "Integration")]
public class AdminEndpointsTests
{
    private static Task<HubAppHost> StartAsync() => HubAppHost.StartAsync(
        HubHostKind.Kestrel,
        s =>
        {
            s.AddAuthorization(o => o.AddPolicy("admins", p => p.RequireUserName("root")));
            s.AddSignalRLite().AddHubPresence();
        },
        app =>
        {
            app.MapHub<AdminHub>("/admin");
            app.MapSignalRLiteAdmin<AdminHub>("/ops/admin", o => o.AuthorizationPolicy = "admins");
        });

    private static HttpClient Client(HubAppHost host, string? user)
    {
        var http = host.CreateHttpClient();
        if (user is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", user);
        }

        return http;
    }

    [Fact]
    public async Task Closing_a_user_over_HTTP_needs_the_policy_answers_the_count_and_reaches_the_official_clients()
    {
        await using var host = await StartAsync();
        var alice1 = await host.ConnectAsync("/admin", user: "alice");
        var alice2 = await host.ConnectAsync("/admin", user: "alice");
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        alice1.Closed += e =>
        {
            closed.TrySetResult(e);
            return Task.CompletedTask;
        };

        const string Url = "/ops/admin/users/alice/close?reason=Maintenance%20window";
        using (var anonymous = Client(host, null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync(Url, null)).StatusCode);
        }

        using (var someone = Client(host, "bob"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await someone.PostAsync(Url, null)).StatusCode);
        }

        Assert.Equal(HubConnectionState.Connected, alice1.State);
        using var root = Client(host, "root");
        var response = await root.PostAsync(Url, null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"reached\":2}", await response.Content.ReadAsStringAsync());
        Assert.Equal("The server closed the connection with the following error: Maintenance window", (await closed.Task.WaitAsync(TestConnection.DefaultTimeout))?.Message);
        await alice2.DisposeAsync();
    }

    [Fact]
    public async Task Invalid_input_is_a_400_with_a_reason_and_reaches_nobody()
    {
        await using var host = await StartAsync();
        var client = await host.ConnectAsync("/admin", user: "carol");
        using var root = Client(host, "root");

        var tooLong = await root.PostAsync("/ops/admin/users/carol/close?reason=" + new string('x', 257), null);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Equal("'reason' must be at most 256 characters without control characters.", await tooLong.Content.ReadAsStringAsync());
        var badFlag = await root.PostAsync("/ops/admin/users/carol/close?allowReconnect=maybe", null);
        Assert.Equal(HttpStatusCode.BadRequest, badFlag.StatusCode);
        Assert.Equal("'allowReconnect' must be true or false.", await badFlag.Content.ReadAsStringAsync());
        var longId = await root.PostAsync("/ops/admin/groups/" + new string('g', 257) + "/close", null);
        Assert.Equal(HttpStatusCode.BadRequest, longId.StatusCode);

        Assert.Equal(HubConnectionState.Connected, client.State);
        Assert.False(string.IsNullOrEmpty(await client.InvokeAsync<string>("Id")));
    }

    [Fact]
    public async Task Group_removals_over_HTTP_answer_what_they_changed()
    {
        await using var host = await StartAsync();
        var presence = host.Services.GetRequiredService<IHubPresence<AdminHub>>();
        var a = await host.ConnectAsync("/admin", user: "dora");
        await a.InvokeAsync("Join", "room");
        await a.InvokeAsync("Join", "lobby");
        var id = await a.InvokeAsync<string>("Id");
        using var root = Client(host, "root");

        Assert.Equal("{\"reached\":1}", await (await root.DeleteAsync("/ops/admin/users/dora/groups/room")).Content.ReadAsStringAsync());
        Assert.Equal(0, await presence.GetGroupConnectionCountAsync("room"));
        Assert.Equal("{\"reached\":1}", await (await root.DeleteAsync($"/ops/admin/connections/{id}/groups")).Content.ReadAsStringAsync());
        Assert.Equal(0, await presence.GetGroupConnectionCountAsync("lobby"));
    }
}
