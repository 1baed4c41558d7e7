// The profile page: the follow button (PUT/DELETE /api/v1/users/<name>/follow).
(function () {
  "use strict";
  const F = window.Fractafrag;
  const blockButton = document.querySelector("[data-action=block]");
  if (blockButton) {
    blockButton.addEventListener("click", async () => {
      const on = blockButton.getAttribute("aria-pressed") === "true";
      const result = await F.api(on ? "DELETE" : "PUT",
        "/api/v1/users/" + encodeURIComponent(blockButton.dataset.username) + "/block");
      if (!result.ok) { F.toast(F.errorText(result), "error"); return; }
      blockButton.setAttribute("aria-pressed", String(result.data.blocked));
      blockButton.textContent = result.data.blocked ? "Blocked" : "Block";
    });
  }
  const button = document.querySelector("[data-action=follow]");
  if (!button) return;
  button.addEventListener("click", async () => {
    const on = button.getAttribute("aria-pressed") === "true";
    const result = await F.api(on ? "DELETE" : "PUT",
      "/api/v1/users/" + encodeURIComponent(button.dataset.username) + "/follow");
    if (!result.ok) { F.toast(F.errorText(result), "error"); return; }
    button.setAttribute("aria-pressed", String(result.data.following));
    button.textContent = result.data.following ? "Following" : "Follow";
    const followers = document.querySelector("[data-role=followers]");
    if (followers) followers.textContent = String(result.data.followers);
  });
})();
