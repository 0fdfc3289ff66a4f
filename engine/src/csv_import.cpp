// CSV price-history import: one pass over a string_view, no per-field allocation, no iostreams,
// no locale-dependent time functions. Numbers are parsed by a small decimal parser whose fast path
// (Clinger's: an exact mantissa below 2^53 scaled by an exact power of ten) gives the correctly
// rounded double with one IEEE operation, so results are bit-identical natively and in Wasm; other
// inputs go through strtod, which is correctly rounded in glibc and in Emscripten's musl.
#include "atf/csv_import.h"

#include "text_parse.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace atf {
namespace {

using namespace text;  // NOLINT(google-build-using-namespace): the importer's own parsers
constexpr size_t kShownChars = 40;  // longest excerpt of the offending text quoted in a message

// ----- scanning -----

enum class Stop { kSep, kEol, kBadByte };

/// Advances p over one field to the separator or line end (not consumed). A double-quoted run may hold
/// separators. kBadByte leaves p on a control byte that cannot appear in CSV text.
inline Stop scan_field(const char*& p, const char* end, char sep) {
  while (p != end) {
    const char c = *p;
    if (c == sep) return Stop::kSep;
    if (static_cast<unsigned char>(c) < 0x20) {
      if (c == '\n' || c == '\r') return Stop::kEol;
      if (c != '\t') return Stop::kBadByte;
    } else if (c == '"') {
      const char* q = p + 1;
      while (q != end && *q != '"' && (static_cast<unsigned char>(*q) >= 0x20 || *q == '\t')) ++q;
      if (q == end || *q != '"') {  // unterminated, or a line end or control byte inside: look at it next
        p = q;
        continue;
      }
      p = q;
    }
    ++p;
  }
  return Stop::kEol;
}

inline bool is_blank_char(char c) { return c == ' ' || c == '\t'; }

/// Strips surrounding whitespace, then one pair of surrounding double quotes and the whitespace inside.
inline std::string_view trim_field(const char* b, const char* e) {
  while (b != e && is_blank_char(*b)) ++b;
  while (e != b && is_blank_char(e[-1])) --e;
  if (e - b >= 2 && *b == '"' && e[-1] == '"') {
    ++b;
    --e;
    while (b != e && is_blank_char(*b)) ++b;
    while (e != b && is_blank_char(e[-1])) --e;
  }
  return {b, static_cast<size_t>(e - b)};
}

inline const char* line_end(const char* p, const char* end) {
  while (p != end && *p != '\n' && *p != '\r') ++p;
  return p;
}

/// Consumes "\n", "\r\n" or a lone "\r".
inline void consume_eol(const char*& p, const char* end) {
  if (p == end) return;
  if (*p == '\r') {
    ++p;
    if (p != end && *p == '\n') ++p;
  } else if (*p == '\n') {
    ++p;
  }
}

/// A line holding only whitespace, separators and quotes carries no data and is skipped.
bool is_blank_line(const char* b, const char* end, char sep) {
  for (const char* e = line_end(b, end); b != e; ++b) {
    if (!is_blank_char(*b) && *b != sep && *b != '"') return false;
  }
  return true;
}

// ----- messages -----

/// Length of the valid UTF-8 sequence at s[i] (1-4), or 0 when the bytes there are not UTF-8.
size_t utf8_sequence(std::string_view s, size_t i) {
  const auto b = [&s](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;  // no UTF-16 surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + len > s.size() || b(i + 1) < lo || b(i + 1) > hi) return 0;
  for (size_t k = 2; k < len; ++k) {
    if (b(i + k) < 0x80 || b(i + k) > 0xBF) return 0;
  }
  return len;
}

/// Text from the file made safe for a message: at most `max_bytes` bytes of it, control bytes and
/// bytes that are not UTF-8 written as \xNN (messages end up in JSON, which must be UTF-8), "..."
/// when cut.
std::string printable(std::string_view s, size_t max_bytes) {
  std::string out;
  size_t i = 0;
  while (i < s.size() && i < max_bytes) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t len = c < 0x20 || c == 0x7f ? 0 : utf8_sequence(s, i);
    if (len == 0) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
      ++i;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  if (i < s.size()) out += "...";
  return out;
}

/// The offending text, quoted, at most kShownChars bytes, control bytes and non-UTF-8 bytes escaped.
std::string shown(std::string_view s) {
  std::string out(1, '\'');
  out += printable(s, kShownChars);
  out += '\'';
  return out;
}

Error import_error(int64_t line, int64_t column, std::string field, const std::string& what) {
  std::string msg;
  if (line > 0) {
    msg = "line " + std::to_string(line);
    if (column > 0) {
      msg += ", column " + std::to_string(column);
      if (!field.empty()) msg += " (" + field + ")";
    }
    msg += ": ";
  }
  msg += what;
  return Error{ErrorCode::kImport, std::move(msg), std::move(field), line, column, {}};
}

Error utf16_error() { return import_error(0, 0, "", "the file looks like UTF-16; save it as UTF-8"); }

/// UTF-16 text without a BOM: in nearly every byte pair of the first 512 bytes exactly one byte is NUL.
bool looks_utf16(const char* p, const char* end) {
  const size_t n = std::min<size_t>(static_cast<size_t>(end - p), 512) & ~size_t{1};
  if (n < 2 || std::memchr(p, '\0', n) == nullptr) return false;
  size_t half_nul = 0;
  for (size_t i = 0; i < n; i += 2) half_nul += (p[i] == '\0') != (p[i + 1] == '\0') ? 1 : 0;
  return half_nul * 10 >= (n / 2) * 9;
}

/// The header held a single column: most likely the columns are separated by a character the
/// importer does not split on.
std::string one_column_hint(std::string_view header) {
  const auto pipes = std::count(header.begin(), header.end(), '|');
  const auto spaces = std::count(header.begin(), header.end(), ' ');
  std::string hint = " (one column: separate columns with a comma, a semicolon or a tab";
  if (pipes > 0 && pipes >= spaces) hint += "; this line uses '|'";
  else if (spaces > 0) hint += "; this line uses spaces";
  return hint + ")";
}

// ----- header names -----

enum Role : int8_t { kNone = 0, kTime, kOpen, kHigh, kLow, kClose, kVolume, kRoleCount };
constexpr const char* kRoleNames[kRoleCount] = {"", "time", "open", "high", "low", "close", "volume"};

/// Lowercase ASCII letters and digits only: "Adj Close" -> "adjclose", "open_time" -> "opentime".
std::string normalize_name(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c >= 'A' && c <= 'Z') {
      out += static_cast<char>(c - 'A' + 'a');
    } else if ((c >= 'a' && c <= 'z') || is_digit(c)) {
      out += c;
    }
  }
  return out;
}

