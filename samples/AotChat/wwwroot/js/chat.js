"use strict";

(() => {
  const status = document.getElementById("status");
  const form = document.getElementById("send-form");
  const userInput = document.getElementById("user");
  const messageInput = document.getElementById("message");
  const sendButton = document.getElementById("send");
  const list = document.getElementById("messages");

  userInput.value = localStorage.getItem("chat-user") || "";

  function setStatus(text, cssClass) {
    status.textContent = text;
    status.className = "status " + cssClass;
    sendButton.disabled = cssClass !== "connected";
  }

  const connection = new signalR.HubConnectionBuilder()
    .withUrl("/chat")
    .withAutomaticReconnect()
    .configureLogging(signalR.LogLevel.Warning)
    .build();

  connection.on("ReceiveMessage", (user, message) => {
    const item = document.createElement("li");
    const who = document.createElement("strong");
    who.textContent = user;
    item.append(who, document.createTextNode(": " + message));
    list.append(item);
    item.scrollIntoView({ block: "nearest" });
  });

  connection.onreconnecting(() => setStatus("reconnecting…", "connecting"));
  connection.onreconnected(() => setStatus("connected", "connected"));
  connection.onclose(() => setStatus("disconnected", "disconnected"));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const user = userInput.value.trim();
    const message = messageInput.value.trim();
    if (!user || !message) {
      return;
    }
    localStorage.setItem("chat-user", user);
    try {
      await connection.invoke("SendMessage", user, message);
      messageInput.value = "";
      messageInput.focus();
    } catch (err) {
      console.error(err);
      setStatus("send failed: " + err.message, "disconnected");
    }
  });

  async function start() {
    try {
      await connection.start();
      setStatus("connected", "connected");
    } catch (err) {
      console.error(err);
      setStatus("disconnected, retrying…", "disconnected");
      setTimeout(start, 2000);
    }
  }

  start();
})();
