#!/usr/bin/env bash
# System packages the course needs. "run" (make run, make lab, make grade): venv support,
# a Chinese font for figure labels and bubblewrap for the grading sandbox. "test" (make test,
# make slides) adds Fashion-MNIST for the full-size data tests, npm for the slides' scripts
# and Chromium for the browser tests. Installs with apt when run as root; otherwise prints the command.
set -euo pipefail

purpose=${1:-run}
python=${PYTHON:-python3}
wanted=()
"$python" -c 'import ensurepip' 2>/dev/null || wanted+=("python3-venv")
fc-list : family 2>/dev/null | grep -i 'CJK' >/dev/null || wanted+=("fonts-noto-cjk")
command -v bwrap >/dev/null || wanted+=("bubblewrap")  # make grade runs each submission in a sandbox
if [ "$purpose" = test ]; then
    [ -d /usr/share/datasets/fashion-mnist ] || wanted+=("dataset-fashion-mnist")
    command -v npm >/dev/null || wanted+=("npm")            # installs the slides' reveal.js once
    command -v chromium >/dev/null || wanted+=("chromium")  # the browser tests of slides and JupyterLab
    command -v pdffonts >/dev/null || wanted+=("poppler-utils")  # the book's PDF tests (pdffonts, pdftotext)
fi

[ ${#wanted[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing system packages: ${wanted[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${wanted[@]}" >/dev/null
else
    echo "Optional system packages are missing: ${wanted[*]}"
    echo "  Install them with: sudo apt-get install ${wanted[*]}"
    echo "  (without fonts-noto-cjk, figure labels fall back to English)"
fi
