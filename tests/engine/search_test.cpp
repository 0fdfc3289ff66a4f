// Random and genetic search: seeded, distinct, within budget, thread-independent; per-trial block
// returns for PBO; the optimization statistics on a real grid.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <set>
#include <unordered_map>

#include "atf/csv_import.h"
#include "atf/json_io.h"
#include "atf/optimization_statistics.h"
#include "atf/optimizer.h"
#include "atf/search.h"
#include "test_util.h"

using namespace atf;
using namespace atf::test;

namespace {

std::shared_ptr<const MarketData> orcl() { return sample("ORCL-1d-1995-2014.csv"); }

OptimizationRequest sma_grid(const std::string& search, int threads) {
  OptimizationRequest r;
  r.base.strategy = "sma_cross";
  r.axes = {*parse_axis("fast=2:60:2"), *parse_axis("slow=20:300:10")};  // 30 × 29 = 870
  r.threads = threads;
  r.search = *parse_search(search);
  r.search.seed = 7;
  return r;
}

std::vector<std::pair<int64_t, double>> ranked(const OptimizationResult& r) {
  std::vector<std::pair<int64_t, double>> out;
  for (const auto& t : r.trials) out.emplace_back(t.index, t.ok ? t.metrics.sharpe : -99);
  return out;
}

}  // namespace

TEST_CASE("search settings parse, print back and name what is wrong", "[search]") {
  CHECK(parse_search("grid")->method == SearchSpec::Method::kGrid);
  CHECK(parse_search("random:500")->samples == 500);
  auto g = parse_search("genetic:pop=30,gen=12,cx=0.8,mut=0.05,elite=3,tour=4");
  REQUIRE(g.ok());
  CHECK(g->population == 30);
  CHECK(g->generations == 12);
  CHECK(g->crossover == 0.8);
  CHECK(g->mutation == 0.05);
  CHECK(g->elite == 3);
  CHECK(g->tournament == 4);
  CHECK(*parse_search(to_string(*g)) == *g);
  for (const char* bad : {"random", "random:0", "random:x", "genetic:pop=1", "genetic:foo=2", "genetic:cx=2",
                          "genetic:elite=40", "annealing", "grid:5"}) {
    auto r = parse_search(bad);
    INFO(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().field == "search");
  }
  CHECK(planned_trials(*parse_search("random:100"), 50) == 50);
  CHECK(planned_trials(*parse_search("genetic:pop=10,gen=5"), 1000) == 50);
}

