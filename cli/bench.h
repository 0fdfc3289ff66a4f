// `atf bench`: throughput figures on seeded synthetic data.
#pragma once
#include "cli_args.h"

namespace atf::cli {

int run_bench(const Options& options);

}  // namespace atf::cli
