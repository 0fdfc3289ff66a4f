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

// fn(a, b) inside a JS try/catch, as atf_call_guarded.
EM_JS(emscripten::EM_VAL, atf_call_guarded2, (emscripten::EM_VAL fn, emscripten::EM_VAL a, emscripten::EM_VAL b), {
  try {
    return Emval.toHandle([true, Emval.toValue(fn)(Emval.toValue(a), Emval.toValue(b))]);
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
  return answer(val::take_ownership(atf_call_guarded(fn_.as_handle(), arg.as_handle())));
}

val Callback::operator()(const val& a, const val& b) {
  if (failed_) return val::undefined();
  return answer(val::take_ownership(atf_call_guarded2(fn_.as_handle(), a.as_handle(), b.as_handle())));
}

val Callback::answer(const val& r) {
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

void JsHooks::add_trial(bool /*ok*/) { ++trials_; }

void JsHooks::flush() {
  if (callback_.present() && (reported_ != total_ || reported_trials_ != trials_)) report();
}

void JsHooks::report() {
  last_call_ms_ = emscripten_get_now();
  reported_ = total_;
  reported_trials_ = trials_;
  if (callback_(val(static_cast<double>(total_)), val(static_cast<double>(trials_))).as<bool>() || callback_.failed()) stop_ = true;
}

}  // namespace atf::wasm
