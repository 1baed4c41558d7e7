/*
 * Generate with AI in the editor (after editor_compile.js; see editor.js): the signed-in
 * person's own provider key writes a new draft; /new?desire=<id> opens the panel with that
 * desire's ask as the prompt.
 *
 * POST /api/v1/generate queues a job; its steps arrive in the user's room (user:<id>:
 * generate:progress, generate:done, generate:failed, through the one Socket.IO client of
 * site.js) and, as a fallback, from polling GET /api/v1/generate/<id> every 2 s. Done: open
 * the new draft in its editor.
 */
(function () {
  "use strict";

  const F = window.Fractafrag;
  const el = F.el;
  const E = window.FractafragEditor;
  const { $ } = E;

  const PROVIDER_LABELS = { openai: "OpenAI-compatible", anthropic: "Anthropic" };
  const POLL_MS = 2000;
  const generateBox = $("[data-role=generate]");
  const generateForm = $("[data-role=generate-form]");
  const gen = generateForm ? {
    prompt: $("[data-role=generate-prompt]"),
    provider: $("[data-role=generate-provider]"),
    button: $("[data-action=generate]"),
    none: $("[data-role=generate-none]"),
    desire: $("[data-role=generate-desire]"),
    progress: $("[data-role=generate-progress]"),
  } : null;
  let providersLoaded = null; // the pending or finished load
  let desireId = null;
  let jobId = null;
  let jobOver = true;
  let pollTimer = 0;

  function loadProviders() {
    if (!providersLoaded) providersLoaded = (async () => {
      const answer = await F.api("GET", "/api/v1/users/me/byok");
      if (!answer.ok) {
        gen.provider.replaceChildren(el("option", { value: "" }, "Unavailable"));
        showGeneration({ status: "failed", message: F.errorText(answer) });
        return;
      }
      const keys = answer.data || [];
      gen.none.hidden = keys.length > 0;
      if (!keys.length) {
        gen.provider.replaceChildren(el("option", { value: "" }, "No provider key yet"));
        return;
      }
      gen.provider.replaceChildren(...keys.map((key) => el("option", { value: key.provider },
        (PROVIDER_LABELS[key.provider] || key.provider) + " · " + key.model)));
      gen.provider.disabled = false;
      gen.button.disabled = false;
    })();
    return providersLoaded;
  }

  function showGeneration(state) {
    const box = gen.progress;
    const attempt = state.attempts !== undefined ? state.attempts : state.attempt;
    const provider = PROVIDER_LABELS[gen.provider.value] || "the model";
    let headline;
    if (state.status === "queued") headline = "Queued: waiting for a worker…";
    else if (state.status === "running") {
      headline = attempt > 1
        ? "Attempt " + attempt + ": the code did not compile, so " + provider +
          " was asked to repair it…"
        : "Attempt 1: asking " + provider + " for a shader…";
    } else if (state.status === "done") headline = "It compiles! Opening the new draft…";
    else headline = state.message || "The generation failed.";
    const parts = [el("p", { "data-role": "generate-headline" }, headline)];
    const list = state.errors || [];
    if (list.length) {
      parts.push(el("ul", {}, list.slice(0, 5).map((error) =>
        el("li", {}, E.where(error) + ": " + error.message))));
    }
    box.dataset.state = state.status;
    box.replaceChildren(...parts);
    box.hidden = false;
  }

  function jobUpdate(state) {
    if (!state || state.id !== jobId || jobOver) return;
    showGeneration(state);
    if (state.status === "done" && state.shader_id) {
      jobOver = true;
      clearTimeout(pollTimer);
      window.location.assign("/shaders/" + state.shader_id + "/edit?generated=1");
    } else if (state.status === "failed") {
      jobOver = true;
      clearTimeout(pollTimer);
      gen.button.disabled = false;
      gen.button.removeAttribute("aria-busy");
      F.toast(state.message || "The generation failed.", "error");
    }
  }

  async function poll() {
    if (jobOver) return;
    const answer = await F.api("GET", "/api/v1/generate/" + encodeURIComponent(jobId));
    if (answer.ok) jobUpdate(answer.data);
    if (!jobOver) pollTimer = setTimeout(poll, POLL_MS);
  }

  let subscribed = false;
  function listen() {
    // The socket is opened only once someone generates; polling covers what it misses.
    if (subscribed || !F.user) return;
    subscribed = true;
    const handlers = {};
    for (const name of ["generate:progress", "generate:done", "generate:failed"]) {
      handlers[name] = jobUpdate;
    }
    F.subscribe("user:" + F.user.id, handlers);
  }

  async function generate(event) {
    event.preventDefault();
    if (!jobOver) return;
    await loadProviders();
    if (!gen.provider.value) {
      gen.none.hidden = false;
      return;
    }
    const body = { prompt: gen.prompt.value.trim(), provider: gen.provider.value };
    if (desireId) body.desire_id = desireId;
    if (!body.prompt && !desireId) {
      gen.prompt.setAttribute("aria-invalid", "true");
      showGeneration({ status: "failed", message: "Describe the shader you want first." });
      gen.prompt.focus();
      return;
    }
    gen.prompt.removeAttribute("aria-invalid");
    listen();
    gen.button.disabled = true;
    gen.button.setAttribute("aria-busy", "true");
    showGeneration({ status: "queued" });
    const answer = await F.api("POST", "/api/v1/generate", body);
    if (!answer.ok) {
      showGeneration({ status: "failed", message: F.errorText(answer) });
      gen.button.disabled = false;
      gen.button.removeAttribute("aria-busy");
      return;
    }
    jobId = answer.data.id;
    jobOver = false;
    pollTimer = setTimeout(poll, POLL_MS);
  }

  async function prefillDesire(id) {
    const answer = await F.api("GET", "/api/v1/desires/" + id);
    if (!answer.ok) return;
    desireId = answer.data.id;
    if (!gen.prompt.value.trim()) gen.prompt.value = answer.data.prompt;
    gen.desire.replaceChildren("Answering ",
      el("a", { href: "/desires/" + desireId }, "desire #" + desireId), ": “" +
      answer.data.prompt + "”");
    gen.desire.hidden = false;
  }

  if (gen) {
    generateForm.addEventListener("submit", generate);
    generateBox.addEventListener("toggle", () => { if (generateBox.open) loadProviders(); });
    const wanted = new URLSearchParams(window.location.search).get("desire");
    if (wanted && /^\d{1,18}$/.test(wanted)) {
      generateBox.open = true;
      loadProviders();
      prefillDesire(wanted);
    }
  } else if (generateBox && new URLSearchParams(window.location.search).has("desire")) {
    generateBox.open = true; // signed out: show the sign-in link
  }
})();
