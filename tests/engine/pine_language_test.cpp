// Pine Script language semantics, end to end: each script is compiled with atf::compile_pine and
// run over a few hand-made bars with atf::run_backtest; expectations are worked out by hand from
// TradingView's User Manual (execution model, type system, time series, loops, functions).
//
// Unless a test says otherwise, bars come from pine_test::ramp(n): daily bars from 2024-01-01
// (a Monday) with closes 10, 11, 12, ... (open = close, high = close + 1, low = close − 1).
// indicator()/strategy() helpers put the body on line 3.
#include <catch2/catch.hpp>

#include "pine_test_util.h"

using namespace atf;
using namespace atf::pine_test;

// ---------------------------------------------------------------- literals and arithmetic

TEST_CASE("Pine: literals and int/float arithmetic", "[pine_lang]") {
  const auto p = run(indicator(R"(
a = 7 / 2
b = 7 % 3
c = -7 % 3
d = 1 / 0
e = 5 % 0
f = 2 + 3 * 4 - 10 / 4
g = (2 + 3) * 4
h = 10 - 4 - 3
i = 1e3 + .5
j = int(7.9) + int(-7.9)
k = 2 * -3
l = bar_index / 2
m = bar_index % 2
n = 1.5e-1 * 10
o = float(3) / 2
plot(a, "a")
plot(b, "b")
plot(c, "c")
plot(d, "d")
plot(e, "e")
plot(f, "f")
plot(g, "g")
plot(h, "h")
plot(i, "i")
plot(j, "j")
plot(k, "k")
plot(l, "l")
plot(m, "m")
plot(n, "n")
plot(o, "o"))"),
                     ramp(3));
  CHECK_SERIES(p, "a", {3.5, 3.5, 3.5});     // v6: int / int is a float
  CHECK_SERIES(p, "b", {1, 1, 1});
  CHECK_SERIES(p, "c", {-1, -1, -1});        // the remainder takes the dividend's sign
  CHECK_SERIES(p, "d", {na, na, na});        // division by zero is na
  CHECK_SERIES(p, "e", {na, na, na});
  CHECK_SERIES(p, "f", {11.5, 11.5, 11.5});  // 2 + 12 − 2.5: * and / bind tighter
  CHECK_SERIES(p, "g", {20, 20, 20});
  CHECK_SERIES(p, "h", {3, 3, 3});           // left-associative
  CHECK_SERIES(p, "i", {1000.5, 1000.5, 1000.5});
  CHECK_SERIES(p, "j", {0, 0, 0});           // int() truncates toward zero: 7 + (−7)
  CHECK_SERIES(p, "k", {-6, -6, -6});
  CHECK_SERIES(p, "l", {0, 0.5, 1});         // series int / int is a float too
  CHECK_SERIES(p, "m", {0, 1, 0});
  CHECK_SERIES_NEAR(p, "n", {1.5, 1.5, 1.5});
  CHECK_SERIES(p, "o", {1.5, 1.5, 1.5});
}

TEST_CASE("Pine v5: const int / const int truncates, series int / int does not", "[pine_lang]") {
  const auto p = run("//@version=5\nindicator(\"t\")\na = 7 / 2\nb = bar_index / 2\nplot(a, \"a\")\nplot(b, \"b\")\n", ramp(2));
  CHECK_SERIES(p, "a", {3, 3});
  CHECK_SERIES(p, "b", {0, 0.5});
}

TEST_CASE("Pine: na propagates; na(), nz(), fixnan(); comparisons with na are false", "[pine_lang]") {
  // closes 10, 11, 12, 13, 14; x is na on bars 1 and 2.
  const auto p = run(indicator(R"(
x = bar_index == 1 or bar_index == 2 ? na : close
y = x + 1
plot(y, "y")
plot(na(x) ? 1 : 0, "isna")
plot(nz(x), "nz")
plot(nz(x, -1), "nz2")
plot(fixnan(x), "fixnan")
z = bar_index == 0 ? na : close
plot(fixnan(z), "fixnan0")
plot(x > 5 ? 1 : 0, "gt")
plot(x <= 5 ? 1 : 0, "le")
plot(x == x ? 1 : 0, "eq")
plot(x != 100 ? 1 : 0, "ne")
plot(na == na ? 1 : 0, "nana")
plot(math.max(x, 0), "max")
plot(-x, "neg"))"),
                     ramp(5));
  CHECK_SERIES(p, "y", {11, na, na, 14, 15});
  CHECK_SERIES(p, "isna", {0, 1, 1, 0, 0});
  CHECK_SERIES(p, "nz", {10, 0, 0, 13, 14});
  CHECK_SERIES(p, "nz2", {10, -1, -1, 13, 14});
  CHECK_SERIES(p, "fixnan", {10, 10, 10, 13, 14});  // the last non-na value
  CHECK_SERIES(p, "fixnan0", {na, 11, 12, 13, 14}); // nothing to carry on the first bar
  CHECK_SERIES(p, "gt", {1, 0, 0, 1, 1});
  CHECK_SERIES(p, "le", {0, 0, 0, 0, 0});
  CHECK_SERIES(p, "eq", {1, 0, 0, 1, 1});           // na == na is false
  CHECK_SERIES(p, "ne", {1, 0, 0, 1, 1});           // na != 100 is false as well
  CHECK_SERIES(p, "nana", {0, 0, 0, 0, 0});
  CHECK_SERIES(p, "max", {10, na, na, 13, 14});
  CHECK_SERIES(p, "neg", {-10, na, na, -13, -14});
}

TEST_CASE("Pine: fixnan keeps its own state per call site", "[pine_lang]") {
  // a: na on odd bars; b: na on even bars. Each fixnan carries its own last value.
  const auto p = run(indicator(R"(
a = bar_index % 2 == 1 ? na : close
b = bar_index % 2 == 0 ? na : close * 10
plot(fixnan(a), "fa")
plot(fixnan(b), "fb"))"),
                     ramp(4));
  CHECK_SERIES(p, "fa", {10, 10, 12, 12});
  CHECK_SERIES(p, "fb", {na, 110, 110, 130});
}

TEST_CASE("Pine: and/or/not short-circuit, ternary evaluates one branch", "[pine_lang]") {
  // cnt() counts its own calls (its var is per call site). Each condition's right side calls it
  // only when the left side does not decide the result.
  //   and: odd bars 1, 3, 5 call it: n = 1 (false), 2, 3 → [0,0,0,1,0,1]; an eager `and`
  //        would call it on every bar and give true from bar 1.
  //   or:  bars 0, 1 are true without calling; bar 2 calls (n = 1, false), bar 3 (n = 2, true)...
  //   ?:   only even bars call it: 1, 2, 3.
  const auto p = run(indicator(R"(
cnt() =>
    var int n = 0
    n += 1
    n
a = bar_index % 2 == 1 and cnt() >= 2
o = bar_index < 2 or cnt() >= 2
t = bar_index % 2 == 0 ? cnt() : -1
plot(a ? 1 : 0, "and")
plot(o ? 1 : 0, "or")
plot(t, "ternary")
plot(not (close > 11) ? 1 : 0, "not")
plot(true and false or true ? 1 : 0, "prec")
plot(not false and false ? 1 : 0, "notprec"))"),
                     ramp(6));
  CHECK_SERIES(p, "and", {0, 0, 0, 1, 0, 1});
  CHECK_SERIES(p, "or", {1, 1, 0, 1, 1, 1});
  CHECK_SERIES(p, "ternary", {1, -1, 2, -1, 3, -1});
  CHECK_SERIES(p, "not", {1, 1, 0, 0, 0, 0});
  CHECK_SERIES(p, "prec", {1, 1, 1, 1, 1, 1});      // (true and false) or true
  CHECK_SERIES(p, "notprec", {0, 0, 0, 0, 0, 0});   // (not false) and false
}

TEST_CASE("Pine: nested ternaries associate to the right", "[pine_lang]") {
  // closes 10..14: > 12 → 2, > 10 → 1, else 0.
  const auto p = run(indicator("plot(close > 12 ? 2 : close > 10 ? 1 : 0, \"t\")"), ramp(5));
  CHECK_SERIES(p, "t", {0, 1, 1, 2, 2});
}

