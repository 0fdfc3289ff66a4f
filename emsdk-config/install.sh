#!/usr/bin/env bash
# Installs (apt) everything AlgoTradeForge Web needs on Debian 12 and checks the pinned versions.
# Idempotent: when everything is present it only runs dpkg-query and a few `--version` calls
# (well under a second) and never touches apt. Run as root (or with sudo available).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=emsdk-config/versions.env
. "$here/versions.env"

die()  { echo "install.sh: ERROR: $*" >&2; exit 1; }
warn() { echo "install.sh: WARNING: $*" >&2; }
info() { echo "install.sh: $*"; }

# Debian packages the project needs. One per line; add new ones here.
packages=(
  build-essential      # g++ 12, make: the native build
  cmake                # >= 3.20
  ninja-build          # the generator used by scripts/test.sh
  git
  python3              # runs emcc
  clang                # clang 14: same compiler family as Emscripten, clang-tidy friendly
  lld
  libclang-rt-14-dev   # compiler-rt: clang's sanitizers and libFuzzer
  catch2               # Catch2 2.13, header-only (/usr/include/catch2)
  nlohmann-json3-dev   # nlohmann/json 3.11, header-only
  libsqlite3-dev       # SQLite: `atf merge --out-sqlite` writes the web app's database
  emscripten           # 3.1.6 + binaryen 108 + node-acorn (its JS optimizer needs acorn)
  nodejs               # system node; a newer one already installed (e.g. NodeSource) is kept
  python3-distributed  # Dask distributed: scripts/atf-dask runs the shards of a grid on a cluster
)
# npm: NodeSource's nodejs ships it; Debian's nodejs needs Debian's npm package.
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing_packages() {
  local installed
  installed="$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${packages[@]}" 2>/dev/null \
               | awk '$2 == "ii" { print $1 }')" || true
  local p
  for p in "${packages[@]}"; do
    grep -qxF "$p" <<<"$installed" || echo "$p"
  done
}

command -v dpkg-query >/dev/null 2>&1 || die "dpkg-query not found: this script supports Debian 12 only"

mapfile -t missing < <(missing_packages)
if ((${#missing[@]})); then
  info "missing packages: ${missing[*]}"
  if [[ $(id -u) -eq 0 ]]; then
    sudo=()
  elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo -n)
  else
    die "packages missing (${missing[*]}) and not root (no sudo). Run as root: bash emsdk-config/install.sh"
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt_opts=(-o Acquire::Retries=3 -o DPkg::Lock::Timeout=300)
  "${sudo[@]}" apt-get "${apt_opts[@]}" update -q \
    || die "apt-get update failed (network or apt sources?)"
  "${sudo[@]}" apt-get "${apt_opts[@]}" install -y -q --no-install-recommends "${missing[@]}" \
    || die "apt-get install failed for: ${missing[*]}"
  mapfile -t still < <(missing_packages)
  ((${#still[@]} == 0)) || die "still not installed after apt-get: ${still[*]}"
fi

# ---- verify the toolchain -------------------------------------------------------------------
for tool in g++ cmake ninja clang emcc em++ emcmake wasm-opt node npm; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found on PATH after install"
done
[[ -f /usr/share/nodejs/acorn/package.json ]] \
  || die "/usr/share/nodejs/acorn missing (Debian package node-acorn): emcc's JS optimizer needs it"
[[ -d /usr/include/catch2 && -d /usr/include/nlohmann ]] \
  || die "/usr/include/catch2 or /usr/include/nlohmann missing"

version_ge() { [[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" == "$2" ]]; }

cmake_version="$(cmake --version | awk 'NR==1 { print $3 }')"
version_ge "$cmake_version" "$ATF_CMAKE_MIN_VERSION" \
  || die "cmake $cmake_version is older than $ATF_CMAKE_MIN_VERSION"

node_version="$(node --version)"          # v20.20.2
node_major="${node_version#v}"; node_major="${node_major%%.*}"
((node_major >= ATF_NODE_MIN_MAJOR)) \
  || die "node $node_version is older than $ATF_NODE_MIN_MAJOR (needed for --no-experimental-fetch)"

em_deb="$(dpkg-query -W -f='${Version}' emscripten)"
em_version="$(emcc --version | awk 'NR == 1' | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -n1)" \
  || die "emcc --version failed"
[[ "$em_deb" == "$ATF_EMSCRIPTEN_DEB_VERSION" ]] \
  || warn "emscripten package is $em_deb, pinned $ATF_EMSCRIPTEN_DEB_VERSION (builds may differ)"
[[ "$em_version" == "$ATF_EMSCRIPTEN_VERSION" ]] \
  || warn "emcc reports $em_version, pinned $ATF_EMSCRIPTEN_VERSION (see emsdk-config/README.md)"
binaryen_version="$(wasm-opt --version | grep -oE '[0-9]+' | head -n1)"
[[ "$binaryen_version" == "$ATF_BINARYEN_VERSION" ]] \
  || warn "binaryen is $binaryen_version, pinned $ATF_BINARYEN_VERSION"
clang_version="$(clang --version | head -n1 | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -n1)"
[[ "${clang_version%%.*}" == "$ATF_CLANG_MAJOR" ]] \
  || warn "clang is $clang_version, pinned major $ATF_CLANG_MAJOR"

info "toolchain ok: emcc $em_version ($em_deb), clang $clang_version, binaryen $binaryen_version," \
     "node $node_version, npm $(npm --version 2>/dev/null || echo '?'), cmake $cmake_version," \
     "g++ $(g++ -dumpfullversion)"
