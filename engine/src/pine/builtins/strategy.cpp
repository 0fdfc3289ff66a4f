// The strategy.* order functions and constants. Orders go to the run's OrderSink (orders.h);
// what the broker supports is the broker's business, so these only collect the arguments.
#include <algorithm>
#include <cmath>
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
  o.oca_name = text_of(cx, a[5]);
  o.oca_type = text_of(cx, a[6]);
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
  o.comment_profit = text_of(cx, a[13]);
  o.comment_loss = text_of(cx, a[14]);
  o.comment_trailing = text_of(cx, a[15]);
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

// strategy.risk.*: rules the broker enforces from the bar they are set. Arguments: the
// direction (allow_entry_in), or the value then, for the money rules, its type.
template <RiskRequest::Rule kRule>
void risk_rule(CallContext& cx, const Value* a, Value*, CallState*) {
  RiskRequest r;
  r.rule = kRule;
  if constexpr (kRule == RiskRequest::Rule::kAllowEntryIn) {
    r.direction = text_of(cx, a[0]);
  } else {
    r.value = a[0];
    if constexpr (kRule == RiskRequest::Rule::kMaxIntradayLoss || kRule == RiskRequest::Rule::kMaxDrawdown) r.type = text_of(cx, a[1]);
  }
  sink(cx).risk(r);
}

// strategy.opentrades.* / strategy.closedtrades.*(trade_num): na when trade_num is out of range,
// as TradingView returns.
const TradeRecord* trade_at(CallContext& cx, bool open, Value num) {
  if (is_na(num)) return nullptr;
  return sink(cx).trade(open, static_cast<int64_t>(std::clamp(num, -1.0, 9.0e15)));
}

template <bool kOpen, double TradeRecord::*kField>
void trade_number(CallContext& cx, const Value* a, Value* out, CallState*) {
  const TradeRecord* t = trade_at(cx, kOpen, a[0]);
  *out = t ? t->*kField : kNa;
}
template <bool kOpen, int64_t TradeRecord::*kField>
void trade_int(CallContext& cx, const Value* a, Value* out, CallState*) {
  const TradeRecord* t = trade_at(cx, kOpen, a[0]);
  *out = t ? static_cast<double>(t->*kField) : kNa;
}
template <bool kOpen, std::string TradeRecord::*kField>
void trade_text(CallContext& cx, const Value* a, Value* out, CallState*) {
  const TradeRecord* t = trade_at(cx, kOpen, a[0]);
  *out = t ? sink(cx).text_handle(t->*kField) : kNa;
}
template <bool kOpen>
void trade_percent(CallContext& cx, const Value* a, Value* out, CallState*) {
  const TradeRecord* t = trade_at(cx, kOpen, a[0]);
  *out = t ? t->profit / (std::fabs(t->size) * t->entry_price) * 100.0 : kNa;
}

template <bool kOpen>
void register_trades(Registry& reg) {
  const std::string ns = kOpen ? "strategy.opentrades." : "strategy.closedtrades.";
  const std::string which = kOpen ? "open trade" : "closed trade";
  auto num = [&](const char* name, BuiltinImpl f, const char* what) {
    reg.function(ns + name + "(series int trade_num) -> series float", std::string(what) + " of the " + which + " trade_num (0 = oldest); na when out of range.", f);
  };
  auto integer = [&](const char* name, BuiltinImpl f, const char* what) {
    reg.function(ns + name + "(series int trade_num) -> series int", std::string(what) + " of the " + which + " trade_num (0 = oldest); na when out of range.", f);
  };
  auto text = [&](const char* name, BuiltinImpl f, const char* what) {
    reg.function(ns + name + "(series int trade_num) -> series string", std::string(what) + " of the " + which + " trade_num (0 = oldest); na when out of range.", f);
  };
  num("entry_price", trade_number<kOpen, &TradeRecord::entry_price>, "Entry price");
  integer("entry_bar_index", trade_int<kOpen, &TradeRecord::entry_bar>, "Bar index of the entry");
  integer("entry_time", trade_int<kOpen, &TradeRecord::entry_time>, "UNIX time (ms) of the entry");
  text("entry_id", trade_text<kOpen, &TradeRecord::entry_id>, "Id of the entry order");
  text("entry_comment", trade_text<kOpen, &TradeRecord::entry_comment>, "Comment of the entry order");
  num("size", trade_number<kOpen, &TradeRecord::size>, "Signed size (contracts; negative for shorts)");
  num("profit", trade_number<kOpen, &TradeRecord::profit>, "Profit or loss net of commission");
  num("profit_percent", trade_percent<kOpen>, "Profit or loss in percent of the entry value");
  num("commission", trade_number<kOpen, &TradeRecord::commission>, "Commission paid");
  num("max_runup", trade_number<kOpen, &TradeRecord::max_runup>, "Largest run-up (currency)");
  num("max_drawdown", trade_number<kOpen, &TradeRecord::max_drawdown>, "Largest drawdown (currency)");
  if (!kOpen) {
    num("exit_price", trade_number<false, &TradeRecord::exit_price>, "Exit price");
    integer("exit_bar_index", trade_int<false, &TradeRecord::exit_bar>, "Bar index of the exit");
    integer("exit_time", trade_int<false, &TradeRecord::exit_time>, "UNIX time (ms) of the exit");
    text("exit_id", trade_text<false, &TradeRecord::exit_id>, "Id (signal) of the exit order");
    text("exit_comment", trade_text<false, &TradeRecord::exit_comment>, "Comment of the exit order");
  }
}

}  // namespace

void register_strategy(Registry& reg) {
  register_trades<true>(reg);
  register_trades<false>(reg);
  reg.function("strategy.risk.allow_entry_in(simple string value) -> void",
               "Allows entries in one direction only; an entry the other way only closes the position.", risk_rule<RiskRequest::Rule::kAllowEntryIn>);
  reg.function("strategy.risk.max_position_size(simple float contracts) -> void",
               "Caps the position's size; larger entries are reduced.", risk_rule<RiskRequest::Rule::kMaxPositionSize>);
  reg.function("strategy.risk.max_intraday_filled_orders(simple int count, simple string alert_message = na) -> void",
               "After `count` fills in a day, cancels orders, closes the position and trades no more that day.",
               risk_rule<RiskRequest::Rule::kMaxIntradayFilledOrders>);
  reg.function("strategy.risk.max_intraday_loss(simple float value, simple string type = \"percent_of_equity\", simple string alert_message = na) -> void",
               "After a day's loss reaches `value`, closes the position and trades no more that day.", risk_rule<RiskRequest::Rule::kMaxIntradayLoss>);
  reg.function("strategy.risk.max_drawdown(simple float value, simple string type, simple string alert_message = na) -> void",
               "After equity falls `value` from its peak, closes the position and stops trading.", risk_rule<RiskRequest::Rule::kMaxDrawdown>);
  reg.function("strategy.risk.max_cons_loss_days(simple int count, simple string alert_message = na) -> void",
               "After `count` losing days in a row, closes the position and stops trading.", risk_rule<RiskRequest::Rule::kMaxConsLossDays>);
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
