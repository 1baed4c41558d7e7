// The shader page: the player, pass tabs, and the live parts (votes, viewers, render status).
(function () {
  "use strict";
  const F = window.Fractafrag;
  const data = JSON.parse(document.getElementById("shader-data").textContent);
  const root = document.querySelector("[data-role=player-root]");
  FractafragViewer.mount(root, data.version, {});

  // Pass tabs (arrow keys move between them, as tablists do).
  const tabs = Array.from(document.querySelectorAll(".code [role=tab]"));
  function select(tab) {
    for (const other of tabs) {
      const on = other === tab;
      other.setAttribute("aria-selected", String(on));
      other.tabIndex = on ? 0 : -1;
      document.getElementById(other.getAttribute("aria-controls")).hidden = !on;
    }
  }
  tabs.forEach((tab, i) => {
    tab.tabIndex = i === 0 ? 0 : -1;
    tab.addEventListener("click", () => select(tab));
    tab.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      const next = tabs[(i + step + tabs.length) % tabs.length];
      select(next);
      next.focus();
    });
  });

  const statusText = { pending: "render queued", rendering: "rendering…", ready: "rendered",
                       failed: "render failed" };
  const badge = document.querySelector("[data-role=render-status]");
  F.subscribe("shader:" + data.id, {
    "vote:updated": (counters) => F.showCounters(counters),
    viewers: (info) => {
      if (info.shader_id !== data.id) return;
      for (const node of document.querySelectorAll("[data-role=viewers]")) node.textContent = String(info.count);
    },
    "render:status": (info) => {
      if (info.shader_id !== data.id || !badge) return;
      badge.dataset.status = info.status;
      badge.textContent = (statusText[info.status] || info.status) +
        (info.status === "rendering" && info.progress ? " " + Math.round(info.progress * 100) + "%" : "");
    },
    "shader:rendered": (info) => {
      if (info.shader_id !== data.id || !badge) return;
      badge.dataset.status = "ready";
      badge.textContent = statusText.ready;
    },
  });

  // Time spent watching feeds the recommendations (counted once when the page is left).
  const opened = performance.now();
  let reported = false;
  window.addEventListener("pagehide", () => {
    if (reported) return;
    reported = true;
    const ms = Math.min(Math.round(performance.now() - opened), 600000);
    const headers = { "Content-Type": "application/json" };
    const csrf = F.cookie("csrf_access_token");
    if (csrf) headers["X-CSRF-TOKEN"] = csrf;
    fetch("/api/v1/shaders/" + data.id + "/dwell", {
      method: "POST", headers, body: JSON.stringify({ ms: Math.max(ms, 1) }),
      keepalive: true, credentials: "same-origin",
    }).catch(() => {});
  });
})();
