// Helpers for Pine language tests: compile a script, run it over small hand-made bars through
// the public API (atf::compile_pine → atf::run_backtest), and read back its plot() series.
//
//   auto p = pine_test::run(pine_test::indicator("x = close * 2\nplot(x, \"x\")"), pine_test::bars({1, 2, 3}));
//   CHECK(p.at("x") == std::vector<double>{2, 4, 6});
#pragma once
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "atf/backtest.h"
#include "atf/market_data.h"
#include "atf/pine.h"

namespace atf::pine_test {

inline constexpr int64_t kDayMs = 86'400'000;
inline constexpr int64_t kJan1_2024 = 1'704'067'200'000;  // a Monday, 00:00 UTC

/// `//@version=6` + `indicator("t")` + body: the body starts on line 3.
inline std::string indicator(const std::string& body) { return "//@version=6\nindicator(\"t\")\n" + body + "\n"; }
/// `//@version=6` + `strategy("t")` + body: the body starts on line 3.
inline std::string strategy(const std::string& body) { return "//@version=6\nstrategy(\"t\")\n" + body + "\n"; }

/// Bars with the given closes: open = close, high = close + 1, low = close − 1, volume 100,
/// one bar every `step_ms` from `start_ms` (daily from 2024-01-01 by default).
inline Bars bars(const std::vector<double>& closes, int64_t start_ms = kJan1_2024, int64_t step_ms = kDayMs) {
  Bars b;
  b.symbol = "TEST";
  for (size_t i = 0; i < closes.size(); ++i) {
    b.push_back(start_ms + static_cast<int64_t>(i) * step_ms, closes[i], closes[i] + 1, closes[i] - 1, closes[i], 100);
  }
  return b;
}

/// `n` bars with closes 10, 11, 12, ... (daily).
inline Bars ramp(size_t n) {
  std::vector<double> c;
  for (size_t i = 0; i < n; ++i) c.push_back(10.0 + static_cast<double>(i));
  return bars(c);
}

inline std::shared_ptr<const PineScript> compile(const std::string& src) {
  auto s = compile_pine(src);
  if (!s) FAIL("compile error: line " << s.error().line << ":" << s.error().column << ": " << s.error().message
                                      << "\n--- script ---\n" << src);
  return *s;
}

/// The compile error of a script that must not compile.
inline Error compile_error(const std::string& src) {
  auto s = compile_pine(src);
  if (s) FAIL("expected a compile error\n--- script ---\n" << src);
  return s.error();
}

struct RunOptions {
  ParamMap params;
  std::map<std::string, std::string> texts;
};

inline Result<BacktestResult> try_run(const std::string& src, Bars b, const RunOptions& o = {}) {
  auto script = compile(src);
  auto md = prepare_market_data(std::move(b));
  if (!md) FAIL("bad test bars: " << md.error().message);
  BacktestRequest req;
  req.script = script;
  req.params = o.params;
  req.text_inputs = o.texts;
  auto cfg = script_broker_config(*script, req.broker, {}, 1.0 / std::pow(10.0, (*md)->decimals));
  if (!cfg) FAIL("broker config: " << cfg.error().message);
  req.broker = *cfg;
  return run_backtest(**md, req);
}

/// Plots by title, one value per bar (NaN = na).
using Plots = std::map<std::string, std::vector<double>>;

inline Plots run(const std::string& src, Bars b, const RunOptions& o = {}) {
  auto r = try_run(src, std::move(b), o);
  if (!r) FAIL("run error: " << r.error().message << " [" << r.error().context << "]\n--- script ---\n" << src);
  Plots out;
  for (const auto& p : r->plots) out[p.title] = p.values;
  return out;
}

/// The runtime error of a script that must fail while running.
inline Error run_error(const std::string& src, Bars b, const RunOptions& o = {}) {
  auto r = try_run(src, std::move(b), o);
  if (r) FAIL("expected a runtime error\n--- script ---\n" << src);
  return r.error();
}

/// The single series plotted as `name` (fails the test when missing).
inline std::vector<double> series(const Plots& p, const std::string& name) {
  auto it = p.find(name);
  if (it == p.end()) FAIL("no plot named '" << name << "'");
  return it->second;
}

/// Compares with NaN == NaN (na), exact otherwise.
inline bool same(const std::vector<double>& got, const std::vector<double>& want) {
  if (got.size() != want.size()) return false;
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(got[i]) != std::isnan(want[i])) return false;
    if (!std::isnan(got[i]) && got[i] != want[i]) return false;
  }
  return true;
}

/// Compares with NaN == NaN and a relative tolerance.
inline bool near(const std::vector<double>& got, const std::vector<double>& want, double eps = 1e-9) {
  if (got.size() != want.size()) return false;
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(got[i]) != std::isnan(want[i])) return false;
    if (!std::isnan(got[i]) && std::fabs(got[i] - want[i]) > eps * std::max(1.0, std::fabs(want[i]))) return false;
  }
  return true;
}

inline std::string show(const std::vector<double>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += ", ";
    if (std::isnan(v[i])) {
      s += "na";
    } else {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.10g", v[i]);
      s += buf;
    }
  }
  return s + "]";
}

inline constexpr double na = std::numeric_limits<double>::quiet_NaN();

}  // namespace atf::pine_test

/// CHECK_SERIES(plots, "name", {1, 2, na}): the plot equals the list exactly (na = NaN).
#define CHECK_SERIES(plots, name, ...)                                                           \
  do {                                                                                           \
    const std::vector<double> want_ = __VA_ARGS__;                                               \
    const auto got_ = ::atf::pine_test::series(plots, name);                                     \
    INFO("plot '" << name << "': got " << ::atf::pine_test::show(got_) << ", want "              \
                  << ::atf::pine_test::show(want_));                                             \
    CHECK(::atf::pine_test::same(got_, want_));                                                  \
  } while (0)

#define CHECK_SERIES_NEAR(plots, name, ...)                                                      \
  do {                                                                                           \
    const std::vector<double> want_ = __VA_ARGS__;                                               \
    const auto got_ = ::atf::pine_test::series(plots, name);                                     \
    INFO("plot '" << name << "': got " << ::atf::pine_test::show(got_) << ", want "              \
                  << ::atf::pine_test::show(want_));                                             \
    CHECK(::atf::pine_test::near(got_, want_));                                                  \
  } while (0)

/// CHECK_COMPILE_ERROR(src, line, col, "substring of the message")
#define CHECK_COMPILE_ERROR(src, line_, col_, text_)                                             \
  do {                                                                                           \
    const auto e_ = ::atf::pine_test::compile_error(src);                                        \
    INFO("error: line " << e_.line << ":" << e_.column << ": " << e_.message);                   \
    CHECK(e_.line == (line_));                                                                   \
    CHECK(e_.column == (col_));                                                                  \
    CHECK_THAT(e_.message, Catch::Matchers::Contains(text_));                                    \
  } while (0)
