namespace SignalRLite.Tests.Browser;

/// <summary>Runs the built StockTicker sample (samples/StockTicker), with prices moving every 100 ms.</summary>
public sealed class StockTickerSampleServer() : SampleServer("StockTicker", "--StockTicker:IntervalMs", "100");
