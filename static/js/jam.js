/*
 * A jam (templates/jam.html: /jam/<id> to watch, /jam/<id>/edit?invite=… to edit): a shader
 * written together, live. The page's scripts share window.FractafragJam (J):
 *
 *   jam_sync.js   the Yjs document, its awareness, and their sync over the page's one socket
 *   jam_play.js   the picture: compile and play the shared code, errors on their lines
 *   jam.js        this page: one tab and one CodeMirror per pass bound to its Y.Text, the
 *                 role (editors type; watchers are read-only and follow the pass being edited),
 *                 the people, the owner's controls (invite, remove, save, end), the projector
 *
 * The page data comes from <script type="application/json" id="jam-data"> (no inline code: the
 * CSP forbids it), and user data is only ever set as text.
 */
(function () {
  "use strict";

  const F = window.Fractafrag;
  const el = F.el;
  const C = window.FractafragCode;
  const Yjs = window.FractafragYjs;
  const Y = Yjs.Y;
  const J = window.FractafragJam;
  const { data, jam, root, $, doc, meta, awareness, state, views } = J;
  const JAM = jam.id;
  const COLOUR = /^#[0-9a-fA-F]{6}$/;

  // ---- Passes: one tab and one CodeMirror per pass ----

  const tabsBox = $("[data-role=tabs]");
  const editorsBox = $("[data-role=editors]");
  // views: pass name -> {name, text, cm, box, button, mark, binding}

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
      if (!J.canEdit()) setFollow(false); // a watcher chose a pass: stop following
      selectPass(name);
      if (J.canEdit()) claimPass(name);
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
      if (J.canEdit() && changes.some((c) => c.origin !== "y-codemirror" && c.origin !== "setValue")) {
        claimPass(name);
      }
    });
    cm.on("focus", () => { if (J.canEdit()) claimPass(name); });
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
    if (state.follow && !J.canEdit() && views.has(active)) selectPass(active);
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
    J.markAll();
  }

  // ---- The role: editor or watcher (read-only) ----

  function applyRole() {
    const editing = J.canEdit();
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

  function ended(quiet) {
    state.status = "ended";
    root.dataset.status = "ended";
    $("[data-role=status]").textContent = "ended";
    banner("This jam has ended: this is its final code, read-only." +
           (quiet ? "" : " Thanks for jamming!"), "info");
    applyRole();
  }

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
      J.sendEdits(); // what was just typed goes first (the socket keeps the order)
      const answer = await F.api("POST", "/api/v1/jams/" + JAM + "/save", {});
      if (answer.ok) {
        announceSaved(answer.data.version, answer.data.co_authors);
      } else if (answer.data && Array.isArray(answer.data.errors)) {
        J.showErrors(answer.data.errors);
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
    J.fitPicture();
  }
  projector.addEventListener("click", () => setProjector(!document.body.classList.contains("jam-projector")));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && document.body.classList.contains("jam-projector")) setProjector(false);
  });

  Object.assign(J, { applyRole, announceSaved, banner, bindEditors, ended, followActive,
                     selectPass, setFollow, showPeople, showWatchers });

  // ---- Start ----

  for (const pass of jam.passes) addView(pass);
  selectPass(views.has(jam.active_pass) ? jam.active_pass : (views.has("Image") ? "Image" : jam.passes[0].name));
  showPeople();
  applyRole();
  J.compileNow();
  if (state.status === "ended") ended(true);

  J.connect();

  // Opened with an invite: join (signed in: the page redirected to sign-in otherwise); the
  // socket's jam:join waits for it, so the server already counts this person as an editor.
  (async function joinWithInvite() {
    if (!state.inviting) return;
    try {
      const answer = await F.api("POST", "/api/v1/jams/" + JAM + "/join", { invite: data.invite });
      if (!answer.ok) banner(F.errorText(answer) + " You can watch the jam.", "error");
    } finally {
      state.inviting = false;
      J.join();
    }
  })();
})();
