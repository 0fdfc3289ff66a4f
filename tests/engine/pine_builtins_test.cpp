// The math.*, array.* and str.* built-ins, called through the registry as the VM calls them.
// Expected values are worked by hand; the formatting cases are TradingView's documented outputs.
#include <catch2/catch.hpp>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "../../engine/src/pine/builtin.h"
#include "../../engine/src/pine/checker.h"

using namespace atf::pine;

namespace {

/// The built-in whose signature starts with `prefix` (give the parameter list with its ')' to
/// pick one overload).
const BuiltinFunction& builtin(const std::string& prefix) {
  for (const auto& f : builtin_registry().functions()) {
    if (f.signature.compare(0, prefix.size(), prefix) == 0) return f;
  }
  FAIL("no built-in with signature " << prefix);
  throw;
}

struct Ctx {
  Heap heap;
  uint64_t rng = 42;
  CallContext cx;
  std::vector<std::unique_ptr<CallState>> states;
  Ctx() {
    cx.heap = &heap;
    cx.rng = &rng;
    cx.mintick = 0.01;
  }
  /// Calls a stateless built-in (or a stateful one with a fresh state) and returns out[0].
  Value call(const std::string& sig, std::vector<Value> args) {
    const auto& f = builtin(sig);
    std::unique_ptr<CallState> st = f.make_state ? f.make_state() : nullptr;
    Value out[2] = {kNa, kNa};
    f.impl(cx, args.data(), out, st.get());
    return out[0];
  }
  Value s(const std::string& text) { return heap.new_string(text); }
  std::string text(Value h) { return heap.str(h); }
  std::string str_call(const std::string& sig, std::vector<Value> args) { return text(call(sig, std::move(args))); }
  Value floats(std::vector<Value> v) { return heap.new_array(ElemKind::kFloat, std::move(v)); }
  Value ints(std::vector<Value> v) { return heap.new_array(ElemKind::kInt, std::move(v)); }
  Value strings(const std::vector<std::string>& v) {
    std::vector<Value> h;
    for (const auto& x : v) h.push_back(s(x));
    return heap.new_array(ElemKind::kString, std::move(h));
  }
  std::vector<Value> items(Value a) { return heap.array(a).items; }
};

std::string error_of(Ctx& c, const std::string& sig, std::vector<Value> args) {
  try {
    c.call(sig, std::move(args));
  } catch (const RuntimeError& e) {
    return e.what();
  }
  return "no error";
}

const BuiltinConstant& constant(const std::string& name) {
  for (const auto& k : builtin_registry().constants()) {
    if (k.name == name) return k;
  }
  FAIL("no constant " << name);
  throw;
}

}  // namespace

// ---------------------------------------------------------------- math

TEST_CASE("math: constants and one-argument functions", "[pine_builtins]") {
  Ctx c;
  CHECK(constant("math.pi").value == Approx(3.14159265358979));
  CHECK(constant("math.phi").value == Approx(1.6180339887));
  CHECK(constant("math.rphi").value == Approx(0.6180339887));
  CHECK(constant("math.e").type == "const float");
  CHECK(c.call("math.abs(", {-3}) == 3);
  CHECK(c.call("math.floor(", {-1.2}) == -2);
  CHECK(c.call("math.ceil(", {1.2}) == 2);
  CHECK(c.call("math.sign(", {-0.5}) == -1);
  CHECK(c.call("math.sign(", {0}) == 0);
  CHECK(is_na(c.call("math.sign(", {kNa})));
  CHECK(c.call("math.sqrt(", {16}) == 4);
  CHECK(is_na(c.call("math.sqrt(", {-1})));
  CHECK(c.call("math.pow(", {2, 10}) == 1024);
  CHECK(c.call("math.log10(", {1000}) == Approx(3));
  CHECK(c.call("math.todegrees(", {constant("math.pi").value}) == Approx(180));
  CHECK(c.call("math.toradians(", {90}) == Approx(constant("math.pi").value / 2));
  CHECK(is_na(c.call("math.abs(", {kNa})));
}

TEST_CASE("math: max/min/avg are variadic and propagate na", "[pine_builtins]") {
  Ctx c;
  CHECK(c.call("math.max(number number0, number number1)", {3, 7}) == 7);
  CHECK(c.call("math.max(number number0, number number1, number number2)", {3, 9, 7}) == 9);
  CHECK(c.call("math.min(number number0, number number1, number number2, number number3)", {3, 9, -7, 1}) == -7);
  CHECK(is_na(c.call("math.max(number number0, number number1)", {1, kNa})));
  CHECK(is_na(c.call("math.min(number number0, number number1)", {kNa, 1})));
  CHECK(c.call("math.avg(number number0, number number1, number number2)", {1, 2, 6}) == 3);
  CHECK(is_na(c.call("math.avg(number number0, number number1)", {1, kNa})));
  // 2..10 arguments each.
  int maxes = 0;
  for (const auto& f : builtin_registry().functions()) maxes += f.signature.rfind("math.max(", 0) == 0;
  CHECK(maxes == 9);
  CHECK(builtin("math.max(number number0, number number1)").signature.find("-> number") != std::string::npos);
}

