# ATF_FUZZ=ON: flags of the libFuzzer build (configure with CC=clang CXX=clang++; scripts/fuzz.sh).
# Everything compiled in this build gets coverage instrumentation (fuzzer-no-link) plus ASan and
# UBSan, with UBSan errors fatal so the fuzzer reports them as crashes. Only the fuzz targets link
# the libFuzzer runtime (tests/fuzz/CMakeLists.txt), so the engine sources stay fuzz-free.
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "ATF_FUZZ needs clang (libFuzzer): configure with CC=clang CXX=clang++")
endif()
if(EMSCRIPTEN)
  message(FATAL_ERROR "ATF_FUZZ is a native build")
endif()
set(ATF_FUZZ_SANITIZERS address,undefined)
add_compile_options(-fsanitize=fuzzer-no-link,${ATF_FUZZ_SANITIZERS} -fno-sanitize-recover=all
                    -fno-omit-frame-pointer -g1)
add_link_options(-fsanitize=${ATF_FUZZ_SANITIZERS})
