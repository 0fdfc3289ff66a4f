// Fuzz target: the CSV importer (engine/src/csv_import.cpp, text_parse.h) and what consumes its
// output. Any byte string is a CSV text. On success the importer's guarantees are checked (README
// "Data"; Bars in bars.h): one bar per data row, strictly increasing times, finite positive prices
// with low <= min(open, close) <= max(open, close) <= high, volume finite and >= 0, a coherent
// layout; the time-range filter keeps exactly the rows in range; writing the bars back out as CSV
// and importing again gives the same bars bit for bit; prepare_market_data accepts them; and small
// datasets go through one tiny backtest per strategy (UBSan watches the integer tick arithmetic);
// prices above 1e15 are the one thing prepare_market_data may refuse.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "atf/backtest.h"
#include "atf/csv_import.h"
#include "atf/json_io.h"
#include "atf/market_data.h"
#include "fuzz_check.h"
#include "text_parse.h"

namespace {

using atf::Bars;

constexpr size_t kMaxBacktestBars = 64;  // keeps every run well under a millisecond

bool same_double(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

bool same_bars(const Bars& a, const Bars& b) {
  if (a.time != b.time) return false;
  for (auto col : {&Bars::open, &Bars::high, &Bars::low, &Bars::close, &Bars::volume}) {
    const auto& x = a.*col;
    const auto& y = b.*col;
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i) {
      if (!same_double(x[i], y[i])) return false;
    }
  }
  return true;
}

void check_error(const atf::Error& e) {
  FUZZ_CHECK(e.code == atf::ErrorCode::kImport, e.message);
  FUZZ_CHECK(!e.message.empty(), "an import error without a message");
  FUZZ_CHECK(e.line >= 0 && e.column >= 0, e.message);
  FUZZ_CHECK(e.column == 0 || e.line > 0, e.message);
  if (e.line > 0) FUZZ_CHECK(e.message.rfind("line " + std::to_string(e.line), 0) == 0, e.message);
}

void check_bars(const Bars& b, const std::string& symbol) {
  const size_t n = b.size();
  FUZZ_CHECK(b.open.size() == n && b.high.size() == n && b.low.size() == n && b.close.size() == n &&
                 b.volume.size() == n,
             "bar columns of different lengths");
  FUZZ_CHECK(b.symbol == symbol, "symbol not copied from the options");
  for (size_t i = 0; i < n; ++i) {
    const std::string at = "bar " + std::to_string(i);
    if (i > 0) FUZZ_CHECK(b.time[i] > b.time[i - 1], at + ": time not strictly increasing");
    const double o = b.open[i], h = b.high[i], l = b.low[i], c = b.close[i], v = b.volume[i];
    for (double p : {o, h, l, c}) FUZZ_CHECK(std::isfinite(p) && p > 0, at + ": price not finite and positive");
    FUZZ_CHECK(h >= o && h >= c && l <= o && l <= c && l <= h, at + ": high/low do not bound open/close");
    FUZZ_CHECK(std::isfinite(v) && v >= 0 && !std::signbit(v), at + ": volume not finite, >= 0 and not -0");
  }
}

void check_layout(const atf::CsvLayout& L) {
  FUZZ_CHECK(L.separator == ',' || L.separator == ';' || L.separator == '\t', "separator");
  const std::string& f = L.time_format;
  FUZZ_CHECK(f == "date" || f == "datetime" || f == "epoch_s" || f == "epoch_ms" || f == "epoch_us" || f == "epoch_ns",
             "time_format '" + f + "'");
  FUZZ_CHECK(L.columns >= 5, "fewer than 5 columns");
  const int cols[] = {L.time_col, L.open_col, L.high_col, L.low_col, L.close_col, L.volume_col};
  for (int i = 0; i < 6; ++i) {
    FUZZ_CHECK(cols[i] < L.columns && (cols[i] >= 0 || i == 5), "column index out of range");
    for (int j = 0; j < i; ++j) FUZZ_CHECK(cols[i] < 0 || cols[i] != cols[j], "two roles share a column");
  }
  if (!L.has_header) {
    const int s = L.clock_col == 1 ? 1 : 0;  // MetaTrader's date, time, open, ...
    FUZZ_CHECK(L.clock_col == -1 || L.clock_col == 1, "headerless clock column not second");
    FUZZ_CHECK(L.time_col == 0 && L.open_col == 1 + s && L.high_col == 2 + s && L.low_col == 3 + s && L.close_col == 4 + s,
               "headerless file without the positional layout");
  }
  FUZZ_CHECK(L.clock_col < L.columns, "clock column out of range");
  for (int c : {L.time_col, L.open_col, L.high_col, L.low_col, L.close_col, L.volume_col}) {
    FUZZ_CHECK(L.clock_col < 0 || c != L.clock_col, "the clock column shares a role");
  }
  FUZZ_CHECK(L.decimal_mark == '.' || L.decimal_mark == ',', "decimal mark");
}

/// Formats and re-parses a timestamp: the two must agree for years 0000..9999.
void check_time_text(int64_t ms) {
  const std::string s = atf::format_time(ms);
  const int64_t days = ms / atf::text::kMsPerDay - (ms % atf::text::kMsPerDay < 0 ? 1 : 0);
  const int64_t year = atf::text::civil_from_days(days).y;
  if (year < 0 || year > 9999) return;
  auto back = atf::parse_time_arg(s);
  FUZZ_CHECK(back.ok() && *back == ms, "format_time(" + std::to_string(ms) + ") = '" + s + "' does not read back");
}

/// The bars as an unambiguous CSV (ISO date-times with milliseconds, %.17g numbers), or "" when a
/// time lies outside the years the ISO form can write.
std::string write_csv(const Bars& b) {
  std::string out = "Time;Open;High;Low;Close;Volume\r\n";
  char line[256];
  for (size_t i = 0; i < b.size(); ++i) {
    const int64_t ms = b.time[i];
    int64_t rem = ms % atf::text::kMsPerDay;
    const int64_t days = ms / atf::text::kMsPerDay - (rem < 0 ? 1 : 0);
    if (rem < 0) rem += atf::text::kMsPerDay;
    const auto c = atf::text::civil_from_days(days);
    if (c.y < 0 || c.y > 9999) return {};
    std::snprintf(line, sizeof line, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ;%.17g;%.17g;%.17g;%.17g;%.17g\r\n",
                  static_cast<long long>(c.y), c.m, c.d, static_cast<long long>(rem / 3'600'000),
                  static_cast<long long>(rem / 60'000 % 60), static_cast<long long>(rem / 1000 % 60),
                  static_cast<long long>(rem % 1000), b.open[i], b.high[i], b.low[i], b.close[i], b.volume[i]);
    out += line;
  }
  return out;
}

void tiny_backtests(const atf::MarketData& md) {
  struct Run {
    const char* strategy;
    atf::ParamMap params;
  };
  const Run runs[] = {
      {"sma_cross", {{"fast", 1}, {"slow", 2}}},
      {"sma_cross", {{"fast", 2}, {"slow", 5}}},
      {"ema_cross", {{"fast", 1}, {"slow", 3}}},
      {"rsi_reversion", {{"period", 2}, {"lower", 30}, {"upper", 70}}},
      {"bollinger_reversion", {{"period", 3}, {"k", 0.5}}},
      {"donchian_breakout", {{"entry", 2}, {"exit", 1}}},
      {"macd_signal", {{"fast", 1}, {"slow", 3}, {"signal", 2}}},
  };
  for (const Run& r : runs) {
    atf::BacktestRequest req;
    req.strategy = r.strategy;
    req.params = r.params;
    req.broker.allow_short = true;
    req.broker.close_at_end = true;
    req.broker.commission_pct = 0.1;
    req.broker.stop_loss_pct = 5;
    req.broker.take_profit_pct = 5;
    auto res = atf::run_backtest(md, req);
    FUZZ_CHECK(res.ok() || res.error().code == atf::ErrorCode::kRuntime, std::string(r.strategy) + ": " + res.error().message);
    if (!res) continue;
    FUZZ_CHECK(res->bars == static_cast<int64_t>(md.bars.size()), "result bars");
    FUZZ_CHECK(res->equity_curve.size() == md.bars.size(), "equity curve length");
    (void)atf::to_json(*res).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  atf::CsvImportOptions opts;
  opts.symbol = "FUZZ";
  // Every stated date order (and none) in turn, by input size: the guarantees hold for each.
  opts.date_order = static_cast<atf::DateOrder>(size % 4);
  // Listing every bad row gives the same first error, and lists only rows with a line.
  {
    atf::CsvErrorList all;
    all.max_listed = 5;
    auto listed = atf::import_csv(text, opts, &all);
    auto first = atf::import_csv(text, opts);
    FUZZ_CHECK(listed.ok() == first.ok(), "listing errors changed the outcome");
    if (!listed.ok()) check_error(listed.error());
    FUZZ_CHECK(all.errors.size() <= 5 && static_cast<int64_t>(all.errors.size()) <= all.count, "error list size");
    for (const auto& e : all.errors) {
      check_error(e);
      FUZZ_CHECK(e.line > 0, "a listed error without a line: " + e.message);
    }
  }
  auto r = atf::import_csv(text, opts);
  if (!r) {
    check_error(r.error());
    return 0;
  }
  const Bars& bars = r->bars;
  const size_t n = bars.size();
  FUZZ_CHECK(n >= 1, "success without bars");
  FUZZ_CHECK(r->rows_read == static_cast<int64_t>(n) && r->rows_skipped == 0, "rows_read != bars without a range");
  check_bars(bars, opts.symbol);
  check_layout(r->layout);
  check_time_text(bars.time.front());
  check_time_text(bars.time.back());

  // The time-range filter keeps exactly the rows in [from, to] and still validates every row.
  {
    atf::CsvImportOptions ranged = opts;
    ranged.from_ms = bars.time[n / 3];
    ranged.to_ms = bars.time[(2 * n) / 3];
    auto rr = atf::import_csv(text, ranged);
    FUZZ_CHECK(rr.ok(), "a range holding rows failed: " + rr.error().message);
    FUZZ_CHECK(rr->rows_read == r->rows_read, "rows_read changed with a range");
    FUZZ_CHECK(static_cast<int64_t>(rr->bars.size()) + rr->rows_skipped == rr->rows_read, "kept + skipped != read");
    FUZZ_CHECK(same_bars(rr->bars, bars.slice_time(ranged.from_ms, ranged.to_ms)), "range != slice_time");
    if (bars.time.back() < INT64_MAX) {
      ranged.from_ms = bars.time.back() + 1;
      ranged.to_ms = INT64_MAX;
      auto none = atf::import_csv(text, ranged);
      FUZZ_CHECK(!none.ok(), "a range after the last row succeeded");
      check_error(none.error());
    }
  }

  // Written back out and imported again: the same bars, bit for bit.
  if (const std::string again = write_csv(bars); !again.empty()) {
    auto r2 = atf::import_csv(again, opts);
    FUZZ_CHECK(r2.ok(), "re-import of the written bars failed: " + r2.error().message);
    FUZZ_CHECK(same_bars(r2->bars, bars), "re-imported bars differ");
  }

  // What the CLI and the Wasm module do next.
  auto md = atf::prepare_market_data(bars);
  if (!md) {  // the one refusal allowed: a price whose ticks would not fit (above 1e15)
    const double top = *std::max_element(bars.high.begin(), bars.high.end());
    FUZZ_CHECK(md.error().code == atf::ErrorCode::kValidation && top > 1e15 &&
                   md.error().message.find("is too large (at most 1e15)") != std::string::npos,
               "prepare_market_data rejected imported bars: " + md.error().message);
    return 0;
  }
  const atf::MarketData& m = **md;
  FUZZ_CHECK(m.decimals >= 0 && m.decimals <= atf::kMaxPriceDecimals, "decimals");
  FUZZ_CHECK(m.close_ticks.size() == n && m.high_ticks.size() == n && m.low_ticks.size() == n, "tick columns");
  FUZZ_CHECK(std::isfinite(m.bars_per_year) && m.bars_per_year > 0, "bars_per_year");
  if (n <= kMaxBacktestBars) tiny_backtests(m);
  return 0;
}