TEST_CASE("random samples are distinct, in range, and the same for a seed", "[search]") {
  auto a = random_sample(1'000'000'000, 1000, 3);
  REQUIRE(a.size() == 1000);
  CHECK(std::set<int64_t>(a.begin(), a.end()).size() == 1000);
  CHECK(std::is_sorted(a.begin(), a.end()));
  CHECK(a.back() < 1'000'000'000);
  CHECK(random_sample(1'000'000'000, 1000, 3) == a);
  CHECK(random_sample(1'000'000'000, 1000, 4) != a);
  CHECK(random_sample(10, 50, 1) == std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  // Small populations cover their range evenly enough: every decile of 0..999 is drawn from.
  auto s = random_sample(1000, 300, 9);
  std::set<int64_t> deciles;
  for (auto i : s) deciles.insert(i / 100);
  CHECK(deciles.size() == 10);
}

TEST_CASE("random search runs exactly its sample, the same with 1 or 2 threads", "[search][optimizer]") {
  auto one = run_optimization(*orcl(), sma_grid("random:100", 1));
  auto two = run_optimization(*orcl(), sma_grid("random:100", 2));
  REQUIRE(one.ok());
  REQUIRE(two.ok());
  CHECK(one->total == 100);
  CHECK(one->completed + one->failed == 100);
  CHECK_FALSE(one->cancelled);
  CHECK(ranked(*one) == ranked(*two));
  std::set<int64_t> idx;
  for (const auto& t : one->trials) idx.insert(t.index);
  const auto sample = random_sample(870, 100, 7);
  CHECK(idx == std::set<int64_t>(sample.begin(), sample.end()));
  // A trial's record equals the grid search's record of the same combination.
  auto grid = run_optimization(*orcl(), sma_grid("grid", 2));
  REQUIRE(grid.ok());
  for (const auto& t : one->trials) {
    auto it = std::find_if(grid->trials.begin(), grid->trials.end(), [&](const TrialResult& g) { return g.index == t.index; });
    REQUIRE(it != grid->trials.end());
    CHECK(it->ok == t.ok);
    if (t.ok) CHECK(it->metrics.sharpe == t.metrics.sharpe);
  }
}

TEST_CASE("genetic search: deterministic, within budget, and it climbs", "[search][optimizer]") {
  auto req = sma_grid("genetic:pop=20,gen=8", 1);
  auto one = run_optimization(*orcl(), req);
  req.threads = 2;
  auto two = run_optimization(*orcl(), req);
  REQUIRE(one.ok());
  REQUIRE(two.ok());
  CHECK(ranked(*one) == ranked(*two));
  CHECK(one->total == 160);
  const int64_t evaluated = one->completed + one->failed;
  CHECK(evaluated <= 160);
  CHECK(evaluated > 100);  // re-mutation keeps most evaluations new
  std::set<int64_t> idx;
  for (const auto& t : one->trials) idx.insert(t.index);
  CHECK(static_cast<int64_t>(idx.size()) == evaluated);  // never evaluated twice
  // The GA's best lies in the grid's top 5 % after evaluating under a fifth of it.
  auto grid = run_optimization(*orcl(), sma_grid("grid", 2));
  REQUIRE(grid.ok());
  const double ga_best = one->trials.front().metrics.sharpe;
  int64_t better = 0;
  for (const auto& t : grid->trials) better += t.ok && t.metrics.sharpe > ga_best;
  CHECK(better < 870 / 20);
  // Another seed explores differently.
  req.search.seed = 8;
  auto other = run_optimization(*orcl(), req);
  REQUIRE(other.ok());
  CHECK(ranked(*other) != ranked(*one));
}

TEST_CASE("genetic search in steps (a driver evaluating each generation elsewhere) makes the same evaluations", "[search][optimizer]") {
  const auto req = sma_grid("genetic:pop=20,gen=8", 1);
  auto whole = run_optimization(*orcl(), req);
  REQUIRE(whole.ok());
  // The grid's fitness of every combination, as the optimizer scores it (sharpe, maximized).
  auto grid = run_optimization(*orcl(), sma_grid("grid", 2));
  REQUIRE(grid.ok());
  std::unordered_map<int64_t, double> all;
  for (const auto& t : grid->trials) all[t.index] = t.ok ? t.metrics.sharpe : std::nan("");
  const std::vector<int64_t> sizes = {30, 29};
  std::unordered_map<int64_t, double> known;
  std::vector<int64_t> order;
  int steps = 0, last_generation = -1;
  for (;;) {
    const GeneticStep step = genetic_next_batch(req.search, sizes, known);
    CHECK(step.evaluations == static_cast<int64_t>(known.size()));
    if (step.batch.empty()) break;
    CHECK(step.generation > last_generation);  // one generation per step, in order
    last_generation = step.generation;
    ++steps;
    for (int64_t i : step.batch) {
      REQUIRE_FALSE(known.count(i));  // never asked twice
      known[i] = all.at(i);
      order.push_back(i);
    }
  }
  CHECK(steps == 8);
  std::set<int64_t> stepped(order.begin(), order.end()), single;
  for (const auto& t : whole->trials) single.insert(t.index);
  CHECK(stepped == single);  // exactly the one-call search's evaluations
  CHECK(static_cast<int64_t>(order.size()) == whole->completed + whole->failed);
  // A half-evaluated generation (a resumed run) is asked again whole; the driver runs the rest.
  std::unordered_map<int64_t, double> partial;
  const GeneticStep first = genetic_next_batch(req.search, sizes, partial);
  REQUIRE(first.generation == 0);
  partial[first.batch[0]] = all.at(first.batch[0]);
  const GeneticStep again = genetic_next_batch(req.search, sizes, partial);
  CHECK(again.generation == 0);
  CHECK(again.batch == first.batch);
  CHECK(again.evaluations == 0);
}

TEST_CASE("a sampled search bounds its trials, not its grid", "[search][validation]") {
  OptimizationRequest r = sma_grid("random:50", 1);  // 870 cells
  r.max_combinations = 500;
  CHECK(validate_optimization(r).ok());
  r.search = *parse_search("grid");
  auto e = validate_optimization(r);
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().code == ErrorCode::kLimit);
  r.search = *parse_search("random:600");
  auto over = validate_optimization(r);
  REQUIRE_FALSE(over.ok());
  CHECK(over.error().field == "search");
}

TEST_CASE("block sums add up to the trial's returns; the statistics run on a real grid", "[search][statistics]") {
  auto req = sma_grid("grid", 2);
  req.statistics_blocks = 16;
  auto r = run_optimization(*orcl(), req);
  REQUIRE(r.ok());
  REQUIRE(r->block_bounds.size() == 17);
  CHECK(r->block_bounds.back() == static_cast<int64_t>(orcl()->bars.size()));
  const double n = static_cast<double>(orcl()->bars.size());
  const double ann = std::sqrt(orcl()->bars_per_year);
  for (const auto& t : r->trials) {
    if (!t.ok) continue;
    REQUIRE(t.block_sums.size() == 32);
    double s1 = 0, s2 = 0;
    for (size_t b = 0; b < 16; ++b) {
      s1 += t.block_sums[2 * b];
      s2 += t.block_sums[2 * b + 1];
    }
    const double mean = s1 / n, sd = std::sqrt((s2 - s1 * mean) / (n - 1));
    CHECK(mean / sd * ann == Approx(t.metrics.sharpe).epsilon(1e-9));
  }
  auto s = optimization_statistics(*orcl(), req, *r, 1000, 5);
  REQUIRE(s.ok());
  CHECK(s->best_index == *r->best_index);
  CHECK(s->trials == r->completed);
  CHECK(s->observations == static_cast<int64_t>(orcl()->bars.size()));
  REQUIRE(s->pbo.ok);
  CHECK(s->pbo.combinations == 12870);
  CHECK(s->pbo.pbo >= 0);
  CHECK(s->pbo.pbo <= 1);
  // DSR deflates: below the PSR against zero after 800+ trials.
  CHECK(s->dsr < s->psr);
  CHECK(s->expected_max_sharpe > 0);
  REQUIRE(s->monte_carlo.ok);
  CHECK(s->monte_carlo.paths == 1000);
  CHECK(s->monte_carlo.final_equity_p5 <= s->monte_carlo.final_equity_p95);
  CHECK(s->stability.ok);
  CHECK(s->stability.neighbours == 8);
  // The Sharpe the statistics saw is the re-run's: equal to the trial's metric.
  CHECK(s->returns.sharpe * ann == Approx(s->best_sharpe).epsilon(1e-9));
  const auto j = to_json(*s);
  CHECK(j["pbo"]["combinations"] == 12870);
  CHECK(j["monte_carlo"]["fan"]["p50"].size() == j["monte_carlo"]["fan"]["steps"].size());
  // Without blocks PBO says why.
  req.statistics_blocks = 0;
  auto plain = run_optimization(*orcl(), req);
  auto s2 = optimization_statistics(*orcl(), req, *plain, 100, 5);
  REQUIRE(s2.ok());
  CHECK_FALSE(s2->pbo.ok);
  CHECK(s2->pbo.reason.find("not computed") != std::string::npos);
}
