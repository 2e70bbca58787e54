using Microsoft.Extensions.Options;
using SignalRLite;

namespace StockTicker;

public sealed class StockTickerOptions
{
    /// <summary>Time between price moves. 500 ms by default.</summary>
    public int IntervalMs { get; set; } = 500;
}

/// <summary>
/// Moves the prices on a timer. The quotes reach browsers through the <see cref="StockTickerHub.StreamStocks"/> streams;
/// the service also broadcasts the market clock to every client through <see cref="IHubContext{THub}"/>.
/// </summary>
public sealed class StockTickerService(StockMarket market, IHubContext<StockTickerHub> hub, IOptions<StockTickerOptions> options)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(Math.Max(10, options.Value.IntervalMs)));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                market.Move();
                await hub.Clients.All.SendAsync("MarketTick", market.Tick, DateTimeOffset.UtcNow, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