// ---------------------------------------------------------------- declarations

TEST_CASE("Pine: declarations, var, varip and compound assignment", "[pine_lang]") {
  const auto p = run(indicator(R"(
int a = 5
float b = 5
c = 5
var e = 0
e += 1
f = 0
f += 1
varip g = 0
g += 2
var float h = na
h := na(h) ? close : h
var first = close
var float k = 100
k -= 10
var float m = 1
m *= 2
var float q = 64
q /= 2
r = bar_index + 7
r %= 3
series float s = close
simple int si = 3
plot(a, "a")
plot(b / 2, "b")
plot(c, "c")
plot(e, "e")
plot(f, "f")
plot(g, "g")
plot(h, "h")
plot(first, "first")
plot(k, "k")
plot(m, "m")
plot(q, "q")
plot(r, "r")
plot(s + si, "s"))"),
                     ramp(3));
  CHECK_SERIES(p, "a", {5, 5, 5});
  CHECK_SERIES(p, "b", {2.5, 2.5, 2.5});
  CHECK_SERIES(p, "c", {5, 5, 5});
  CHECK_SERIES(p, "e", {1, 2, 3});        // var: initialized on the first bar only
  CHECK_SERIES(p, "f", {1, 1, 1});        // plain: re-initialized on every bar
  CHECK_SERIES(p, "g", {2, 4, 6});        // varip behaves as var on historical bars
  CHECK_SERIES(p, "h", {10, 10, 10});
  CHECK_SERIES(p, "first", {10, 10, 10}); // the initializer runs once
  CHECK_SERIES(p, "k", {90, 80, 70});
  CHECK_SERIES(p, "m", {2, 4, 8});
  CHECK_SERIES(p, "q", {32, 16, 8});
  CHECK_SERIES(p, "r", {1, 2, 0});        // 7 % 3, 8 % 3, 9 % 3
  CHECK_SERIES(p, "s", {13, 14, 15});
}

TEST_CASE("Pine: var inside a block initializes the first time the block runs", "[pine_lang]") {
  // The block runs from bar 2 on; its var starts at the close of bar 2 (12) and counts runs.
  const auto p = run(indicator(R"(
var float seen = na
var int runs = 0
if bar_index >= 2
    var float start = close
    var int n = 0
    n += 1
    seen := start
    runs := n
plot(seen, "seen")
plot(runs, "runs"))"),
                     ramp(5));
  CHECK_SERIES(p, "seen", {na, na, 12, 12, 12});
  CHECK_SERIES(p, "runs", {0, 0, 1, 2, 3});
}

TEST_CASE("Pine: a local declaration shadows an outer variable without changing it", "[pine_lang]") {
  // `x = 2` inside the block declares a new local x (TradingView warns, it does not assign);
  // `y := x` inside reads the local one.
  const auto p = run(indicator(R"(
x = 1
float y = na
if true
    x = 2
    y := x
plot(x, "x")
plot(y, "y"))"),
                     ramp(2));
  CHECK_SERIES(p, "x", {1, 1});
  CHECK_SERIES(p, "y", {2, 2});
}

TEST_CASE("Pine: declaration errors name line and column", "[pine_lang]") {
  // x was never declared: `:=` needs an existing variable.
  CHECK_COMPILE_ERROR(indicator("y = 1\nx := 5"), 4, 1, "undeclared identifier 'x'");
  CHECK_COMPILE_ERROR(indicator("y = 1\n  \nx += 5"), 5, 1, "undeclared identifier 'x'");
  // Declaring twice in the same scope.
  CHECK_COMPILE_ERROR(indicator("x = 1\nx = 2"), 4, 1, "'x' is already defined");
  // int x = 1.5: a float cannot initialize an int.
  CHECK_COMPILE_ERROR(indicator("int x = 1.5"), 3, 9, "'x'");
  // Assigning a float to an int variable.
  CHECK_COMPILE_ERROR(indicator("int x = 1\nx := 2.5"), 4, 1, "float");
  // A string to a number.
  CHECK_COMPILE_ERROR(indicator("float x = \"a\""), 3, 11, "string");
  // A variable used before it is declared.
  CHECK_COMPILE_ERROR(indicator("y = z + 1\nz = 2"), 3, 5, "undeclared identifier 'z'");
  // Using a local after its block.
  CHECK_COMPILE_ERROR(indicator("if true\n    loc = 1\nplot(loc)"), 5, 6, "undeclared identifier 'loc'");
}

// ---------------------------------------------------------------- history

TEST_CASE("Pine: history on variables, expressions, function results and built-ins", "[pine_lang]") {
  const auto p = run(indicator(R"(
v = close * 2
f(x) => x * 10
plot(close[1], "c1")
plot(bar_index[2], "bi2")
plot(ta.sma(close, 3), "sma")
plot(ta.sma(close, 3)[1], "sma1")
plot(v[1], "v1")
plot((close + 1)[1], "e1")
plot(f(close)[1], "f1")
plot(high[0] - low[0], "hl")
plot(close[1][1], "cc")
n = 1
plot(v[n], "dyn"))"),
                     ramp(5));
  CHECK_SERIES(p, "c1", {na, 10, 11, 12, 13});
  CHECK_SERIES(p, "bi2", {na, na, 0, 1, 2});
  CHECK_SERIES(p, "sma", {na, na, 11, 12, 13});
  CHECK_SERIES(p, "sma1", {na, na, na, 11, 12});
  CHECK_SERIES(p, "v1", {na, 20, 22, 24, 26});
  CHECK_SERIES(p, "e1", {na, 11, 12, 13, 14});
  CHECK_SERIES(p, "f1", {na, 100, 110, 120, 130});
  CHECK_SERIES(p, "hl", {2, 2, 2, 2, 2});
  CHECK_SERIES(p, "cc", {na, na, 10, 11, 12});   // close[1][1] = close[2]
  CHECK_SERIES(p, "dyn", {na, 20, 22, 24, 26});  // offset from a variable
}

TEST_CASE("Pine: x[1] reads the value x had at the end of the previous bar", "[pine_lang]") {
  // x is reassigned after its declaration; the history keeps each bar's final value.
  const auto p = run(indicator(R"(
x = close
x := x + 100
plot(x[1], "x1")
var float acc = 0
acc := acc + 1
plot(acc[1], "acc1"))"),
                     ramp(3));
  CHECK_SERIES(p, "x1", {na, 110, 111});
  CHECK_SERIES(p, "acc1", {na, 1, 2});
}

TEST_CASE("Pine: a variable's history inside an if block advances only when the block runs", "[pine_lang]") {
  // The block runs on even bars 0, 2, 4 with y = 10, 12, 14; y[1] is y from the block's
  // previous execution: na, 10, 12.
  const auto p = run(indicator(R"(
var float last = na
if bar_index % 2 == 0
    y = close
    last := y[1]
plot(last, "last"))"),
                     ramp(6));
  CHECK_SERIES(p, "last", {na, na, 10, 10, 12, 12});
}

TEST_CASE("Pine: a dynamic history offset past max_bars_back is a runtime error with line and bar", "[pine_lang]") {
  // max_bars_back = 3 keeps 3 past values of x; x[bar_index] needs 4 on bar 4.
  const std::string src = "//@version=6\nindicator(\"t\", max_bars_back = 3)\nx = close\nn = bar_index\nplot(x[n], \"h\")\n";
  const auto e = run_error(src, ramp(6));
  INFO(e.message << " | " << e.context);
  CHECK(e.code == ErrorCode::kRuntime);
  CHECK(e.line == 5);
  CHECK(e.column == 7);
  CHECK_THAT(e.message, Catch::Matchers::Contains("line 5:7"));
  CHECK_THAT(e.message, Catch::Matchers::Contains("max_bars_back"));
  CHECK_THAT(e.context, Catch::Matchers::Contains("bar 4"));
  // Within the kept history it runs: 3 past values cover x[n] up to bar 3.
  const auto ok = run(src, ramp(4));
  CHECK_SERIES(ok, "h", {10, 10, 10, 10});  // x[bar_index] is always the first close
}

