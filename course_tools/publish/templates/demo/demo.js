// The course's shipped autoencoders, run with TensorFlow.js ops on the CPU backend.
// window.courseDemo: ready, denoise, reconstruct, encode, decode (see docs/en/instructors.md).
(function () {
  "use strict";
  const DATA = window.COURSE_DEMO_DATA;
  const TEXT = window.COURSE_DEMO_TEXT;
  const SIDE = 28;
  const PIXELS = SIDE * SIDE;
  const CODE_SHAPE = [4, 4, 8];
  const CODE_SIZE = 4 * 4 * 8;

  // --- the weights: base64 little-endian float32, written by course_tools/demo.py ---
  function bytes(base64) {
    const text = atob(base64);
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
    return out;
  }
  const floats = (base64) => new Float32Array(bytes(base64).buffer);

  function prepareLayer(layer) {
    if (layer.type !== "conv" && layer.type !== "deconv") return layer;
    return Object.assign({}, layer, {
      kernel: tf.tensor4d(floats(layer.kernel), layer.shape),
      bias: tf.tensor1d(floats(layer.bias)),
    });
  }

  function activate(x, name) {
    if (name === "relu") return tf.relu(x);
    if (name === "linear") return x;
    throw new Error(`unknown activation ${name}`);
  }

  // One Keras layer. Keras' 'nearest' Resizing is tf.image.resize, which uses half-pixel centres.
  function applyLayer(layer, x) {
    const [batch, height, width] = x.shape;
    switch (layer.type) {
      case "conv":
        return activate(tf.conv2d(x, layer.kernel, layer.strides, layer.padding).add(layer.bias),
                        layer.activation);
      case "deconv": {
        const outShape = [batch, height * layer.strides[0], width * layer.strides[1], layer.shape[2]];
        return activate(tf.conv2dTranspose(x, layer.kernel, outShape, layer.strides, layer.padding)
                          .add(layer.bias), layer.activation);
      }
      case "pool":
        return tf.maxPool(x, layer.size, layer.size, layer.padding);
      case "resize":
        return tf.image.resizeNearestNeighbor(x, layer.size, false, true);
      case "crop": {
        const [top, bottom, left, right] = layer.crop;
        return x.slice([0, top, left, 0], [batch, height - top - bottom, width - left - right, -1]);
      }
      default:
        throw new Error(`unknown layer ${layer.type}`);
    }
  }

  function checked(values, size, message) {
    if (!values || values.length !== size) throw new RangeError(message);
    for (let i = 0; i < size; i++) {
      if (!Number.isFinite(values[i])) throw new RangeError(message);
    }
    return Float32Array.from(values);
  }

  async function run(layers, values, shape, { sigmoid = false } = {}) {
    const output = tf.tidy(() => {
      let x = tf.tensor4d(values, shape);
      for (const layer of layers) x = applyLayer(layer, x);
      return sigmoid ? tf.sigmoid(x) : x;
    });
    const result = await output.data();
    output.dispose();
    return result;
  }

  // WebAssembly (SIMD) is about 20 times faster than the plain-JavaScript CPU backend here;
  // ?backend=cpu asks for the latter, and it is the fallback where WebAssembly fails.
  async function startBackend() {
    if (new URLSearchParams(location.search).get("backend") !== "cpu") {
      const binaries = window.TFJS_WASM_BINARIES;
      tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);  // file:// is never cross-origin isolated
      // tfjs wants an entry for the threaded binary too; with threads off it is never loaded.
      tf.wasm.setWasmPaths({ ...binaries,
                             "tfjs-backend-wasm-threaded-simd.wasm": binaries["tfjs-backend-wasm-simd.wasm"] });
      if (await tf.setBackend("wasm")) return "wasm";
    }
    await tf.setBackend("cpu");
    return "cpu";
  }

  const models = {};
  const imageInput = (pixels) => {
    const values = checked(pixels, PIXELS, TEXT.bad_pixels);
    if (values.some((v) => v < 0 || v > 1)) throw new RangeError(TEXT.bad_pixels);
    return values;
  };
  const throughModel = (name) => async (pixels) =>
    run(models[name].all, imageInput(pixels), [1, SIDE, SIDE, 1], { sigmoid: true });

  const api = {
    ready: startBackend().then((backend) => {
      api.backend = backend;
      for (const [name, model] of Object.entries(DATA.models)) {
        const encoder = model.encoder.map(prepareLayer);
        const decoder = model.decoder.map(prepareLayer);
        models[name] = { encoder, decoder, all: encoder.concat(decoder) };
      }
      return true;
    }),
    denoise: throughModel("denoise_32_32_16"),
    reconstruct: throughModel("conv_16_8_8"),
    reconstructWith: (name, pixels) => throughModel(name)(pixels),
    encode: async (pixels) => run(models.conv_16_8_8.encoder, imageInput(pixels), [1, SIDE, SIDE, 1]),
    decode: async (code) => run(models.conv_16_8_8.decoder, checked(code, CODE_SIZE, TEXT.bad_code),
                          [1, ...CODE_SHAPE], { sigmoid: true }),
    idle: async () => {
      await state.loading;
      await Promise.all(tasks.map((task) => task.idle()));
    },
    computations: 0,
  };
  window.courseDemo = api;

  // --- small image helpers ---
  function psnr(clean, other) {
    let sum = 0;
    for (let i = 0; i < PIXELS; i++) sum += (clean[i] - other[i]) ** 2;
    const mse = sum / PIXELS;
    return mse === 0 ? Infinity : 10 * Math.log10(1 / mse);
  }
  const formatPsnr = (value) => (value === Infinity ? "PSNR ∞" : `PSNR ${value.toFixed(2)} dB`);

  // Seeded Gaussian noise (mulberry32 + Box–Muller), clipped to [0, 1] as in the course.
  function generator(seed) {
    let state = seed >>> 0;
    return function () {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  function addNoise(clean, factor, seed) {
    const uniform = generator(seed);
    const noisy = new Float32Array(PIXELS);
    for (let i = 0; i < PIXELS; i++) {
      const normal = Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
      noisy[i] = Math.min(1, Math.max(0, clean[i] + factor * normal));
    }
    return noisy;
  }

  // 3×3 median, edges mirrored (scipy.ndimage's default 'reflect').
  function median3(image) {
    const at = (r, c) => {
      const rr = r < 0 ? -r - 1 : r >= SIDE ? 2 * SIDE - r - 1 : r;
      const cc = c < 0 ? -c - 1 : c >= SIDE ? 2 * SIDE - c - 1 : c;
      return image[rr * SIDE + cc];
    };
    const out = new Float32Array(PIXELS);
    const window9 = new Float32Array(9);
    for (let r = 0; r < SIDE; r++) {
      for (let c = 0; c < SIDE; c++) {
        let k = 0;
        for (let dr = -1; dr <= 1; dr++) for (let dc = -1; dc <= 1; dc++) window9[k++] = at(r + dr, c + dc);
        window9.sort();
        out[r * SIDE + c] = window9[4];
      }
    }
    return out;
  }

  function paint(canvas, values, colour = (v) => [v * 255, v * 255, v * 255]) {
    const context = canvas.getContext("2d");
    const picture = context.createImageData(canvas.width, canvas.height);
    for (let i = 0; i < canvas.width * canvas.height; i++) {
      const [r, g, b] = colour(values[i]);
      picture.data.set([r, g, b, 255], i * 4);
    }
    context.putImageData(picture, 0, 0);
  }
  // Dark blue → green → yellow, like viridis, for codes (ReLU outputs, so never below 0).
  function heat(v) {
    const stops = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
    const x = Math.min(1, Math.max(0, v)) * (stops.length - 1);
    const i = Math.min(stops.length - 2, Math.floor(x));
    const f = x - i;
    return stops[i].map((low, j) => low + f * (stops[i + 1][j] - low));
  }

  // "Latest value wins": an input event only records its value; the work runs after
  // the event, and values that arrive meanwhile replace one another.
  function latestWins(work) {
    let pending = null;
    let running = null;
    function start() {
      running = (async () => {
        await new Promise((resolve) => setTimeout(resolve, 0));
        while (pending !== null) {
          const value = pending;
          pending = null;
          api.computations += 1;
          await work(value);
        }
        running = null;
      })();
    }
    return {
      request(value) {
        pending = value;
        if (!running) start();
      },
      idle: () => running || Promise.resolve(),
    };
  }

  // --- the page ---
  const $ = (id) => document.getElementById(id);
  const gallery = {
    pixels: bytes(DATA.gallery.pixels),
    labels: DATA.gallery.labels,
    image(i) {
      return Float32Array.from(this.pixels.subarray(i * PIXELS, (i + 1) * PIXELS), (v) => v / 255);
    },
  };
  const state = { image: gallery.image(0), seed: 0, code: null, target: gallery.labels.indexOf(8),
                  loading: null };
  const directions = {
    mean: floats(DATA.codes.mean),
    vectors: floats(DATA.codes.directions),
    spread: DATA.codes.spread,
  };
  const direction = (k) => directions.vectors.subarray(k * CODE_SIZE, (k + 1) * CODE_SIZE);
  const project = (code, k) => {
    let sum = 0;
    const v = direction(k);
    for (let i = 0; i < CODE_SIZE; i++) sum += (code[i] - directions.mean[i]) * v[i];
    return sum;
  };

  const denoiseTask = latestWins(async () => {
    const factor = Number($("noise").value);
    const noisy = addNoise(state.image, factor, state.seed);
    const denoised = await api.denoise(noisy);
    const median = median3(noisy);
    paint($("panel-clean"), state.image);
    paint($("panel-noisy"), noisy);
    paint($("panel-denoised"), denoised);
    paint($("panel-median"), median);
    $("psnr-noisy").textContent = formatPsnr(psnr(state.image, noisy));
    $("psnr-denoised").textContent = formatPsnr(psnr(state.image, denoised));
    $("psnr-median").textContent = formatPsnr(psnr(state.image, median));
  });

  function drawHeatmap(code) {
    let largest = 1e-6;
    for (const v of code) largest = Math.max(largest, v);
    CHANNEL_CANVASES.forEach((canvas, channel) => {
      const values = new Float32Array(16);
      for (let cell = 0; cell < 16; cell++) values[cell] = code[cell * 8 + channel] / largest;
      paint(canvas, values, heat);
    });
  }

  const codeTask = latestWins(async () => {
    const code = Float32Array.from(state.code);
    SLIDERS.forEach((slider, k) => {
      const shift = Number(slider.value) * directions.spread[k] - project(state.code, k);
      const v = direction(k);
      for (let i = 0; i < CODE_SIZE; i++) code[i] += shift * v[i];
    });
    drawHeatmap(code);
    paint($("panel-decoded"), await api.decode(code));
  });

  const interpolationTask = latestWins(async () => {
    const t = Number($("interp-t").value);
    const [from, to] = await Promise.all([api.encode(state.image), api.encode(gallery.image(state.target))]);
    const mix = from.map((a, i) => (1 - t) * a + t * to[i]);
    paint($("interp-from"), state.image);
    paint($("interp-to"), gallery.image(state.target));
    paint($("interp-mix"), await api.decode(mix));
  });

  const checkerTask = latestWins(async () => {
    for (const [name, panel] of [["conv_16_8_8", "resize"], ["transpose3_16_8_8", "transpose3"],
                                 ["transpose4_16_8_8", "transpose4"]]) {
      const output = await api.reconstructWith(name, state.image);
      paint($(`panel-${panel}`), output);
      $(`psnr-${panel}`).textContent = formatPsnr(psnr(state.image, output));
    }
  });
  const tasks = [denoiseTask, codeTask, interpolationTask, checkerTask];

  function useImage(image) {
    state.loading = showImage(image);
    return state.loading;
  }
  async function showImage(image) {
    state.image = image;
    paint($("current"), image);
    state.code = await api.encode(image);
    SLIDERS.forEach((slider, k) => { slider.value = project(state.code, k) / directions.spread[k]; });
    denoiseTask.request(true);
    codeTask.request(true);
    interpolationTask.request(true);
    checkerTask.request(true);
  }

  // Drawing, centred and scaled like MNIST: the digit's box fits 20×20, its centre of mass at the middle.
  function drawingToImage(canvas) {
    const source = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    let top = canvas.height, bottom = -1, left = canvas.width, right = -1;
    for (let y = 0; y < canvas.height; y++) {
      for (let x = 0; x < canvas.width; x++) {
        if (source[(y * canvas.width + x) * 4] > 0) {
          top = Math.min(top, y); bottom = Math.max(bottom, y);
          left = Math.min(left, x); right = Math.max(right, x);
        }
      }
    }
    if (bottom < 0) return null;
    const width = right - left + 1, height = bottom - top + 1;
    const scale = 20 / Math.max(width, height);
    const small = document.createElement("canvas");
    small.width = small.height = SIDE;
    const context = small.getContext("2d");
    context.imageSmoothingQuality = "high";
    context.drawImage(canvas, left, top, width, height, (SIDE - width * scale) / 2,
                      (SIDE - height * scale) / 2, width * scale, height * scale);
    const grey = context.getImageData(0, 0, SIDE, SIDE).data;
    let mass = 0, rows = 0, columns = 0;
    for (let i = 0; i < PIXELS; i++) {
      const v = grey[i * 4] / 255;
      mass += v; rows += v * Math.floor(i / SIDE); columns += v * (i % SIDE);
    }
    const dy = Math.round((SIDE - 1) / 2 - rows / mass), dx = Math.round((SIDE - 1) / 2 - columns / mass);
    const image = new Float32Array(PIXELS);
    for (let y = 0; y < SIDE; y++) {
      for (let x = 0; x < SIDE; x++) {
        const sy = y - dy, sx = x - dx;
        if (sy >= 0 && sy < SIDE && sx >= 0 && sx < SIDE) image[y * SIDE + x] = grey[(sy * SIDE + sx) * 4] / 255;
      }
    }
    return image;
  }

  function setUpDrawing() {
    const canvas = $("drawing");
    const context = canvas.getContext("2d");
    const clear = () => { context.fillStyle = "#000"; context.fillRect(0, 0, canvas.width, canvas.height); };
    clear();
    let last = null;
    const point = (event) => {
      const box = canvas.getBoundingClientRect();
      return [(event.clientX - box.left) * canvas.width / box.width,
              (event.clientY - box.top) * canvas.height / box.height];
    };
    canvas.addEventListener("pointerdown", (event) => {
      canvas.setPointerCapture(event.pointerId);
      last = point(event);
    });
    canvas.addEventListener("pointermove", (event) => {
      if (!last) return;
      const next = point(event);
      context.strokeStyle = "#fff"; context.lineWidth = 14; context.lineCap = "round";
      context.beginPath(); context.moveTo(...last); context.lineTo(...next); context.stroke();
      last = next;
    });
    const finish = () => {
      if (!last) return;
      last = null;
      const image = drawingToImage(canvas);
      if (image) useImage(image);
    };
    canvas.addEventListener("pointerup", finish);
    canvas.addEventListener("pointercancel", finish);
    $("clear").addEventListener("click", clear);
  }

  function setUpGallery() {
    const box = $("gallery");
    const select = $("interp-target");
    gallery.labels.forEach((label, i) => {
      const canvas = document.createElement("canvas");
      canvas.width = canvas.height = SIDE;
      canvas.title = String(label);
      canvas.dataset.index = i;
      paint(canvas, gallery.image(i));
      canvas.addEventListener("click", () => {
        box.querySelectorAll("canvas").forEach((c) => c.classList.remove("chosen"));
        canvas.classList.add("chosen");
        useImage(gallery.image(i));
      });
      box.appendChild(canvas);
      select.add(new Option(`${label} (#${i + 1})`, String(i)));
    });
    box.firstChild.classList.add("chosen");
    select.value = String(state.target);
    select.addEventListener("change", () => {
      state.target = Number(select.value);
      interpolationTask.request(true);
    });
  }

  const CHANNEL_CANVASES = [];
  const SLIDERS = [];
  function setUpCodeSpace() {
    for (let channel = 0; channel < CODE_SHAPE[2]; channel++) {
      const figure = document.createElement("figure");
      const canvas = document.createElement("canvas");
      canvas.width = canvas.height = 4;
      figure.append(canvas, Object.assign(document.createElement("figcaption"),
                                          { textContent: `${TEXT.channel} ${channel + 1}` }));
      $("heatmap").appendChild(figure);
      CHANNEL_CANVASES.push(canvas);
    }
    DATA.codes.spread.forEach((_, k) => {
      const label = document.createElement("label");
      const share = (100 * DATA.codes.explained[k]).toFixed(1);
      label.textContent = TEXT.component_share.replace("{k}", k + 1).replace("{share}", share);
      const slider = Object.assign(document.createElement("input"),
                                   { type: "range", min: -3, max: 3, step: 0.05, value: 0 });
      slider.addEventListener("input", () => codeTask.request(true));
      label.appendChild(slider);
      $("components").appendChild(label);
      SLIDERS.push(slider);
    });
    $("reset-code").addEventListener("click", () => useImage(state.image));
  }

  function setUpControls() {
    $("noise").addEventListener("input", () => {
      $("noise-value").textContent = Number($("noise").value).toFixed(2);
      denoiseTask.request(true);
    });
    $("reseed").addEventListener("click", () => {
      state.seed += 1;
      $("seed-value").textContent = state.seed;
      denoiseTask.request(true);
    });
    $("interp-t").addEventListener("input", () => {
      $("interp-value").textContent = Number($("interp-t").value).toFixed(2);
      interpolationTask.request(true);
    });
  }

  function fillModelTable() {
    const body = document.querySelector("#model-table tbody");
    for (const [name, facts] of Object.entries(DATA.facts)) {
      const upsampling = facts.architecture.upsampling === "transpose"
        ? `${facts.architecture.transpose_kernel || 3}×${facts.architecture.transpose_kernel || 3} ${TEXT.transpose}`
        : TEXT.nearest;
      const training = TEXT.steps_epochs.replace("{steps}", facts.steps.toLocaleString("en"))
        .replace("{epochs}", facts.epochs).replace("{minutes}", facts.minutes);
      const row = body.insertRow();
      [name, facts.architecture.filters.join("-"), upsampling, facts.noise_factor, training,
       `${facts.test.psnr.toFixed(2)} dB / ${facts.test.ssim.toFixed(3)}`].forEach((value, i) => {
        const cell = row.insertCell();
        if (i === 0) cell.appendChild(document.createElement("code")).textContent = value;
        else cell.textContent = value;
      });
    }
    const first = Object.values(DATA.facts)[0];
    $("models-note").textContent = TEXT.models_note
      .replace("{train}", first.train_images.toLocaleString("en"))
      .replace("{test}", DATA.test_images.toLocaleString("en"));
  }

  api.ready.then(() => {
    setUpGallery();
    setUpDrawing();
    setUpCodeSpace();
    setUpControls();
    fillModelTable();
    $("status").textContent = TEXT.ready;
    return useImage(state.image);
  });
})();
