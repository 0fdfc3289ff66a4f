// The indicator series a built-in strategy trades on, as plots, so its report draws them as a
// Pine script's plot() series are drawn. Internal to the engine.
#pragma once
#include <string>
#include <vector>

#include "atf/market_data.h"
#include "atf/params.h"
#include "atf/pine.h"

namespace atf {

/// The series of built-in `strategy` with resolved `params`: overlay ones on the price chart
/// (averages, bands, channels), the others in a pane below (RSI with its levels, MACD and its
/// signal line). Values in price units (oscillators in their own), one per bar, NaN before the
/// indicator is ready; computed as the strategy computes them (SMAs as exact tick sums over
/// length × 10^decimals, as Pine's ta.sma). Unknown strategies: none.
std::vector<PlotSeries> builtin_plots(const MarketData& md, const std::string& strategy, const ParamMap& params);

}  // namespace atf
