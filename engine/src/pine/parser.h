// Tokens → syntax tree (recursive descent, Pine's operator precedence). Also finds the script's
// declaration statement (`strategy(...)` / `indicator(...)`) — the checker interprets it.
#pragma once
#include <string_view>
#include <vector>

#include "ast.h"
#include "atf/error.h"
#include "token.h"

namespace atf::pine {

struct ParsedScript {
  int version = 0;
  NodePtr body;  ///< kBlock of top-level statements
};

/// Errors: kValidation with line/column, saying what was expected and what was found,
/// e.g. "expected ')' but found end of line".
Result<ParsedScript> parse(std::string_view source);

}  // namespace atf::pine
