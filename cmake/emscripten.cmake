# Emscripten (Wasm) settings for the whole project, in one place. CMakeLists.txt includes this file
# only under the Emscripten toolchain (`emcmake cmake ...`). Toolchain: Debian's emscripten 3.1.6
# (clang 14, binaryen 108); see emsdk-config/README.md for why each flag is here.

# Catch blocks (per-trial error boundaries in the optimizer, Catch2's REQUIRE) only work when every
# object AND the final link use -fexceptions: without it 3.1.6 compiles `catch` away and a throw ends
# the program with "exiting due to exception: <pointer>". Set globally so the engine, the tests and
# the wasm/ bindings agree (mixing settings across objects silently loses catches).
add_compile_options(-fexceptions)
add_link_options(-fexceptions)

# The Wasm build is single-threaded (one instance per Web Worker; no pthreads, so memory growth is
# cheap). Defined for every target so headers read the same way in the engine and in its users.
add_compile_definitions(ATF_NO_THREADS=1)
# Shared indicator series per dataset: 256 MB of the module's 2 GB address space.
add_compile_definitions(ATF_SERIES_CACHE_MB=256)

find_program(ATF_NODE_EXECUTABLE NAMES node nodejs REQUIRED)

# Flags for a program that runs under Node (the Wasm test suite): real files through NODERAWFS (the
# tests read data/samples), exit code from main, room to grow, function names in traps.
set(ATF_WASM_NODE_LINK_FLAGS
    -sENVIRONMENT=node
    -sNODERAWFS=1
    -sEXIT_RUNTIME=1
    -sINITIAL_MEMORY=64MB
    -sALLOW_MEMORY_GROWTH=1
    -sMAXIMUM_MEMORY=2GB
    -sTOTAL_STACK=8MB          # 3.1.6 spelling (STACK_SIZE arrived later); default is 5MB
    -sASSERTIONS=1             # readable aborts (stack overflow, OOM) instead of bare RuntimeErrors
    --profiling-funcs          # keep function names: a trap's stack names Wasm functions
    "--pre-js=${CMAKE_CURRENT_LIST_DIR}/node-wasm-binary.pre.js")

# Wasm frames live on V8's native stack: Node's default (~984 KB) overflows at ~20k small frames.
# 4000 KB gives 4x that and stays well under the usual 8 MB thread stack (ulimit -s), so an overflow
# is a clean RangeError; values near or above the real stack (e.g. 16000) segfault node instead.
set(ATF_NODE_STACK_FLAG --stack-size=4000)

# atf_wasm_node_program(<target>): link <target> for Node and make CTest run it as
#   node --no-experimental-fetch --stack-size=4000 <target>.js
# so `add_test(NAME x COMMAND <target>)` works the same natively and in Wasm. Emscripten 3.1.6
# output loads its .wasm with fetch() whenever fetch exists, which breaks under Node >= 18
# ("Failed to parse URL from .../x.wasm"); the flag removes fetch, and the pre-js also hands the
# module its .wasm bytes so `node build/wasm/x.js` works without the flag.
function(atf_wasm_node_program target)
  target_link_options(${target} PRIVATE ${ATF_WASM_NODE_LINK_FLAGS})
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS
               ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/node-wasm-binary.pre.js)
  set_property(TARGET ${target} PROPERTY CROSSCOMPILING_EMULATOR
               ${ATF_NODE_EXECUTABLE} --no-experimental-fetch ${ATF_NODE_STACK_FLAG})
endfunction()

# The browser module (wasm/CMakeLists.txt, target atf_wasm -> atf_engine.js + atf_engine.wasm): an
# embind factory createAtfEngine() for web pages, Web Workers and Node tests. Single-threaded (one
# instance per worker), so memory growth costs nothing on heap access; no file system (CSV text and
# bar columns come from JS); function names kept so a trap's JS stack names Wasm functions.
# -O3 rather than -O2 at link (binaryen): measured 20 % faster on a 1M-bar backtest call (37 vs
# 46 ms, mostly result writing) and 2 % smaller; the same on grids.
set(ATF_WASM_MODULE_LINK_FLAGS
    --bind
    -O3
    -sMODULARIZE=1
    -sEXPORT_NAME=createAtfEngine
    -sENVIRONMENT=web,worker,node
    -sALLOW_MEMORY_GROWTH=1
    -sINITIAL_MEMORY=32MB
    -sMAXIMUM_MEMORY=2GB
    -sFILESYSTEM=0
    --profiling-funcs)

# Wasm SIMD (f64x2) for the PBO loops only: statistics.cpp scores two trials per step with clang
# vector types, which without -msimd128 are split back into scalars (measured: PBO of 15,000
# trials × 12,870 splits 1.61 s without, 0.69 s with, 0.98 s for the earlier scalar loop). SIMD is
# in every current engine (Chromium 91, Firefox 89, Safari 16.4, Node 16.4); a module without it
# would be needed only for older ones. Lanes do the scalar code's exact IEEE operations, so the
# figures are bit-identical to native.
set_source_files_properties(${PROJECT_SOURCE_DIR}/engine/src/statistics.cpp PROPERTIES COMPILE_OPTIONS -msimd128)
