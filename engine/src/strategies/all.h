// Every strategy type, for dispatch: the run loop is instantiated once per type so the per-bar
// signal call inlines (no virtual call per bar).
#pragma once
#include <optional>
#include <string>
#include <type_traits>
#include <variant>

#include "fault_probe.h"
#include "mean_reversion.h"
#include "moving_average_cross.h"
#include "trend.h"

namespace atf {

using AnyStrategy = std::variant<SmaCross, EmaCross, RsiReversion, BollingerReversion, DonchianBreakout, MacdSignal,
                                 FaultProbe>;

static_assert(std::is_trivially_copyable_v<SmaCross> && std::is_trivially_copyable_v<EmaCross> &&
                  std::is_trivially_copyable_v<RsiReversion> && std::is_trivially_copyable_v<BollingerReversion> &&
                  std::is_trivially_copyable_v<DonchianBreakout> && std::is_trivially_copyable_v<MacdSignal> &&
                  std::is_trivially_copyable_v<FaultProbe>,
              "strategies hold raw pointers (series are kept alive by KeepAlive) so loops can copy them");

/// A default-constructed strategy of the named kind (init() it before use).
inline std::optional<AnyStrategy> make_strategy(const std::string& name) {
  if (name == "sma_cross") return AnyStrategy{SmaCross{}};
  if (name == "ema_cross") return AnyStrategy{EmaCross{}};
  if (name == "rsi_reversion") return AnyStrategy{RsiReversion{}};
  if (name == "bollinger_reversion") return AnyStrategy{BollingerReversion{}};
  if (name == "donchian_breakout") return AnyStrategy{DonchianBreakout{}};
  if (name == "macd_signal") return AnyStrategy{MacdSignal{}};
  if (name == "fault_probe") return AnyStrategy{FaultProbe{}};
  return std::nullopt;
}

}  // namespace atf
