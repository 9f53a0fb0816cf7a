"""The live demo (make demo): Keras' numbers in Chromium from file://, in both languages."""

from __future__ import annotations

import re

import nbformat
import numpy as np
import pytest
from conftest import PageProblems, axe_violations, describe_violations

from course_tools.notebook.student import answer_lines, shown_answers
from course_tools.publish.demo import build_demo, export_layer
from course_tools.run.runner import course_notebooks
from course_utils import add_noise, load_pretrained
from course_utils.models import reconstruct, sigmoid

PARITY_IMAGES = 12


@pytest.fixture(scope="module")
def demo_pages(built_demo):
    return {lang: built_demo / lang / "index.html" for lang in ("zh", "en")}


@pytest.fixture(scope="module")
def pages(browser, demo_pages):
    """One ready page per language, with what each reported while it was used."""
    opened = {}
    for lang, path in demo_pages.items():
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        problems, requests = PageProblems(), []
        problems.watch(page)
        page.on("request", lambda request, seen=requests: seen.append(request.url))
        page.goto(path.as_uri())
        page.evaluate("courseDemo.ready")
        page.evaluate("courseDemo.idle()")
        opened[lang] = page, problems, requests
    yield opened
    for page, _, _ in opened.values():
        page.close()


def in_browser(page, function: str, inputs: np.ndarray) -> np.ndarray:
    call = f"async values => Array.from(await courseDemo.{function}(Float32Array.from(values)))"
    return np.array([page.evaluate(call, row.ravel().tolist()) for row in inputs])


def test_the_browser_gives_keras_numbers(pages, full_mnist):
    page = pages["en"][0]
    assert page.evaluate("courseDemo.backend") == "wasm"
    images = full_mnist.x_test[-PARITY_IMAGES:]  # not the gallery's, which are the first of each digit
    noisy = add_noise(images, 0.5, seed=11)
    flat = lambda x: x.reshape(len(x), -1)  # noqa: E731
    denoiser, autoencoder = load_pretrained("denoise_32_32_16"), load_pretrained("conv_16_8_8")
    np.testing.assert_allclose(in_browser(page, "denoise", noisy), flat(reconstruct(denoiser, noisy)),
                               atol=1e-4, rtol=0)
    np.testing.assert_allclose(in_browser(page, "reconstruct", images),
                               flat(reconstruct(autoencoder, images)), atol=1e-4, rtol=0)
    codes = autoencoder.get_layer("encoder").predict(images, verbose=0)
    np.testing.assert_allclose(in_browser(page, "encode", images), flat(codes), atol=1e-3, rtol=0)
    decoded = sigmoid(autoencoder.get_layer("decoder").predict(codes, verbose=0))
    np.testing.assert_allclose(in_browser(page, "decode", codes), flat(decoded), atol=1e-4, rtol=0)
    for name in ("transpose3_16_8_8", "transpose4_16_8_8"):
        call = (f"async values => Array.from(await courseDemo.reconstructWith('{name}', "
                "Float32Array.from(values)))")
        got = np.array([page.evaluate(call, image.ravel().tolist()) for image in images[:4]])
        np.testing.assert_allclose(got, flat(reconstruct(load_pretrained(name), images[:4])),
                                   atol=1e-4, rtol=0)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_nothing_is_requested_outside_file_urls_and_nothing_fails(pages, demo_pages, lang):
    page, problems, requests = pages[lang]
    page.click("#gallery canvas:nth-child(7)")
    page.fill("#noise", "0.8")
    page.evaluate("courseDemo.idle()")
    outside = [url for url in requests if not url.startswith(("file://", "data:"))]
    assert outside == [] and problems.failed_requests == [] and problems.console_errors == []
    folder = demo_pages[lang].parent
    assert {url for url in requests if url.startswith("file://")} == {f.as_uri() for f in folder.iterdir()}


def test_the_folder_is_self_contained_and_small(demo_pages):
    for page in demo_pages.values():
        folder = page.parent
        size = sum(f.stat().st_size for f in folder.iterdir())
        assert size <= 5e6, f"{folder} is {size / 1e6:.1f} MB"
        linked = re.findall(r'(?:src|href)="([^"]+)"', page.read_text(encoding="utf-8"))
        assert linked and all((folder / name).is_file() for name in linked), linked


ALLOWED_LATIN = r"PSNR|SSIM|MNIST|dB|conv_16_8_8|denoise_32_32_16|transpose[34]_16_8_8|assets/models/manifest\.json|t"


def visible_text(page) -> str:
    return page.evaluate("document.body.innerText")


def test_the_chinese_page_reads_chinese(pages):
    text = visible_text(pages["zh"][0])
    leftover = re.sub(rf"\b(?:{ALLOWED_LATIN})\b", "", text)
    assert re.findall(r"[A-Za-z]{2,}", leftover) == []
    assert "降噪自编码器" in text and "PSNR" in text


