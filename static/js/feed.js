// Card grids: previews play on hover or focus; on the live feed, new shaders and votes arrive.
(function () {
  "use strict";
  const F = window.Fractafrag;
  const grid = document.querySelector("[data-role=cards]");
  if (!grid) return;

  function swap(img, on) {
    if (!img || !img.dataset.preview) return;
    if (!img.dataset.still) img.dataset.still = img.getAttribute("src");
    img.setAttribute("src", on ? img.dataset.preview : img.dataset.still);
  }
  for (const type of ["mouseover", "focusin"]) {
    grid.addEventListener(type, (event) => {
      const card = event.target.closest(".card");
      if (card) swap(card.querySelector("img[data-preview]"), true);
    });
  }
  for (const type of ["mouseout", "focusout"]) {
    grid.addEventListener(type, (event) => {
      const card = event.target.closest(".card");
      if (card && !card.contains(event.relatedTarget)) swap(card.querySelector("img[data-preview]"), false);
    });
  }

  const seen = new Set(Array.from(grid.querySelectorAll("[data-shader-id]"), (c) => c.dataset.shaderId));
  const handlers = {
    "vote:updated": (counters) => F.showCounters(counters),
    "shader:rendered": (info) => {
      for (const card of grid.querySelectorAll('[data-shader-id="' + info.shader_id + '"]')) {
        const holder = card.querySelector(".thumb");
        const img = F.el("img", { src: info.thumbnail_url, "data-preview": info.preview_url,
                                  alt: card.querySelector("h3").textContent, width: 400, height: 225 });
        holder.replaceChildren(img);
      }
    },
  };
  if (grid.dataset.live === "feed") {
    handlers["shader:published"] = async (info) => {
      const id = String(info.shader_id);
      if (seen.has(id)) return;
      seen.add(id);
      const response = await fetch("/partials/card/" + id, { credentials: "same-origin" });
      if (!response.ok) return;
      // Our own server-rendered, escaped card markup.
      const holder = document.createElement("div");
      holder.innerHTML = await response.text();
      const card = holder.querySelector(".card");
      if (!card) return;
      card.classList.add("arrived");
      const empty = grid.querySelector("[data-role=empty]");
      if (empty) empty.remove();
      grid.prepend(card);
      F.refreshTimes(card);
    };
  }
  F.subscribe("feed", handlers);
})();
