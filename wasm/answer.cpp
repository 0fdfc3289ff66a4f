#include "answer.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "atf/json_io.h"

namespace atf::wasm {
namespace {

using nlohmann::json;

void append_double(std::string& out, double v) {  // as nlohmann's dump: shortest round-trip, NaN null
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[64];
  const char* end = nlohmann::detail::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<size_t>(end - buf));
}

void append_int(std::string& out, int64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<size_t>(r.ptr - buf));
}

/// dump(atf::to_json(t)), without building a JSON object (keys in nlohmann's sorted order).
void append_trade(std::string& out, const atf::Trade& t) {
  out += "{\"commission\":";
  append_double(out, t.commission);
  out += ",\"entry_index\":";
  append_int(out, t.entry_index);
  out += ",\"entry_price\":";
  append_double(out, t.entry_price);
  out += ",\"entry_time\":";
  append_int(out, t.entry_time);
  out += ",\"exit_index\":";
  append_int(out, t.exit_index);
  out += ",\"exit_price\":";
  append_double(out, t.exit_price);
  out += ",\"exit_reason\":";
  out += dump(json(atf::exit_reason_name(t.exit_reason)));
  out += ",\"exit_time\":";
  append_int(out, t.exit_time);
  out += ",\"pnl\":";
  append_double(out, t.pnl);
  out += ",\"quantity\":";
  append_double(out, t.quantity);
  out += ",\"return_pct\":";
  append_double(out, t.return_pct);
  out += t.side > 0 ? ",\"side\":\"long\"}" : ",\"side\":\"short\"}";
}

}  // namespace

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string ok(json value) { return dump(json{{"ok", true}, {"value", std::move(value)}}); }

std::string fail(const atf::Error& e) {
  json err = atf::to_json(e);
  // Where a run failed is what JS shows as the stack trace (the engine calls it context).
  if (!e.context.empty()) {
    err.erase("context");
    err["stack"] = e.context;
  }
  return dump(json{{"ok", false}, {"error", std::move(err)}});
}

std::string fail(atf::ErrorCode code, std::string message, std::string field) {
  atf::Error e = atf::Error::make(code, std::move(message));
  e.field = std::move(field);
  return fail(e);
}

atf::Result<json> parse_json(const std::string& text, const char* field) {
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    // parse_error ("[json.exception.parse_error.101] parse error at line 1, ...") or out_of_range
    // ("[json.exception.out_of_range.406] number overflow parsing '1e400'").
    std::string what = e.what();
    if (const size_t p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
    return atf::Error::validation(field, std::string(field) + " is not valid JSON: " + what);
  }
}

std::string backtest_answer(atf::BacktestResult& r) {
  std::vector<atf::Trade> trades;
  trades.swap(r.trades);
  const json j = atf::to_json(r, /*with_curve=*/false);  // "trades": []
  if (!trades.empty()) {
    std::string mine;
    append_trade(mine, trades.front());
    if (mine != dump(atf::to_json(trades.front()))) {
      r.trades.swap(trades);
      return ok(atf::to_json(r, false));
    }
  }
  std::string out = "{\"ok\":true,\"value\":{";
  out.reserve(out.size() + 1024 + trades.size() * 300);
  bool first_key = true;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!first_key) out += ',';
    first_key = false;
    out += dump(json(it.key()));
    out += ':';
    if (it.key() != "trades") {
      out += dump(it.value());
      continue;
    }
    out += '[';
    for (size_t i = 0; i < trades.size(); ++i) {
      if (i > 0) out += ',';
      append_trade(out, trades[i]);
    }
    out += ']';
  }
  out += "}}";
  r.trades.swap(trades);
  return out;
}

}  // namespace atf::wasm
