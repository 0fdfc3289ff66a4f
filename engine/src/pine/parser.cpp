#include "parser.h"

#include <set>

#include "lexer.h"

namespace atf::pine {

std::unique_ptr<Node> Node::clone() const {
  auto n = std::make_unique<Node>(kind, line, col);
  n->text = text;
  n->text2 = text2;
  n->type_name = type_name;
  n->num = num;
  n->is_int = is_int;
  n->op = op;
  n->decl_mode = decl_mode;
  n->names = names;
  n->arg_names = arg_names;
  n->type_arg = type_arg;
  for (const auto& k : kids) n->kids.push_back(k ? k->clone() : nullptr);
  return n;
}

namespace {

struct ParseError {
  Error error;
};

const std::set<std::string>& type_words() {
  static const std::set<std::string> w = {"int", "float", "bool", "string", "color", "line", "label", "box", "table",
                                          "linefill", "polyline", "chart.point", "array", "matrix", "map"};
  return w;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> toks) : t_(std::move(toks)) {}

  NodePtr script() {
    auto block = std::make_unique<Node>(NodeKind::kBlock, 1, 1);
    skip_newlines();
    while (!at(Tok::kEof)) {
      if (at(Tok::kIndent)) fail_here("unexpected indentation");
      block->kids.push_back(statement());
      end_of_statement();
      skip_newlines();
    }
    return block;
  }

 private:
  // ---- token helpers ----
  const Token& cur() const { return t_[p_]; }
  const Token& ahead(size_t k) const { return t_[std::min(p_ + k, t_.size() - 1)]; }
  bool at(Tok k) const { return cur().kind == k; }
  Token take() { return t_[p_ < t_.size() - 1 ? p_++ : p_]; }
  bool accept(Tok k) {
    if (!at(k)) return false;
    take();
    return true;
  }
  [[noreturn]] void fail(const Token& at_tok, const std::string& msg) {
    Error e = Error::make(ErrorCode::kValidation, msg);
    e.line = at_tok.line;
    e.column = at_tok.col;
    e.field = "script";
    throw ParseError{e};
  }
  [[noreturn]] void fail_here(const std::string& msg) { fail(cur(), msg); }
  static std::string found(const Token& t) {
    if (t.kind == Tok::kIdent) return "'" + t.text + "'";
    if (t.kind == Tok::kInt || t.kind == Tok::kFloat) return "'" + t.text + "'";
    if (t.kind == Tok::kString) return "string \"" + t.text + "\"";
    return tok_name(t.kind);
  }
  Token expect(Tok k, const char* what = nullptr) {
    if (!at(k)) fail_here(std::string("expected ") + (what ? what : tok_name(k)) + " but found " + found(cur()));
    return take();
  }
  void skip_newlines() {
    while (at(Tok::kNewline)) take();
  }
  void end_of_statement() {
    if (at(Tok::kNewline)) {
      take();
      return;
    }
    if (at(Tok::kEof) || at(Tok::kDedent)) return;
    if (p_ > 0 && t_[p_ - 1].kind == Tok::kDedent) return;  // a block just ended the statement
    fail_here("expected end of line but found " + found(cur()));
  }
  NodePtr node(NodeKind k, const Token& at_tok) { return std::make_unique<Node>(k, at_tok.line, at_tok.col); }

  // ---- statements ----
  NodePtr block_after_newline() {
    DepthGuard guard(*this);
    expect(Tok::kNewline, "end of line");
    skip_newlines();
    const Token& start = cur();
    expect(Tok::kIndent, "an indented block");
    auto block = node(NodeKind::kBlock, start);
    skip_newlines();
    while (!at(Tok::kDedent) && !at(Tok::kEof)) {
      block->kids.push_back(statement());
      end_of_statement();
      skip_newlines();
    }
    accept(Tok::kDedent);
    return block;
  }

  /// After `=>` or a structure header: a block on the next lines, or one statement on this line.
  NodePtr body_block() {
    if (at(Tok::kNewline)) return block_after_newline();
    auto block = node(NodeKind::kBlock, cur());
    block->kids.push_back(statement());
    return block;
  }

  bool is_funcdef() const {
    if (!(at(Tok::kIdent) && ahead(1).kind == Tok::kLParen)) return false;
    int depth = 0;
    for (size_t k = p_ + 1; k < t_.size(); ++k) {
      Tok kind = t_[k].kind;
      if (kind == Tok::kLParen) ++depth;
      if (kind == Tok::kRParen && --depth == 0) return k + 1 < t_.size() && t_[k + 1].kind == Tok::kArrow;
      if (kind == Tok::kNewline || kind == Tok::kEof) return false;
    }
    return false;
  }

