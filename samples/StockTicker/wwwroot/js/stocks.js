"use strict";

(() => {
  const status = document.getElementById("status");
  const table = document.getElementById("stocks");
  const tick = document.getElementById("tick");
  const receivedLabel = document.getElementById("received");
  const rows = new Map();
  let received = 0;
  let subscription = null;

  function setStatus(text, cssClass) {
    status.textContent = text;
    status.className = "status " + cssClass;
  }

  function show(stock) {
    let row = rows.get(stock.symbol);
    if (!row) {
      row = document.createElement("tr");
      row.dataset.testid = "stock-" + stock.symbol;
      for (const name of ["symbol", "price", "change"]) {
        const cell = document.createElement("td");
        cell.className = name;
        row.append(cell);
      }
      rows.set(stock.symbol, row);
      table.append(row);
    }
    const [symbol, price, change] = row.children;
    symbol.textContent = stock.symbol;
    price.textContent = stock.price.toFixed(2);
    change.textContent = (stock.change > 0 ? "+" : "") + stock.change.toFixed(2);
    change.className = "change " + (stock.change > 0 ? "up" : stock.change < 0 ? "down" : "");
  }

  const connection = new signalR.HubConnectionBuilder()
    .withUrl("/stocks")
    .withAutomaticReconnect()
    .configureLogging(signalR.LogLevel.Warning)
    .build();

  // Broadcast from the background service through IHubContext.
  connection.on("MarketTick", (n) => { tick.textContent = String(n); });

  async function subscribe() {
    for (const stock of await connection.invoke("GetAllStocks")) show(stock);
    subscription?.dispose();
    // Server-to-client stream: one item per quote.
    subscription = connection.stream("StreamStocks").subscribe({
      next: (stock) => {
        show(stock);
        receivedLabel.textContent = String(++received);
      },
      complete: () => {},
      error: (err) => console.warn("price stream ended", err),
    });
    setStatus("connected", "connected");
  }

  connection.onreconnecting(() => setStatus("reconnecting…", "connecting"));
  connection.onreconnected(() => subscribe());
  connection.onclose(() => setStatus("disconnected", "disconnected"));

  (async function start() {
    try {
      await connection.start();
      await subscribe();
    } catch (err) {
      console.warn(err);
      setStatus("disconnected", "disconnected");
      setTimeout(start, 2000);
    }
  })();
})();
