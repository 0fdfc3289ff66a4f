#!/usr/bin/env bash
# scripts/atf-dask on a real Dask LocalCluster of 2 worker processes (issue 15): the merged result
# equals a single-process `atf optimize` bit for bit (trials, best, counts, statistics), for a
# built-in grid, a Pine script and a random search; a worker killed mid-shard is retried and no
# trial is lost or counted twice; the database written for the app holds every trial once; bad
# usage names the flag; Ctrl+C cancels every shard (no atf left running) and exits 130.
# Usage: dask_test.sh ATF SAMPLES        (needs Debian's python3-distributed)
set -uo pipefail
atf="$1"; samples="$2"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
driver="$here/../../scripts/atf-dask"
pine="$here/../../data/pine"
py=/usr/bin/python3   # Debian's python: the one python3-distributed installs into
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
export TMPDIR="$tmp"  # the workers' file cache too: nothing left behind
pass=0; fail=0

check() {  # check NAME EXPECTED_EXIT PATTERN -- command...
  local name="$1" want="$2" pattern="$3"; shift 4
  "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
  if [[ $rc -ne $want ]]; then
    echo "FAIL $name: exit $rc, expected $want"; sed 's/^/    /' "$tmp/err" | tail -15; ((fail++)); return
  fi
  if ! grep -qE -- "$pattern" "$tmp/out" "$tmp/err"; then
    echo "FAIL $name: output lacks /$pattern/"; tail -5 "$tmp/out" "$tmp/err" | sed 's/^/    /'; ((fail++)); return
  fi
  echo "ok   $name"; ((pass++))
}

orcl="$samples/ORCL-1d-1995-2014.csv"
nvda="$samples/NVDA-1d-1999-2014.csv"

# same A.json B.json: the two results agree bit for bit on everything a run computes.
cat >"$tmp/same.py" <<'EOF'
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert a["trials"] == b["trials"], "trial records differ"
assert a["best"] == b["best"], (a["best"], b["best"])
assert (a["total"], a["completed"], a["failed"]) == (b["total"], b["completed"], b["failed"]), \
    ((a["total"], a["completed"], a["failed"]), (b["total"], b["completed"], b["failed"]))
assert a.get("statistics") == b.get("statistics"), "statistics differ"
idx = [t["index"] for t in b["trials"]]
assert len(idx) == len(set(idx)) == b["total"], "a trial is missing or counted twice"
print("ok", b["total"])
EOF

grid=(--data "$orcl" --strategy sma_cross --axis fast=2:40:2 --axis slow=20:200:10)
"$atf" optimize "${grid[@]}" --threads 1 --json >"$tmp/one.json" || { echo "FAIL single-process run"; exit 1; }

check "a grid on 2 Dask workers merges into the single-process result, bit for bit" 0 "^ok 380$" -- bash -c "
'$py' '$driver' --local 2 --shards 6 --atf '$atf' ${grid[*]} --json --out '$tmp/d.json' --out-sqlite '$tmp/d.sqlite' > '$tmp/d.stdout' &&
'$py' '$tmp/same.py' '$tmp/one.json' '$tmp/d.json' && cmp -s '$tmp/d.json' '$tmp/d.stdout' && echo ok 380"
grep -qE "shards 6/6 done" "$tmp/err" && echo "ok   progress names shards and trials on stderr" && ((pass++)) \
  || { echo "FAIL progress: no 'shards 6/6 done' on stderr"; tail -3 "$tmp/err"; ((fail++)); }

check "the app's database from the cluster run holds every trial once" 0 "^ok$" -- "$py" -c "
import json, sqlite3
a = json.load(open('$tmp/one.json'))
db = sqlite3.connect('$tmp/d.sqlite')
run = db.execute('select status, total_combinations, completed_combinations, best_index from optimization_runs').fetchall()
assert run == [('Completed', 380, a['completed'], a['best']['index'])], run
assert db.execute('select count(*), count(distinct idx) from optimization_trials').fetchone() == (380, 380)
print('ok')"

