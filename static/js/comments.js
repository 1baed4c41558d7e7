// Comments on the shader page: post, reply, edit, delete, and comments arriving live.
(function () {
  "use strict";
  const F = window.Fractafrag;
  const data = JSON.parse(document.getElementById("shader-data").textContent);
  const section = document.querySelector("[data-role=comments]");
  if (!section) return;
  const list = section.querySelector("[data-role=comment-list]");
  const empty = section.querySelector("[data-role=no-comments]");
  const form = section.querySelector("[data-role=comment-form]");

  // body_html is rendered and sanitised by the server (escaped text plus a few safe tags).
  function bodyNode(html) {
    const box = F.el("div", { class: "comment-body", "data-role": "comment-body" });
    const doc = new DOMParser().parseFromString(html, "text/html");
    box.append(...Array.from(doc.body.childNodes));
    return box;
  }

  function render(c) {
    const mine = F.user && F.user.id === c.author.id;
    const actions = F.user ? F.el("p", { class: "comment-actions" },
      c.parent_id === null ? F.el("button", { type: "button", class: "link", "data-action": "reply-comment" }, "Reply") : null,
      mine ? F.el("button", { type: "button", class: "link", "data-action": "edit-comment" }, "Edit") : null,
      mine ? F.el("button", { type: "button", class: "link", "data-action": "delete-comment" }, "Delete") : null,
      mine ? null : F.el("button", { type: "button", class: "link", "data-action": "report-comment" }, "Report")) : null;
    return F.el("li", { class: "comment", "data-comment-id": c.id, "data-author-id": c.author.id },
      F.el("p", { class: "meta" }, F.el("a", { href: "/u/" + encodeURIComponent(c.author.username) }, c.author.username),
        " · ", F.el("time", { datetime: c.created_at, "data-ago": true }, c.created_at.slice(0, 10)),
        c.edited ? F.el("span", { class: "muted", "data-role": "edited" }, " (edited)") : null),
      bodyNode(c.body_html), actions,
      c.parent_id === null ? F.el("ol", { class: "replies", "data-role": "replies" }) : null);
  }

  function find(id) { return list.querySelector('[data-comment-id="' + id + '"]'); }

  function place(c) {
    if (find(c.id)) return;
    const node = render(c);
    if (c.parent_id === null) list.append(node);
    else {
      const parent = find(c.parent_id);
      if (!parent) return;
      parent.querySelector("[data-role=replies]").append(node);
    }
    if (empty) empty.hidden = true;
    if (F.refreshTimes) F.refreshTimes(node);
  }

  F.subscribe("shader:" + data.id, {
    "comment:created": (c) => { if (c.shader_id === data.id) place(c); },
    "comment:updated": (c) => {
      const node = c.shader_id === data.id && find(c.id);
      if (!node) return;
      node.querySelector("[data-role=comment-body]").replaceWith(bodyNode(c.body_html));
      if (!node.querySelector("[data-role=edited]")) {
        node.querySelector(".meta").append(F.el("span", { class: "muted", "data-role": "edited" }, " (edited)"));
      }
    },
    "comment:deleted": (c) => {
      const node = c.shader_id === data.id && find(c.id);
      if (node) node.remove();
    },
  });

  if (!form) return;
  const textarea = form.querySelector("textarea");
  const parentField = form.querySelector("[name=parent_id]");
  const replying = form.querySelector("[data-role=replying]");

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const payload = { body: textarea.value };
    if (parentField.value) payload.parent_id = Number(parentField.value);
    const result = await F.api("POST", "/api/v1/shaders/" + data.id + "/comments", payload);
    if (!result.ok) { F.toast(F.errorText(result), "error"); return; }
    place(result.data);
    textarea.value = "";
    parentField.value = "";
    replying.hidden = true;
  });
  form.querySelector("[data-action=cancel-reply]").addEventListener("click", () => {
    parentField.value = "";
    replying.hidden = true;
  });

  list.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-action]");
    if (!button) return;
    const item = button.closest("[data-comment-id]");
    const id = item.dataset.commentId;
    if (button.dataset.action === "reply-comment") {
      parentField.value = id;
      replying.hidden = false;
      textarea.focus();
    } else if (button.dataset.action === "delete-comment") {
      if (!window.confirm("Delete this comment?")) return;
      const result = await F.api("DELETE", "/api/v1/comments/" + id);
      if (!result.ok) { F.toast(F.errorText(result), "error"); return; }
      item.remove();
    } else if (button.dataset.action === "report-comment") {
      const reason = window.prompt("Why should an admin look at this comment?");
      if (!reason) return;
      const result = await F.api("POST", "/api/v1/reports", { kind: "comment", id: Number(id), reason });
      F.toast(result.ok ? "Reported. Thank you." : F.errorText(result), result.ok ? "info" : "error");
    } else if (button.dataset.action === "edit-comment") {
      const current = await F.api("GET", "/api/v1/comments/" + id);
      if (!current.ok) { F.toast(F.errorText(current), "error"); return; }
      const body = window.prompt("Edit your comment", current.data.body);
      if (body === null) return;
      const result = await F.api("PATCH", "/api/v1/comments/" + id, { body });
      if (!result.ok) { F.toast(F.errorText(result), "error"); return; }
      item.querySelector("[data-role=comment-body]").replaceWith(bodyNode(result.data.body_html));
    }
  });
})();
