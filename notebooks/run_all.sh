#!/usr/bin/env bash
# Execute every notebook in notebooks/ headless, top to bottom, and fail if any cell raises.
#
#   notebooks/run_all.sh                          # with notebooks/.venv/bin/python
#   PYTHON=/path/to/python notebooks/run_all.sh   # with another interpreter
#   KEEP=outputs/notebooks/executed notebooks/run_all.sh   # keep the executed copies there
#
# The notebooks are executed into copies in a temporary folder (or in KEEP), so the committed
# notebooks stay without outputs. The simulator's results go to outputs/notebooks/ and are
# reused on the next run.
set -euo pipefail

CALLER_DIR="$(pwd)"
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# PYTHON: a path (relative to where the script was started from) or a command name.
if [[ -z "${PYTHON:-}" ]]; then
    PYTHON="notebooks/.venv/bin/python"
elif [[ "$PYTHON" == */* && "$PYTHON" != /* ]]; then
    PYTHON="$CALLER_DIR/$PYTHON"
fi
if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "error: no Python interpreter at '$PYTHON'." >&2
    echo "Create the environment first (see notebooks/README.md):" >&2
    echo "  python3 -m venv notebooks/.venv && notebooks/.venv/bin/pip install -r notebooks/requirements.txt" >&2
    exit 2
fi
# The interpreter as the kernel will see it (a virtual environment's own python, not its target).
PYTHON_EXE="$("$PYTHON" -c 'import sys; print(sys.executable)')"

if [[ ! -x target/release/displace ]]; then
    echo "building target/release/displace ..."
    cargo build --release
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
if [[ -n "${KEEP:-}" ]]; then
    [[ "$KEEP" == /* ]] || KEEP="$CALLER_DIR/$KEEP"
    mkdir -p "$KEEP"
    EXECUTED="$KEEP"
else
    EXECUTED="$WORK/executed"
    mkdir -p "$EXECUTED"
fi

# A private kernel specification, so that the notebooks run with $PYTHON even when another
# "python3" kernel is installed for the user or the system.
mkdir -p "$WORK/jupyter/kernels/python3"
cat >"$WORK/jupyter/kernels/python3/kernel.json" <<EOF
{"argv": ["$PYTHON_EXE", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
 "display_name": "Python 3 (displace notebooks)", "language": "python"}
EOF
export JUPYTER_PATH="$WORK/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"

failed=()
start_all=$SECONDS
for notebook in notebooks/*.ipynb; do
    start=$SECONDS
    echo "== $notebook"
    if "$PYTHON_EXE" -m nbconvert --to notebook --execute \
        --ExecutePreprocessor.kernel_name=python3 --ExecutePreprocessor.timeout=900 \
        --output-dir "$EXECUTED" --log-level=WARN "$notebook"; then
        echo "   ok in $((SECONDS - start)) s"
    else
        echo "   FAILED after $((SECONDS - start)) s" >&2
        failed+=("$notebook")
    fi
done

echo "all notebooks: $((SECONDS - start_all)) s"
if [[ -n "${KEEP:-}" ]]; then
    echo "executed copies in $KEEP"
fi
if ((${#failed[@]})); then
    echo "failed: ${failed[*]}" >&2
    exit 1
fi
