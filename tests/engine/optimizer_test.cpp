// Grid parsing and limits, failure isolation, cancel, counts, ranking, re-runs.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>

#include "atf/csv_import.h"
#include "atf/datagen.h"
#include "atf/optimizer.h"
#include "test_util.h"

using namespace atf;
using namespace atf::test;

namespace {

std::shared_ptr<const MarketData> orcl() { return sample("ORCL-1d-1995-2014.csv"); }

OptimizationRequest sma_grid(int threads) {
  OptimizationRequest r;
  r.base.strategy = "sma_cross";
  r.axes = {*parse_axis("fast=5:30:5"), *parse_axis("slow=10:60:10")};
  r.objective = "sharpe";
  r.threads = threads;
  return r;
}

// Cancels its token once `after` trials have finished.
class CancelAfter final : public ProgressSink {
 public:
  CancelAfter(CancelToken& token, int64_t after) : token_(token), after_(after) {}
  void add_bars(int64_t) override {}
  void add_trial(bool) override {
    if (++done_ >= after_) token_.cancel();
  }

 private:
  CancelToken& token_;
  int64_t after_;
  std::atomic<int64_t> done_{0};
};

}  // namespace

TEST_CASE("axes: ranges are inclusive, lists are kept, bad ones are named", "[optimizer][axis]") {
  auto a = parse_axis("fast=5:50:5");
  REQUIRE(a.ok());
  CHECK(a->name == "fast");
  CHECK(a->values.size() == 10);
  CHECK(a->values.back() == 50);
  auto f = parse_axis("k=0.1:0.5:0.1");
  REQUIRE(f.ok());
  CHECK(f->values == std::vector<double>{0.1, 0.2, 0.3, 0.4, 0.5});  // no 0.30000000000000004
  auto l = parse_axis("slow=20,50,200");
  REQUIRE(l.ok());
  CHECK(l->values == std::vector<double>{20, 50, 200});
  CHECK(parse_axis("fast=5:5:1")->values.size() == 1);
  CHECK(parse_axis("fast=5:1:1").error().message == "axis fast: min (5) is above max (1)");
  CHECK(parse_axis("fast=1:5:0").error().message == "axis fast: step must be positive");
  CHECK(parse_axis("fast=1:5").error().field == "axis fast");
  CHECK(parse_axis("fast=a,b").error().field == "axis fast");
  CHECK(parse_axis("=1,2").error().field == "axis");
  CHECK(parse_axis("fast").error().field == "axis");
  CHECK(parse_axis("fast=1:1e12:1").error().code == ErrorCode::kLimit);
}

