/*
 * A jam's shared document and its sync (first of the jam page's scripts; see jam.js). Creates
 * window.FractafragJam (J): the page data, the Y.Doc (one Y.Text "pass:<name>" per pass, a Y.Map
 * "meta" whose active_pass is the pass an editor last typed in), its Awareness, the page state,
 * and keeps them in sync over the page's one Socket.IO connection (site.js), room jam:<id>:
 *
 * - jam:join {jam, vector} on every (re)connect: the answer brings what this page lacks and the
 *   server's state vector, from which the page sends back what the server lacks, so an editor
 *   who was offline converges. It also says the role: "editor" or "watcher" (read-only).
 * - Local edits are merged (Y.mergeUpdates) and sent as jam:update at most every SEND_EVERY_MS;
 *   remote ones are applied with the origin REMOTE, so they are never sent back.
 * - Cursors and selections travel as y-protocols awareness (jam:awareness), at most every
 *   AWARENESS_EVERY_MS; y-codemirror draws the others' in their colours with their names.
 *
 * J.connect() starts it (jam.js, once the page is built); J.join, J.sendEdits, J.connected,
 * J.canEdit are used by the page. The page's functions (J.applyRole, J.bindEditors, J.banner,
 * J.ended, J.showPeople, J.showWatchers, J.followActive, J.announceSaved; J.scheduleCompile from
 * jam_play.js) are looked up when called.
 */
(function () {
  "use strict";

  const F = window.Fractafrag;
  const Yjs = window.FractafragYjs;
  const Y = Yjs.Y;
  const data = JSON.parse(document.getElementById("jam-data").textContent);
  const jam = data.jam;
  const JAM = jam.id;
  const root = document.querySelector("[data-role=jam-page]");
  const $ = (selector) => root.querySelector(selector);

  const SEND_EVERY_MS = 40; // typing never reaches the server's per-connection update limit
  const AWARENESS_EVERY_MS = 100;
  const RESYNC_DELAY_MS = 1000;
  const REMOTE = "fractafrag-server"; // the origin of whatever came from the server

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

  const J = window.FractafragJam = { data, jam, root, $, doc, meta, awareness, state, REMOTE,
                                     views: new Map() };

  function canEdit() {
    return state.role === "editor" && state.status === "live" && !state.removed;
  }

  // ---- Sync over the page's one connection ----

  let socket = null;
  let outbox = [];
  let sendTimer = 0;
  let lastSent = -Infinity;
  let resyncTimer = 0;
  let refusals = 0; // in a row: past MAX_REFUSALS the page stops retrying and says so
  const MAX_REFUSALS = 3;

  function connected() {
    return !!socket && socket.connected && state.joined;
  }

  doc.on("update", (update, origin) => {
    J.scheduleCompile(origin === REMOTE);
    if (origin === REMOTE || !canEdit()) return;
    outbox.push(update);
    // The first edit after a pause goes at once (with whatever this same task adds), later ones
    // at most every SEND_EVERY_MS, merged.
    if (!sendTimer) {
      sendTimer = setTimeout(sendEdits, Math.max(0, lastSent + SEND_EVERY_MS - performance.now()));
    }
  });

  function sendEdits() {
    clearTimeout(sendTimer);
    sendTimer = 0;
    if (!outbox.length) return;
    lastSent = performance.now();
    const update = outbox.length === 1 ? outbox[0] : Y.mergeUpdates(outbox);
    outbox = [];
    // Offline, nothing is queued: the next jam:join sends whatever the server lacks.
    if (!connected()) return;
    socket.emit("jam:update", { jam: JAM, update: Yjs.toBase64(update) }, refusedUnlessOk);
  }

  function refusedUnlessOk(answer) {
    if (answer && answer.ok) { refusals = 0; return; }
    const code = answer && answer.code;
    if (code === 409) { J.ended(); return; }
    if (code === 413) F.toast(answer.message, "error");
    if (++refusals > MAX_REFUSALS) {
      // e.g. a pass over the size limit: resending the same state would be refused forever.
      J.banner("Your edits are not reaching the others: " + ((answer && answer.message) || "no answer") +
               " Undo the last change, or reload the page.", "error");
      return;
    }
    // Refused or lost: join again, which exchanges whatever either side lacks.
    clearTimeout(resyncTimer);
    resyncTimer = setTimeout(join, RESYNC_DELAY_MS);
  }

  function join() {
    if (!socket || !socket.connected || state.inviting) return;
    const vector = Yjs.toBase64(Y.encodeStateVector(doc));
    socket.emit("jam:join", { jam: JAM, vector }, (answer) => {
      if (!answer || !answer.ok) {
        J.banner((answer && answer.message) || "Could not join the jam; reload to try again.", "error");
        return;
      }
      Y.applyUpdate(doc, Yjs.fromBase64(answer.update), REMOTE);
      state.joined = true;
      state.role = answer.role;
      state.status = answer.status || state.status;
      if (answer.participants) state.participants = answer.participants;
      if (typeof answer.watchers === "number") J.showWatchers(answer.watchers);
      J.bindEditors();
      if (state.status === "ended") J.ended(true);
      J.applyRole();
      if (canEdit()) {
        const missing = Y.encodeStateAsUpdate(doc, Yjs.fromBase64(answer.vector));
        if (missing.length > 2) { // 2 bytes is the empty update
          socket.emit("jam:update", { jam: JAM, update: Yjs.toBase64(missing) }, refusedUnlessOk);
        }
        awarenessDirty();
      }
      J.followActive();
      root.dataset.synced = "true";
    });
  }

  function connect() {
    socket = F.connect();
    if (!socket) {
      J.banner("Live updates are unavailable in this browser: this is the code as it was when the page loaded.", "error");
      return;
    }
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
      J.showWatchers(message.watchers);
      forgetOffline();
      J.showPeople();
      awarenessDirty(); // someone came or went: newcomers learn where this editor's cursor is
    });
    socket.on("jam:removed", (message) => {
      if (!message || message.jam !== JAM) return;
      state.participants = state.participants.filter((p) => p.id !== message.user_id);
      if (F.user && message.user_id === F.user.id) {
        state.removed = true;
        state.role = "watcher";
        J.banner("The owner removed you from this jam: you can still watch.", "error");
        J.applyRole();
      }
      J.showPeople();
    });
    socket.on("jam:saved", (message) => {
      if (!message || message.jam !== JAM) return;
      J.announceSaved(message.version, message.co_authors);
    });
    socket.on("jam:ended", (message) => {
      if (!message || message.jam !== JAM) return;
      J.ended();
    });
    if (socket.connected) join();
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
    if (!awarenessPending || !connected() || !canEdit()) return;
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
  Object.assign(J, { canEdit, connect, connected, join, sendEdits });
})();
