#include "lexer.h"

#include <cctype>
#include <cstdlib>
#include <unordered_map>

namespace atf::pine {

const char* tok_name(Tok t) {
  switch (t) {
    case Tok::kEof: return "end of script";
    case Tok::kNewline: return "end of line";
    case Tok::kIndent: return "indented block";
    case Tok::kDedent: return "end of block";
    case Tok::kIdent: return "identifier";
    case Tok::kInt: return "integer";
    case Tok::kFloat: return "number";
    case Tok::kString: return "string";
    case Tok::kColor: return "color literal";
    case Tok::kLParen: return "'('";
    case Tok::kRParen: return "')'";
    case Tok::kLBracket: return "'['";
    case Tok::kRBracket: return "']'";
    case Tok::kComma: return "','";
    case Tok::kDot: return "'.'";
    case Tok::kQuestion: return "'?'";
    case Tok::kColon: return "':'";
    case Tok::kArrow: return "'=>'";
    case Tok::kPlus: return "'+'";
    case Tok::kMinus: return "'-'";
    case Tok::kStar: return "'*'";
    case Tok::kSlash: return "'/'";
    case Tok::kPercent: return "'%'";
    case Tok::kEq: return "'='";
    case Tok::kDefine: return "':='";
    case Tok::kPlusEq: return "'+='";
    case Tok::kMinusEq: return "'-='";
    case Tok::kStarEq: return "'*='";
    case Tok::kSlashEq: return "'/='";
    case Tok::kPercentEq: return "'%='";
    case Tok::kEqEq: return "'=='";
    case Tok::kNotEq: return "'!='";
    case Tok::kLess: return "'<'";
    case Tok::kLessEq: return "'<='";
    case Tok::kGreater: return "'>'";
    case Tok::kGreaterEq: return "'>='";
    case Tok::kAnd: return "'and'";
    case Tok::kOr: return "'or'";
    case Tok::kNot: return "'not'";
    case Tok::kIf: return "'if'";
    case Tok::kElse: return "'else'";
    case Tok::kFor: return "'for'";
    case Tok::kTo: return "'to'";
    case Tok::kBy: return "'by'";
    case Tok::kIn: return "'in'";
    case Tok::kWhile: return "'while'";
    case Tok::kBreak: return "'break'";
    case Tok::kContinue: return "'continue'";
    case Tok::kSwitch: return "'switch'";
    case Tok::kVar: return "'var'";
    case Tok::kVarip: return "'varip'";
    case Tok::kTrue: return "'true'";
    case Tok::kFalse: return "'false'";
    case Tok::kImport: return "'import'";
    case Tok::kExport: return "'export'";
    case Tok::kType: return "'type'";
    case Tok::kMethod: return "'method'";
    case Tok::kEnum: return "'enum'";
  }
  return "token";
}

namespace {

const std::unordered_map<std::string_view, Tok>& keywords() {
  static const std::unordered_map<std::string_view, Tok> k = {
      {"and", Tok::kAnd},       {"or", Tok::kOr},         {"not", Tok::kNot},       {"if", Tok::kIf},
      {"else", Tok::kElse},     {"for", Tok::kFor},       {"to", Tok::kTo},         {"by", Tok::kBy},
      {"in", Tok::kIn},         {"while", Tok::kWhile},   {"break", Tok::kBreak},   {"continue", Tok::kContinue},
      {"switch", Tok::kSwitch}, {"var", Tok::kVar},       {"varip", Tok::kVarip},   {"true", Tok::kTrue},
      {"false", Tok::kFalse},   {"import", Tok::kImport}, {"export", Tok::kExport}, {"type", Tok::kType},
      {"method", Tok::kMethod}, {"enum", Tok::kEnum},
  };
  return k;
}

class Lexer {
 public:
  explicit Lexer(std::string_view src) : s_(src) {}

