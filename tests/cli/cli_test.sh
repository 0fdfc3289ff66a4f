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
# ../shared/cases/users-reports/squeeze.csv: a short held while the price triples. TradingView's
# margin call (default --margin-short 100) keeps equity above zero; --margin-short 0 turns it off.
printf 'Date,Open,High,Low,Close\n' >"$tmp/squeeze.csv"
for p in 2021-01-04,100 2021-01-05,99 2021-01-06,98 2021-01-07,100 2021-01-08,102 2021-01-09,110 \
         2021-01-10,130 2021-01-11,160 2021-01-12,200 2021-01-13,250 2021-01-14,320 2021-01-15,300; do
  v="${p#*,}"; printf '%s,%s,%s,%s,%s\n' "${p%,*}" "$v" "$v" "$v" "$v" >>"$tmp/squeeze.csv"
done
squeeze=("$atf" backtest --data "$tmp/squeeze.csv" --strategy rsi_reversion --param period=2 --param lower=30
         --param upper=70 --allow-short --fill close)
check "a squeezed short is margin-called" 0 "equity +32,930\.00 final" -- "${squeeze[@]}"
check "--margin-short 0: no margin rule" 0 "equity +-97,880\.00 final" -- "${squeeze[@]}" --margin-short 0
check "--margin-long needs a number" 2 "^atf: --margin-long: " -- "${squeeze[@]}" --margin-long lots
# The same squeeze for a Pine script short from the first bar: margin-called at strategy()'s
# default 100 %; --margin-short 0 overrides the script's setting.
printf '//@version=6\nstrategy("s", initial_capital = 10000, default_qty_value = 50)\nif bar_index == 0\n    strategy.entry("S", strategy.short)\n' >"$tmp/short.pine"
check "a script's short is margin-called" 0 '"exit_reason": "margin_call"' -- "$atf" backtest --data "$tmp/squeeze.csv" --script "$tmp/short.pine" --json
check "--margin-short 0 overrides the script's margin" 0 "equity +-" -- "$atf" backtest --data "$tmp/squeeze.csv" --script "$tmp/short.pine" --margin-short 0
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

# Files as traders export them (issue 12).
printf 'Date,Open,High,Low,Close\n20200102,10,10,10,10\n20200103,11,11,11,11\n' >"$tmp/compact.csv"
check "YYYYMMDD dates are dates, not epoch seconds" 0 "^ok$" -- \
  bash -c "'$atf' backtest --data '$tmp/compact.csv' --strategy sma_cross --param fast=1 --param slow=2 --json | python3 -c '
