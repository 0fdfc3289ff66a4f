// Command-line parsing for `atf`: argv → typed options, or a one-line error naming the flag.
#pragma once
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "atf/csv_import.h"
#include "atf/error.h"
#include "atf/optimizer.h"
#include "atf/walkforward.h"

namespace atf::cli {

struct Options {
  std::string command;  ///< backtest | optimize | walkforward | check | bench | strategies | help
  std::string data_path;
  std::string from, to;  ///< raw --from/--to text
  DateOrder date_order = DateOrder::kUnknown;  ///< --date-order
  OptimizationRequest request;  ///< request.base is the backtest request
  bool objective_given = false;
  bool json = false;
  bool progress_lines = false;  ///< --progress-lines: `atf-progress DONE FAILED TOTAL` lines on stderr (for drivers)
  int top = 10;               ///< trials listed in the human-readable optimize report
  int64_t rerun = -1;         ///< optimize --rerun INDEX: full report of one combination
  int64_t bench_bars = 1'000'000;
  // Pine scripts
  std::string script_path;    ///< --script FILE.pine (check: the positional FILE)
  std::vector<std::pair<std::string, std::string>> inputs;  ///< --input NAME=VALUE, in order
  std::string inputs_file;    ///< --inputs FILE.json
  std::string trade_from;     ///< --trade-from DATE
  std::set<std::string> broker_given;  ///< broker fields set by flags (they override a script's strategy() settings)
  std::string trades_csv_path;  ///< --trades-csv FILE: TradingView's "List of trades" CSV (backtest, optimize --rerun)
  // Robustness (optimize, walkforward)
  bool statistics = true;     ///< --no-stats turns the overfitting statistics off
  int pbo_blocks = -1;        ///< --pbo-blocks S; −1: 16 when the search plans ≤ 250,000 trials, else none
  int mc_paths = 1000;        ///< --mc-paths N
  int64_t keep_top = 0;       ///< optimize --keep-top M: --json lists only the M best trials (0: all)
  WalkForwardRequest walk;    ///< walkforward: --is, --oos, --step, --anchored (walk.optimization unused)
  bool is_given = false, oos_given = false;
};

/// Parses argv (without the program name). Errors are kValidation with `field` = the flag.
Result<Options> parse_args(const std::vector<std::string>& args);

/// Usage text for `atf help`.
const char* usage();

}  // namespace atf::cli