  /// Type annotation at the cursor (`float`, `array<int>`, `int[]`, `series float`)? Returns its
  /// token count (0 when the cursor is not a declaration with a type).
  size_t typed_decl_length() const {
    size_t k = 0;
    auto kind_at = [&](size_t i) { return ahead(i).kind; };
    auto text_at = [&](size_t i) -> const std::string& { return ahead(i).text; };
    if (kind_at(k) == Tok::kIdent && (text_at(k) == "series" || text_at(k) == "simple" || text_at(k) == "const")) ++k;
    if (kind_at(k) != Tok::kIdent || !type_words().count(text_at(k))) return 0;
    ++k;
    if (kind_at(k) == Tok::kLess) {  // array<float>
      if (kind_at(k + 1) != Tok::kIdent || kind_at(k + 2) != Tok::kGreater) return 0;
      k += 3;
    } else if (kind_at(k) == Tok::kLBracket && kind_at(k + 1) == Tok::kRBracket) {  // float[]
      k += 2;
    }
    if (kind_at(k) == Tok::kIdent && kind_at(k + 1) == Tok::kEq) return k;
    return 0;
  }

  NodePtr statement() {
    binary_ops_ = 0;
    const Token& s = cur();
    switch (s.kind) {
      case Tok::kImport: fail_here("import of libraries is not supported yet");
      case Tok::kExport: fail_here("export (libraries) is not supported yet");
      case Tok::kType: fail_here("user-defined types are not supported yet");
      case Tok::kMethod: fail_here("methods are not supported yet");
      case Tok::kEnum: fail_here("enums are not supported yet");
      case Tok::kBreak: take(); return node(NodeKind::kBreak, s);
      case Tok::kContinue: take(); return node(NodeKind::kContinue, s);
      case Tok::kVar:
      case Tok::kVarip: {
        Token mode = take();
        auto d = declaration_after_mode();
        d->decl_mode = mode.kind == Tok::kVar ? DeclMode::kVar : DeclMode::kVarip;
        d->line = mode.line;
        d->col = mode.col;
        return d;
      }
      case Tok::kLBracket: {
        // `[a, b] = f()` tuple declaration, else an expression statement.
        size_t k = p_ + 1;
        bool tuple_decl = true;
        while (k < t_.size() && t_[k].kind != Tok::kRBracket) {
          if (t_[k].kind != Tok::kIdent && t_[k].kind != Tok::kComma) {
            tuple_decl = false;
            break;
          }
          ++k;
        }
        if (tuple_decl && k + 1 < t_.size() && t_[k + 1].kind == Tok::kEq) return tuple_decl_stmt();
        break;
      }
      case Tok::kIdent:
        if ((s.text == "map" || s.text == "matrix") && ahead(1).kind == Tok::kLess) {
          fail_here("the " + s.text + " type is not supported yet");
        }
        if (is_funcdef()) return funcdef();
        if (ahead(1).kind == Tok::kEq) return declaration_after_mode();
        if (typed_decl_length() > 0) return declaration_after_mode();
        switch (ahead(1).kind) {
          case Tok::kDefine: case Tok::kPlusEq: case Tok::kMinusEq: case Tok::kStarEq: case Tok::kSlashEq:
          case Tok::kPercentEq: {
            Token name = take();
            Token op = take();
            auto a = node(NodeKind::kAssign, name);
            a->text = name.text;
            a->op = static_cast<int>(op.kind);
            a->kids.push_back(rhs());
            return a;
          }
          default: break;
        }
        break;
      default: break;
    }
    auto e = node(NodeKind::kExprStmt, s);
    e->kids.push_back(rhs());
    return e;
  }

  NodePtr declaration_after_mode() {
    const Token& s = cur();
    auto d = node(NodeKind::kDecl, s);
    const size_t type_len = typed_decl_length();
    if (type_len > 0) {
      std::string tn;
      for (size_t i = 0; i < type_len; ++i) {
        const Token& tk = take();
        if (tk.text == "series" || tk.text == "simple" || tk.text == "const") continue;
        tn += tk.kind == Tok::kIdent ? tk.text : std::string(tk.kind == Tok::kLess ? "<" : tk.kind == Tok::kGreater ? ">" : tk.kind == Tok::kLBracket ? "[" : "]");
      }
      d->type_name = tn;
    } else if (at(Tok::kIdent) && ahead(1).kind != Tok::kEq) {
      fail_here("expected a variable declaration 'name = value' but found " + found(cur()));
    }
    Token name = expect(Tok::kIdent, "a variable name");
    d->text = name.text;
    expect(Tok::kEq, "'='");
    d->kids.push_back(rhs());
    return d;
  }

