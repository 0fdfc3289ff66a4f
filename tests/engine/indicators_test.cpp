// Indicators on hand-computable inputs, the crossing rule, and exactness of ties.
#include <catch2/catch.hpp>
#include <cmath>

#include "atf/indicators.h"

using namespace atf;

TEST_CASE("SMA keeps an exact window sum", "[indicators]") {
  Sma sma(3);
  CHECK_FALSE(sma.update(1));
  CHECK_FALSE(sma.update(2));
  CHECK(sma.update(3));
  CHECK(sma.sum() == 6);
  sma.update(10);
  CHECK(sma.sum() == 15);
  CHECK(sma.value(0.01) == Approx(0.05));
}

TEST_CASE("SMA does not drift over ten million bars", "[indicators]") {
  Sma sma(50);
  int64_t x = 123456789, last[50];
  for (int64_t i = 0; i < 10'000'000; ++i) {
    x = (x * 1103515245 + 12345) % 2147483648;  // LCG ticks
    sma.update(x % 100000);
    last[i % 50] = x % 100000;
  }
  int64_t sum = 0;
  for (int64_t v : last) sum += v;
  CHECK(sma.sum() == sum);
}

TEST_CASE("EMA is seeded with the SMA and smooths with 2/(n+1)", "[indicators]") {
  Ema ema(3);
  ema.update(1);
  ema.update(2);
  CHECK(std::isnan(ema.value()));
  ema.update(3);
  CHECK(ema.value() == 2);
  ema.update(4);
  CHECK(ema.value() == 3);  // 2 + 0.5 × (4 − 2)
  Ema flat(10);
  for (int i = 0; i < 1'000'000; ++i) flat.update(42.17);
  CHECK(flat.value() == Approx(42.17).epsilon(1e-15));
}

TEST_CASE("RSI uses Wilder's smoothing", "[indicators]") {
  RsiWilder rsi(2);
  rsi.update(1);
  rsi.update(2);
  CHECK_FALSE(rsi.ready());
  rsi.update(3);  // gains 1, 1 → avg gain 1, loss 0
  CHECK(rsi.value() == 100);
  rsi.update(2);  // gain (1·1 + 0)/2 = 0.5, loss (0 + 1)/2 = 0.5
  CHECK(rsi.value() == Approx(50));
  rsi.update(2);  // gain 0.25, loss 0.25
  CHECK(rsi.value() == Approx(50));
  rsi.update(1);  // gain 0.125, loss 0.625 → 100·0.125/0.75
  CHECK(rsi.value() == Approx(100.0 / 6));
}

TEST_CASE("Bollinger bands use the population deviation, exactly", "[indicators]") {
  Bollinger bb(3);
  bb.update(1);
  bb.update(2);
  bb.update(3);
  CHECK(bb.n2_variance() == 6);  // 3·14 − 6²
  CHECK(bb.middle(1) == 2);
  CHECK(bb.stddev(1) == Approx(std::sqrt(2.0 / 3)));
  bb.update(3);  // window 2, 3, 3
  CHECK(bb.n2_variance() == 3 * 22 - 64);
}

TEST_CASE("ATR starts with the mean true range, then Wilder-smooths", "[indicators]") {
  Atr atr(2);
  atr.update(10, 8, 9);   // TR 2
  atr.update(15, 12, 14); // TR max(3, |15−9|, |12−9|) = 6 → ATR 4
  CHECK(atr.value() == 4);
  atr.update(14, 13, 13.5);  // TR max(1, 0, 1) = 1 → (4 + 1)/2
  CHECK(atr.value() == 2.5);
}

TEST_CASE("MACD line, signal and histogram", "[indicators]") {
  Macd macd(2, 3, 2);
  for (double p : {1.0, 2.0, 3.0}) macd.update(p);
  CHECK_FALSE(macd.ready());
  CHECK(macd.line() == Approx(0.5));  // EMA2 2.5 − EMA3 2
  macd.update(4);                     // 3.5 − 3 = 0.5, signal seeded = 0.5
  CHECK(macd.ready());
  CHECK(macd.signal() == Approx(0.5));
  CHECK(macd.histogram() == Approx(0));
}

TEST_CASE("highest and lowest over a sliding window", "[indicators]") {
  Highest hi(3);
  Lowest lo(3);
  const int64_t xs[] = {5, 1, 4, 2, 3, 9, 0};
  const int64_t want_hi[] = {5, 5, 5, 4, 4, 9, 9};
  const int64_t want_lo[] = {5, 1, 1, 1, 2, 2, 0};
  for (int i = 0; i < 7; ++i) {
    hi.update(xs[i]);
    lo.update(xs[i]);
    CHECK(hi.value() == want_hi[i]);
    CHECK(lo.value() == want_lo[i]);
  }
}

TEST_CASE("crossing rule: equal values carry the last non-equal side", "[indicators][cross]") {
  auto run = [](std::initializer_list<int> signs) {
    CrossDetector c;
    std::vector<int> out;
    for (int s : signs) out.push_back(c.update(s));
    return out;
  };
  CHECK(run({-1, 0, 0, 1}) == std::vector<int>{0, 0, 0, 1});   // below, touch, touch, above: a cross
  CHECK(run({1, 0, 1}) == std::vector<int>{0, 0, 0});          // touch from above and back: none
  CHECK(run({-1, 0, -1, 0, 1}) == std::vector<int>{0, 0, 0, 0, 1});
  CHECK(run({0, 0, 1, -1}) == std::vector<int>{0, 0, 0, -1});  // no side before the first: no cross
  CHECK(run({1, -1, 1, -1}) == std::vector<int>{0, -1, 1, -1});
}

TEST_CASE("tied averages compare equal even where doubles would not", "[indicators][exact]") {
  // Window sums over ticks of 0.01: SMA2 of (0.1, 0.2) and SMA3 of (0.3, 0.1, 0.05): both 0.15.
  // In doubles (0.1 + 0.2)/2 is 0.15000000000000002 while (0.3 + 0.1 + 0.05)/3 is 0.15.
  const double naive_fast = (0.1 + 0.2) / 2, naive_slow = (0.3 + 0.1 + 0.05) / 3;
  REQUIRE(naive_fast != naive_slow);  // the trap this test is about
  Sma fast(2), slow(3);
  for (int64_t v : {30, 10, 5}) slow.update(v);
  for (int64_t v : {10, 20}) fast.update(v);
  CHECK(fast.sum() * 3 == slow.sum() * 2);  // exact cross-multiplied comparison: equal
}