TEST_CASE("math.round: half away from zero; with precision on the decimal form", "[pine_builtins]") {
  Ctx c;
  const std::string r = "math.round(number number)", rp = "math.round(number number, int precision)";
  CHECK(c.call(r, {2.5}) == 3);
  CHECK(c.call(r, {-2.5}) == -3);
  CHECK(c.call(r, {2.4999}) == 2);
  CHECK(is_na(c.call(r, {kNa})));
  CHECK(c.call(rp, {2.675, 2}) == 2.68);  // the double 2.675 is 2.67499999…, TradingView gives 2.68
  CHECK(c.call(rp, {1.005, 2}) == 1.01);
  CHECK(c.call(rp, {-1.005, 2}) == -1.01);
  CHECK(c.call(rp, {1.23456, 3}) == 1.235);
  CHECK(c.call(rp, {9.995, 2}) == 10);
  CHECK(c.call(rp, {1234.5, 0}) == 1235);
  CHECK(c.call(rp, {1234, -2}) == 1200);
  CHECK(builtin(r).signature.find("-> int") != std::string::npos);
  CHECK(builtin(rp).signature.find("-> float") != std::string::npos);
}

TEST_CASE("math.round_to_mintick rounds to the tick, ties up", "[pine_builtins]") {
  Ctx c;
  CHECK(c.call("math.round_to_mintick(", {1.234}) == 1.23);
  CHECK(c.call("math.round_to_mintick(", {1.235}) == 1.24);
  CHECK(c.call("math.round_to_mintick(", {-1.236}) == -1.24);
  c.cx.mintick = 0.25;
  CHECK(c.call("math.round_to_mintick(", {1.36}) == 1.25);
  CHECK(c.call("math.round_to_mintick(", {1.375}) == 1.5);
  CHECK(is_na(c.call("math.round_to_mintick(", {kNa})));
}

TEST_CASE("math.sum: rolling sum of the last non-na values, per call site", "[pine_builtins]") {
  Ctx c;
  const auto& f = builtin("math.sum(");
  REQUIRE(f.make_state != nullptr);
  auto st = f.make_state();
  auto step = [&](double x, double len) {
    Value args[2] = {x, len}, out[1] = {kNa};
    f.impl(c.cx, args, out, st.get());
    return out[0];
  };
  CHECK(is_na(step(1, 3)));
  CHECK(is_na(step(2, 3)));
  CHECK(step(3, 3) == 6);
  CHECK(step(4, 3) == 9);
  CHECK(step(kNa, 3) == 9);   // an na bar leaves the window as it is
  CHECK(step(10, 3) == 17);   // 3 + 4 + 10
  CHECK(step(1, 2) == 11);    // a shorter length: 10 + 1
  CHECK(step(1, 4) == 16);    // a longer one: 4 + 10 + 1 + 1
  // Another call site starts empty.
  auto st2 = f.make_state();
  Value args[2] = {5, 1}, out[1] = {kNa};
  f.impl(c.cx, args, out, st2.get());
  CHECK(out[0] == 5);
  CHECK(error_of(c, "math.sum(", {1, 0}) == "math.sum: invalid length 0, it must be greater than 0");
}

TEST_CASE("math.sum does not drift over many bars", "[pine_builtins]") {
  Ctx c;
  const auto& f = builtin("math.sum(");
  auto st = f.make_state();
  double last = 0;
  for (int i = 0; i < 200000; ++i) {
    Value args[2] = {0.1 * (i % 7) + 1e6 * (i % 3 == 0), 10}, out[1];
    f.impl(c.cx, args, out, st.get());
    last = out[0];
  }
  double expect = 0;
  for (int i = 200000 - 10; i < 200000; ++i) expect += 0.1 * (i % 7) + 1e6 * (i % 3 == 0);
  CHECK(last == Approx(expect).epsilon(1e-15));
}

TEST_CASE("math.random: deterministic per run seed, repeatable with a seed", "[pine_builtins]") {
  Ctx a, b;
  const auto& f = builtin("math.random(");
  auto sa = f.make_state(), sb = f.make_state();
  std::vector<double> xa, xb;
  for (int i = 0; i < 50; ++i) {
    Value args[3] = {10, 20, kNa}, out[1];
    f.impl(a.cx, args, out, sa.get());
    xa.push_back(out[0]);
    f.impl(b.cx, args, out, sb.get());
    xb.push_back(out[0]);
  }
  CHECK(xa == xb);  // same run seed, same sequence
  for (double x : xa) {
    CHECK(x >= 10);
    CHECK(x < 20);
  }
  CHECK(xa[0] != xa[1]);
  // A seeded call site repeats its sequence whatever the run's generator is.
  b.rng = 999;
  auto s1 = f.make_state(), s2 = f.make_state();
  for (int i = 0; i < 5; ++i) {
    Value args[3] = {0, 1, 7}, o1[1], o2[1];
    f.impl(a.cx, args, o1, s1.get());
    f.impl(b.cx, args, o2, s2.get());
    CHECK(o1[0] == o2[0]);
  }
}

