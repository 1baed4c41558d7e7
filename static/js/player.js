/*
 * Fractafrag's shader player: the one WebGL2 renderer for Shadertoy-style shaders.
 *
 * Loaded as a classic <script> by the web pages and by the headless render worker, so
 * both draw exactly the same pixels. It defines window.FractafragPlayer:
 *
 *   const player = new FractafragPlayer(canvas, {pixelRatio, preserveDrawingBuffer, autoResize});
 *   const {ok, errors} = player.load({common, passes: [{name, code, inputs}]});
 *   player.play();                         // pages: requestAnimationFrame clock
 *   player.renderFrame(time, frameIndex);  // renders: one deterministic frame at a given time
 *
 * Errors are [{pass, line, message}] with `line` counted in the user's own code, the same
 * shape and numbering as the server's validator (fractafrag/services/glsl.py).
 *
 * Why one file of ~1,200 lines: it is the one player, shared by the shader page and the embed
 * (viewer.js), the inputs page, the editor's preview, the render worker's page
 * (render_worker/capture.py) and the compile checker (render_worker/compile_check.py). The
 * worker and the checker inject it into a blank page as one script (add_script_tag with
 * render_worker.browser.player_script()), with no server to fetch parts from; one file keeps
 * every loader identical and the pixels drawn in a page and in a render the same.
 */
