#!/usr/bin/env bash
# Schemathesis (API fuzzing, from PyPI) in a virtualenv in the gitignored .tools/, every package pinned by
# tools/schemathesis/requirements.txt. The Schemathesis test suite runs this first; idempotent (a no-op
# while the venv matches the requirements file).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
requirements="$root/tools/schemathesis/requirements.txt"
venv="$root/.tools/schemathesis-venv"
stamp="$venv/.requirements.sha256"
log() { printf '[setup-schemathesis] %s\n' "$*" >&2; }

want=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ -x "$venv/bin/schemathesis" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then exit 0; fi

command -v python3 >/dev/null 2>&1 || { log "missing prerequisite: python3 (Debian: apt-get install python3 python3-venv)"; exit 1; }
python3 -c 'import ensurepip, venv' 2>/dev/null || { log "missing prerequisite: python3-venv (Debian: apt-get install python3-venv)"; exit 1; }
log "installing $(grep -i '^schemathesis==' "$requirements") into .tools/schemathesis-venv"
python3 -m venv --clear "$venv"
# --no-deps: the file lists every package at its exact version, so nothing unpinned comes along.
"$venv/bin/pip" install --disable-pip-version-check --quiet --no-deps -r "$requirements"
"$venv/bin/schemathesis" --version >/dev/null
echo "$want" > "$stamp"
