// Live updates: one websocket per page, reconnecting with backoff. Pages listen for
// "console:live" events on document; the sidebar shows whether the socket is up.
(function () {
  const url = document.body.dataset.liveUrl;
  if (!url) return;
  const status = document.getElementById("live-status");
  let delay = 500;

  function show(connected) {
    if (!status) return;
    status.classList.toggle("on", connected);
    status.querySelector(".live-label").textContent = connected ? "live" : "offline";
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + url);
    socket.onopen = () => { delay = 500; show(true); };
    socket.onmessage = (msg) => {
      document.dispatchEvent(new CustomEvent("console:live", { detail: JSON.parse(msg.data) }));
    };
    socket.onclose = () => {
      show(false);
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    };
  }
  connect();
})();
