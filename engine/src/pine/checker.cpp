#include "checker.h"

#include <sstream>

#include "parser.h"

namespace atf::pine {

const char* base_name(Base b) {
  switch (b) {
    case Base::kVoid: return "void";
    case Base::kNaType: return "na";
    case Base::kInt: return "int";
    case Base::kFloat: return "float";
    case Base::kBool: return "bool";
    case Base::kString: return "string";
    case Base::kColor: return "color";
    case Base::kArray: return "array";
    case Base::kTuple: return "tuple";
    case Base::kAny: return "any";
  }
  return "?";
}

const char* qual_name(Qual q) {
  switch (q) {
    case Qual::kConst: return "const";
    case Qual::kInput: return "input";
    case Qual::kSimple: return "simple";
    case Qual::kSeries: return "series";
  }
  return "?";
}

std::string type_text(const Type& t) {
  if (t.base == Base::kTuple) {
    std::string s = "[";
    for (size_t i = 0; i < t.items.size(); ++i) s += (i ? ", " : "") + type_text(t.items[i]);
    return s + "]";
  }
  if (t.base == Base::kArray) return std::string("array<") + base_name(t.elem) + ">";
  if (t.base == Base::kVoid || t.base == Base::kNaType) return base_name(t.base);
  return std::string(qual_name(t.qual)) + " " + base_name(t.base);
}

Error compile_error(int line, int col, std::string message) {
  Error e = Error::make(ErrorCode::kValidation, std::move(message));
  e.line = line;
  e.column = col;
  e.field = "script";
  return e;
}

std::optional<Type> parse_type_name(const std::string& text) {
  auto base_of = [](const std::string& s) -> std::optional<Base> {
    if (s == "int") return Base::kInt;
    if (s == "float") return Base::kFloat;
    if (s == "bool") return Base::kBool;
    if (s == "string") return Base::kString;
    if (s == "color") return Base::kColor;
    if (s == "line" || s == "label" || s == "box" || s == "table" || s == "linefill" || s == "polyline") return Base::kAny;
    return std::nullopt;
  };
  if (text.size() > 2 && text.substr(text.size() - 2) == "[]") {
    auto e = base_of(text.substr(0, text.size() - 2));
    if (!e) return std::nullopt;
    return Type::array_of(*e);
  }
  if (text.rfind("array<", 0) == 0 && text.back() == '>') {
    auto e = base_of(text.substr(6, text.size() - 7));
    if (!e) return std::nullopt;
    return Type::array_of(*e);
  }
  auto b = base_of(text);
  if (!b) return std::nullopt;
  return Type::of(*b);
}

namespace {

// ---- signature text → Signature ----
class SigParser {
 public:
  explicit SigParser(const std::string& s) : s_(s) {}

  std::shared_ptr<Signature> run() {
    auto sig = std::make_shared<Signature>();
    sig->name = word_with_dots();
    expect('(');
    skip_ws();
    if (peek() != ')') {
      while (true) {
        sig->params.push_back(param());
        skip_ws();
        if (peek() == ',') {
          ++p_;
          continue;
        }
        break;
      }
    }
    expect(')');
    skip_ws();
    if (p_ < s_.size()) {
      expect('-');
      expect('>');
      skip_ws();
      if (peek() == '[') {
        ++p_;
        while (true) {
          bool num = false, gen = false, hasq = false;
          sig->results.push_back(type(num, gen, hasq));
          if (num) sig->result_number = true;
          if (gen) sig->result_generic = true;
          skip_ws();
          if (peek() == ',') {
            ++p_;
            continue;
          }
          break;
        }
        expect(']');
        sig->result_has_qual = true;
        for (auto& r : sig->results) r.qual = Qual::kSeries;
      } else {
        const size_t save = p_;
        std::string w = word_with_dots();
        if (w != "void") {
          p_ = save;
          bool num = false, gen = false, hasq = false;
          sig->results.push_back(type(num, gen, hasq));
          sig->result_number = num;
          sig->result_generic = gen;
          sig->result_has_qual = hasq;
        }
      }
    }
    return sig;
  }

