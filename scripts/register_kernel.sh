#!/usr/bin/env bash
# Registers the course's Python as the Jupyter kernel "Python (course autoencoders)".
# Shared by `make setup` and repo2docker's postBuild (Binder, JupyterHub), so both
# set up the same way. Usage: scripts/register_kernel.sh [python]
set -euo pipefail
python=${1:-python}
"$python" -m ipykernel install --sys-prefix --name course-autoencoders \
    --display-name "Python (course autoencoders)" >/dev/null
