/*
 * The desire board, live (templates/desires.html only; needs desire_items.js loaded before it):
 * a heat map of clusters (one button per cluster, sized by its number of asks and coloured by
 * its heat), a panel with the chosen cluster's asks, the newest asks and the ask form through
 * the API.
 *
 * Realtime (room `desires`, joined by desire_items.js): desire:created adds to the newest asks,
 * cluster:heat grows, adds, recolours or removes bubbles (size 0 = merged or emptied).
 * Everything from data is set as text (Fractafrag.el / textContent), never as HTML.
 */
(function () {
  "use strict";

  const F = window.Fractafrag;
  const D = window.FractafragDesires;
  const board = document.querySelector("[data-role=board]");
  if (!F || !D || !board) return;
  const el = F.el;
  const { loginUrl, desireItem, enhance } = D;
  const dataNode = document.getElementById("desires-data");
  const initial = dataNode ? JSON.parse(dataNode.textContent) : {};
  const NEWEST_MAX = 60;

  function plural(n, word) {
    return n + " " + word + (n === 1 ? "" : "s");
  }

  // Dollars typed by a person as cents: [cents, null] or [null, message].
  function parseBounty(text) {
    const clean = String(text || "").trim().replace(/^\$/, "").replace(/,/g, "").trim();
    if (!clean) return [0, null];
    if (!/^\d+(\.\d{1,2})?$/.test(clean)) {
      return [null, "Enter an amount in dollars with at most two decimals, like 5 or 2.50."];
    }
    const [whole, frac] = clean.split(".");
    const cents = Number(whole) * 100 + Number((frac || "").padEnd(2, "0") || 0);
    if (cents > 1000000) return [null, "A bounty is at most $10,000."];
    return [cents, null];
  }

  // ---------------------------------------------------------------- heat map

  const map = board.querySelector("[data-role=heatmap]");
  const panel = board.querySelector("[data-role=cluster-panel]");
  const clusters = new Map(); // id -> {id, label, size, heat, node}
  let openId = null;

  // cool blue → violet → accent orange → white-hot
  const STOPS = [[0, [38, 74, 168]], [0.45, [128, 72, 178]], [0.78, [255, 122, 69]],
                 [1, [255, 240, 214]]];
  function heatColour(t) {
    t = Math.max(0, Math.min(1, t));
    for (let i = 1; i < STOPS.length; i++) {
      const [t1, c1] = STOPS[i];
      const [t0, c0] = STOPS[i - 1];
      if (t <= t1) {
        const f = (t - t0) / (t1 - t0);
        return c0.map((v, k) => Math.round(v + (c1[k] - v) * f));
      }
    }
    return STOPS[STOPS.length - 1][1];
  }

  function heatScale() {
    let max = 10; // one fresh ask (heat 1) stays cool until many people want something
    for (const c of clusters.values()) max = Math.max(max, c.heat);
    return Math.log1p(max);
  }

  function diameter(size) {
    const width = map ? map.clientWidth || 600 : 600;
    const max = Math.max(110, Math.min(210, width * 0.44));
    return Math.round(Math.max(78, Math.min(max, 50 + 36 * Math.sqrt(Math.max(size, 1)))));
  }

  function paint(c, scale) {
    const node = c.node;
    const t = Math.log1p(Math.max(c.heat, 0)) / scale;
    const [r, g, b] = heatColour(t);
    const d = diameter(c.size);
    node.style.width = d + "px";
    node.style.height = d + "px";
    node.style.fontSize = Math.max(10, Math.min(15, d / 10)) + "px";
    node.style.backgroundColor = "rgb(" + r + "," + g + "," + b + ")";
    node.style.boxShadow = "0 0 " + Math.round(6 + 34 * t) + "px rgba(255,122,69," +
      (0.15 + 0.55 * t).toFixed(2) + ")";
    node.style.color = t > 0.86 ? "#1a1010" : "#fff";
    node.dataset.size = String(c.size);
    node.dataset.heat = String(c.heat);
    node.querySelector(".bubble-label").textContent = c.label;
    node.querySelector(".bubble-size").textContent = plural(c.size, "ask");
    node.setAttribute("aria-label", c.label + ": " + plural(c.size, "ask") + ", heat " +
                      c.heat.toFixed(1));
    node.title = c.label + " · heat " + c.heat.toFixed(1);
  }

  function paintAll() {
    const scale = heatScale();
    for (const c of clusters.values()) paint(c, scale);
    const empty = map.querySelector("[data-role=map-empty]");
    if (empty) empty.hidden = clusters.size > 0;
  }

  function bubble(c) {
    const node = el("button", { type: "button", class: "bubble entering",
                                "data-cluster-id": String(c.id), "aria-pressed": "false" },
      el("span", { class: "bubble-label" }, c.label),
      el("span", { class: "bubble-size" }, plural(c.size, "ask")));
    node.addEventListener("click", () => openCluster(c.id));
    return node;
  }

  function addCluster(data) {
    const c = { id: Number(data.id), label: data.label || "", size: data.size,
                heat: Number(data.heat) || 0 };
    c.node = bubble(c);
    // Insert by heat; existing bubbles keep their places (no jumping under the pointer).
    const after = [...clusters.values()].find((other) => other.heat < c.heat);
    map.insertBefore(c.node, after ? after.node : map.querySelector("[data-role=map-empty]"));
    clusters.set(c.id, c);
    void c.node.offsetWidth; // lay it out small first, so that growing in is animated
    c.node.classList.remove("entering");
    return c;
  }

  function removeCluster(id) {
    const c = clusters.get(id);
    if (!c) return;
    clusters.delete(id);
    c.node.classList.add("leaving");
    c.node.disabled = true;
    setTimeout(() => c.node.remove(), 600);
  }

  function pulse(node) {
    node.classList.remove("pulse");
    void node.offsetWidth;
    node.classList.add("pulse");
  }

  function onClusterHeat(data) {
    const id = Number(data.cluster_id);
    if (!data.size) {
      const wasOpen = openId === id;
      removeCluster(id);
      paintAll();
      if (wasOpen) {
        if (data.merged_into && clusters.has(Number(data.merged_into))) {
          openCluster(Number(data.merged_into));
        } else {
          openFirst();
        }
      }
      return;
    }
    let c = clusters.get(id);
    const grew = !c || data.size > c.size;
    if (c) {
      c.size = data.size;
      c.heat = Number(data.heat) || 0;
      if (data.label) c.label = data.label;
    } else {
      c = addCluster({ id, label: data.label, size: data.size, heat: data.heat });
    }
    paintAll();
    pulse(c.node);
    if (openId === null) openCluster(id);
    else if (openId === id) {
      showPanelHead(c);
      if (grew) refreshPanel(id);
    }
  }

  // ---------------------------------------------------------------- cluster panel

  function showPanelHead(c) {
    panel.querySelector("[data-role=panel-title]").textContent = c.label;
    panel.querySelector("[data-role=panel-meta]").textContent =
      plural(c.size, "ask") + " · heat " + c.heat.toFixed(1);
  }

  function fillPanel(desires, replace) {
    const list = panel.querySelector("[data-role=panel-desires]");
    if (replace) list.replaceChildren();
    const have = new Set([...list.children].map((li) => li.dataset.desireId));
    const fresh = desires.filter((d) => !have.has(String(d.id)));
    if (replace) list.append(...fresh.map(desireItem));
    else list.prepend(...fresh.map(desireItem));
    F.refreshTimes(list);
  }

  async function refreshPanel(id) {
    const result = await F.api("GET", "/desires/clusters/" + id + ".json");
    if (openId !== id) return;
    if (!result.ok) {
      if (result.status !== 404) F.toast(F.errorText(result), "error");
      return;
    }
    const c = clusters.get(id);
    if (c) {
      c.label = result.data.label;
      c.size = result.data.size;
      c.heat = result.data.heat;
      showPanelHead(c);
    }
    fillPanel(result.data.desires || [], false);
  }

  function openCluster(id, desires) {
    const c = clusters.get(id);
    if (!c) return;
    const changed = openId !== id;
    openId = id;
    for (const other of clusters.values()) {
      other.node.setAttribute("aria-pressed", String(other.id === id));
    }
    panel.hidden = false;
    showPanelHead(c);
    if (changed) fillPanel(desires || [], true);
    if (!desires) refreshPanel(id);
  }

  function openFirst() {
    const first = clusters.values().next().value;
    if (first) {
      openCluster(first.id);
    } else {
      openId = null;
      panel.hidden = true;
      panel.querySelector("[data-role=panel-desires]").replaceChildren();
    }
  }

  // ---------------------------------------------------------------- newest asks

  const newest = board.querySelector("[data-role=newest]");
  const pending = new Set();

  function addNewest(desire) {
    if (!newest || newest.querySelector('[data-desire-id="' + Number(desire.id) + '"]')) return;
    const item = desireItem(desire);
    item.classList.add("fresh");
    newest.prepend(item);
    const empty = board.querySelector("[data-role=no-desires]");
    if (empty) empty.remove();
    while (newest.children.length > NEWEST_MAX) newest.lastElementChild.remove();
  }

  async function onDesireCreated(data) {
    const id = Number(data.desire_id);
    if (!newest || pending.has(id) || newest.querySelector('[data-desire-id="' + id + '"]')) return;
    pending.add(id);
    const result = await F.api("GET", "/api/v1/desires/" + id);
    pending.delete(id);
    addNewest(result.ok ? result.data : {
      id, prompt: data.prompt, bounty_cents: data.bounty_cents, cluster_id: data.cluster_id,
      created_at: data.created_at, status: "open", author: null,
    });
  }

  // ---------------------------------------------------------------- the ask form

  function setupForm() {
    const form = board.querySelector("[data-role=ask-form]");
    if (!form) return;
    const fields = { prompt: form.elements.prompt, bounty: form.elements.bounty };
    function showError(name, message) {
      const slot = form.querySelector('[data-error-for="' + name + '"]');
      if (slot) slot.textContent = message || "";
      if (fields[name]) {
        if (message) fields[name].setAttribute("aria-invalid", "true");
        else fields[name].removeAttribute("aria-invalid");
      }
    }
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      showError("prompt", "");
      showError("bounty", "");
      const prompt = fields.prompt.value.trim();
      const [cents, bountyError] = parseBounty(fields.bounty.value);
      let bad = null;
      if (prompt.length < 3 || prompt.length > 500) {
        showError("prompt", "Length must be between 3 and 500.");
        bad = bad || fields.prompt;
      }
      if (bountyError) {
        showError("bounty", bountyError);
        bad = bad || fields.bounty;
      }
      if (bad) { bad.focus(); return; }
      const submit = form.querySelector("button[type=submit]");
      submit.disabled = true;
      const result = await F.api("POST", "/api/v1/desires", { prompt, bounty_cents: cents });
      submit.disabled = false;
      if (result.ok) {
        form.reset();
        addNewest(result.data);
        F.toast("Your desire is on the board.", "ok");
        return;
      }
      if (result.status === 401) { location.href = loginUrl(); return; }
      const errors = (result.data && result.data.errors && result.data.errors.json) || {};
      let shown = false;
      for (const [field, messages] of Object.entries(errors)) {
        const name = field === "bounty_cents" ? "bounty" : field;
        if (fields[name]) {
          showError(name, [].concat(messages).join(" "));
          if (!shown) fields[name].focus();
          shown = true;
        }
      }
      if (!shown) F.toast(F.errorText(result), "error");
    });
  }

  // ---------------------------------------------------------------- start

  for (const item of document.querySelectorAll("[data-role=newest] [data-desire-id]")) {
    enhance(item);
  }

  if (map && panel) {
    const staticList = board.querySelector("[data-role=cluster-list]");
    if (staticList) staticList.remove();
    map.hidden = false;
    const legend = board.querySelector("[data-role=legend]");
    if (legend) legend.hidden = false;
    map.append(el("p", { class: "empty", "data-role": "map-empty" },
                  "No clusters yet: new asks are grouped within moments."));
    for (const c of initial.clusters || []) addCluster(c);
    paintAll();
    const first = (initial.clusters || [])[0];
    if (first) openCluster(first.id, first.desires || []);
    else openFirst();
    setupForm();
    let resizeTimer = null;
    window.addEventListener("resize", () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(paintAll, 150);
    });
  }

  F.subscribe("desires", {
    "desire:created": (data) => onDesireCreated(data),
    "cluster:heat": (data) => { if (map) onClusterHeat(data); },
  });
})();
