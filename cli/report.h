// Human-readable reports for the terminal.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "atf/backtest.h"
#include "atf/market_data.h"
#include "atf/optimization_statistics.h"
#include "atf/optimizer.h"
#include "atf/walkforward.h"

namespace atf::cli {

/// What the import noticed and the report repeats (CsvImport's fields and import_notices).
struct ImportSummary {
  int64_t rows_without_prices = 0, first_line_without_prices = 0;
  bool newest_first = false;
  std::vector<std::string> notices;
};

/// Describes the loaded data: file, bars, first/last time, price decimals, bars per year, and
/// what the import skipped or reordered (rows_without_prices, first_line_without_prices,
/// newest_first, notices).
nlohmann::json data_json(const std::string& path, const MarketData& md, const ImportSummary& summary = {});

void print_backtest(const std::string& path, const MarketData& md, const BacktestResult& r, double seconds,
                    const ImportSummary& summary = {});
void print_optimization(const std::string& path, const MarketData& md, const OptimizationRequest& req,
                        const OptimizationResult& r, double seconds, int top, const ImportSummary& summary = {});

/// The overfitting statistics after an optimization report: PSR, DSR, PBO, Monte Carlo, stability.
void print_statistics(const OptimizationStatistics& s);

/// A walk-forward run: the windows (dates, best parameters, IS and OOS CAGR), the stitched
/// out-of-sample figures, walk-forward efficiency and parameter stability.
void print_walk_forward(const std::string& path, const MarketData& md, const WalkForwardRequest& req,
                        const WalkForwardResult& r, double seconds, const ImportSummary& summary = {});

/// A warning on stderr when the data holds no more bars than the strategy's warm-up (no signal is
/// possible): `short_runs` of `runs` runs needed up to `warmup` bars.
void warn_warmup(const std::string& strategy, size_t bars, int64_t warmup, int64_t short_runs, int64_t runs);

/// A number for a terminal: fixed decimals, or 6 significant digits with an exponent when its
/// magnitude is 1e12 or more; "n/a" for undefined, "+inf" / "-inf".
std::string readable(double v, int decimals = 2);

}  // namespace atf::cli
