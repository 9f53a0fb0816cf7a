"""The live demo: the shipped models in the browser, offline (make demo → build/demo/<lang>/).

The weights are read from the hash-checked ``.keras`` files (``load_pretrained``) and
written, with a gallery of test images, the principal directions of the test set's
codes and the manifest's facts, into ``course-data.js``. The page runs the layers with
TensorFlow.js ops (``demo.js``), so it needs no server: Chromium refuses ``fetch`` of
``file://`` files, so every byte the page needs is in a ``<script>``.
"""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import numpy as np

from course_tools.settings import NODE_MODULES
from course_utils.language import N_, language_codes, languages, translate

TEMPLATES = Path(__file__).resolve().parent / "templates" / "demo"
TFJS = NODE_MODULES / "@tensorflow" / "tfjs" / "dist" / "tf.es2017.min.js"
WASM_DIST = NODE_MODULES / "@tensorflow" / "tfjs-backend-wasm" / "dist"
WASM_BACKEND = WASM_DIST / "tf-backend-wasm.es2017.min.js"
# Threads need a cross-origin-isolated page, which file:// never is, so the threaded
# binary is left out (demo.js turns threads off).
WASM_BINARIES = ("tfjs-backend-wasm.wasm", "tfjs-backend-wasm-simd.wasm")
MODELS = ("conv_16_8_8", "denoise_32_32_16", "transpose3_16_8_8", "transpose4_16_8_8")
CODE_MODEL = "conv_16_8_8"
GALLERY_PER_DIGIT = 3
PRINCIPAL_COMPONENTS = 4


def build_demo(out: Path, *, source: str = "local", dataset=None) -> dict[str, Path]:
    """Write build/demo/<lang>/ for each language of the course; return each language's index.html.

    The gallery and the code directions come from ``dataset``'s test images (by default
    loaded from ``source``), which must be images the shipped models never trained on.
    """
    from course_utils import load_dataset, load_pretrained, unseen_by_pretrained

    for needed in (TFJS, WASM_BACKEND):
        if not needed.is_file():
            raise FileNotFoundError(f"{needed} is missing: run `make web` (npm ci) first.")
    dataset = dataset or load_dataset(source=source, lang="en")
    if not all(unseen_by_pretrained(name, dataset) for name in MODELS):
        raise ValueError(f"The demo's gallery must be test images the shipped models never saw, but "
                         f"{dataset.description} Run `make data` for full MNIST, then `make demo`.")
    models = {name: load_pretrained(name) for name in MODELS}
    data = {
        "models": {name: export_model(model) for name, model in models.items()},
        "gallery": gallery(dataset),
        "codes": code_directions(models[CODE_MODEL], dataset.x_test),
        "facts": model_facts(),
        "test_images": len(dataset.x_test),
    }
    script = "window.COURSE_DEMO_DATA = " + json.dumps(data, separators=(",", ":")) + ";\n"
    binaries = "window.TFJS_WASM_BINARIES = " + json.dumps(wasm_data_urls()) + ";\n"
    pages = {}
    for lang in language_codes():
        folder = Path(out) / lang
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        (folder / "course-data.js").write_text(script, encoding="utf-8")
        (folder / "wasm-binaries.js").write_text(binaries, encoding="ascii")
        shutil.copyfile(TFJS, folder / "tf.min.js")
        shutil.copyfile(WASM_BACKEND, folder / "tf-backend-wasm.min.js")
        for name in ("demo.js", "demo.css"):
            shutil.copyfile(TEMPLATES / name, folder / name)
        pages[lang] = folder / "index.html"
        pages[lang].write_text(render_page(lang), encoding="utf-8")
    return pages


def as_base64(array: np.ndarray, dtype=np.float32) -> str:
    """Little-endian bytes of ``array`` as base64: exact, and a third of JSON's size."""
    return base64.b64encode(np.ascontiguousarray(array, dtype=np.dtype(dtype).newbyteorder("<")).tobytes()).decode()


def wasm_data_urls() -> dict[str, str]:
    """The WebAssembly binaries as data: URLs, which a file:// page may load (a file: URL it may not)."""
    return {name: "data:application/wasm;base64," + base64.b64encode((WASM_DIST / name).read_bytes()).decode()
            for name in WASM_BINARIES}