check "--keep-top on the cluster: the single-process best trials, counts of all" 0 "^ok$" -- bash -c "
'$py' '$driver' --local 2 --shards 4 --atf '$atf' ${grid[*]} --keep-top 20 --json > '$tmp/kt.json' &&
'$py' -c '
import json
a, b = json.load(open(\"$tmp/one.json\")), json.load(open(\"$tmp/kt.json\"))
assert b[\"kept_top\"] == 20 and a[\"trials\"][:20] == b[\"trials\"] and a[\"best\"] == b[\"best\"]
assert (a[\"total\"], a[\"completed\"], a[\"failed\"]) == (b[\"total\"], b[\"completed\"], b[\"failed\"])
assert a[\"statistics\"][\"stability\"] == b[\"statistics\"][\"stability\"]
print(\"ok\")'"

# A worker process is killed (SIGKILL) after its shard reported progress: Dask reschedules the
# shard on a live worker (the nanny restarts the dead one); the result is still exact.
# A grid whose shards run for a second or so, so that the kill lands mid-shard.
kgrid=(--data "$nvda" --strategy sma_cross --axis fast=2:60:1 --axis slow=20:600:2)
"$atf" optimize "${kgrid[@]}" --threads 1 --json >"$tmp/kone.json" || { echo "FAIL single-process run (kill grid)"; exit 1; }
check "a worker killed mid-shard is retried; nothing lost or counted twice" 0 "^ok 17169$" -- bash -c "
ATF_DASK_TEST_KILL_SHARD=2:'$tmp/killed' '$py' '$driver' --local 2 --shards 4 --atf '$atf' ${kgrid[*]} --json > '$tmp/k.json' &&
test -f '$tmp/killed' && '$py' '$tmp/same.py' '$tmp/kone.json' '$tmp/k.json'"
grep -q "shard 2/4: its worker was lost; retried" "$tmp/err" && echo "ok   the retry is reported" && ((pass++)) \
  || { echo "FAIL the retry is not reported on stderr"; tail -5 "$tmp/err"; ((fail++)); }

pgrid=(--data "$orcl" --script "$pine/sma_cross.pine" --axis fastLength=5,10,15,20 --axis slowLength=30,60,90)
"$atf" optimize "${pgrid[@]}" --threads 1 --json >"$tmp/pone.json" || { echo "FAIL single-process script run"; exit 1; }
check "a Pine script's grid on Dask: the script is shipped, the result exact" 0 "^ok 12$" -- bash -c "
'$py' '$driver' --local 2 --shards 3 --atf '$atf' ${pgrid[*]} --json > '$tmp/p.json' &&
'$py' '$tmp/same.py' '$tmp/pone.json' '$tmp/p.json' &&
'$py' -c 'import json; d = json.load(open(\"$tmp/p.json\")); assert d[\"script\"][\"path\"] == \"$pine/sma_cross.pine\", d[\"script\"].get(\"path\")' && echo ok 12"

rgrid=(--data "$nvda" --strategy rsi_reversion --axis period=2:30:1 --axis lower=10:40:5 --axis upper=60:90:5 --search random:50 --seed 7)
"$atf" optimize "${rgrid[@]}" --threads 1 --json >"$tmp/rone.json" || { echo "FAIL single-process random run"; exit 1; }
check "a random search on Dask samples the same combinations" 0 "^ok 50$" -- bash -c "
'$py' '$driver' --local 2 --atf '$atf' ${rgrid[*]} --json > '$tmp/r.json' && '$py' '$tmp/same.py' '$tmp/rone.json' '$tmp/r.json'"

check "human-readable output by default" 0 "best" -- \
  "$py" "$driver" --local 1 --shards 2 --atf "$atf" "${grid[@]}"
check "--data is required" 2 "^atf-dask: --data: required" -- "$py" "$driver" --local 2 --strategy sma_cross
check "one of --scheduler or --local" 2 "give one of --scheduler ADDRESS or --local N" -- \
  "$py" "$driver" --data "$orcl" --strategy sma_cross --axis fast=5,10
check "--shard is refused (the driver splits)" 2 "^atf-dask: --shard: not with atf-dask" -- \
  "$py" "$driver" --local 1 --data "$orcl" --strategy sma_cross --shard 1/2
check "a file that is not there names the flag" 2 "^atf-dask: --script: cannot read" -- \
  "$py" "$driver" --local 1 --data "$orcl" --script "$tmp/nope.pine"
check "atf's own usage errors come back from the cluster once" 2 "unknown strategy 'nope'" -- \
  "$py" "$driver" --local 2 --atf "$atf" --data "$orcl" --strategy nope --axis fast=5,10

# Ctrl+C: SIGINT to the driver while shards run; every atf stops, exit 130, nothing written.
big=(--data "$nvda" --strategy sma_cross --axis fast=2:300:1 --axis slow=10:1000:1)
"$py" "$driver" --local 2 --shards 8 --atf "$atf" "${big[@]}" --out "$tmp/c.json" >"$tmp/c.out" 2>"$tmp/c.err" &
pid=$!
for _ in $(seq 1 300); do grep -q "trials" "$tmp/c.err" 2>/dev/null && break; sleep 0.1; done
kill -INT "$pid"; wait "$pid"; rc=$?
sleep 1
left="$(pgrep -f -- "--shard [0-9]+/8 --json --progress-lines" | wc -l)"
if [[ $rc -eq 130 && ! -e "$tmp/c.json" && $left -eq 0 ]] && grep -q "cancelled" "$tmp/c.err"; then
  echo "ok   Ctrl+C cancels every shard and exits 130"; ((pass++))
else
  echo "FAIL Ctrl+C: exit $rc (want 130), result written: $([[ -e $tmp/c.json ]] && echo yes || echo no), atf left running: $left"
  tail -5 "$tmp/c.err" | sed 's/^/    /'; ((fail++))
fi

echo "dask tests: $pass passed, $fail failed"
((fail == 0))
