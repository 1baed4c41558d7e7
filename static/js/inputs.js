/*
 * The built-in inputs page: draws each built-in through the player (a 2D texture as is, a
 * volume as a slice moving through it, a cubemap unwrapped as a panorama).
 */
(function () {
  "use strict";
  const SHOW = {
    sampler2D: "fragColor = vec4(texture(iChannel0, uv).rgb, 1.0);",
    sampler3D: "fragColor = vec4(texture(iChannel0, vec3(uv, fract(iTime * 0.1))).rgb, 1.0);",
    samplerCube: "float a = (uv.x - 0.5) * 6.2831853, b = (uv.y - 0.5) * 3.1415927;\n" +
      "    fragColor = vec4(texture(iChannel0, vec3(cos(b) * sin(a), sin(b), -cos(b) * cos(a))).rgb, 1.0);",
  };
  // One WebGL player draws every preview in turn (browsers allow only ~16 WebGL contexts a
  // page); each picture is copied to its own 2D canvas.
  const gl = document.createElement("canvas");
  let player;
  try {
    player = new FractafragPlayer(gl, { preserveDrawingBuffer: true });
  } catch (error) {
    document.querySelector(".input-list").before(document.createTextNode(error.message));
    return;
  }
  for (const canvas of document.querySelectorAll("canvas[data-source]")) {
    const source = canvas.dataset.source;
    const code = "void mainImage(out vec4 fragColor, in vec2 fragCoord) {\n" +
      "    vec2 uv = fragCoord / iResolution.xy;\n    " + SHOW[canvas.dataset.sampler] + "\n}\n";
    player.load({ common: "", passes: [{ name: "Image", code: code,
      inputs: [{ channel: 0, source: source, filter: "nearest", wrap: "repeat" }] }] });
    player.setSize(canvas.width, canvas.height);
    player.renderFrame(3, 0);
    canvas.getContext("2d").drawImage(gl, 0, 0);
  }
})();
