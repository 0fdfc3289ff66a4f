// Invariant checks for the fuzz targets: a broken invariant prints what and where, then aborts,
// which libFuzzer reports as a crash (with the input saved as crash-<sha1>).
#pragma once
#include <cstdio>
#include <cstdlib>
#include <string>

#define FUZZ_CHECK(cond, what)                                                                       \
  do {                                                                                              \
    if (!(cond)) {                                                                                  \
      std::fprintf(stderr, "\nINVARIANT BROKEN at %s:%d: %s\n  %s\n", __FILE__, __LINE__, #cond,    \
                   std::string(what).c_str());                                                      \
      std::abort();                                                                                 \
    }                                                                                               \
  } while (0)
