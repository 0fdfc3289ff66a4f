// Same inputs, bit-identical outputs: across repeated runs, thread counts, and builds. The golden
// file was written by the native build; the Wasm build of this suite must match it byte for byte.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "atf/csv_import.h"
#include "atf/json_io.h"
#include "test_util.h"

using namespace atf;
using namespace atf::test;

namespace {

const char* kGolden = ATF_SOURCE_DIR "/tests/engine/golden/sample_results.json";

// FNV-1a over the bytes of the doubles: any bit that differs changes it.
std::string digest(const std::vector<double>& xs) {
  uint64_t h = 1469598103934665603ull;
  for (double x : xs) {
    unsigned char b[8];
    std::memcpy(b, &x, 8);
    for (unsigned char c : b) h = (h ^ c) * 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// Every visible strategy with defaults on each sample file, long/short, with costs.
nlohmann::json sample_results() {
  nlohmann::json out = nlohmann::json::object();
  for (const char* file : {"NVDA-1d-1999-2014.csv", "ORCL-1d-1995-2014.csv", "YHOO-1d-1996-2014.csv"}) {
    auto md = sample(file);
    for (const auto& s : strategy_catalog()) {
      if (s.hidden) continue;
      BacktestRequest r;
      r.strategy = s.name;
      r.broker.commission_pct = 0.1;
      r.broker.slippage_bps = 2;
      r.broker.allow_short = true;
      auto res = run_backtest(*md, r);
      REQUIRE(res.ok());
      nlohmann::json j = to_json(*res, false);
      j.erase("plots");  // the indicator series: tested in builtin_plots_test.cpp
      j["equity_curve_fnv1a"] = digest(res->equity_curve);
      out[std::string(file) + " " + s.name] = j;
    }
  }
  return out;
}

}  // namespace

TEST_CASE("two runs are bit-identical", "[determinism]") {
  auto md = sample("NVDA-1d-1999-2014.csv");
  BacktestRequest r;
  r.strategy = "sma_cross";
  r.broker.commission_pct = 0.1;
  auto a = run_backtest(*md, r);
  auto b = run_backtest(*md, r);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(a->equity_curve.size() == b->equity_curve.size());
  CHECK(std::memcmp(a->equity_curve.data(), b->equity_curve.data(), a->equity_curve.size() * sizeof(double)) == 0);
  CHECK(to_json(*a).dump() == to_json(*b).dump());
}

TEST_CASE("sample results match the golden file byte for byte (native and Wasm)", "[determinism][golden]") {
  const std::string got = sample_results().dump(1);
  if (const char* update = std::getenv("ATF_UPDATE_GOLDEN"); update && std::strcmp(update, "1") == 0) {
    std::ofstream(kGolden) << got << "\n";
    WARN("golden file rewritten: " << kGolden);
  }
  std::ifstream in(kGolden);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  std::string want = ss.str();
  while (!want.empty() && want.back() == '\n') want.pop_back();
  if (got != want) {
    // Point at the first difference rather than dumping two large documents.
    size_t i = 0;
    while (i < got.size() && i < want.size() && got[i] == want[i]) ++i;
    const size_t from = i > 200 ? i - 200 : 0;
    FAIL("first difference at byte " << i << "\n got: " << got.substr(from, 300) << "\nwant: " << want.substr(from, 300));
  }
  SUCCEED();
}

TEST_CASE("a backtest equals the same combination inside an optimization", "[determinism]") {
  auto md = sample("YHOO-1d-1996-2014.csv");
  OptimizationRequest r;
  r.base.strategy = "ema_cross";
  r.axes = {*parse_axis("fast=5,8"), *parse_axis("slow=20,30")};
  auto opt = run_optimization(*md, r);
  REQUIRE(opt.ok());
  for (const auto& t : opt->trials) {
    BacktestRequest one = r.base;
    one.params = opt->grid.params_at(t.index);
    auto bt = run_backtest(*md, one);
    REQUIRE(bt.ok());
    CHECK(bt->final_equity == t.final_equity);
    CHECK(to_json(bt->metrics).dump() == to_json(t.metrics).dump());
  }
}
