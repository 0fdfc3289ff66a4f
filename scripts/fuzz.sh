#!/usr/bin/env bash
# Fuzzing:  bash scripts/fuzz.sh [seconds-per-target (default 60)] [target...]
#   Builds the libFuzzer targets of tests/fuzz/ with clang (ASan+UBSan, build/fuzz), then runs each
#   target for the given time over a COPY of its committed seed corpus (tests/fuzz/corpus/<target>/
#   stays as committed; the grown copy and any crash/leak/timeout input go to build/fuzz/run/<target>/).
#   Targets: csv_import params request pine (default: all). ATF_FUZZ_PARALLEL targets run at once
#   (default: all of them, so CI spends `seconds` of wall time once, not per target; set it to 1
#   for long runs). Prints per target: executions, exec/s, coverage, corpus size, crashes.
#   Exits non-zero on any crash, leak, timeout, out-of-memory, sanitizer error or broken invariant.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/lib.sh

secs="${1:-60}"
shift $(($# > 0 ? 1 : 0))
targets=("$@")
((${#targets[@]})) || targets=(csv_import params request pine)
parallel="${ATF_FUZZ_PARALLEL:-${#targets[@]}}"
build=build/fuzz
run_root="$build/run"

declare -A max_len=([csv_import]=4096 [params]=512 [request]=2048 [pine]=2048)
for t in "${targets[@]}"; do
  [[ -n "${max_len[$t]:-}" ]] || { echo "fuzz.sh: unknown target '$t' (csv_import, params, request, pine)" >&2; exit 2; }
done

t0="$(atf_now)"
# -O1: libFuzzer's usual level (fast enough, stacks still readable).
CC=clang CXX=clang++ atf_configure "$build" -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1" \
  -DATF_FUZZ=ON -DATF_BUILD_TESTS=OFF -DATF_WERROR=ON >/dev/null || exit 1
nice -n 5 cmake --build "$build" -j "$ATF_JOBS" --target atf_fuzz_targets || exit 1
echo "fuzz.sh: built in $(atf_elapsed "$t0" "$(atf_now)")s; ${secs}s per target, ${parallel} at a time"

export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=0:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}"

# run_target <name>: one libFuzzer run; its log is $run_root/<name>/fuzz.log.
run_target() {
  local t="$1" dir="$run_root/$1"
  rm -rf "$dir" && mkdir -p "$dir/corpus" "$dir/artifacts"
  cp tests/fuzz/corpus/"$t"/* "$dir/corpus/"
  "$build/tests/fuzz/fuzz_$t" "$dir/corpus" \
    -max_total_time="$secs" -max_len="${max_len[$t]}" -timeout=10 -rss_limit_mb=2048 \
    -dict="tests/fuzz/$t.dict" -artifact_prefix="$dir/artifacts/" -print_final_stats=1 \
    -error_exitcode=77 -timeout_exitcode=78 >"$dir/fuzz.log" 2>&1
}

declare -A pid_of=()
running=0
for t in "${targets[@]}"; do
  if ((running >= parallel)); then wait -n; ((running--)); fi
  run_target "$t" &
  pid_of[$t]=$!
  ((running++))
done

failed=0
printf '\n%-11s %12s %9s %8s %8s %8s  %s\n' target executions exec/s cov corpus crashes result
for t in "${targets[@]}"; do
  wait "${pid_of[$t]}"
  rc=$?
  dir="$run_root/$t" log="$run_root/$t/fuzz.log"
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)"
  cov="$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)"
  corpus="$(find "$dir/corpus" -type f | wc -l)"
  crashes="$(find "$dir/artifacts" -type f | wc -l)"
  result=ok
  if ((rc != 0 || crashes > 0)) || [[ -z "$execs" ]]; then
    result="FAILED (exit $rc)"
    failed=1
  fi
  printf '%-11s %12s %9s %8s %8s %8s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "$corpus" "$crashes" "$result"
done
for t in "${targets[@]}"; do
  dir="$run_root/$t"
  if find "$dir/artifacts" -type f | grep -q . || ! grep -q '^stat::number_of_executed_units' "$dir/fuzz.log"; then
    echo
    echo "---- $t: $dir/fuzz.log (last 60 lines); inputs in $dir/artifacts/ ----"
    tail -n 60 "$dir/fuzz.log"
    echo "reproduce: $build/tests/fuzz/fuzz_$t <input>"
  fi
done
echo "fuzz.sh: $(atf_elapsed "$t0" "$(atf_now)")s in all"
exit "$failed"
