#!/usr/bin/env bash
# shellcheck disable=SC2317  # stage functions are called indirectly, through `stage`
# THE test command:  bash scripts/test.sh [stage-prefix...]
#   Installs the toolchain, then builds and tests every configuration; prints a summary and exits
#   non-zero if any stage failed. With arguments, runs only the stages whose names start with one
#   of them (the install stage always runs), e.g. `bash scripts/test.sh wasm asan`.
# Adding a suite = one `stage` line below. A stage named <x>-test is skipped when <x>-build failed.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/lib.sh

stages() {
  stage install      "toolchain: emsdk-config/install.sh"          bash emsdk-config/install.sh
  stage native-build "native build (Release, -Werror): build/native" atf_native_build
  stage native-test  "native engine tests (ctest)"                  atf_ctest build/native
  stage wasm-build   "Wasm build (emcmake): build/wasm"             wasm_build
  stage wasm-test    "Wasm engine tests under Node (ctest)"         atf_ctest build/wasm
  stage wasm-module  "Wasm module tests under Node: tests/wasm/"    wasm_module_test
  stage web          "browser runtime tests (Chromium): web/"       bash web/scripts/test.sh
  stage asan-build   "ASan+UBSan build (-O1 -g1): build/asan"       asan_build
  stage asan-test    "ASan+UBSan engine tests (ctest)"              asan_test
  stage fuzz         "libFuzzer, 60 s per target: tests/fuzz/"     bash scripts/fuzz.sh 60
}

wasm_build() { atf_configure_wasm build/wasm -DCMAKE_BUILD_TYPE=Release && atf_build build/wasm; }
# The JS module (build/wasm/atf_engine.js + .wasm; wasm-build already made it) against tests/wasm/*.test.mjs.
wasm_module_test() {
  [[ -f build/wasm/CMakeCache.txt ]] || atf_configure_wasm build/wasm -DCMAKE_BUILD_TYPE=Release
  cmake --build build/wasm -j "$ATF_JOBS" --target atf_wasm && node --no-experimental-fetch --test tests/wasm/
}

# Sanitizers at -O1 with line tables only: ~2x faster to compile than -O2 -g, stacks still symbolized.
asan_build() {
  atf_configure build/asan -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1" \
    -DATF_SANITIZE=ON -DATF_WERROR=ON && atf_build build/asan
}
asan_test() {
  ASAN_OPTIONS="detect_leaks=1:check_initialization_order=1:strict_init_order=1:${ASAN_OPTIONS:-}" \
  UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}" \
    atf_ctest build/asan
}

# ---- runner ----------------------------------------------------------------------------------
selected=("$@")
results=()      # "status|name|seconds|description"
declare -A failed=()
any_failed=0
t_all="$(atf_now)"

wanted() {
  local name="$1" p
  [[ "$name" == install || ${#selected[@]} -eq 0 ]] && return 0
  for p in "${selected[@]}"; do [[ "$name" == "$p"* ]] && return 0; done
  return 1
}

stage() {
  local name="$1" desc="$2"; shift 2
  wanted "$name" || return 0
  if [[ "$name" == *-test && -n "${failed[${name%-test}-build]:-}" ]]; then
    results+=("SKIP|$name|-|$desc (its build failed)")
    return 0
  fi
  echo
  echo "==> [$name] $desc"
  local t0 rc
  t0="$(atf_now)"
  ( set -e; "$@" )
  rc=$?
  local secs; secs="$(atf_elapsed "$t0" "$(atf_now)")"
  if ((rc == 0)); then
    results+=("PASS|$name|$secs|$desc")
    echo "==> [$name] passed in ${secs}s"
  else
    results+=("FAIL|$name|$secs|$desc (exit $rc)")
    failed[$name]=1; any_failed=1
    echo "==> [$name] FAILED (exit $rc) after ${secs}s" >&2
    if [[ "$name" == install ]]; then summary; exit 1; fi
  fi
}

summary() {
  echo
  echo "================================ test summary ================================"
  local r status name secs desc
  for r in "${results[@]}"; do
    IFS='|' read -r status name secs desc <<<"$r"
    [[ "$secs" == - ]] || secs="${secs}s"
    printf '  %-4s  %-13s %8s  %s\n' "$status" "$name" "$secs" "$desc"
  done
  echo "  total: $(atf_elapsed "$t_all" "$(atf_now)")s"
  local npass=0 nfail=0
  for r in "${results[@]}"; do
    case "${r%%|*}" in PASS) ((npass++)) ;; FAIL) ((nfail++)) ;; esac
  done
  echo "stages: $npass passed, $nfail failed"
  if ((any_failed)); then
    echo "RESULT: FAILED (${!failed[*]})"
  else
    echo "RESULT: all stages passed"
  fi
}

. emsdk-config/env.sh
stages
summary
exit "$any_failed"