(function () {
  "use strict";

  // ---- The fragment shader contract, kept identical to fractafrag/services/glsl.py ----

  // Same names, order and comments as glsl.py's _UNIFORMS; prelude() pads them the same way.
  const UNIFORMS = [
    ["vec3", "iResolution", "viewport size in pixels (z is the pixel aspect ratio, 1.0)"],
    ["float", "iTime", "seconds since playback started"],
    ["float", "iTimeDelta", "seconds taken by the previous frame"],
    ["float", "iFrameRate", "frames per second"],
    ["int", "iFrame", "frame number, 0 on the first frame"],
    ["vec4", "iMouse", "xy: position while the button is down; zw: where the click began"],
    ["vec4", "iDate", "year, month (0-11), day of month, seconds since midnight"],
    ["float", "iSampleRate", "audio sample rate, 44100.0"],
    ["vec3", "iChannelResolution[4]", "size in pixels of each input channel"],
    ["float", "iChannelTime[4]", "playback time of each input channel, in seconds"],
    ["sampler2D", "iChannel0", "input channel 0"],
    ["sampler2D", "iChannel1", "input channel 1"],
    ["sampler2D", "iChannel2", "input channel 2"],
    ["sampler2D", "iChannel3", "input channel 3"],
  ];
  // Same text as glsl.py's HEADER (default precisions for every sampler type Shadertoy's
  // wrapper declares, so a function taking a sampler3D compiles).
  const HEADER =
    "#version 300 es\nprecision highp float;\nprecision highp int;\n" +
    "precision highp sampler2D;\nprecision highp samplerCube;\nprecision highp sampler3D;\n" +
    "#define HW_PERFORMANCE 1\n";
  const OUTPUT_NAME = "_fractafrag_fragColor";
  const WRAPPER =
    "void main() {\n    vec4 color = vec4(0.0, 0.0, 0.0, 1.0);\n" +
    "    mainImage(color, gl_FragCoord.xy);\n    " + OUTPUT_NAME + " = color;\n}\n";
  // Source-string numbers set with `#line 1 N`, so compiler errors map back to their pass.
  const STRING_COMMON = 1, STRING_PASS = 2, STRING_WRAPPER = 3;
  const MAIN_IMAGE_SIGNATURE = "void mainImage(out vec4 fragColor, in vec2 fragCoord)";

  // The sampler type a source is declared as, by its prefix alone (as glsl.py's
  // inputs.sampler_of): cubemap:<name> samplerCube, volume:<name> sampler3D, else sampler2D.
  function samplerOf(source) {
    const s = String(source || "");
    if (s.startsWith("cubemap:")) return "samplerCube";
    if (s.startsWith("volume:")) return "sampler3D";
    return "sampler2D";
  }

  function channelSamplers(inputs) {
    const kinds = ["sampler2D", "sampler2D", "sampler2D", "sampler2D"];
    for (const input of Array.isArray(inputs) ? inputs : []) {
      if (input && Number.isInteger(input.channel) && input.channel >= 0 && input.channel <= 3) {
        kinds[input.channel] = samplerOf(input.source);
      }
    }
    return kinds;
  }

  function prelude(samplers) {
    const uniforms = UNIFORMS.map((u, i) => (
      i >= UNIFORMS.length - 4 && samplers ? [samplers[i - UNIFORMS.length + 4], u[1], u[2]] : u));
    const decls = uniforms.map(([kind, name]) => "uniform " + kind + " " + name + ";");
    const width = Math.max(...decls.map((d) => d.length));
    return decls.map((d, i) => d.padEnd(width) + "  // " + uniforms[i][2]).join("\n") + "\n";
  }
  const PRELUDE = prelude();

  function fragmentSource(common, code, samplers) {
    return (
      HEADER + (samplers ? prelude(samplers) : PRELUDE) + "out vec4 " + OUTPUT_NAME + ";\n" +
      "#line 1 " + STRING_COMMON + "\n" + common + "\n" +
      "#line 1 " + STRING_PASS + "\n" + code + "\n" +
      "#line 1 " + STRING_WRAPPER + "\n" + WRAPPER
    );
  }

  // A full-screen triangle from gl_VertexID: no vertex buffers needed.
  const VERTEX_SOURCE =
    "#version 300 es\nvoid main() {\n" +
    "    vec2 p = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));\n" +
    "    gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);\n}\n";

  // The shader format's names (fractafrag/services/shader_format.py; a test keeps them equal).
  const BUFFER_NAMES = ["Buffer A", "Buffer B", "Buffer C", "Buffer D"];
  const FILTERS = ["linear", "nearest", "mipmap"];
  const WRAPS = ["clamp", "repeat"];
  const PASS_ORDER = BUFFER_NAMES.concat(["Image"]); // Shadertoy's draw order
  const FIXED_EPOCH_MS = Date.UTC(2025, 0, 1); // iDate origin for renderFrame()

  // ---- Compiler log → [{pass, line, message}] (mirrors glsl.py's _map_located) ----

  const LOCATED_ERROR = /^ERROR: (\d+):(\d+|\?): (.*)$/;

  function lineCount(text) {
    return text.split("\n").length;
  }

  function clean(message) {
    return message.replace(/\s+/g, " ").trim().replace(/^'' : /, "");
  }

  function mapCompileLog(log, passName, common, code) {
    const errors = [];
    const seen = new Set();
    for (const raw of String(log || "").split(/\r?\n/)) {
      const line = raw.trim();
      if (!line.startsWith("ERROR:") || /^ERROR: \d+ compilation errors?/.test(line)) continue;
      const m = LOCATED_ERROR.exec(line);
      if (!m) {
        errors.push(mapUnlocated(passName, common, code, clean(line.slice(6))));
        continue;
      }
      const string = Number(m[1]);
      const number = m[2] === "?" ? 0 : Number(m[2]);
      const message = clean(m[3]);
      // Follow-on errors on the same line (e.g. a failed conversion) echo the first one.
      if (seen.has(string + ":" + number)) continue;
      seen.add(string + ":" + number);
      errors.push(mapLocated(passName, common, code, string, number, message));
    }
    return errors;
  }

  const AT_END = "At the end of the code: ";

  function mapLocated(passName, common, code, string, line, message) {
    for (const [number, name, text] of [[STRING_COMMON, "Common", common], [STRING_PASS, passName, code]]) {
      if (string !== number) continue;
      // An unterminated #if swallows the next `#line`, so its error lands past the text's end.
      if (line > lineCount(text)) return { pass: name, line: 0, message: AT_END + message };
      return { pass: name, line: line, message: message };
    }
    if (string === STRING_WRAPPER && message.includes("'mainImage'")) {
      return {
        pass: passName, line: 0,
        message: "mainImage has the wrong signature: declare it as `" + MAIN_IMAGE_SIGNATURE +
          "` (compiler: " + message + ")",
      };
    }
    if (string === STRING_WRAPPER && message.includes("'main'")) {
      return {
        pass: passName, line: 0,
        message: "Do not define main(): Fractafrag supplies it and calls your `" +
          MAIN_IMAGE_SIGNATURE + "` (compiler: " + message + ")",
      };
    }
    if (string === STRING_WRAPPER) return { pass: passName, line: 0, message: AT_END + message };
    return { pass: passName, line: 0, message: message };
  }

  // Code with comments blanked out but newlines kept, so line numbers still match.
  function stripComments(text) {
    return text.replace(/\/\/[^\n]*|\/\*[\s\S]*?(?:\*\/|$)/g, (c) => c.replace(/[^\n]/g, ""));
  }

  // ANGLE reports a declared-but-never-defined function without a location (glslang calls it
  // a link error): pin it to the line that declares the function, as glsl.py does.
  function mapUnlocated(passName, common, code, message) {
    const m = /^Function (\w+)\(\) called by .* is undefined/.exec(message);
    if (!m) return { pass: passName, line: 0, message: message };
    const text = "'" + m[1] + "' is declared but never defined: give it a body.";
    const declaration = new RegExp("\\b" + m[1] + "\\s*\\([^)]*\\)\\s*;");
    for (const [name, source] of [[passName, code], ["Common", common]]) {
      const stripped = stripComments(source);
      const found = declaration.exec(stripped);
      if (found) return { pass: name, line: lineCount(stripped.slice(0, found.index)), message: text };
    }
    return { pass: passName, line: 0, message: text };
  }

  // ---- Deterministic built-in textures ----

  // mulberry32: a tiny seeded PRNG, so the noise textures are identical on every machine.
  function mulberry32(seed) {
    let a = seed >>> 0;
    return function () {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function noise(size, seed, gray, depth) {
    const n = size * size * (depth || 1), data = new Uint8Array(n * 4), rand = mulberry32(seed);
    for (let i = 0; i < data.length; i += 4) {
      if (gray) {
        const v = Math.floor(rand() * 256);
        data[i] = data[i + 1] = data[i + 2] = v;
        data[i + 3] = 255;
      } else {
        for (let c = 0; c < 4; c++) data[i + c] = Math.floor(rand() * 256);
      }
    }
    return data;
  }

  function checker(size, square, on) {
    const data = new Uint8Array(size * size * 4);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const lit = ((Math.floor(x / square) + Math.floor(y / square)) & 1) === 1;
        data.set(lit ? on : [0, 0, 0, 255], (y * size + x) * 4);
      }
    }
    return data;
  }

  // Blue noise: per channel, white noise high-pass filtered twice (minus its 3x3 wrapped box
  // blur) and ranked to a uniform histogram, so the values keep only high frequencies.
  function blueNoise(size) {
    const n = size * size, data = new Uint8Array(n * 4), rand = mulberry32(0x5eed0005);
    for (let c = 0; c < 4; c++) {
      let v = new Float32Array(n);
      for (let i = 0; i < n; i++) v[i] = rand();
      for (let pass = 0; pass < 2; pass++) {
        const out = new Float32Array(n);
        for (let y = 0; y < size; y++) {
          for (let x = 0; x < size; x++) {
            let sum = 0;
            for (let dy = -1; dy <= 1; dy++) {
              for (let dx = -1; dx <= 1; dx++) {
                sum += v[((y + dy + size) % size) * size + ((x + dx + size) % size)];
              }
            }
            out[y * size + x] = v[y * size + x] - sum / 9;
          }
        }
        v = out;
      }
      const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => v[a] - v[b]);
      order.forEach((index, rank) => { data[index * 4 + c] = Math.floor(rank * 256 / n); });
    }
    return data;
  }

  function bayer() {
    let m = [[0]];
    const base = [[0, 2], [3, 1]];
    while (m.length < 8) {
      const n = m.length, next = [];
      for (let y = 0; y < 2 * n; y++) {
        next.push([]);
        for (let x = 0; x < 2 * n; x++) {
          next[y].push(4 * m[y % n][x % n] + base[Math.floor(y / n)][Math.floor(x / n)]);
        }
      }
      m = next;
    }
    const data = new Uint8Array(64 * 4);
    for (let i = 0; i < 64; i++) {
      const v = Math.floor((m[i >> 3][i & 7] + 0.5) * 4);
      data.set([v, v, v, 255], i * 4);
    }
    return data;
  }

  // The built-in 2D textures by name: {width, height, data (RGBA8)}. Names as in
  // fractafrag/services/inputs.py TEXTURES.
  const TEXTURES = {
    "noise-rgba": () => ({ width: 256, height: 256, data: noise(256, 0x5eed0001, false) }),
    "noise-gray": () => ({ width: 256, height: 256, data: noise(256, 0x5eed0002, true) }),
    "noise-rgba-64": () => ({ width: 64, height: 64, data: noise(64, 0x5eed0003, false) }),
    "noise-gray-64": () => ({ width: 64, height: 64, data: noise(64, 0x5eed0004, true) }),
    "blue-noise": () => ({ width: 128, height: 128, data: blueNoise(128) }),
    "bayer": () => ({ width: 8, height: 8, data: bayer() }),
    "checker": () => ({ width: 64, height: 64, data: checker(64, 8, [255, 255, 255, 255]) }),
    "placeholder": () => ({ width: 64, height: 64, data: checker(64, 8, [255, 0, 255, 255]) }),
  };
  const VOLUMES = {
    "noise-gray": () => ({ size: 32, data: noise(32, 0x5eed0101, true, 32) }),
    "noise-rgba": () => ({ size: 32, data: noise(32, 0x5eed0102, false, 32) }),
  };

  function mix(a, b, t) { return a.map((v, i) => v + (b[i] - v) * t); }
  function sun(d, at, colour, sharpness) {
    const len = Math.hypot(...at);
    const c = Math.max(0, (d[0] * at[0] + d[1] * at[1] + d[2] * at[2]) / len);
    return colour.map((v) => v * Math.pow(c, sharpness));
  }
  // Environment colours (linear 0-1) for a unit direction; names as in inputs.py CUBEMAPS.
  const CUBEMAPS = {
    "sky": (d) => {
      if (d[1] < 0) return mix([0.45, 0.42, 0.38], [0.25, 0.23, 0.2], Math.min(1, -d[1] * 3));
      const sky = mix([0.85, 0.9, 1.0], [0.2, 0.45, 0.9], Math.sqrt(d[1]));
      return sky.map((v, i) => v + sun(d, [0.6, 0.5, 0.3], [1.0, 0.95, 0.8], 400)[i]);
    },
    "sunset": (d) => {
      if (d[1] < 0) return mix([0.3, 0.15, 0.1], [0.05, 0.04, 0.05], Math.min(1, -d[1] * 4));
      const sky = mix([1.0, 0.5, 0.2], [0.08, 0.1, 0.35], Math.pow(d[1], 0.4));
      return sky.map((v, i) => v + sun(d, [0, 0.08, -1], [1.0, 0.7, 0.3], 200)[i]);
    },
    "studio": (d) => {
      const panel = (d[1] > 0.85 && Math.abs(d[0]) < 0.35) ||
        (Math.abs(d[0]) > 0.85 && d[1] > -0.1 && d[1] < 0.45 && Math.abs(d[2]) < 0.3);
      if (panel) return [1, 1, 1];
      return d[1] < -0.3 ? [0.12, 0.12, 0.12] : mix([0.35, 0.35, 0.36], [0.2, 0.2, 0.21], (d[1] + 0.3));
    },
    "placeholder": (d, face, x, y) => (((x >> 3) + (y >> 3) + face) & 1 ? [1, 0, 1] : [0, 0, 0]),
  };
  const CUBE_SIZES = { "placeholder": 64 };

  function cubeFace(name, face, size) {
    const data = new Uint8Array(size * size * 4), colour = CUBEMAPS[name];
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const s = 2 * (x + 0.5) / size - 1, t = 2 * (y + 0.5) / size - 1;
        const d = [[1, -t, -s], [-1, -t, s], [s, 1, t], [s, -1, -t], [s, -t, 1], [-s, -t, -1]][face];
        const len = Math.hypot(d[0], d[1], d[2]);
        const c = colour(d.map((v) => v / len), face, x, y);
        data.set([...c.map((v) => Math.round(255 * Math.min(1, Math.max(0, v)))), 255], (y * size + x) * 4);
      }
    }
    return data;
  }

  const LIVE = ["mic", "webcam", "video", "music"]; // black until started (never in renders)

  function mediaKey(input) {
    return input.source + "|" + (input.vflip ? 1 : 0) + "|" + (input.srgb ? 1 : 0);
  }

  // ---- The player ----

  class FractafragPlayer {
    constructor(canvas, options) {
      const opts = options || {};
      this.canvas = canvas;
      this.pixelRatio = opts.pixelRatio || (typeof window !== "undefined" && window.devicePixelRatio) || 1;
      this.onFrame = null; // ({time, frame, fps}) after each clock frame
      this.onError = null; // ({type, message}) on WebGL context loss
      this.onContextRestored = null; // () once resources and the last shader are rebuilt
      this._contextAttributes = {
        alpha: false, depth: false, stencil: false, antialias: false,
        premultipliedAlpha: false, preserveDrawingBuffer: !!opts.preserveDrawingBuffer,
        powerPreference: "high-performance",
      };
      const gl = canvas.getContext("webgl2", this._contextAttributes);
      if (!gl) {
        throw new Error(
          "WebGL2 is not available in this browser (or it is disabled), so shaders cannot be shown.");
      }
      this.gl = gl;
      this._time = 0;
      this._frame = 0; // iFrame of the next frame to draw
      this._fps = 60;
      this._playing = false;
      this._raf = 0;
      this._lastStamp = null;
      this._lastDelta = 1 / 60;
      this._lastRenderTime = null; // renderFrame's previous time, for iTimeDelta
      this._mouse = [0, 0, 0, 0];
      this._lost = false;
      this._version = null;
      this._passes = null; // {name, program, locations, inputs}[] in draw order
      this._buffers = {}; // name → {textures: [2], fbos: [2], front, mipDirty: [2]}
      this._bufferSize = [0, 0];
      this._listeners = [];
      this._initResources();

      this._listen(canvas, "webglcontextlost", (event) => {
        event.preventDefault(); // lets the browser restore the context later
        this._lost = true;
        this.pause();
        const message = "The WebGL context was lost; the shader stopped.";
        if (this.onError) this.onError({ type: "contextlost", message });
      });
      this._listen(canvas, "webglcontextrestored", () => {
        this._lost = false;
        this._passes = null;
        this._buffers = {};
        this._bufferSize = [0, 0];
        this._initResources();
        if (this._version) this.load(this._version);
        if (this.onContextRestored) this.onContextRestored();
      });
      if (opts.autoResize && typeof window !== "undefined") {
        this._listen(window, "resize", () => this.fitToDisplay());
        this.fitToDisplay();
      }
    }

    // The GLSL every pass is compiled with, exposed so callers can see the contract.
    static get PRELUDE() { return PRELUDE; }
    static fragmentSource(common, code, samplers) { return fragmentSource(common, code, samplers); }
    static samplerOf(source) { return samplerOf(source); }
    // The names of the built-in inputs this player generates (tests compare them with the API).
    static get BUILTINS() {
      return Object.keys(TEXTURES).map((n) => "texture:" + n)
        .concat(Object.keys(VOLUMES).map((n) => "volume:" + n))
        .concat(Object.keys(CUBEMAPS).map((n) => "cubemap:" + n))
        .concat(["keyboard"], LIVE);
    }

    get isPlaying() { return this._playing; }
    get time() { return this._time; }
    get frame() { return this._frame; }
    get fps() { return this._fps; }
    // "RGBA32F", "RGBA16F" or "RGBA8": what Buffer A-D are stored as on this GPU.
    get bufferFormat() { return this._format.label; }

    _listen(target, type, handler) {
      target.addEventListener(type, handler);
      this._listeners.push([target, type, handler]);
    }

    _initResources() {
      const gl = this.gl;
      this._format = this._pickBufferFormat();
      this._vertexShader = gl.createShader(gl.VERTEX_SHADER);
      gl.shaderSource(this._vertexShader, VERTEX_SOURCE);
      gl.compileShader(this._vertexShader);
      this._samplers = {};
      this._textures = {}; // built-in textures, created on first use
      // "media:<id>|<vflip>|<srgb>" → {texture, width, height} (null while loading); a video's
      // also has {video, update, stop}: its picture is copied to the texture as it plays.
      this._media = {};
      this.ready = Promise.resolve();
      this._black = gl.createTexture();
      gl.bindTexture(gl.TEXTURE_2D, this._black);
      gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, 1, 1, 0, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4));
      // Unbound channels of the other sampler types read black too.
      this._blackCube = gl.createTexture();
      gl.bindTexture(gl.TEXTURE_CUBE_MAP, this._blackCube);
      for (let face = 0; face < 6; face++) {
        gl.texImage2D(gl.TEXTURE_CUBE_MAP_POSITIVE_X + face, 0, gl.RGBA8, 1, 1, 0, gl.RGBA,
          gl.UNSIGNED_BYTE, new Uint8Array(4));
      }
      this._black3D = gl.createTexture();
      gl.bindTexture(gl.TEXTURE_3D, this._black3D);
      gl.texImage3D(gl.TEXTURE_3D, 0, gl.RGBA8, 1, 1, 1, 0, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4));
      // keyboard: 256x3 R8 (row 0 held, row 1 pressed this frame, row 2 toggled).
      this._keys = new Uint8Array(256 * 3);
      this._keysDirty = true;
      this._live = {}; // source → {texture, resolution, update, stop}: mic, webcam, music
    }

    // Float buffers when the GPU can render to them (feedback simulations need the precision).
    // RGBA32F only if it can also be filtered linearly; RGBA16F always can in WebGL2.
    _pickBufferFormat() {
      const gl = this.gl;
      const rgba8 = { label: "RGBA8", internal: gl.RGBA8, type: gl.UNSIGNED_BYTE, mipmaps: true };
      if (!gl.getExtension("EXT_color_buffer_float")) return rgba8;
      const candidates = [{ label: "RGBA16F", internal: gl.RGBA16F, type: gl.HALF_FLOAT }];
      if (gl.getExtension("OES_texture_float_linear")) {
        candidates.unshift({ label: "RGBA32F", internal: gl.RGBA32F, type: gl.FLOAT });
      }
      for (const format of candidates) {
        // The extension says renderable; check the framebuffer really is complete.
        const tex = gl.createTexture(), fbo = gl.createFramebuffer();
        gl.bindTexture(gl.TEXTURE_2D, tex);
        gl.texImage2D(gl.TEXTURE_2D, 0, format.internal, 4, 4, 0, gl.RGBA, format.type, null);
        gl.bindFramebuffer(gl.FRAMEBUFFER, fbo);
        gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, tex, 0);
        const complete = gl.checkFramebufferStatus(gl.FRAMEBUFFER) === gl.FRAMEBUFFER_COMPLETE;
        // A "mipmap" input needs generateMipmap, which some GPUs refuse on float textures;
        // without it such inputs are sampled linearly instead.
        for (let i = 0; i < 8 && gl.getError() !== gl.NO_ERROR; i++); // drain older errors
        gl.generateMipmap(gl.TEXTURE_2D);
        format.mipmaps = gl.getError() === gl.NO_ERROR;
        gl.bindFramebuffer(gl.FRAMEBUFFER, null);
        gl.deleteFramebuffer(fbo);
        gl.deleteTexture(tex);
        if (complete) return format;
      }
      return rgba8;
    }

    // ---- Loading ----

    load(version) {
      const gl = this.gl;
      version = version || {};
      const failed = (message) => ({ ok: false, errors: [{ pass: "Image", line: 0, message }] });
      if (this._lost) return failed("The WebGL context is lost.");
      const common = typeof version.common === "string" ? version.common : "";
      const specs = Array.isArray(version.passes) ? version.passes : [];
      const byName = {};
      for (const spec of specs) if (spec && PASS_ORDER.includes(spec.name)) byName[spec.name] = spec;
      if (!byName.Image) {
        return failed('Add an "Image" pass: it is the pass drawn on screen.');
      }
      const present = PASS_ORDER.filter((name) => byName[name]);
      // Compile everything before asking for any status, so the driver can work in parallel.
      const compiled = present.map((name) => {
        const code = typeof byName[name].code === "string" ? byName[name].code : "";
        const shader = gl.createShader(gl.FRAGMENT_SHADER);
        gl.shaderSource(shader, fragmentSource(common, code, channelSamplers(byName[name].inputs)));
        gl.compileShader(shader);
        return { name, code, shader, spec: byName[name] };
      });
      const errors = [];
      for (const c of compiled) {
        if (gl.getShaderParameter(c.shader, gl.COMPILE_STATUS)) continue;
        const log = gl.getShaderInfoLog(c.shader);
        const mapped = mapCompileLog(log, c.name, common, c.code);
        if (!mapped.length) mapped.push({ pass: c.name, line: 0, message: clean(log || "compile failed") });
        for (const e of mapped) {
          // Common is compiled into every pass: report each of its errors once.
          const same = (o) => o.pass === e.pass && o.line === e.line && o.message === e.message;
          if (!errors.some(same)) errors.push(e);
        }
      }
      const passes = [];
      if (!errors.length) {
        for (const c of compiled) {
          const program = gl.createProgram();
          gl.attachShader(program, this._vertexShader);
          gl.attachShader(program, c.shader);
          gl.linkProgram(program);
          passes.push({ name: c.name, program, inputs: this._normalizeInputs(c.spec.inputs) });
        }
        for (const p of passes) {
          if (gl.getProgramParameter(p.program, gl.LINK_STATUS)) continue;
          const log = clean((gl.getProgramInfoLog(p.program) || "linking failed").replace(/^ERROR: /gm, ""));
          errors.push({ pass: p.name, line: 0, message: "Link error: " + log });
        }
      }
      for (const c of compiled) gl.deleteShader(c.shader); // programs keep what they need
      if (errors.length) {
        for (const p of passes) gl.deleteProgram(p.program);
        return { ok: false, errors };
      }
      for (const p of passes) {
        p.locations = this._uniformLocations(p.program);
        gl.useProgram(p.program);
        for (let i = 0; i < 4; i++) gl.uniform1i(p.locations["iChannel" + i], i);
      }
      // Success: swap atomically and start from cleared buffers.
      this._deletePrograms();
      this.ready = this._loadMedia(version.media, passes);
      this._passes = passes;
      this._version = version;
      this._deleteBuffers();
      for (const p of passes) if (p.name !== "Image") this._buffers[p.name] = null;
      this.reset();
      return { ok: true, errors: [] };
    }

    // Uploaded images and videos named by `media:<id>` inputs, from version.media
    // ({"media:<id>": {url, width, height, kind}}); they load asynchronously (black until
    // then). Returns a promise settled when every image has loaded or failed (the render
    // worker waits on it; it is never given videos, which stay black there).
    _loadMedia(media, passes) {
      const gl = this.gl, wanted = new Set(), jobs = [];
      this._mediaInfo = media || {};
      for (const p of passes) for (const input of p.inputs) {
        if (input && input.source.startsWith("media:")) wanted.add(mediaKey(input));
      }
      for (const [key, entry] of Object.entries(this._media)) {
        // A video no channel reads any more stops playing (images stay cached).
        if (entry && entry.video && !wanted.has(key)) {
          entry.stop();
          gl.deleteTexture(entry.texture);
          delete this._media[key];
        }
      }
      for (const key of wanted) {
        if (key in this._media) continue;
        const [source, flip, srgb] = key.split("|");
        const info = media && media[source];
        this._media[key] = null;
        if (info && info.kind === "video" && info.url && typeof document !== "undefined") {
          this._media[key] = this._startVideo(info.url, flip === "1", srgb === "1");
          continue;
        }
        if (!info || info.kind !== "image" || !info.url || typeof Image === "undefined") continue;
        jobs.push(new Promise((resolve) => {
          const image = new Image();
          image.onload = () => {
            if (this._lost || this.gl !== gl) return resolve();
            const tex = gl.createTexture();
            gl.bindTexture(gl.TEXTURE_2D, tex);
            gl.pixelStorei(gl.UNPACK_FLIP_Y_WEBGL, flip === "1");
            gl.texImage2D(gl.TEXTURE_2D, 0, srgb === "1" ? gl.SRGB8_ALPHA8 : gl.RGBA8, gl.RGBA,
              gl.UNSIGNED_BYTE, image);
            gl.pixelStorei(gl.UNPACK_FLIP_Y_WEBGL, false);
            gl.generateMipmap(gl.TEXTURE_2D);
            this._media[key] = { texture: tex, width: image.naturalWidth, height: image.naturalHeight };
            resolve();
          };
          image.onerror = () => resolve();
          image.src = info.url;
        }));
      }
      return Promise.all(jobs).then(() => undefined);
    }

    // An uploaded video as a texture: a muted, looping <video> playing with the clock, its
    // current picture copied to the texture on each frame it changed (Shadertoy flips it
    // like an image when vflip is on).
    _startVideo(url, flip, srgb) {
      const gl = this.gl, tex = gl.createTexture();
      gl.bindTexture(gl.TEXTURE_2D, tex);
      gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, 1, 1, 0, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4));
      const video = document.createElement("video");
      video.muted = true;
      video.loop = true;
      video.playsInline = true;
      video.preload = "auto";
      video.src = url;
      let shown = -1;
      const entry = { texture: tex, width: 0, height: 0, video };
      entry.update = () => {
        if (video.readyState < 2 || video.currentTime === shown) return;
        shown = video.currentTime;
        gl.bindTexture(gl.TEXTURE_2D, tex);
        gl.pixelStorei(gl.UNPACK_FLIP_Y_WEBGL, flip);
        gl.texImage2D(gl.TEXTURE_2D, 0, srgb ? gl.SRGB8_ALPHA8 : gl.RGBA8, gl.RGBA,
          gl.UNSIGNED_BYTE, video);
        gl.pixelStorei(gl.UNPACK_FLIP_Y_WEBGL, false);
        entry.width = video.videoWidth;
        entry.height = video.videoHeight;
      };
      entry.stop = () => { video.pause(); video.removeAttribute("src"); video.load(); };
      if (this._playing) video.play().catch(() => {});
      return entry;
    }

    // Uploaded videos follow the clock: playing, paused, back to the start.
    _eachVideo(action) {
      for (const entry of Object.values(this._media)) if (entry && entry.video) action(entry.video);
    }

    _normalizeInputs(inputs) {
      const channels = [null, null, null, null];
      for (const input of Array.isArray(inputs) ? inputs : []) {
        if (!input || !(input.channel >= 0 && input.channel <= 3)) continue;
        channels[input.channel] = {
          source: String(input.source || ""),
          filter: FILTERS.includes(input.filter) ? input.filter : FILTERS[0],
          wrap: WRAPS.includes(input.wrap) ? input.wrap : WRAPS[0],
          // Shadertoy flips images so their top row is at uv.y = 1 (vflip true by default).
          vflip: input.vflip !== false,
          srgb: input.srgb === true,
          sampler: samplerOf(input.source),
        };
      }
      return channels;
    }

    _uniformLocations(program) {
      const gl = this.gl, locations = {};
      for (const [, name] of UNIFORMS) {
        const base = name.replace("[4]", "");
        locations[base] = gl.getUniformLocation(program, base);
      }
      return locations;
    }

    // ---- Buffers (ping-pong pairs) ----

    // (Re)allocates every buffer when the canvas size changed; new buffers are all zeros.
    _ensureBuffers() {
      const w = this.canvas.width, h = this.canvas.height;
      const stale = w !== this._bufferSize[0] || h !== this._bufferSize[1];
      let created = false;
      for (const name of Object.keys(this._buffers)) {
        if (this._buffers[name] && !stale) continue;
        if (this._buffers[name]) this._deleteBuffer(this._buffers[name]);
        this._buffers[name] = this._createBuffer(w, h);
        created = true;
      }
      this._bufferSize = [w, h];
      return created;
    }

    _createBuffer(w, h) {
      const gl = this.gl, f = this._format;
      const buffer = { textures: [], fbos: [], front: 0, mipDirty: [true, true] };
      for (let i = 0; i < 2; i++) {
        const tex = gl.createTexture();
        gl.bindTexture(gl.TEXTURE_2D, tex);
        gl.texImage2D(gl.TEXTURE_2D, 0, f.internal, Math.max(w, 1), Math.max(h, 1), 0, gl.RGBA, f.type, null);
        const fbo = gl.createFramebuffer();
        gl.bindFramebuffer(gl.FRAMEBUFFER, fbo);
        gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, tex, 0);
        gl.clearColor(0, 0, 0, 0);
        gl.clear(gl.COLOR_BUFFER_BIT);
        buffer.textures.push(tex);
        buffer.fbos.push(fbo);
      }
      gl.bindFramebuffer(gl.FRAMEBUFFER, null);
      return buffer;
    }

    _deleteBuffer(buffer) {
      for (const t of buffer.textures) this.gl.deleteTexture(t);
      for (const f of buffer.fbos) this.gl.deleteFramebuffer(f);
    }

    _deleteBuffers() {
      for (const buffer of Object.values(this._buffers)) if (buffer) this._deleteBuffer(buffer);
      this._buffers = {};
      this._bufferSize = [0, 0];
    }

    _deletePrograms() {
      for (const p of this._passes || []) this.gl.deleteProgram(p.program);
      this._passes = null;
    }

    // ---- Channels ----

    _sampler(filter, wrap) {
      const key = filter + "|" + wrap;
      if (!this._samplers[key]) {
        const gl = this.gl, s = gl.createSampler();
        const mode = wrap === "repeat" ? gl.REPEAT : gl.CLAMP_TO_EDGE;
        const mag = filter === "nearest" ? gl.NEAREST : gl.LINEAR;
        const min = { nearest: gl.NEAREST, linear: gl.LINEAR, mipmap: gl.LINEAR_MIPMAP_LINEAR }[filter];
        gl.samplerParameteri(s, gl.TEXTURE_WRAP_S, mode);
        gl.samplerParameteri(s, gl.TEXTURE_WRAP_T, mode);
        gl.samplerParameteri(s, gl.TEXTURE_WRAP_R, mode);
        gl.samplerParameteri(s, gl.TEXTURE_MAG_FILTER, mag);
        gl.samplerParameteri(s, gl.TEXTURE_MIN_FILTER, min);
        this._samplers[key] = s;
      }
      return this._samplers[key];
    }

    // A built-in input's texture, made on first use: {texture, target, resolution: [w, h, d]},
    // or null for a name this player does not know. A 2D texture follows the input's vflip
    // (off: its rows upside down) and sRGB (decoded to linear when sampled), one texture each.
    _builtin(source, input) {
      const flat = source.startsWith("texture:") && !!input;
      const flip = flat && input.vflip === false, srgb = flat && input.srgb === true;
      const key = source + (flip ? "|flipped" : "") + (srgb ? "|srgb" : "");
      if (key in this._textures) return this._textures[key];
      const gl = this.gl, [prefix, name] = source.split(":");
      let made = null;
      gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
      if (prefix === "texture" && TEXTURES[name]) {
        const p = TEXTURES[name](), tex = gl.createTexture();
        let data = p.data;
        if (flip) {
          const row = p.width * 4;
          data = new Uint8Array(data.length);
          for (let y = 0; y < p.height; y++) {
            data.set(p.data.subarray(y * row, (y + 1) * row), (p.height - 1 - y) * row);
          }
        }
        gl.bindTexture(gl.TEXTURE_2D, tex);
        gl.texImage2D(gl.TEXTURE_2D, 0, srgb ? gl.SRGB8_ALPHA8 : gl.RGBA8, p.width, p.height, 0,
          gl.RGBA, gl.UNSIGNED_BYTE, data);
        gl.generateMipmap(gl.TEXTURE_2D);
        made = { texture: tex, target: gl.TEXTURE_2D, resolution: [p.width, p.height, 1] };
      } else if (prefix === "volume" && VOLUMES[name]) {
        const p = VOLUMES[name](), tex = gl.createTexture();
        gl.bindTexture(gl.TEXTURE_3D, tex);
        gl.texImage3D(gl.TEXTURE_3D, 0, gl.RGBA8, p.size, p.size, p.size, 0, gl.RGBA, gl.UNSIGNED_BYTE, p.data);
        gl.generateMipmap(gl.TEXTURE_3D);
        made = { texture: tex, target: gl.TEXTURE_3D, resolution: [p.size, p.size, p.size] };
      } else if (prefix === "cubemap" && CUBEMAPS[name]) {
        const size = CUBE_SIZES[name] || 128, tex = gl.createTexture();
        gl.bindTexture(gl.TEXTURE_CUBE_MAP, tex);
        for (let face = 0; face < 6; face++) {
          gl.texImage2D(gl.TEXTURE_CUBE_MAP_POSITIVE_X + face, 0, gl.RGBA8, size, size, 0, gl.RGBA,
            gl.UNSIGNED_BYTE, cubeFace(name, face, size));
        }
        gl.generateMipmap(gl.TEXTURE_CUBE_MAP);
        made = { texture: tex, target: gl.TEXTURE_CUBE_MAP, resolution: [size, size, 1] };
      } else if (source === "keyboard") {
        const tex = gl.createTexture();
        gl.bindTexture(gl.TEXTURE_2D, tex);
        gl.texImage2D(gl.TEXTURE_2D, 0, gl.R8, 256, 3, 0, gl.RED, gl.UNSIGNED_BYTE, this._keys);
        made = { texture: tex, target: gl.TEXTURE_2D, resolution: [256, 3, 1], keyboard: true };
      }
      this._textures[key] = made;
      return made;
    }

    // Binds iChannel0-3 for one pass; returns iChannelResolution as 12 floats. A video's
    // iChannelTime (times[unit]) is its playback position, as on Shadertoy.
    _bindChannels(pass, times) {
      const gl = this.gl, resolution = new Float32Array(12);
      for (let unit = 0; unit < 4; unit++) {
        const input = pass.inputs[unit];
        let texture = this._black, filter = "nearest", wrap = "clamp";
        let target = this.gl.TEXTURE_2D;
        if (input && input.sampler === "samplerCube") { texture = this._blackCube; target = gl.TEXTURE_CUBE_MAP; }
        if (input && input.sampler === "sampler3D") { texture = this._black3D; target = gl.TEXTURE_3D; }
        if (input) {
          filter = input.filter;
          wrap = input.wrap;
          const buffer = this._buffers[input.source];
          if (buffer) {
            // Always the front texture: this frame's output for a buffer already drawn,
            // the previous frame's for this pass itself or a later one.
            texture = buffer.textures[buffer.front];
            resolution.set([this._bufferSize[0], this._bufferSize[1], 1], unit * 3);
            if (filter === "mipmap" && !this._format.mipmaps) {
              filter = "linear";
            } else if (filter === "mipmap" && buffer.mipDirty[buffer.front]) {
              // Regenerated only when the buffer was drawn since the last time.
              gl.bindTexture(gl.TEXTURE_2D, texture);
              gl.generateMipmap(gl.TEXTURE_2D);
              buffer.mipDirty[buffer.front] = false;
            }
          } else if (input.source.startsWith("media:") && this._media[mediaKey(input)]) {
            const image = this._media[mediaKey(input)];
            texture = image.texture;
            resolution.set([image.width, image.height, 1], unit * 3);
            if (image.video && filter === "mipmap") filter = "linear"; // no mipmaps per frame
            if (image.video) times[unit] = image.video.currentTime;
          } else if (this._live[input.source]) {
            const live = this._live[input.source];
            texture = live.texture;
            resolution.set(live.resolution, unit * 3);
            if (filter === "mipmap") filter = "linear";
          } else if (this._builtin(input.source, input)) {
            const builtin = this._builtin(input.source, input);
            texture = builtin.texture;
            target = builtin.target;
            resolution.set(builtin.resolution, unit * 3);
            if (builtin.keyboard) {
              filter = "nearest";
              if (this._keysDirty) {
                gl.bindTexture(gl.TEXTURE_2D, texture);
                gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
                gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, 256, 3, gl.RED, gl.UNSIGNED_BYTE, this._keys);
                this._keysDirty = false;
              }
            }
          } else {
            filter = "nearest"; // the 1x1 black texture has no mipmaps
          }
        }
        gl.activeTexture(gl.TEXTURE0 + unit);
        // Unbind the other targets, so a unit holds one texture only.
        for (const other of [gl.TEXTURE_2D, gl.TEXTURE_CUBE_MAP, gl.TEXTURE_3D]) {
          if (other !== target) gl.bindTexture(other, null);
        }
        gl.bindTexture(target, texture);
        gl.bindSampler(unit, this._sampler(filter, wrap));
      }
      return resolution;
    }

    // ---- Drawing ----

    // Draws every pass once with the given uniform values: {time, delta, fps, frame, mouse, date}.
    _draw(u) {
      const gl = this.gl;
      if (!this._passes || this._lost) return false;
      // A size change reallocates (clears) the buffers: restart the frame count with them, so
      // shaders that seed their buffers on iFrame == 0 do so again.
      if (this._ensureBuffers()) this._frame = u.frame = 0;
      const w = this.canvas.width, h = this.canvas.height;
      const times = new Float32Array([u.time, u.time, u.time, u.time]);
      for (const live of Object.values(this._live)) if (live.update) live.update();
      for (const entry of Object.values(this._media)) if (entry && entry.update) entry.update();
      for (const pass of this._passes) {
        const buffer = pass.name === "Image" ? null : this._buffers[pass.name];
        const target = buffer ? 1 - buffer.front : 0;
        gl.bindFramebuffer(gl.FRAMEBUFFER, buffer ? buffer.fbos[target] : null);
        gl.viewport(0, 0, w, h);
        gl.useProgram(pass.program);
        const channelResolution = this._bindChannels(pass, times.fill(u.time));
        const L = pass.locations;
        gl.uniform3f(L.iResolution, w, h, 1);
        gl.uniform1f(L.iTime, u.time);
        gl.uniform1f(L.iTimeDelta, u.delta);
        gl.uniform1f(L.iFrameRate, u.fps);
        gl.uniform1i(L.iFrame, u.frame);
        gl.uniform4fv(L.iMouse, u.mouse);
        gl.uniform4fv(L.iDate, u.date);
        gl.uniform1f(L.iSampleRate, 44100);
        gl.uniform3fv(L.iChannelResolution, channelResolution);
        gl.uniform1fv(L.iChannelTime, times);
        gl.drawArrays(gl.TRIANGLES, 0, 3);
        if (buffer) {
          buffer.front = target;
          buffer.mipDirty[target] = true;
        }
      }
      gl.bindFramebuffer(gl.FRAMEBUFFER, null);
      // "Pressed this frame" lasts one frame.
      if (this._keys.subarray(256, 512).some((v) => v)) {
        this._keys.fill(0, 256, 512);
        this._keysDirty = true;
      }
      return true;
    }

    // ---- Keyboard and live inputs (pages only: renders never call these) ----

    // Drives the `keyboard` input from key events on target (default: the window); returns a
    // detach function. x = the key's keyCode; row 0 held, row 1 pressed this frame, row 2
    // toggled by each press.
    attachKeyboard(target) {
      const on = target || window;
      const down = (e) => {
        const k = e.keyCode & 255;
        if (!this._keys[k]) {
          this._keys[256 + k] = 255;
          this._keys[512 + k] ^= 255;
        }
        this._keys[k] = 255;
        this._keysDirty = true;
      };
      const up = (e) => {
        this._keys[e.keyCode & 255] = 0;
        this._keysDirty = true;
      };
      this._listen(on, "keydown", down);
      this._listen(on, "keyup", up);
      return () => {
        on.removeEventListener("keydown", down);
        on.removeEventListener("keyup", up);
      };
    }

    // Starts the live inputs the loaded shader reads: mic and webcam (the browser asks
    // permission) and music from an uploaded audio medium. Black (silent) until they run;
    // call it from a user gesture where the browser requires one for sound.
    startLiveInputs() {
      for (const pass of this._passes || []) {
        for (const input of pass.inputs) {
          if (!input) continue;
          const info = this._mediaInfo && this._mediaInfo[input.source];
          if (input.source === "mic" || input.source === "webcam") this._startLive(input.source, null);
          else if (info && info.kind === "audio") this._startLive(input.source, info.url);
        }
      }
    }

    _startLive(source, url) {
      if (this._live[source] || typeof navigator === "undefined") return;
      const gl = this.gl, tex = gl.createTexture();
      gl.bindTexture(gl.TEXTURE_2D, tex);
      gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, 1, 1, 0, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4));
      const live = this._live[source] = { texture: tex, resolution: [1, 1, 1], update: null, stop: null };
      const media = navigator.mediaDevices;
      if (source === "webcam") {
        if (!media) return;
        media.getUserMedia({ video: true }).then((stream) => {
          const video = document.createElement("video");
          video.muted = true;
          video.playsInline = true;
          video.srcObject = stream;
          video.play();
          live.stop = () => stream.getTracks().forEach((t) => t.stop());
          live.update = () => {
            if (video.readyState < 2) return;
            gl.bindTexture(gl.TEXTURE_2D, tex);
            gl.pixelStorei(gl.UNPACK_FLIP_Y_WEBGL, true);
            gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, gl.RGBA, gl.UNSIGNED_BYTE, video);
            gl.pixelStorei(gl.UNPACK_FLIP_Y_WEBGL, false);
            live.resolution = [video.videoWidth, video.videoHeight, 1];
          };
        }).catch(() => {});
        return;
      }
      // Sound (Shadertoy's layout): 512x2, row 0 the spectrum, row 1 the waveform.
      const Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) return;
      const context = new Context(), analyser = context.createAnalyser();
      analyser.fftSize = 1024;
      const bytes = new Uint8Array(1024);
      live.update = () => {
        analyser.getByteFrequencyData(bytes.subarray(0, 512));
        analyser.getByteTimeDomainData(bytes.subarray(512));
        gl.bindTexture(gl.TEXTURE_2D, tex);
        gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
        gl.texImage2D(gl.TEXTURE_2D, 0, gl.R8, 512, 2, 0, gl.RED, gl.UNSIGNED_BYTE, bytes);
        live.resolution = [512, 2, 1];
      };
      if (source === "mic") {
        if (!media) return;
        media.getUserMedia({ audio: true }).then((stream) => {
          context.createMediaStreamSource(stream).connect(analyser);
          live.stop = () => { stream.getTracks().forEach((t) => t.stop()); context.close(); };
        }).catch(() => {});
        return;
      }
      const audio = new Audio(url);
      audio.crossOrigin = "anonymous";
      audio.loop = true;
      context.createMediaElementSource(audio).connect(analyser);
      analyser.connect(context.destination);
      audio.play().catch(() => {});
      live.element = audio;
      live.context = context;
      live.stop = () => { audio.pause(); context.close(); };
    }

    /*
     * Renders one complete frame at exactly `time` seconds, synchronously (render worker).
     * Deterministic: iTimeDelta = opts.delta when given (a fixed-step clock: the render
     * worker passes 1/fps for every frame, frame 0 included), else time - previous
     * renderFrame's time (1/60 on frame 0, like the live clock's first frame);
     * iFrameRate = 1 / iTimeDelta, iDate = 2025-01-01 00:00:00 UTC + time, iMouse =
     * opts.mouse or zeros. frameIndex 0 restarts from cleared buffers, so a sequence
     * renderFrame(0, 0), renderFrame(0.1, 1), ... gives the same pixels every time.
     */
    renderFrame(time, frameIndex, opts) {
      if (!this._passes) throw new Error("renderFrame() needs a shader: call load() first.");
      const options = opts || {};
      const frame = frameIndex === undefined ? this._frame : frameIndex;
      if (frame === 0) this._clearBuffers();
      const delta = options.delta > 0 ? options.delta
        : frame === 0 || this._lastRenderTime === null ? 1 / 60 : time - this._lastRenderTime;
      // Pure arithmetic on the fixed epoch (UTC, so the machine's time zone cannot matter).
      const total = FIXED_EPOCH_MS / 1000 + time;
      const midnight = Math.floor(total / 86400) * 86400;
      const day = new Date(midnight * 1000);
      const drawn = this._draw({
        time, delta, frame,
        fps: delta > 0 ? 1 / delta : 60,
        mouse: options.mouse ? Float32Array.from(options.mouse) : new Float32Array(4),
        date: new Float32Array([day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), total - midnight]),
      });
      this._lastRenderTime = time;
      this._time = time;
      this._frame = frame + 1;
      return drawn;
    }

    // Clears every buffer and the frame count (time is kept).
    reset() {
      this._clearBuffers();
      this._frame = 0;
      this._lastRenderTime = null;
    }

    _clearBuffers() {
      const gl = this.gl;
      this._ensureBuffers();
      for (const name of Object.keys(this._buffers)) {
        const buffer = this._buffers[name];
        for (const fbo of buffer.fbos) {
          gl.bindFramebuffer(gl.FRAMEBUFFER, fbo);
          gl.clearColor(0, 0, 0, 0);
          gl.clear(gl.COLOR_BUFFER_BIT);
        }
        buffer.front = 0;
        buffer.mipDirty = [true, true];
      }
      gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    }

    // ---- Clock (pages) ----

    play() {
      if (this._playing || this._lost) return;
      this._playing = true;
      this._lastStamp = null;
      this._raf = requestAnimationFrame((t) => this._tick(t));
      this._eachVideo((video) => video.play().catch(() => {}));
    }

    pause() {
      this._playing = false;
      this._eachVideo((video) => video.pause());
      if (this._raf) cancelAnimationFrame(this._raf);
      this._raf = 0;
    }

    // Back to time 0 and frame 0 with cleared buffers; redraws at once when paused.
    restart() {
      this._time = 0;
      this._eachVideo((video) => { video.currentTime = 0; });
      this.reset();
      this._lastDelta = 1 / 60;
      if (!this._playing) this._drawClockFrame();
    }

    // Seek; while paused the new time is drawn immediately.
    setTime(t) {
      this._time = Math.max(0, Number(t) || 0);
      if (!this._playing) this._drawClockFrame();
    }

    _tick(stamp) {
      if (!this._playing) return;
      this._raf = requestAnimationFrame((t) => this._tick(t));
      if (this._lastStamp !== null) {
        // Cap the step so a backgrounded tab does not jump the animation by minutes.
        const dt = Math.min(Math.max((stamp - this._lastStamp) / 1000, 0), 0.25);
        this._time += dt;
        this._lastDelta = dt || this._lastDelta;
        if (dt > 0) this._fps = 0.9 * this._fps + 0.1 * (1 / dt); // smoothed
      }
      this._lastStamp = stamp;
      this._drawClockFrame();
    }

    _drawClockFrame() {
      this._clockUsed = true;
      const now = new Date(); // Shadertoy's iDate is the viewer's local clock
      const seconds =
        now.getHours() * 3600 + now.getMinutes() * 60 + now.getSeconds() + now.getMilliseconds() / 1000;
      const u = {
        time: this._time, delta: this._lastDelta, fps: this._fps, frame: this._frame,
        mouse: Float32Array.from(this._mouse),
        date: new Float32Array([now.getFullYear(), now.getMonth(), now.getDate(), seconds]),
      };
      if (!this._draw(u)) return;
      this._frame = u.frame + 1;
      if (this.onFrame) this.onFrame({ time: this._time, frame: u.frame, fps: this._fps });
    }

    // ---- Mouse, size, pixels ----

    // Sets iMouse for the clock (x, y in device pixels from the bottom-left).
    setMouse(x, y, z, w) {
      this._mouse = [x, y, z, w];
    }

    // Wires pointer events on the canvas to iMouse (Shadertoy convention); returns a detach function.
    attachMouse() {
      const canvas = this.canvas;
      const position = (event) => {
        const rect = canvas.getBoundingClientRect();
        return [
          (event.clientX - rect.left) * (canvas.width / Math.max(rect.width, 1)),
          (rect.bottom - event.clientY) * (canvas.height / Math.max(rect.height, 1)), // GL: y up
        ];
      };
      let down = false;
      // Released: keep the last position, and mark the click as over by negating z and w.
      const release = () => {
        if (!down) return;
        down = false;
        this._mouse[2] = -Math.abs(this._mouse[2]);
        this._mouse[3] = -Math.abs(this._mouse[3]);
      };
      const handlers = [
        ["pointerdown", (e) => {
          down = true;
          const [x, y] = position(e);
          this._mouse = [x, y, x, y];
          if (canvas.setPointerCapture) canvas.setPointerCapture(e.pointerId);
        }],
        ["pointermove", (e) => {
          if (!down) return;
          const [x, y] = position(e);
          this._mouse[0] = x;
          this._mouse[1] = y;
        }],
        ["pointerup", release],
        ["pointercancel", release],
      ];
      for (const [type, handler] of handlers) this._listen(canvas, type, handler);
      return () => {
        for (const [type, handler] of handlers) canvas.removeEventListener(type, handler);
        this._listeners = this._listeners.filter(([, , h]) => !handlers.some(([, hh]) => hh === h));
      };
    }

    // Sets the drawing-buffer size in device pixels; buffers are reallocated (cleared).
    setSize(width, height) {
      const w = Math.max(1, Math.floor(width)), h = Math.max(1, Math.floor(height));
      if (this.canvas.width === w && this.canvas.height === h) return;
      this.canvas.width = w;
      this.canvas.height = h;
      // Resizing blanks the canvas: redraw a paused page's picture (with restarted buffers).
      // Not in renderFrame() use, where the next call draws anyway.
      if (this._clockUsed && !this._playing && this._passes && !this._lost) this._drawClockFrame();
    }

    // Sizes the drawing buffer to the canvas's CSS size times pixelRatio.
    fitToDisplay() {
      const rect = this.canvas.getBoundingClientRect();
      if (rect.width > 0 && rect.height > 0) {
        this.setSize(Math.round(rect.width * this.pixelRatio), Math.round(rect.height * this.pixelRatio));
      }
    }

    // The canvas as RGBA bytes, rows bottom-up (GL order). Call right after a frame unless
    // the player was created with preserveDrawingBuffer.
    readPixels() {
      const gl = this.gl, width = this.canvas.width, height = this.canvas.height;
      const data = new Uint8Array(width * height * 4);
      gl.bindFramebuffer(gl.FRAMEBUFFER, null);
      gl.readPixels(0, 0, width, height, gl.RGBA, gl.UNSIGNED_BYTE, data);
      return { width, height, data };
    }

    destroy() {
      const gl = this.gl;
      this.pause();
      for (const [target, type, handler] of this._listeners) target.removeEventListener(type, handler);
      this._listeners = [];
      this._deletePrograms();
      this._deleteBuffers();
      for (const sampler of Object.values(this._samplers)) gl.deleteSampler(sampler);
      for (const builtin of Object.values(this._textures)) if (builtin) gl.deleteTexture(builtin.texture);
      for (const image of Object.values(this._media)) {
        if (image && image.stop) image.stop();
        if (image) gl.deleteTexture(image.texture);
      }
      for (const live of Object.values(this._live)) {
        if (live.stop) live.stop();
        gl.deleteTexture(live.texture);
      }
      this._live = {};
      gl.deleteTexture(this._blackCube);
      gl.deleteTexture(this._black3D);
      this._media = {};
      gl.deleteTexture(this._black);
      gl.deleteShader(this._vertexShader);
      this._samplers = {};
      this._textures = {};
      this._version = null;
    }
  }

  window.FractafragPlayer = FractafragPlayer;
})();
