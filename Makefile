# Two commands do everything:  make run   and   make test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
KERNEL := course-autoencoders
# make run uses the embedded MNIST subset; make run DATA_SOURCE=auto looks for full MNIST first.
DATA_SOURCE ?= embedded
EPOCHS ?= 5
NOTEBOOKS := $(wildcard notebooks/[0-9][0-9]_*.ipynb)

.PHONY: run test setup notebooks assets lab benchmark clean

# Execute every notebook headless: build/executed/*.ipynb and build/metrics.json.
run: setup
	rm -f build/metrics.json
	COURSE_DATA_SOURCE=$(DATA_SOURCE) $(BIN)/python -m course_utils notebooks --epochs $(EPOCHS)

# Unit tests, plus nbval on the committed notebooks with papermill-injected small parameters.
test: setup
	rm -rf build/nbval && mkdir -p build/nbval
	for notebook in $(NOTEBOOKS); do \
		$(BIN)/papermill --prepare-only --log-level WARNING -p epochs 1 \
			$$notebook build/nbval/$$(basename $$notebook) || exit 1; \
	done
	COURSE_DATA_SOURCE=embedded $(BIN)/python -m pytest tests build/nbval \
		--nbval-lax --nbval-sanitize-with tests/nbval_sanitize.cfg

# Regenerate the committed notebooks' outputs in place, with default parameters and embedded data.
notebooks: setup
	cd notebooks && COURSE_DATA_SOURCE=embedded ../$(BIN)/jupyter nbconvert --to notebook \
		--execute --inplace --ExecutePreprocessor.timeout=1800 \
		--ExecutePreprocessor.kernel_name=python3 $(notdir $(NOTEBOOKS))

setup: $(STAMP)

$(STAMP): pyproject.toml requirements/constraints.txt scripts/install_system_packages.sh
	PYTHON=$(PYTHON) scripts/install_system_packages.sh
	$(PYTHON) -c 'import sys; sys.exit("Python >= 3.10 is needed") if sys.version_info < (3, 10) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		-c requirements/constraints.txt -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) \
		--display-name "Python (course autoencoders)" >/dev/null
	touch $(STAMP)

lab: setup
	$(BIN)/jupyter lab notebooks

assets: setup
	$(BIN)/python assets/make_figures.py

# Column (c) needs PyTorch: .venv/bin/pip install torch==2.13.0 (CPU build; see README).
benchmark: setup
	$(BIN)/python benchmarks/train_speed.py --experiments
	$(BIN)/python benchmarks/time_to_quality.py

clean:
	rm -rf build .pytest_cache
