#!/usr/bin/env bash
# The main job: install the toolchain, build the engine (native `atf` and the Wasm module) and
# the site, run a backtest and an optimization on the bundled sample data with the `atf` CLI
# (built-in strategies and Pine scripts),
# then serve the web app locally (with COOP/COEP headers) and print its URL.
# ATF_NO_SERVE=1 stops after the CLI job; ATF_PORT sets the port (default 4173).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/lib.sh

bash emsdk-config/install.sh
. emsdk-config/env.sh
atf_native_build

run() { echo; echo "==> $*"; "$@"; }
run build/native/atf backtest --data data/samples/NVDA-1d-1999-2014.csv --strategy sma_cross \
  --param fast=10 --param slow=30 --commission-pct 0.1
run build/native/atf optimize --data data/samples/ORCL-1d-1995-2014.csv --strategy sma_cross \
  --axis fast=5:30:5 --axis slow=20:100:10 --objective sharpe:max --threads 2
# The same strategy written in Pine Script, and a grid over its inputs.
run build/native/atf backtest --data data/samples/NVDA-1d-1999-2014.csv --script data/pine/sma_cross.pine \
  --input fastLength=10 --input slowLength=30 --commission-pct 0.1
run build/native/atf optimize --data data/samples/ORCL-1d-1995-2014.csv --script data/pine/supertrend.pine \
  --axis atrPeriod=7:21:7 --axis factor=2,3,4 --objective sharpe:max --threads 2

[[ "${ATF_NO_SERVE:-0}" == 1 ]] && exit 0
echo
echo "==> building the web app"
bash web/scripts/install.sh >/dev/null
[[ -f build/wasm/CMakeCache.txt ]] || atf_configure_wasm build/wasm -DCMAKE_BUILD_TYPE=Release
cmake --build build/wasm --target atf_wasm -j "$ATF_JOBS"
(cd web && npm run build)
port="${ATF_PORT:-4173}"
echo
echo "==> serving the app at http://127.0.0.1:${port}/  (Ctrl+C stops)"
cd web && exec npx vite preview --host 127.0.0.1 --port "$port" --strictPort