  Result<LexResult> run() {
    LexResult out;
    indents_.push_back(0);
    bool line_start = true;
    while (pos_ < s_.size()) {
      if (line_start) {
        line_start = false;
        // Measure indentation; skip blank and comment-only lines entirely.
        size_t p = pos_;
        int width = 0;
        while (p < s_.size() && (s_[p] == ' ' || s_[p] == '\t')) {
          width += s_[p] == '\t' ? 4 : 1;
          ++p;
        }
        // A CR ends a line only as part of CRLF (Windows files); a lone CR is whitespace, and
        // CRLF must count as one line, or every later error names the wrong line.
        const bool crlf = p < s_.size() && s_[p] == '\r' && (p + 1 >= s_.size() || s_[p + 1] == '\n');
        if (crlf) ++p;
        if (p >= s_.size() || s_[p] == '\n' || (s_[p] == '/' && p + 1 < s_.size() && s_[p + 1] == '/')) {
          // A blank or comment line: read a version annotation, then skip it.
          if (p + 1 < s_.size() && s_[p] == '/' && s_[p + 1] == '/') {
            size_t e = p;
            while (e < s_.size() && s_[e] != '\n') ++e;
            std::string_view c = s_.substr(p, e - p);
            const std::string_view tag = "//@version=";
            if (c.substr(0, tag.size()) == tag) {
              out.version = std::atoi(std::string(c.substr(tag.size())).c_str());
              if (out.version <= 0) return err(line_, 1, "invalid //@version annotation");
            }
            col_ += static_cast<int>(e - pos_);
            pos_ = e;
          } else {
            col_ += static_cast<int>(p - pos_);
            pos_ = p;
          }
          if (pos_ < s_.size()) newline_char();
          line_start = true;
          continue;
        }
        col_ += static_cast<int>(p - pos_);
        pos_ = p;
        if (depth_ > 0) {
          // inside parentheses: the line continues the expression
        } else if (width > indents_.back() && width % 4 != 0) {
          // Pine's line wrapping: the previous line goes on; drop its newline token.
          if (!out.tokens.empty() && out.tokens.back().kind == Tok::kNewline) out.tokens.pop_back();
        } else if (width > indents_.back()) {
          if (width != indents_.back() + 4 && !(width % 4 == 0 && width > indents_.back())) {
            return err(line_, col_, "bad indentation");
          }
          indents_.push_back(width);
          push(out, Tok::kIndent, "", line_, col_);
        } else {
          if (width % 4 != 0) {
            // Continuation lines must be indented more than the block they belong to.
            return err(line_, col_, "line continuation must be indented more than its block (use a multiple of 4 spaces for blocks)");
          }
          while (width < indents_.back()) {
            indents_.pop_back();
            push(out, Tok::kDedent, "", line_, col_);
          }
          if (width != indents_.back()) return err(line_, col_, "indentation does not match any outer block");
        }
      }
      const char c = s_[pos_];
      if (c == '\n') {
        if (depth_ == 0 && !out.tokens.empty() && out.tokens.back().kind != Tok::kNewline &&
            out.tokens.back().kind != Tok::kIndent && out.tokens.back().kind != Tok::kDedent) {
          push(out, Tok::kNewline, "", line_, col_);
        }
        newline_char();
        line_start = true;
        continue;
      }
      if (c == ' ' || c == '\t' || c == '\r') {
        advance();
        continue;
      }
      if (c == '/' && peek(1) == '/') {
        while (pos_ < s_.size() && s_[pos_] != '\n') advance();
        continue;
      }
      const int l = line_, cl = col_;
      if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        size_t b = pos_;
        while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_')) advance();
        std::string_view word = s_.substr(b, pos_ - b);
        auto it = keywords().find(word);
        push(out, it == keywords().end() ? Tok::kIdent : it->second, std::string(word), l, cl);
        continue;
      }
      if (std::isdigit(static_cast<unsigned char>(c)) || (c == '.' && std::isdigit(static_cast<unsigned char>(peek(1))))) {
        size_t b = pos_;
        bool is_float = false;
        while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) advance();
        if (pos_ < s_.size() && s_[pos_] == '.') {
          is_float = true;
          advance();
          while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) advance();
        }
        if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
          size_t save = pos_;
          int save_col = col_;
          advance();
          if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) advance();
          if (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) {
            is_float = true;
            while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) advance();
          } else {
            pos_ = save;
            col_ = save_col;
          }
        }
        std::string text(s_.substr(b, pos_ - b));
        Token t;
        t.kind = is_float ? Tok::kFloat : Tok::kInt;
        t.text = text;
        t.number = std::strtod(text.c_str(), nullptr);
        t.line = l;
        t.col = cl;
        if (!is_float && t.number > 9007199254740992.0) return err(l, cl, "integer literal " + text + " is too large");
        out.tokens.push_back(std::move(t));
        continue;
      }
      if (c == '"' || c == '\'') {
        const char q = c;
        advance();
        std::string text;
        while (true) {
          if (pos_ >= s_.size() || s_[pos_] == '\n') return err(l, cl, "unterminated string");
          char d = s_[pos_];
          if (d == q) {
            advance();
            break;
          }
          if (d == '\\' && pos_ + 1 < s_.size()) {
            advance();
            char e = s_[pos_];
            text += e == 'n' ? '\n' : e == 't' ? '\t' : e;
            advance();
            continue;
          }
          text += d;
          advance();
        }
        push(out, Tok::kString, text, l, cl);
        continue;
      }
      if (c == '#') {
        size_t b = pos_;
        advance();
        while (pos_ < s_.size() && std::isxdigit(static_cast<unsigned char>(s_[pos_]))) advance();
        const size_t n = pos_ - b - 1;
        if (n != 6 && n != 8) return err(l, cl, "color literal must be #RRGGBB or #RRGGBBAA");
        std::string hex(s_.substr(b + 1, n));
        uint32_t rgba = static_cast<uint32_t>(std::strtoul(hex.c_str(), nullptr, 16));
        if (n == 6) rgba = (rgba << 8) | 0xFFu;
        Token t;
        t.kind = Tok::kColor;
        t.text = "#" + hex;
        t.number = static_cast<double>(rgba);
        t.line = l;
        t.col = cl;
        out.tokens.push_back(std::move(t));
        continue;
      }
      auto op = [&](Tok k, int len) {
        std::string text(s_.substr(pos_, static_cast<size_t>(len)));
        for (int i = 0; i < len; ++i) advance();
        push(out, k, text, l, cl);
      };
      const char n1 = peek(1);
      switch (c) {
        case '(': ++depth_; op(Tok::kLParen, 1); continue;
        case ')': if (depth_ > 0) --depth_; op(Tok::kRParen, 1); continue;
        case '[': ++depth_; op(Tok::kLBracket, 1); continue;
        case ']': if (depth_ > 0) --depth_; op(Tok::kRBracket, 1); continue;
        case ',': op(Tok::kComma, 1); continue;
        case '.': op(Tok::kDot, 1); continue;
        case '?': op(Tok::kQuestion, 1); continue;
        case ':': if (n1 == '=') op(Tok::kDefine, 2); else op(Tok::kColon, 1); continue;
        case '+': if (n1 == '=') op(Tok::kPlusEq, 2); else op(Tok::kPlus, 1); continue;
        case '-': if (n1 == '=') op(Tok::kMinusEq, 2); else op(Tok::kMinus, 1); continue;
        case '*': if (n1 == '=') op(Tok::kStarEq, 2); else op(Tok::kStar, 1); continue;
        case '/': if (n1 == '=') op(Tok::kSlashEq, 2); else op(Tok::kSlash, 1); continue;
        case '%': if (n1 == '=') op(Tok::kPercentEq, 2); else op(Tok::kPercent, 1); continue;
        case '=':
          if (n1 == '=') op(Tok::kEqEq, 2);
          else if (n1 == '>') op(Tok::kArrow, 2);
          else op(Tok::kEq, 1);
          continue;
        case '!': if (n1 == '=') { op(Tok::kNotEq, 2); continue; } break;
        case '<': if (n1 == '=') op(Tok::kLessEq, 2); else op(Tok::kLess, 1); continue;
        case '>': if (n1 == '=') op(Tok::kGreaterEq, 2); else op(Tok::kGreater, 1); continue;
        default: break;
      }
      std::string shown = (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
                              ? "byte 0x" + hex_byte(static_cast<unsigned char>(c))
                              : std::string("'") + c + "'";
      return err(l, cl, "unexpected character " + shown);
    }
    if (!out.tokens.empty() && out.tokens.back().kind != Tok::kNewline && out.tokens.back().kind != Tok::kDedent) {
      push(out, Tok::kNewline, "", line_, col_);
    }
    while (indents_.size() > 1) {
      indents_.pop_back();
      push(out, Tok::kDedent, "", line_, col_);
    }
    push(out, Tok::kEof, "", line_, col_);
    return out;
  }

 private:
  static std::string hex_byte(unsigned char b) {
    const char* d = "0123456789abcdef";
    return std::string{d[b >> 4], d[b & 15]};
  }
  char peek(size_t k) const { return pos_ + k < s_.size() ? s_[pos_ + k] : '\0'; }
  void advance() {
    ++pos_;
    ++col_;
  }
  void newline_char() {
    ++pos_;
    ++line_;
    col_ = 1;
  }
  static void push(LexResult& out, Tok k, std::string text, int line, int col) {
    Token t;
    t.kind = k;
    t.text = std::move(text);
    t.line = line;
    t.col = col;
    out.tokens.push_back(std::move(t));
  }
  static Error err(int line, int col, std::string msg) {
    Error e = Error::make(ErrorCode::kValidation, std::move(msg));
    e.line = line;
    e.column = col;
    e.field = "script";
    return e;
  }

  std::string_view s_;
  size_t pos_ = 0;
  int line_ = 1, col_ = 1;
  int depth_ = 0;
  std::vector<int> indents_;
};

}  // namespace

Result<LexResult> lex(std::string_view source) { return Lexer(source).run(); }

}  // namespace atf::pine