TEST_CASE("Pine: a negative history offset is an error", "[pine_lang]") {
  CHECK_COMPILE_ERROR(indicator("plot(close[-1])"), 3, 12, "history offset");
  const auto e = run_error(indicator("k = bar_index - 2\nx = close * 1\nplot(x[k])"), ramp(3));
  CHECK(e.line == 5);
  CHECK_THAT(e.message, Catch::Matchers::Contains("negative"));
  CHECK_THAT(e.context, Catch::Matchers::Contains("bar 0"));
}

// ---------------------------------------------------------------- if / switch

TEST_CASE("Pine: if / else if / else as statements and as expressions", "[pine_lang]") {
  // closes 10..14: > 12 → 2, > 10 → 1, else 0.
  const auto p = run(indicator(R"(
r = 0
if close > 12
    r := 2
else if close > 10
    r := 1
else
    r := 0
v = if close > 12
    2
else if close > 10
    1
else
    0
w = if close > 12
    1
u = if close > 10
    a = close * 2
    a + 1
else
    -1
plot(r, "r")
plot(v, "v")
plot(w, "w")
plot(u, "u"))"),
                     ramp(5));
  CHECK_SERIES(p, "r", {0, 1, 1, 2, 2});
  CHECK_SERIES(p, "v", {0, 1, 1, 2, 2});
  CHECK_SERIES(p, "w", {na, na, na, 1, 1});  // no else branch: na
  CHECK_SERIES(p, "u", {-1, 23, 25, 27, 29});  // a block's value is its last expression
}

TEST_CASE("Pine: nested if blocks", "[pine_lang]") {
  const auto p = run(indicator(R"(
r = 0
if close > 10
    if close > 12
        r := 2
    else
        r := 1
plot(r, "r"))"),
                     ramp(5));
  CHECK_SERIES(p, "r", {0, 1, 1, 2, 2});
}

TEST_CASE("Pine: switch with and without a subject", "[pine_lang]") {
  const auto p = run(indicator(R"(
m = bar_index % 3
s = switch m
    0 => 10
    1 => 20
    => 30
t = switch
    close > 12 => 2
    close > 10 => 1
    => 0
u = switch m
    0 =>
        a = 5
        a * 2
    1 => 1
k = bar_index % 2 == 0 ? "a" : "b"
ks = switch k
    "a" => 1
    "b" => 2
    => 0
var int hits = 0
switch
    m == 2 => hits += 1
plot(s, "s")
plot(t, "t")
plot(u, "u")
plot(ks, "ks")
plot(hits, "hits"))"),
                     ramp(5));
  CHECK_SERIES(p, "s", {10, 20, 30, 10, 20});
  CHECK_SERIES(p, "t", {0, 1, 1, 2, 2});
  CHECK_SERIES(p, "u", {10, 1, na, 10, 1});  // no default: na
  CHECK_SERIES(p, "ks", {1, 2, 1, 2, 1});
  CHECK_SERIES(p, "hits", {0, 0, 1, 1, 1});
}

// ---------------------------------------------------------------- loops

TEST_CASE("Pine: for loops up, down, with a step, break and continue", "[pine_lang]") {
  const auto p = run(indicator(R"(
sum = 0
for i = 1 to 4
    sum += i
down = 0
for i = 4 to 1
    down := down * 10 + i
stepped = 0
for i = 0 to 10 by 3
    stepped += i
rev = 0
for i = 10 to 0 by 5
    rev := rev * 100 + i
brk = 0
for i = 0 to 100
    if i == 5
        break
    brk += 1
cont = 0
for i = 1 to 6
    if i % 2 == 0
        continue
    cont += i
once = 0
for i = 3 to 3
    once += 1
nested = 0
for i = 1 to 3
    for j = 1 to i
        nested += 1
dyn = 0
for i = 0 to bar_index
    dyn += 1
plot(sum, "sum")
plot(down, "down")
plot(stepped, "stepped")
plot(rev, "rev")
plot(brk, "brk")
plot(cont, "cont")
plot(once, "once")
plot(nested, "nested")
plot(dyn, "dyn"))"),
                     ramp(3));
  CHECK_SERIES(p, "sum", {10, 10, 10});           // 1 + 2 + 3 + 4 (both ends included)
  CHECK_SERIES(p, "down", {4321, 4321, 4321});    // from > to counts down
  CHECK_SERIES(p, "stepped", {18, 18, 18});       // 0 + 3 + 6 + 9
  CHECK_SERIES(p, "rev", {100500, 100500, 100500});  // 10, 5, 0: the step's sign follows the direction
  CHECK_SERIES(p, "brk", {5, 5, 5});
  CHECK_SERIES(p, "cont", {9, 9, 9});             // 1 + 3 + 5
  CHECK_SERIES(p, "once", {1, 1, 1});
  CHECK_SERIES(p, "nested", {6, 6, 6});           // 1 + 2 + 3
  CHECK_SERIES(p, "dyn", {1, 2, 3});
}

TEST_CASE("Pine: loops as expressions; for re-evaluates its end on every iteration", "[pine_lang]") {
  // A loop's value is its last statement's value on the last iteration (na when it never runs).
  // `to` is evaluated before each iteration: popping two items on i = 1 lowers it from 4 to 2,
  // so the loop visits i = 0, 1, 2.
  const auto p = run(indicator(R"(
lv = for i = 1 to 3
    i * 2
k = 0
wv = while k < 3
    k += 1
    k * 10
a = array.from(1, 2, 3, 4, 5)
visited = 0
for i = 0 to array.size(a) - 1
    visited += 1
    if i == 1
        array.pop(a)
        array.pop(a)
arr = array.from(4, 5)
fv = for x in arr
    x + 0.5
none = for i = 1 to 3
    if i > 5
        break
    i
plot(lv, "lv")
plot(wv, "wv")
plot(visited, "visited")
plot(fv, "fv")
plot(none, "none"))"),
                     ramp(2));
  CHECK_SERIES(p, "lv", {6, 6});
  CHECK_SERIES(p, "wv", {30, 30});
  CHECK_SERIES(p, "visited", {3, 3});
  CHECK_SERIES(p, "fv", {5.5, 5.5});
  CHECK_SERIES(p, "none", {3, 3});
}

TEST_CASE("Pine: for ... in over arrays, with and without the index", "[pine_lang]") {
  const auto p = run(indicator(R"(
arr = array.from(1, 2, 3)
tot = 0
for x in arr
    tot += x
wsum = 0
for [i, x] in arr
    wsum += i * x
firstBig = -1
for [i, x] in arr
    if x >= 2
        firstBig := i
        break
empty = array.new<float>(0)
cnt = 0
for x in empty
    cnt += 1
plot(tot, "tot")
plot(wsum, "wsum")
plot(firstBig, "firstBig")
plot(cnt, "cnt"))"),
                     ramp(2));
  CHECK_SERIES(p, "tot", {6, 6});
  CHECK_SERIES(p, "wsum", {8, 8});  // 0·1 + 1·2 + 2·3
  CHECK_SERIES(p, "firstBig", {1, 1});
  CHECK_SERIES(p, "cnt", {0, 0});
}

TEST_CASE("Pine: while loops with break and continue", "[pine_lang]") {
  const auto p = run(indicator(R"(
w = 0
k = 0
while k < 5
    k += 1
    w += k
b = 0
while true
    b += 1
    if b >= 7
        break
c = 0
j = 0
while j < 6
    j += 1
    if j % 3 == 0
        continue
    c += j
plot(w, "w")
plot(b, "b")
plot(c, "c"))"),
                     ramp(2));
  CHECK_SERIES(p, "w", {15, 15});
  CHECK_SERIES(p, "b", {7, 7});
  CHECK_SERIES(p, "c", {12, 12});  // 1 + 2 + 4 + 5
}

