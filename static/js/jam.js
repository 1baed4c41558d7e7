/*
 * A jam (templates/jam.html: /jam/<id> to watch, /jam/<id>/edit?invite=… to edit): a shader
 * written together, live. The code is a Yjs document (static/vendor/yjs: one Y.Text per pass
 * named "pass:<name>", a Y.Map "meta" whose active_pass is the pass an editor last typed in),
 * kept in sync over the page's one Socket.IO connection (site.js) in the room jam:<id>:
 *
 * - jam:join {jam, vector} on every (re)connect: the answer brings what this page lacks and the
 *   server's state vector, from which the page sends back what the server lacks, so an editor
 *   who was offline converges. It also says the role: "editor" or "watcher" (read-only).
 * - Local edits are merged (Y.mergeUpdates) and sent as jam:update every SEND_EVERY_MS; remote
 *   ones are applied with the origin REMOTE, so they are never sent back.
 * - Cursors and selections travel as y-protocols awareness (jam:awareness); y-codemirror draws
 *   the others' in their colours with their names.
 * - Every page compiles and plays the code with the one player (static/js/player.js) as it
 *   changes, and shows errors on their lines (static/js/glsl_code.js, as the editor does).
 * - Watchers follow the pass being edited; the owner copies and renews the invite, removes
 *   people, saves the jam as a new version and ends it.
 */
