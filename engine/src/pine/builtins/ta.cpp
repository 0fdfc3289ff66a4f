// The ta.* namespace (TradingView Pine Script v6 "ta" built-ins). The functions live in
// builtins/ta/, one file per family; ta_internal.h states the conventions they share.
#include "../builtin.h"
#include "ta/ta_internal.h"

namespace atf::pine {

void register_ta(Registry& reg) {
  ta::register_moving_averages(reg);
  ta::register_statistics(reg);
  ta::register_oscillators(reg);
  ta::register_volatility(reg);
  ta::register_trend(reg);
  ta::register_volume(reg);
  ta::register_pivots(reg);
  ta::register_misc(reg);
}

}  // namespace atf::pine
