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

  // A live refresh must not undo what the person did meanwhile: <details> that were on the
  // page keep the state the person gave them when the answer arrives (the request said
  // which were open when it left, but a click may have come since): open if open, closed if
  // closed by the person (data-shut). One the person never closed takes the server's state,
  // so a step that fails while watched opens by itself.
  let kept = null;
  document.addEventListener("htmx:beforeSwap", (event) => {
    const target = event.detail.target;
    if (!target.matches || !target.matches("[data-live]")) return;
    kept = new Map();
    target.querySelectorAll("details[id]").forEach((d) => {
      if (d.open) kept.set(d.id, true);
      else if ("shut" in d.dataset) kept.set(d.id, false);
    });
  });
  document.addEventListener("htmx:afterSwap", () => {
    if (!kept) return; // (looked up by id: an outerHTML swap replaced the target itself)
    kept.forEach((open, id) => {
      const details = document.getElementById(id);
      if (!details) return;
      details.open = open;
      if (!open) details.dataset.shut = "";
    });
    kept = null;
  });
})();

// The job page: a trace step the person closes (a click on its summary; Enter on it clicks
// too) is marked, so that the live refresh keeps it closed (a failed step otherwise opens by
// itself, see jobs/views.py job_context).
document.addEventListener("click", (event) => {
  const summary = event.target.closest && event.target.closest("details[data-intent] > summary");
  if (!summary) return;
  const step = summary.parentElement;
  if (step.open) step.dataset.shut = ""; // about to close
  else delete step.dataset.shut;
});

// A file drop zone ([data-dropzone] around a file input): shows the chosen file's name and
// marks itself while a file is dragged over it (the input, stretched over the zone, takes
// the drop itself).
document.addEventListener("change", (event) => {
  const zone = event.target.closest && event.target.closest("[data-dropzone]");
  if (!zone || event.target.type !== "file") return;
  const name = zone.querySelector(".drop-name");
  if (name) name.textContent = event.target.files.length ? event.target.files[0].name : "";
  zone.classList.remove("over");
});
["dragenter", "dragleave", "drop"].forEach((type) => {
  document.addEventListener(type, (event) => {
    const zone = event.target.closest && event.target.closest("[data-dropzone]");
    if (zone) zone.classList.toggle("over", type === "dragenter");
  });
});