Role role_for_name(const std::string& n) {
  static const char* const kTimeNames[] = {"timestamp", "time",     "datetime",      "date",
                                           "opentime",  "unix",     "unixtime",      "unixtimestamp",
                                           "epoch",     "ts",       "timestamputc",  "datetimeutc",
                                           "timeutc",   "dateutc"};
  for (const char* t : kTimeNames) {
    if (n == t) return kTime;
  }
  if (n == "open" || n == "o" || n == "openprice") return kOpen;
  if (n == "high" || n == "h" || n == "highprice") return kHigh;
  if (n == "low" || n == "l" || n == "lowprice") return kLow;
  if (n == "close" || n == "c" || n == "closeprice") return kClose;
  if (n == "volume" || n == "v" || n == "vol") return kVolume;
  return kNone;
}

/// A first field that starts like a number or a date means the file has no header.
bool looks_like_data(std::string_view f) {
  if (f.empty()) return false;
  if (is_digit(f[0])) return true;
  return f.size() >= 2 && (f[0] == '+' || f[0] == '-' || f[0] == '.') && is_digit(f[1]);
}

// ----- the importer -----

enum class TimeMode { kUnknown, kDate, kDateTime, kEpoch };

class Importer {
 public:
  Importer(std::string_view text, const CsvImportOptions& options) : text_(text), opt_(options) {}
  Result<CsvImport> run();