// ---------------------------------------------------------------- array

TEST_CASE("array: creation, from, get/set with negative indices", "[pine_builtins]") {
  Ctx c;
  const Value a = c.call("array.new_float(", {3, 1.5});
  CHECK(c.items(a) == std::vector<Value>{1.5, 1.5, 1.5});
  CHECK(c.heap.array(a).elem == ElemKind::kFloat);
  CHECK(c.items(c.call("array.new_int(", {0, kNa})).empty());
  const Value b = c.call("array.from(int arg0, int arg1, int arg2)", {10, 20, 30});
  CHECK(c.heap.array(b).elem == ElemKind::kInt);
  CHECK(c.call("array.get(", {b, 1}) == 20);
  CHECK(c.call("array.get(", {b, -1}) == 30);
  c.call("array.set(", {b, -3, 11});
  CHECK(c.items(b) == std::vector<Value>{11, 20, 30});
  CHECK(c.heap.array(c.call("array.from(string arg0)", {c.s("x")})).elem == ElemKind::kString);
  CHECK(error_of(c, "array.get(", {b, 5}) == "array.get: index 5 is out of bounds, array size is 3");
  CHECK(error_of(c, "array.set(", {b, -4, 0}) == "array.set: index -4 is out of bounds, array size is 3");
  CHECK(error_of(c, "array.get(", {kNa, 0}) == "array.get: array is na");
  CHECK(error_of(c, "array.new_float(", {-1, kNa}) == "array.new_float: cannot create an array with a negative size");
  CHECK(error_of(c, "array.new_float(", {100001, kNa}) ==
        "array.new_float: array is too large, maximum size is 100000");
  int froms = 0;
  for (const auto& f : builtin_registry().functions()) froms += f.signature.rfind("array.from(", 0) == 0;
  CHECK(froms == 16 * 5);
}

TEST_CASE("array: push/pop/shift/unshift/insert/remove/first/last/size/clear", "[pine_builtins]") {
  Ctx c;
  const Value a = c.floats({});
  c.call("array.push(", {a, 1});
  c.call("array.push(", {a, 2});
  c.call("array.unshift(", {a, 0});
  c.call("array.insert(", {a, 1, 0.5});
  c.call("array.insert(", {a, kNa, 3});  // an na index appends
  CHECK(c.items(a) == std::vector<Value>{0, 0.5, 1, 2, 3});
  CHECK(c.call("array.remove(", {a, 1}) == 0.5);
  CHECK(c.call("array.pop(", {a}) == 3);
  CHECK(c.call("array.shift(", {a}) == 0);
  CHECK(c.items(a) == std::vector<Value>{1, 2});
  CHECK(c.call("array.first(", {a}) == 1);
  CHECK(c.call("array.last(", {a}) == 2);
  CHECK(c.call("array.size(", {a}) == 2);
  c.call("array.clear(", {a});
  CHECK(c.call("array.size(", {a}) == 0);
  CHECK(error_of(c, "array.pop(", {a}) == "array.pop: cannot use pop() if the array is empty");
  CHECK(error_of(c, "array.shift(", {a}) == "array.shift: cannot use shift() if the array is empty");
  CHECK(error_of(c, "array.first(", {a}) == "array.first: index 0 is out of bounds, array size is 0");
  CHECK(error_of(c, "array.insert(", {a, 2, 1}) == "array.insert: index 2 is out of bounds, array size is 0");
  CHECK(error_of(c, "array.remove(", {a, 0}) == "array.remove: index 0 is out of bounds, array size is 0");
}

TEST_CASE("array: search (numbers and strings by text)", "[pine_builtins]") {
  Ctx c;
  const Value a = c.floats({5, 3, 5, kNa});
  CHECK(c.call("array.includes(", {a, 3}) == 1);
  CHECK(c.call("array.includes(", {a, 4}) == 0);
  CHECK(c.call("array.indexof(", {a, 5}) == 0);
  CHECK(c.call("array.lastindexof(", {a, 5}) == 2);
  CHECK(c.call("array.indexof(", {a, 9}) == -1);
  CHECK(c.call("array.indexof(", {a, kNa}) == 3);
  const Value s = c.strings({"a", "b"});
  CHECK(c.call("array.indexof(", {s, c.s("b")}) == 1);  // another handle, same text
  const Value sorted = c.floats({1, 3, 5, 7});
  CHECK(c.call("array.binary_search(", {sorted, 5}) == 2);
  CHECK(c.call("array.binary_search(", {sorted, 4}) == -1);
  CHECK(c.call("array.binary_search_leftmost(", {sorted, 4}) == 1);
  CHECK(c.call("array.binary_search_rightmost(", {sorted, 4}) == 2);
}

