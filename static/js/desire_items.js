/*
 * A desire as an item, on the board and on a desire's own page: the shared helpers, the item
 * markup (the desire_item macro of templates/desires.html), its fulfil and offers buttons
 * (offering one of your shaders, accepting an offer), showing it fulfilled, and the live
 * indicator with the page's place in the realtime room `desires`.
 *
 * Loaded by templates/desires.html (before desire_board.js) and templates/desire.html (alone).
 * Pledging a bounty is a plain form (no script): the server sends the pledger on to Stripe's
 * hosted Checkout.
 *
 * Realtime (room `desires`, through the one Socket.IO client of site.js): desire:fulfilled marks
 * every item of that desire done (on the detail page also removing the offer and pledge forms).
 * The board's own events (desire:created, cluster:heat) are handled by desire_board.js.
 *
 * window.FractafragDesires = {loginUrl, desireItem, enhance}: what desire_board.js builds on.
 * Everything from data is set as text (Fractafrag.el / textContent), never as HTML.
 */
(function () {
  "use strict";

  const F = window.Fractafrag;
  if (!F) return;
  const el = F.el;
  const viewer = F.user;
  const board = document.querySelector("[data-role=board]");
  const detail = document.querySelector(".desire-detail[data-desire-id]");

  function dollars(cents) {
    cents = cents || 0;
    const whole = Math.floor(cents / 100);
    const rest = cents % 100;
    const text = "$" + whole.toLocaleString("en-US");
    return rest ? text + "." + String(rest).padStart(2, "0") : text;
  }

  function loginUrl() {
    return "/login?next=" + encodeURIComponent(location.pathname);
  }

  function itemsOf(desireId) {
    return document.querySelectorAll('[data-desire-id="' + Number(desireId) + '"]');
  }

  // ---------------------------------------------------------------- desire items

  // The same markup as the desire_item macro of templates/desires.html.
  function desireItem(d) {
    const author = d.author || null;
    const created = d.created_at || new Date().toISOString();
    const item = el("li", {
      class: "desire", id: "desire-" + d.id,
      dataset: { desireId: String(d.id), status: d.status || "open",
                 authorId: author ? String(author.id) : "", author: author ? author.username : "" },
    },
    el("p", { class: "prompt" }, el("a", { href: "/desires/" + d.id }, d.prompt)),
    el("p", { class: "meta" },
      d.bounty_cents ? el("span", { class: "bounty" }, dollars(d.bounty_cents) + " bounty") : null,
      author ? el("span", {}, "by ", el("a", { href: "/u/" + encodeURIComponent(author.username) },
                                         author.username)) : null,
      el("time", { datetime: created, "data-ago": true }, F.timeAgo(created)),
      el("span", { class: "status " + (d.status || "open"), "data-role": "status" },
         d.status || "open")),
    el("div", { class: "desire-actions", "data-role": "actions" }));
    if (d.cluster_id) item.dataset.clusterId = String(d.cluster_id);
    enhance(item);
    if (d.status === "fulfilled" && d.fulfilled_by) showFulfilled(item, d.fulfilled_by);
    return item;
  }

  // Replace the no-JS link with the fulfil and offers buttons.
  function enhance(item) {
    const actions = item.querySelector("[data-role=actions]");
    if (!actions || actions.dataset.enhanced) return;
    actions.dataset.enhanced = "1";
    actions.replaceChildren();
    const id = item.dataset.desireId;
    const buttons = el("div", { class: "buttons" });
    if (item.dataset.status === "open") {
      buttons.append(el("button", {
        type: "button", class: "button small primary", "data-action": "fulfil",
        "aria-expanded": "false", "aria-controls": "picker-" + uid(item),
      }, "Fulfil with a shader"));
    }
    buttons.append(el("button", {
      type: "button", class: "button small", "data-action": "offers",
      "aria-expanded": "false", "aria-controls": "offers-" + uid(item),
    }, "Offers"));
    buttons.append(el("a", { class: "more", href: "/new?desire=" + id, "data-action": "generate" },
                      "Write one"));
    buttons.append(el("a", { class: "more", href: "/desires/" + id }, "Details"));
    actions.append(buttons,
      el("div", { class: "picker", "data-role": "picker", id: "picker-" + uid(item), hidden: true }),
      el("div", { class: "offers-box", "data-role": "offers", id: "offers-" + uid(item),
                  hidden: true }));
  }

  let uidCounter = 0;
  function uid(item) {
    if (!item.dataset.uid) item.dataset.uid = String(++uidCounter);
    return item.dataset.uid;
  }

  function showFulfilled(item, shaderId) {
    item.dataset.status = "fulfilled";
    const status = item.querySelector("[data-role=status]");
    if (status) {
      status.textContent = "fulfilled";
      status.className = "status fulfilled";
    }
    for (const node of item.querySelectorAll("[data-action=fulfil], [data-role=picker]")) {
      node.remove();
    }
    for (const form of item.querySelectorAll("form.inline")) form.remove();
    let note = item.querySelector("[data-role=fulfilled-by]");
    if (!note) {
      note = el("p", { class: "fulfilled-by", "data-role": "fulfilled-by" });
      const actions = item.querySelector("[data-role=actions]");
      (actions || item).prepend(note);
    }
    if (!shaderId) return;
    const link = el("a", { href: "/shaders/" + Number(shaderId) }, "shader #" + Number(shaderId));
    note.replaceChildren("Fulfilled by ", link, ".");
    shaderTitle(shaderId).then((title) => { if (title) link.textContent = title; });
  }

  function markFulfilled(desireId, shaderId) {
    for (const item of itemsOf(desireId)) {
      if (item.dataset.status === "fulfilled" && item.querySelector("[data-role=fulfilled-by] a")) {
        continue;
      }
      showFulfilled(item, shaderId);
      const box = item.querySelector("[data-role=offers]");
      if (box && !box.hidden) loadOffers(item, box);
    }
    if (detail && Number(detail.dataset.desireId) === Number(desireId)) {
      for (const form of document.querySelectorAll(".offers form.inline")) form.remove();
      for (const section of document.querySelectorAll(".offer-section, .pledge-section")) {
        section.remove();
      }
    }
  }

  // ---------------------------------------------------------------- shaders and offers

  const titles = new Map();
  function shaderTitle(shaderId) {
    if (!titles.has(shaderId)) {
      titles.set(shaderId, F.api("GET", "/api/v1/shaders/" + Number(shaderId))
        .then((r) => (r.ok ? r.data : null)));
    }
    return titles.get(shaderId).then((s) => (s ? s.title : null));
  }

  let myShaders = null;
  function loadMyShaders() {
    if (!myShaders) {
      const path = "/api/v1/shaders?sort=new&page_size=100&author=" +
        encodeURIComponent(viewer.username);
      myShaders = F.api("GET", path).then((r) => {
        if (!r.ok) { myShaders = null; throw new Error(F.errorText(r)); }
        return (r.data || []).filter((s) => s.visibility === "public" || s.visibility === "unlisted");
      });
    }
    return myShaders;
  }

  function toggle(button, box) {
    const open = box.hidden;
    box.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    return open;
  }

  async function openPicker(item, box) {
    if (!viewer) {
      box.replaceChildren(el("p", {}, el("a", { href: loginUrl() }, "Sign in"),
                                 " to offer one of your shaders."));
      return;
    }
    box.replaceChildren(el("p", { class: "hint" }, "Loading your shaders…"));
    let list;
    try {
      list = await loadMyShaders();
    } catch (error) {
      box.replaceChildren(el("p", { class: "field-error" }, error.message));
      return;
    }
    if (!list.length) {
      box.replaceChildren(el("p", {}, "You have no public or unlisted shaders to offer yet. ",
                                 el("a", { href: "/new" }, "Write one"), "."));
      return;
    }
    const selectId = "offer-select-" + uid(item);
    const select = el("select", { id: selectId, "data-role": "shader-select" },
      list.map((s) => el("option", { value: String(s.id) },
                         s.title + (s.visibility === "unlisted" ? " (unlisted)" : ""))));
    const message = el("p", { class: "field-error", "data-role": "offer-error",
                              "aria-live": "polite" });
    const submit = el("button", { type: "button", class: "button small primary",
                                  "data-action": "offer" }, "Offer");
    submit.addEventListener("click", async () => {
      submit.disabled = true;
      message.textContent = "";
      const result = await F.api("POST", "/api/v1/desires/" + item.dataset.desireId + "/fulfill",
                                 { shader_id: Number(select.value) });
      submit.disabled = false;
      if (!result.ok) {
        if (result.status === 401) { location.href = loginUrl(); return; }
        message.textContent = F.errorText(result);
        return;
      }
      const chosen = select.options[select.selectedIndex].textContent;
      box.replaceChildren(el("p", { class: "ok", "data-role": "offered" },
                             "Offered “" + chosen + "”. The asker can accept it."));
      const offers = item.querySelector("[data-role=offers]");
      if (offers && !offers.hidden) loadOffers(item, offers);
    });
    box.replaceChildren(el("label", { for: selectId }, "Your shader"),
                        el("div", { class: "picker-row" }, select, submit), message);
    select.focus();
  }

  async function loadOffers(item, box) {
    const id = item.dataset.desireId;
    box.replaceChildren(el("p", { class: "hint" }, "Loading offers…"));
    const result = await F.api("GET", "/api/v1/desires/" + id + "/offers");
    if (!result.ok) {
      box.replaceChildren(el("p", { class: "field-error" }, F.errorText(result)));
      return;
    }
    const offers = result.data || [];
    const button = item.querySelector("[data-action=offers]");
    if (button) button.textContent = "Offers (" + offers.length + ")";
    if (!offers.length) {
      box.replaceChildren(el("p", { class: "hint" }, "No offers yet."));
      return;
    }
    const shaders = await Promise.all(offers.map((o) => {
      if (!titles.has(o.shader_id)) shaderTitle(o.shader_id);
      return titles.get(o.shader_id);
    }));
    const isAsker = viewer && String(viewer.id) === item.dataset.authorId;
    const list = el("ul", { class: "offers" });
    offers.forEach((offer, index) => {
      const shader = shaders[index];
      const row = el("li", { class: "offer", dataset: { offerId: String(offer.id),
                                                        offerStatus: offer.status } },
        shader
          ? el("a", { href: "/shaders/" + shader.id }, shader.title)
          : el("span", {}, "Shader #" + offer.shader_id + " (not available)"),
        shader && shader.author ? el("span", { class: "by" }, "by " + shader.author.username) : null,
        el("span", { class: "status " + offer.status }, offer.status));
      if (isAsker && item.dataset.status === "open" && offer.status === "offered") {
        const accept = el("button", { type: "button", class: "button small primary",
                                      "data-action": "accept" }, "Accept");
        accept.addEventListener("click", async () => {
          accept.disabled = true;
          const answer = await F.api("POST", "/api/v1/desires/" + id + "/offers/" + offer.id +
                                     "/accept");
          if (!answer.ok) {
            accept.disabled = false;
            F.toast(F.errorText(answer), "error");
            return;
          }
          F.toast("Accepted: your desire is fulfilled.", "ok");
          markFulfilled(id, offer.shader_id);
          loadOffers(item, box);
        });
        row.append(accept);
      }
      list.append(row);
    });
    box.replaceChildren(list);
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-action=fulfil], [data-action=offers]");
    if (!button) return;
    const item = button.closest("[data-desire-id]");
    if (!item) return;
    if (button.dataset.action === "fulfil") {
      const box = item.querySelector("[data-role=picker]");
      if (box && toggle(button, box)) openPicker(item, box);
    } else {
      const box = item.querySelector("[data-role=offers]");
      if (box && toggle(button, box)) loadOffers(item, box);
    }
  });

  // ---------------------------------------------------------------- live indicator and realtime

  function setLive(state) {
    const root = board || document.body;
    root.dataset.live = state;
    const dot = document.querySelector("[data-role=live]");
    if (dot) {
      dot.hidden = false;
      dot.textContent = { ready: "live", connecting: "connecting…" }[state] || "reconnecting…";
    }
  }

  window.FractafragDesires = { loginUrl, desireItem, enhance };

  if (board) setLive("connecting");
  F.subscribe("desires", {
    "desire:fulfilled": (data) => markFulfilled(data.desire_id, data.shader_id),
  });
  const socket = F.connect && F.connect();
  if (socket) {
    const join = () => socket.emit("subscribe", { room: "desires" }, (ack) => {
      if (ack && ack.ok) setLive("ready");
    });
    socket.on("connect", join);
    socket.on("disconnect", () => setLive("down"));
    if (socket.connected) join();
  }
})();
