// Runs one Pine built-in directly through the registry, bar by bar, as the VM would: one call
// state per call site, one impl call per bar, arguments in declaration order (the caller passes
// every argument, defaults included).
#pragma once
#include <catch2/catch.hpp>
#include <cmath>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "../../engine/src/pine/builtin.h"
#include "atf/bars.h"

namespace atf::pine::test {

/// The name before '(' of a signature.
inline std::string_view signature_name(std::string_view sig) { return sig.substr(0, sig.find('(')); }

/// Number of parameters in a signature (top-level commas of its parameter list).
inline size_t signature_params(std::string_view sig) {
  const size_t open = sig.find('('), close = sig.find(')');
  std::string_view inner = sig.substr(open + 1, close - open - 1);
  if (inner.find_first_not_of(' ') == std::string_view::npos) return 0;
  size_t n = 1;
  int depth = 0;
  for (char c : inner) {
    if (c == '<' || c == '[') ++depth;
    else if (c == '>' || c == ']') --depth;
    else if (c == ',' && depth == 0) ++n;
  }
  return n;
}

/// Number of results: 1, or the element count of a tuple "-> [a, b, c]".
inline size_t signature_results(std::string_view sig) {
  const size_t arrow = sig.find("->");
  std::string_view res = sig.substr(arrow + 2);
  if (res.find('[') == std::string_view::npos) return 1;
  size_t n = 1;
  for (char c : res)
    if (c == ',') ++n;
  return n;
}

/// The first registered function named `name` whose parameter count is `nargs`.
inline const BuiltinFunction& find_builtin(std::string_view name, size_t nargs) {
  for (const BuiltinFunction& f : builtin_registry().functions())
    if (signature_name(f.signature) == name && signature_params(f.signature) == nargs) return f;
  throw std::runtime_error("no built-in " + std::string(name) + " with " + std::to_string(nargs) + " arguments");
}

/// One call site of a built-in over a set of bars.
class Site {
 public:
  Site(std::string_view name, size_t nargs) : fn_(&find_builtin(name, nargs)), nargs_(nargs) {
    if (fn_->make_state) state_ = fn_->make_state();
    results_ = signature_results(fn_->signature);
  }
  /// Calls the built-in for bar cx.t; returns its results.
  std::vector<double> call(CallContext& cx, const std::vector<double>& args) {
    if (args.size() != nargs_) throw std::runtime_error("wrong argument count for " + fn_->signature);
    std::vector<double> out(results_, std::nan("0x7e57"));
    fn_->impl(cx, args.data(), out.data(), state_.get());
    return out;
  }
  const BuiltinFunction& function() const { return *fn_; }

 private:
  const BuiltinFunction* fn_;
  std::unique_ptr<CallState> state_;
  size_t nargs_, results_ = 1;
};

/// Smallest power of ten (≤ 1e8) that puts every price of the bars on an integer grid.
inline double price_scale_of(const Bars& b) {
  double scale = 1;
  for (int d = 0; d <= 8; ++d, scale *= 10) {
    bool ok = true;
    for (const auto* col : {&b.open, &b.high, &b.low, &b.close})
      for (double v : *col)
        if (std::round(v * scale) / scale != v) {
          ok = false;
          break;
        }
    if (ok) return scale;
  }
  return 1e8;
}

/// Runs one call site on every bar; `args(t)` gives the arguments of bar t. Returns out[bar][k].
class Runner {
 public:
  explicit Runner(const Bars& bars, double price_scale = 0) : bars_(bars) {
    cx_.heap = &heap_;
    cx_.bars = &bars_;
    cx_.price_scale = price_scale > 0 ? price_scale : price_scale_of(bars_);
    cx_.rng = &rng_;
  }
  std::vector<std::vector<double>> run(std::string_view name, size_t nargs,
                                       const std::function<std::vector<double>(size_t)>& args) {
    Site site(name, nargs);
    std::vector<std::vector<double>> out;
    out.reserve(bars_.size());
    for (size_t t = 0; t < bars_.size(); ++t) {
      cx_.t = t;
      out.push_back(site.call(cx_, args(t)));
    }
    return out;
  }
  /// Column k of run().
  std::vector<double> series(std::string_view name, size_t nargs, const std::function<std::vector<double>(size_t)>& args,
                             size_t k = 0) {
    std::vector<double> s;
    for (auto& row : run(name, nargs, args)) s.push_back(row.at(k));
    return s;
  }
  CallContext& cx() { return cx_; }
  Heap& heap() { return heap_; }
  const Bars& bars() const { return bars_; }

 private:
  Bars bars_;
  Heap heap_;
  CallContext cx_;
  uint64_t rng_ = 1;
};

}  // namespace atf::pine::test
