// Pine Script source → tokens. Blocks are made by indentation (multiples of 4 spaces or tabs,
// as TradingView requires): the lexer emits kIndent/kDedent around them. A line indented by a
// number of spaces that is not a multiple of 4 continues the previous line (Pine's line
// wrapping), and so does every line inside open parentheses or brackets.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "atf/error.h"
#include "token.h"

namespace atf::pine {

struct LexResult {
  std::vector<Token> tokens;
  int version = 0;  ///< from `//@version=N`, 0 when absent
};

/// Errors: kValidation with line/column (e.g. "unterminated string", "unexpected character '$'").
Result<LexResult> lex(std::string_view source);

}  // namespace atf::pine
