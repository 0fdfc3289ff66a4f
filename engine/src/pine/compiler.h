// Syntax tree → Program (program.h). Resolves every name to a register at compile time, inlines
// user functions at each call site (so each call site keeps its own history and `var` state, as
// TradingView's execution model requires), gives history buffers only to the values that are
// read with `[n]`, and marks the ta.* calls that depend only on prices and const/input values as
// shared series (computed once per input value, shared by all trials of a grid).
#pragma once
#include <memory>
#include <string_view>

#include "atf/error.h"
#include "program.h"

namespace atf::pine {

/// Compiles a whole script. Errors: kValidation with line and column and a message that names
/// what is wrong (syntax, unknown name, type or qualifier mismatch, unsupported feature).
Result<std::shared_ptr<const Program>> compile_program(std::string_view source);

}  // namespace atf::pine
