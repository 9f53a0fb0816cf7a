"""Live demo speed in headless Chromium, on this machine's CPU (no WebGL here).

1. The median time of one ``courseDemo.denoise`` call (the 32-32-16 denoiser, about
   10 million multiply-adds), on the WebAssembly backend the page uses and on the
   plain-JavaScript CPU backend (``?backend=cpu``), in one browser: their ratio.
2. A dragged slider: ``--events`` input events on the noise slider, 16 ms apart as a
   pointer moves; how long the page's event handlers take, how many denoisings ran
   (latest value wins, so far fewer than the events) and how long after the last
   event the panels showed its value.

A benchmark, not a test: ``.venv/bin/python benchmarks/demo_speed.py`` after ``make demo``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
from pathlib import Path

from playwright.sync_api import sync_playwright

FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]

TIME_CALLS = """async calls => {
    const pixels = new Float32Array(784).fill(0.3);
    for (let i = 0; i < 5; i++) await courseDemo.denoise(pixels);  // warm-up
    const times = [];
    for (let i = 0; i < calls; i++) {
        const start = performance.now();
        await courseDemo.denoise(pixels);
        times.push(performance.now() - start);
    }
    return times;
}"""

DRAG = """async ({ events, gap }) => {
    const slider = document.getElementById("noise");
    const handlers = [];
    const before = courseDemo.computations;
    for (let i = 0; i < events; i++) {
        slider.value = (i % 21) / 20;
        const start = performance.now();
        slider.dispatchEvent(new Event("input"));
        handlers.push(performance.now() - start);
        await new Promise(resolve => setTimeout(resolve, gap));
    }
    const last = performance.now();
    await courseDemo.idle();
    return { handlers, computations: courseDemo.computations - before,
             settled: performance.now() - last };
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page", default="build/demo/en/index.html")
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--events", type=int, default=60)
    args = parser.parse_args()
    page_path = Path(args.page).resolve()
    if not page_path.is_file():
        raise SystemExit(f"{page_path} is missing: run `make demo` first.")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=FLAGS)
        medians = {}
        for backend in ("wasm", "cpu"):
            page = browser.new_page()
            page.goto(page_path.as_uri() + f"?backend={backend}")
            page.evaluate("courseDemo.ready")
            page.evaluate("courseDemo.idle()")
            assert page.evaluate("courseDemo.backend") == backend
            times = page.evaluate(TIME_CALLS, args.calls)
            medians[backend] = statistics.median(times)
            print(f"denoise, {backend:4} backend: median {medians[backend]:.1f} ms over {args.calls} calls "
                  f"(fastest {min(times):.1f}, slowest {max(times):.1f})")
            drag = page.evaluate(DRAG, {"events": args.events, "gap": 16})
            print(f"  dragged slider, {args.events} input events 16 ms apart: handlers took at most "
                  f"{max(drag['handlers']):.2f} ms (median {statistics.median(drag['handlers']):.2f}); "
                  f"{drag['computations']} updates ran; the last value showed "
                  f"{drag['settled']:.0f} ms after the last event")
            page.close()
        print(f"ratio cpu / wasm: {medians['cpu'] / medians['wasm']:.1f}×")
        browser.close()


if __name__ == "__main__":
    main()