(function () {
  "use strict";

  const F = window.Fractafrag;
  const el = F.el;
  const C = window.FractafragCode;
  const Yjs = window.FractafragYjs;
  const Y = Yjs.Y;
  const data = JSON.parse(document.getElementById("jam-data").textContent);
  const jam = data.jam;
  const JAM = jam.id;
  const root = document.querySelector("[data-role=jam-page]");
  const $ = (selector) => root.querySelector(selector);

  const SEND_EVERY_MS = 40; // typing never reaches the server's per-connection update limit
  const AWARENESS_EVERY_MS = 100;
  const COMPILE_DELAY_MS = 300;
  const RESYNC_DELAY_MS = 1000;
  const REMOTE = "fractafrag-server"; // the origin of whatever came from the server
  const COLOUR = /^#[0-9a-fA-F]{6}$/;

  const doc = new Y.Doc();
  const meta = doc.getMap("meta");
  const awareness = new Yjs.Awareness(doc);
  awareness.setLocalState(null); // watchers are not shown; editors get a state on joining

  const state = {
    role: "watcher", // the server's word (jam:join), never the page's guess
    status: jam.status, // "live" | "ended"
    joined: false, // this connection is in the room and synced
    bound: false, // the editors show the shared document (after the first sync)
    active: null, // the pass shown
    follow: true, // a watcher's view follows active_pass
    participants: jam.participants || [],
    removed: false,
    // Opened with an invite the viewer has not used yet: the socket joins once the REST join
    // is answered, so the server already counts them as an editor.
    inviting: !!(data.invite && !jam.can_edit && jam.status === "live"),
  };

  // ---- Passes: one tab and one CodeMirror per pass ----

  const tabsBox = $("[data-role=tabs]");
  const editorsBox = $("[data-role=editors]");
  const views = new Map(); // pass name -> {name, text, cm, box, button, mark, binding}

  function tabId(name) {
    return "jam-tab-" + name.toLowerCase().replace(/\s+/g, "-");
  }

  function addView(pass) {
    const name = pass.name;
    const button = el("button", {
      type: "button", role: "tab", id: tabId(name), class: "ed-tab", "aria-selected": "false",
      "aria-controls": "jam-code-panel", tabindex: "-1", dataset: { pass: name },
    }, name);
    button.addEventListener("click", () => {
      if (state.role !== "editor") setFollow(false); // a watcher chose a pass: stop following
      selectPass(name);
      if (state.role === "editor") claimPass(name);
    });
    const box = el("div", { class: "jam-editor", dataset: { pass: name }, hidden: true });
    editorsBox.append(box);
    // Until the first sync the page shows the code it was rendered with, read-only.
    const cm = CodeMirror(box, C.options({
      value: pass.code || "",
      readOnly: true,
      screenReaderLabel: "GLSL code of " + name,
      extraKeys: Object.assign({}, C.indentKeys, {
        Esc: () => button.focus(), // a way out of the editor (Tab indents inside it)
      }),
    }));
    cm.on("changes", (_, changes) => {
      if (state.role === "editor" && changes.some((c) => c.origin !== "y-codemirror" && c.origin !== "setValue")) {
        claimPass(name);
      }
    });
    cm.on("focus", () => { if (state.role === "editor") claimPass(name); });
    views.set(name, { name, text: doc.getText("pass:" + name), cm, box, button,
                      mark: C.errorMarks(cm), binding: null });
    tabsBox.append(button);
  }

  function selectPass(name, focus) {
    const view = views.get(name);
    if (!view || state.active === name) { if (view && focus) view.cm.focus(); return; }
    state.active = name;
    for (const other of views.values()) {
      const on = other === view;
      other.button.setAttribute("aria-selected", String(on));
      other.button.tabIndex = on ? 0 : -1;
      other.box.hidden = !on;
    }
    editorsBox.setAttribute("aria-labelledby", view.button.id);
    view.cm.refresh(); // it was laid out while hidden
    if (focus) view.cm.focus();
  }

  tabsBox.addEventListener("keydown", (event) => {
    const names = Array.from(views.keys());
    const at = names.indexOf(state.active);
    const next = { ArrowRight: names[(at + 1) % names.length],
                   ArrowLeft: names[(at - 1 + names.length) % names.length],
                   Home: names[0], End: names[names.length - 1] }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    views.get(next).button.click();
    views.get(next).button.focus();
  });

  // An editor who types in or switches to a pass makes it the one watchers see.
  function claimPass(name) {
    if (meta.get("active_pass") !== name) meta.set("active_pass", name);
    const mine = awareness.getLocalState();
    if (mine && mine.pass !== name) awareness.setLocalStateField("pass", name);
  }

  function followActive() {
    const active = meta.get("active_pass");
    if (state.follow && state.role !== "editor" && views.has(active)) selectPass(active);
  }

  meta.observe((event) => { if (event.keysChanged.has("active_pass")) followActive(); });

  const followBox = $("[data-role=follow]");
  function setFollow(on) {
    state.follow = on;
    followBox.checked = on;
    if (on) followActive();
  }
  followBox.addEventListener("change", () => setFollow(followBox.checked));

  // The shared texts replace the rendered ones once the first sync is in.
  function bindEditors() {
    if (state.bound) return;
    state.bound = true;
    for (const view of views.values()) {
      // Undo and redo take back this page's own edits only, never another editor's.
      view.binding = new Yjs.CodemirrorBinding(view.text, view.cm, awareness,
                                               { yUndoManager: new Y.UndoManager(view.text) });
    }
    applyRole();
    markAll();
  }

  // ---- The role: editor or watcher (read-only) ----

  function canEdit() {
    return state.role === "editor" && state.status === "live" && !state.removed;
  }

  function applyRole() {
    const editing = canEdit();
    root.dataset.mode = editing ? "editor" : "watcher";
    $("[data-role=mode]").textContent = editing ? "you are editing" : "read-only";
    $("[data-role=follow-box]").hidden = editing;
    $("[data-role=hint]").textContent = editing
      ? "Everyone in the jam types in the same code; the picture follows for all."
      : state.status === "ended"
        ? "The jam has ended: this is its final code."
        : "The code is read-only here: it changes as the jammers type.";
    for (const view of views.values()) {
      view.cm.setOption("readOnly", !(editing && state.bound));
      view.cm.setOption("lineWrapping", !editing); // big read-only code: no sideways scrolling
    }
    const save = $("[data-action=save]");
    save.hidden = !(jam.can_save && editing);
    for (const button of root.querySelectorAll("[data-owner-only]")) {
      button.hidden = state.status !== "live";
    }
    if (editing && F.user) {
      const me = state.participants.find((p) => p.id === F.user.id);
      const colour = me && COLOUR.test(me.color) ? me.color : "#ff7a45";
      const user = { id: F.user.id, name: F.user.username, color: colour, colorLight: colour + "33" };
      if (awareness.getLocalState() === null) awareness.setLocalState({ user, pass: state.active });
      else awareness.setLocalStateField("user", user); // keeps the cursor where it is
    } else if (awareness.getLocalState() !== null) {
      awareness.setLocalState(null);
    }
    if (!editing) followActive();
    showPeople();
  }

  function banner(message, kind) {
    const box = $("[data-role=banner]");
    box.textContent = message || "";
    box.dataset.kind = kind || "info";
    box.hidden = !message;
  }

  // ---- Sync over the page's one connection ----

  const socket = F.connect();
  let outbox = [];
  let sendTimer = 0;
  let resyncTimer = 0;

  function connected() {
    return !!socket && socket.connected && state.joined;
  }

  doc.on("update", (update, origin) => {
    scheduleCompile(origin === REMOTE);
    if (origin === REMOTE || !canEdit()) return;
    outbox.push(update);
    if (!sendTimer) sendTimer = setTimeout(sendEdits, SEND_EVERY_MS);
  });

  function sendEdits() {
    sendTimer = 0;
    if (!outbox.length) return;
    const update = outbox.length === 1 ? outbox[0] : Y.mergeUpdates(outbox);
    outbox = [];
    // Offline, nothing is queued: the next jam:join sends whatever the server lacks.
    if (!connected()) return;
    socket.emit("jam:update", { jam: JAM, update: Yjs.toBase64(update) }, refusedUnlessOk);
  }

  function refusedUnlessOk(answer) {
    if (answer && answer.ok) return;
    const code = answer && answer.code;
    if (code === 409) { ended(); return; }
    if (code === 413) F.toast(answer.message, "error");
    // Refused or lost: join again, which exchanges whatever either side lacks.
    clearTimeout(resyncTimer);
    resyncTimer = setTimeout(join, RESYNC_DELAY_MS);
  }

  function join() {
    if (!socket || !socket.connected || state.inviting) return;
    const vector = Yjs.toBase64(Y.encodeStateVector(doc));
    socket.emit("jam:join", { jam: JAM, vector }, (answer) => {
      if (!answer || !answer.ok) {
        banner((answer && answer.message) || "Could not join the jam; reload to try again.", "error");
        return;
      }
      Y.applyUpdate(doc, Yjs.fromBase64(answer.update), REMOTE);
      state.joined = true;
      state.role = answer.role;
      state.status = answer.status || state.status;
      if (answer.participants) state.participants = answer.participants;
      if (typeof answer.watchers === "number") showWatchers(answer.watchers);
      bindEditors();
      if (state.status === "ended") ended(true);
      applyRole();
      if (canEdit()) {
        const missing = Y.encodeStateAsUpdate(doc, Yjs.fromBase64(answer.vector));
        if (missing.length > 2) { // 2 bytes is the empty update
          socket.emit("jam:update", { jam: JAM, update: Yjs.toBase64(missing) }, refusedUnlessOk);
        }
        awarenessDirty();
      }
      followActive();
      root.dataset.synced = "true";
    });
  }

  if (socket) {
    socket.on("connect", join);
    socket.on("disconnect", () => { state.joined = false; root.dataset.synced = "false"; });
    socket.on("jam:update", (message) => {
      if (!message || message.jam !== JAM) return;
      Y.applyUpdate(doc, Yjs.fromBase64(message.update), REMOTE);
    });
    socket.on("jam:awareness", (message) => {
      if (!message || message.jam !== JAM) return;
      Yjs.applyAwarenessUpdate(awareness, Yjs.fromBase64(message.update), REMOTE);
    });
    socket.on("jam:presence", (message) => {
      if (!message || message.jam !== JAM) return;
      state.participants = message.participants || state.participants;
      showWatchers(message.watchers);
      forgetOffline();
      showPeople();
      awarenessDirty(); // someone came or went: newcomers learn where this editor's cursor is
    });
    socket.on("jam:removed", (message) => {
      if (!message || message.jam !== JAM) return;
      state.participants = state.participants.filter((p) => p.id !== message.user_id);
      if (F.user && message.user_id === F.user.id) {
        state.removed = true;
        state.role = "watcher";
        banner("The owner removed you from this jam: you can still watch.", "error");
        applyRole();
      }
      showPeople();
    });
    socket.on("jam:saved", (message) => {
      if (!message || message.jam !== JAM) return;
      announceSaved(message.version, message.co_authors);
    });
    socket.on("jam:ended", (message) => {
      if (!message || message.jam !== JAM) return;
      ended();
    });
    if (socket.connected) join();
  } else {
    banner("Live updates are unavailable in this browser: this is the code as it was when the page loaded.", "error");
  }

  function ended(quiet) {
    state.status = "ended";
    root.dataset.status = "ended";
    $("[data-role=status]").textContent = "ended";
    banner("This jam has ended: this is its final code, read-only." +
           (quiet ? "" : " Thanks for jamming!"), "info");
    applyRole();
  }

  // ---- Awareness: cursors and selections in each editor's colour ----

  let awarenessTimer = 0;
  let awarenessPending = false;

  awareness.on("update", ({ added, updated, removed }, origin) => {
    if (origin === REMOTE) return;
    const mine = added.concat(updated, removed).includes(doc.clientID);
    if (mine) awarenessDirty();
  });

  function awarenessDirty() {
    awarenessPending = true;
    if (!awarenessTimer) awarenessTimer = setTimeout(sendAwareness, AWARENESS_EVERY_MS);
  }

  function sendAwareness() {
    awarenessTimer = 0;
    if (!awarenessPending || !connected() || state.role !== "editor") return;
    awarenessPending = false;
    const update = Yjs.encodeAwarenessUpdate(awareness, [doc.clientID]);
    socket.emit("jam:awareness", { jam: JAM, update: Yjs.toBase64(update) });
  }

  // Cursors of editors who went offline disappear at once, not after awareness's 30 s.
  function forgetOffline() {
    const online = new Set(state.participants.filter((p) => p.online).map((p) => p.id));
    const gone = [];
    awareness.getStates().forEach((value, clientId) => {
      if (clientId !== doc.clientID && value && value.user && !online.has(value.user.id)) gone.push(clientId);
    });
    if (gone.length) Yjs.removeAwarenessStates(awareness, gone, REMOTE);
  }

  window.addEventListener("pagehide", () => {
    if (!connected()) return;
    if (state.role === "editor") {
      awareness.setLocalState(null);
      socket.emit("jam:awareness", { jam: JAM,
        update: Yjs.toBase64(Yjs.encodeAwarenessUpdate(awareness, [doc.clientID])) });
    }
    socket.emit("jam:leave", { jam: JAM });
  });

  // ---- People ----

  const peopleBox = $("[data-role=participants]");

  function showWatchers(count) {
    if (typeof count !== "number") return;
    $("[data-role=watchers]").textContent = String(count);
  }

  function showPeople() {
    const owner = !!(F.user && F.user.id === jam.owner.id) && state.status === "live";
    peopleBox.replaceChildren(...state.participants.map((person) => {
      const swatch = el("span", { class: "jam-swatch", "aria-hidden": "true" });
      if (COLOUR.test(person.color)) swatch.style.backgroundColor = person.color;
      const item = el("li", { class: "jam-person", dataset: { userId: person.id, online: String(!!person.online) } },
        swatch,
        el("a", { href: "/u/" + encodeURIComponent(person.username), class: "jam-name" }, person.username),
        person.role === "owner" ? el("span", { class: "jam-tag" }, "owner") : null,
        el("span", { class: "jam-online" }, person.online ? "online" : "away"));
      if (owner && person.role !== "owner") {
        item.append(el("button", {
          type: "button", class: "ed-btn ed-small ed-danger", "aria-label": "Remove " + person.username,
          onclick: () => removePerson(person),
        }, "Remove"));
      }
      return item;
    }));
    if (!state.participants.length) peopleBox.append(el("li", { class: "ed-muted" }, "Nobody yet."));
  }

  // ---- The owner's controls ----

  let editUrl = jam.edit_url ? new URL(jam.edit_url, window.location.origin).href : null;

  async function copyInvite() {
    if (!editUrl) return;
    try {
      await navigator.clipboard.writeText(editUrl);
      F.toast("Invite link copied: whoever opens it signed in can edit with you.", "info");
    } catch (error) {
      window.prompt("Copy the invite link:", editUrl); // no clipboard permission (http, iframes)
    }
  }

  async function newInvite() {
    if (!window.confirm("Make a new invite link? The old one stops working (people who joined stay).")) return;
    const answer = await F.api("POST", "/api/v1/jams/" + JAM + "/invite");
    if (!answer.ok) { F.toast(F.errorText(answer), "error"); return; }
    editUrl = new URL(answer.data.edit_url, window.location.origin).href;
    root.dataset.invite = answer.data.invite;
    F.toast("New invite link made; the old one no longer works. Copy it to share it.", "info");
  }

  async function removePerson(person) {
    if (!window.confirm("Remove " + person.username + " from the jam? They can still watch, not edit.")) return;
    const answer = await F.api("DELETE", "/api/v1/jams/" + JAM + "/participants/" + person.id);
    if (!answer.ok) { F.toast(F.errorText(answer), "error"); return; }
    state.participants = state.participants.filter((p) => p.id !== person.id);
    showPeople();
  }

  // "Saved as version n with @a, @b.", once per version (the saver hears it twice: its own
  // answer and the room's jam:saved).
  const announced = new Set();
  function announceSaved(version, coAuthors) {
    if (announced.has(version)) return;
    announced.add(version);
    root.dataset.savedVersion = String(version);
    const by = coAuthors && coAuthors.length
      ? " with " + coAuthors.map((name) => "@" + name).join(", ") : "";
    F.toast(el("span", {}, "Saved as ",
      el("a", { href: data.shader_url + "?version=" + version }, "version " + version), by, "."), "info");
  }

  async function save() {
    const button = $("[data-action=save]");
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    try {
      sendEdits(); // what was just typed goes first (the socket keeps the order)
      const answer = await F.api("POST", "/api/v1/jams/" + JAM + "/save", {});
      if (answer.ok) {
        announceSaved(answer.data.version, answer.data.co_authors);
      } else if (answer.data && Array.isArray(answer.data.errors)) {
        showErrors(answer.data.errors);
        F.toast("Not saved: the code does not compile (see the errors).", "error");
      } else {
        F.toast(F.errorText(answer), "error");
      }
    } finally {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  }

  async function endJam() {
    if (!window.confirm("End the jam? Nobody can edit it afterwards; its final code stays readable here.")) return;
    const answer = await F.api("POST", "/api/v1/jams/" + JAM + "/end");
    if (!answer.ok) { F.toast(F.errorText(answer), "error"); return; }
    ended();
  }

  const on = (action, handler) => {
    const button = $("[data-action=" + action + "]");
    if (button) button.addEventListener("click", handler);
  };
  on("copy-invite", copyInvite);
  on("new-invite", newInvite);
  on("save", save);
  on("end", endJam);

  // ---- Projector: big code and picture, nothing else ----

  const projector = $("[data-action=projector]");
  function setProjector(on) {
    document.body.classList.toggle("jam-projector", on);
    projector.setAttribute("aria-pressed", String(on));
    for (const view of views.values()) view.cm.refresh();
    if (player) requestAnimationFrame(() => player.fitToDisplay());
  }
  projector.addEventListener("click", () => setProjector(!document.body.classList.contains("jam-projector")));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && document.body.classList.contains("jam-projector")) setProjector(false);
  });

  // ---- The picture: compile and play the shared code ----

  const canvas = $("[data-role=preview]");
  const note = $("[data-role=preview-note]");
  const playButton = $("[data-action=play-pause]");
  const clock = $("[data-role=clock]");
  const errorsBox = $("[data-role=compile-errors]");
  let player = null;
  let playing = false;
  let errors = [];
  let compileTimer = 0;
  let compileDue = 0;
  let lastCompile = -Infinity;
  let compiled = null; // the code last given to the player, as JSON

  try {
    player = new FractafragPlayer(canvas, { autoResize: true });
    player.attachMouse();
    if (typeof ResizeObserver !== "undefined") {
      new ResizeObserver(() => player.fitToDisplay()).observe(canvas);
    }
    let shown = 0;
    player.onFrame = ({ time, fps }) => {
      const now = performance.now();
      if (now - shown < 100) return;
      shown = now;
      clock.textContent = time.toFixed(2) + " s · " + Math.round(fps) + " fps";
    };
    player.onError = ({ message }) => showNote(message);
    player.onContextRestored = () => { note.hidden = true; };
  } catch (error) {
    player = null;
    showNote(error.message);
    playButton.disabled = true;
    $("[data-action=restart]").disabled = true;
  }

  function showNote(message) {
    note.textContent = message;
    note.hidden = false;
  }

  function setPlaying(on) {
    if (!player) return;
    playing = on;
    if (on) player.play(); else player.pause();
    playButton.textContent = on ? "Pause" : "Play";
    playButton.setAttribute("aria-pressed", String(!on));
  }
  playButton.addEventListener("click", () => setPlaying(!player.isPlaying));
  $("[data-action=restart]").addEventListener("click", () => { if (player) player.restart(); });

  // The code as the player takes it: the shared texts, with the base version's inputs.
  function version() {
    const text = (name) => (state.bound ? views.get(name).text.toString() : views.get(name).cm.getValue());
    return {
      common: views.has("Common") ? text("Common") : "",
      passes: Array.from(views.keys()).filter((name) => name !== "Common").map((name) => ({
        name, code: text(name), inputs: (data.inputs[name] || []).map((i) => ({ ...i })),
      })),
      media: data.media,
    };
  }

  // Your own typing compiles once you pause for COMPILE_DELAY_MS (no errors flashing under your
  // fingers); the others' edits compile at once, then at most every COMPILE_DELAY_MS, so the
  // picture follows them closely (what an audience watches).
  function scheduleCompile(remote) {
    const now = performance.now();
    const due = remote ? Math.max(now, lastCompile + COMPILE_DELAY_MS) : now + COMPILE_DELAY_MS;
    if (compileTimer && remote && compileDue <= due) return; // a compile is due sooner anyway
    clearTimeout(compileTimer);
    compileDue = due;
    compileTimer = setTimeout(compileNow, due - now);
  }

  function compileNow() {
    clearTimeout(compileTimer);
    compileTimer = 0;
    if (!player) return;
    const code = version();
    const text = JSON.stringify(code);
    if (text === compiled) return; // e.g. only active_pass changed
    compiled = text;
    lastCompile = performance.now();
    const result = player.load(code);
    showErrors(result.errors);
    if (result.ok && !playing) setPlaying(true);
    root.dataset.compiled = String(Number(root.dataset.compiled || 0) + 1);
  }

  function showErrors(list) {
    errors = list || [];
    C.listErrors(errorsBox, errors, jumpTo);
    C.markTabs(views.values(), errors);
    markAll();
  }

  function markAll() {
    for (const view of views.values()) view.mark(errors, view.name);
  }

  function jumpTo(error) {
    if (!views.has(error.pass)) return;
    if (state.role !== "editor") setFollow(false);
    selectPass(error.pass);
    const cm = views.get(error.pass).cm;
    const line = Math.max(0, (error.line || 1) - 1);
    cm.setCursor({ line, ch: 0 });
    cm.scrollIntoView({ line, ch: 0 }, 80);
    cm.focus();
  }

  // ---- Start ----

  for (const pass of jam.passes) addView(pass);
  selectPass(views.has(jam.active_pass) ? jam.active_pass : (views.has("Image") ? "Image" : jam.passes[0].name));
  showPeople();
  applyRole();
  compileNow();
  if (state.status === "ended") ended(true);

  // Opened with an invite: join (signed in: the page redirected to sign-in otherwise), then
  // connect as an editor; the socket's jam:join asks the server for the role again.
  (async function joinWithInvite() {
    if (!state.inviting) return;
    try {
      const answer = await F.api("POST", "/api/v1/jams/" + JAM + "/join", { invite: data.invite });
      if (!answer.ok) banner(F.errorText(answer) + " You can watch the jam.", "error");
    } finally {
      state.inviting = false;
      join();
    }
  })();
})();
