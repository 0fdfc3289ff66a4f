// atf: the native command line over the engine.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <csignal>
#include <fstream>
#include <memory>
#include <sstream>
#include <cstdio>
#include <string>
#include <vector>

#include "atf/csv_import.h"
#include "atf/json_io.h"
#include "atf/optimizer.h"
#include "atf/pine.h"
#include "atf/pine_json.h"
#include "atf/strategy.h"
#include "atf/tv_report.h"
#include "bench.h"
#include "cli_args.h"
#include "progress_bar.h"
#include "merge.h"
#include "report.h"

namespace {

using namespace atf;

constexpr int kExitFailed = 1, kExitUsage = 2, kExitCancelled = 130;

CancelToken g_cancel;  // Ctrl+C sets it; atomic<bool> stores are async-signal-safe (lock-free)
extern "C" void on_sigint(int) { g_cancel.cancel(); }

int fail(const Error& e, int code) {
  std::fprintf(stderr, "atf: %s\n", e.message.c_str());
  return code;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Loads --data with --from/--to and --date-order; errors name the file and line. `summary`
// receives what the report says about the import (rows without prices, newest-first order).
Result<std::shared_ptr<const MarketData>> load(const cli::Options& o, cli::ImportSummary* summary = nullptr) {
  CsvImportOptions opt;
  opt.date_order = o.date_order;
  opt.symbol = o.data_path.substr(o.data_path.find_last_of('/') + 1);
  if (!o.from.empty()) {
    auto t = parse_time_arg(o.from);
    if (!t) return Error::validation("--from", "--from: " + t.error().message);
    opt.from_ms = *t;
  }
  if (!o.to.empty()) {
    auto t = parse_time_arg(o.to, true);
    if (!t) return Error::validation("--to", "--to: " + t.error().message);
    opt.to_ms = *t;
  }
  auto imported = import_csv_file(o.data_path, opt);
  if (!imported) {
    Error e = imported.error();
    e.message = o.data_path + ": " + e.message;
    return e;
  }
  if (imported->bars.empty()) return Error::validation("--data", o.data_path + ": no bars in the selected date range");
  if (summary) {
    summary->rows_without_prices = imported->rows_without_prices;
    summary->first_line_without_prices = imported->first_line_without_prices;
    summary->newest_first = imported->newest_first;
    summary->notices = import_notices(*imported);
  }
  auto md = prepare_market_data(std::move(imported->bars));
  if (!md) {
    Error e = md.error();
    e.message = o.data_path + ": " + e.message;
    return e;
  }
  return md;
}

Result<std::string> read_text(const std::string& path, const char* flag) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Error::validation(flag, std::string(flag) + ": cannot read '" + path + "'");
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

/// A script's compile error as compilers print it: "FILE:LINE:COL: message".
Error script_error(const std::string& path, const Error& e) {
  Error out = e;
  out.message = path + ":" + std::to_string(e.line) + ":" + std::to_string(e.column) + ": " + e.message;
  return out;
}

/// --trade-from DATE (or epoch ms): no order before it, for scripts and built-in strategies.
Status apply_trade_from(cli::Options& o) {
  if (o.trade_from.empty()) return Ok{};
  BacktestRequest& base = o.request.base;
  auto t = parse_time_arg(o.trade_from);
  if (!t) {
    // Epoch milliseconds are accepted too.
    char* end = nullptr;
    const long long ms = std::strtoll(o.trade_from.c_str(), &end, 10);
    if (o.trade_from.empty() || end != o.trade_from.c_str() + o.trade_from.size()) {
      return Error::validation("--trade-from", "--trade-from: " + t.error().message);
    }
    base.trade_from_ms = ms;
  } else {
    base.trade_from_ms = *t;
  }
  return Ok{};
}

/// --script: compiles it and turns the request into a script run (inputs, the script's
/// strategy() settings under the broker flags given); --trade-from for every run.
Status prepare_script(cli::Options& o, const MarketData& md) {
  if (auto st = apply_trade_from(o); !st) return st;
  if (o.script_path.empty()) return Ok{};
  auto text = read_text(o.script_path, "--script");
  if (!text) return text.error();
  auto script = compile_pine(*text);
  if (!script) return script_error(o.script_path, script.error());
  BacktestRequest& base = o.request.base;
  base.script = *script;
  base.strategy = (*script)->settings.title.empty() ? o.script_path : (*script)->settings.title;
  if (!o.inputs_file.empty()) {
    auto in = read_text(o.inputs_file, "--inputs");
    if (!in) return in.error();
    nlohmann::json j = nlohmann::json::parse(*in, nullptr, false);
    if (j.is_discarded()) return Error::validation("--inputs", "--inputs: " + o.inputs_file + " is not valid JSON");
    if (auto st = inputs_from_json(j, base.params, base.text_inputs); !st) return st.error();
  }
  for (const auto& [name, value] : o.inputs) {
    char* end = nullptr;
    const double v = std::strtod(value.c_str(), &end);
    if (!value.empty() && end == value.c_str() + value.size()) {
      base.params[name] = v;
    } else if (value == "true" || value == "false") {
      base.params[name] = value == "true" ? 1 : 0;
    } else {
      base.text_inputs[name] = value;
    }
  }
  // Inputs may be named by title: store them under their variable names.
  ParamMap by_name;
  for (const auto& [key, v] : base.params) {
    std::string name = key;
    for (const auto& in : (*script)->inputs) {
      if (in.name != key && in.title == key) name = in.name;
    }
    by_name[name] = v;
  }
  base.params = by_name;
  for (auto& axis : o.request.axes) {
    for (const auto& in : (*script)->inputs) {
      if (in.name != axis.name && in.title == axis.name) axis.name = in.name;
    }
  }
  base.broker_given = o.broker_given;
  return prepare_script_request(base, md);
}

/// --trades-csv FILE: opened before the run (a bad path fails at once, not after a long run).
Result<std::shared_ptr<std::ofstream>> open_trades_csv(const cli::Options& o) {
  if (o.trades_csv_path.empty()) return std::shared_ptr<std::ofstream>();
  auto f = std::make_shared<std::ofstream>(o.trades_csv_path, std::ios::binary | std::ios::trunc);
  if (!*f) return Error::validation("--trades-csv", "--trades-csv: cannot write '" + o.trades_csv_path + "'");
  return f;
}

/// Writes TradingView's "List of trades" of `r` (trades_csv) to the file opened above.
Status write_trades_csv(const cli::Options& o, std::ofstream* f, const BacktestResult& r) {
  if (f == nullptr) return Ok{};
  TradesCsvOptions opt;
  opt.multiplier = o.request.base.broker.multiplier;
  *f << trades_csv(r, opt);
  f->flush();
  if (!*f) return Error::make(ErrorCode::kRuntime, "--trades-csv: writing '" + o.trades_csv_path + "' failed");
  return Ok{};
}

/// A bar when stderr is a terminal (and stdout is no JSON document); lines when a driver asks.
cli::ProgressStyle progress_style(const cli::Options& o) {
  if (o.progress_lines) return cli::ProgressStyle::kLines;
  return isatty(STDERR_FILENO) && !o.json ? cli::ProgressStyle::kBar : cli::ProgressStyle::kNone;
}

int cmd_check(const cli::Options& o) {
  auto text = read_text(o.script_path, "check");
  if (!text) return fail(text.error(), kExitUsage);
  ScriptCheck check = check_pine(*text);
  if (o.json) {
    std::printf("%s\n", to_json(check).dump(2).c_str());
    return check.script ? 0 : kExitUsage;
  }
  if (!check.script) {
    for (const auto& d : check.diagnostics) {
      std::fprintf(stderr, "%s:%lld:%lld: %s: %s\n", o.script_path.c_str(), static_cast<long long>(d.line),
                   static_cast<long long>(d.column), d.severity.c_str(), d.message.c_str());
    }
    return kExitUsage;
  }
  const auto& s = *check.script;
  std::printf("%s: %s '%s' compiles (hash %s)\n", o.script_path.c_str(), s.settings.is_strategy ? "strategy" : "indicator",
              s.settings.title.c_str(), s.hash.c_str());
  std::printf("inputs:%s\n", s.inputs.empty() ? " none" : "");
  for (const auto& in : s.inputs) {
    std::string def = in.kind == "bool" ? (in.default_value != 0 ? "true" : "false")
                      : (in.kind == "int" || in.kind == "float" || in.kind == "time" || in.kind == "price")
                          ? format_number(in.default_value)
                          : "\"" + in.default_text + "\"";
    std::string range;
    if (!std::isnan(in.min) || !std::isnan(in.max)) {
      range = " range " + (std::isnan(in.min) ? std::string("..") : format_number(in.min)) + ".." +
              (std::isnan(in.max) ? std::string("") : format_number(in.max));
    }
    std::printf("  %-16s %-7s default %s%s%s\n", in.name.c_str(), in.kind.c_str(), def.c_str(), range.c_str(),
                in.title.empty() ? "" : ("  \"" + in.title + "\"").c_str());
  }
  const auto& st = s.settings;
  std::printf("settings: overlay=%s", st.overlay ? "true" : "false");
  if (!std::isnan(st.initial_capital)) std::printf(" initial_capital=%s", format_number(st.initial_capital).c_str());
  if (!st.default_qty_type.empty()) std::printf(" default_qty_type=%s", st.default_qty_type.c_str());
  if (!std::isnan(st.default_qty_value)) std::printf(" default_qty_value=%s", format_number(st.default_qty_value).c_str());
  if (!std::isnan(st.commission_value)) std::printf(" commission=%s %s", format_number(st.commission_value).c_str(), st.commission_type.empty() ? "percent" : st.commission_type.c_str());
  if (st.process_orders_on_close) std::printf(" process_orders_on_close=true");
  std::printf("\n");
  return 0;
}

int cmd_backtest(cli::Options o) {
  cli::ImportSummary summary;
  auto md = load(o, &summary);
  if (!md) return fail(md.error(), kExitUsage);
  if (auto st = prepare_script(o, **md); !st) return fail(st.error(), kExitUsage);
  if (auto st = validate_request(o.request.base); !st) return fail(st.error(), kExitUsage);
  auto csv_file = open_trades_csv(o);
  if (!csv_file) return fail(csv_file.error(), kExitUsage);
  AtomicProgress progress;
  const auto total = static_cast<int64_t>((*md)->bars.size());
  const auto t0 = std::chrono::steady_clock::now();
  Result<BacktestResult> result = Error::make(ErrorCode::kInternal, "not run");
  {
    cli::ProgressBar bar([&] { return std::pair{progress.bars.load(), total}; }, "bars", progress_style(o));
    result = run_backtest(**md, o.request.base, RunHooks{&progress, &g_cancel}, false);
  }
  const double secs = seconds_since(t0);
  if (!result) {
    const bool cancelled = result.error().code == ErrorCode::kCancelled;
    Error e = result.error();
    if (!e.context.empty()) e.message += " (in " + e.context + ")";
    return fail(e, cancelled ? kExitCancelled : kExitFailed);
  }
  if (auto st = write_trades_csv(o, csv_file->get(), *result); !st) return fail(st.error(), kExitFailed);
  if (o.json) {
    nlohmann::json doc = to_json(*result, false);
    doc["request"] = to_json(o.request.base);
    if (o.request.base.script) {
      doc["script"] = {{"path", o.script_path}, {"hash", o.request.base.script->hash}, {"title", o.request.base.script->settings.title}};
      doc["plots"] = plots_json(result->plots);
    }
    doc["data"] = cli::data_json(o.data_path, **md, summary);
    doc["elapsed_s"] = secs;
    std::printf("%s\n", doc.dump(2).c_str());
  } else {
    cli::print_backtest(o.data_path, **md, *result, secs, summary);
  }
  cli::warn_warmup(o.request.base.strategy, (*md)->bars.size(), result->warmup_bars, 1, 1);
  return 0;
}

/// PBO's blocks: --pbo-blocks, else 16 while the per-trial block sums stay small (256 bytes a
/// trial: ≤ 64 MB for 250,000 trials), else none.
int statistics_blocks_for(const cli::Options& o, int64_t planned) {
  if (!o.statistics) return 0;
  if (o.pbo_blocks >= 0) return o.pbo_blocks;
  return planned <= 250'000 ? 16 : 0;
}

int cmd_optimize(cli::Options o) {
  cli::ImportSummary summary;
  auto md = load(o, &summary);
  if (!md) return fail(md.error(), kExitUsage);
  if (auto st = prepare_script(o, **md); !st) return fail(st.error(), kExitUsage);
  auto grid = validate_optimization(o.request);
  if (!grid) return fail(grid.error(), kExitUsage);
  if (o.rerun >= 0) {
    auto csv_file = open_trades_csv(o);
    if (!csv_file) return fail(csv_file.error(), kExitUsage);
    auto result = rerun_trial(**md, o.request, o.rerun);
    if (!result) return fail(result.error(), result.error().code == ErrorCode::kValidation ? kExitUsage : kExitFailed);
    if (auto st = write_trades_csv(o, csv_file->get(), *result); !st) return fail(st.error(), kExitFailed);
    if (o.json) {
      std::printf("%s\n", to_json(*result, false).dump(2).c_str());
    } else {
      cli::print_backtest(o.data_path, **md, *result, 0);
    }
    return 0;
  }
  const int64_t all_planned = planned_trials(o.request.search, grid->size());
  o.request.statistics_blocks = statistics_blocks_for(o, all_planned);
  // A shard runs its slice of the plan (its progress counts against that).
  const int64_t planned = all_planned * (o.request.shard_index + 1) / o.request.shard_count -
                          all_planned * o.request.shard_index / o.request.shard_count;
  AtomicProgress progress;
  const auto t0 = std::chrono::steady_clock::now();
  Result<OptimizationResult> result = Error::make(ErrorCode::kInternal, "not run");
  {
    cli::ProgressBar bar([&] { return std::pair{progress.completed.load() + progress.failed.load(), planned}; },
                         "trials", progress_style(o), {}, [&] { return progress.failed.load(); });
    result = run_optimization(**md, o.request, RunHooks{&progress, &g_cancel});
  }
  const double secs = seconds_since(t0);
  if (!result) return fail(result.error(), kExitFailed);
  // The statistics need a best trial (and the run to have finished: a cancelled grid is partial);
  // a shard's are computed by `atf merge` over all shards.
  std::optional<OptimizationStatistics> stats;
  if (o.statistics && result->best_index && !result->cancelled && o.request.shard_count == 1) {
    auto s = optimization_statistics(**md, o.request, *result, o.mc_paths, o.request.search.seed);
    if (s) stats = std::move(*s);
  }
  if (o.json) {
    // Trials list their block sums only when asked (--pbo-blocks), and in a shard's output.
    nlohmann::json doc = to_json(*result, o.keep_top > 0 ? o.keep_top : -1, o.pbo_blocks > 0 || o.request.shard_count > 1);
    if (o.keep_top > 0) {
      // What `atf merge` needs of the trials left out: their Sharpe ratios' moments (for DSR).
      const SharpeMoments m = sharpe_moments(*result, statistics_bars_per_year(**md, o.request));
      doc["kept_top"] = o.keep_top;
      doc["sharpe_moments"] = {{"n", m.n}, {"mean", m.mean}, {"m2", m.m2}};
    }
    doc["request"] = to_json(o.request);
    doc["data"] = cli::data_json(o.data_path, **md, summary);
    doc["elapsed_s"] = secs;
    if (stats) doc["statistics"] = to_json(*stats);
    if (o.request.base.script) {  // the source too: `atf merge` rebuilds the grid from it
      doc["script"] = {{"path", o.script_path},
                       {"hash", o.request.base.script->hash},
                       {"title", o.request.base.script->settings.title},
                       {"source", o.request.base.script->source}};
    }
    std::printf("%s\n", doc.dump(2).c_str());
  } else {
    cli::print_optimization(o.data_path, **md, o.request, *result, secs, o.top, summary);
    if (stats) cli::print_statistics(*stats);
  }
  {
    int64_t short_of_warmup = 0, max_warmup = 0;
    for (const auto& t : result->trials) {
      if (!t.ok) continue;
      max_warmup = std::max(max_warmup, t.warmup_bars);
      if (t.warmup_bars >= static_cast<int64_t>((*md)->bars.size())) ++short_of_warmup;
    }
    cli::warn_warmup(o.request.base.strategy, (*md)->bars.size(), max_warmup, short_of_warmup, result->completed);
  }
  if (!result->cancelled && result->completed == 0 && result->failed > 0) {
    const TrialResult* first = nullptr;
    for (const auto& t : result->trials) {
      if (!t.ok && (first == nullptr || t.index < first->index)) first = &t;
    }
    std::fprintf(stderr, "atf: all %lld combinations failed, nothing to rank (the first, #%lld %s: %s)\n",
                 static_cast<long long>(result->total), static_cast<long long>(first->index),
                 format_params(result->grid.params_at(first->index)).c_str(), first->error_message.c_str());
    return kExitFailed;
  }
  if (result->cancelled) {
    std::fprintf(stderr, "atf: cancelled; %lld of %lld trials finished and are shown\n",
                 static_cast<long long>(result->completed + result->failed), static_cast<long long>(result->total));
    return kExitCancelled;
  }
  return 0;
}

int cmd_walkforward(cli::Options o) {
  cli::ImportSummary summary;
  auto md = load(o, &summary);
  if (!md) return fail(md.error(), kExitUsage);
  if (auto st = prepare_script(o, **md); !st) return fail(st.error(), kExitUsage);
  WalkForwardRequest req = o.walk;
  req.optimization = o.request;
  auto grid = validate_optimization(req.optimization);
  if (!grid) return fail(grid.error(), kExitUsage);
  auto windows = walk_forward_windows((*md)->bars.time, req);
  if (!windows) return fail(windows.error(), kExitUsage);
  const auto per_window = planned_trials(req.optimization.search, grid->size());
  AtomicProgress progress;
  std::atomic<int64_t> window{0};
  const auto n_windows = static_cast<int64_t>(windows->size());
  WalkForwardHooks hooks;
  hooks.run = RunHooks{&progress, &g_cancel};
  hooks.on_window = [&](int64_t k, int64_t) { window.store(k); };
  const auto t0 = std::chrono::steady_clock::now();
  Result<WalkForwardResult> result = Error::make(ErrorCode::kInternal, "not run");
  {
    // One bar over all trials of all windows; the label says which window runs.
    cli::ProgressBar bar([&] { return std::pair{progress.completed.load() + progress.failed.load(), per_window * n_windows}; },
                         "trials", progress_style(o),
                         [&] { return "window " + std::to_string(std::min(window.load() + 1, n_windows)) + "/" + std::to_string(n_windows); });
    result = run_walk_forward(**md, req, hooks);
  }
  const double secs = seconds_since(t0);
  if (!result) return fail(result.error(), kExitFailed);
  if (o.json) {
    nlohmann::json doc = to_json(*result, (*md)->bars.time);
    doc["request"] = to_json(req.optimization);
    doc["walk_forward"] = to_json(req);
    doc["data"] = cli::data_json(o.data_path, **md, summary);
    doc["elapsed_s"] = secs;
    std::printf("%s\n", doc.dump(2).c_str());
  } else {
    cli::print_walk_forward(o.data_path, **md, req, *result, secs, summary);
  }
  if (result->cancelled) {
    std::fprintf(stderr, "atf: cancelled; the windows that finished are shown\n");
    return kExitCancelled;
  }
  return 0;
}

int cmd_strategies(const cli::Options& o) {
  if (o.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& s : strategy_catalog()) {
      if (!s.hidden) list.push_back(to_json(s));
    }
    std::printf("%s\n", list.dump(2).c_str());
    return 0;
  }
  for (const auto& s : strategy_catalog()) {
    if (s.hidden) continue;
    std::printf("%s\n  %s\n", s.name.c_str(), s.description.c_str());
    for (const auto& p : s.params) {
      std::printf("    %-8s %-5s default %-6s range %s..%s  %s\n", p.name.c_str(), p.type == ParamType::kInt ? "int" : "float",
                  format_number(p.default_value).c_str(), format_number(p.min).c_str(), format_number(p.max).c_str(),
                  p.description.c_str());
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  // merge has positional files and its own flags.
  if (!args.empty() && args[0] == "merge") return cli::run_merge({args.begin() + 1, args.end()});
  auto options = cli::parse_args(args);
  if (!options) return fail(options.error(), kExitUsage);
  std::signal(SIGINT, on_sigint);
  const std::string& cmd = options->command;
  if (cmd == "help") {
    std::fputs(cli::usage(), stdout);
    return 0;
  }
  if (cmd == "backtest") return cmd_backtest(*options);
  if (cmd == "optimize") return cmd_optimize(*options);
  if (cmd == "walkforward") return cmd_walkforward(*options);
  if (cmd == "strategies") return cmd_strategies(*options);
  if (cmd == "check") return cmd_check(*options);
  return cli::run_bench(*options);
}
