#include "atf/optimizer.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <unordered_map>

#include "atf/statistics.h"
#include "atf/strategy.h"
#include "pine/script_runner.h"

namespace atf {
namespace {

constexpr int64_t kTrialGroup = 8;  // trials advanced together: 8 × 2 series × 8 KB per batch fit L2

Error axis_error(const std::string& name, const std::string& message) {
  return Error::validation("axis " + name, "axis " + name + ": " + message);
}

/// The grid is over the limit: say how big it is, axis by axis, and what to do.
Error grid_limit_error(const OptimizationRequest& request) {
  double total = 1;
  std::string sizes;
  for (const auto& axis : request.axes) {
    total *= static_cast<double>(axis.values.size());
    sizes += (sizes.empty() ? "" : " × ") + axis.name + " " + std::to_string(axis.values.size());
  }
  Error e = Error::make(ErrorCode::kLimit, "the grid has " + format_number(total) + " combinations (" + sizes +
                                               "), over the limit of " + std::to_string(request.max_combinations) +
                                               ": use larger steps or fewer values");
  e.field = "axes";
  return e;
}

bool parse_double(std::string_view s, double& out) {
  std::string buf(s);
  if (buf.empty()) return false;
  char* end = nullptr;
  out = std::strtod(buf.c_str(), &end);
  return end == buf.c_str() + buf.size() && std::isfinite(out);
}

}  // namespace

Result<Axis> make_range_axis(const std::string& name, double min, double max, double step, int64_t max_values) {
  if (!std::isfinite(min) || !std::isfinite(max) || !std::isfinite(step)) return axis_error(name, "values must be finite");
  if (!(step > 0)) return axis_error(name, "step must be positive");
  if (min > max) return axis_error(name, "min (" + format_number(min) + ") is above max (" + format_number(max) + ")");
  // Inclusive count, forgiving the rounding of (max − min)/step just below a whole number.
  const double span = std::floor((max - min) / step + 1e-9);
  max_values = std::min(max_values, kMaxAxisValues);
  if (span + 1 > static_cast<double>(max_values)) {
    Error e = axis_error(name, "has more than " + std::to_string(max_values) + " values");
    e.code = ErrorCode::kLimit;
    return e;
  }
  Axis axis{name, {}};
  const auto count = static_cast<int64_t>(span) + 1;
  axis.values.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    const double v = min + static_cast<double>(i) * step;
    // Beyond ~1e299 the scaled value overflows: keep v (far past 1e-9 resolution anyway).
    const double rounded = std::round(v * 1e9) / 1e9;
    axis.values.push_back(std::isfinite(rounded) ? rounded : v);
  }
  return axis;
}

Result<Axis> parse_axis(std::string_view text, int64_t max_values) {
  const size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return Error::validation("axis", "axis '" + std::string(text) + "' must look like name=min:max:step or name=v1,v2");
  }
  const std::string name(text.substr(0, eq));
  const std::string_view spec = text.substr(eq + 1);
  if (spec.empty()) return axis_error(name, "no values");
  if (spec.find(':') != std::string_view::npos) {
    double v[3];
    size_t pos = 0;
    for (int i = 0; i < 3; ++i) {
      const size_t next = i < 2 ? spec.find(':', pos) : spec.size();
      if (next == std::string_view::npos || (i == 2 && spec.find(':', pos) != std::string_view::npos) ||
          !parse_double(spec.substr(pos, next - pos), v[i])) {
        return axis_error(name, "'" + std::string(spec) + "' must be min:max:step with three numbers");
      }
      pos = next + 1;
    }
    return make_range_axis(name, v[0], v[1], v[2], max_values);
  }
  Axis axis{name, {}};
  max_values = std::min(max_values, kMaxAxisValues);
  size_t pos = 0;
  while (pos <= spec.size()) {
    size_t next = spec.find(',', pos);
    if (next == std::string_view::npos) next = spec.size();
    double v;
    if (!parse_double(spec.substr(pos, next - pos), v)) {
      return axis_error(name, "'" + std::string(spec.substr(pos, next - pos)) + "' is not a number");
    }
    if (static_cast<int64_t>(axis.values.size()) >= max_values) {
      Error e = axis_error(name, "has more than " + std::to_string(max_values) + " values");
      e.code = ErrorCode::kLimit;
      return e;
    }
    axis.values.push_back(v);
    pos = next + 1;
  }
  return axis;
}

