// The embed: the player alone, starting at ?t= seconds, paused when ?paused=1.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("shader-data").textContent);
  const root = document.querySelector("[data-role=player-root]");
  window.fractafragPlayer = FractafragViewer.mount(root, data.version,
                                                   { start: data.start, paused: data.paused });
})();