import json, sys
d = json.load(sys.stdin)[\"data\"]
assert d[\"first_time\"] == 1577923200000 and d[\"last_time\"] == 1578009600000, d
assert 300 < d[\"bars_per_year\"] < 400, d
print(\"ok\")'"
printf 'Date,Open,High,Low,Close,Adj Close,Volume\n2019-10-07,1,1,1,1,1,0\n2019-10-08,1,1,1,1,1,0\n2019-10-09,null,null,null,null,null,null\n2019-10-10,1,1,1,1,1,0\n2019-10-11,1,1,1,1,1,0\n' >"$tmp/null.csv"
check "rows without prices are skipped and named in the report" 0 "^notice    1 row without prices \(empty or null\) skipped, the first at line 4$" -- \
  "$atf" backtest --data "$tmp/null.csv" --strategy sma_cross --param fast=1 --param slow=2
check "rows without prices are counted in the JSON data" 0 "^ok$" -- \
  bash -c "'$atf' backtest --data '$tmp/null.csv' --strategy sma_cross --param fast=1 --param slow=2 --json | python3 -c '
import json, sys
d = json.load(sys.stdin)[\"data\"]
assert d[\"bars\"] == 4 and d[\"rows_without_prices\"] == 1 and d[\"first_line_without_prices\"] == 4, d
assert d[\"newest_first\"] is False and len(d[\"notices\"]) == 1, d
print(\"ok\")'"
printf 'Date,Time,Open,High,Low,Close\n2011-12-08,18:49,1,1,1,1\n2011-12-08,18:50,1,1,1,1\n' >"$tmp/datetime.csv"
check "Date and Time columns are combined" 0 "2 bars, 2011-12-08T18:49:00Z \.\. 2011-12-08T18:50:00Z" -- \
  "$atf" backtest --data "$tmp/datetime.csv" --strategy sma_cross --param fast=1 --param slow=2
printf 'Date,Open,High,Low,Close\n03/01/2013,1,1,1,1\n04/01/2013,1,1,1,1\n05/01/2013,1,1,1,1\n' >"$tmp/slash.csv"
check "day-first or month-first is refused until stated" 2 "could be day-first or month-first.*--date-order dmy" -- \
  "$atf" backtest --data "$tmp/slash.csv" --strategy sma_cross --param fast=1 --param slow=2
check "--date-order dmy reads day-first dates" 0 "3 bars, 2013-01-03 \.\. 2013-01-05" -- \
  "$atf" backtest --data "$tmp/slash.csv" --strategy sma_cross --param fast=1 --param slow=2 --date-order dmy
check "--date-order mdy reads month-first dates" 0 "3 bars, 2013-03-01 \.\. 2013-05-01" -- \
  "$atf" backtest --data "$tmp/slash.csv" --strategy sma_cross --param fast=1 --param slow=2 --date-order mdy
check "a bad --date-order is named" 2 "^atf: --date-order: expected dmy" -- \
  "$atf" backtest --data "$tmp/slash.csv" --strategy sma_cross --date-order dd/mm
printf 'Date;Open;High;Low;Close\n2020-01-06;28,29;28,54;28,16;28,35\n2020-01-03;27,85;28,15;27,70;28,15\n2020-01-02;27,72;27,98;27,52;27,95\n' >"$tmp/desc.csv"
check "a newest-first ';' file with decimal commas is read in time order, with a notice" 0 "^ok$" -- \
  bash -c "'$atf' backtest --data '$tmp/desc.csv' --strategy sma_cross --param fast=1 --param slow=2 --json | python3 -c '
import json, sys
d = json.load(sys.stdin)[\"data\"]
assert d[\"first_time\"] == 1577923200000 and d[\"newest_first\"] is True and d[\"price_decimals\"] == 2, d
assert any(\"newest-first\" in n for n in d[\"notices\"]), d
print(\"ok\")'"
printf 'Date,Open,High,Low,Close\n2020-01-02,1,1,1,1\n2020-01-06,1,1,1,1\n2020-01-03,1,1,1,1\n2020-01-07,1,1,1,1\n' >"$tmp/swapped.csv"
check "one swapped pair stays an error naming the line" 2 "line 4, column 1 \(time\): timestamp out of order" -- \
  "$atf" backtest --data "$tmp/swapped.csv" --strategy sma_cross
# Metrics with a zero denominator for a good reason, and exposure (users-reports pf_min.csv, up.csv).
printf 'Date,Open,High,Low,Close\n2020-01-02,10,10,10,10\n2020-01-03,9,9,9,9\n2020-01-06,10,10,10,10\n2020-01-07,12,12,12,12\n2020-01-08,11,11,11,11\n' >"$tmp/pf.csv"
check "profit factor with no losing trade is \"Infinity\" in JSON, +inf in the report" 0 "^ok$" -- \
  bash -c "'$atf' backtest --data '$tmp/pf.csv' --strategy sma_cross --param fast=1 --param slow=2 --fill close --json | python3 -c '
import json, sys
m = json.load(sys.stdin)[\"metrics\"]
assert m[\"profit_factor\"] == \"Infinity\" and m[\"win_rate_pct\"] == 100, m
print(\"ok\")' && '$atf' backtest --data '$tmp/pf.csv' --strategy sma_cross --param fast=1 --param slow=2 --fill close | grep -E '^  profit_factor +\+inf$' >/dev/null && echo ok"
printf 'Date,Open,High,Low,Close\n2021-01-04,10,10,10,10\n2021-01-05,9,9,9,9\n2021-01-06,10,10,10,10\n2021-01-07,11,11,11,11\n2021-01-08,12,12,12,12\n' >"$tmp/up.csv"
check "exposure is the same with --close-at-end" 0 "^40.0 40.0$" -- \
  bash -c "for x in '' --close-at-end; do '$atf' backtest --data '$tmp/up.csv' --strategy sma_cross --param fast=1 --param slow=2 --cash 1000 --size units:10 --json \$x | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"metrics\"][\"exposure_pct\"])'; done | paste -sd' '"
check "+inf profit factors rank first when maximizing" 0 "^ok$" -- \
  bash -c "'$atf' optimize --data '$tmp/pf.csv' --strategy sma_cross --axis fast=1 --axis slow=2,3 --fill close --objective profit_factor:max --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d[\"trials\"][0][\"metrics\"][\"profit_factor\"] == \"Infinity\", d[\"trials\"]
assert all(\"rejected_orders\" in t for t in d[\"trials\"])
print(\"ok\")'"
check "optimize trials report rejected orders" 0 "^ok$" -- \
  bash -c "'$atf' optimize --data '$tmp/up.csv' --strategy sma_cross --axis fast=1 --axis slow=2 --cash 5 --size units:10 --json | python3 -c '
import json, sys
t = json.load(sys.stdin)[\"trials\"][0]
assert t[\"rejected_orders\"] >= 1, t
print(\"ok\")'"
check "a grid where every combination is invalid ends with a message and exit 1" 1 "^atf: all 4 combinations failed, nothing to rank \(the first, #0 fast=5, slow=2: fast \(5\) must be less than slow \(2\)\)$" -- \
  "$atf" optimize --data "$tmp/up.csv" --strategy sma_cross --axis fast=5:6:1 --axis slow=2:3:1
check "a range shorter than the warm-up gets a warning" 0 "^atf: warning: the data holds 5 bars, no more than sma_cross's warm-up of 9 bars" -- \
  "$atf" backtest --data "$tmp/up.csv" --strategy sma_cross --param fast=2 --param slow=10
check "an optimization with combinations shorter than the warm-up gets a warning" 0 "^atf: warning: 2 of 4 combinations need more bars" -- \
  "$atf" optimize --data "$tmp/up.csv" --strategy sma_cross --axis fast=1:2:1 --axis slow=3,10
printf 'Date,Open,High,Low,Close\n' >"$tmp/intra.csv"
for i in $(seq 0 29); do printf '2020-01-02T09:%02d:00Z,%s,%s,%s,%s\n' "$i" "$((10 + i % 5))" "$((10 + i % 5))" "$((10 + i % 5))" "$((10 + i % 5))" >>"$tmp/intra.csv"; done
check "the text report shows intraday trade times" 0 "^  2020-01-02 09:[0-9][0-9] +2020-01-02 09:[0-9][0-9] +long" -- \
  "$atf" backtest --data "$tmp/intra.csv" --strategy sma_cross --param fast=1 --param slow=2
printf 'Date,Open,High,Low,Close\n2020-01-02,2,2,2,2\n2020-01-03,1,1,1,1\n2020-01-06,2,2,2,2\n2020-01-07,1e13,1e13,1e13,1e13\n' >"$tmp/huge.csv"
check "very large numbers print with an exponent" 0 "^  net_profit +1e\+16$" -- \
  "$atf" backtest --data "$tmp/huge.csv" --strategy sma_cross --param fast=1 --param slow=2 --fill close --size units:1000 --cash 10000

# ---- Pine scripts (issue 10) ----
pine="$(cd "$samples/../pine" && pwd)"
check "check lists a script's inputs and settings" 0 "fastLength +int +default 10" -- "$atf" check "$pine/sma_cross.pine"
check "check --json" 0 '"kind": "strategy"' -- "$atf" check "$pine/sma_cross.pine" --json
printf '//@version=6\nstrategy("x")\nfast = ta.sma(close, 10\nplot(fast)\n' >"$tmp/broken.pine"
check "a syntax error names FILE:LINE:COL and what was expected" 2 "broken.pine:4:1: error: expected '\)' or ','" -- \
  "$atf" check "$tmp/broken.pine"
printf '//@version=6\nstrategy("x")\nx = request.security("A", "D", close)\n' >"$tmp/unsup.pine"
check "an unsupported feature is named with its position" 2 "unsup.pine:3:5: request.security is not supported yet" -- \
  "$atf" backtest --data "$nvda" --script "$tmp/unsup.pine"
check "a script gives the built-in's trades (fills at the close: both size from equity at that price)" 0 "same" -- bash -c "
a=\$('$atf' backtest --data '$nvda' --strategy sma_cross --param fast=10 --param slow=30 --fill close --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps([[{k: v for k, v in t.items() if k not in (\"entry_signal\", \"exit_signal\", \"max_runup\", \"max_drawdown\")} for t in d[\"trades\"]], d[\"final_equity\"]]))')
b=\$('$atf' backtest --data '$nvda' --script '$pine/sma_cross.pine' --input fastLength=10 --input 'Slow length=30' --fill close --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"plots\"][0][\"title\"] == \"Fast SMA\"; print(json.dumps([[{k: v for k, v in t.items() if k not in (\"entry_signal\", \"exit_signal\", \"max_runup\", \"max_drawdown\")} for t in d[\"trades\"]], d[\"final_equity\"]]))')
[[ \"\$a\" == \"\$b\" ]] && echo same"
check "--trade-from: no trade before the date" 0 "ok" -- bash -c "'$atf' backtest --data '$nvda' --script '$pine/sma_cross.pine' --trade-from 2010-01-01 --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d[\"trades\"] and min(t[\"entry_time\"] for t in d[\"trades\"]) >= 1262304000000
print(\"ok\")'"
printf '{"fastLength": 5, "slowLength": 20}' >"$tmp/inputs.json"
check "--inputs FILE.json" 0 '"fastLength": 5' -- "$atf" backtest --data "$nvda" --script "$pine/sma_cross.pine" --inputs "$tmp/inputs.json" --json
check "an unknown input is named" 2 "unknown input 'nope'" -- "$atf" backtest --data "$nvda" --script "$pine/sma_cross.pine" --input nope=3
check "an input out of its range" 2 "input 'fastLength' must be at least 1" -- \
  "$atf" backtest --data "$nvda" --script "$pine/sma_cross.pine" --input fastLength=0
printf '//@version=6\nstrategy("boom")\na = array.new_float(3)\nif bar_index == 100\n    x = array.get(a, 7)\n' >"$tmp/boom.pine"
check "a runtime error stops the run with line and bar" 1 "line 5:9: array.get: index 7 is out of bounds.*bar 100" -- \
  "$atf" backtest --data "$nvda" --script "$tmp/boom.pine"
check "optimize over a script's inputs" 0 "ok" -- bash -c "'$atf' optimize --data '$orcl' --script '$pine/sma_cross.pine' --axis fastLength=5,10 --axis 'Slow length=30,60' --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d[\"total\"] == 4 and d[\"completed\"] == 4, d[\"total\"]
print(\"ok\")'"
check "--mintick sets syminfo.mintick" 0 '0\.25' -- bash -c "printf '//@version=6\nindicator(\"t\")\nplot(syminfo.mintick, \"tick\")\n' > '$tmp/tick.pine' && '$atf' backtest --data '$nvda' --script '$tmp/tick.pine' --mintick 0.25 --json | grep -m1 -A3 '\"values\"'"
check "--input needs a script" 2 "^atf: --input: only applies to a Pine script" -- \
  "$atf" backtest --data "$nvda" --strategy sma_cross --input a=1

# TradingView's "List of trades": the header, two rows per trade (closed and open), exit row first.
check "--trades-csv writes TradingView's list of trades" 0 "^ok$" -- bash -c "'$atf' backtest --data '$nvda' --strategy sma_cross --param fast=10 --param slow=30 --trades-csv '$tmp/trades.csv' --json | python3 -c '
import csv, json, re, sys
d = json.load(sys.stdin)
rows = list(csv.reader(open(\"$tmp/trades.csv\", newline=\"\")))
assert rows[0] == [\"Trade #\", \"Type\", \"Date and time\", \"Signal\", \"Price\", \"Size (qty)\", \"Size (value)\", \"Net P&L\", \"Net P&L %\", \"Favorable excursion\", \"Favorable excursion %\", \"Adverse excursion\", \"Adverse excursion %\", \"Cumulative P&L\", \"Cumulative P&L %\"], rows[0]
n = len(d[\"trades\"]) + len(d[\"open_trades\"])
assert n > 10 and len(rows) == 1 + 2 * n, (len(rows), n)
assert rows[1][:2] == [\"1\", \"Exit long\"] and rows[2][:2] == [\"1\", \"Entry long\"], rows[1:3]
assert all(re.fullmatch(r\"\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d\", r[2]) for r in rows[1:])
assert abs(float(rows[-1][13]) - round(sum(t[\"pnl\"] for t in d[\"trades\"] + d[\"open_trades\"]), 2)) < 0.011
print(\"ok\")'"
check "--trades-csv: an unwritable path fails before the run" 2 "^atf: --trades-csv: cannot write" -- \
  "$atf" backtest --data "$nvda" --strategy sma_cross --trades-csv "$tmp/no/such/dir/t.csv"
check "--trades-csv needs a backtest" 2 "^atf: --trades-csv: only applies to backtest" -- \
  "$atf" optimize --data "$orcl" --strategy sma_cross --axis fast=5,10 --trades-csv "$tmp/t.csv"
check "the text report shows TradingView's performance summary" 0 "^  profit_factor +[0-9.]+ +[0-9.+inf]+ +" -- \
  "$atf" backtest --data "$nvda" --strategy sma_cross --param fast=10 --param slow=30 --allow-short

# Robustness: searches, statistics, walk-forward.
check "optimize prints the overfitting statistics" 0 "PBO +0\.[0-9]+ +share of 12870" -- \
  "$atf" optimize --data "$orcl" --strategy sma_cross --axis fast=5:30:5 --axis slow=40:120:20
check "optimize --json carries the statistics; --search random:N runs N distinct trials, the same for a seed" 0 "^ok$" -- bash -c "
'$atf' optimize --data '$orcl' --strategy sma_cross --axis fast=2:60:2 --axis slow=20:300:10 --search random:40 --seed 9 --json > '$tmp/r1.json' &&
'$atf' optimize --data '$orcl' --strategy sma_cross --axis fast=2:60:2 --axis slow=20:300:10 --search random:40 --seed 9 --threads 2 --json > '$tmp/r2.json' &&
python3 -c '
import json
a, b = (json.load(open(\"$tmp/r%d.json\" % i)) for i in (1, 2))
assert a[\"total\"] == 40 and a[\"completed\"] + a[\"failed\"] == 40, a[\"total\"]
assert len({t[\"index\"] for t in a[\"trials\"]}) == 40
assert [t[\"index\"] for t in a[\"trials\"]] == [t[\"index\"] for t in b[\"trials\"]]
s = a[\"statistics\"]
assert 0 <= s[\"dsr\"] <= 1 and 0 <= s[\"psr\"] <= 1 and s[\"pbo\"][\"ok\"] and s[\"pbo\"][\"combinations\"] == 12870, s
assert s[\"monte_carlo\"][\"paths\"] == 1000 and len(s[\"monte_carlo\"][\"fan\"][\"p50\"]) > 0
assert a[\"request\"][\"search\"] == \"random:40\" and a[\"request\"][\"seed\"] == 9
print(\"ok\")'"
check "--no-stats leaves them out" 0 "^absent$" -- bash -c "'$atf' optimize --data '$orcl' --strategy sma_cross --axis fast=5,10 --axis slow=40,60 --no-stats --json | python3 -c 'import json,sys; print(\"absent\" if \"statistics\" not in json.load(sys.stdin) else \"present\")'"
check "a genetic search counts evaluations against its budget" 0 "search    genetic:pop=12,gen=5,cx=0.9,mut=0.1,elite=2,tour=3, seed 3: 60 trials planned" -- \
  "$atf" optimize --data "$orcl" --strategy sma_cross --axis fast=2:60:2 --axis slow=20:300:10 --search genetic:pop=12,gen=5 --seed 3
check "a bad search names the flag" 2 "^atf: --search: unknown genetic setting 'popsize'" -- \
  "$atf" optimize --data "$orcl" --strategy sma_cross --axis fast=5,10 --search genetic:popsize=5
check "walkforward prints windows, the stitched OOS and the efficiency" 0 "walk-forward efficiency -?[0-9.]+ \(OOS CAGR" -- \
  "$atf" walkforward --data "$orcl" --strategy sma_cross --axis fast=5:30:5 --axis slow=40:120:20 --is 3y --oos 1y
check "walkforward --json: windows, stitched equity, stability" 0 "^ok$" -- bash -c "'$atf' walkforward --data '$orcl' --strategy sma_cross --axis fast=5:30:5 --axis slow=40:120:20 --is 750 --oos 250 --anchored --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
w = d[\"windows\"]
assert len(w) == 18 and all(x[\"is_start\"] == 0 for x in w), len(w)
assert all(x[\"oos_start\"] == x[\"is_end\"] for x in w)
assert len(d[\"equity\"]) == sum(x[\"oos_end\"] - x[\"oos_start\"] for x in w)
assert [s[\"name\"] for s in d[\"stability\"]] == [\"fast\", \"slow\"]
assert d[\"walk_forward\"] == {\"in_sample\": \"750bars\", \"out_of_sample\": \"250bars\", \"step\": \"250bars\", \"anchored\": True}
st = d[\"statistics\"]
assert 0 < st[\"psr\"] < 1 and st[\"observations\"] == len(d[\"equity\"]), st
assert st[\"monte_carlo\"][\"ok\"] and st[\"monte_carlo\"][\"trades\"] == len(d[\"trades\"]), st[\"monte_carlo\"].get(\"reason\")
print(\"ok\")'"
check "walkforward over a script's inputs" 0 "walk-forward efficiency" -- \
  "$atf" walkforward --data "$orcl" --script "$pine/sma_cross.pine" --axis fastLength=5,10,20 --axis slowLength=40,60 --is 2y --oos 6m
check "walkforward needs --is" 2 "^atf: --is: is required" -- \
  "$atf" walkforward --data "$orcl" --strategy sma_cross --axis fast=5,10 --oos 1y
check "a bad window unit is named" 2 "^atf: --oos: unknown unit 'q'" -- \
  "$atf" walkforward --data "$orcl" --strategy sma_cross --axis fast=5,10 --is 2y --oos 3q
check "--is belongs to walkforward" 2 "^atf: --is: only applies to walkforward" -- \
  "$atf" optimize --data "$orcl" --strategy sma_cross --axis fast=5,10 --is 2y
check "a window longer than the data is refused" 2 "no walk-forward window fits" -- \
  "$atf" walkforward --data "$orcl" --strategy sma_cross --axis fast=5,10 --is 30y --oos 1y
check "--trade-from works for built-in strategies" 0 "^ok$" -- bash -c "'$atf' backtest --data '$orcl' --strategy sma_cross --trade-from 2005-01-01 --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d[\"trades\"] and all(t[\"entry_time\"] >= 1104537600000 for t in d[\"trades\"]), d[\"trades\"][0]
print(\"ok\")'"

# Shards and merge (issue 15): the merged result is the single-process result.
check "shards merge into the single-process result, trial for trial" 0 "^ok$" -- bash -c "
g=(--data '$orcl' --strategy sma_cross --axis fast=2:40:2 --axis slow=20:200:10)
'$atf' optimize \"\${g[@]}\" --json > '$tmp/one.json' &&
for k in 1 2 3 4 5; do '$atf' optimize \"\${g[@]}\" --shard \$k/5 --pbo-blocks 16 --json > '$tmp/sh'\$k'.json' || exit 1; done &&
'$atf' merge '$tmp/merged.json' '$tmp/sh4.json' '$tmp/sh2.json' '$tmp/sh1.json' '$tmp/sh5.json' '$tmp/sh3.json' --out-sqlite '$tmp/merged.sqlite' > /dev/null &&
python3 -c '
import json, sqlite3
a, b = json.load(open(\"$tmp/one.json\")), json.load(open(\"$tmp/merged.json\"))
s = [json.load(open(\"$tmp/sh%d.json\" % k)) for k in range(1, 6)]
assert [x[\"shard\"][\"end\"] - x[\"shard\"][\"first\"] for x in s] == [76] * 5, [x[\"shard\"] for x in s]
assert sum(x[\"total\"] for x in s) == a[\"total\"] == 380
assert a[\"trials\"] == b[\"trials\"] and a[\"best\"] == b[\"best\"]
assert (a[\"total\"], a[\"completed\"], a[\"failed\"]) == (b[\"total\"], b[\"completed\"], b[\"failed\"])
assert a[\"statistics\"] == b[\"statistics\"], \"statistics differ\"
db = sqlite3.connect(\"$tmp/merged.sqlite\")
import glob
# The schema version of the web app: one step per migration file in web/src/storage/migrations
steps = len(glob.glob(\"$samples/../../web/src/storage/migrations/*.sql\"))
assert steps >= 2 and db.execute(\"select value from meta where key = \\x27schema_version\\x27\").fetchone() == (str(steps),)
assert db.execute(\"select count(*) from scripts\").fetchone() == (0,)
run = db.execute(\"select status, total_combinations, completed_combinations, best_index from optimization_runs\").fetchall()
assert json.loads(db.execute(\"select statistics from optimization_runs\").fetchone()[0]) == b[\"statistics\"], \"statistics column\"
assert run == [(\"Completed\", 380, a[\"completed\"], a[\"best\"][\"index\"])], run
assert db.execute(\"select count(*) from optimization_trials\").fetchone() == (380,)
assert db.execute(\"select count(*) from datasets where name = \\x27ORCL-1d-1995-2014.csv\\x27\").fetchone() == (1,)
print(\"ok\")'"
check "shards of a Pine script optimization merge the same way" 0 "^ok$" -- bash -c "
g=(--data '$orcl' --script '$pine/sma_cross.pine' --axis fastLength=5,10,15,20 --axis slowLength=30,60,90)
'$atf' optimize \"\${g[@]}\" --json > '$tmp/pone.json' &&
'$atf' optimize \"\${g[@]}\" --shard 1/2 --json > '$tmp/p1.json' && '$atf' optimize \"\${g[@]}\" --shard 2/2 --json > '$tmp/p2.json' &&
'$atf' merge '$tmp/pmerged.json' '$tmp/p1.json' '$tmp/p2.json' > /dev/null &&
python3 -c '
import json
a, b = json.load(open(\"$tmp/pone.json\")), json.load(open(\"$tmp/pmerged.json\"))
assert a[\"trials\"] == b[\"trials\"] and a[\"total\"] == 12 and b[\"script\"][\"hash\"] == a[\"script\"][\"hash\"]
print(\"ok\")'"
check "--keep-top shards merge into the single-process best trials and statistics" 0 "^ok$" -- bash -c "
g=(--data '$orcl' --strategy sma_cross --axis fast=2:40:2 --axis slow=20:200:10)
for k in 1 2 3; do '$atf' optimize \"\${g[@]}\" --shard \$k/3 --keep-top 25 --json > '$tmp/kt'\$k'.json' || exit 1; done &&
'$atf' merge '$tmp/ktm.json' '$tmp/kt1.json' '$tmp/kt2.json' '$tmp/kt3.json' --out-sqlite '$tmp/ktm.sqlite' | grep -q 'the best 25 kept' &&
python3 -c '
import json, sqlite3
a, b = json.load(open(\"$tmp/one.json\")), json.load(open(\"$tmp/ktm.json\"))
assert all(len(json.load(open(\"$tmp/kt%d.json\" % k))[\"trials\"]) == 25 for k in (1, 2, 3))
assert b[\"kept_top\"] == 25 and a[\"trials\"][:25] == b[\"trials\"] and a[\"best\"] == b[\"best\"]
assert (a[\"total\"], a[\"completed\"], a[\"failed\"]) == (b[\"total\"], b[\"completed\"], b[\"failed\"])
sa, sb = a[\"statistics\"], b[\"statistics\"]
assert sa[\"stability\"] == sb[\"stability\"] and sa[\"psr\"] == sb[\"psr\"] and sa[\"trials\"] == sb[\"trials\"]
assert abs(sa[\"dsr\"] - sb[\"dsr\"]) < 1e-12 and abs(sa[\"sharpe_variance\"] - sb[\"sharpe_variance\"]) < 1e-12, (sa[\"dsr\"], sb[\"dsr\"])
assert sb[\"pbo\"][\"ok\"] is False and \"--keep-top\" in sb[\"pbo\"][\"reason\"]
db = sqlite3.connect(\"$tmp/ktm.sqlite\")
assert db.execute(\"select total_combinations, completed_combinations from optimization_runs\").fetchone() == (380, a[\"completed\"])
assert db.execute(\"select count(*) from optimization_trials\").fetchone() == (25,)
print(\"ok\")'"
check "merge refuses shards with different --keep-top" 2 "its --keep-top differs" -- bash -c "
'$atf' optimize --data '$orcl' --strategy sma_cross --axis fast=2:40:2 --axis slow=20:200:10 --shard 2/3 --json > '$tmp/all2.json' &&
'$atf' merge '$tmp/m2.json' '$tmp/kt1.json' '$tmp/all2.json' '$tmp/kt3.json'"
check "--keep-top is for optimize" 2 "^atf: --keep-top: only applies to optimize" -- \
  "$atf" backtest --data "$orcl" --strategy sma_cross --keep-top 5
check "merge refuses a missing shard" 2 "^atf: merge: shards 3 of 5 are missing$" -- \
  "$atf" merge "$tmp/m.json" "$tmp/sh1.json" "$tmp/sh2.json" "$tmp/sh4.json" "$tmp/sh5.json"
check "merge refuses a shard given twice" 2 "shard 2 is also" -- \
  "$atf" merge "$tmp/m.json" "$tmp/sh1.json" "$tmp/sh2.json" "$tmp/sh2.json"
check "merge refuses shards of another run" 2 "its request differs|not of the same split" -- \
  "$atf" merge "$tmp/m.json" "$tmp/sh1.json" "$tmp/p2.json"
check "merge refuses a file that is no shard" 2 "not a shard" -- "$atf" merge "$tmp/m.json" "$tmp/one.json"
check "merge will not overwrite a database" 2 "exists; give a new file" -- \
  "$atf" merge "$tmp/m.json" "$tmp/sh1.json" "$tmp/sh2.json" "$tmp/sh3.json" "$tmp/sh4.json" "$tmp/sh5.json" --out-sqlite "$tmp/merged.sqlite"
check "--shard needs K/N" 2 "^atf: --shard: expected K/N with 1 ≤ K ≤ N" -- \
  "$atf" optimize --data "$orcl" --strategy sma_cross --axis fast=5,10 --shard 3/2
check "a genetic search is not sharded" 2 "cannot be split into shards" -- \
  "$atf" optimize --data "$orcl" --strategy sma_cross --axis fast=5,10 --search genetic:pop=4,gen=2 --shard 1/2
check "random-search shards cover the sample" 0 "^ok$" -- bash -c "
g=(--data '$orcl' --strategy sma_cross --axis fast=2:60:2 --axis slow=20:300:10 --search random:50 --seed 4)
'$atf' optimize \"\${g[@]}\" --json > '$tmp/rone.json' &&
'$atf' optimize \"\${g[@]}\" --shard 1/3 --json > '$tmp/r1.json' && '$atf' optimize \"\${g[@]}\" --shard 2/3 --json > '$tmp/r2.json' && '$atf' optimize \"\${g[@]}\" --shard 3/3 --json > '$tmp/r3.json' &&
'$atf' merge '$tmp/rmerged.json' '$tmp/r1.json' '$tmp/r2.json' '$tmp/r3.json' > /dev/null &&
python3 -c '
import json
a, b = json.load(open(\"$tmp/rone.json\")), json.load(open(\"$tmp/rmerged.json\"))
assert a[\"trials\"] == b[\"trials\"] and b[\"total\"] == 50
print(\"ok\")'"

echo "cli: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