TEST_CASE("array: statistics skip na", "[pine_builtins]") {
  Ctx c;
  const Value a = c.floats({4, kNa, 1, 3, 2, 2});
  CHECK(c.call("array.sum(array<float>", {a}) == 12);
  CHECK(c.call("array.avg(array<float>", {a}) == 2.4);
  CHECK(c.call("array.min(array<float>", {a, 0}) == 1);
  CHECK(c.call("array.min(array<float>", {a, 1}) == 2);
  CHECK(c.call("array.max(array<float>", {a, 0}) == 4);
  CHECK(c.call("array.max(array<float>", {a, 1}) == 3);
  CHECK(is_na(c.call("array.max(array<float>", {a, 5})));
  CHECK(c.call("array.range(array<float>", {a}) == 3);
  CHECK(c.call("array.median(array<float>", {a}) == 2);
  CHECK(c.call("array.median(array<float>", {c.floats({1, 2, 3, 10})}) == 2.5);
  CHECK(c.call("array.mode(array<float>", {a}) == 2);
  CHECK(c.call("array.mode(array<float>", {c.floats({3, 1, 3, 1})}) == 1);  // ties: the smallest
  // [1, 2, 3, 4]: mean 2.5, squared deviations 5 → biased variance 1.25, unbiased 5/3.
  const Value b = c.floats({1, 2, 3, 4});
  CHECK(c.call("array.variance(array<float>", {b, 1}) == 1.25);
  CHECK(c.call("array.variance(array<float>", {b, 0}) == Approx(5.0 / 3));
  CHECK(c.call("array.stdev(array<float>", {b, 1}) == Approx(std::sqrt(1.25)));
  CHECK(c.call("array.stdev(array<float>", {c.floats({7}), 1}) == 0);
  CHECK(c.call("array.covariance(array<float>", {b, c.floats({2, 4, 6, 8}), 1}) == 2.5);
  CHECK(c.items(c.call("array.standardize(array<float>", {c.floats({1, 3})})) == std::vector<Value>{-1, 1});
  const Value empty = c.floats({kNa});
  CHECK(is_na(c.call("array.sum(array<float>", {empty})));
  CHECK(is_na(c.call("array.avg(array<float>", {empty})));
  CHECK(is_na(c.call("array.median(array<float>", {empty})));
  CHECK(builtin("array.sum(array<int>").signature.find("-> series int") != std::string::npos);
}

TEST_CASE("array: percentiles and percentrank", "[pine_builtins]") {
  Ctx c;
  const Value a = c.floats({10, 20, 30, 40});
  CHECK(c.call("array.percentrank(array<float>", {a, 0}) == 0);
  CHECK(c.call("array.percentrank(array<float>", {a, 2}) == Approx(200.0 / 3));  // 3 at or below → 2/3
  CHECK(c.call("array.percentrank(array<float>", {a, 3}) == 100);
  CHECK(error_of(c, "array.percentrank(array<float>", {a, 4}) ==
        "array.percentrank: index 4 is out of bounds, array size is 4");
  // Linear: position n·p/100 + 0.5 (1-based). 50% → 2.5 → between 20 and 30.
  CHECK(c.call("array.percentile_linear_interpolation(array<float>", {a, 50}) == 25);
  CHECK(c.call("array.percentile_linear_interpolation(array<float>", {a, 10}) == 10);
  CHECK(c.call("array.percentile_linear_interpolation(array<float>", {a, 60}) == 29);  // 2.9 → 20·0.1 + 30·0.9
  CHECK(c.call("array.percentile_linear_interpolation(array<float>", {a, 100}) == 40);
  // Nearest rank: ceil(n·p/100).
  CHECK(c.call("array.percentile_nearest_rank(array<float>", {a, 50}) == 20);
  CHECK(c.call("array.percentile_nearest_rank(array<float>", {a, 51}) == 30);
  CHECK(c.call("array.percentile_nearest_rank(array<float>", {a, 0}) == 10);
  CHECK(error_of(c, "array.percentile_nearest_rank(array<float>", {a, 101}) ==
        "array.percentile_nearest_rank: percentage must be between 0 and 100, got 101");
}

TEST_CASE("array: sort, sort_indices, reverse", "[pine_builtins]") {
  Ctx c;
  CHECK(constant("order.ascending").type == "const int");
  const double asc = constant("order.ascending").value, desc = constant("order.descending").value;
  const Value a = c.floats({30, kNa, 10, 20});
  const Value idx = c.call("array.sort_indices(", {a, asc});
  CHECK(c.items(idx) == std::vector<Value>{2, 3, 0, 1});
  CHECK(c.heap.array(idx).elem == ElemKind::kInt);
  c.call("array.sort(", {a, asc});
  const auto sorted = c.items(a);
  CHECK(sorted[0] == 10);
  CHECK(sorted[2] == 30);
  CHECK(is_na(sorted[3]));  // na last
  c.call("array.sort(", {a, desc});
  CHECK(is_na(c.items(a)[0]));
  CHECK(c.items(a)[1] == 30);
  const Value s = c.strings({"pear", "apple", "fig"});
  c.call("array.sort(", {s, asc});
  CHECK(c.str_call("array.join(", {s, c.s(",")}) == "apple,fig,pear");
  c.call("array.reverse(", {s});
  CHECK(c.str_call("array.join(", {s, c.s(",")}) == "pear,fig,apple");
}

