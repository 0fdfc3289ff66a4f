// Pine Script diagnostics: every compile error says what is wrong at the right line:column
// (1-based, the column of the first character of the offending token). Positions are counted by
// hand from the sources below; indicator()/strategy() helpers put the body on line 3.
#include <catch2/catch.hpp>

#include "pine_test_util.h"

using namespace atf;
using namespace atf::pine_test;

TEST_CASE("Pine diagnostics: syntax errors say what was expected and what was found", "[pine_diag]") {
  // `x = 1 +` then the end of the line (column 8, just after '+').
  CHECK_COMPILE_ERROR(indicator("x = 1 +"), 3, 8, "expected an expression but found end of line");
  // Two expressions side by side.
  CHECK_COMPILE_ERROR(indicator("x = 1 2"), 3, 7, "expected end of line but found '2'");
  // A missing comma between arguments: the second string starts at column 17.
  CHECK_COMPILE_ERROR(indicator("plot(close, \"a\" \"b\")"), 3, 17, "but found string \"b\"");
  // `too` instead of `to`.
  CHECK_COMPILE_ERROR(indicator("for i = 0 too 10\n    x = i"), 3, 11, "expected 'to' but found 'too'");
  // A ternary without ':'.
  CHECK_COMPILE_ERROR(indicator("x = close > 1 ? 1"), 3, 18, "expected ':'");
  // An if without a block.
  CHECK_COMPILE_ERROR(indicator("if close > open\nx = 1"), 4, 1, "expected an indented block but found 'x'");
  // An unclosed parenthesis at the end of the script.
  CHECK_COMPILE_ERROR(indicator("x = (1 + 2"), 4, 1, "expected ')'");
  // A stray closing bracket.
  CHECK_COMPILE_ERROR(indicator("x = 1]"), 3, 6, "expected end of line but found ']'");
  // Assignment with '=' inside an expression.
  CHECK_COMPILE_ERROR(indicator("plot(close, title = )"), 3, 21, "expected an expression but found ')'");
}

TEST_CASE("Pine diagnostics: lexical errors", "[pine_diag]") {
  CHECK_COMPILE_ERROR(indicator("s = \"abc"), 3, 5, "unterminated string");
  CHECK_COMPILE_ERROR(indicator("x = 1 @ 2"), 3, 7, "unexpected character '@'");
  CHECK_COMPILE_ERROR(indicator("c = #12345"), 3, 5, "color literal");
  CHECK_COMPILE_ERROR("//@version=4\nindicator(\"t\")\n", 1, 1, "version 4 is not supported");
  // Windows line ends: a blank CRLF line is one line, not two, so the '@' is at 5:7.
  CHECK_COMPILE_ERROR("//@version=6\r\nindicator(\"t\")\r\n\r\n  \r\nx = 1 @ 2\r\n", 5, 7, "unexpected character '@'");
  // A lone CR inside a line is whitespace, not a line end: the error stays on line 3.
  CHECK_COMPILE_ERROR(indicator("x = 1\r + \r@"), 3, 11, "unexpected character '@'");
}

TEST_CASE("Pine diagnostics: errors on a continuation line and inside nested blocks", "[pine_diag]") {
  // Line 4 continues line 3 (indented by 2, not a block); the '*' at 4:3 has no left operand.
  CHECK_COMPILE_ERROR(indicator("x = close +\n  * 2"), 4, 3, "expected an expression but found '*'");
  // A continuation inside a call's parentheses: the bad token is at 5:10.
  CHECK_COMPILE_ERROR(indicator("plot(close,\n     color = color.red,\n     title = 1 1)"), 5, 16,
                      "expected ')' or ',' but found '1'");
  // Two levels deep: `        y = i +* 2` has '*' at column 16.
  CHECK_COMPILE_ERROR(indicator("if close > open\n    for i = 0 to 3\n        y = i +* 2"), 5, 16,
                      "expected an expression but found '*'");
  // A block indented by 4 more than its parent but the parent is not a structure.
  CHECK_COMPILE_ERROR(indicator("x = 1\n    y = 2"), 4, 5, "unexpected indentation");
  // A dedent to an indentation that matches no open block.
  CHECK_COMPILE_ERROR(indicator("if true\n        x = 1\n    y = 2"), 5, 5, "indentation");
  // A semantic error deep inside a function body in a loop.
  CHECK_COMPILE_ERROR(indicator("f(n) =>\n    s = 0\n    for i = 0 to n\n        s += undefinedThing\n    s\nplot(f(3))"), 6,
                      14, "undeclared identifier 'undefinedThing'");
}

TEST_CASE("Pine diagnostics: unknown functions and variables", "[pine_diag]") {
  CHECK_COMPILE_ERROR(indicator("x = foo(1)"), 3, 5, "could not find function or function reference 'foo'");
  CHECK_COMPILE_ERROR(indicator("x = ta.smaa(close, 3)"), 3, 5, "'ta.smaa'");
  CHECK_COMPILE_ERROR(indicator("x = closee + 1"), 3, 5, "undeclared identifier 'closee'");
  CHECK_COMPILE_ERROR(indicator("x = ta.sma"), 3, 5, "'ta.sma' is a function");
}