 private:
  bool read_time(std::string_view f, int64_t line, int64_t& t);
  std::string time_problem(std::string_view f) const;
  std::string column_name(int col) const {
    if (col < 0) return {};
    if (col < ncols_ && roles_[static_cast<size_t>(col)] != kNone) return kRoleNames[roles_[static_cast<size_t>(col)]];
    if (col < static_cast<int>(header_names_.size())) return header_names_[static_cast<size_t>(col)];
    return {};
  }
  Error error_at(int64_t line, int col, const std::string& what) const {
    return import_error(line, col + 1, column_name(col), what);
  }
  Error binary_error(int64_t line, int col, char byte) const {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02X", static_cast<unsigned char>(byte));
    std::string what = std::string("the file looks binary (control byte ") + buf + "), not CSV text";
    if (text_.size() >= 4 && text_.substr(0, 4) == std::string_view("PK\x03\x04", 4)) {
      what += "; it may be a ZIP archive or an Excel workbook: export it as CSV";
    }
    // Only a column the header names is worth naming: others would quote the binary header.
    const std::string field = col >= 0 && col < static_cast<int>(roles_.size()) && roles_[static_cast<size_t>(col)] != kNone
                                  ? kRoleNames[roles_[static_cast<size_t>(col)]]
                                  : "";
    return import_error(line, col + 1, field, what);
  }
  /// A file whose header cannot be read may simply be binary: if a control byte that CSV text
  /// never holds appears in its first 64 KB (from the header line on), that is the error to report.
  bool find_binary(const char* from, int64_t line, Error& err) const {
    const auto room = static_cast<size_t>(text_.data() + text_.size() - from);
    const char* const end = from + std::min<size_t>(room, 64 << 10);
    const char* row = from;
    for (const char* q = from; q != end; ++q) {
      const auto c = static_cast<unsigned char>(*q);
      if (c >= 0x20 || c == '\t') continue;
      if (c == '\n' || c == '\r') {
        if (c == '\r' && q + 1 != end && q[1] == '\n') ++q;
        ++line;
        row = q + 1;
        continue;
      }
      int col = 0;
      for (const char* p = row; p < q && scan_field(p, end, sep_) == Stop::kSep && p < q; ++p) ++col;
      err = binary_error(line, col, *q);
      return true;
    }
    return false;
  }
  int count_fields(const char* row, const char* end) const {
    int n = 1;
    for (const char* p = row;; ++p, ++n) {
      if (scan_field(p, end, sep_) != Stop::kSep) return n;
    }
  }

  std::string_view text_;
  const CsvImportOptions& opt_;
  char sep_ = ',';
  int ncols_ = 0;                          // columns a row must have (header width, trailing blanks dropped)
  std::vector<Role> roles_;                // per column
  int role_col_[kRoleCount] = {-1, -1, -1, -1, -1, -1, -1};
  std::vector<std::string> header_names_;  // as written, trimmed and unquoted
  TimeMode mode_ = TimeMode::kUnknown;
  int epoch_unit_ = kSeconds;
  std::string first_time_;  // text of the first row's timestamp, for messages
  int64_t first_time_line_ = 0;
};

/// Parses a timestamp in the format detected from the first data row (detecting it on that row).
/// Allocation-free except on the first row.
bool Importer::read_time(std::string_view f, int64_t line, int64_t& t) {
  IsoTime it;
  switch (mode_) {
    case TimeMode::kDate:
      if (parse_iso(f, it) != Parse::kOk || it.has_time) return false;
      t = it.ms;
      return true;
    case TimeMode::kDateTime:
      if (parse_iso(f, it) != Parse::kOk || !it.has_time) return false;
      t = it.ms;
      return true;
    case TimeMode::kEpoch: {
      int unit = -1;
      return parse_epoch(f, t, unit) && unit == epoch_unit_;
    }
    case TimeMode::kUnknown: break;
  }
  const Parse r = parse_iso(f, it);
  int unit = -1;
  if (r == Parse::kOk) {
    mode_ = it.has_time ? TimeMode::kDateTime : TimeMode::kDate;
    t = it.ms;
  } else if (r == Parse::kBadShape && parse_epoch(f, t, unit)) {
    mode_ = TimeMode::kEpoch;
    epoch_unit_ = unit;
  } else {
    return false;
  }
  first_time_.assign(f.substr(0, kShownChars));
  first_time_line_ = line;
  return true;
}

