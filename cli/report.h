// Human-readable reports for the terminal.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "atf/backtest.h"
#include "atf/market_data.h"
#include "atf/optimizer.h"

namespace atf::cli {

/// Describes the loaded data: file, bars, first/last time, price decimals, bars per year.
nlohmann::json data_json(const std::string& path, const MarketData& md);

void print_backtest(const std::string& path, const MarketData& md, const BacktestResult& r, double seconds);
void print_optimization(const std::string& path, const MarketData& md, const OptimizationRequest& req,
                        const OptimizationResult& r, double seconds, int top);

}  // namespace atf::cli