TEST_CASE("Pine diagnostics: unsupported features name themselves at their position", "[pine_diag]") {
  CHECK_COMPILE_ERROR(indicator("x = request.security(syminfo.tickerid, \"D\", close)"), 3, 5,
                      "request.security is not supported yet");
  CHECK_COMPILE_ERROR(indicator("x = 1\ny = request.security_lower_tf(syminfo.tickerid, \"1\", close)"), 4, 5,
                      "request.security_lower_tf is not supported yet");
  CHECK_COMPILE_ERROR(indicator("m = matrix.new<float>(2, 2, 0)"), 3, 5, "matrix.new is not supported yet");
  CHECK_COMPILE_ERROR(indicator("m = map.new<string, float>()"), 3, 5, "map.new is not supported yet");
  CHECK_COMPILE_ERROR(indicator("x = 1\ntype Point\n    float x"), 4, 1, "user-defined types are not supported yet");
  CHECK_COMPILE_ERROR(indicator("method twice(float x) => x * 2"), 3, 1, "methods are not supported yet");
  CHECK_COMPILE_ERROR("//@version=6\nindicator(\"t\")\nimport TradingView/ta/7 as tvta\n", 3, 1,
                      "import of libraries is not supported yet");
  CHECK_COMPILE_ERROR("//@version=6\nstrategy(\"t\", calc_on_order_fills = true)\n", 2, 37,
                      "calc_on_order_fills = true is not supported yet");
  CHECK_COMPILE_ERROR("//@version=6\nstrategy(\"t\", calc_on_every_tick = true)\n", 2, 36,
                      "calc_on_every_tick = true is not supported yet");
  CHECK_COMPILE_ERROR("//@version=6\nstrategy(\"t\", use_bar_magnifier = true)\n", 2, 35,
                      "use_bar_magnifier = true is not supported yet");
  // calc_on_order_fills = false is the default and is accepted.
  CHECK(compile_pine("//@version=6\nstrategy(\"t\", calc_on_order_fills = false)\nplot(close)\n"));
}

TEST_CASE("Pine diagnostics: qualifier and type rules", "[pine_diag]") {
  // input.int's defval must be a constant: close is a series.
  CHECK_COMPILE_ERROR(indicator("len = input.int(close, \"Length\")"), 3, 17, "const");
  // strategy() arguments are constants.
  CHECK_COMPILE_ERROR("//@version=6\nstrategy(\"t\", initial_capital = close)\n", 2, 33, "initial_capital");
  CHECK_COMPILE_ERROR("//@version=6\nstrategy(\"t\", pyramiding = bar_index)\n", 2, 28, "pyramiding");
  // int x = 1.5
  CHECK_COMPILE_ERROR(indicator("int x = 1.5"), 3, 9, "float");
  // A string where a number is needed.
  CHECK_COMPILE_ERROR(indicator("x = ta.sma(\"a\", 3)"), 3, 5, "source");
  CHECK_COMPILE_ERROR(indicator("x = close + \"a\""), 3, 11, "cannot mix");
  // A bool is not a number.
  CHECK_COMPILE_ERROR(indicator("x = true + 1"), 3, 10, "needs numbers");
  // v6: a number is not a condition.
  CHECK_COMPILE_ERROR(indicator("x = 0\nif close\n    x := 1"), 4, 4, "bool");
  CHECK_COMPILE_ERROR(indicator("x = bar_index ? 1 : 0"), 3, 5, "bool");
  // v6: a bool is never na, so na()/nz()/fixnan() refuse bools.
  CHECK_COMPILE_ERROR(indicator("b = close > open\nx = na(b)"), 4, 8, "bool");
  CHECK_COMPILE_ERROR(indicator("b = close > open\nx = nz(b)"), 4, 8, "bool");
  CHECK_COMPILE_ERROR(indicator("b = close > open\nx = fixnan(b)"), 4, 5, "fixnan");
  // The same parameter twice.
  CHECK_COMPILE_ERROR(indicator("x = ta.sma(close, 3, length = 4)"), 3, 5, "twice");
  // History of a literal (v6 forbids it).
  CHECK_COMPILE_ERROR(indicator("x = 5[1]"), 3, 6, "literal");
  // An input cannot be modified.
  CHECK_COMPILE_ERROR(indicator("len = input.int(3)\nlen := 4"), 4, 1, "input");
  // A ternary whose branches have unrelated types.
  CHECK_COMPILE_ERROR(indicator("x = close > 1 ? 1 : \"a\""), 3, 15, "different types");
  // plot() at a local scope is not allowed (TradingView: "Cannot use 'plot' in local scope").
  CHECK_COMPILE_ERROR(indicator("if close > 1\n    plot(close)"), 4, 5, "local scope");
}

TEST_CASE("Pine diagnostics: declaration statement", "[pine_diag]") {
  CHECK_COMPILE_ERROR("//@version=6\nx = 1\n", 1, 1, "no declaration statement");
  CHECK_COMPILE_ERROR("//@version=6\nindicator(\"a\")\nindicator(\"b\")\n", 3, 1, "only one declaration statement");
  CHECK_COMPILE_ERROR("//@version=6\nindicator(\"a\", foo = 1)\n", 2, 22, "no argument named 'foo'");
}

TEST_CASE("Pine diagnostics: check_pine reports the first error with its position", "[pine_diag]") {
  const auto c = check_pine(indicator("x = 1\ny = x +"));
  REQUIRE(c.diagnostics.size() == 1);
  CHECK(c.diagnostics[0].severity == "error");
  CHECK(c.diagnostics[0].line == 4);
  CHECK(c.diagnostics[0].column == 8);
  CHECK(c.script == nullptr);
  const auto ok = check_pine(indicator("len = input.int(3, \"L\")\nplot(close)"));
  CHECK(ok.diagnostics.empty());
  REQUIRE(ok.script);
  CHECK(ok.script->inputs.size() == 1);
}
