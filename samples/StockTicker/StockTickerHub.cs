using System.Threading.Channels;
using SignalRLite;

namespace StockTicker;

public sealed class StockTickerHub(StockMarket market) : Hub
{
    public IReadOnlyList<Stock> GetAllStocks() => market.Snapshot();

    /// <summary>Server-to-client stream of every quote; ends when the client cancels or disconnects.</summary>
    public ChannelReader<Stock> StreamStocks(CancellationToken cancellationToken) => market.Subscribe(cancellationToken);
}
