using System.Threading.Channels;

namespace StockTicker;

/// <summary>
/// The prices and the subscribers of the price stream. <see cref="StockTickerService"/> moves the prices; every
/// <see cref="StockTickerHub.StreamStocks"/> call subscribes a channel that receives each new quote.
/// </summary>
public sealed class StockMarket
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Stock> _stocks = new(StringComparer.Ordinal)
    {
        ["MSFT"] = new("MSFT", 430.10m, 0m, 0),
        ["AAPL"] = new("AAPL", 227.50m, 0m, 0),
        ["GOOG"] = new("GOOG", 168.25m, 0m, 0),
        ["AMZN"] = new("AMZN", 186.40m, 0m, 0),
    };

    private readonly List<ChannelWriter<Stock>> _subscribers = [];
    private long _tick;

    public long Tick => Interlocked.Read(ref _tick);

    public IReadOnlyList<Stock> Snapshot()
    {
        lock (_lock)
        {
            return [.. _stocks.Values];
        }
    }

    /// <summary>
    /// A reader of every quote from now on, until <paramref name="cancellationToken"/> fires (the client cancels the
    /// stream or disconnects). A slow subscriber loses its oldest quotes instead of holding the market up.
    /// </summary>
    public ChannelReader<Stock> Subscribe(CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<Stock>(new BoundedChannelOptions(64)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        lock (_lock)
        {
            _subscribers.Add(channel.Writer);
        }

        cancellationToken.Register(() =>
        {
            lock (_lock)
            {
                _subscribers.Remove(channel.Writer);
            }

            channel.Writer.TryComplete();
        });
        return channel.Reader;
    }

    /// <summary>Moves every price by a small random step and publishes the new quotes.</summary>
    public IReadOnlyList<Stock> Move()
    {
        var tick = Interlocked.Increment(ref _tick);
        lock (_lock)
        {
            var moved = new List<Stock>(_stocks.Count);
            foreach (var stock in _stocks.Values.ToList())
            {
                var change = Math.Round(stock.Price * (decimal)(Random.Shared.NextDouble() - 0.5) * 0.02m, 2);
                if (change == 0)
                {
                    change = 0.01m;
                }

                var next = stock with { Price = Math.Max(0.01m, stock.Price + change), Change = change, Tick = tick };
                _stocks[stock.Symbol] = next;
                moved.Add(next);
            }

            foreach (var subscriber in _subscribers)
            {
                foreach (var stock in moved)
                {
                    subscriber.TryWrite(stock);
                }
            }

            return moved;
        }
    }
}
