#include "js_callbacks.h"

#include <emscripten/emscripten.h>

#include <utility>

// fn(arg) inside a JS try/catch: a handle to [true, result] or [false, message, stack].
EM_JS(emscripten::EM_VAL, atf_call_guarded, (emscripten::EM_VAL fn, emscripten::EM_VAL arg), {
  try {
    return Emval.toHandle([true, Emval.toValue(fn)(Emval.toValue(arg))]);
  } catch (e) {
    var text = "exception", stack = "";
    try {
      text = String(e);
      stack = String((e && e.stack) || "");
    } catch (ignored) {
    }
    return Emval.toHandle([false, text, stack]);
  }
});

namespace atf::wasm {

using emscripten::val;

val Callback::operator()(const val& arg) {
  if (failed_) return val::undefined();
  val r = val::take_ownership(atf_call_guarded(fn_.as_handle(), arg.as_handle()));
  if (r[0].as<bool>()) return r[1];
  failed_ = true;
  message_ = std::string(name_) + " threw: " + r[1].as<std::string>();
  stack_ = r[2].as<std::string>();
  return val::undefined();
}

Error Callback::error() const {
  Error e = Error::make(ErrorCode::kInternal, message_);
  e.context = stack_;  // the JS stack of the callback that threw
  return e;
}

void JsHooks::add_bars(int64_t n) {
  total_ += n;
  if (callback_.present() && emscripten_get_now() - last_call_ms_ >= kMinIntervalMs) report();
}

void JsHooks::flush() {
  if (callback_.present() && reported_ != total_) report();
}

void JsHooks::report() {
  last_call_ms_ = emscripten_get_now();
  reported_ = total_;
  if (callback_(val(static_cast<double>(total_))).as<bool>() || callback_.failed()) stop_ = true;
}

}  // namespace atf::wasm
