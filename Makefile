# Two commands do everything:  make run   and   make test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
KERNEL := course-autoencoders
# make run uses the embedded MNIST subset; make run DATA_SOURCE=auto looks for full MNIST first.
DATA_SOURCE ?= embedded
EPOCHS ?= 5
TRAIN_LIMIT ?= 4000

.PHONY: run test setup lab benchmark clean

run: setup
	rm -f build/metrics.json
	COURSE_DATA_SOURCE=$(DATA_SOURCE) $(BIN)/python -m course_utils train conv --epochs $(EPOCHS) --train-limit $(TRAIN_LIMIT)
	COURSE_DATA_SOURCE=$(DATA_SOURCE) $(BIN)/python -m course_utils train denoise --epochs $(EPOCHS) --train-limit $(TRAIN_LIMIT)
	@echo "Figures and metrics are in build/ (build/metrics.json)."

test: setup
	$(BIN)/python -m pytest

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

benchmark: setup
	COURSE_DATA_SOURCE=embedded $(BIN)/python benchmarks/train_speed.py

clean:
	rm -rf build .pytest_cache