TEST_CASE("array: slice (a copy), copy, concat, fill, abs, every, some", "[pine_builtins]") {
  Ctx c;
  const Value a = c.ints({1, -2, 3, -4});
  const Value sl = c.call("array.slice(", {a, 1, 3});
  CHECK(c.items(sl) == std::vector<Value>{-2, 3});
  CHECK(c.heap.array(sl).elem == ElemKind::kInt);
  CHECK(c.items(c.call("array.slice(", {a, kNa, 2})) == std::vector<Value>{1, -2});
  CHECK(error_of(c, "array.slice(", {a, 3, 1}) == "array.slice: index_from (3) should be less than index_to (1)");
  CHECK(error_of(c, "array.slice(", {a, 0, 5}) == "array.slice: index 5 is out of bounds, array size is 4");
  const Value cp = c.call("array.copy(", {a});
  c.call("array.set(", {cp, 0, 100});
  CHECK(c.items(a)[0] == 1);  // the copy is independent
  CHECK(c.call("array.concat(", {a, c.ints({5})}) == a);
  CHECK(c.items(a).size() == 5);
  CHECK(c.items(c.call("array.abs(array<int>", {a})) == std::vector<Value>{1, 2, 3, 4, 5});
  c.call("array.fill(", {a, 0, 1, 3});
  CHECK(c.items(a) == std::vector<Value>{1, 0, 0, -4, 5});
  c.call("array.fill(", {a, 9, 0, kNa});
  CHECK(c.items(a) == std::vector<Value>(5, 9));
  const Value bools = c.heap.new_array(ElemKind::kBool, {1, 1, 0});
  CHECK(c.call("array.every(array<bool>", {bools}) == 0);
  CHECK(c.call("array.some(array<bool>", {bools}) == 1);
}

TEST_CASE("array.join prints floats as Java does, ints as integers", "[pine_builtins]") {
  Ctx c;
  CHECK(c.str_call("array.join(", {c.floats({5, 2.5, -0.125}), c.s(",")}) == "5.0,2.5,-0.125");
  CHECK(c.str_call("array.join(", {c.floats({1.0 / 3, 1e8, 1e-7}), c.s(";")}) == "0.3333333333333333;1.0E8;1.0E-7");
  CHECK(c.str_call("array.join(", {c.floats({1e7, 9999999, 0.00099, 123}), c.s(",")}) == "1.0E7,9999999.0,9.9E-4,123.0");
  CHECK(c.str_call("array.join(", {c.ints({1, 2, 3}), c.s("-")}) == "1-2-3");
  CHECK(c.str_call("array.join(", {c.floats({kNa, kNa}), c.s(",")}) == "NaN,NaN");
  const Value s = c.heap.new_array(ElemKind::kString, {c.s("x"), kNa, c.s("y")});
  CHECK(c.str_call("array.join(", {s, c.s(",")}) == "x,,y");  // an na string is ""
}

// ---------------------------------------------------------------- str

TEST_CASE("str.tostring without a format", "[pine_builtins]") {
  Ctx c;
  auto f = [&](double v) { return c.str_call("str.tostring(float value)", {v}); };
  CHECK(f(1.0 / 3) == "0.3333333333");
  CHECK(f(0.1 + 0.2) == "0.3");
  CHECK(f(-2.0 / 3) == "-0.6666666667");
  CHECK(f(12345.123456789012) == "12345.123456789");
  CHECK(f(0.12345678905) == "0.1234567891");
  CHECK(f(0.99999999995) == "0.9999999999");  // the double is just below the tie
  CHECK(f(1e-7) == "0.0000001");
  CHECK(f(1e-11) == "0");
  CHECK(f(5) == "5");
  CHECK(f(1e8) == "100000000");
  CHECK(f(1e20) == "100000000000000000000");
  CHECK(f(1e21) == "1E21");
  CHECK(f(1.23456789e25) == "1.23456789E25");
  CHECK(f(123456789012345678901234567890.0) == "1.2345678901E29");
  CHECK(f(-0.0) == "0");
  CHECK(f(kNa) == "NaN");
  CHECK(f(1e15 + 0.3) == "1000000000000000.2");
  CHECK(f(1e9 / 3) == "333333333.3333333");
  CHECK(f(-1e12 / 7) == "-142857142857.14285");
  CHECK(c.str_call("str.tostring(int value)", {-12}) == "-12");
  CHECK(c.str_call("str.tostring(bool value)", {1}) == "true");
  CHECK(c.str_call("str.tostring(bool value)", {0}) == "false");
  CHECK(c.str_call("str.tostring(string value)", {c.s("q")}) == "q");
  CHECK(c.str_call("str.tostring(string value)", {kNa}).empty());
  CHECK(c.str_call("str.tostring(array<T> value)", {c.floats({1.5, 2})}) == "[1.5, 2]");
  CHECK(c.str_call("str.tostring(array<T> value)", {c.heap.new_array(ElemKind::kBool, {1, 0})}) == "[true, false]");
}