  NodePtr tuple_decl_stmt() {
    auto d = node(NodeKind::kTupleDecl, cur());
    expect(Tok::kLBracket);
    do {
      d->names.push_back(expect(Tok::kIdent, "a variable name").text);
    } while (accept(Tok::kComma));
    expect(Tok::kRBracket);
    expect(Tok::kEq);
    d->kids.push_back(rhs());
    return d;
  }

  NodePtr funcdef() {
    Token name = take();
    auto f = node(NodeKind::kFuncDef, name);
    f->text = name.text;
    expect(Tok::kLParen);
    std::vector<NodePtr> defaults;
    if (!at(Tok::kRParen)) {
      do {
        // optional qualifier and type before a parameter name: `series float x`, `array<float> a`, `int[] a`
        while (true) {
          if (at(Tok::kIdent) && ahead(1).kind == Tok::kIdent) {
            take();
          } else if (at(Tok::kIdent) && ahead(1).kind == Tok::kLess && ahead(2).kind == Tok::kIdent &&
                     ahead(3).kind == Tok::kGreater && ahead(4).kind == Tok::kIdent) {
            for (int k = 0; k < 4; ++k) take();
          } else if (at(Tok::kIdent) && ahead(1).kind == Tok::kLBracket && ahead(2).kind == Tok::kRBracket &&
                     ahead(3).kind == Tok::kIdent) {
            for (int k = 0; k < 3; ++k) take();
          } else {
            break;
          }
        }
        f->names.push_back(expect(Tok::kIdent, "a parameter name").text);
        defaults.push_back(accept(Tok::kEq) ? expr() : nullptr);
      } while (accept(Tok::kComma));
    }
    expect(Tok::kRParen);
    expect(Tok::kArrow);
    for (auto& d : defaults) f->kids.push_back(std::move(d));
    if (at(Tok::kNewline)) {
      f->kids.push_back(block_after_newline());
    } else {
      auto b = node(NodeKind::kBlock, cur());
      b->kids.push_back(statement());
      f->kids.push_back(std::move(b));
    }
    return f;
  }

  /// The right side of `=`/`:=`, or a statement: a structure (if/switch/for/while) or an expression.
  NodePtr rhs() {
    switch (cur().kind) {
      case Tok::kIf: return if_structure();
      case Tok::kSwitch: return switch_structure();
      case Tok::kFor: return for_structure();
      case Tok::kWhile: {
        Token w = take();
        auto n = node(NodeKind::kWhile, w);
        n->kids.push_back(expr());
        n->kids.push_back(block_after_newline());
        return n;
      }
      default: return expr();
    }
  }

  NodePtr if_structure() {
    Token i = expect(Tok::kIf);
    auto n = node(NodeKind::kIf, i);
    n->kids.push_back(expr());
    n->kids.push_back(block_after_newline());
    // `else` sits on its own line at the `if`'s indentation: after the block's dedent.
    size_t save = p_;
    skip_newlines();
    if (at(Tok::kElse)) {
      take();
      if (at(Tok::kIf)) {
        n->kids.push_back(if_structure());
      } else {
        n->kids.push_back(block_after_newline());
      }
    } else {
      p_ = save;
    }
    return n;
  }

  NodePtr switch_structure() {
    Token s = expect(Tok::kSwitch);
    auto n = node(NodeKind::kSwitch, s);
    n->kids.push_back(at(Tok::kNewline) ? nullptr : expr());
    expect(Tok::kNewline);
    skip_newlines();
    expect(Tok::kIndent, "an indented block of cases");
    skip_newlines();
    while (!at(Tok::kDedent) && !at(Tok::kEof)) {
      if (accept(Tok::kArrow)) {
        n->kids.push_back(nullptr);
      } else {
        n->kids.push_back(expr());
        expect(Tok::kArrow);
      }
      n->kids.push_back(body_block());
      end_of_statement();
      skip_newlines();
    }
    accept(Tok::kDedent);
    return n;
  }