/// What read_time expected, for the message of a timestamp it rejected.
std::string Importer::time_problem(std::string_view f) const {
  IsoTime it;
  const Parse r = parse_iso(f, it);
  const std::string found = ", found " + shown(f);
  const std::string example = first_time_ + " (as in line " + std::to_string(first_time_line_) + ")";
  if (r == Parse::kBadRange && (mode_ == TimeMode::kUnknown || (mode_ == TimeMode::kDate && !it.has_time) ||
                                (mode_ == TimeMode::kDateTime && it.has_time))) {
    return "expected a real calendar date and time (month 01-12, a day that exists in that month, "
           "hour 00-23, minute and second 00-59)" + found;
  }
  switch (mode_) {
    case TimeMode::kDate: return "expected a date like " + example + found;
    case TimeMode::kDateTime: return "expected a date-time like " + example + found;
    case TimeMode::kEpoch:
      return std::string("expected a Unix time in ") + kEpochUnitNames[epoch_unit_] + " like " + example + found;
    case TimeMode::kUnknown: break;
  }
  return "expected a date like 2020-01-31, a date-time like 2020-01-31 09:30:00 or a Unix time like "
         "1580428800" + found;
}

Result<CsvImport> Importer::run() {
  const char* p = text_.data();
  const char* const end = p + text_.size();

  // Encoding.
  if (text_.size() >= 2 && ((static_cast<unsigned char>(p[0]) == 0xFF && static_cast<unsigned char>(p[1]) == 0xFE) ||
                            (static_cast<unsigned char>(p[0]) == 0xFE && static_cast<unsigned char>(p[1]) == 0xFF))) {
    return utf16_error();
  }
  if (text_.size() >= 3 && text_.substr(0, 3) == "\xEF\xBB\xBF") p += 3;
  if (looks_utf16(p, end)) return utf16_error();

  // Header line: the first line that is not blank.
  int64_t line = 1;
  for (;;) {
    if (p == end) return import_error(0, 0, "", "the file is empty");
    const char* le = line_end(p, end);
    if (!std::all_of(p, le, is_blank_char)) break;
    p = le;
    consume_eol(p, end);
    ++line;
  }
  const char* const first_line = p;
  const int64_t first_line_no = line;

  // Separator: the most frequent of , ; and tab outside quotes (ties go to the earlier one).
  {
    int counts[3] = {0, 0, 0};
    bool quoted = false;
    for (const char* q = p, *le = line_end(p, end); q != le; ++q) {
      if (*q == '"') {
        quoted = !quoted;
      } else if (!quoted) {
        counts[0] += *q == ',';
        counts[1] += *q == ';';
        counts[2] += *q == '\t';
      }
    }
    const char seps[3] = {',', ';', '\t'};
    int best = 0;
    for (int i = 1; i < 3; ++i) {
      if (counts[i] > counts[best]) best = i;
    }
    sep_ = seps[best];
  }

  std::vector<std::string_view> fields;
  for (;;) {
    const char* fb = p;
    const Stop stop = scan_field(p, end, sep_);
    if (stop == Stop::kBadByte) return binary_error(line, static_cast<int>(fields.size()), *p);
    fields.push_back(trim_field(fb, p));
    if (stop == Stop::kEol) break;
    ++p;
  }
  size_t width = fields.size();
  while (width > 0 && fields[width - 1].empty()) --width;
  ncols_ = static_cast<int>(width);

  CsvImport out;
  CsvLayout& layout = out.layout;
  layout.separator = sep_;
  layout.has_header = !looks_like_data(fields[0]);
  if (!layout.has_header) {
    if (ncols_ < 5) {
      if (Error bin; find_binary(first_line, first_line_no, bin)) return bin;
      return import_error(line, 0, "",
                          "expected at least 5 columns (time, open, high, low, close, optionally volume) "
                          "in a file without a header, found " + std::to_string(ncols_));
    }
    roles_.assign(width, kNone);
    for (int r = kTime; r <= kVolume && r - 1 < ncols_; ++r) {
      roles_[static_cast<size_t>(r - 1)] = static_cast<Role>(r);
      role_col_[r] = r - 1;
    }
    p = first_line;  // the first line is data
    line = first_line_no;
  } else {
    roles_.assign(width, kNone);
    for (size_t c = 0; c < width; ++c) {
      header_names_.push_back(printable(fields[c], 2 * kShownChars));
      const Role r = role_for_name(normalize_name(fields[c]));
      if (r == kNone) continue;
      if (role_col_[r] < 0) {
        role_col_[r] = static_cast<int>(c);
        roles_[c] = r;
      } else if (r != kTime) {  // the leftmost time column wins (e.g. "unix" before "date")
        return import_error(line, static_cast<int64_t>(c) + 1, kRoleNames[r],
                            "columns " + std::to_string(role_col_[r] + 1) + " (" + header_names_[static_cast<size_t>(role_col_[r])] +
                                ") and " + std::to_string(c + 1) + " (" + header_names_[c] + ") both name the " +
                                kRoleNames[r] + " column; keep one");
      }
    }
    for (int r = kTime; r <= kClose; ++r) {
      if (role_col_[r] >= 0) continue;
      if (Error bin; find_binary(first_line, first_line_no, bin)) return bin;
      std::string raw;
      for (size_t c = 0; c < width; ++c) raw += (c ? "," : "") + std::string(fields[c]);
      std::string names = printable(raw, raw.size() > 120 ? 117 : 120);
      if (width == 1) names += one_column_hint(fields[0]);
      return import_error(line, 0, kRoleNames[r],
                          std::string("missing column ") + kRoleNames[r] +
                              ": expected columns named time (or date, timestamp, datetime), open, high, low, "
                              "close and optionally volume, in any order; found " +
                              names);
    }
    consume_eol(p, end);
    ++line;
  }
  layout.columns = ncols_;
  layout.time_col = role_col_[kTime];
  layout.open_col = role_col_[kOpen];
  layout.high_col = role_col_[kHigh];
  layout.low_col = role_col_[kLow];
  layout.close_col = role_col_[kClose];
  layout.volume_col = role_col_[kVolume];

  // Price checks run in column order, so a row's leftmost bad price is reported.
  Role price_order[4] = {kOpen, kHigh, kLow, kClose};
  std::sort(price_order, price_order + 4, [this](Role a, Role b) { return role_col_[a] < role_col_[b]; });

  // Reserve for every remaining line, so the columns never reallocate.
  {
    size_t lines = 1;
    for (const char* q = p; (q = static_cast<const char*>(std::memchr(q, '\n', static_cast<size_t>(end - q)))) != nullptr; ++q) {
      ++lines;
    }
    out.bars.reserve(lines);
  }
  out.bars.symbol = opt_.symbol;

  const Role* const roles = roles_.data();
  const int ncols = ncols_;
  const char sep = sep_;
  const bool has_volume = role_col_[kVolume] >= 0;
  bool have_prev = false;
  int64_t prev_t = 0, prev_line = 0;
  std::string_view text[kRoleCount];
  double val[kRoleCount] = {};

  while (p != end) {
    const char* const row = p;
    if (*p == '\n' || *p == '\r') {  // empty line
      consume_eol(p, end);
      ++line;
      continue;
    }
    int64_t t = 0;
    int col = 0;
    bool blank = false;
    for (;; ++col) {
      const char* fb = p;
      const Stop stop = scan_field(p, end, sep);
      if (stop == Stop::kBadByte) return binary_error(line, col, *p);
      const std::string_view f = trim_field(fb, p);
      if (col < ncols) {
        const Role r = roles[col];
        if (r == kTime) {
          text[kTime] = f;
          if (!read_time(f, line, t)) {
            if ((blank = is_blank_line(row, end, sep))) break;
            return error_at(line, col, time_problem(f));
          }
        } else if (r != kNone) {
          text[r] = f;
          if (!parse_number(f, val[r])) {
            if ((blank = is_blank_line(row, end, sep))) break;
            return error_at(line, col, "expected a number, found " + shown(f));
          }
        }
      } else if (!f.empty()) {
        return error_at(line, col,
                        "expected " + std::to_string(ncols) + " fields, found " +
                            std::to_string(count_fields(row, end)) +
                            " (is a separator inside an unquoted value?)");
      }
      if (stop == Stop::kEol) break;
      ++p;
    }
    if (!blank && col + 1 < ncols) {
      if (!(blank = is_blank_line(row, end, sep))) {
        return error_at(line, col + 1,
                        "expected " + std::to_string(ncols) + " fields, found " + std::to_string(col + 1));
      }
    }
    if (blank) {
      p = line_end(row, end);
      consume_eol(p, end);
      ++line;
      continue;
    }
    consume_eol(p, end);

    if (have_prev && t <= prev_t) {
      return error_at(line, role_col_[kTime],
                      std::string(t == prev_t ? "duplicate timestamp" : "timestamp out of order") +
                          ": expected a time after " + format_time(prev_t) + " (line " + std::to_string(prev_line) +
                          "), found " + shown(text[kTime]));
    }
    for (const Role r : price_order) {
      const double x = val[r];
      if (!std::isfinite(x)) return error_at(line, role_col_[r], "expected a finite price, found " + shown(text[r]));
      if (!(x > 0)) return error_at(line, role_col_[r], "expected a price above 0, found " + shown(text[r]));
    }
    const double o = val[kOpen], h = val[kHigh], l = val[kLow], c = val[kClose];
    if (h < l) {
      return error_at(line, role_col_[kHigh],
                      std::string("expected a high of at least the low (") + printable(text[kLow], kShownChars) +
                          "), found " + shown(text[kHigh]));
    }
    if (h < o || h < c) {
      const Role top = o >= c ? kOpen : kClose;
      return error_at(line, role_col_[kHigh],
                      std::string("expected a high of at least the ") + kRoleNames[top] + " (" +
                          printable(text[top], kShownChars) + "), found " + shown(text[kHigh]));
    }
    if (l > o || l > c) {
      const Role bottom = o <= c ? kOpen : kClose;
      return error_at(line, role_col_[kLow],
                      std::string("expected a low of at most the ") + kRoleNames[bottom] + " (" +
                          printable(text[bottom], kShownChars) + "), found " + shown(text[kLow]));
    }
    double v = 0.0;
    if (has_volume) {
      v = val[kVolume];
      if (!std::isfinite(v)) return error_at(line, role_col_[kVolume], "expected a finite volume, found " + shown(text[kVolume]));
      if (v < 0) return error_at(line, role_col_[kVolume], "expected a volume of 0 or more, found " + shown(text[kVolume]));
      if (v == 0) v = 0.0;  // no -0
    }
    have_prev = true;
    prev_t = t;
    prev_line = line;
    ++line;
    ++out.rows_read;
    if (t < opt_.from_ms || t > opt_.to_ms) {
      ++out.rows_skipped;
    } else {
      out.bars.push_back(t, o, h, l, c, v);
    }
  }

  if (out.rows_read == 0) {
    return import_error(0, 0, "", "no data rows: the file has a header (line " + std::to_string(first_line_no) +
                                      ") but no prices below it");
  }
  layout.time_format = mode_ == TimeMode::kEpoch ? kEpochFormats[epoch_unit_]
                       : mode_ == TimeMode::kDateTime ? "datetime"
                                                      : "date";
  if (out.bars.empty()) {
    const auto bound = [](int64_t ms, const char* open_end) {
      return ms == std::numeric_limits<int64_t>::min() || ms == std::numeric_limits<int64_t>::max() ? std::string(open_end)
                                                                                                    : format_time(ms);
    };
    return import_error(0, 0, "",
                        "no rows between " + bound(opt_.from_ms, "the start") + " and " + bound(opt_.to_ms, "the end") +
                            " (" + std::to_string(out.rows_read) + " rows read, last at " + format_time(prev_t) + ")");
  }
  if (out.rows_skipped > static_cast<int64_t>(out.bars.size())) {
    // Most rows fell outside the range: give back the memory reserved for them.
    for (auto* col : {&out.bars.open, &out.bars.high, &out.bars.low, &out.bars.close, &out.bars.volume}) col->shrink_to_fit();
    out.bars.time.shrink_to_fit();
  }
  return out;
}

}  // namespace