TEST_CASE("Pine: more than 500,000 loop iterations on one bar is a runtime error naming line and bar", "[pine_lang]") {
  {
    const auto e = run_error(indicator("n = 0\nwhile true\n    n += 1\nplot(n)"), ramp(3));
    INFO(e.message << " | " << e.context);
    CHECK(e.code == ErrorCode::kRuntime);
    CHECK(e.line == 4);
    CHECK(e.column == 1);
    CHECK_THAT(e.message, Catch::Matchers::Contains("500000"));
    CHECK_THAT(e.context, Catch::Matchers::Contains("bar 0"));
  }
  {
    // 1,000 × 1,000 nested iterations on bar 2 only (the count is per bar, over all loops).
    const auto e = run_error(indicator("n = 0\nif bar_index == 2\n    for i = 1 to 1000\n        for j = 1 to 1000\n            n += 1\nplot(n)"),
                             ramp(4));
    INFO(e.message << " | " << e.context);
    CHECK(e.line == 6);
    CHECK(e.column == 9);
    CHECK_THAT(e.context, Catch::Matchers::Contains("bar 2"));
  }
  // 400,000 iterations on every bar stay under the limit (the count restarts each bar).
  const auto p = run(indicator("n = 0\nfor i = 1 to 400000\n    n += 1\nplot(n, \"n\")"), ramp(3));
  CHECK_SERIES(p, "n", {400000, 400000, 400000});
}

// ---------------------------------------------------------------- user functions

TEST_CASE("Pine: user functions: one-line, multi-line, defaults, named arguments, tuples", "[pine_lang]") {
  const auto p = run(indicator(R"(
add(a, b = 1) => a + b
mul(x, y) =>
    z = x * y
    z + 1
pair(x) => [x, x * 2]
minmax(a, b) =>
    lo = math.min(a, b)
    hi = math.max(a, b)
    [lo, hi]
[u, v] = pair(close)
[lo, hi] = minmax(5, bar_index)
plot(add(2), "d")
plot(add(2, 5), "p")
plot(add(b = 10, a = 1), "named")
plot(add(3, b = 4), "mixed")
plot(mul(3, 4), "mul")
plot(u, "u")
plot(v, "v")
plot(lo, "lo")
plot(hi, "hi")
plot(add(close, 0.5), "f"))"),
                     ramp(3));
  CHECK_SERIES(p, "d", {3, 3, 3});
  CHECK_SERIES(p, "p", {7, 7, 7});
  CHECK_SERIES(p, "named", {11, 11, 11});
  CHECK_SERIES(p, "mixed", {7, 7, 7});
  CHECK_SERIES(p, "mul", {13, 13, 13});
  CHECK_SERIES(p, "u", {10, 11, 12});
  CHECK_SERIES(p, "v", {20, 22, 24});
  CHECK_SERIES(p, "lo", {0, 1, 2});
  CHECK_SERIES(p, "hi", {5, 5, 5});
  CHECK_SERIES(p, "f", {10.5, 11.5, 12.5});
}

TEST_CASE("Pine: each call site of a user function keeps its own var state and history", "[pine_lang]") {
  const auto p = run(indicator(R"(
counter() =>
    var int n = 0
    n += 1
    n
prev(x) => x[1]
c1 = counter()
c2 = counter()
c3 = bar_index % 2 == 0 ? counter() : -1
plot(c1, "c1")
plot(c2, "c2")
plot(c3, "c3")
plot(prev(close), "p1")
plot(prev(close * 2), "p2"))"),
                     ramp(4));
  CHECK_SERIES(p, "c1", {1, 2, 3, 4});
  CHECK_SERIES(p, "c2", {1, 2, 3, 4});    // not 2, 4, 6: its own n
  CHECK_SERIES(p, "c3", {1, -1, 2, -1});  // only advances when called
  CHECK_SERIES(p, "p1", {na, 10, 11, 12});
  CHECK_SERIES(p, "p2", {na, 20, 22, 24});
}

TEST_CASE("Pine: a user function called in a loop keeps one state for that call site", "[pine_lang]") {
  // One call site, executed 3 times per bar: its var counts every execution.
  const auto p = run(indicator(R"(
counter() =>
    var int n = 0
    n += 1
    n
last = 0
for i = 1 to 3
    last := counter()
plot(last, "last"))"),
                     ramp(3));
  CHECK_SERIES(p, "last", {3, 6, 9});
}

TEST_CASE("Pine: ta.* called conditionally only sees the bars where it runs", "[pine_lang]") {
  // closes 10..15. Every bar: sma(2) = 10.5, 11.5, ... from bar 1.
  // Called on even bars only (bars 0, 2, 4 see 10, 12, 14): na, 11, 13, as TradingView does.
  const auto p = run(indicator(R"(
f(x) => ta.sma(x, 2)
s_all = f(close)
s_even = bar_index % 2 == 0 ? f(close) : na
var float held = na
if bar_index % 2 == 0
    held := ta.sma(close, 2)
g(x) =>
    ta.change(x)
chg = bar_index >= 3 ? g(close * 3) : na
plot(s_all, "all")
plot(s_even, "even")
plot(held, "held")
plot(chg, "chg"))"),
                     ramp(6));
  CHECK_SERIES(p, "all", {na, 10.5, 11.5, 12.5, 13.5, 14.5});
  CHECK_SERIES(p, "even", {na, na, 11, na, 13, na});
  CHECK_SERIES(p, "held", {na, na, 11, 11, 13, 13});
  CHECK_SERIES(p, "chg", {na, na, na, na, 3, 3});  // first call on bar 3 has no previous value
}

TEST_CASE("Pine: function parameters and locals do not leak; globals are readable", "[pine_lang]") {
  const auto p = run(indicator(R"(
k = 100
f(x) =>
    y = x + k
    y
y = 1
plot(f(close), "f")
plot(y, "y"))"),
                     ramp(2));
  CHECK_SERIES(p, "f", {110, 111});
  CHECK_SERIES(p, "y", {1, 1});
}

TEST_CASE("Pine: function errors", "[pine_lang]") {
  CHECK_COMPILE_ERROR(indicator("f(a) => a\nplot(f(1, 2))"), 4, 11, "'f' takes 1 argument");
  CHECK_COMPILE_ERROR(indicator("f(a, b) => a + b\nplot(f(1))"), 4, 6, "missing argument 'b'");
  CHECK_COMPILE_ERROR(indicator("f(a) => a\nplot(f(c = 1))"), 4, 12, "no argument named 'c'");  // at its value
  CHECK_COMPILE_ERROR(indicator("f(a) => f(a)\nplot(f(1))"), 3, 9, "recursion");
  // A function cannot modify a global variable (TradingView: "Cannot modify global variable in function").
  CHECK_COMPILE_ERROR(indicator("var g = 0\nf() =>\n    g := 1\n    g\nplot(f())"), 5, 5, "global variable 'g'");
  CHECK_COMPILE_ERROR(indicator("[a, b] = close"), 3, 10, "tuple");
  CHECK_COMPILE_ERROR(indicator("p() => [1, 2]\nx = p()"), 4, 5, "tuple");
}

// ---------------------------------------------------------------- arrays and strings

TEST_CASE("Pine: arrays through the VM", "[pine_lang]") {
  const auto p = run(indicator(R"(
a = array.new<float>(0)
array.push(a, close)
array.push(a, close * 2)
b = array.from(3, 1, 2)
array.sort(b)
var h = array.new_float()
array.push(h, close)
c = array.new<int>(3, 7)
array.set(c, 1, 5)
plot(array.size(a), "size")
plot(array.get(a, 1), "get")
plot(array.get(b, 0), "sorted0")
plot(array.size(h), "kept")
plot(array.sum(h), "sum")
plot(array.get(c, 1) + array.get(c, 2), "c")
plot(array.get(a, -1), "neg")
plot(a.size() + h.size(), "method")
plot(array.max(b), "max"))"),
                     ramp(3));
  CHECK_SERIES(p, "size", {2, 2, 2});
  CHECK_SERIES(p, "get", {20, 22, 24});
  CHECK_SERIES(p, "sorted0", {1, 1, 1});
  CHECK_SERIES(p, "kept", {1, 2, 3});       // var array keeps growing
  CHECK_SERIES(p, "sum", {10, 21, 33});
  CHECK_SERIES(p, "c", {12, 12, 12});
  CHECK_SERIES(p, "neg", {20, 22, 24});     // v6: a negative index counts from the end
  CHECK_SERIES(p, "method", {3, 4, 5});     // method syntax: a.size()
  CHECK_SERIES(p, "max", {3, 3, 3});
}

