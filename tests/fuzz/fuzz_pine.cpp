// Fuzz target: Pine Script source -> lexer, parser, checker, compiler (compile_pine), and, for
// what compiles, a run over 12 bars (the VM, the built-ins, the script runner). Checked: nothing
// throws out of the engine; a compile error is a validation error on field "script" with a
// message and a position inside the text; a run either completes with one equity value per bar
// and finite equity, or fails as a runtime error naming the line; two runs give identical
// results (determinism).
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>

#include "atf/backtest.h"
#include "atf/datagen.h"
#include "atf/market_data.h"
#include "atf/pine.h"
#include "fuzz_check.h"

namespace {

const atf::MarketData& dataset() {
  static const std::shared_ptr<const atf::MarketData> md = [] {
    atf::GeneratorOptions g;
    g.bars = 12;
    g.seed = 11;
    g.step_ms = 3'600'000;
    return *atf::prepare_market_data(atf::generate_bars(g));
  }();
  return *md;
}

int64_t line_count(const std::string& s) {
  int64_t n = 1;
  for (char c : s) n += c == '\n';
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string source(reinterpret_cast<const char*>(data), size);
  auto script = atf::compile_pine(source);
  if (!script) {
    const atf::Error& e = script.error();
    FUZZ_CHECK(e.code == atf::ErrorCode::kValidation, e.message);
    FUZZ_CHECK(!e.message.empty(), "a compile error without a message");
    FUZZ_CHECK(e.field == "script", "compile error field: " + e.field);
    FUZZ_CHECK(e.line >= 1 && e.line <= line_count(source) + 1, "error line outside the text: " + std::to_string(e.line));
    FUZZ_CHECK(e.column >= 1, "error column < 1");
    return 0;
  }
  atf::BacktestRequest req;
  req.script = *script;
  auto prepared = atf::prepare_script_request(req, dataset());
  if (!prepared) {
    FUZZ_CHECK(prepared.error().code == atf::ErrorCode::kValidation, prepared.error().message);
    return 0;
  }
  auto a = atf::run_backtest(dataset(), req);
  auto b = atf::run_backtest(dataset(), req);
  FUZZ_CHECK(a.ok() == b.ok(), "two runs disagree on success");
  if (!a) {
    FUZZ_CHECK(a.error().code == atf::ErrorCode::kRuntime || a.error().code == atf::ErrorCode::kValidation ||
                   a.error().code == atf::ErrorCode::kLimit,
               a.error().message);
    FUZZ_CHECK(a.error().message == b.error().message, "two runs fail differently");
    return 0;
  }
  FUZZ_CHECK(a->equity_curve.size() == 12, "equity curve length");
  FUZZ_CHECK(a->trades.size() == b->trades.size(), "two runs trade differently");
  FUZZ_CHECK(a->final_equity == b->final_equity || (std::isnan(a->final_equity) && std::isnan(b->final_equity)),
             "two runs end differently");
  for (const auto& p : a->plots) FUZZ_CHECK(p.values.size() == 12, "plot length");
  return 0;
}