Result<CsvImport> import_csv(std::string_view text, const CsvImportOptions& options) {
  return Importer(text, options).run();
}

Result<CsvImport> import_csv_file(const std::string& path, const CsvImportOptions& options) {
  const auto read_error = [&path](int err) {
    return import_error(0, 0, "", "cannot read " + path + ": " + std::strerror(err != 0 ? err : EIO));
  };
  errno = 0;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return read_error(errno);
  std::string data;
  char chunk[1 << 16];
  // The first read fails for a directory before its "size" is trusted.
  size_t n = std::fread(chunk, 1, sizeof chunk, f);
  if (std::ferror(f)) {
    const int err = errno;
    std::fclose(f);
    return read_error(err);
  }
  data.append(chunk, n);
  if (n == sizeof chunk) {
    long size = -1;
    if (std::fseek(f, 0, SEEK_END) == 0) size = std::ftell(f);
    if (size > static_cast<long>(n) && std::fseek(f, static_cast<long>(n), SEEK_SET) == 0) {
      data.resize(static_cast<size_t>(size));
      data.resize(n + std::fread(data.data() + n, 1, static_cast<size_t>(size) - n, f));
    } else {
      std::fseek(f, static_cast<long>(n), SEEK_SET);
    }
    while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0) data.append(chunk, n);
    if (std::ferror(f)) {
      const int err = errno;
      std::fclose(f);
      return read_error(err);
    }
  }
  std::fclose(f);

  if (!options.symbol.empty()) return import_csv(data, options);
  // Default symbol: the file name without directory and extension ("NVDA-1d-1999-2014").
  CsvImportOptions named = options;
  const size_t slash = path.find_last_of("/\\");
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  const size_t dot = name.find_last_of('.');
  if (dot != std::string::npos && dot > 0) name.resize(dot);
  named.symbol = name;
  return import_csv(data, named);
}