def export_model(model) -> dict[str, list[dict]]:
    """The encoder's and decoder's layers as the JSON that demo.js runs."""
    return {part: [export_layer(layer) for layer in model.get_layer(part).layers[1:]]
            for part in ("encoder", "decoder")}


def export_layer(layer) -> dict:
    """One Keras layer as a dict; an unknown kind is an error, never skipped."""
    kind = type(layer).__name__
    if kind in ("Conv2D", "Conv2DTranspose"):
        kernel, bias = layer.get_weights()
        return {"type": "conv" if kind == "Conv2D" else "deconv", "name": layer.name,
                "kernel": as_base64(kernel), "shape": list(kernel.shape), "bias": as_base64(bias),
                "strides": list(layer.strides), "padding": layer.padding,
                "activation": layer.activation.__name__}
    if kind == "MaxPooling2D":
        return {"type": "pool", "name": layer.name, "size": list(layer.pool_size),
                "padding": layer.padding}
    if kind == "Resizing" and layer.interpolation == "nearest":
        return {"type": "resize", "name": layer.name, "size": [layer.height, layer.width]}
    if kind == "Cropping2D":
        (top, bottom), (left, right) = layer.cropping
        return {"type": "crop", "name": layer.name, "crop": [top, bottom, left, right]}
    raise ValueError(f"The demo cannot run layer {layer.name!r} ({kind}); add it to "
                     "course_tools/publish/demo.py and course_tools/publish/templates/demo/demo.js.")


def gallery(dataset) -> dict:
    """The first GALLERY_PER_DIGIT test images of each digit, as bytes 0–255."""
    picks = [int(i) for digit in range(10)
             for i in np.flatnonzero(dataset.y_test == digit)[:GALLERY_PER_DIGIT]]
    pixels = np.rint(dataset.x_test[picks, ..., 0] * 255).astype(np.uint8)
    return {"pixels": as_base64(pixels, np.uint8), "labels": [int(dataset.y_test[i]) for i in picks],
            "indices": picks}


def code_directions(model, images: np.ndarray) -> dict:
    """The test set's codes: their mean and first principal directions, with the spread along each."""
    encoder = model.get_layer("encoder")
    codes = encoder.predict(images, batch_size=500, verbose=0).reshape(len(images), -1)
    mean = codes.mean(axis=0)
    _, singular, directions = np.linalg.svd(codes - mean, full_matrices=False)
    spread = singular[:PRINCIPAL_COMPONENTS] / np.sqrt(len(codes) - 1)
    explained = singular ** 2 / np.sum(singular ** 2)
    return {"mean": as_base64(mean), "directions": as_base64(directions[:PRINCIPAL_COMPONENTS]),
            "spread": [round(float(s), 4) for s in spread],
            "explained": [round(float(e), 4) for e in explained[:PRINCIPAL_COMPONENTS]],
            "count": len(codes)}


def model_facts() -> dict:
    """What the page says about each model, read from the manifest."""
    from course_utils.pretrained import read_manifest

    manifest = read_manifest()
    return {name: {"architecture": manifest[name]["architecture"],
                   "noise_factor": manifest[name]["noise_factor"],
                   "steps": manifest[name]["training"]["steps"],
                   "epochs": manifest[name]["training"]["epochs"],
                   "minutes": round(manifest[name]["training"]["seconds"] / 60),
                   "train_images": manifest[name]["data"]["train_images"],
                   "test": manifest[name]["test"]}
            for name in MODELS}


def page_text(lang: str) -> dict[str, str]:
    """The page's labels (:data:`PAGE_TEXT`) in one language."""
    return {key: translate(message, lang) for key, message in PAGE_TEXT.items()}


def demo_title(lang: str) -> str:
    """The demo's title in ``lang``: its page's ``<title>``, and the name of a frame that shows it."""
    return page_text(lang)["title"]


def render_page(lang: str) -> str:
    """index.html in one language: every label filled in at build time."""
    import jinja2

    text = page_text(lang)
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    return environment.get_template("index.html.j2").render(
        lang=lang, html_lang=languages()[lang].html, text=text,
        text_json=json.dumps(text, ensure_ascii=False).replace("<", "\\u003c"))