def test_the_english_page_has_no_chinese(pages):
    text = visible_text(pages["en"][0])
    assert re.findall(r"[\u3000-\u9fff\uff00-\uffef]", text) == []
    assert "Denoising autoencoder" in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_page_passes_wcag_21_aa(pages, lang):
    """The whole page, its models loaded: axe-core from npm."""
    violations = axe_violations(pages[lang][0])
    assert violations == [], describe_violations(violations, f"the {lang} demo")


def test_bad_input_is_refused_with_the_shape_it_needs(pages):
    page = pages["en"][0]
    for call in ("courseDemo.denoise(new Float32Array(10))", "courseDemo.encode(new Float32Array(784).fill(2))",
                 "courseDemo.decode(new Float32Array(784))"):
        message = page.evaluate(f"{call}.then(() => 'accepted', error => error.message)")
        assert re.search(r"784 values|128 values", message), (call, message)


def test_a_dragged_slider_computes_only_its_latest_value(pages):
    page = pages["en"][0]
    before = page.evaluate("courseDemo.computations")
    page.evaluate("""() => { const slider = document.getElementById("noise");
        for (let i = 0; i <= 40; i++) { slider.value = i / 40;
            slider.dispatchEvent(new Event("input")); } }""")
    page.evaluate("courseDemo.idle()")
    stormed = page.evaluate("courseDemo.computations") - before
    shown = page.inner_text("#psnr-noisy"), page.inner_text("#psnr-denoised")
    page.evaluate("""() => document.getElementById("noise").dispatchEvent(new Event("input"))""")
    page.evaluate("courseDemo.idle()")
    assert 1 <= stormed < 10, stormed
    assert (page.inner_text("#psnr-noisy"), page.inner_text("#psnr-denoised")) == shown
    assert page.inner_text("#noise-value") == "1.00"


def current_image(page) -> np.ndarray:
    pixels = page.evaluate("""() => Array.from(document.getElementById("current")
        .getContext("2d").getImageData(0, 0, 28, 28).data)""")
    return np.array(pixels[::4], dtype=float).reshape(28, 28) / 255


def test_a_drawn_digit_is_scaled_and_centred_like_mnist(pages):
    page = pages["en"][0]
    box = page.locator("#drawing").bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + 20)  # a stroke in the top-left corner
    page.mouse.down()
    page.mouse.move(box["x"] + 40, box["y"] + 60, steps=8)
    page.mouse.move(box["x"] + 70, box["y"] + 90, steps=8)
    page.mouse.up()
    page.evaluate("courseDemo.idle()")
    image = current_image(page)
    rows, columns = np.nonzero(image > 0.05)
    assert max(np.ptp(rows), np.ptp(columns)) + 1 in range(19, 23)  # the longer side about 20 pixels
    centre = [np.average(np.arange(28), weights=image.sum(axis=1 - axis)) for axis in (0, 1)]
    np.testing.assert_allclose(centre, [13.5, 13.5], atol=0.75)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_layout_fits_and_every_panel_is_drawn(pages, lang, tmp_path_factory):
    page = pages[lang][0]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    sizes = page.evaluate("""() => Array.from(document.querySelectorAll("canvas"),
        c => { const r = c.getBoundingClientRect(); return [c.id, r.width, r.height, r.right]; })""")
    assert len(sizes) >= 30 + 14 and all(w > 20 and h > 20 and right <= 1200 for _, w, h, right in sizes)
    for panel in ("panel-denoised", "panel-decoded", "interp-mix", "panel-transpose4"):
        brightest = page.evaluate(f"""() => Math.max(...document.getElementById("{panel}")
            .getContext("2d").getImageData(0, 0, 28, 28).data.filter((_, i) => i % 4 === 0))""")
        assert brightest > 100, panel  # the model drew a digit there
    headings = page.locator("h2").all()
    tops = [h.bounding_box()["y"] for h in headings]
    assert len(tops) == 5 and tops == sorted(tops)
    shots = tmp_path_factory.getbasetemp() / "demo-screenshots"
    shots.mkdir(exist_ok=True)
    page.screenshot(path=shots / f"{lang}.png", full_page=True)


def test_a_layer_the_demo_cannot_run_is_an_error():
    import keras

    with pytest.raises(ValueError, match="cannot run layer 'blur'.*demo.js"):
        export_layer(keras.layers.Resizing(7, 7, interpolation="bilinear", name="blur"))


def test_images_the_models_trained_on_are_refused(tmp_path, embedded):
    with pytest.raises(ValueError, match="never saw.*make data"):
        build_demo(tmp_path, dataset=embedded)


def test_the_demo_holds_no_answer(demo_pages, pages):
    """Not in its HTML, hidden or not, nor in what its script writes on the page."""
    answers = set().union(*(answer_lines(nbformat.read(path, as_version=4)) for path in course_notebooks()))
    for lang, path in demo_pages.items():
        assert shown_answers(path.read_text(encoding="utf-8"), answers) == [], lang
        shown = {line.strip() for line in pages[lang][0].inner_text("body").splitlines()}
        assert len(shown) > 5 and shown & answers == set(), lang