Result<int64_t> parse_time_arg(std::string_view text, bool end_of_day) {
  while (!text.empty() && is_blank_char(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_blank_char(text.back())) text.remove_suffix(1);
  IsoTime it;
  const Parse r = parse_iso(text, it);
  if (r == Parse::kOk) return it.has_time || !end_of_day ? it.ms : it.ms + kMsPerDay - 1;
  if (r == Parse::kBadRange) {
    return Error::validation("", "expected a real calendar date and time, found " + shown(text));
  }
  return Error::validation("", "expected a date like 2020-01-31 or a date-time like 2020-01-31T09:30:00Z, found " +
                                   shown(text));
}

std::string format_time(int64_t ms) {
  // Floor division without multiplying back, so even INT64_MIN formats without overflow.
  int64_t rem = ms % kMsPerDay;
  const int64_t days = ms / kMsPerDay - (rem < 0 ? 1 : 0);
  if (rem < 0) rem += kMsPerDay;
  const Civil c = civil_from_days(days);
  char buf[64];
  if (rem == 0) {
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(c.y), c.m, c.d);
  } else {
    const auto hh = static_cast<int>(rem / 3'600'000), mi = static_cast<int>(rem / 60'000 % 60),
               ss = static_cast<int>(rem / 1000 % 60), milli = static_cast<int>(rem % 1000);
    if (milli != 0) {
      std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<long long>(c.y), c.m, c.d, hh,
                    mi, ss, milli);
    } else {
      std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02dZ", static_cast<long long>(c.y), c.m, c.d, hh, mi,
                    ss);
    }
  }
  return buf;
}

}  // namespace atf