Result<Grid> Grid::make(const OptimizationRequest& request) {
  // A script's numeric inputs are its parameters, exactly like a built-in strategy's.
  StrategyInfo script_info;
  const StrategyInfo* info = nullptr;
  if (request.base.script) {
    script_info.name = "script '" + request.base.script->settings.title + "'";
    script_info.params = request.base.script->params;
    info = &script_info;
  } else {
    info = find_strategy(request.base.strategy);
    if (!info) return resolve_params(request.base.strategy, {}).error();  // kNotFound naming the known strategies
  }
  Grid grid;
  // Base values are checked one by one; rules across parameters (fast < slow) are checked per
  // trial, because the axes change them.
  for (const auto& spec : info->params) grid.base_[spec.name] = spec.default_value;
  for (const auto& [name, value] : request.base.params) {
    auto it = std::find_if(info->params.begin(), info->params.end(), [&n = name](const ParamSpec& s) { return s.name == n; });
    if (it == info->params.end()) return Error::validation(name, "strategy " + info->name + " has no parameter '" + name + "'");
    if (auto st = check_param(*it, value); !st) return st.error();
    grid.base_[name] = value;
  }
  if (request.max_combinations < 1) return Error::validation("max_combinations", "max_combinations must be at least 1");
  // A sampled search bounds its trials, not the grid (checked in validate_optimization).
  OptimizationRequest bounded = request;
  if (request.search.method != SearchSpec::Method::kGrid) bounded.max_combinations = int64_t{1} << 53;
  int64_t size = 1;
  for (const auto& axis : request.axes) {
    auto it = std::find_if(info->params.begin(), info->params.end(), [&](const ParamSpec& s) { return s.name == axis.name; });
    if (it == info->params.end()) return axis_error(axis.name, "strategy " + info->name + " has no such parameter");
    for (const auto& other : grid.axes_) {
      if (other.name == axis.name) return axis_error(axis.name, "is given twice");
    }
    if (axis.values.empty()) return axis_error(axis.name, "has no values");
    for (double v : axis.values) {
      if (auto st = check_param(*it, v); !st) return axis_error(axis.name, st.error().message);
    }
    const auto n = static_cast<int64_t>(axis.values.size());
    if (size > bounded.max_combinations / n) return grid_limit_error(bounded);
    size *= n;
    grid.axes_.push_back(axis);
  }
  if (size > bounded.max_combinations) return grid_limit_error(bounded);
  grid.size_ = size;
  return grid;
}

ParamMap Grid::params_at(int64_t index) const {
  ParamMap p = base_;
  for (size_t i = axes_.size(); i-- > 0;) {
    const auto n = static_cast<int64_t>(axes_[i].values.size());
    p[axes_[i].name] = axes_[i].values[static_cast<size_t>(index % n)];
    index /= n;
  }
  return p;
}

Result<Grid> validate_optimization(const OptimizationRequest& request) {
  auto grid = Grid::make(request);
  if (!grid) return grid.error();
  BacktestRequest probe = request.base;
  probe.params = {};  // parameters were checked by Grid::make
  if (auto st = validate_request(probe); !st) return st.error();
  if (!find_metric(request.objective)) {
    std::string known;
    for (const auto& m : metric_catalog()) known += (known.empty() ? "" : ", ") + std::string(m.name);
    Error e = Error::validation("objective", "unknown metric '" + request.objective + "' (known: " + known + ")");
    e.code = ErrorCode::kNotFound;
    return e;
  }
  if (request.threads < 1 || request.threads > 256) return Error::validation("threads", "threads must be between 1 and 256");
  if (auto st = validate_search(request.search); !st) return st.error();
  if (const int64_t planned = planned_trials(request.search, grid->size()); planned > request.max_combinations) {
    Error e = Error::make(ErrorCode::kLimit, "the search plans " + std::to_string(planned) + " trials, over the limit of " +
                                                 std::to_string(request.max_combinations));
    e.field = "search";
    return e;
  }
  if (request.shard_count < 1 || request.shard_count > 1'000'000 || request.shard_index < 0 ||
      request.shard_index >= request.shard_count) {
    return Error::validation("shard", "shard must be K/N with 1 ≤ K ≤ N ≤ 1000000");
  }
  if (request.shard_count > 1 && request.search.method == SearchSpec::Method::kGenetic) {
    return Error::validation("shard", "a genetic search cannot be split into shards (each generation needs the last); "
                                      "use a grid or random search");
  }
  if (request.statistics_blocks != 0 && (request.statistics_blocks < 2 || request.statistics_blocks > 32 ||
                                         request.statistics_blocks % 2 != 0)) {
    return Error::validation("statistics_blocks", "statistics_blocks must be an even number from 2 to 32 (or 0: none)");
  }
  return grid;
}

