// Fuzz target: the parameter and axis parsers and the grid they build. The input is an `atf`
// command line, one argument per line ("optimize\n--strategy\nsma_cross\n--axis\nfast=5:30:5").
// It goes through cli::parse_args (--param name=value, --axis name=min:max:step | name=v1,v2,
// --objective, --size, --max-combinations, ...), then through the engine's validation
// (validate_request, or validate_optimization and Grid for optimize). Every argument holding '='
// is also given to parse_axis directly, with small limits. Checked: errors are validation or limit
// errors naming a field; parsed axes hold what their text says (count, order, finiteness, limit);
// the grid's size is the product of the axis sizes within the limit, and params_at decodes
// combination indexes in mixed radix; format_number reads back as the same double.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "atf/backtest.h"
#include "atf/optimizer.h"
#include "atf/params.h"
#include "atf/strategy.h"
#include "cli_args.h"
#include "fuzz_check.h"

namespace {

void check_number_text(double v) {
  if (!std::isfinite(v)) return;
  const std::string s = atf::format_number(v);
  FUZZ_CHECK(std::strtod(s.c_str(), nullptr) == v, "format_number does not read back: " + s);
}

void check_error(const atf::Error& e) {
  FUZZ_CHECK(e.code == atf::ErrorCode::kValidation || e.code == atf::ErrorCode::kLimit ||
                 e.code == atf::ErrorCode::kNotFound,
             std::string(atf::error_code_name(e.code)) + ": " + e.message);
  FUZZ_CHECK(!e.message.empty(), "an error without a message");
}

/// parse_axis on one text with a given limit, and what a successful parse must look like.
void check_axis(std::string_view text, int64_t max_values) {
  auto a = atf::parse_axis(text, max_values);
  if (!a) {
    check_error(a.error());
    FUZZ_CHECK(a.error().code != atf::ErrorCode::kNotFound, a.error().message);
    FUZZ_CHECK(a.error().field.rfind("axis", 0) == 0, "axis error on field '" + a.error().field + "'");
    return;
  }
  const size_t eq = text.find('=');
  FUZZ_CHECK(eq != std::string_view::npos && eq > 0 && a->name == text.substr(0, eq), "axis name");
  const std::string_view spec = text.substr(eq + 1);
  const auto& v = a->values;
  FUZZ_CHECK(!v.empty(), "an axis without values");
  FUZZ_CHECK(static_cast<int64_t>(v.size()) <= max_values, "axis over its limit: " + std::to_string(v.size()));
  for (size_t i = 0; i < v.size(); ++i) {
    FUZZ_CHECK(std::isfinite(v[i]), "non-finite axis value from '" + std::string(text) + "'");
    if (i < 8 || i + 8 >= v.size()) check_number_text(v[i]);  // the ends: formatting is slow
  }
  if (spec.find(':') != std::string_view::npos) {
    FUZZ_CHECK(std::count(spec.begin(), spec.end(), ':') == 2, "a range without exactly two ':'");
    FUZZ_CHECK(std::is_sorted(v.begin(), v.end()), "range values out of order: '" + std::string(text) + "'");
  } else {
    FUZZ_CHECK(static_cast<size_t>(std::count(spec.begin(), spec.end(), ',')) + 1 == v.size(), "list value count");
  }
}

/// The grid of a validated optimization: size, limit, and the mixed-radix decoding of params_at.
void check_grid(const atf::OptimizationRequest& req, const atf::Grid& g) {
  const auto& axes = g.axes();
  FUZZ_CHECK(axes.size() == req.axes.size(), "grid axes");
  double product = 1;
  for (const auto& a : axes) product *= static_cast<double>(a.values.size());
  FUZZ_CHECK(g.size() >= 1 && g.size() <= req.max_combinations, "grid size outside [1, limit]");
  FUZZ_CHECK(static_cast<double>(g.size()) == product, "grid size != product of axis sizes");
  const int64_t probes[] = {0, g.size() - 1, g.size() / 2, g.size() / 11 * 7};
  for (int64_t index : probes) {
    const atf::ParamMap p = g.params_at(index);
    int64_t rest = index;
    for (size_t i = axes.size(); i-- > 0;) {
      const auto n = static_cast<int64_t>(axes[i].values.size());
      auto it = p.find(axes[i].name);
      FUZZ_CHECK(it != p.end() && it->second == axes[i].values[static_cast<size_t>(rest % n)],
                 "params_at(" + std::to_string(index) + ") for axis " + axes[i].name);
      rest /= n;
    }
    FUZZ_CHECK(rest == 0, "index beyond the grid decoded");
    // Every combination is a complete parameter set of the strategy (values within range).
    const atf::StrategyInfo* info = atf::find_strategy(req.base.strategy);
    FUZZ_CHECK(info != nullptr && p.size() == info->params.size(), "params_at misses parameters");
    for (const auto& spec : info->params) FUZZ_CHECK(atf::check_param(spec, p.at(spec.name)).ok(), spec.name);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> args;
  for (size_t pos = 0; pos <= input.size();) {
    size_t nl = input.find('\n', pos);
    if (nl == std::string_view::npos) nl = input.size();
    args.emplace_back(input.substr(pos, nl - pos));
    pos = nl + 1;
  }

  for (const std::string& a : args) {
    if (a.find('=') == std::string::npos) continue;
    check_axis(a, 1);
    check_axis(a, 7);
    check_axis(a, 1000);
  }

  auto o = atf::cli::parse_args(args);
  if (!o) {
    check_error(o.error());
    // The field names the flag (or the command); only an empty argument leaves it empty.
    const bool empty_arg = std::find(args.begin(), args.end(), std::string()) != args.end();
    FUZZ_CHECK(!o.error().field.empty() || empty_arg, "a usage error without its flag: " + o.error().message);
    return 0;
  }
  const atf::OptimizationRequest& req = o->request;
  for (const auto& [name, value] : req.base.params) {
    FUZZ_CHECK(std::isfinite(value), "--param " + name + " accepted a non-finite value");
    check_number_text(value);
  }
  // (Each --axis is bounded by the --max-combinations in effect when it was read; the grid check
  // below applies the final limit.)
  for (const auto& axis : req.axes) FUZZ_CHECK(!axis.values.empty(), "--axis " + axis.name + " without values");
  if (o->command == "backtest") {
    auto st = atf::validate_request(req.base);
    if (!st) check_error(st.error());
    if (st) FUZZ_CHECK(atf::resolve_params(req.base.strategy, req.base.params).ok(), "validated params do not resolve");
  } else if (o->command == "optimize") {
    auto g = atf::validate_optimization(req);
    if (!g) {
      check_error(g.error());
      return 0;
    }
    check_grid(req, *g);
  }
  return 0;
}