TEST_CASE("str.tostring with a pattern or format.*", "[pine_builtins]") {
  Ctx c;
  auto t = [&](double v, const std::string& fmt) {
    return c.str_call("str.tostring(float value, string format)", {v, c.s(fmt)});
  };
  CHECK(constant("format.mintick").text == "mintick");
  CHECK(constant("format.percent").type == "const string");
  CHECK(t(1.2, "#.##") == "1.2");
  CHECK(t(1.2, "#.00") == "1.20");
  CHECK(t(-1.2, "#.###") == "-1.2");
  CHECK(t(3.99, "#") == "4");
  CHECK(t(1234.56789, "#,###.##") == "1,234.57");
  CHECK(t(1234567.891, "###,###,###.##") == "1,234,567.89");
  CHECK(t(0.1234, "#.##%") == "12.34%");
  // Ties half up on the shortest decimal form.
  CHECK(t(2.345, "#.##") == "2.35");
  CHECK(t(1.005, "#.##") == "1.01");
  CHECK(t(0.125, "#.##") == "0.13");
  CHECK(t(-0.125, "#.##") == "-0.13");
  CHECK(t(0.0005, "#.###") == "0.001");
  CHECK(t(0.5, "#") == "1");
  CHECK(t(-0.5, "#") == "-1");
  CHECK(t(-0.001, "#.##") == "0");
  CHECK(t(7, "000") == "007");
  // Patterns without digits are literal text before an integer.
  CHECK(t(2.5, "integer") == "integer3");
  CHECK(t(-0.4, "x") == "-x0");
  // format.*
  CHECK(t(1.2345, "mintick") == "1.23");
  CHECK(t(1.2, "mintick") == "1.20");
  CHECK(t(2, "mintick") == "2.00");
  CHECK(t(-1.236, "mintick") == "-1.24");
  c.cx.mintick = 0.25;
  CHECK(t(1.36, "mintick") == "1.25");
  c.cx.mintick = 2.5e-7;
  CHECK(t(0.00000124, "mintick") == "0.00000125");
  CHECK(t(0.123456, "percent") == "0.12%");
  CHECK(t(1, "percent") == "1.00%");
  CHECK(t(-0.5, "percent") == "-0.50%");
  CHECK(t(1.005, "percent") == "1.01%");
  CHECK(t(kNa, "percent") == "NaN%");
  CHECK(t(1234567, "volume") == "1.235M");
  CHECK(t(2500000000, "volume") == "2.5B");
  CHECK(t(999, "volume") == "999");
  CHECK(t(12.3456, "volume") == "12");
  CHECK(t(1000, "volume") == "1K");
  CHECK(t(999999, "volume") == "999.999K");
  CHECK(t(999.5, "volume") == "1000");
  CHECK(t(9999.5, "volume") == "10K");
  CHECK(t(1e15, "volume") == "1000T");
  CHECK(t(-5.5, "volume") == "-6");
  CHECK(t(kNa, "volume") == "NaN");
}

TEST_CASE("str.format: placeholders, Java number formats, quotes", "[pine_builtins]") {
  Ctx c;
  const std::string f1 = "str.format(string formatString, float arg0)";
  const std::string s1 = "str.format(string formatString, string arg0)";
  auto f = [&](const std::string& pat, double v) { return c.str_call(f1, {c.s(pat), v}); };
  CHECK(f("{0}", 1234.56789) == "1,234.568");
  CHECK(f("{0}", 1234567) == "1,234,567");
  CHECK(f("{0}", -12345.6789) == "-12,345.679");
  CHECK(f("{0}", 12.5) == "12.5");
  CHECK(f("{0}", 1.0 / 3) == "0.333");
  CHECK(f("{0}", 1e-7) == "0");
  CHECK(f("{0}", -0.0001) == "-0");
  CHECK(f("{0}", 1e21) == "1,000,000,000,000,000,000,000");
  CHECK(f("{0}", kNa) == "NaN");
  CHECK(f("{0,number}", 78545.97) == "78,545.97");
  CHECK(f("{0,number,#.##}", 1234.56789) == "1234.57");
  CHECK(f("{0,number,integer}", 1234.56789) == "1,235");
  CHECK(f("{0,number,integer}", 2.5) == "2");
  CHECK(f("{0,number,percent}", 0.1234) == "12%");
  CHECK(f("{0,number,percent}", -0.1234) == "-12%");
  CHECK(f("{0,number,currency}", 1234.56789) == "$1,234.57");
  CHECK(f("{0,number,currency}", -1234.567) == "-$1,234.57");
  CHECK(f("{0,number,#.00}", 1.2) == "1.20");
  CHECK(f("{0,number,#.##%}", 0.1234) == "12.34%");
  CHECK(f("{0, number, #.##}", 1.255) == " 1.25");
  CHECK(f("{0,NUMBER,#.##}", 1.255) == "1.25");
  CHECK(f("{0,number,'#'#}", 5) == "#5");
  // Ties: half even on the exact binary value.
  CHECK(f("{0,number,#.##}", 2.345) == "2.35");  // 2.34500000000000019…
  CHECK(f("{0,number,#.##}", 2.675) == "2.67");  // 2.67499999999999982…
  CHECK(f("{0,number,#.##}", 0.125) == "0.12");  // an exact tie: even
  CHECK(f("{0,number,#.##}", 0.375) == "0.38");
  CHECK(f("{0,number,#.###}", 0.0025) == "0.003");
  CHECK(f("{0,number,#.###}", 0.0005) == "0");
  CHECK(f("{0,number,#}", 1.5) == "2");
  CHECK(f("{0,number,#}", 2.5) == "2");
  CHECK(f("{0,number,#}", -0.5) == "-0");
  // Quotes and braces.
  CHECK(f("'{0}' {0}", 2.5) == "{0} 2.5");
  CHECK(f("''{0}", 2.5) == "'2.5");
  CHECK(f("it's {0}", 1) == "its {0}");
  CHECK(f("a}b {0}", 1) == "a}b 1");
  CHECK(f("{1,number,#.##} {0}", 5) == "{1} 5");  // a missing argument is echoed
  CHECK(c.str_call(s1, {c.s("Time to {0}!"), c.s("buy")}) == "Time to buy!");
  CHECK(c.str_call(s1, {c.s("[{0}]"), kNa}) == "[]");
  CHECK(c.str_call("str.format(string formatString, float arg0, string arg1, bool arg2)",
                   {c.s("{0} {1} {2}"), 1, c.s("equal"), 1}) == "1 equal true");
  CHECK(c.str_call("str.format(string formatString, string arg0, float arg1, float arg2, string arg3)",
                   {c.s("{3}{0}{1}{2}"), c.s("a"), 1, 2.5, c.s("z")}) == "za12.5");
  CHECK(error_of(c, f1, {c.s("x {0"), 1}) == "str.format: Unmatched braces in the pattern.");
  CHECK(error_of(c, f1, {c.s("{ 0 }"), 1}) == "str.format: can't parse argument number:  0 ");
  CHECK(error_of(c, f1, {c.s("{a}"), 1}) == "str.format: can't parse argument number: a");
  CHECK(error_of(c, f1, {c.s("{0,foo}"), 1}) == "str.format: unknown format type: foo");
  int overloads = 0;
  for (const auto& fn : builtin_registry().functions()) overloads += fn.signature.rfind("str.format(", 0) == 0;
  CHECK(overloads == 3 + 9 + 27 + 16 + 32 + 64 + 128 + 2 + 2 + 2);
}

