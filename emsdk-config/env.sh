# shellcheck shell=sh
# Environment for building with Debian's Emscripten. Source it (bash or sh):
#   . emsdk-config/env.sh
# scripts/test.sh and scripts/run.sh do this for you.

# Debian's emcc runs its JS optimizer (tools/acorn-optimizer.js) with the system node, which only
# finds Debian's node modules (acorn, from node-acorn) through NODE_PATH. Without it every -O1+
# link fails with "Cannot find module 'acorn'".
case ":${NODE_PATH:-}:" in
  *:/usr/share/nodejs:*) ;;
  *) NODE_PATH="/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}" ;;
esac
export NODE_PATH

# Not needed, measured: EM_CACHE. Debian ships the Emscripten system libraries prebuilt in a
# frozen, read-only cache (/usr/share/emscripten/cache, FROZEN_CACHE = True); emcc only reads it,
# so it works for root and non-root users alike and no build ever recompiles libc/libc++. If a
# future flag needs a library variant that is not prebuilt, emcc fails with a FROZEN_CACHE error:
# copy the cache then (cp -r /usr/share/emscripten/cache build/em-cache; export EM_CACHE=... and
# EM_FROZEN_CACHE=0) rather than rebuilding everything.
