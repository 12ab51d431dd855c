// The workflow editor's few client-side behaviours. Everything that changes the workflow is a
// server round trip (htmx); this file only turns gestures into those requests.
(function () {
  const editor = () => document.getElementById("editor");

  // Drag and drop: a card onto a drop zone posts a move; the server answers with the editor.
  let dragged = null;
  document.addEventListener("dragstart", (event) => {
    const card = event.target.closest && event.target.closest(".step[draggable=true]");
    if (!card) return;
    dragged = card.dataset.pointer;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged);
    card.classList.add("dragging");
    editor().classList.add("is-dragging");
  });
  document.addEventListener("dragend", () => {
    dragged = null;
    document.querySelectorAll(".dragging, .over").forEach((el) => el.classList.remove("dragging", "over"));
    if (editor()) editor().classList.remove("is-dragging");
  });
  const zoneOf = (event) => event.target.closest && event.target.closest(".drop");
  document.addEventListener("dragover", (event) => {
    const zone = zoneOf(event);
    if (!zone || !dragged || insideDragged(zone)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    zone.classList.add("over");
  });
  document.addEventListener("dragleave", (event) => {
    const zone = zoneOf(event);
    if (zone) zone.classList.remove("over");
  });
  document.addEventListener("drop", (event) => {
    const zone = zoneOf(event);
    if (!zone || !dragged) return;
    event.preventDefault();
    const values = { step: dragged, container: zone.dataset.container, index: zone.dataset.index };
    const rescue = document.getElementById("editor-state");
    if (rescue) values.rescue_open = rescue.value;
    htmx.ajax("POST", editor().dataset.moveUrl, { target: "#editor", swap: "outerHTML", values });
  });
  // A step cannot be dropped into its own conditions.
  function insideDragged(zone) {
    const container = zone.dataset.container;
    return container === dragged || container.startsWith(dragged + "/");
  }

  // The action picker's search box filters the list as you type.
  document.addEventListener("input", (event) => {
    const box = event.target;
    if (!box.matches || !box.matches("[data-filter]")) return;
    const words = box.value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    document.querySelectorAll(box.dataset.filter).forEach((item) => {
      const hit = words.every((w) => item.dataset.search.includes(w));
      item.hidden = !hit;
      if (hit) shown += 1;
    });
    document.querySelectorAll("[data-group]").forEach((group) => {
      group.hidden = !group.querySelector(".action:not([hidden])");
    });
    const none = document.querySelector(".picker-empty");
    if (none) none.hidden = shown > 0;
  });

  // Enter in the picker's search adds the first action it shows.
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || !event.target.matches || !event.target.matches("#action-search")) return;
    event.preventDefault();
    const first = document.querySelector(".picker .action:not([hidden])");
    if (first && !first.closest("[hidden]")) first.click();
  });

  // Copy the JSON of developer mode.
  document.addEventListener("click", async (event) => {
    const button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) return;
    const text = document.querySelector(button.dataset.copy).value;
    try {
      await navigator.clipboard.writeText(text);
    } catch (error) {
      document.querySelector(button.dataset.copy).select();
      document.execCommand("copy");
    }
    button.classList.add("copied");
    button.lastChild.textContent = " Copied";
  });

  // Close an open step menu when clicking elsewhere.
  document.addEventListener("click", (event) => {
    document.querySelectorAll(".step-menu[open]").forEach((menu) => {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });

  // Ctrl/Cmd+Z outside a text field undoes the last change (on the server).
  document.addEventListener("keydown", (event) => {
    if (!(event.ctrlKey || event.metaKey) || event.key.toLowerCase() !== "z" || event.shiftKey) return;
    if (event.target.closest("input, textarea, select, [contenteditable]")) return;
    const undo = document.getElementById("undo");
    if (undo && !undo.disabled) {
      event.preventDefault();
      undo.click();
    }
  });

  // Leaving with unsaved changes asks first.
  window.addEventListener("beforeunload", (event) => {
    const root = editor();
    if (root && root.dataset.dirty === "true") {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // After a swap, bring the part the server asked for into view and focus.
  document.addEventListener("htmx:afterSettle", () => {
    const selected = document.querySelector(".step.selected");
    if (selected) selected.scrollIntoView({ block: "nearest" });
    const search = document.getElementById("action-search");
    if (search) search.focus();
    const asked = document.querySelector("[data-focus]");
    if (asked) {
      asked.scrollIntoView({ block: "center" });
      asked.focus();
    }
  });
})();