TEST_CASE("str: search, case, replace, split, substring, pos, trim, repeat", "[pine_builtins]") {
  Ctx c;
  CHECK(c.call("str.contains(", {c.s("hello"), c.s("ell")}) == 1);
  CHECK(c.call("str.contains(", {c.s("hello"), c.s("xyz")}) == 0);
  CHECK(c.call("str.startswith(", {c.s("hello"), c.s("he")}) == 1);
  CHECK(c.call("str.endswith(", {c.s("hello"), c.s("he")}) == 0);
  CHECK(c.call("str.length(", {c.s("héllo")}) == 5);  // code points, not bytes
  CHECK(c.call("str.length(", {kNa}) == 0);
  CHECK(c.str_call("str.upper(", {c.s("aBc1")}) == "ABC1");
  CHECK(c.str_call("str.lower(", {c.s("aBc1")}) == "abc1");
  CHECK(c.str_call("str.replace(", {c.s("a-b-c"), c.s("-"), c.s("+"), 1}) == "a-b+c");
  CHECK(c.str_call("str.replace(", {c.s("aaa"), c.s("aa"), c.s("-"), 1}) == "a-");  // overlapping matches
  CHECK(c.str_call("str.replace(", {c.s("abc"), c.s("x"), c.s("-"), 0}) == "abc");
  CHECK(c.str_call("str.replace_all(", {c.s("a-b-c"), c.s("-"), c.s("")}) == "abc");
  const Value parts = c.call("str.split(", {c.s("a,,b"), c.s(",")});
  REQUIRE(c.items(parts).size() == 3);
  CHECK(c.heap.array(parts).elem == ElemKind::kString);
  CHECK(c.text(c.items(parts)[2]) == "b");
  CHECK(c.text(c.items(parts)[1]).empty());
  CHECK(c.items(c.call("str.split(", {c.s("héy"), c.s("")})).size() == 3);
  CHECK(c.str_call("str.substring(string source, int begin_pos)", {c.s("hello"), 3}) == "lo");
  CHECK(c.str_call("str.substring(string source, int begin_pos, int end_pos)", {c.s("hello"), 1, 3}) == "el");
  CHECK(error_of(c, "str.substring(string source, int begin_pos, int end_pos)", {c.s("hello"), 3, 1}) ==
        "str.substring: end_pos 1 is out of range (begin_pos 3, length 5)");
  CHECK(c.call("str.pos(", {c.s("hello"), c.s("l")}) == 2);
  CHECK(is_na(c.call("str.pos(", {c.s("hello"), c.s("z")})));
  CHECK(c.str_call("str.trim(", {c.s(" \t x y \n")}) == "x y");
  CHECK(c.str_call("str.repeat(", {c.s("ab"), 3, c.s("-")}) == "ab-ab-ab");
  CHECK(c.str_call("str.repeat(", {c.s("ab"), 0, c.s("")}).empty());
}

