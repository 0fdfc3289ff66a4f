#!/usr/bin/env bash
# Installs what the web runtime and its browser tests need: Debian's chromium (headless, for
# playwright-core) and the npm dependencies pinned in web/package-lock.json (`npm ci`).
# Idempotent: apt runs only when chromium is missing; npm ci only when node_modules is older than
# the lock file. Run as root (or with sudo available).
set -euo pipefail
web="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if ! command -v chromium >/dev/null 2>&1; then
  sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo -n)
  export DEBIAN_FRONTEND=noninteractive
  apt_opts=(-o Acquire::Retries=3 -o DPkg::Lock::Timeout=300)
  "${sudo[@]}" apt-get "${apt_opts[@]}" update -q
  "${sudo[@]}" apt-get "${apt_opts[@]}" install -y -q --no-install-recommends chromium fonts-dejavu-core
fi
chromium --version

command -v npm >/dev/null 2>&1 || { echo "install.sh: npm missing: run emsdk-config/install.sh" >&2; exit 1; }
stamp="$web/node_modules/.package-lock.json"
if [[ ! -f "$stamp" || "$web/package-lock.json" -nt "$stamp" ]]; then
  (cd "$web" && npm ci --no-audit --no-fund)
fi
