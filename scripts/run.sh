#!/usr/bin/env bash
# The main job: install the toolchain, build natively (build/native), run a backtest and an
# optimization on the bundled sample data with the `atf` CLI.
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