TEST_CASE("str.tonumber accepts plain decimals only", "[pine_builtins]") {
  Ctx c;
  auto n = [&](const std::string& s) { return c.call("str.tonumber(", {c.s(s)}); };
  CHECK(n(" 12 ") == 12);
  CHECK(n("+4") == 4);
  CHECK(n(".5") == 0.5);
  CHECK(n("5.") == 5);
  CHECK(n("-3.5") == -3.5);
  CHECK(n("007") == 7);
  CHECK(n("\t5") == 5);
  for (const char* bad : {"1e3", "0x10", "", "Infinity", "12abc", "1,000", "NaN", "-", ".", "- 5", "1.2.3"}) {
    INFO(bad);
    CHECK(is_na(n(bad)));
  }
}

TEST_CASE("str.format_time: Java date letters, fixed-offset timezones", "[pine_builtins]") {
  Ctx c;
  const std::string sig = "str.format_time(";
  const double t = 1704164645123;  // 2024-01-02 03:04:05.123 UTC, a Tuesday
  CHECK(c.str_call(sig, {0, kNa, kNa}) == "1970-01-01T00:00:00+0000");
  CHECK(c.str_call(sig, {t, c.s("yyyy-MM-dd HH:mm:ss.SSS"), c.s("UTC")}) == "2024-01-02 03:04:05.123");
  CHECK(c.str_call(sig, {t, c.s("EEE d MMM yy, h:mm a z"), c.s("GMT-05:30")}) == "Mon 1 Jan 24, 9:34 PM GMT-05:30");
  CHECK(c.str_call(sig, {t, c.s("EEEE MMMM dd 'at' HH'h' Z"), c.s("UTC+3")}) == "Tuesday January 02 at 06h +0300");
  c.cx.timezone_offset_ms = -3600000;  // the symbol's zone when none is given
  CHECK(c.str_call(sig, {t, c.s("HH:mm"), kNa}) == "02:04");
  CHECK(c.str_call(sig, {-86400000, c.s("yyyy-MM-dd"), c.s("UTC")}) == "1969-12-31");
  CHECK(is_na(c.call(sig, {kNa, kNa, kNa})));
  CHECK(error_of(c, sig, {t, c.s("HH"), c.s("Mars/Olympus")}).rfind("str.format_time: unsupported timezone", 0) == 0);
}

TEST_CASE("math/array/str signatures parse and resolve to the intended overloads", "[pine_builtins]") {
  REQUIRE_NOTHROW(builtin_signatures());
  auto arg = [](Base b, Qual q = Qual::kSeries) { return ArgInfo{"", Type::of(b, q), nullptr}; };
  auto arr = [](Base e) { return ArgInfo{"", Type::array_of(e), nullptr}; };
  auto bind = [](const std::string& name, std::vector<ArgInfo> args) {
    auto r = bind_call(name, args, 1, 1);
    REQUIRE(r);
    return r.value();
  };
  // math.max of const ints is a const int (usable as a simple length); with a float it is float.
  auto b = bind("math.max", {arg(Base::kInt, Qual::kConst), arg(Base::kInt, Qual::kConst)});
  CHECK(b.results[0].base == Base::kInt);
  CHECK(b.results[0].qual == Qual::kConst);
  CHECK(bind("math.max", {arg(Base::kInt), arg(Base::kFloat), arg(Base::kInt)}).results[0].base == Base::kFloat);
  CHECK(bind("math.round", {arg(Base::kFloat)}).results[0].base == Base::kInt);
  CHECK(bind("math.round", {arg(Base::kFloat), arg(Base::kInt)}).results[0].base == Base::kFloat);
  // str.format picks the overload typed like its arguments (int promotes to float).
  CHECK(bind("str.format", {arg(Base::kString), arg(Base::kInt), arg(Base::kString)}).sig->fn->signature ==
        "str.format(string formatString, float arg0, string arg1) -> string");
  CHECK(bind("str.format", {arg(Base::kString), arg(Base::kBool)}).sig->fn->signature ==
        "str.format(string formatString, bool arg0) -> string");
  CHECK(bind("str.tostring", {arg(Base::kBool)}).sig->fn->signature == "str.tostring(bool value) -> string");
  CHECK(bind("str.tostring", {arg(Base::kInt)}).sig->fn->signature == "str.tostring(int value) -> string");
  // array.from(1, 2.5) is a float array; array.get of a string array is a string.
  CHECK(bind("array.from", {arg(Base::kInt), arg(Base::kFloat)}).results[0].elem == Base::kFloat);
  CHECK(bind("array.from", {arg(Base::kInt), arg(Base::kInt)}).results[0].elem == Base::kInt);
  CHECK(bind("array.get", {arr(Base::kString), arg(Base::kInt)}).results[0].base == Base::kString);
  CHECK(bind("array.sum", {arr(Base::kInt)}).results[0].base == Base::kInt);
  CHECK(bind("array.sort", {arr(Base::kFloat)}).arg_of_param.size() == 2);  // order defaults
  CHECK_FALSE(bind_call("array.push", {arr(Base::kInt), arg(Base::kString)}, 1, 1));
}
