// Live updates: one websocket per page, reconnecting with backoff. Pages listen for
// "console:live" events on document; the sidebar shows whether the socket is up.
//
// Server-rendered parts of a page follow the live stream declaratively: an element with
// data-live="job:<id>", "entry:<id>" or "workspace" and hx-get + hx-trigger="live" is sent the
// htmx event "live" whenever a message about that job / entry / workspace arrives, and it
// fetches its fragment again (hx-sync="this:queue last" keeps one request in flight and one
// queued, so bursts coalesce and nothing is missed). Each time the socket opens, the first time
// included, every such element re-syncs: messages sent before it was up are lost, whether it
// was down or the page had not connected yet (a quick job ends before its page connects).
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

  function matches(topic, message) {
    if (topic === "workspace") return true;
    const job = message.job || {};
    const [kind, id] = topic.split(":");
    if (kind === "job") return job.id === id;
    if (kind === "entry") return job.silo_entry_id === id || message.entry_id === id;
    return false;
  }

  function refresh(message) {
    document.querySelectorAll("[data-live]").forEach((el) => {
      if (!message || matches(el.dataset.live, message)) htmx.trigger(el, "live", { message });
    });
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + url);
    socket.onopen = () => {
      delay = 500;
      show(true);
      refresh(null); // what changed since the page (or the last socket) saw it
    };
    socket.onmessage = (msg) => {
      const message = JSON.parse(msg.data);
      document.dispatchEvent(new CustomEvent("console:live", { detail: message }));
      if (message.type !== "hello") refresh(message);
    };
    socket.onclose = () => {
      show(false);
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    };
  }
  connect();
})();
