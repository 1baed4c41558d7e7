/*
 * What every page shares: the API helper (cookies + CSRF header, one silent token renewal),
 * the one Socket.IO connection with room subscriptions that survive reconnects, DOM helpers
 * that only ever set text (never HTML from data), vote buttons and relative times.
 *
 *   Fractafrag.user                       {id, username} or null (from <body data-user-*>)
 *   await Fractafrag.api("POST", "/api/v1/shaders/3/vote", {value: 1})   -> {ok, status, data}
 *   Fractafrag.subscribe("feed", {"vote:updated": (data) => ...})
 *   Fractafrag.el("a", {href: "/u/ann", class: "author"}, "ann")
 */
(function () {
  "use strict";

  const body = document.body;
  const user = body.dataset.userId
    ? { id: Number(body.dataset.userId), username: body.dataset.username }
    : null;

  function cookie(name) {
    const match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : null;
  }

  async function send(method, path, payload, csrfCookie) {
    const headers = { Accept: "application/json" };
    const csrf = cookie(csrfCookie);
    if (csrf) headers["X-CSRF-TOKEN"] = csrf;
    const init = { method, headers, credentials: "same-origin" };
    if (payload !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(payload);
    }
    const response = await fetch(path, init);
    let data = null;
    const type = response.headers.get("Content-Type") || "";
    if (type.includes("json")) data = await response.json();
    return { ok: response.ok, status: response.status, data, headers: response.headers };
  }

  // Calls the API as the signed-in page user; an expired access cookie is renewed once.
  async function api(method, path, payload) {
    let result = await send(method, path, payload, "csrf_access_token");
    if (result.status === 401 && user && cookie("csrf_refresh_token")) {
      const renewed = await send("POST", "/api/v1/auth/refresh", undefined, "csrf_refresh_token");
      if (renewed.ok) result = await send(method, path, payload, "csrf_access_token");
    }
    return result;
  }

  // The error message an API answer carries, for showing to the person.
  function errorText(result) {
    if (!result || !result.data) return "Something went wrong (" + (result && result.status) + ").";
    const data = result.data;
    const parts = [data.message || "Request failed."];
    const fields = (data.errors && (data.errors.json || data.errors.query)) || null;
    if (fields) {
      for (const [field, messages] of Object.entries(fields)) {
        parts.push(field + ": " + [].concat(messages).join(" "));
      }
    }
    return parts.join(" ");
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function timeAgo(iso) {
    const seconds = Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
    const steps = [[60, "s", 1], [3600, "min", 60], [86400, "h", 3600], [2592000, "d", 86400],
                   [31536000, "mo", 2592000], [Infinity, "y", 31536000]];
    for (const [limit, unit, size] of steps) {
      if (seconds < limit) return Math.floor(seconds / size) + " " + unit + " ago";
    }
    return "";
  }

  function refreshTimes(root) {
    for (const node of (root || document).querySelectorAll("time[data-ago]")) {
      node.textContent = timeAgo(node.getAttribute("datetime"));
    }
  }

  function toast(message, kind) {
    let box = document.querySelector("[data-role=toasts]");
    if (!box) {
      box = el("div", { class: "toasts", "data-role": "toasts", role: "status", "aria-live": "polite" });
      body.append(box);
    }
    const note = el("div", { class: "toast " + (kind || "info") }, message);
    box.append(note);
    setTimeout(() => note.remove(), 5000);
  }

  // ---- realtime: one connection per page, rooms re-joined after every reconnect ----
  let socket = null;
  const rooms = new Map(); // room -> [{event: handler}]

  function connect() {
    if (socket || typeof io === "undefined") return socket;
    socket = io({ transports: ["websocket", "polling"] });
    socket.on("connect", () => {
      body.dataset.socket = "connected";
      for (const room of rooms.keys()) socket.emit("subscribe", { room });
    });
    socket.on("disconnect", (reason) => {
      body.dataset.socket = "disconnected";
      // The server ended this connection (its session was ended elsewhere, or it shed load):
      // connect again, with whatever the cookie says now (a visitor when signed out).
      if (reason === "io server disconnect") setTimeout(() => socket.connect(), 1000);
    });
    // A browser that knows it went offline may keep a dead WebSocket open for a long while
    // (Chromium keeps it in its offline mode): drop it at once, and connect again as soon as
    // the network is back, so rooms (and a jam's document) catch up without waiting.
    window.addEventListener("offline", () => socket.disconnect());
    window.addEventListener("online", () => { if (!socket.connected) socket.connect(); });
    return socket;
  }

  function subscribe(room, handlers) {
    const s = connect();
    if (!s) return;
    const known = rooms.has(room);
    if (!known) rooms.set(room, []);
    rooms.get(room).push(handlers);
    for (const [event, handler] of Object.entries(handlers)) s.on(event, handler);
    if (!known && s.connected) s.emit("subscribe", { room });
  }

  // ---- votes: any [data-vote] button inside an element with data-shader-id ----
  function setVoteState(holder, mine) {
    holder.dataset.myVote = String(mine);
    for (const button of holder.querySelectorAll("[data-vote]")) {
      button.setAttribute("aria-pressed", String(Number(button.dataset.vote) === mine));
    }
  }

  function showCounters(data) {
    for (const holder of document.querySelectorAll('[data-shader-id="' + data.shader_id + '"]')) {
      const score = holder.querySelector("[data-role=score]");
      if (score) score.textContent = String(data.score);
    }
  }

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-vote]");
    if (!button) return;
    event.preventDefault();
    const holder = button.closest("[data-shader-id]");
    if (!user) {
      window.location.href = "/login?next=" + encodeURIComponent(location.pathname + location.search);
      return;
    }
    const wanted = Number(button.dataset.vote);
    const value = Number(holder.dataset.myVote || 0) === wanted ? 0 : wanted;
    const result = await api("POST", "/api/v1/shaders/" + holder.dataset.shaderId + "/vote", { value });
    if (!result.ok) { toast(errorText(result), "error"); return; }
    setVoteState(holder, result.data.vote);
    showCounters(result.data);
  });

  // Signing out from the menu posts the small form it sits in (no JS needed for that).
  document.addEventListener("DOMContentLoaded", () => refreshTimes());
  setInterval(() => refreshTimes(), 30000);

  window.Fractafrag = { user, api, errorText, el, timeAgo, refreshTimes, toast, subscribe,
                        connect, cookie, showCounters, setVoteState };
})();
