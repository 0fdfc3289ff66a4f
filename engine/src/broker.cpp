#include "atf/broker.h"

namespace atf {

const char* exit_reason_name(ExitReason r) {
  switch (r) {
    case ExitReason::kSignal: return "signal";
    case ExitReason::kStopLoss: return "stop_loss";
    case ExitReason::kTakeProfit: return "take_profit";
    case ExitReason::kEnd: return "end";
    case ExitReason::kMarginCall: return "margin_call";
  }
  return "signal";
}

}  // namespace atf