 private:
  char peek() const { return p_ < s_.size() ? s_[p_] : '\0'; }
  void skip_ws() {
    while (p_ < s_.size() && s_[p_] == ' ') ++p_;
  }
  void expect(char c) {
    skip_ws();
    if (peek() != c) throw std::logic_error("bad built-in signature '" + s_ + "': expected '" + c + "' at " + std::to_string(p_));
    ++p_;
  }
  std::string word_with_dots() {
    skip_ws();
    size_t b = p_;
    while (p_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[p_])) || s_[p_] == '_' || s_[p_] == '.')) ++p_;
    if (b == p_) throw std::logic_error("bad built-in signature '" + s_ + "' at " + std::to_string(p_));
    return s_.substr(b, p_ - b);
  }
  Type type(bool& number, bool& generic, bool& has_qual) {
    std::string w = word_with_dots();
    Qual q = Qual::kSeries;
    has_qual = false;
    if (w == "const" || w == "input" || w == "simple" || w == "series") {
      q = w == "const" ? Qual::kConst : w == "input" ? Qual::kInput : w == "simple" ? Qual::kSimple : Qual::kSeries;
      has_qual = true;
      w = word_with_dots();
    }
    Type t;
    t.qual = q;
    if (w == "array") {
      expect('<');
      std::string e = word_with_dots();
      expect('>');
      t.base = Base::kArray;
      t.elem = base_of(e, number, generic);
      return t;
    }
    t.base = base_of(w, number, generic);
    return t;
  }
  Base base_of(const std::string& w, bool& number, bool& generic) {
    if (w == "int") return Base::kInt;
    if (w == "float") return Base::kFloat;
    if (w == "bool") return Base::kBool;
    if (w == "string") return Base::kString;
    if (w == "color") return Base::kColor;
    if (w == "number") {
      number = true;
      return Base::kFloat;
    }
    if (w == "T") {
      generic = true;
      return Base::kAny;
    }
    throw std::logic_error("bad built-in signature '" + s_ + "': unknown type " + w);
  }
  ParamDecl param() {
    ParamDecl d;
    bool hasq = false;
    d.type = type(d.number, d.generic, hasq);
    d.name = word_with_dots();
    skip_ws();
    if (peek() == '=') {
      ++p_;
      skip_ws();
      // The default runs to the next top-level ',' or ')'.
      int depth = 0;
      size_t b = p_;
      bool in_str = false;
      for (; p_ < s_.size(); ++p_) {
        char c = s_[p_];
        if (c == '"' || c == '\'') in_str = !in_str;
        if (in_str) continue;
        if (c == '(') ++depth;
        if ((c == ',' || c == ')') && depth == 0) break;
        if (c == ')') --depth;
      }
      d.default_text = s_.substr(b, p_ - b);
      while (!d.default_text.empty() && d.default_text.back() == ' ') d.default_text.pop_back();
      auto parsed = parse(d.default_text);
      if (!parsed || parsed->body->kids.size() != 1) {
        throw std::logic_error("bad default '" + d.default_text + "' in built-in signature '" + s_ + "'");
      }
      d.default_expr = std::move(parsed->body->kids[0]->kids[0]);
    }
    return d;
  }

  const std::string& s_;
  size_t p_ = 0;
};

/// How well `arg` fits `param`: 0 exact, 1 promoted (int→float, na→anything), −1 no.
int fit(const Type& arg, const ParamDecl& param, Base bound_t) {
  const Type& p = param.type;
  if (arg.base == Base::kNaType) return p.base == Base::kArray ? 1 : 1;
  if (p.base == Base::kArray) {
    if (arg.base != Base::kArray) return -1;
    if (p.elem == Base::kAny) return (bound_t == Base::kVoid || bound_t == arg.elem) ? 0 : -1;
    return arg.elem == p.elem ? 0 : -1;
  }
  if (p.base == Base::kAny) {
    if (arg.base == Base::kArray || arg.base == Base::kTuple || arg.base == Base::kVoid) return -1;
    if (bound_t == Base::kVoid || bound_t == arg.base) return 0;
    if (bound_t == Base::kFloat && arg.base == Base::kInt) return 1;
    return -1;
  }
  if (param.number) return (arg.base == Base::kInt || arg.base == Base::kFloat) ? 0 : -1;
  if (arg.base == p.base) return 0;
  if (p.base == Base::kFloat && arg.base == Base::kInt) return 1;
  return -1;
}

}  // namespace

const std::multimap<std::string, std::shared_ptr<const Signature>>& builtin_signatures() {
  static const auto sigs = [] {
    std::multimap<std::string, std::shared_ptr<const Signature>> m;
    for (const auto& f : builtin_registry().functions()) {
      auto sig = SigParser(f.signature).run();
      sig->fn = &f;
      m.emplace(sig->name, sig);
    }
    return m;
  }();
  return sigs;
}

bool is_builtin_function(const std::string& name) { return builtin_signatures().count(name) > 0; }

bool assignable(const Type& from, const Type& to) {
  if (from.base == Base::kNaType) return true;
  if (to.base == Base::kAny || from.base == Base::kAny) return true;
  if (from.base == to.base) return from.base != Base::kArray || from.elem == to.elem || from.elem == Base::kAny;
  return to.base == Base::kFloat && from.base == Base::kInt;
}

