using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace SignalRLite.Tests.Quotas;

/// <summary>Raw requests of the quota tests: negotiate, and a WebSocket upgrade sent as plain HTTP so that a refusal's body can be read.</summary>
internal static class QuotaRequests
{
    public static async Task<HttpResponseMessage> NegotiateAsync(HttpClient client, string path, string? user = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path + "/negotiate?negotiateVersion=1");
        if (user is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user);
        }

        return await client.SendAsync(request);
    }

    /// <summary>Negotiates and returns the connection token (asserting a 200).</summary>
    public static async Task<string> NegotiateTokenAsync(HttpClient client, string path, string? user = null)
    {
        using var response = await NegotiateAsync(client, path, user);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("connectionToken").GetString()!;
    }

    /// <summary>A WebSocket upgrade request (skip negotiation when <paramref name="query"/> has no id), sent over HTTP/1.1.</summary>
    public static async Task<HttpResponseMessage> UpgradeAsync(HttpClient client, string path, string? user = null, string query = "")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path + query) { Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        request.Headers.Connection.Add("Upgrade");
        request.Headers.Upgrade.Add(new ProductHeaderValue("websocket"));
        request.Headers.Add("Sec-WebSocket-Version", "13");
        request.Headers.Add("Sec-WebSocket-Key", Convert.ToBase64String(Guid.NewGuid().ToByteArray()));
        if (user is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user);
        }

        return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    /// <summary>A 429 as the quotas answer it: text/plain, the given body, Retry-After: 1 only for the pending quotas.</summary>
    public static async Task AssertRefusedAsync(HttpResponseMessage response, string body, bool retryAfter)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(body, await response.Content.ReadAsStringAsync());
        if (retryAfter)
        {
            Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
        }
        else
        {
            Assert.Null(response.Headers.RetryAfter);
        }
    }
}
