#!/usr/bin/env bash
# One-command set-up for a fresh Debian/Ubuntu machine, then run something.
#
#   bash install.sh demo   # install everything, then paint the example photo (outputs in out/)
#   bash install.sh test   # install everything, then run the whole test suite
#   bash install.sh        # install only
#
# Installs libmypaint + MyPaint brushes with apt-get (only if missing), creates .venv with torch,
# torchvision and brush itself (editable, with test extras). Idempotent: a second run skips every
# step whose inputs did not change and takes a few seconds.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
VENV="$ROOT/.venv"
PY=${PYTHON:-python3}

log() { printf '[install] %s\n' "$*" >&2; }

# 1. System packages: the MyPaint brush engine and its brushes.
APT_PACKAGES=(libmypaint-1.5-1 mypaint-brushes)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  log "apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# 2. Python environment. torch/torchvision are pinned to a pair that installs together here.
if [ ! -x "$VENV/bin/python" ]; then
  log "creating virtualenv $VENV"
  "$PY" -m venv "$VENV"
fi
STAMP="$VENV/.brush-install-stamp"
WANT=$(cat pyproject.toml install.sh | sha256sum | cut -d' ' -f1)
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ]; then
  log "installing Python packages (first time: a few minutes)"
  "$VENV/bin/python" -m pip install -q --upgrade pip 2>&1 | grep -v "^WARNING: Location" >&2 || true
  "$VENV/bin/python" -m pip install -q "torch==2.14.1" "torchvision==0.29.1" 2>&1 | grep -v "^WARNING: Location" >&2 || true
  "$VENV/bin/python" -m pip install -q -e ".[test,offline-classifier]" 2>&1 | grep -v "^WARNING: Location" >&2 || true
  "$VENV/bin/python" -c "import brushcli, torch, torchvision" || { log "install failed"; exit 1; }
  echo "$WANT" > "$STAMP"
else
  log "Python environment up to date"
fi

# No OpenMP or thread settings here: the demo and the tests run exactly what users run (brush
# chooses its threads itself, see brushcli/runtime.py).
case "${1:-}" in
  demo)
    log "painting docs/examples/astronaut.jpg with 50 strokes -> out/astronaut/"
    "$VENV/bin/brush" paint docs/examples/astronaut.jpg --strokes 50 -o out
    ;;
  test)
    shift
    "$VENV/bin/python" -m pytest -q "$@"
    ;;
  "") log "installed; activate with: source .venv/bin/activate" ;;
  *) log "unknown action '$1' (use demo or test)"; exit 2 ;;
esac
