"""Memory of one active student: each notebook run in a fresh course kernel, as a student runs it.

For sizing a class hub (docs/en/hub.md): each notebook's code cells run top to
bottom with its own defaults in the kernel "course-autoencoders", while the resident
memory of the kernel is sampled every 0.2 s. It prints the peak and the memory after the
last cell; a student's JupyterLab server adds about 133 MB (measured in the hub).

A benchmark, not a test: ``.venv/bin/python benchmarks/student_memory.py [--lang zh] [02 03]``.
Needs full MNIST (``make data``).
"""

from __future__ import annotations

import argparse
import threading
import time

import psutil
from jupyter_client.manager import start_new_kernel

from course_tools.notebook.editions import course_edition
from course_tools.run.runner import course_notebooks

KERNEL = "course-autoencoders"


class PeakMemory:
    """The largest resident size of a process and its children, sampled in a thread."""

    def __init__(self, pid: int, every: float = 0.2):
        self.process, self.every, self.peak = psutil.Process(pid), every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def now(self) -> int:
        return sum(p.memory_info().rss for p in [self.process, *self.process.children(recursive=True)])

    def _sample(self):
        while not self._stop.wait(self.every):
            self.peak = max(self.peak, self.now())

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def run_in_kernel(path, lang: str) -> dict:
    manager, client = start_new_kernel(kernel_name=KERNEL)
    try:
        memory, started, errors = PeakMemory(manager.provisioner.process.pid), time.perf_counter(), []
        for cell in course_edition(path, lang).cells:
            if cell.cell_type == "code":
                reply = client.execute_interactive(cell.source, timeout=1800, output_hook=lambda message: None)
                if reply["content"]["status"] != "ok":
                    errors.append(reply["content"].get("ename"))
        last = memory.now()
        return {"seconds": time.perf_counter() - started, "peak": memory.stop(), "after": last, "errors": errors}
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("numbers", nargs="*", help="notebook numbers (default: all)")
    parser.add_argument("--lang", default="en", choices=["zh", "en"])
    args = parser.parse_args()
    print(f"{'notebook':<36} {'seconds':>8} {'peak MB':>8} {'after MB':>9}  errors")
    for path in course_notebooks(args.numbers or None):
        result = run_in_kernel(path, args.lang)
        print(f"{path.stem:<36} {result['seconds']:>8.0f} {result['peak'] / 2**20:>8,.0f} "
              f"{result['after'] / 2**20:>9,.0f}  {', '.join(result['errors']) or 'none'}", flush=True)


if __name__ == "__main__":
    main()
