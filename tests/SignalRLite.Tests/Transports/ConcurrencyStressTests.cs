using System.Net;

namespace SignalRLite.Tests.Transports;

/// <summary>Random overlapping requests on Long Polling connections; every connection must end and leave the registry.</summary>
public class ConcurrencyStressTests
{
    [Fact]
    public async Task RandomOverlappingPollsPostsAndDeletesLeaveNoConnectionBehind()
    {
        var app = new RecordingApplicationCounter();
        await using var server = await TransportTestServer.StartAsync(
            HostKind.TestHost,
            o => o.LongPolling.PollTimeout = TimeSpan.FromMilliseconds(200),
            app.RunAsync,
            disconnectTimeout: TimeSpan.FromSeconds(3));
        using var client = server.CreateClient();
        var allowed = new[] { HttpStatusCode.OK, HttpStatusCode.NoContent, HttpStatusCode.NotFound, HttpStatusCode.Conflict, HttpStatusCode.Accepted };

        async Task OneConnectionAsync(int seed)
        {
            var random = new Random(seed);
            var token = await LongPollingTransportTests.ConnectAsync(client);
            var url = TransportTestServer.Path + "?id=" + token;
            var inFlight = new List<Task<HttpResponseMessage>>();
            for (var step = 0; step < 12; step++)
            {
                inFlight.Add(random.Next(5) switch
                {
                    0 or 1 => client.GetAsync(url),
                    2 or 3 => client.PostAsync(url, new StringContent("m" + step)),
                    _ => client.DeleteAsync(url),
                });
                if (random.Next(3) == 0)
                {
                    await Task.WhenAll(inFlight);
                }
            }

            foreach (var response in await Task.WhenAll(inFlight))
            {
                Assert.Contains(response.StatusCode, allowed);
            }

            // End it for sure (a 404 means it already ended).
            await client.DeleteAsync(url);
        }

        await Task.WhenAll(Enumerable.Range(0, 100).Select(OneConnectionAsync)).WaitAsync(TimeSpan.FromSeconds(60));
        await server.WaitForConnectionCountAsync(0, TimeSpan.FromSeconds(20));
        Assert.Equal(app.Started, app.Ended);
    }

    private sealed class RecordingApplicationCounter
    {
        private int _started;
        private int _ended;

        public int Started => Volatile.Read(ref _started);

        public int Ended => Volatile.Read(ref _ended);

        public async Task RunAsync(Microsoft.AspNetCore.Connections.ConnectionContext connection)
        {
            Interlocked.Increment(ref _started);
            try
            {
                await TransportTestServer.EchoAsync(connection);
            }
            catch
            {
            }
            finally
            {
                Interlocked.Increment(ref _ended);
            }
        }
    }
}
