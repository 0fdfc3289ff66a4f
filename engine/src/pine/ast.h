// The syntax tree. One node type with a kind keeps the parser, the checker and the compiler
// short; each kind documents which fields it uses. The checker fills the annotations (type,
// symbol, overload) in place.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "types.h"

namespace atf::pine {

enum class NodeKind : uint8_t {
  // expressions
  kNumber,     ///< num; is_int
  kString,     ///< text
  kBool,       ///< num (0/1)
  kColor,      ///< num (packed RGBA)
  kNaLiteral,  ///< the `na` literal
  kName,       ///< text: a possibly dotted name ("close", "ta.tr", "strategy.long")
  kCall,       ///< text: callee name; kids: arguments; arg_names[i] ("" if positional); type_arg: `array.new<float>`
  kIndex,      ///< kids[0][kids[1]]: history reference
  kUnary,      ///< op (Tok::kMinus, kPlus, kNot); kids[0]
  kBinary,     ///< op; kids[0], kids[1]
  kTernary,    ///< kids: cond, then, else
  kIf,         ///< kids: cond, then-block, [else-block or kIf]  (statement and expression)
  kSwitch,     ///< kids[0]: subject or null; then pairs (case expr or null for default, block)
  kFor,        ///< text: counter; kids: from, to, by-or-null, block
  kForIn,      ///< text: item; text2: index name ("" if none); kids: array expr, block
  kWhile,      ///< kids: cond, block
  kTuple,      ///< kids: elements `[a, b]`
  // statements
  kBlock,      ///< kids: statements; its value is the last statement's
  kDecl,       ///< text: name; decl_mode; type_name ("" if none); kids[0]: initializer
  kTupleDecl,  ///< names; kids[0]: initializer
  kAssign,     ///< text: name; op (kDefine or kPlusEq...); kids[0]: value
  kBreak,
  kContinue,
  kFuncDef,    ///< text: name; names: params; kids: defaults (null if none) then the body (a block or an expression)
  kExprStmt,   ///< kids[0]
};

enum class DeclMode : uint8_t { kPlain, kVar, kVarip };

struct Node {
  NodeKind kind;
  int line = 0, col = 0;
  std::string text, text2, type_name;
  double num = 0;
  bool is_int = false;
  int op = 0;  ///< a Tok value
  DeclMode decl_mode = DeclMode::kPlain;
  std::vector<std::unique_ptr<Node>> kids;  ///< entries may be null where documented
  std::vector<std::string> names;
  std::vector<std::string> arg_names;
  std::string type_arg;  ///< `array.new<float>` → "float"

  Node(NodeKind k, int l, int c) : kind(k), line(l), col(c) {}
  /// A deep copy (user functions are instantiated per call site from a copy of their body).
  std::unique_ptr<Node> clone() const;
};

using NodePtr = std::unique_ptr<Node>;

}  // namespace atf::pine