  NodePtr for_structure() {
    Token f = expect(Tok::kFor);
    if (at(Tok::kLBracket)) {
      auto n = node(NodeKind::kForIn, f);
      take();
      n->text2 = expect(Tok::kIdent, "an index variable").text;
      expect(Tok::kComma);
      n->text = expect(Tok::kIdent, "an item variable").text;
      expect(Tok::kRBracket);
      expect(Tok::kIn);
      n->kids.push_back(expr());
      n->kids.push_back(block_after_newline());
      return n;
    }
    Token var = expect(Tok::kIdent, "a loop variable");
    if (accept(Tok::kIn)) {
      auto n = node(NodeKind::kForIn, f);
      n->text = var.text;
      n->kids.push_back(expr());
      n->kids.push_back(block_after_newline());
      return n;
    }
    auto n = node(NodeKind::kFor, f);
    n->text = var.text;
    expect(Tok::kEq, "'=' or 'in'");
    n->kids.push_back(expr());
    expect(Tok::kTo, "'to'");
    n->kids.push_back(expr());
    n->kids.push_back(accept(Tok::kBy) ? expr() : nullptr);
    n->kids.push_back(block_after_newline());
    return n;
  }

  // ---- expressions, lowest precedence first ----
  /// Nesting depth of expressions and blocks: bounded so that hostile input cannot overflow the
  /// stack of this recursive-descent parser (or of the compiler that walks the tree after it).
  struct DepthGuard {
    Parser& p;
    explicit DepthGuard(Parser& parser) : p(parser) {
      if (++p.depth_ > kMaxDepth) p.fail_here("the script is nested too deeply (more than " + std::to_string(kMaxDepth) + " levels)");
    }
    ~DepthGuard() { --p.depth_; }
  };
  static constexpr int kMaxDepth = 200;
  static constexpr int kMaxBinaryOps = 1000;
  int depth_ = 0;
  int binary_ops_ = 0;

  NodePtr expr() {
    DepthGuard guard(*this);
    return ternary();
  }

  NodePtr ternary() {
    DepthGuard guard(*this);
    auto c = logic_or();
    if (at(Tok::kQuestion)) {
      Token q = take();
      auto n = node(NodeKind::kTernary, q);
      n->kids.push_back(std::move(c));
      n->kids.push_back(ternary());
      expect(Tok::kColon, "':' of the ternary");
      n->kids.push_back(ternary());
      return n;
    }
    return c;
  }

  NodePtr binary_node(Token op, NodePtr l, NodePtr r) {
    // Operator chains make left-deep trees that the compiler walks recursively: bound them.
    if (++binary_ops_ > kMaxBinaryOps) fail(op, "this statement has too many operators (more than " + std::to_string(kMaxBinaryOps) + ")");
    auto n = node(NodeKind::kBinary, op);
    n->op = static_cast<int>(op.kind);
    n->kids.push_back(std::move(l));
    n->kids.push_back(std::move(r));
    return n;
  }

  NodePtr logic_or() {
    auto l = logic_and();
    while (at(Tok::kOr)) {
      Token op = take();
      l = binary_node(op, std::move(l), logic_and());
    }
    return l;
  }
  NodePtr logic_and() {
    auto l = equality();
    while (at(Tok::kAnd)) {
      Token op = take();
      l = binary_node(op, std::move(l), equality());
    }
    return l;
  }
  NodePtr equality() {
    auto l = comparison();
    while (at(Tok::kEqEq) || at(Tok::kNotEq)) {
      Token op = take();
      l = binary_node(op, std::move(l), comparison());
    }
    return l;
  }
  NodePtr comparison() {
    auto l = additive();
    while (at(Tok::kLess) || at(Tok::kLessEq) || at(Tok::kGreater) || at(Tok::kGreaterEq)) {
      Token op = take();
      l = binary_node(op, std::move(l), additive());
    }
    return l;
  }
  NodePtr additive() {
    auto l = multiplicative();
    while (at(Tok::kPlus) || at(Tok::kMinus)) {
      Token op = take();
      l = binary_node(op, std::move(l), multiplicative());
    }
    return l;
  }
  NodePtr multiplicative() {
    auto l = unary();
    while (at(Tok::kStar) || at(Tok::kSlash) || at(Tok::kPercent)) {
      Token op = take();
      l = binary_node(op, std::move(l), unary());
    }
    return l;
  }
  NodePtr unary() {
    DepthGuard guard(*this);
    if (at(Tok::kMinus) || at(Tok::kPlus) || at(Tok::kNot)) {
      Token op = take();
      auto n = node(NodeKind::kUnary, op);
      n->op = static_cast<int>(op.kind);
      n->kids.push_back(unary());
      return n;
    }
    return postfix();
  }
  NodePtr postfix() {
    auto e = primary();
    while (at(Tok::kLBracket)) {
      Token b = take();
      auto n = node(NodeKind::kIndex, b);
      n->kids.push_back(std::move(e));
      n->kids.push_back(expr());
      expect(Tok::kRBracket, "']'");
      e = std::move(n);
    }
    return e;
  }

