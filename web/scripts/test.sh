#!/usr/bin/env bash
# The web stage of scripts/test.sh: installs Chromium and the npm dependencies, builds the Wasm
# module if needed (incremental), builds the site, and runs the browser runtime tests against it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
# shellcheck source=emsdk-config/env.sh
. emsdk-config/env.sh

bash web/scripts/install.sh
[[ -f build/wasm/CMakeCache.txt ]] || atf_configure_wasm build/wasm -DCMAKE_BUILD_TYPE=Release
cmake --build build/wasm --target atf_wasm -j "$ATF_JOBS"

cd web
npm run build
npm test
