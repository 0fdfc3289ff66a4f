// Answers of the JS entry points as JSON text: {"ok":true,"value":...} or {"ok":false,"error":...}.
#pragma once
#include <exception>
#include <new>
#include <string>

#include <nlohmann/json.hpp>

#include "atf/backtest.h"
#include "atf/error.h"

namespace atf::wasm {

/// JSON text; invalid UTF-8 (e.g. CSV bytes quoted in an import error) becomes U+FFFD rather
/// than an exception.
std::string dump(const nlohmann::json& j);

/// {"ok":true,"value":value}
std::string ok(nlohmann::json value);

/// An engine Error as an EngineErrorValue. For runtime failures the engine puts "where it failed"
/// (strategy, parameters, bar) in Error::field; that is a location, not a request field, so it
/// becomes `stack` (the same text the optimizer stores as a trial's error_stack_trace). Internal
/// errors carry a JS stack there (a callback that threw).
std::string fail(const Error& e);
std::string fail(ErrorCode code, std::string message, std::string field = {});

/// Runs an entry point's body; any exception becomes an error value.
template <class F>
std::string guarded(F&& body) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return fail(ErrorCode::kLimit, "out of memory (the Wasm heap is limited to 2 GB)");
  } catch (const std::exception& e) {
    return fail(ErrorCode::kInternal, std::string("internal error: ") + e.what());
  } catch (...) {
    return fail(ErrorCode::kInternal, "internal error: unknown exception");
  }
}

/// Parses a request document; a syntax error is a validation error on `field`.
Result<nlohmann::json> parse_json(const std::string& text, const char* field);

/// ok(to_json(r, false)) as text, with the trades (often thousands) written directly: building
/// one JSON object per trade cost ~6 µs each in Wasm, most of a 1M-bar backtest's call. If the
/// direct writer ever disagrees with the engine's to_json(Trade) (a field added there), the
/// engine's writer is used for all trades. `r.trades` is left as it was.
std::string backtest_answer(BacktestResult& r);

}  // namespace atf::wasm