// Found by tests/fuzz (fuzz_params, fuzz_request): a raised limit expanded a huge range before the
// grid check (std::bad_alloc: `atf optimize --max-combinations 1e11 --axis fast=1:1e10:1` aborted),
// and values near the top of the double range came out infinite from finite text.
TEST_CASE("axes: a raised limit never means an unbounded expansion; huge values stay finite", "[optimizer][axis]") {
  auto big = make_range_axis("fast", 1, 1e10, 1, 100'000'000'000);
  REQUIRE_FALSE(big.ok());
  CHECK(big.error().code == ErrorCode::kLimit);
  CHECK(big.error().message == "axis fast: has more than 10000000 values");
  CHECK(parse_axis("fast=1:1e10:1", 100'000'000'000).error().code == ErrorCode::kLimit);
  CHECK(parse_axis("fast=1:10000000:1", 100'000'000'000)->values.size() == 10'000'000);
  OptimizationRequest r = sma_grid(1);
  r.max_combinations = 100'000'000'000;
  r.axes = {};
  auto fast = parse_axis("fast=1:20000000:1", r.max_combinations);
  REQUIRE_FALSE(fast.ok());
  CHECK(fast.error().code == ErrorCode::kLimit);

  auto huge = parse_axis("fast=1e308:1.7e308:1e307");
  REQUIRE(huge.ok());
  REQUIRE(huge->values.size() == 8);
  for (double v : huge->values) CHECK(std::isfinite(v));
  CHECK(huge->values.front() == 1e308);
  CHECK(std::is_sorted(huge->values.begin(), huge->values.end()));
  // Ordinary values are still rounded to 1e-9.
  CHECK(parse_axis("k=0.7:0.9:0.1")->values == std::vector<double>{0.7, 0.8, 0.9});
}

TEST_CASE("the grid is counted and limited before any trial runs", "[optimizer][validation]") {
  auto r = sma_grid(1);
  auto grid = validate_optimization(r);
  REQUIRE(grid.ok());
  CHECK(grid->size() == 36);
  CHECK(grid->params_at(0) == ParamMap{{"fast", 5}, {"slow", 10}});
  CHECK(grid->params_at(7) == ParamMap{{"fast", 10}, {"slow", 20}});  // first axis slowest

  r.max_combinations = 35;
  CHECK(validate_optimization(r).error().code == ErrorCode::kLimit);
  r = sma_grid(1);
  r.axes.push_back(*parse_axis("speed=1,2"));
  CHECK(validate_optimization(r).error().field == "axis speed");
  r = sma_grid(1);
  r.axes[0] = *parse_axis("fast=0:10:5");  // 0 is below fast's minimum of 1
  CHECK(validate_optimization(r).error().field == "axis fast");
  r = sma_grid(1);
  r.objective = "happiness";
  CHECK(validate_optimization(r).error().field == "objective");
  r = sma_grid(1);
  r.axes.push_back(*parse_axis("fast=1,2"));
  CHECK(validate_optimization(r).error().message == "axis fast: is given twice");
  // Default limit: 1,000,000. Three axes of 101 values = 1,030,301 combinations.
  r = sma_grid(1);
  r.base.strategy = "macd_signal";
  r.axes = {*parse_axis("fast=1:101:1"), *parse_axis("slow=2:102:1"), *parse_axis("signal=1:101:1")};
  auto big = validate_optimization(r);
  REQUIRE_FALSE(big.ok());
  CHECK(big.error().code == ErrorCode::kLimit);
}

TEST_CASE("invalid combinations fail alone, with the parameter named", "[optimizer][isolation]") {
  auto r = sma_grid(2);  // fast 5..30 × slow 10..60: fast ≥ slow in 9 combinations
  auto res = run_optimization(*orcl(), r);
  REQUIRE(res.ok());
  CHECK(res->total == 36);
  CHECK(res->failed == 9);
  CHECK(res->completed == 27);
  CHECK(res->completed + res->failed == res->total);
  CHECK_FALSE(res->cancelled);
  int failed_seen = 0;
  for (const auto& t : res->trials) {
    if (t.ok) continue;
    ++failed_seen;
    CHECK(t.error_message.find("must be less than slow") != std::string::npos);
    CHECK(t.error_stack_trace.find("sma_cross(") == 0);
  }
  CHECK(failed_seen == 9);
}

TEST_CASE("a throwing trial among many fails alone with its message and context", "[optimizer][isolation]") {
  for (int threads : {1, 2}) {
    OptimizationRequest r;
    r.base.strategy = "fault_probe";
    r.base.params = {{"fail_period", 7}, {"fail_at_bar", 100}};
    r.axes = {*parse_axis("period=2:21:1")};
    r.objective = "net_profit";
    r.threads = threads;
    auto res = run_optimization(*orcl(), r);
    REQUIRE(res.ok());
    CHECK(res->total == 20);
    CHECK(res->completed == 19);
    CHECK(res->failed == 1);
    const TrialResult& last = res->trials.back();  // failed trials rank last
    CHECK_FALSE(last.ok);
    CHECK(res->grid.params_at(last.index).at("period") == 7);
    CHECK(last.error_message == "fault_probe: injected failure for period 7");
    CHECK(last.error_stack_trace.find("at bar 100") != std::string::npos);
    CHECK(last.error_stack_trace.find("period=7") != std::string::npos);
    // The others are unaffected: same metrics as a run without the fault.
    auto solo = run_trial(*orcl(), "fault_probe", {{"period", 8}, {"fail_period", -1}, {"fail_at_bar", 0}}, {}, {});
    REQUIRE(solo.ok());
    for (const auto& t : res->trials) {
      if (t.ok && res->grid.params_at(t.index).at("period") == 8) CHECK(t.final_equity == solo->final_equity);
    }
  }
}

TEST_CASE("cancel stops the pool and keeps the finished trials", "[optimizer][cancel]") {
  for (int threads : {1, 2}) {
    OptimizationRequest r;
    r.base.strategy = "sma_cross";
    r.axes = {*parse_axis("fast=1:40:1"), *parse_axis("slow=50:250:10")};  // 840 trials
    r.threads = threads;
    CancelToken token;
    CancelAfter sink(token, 25);
    auto res = run_optimization(*orcl(), r, RunHooks{&sink, &token});
    REQUIRE(res.ok());
    CHECK(res->cancelled);
    CHECK(res->completed >= 25);
    CHECK(res->completed + res->failed < res->total);
    CHECK(static_cast<int64_t>(res->trials.size()) == res->completed + res->failed);
    // Trials advance in groups of up to 8; each thread finishes at most the group it holds.
    CHECK(res->completed <= 25 + 8 * threads);
  }
}

TEST_CASE("a cancelled backtest stops within one batch and says so", "[optimizer][cancel]") {
  GeneratorOptions g;
  g.bars = 50'000;
  auto md = prepare(generate_bars(g));
  CancelToken token;
  token.cancel();
  AtomicProgress progress;
  BacktestRequest r;
  r.strategy = "sma_cross";
  auto res = run_backtest(*md, r, RunHooks{&progress, &token});
  REQUIRE_FALSE(res.ok());
  CHECK(res.error().code == ErrorCode::kCancelled);
  CHECK(res.error().message == "cancelled after 1024 of 50000 bars");
  CHECK(progress.bars.load() == 1024);
}

TEST_CASE("progress is reported in batches and ends at the total", "[optimizer][progress]") {
  class Recorder final : public ProgressSink {
   public:
    void add_bars(int64_t n) override { calls.push_back(n); }
    std::vector<int64_t> calls;
  } rec;
  GeneratorOptions g;
  g.bars = 10'000;
  auto md = prepare(generate_bars(g));
  BacktestRequest r;
  r.strategy = "sma_cross";
  REQUIRE(run_backtest(*md, r, RunHooks{&rec, nullptr}).ok());
  CHECK(rec.calls.size() == 10);  // ceil(10000 / 1024)
  int64_t sum = 0;
  for (int64_t n : rec.calls) {
    CHECK(n <= kProgressBatch);
    sum += n;
  }
  CHECK(sum == 10'000);
}

TEST_CASE("trials are ranked by the objective, and re-runs reproduce them", "[optimizer]") {
  auto r = sma_grid(2);
  r.objective = "max_drawdown_pct";
  r.maximize = false;
  auto res = run_optimization(*orcl(), r);
  REQUIRE(res.ok());
  for (size_t i = 1; i < res->trials.size(); ++i) {
    const auto& a = res->trials[i - 1];
    const auto& b = res->trials[i];
    if (a.ok && b.ok) CHECK(a.metrics.max_drawdown_pct <= b.metrics.max_drawdown_pct);
    CHECK((a.ok || !b.ok));  // failed ones last
  }
  REQUIRE(res->best_index.has_value());
  CHECK(*res->best_index == res->trials.front().index);
  auto full = rerun_trial(*orcl(), r, *res->best_index);
  REQUIRE(full.ok());
  CHECK(full->final_equity == res->trials.front().final_equity);
  CHECK(full->metrics.sharpe == res->trials.front().metrics.sharpe);
  CHECK(full->metrics.max_drawdown_pct == res->trials.front().metrics.max_drawdown_pct);
  CHECK(rerun_trial(*orcl(), r, 36).error().field == "index");
}

TEST_CASE("one thread and two threads give the same ranked results", "[optimizer][determinism]") {
  auto one = run_optimization(*orcl(), sma_grid(1));
  auto two = run_optimization(*orcl(), sma_grid(2));
  REQUIRE(one.ok());
  REQUIRE(two.ok());
  REQUIRE(one->trials.size() == two->trials.size());
  for (size_t i = 0; i < one->trials.size(); ++i) {
    CHECK(one->trials[i].index == two->trials[i].index);
    CHECK(one->trials[i].final_equity == two->trials[i].final_equity);
  }
}
