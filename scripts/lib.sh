# Shell helpers shared by scripts/bootstrap and scripts/lock (sourced, not run).
# shellcheck shell=bash

python_ok() { "$1" -c 'import sys, venv; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }

# Prints the path of a Python >= 3.12. 3.12 first (constraints-dev.txt was resolved with it), then
# newer ones; for each, PATH before interpreters installed beside it (pyenv, uv, /usr/local builds).
# CVATOPS_PYTHON overrides the search.
find_python() {
  local c minor
  for c in ${CVATOPS_PYTHON:-}; do python_ok "$c" && { command -v "$c"; return 0; }; done
  for minor in 12 13 14 15; do
    for c in "python3.$minor" \
             $(find "${PYENV_ROOT:-$HOME/.pyenv}/versions" "$HOME/.local/share/uv/python" -maxdepth 3 -path "*/bin/python3" \
                 \( -path "*/versions/3.$minor.*" -o -path "*/cpython-3.$minor.*" \) 2>/dev/null | sort -rV) \
             "/usr/local/bin/python3.$minor" "/usr/bin/python3.$minor"; do
      if command -v "$c" >/dev/null 2>&1 && python_ok "$c"; then
        command -v "$c"
        return 0
      fi
    done
  done
  # Last resort: whatever python3 is, if it is new enough.
  python_ok python3 && command -v python3
}