TEST_CASE("Pine: array index errors name the line and the bar", "[pine_lang]") {
  const auto e = run_error(indicator("a = array.from(1, 2, 3)\nx = bar_index\nplot(array.get(a, x))"), ramp(5));
  INFO(e.message << " | " << e.context);
  CHECK(e.code == ErrorCode::kRuntime);
  CHECK(e.line == 5);
  CHECK(e.column == 6);
  CHECK_THAT(e.message, Catch::Matchers::Contains("out of bounds"));
  CHECK_THAT(e.context, Catch::Matchers::Contains("bar 3"));
  const auto e2 = run_error(indicator("a = array.new<float>()\nif bar_index == 1\n    array.pop(a)\nplot(0)"), ramp(3));
  CHECK(e2.line == 5);
  CHECK_THAT(e2.context, Catch::Matchers::Contains("bar 1"));
}

TEST_CASE("Pine: strings", "[pine_lang]") {
  const auto p = run(indicator(R"(
s = "a" + "b" + 'c'
t = str.tostring(close)
plot(s == "abc" ? 1 : 0, "concat")
plot(str.length(s), "len")
plot(t == "10" or t == "11" ? 1 : 0, "tostring")
plot(str.tostring(12.5) == "12.5" ? 1 : 0, "tostr_f")
plot(str.tostring(3.14159, "#.##") == "3.14" ? 1 : 0, "tostr_fmt")
plot(str.format("{0} and {1}", 1, "x") == "1 and x" ? 1 : 0, "format")
plot(str.contains("hello", "ell") ? 1 : 0, "contains")
plot(str.upper("ab") == "AB" ? 1 : 0, "upper")
plot(s != "abd" ? 1 : 0, "ne")
plot("x\ty" == "x" + "\t" + "y" ? 1 : 0, "escape"))"),
                     ramp(2));
  CHECK_SERIES(p, "concat", {1, 1});
  CHECK_SERIES(p, "len", {3, 3});
  CHECK_SERIES(p, "tostring", {1, 1});
  CHECK_SERIES(p, "tostr_f", {1, 1});
  CHECK_SERIES(p, "tostr_fmt", {1, 1});
  CHECK_SERIES(p, "format", {1, 1});
  CHECK_SERIES(p, "contains", {1, 1});
  CHECK_SERIES(p, "upper", {1, 1});
  CHECK_SERIES(p, "ne", {1, 1});
  CHECK_SERIES(p, "escape", {1, 1});
}

// ---------------------------------------------------------------- built-in variables

TEST_CASE("Pine: bar and time variables on daily bars", "[pine_lang]") {
  // 2024-01-01 is a Monday (dayofweek 2, Sunday = 1); closes 10.25, 11.25, 12.25 (2 decimals).
  const auto p = run(indicator(R"(
plot(bar_index, "bi")
plot(time, "time")
plot(year, "year")
plot(month, "month")
plot(dayofmonth, "dom")
plot(dayofweek, "dow")
plot(dayofweek == dayofweek.monday ? 1 : 0, "monday")
plot(hour, "hour")
plot(minute, "minute")
plot(barstate.isfirst ? 1 : 0, "first")
plot(barstate.islast ? 1 : 0, "last")
plot(last_bar_index, "lbi")
plot(syminfo.mintick, "mintick")
plot(timeframe.isdaily ? 1 : 0, "daily")
plot(timeframe.isintraday ? 1 : 0, "intraday")
plot(timeframe.multiplier, "mult")
plot(timeframe.period == "1D" ? 1 : 0, "period")
plot(hl2, "hl2")
plot(volume, "vol"))"),
                     bars({10.25, 11.25, 12.25}));
  const double t0 = static_cast<double>(kJan1_2024);
  CHECK_SERIES(p, "bi", {0, 1, 2});
  CHECK_SERIES(p, "time", {t0, t0 + kDayMs, t0 + 2 * kDayMs});
  CHECK_SERIES(p, "year", {2024, 2024, 2024});
  CHECK_SERIES(p, "month", {1, 1, 1});
  CHECK_SERIES(p, "dom", {1, 2, 3});
  CHECK_SERIES(p, "dow", {2, 3, 4});
  CHECK_SERIES(p, "monday", {1, 0, 0});
  CHECK_SERIES(p, "hour", {0, 0, 0});
  CHECK_SERIES(p, "minute", {0, 0, 0});
  CHECK_SERIES(p, "first", {1, 0, 0});
  CHECK_SERIES(p, "last", {0, 0, 1});
  CHECK_SERIES(p, "lbi", {2, 2, 2});
  CHECK_SERIES_NEAR(p, "mintick", {0.01, 0.01, 0.01});
  CHECK_SERIES(p, "daily", {1, 1, 1});
  CHECK_SERIES(p, "intraday", {0, 0, 0});
  CHECK_SERIES(p, "mult", {1, 1, 1});
  CHECK_SERIES(p, "period", {1, 1, 1});  // v6 always includes the multiplier: "1D", not "D"
  CHECK_SERIES(p, "hl2", {10.25, 11.25, 12.25});
  CHECK_SERIES(p, "vol", {100, 100, 100});
}

