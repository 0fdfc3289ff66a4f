// The strategy.* order functions and constants. Orders go to the run's OrderSink (orders.h);
// what the broker supports is the broker's business, so these only collect the arguments.
#include <string>

#include "../builtin.h"

namespace atf::pine {
namespace {

std::string_view text_of(CallContext& cx, Value handle) {
  if (is_na(handle)) return {};
  return cx.heap->str(handle);
}

OrderSink& sink(CallContext& cx) {
  if (!cx.orders) throw RuntimeError("strategy functions can only be used in a strategy() script");
  return *cx.orders;
}

// strategy.entry / strategy.order(id, direction, qty, limit, stop, oca_name, oca_type, comment, ...):
// the same arguments, two kinds of order.
void place(CallContext& cx, const Value* a, OrderRequest::Kind kind) {
  OrderSink& s = sink(cx);
  if (!cx.trading) return;
  OrderRequest o;
  o.kind = kind;
  o.id = text_of(cx, a[0]);
  o.direction = a[1] < 0 ? -1 : 1;
  o.qty = a[2];
  o.limit = a[3];
  o.stop = a[4];
  o.comment = text_of(cx, a[7]);
  s.submit(o);
}

void entry(CallContext& cx, const Value* a, Value*, CallState*) { place(cx, a, OrderRequest::Kind::kEntry); }
void order(CallContext& cx, const Value* a, Value*, CallState*) { place(cx, a, OrderRequest::Kind::kOrder); }

// strategy.exit(id, from_entry, qty, qty_percent, profit, limit, loss, stop, trail_price, trail_points, trail_offset, oca_name, comment, ...)
void exit_(CallContext& cx, const Value* a, Value*, CallState*) {
  OrderSink& s = sink(cx);
  if (!cx.trading) return;
  OrderRequest o;
  o.kind = OrderRequest::Kind::kExit;
  o.id = text_of(cx, a[0]);
  o.from_entry = text_of(cx, a[1]);
  o.qty = a[2];
  o.qty_percent = a[3];
  o.profit = a[4];
  o.limit = a[5];
  o.loss = a[6];
  o.stop = a[7];
  o.trail_price = a[8];
  o.trail_points = a[9];
  o.trail_offset = a[10];
  o.comment = text_of(cx, a[12]);
  s.submit(o);
}

void close(CallContext& cx, const Value* a, Value*, CallState*) {
  OrderSink& s = sink(cx);
  if (!cx.trading) return;
  OrderRequest o;
  o.kind = OrderRequest::Kind::kClose;
  o.id = text_of(cx, a[0]);
  o.comment = text_of(cx, a[1]);
  o.qty = a[2];
  o.qty_percent = a[3];
  o.immediately = truthy(a[5]);
  s.submit(o);
}

void close_all(CallContext& cx, const Value* a, Value*, CallState*) {
  OrderSink& s = sink(cx);
  if (!cx.trading) return;
  OrderRequest o;
  o.kind = OrderRequest::Kind::kCloseAll;
  o.comment = text_of(cx, a[0]);
  o.immediately = truthy(a[2]);
  s.submit(o);
}

void cancel(CallContext& cx, const Value* a, Value*, CallState*) {
  OrderSink& s = sink(cx);
  OrderRequest o;
  o.kind = OrderRequest::Kind::kCancel;
  o.id = text_of(cx, a[0]);
  s.submit(o);
}

void cancel_all(CallContext& cx, const Value*, Value*, CallState*) {
  OrderSink& s = sink(cx);
  OrderRequest o;
  o.kind = OrderRequest::Kind::kCancelAll;
  s.submit(o);
}

}  // namespace

void register_strategy(Registry& reg) {
  reg.function(
      "strategy.entry(series string id, series int direction, series float qty = na, series float limit = na, "
      "series float stop = na, series string oca_name = na, series string oca_type = na, series string comment = na, "
      "series string alert_message = na, series bool disable_alert = false) -> void",
      "Enters a position (reversing an opposite one); respects pyramiding.", entry);
  reg.function(
      "strategy.order(series string id, series int direction, series float qty = na, series float limit = na, "
      "series float stop = na, series string oca_name = na, series string oca_type = na, series string comment = na, "
      "series string alert_message = na, series bool disable_alert = false) -> void",
      "Places an order that adds to or reduces the position, ignoring pyramiding.", order);
  reg.function(
      "strategy.exit(series string id, series string from_entry = na, series float qty = na, series float qty_percent = na, "
      "series float profit = na, series float limit = na, series float loss = na, series float stop = na, "
      "series float trail_price = na, series float trail_points = na, series float trail_offset = na, "
      "series string oca_name = na, series string comment = na, series string comment_profit = na, "
      "series string comment_loss = na, series string comment_trailing = na, series string alert_message = na, "
      "series string alert_profit = na, series string alert_loss = na, series string alert_trailing = na, "
      "series bool disable_alert = false) -> void",
      "Attaches a take-profit / stop-loss / trailing-stop bracket to an entry.", exit_);
  reg.function(
      "strategy.close(series string id, series string comment = na, series float qty = na, series float qty_percent = na, "
      "series string alert_message = na, series bool immediately = false, series bool disable_alert = false) -> void",
      "Closes the position opened by entry `id` with a market order.", close);
  reg.function(
      "strategy.close_all(series string comment = na, series string alert_message = na, series bool immediately = false, "
      "series bool disable_alert = false) -> void",
      "Closes the whole position with a market order.", close_all);
  reg.function("strategy.cancel(series string id) -> void", "Cancels the pending order `id`.", cancel);
  reg.function("strategy.cancel_all() -> void", "Cancels every pending order.", cancel_all);
  reg.constant("strategy.long", "const int", 1);
  reg.constant("strategy.short", "const int", -1);
  reg.string_constant("strategy.fixed", "fixed");
  reg.string_constant("strategy.cash", "cash");
  reg.string_constant("strategy.percent_of_equity", "percent_of_equity");
  reg.string_constant("strategy.commission.percent", "percent");
  reg.string_constant("strategy.commission.cash_per_contract", "cash_per_contract");
  reg.string_constant("strategy.commission.cash_per_order", "cash_per_order");
  reg.string_constant("strategy.oca.none", "none");
  reg.string_constant("strategy.oca.cancel", "cancel");
  reg.string_constant("strategy.oca.reduce", "reduce");
  reg.string_constant("strategy.direction.all", "all");
  reg.string_constant("strategy.direction.long", "long");
  reg.string_constant("strategy.direction.short", "short");
  reg.string_constant("strategy.closeEntriesRule.FIFO", "FIFO");
  reg.string_constant("strategy.closeEntriesRule.ANY", "ANY");
}

}  // namespace atf::pine