  NodePtr primary() {
    const Token& s = cur();
    switch (s.kind) {
      case Tok::kInt:
      case Tok::kFloat: {
        Token t = take();
        auto n = node(NodeKind::kNumber, t);
        n->num = t.number;
        n->is_int = t.kind == Tok::kInt;
        n->text = t.text;
        return n;
      }
      case Tok::kString: {
        Token t = take();
        auto n = node(NodeKind::kString, t);
        n->text = t.text;
        return n;
      }
      case Tok::kTrue:
      case Tok::kFalse: {
        Token t = take();
        auto n = node(NodeKind::kBool, t);
        n->num = t.kind == Tok::kTrue ? 1 : 0;
        return n;
      }
      case Tok::kColor: {
        Token t = take();
        auto n = node(NodeKind::kColor, t);
        n->num = t.number;
        n->text = t.text;
        return n;
      }
      case Tok::kLParen: {
        take();
        auto e = expr();
        expect(Tok::kRParen, "')'");
        return e;
      }
      case Tok::kLBracket: {
        Token b = take();
        auto n = node(NodeKind::kTuple, b);
        if (!at(Tok::kRBracket)) {
          do {
            n->kids.push_back(expr());
          } while (accept(Tok::kComma));
        }
        expect(Tok::kRBracket, "']'");
        return n;
      }
      case Tok::kIf: return if_structure();
      case Tok::kSwitch: return switch_structure();
      case Tok::kIdent: return name_or_call();
      default: break;
    }
    fail_here("expected an expression but found " + found(s));
  }

  NodePtr name_or_call() {
    Token first = take();
    std::string name = first.text;
    while (at(Tok::kDot) && ahead(1).kind == Tok::kIdent) {
      take();
      name.push_back('.');
      name.append(take().text);
    }
    if (at(Tok::kDot)) fail(ahead(1), "expected a name after '.' but found " + found(ahead(1)));
    if (name.rfind("map.", 0) == 0 || name.rfind("matrix.", 0) == 0) fail(first, name + " is not supported yet");
    std::string type_arg;
    if (at(Tok::kLess) && ahead(1).kind == Tok::kIdent && ahead(2).kind == Tok::kGreater &&
        ahead(3).kind == Tok::kLParen) {
      take();
      type_arg = take().text;
      take();
    }
    if (name == "na" && !at(Tok::kLParen)) return node(NodeKind::kNaLiteral, first);
    if (!at(Tok::kLParen)) {
      auto n = node(NodeKind::kName, first);
      n->text = name;
      return n;
    }
    take();
    auto call = node(NodeKind::kCall, first);
    call->text = name;
    call->type_arg = type_arg;
    bool named_seen = false;
    if (!at(Tok::kRParen)) {
      do {
        if (at(Tok::kRParen)) break;  // trailing comma
        std::string arg_name;
        if (at(Tok::kIdent) && ahead(1).kind == Tok::kEq) {
          arg_name = take().text;
          take();
          named_seen = true;
        } else if (named_seen) {
          fail_here("a positional argument cannot follow a named one");
        }
        call->arg_names.push_back(arg_name);
        call->kids.push_back(expr());
      } while (accept(Tok::kComma));
    }
    expect(Tok::kRParen, "')' or ','");
    return call;
  }

  std::vector<Token> t_;
  size_t p_ = 0;
};

}  // namespace

Result<ParsedScript> parse(std::string_view source) {
  auto lexed = lex(source);
  if (!lexed) return lexed.error();
  ParsedScript out;
  out.version = lexed->version;
  try {
    Parser p(std::move(lexed->tokens));
    out.body = p.script();
  } catch (const ParseError& e) {
    return e.error;
  }
  return out;
}

}  // namespace atf::pine
