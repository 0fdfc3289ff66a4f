#include "cli_args.h"

#include <charconv>

#include <cmath>
#include <cstdlib>

#include "atf/metrics.h"

namespace atf::cli {
namespace {

Error flag_error(const std::string& flag, const std::string& what) { return Error::validation(flag, flag + ": " + what); }

Result<double> to_number(const std::string& flag, const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v)) {
    return flag_error(flag, "expected a number, found '" + text + "'");
  }
  return v;
}

}  // namespace

const char* usage() {
  return R"(atf: backtest and optimize trading strategies on OHLCV price data

usage:
  atf backtest --data FILE --strategy NAME [--param k=v]... [options] [--json]
  atf backtest --data FILE --script FILE.pine [--input NAME=VALUE]... [--inputs FILE.json]
               [--trade-from DATE] [options] [--json]
  atf check FILE.pine [--json]   compile a Pine script: diagnostics, declared inputs and settings
  atf optimize --data FILE --strategy NAME --axis name=min:max:step|name=v1,v2,... [--axis ...]
               [--objective metric:max|min] [--threads N] [--max-combinations N] [--top N]
               [--rerun INDEX] [options] [--json]
               [--search grid|random:N|genetic:pop=P,gen=G,...] [--seed S] [--shard K/N] [--keep-top M]
               [--no-stats] [--pbo-blocks S] [--mc-paths N]
  atf walkforward --data FILE --strategy NAME|--script FILE.pine --axis ... --is LEN --oos LEN
               [--step LEN] [--anchored] [--search ...] [--objective metric:max|min] [--json]
               (LEN: N bars, or Nd, Nw, Nm, Ny)
  atf merge OUT.json SHARD.json... [--data FILE] [--script FILE.pine] [--out-sqlite FILE]
               merge `optimize --shard K/N --json` outputs into one ranked result
  atf bench [--bars N] [--threads N] [--json]
  atf strategies [--json]

options:
  --cash N                 starting cash (default 100000)
  --size units:N|equity:F  fixed units, or a fraction of equity in (0,1] (default equity:1)
  --fractional             allow fractional units with equity sizing
  --commission-pct F       percent of notional per fill (0.1 = 0.1 %)
  --commission-fixed N     fixed amount per order
  --commission-per-unit N  amount per unit/contract per fill
  --slippage-bps N         basis points against the trader on market fills
  --multiplier N           contract multiplier (default 1)
  --margin N               margin per contract (futures-style when > 0)
  --margin-long PCT        margin a long needs, % of its value (default 100 = cash account; 0 =
                           no margin rule); below it, TradingView's margin call liquidates part
  --margin-short PCT       the same for a short (default 100)
  --fill next-open|close   fill market orders at the next bar's open (default) or this close
  --from DATE --to DATE    inclusive date range (YYYY-MM-DD or ISO date-time)
  --date-order dmy|mdy|ymd how the file writes dates whose year comes last (03/01/2013):
                           day first or month first; refused until stated (ymd: year first only)
  --allow-short            bearish signals open shorts
  --close-at-end           close an open position at the last close
  --stop-loss-pct F        exit when price moves F % against the entry
  --take-profit-pct F      exit when price moves F % in favour
  --bars-per-year N        annualisation (default: measured from the data)
  --plots                  built-in strategies: also return the indicators they trade on as plots (JSON)
  --keep-top M             optimize --json: list only the M best trials (counts, best and the
                           statistics still cover every trial); for shards of very large grids
  --progress-lines         progress as `atf-progress DONE FAILED TOTAL` lines on stderr (for drivers
                           such as scripts/atf-dask), even with --json
  --trades-csv FILE        backtest (or optimize --rerun): also write TradingView's "List of trades"
                           CSV to FILE (two rows per trade, exit then entry; money and % to 2 decimals)

Pine scripts (--script instead of --strategy; `optimize --axis` ranges over inputs by variable name
or title): broker options given on the command line override the script's strategy() settings.
  --input NAME=VALUE       an input override (variable name or title); repeatable
  --inputs FILE.json       an object of input overrides, e.g. {"fastLength": 12, "src": "hl2"}
  --trade-from DATE        run the script from the first bar (warm-up) but place no order before DATE
  --mintick F              syminfo.mintick (default: from the data's price decimals, e.g. 0.01)

exit status: 0 success, 1 run failed, 2 bad usage or input, 130 cancelled (Ctrl+C)
)";
}

