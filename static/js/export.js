// Exports: the Export dialog (any [data-action=export] button with data-shader-id, on the shader
// page and in the editor) and the list of your exports ([data-role=export-list], in Settings).
// POST /api/v1/shaders/<id>/exports queues one; its progress arrives live in the user's room
// (export:progress / export:ready / export:failed), with polling of GET /api/v1/exports/<id>
// as a fallback, and the finished file is offered as a link and previewed inline.
(function () {
  "use strict";
  const F = window.Fractafrag;
  if (!F || !F.user) return;
  const el = F.el;
  const SIZES = [["640x360", "640×360"], ["1280x720", "1280×720 (720p)"],
                 ["1920x1080", "1920×1080 (1080p, Pro)"], ["3840x2160", "3840×2160 (4K still, Pro)"],
                 ["512x512", "512×512 (square)"]];
  const watchers = new Map(); // export id -> function(data) updating its view
  let subscribed = false;

  function listen() {
    if (subscribed) return;
    subscribed = true;
    const route = (data) => { const w = watchers.get(data.id); if (w) w(data); };
    F.subscribe("user:" + F.user.id, {
      "export:progress": route, "export:ready": route, "export:failed": route,
    });
  }

  function preview(data, format) {
    if (!data.url) return el("span", { class: "muted" }, "expired");
    if (format === "webm" || format === "mp4") {
      return el("video", { src: data.url, controls: "", loop: "", muted: "", playsinline: "",
                           class: "export-preview", "data-role": "export-video" });
    }
    return el("img", { src: data.url, alt: "the export", class: "export-preview" });
  }

  function sizeText(bytes) {
    return bytes > 1048576 ? (bytes / 1048576).toFixed(1) + " MB" : Math.ceil(bytes / 1024) + " kB";
  }

  // Follows one export until it is ready or failed: live events, and a poll every 2 s.
  function follow(id, view) {
    listen();
    let finished = false;
    const show = (data) => {
      if (finished) return;
      view.progress.value = data.progress || 0;
      view.state.textContent = data.status === "rendering"
        ? "rendering… " + Math.round((data.progress || 0) * 100) + " %" : data.status;
      if (data.status === "ready") {
        finished = true;
        view.progress.value = 1;
        view.result.replaceChildren(
          el("a", { href: data.url, download: "", class: "button primary",
                    "data-role": "export-download" },
             "Download" + (data.bytes ? " (" + sizeText(data.bytes) + ")" : "")),
          preview(data, data.format || view.format));
      } else if (data.status === "failed") {
        finished = true;
        view.result.replaceChildren(el("p", { class: "error" }, data.error || "The export failed."));
      }
    };
    watchers.set(id, show);
    const poll = async () => {
      if (finished) return;
      const result = await F.api("GET", "/api/v1/exports/" + id);
      if (result.ok) show(result.data);
      if (!finished) setTimeout(poll, 2000);
    };
    setTimeout(poll, 2000);
  }

  function field(label, input) {
    return el("label", { class: "export-field" }, label, input);
  }

  function openDialog(shaderId) {
    const format = el("select", { name: "format" },
      ...[["webm", "WebM video (VP9)"], ["mp4", "MP4 video (H.264)"], ["gif", "GIF"],
          ["png", "PNG still"]].map(([v, t]) => el("option", { value: v }, t)));
    const size = el("select", { name: "size" },
      ...SIZES.map(([v, t]) => el("option", { value: v }, t)));
    size.value = "1280x720";
    const seconds = el("input", { type: "number", name: "seconds", min: "0.1", max: "60",
                                  step: "0.1", value: "5" });
    const fps = el("select", { name: "fps" },
      ...["15", "24", "30", "60"].map((v) => el("option", { value: v }, v + " fps")));
    fps.value = "30";
    const start = el("input", { type: "number", name: "start", min: "0", step: "0.1", value: "0" });
    const progress = el("progress", { max: "1", value: "0", "data-role": "export-progress" });
    const state = el("span", { class: "muted", "data-role": "export-state" });
    const result = el("div", { class: "export-result", "data-role": "export-result" });
    const error = el("p", { class: "error", hidden: "" });
    const go = el("button", { type: "submit", class: "button primary" }, "Export");
    const close = el("button", { type: "button", class: "button" }, "Close");
    const timing = [field("Length (s)", seconds), field("Frame rate", fps)];
    const form = el("form", { method: "dialog", class: "export-form" },
      el("h2", {}, "Export"),
      field("Format", format), field("Size", size), ...timing, field("Start at (s)", start),
      error, el("div", { class: "buttons" }, go, close),
      el("div", { class: "export-status" }, progress, " ", state), result);
    const dialog = el("dialog", { class: "export-dialog", "data-role": "export-dialog" }, form);
    format.addEventListener("change", () => {
      for (const f of timing) f.hidden = format.value === "png";
    });
    close.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => dialog.remove());
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const [width, height] = size.value.split("x").map(Number);
      const body = { format: format.value, width, height, start: Number(start.value) || 0 };
      if (format.value !== "png") {
        body.seconds = Number(seconds.value);
        body.fps = Number(fps.value);
      }
      error.hidden = true;
      go.disabled = true;
      const answer = await F.api("POST", "/api/v1/shaders/" + shaderId + "/exports", body);
      go.disabled = false;
      if (!answer.ok) {
        error.textContent = F.errorText(answer);
        error.hidden = false;
        return;
      }
      result.replaceChildren();
      progress.value = 0;
      state.textContent = "queued";
      follow(answer.data.id, { progress, state, result, format: body.format });
    });
    document.body.append(dialog);
    dialog.showModal();
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-action=export]");
    if (!button) return;
    event.preventDefault();
    const holder = button.closest("[data-shader-id]");
    const id = button.dataset.shaderId || (holder && holder.dataset.shaderId);
    if (id) openDialog(id);
  });

  // Settings: your exports, newest first.
  async function fillList(list) {
    const result = await F.api("GET", "/api/v1/exports");
    if (!result.ok) return;
    if (!result.data.length) {
      list.replaceChildren(el("li", { class: "muted" }, "No exports yet."));
      return;
    }
    list.replaceChildren(...result.data.map((x) => {
      const progress = el("progress", { max: "1", value: String(x.progress || 0) });
      const state = el("span", { class: "muted" }, x.status);
      const out = el("div", { class: "export-result" });
      const item = el("li", { "data-export-id": String(x.id) },
        el("a", { href: "/shaders/" + x.shader_id }, "shader " + x.shader_id + " v" + x.version),
        " · " + x.format + " " + x.width + "×" + x.height +
          (x.format === "png" ? "" : " · " + x.seconds + " s @ " + x.fps + " fps") + " ",
        progress, " ", state, out);
      if (x.status === "ready") {
        progress.value = 1;
        out.replaceChildren(x.url ? el("a", { href: x.url, download: "" },
          "Download" + (x.bytes ? " (" + sizeText(x.bytes) + ")" : "")) :
          el("span", { class: "muted" }, "expired"));
      } else if (x.status === "failed") {
        out.replaceChildren(el("span", { class: "error" }, x.error || "failed"));
      } else {
        follow(x.id, { progress, state, result: out, format: x.format });
      }
      return item;
    }));
  }
  for (const list of document.querySelectorAll("[data-role=export-list]")) fillList(list);
})();
