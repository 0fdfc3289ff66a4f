// Random and genetic search over a grid's combinations (see search.h).
#include "atf/search.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

#include "rng.h"

namespace atf {

namespace {

Error search_error(const std::string& message) { return Error::validation("search", message); }

/// The whole of `s` as a whole number.
template <class T>
bool parse_number(std::string_view s, T& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}
/// The whole of `s` as a decimal number (strtod: Emscripten 3.1.6's libc++ has no from_chars for
/// double; the engine never changes the C locale, so '.' is the decimal point).
bool parse_number(std::string_view s, double& out) {
  const std::string text(s);
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return !text.empty() && end == text.c_str() + text.size() && std::isfinite(out);
}

/// Mixed-radix index of a genome (value index per axis, the first axis slowest).
int64_t index_of(const std::vector<int64_t>& genes, const std::vector<int64_t>& sizes) {
  int64_t index = 0;
  for (size_t i = 0; i < sizes.size(); ++i) index = index * sizes[i] + genes[i];
  return index;
}

std::vector<int64_t> genes_of(int64_t index, const std::vector<int64_t>& sizes) {
  std::vector<int64_t> g(sizes.size());
  for (size_t i = sizes.size(); i-- > 0;) {
    g[i] = index % sizes[i];
    index /= sizes[i];
  }
  return g;
}

/// Fitness order: higher first, NaN (failed) last, ties by the lower index (as ranking does).
bool fitter(double fa, int64_t a, double fb, int64_t b) {
  const bool na = std::isnan(fa), nb = std::isnan(fb);
  if (na != nb) return nb;
  if (!na && fa != fb) return fa > fb;
  return a < b;
}

}  // namespace

Result<SearchSpec> parse_search(std::string_view text) {
  SearchSpec s;
  const auto colon = text.find(':');
  const std::string_view method = text.substr(0, colon);
  const std::string_view rest = colon == std::string_view::npos ? std::string_view{} : text.substr(colon + 1);
  if (method == "grid") {
    if (!rest.empty()) return search_error("grid takes no settings (got '" + std::string(rest) + "')");
    return s;
  }
  if (method == "random") {
    s.method = SearchSpec::Method::kRandom;
    if (!parse_number(rest, s.samples) || s.samples < 1) {
      return search_error("random needs a number of samples ≥ 1: random:N (got '" + std::string(text) + "')");
    }
    return s;
  }
  if (method == "genetic") {
    s.method = SearchSpec::Method::kGenetic;
    std::string_view r = rest;
    while (!r.empty()) {
      const auto comma = r.find(',');
      const std::string_view item = r.substr(0, comma);
      r = comma == std::string_view::npos ? std::string_view{} : r.substr(comma + 1);
      const auto eq = item.find('=');
      if (eq == std::string_view::npos) return search_error("genetic settings are key=value (got '" + std::string(item) + "')");
      const std::string_view key = item.substr(0, eq), value = item.substr(eq + 1);
      bool ok;
      if (key == "pop") ok = parse_number(value, s.population);
      else if (key == "gen") ok = parse_number(value, s.generations);
      else if (key == "cx") ok = parse_number(value, s.crossover);
      else if (key == "mut") ok = parse_number(value, s.mutation);
      else if (key == "elite") ok = parse_number(value, s.elite);
      else if (key == "tour") ok = parse_number(value, s.tournament);
      else return search_error("unknown genetic setting '" + std::string(key) + "' (known: pop, gen, cx, mut, elite, tour)");
      if (!ok) return search_error("genetic setting " + std::string(key) + " is not a number: '" + std::string(value) + "'");
    }
    if (auto st = validate_search(s); !st) return st.error();
    return s;
  }
  return search_error("unknown search '" + std::string(method) + "' (known: grid, random:N, genetic:pop=P,gen=G,...)");
}

Status validate_search(const SearchSpec& s) {
  if (s.method == SearchSpec::Method::kRandom && s.samples < 1) return search_error("random needs samples ≥ 1");
  if (s.method != SearchSpec::Method::kGenetic) return Ok{};
  if (s.population < 2 || s.population > 100'000) return search_error("genetic pop must be between 2 and 100000");
  if (s.generations < 1 || s.generations > 100'000) return search_error("genetic gen must be between 1 and 100000");
  if (!(s.crossover >= 0 && s.crossover <= 1)) return search_error("genetic cx (crossover rate) must be between 0 and 1");
  if (!(s.mutation >= 0 && s.mutation <= 1)) return search_error("genetic mut (mutation rate) must be between 0 and 1");
  if (s.elite < 0 || s.elite >= s.population) return search_error("genetic elite must be between 0 and pop − 1");
  if (s.tournament < 1 || s.tournament > s.population) return search_error("genetic tour must be between 1 and pop");
  return Ok{};
}

std::string to_string(const SearchSpec& s) {
  switch (s.method) {
    case SearchSpec::Method::kGrid: return "grid";
    case SearchSpec::Method::kRandom: return "random:" + std::to_string(s.samples);
    case SearchSpec::Method::kGenetic: {
      auto num = [](double v) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.12g", v);
        return std::string(buf);
      };
      return "genetic:pop=" + std::to_string(s.population) + ",gen=" + std::to_string(s.generations) +
             ",cx=" + num(s.crossover) + ",mut=" + num(s.mutation) + ",elite=" + std::to_string(s.elite) +
             ",tour=" + std::to_string(s.tournament);
    }
  }
  return "grid";
}

int64_t planned_trials(const SearchSpec& s, int64_t grid_size) {
  switch (s.method) {
    case SearchSpec::Method::kGrid: return grid_size;
    case SearchSpec::Method::kRandom: return std::min(s.samples, grid_size);
    case SearchSpec::Method::kGenetic:
      return std::min<int64_t>(static_cast<int64_t>(s.population) * s.generations, grid_size);
  }
  return grid_size;
}

std::vector<int64_t> random_sample(int64_t size, int64_t n, uint64_t seed) {
  std::vector<int64_t> out;
  if (n >= size) {
    out.resize(static_cast<size_t>(std::max<int64_t>(size, 0)));
    std::iota(out.begin(), out.end(), 0);
    return out;
  }
  // Floyd (Bentley & Floyd 1987, "A sample of brilliance"): n draws, each adds exactly one new
  // element, so the cost is n whatever the grid's size.
  Rng rng(seed);
  std::unordered_set<int64_t> chosen;
  chosen.reserve(static_cast<size_t>(n) * 2);
  for (int64_t j = size - n; j < size; ++j) {
    const auto t = static_cast<int64_t>(rng.below(static_cast<uint64_t>(j) + 1));
    chosen.insert(chosen.count(t) ? j : t);
  }
  out.assign(chosen.begin(), chosen.end());
  std::sort(out.begin(), out.end());
  return out;
}

int64_t genetic_search(const SearchSpec& spec, const std::vector<int64_t>& sizes, const EvaluateBatch& evaluate) {
  int64_t grid = 1;
  for (int64_t s : sizes) grid *= s;
  const auto pop = static_cast<size_t>(std::min<int64_t>(spec.population, grid));
  Rng rng(spec.seed);
  std::unordered_map<int64_t, double> fitness;  // every individual evaluated so far
  int64_t evaluations = 0;
  auto run = [&](const std::vector<int64_t>& fresh) -> bool {
    if (fresh.empty()) return true;
    auto f = evaluate(fresh);
    if (!f) return false;
    for (size_t i = 0; i < fresh.size(); ++i) fitness[fresh[i]] = (*f)[i];
    evaluations += static_cast<int64_t>(fresh.size());
    return true;
  };
  // Generation 0: distinct random individuals (a seeded sample of the grid).
  std::vector<int64_t> population = random_sample(grid, static_cast<int64_t>(pop), rng.next());
  if (!run(population)) return evaluations;
  for (int g = 1; g < spec.generations && static_cast<int64_t>(fitness.size()) < grid; ++g) {
    std::sort(population.begin(), population.end(),
              [&](int64_t a, int64_t b) { return fitter(fitness.at(a), a, fitness.at(b), b); });
    const uint64_t alive = population.size();
    auto tournament = [&]() -> int64_t {
      int64_t best = population[rng.below(alive)];
      for (int k = 1; k < spec.tournament; ++k) {
        const int64_t c = population[rng.below(alive)];
        if (fitter(fitness.at(c), c, fitness.at(best), best)) best = c;
      }
      return best;
    };
    std::vector<int64_t> next(population.begin(), population.begin() + std::min<size_t>(static_cast<size_t>(spec.elite), population.size()));
    std::unordered_set<int64_t> in_next(next.begin(), next.end());
    std::vector<int64_t> fresh;
    // A nearly exhausted small grid may not yield enough distinct children: give up after a
    // bounded number of attempts and run a smaller generation.
    for (size_t attempts = 0; next.size() < pop && attempts < 64 * pop; ++attempts) {
      const std::vector<int64_t> a = genes_of(tournament(), sizes), b = genes_of(tournament(), sizes);
      std::vector<int64_t> child = a;
      if (rng.uniform() < spec.crossover) {
        for (size_t i = 0; i < child.size(); ++i) child[i] = rng.next() & 1 ? b[i] : a[i];
      }
      for (size_t i = 0; i < child.size(); ++i) {
        if (sizes[i] > 1 && rng.uniform() < spec.mutation) child[i] = static_cast<int64_t>(rng.below(static_cast<uint64_t>(sizes[i])));
      }
      int64_t index = index_of(child, sizes);
      // Already seen: mutate one random gene (to a different value) until it is new.
      for (int tries = 0; tries < 16 && (fitness.count(index) || in_next.count(index)); ++tries) {
        const auto i = static_cast<size_t>(rng.below(sizes.size()));
        if (sizes[i] < 2) continue;
        child[i] = (child[i] + 1 + static_cast<int64_t>(rng.below(static_cast<uint64_t>(sizes[i] - 1)))) % sizes[i];
        index = index_of(child, sizes);
      }
      if (in_next.count(index)) continue;  // a duplicate within the generation adds nothing
      in_next.insert(index);
      next.push_back(index);
      if (!fitness.count(index)) fresh.push_back(index);
    }
    if (!run(fresh)) return evaluations;
    population = std::move(next);
  }
  return evaluations;
}

GeneticStep genetic_next_batch(const SearchSpec& spec, const std::vector<int64_t>& sizes,
                               const std::unordered_map<int64_t, double>& known) {
  GeneticStep step;
  int generation = 0;
  genetic_search(spec, sizes, [&](const std::vector<int64_t>& batch) -> std::optional<std::vector<double>> {
    std::vector<double> f;
    f.reserve(batch.size());
    for (int64_t i : batch) {
      auto it = known.find(i);
      if (it == known.end()) {  // this generation is the next to evaluate
        step.batch = batch;
        step.generation = generation;
        return std::nullopt;
      }
      f.push_back(it->second);
    }
    step.evaluations += static_cast<int64_t>(batch.size());
    ++generation;
    return f;
  });
  if (step.batch.empty()) step.generation = generation;
  return step;
}

}  // namespace atf
