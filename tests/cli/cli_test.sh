#!/usr/bin/env bash
# End-to-end checks of the native `atf` command: exit codes, one-line errors naming the field or
# file line, JSON output, the optimizer's failure isolation and --rerun. Usage: cli_test.sh ATF SAMPLES
set -uo pipefail
atf="$1"; samples="$2"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0

check() {  # check NAME EXPECTED_EXIT PATTERN -- command...
  local name="$1" want="$2" pattern="$3"; shift 4
  "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
  if [[ $rc -ne $want ]]; then
    echo "FAIL $name: exit $rc, expected $want"; sed 's/^/    /' "$tmp/err" | head -5; ((fail++)); return
  fi
  if ! grep -qE -- "$pattern" "$tmp/out" "$tmp/err"; then
    echo "FAIL $name: output lacks /$pattern/"; head -5 "$tmp/out" "$tmp/err" | sed 's/^/    /'; ((fail++)); return
  fi
  echo "ok   $name"; ((pass++))
}

nvda="$samples/NVDA-1d-1999-2014.csv"
orcl="$samples/ORCL-1d-1995-2014.csv"

check "backtest prints metrics" 0 "sharpe +0\.[0-9]+" -- \
  "$atf" backtest --data "$nvda" --strategy sma_cross --param fast=10 --param slow=30 --commission-pct 0.1
check "backtest --json is one JSON document with the documented keys" 0 "ok" -- \
  bash -c "'$atf' backtest --data '$nvda' --strategy rsi_reversion --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
for k in (\"final_equity\", \"final_cash\", \"open_position\", \"metrics\", \"trades\", \"request\", \"data\"):
    assert k in d, k
assert d[\"request\"][\"strategy\"] == \"rsi_reversion\"
assert d[\"data\"][\"bars\"] == 4012
assert len(d[\"trades\"]) == d[\"metrics\"][\"trades\"]
print(\"ok\")'"
check "date range is inclusive" 0 '"bars": 252' -- \
  "$atf" backtest --data "$orcl" --strategy sma_cross --from 2010-01-01 --to 2010-12-31 --json
check "invalid parameter combination names the parameter" 2 "^atf: fast \(40\) must be less than slow \(20\)$" -- \
  "$atf" backtest --data "$nvda" --strategy sma_cross --param fast=40 --param slow=20
check "unknown strategy" 2 "unknown strategy 'nope'" -- "$atf" backtest --data "$nvda" --strategy nope
check "unknown option" 2 "^atf: --bogus: unknown option" -- "$atf" backtest --bogus
check "missing file" 2 "cannot read" -- "$atf" backtest --data "$tmp/none.csv" --strategy sma_cross
printf 'Date,Open,High,Low,Close\n2020-01-01,1,2,0.5,1.5\n2020-01-02,1,abc,0.5,1.5\n' >"$tmp/bad.csv"
check "bad CSV names line and column" 2 "line 3, column 3 \(high\): expected a number, found 'abc'" -- \
  "$atf" backtest --data "$tmp/bad.csv" --strategy sma_cross
# Found by tests/fuzz (fuzz_params): 1e300 was converted to an integer (undefined behaviour;
# --rerun 1e300 was silently ignored).
check "a count too large for an integer is refused" 2 "^atf: --rerun: expected a whole number$" -- \
  "$atf" optimize --data "$orcl" --strategy sma_cross --axis fast=5,10 --rerun 1e300
check "bad --size" 2 "^atf: --size: expected units:N or equity:F" -- \
  "$atf" backtest --data "$nvda" --strategy sma_cross --size lots
check "optimize isolates failing combinations" 0 "50 completed, 4 failed" -- \
  "$atf" optimize --data "$orcl" --strategy sma_cross --axis fast=5:30:5 --axis slow=20:100:10 --threads 2
check "optimize --json lists every trial" 0 "ok" -- \
  bash -c "'$atf' optimize --data '$orcl' --strategy sma_cross --axis fast=5,10 --axis slow=20,30 --objective max_drawdown_pct:min --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d[\"total\"] == 4 and d[\"completed\"] == 4 and len(d[\"trials\"]) == 4
dd = [t[\"metrics\"][\"max_drawdown_pct\"] for t in d[\"trials\"]]
assert dd == sorted(dd), dd
assert d[\"best\"][\"index\"] == d[\"trials\"][0][\"index\"]
print(\"ok\")'"
check "a grid over the limit is refused up front" 2 "over the limit|more than 100 combinations" -- \
  "$atf" optimize --data "$orcl" --strategy sma_cross --axis fast=1:20:1 --axis slow=21:40:1 --max-combinations 100
check "--rerun gives the full report of one combination" 0 "strategy  sma_cross\(fast=10, slow=30\)" -- \
  "$atf" optimize --data "$orcl" --strategy sma_cross --axis fast=5,10 --axis slow=20,30 --rerun 3
check "strategies lists the catalog" 0 "bollinger_reversion" -- "$atf" strategies

echo "cli: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
