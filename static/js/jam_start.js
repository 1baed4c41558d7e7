/*
 * "Start a jam" on the editor and the shader page (the owner's): any
 * [data-action=start-jam][data-shader-id] button starts a jam from the shader's saved version
 * (POST /api/v1/shaders/<id>/jams) and opens it as its editor; when one is already live, it
 * opens that one.
 */
(function () {
  "use strict";

  const F = window.Fractafrag;

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-action=start-jam][data-shader-id]");
    if (!button) return;
    event.preventDefault();
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    try {
      const answer = await F.api("POST", "/api/v1/shaders/" + button.dataset.shaderId + "/jams", {});
      if (answer.ok) {
        window.location.href = answer.data.edit_url;
      } else if (answer.status === 409 && answer.data && answer.data.jam_id) {
        window.location.href = "/jam/" + encodeURIComponent(answer.data.jam_id);
      } else {
        F.toast(F.errorText(answer), "error");
      }
    } finally {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  });
})();
