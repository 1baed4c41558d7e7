// Signed-in pages: notifications arrive live in `user:<id>`; the header count goes up.
(function () {
  "use strict";
  const F = window.Fractafrag;
  if (!F || !F.user) return;
  const count = document.querySelector("[data-role=notif-count]");
  F.subscribe("user:" + F.user.id, {
    notification: (note) => {
      if (count) {
        count.textContent = String((Number(count.textContent) || 0) + 1);
        count.hidden = false;
      }
      F.toast(note.text, "info");
      const list = document.querySelector("[data-role=notification-list]");
      if (list) {
        const item = F.el("li", { class: "unread", "data-notification-id": note.id },
          note.shader_id ? F.el("a", { href: "/shaders/" + note.shader_id }, note.text) : note.text);
        list.prepend(item);
      }
    },
  });
})();
