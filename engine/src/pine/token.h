// Tokens of Pine Script as the lexer produces them.
#pragma once
#include <cstdint>
#include <string>

namespace atf::pine {

enum class Tok : uint8_t {
  kEof, kNewline, kIndent, kDedent,
  kIdent, kInt, kFloat, kString, kColor,
  // punctuation and operators
  kLParen, kRParen, kLBracket, kRBracket, kComma, kDot, kQuestion, kColon, kArrow /* => */,
  kPlus, kMinus, kStar, kSlash, kPercent,
  kEq /* = */, kDefine /* := */, kPlusEq, kMinusEq, kStarEq, kSlashEq, kPercentEq,
  kEqEq, kNotEq, kLess, kLessEq, kGreater, kGreaterEq,
  // keywords
  kAnd, kOr, kNot, kIf, kElse, kFor, kTo, kBy, kIn, kWhile, kBreak, kContinue, kSwitch,
  kVar, kVarip, kTrue, kFalse, kImport, kExport, kType, kMethod, kEnum,
};

const char* tok_name(Tok t);

struct Token {
  Tok kind = Tok::kEof;
  std::string text;  ///< identifier name, literal text (strings unescaped), operator spelling
  double number = 0;
  int line = 1, col = 1;  ///< 1-based
};

}  // namespace atf::pine