Result<Options> parse_args(const std::vector<std::string>& args) {
  Options o;
  if (args.empty()) return flag_error("command", "missing; try 'atf help'");
  o.command = args[0];
  if (o.command == "--help" || o.command == "-h") o.command = "help";
  if (o.command != "backtest" && o.command != "optimize" && o.command != "walkforward" && o.command != "bench" &&
      o.command != "strategies" && o.command != "help" && o.command != "check") {
    return flag_error("command", "unknown command '" + o.command + "'; try 'atf help'");
  }
  BrokerConfig& b = o.request.base.broker;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (o.command == "check" && o.script_path.empty() && !flag.empty() && flag[0] != '-') {
      o.script_path = flag;
      continue;
    }
    auto value = [&]() -> Result<std::string> {
      if (i + 1 >= args.size()) return flag_error(flag, "needs a value");
      return args[++i];
    };
    auto number = [&]() -> Result<double> {
      auto v = value();
      if (!v) return v.error();
      return to_number(flag, *v);
    };
    // Flags that set a number field.
    const std::pair<const char*, double*> numeric[] = {
        {"--cash", &b.cash},
        {"--commission-pct", &b.commission_pct},
        {"--commission-fixed", &b.commission_fixed},
        {"--commission-per-unit", &b.commission_per_unit},
        {"--slippage-bps", &b.slippage_bps},
        {"--multiplier", &b.multiplier},
        {"--margin", &b.margin},
        {"--margin-long", &b.margin_long_pct},
        {"--margin-short", &b.margin_short_pct},
        {"--stop-loss-pct", &b.stop_loss_pct},
        {"--take-profit-pct", &b.take_profit_pct},
        {"--bars-per-year", &b.bars_per_year},
    };
    bool handled = false;
    for (const auto& [name, field] : numeric) {
      if (flag == name) {
        auto v = number();
        if (!v) return v.error();
        *field = *v;
        handled = true;
        // The BrokerConfig field the flag sets (what script_broker_config looks for).
        std::string key = std::string(name + 2);
        for (char& c : key) c = c == '-' ? '_' : c;
        if (key == "margin_long" || key == "margin_short") key += "_pct";
        o.broker_given.insert(key);
      }
    }
    if (handled) continue;
    if (flag == "--json") {
      o.json = true;
    } else if (flag == "--progress-lines") {
      o.progress_lines = true;
    } else if (flag == "--plots") {
      o.request.base.indicator_plots = true;
    } else if (flag == "--fractional") {
      b.fractional = true;
      o.broker_given.insert("fractional");
    } else if (flag == "--script") {
      auto v = value();
      if (!v) return v.error();
      o.script_path = *v;
    } else if (flag == "--input") {
      auto v = value();
      if (!v) return v.error();
      const size_t eq = v->find('=');
      if (eq == std::string::npos || eq == 0) return flag_error(flag, "expected NAME=VALUE, found '" + *v + "'");
      o.inputs.emplace_back(v->substr(0, eq), v->substr(eq + 1));
    } else if (flag == "--inputs") {
      auto v = value();
      if (!v) return v.error();
      o.inputs_file = *v;
    } else if (flag == "--mintick") {
      auto v = number();
      if (!v) return v.error();
      if (!(*v > 0)) return flag_error(flag, "must be a positive number");
      o.request.base.mintick = *v;
    } else if (flag == "--trade-from") {
      auto v = value();
      if (!v) return v.error();
      o.trade_from = *v;
    } else if (flag == "--trades-csv") {
      auto v = value();
      if (!v) return v.error();
      if (v->empty()) return flag_error(flag, "needs a file name");
      o.trades_csv_path = *v;
    } else if (flag == "--allow-short") {
      b.allow_short = true;
    } else if (flag == "--close-at-end") {
      b.close_at_end = true;
    } else if (flag == "--data") {
      auto v = value();
      if (!v) return v.error();
      o.data_path = *v;
    } else if (flag == "--strategy") {
      auto v = value();
      if (!v) return v.error();
      o.request.base.strategy = *v;
    } else if (flag == "--from" || flag == "--to") {
      auto v = value();
      if (!v) return v.error();
      (flag == "--from" ? o.from : o.to) = *v;
    } else if (flag == "--date-order") {
      auto v = value();
      if (!v) return v.error();
      auto order = parse_date_order(*v, flag);
      if (!order) return order.error();
      o.date_order = *order;
    } else if (flag == "--param") {
      auto v = value();
      if (!v) return v.error();
      const size_t eq = v->find('=');
      if (eq == std::string::npos || eq == 0) return flag_error(flag, "expected name=value, found '" + *v + "'");
      auto num = to_number(flag + " " + v->substr(0, eq), v->substr(eq + 1));
      if (!num) return num.error();
      o.request.base.params[v->substr(0, eq)] = *num;
    } else if (flag == "--size") {
      auto v = value();
      if (!v) return v.error();
      const size_t colon = v->find(':');
      const std::string kind = colon == std::string::npos ? "" : v->substr(0, colon);
      if (kind != "units" && kind != "equity") return flag_error(flag, "expected units:N or equity:F, found '" + *v + "'");
      auto num = to_number(flag, v->substr(colon + 1));
      if (!num) return num.error();
      b.sizing = kind == "units" ? SizingKind::kUnits : SizingKind::kEquity;
      b.size = *num;
      o.broker_given.insert("size");
    } else if (flag == "--fill") {
      auto v = value();
      if (!v) return v.error();
      if (*v == "next-open") b.fill = FillRule::kNextOpen;
      else if (*v == "close") b.fill = FillRule::kClose;
      else return flag_error(flag, "expected next-open or close, found '" + *v + "'");
      o.broker_given.insert("fill");
    } else if (flag == "--axis") {
      auto v = value();
      if (!v) return v.error();
      auto axis = parse_axis(*v, o.request.max_combinations);
      if (!axis) return axis.error();
      o.request.axes.push_back(std::move(*axis));
    } else if (flag == "--objective") {
      auto v = value();
      if (!v) return v.error();
      const size_t colon = v->find(':');
      o.request.objective = v->substr(0, colon);
      const MetricInfo* metric = find_metric(o.request.objective);
      if (!metric) return flag_error(flag, "unknown metric '" + o.request.objective + "'");
      o.request.maximize = metric->higher_is_better;
      if (colon != std::string::npos) {
        const std::string dir = v->substr(colon + 1);
        if (dir != "max" && dir != "min") return flag_error(flag, "direction must be max or min, found '" + dir + "'");
        o.request.maximize = dir == "max";
      }
      o.objective_given = true;
    } else if (flag == "--search") {
      auto v = value();
      if (!v) return v.error();
      const uint64_t seed = o.request.search.seed;
      auto spec = parse_search(*v);
      if (!spec) return flag_error(flag, spec.error().message);
      o.request.search = *spec;
      o.request.search.seed = seed;
    } else if (flag == "--seed") {
      auto v = value();
      if (!v) return v.error();
      uint64_t seed = 0;
      auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), seed);
      if (ec != std::errc() || p != v->data() + v->size() || v->empty()) return flag_error(flag, "expected a whole number ≥ 0");
      o.request.search.seed = seed;
    } else if (flag == "--shard") {
      auto v = value();
      if (!v) return v.error();
      const auto slash = v->find('/');
      int64_t k = 0, n = 0;
      const char* begin = v->data();
      const char* end = v->data() + v->size();
      auto [p1, e1] = std::from_chars(begin, slash == std::string::npos ? end : begin + slash, k);
      bool ok = slash != std::string::npos && e1 == std::errc() && p1 == begin + slash;
      if (ok) {
        auto [p2, e2] = std::from_chars(begin + slash + 1, end, n);
        ok = e2 == std::errc() && p2 == end;
      }
      if (!ok || n < 1 || k < 1 || k > n || n > 1'000'000) {
        return flag_error(flag, "expected K/N with 1 ≤ K ≤ N (the K-th of N slices), found '" + *v + "'");
      }
      o.request.shard_index = k - 1;
      o.request.shard_count = n;
    } else if (flag == "--no-stats") {
      o.statistics = false;
    } else if (flag == "--is" || flag == "--oos" || flag == "--step") {
      auto v = value();
      if (!v) return v.error();
      auto w = parse_window_length(*v, flag);
      if (!w) return w.error();
      if (flag == "--is") o.walk.in_sample = *w, o.is_given = true;
      if (flag == "--oos") o.walk.out_of_sample = *w, o.oos_given = true;
      if (flag == "--step") o.walk.step = *w;
    } else if (flag == "--anchored") {
      o.walk.anchored = true;
    } else if (flag == "--threads" || flag == "--top" || flag == "--max-combinations" || flag == "--rerun" ||
               flag == "--bars" || flag == "--pbo-blocks" || flag == "--mc-paths" || flag == "--keep-top") {
      auto v = number();
      if (!v) return v.error();
      // Above 2^53 a double is no exact count, and converting one past 2^63 is undefined.
      if (*v != std::floor(*v) || *v < 0 || *v > 9007199254740992.0) return flag_error(flag, "expected a whole number");
      const auto n = static_cast<int64_t>(*v);
      if ((flag == "--threads" || flag == "--top") && n > 1'000'000) return flag_error(flag, "expected at most 1000000");
      if (flag == "--threads") o.request.threads = static_cast<int>(n);
      if (flag == "--top") o.top = static_cast<int>(n);
      if (flag == "--max-combinations") o.request.max_combinations = n;
      if (flag == "--rerun") o.rerun = n;
      if (flag == "--keep-top") {
        if (n < 1) return flag_error(flag, "expected at least 1 trial");
        o.keep_top = n;
      }
      if (flag == "--bars") o.bench_bars = n;
      if (flag == "--pbo-blocks") {
        if (n != 0 && (n < 2 || n > 32 || n % 2 != 0)) return flag_error(flag, "expected an even number from 2 to 32 (0: no PBO)");
        o.pbo_blocks = static_cast<int>(n);
      }
      if (flag == "--mc-paths") {
        if (n < 1 || n > 1'000'000) return flag_error(flag, "expected 1 to 1000000 paths");
        o.mc_paths = static_cast<int>(n);
      }
    } else {
      return flag_error(flag, "unknown option; try 'atf help'");
    }
  }
  if (o.command == "backtest" || o.command == "optimize" || o.command == "walkforward") {
    if (o.data_path.empty()) return flag_error("--data", "is required");
    if (o.request.base.strategy.empty() && o.script_path.empty()) return flag_error("--strategy", "is required (or --script FILE.pine)");
    if (!o.request.base.strategy.empty() && !o.script_path.empty()) {
      return flag_error("--script", "give either --strategy or --script, not both");
    }
  }
  if (o.command == "check" && o.script_path.empty()) return flag_error("check", "needs a script file: atf check FILE.pine");
  if (o.script_path.empty() && o.request.base.mintick > 0) return flag_error("--mintick", "only applies to a Pine script (--script FILE.pine)");
  if (o.script_path.empty() && (!o.inputs.empty() || !o.inputs_file.empty())) {
    return flag_error(!o.inputs.empty() ? "--input" : "--inputs", "only applies to a Pine script (--script FILE.pine)");
  }
  if ((o.command == "optimize" || o.command == "walkforward") && o.request.axes.empty()) {
    return flag_error("--axis", "at least one is required");
  }
  if (o.request.shard_count > 1 && o.command != "optimize") return flag_error("--shard", "only applies to optimize");
  if (o.request.shard_count > 1 && o.rerun >= 0) return flag_error("--shard", "does not combine with --rerun");
  if (o.keep_top > 0 && o.command != "optimize") return flag_error("--keep-top", "only applies to optimize");
  if (o.keep_top > 0 && o.rerun >= 0) return flag_error("--keep-top", "does not combine with --rerun");
  if (o.command == "walkforward") {
    if (!o.is_given) return flag_error("--is", "is required (in-sample length: N bars, or Nd, Nw, Nm, Ny)");
    if (!o.oos_given) return flag_error("--oos", "is required (out-of-sample length: N bars, or Nd, Nw, Nm, Ny)");
  } else if (o.is_given || o.oos_given || o.walk.step || o.walk.anchored) {
    return flag_error(o.is_given ? "--is" : o.oos_given ? "--oos" : o.walk.step ? "--step" : "--anchored",
                      "only applies to walkforward");
  }
  if (!o.trades_csv_path.empty() && o.command != "backtest" && !(o.command == "optimize" && o.rerun >= 0)) {
    return flag_error("--trades-csv", "only applies to backtest (or optimize --rerun INDEX)");
  }
  if (o.command == "bench" && o.bench_bars < 1000) return flag_error("--bars", "must be at least 1000");
  return o;
}

}  // namespace atf::cli
