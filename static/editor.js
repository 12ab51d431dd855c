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

  // The editor is swapped whole after every edit: remember what had the focus, to give it
  // back (by id, else the selected card), instead of leaving it on <body>.
  let focused = null;
  document.addEventListener("htmx:beforeRequest", () => {
    const active = document.activeElement;
    if (!active || active === document.body) return;
    focused = { id: active.id, card: Boolean(active.closest(".step")), menu: Boolean(active.closest(".menu")) };
  });
  function giveFocusBack() {
    const was = focused;
    focused = null;
    if (!was || (document.activeElement && document.activeElement !== document.body)) return;
    const byId = was.id && !was.menu ? document.getElementById(was.id) : null;
    const card = document.querySelector(".step.selected .step-main");
    const target = (byId && !byId.disabled && byId) || card || document.getElementById("editor");
    if (!target) return;
    if (!target.hasAttribute("tabindex") && target.id === "editor") target.setAttribute("tabindex", "-1");
    target.focus({ preventScroll: true });
  }

  // After a swap, bring the part the server asked for into view and focus.
  document.addEventListener("htmx:afterSettle", () => {
    const selected = document.querySelector(".step.selected");
    if (selected) selected.scrollIntoView({ block: "nearest" });
    const search = document.getElementById("action-search");
    const asked = document.querySelector("[data-focus]");
    if (asked) {
      asked.scrollIntoView({ block: "center" });
      asked.focus();
    } else if (search) {
      search.focus();
    }
    giveFocusBack();
  });

  // Step menus: open upwards when there is no room below; the first item takes the focus;
  // arrows move between items; Escape closes the menu and gives the focus to its button.
  document.addEventListener("toggle", (event) => {
    const menu = event.target;
    if (!menu.matches || !menu.matches(".step-menu") || !menu.open) return;
    const list = menu.querySelector(".menu");
    list.classList.remove("up");
    const box = list.getBoundingClientRect();
    if (box.bottom > window.innerHeight && box.height < menu.getBoundingClientRect().top) list.classList.add("up");
    const first = list.querySelector("[role=menuitem]");
    if (first) first.focus();
  }, true);
  document.addEventListener("keydown", (event) => {
    const menu = document.querySelector(".step-menu[open]");
    if (!menu) return;
    if (event.key === "Escape") {
      event.preventDefault();
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
      return;
    }
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp" && event.key !== "Home" && event.key !== "End") return;
    const items = [...menu.querySelectorAll("[role=menuitem]")];
    if (!items.length) return;
    event.preventDefault();
    const at = items.indexOf(document.activeElement);
    let next = { Home: 0, End: items.length - 1 }[event.key];
    if (next === undefined) next = (at + (event.key === "ArrowDown" ? 1 : -1) + items.length) % items.length;
    items[next].focus();
  });

  // Escape in the action picker closes it.
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || document.querySelector(".step-menu[open]")) return;
    const close = document.querySelector(".ed-panel .panel-head [aria-label=Close]");
    if (close && document.getElementById("action-search")) {
      event.preventDefault();
      close.click();
    }
  });

  // Alt+Up/Down moves the selected step, as "Move up"/"Move down" in its menu do.
  document.addEventListener("keydown", (event) => {
    if (!event.altKey || (event.key !== "ArrowUp" && event.key !== "ArrowDown")) return;
    if (event.target.closest("input, textarea, select, [contenteditable]")) return;
    const selected = document.querySelector(".step.selected[draggable=true]");
    if (!selected) return;
    event.preventDefault();
    const direction = event.key === "ArrowUp" ? "up" : "down";
    const values = { step: selected.dataset.pointer, direction };
    const rescue = document.getElementById("editor-state");
    if (rescue) values.rescue_open = rescue.value;
    focused = { id: "", card: true, menu: false };
    htmx.ajax("POST", editor().dataset.nudgeUrl, { target: "#editor", swap: "outerHTML", values });
  });
})();