# What the page says, by the key demo.js reads; demo.js fills the {placeholders} as it runs.
PAGE_TEXT = {
    "title": N_("Convolutional autoencoders: a live demo", "live demo"),
    "intro": N_("These are the course's shipped models, fully trained on the 60,000 training images of full "
                "MNIST. Everything is computed in your browser: no server, no network.", "live demo"),
    "loading": N_("Loading the models…", "live demo"),
    "ready": N_("The models are ready.", "live demo"),
    "pick_heading": N_("1. Pick a test image, or draw a digit", "live demo"),
    "pick_help": N_("The images below come from the test set, which the models never saw in training. Or draw a "
                    "digit in the black square with your mouse or finger: when you let go it is scaled to 20×20 "
                    "pixels and centred on its centre of mass, the way MNIST digits are.", "live demo"),
    "draw_label": N_("Draw here", "live demo"),
    "clear_drawing": N_("Clear", "live demo"),
    "current": N_("Current image", "live demo"),
    "denoise_heading": N_("2. Denoising: add noise, then watch the denoiser clean it", "live demo"),
    "denoise_help": N_("The Gaussian noise's standard deviation is the noise factor; the noisy image is clipped "
                       "to [0, 1], as in the course. The denoiser was trained at noise factor 0.5. Under each "
                       "panel is its PSNR against the clean image; higher is better.", "live demo"),
    "noise_factor": N_("Noise factor", "live demo"),
    "reseed": N_("New noise", "live demo"),
    "seed": N_("seed", "live demo"),
    "clean": N_("Clean", "live demo"),
    "noisy": N_("Noisy", "live demo"),
    "denoised": N_("Denoising autoencoder", "live demo"),
    "median": N_("3×3 median filter", "live demo"),
    "reference": N_("reference", "live demo"),
    "code_heading": N_("3. The code space: the 4×4×8 code", "live demo"),
    "code_help": N_("The encoder squeezes 784 pixels into 128 numbers: a 4×4 grid with 8 channels in each cell. "
                    "Each small square below is one channel; brighter is larger. The sliders move the current "
                    "code along the first principal components of the test set's codes, and the decoder draws "
                    "the result.", "live demo"),
    "channel": N_("channel", "live demo"),
    "component_share": N_("Component {k} ({share}% of the variance)", "live demo"),
    "decoded": N_("Decoded", "live demo"),
    "reset": N_("Back to the current image's code", "live demo"),
    "interpolate_heading": N_("Interpolation: from the current image to another digit", "live demo"),
    "interpolate_help": N_("Mix the two images' codes in proportion and decode the mix. t = 0 is the current "
                           "image, t = 1 the one chosen on the right.", "live demo"),
    "target": N_("Target image", "live demo"),
    "checker_heading": N_("4. The checkerboard: nearest-neighbour resize + conv against transposed convolutions",
                          "live demo"),
    "checker_help": N_("The three autoencoders differ only in how the decoder enlarges the image; each has its "
                       "own encoder, so they share the input, not the code. In the enlarged images look at the "
                       "stroke edges and the background: that is where a transposed convolution's uneven kernel "
                       "overlap can leave a regular grid (notebook 04 measures how much).", "live demo"),
    "resize_conv": N_("resize + conv", "live demo"),
    "transpose3": N_("3×3 transposed conv", "live demo"),
    "transpose4": N_("4×4 transposed conv", "live demo"),
    "models_heading": N_("5. What these models are", "live demo"),
    "model": N_("Model", "live demo"),
    "filters": N_("Depths", "live demo"),
    "upsampling": N_("Upsampling", "live demo"),
    "nearest": N_("nearest-neighbour + conv", "live demo"),
    "transpose": N_("transposed convolution", "live demo"),
    "trained_noise": N_("Training noise", "live demo"),
    "training": N_("Training", "live demo"),
    "steps_epochs": N_("{steps} gradient steps ({epochs} epochs), {minutes} min", "live demo"),
    "test_scores": N_("Test PSNR / SSIM", "live demo"),
    "models_note": N_("Trained on the {train} training images of full MNIST; test scores over the {test} test "
                      "images (the denoiser's from inputs with noise factor 0.5). Figures read from "
                      "assets/models/manifest.json.", "live demo"),
    "bad_pixels": N_("Expected 784 values between 0 and 1 (a 28×28 image, row by row).", "live demo"),
    "bad_code": N_("Expected 128 values (the 4×4×8 code, channels last).", "live demo"),
}
