// Pine's type rules, in one place: built-in signatures (parsed from their text), overload
// resolution, argument binding (positional and named, defaults), qualifier checks, and the result
// types of operators. The compiler asks; nothing here emits code.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ast.h"
#include "atf/error.h"
#include "builtin.h"
#include "types.h"

namespace atf::pine {

/// One declared parameter of a built-in.
struct ParamDecl {
  std::string name;
  Type type;            ///< base may be kAny (generic T), kArray with elem kAny (array<T>); qual = most accepted
  bool number = false;  ///< `number`: int or float
  bool generic = false; ///< `T` or `array<T>`
  std::string default_text;  ///< a Pine expression, "" when required
  NodePtr default_expr;      ///< parsed default_text
};

/// A built-in's parsed signature.
struct Signature {
  std::string name;
  std::vector<ParamDecl> params;
  std::vector<Type> results;   ///< empty: void
  bool result_number = false;  ///< result follows the `number` arguments
  bool result_generic = false; ///< result is T (or array<T>)
  bool result_has_qual = false;
  const BuiltinFunction* fn = nullptr;
};

/// All built-in signatures by name (overloads in registration order). Parsed once.
const std::multimap<std::string, std::shared_ptr<const Signature>>& builtin_signatures();

/// Whether a built-in namespace or function of this name exists (for "unknown function" vs
/// "wrong arguments" messages).
bool is_builtin_function(const std::string& name);

/// A call's arguments, with their static types, as the compiler has them.
struct ArgInfo {
  std::string name;  ///< "" when positional
  Type type;
  const Node* node = nullptr;
};

/// The chosen overload with arguments in declaration order (index into the call's args, or −1
/// where the default applies) and the result type(s).
struct Binding {
  const Signature* sig = nullptr;
  std::vector<int> arg_of_param;
  std::vector<Type> results;
};

/// Picks the overload of `name` that accepts `args` (exact base types first, then int→float and
/// na promotions) and checks qualifiers. Errors name the argument, with TradingView's wording,
/// e.g. "Cannot call 'ta.sma' with argument 'length'='len'. An argument of 'series float' type
/// was used but a 'series int' is expected."
Result<Binding> bind_call(const std::string& name, const std::vector<ArgInfo>& args, int line, int col);

/// Whether a value of type `from` can be used where `to` is expected (base types only).
bool assignable(const Type& from, const Type& to);

/// The common type of two branches (ternary, if/switch expressions): int+float → float, na → the other.
std::optional<Type> unify(const Type& a, const Type& b);

/// Parses a type name of a declaration ("float", "array<int>", "int[]"). nullopt when unknown.
std::optional<Type> parse_type_name(const std::string& text);

Error compile_error(int line, int col, std::string message);

}  // namespace atf::pine