std::optional<Type> unify(const Type& a, const Type& b) {
  Type out;
  if (a.base == Base::kNaType || a.base == Base::kVoid) {
    out = b;
  } else if (b.base == Base::kNaType || b.base == Base::kVoid) {
    out = a;
  } else if (a.same_base(b)) {
    out = a;
  } else if (a.numeric() && b.numeric()) {
    out = Type::of(Base::kFloat);
  } else {
    return std::nullopt;
  }
  out.qual = max_qual(a.qual, b.qual);
  return out;
}

Result<Binding> bind_call(const std::string& name, const std::vector<ArgInfo>& args, int line, int col) {
  auto [lo, hi] = builtin_signatures().equal_range(name);
  if (lo == hi) return compile_error(line, col, "could not find function or function reference '" + name + "'");
  std::string first_problem;
  int best_score = 1 << 30;
  std::optional<Binding> best;
  for (auto it = lo; it != hi; ++it) {
    const Signature& sig = *it->second;
    Binding b;
    b.sig = &sig;
    b.arg_of_param.assign(sig.params.size(), -1);
    std::string problem;
    // Positional first, then named.
    size_t pos = 0;
    for (size_t i = 0; i < args.size() && problem.empty(); ++i) {
      if (args[i].name.empty()) {
        if (pos >= sig.params.size()) {
          problem = "'" + name + "' takes at most " + std::to_string(sig.params.size()) + " arguments, got " +
                    std::to_string(args.size());
          break;
        }
        b.arg_of_param[pos++] = static_cast<int>(i);
      } else {
        size_t k = 0;
        while (k < sig.params.size() && sig.params[k].name != args[i].name) ++k;
        if (k == sig.params.size()) {
          problem = "'" + name + "' has no argument named '" + args[i].name + "'";
        } else if (b.arg_of_param[k] >= 0) {
          problem = "argument '" + args[i].name + "' of '" + name + "' is given twice";
        } else {
          b.arg_of_param[k] = static_cast<int>(i);
        }
      }
    }
    Base bound_t = Base::kVoid;
    int score = 0;
    Qual strongest = Qual::kConst;
    bool all_int = true;
    for (size_t k = 0; k < sig.params.size() && problem.empty(); ++k) {
      const ParamDecl& p = sig.params[k];
      const int ai = b.arg_of_param[k];
      if (ai < 0) {
        if (p.default_text.empty()) problem = "missing argument '" + p.name + "' of '" + name + "'";
        continue;
      }
      const ArgInfo& a = args[static_cast<size_t>(ai)];
      const int f = fit(a.type, p, bound_t);
      if (f < 0) {
        std::string expected = p.generic ? (p.type.base == Base::kArray ? std::string("array") : std::string("a value"))
                                         : (p.number ? std::string(qual_name(p.type.qual)) + " int/float" : type_text(p.type));
        problem = "Cannot call '" + name + "' with argument '" + p.name + "'. An argument of '" + type_text(a.type) +
                  "' type was used but " + (p.generic ? expected : "a '" + expected + "'") + " is expected";
        continue;
      }
      score += f;
      if (p.generic && bound_t == Base::kVoid && a.type.base != Base::kNaType) {
        bound_t = p.type.base == Base::kArray ? a.type.elem : a.type.base;
      } else if (p.generic && p.type.base == Base::kAny && bound_t == Base::kInt && a.type.base == Base::kFloat) {
        bound_t = Base::kFloat;
      }
      if (p.number && a.type.base == Base::kFloat) all_int = false;
      if (p.generic && a.type.base == Base::kFloat) all_int = false;
      if (a.type.qual > p.type.qual && a.type.base != Base::kNaType) {
        problem = "Cannot call '" + name + "' with argument '" + p.name + "'. An argument of '" + type_text(a.type) +
                  "' type was used but a '" + qual_name(p.type.qual) + " " +
                  (p.number ? std::string("int/float") : std::string(base_name(p.type.base))) + "' is expected";
        continue;
      }
      strongest = max_qual(strongest, a.type.qual);
    }
    if (!problem.empty()) {
      if (first_problem.empty()) first_problem = problem;
      continue;
    }
    for (Type r : sig.results) {
      if (sig.result_number) r.base = all_int ? Base::kInt : Base::kFloat;
      if (sig.result_generic) {
        if (r.base == Base::kArray) r.elem = bound_t == Base::kVoid ? Base::kFloat : bound_t;
        else r.base = bound_t == Base::kVoid ? Base::kFloat : bound_t;
      }
      if (!sig.result_has_qual) r.qual = sig.fn && sig.fn->make_state ? Qual::kSeries : strongest;
      b.results.push_back(r);
    }
    if (score < best_score) {
      best_score = score;
      best = std::move(b);
    }
  }
  if (best) return *best;
  return compile_error(line, col, first_problem);
}

}  // namespace atf::pine