namespace {

// Trial `index` from a run's outcome: the metrics, or the error with where it happened.
TrialResult to_trial(int64_t index, const std::string& strategy, const Result<TrialSummary>& summary) {
  TrialResult out;
  out.index = index;
  if (!summary) {
    out.error_message = summary.error().message;
    out.error_stack_trace = summary.error().context.empty() ? strategy : summary.error().context;
    out.cancelled = summary.error().code == ErrorCode::kCancelled;
    return out;
  }
  out.ok = true;
  out.metrics = summary->metrics;
  out.final_equity = summary->final_equity;
  out.rejected_orders = summary->rejected_orders;
  out.warmup_bars = summary->warmup_bars;
  out.block_sums = summary->block_sums;
  return out;
}

/// The statistics blocks' bar bounds for this request over this data (empty: none asked for, or
/// too few bars for two per block).
std::vector<int64_t> statistics_bounds(const OptimizationRequest& request, const MarketData& data) {
  const auto n = static_cast<int64_t>(data.bars.size());
  if (request.statistics_blocks <= 0 || n < 2 * request.statistics_blocks) return {};
  return block_bounds(n, request.statistics_blocks);
}

}  // namespace

std::vector<TrialResult> run_grid_trials(const MarketData& data, const OptimizationRequest& request, const Grid& grid,
                                         const std::vector<int64_t>& indexes, RunHooks hooks) {
  const std::string& strategy = request.base.strategy;
  std::vector<TrialResult> out(indexes.size());
  std::vector<size_t> runnable;
  std::vector<ParamMap> params;
  for (size_t k = 0; k < indexes.size(); ++k) {
    out[k].index = indexes[k];
    const ParamMap given = grid.params_at(indexes[k]);
    auto resolved = request.base.script ? resolve_script_params(request.base, given) : resolve_params(strategy, given);
    if (!resolved) {
      out[k].error_message = resolved.error().message;
      out[k].error_stack_trace = strategy + "(" + format_params(given) + "): parameter check";
      continue;
    }
    runnable.push_back(k);
    params.push_back(std::move(*resolved));
  }
  if (params.empty()) return out;
  const std::vector<int64_t> bounds = statistics_bounds(request, data);
  try {
    auto summaries = request.base.script ? run_script_trials(data, request.base, params, hooks, bounds)
                                         : run_trials(data, strategy, params, request.base.broker, hooks, bounds);
    for (size_t j = 0; j < runnable.size(); ++j) out[runnable[j]] = to_trial(indexes[runnable[j]], strategy, summaries[j]);
  } catch (const std::exception& e) {  // the boundary: nothing a trial does escapes it
    for (size_t j = 0; j < runnable.size(); ++j) {
      TrialResult& t = out[runnable[j]];
      t.error_message = e.what();
      t.error_stack_trace = strategy + "(" + format_params(params[j]) + ")";
    }
  }
  return out;
}

int64_t trial_group_size(int64_t total, int threads) {
  return std::clamp<int64_t>(total / (static_cast<int64_t>(std::max(threads, 1)) * 4), 1, kTrialGroup);
}

TrialResult run_grid_trial(const MarketData& data, const OptimizationRequest& request, const Grid& grid, int64_t index,
                           RunHooks hooks) {
  return std::move(run_grid_trials(data, request, grid, {index}, hooks).front());
}

void rank_trials(std::vector<TrialResult>& trials, const std::string& objective, bool maximize) {
  const MetricInfo* metric = find_metric(objective);
  std::sort(trials.begin(), trials.end(), [&](const TrialResult& a, const TrialResult& b) {
    if (a.ok != b.ok) return a.ok;
    if (a.ok && metric) {
      const double x = a.metrics.*(metric->field), y = b.metrics.*(metric->field);
      const bool xn = std::isnan(x), yn = std::isnan(y);
      if (xn != yn) return yn;
      if (!xn && x != y) return maximize ? x > y : x < y;
    }
    return a.index < b.index;
  });
}

namespace {

/// Runs trials index_at(0 .. count − 1) on the thread pool (claimed in groups, each failing
/// alone) and appends them to `finished`. Returns false when a cancel stopped it.
template <class IndexAt>
bool run_pool(const MarketData& data, const OptimizationRequest& request, const Grid& grid, int64_t count,
              IndexAt index_at, RunHooks hooks, std::vector<TrialResult>& finished) {
  std::atomic<int64_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex mu;
  // Trials are claimed in small groups that advance together over the bars (cache reuse); the
  // group shrinks for small batches so every thread gets work.
  const int64_t group = trial_group_size(count, request.threads);
  auto worker = [&] {
    std::vector<TrialResult> local;
    for (;;) {
      if (stop.load(std::memory_order_relaxed)) break;
      if (hooks.cancel && hooks.cancel->cancelled()) {
        stop.store(true, std::memory_order_relaxed);
        break;
      }
      const int64_t first = next.fetch_add(group, std::memory_order_relaxed);
      if (first >= count) break;
      std::vector<int64_t> indexes;
      for (int64_t i = first; i < std::min(first + group, count); ++i) indexes.push_back(index_at(i));
      for (TrialResult& tr : run_grid_trials(data, request, grid, indexes, hooks)) {
        if (tr.cancelled) {  // cut short by cancel: not a result
          stop.store(true, std::memory_order_relaxed);
          continue;
        }
        if (hooks.progress) hooks.progress->add_trial(tr.ok);
        local.push_back(std::move(tr));
      }
      if (local.size() >= 4096) {
        std::lock_guard<std::mutex> lock(mu);
        for (auto& t : local) finished.push_back(std::move(t));
        local.clear();
      }
    }
    std::lock_guard<std::mutex> lock(mu);
    for (auto& t : local) finished.push_back(std::move(t));
  };

  const int threads = static_cast<int>(std::min<int64_t>(request.threads, std::max<int64_t>(1, count)));
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) {
    try {
      pool.emplace_back(worker);
    } catch (const std::system_error&) {
      break;  // no threads here (e.g. a Wasm build without pthreads): the caller's thread does it all
    }
  }
  worker();
  for (auto& th : pool) th.join();
  return !stop.load();  // only a cancel sets it
}

}  // namespace

