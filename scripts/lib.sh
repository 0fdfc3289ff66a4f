# shellcheck shell=bash
# Shared helpers for scripts/*.sh (sourced, not run). Assumes the caller cd'ed to the repo root.

ATF_JOBS="${ATF_JOBS:-2}"   # 2-core machines: parallel compile jobs

# atf_configure <build-dir> [cmake args...]: configure with Ninja (unless the dir already has a
# cache made with another generator, which CMake would refuse to switch).
atf_configure() {
  local dir="$1"; shift
  local gen=(-G Ninja)
  [[ -f "$dir/CMakeCache.txt" ]] && gen=()
  cmake -S . -B "$dir" "${gen[@]}" "$@"
}

# atf_configure_wasm <build-dir> [cmake args...]: the same through emcmake (Emscripten toolchain).
atf_configure_wasm() {
  local dir="$1"; shift
  local gen=(-G Ninja)
  [[ -f "$dir/CMakeCache.txt" ]] && gen=()
  emcmake cmake -S . -B "$dir" "${gen[@]}" "$@"
}

atf_build() { cmake --build "$1" -j "$ATF_JOBS"; }

# atf_ctest <build-dir>: run a build's CTest suite; fails when it has no tests.
atf_ctest() {
  ctest --test-dir "$1" --output-on-failure --no-tests=error --timeout 1200 -j "$ATF_JOBS"
}

# The native build everyone uses: Release, warnings are errors.
atf_native_build() {
  atf_configure build/native -DCMAKE_BUILD_TYPE=Release -DATF_WERROR=ON && atf_build build/native
}

atf_now() { date +%s.%N; }
atf_elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
