/*
 * The editor's channel picker: iChannel0-3 of one pass, each with its source and sampler.
 *
 * - Sources by kind: buffers, built-in textures, cubemaps and volumes, live inputs (keyboard,
 *   mic, webcam, the video and music placeholders) and the signed-in person's own uploads
 *   (GET /api/v1/media, every page), images, videos and audio alike.
 * - "Upload…" sends a file to POST /api/v1/media and selects the new medium for the channel;
 *   a refusal (too big, not an image, over the quota, …) is shown next to that channel.
 * - Filter, wrap, vflip and sRGB per channel. vflip and sRGB are stored only when they differ
 *   from Shadertoy's defaults (flipped, not sRGB), as a Shadertoy import stores them, so a
 *   version survives an export and import unchanged.
 *
 * FractafragChannelPicker.create({grid, builtins, media, signedIn, onChange}) returns
 * {render(tab)}: render draws the four channels of tab ({name, inputs}) into grid; changes go
 * to tab.inputs, new media into the `media` map the player loads ({"media:<id>": {...}}),
 * then onChange() is called. Text from users is only ever set as text.
 */
(function () {
  "use strict";

  const F = window.Fractafrag;
  const el = F.el;
  const BUFFERS = ["Buffer A", "Buffer B", "Buffer C", "Buffer D"];
  const FILTERS = ["linear", "nearest", "mipmap"];
  const WRAPS = ["clamp", "repeat"];
  const ACCEPT = "image/png,image/jpeg,image/webp,audio/ogg,audio/mpeg,audio/wav,video/webm,video/mp4";
  const GROUPS = [
    ["texture", "Textures"], ["cubemap", "Cubemaps"], ["volume", "Volumes"],
  ];
  const LIVE_LABELS = {
    keyboard: "Keyboard", mic: "Microphone", webcam: "Webcam",
    video: "Video (placeholder: black)", music: "Music (placeholder: silent)",
  };
  const MEDIA_LABELS = { image: "Your images", video: "Your videos", audio: "Your music" };

  // Shadertoy's sampler for a newly picked source: textures and cubemaps mipmapped and
  // repeating, buffers and live inputs linear and clamped, the keyboard read exactly.
  function defaults(source, kind) {
    if (source === "keyboard") return { filter: "nearest", wrap: "clamp" };
    if (BUFFERS.includes(source) || kind === "video" || kind === "audio" ||
        ["mic", "webcam", "video", "music"].includes(source)) {
      return { filter: "linear", wrap: "clamp" };
    }
    return { filter: "mipmap", wrap: "repeat" };
  }

  function cookie(name) {
    const match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : null;
  }

  async function postFile(file) {
    const send = () => {
      const body = new FormData();
      body.append("file", file, file.name);
      const headers = { Accept: "application/json" };
      const csrf = cookie("csrf_access_token");
      if (csrf) headers["X-CSRF-TOKEN"] = csrf;
      return fetch("/api/v1/media", { method: "POST", body, headers, credentials: "same-origin" });
    };
    let response = await send();
    if (response.status === 401) {
      // An expired access cookie: Fractafrag.api renews it on its own 401, then try again.
      const me = await F.api("GET", "/api/v1/users/me");
      if (me.ok) response = await send();
    }
    let data = null;
    if ((response.headers.get("Content-Type") || "").includes("json")) data = await response.json();
    return { ok: response.ok, status: response.status, data };
  }

  function uploadError(result) {
    if (result.status === 413 && !(result.data && result.data.message)) {
      return "The file is too large to upload.";
    }
    return F.errorText(result);
  }

  function describe(m) {
    const size = m.width && m.height ? " " + m.width + "×" + m.height : "";
    return (m.name || "media:" + m.id) + " (" + m.kind + size + ")";
  }

  function create(options) {
    const grid = options.grid;
    const media = options.media; // shared with the player: {"media:<id>": {id, kind, url, ...}}
    const builtins = Array.isArray(options.builtins) ? options.builtins : [];
    const onChange = options.onChange || (() => {});
    let mine = []; // the signed-in person's media, newest first
    let listed = null; // the promise of the listing, once asked for
    const errors = {}; // channel → the last upload's error, shown until the next change
    let current = null; // the tab shown

    async function listMine() {
      const found = [];
      for (let page = 1; page <= 20; page++) {
        const answer = await F.api("GET", "/api/v1/media?page_size=100&page=" + page);
        if (!answer.ok || !Array.isArray(answer.data)) break;
        found.push(...answer.data);
        const info = JSON.parse(answer.headers.get("X-Pagination") || "{}");
        if (!info.next_page) break;
      }
      mine = found;
      for (const m of mine) remember(m);
      if (current) render(current);
    }

    function remember(m) {
      media["media:" + m.id] = { id: m.id, kind: m.kind, width: m.width, height: m.height,
                                 url: m.url, mime: m.mime };
    }

    function sourceSelect(id, value) {
      const option = (v, label) => el("option", { value: v, selected: v === value }, label);
      const groups = [el("option", { value: "", selected: !value }, "Nothing")];
      groups.push(el("optgroup", { label: "Buffers" }, BUFFERS.map((b) => option(b, b))));
      for (const [kind, label] of GROUPS) {
        const items = builtins.filter((b) => b.kind === kind);
        if (items.length) {
          groups.push(el("optgroup", { label }, items.map((b) => option(b.source, b.source))));
        }
      }
      const live = builtins.filter((b) => !GROUPS.some(([k]) => k === b.kind));
      groups.push(el("optgroup", { label: "Live" },
        live.map((b) => option(b.source, LIVE_LABELS[b.source] || b.source))));
      for (const kind of ["image", "video", "audio"]) {
        const items = mine.filter((m) => m.kind === kind);
        if (items.length) {
          groups.push(el("optgroup", { label: MEDIA_LABELS[kind] },
            items.map((m) => option("media:" + m.id, describe(m)))));
        }
      }
      // A value the lists lack (someone else's medium in a fork, an old name) stays shown.
      const known = groups.some((g) => g.value === value ||
        [...g.querySelectorAll("option")].some((o) => o.value === value));
      if (value && !known) groups.push(option(value, value));
      return el("select", { id }, groups);
    }

    function choice(id, values, value) {
      return el("select", { id }, values.map((v) => el("option", { value: v, selected: v === value }, v)));
    }

    function render(tab) {
      current = tab;
      if (options.signedIn && listed === null) listed = listMine();
      const rows = [];
      for (let channel = 0; channel < 4; channel++) rows.push(channelBox(tab, channel));
      grid.replaceChildren(...rows);
    }

    function setInput(tab, channel, change) {
      const input = tab.inputs.find((i) => i.channel === channel);
      if (change.source === "") {
        tab.inputs = tab.inputs.filter((i) => i.channel !== channel);
      } else if (input) {
        Object.assign(input, change);
      } else {
        const kind = media[change.source] ? media[change.source].kind : null;
        tab.inputs.push(Object.assign({ channel }, defaults(change.source, kind), change));
        tab.inputs.sort((a, b) => a.channel - b.channel);
      }
      const now = tab.inputs.find((i) => i.channel === channel);
      if (now && BUFFERS.includes(now.source)) { delete now.vflip; delete now.srgb; }
      if (now && now.vflip === true) delete now.vflip; // Shadertoy's default
      if (now && now.srgb === false) delete now.srgb;
      delete errors[channel];
      render(tab);
      onChange();
    }

    async function upload(tab, channel, file, status) {
      status.textContent = "Uploading " + file.name + "…";
      status.className = "ed-channel-status";
      const answer = await postFile(file);
      if (!answer.ok) {
        errors[channel] = uploadError(answer);
        if (current === tab) render(tab);
        return;
      }
      const m = answer.data;
      mine = [m].concat(mine.filter((x) => x.id !== m.id));
      remember(m);
      setInput(tab, channel, { source: "media:" + m.id });
    }

    function channelBox(tab, channel) {
      const input = tab.inputs.find((i) => i.channel === channel);
      const base = "ed-ch" + channel;
      const source = sourceSelect(base + "-source", input ? input.source : "");
      source.addEventListener("change", () => setInput(tab, channel, { source: source.value }));
      const filter = choice(base + "-filter", FILTERS, input ? input.filter || "linear" : "linear");
      filter.addEventListener("change", () => setInput(tab, channel, { filter: filter.value }));
      const wrap = choice(base + "-wrap", WRAPS, input ? input.wrap || "clamp" : "clamp");
      wrap.addEventListener("change", () => setInput(tab, channel, { wrap: wrap.value }));
      // vflip and sRGB change what the player draws for pictures: the built-in 2D textures
      // and uploaded images and videos (elsewhere they are kept, for export, but do nothing).
      const picture = !!input && (input.source.startsWith("texture:") ||
        (!!media[input.source] && ["image", "video"].includes(media[input.source].kind)));
      const vflip = el("input", { type: "checkbox", id: base + "-vflip",
                                  checked: !!input && input.vflip !== false });
      vflip.addEventListener("change", () => setInput(tab, channel, { vflip: vflip.checked }));
      const srgb = el("input", { type: "checkbox", id: base + "-srgb",
                                 checked: !!input && input.srgb === true });
      srgb.addEventListener("change", () => setInput(tab, channel, { srgb: srgb.checked }));
      for (const control of [filter, wrap]) control.disabled = !input;
      for (const control of [vflip, srgb]) control.disabled = !picture;

      const status = el("p", { class: "ed-channel-status", id: base + "-status",
                                role: "status", "aria-live": "polite" });
      if (errors[channel]) {
        status.className = "ed-channel-status ed-channel-error";
        status.setAttribute("role", "alert");
        status.textContent = errors[channel];
      }
      let uploader = null;
      if (options.signedIn) {
        const file = el("input", { type: "file", id: base + "-file", accept: ACCEPT,
                                   class: "ed-sr-only", tabindex: "-1",
                                   "aria-label": "Upload a file for iChannel" + channel });
        file.addEventListener("change", () => {
          if (file.files && file.files[0]) upload(tab, channel, file.files[0], status);
        });
        uploader = el("span", { class: "ed-channel-upload" },
          el("button", { type: "button", class: "ed-btn ed-small", "data-action": "upload",
                         "aria-describedby": base + "-status", onclick: () => file.click() },
             "Upload…"),
          file);
      }
      const shown = input && media[input.source];
      const preview = shown && shown.kind === "image" && shown.url
        ? el("img", { class: "ed-channel-thumb", src: shown.url, alt: "" }) : null;

      return el("fieldset", { class: "ed-channel", "data-channel": channel },
        el("legend", {}, "iChannel" + channel),
        el("label", { for: base + "-source" }, "Source"), source,
        uploader ? el("span", {}) : null, uploader,
        el("label", { for: base + "-filter" }, "Filter"), filter,
        el("label", { for: base + "-wrap" }, "Wrap"), wrap,
        el("span", { class: "ed-channel-flags" },
          el("label", { for: base + "-vflip" }, vflip, " vflip"),
          el("label", { for: base + "-srgb" }, srgb, " sRGB")),
        preview, status);
    }

    return { render };
  }

  window.FractafragChannelPicker = { create, defaults };
})();
