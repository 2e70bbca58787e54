namespace StockTicker;

/// <summary>One quote, as sent to browsers.</summary>
public sealed record Stock(string Symbol, decimal Price, decimal Change, long Tick);
