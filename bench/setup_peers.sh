#!/usr/bin/env bash
# Create the virtual environment in which bench/run.py measures decide-exchange-model live.
#
# decide-exchange-model 2025.3.1 (GPL-3.0) requires Python 3.13 exactly; on an older Python
# pip silently installs its 2022 release, which crashes (specs/peers.md). It is installed
# from PyPI into bench/.peer-venv-decide (ignored by git), never into summitry's own venv.
#
#   bash bench/setup_peers.sh [PYTHON3.13]
#
# PYTHON3.13 defaults to the first of: $PYTHON313, python3.13 on PATH, pyenv's 3.13.x.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.peer-venv-decide"
version="2025.3.1"

is313() { [[ -n "$1" ]] && "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' \
    >/dev/null 2>&1; }

py=""
candidates=("${1:-}" "${PYTHON313:-}" "$(command -v python3.13 || true)")
for cand in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.13*/bin/python /usr/bin/python3.13 \
        /usr/local/bin/python3.13; do
    candidates+=("$cand")
done
for cand in "${candidates[@]}"; do
    if is313 "$cand"; then py="$cand"; break; fi
done
if [[ -n "${1:-}" && "$py" != "$1" ]]; then
    echo "setup_peers.sh: $1 is not a working Python 3.13" >&2
    exit 1
fi
if [[ -z "$py" ]]; then
    echo "setup_peers.sh: no working Python 3.13 found; pass its path as the first argument" >&2
    exit 1
fi
echo "using $py ($("$py" --version))"

if [[ ! -x "$venv/bin/python" ]]; then
    "$py" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "decide-exchange-model==$version"
"$venv/bin/python" - <<'PY'
from importlib.metadata import version
print("decide-exchange-model", version("decide-exchange-model"), "installed")
PY
echo "now: .venv/bin/python bench/run.py"
