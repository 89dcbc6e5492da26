# shellcheck shell=bash
# Sourced by scripts/test, scripts/check, scripts/demo and scripts/bench (.ci/run
# gets it through scripts/check and scripts/test).
#
# Gives every entry point the same project-local virtualenv (.venv), so a fresh
# machine needs only Python 3.11 and the package registries. The environment is
# built on first use and re-installed only when pyproject.toml changes (its sha256,
# with the interpreter's version, is kept in .venv/.chartkeep-stamp). Afterwards .venv/bin is first on PATH and
# `python` means the project's interpreter.

chartkeep_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
chartkeep_venv="$chartkeep_root/.venv"
chartkeep_stamp="$chartkeep_venv/.chartkeep-stamp"

chartkeep_find_python() {
    local candidate
    for candidate in python3.11 python3 python; do
        if command -v "$candidate" >/dev/null 2>&1 \
            && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

# The interpreter's version is part of the stamp: a venv rebuilt on another
# Python has an empty site-packages even though pyproject.toml is unchanged.
chartkeep_pyproject_hash() {
    "$chartkeep_venv/bin/python" -c '
import hashlib, platform, sys
with open(sys.argv[1], "rb") as pyproject:
    digest = hashlib.sha256(pyproject.read()).hexdigest()
print(f"{digest} python-{platform.python_version()}")
' "$chartkeep_root/pyproject.toml"
}

chartkeep_setup_venv() {
    if [[ ! -x "$chartkeep_venv/bin/python" ]]; then
        local base_python
        if ! base_python="$(chartkeep_find_python)"; then
            echo "Chartkeep needs Python 3.11 or newer, and none was found on PATH" >&2
            echo "(looked for python3.11, python3 and python). Install it, then run this again." >&2
            return 1
        fi
        echo "Setting up the Python environment in .venv (first run only)…"
        rm -f "$chartkeep_stamp"
        if ! "$base_python" -m venv "$chartkeep_venv"; then
            echo "Could not create .venv with $base_python -m venv" >&2
            echo "(on Debian/Ubuntu the venv module comes in the python3-venv package)." >&2
            return 1
        fi
        echo "  upgrading pip…"
        "$chartkeep_venv/bin/python" -m pip install --quiet --upgrade pip
    fi

    local wanted
    wanted="$(chartkeep_pyproject_hash)"
    if [[ -f "$chartkeep_stamp" && "$(cat "$chartkeep_stamp")" == "$wanted" ]]; then
        return 0
    fi

    echo "  installing Chartkeep and its dependencies (pip install -e \".[dev,postgres]\")…"
    rm -f "$chartkeep_stamp"
    if ! (cd "$chartkeep_root" && "$chartkeep_venv/bin/python" -m pip install --quiet -e ".[dev,postgres]"); then
        echo "Installing into .venv failed (see pip's message above); the next run will try again." >&2
        return 1
    fi
    echo "$wanted" >"$chartkeep_stamp"
    echo "  .venv is ready."
}

# Two entry points started at once (two terminals, or a test run beside the
# demo) must not both build the environment: serialize on a lock where flock exists.
mkdir -p "$chartkeep_venv"
if command -v flock >/dev/null 2>&1; then
    exec {chartkeep_lock_fd}>"$chartkeep_venv/.chartkeep-lock"
    flock "$chartkeep_lock_fd"
    chartkeep_setup_venv
    flock --unlock "$chartkeep_lock_fd"
    exec {chartkeep_lock_fd}>&-
else
    chartkeep_setup_venv
fi

export VIRTUAL_ENV="$chartkeep_venv"
export PATH="$chartkeep_venv/bin:$PATH"
unset PYTHONHOME