Result<OptimizationResult> run_optimization(const MarketData& data, const OptimizationRequest& request, RunHooks hooks) {
  auto grid = validate_optimization(request);
  if (!grid) return grid.error();
  OptimizationResult result;
  result.grid = *grid;
  result.objective = request.objective;
  result.maximize = request.maximize;
  result.search = request.search;
  result.block_bounds = statistics_bounds(request, data);
  result.planned = planned_trials(request.search, grid->size());
  result.shard_index = request.shard_index;
  result.shard_count = request.shard_count;
  // This shard's slice of the plan (the whole plan without shards).
  const int64_t first = result.planned * request.shard_index / request.shard_count;
  const int64_t end = result.planned * (request.shard_index + 1) / request.shard_count;
  result.shard_first = first;
  result.shard_end = end;
  result.total = end - first;

  std::vector<TrialResult> finished;
  finished.reserve(static_cast<size_t>(std::min<int64_t>(result.total, 1 << 20)));
  bool stopped = false;
  switch (request.search.method) {
    case SearchSpec::Method::kGrid:
      stopped = !run_pool(data, request, *grid, result.total, [first](int64_t i) { return first + i; }, hooks, finished);
      break;
    case SearchSpec::Method::kRandom: {
      const std::vector<int64_t> sample = random_sample(grid->size(), request.search.samples, request.search.seed);
      stopped = !run_pool(data, request, *grid, result.total,
                          [&](int64_t i) { return sample[static_cast<size_t>(first + i)]; }, hooks, finished);
      break;
    }
    case SearchSpec::Method::kGenetic: {
      const MetricInfo* metric = find_metric(request.objective);
      std::vector<int64_t> sizes;
      for (const auto& axis : grid->axes()) sizes.push_back(static_cast<int64_t>(axis.values.size()));
      // Each generation's new individuals run as one pool batch; their fitness is the objective
      // (negated when minimizing), NaN for a failed trial.
      genetic_search(request.search, sizes, [&](const std::vector<int64_t>& batch) -> std::optional<std::vector<double>> {
        const size_t before = finished.size();
        if (!run_pool(data, request, *grid, static_cast<int64_t>(batch.size()),
                      [&](int64_t i) { return batch[static_cast<size_t>(i)]; }, hooks, finished)) {
          stopped = true;
          return std::nullopt;
        }
        std::unordered_map<int64_t, double> by_index;
        for (size_t k = before; k < finished.size(); ++k) {
          const TrialResult& t = finished[k];
          const double v = t.ok ? t.metrics.*(metric->field) : std::nan("");
          by_index[t.index] = request.maximize ? v : -v;
        }
        std::vector<double> f;
        for (int64_t i : batch) f.push_back(by_index.count(i) ? by_index[i] : std::nan(""));
        return f;
      });
      break;
    }
  }

  for (const auto& t : finished) (t.ok ? result.completed : result.failed)++;
  result.cancelled = stopped && result.completed + result.failed < result.total;
  rank_trials(finished, request.objective, request.maximize);
  if (!finished.empty() && finished.front().ok) result.best_index = finished.front().index;
  result.trials = std::move(finished);
  return result;
}

Result<BacktestResult> rerun_trial(const MarketData& data, const OptimizationRequest& request, int64_t index) {
  auto grid = validate_optimization(request);
  if (!grid) return grid.error();
  if (index < 0 || index >= grid->size()) {
    return Error::validation("index", "trial index " + std::to_string(index) + " is outside the grid of " +
                                          std::to_string(grid->size()));
  }
  BacktestRequest one = request.base;
  one.params = grid->params_at(index);
  return run_backtest(data, one);
}

}  // namespace atf
