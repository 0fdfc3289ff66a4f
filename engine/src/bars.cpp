#include "atf/bars.h"

#include <algorithm>

namespace atf {

void Bars::reserve(size_t n) {
  time.reserve(n);
  open.reserve(n);
  high.reserve(n);
  low.reserve(n);
  close.reserve(n);
  volume.reserve(n);
}

void Bars::push_back(int64_t t, double o, double h, double l, double c, double v) {
  time.push_back(t);
  open.push_back(o);
  high.push_back(h);
  low.push_back(l);
  close.push_back(c);
  volume.push_back(v);
}

Bars Bars::slice_time(int64_t from_ms, int64_t to_ms) const {
  Bars out;
  out.symbol = symbol;
  if (from_ms > to_ms) return out;
  // `time` is strictly increasing, so the range is one contiguous run found by binary search.
  const auto first = std::lower_bound(time.begin(), time.end(), from_ms);
  const auto last = std::upper_bound(first, time.end(), to_ms);
  const auto i = static_cast<size_t>(first - time.begin());
  const auto j = static_cast<size_t>(last - time.begin());
  const auto copy = [i, j](const auto& src, auto& dst) { dst.assign(src.begin() + i, src.begin() + j); };
  copy(time, out.time);
  copy(open, out.open);
  copy(high, out.high);
  copy(low, out.low);
  copy(close, out.close);
  copy(volume, out.volume);
  return out;
}

}  // namespace atf
