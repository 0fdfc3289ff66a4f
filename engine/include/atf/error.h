// Errors cross layers as values: every public engine call returns Result<T>.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace atf {

/// Kind of failure; the string form (error_code_name) is what JSON, CLI and JS see.
enum class ErrorCode {
  kValidation,  ///< a request field is invalid (names the field)
  kImport,      ///< a data file is malformed (names line and column)
  kNotFound,    ///< unknown strategy, metric or id
  kLimit,       ///< a configured limit (grid size, memory) would be exceeded
  kCancelled,   ///< the run was cancelled
  kRuntime,     ///< a strategy or trial failed while running
  kInternal,    ///< a bug: should never happen
};

const char* error_code_name(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::string field;   ///< request field or CSV column name, if any
  int64_t line = 0;    ///< 1-based file line for import errors, else 0
  int64_t column = 0;  ///< 1-based column for import errors, else 0
  std::string context; ///< where a run failed: "strategy(params) at bar N (time)"; else empty

  static Error validation(std::string field, std::string message) {
    return Error{ErrorCode::kValidation, std::move(message), std::move(field), 0, 0, {}};
  }
  static Error make(ErrorCode code, std::string message) { return Error{code, std::move(message), {}, 0, 0, {}}; }
};

/// Value or Error, like std::expected (not available in C++20).
template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}    // NOLINT(google-explicit-constructor)
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const Error& error() const { return std::get<1>(v_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }

 private:
  std::variant<T, Error> v_;
};

/// Result<void> equivalent.
struct Ok {};
using Status = Result<Ok>;

}  // namespace atf