TEST_CASE("Pine: intraday time variables and timeframe from the bar spacing", "[pine_lang]") {
  // 90-minute bars from 2024-01-01 00:00 UTC: 00:00, 01:30, 03:00; one decimal → mintick 0.1.
  const auto p = run(indicator(R"(
plot(hour, "hour")
plot(minute, "minute")
plot(timeframe.isintraday ? 1 : 0, "intraday")
plot(timeframe.isminutes ? 1 : 0, "minutes")
plot(timeframe.isdaily ? 1 : 0, "daily")
plot(timeframe.multiplier, "mult")
plot(timeframe.period == "90" ? 1 : 0, "period")
plot(syminfo.mintick, "mintick"))"),
                     bars({10.5, 11.5, 12.5}, kJan1_2024, 90 * 60'000));
  CHECK_SERIES(p, "hour", {0, 1, 3});
  CHECK_SERIES(p, "minute", {0, 30, 0});
  CHECK_SERIES(p, "intraday", {1, 1, 1});
  CHECK_SERIES(p, "minutes", {1, 1, 1});
  CHECK_SERIES(p, "daily", {0, 0, 0});
  CHECK_SERIES(p, "mult", {90, 90, 90});
  CHECK_SERIES(p, "period", {1, 1, 1});
  CHECK_SERIES_NEAR(p, "mintick", {0.1, 0.1, 0.1});
}

TEST_CASE("Pine v5: timeframe.period of daily bars is \"D\"", "[pine_lang]") {
  const auto p = run("//@version=5\nindicator(\"t\")\nplot(timeframe.period == \"D\" ? 1 : 0, \"p\")\n", ramp(2));
  CHECK_SERIES(p, "p", {1, 1});
}

// ---------------------------------------------------------------- math

TEST_CASE("Pine: math.* through the VM", "[pine_lang]") {
  const auto p = run(indicator(R"(
plot(math.abs(-2), "abs")
plot(math.max(1, 5, 3), "max")
plot(math.min(3, 1), "min")
plot(math.avg(1, 2, 3), "avg")
plot(math.sqrt(16), "sqrt")
plot(math.pow(2, 10), "pow")
plot(math.floor(-1.5), "floor")
plot(math.ceil(1.2), "ceil")
plot(math.round(2.5), "round")
plot(math.round(3.14159, 2), "round2")
plot(math.sign(-3), "sign")
plot(math.log(math.e), "log")
plot(math.sum(close, 2), "sum")
plot(math.round_to_mintick(10.123), "rtm"))"),
                     bars({10.25, 11.25, 12.25}));
  CHECK_SERIES(p, "abs", {2, 2, 2});
  CHECK_SERIES(p, "max", {5, 5, 5});
  CHECK_SERIES(p, "min", {1, 1, 1});
  CHECK_SERIES(p, "avg", {2, 2, 2});
  CHECK_SERIES(p, "sqrt", {4, 4, 4});
  CHECK_SERIES(p, "pow", {1024, 1024, 1024});
  CHECK_SERIES(p, "floor", {-2, -2, -2});
  CHECK_SERIES(p, "ceil", {2, 2, 2});
  CHECK_SERIES(p, "round", {3, 3, 3});
  CHECK_SERIES_NEAR(p, "round2", {3.14, 3.14, 3.14});
  CHECK_SERIES(p, "sign", {-1, -1, -1});
  CHECK_SERIES_NEAR(p, "log", {1, 1, 1});
  CHECK_SERIES(p, "sum", {na, 21.5, 23.5});
  CHECK_SERIES_NEAR(p, "rtm", {10.12, 10.12, 10.12});  // mintick 0.01
}

// ---------------------------------------------------------------- inputs and settings

TEST_CASE("Pine: input.* declarations become inputs and parameters", "[pine_lang]") {
  const std::string src = indicator(R"(
len = input.int(14, "Length", minval = 1, maxval = 100, step = 2, tooltip = "bars", group = "Main")
factor = input.float(1.5, "Factor")
flag = input.bool(true, "Flag")
src = input.source(close, "Source")
mode = input.string("A", "Mode", options = ["A", "B"])
plain = input(5)
plot(len, "len")
plot(factor, "factor")
plot(flag ? 1 : 0, "flag")
plot(src, "src")
plot(mode == "B" ? 1 : 0, "mode")
plot(plain, "plain"))");
  const auto s = compile(src);
  REQUIRE(s->inputs.size() == 6);
  const auto& len = s->inputs[0];
  CHECK(len.name == "len");
  CHECK(len.title == "Length");
  CHECK(len.kind == "int");
  CHECK(len.default_value == 14);
  CHECK(len.min == 1);
  CHECK(len.max == 100);
  CHECK(len.step == 2);
  CHECK(len.tooltip == "bars");
  CHECK(len.group == "Main");
  CHECK(len.line == 4);  // the raw string starts with a newline: the body is on line 4
  CHECK(s->inputs[1].kind == "float");
  CHECK(s->inputs[1].default_value == 1.5);
  CHECK(std::isnan(s->inputs[1].min));
  CHECK(s->inputs[2].kind == "bool");
  CHECK(s->inputs[2].default_value == 1);
  CHECK(s->inputs[3].kind == "source");
  CHECK(s->inputs[3].default_text == "close");
  CHECK(s->inputs[4].kind == "string");
  CHECK(s->inputs[4].default_text == "A");
  CHECK(s->inputs[4].options == std::vector<std::string>{"A", "B"});
  CHECK(s->inputs[5].name == "plain");
  CHECK(s->inputs[5].kind == "int");
  // Numeric inputs are the parameters (string/source ones travel as text inputs).
  REQUIRE(s->params.size() == 4);
  CHECK(s->params[0].name == "len");
  CHECK(s->params[0].type == ParamType::kInt);
  CHECK(s->params[0].default_value == 14);
  CHECK(s->params[0].min == 1);
  CHECK(s->params[0].max == 100);
  CHECK(s->params[0].step == 2);
  CHECK(s->params[1].name == "factor");
  CHECK(s->params[1].type == ParamType::kFloat);
  CHECK(s->params[2].name == "flag");
  CHECK(s->params[3].name == "plain");

  // Bars whose open differs from close: open = close − 0.5.
  Bars b;
  for (int i = 0; i < 2; ++i) b.push_back(kJan1_2024 + i * kDayMs, 9.5 + i, 11 + i, 9 + i, 10 + i, 100);
  const auto def = run(src, b);
  CHECK_SERIES(def, "len", {14, 14});
  CHECK_SERIES(def, "factor", {1.5, 1.5});
  CHECK_SERIES(def, "flag", {1, 1});
  CHECK_SERIES(def, "src", {10, 11});
  CHECK_SERIES(def, "mode", {0, 0});
  CHECK_SERIES(def, "plain", {5, 5});
  // Overrides by variable name, by title, and text inputs.
  RunOptions o;
  o.params = {{"len", 20}, {"Factor", 2.5}, {"flag", 0}};
  o.texts = {{"src", "open"}, {"mode", "B"}};
  const auto over = run(src, b, o);
  CHECK_SERIES(over, "len", {20, 20});
  CHECK_SERIES(over, "factor", {2.5, 2.5});
  CHECK_SERIES(over, "flag", {0, 0});
  CHECK_SERIES(over, "src", {9.5, 10.5});
  CHECK_SERIES(over, "mode", {1, 1});
  // An override outside [minval, maxval] is refused, naming the input.
  RunOptions bad;
  bad.params = {{"len", 0}};
  auto r = try_run(src, b, bad);
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().field, Catch::Matchers::Contains("len"));
}

TEST_CASE("Pine: input values are usable where a simple int is needed", "[pine_lang]") {
  const auto p = run(indicator("len = input.int(2, \"Length\")\nplot(ta.sma(close, len), \"s\")"), ramp(3));
  CHECK_SERIES(p, "s", {na, 10.5, 11.5});
}

TEST_CASE("Pine: strategy() settings", "[pine_lang]") {
  const auto s = compile(R"(//@version=6
strategy("My S", overlay = true, initial_capital = 5000, default_qty_type = strategy.percent_of_equity,
     default_qty_value = 10, pyramiding = 1, commission_type = strategy.commission.percent,
     commission_value = 0.1, slippage = 2, process_orders_on_close = true, margin_long = 50,
     margin_short = 25, max_bars_back = 100, currency = currency.USD)
plot(close)
)");
  const auto& st = s->settings;
  CHECK(st.is_strategy);
  CHECK(st.title == "My S");
  CHECK(st.overlay);
  CHECK(st.initial_capital == 5000);
  CHECK(st.default_qty_type == "percent_of_equity");
  CHECK(st.default_qty_value == 10);
  CHECK(st.pyramiding == 1);
  CHECK(st.commission_type == "percent");
  CHECK(st.commission_value == 0.1);
  CHECK(st.slippage == 2);
  CHECK(st.process_orders_on_close);
  CHECK(st.margin_long == 50);
  CHECK(st.margin_short == 25);
  CHECK(st.max_bars_back == 100);
  CHECK(st.currency == "USD");
  // Unset numbers are NaN; an indicator is not a strategy.
  const auto i = compile(indicator("plot(close)"));
  CHECK_FALSE(i->settings.is_strategy);
  CHECK(i->settings.title == "t");
  CHECK(std::isnan(i->settings.initial_capital));
}

TEST_CASE("Pine: colors are values", "[pine_lang]") {
  // color.green is #4CAF50, color.red #F23645 (v6 palette); transparency 50 round-trips.
  const auto p = run(indicator(R"(
c = close > 10 ? color.green : color.red
plot(color.r(c), "r")
plot(color.t(color.new(color.blue, 50)), "t")
plot(color.g(color.rgb(10, 20, 30)), "g")
plot(color.t(color.rgb(10, 20, 30)), "t0")
plot(close, "styled", color = color.new(color.red, 20)))"),
                     ramp(2));
  CHECK_SERIES(p, "r", {242, 0x4C});
  CHECK_SERIES(p, "t", {50, 50});
  CHECK_SERIES(p, "g", {20, 20});
  CHECK_SERIES(p, "t0", {0, 0});
}

TEST_CASE("Pine: runtime.error stops the run with its message, line and bar", "[pine_lang]") {
  const auto e = run_error(indicator("if bar_index == 2\n    runtime.error(\"boom at \" + str.tostring(bar_index))\nplot(close)"),
                           ramp(4));
  INFO(e.message << " | " << e.context);
  CHECK(e.code == ErrorCode::kRuntime);
  CHECK(e.line == 4);
  CHECK(e.column == 5);
  CHECK_THAT(e.message, Catch::Matchers::Contains("boom at 2"));
  CHECK_THAT(e.context, Catch::Matchers::Contains("bar 2"));
}

TEST_CASE("Pine: an indicator compiles, runs, records plots and places no orders", "[pine_lang]") {
  const auto r = try_run(indicator("plot(close * 2, \"twice\")\nplot(close, color = color.red)"), ramp(3));
  REQUIRE(r);
  CHECK(r->trades.empty());
  CHECK(r->final_equity == r->final_cash);
  REQUIRE(r->plots.size() == 2);
  CHECK(r->plots[0].title == "twice");
  CHECK(r->plots[1].title == "plot 1");
  CHECK(same(r->plots[0].values, {20, 22, 24}));
  CHECK_COMPILE_ERROR(indicator("strategy.entry(\"L\", strategy.long)"), 3, 1, "strategy");
}

TEST_CASE("Pine: a strategy places its orders", "[pine_lang]") {
  // Buys at the close of bar 1 (filled at bar 2's open, 12), closes on bar 3 (filled at 14).
  const auto r = try_run(strategy(R"(
if bar_index == 1
    strategy.entry("L", strategy.long)
if bar_index == 3
    strategy.close("L")
plot(strategy.position_size, "pos"))"),
                         ramp(6));
  REQUIRE(r);
  REQUIRE(r->trades.size() == 1);
  CHECK(r->trades[0].entry_price == 12);
  CHECK(r->trades[0].exit_price == 14);
  CHECK(same(r->plots[0].values, {0, 0, 1, 1, 0, 0}));
}

// ---------------------------------------------------------------- more edges

TEST_CASE("Pine: nested user functions: every inlined call site owns its state", "[pine_lang]") {
  // g calls f twice; g itself is called twice: four independent counters, each advanced once
  // per bar, so every call returns bar_index + 1 and g returns 2 × (bar_index + 1).
  const auto p = run(indicator(R"(
f() =>
    var int n = 0
    n += 1
    n
g() => f() + f()
a = g()
b = g()
plot(a, "a")
plot(b, "b")
sm(x) => ta.sma(x, 2)
h(x) => sm(x) + sm(x * 2)
plot(h(close), "h"))"),
                     ramp(3));
  CHECK_SERIES(p, "a", {2, 4, 6});
  CHECK_SERIES(p, "b", {2, 4, 6});
  CHECK_SERIES(p, "h", {na, 31.5, 34.5});  // sma2(close) + sma2(2·close) = 3 × sma2(close)
}

TEST_CASE("Pine: history of tuple elements, strings and var variables in functions", "[pine_lang]") {
  const auto p = run(indicator(R"(
pair(x) => [x, x * 2]
[a, b] = pair(close)
s = str.tostring(bar_index)
acc(x) =>
    var float total = 0
    total += x
    total[1]
plot(a[1], "a1")
plot(b[2], "b2")
plot(s[1] == "0" ? 1 : 0, "s1")
plot(acc(close), "acc"))"),
                     ramp(3));
  CHECK_SERIES(p, "a1", {na, 10, 11});
  CHECK_SERIES(p, "b2", {na, na, 20});
  CHECK_SERIES(p, "s1", {0, 1, 0});
  CHECK_SERIES(p, "acc", {na, 10, 21});  // the running total as of the previous call
}

TEST_CASE("Pine: line continuation and comments", "[pine_lang]") {
  const auto p = run(indicator(R"(
// a comment line
x = close +   // trailing comment
  1 +
     2
y = math.max(1,
         close)   // inside parentheses any indentation continues
s = "a // not a comment"
z = str.length(s)
if x > 0
    // a comment inside a block, less indented than the block
  // another one
    x += 0
plot(x, "x")
plot(y, "y")
plot(z, "z"))"),
                     ramp(2));
  CHECK_SERIES(p, "x", {13, 14});
  CHECK_SERIES(p, "y", {10, 11});
  CHECK_SERIES(p, "z", {18, 18});
}

TEST_CASE("Pine: inputs with named defval, options of numbers and display arguments", "[pine_lang]") {
  const std::string src = indicator(R"(
len = input.int(defval = 10, title = "Len", options = [5, 10, 20])
f = input.float(0.5, "F", step = 0.5, minval = 0.0, inline = "a", group = "G", display = display.none)
h = input.source(hl2, "Src")
plot(len, "len")
plot(f, "f")
plot(h, "h"))");
  const auto s = compile(src);
  REQUIRE(s->inputs.size() == 3);
  CHECK(s->inputs[0].default_value == 10);
  CHECK(s->inputs[0].title == "Len");
  CHECK(s->inputs[0].options == std::vector<std::string>{"5", "10", "20"});
  CHECK(s->inputs[1].step == 0.5);
  CHECK(s->inputs[1].min == 0);
  CHECK(s->inputs[1].group == "G");
  CHECK(s->inputs[2].default_text == "hl2");
  const auto p = run(src, ramp(2));
  CHECK_SERIES(p, "len", {10, 10});
  CHECK_SERIES(p, "f", {0.5, 0.5});
  CHECK_SERIES(p, "h", {10, 11});  // (high + low) / 2 = close here
  RunOptions o;
  o.params = {{"len", 7}};
  CHECK_FALSE(try_run(src, ramp(2), o));  // not one of the options
}

TEST_CASE("Pine: for loop counting down over an empty range, v6 style", "[pine_lang]") {
  // `for i = 0 to array.size(a) - 1` over an empty array counts 0, -1 (TradingView does the
  // same; scripts guard it). Here the body only counts.
  const auto p = run(indicator(R"(
a = array.new<float>()
n = 0
for i = 0 to array.size(a) - 1
    n += 1
plot(n, "n"))"),
                     ramp(1));
  CHECK_SERIES(p, "n", {2});
}

TEST_CASE("Pine: timestamp() and input.time", "[pine_lang]") {
  // 2024-01-02 00:00 UTC = kJan1_2024 + 1 day; the symbol's timezone is UTC.
  const double jan2 = static_cast<double>(kJan1_2024 + kDayMs);
  const std::string src = indicator(R"(
start = input.time(timestamp("2 Jan 2024 00:00 +0000"), "Start")
plot(start, "start")
plot(timestamp(2024, 1, 2), "fields")
plot(timestamp(2024, 1, 2, 3, 4, 5), "clock")
plot(timestamp("UTC+2", 2024, 1, 2, 2, 0, 0), "tz")
plot(timestamp("2024-01-02"), "iso")
plot(timestamp("2024-01-02T01:00:00+01:00"), "isooff")
plot(timestamp("Jan 2 2024"), "monthfirst")
plot(timestamp(2023, 13, 2), "overflow")
plot(time >= start ? 1 : 0, "after"))");
  const auto s = compile(src);
  REQUIRE(s->inputs.size() == 1);
  CHECK(s->inputs[0].kind == "time");
  CHECK(s->inputs[0].default_value == jan2);
  const auto p = run(src, ramp(3));
  CHECK_SERIES(p, "start", {jan2, jan2, jan2});
  CHECK_SERIES(p, "fields", {jan2, jan2, jan2});
  CHECK_SERIES(p, "clock", {jan2 + 11045000, jan2 + 11045000, jan2 + 11045000});  // 3:04:05 = 11,045 s
  CHECK_SERIES(p, "tz", {jan2, jan2, jan2});          // 02:00 at UTC+2 is 00:00 UTC
  CHECK_SERIES(p, "iso", {jan2, jan2, jan2});
  CHECK_SERIES(p, "isooff", {jan2, jan2, jan2});
  CHECK_SERIES(p, "monthfirst", {jan2, jan2, jan2});
  CHECK_SERIES(p, "overflow", {jan2, jan2, jan2});    // month 13 of 2023 is January 2024
  CHECK_SERIES(p, "after", {0, 1, 1});
}

TEST_CASE("Pine: if and switch expressions returning tuples", "[pine_lang]") {
  // closes 10, 11: the first bar takes the else/default branch.
  const auto p = run(indicator(R"(
[a, b] = if close > 10
    [1, 2]
else
    [3, 4]
[c, d] = switch
    close > 10 => [5, 6.5]
    => [7, 8]
pick(x) =>
    if x > 10
        [x, x * 2]
    else
        [0, 0]
[e, f] = pick(close)
[g, h] = if close > 10
    [1, 1]
plot(a, "a")
plot(b, "b")
plot(c, "c")
plot(d, "d")
plot(f, "f")
plot(h, "h"))"),
                     ramp(2));
  CHECK_SERIES(p, "a", {3, 1});
  CHECK_SERIES(p, "b", {4, 2});
  CHECK_SERIES(p, "c", {7, 5});
  CHECK_SERIES(p, "d", {8, 6.5});
  CHECK_SERIES(p, "f", {0, 22});
  CHECK_SERIES(p, "h", {na, 1});  // no else: every element is na
  CHECK_COMPILE_ERROR(indicator("[a, b] = if close > 1\n    [1, 2]\nelse\n    [1, 2, 3]"), 6, 5, "different sizes");
}

TEST_CASE("Pine: Windows line endings", "[pine_lang]") {
  const auto p = run("//@version=6\r\nindicator(\"t\")\r\nx = 1\r\nif close > 10\r\n    x := 2\r\n\r\nplot(x, \"x\")\r\n", ramp(2));
  CHECK_SERIES(p, "x", {1, 2});
}

TEST_CASE("Pine: na arguments, string series, bool comparisons with na history", "[pine_lang]") {
  const auto p = run(indicator(R"(
f(x) => na(x) ? 0 : x
s = close > 10 ? "hi" : "lo"
var string last = ""
last := s
b = close > open[1]
int i = na
i := bar_index > 0 ? bar_index : na
plot(f(na), "fna")
plot(last == "hi" ? 1 : 0, "s")
plot(b ? 1 : 0, "b")
plot(1 == 1.0 ? 1 : 0, "intfloat")
plot(nz(i, -1), "i"))"),
                     ramp(3));
  CHECK_SERIES(p, "fna", {0, 0, 0});
  CHECK_SERIES(p, "s", {0, 1, 1});
  CHECK_SERIES(p, "b", {0, 1, 1});  // open[1] is na on bar 0: the comparison is false
  CHECK_SERIES(p, "intfloat", {1, 1, 1});
  CHECK_SERIES(p, "i", {-1, 1, 2});
}

TEST_CASE("Pine: history of strategy read-outs and ta conditions", "[pine_lang]") {
  // Entry order on bar 1's close fills at bar 2's open: position_size is 1 from bar 2;
  // its [1] is 1 from bar 3. close crosses over 11.5 on bar 2 (11 → 12).
  const auto p = run(strategy(R"(
if close > 10
    strategy.entry("L", strategy.long)
plot(strategy.position_size[1], "p1")
plot(ta.crossover(close, 11.5) ? 1 : 0, "co"))"),
                     ramp(4));
  CHECK_SERIES(p, "p1", {na, 0, 0, 1});
  CHECK_SERIES(p, "co", {0, 0, 1, 0});
}

TEST_CASE("Pine: time(timeframe, session)", "[pine_lang]") {
  // 90-minute bars on Monday 2024-01-01: 00:00, 01:30, 03:00, 04:30 UTC.
  const double t0 = static_cast<double>(kJan1_2024), h = 3'600'000;
  const auto p = run(indicator(R"(
plot(time(timeframe.period, "0100-0400"), "sess")
plot(time("D"), "day")
plot(time("60"), "hour")
plot(time("W"), "week")
plot(time("M"), "month")
plot(time(timeframe.period, "0000-2359:1"), "sunday")
plot(time(timeframe.period, "0400-0100:23456"), "overnight")
plot(na(time(timeframe.period, "0100-0400")) ? 0 : 1, "inSession")
plot(time("D", "0000-0000", "UTC+2"), "tzday"))"),
                     bars({10, 11, 12, 13}, kJan1_2024, 90 * 60'000));
  CHECK_SERIES(p, "sess", {na, t0 + 1.5 * h, t0 + 3 * h, na});
  CHECK_SERIES(p, "day", {t0, t0, t0, t0});
  CHECK_SERIES(p, "hour", {t0, t0 + h, t0 + 3 * h, t0 + 4 * h});
  CHECK_SERIES(p, "week", {t0, t0, t0, t0});   // 2024-01-01 is a Monday
  CHECK_SERIES(p, "month", {t0, t0, t0, t0});
  CHECK_SERIES(p, "sunday", {na, na, na, na}); // a Sunday-only session on a Monday
  CHECK_SERIES(p, "overnight", {t0, na, na, t0 + 4.5 * h});
  CHECK_SERIES(p, "inSession", {0, 1, 1, 0});
  // At UTC+2 the local day starts at 2023-12-31 22:00 UTC for bars before 22:00 UTC.
  CHECK_SERIES(p, "tzday", {t0 - 2 * h, t0 - 2 * h, t0 - 2 * h, t0 - 2 * h});
}

TEST_CASE("Pine: typed parameters, array type forms, wrapped conditions", "[pine_lang]") {
  const auto p = run(indicator(R"(
var float[] a = array.new_float()
array<int> b = array.from(1, 2)
a.push(close)
f(float x, int n = 2) => x * n
g(series float x, simple int len) => ta.sma(x, len)
cond = close > 10 and
     close < 100
plot(a.size(), "a")
plot(array.sum(b), "b")
plot(f(close), "f")
plot(g(close, 2), "g")
plot(cond ? 1 : 0, "cond"))"),
                     ramp(3));
  CHECK_SERIES(p, "a", {1, 2, 3});
  CHECK_SERIES(p, "b", {3, 3, 3});
  CHECK_SERIES(p, "f", {20, 22, 24});
  CHECK_SERIES(p, "g", {na, 10.5, 11.5});
  CHECK_SERIES(p, "cond", {0, 1, 1});
}

TEST_CASE("Pine: constant expressions in strategy() and max_bars_back()", "[pine_lang]") {
  const auto s = compile("//@version=6\nstrategy(\"t\", initial_capital = 1000 * 2, default_qty_value = 100 / 4)\nplot(close)\n");
  CHECK(s->settings.initial_capital == 2000);
  CHECK(s->settings.default_qty_value == 25);
  // max_bars_back(x, 10) keeps 10 past values of x even under max_bars_back = 3 for the script:
  // x[bar_index] reaches back to bar 0 on bar 6.
  const auto p = run("//@version=6\nindicator(\"t\", max_bars_back = 3)\nx = close\nmax_bars_back(x, 10)\nplot(x[bar_index], \"h\")\n",
                     ramp(7));
  CHECK_SERIES(p, "h", {10, 10, 10, 10, 10, 10, 10});
  CHECK_COMPILE_ERROR(indicator("max_bars_back(nothing, 10)"), 3, 15, "undeclared identifier 'nothing'");
}

TEST_CASE("Pine: history inside loop bodies is per bar, not per iteration", "[pine_lang]") {
  // y[1] inside a loop is y's last value on the previous bar: on bar 0 it is na (adds 0 twice);
  // on bar 1 it is bar 0's last y = 10 × 2 = 20, added on both iterations → 40.
  const auto p = run(indicator(R"(
s = 0.0
for k = 1 to 2
    y = close * k
    s += nz(y[1])
w = 0.0
j = 0
while j < 2
    j += 1
    z = close * j
    w += nz(z[1])
plot(s, "for")
plot(w, "while"))"),
                     ramp(3));
  CHECK_SERIES(p, "for", {0, 40, 44});
  CHECK_SERIES(p, "while", {0, 40, 44});
}

TEST_CASE("Pine v5: and/or evaluate both sides on every bar", "[pine_lang]") {
  // The same counter as the v6 short-circuit test: in v5 cnt() runs on every bar (n = bar + 1),
  // so `odd and cnt() >= 2` is true on bars 1, 3, 5.
  const auto p = run("//@version=5\nindicator(\"t\")\n" R"(
cnt() =>
    var int n = 0
    n += 1
    n
a = bar_index % 2 == 1 and cnt() >= 2
plot(a ? 1 : 0, "and")
)",
                     ramp(6));
  CHECK_SERIES(p, "and", {0, 1, 0, 1, 0, 1});
}
