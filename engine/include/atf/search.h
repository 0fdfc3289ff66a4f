// How an optimization chooses the combinations it evaluates: the whole grid, a seeded random
// sample of it, or a genetic algorithm over the axes' values. The optimizer (optimizer.h) runs
// the trials; this file only decides which ones.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "atf/error.h"

namespace atf {

/// The search method and its settings (CLI `--search`, JSON "search"; `--seed` / "seed").
struct SearchSpec {
  enum class Method { kGrid, kRandom, kGenetic };
  Method method = Method::kGrid;
  int64_t samples = 0;      ///< random: distinct combinations to draw (all of them if ≥ the grid)
  int population = 40;      ///< genetic: individuals per generation
  int generations = 20;     ///< genetic: generations, the first one random
  double crossover = 0.9;   ///< genetic: probability that a child mixes two parents (uniform crossover)
  double mutation = 0.1;    ///< genetic: probability that each gene takes a random value
  int elite = 2;            ///< genetic: best individuals copied unchanged into the next generation
  int tournament = 3;       ///< genetic: individuals drawn per tournament selection
  uint64_t seed = 1;
  bool operator==(const SearchSpec&) const = default;
};

/// Parses "grid", "random:N" or "genetic:pop=P,gen=G[,cx=C][,mut=M][,elite=E][,tour=K]".
/// Errors: kValidation on field "search" naming the bad part.
Result<SearchSpec> parse_search(std::string_view text);
/// The text parse_search reads back (the seed is separate).
std::string to_string(const SearchSpec& spec);
/// Checks the settings (ranges) against nothing but themselves; field "search".
Status validate_search(const SearchSpec& spec);

/// Evaluations the search plans over a grid of `grid_size`: the grid, min(samples, grid), or
/// min(population × generations, grid) — the budget progress counts against.
int64_t planned_trials(const SearchSpec& spec, int64_t grid_size);

/// `n` distinct indexes of [0, size), ascending, the same for a seed everywhere (Floyd's
/// algorithm over splitmix64). n ≥ size gives every index.
std::vector<int64_t> random_sample(int64_t size, int64_t n, uint64_t seed);

/// Evaluates combinations (indexes into the grid) and gives their fitness, higher is better (NaN
/// for a failed trial); nullopt when the run was cancelled.
using EvaluateBatch = std::function<std::optional<std::vector<double>>(const std::vector<int64_t>&)>;

/// Genetic algorithm over the axes (`sizes[i]` values on axis i, the first axis slowest, as the
/// grid's mixed radix): generation 0 is a random sample of distinct individuals; each next
/// generation keeps the `elite` fittest and breeds the rest by tournament selection, uniform
/// crossover and per-gene mutation. A child equal to an individual already evaluated is mutated
/// again (up to 16 times) so that evaluations explore; one still equal is kept without being
/// evaluated again. Each generation's new individuals go to `evaluate` as one batch (so they can
/// run in parallel); the result is the same for a seed whatever the threads. Stops after
/// `generations`, when the grid is exhausted, or when `evaluate` reports a cancel.
/// Returns the number of evaluations made.
int64_t genetic_search(const SearchSpec& spec, const std::vector<int64_t>& sizes, const EvaluateBatch& evaluate);

/// The genetic search as steps, for a driver that evaluates each generation elsewhere (the web
/// app shares a generation out to its workers): replays genetic_search over the fitness already
/// known and stops at the first generation holding an individual without one. `known` maps
/// combination index → fitness (higher is better, NaN for a failed trial), as genetic_search's
/// `evaluate` would have returned it. The replay is deterministic, so the driver's evaluations
/// are exactly those of one genetic_search call with the same seed; it costs O(generations ×
/// population) per step, nothing next to the trials.
struct GeneticStep {
  std::vector<int64_t> batch;  ///< the next generation's new individuals; empty when done
  int64_t evaluations = 0;     ///< individuals evaluated before `batch`
  int generation = 0;          ///< the generation `batch` belongs to (0 = the random first one)
};
GeneticStep genetic_next_batch(const SearchSpec& spec, const std::vector<int64_t>& sizes,
                               const std::unordered_map<int64_t, double>& known);

}  // namespace atf
