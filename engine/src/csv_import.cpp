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
#include <optional>
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

/// Lowercase ASCII letters and digits only: "Adj Close" -> "adjclose", "<DATE>" -> "date".
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

/// What a time column's name says about its integers: a date column reads 20200102 as a date,
/// an epoch column as Unix time, a generic one refuses a number that could be either.
enum class TimeName : int8_t { kGeneric, kDate, kEpoch };

TimeName time_name_kind(const std::string& n) {
  if (n == "date" || n == "dateutc" || n == "tradedate" || n == "tradingday") return TimeName::kDate;
  if (n == "unix" || n == "unixtime" || n == "unixtimestamp" || n == "epoch" || n == "opentime") return TimeName::kEpoch;
  return TimeName::kGeneric;
}

Role role_for_name(const std::string& n) {
  static const char* const kTimeNames[] = {"timestamp", "time",     "datetime",      "date",
                                           "opentime",  "unix",     "unixtime",      "unixtimestamp",
                                           "epoch",     "ts",       "timestamputc",  "datetimeutc",
                                           "timeutc",   "dateutc",  "tradedate",     "tradingday"};
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

/// A price cell that holds no price: empty, or what exporters write for "no data".
bool is_missing(std::string_view f) {
  if (f.empty()) return true;
  if (f.size() > 4) return false;
  std::string low;
  for (char c : f) low += lower(c);
  return low == "null" || low == "none" || low == "n/a" || low == "#n/a" || low == "-";
}

const char* order_flag_text() {
  return "state the order: --date-order dmy (day first) or --date-order mdy (month first) on the command line, "
         "\"date_order\" in an import's options, or Date order in the app";
}

// ----- the importer -----

enum class TimeMode { kUnknown, kDate, kDateTime, kEpoch, kCompact, kLoose };
enum class TimeRead { kOk, kBad, kFatal };
enum class NumRead { kOk, kMissing, kBad };

class Importer {
 public:
  Importer(std::string_view text, const CsvImportOptions& options, CsvErrorList* errors)
      : text_(text), opt_(options), errors_(errors) {}
  Result<CsvImport> run();

 private:
  TimeRead read_time(std::string_view f, int64_t line, int64_t& t);
  TimeRead detect_time(std::string_view f, int64_t line, int64_t& t);
  std::string time_problem(std::string_view f) const;
  /// Every number that is not plain with a decimal point: missing, grouped, decimal commas, K/M.
  [[gnu::noinline]] NumRead read_number(std::string_view f, Role r, int64_t line, double& out);
  bool parse_grouped(std::string_view f, bool volume, double& out) const;
  std::string number_problem(std::string_view f, Role r) const;
  /// The order that the file's year-last dates prove (scanning from `from`), with the line, for
  /// the refusal of an unstated order.
  std::string order_hint(const char* from, int64_t line) const;
  std::string column_name(int col) const {
    if (col < 0) return {};
    if (col == clock_col_) return "time of day";
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
  CsvErrorList* errors_;
  char sep_ = ',';
  char decimal_mark_ = 0;  // 0 until a number shows it (';' and tab files); ',' files use '.'
  std::string decimal_example_;
  int64_t decimal_line_ = 0;
  int ncols_ = 0;                          // columns a row must have (header width, trailing blanks dropped)
  std::vector<Role> roles_;                // per column
  int role_col_[kRoleCount] = {-1, -1, -1, -1, -1, -1, -1};
  int clock_col_ = -1;                     // a separate time-of-day column
  TimeName time_name_ = TimeName::kGeneric;
  std::vector<std::string> header_names_;  // as written, trimmed and unquoted
  TimeMode mode_ = TimeMode::kUnknown;
  int epoch_unit_ = kSeconds;
  bool loose_has_time_ = false;
  std::string date_style_;
  std::string first_time_;  // text of the first row's timestamp, for messages
  int64_t first_time_line_ = 0;
  const char* data_begin_ = nullptr;  // first data line, for scans on error paths
  int64_t data_line_ = 0;
  Error fatal_;
};

std::string Importer::order_hint(const char* from, int64_t line) const {
  const char* const end = text_.data() + text_.size();
  const int tcol = role_col_[kTime];
  for (const char* p = from; p != end; ++line) {
    const char* row = p;
    int col = 0;
    std::string_view f;
    for (;; ++col) {
      const char* fb = p;
      const Stop stop = scan_field(p, end, sep_);
      if (col == tcol) f = trim_field(fb, p);
      if (stop != Stop::kSep) break;
      ++p;
    }
    LooseDate ld;
    if (!f.empty() && parse_loose_date(f, DateOrder::kUnknown, ld) == LooseParse::kNeedsOrder &&
        ld.proves != DateOrder::kUnknown) {
      const bool dmy = ld.proves == DateOrder::kDMY;
      return std::string("; line ") + std::to_string(line) + " has " + shown(f) + ", which can only be " +
             (dmy ? "day-first (dmy)" : "month-first (mdy)");
    }
    p = line_end(row, end);
    if (p == end) break;
    consume_eol(p, end);
  }
  return "; no date in the file settles it (every day is 12 or less)";
}

TimeRead Importer::detect_time(std::string_view f, int64_t line, int64_t& t) {
  IsoTime it;
  const Parse r = parse_iso(f, it);
  const bool digits_only = !f.empty() && std::all_of(f.begin(), f.end(), is_digit);
  int64_t days = 0;
  int unit = -1;
  LooseDate ld;
  LooseParse lp = LooseParse::kBadShape;
  if (r == Parse::kOk) {
    if (clock_col_ >= 0 && it.has_time) return TimeRead::kBad;
    mode_ = it.has_time ? TimeMode::kDateTime : TimeMode::kDate;
    date_style_ = "iso";
    t = it.ms;
  } else if (r == Parse::kBadRange) {
    return TimeRead::kBad;
  } else if (digits_only && f.size() == 8 && parse_compact_date(f, days)) {
    if (time_name_ == TimeName::kDate || clock_col_ >= 0) {
      mode_ = TimeMode::kCompact;
      date_style_ = "yyyymmdd";
      t = days * kMsPerDay;
    } else if (time_name_ == TimeName::kEpoch) {
      parse_epoch(f, t, unit);
      mode_ = TimeMode::kEpoch;
      epoch_unit_ = unit;
    } else {
      int64_t as_epoch = 0;
      parse_epoch(f, as_epoch, unit);
      fatal_ = error_at(line, role_col_[kTime],
                        shown(f) + " could be the date " + format_time(days * kMsPerDay) +
                            " (YYYYMMDD) or Unix time in seconds (" + format_time(as_epoch) +
                            "); name the column Date if it holds dates, Unix if it holds Unix time");
      return TimeRead::kFatal;
    }
  } else if (time_name_ == TimeName::kDate && clock_col_ < 0 && !f.empty() && is_digit(f[0]) &&
             (f.find_first_not_of("0123456789") == 5 || (digits_only && f.size() == 5)) &&
             (f.size() == 5 || f[5] == '.')) {
    // 43832 or 43832.5 in a Date column: Excel wrote its serial day number.
    const int64_t serial = std::strtoll(std::string(f.substr(0, 5)).c_str(), nullptr, 10);
    fatal_ = error_at(line, role_col_[kTime],
                      shown(f) + " looks like an Excel serial day number (" + std::to_string(serial) + " = " +
                          format_time(excel_serial_days(serial) * kMsPerDay) +
                          "), not a date: format the column as a date (yyyy-mm-dd) in Excel before saving as CSV, "
                          "or name the column Unix if it holds Unix time in seconds");
    return TimeRead::kFatal;
  } else if (clock_col_ < 0 && r == Parse::kBadShape && parse_epoch(f, t, unit)) {
    mode_ = TimeMode::kEpoch;
    epoch_unit_ = unit;
  } else if ((lp = parse_loose_date(f, opt_.date_order, ld)) == LooseParse::kOk) {
    if (clock_col_ >= 0 && ld.has_time) return TimeRead::kBad;
    mode_ = TimeMode::kLoose;
    loose_has_time_ = ld.has_time;
    t = ld.ms;
    date_style_ = ld.month_name ? "month_name" : ld.year_last ? date_order_name(opt_.date_order) : "ymd";
  } else if (lp == LooseParse::kNeedsOrder) {
    fatal_ = error_at(line, role_col_[kTime],
                      shown(f) + " could be day-first or month-first (the year comes last); " + order_flag_text() +
                          order_hint(data_begin_, data_line_));
    return TimeRead::kFatal;
  } else if (lp == LooseParse::kWrongOrder) {
    fatal_ = error_at(line, role_col_[kTime],
                      "expected year-first dates (date order ymd was stated), found " + shown(f) +
                          ", whose year comes last: state dmy or mdy instead");
    return TimeRead::kFatal;
  } else if (lp == LooseParse::kShortYear) {
    fatal_ = error_at(line, role_col_[kTime],
                      "expected a four-digit year, found " + shown(f) +
                          ": a two-digit year does not say its century; save the dates with four-digit years "
                          "(e.g. yyyy-mm-dd)");
    return TimeRead::kFatal;
  } else {
    return TimeRead::kBad;
  }
  first_time_.assign(f.substr(0, kShownChars));
  first_time_line_ = line;
  return TimeRead::kOk;
}

/// Parses a timestamp in the format detected from the first data row (detecting it on that row).
/// Allocation-free except on the first row.
TimeRead Importer::read_time(std::string_view f, int64_t line, int64_t& t) {
  IsoTime it;
  switch (mode_) {
    case TimeMode::kDate:
      if (parse_iso(f, it) != Parse::kOk || it.has_time) return TimeRead::kBad;
      t = it.ms;
      return TimeRead::kOk;
    case TimeMode::kDateTime:
      if (parse_iso(f, it) != Parse::kOk || !it.has_time) return TimeRead::kBad;
      t = it.ms;
      return TimeRead::kOk;
    case TimeMode::kEpoch: {
      int unit = -1;
      return parse_epoch(f, t, unit) && unit == epoch_unit_ ? TimeRead::kOk : TimeRead::kBad;
    }
    case TimeMode::kCompact: {
      int64_t days = 0;
      if (!parse_compact_date(f, days)) return TimeRead::kBad;
      t = days * kMsPerDay;
      return TimeRead::kOk;
    }
    case TimeMode::kLoose: {
      LooseDate ld;
      if (parse_loose_date(f, opt_.date_order, ld) != LooseParse::kOk || (clock_col_ >= 0 && ld.has_time)) {
        return TimeRead::kBad;
      }
      t = ld.ms;
      return TimeRead::kOk;
    }
    case TimeMode::kUnknown: break;
  }
  return detect_time(f, line, t);
}

/// What read_time expected, for the message of a timestamp it rejected.
std::string Importer::time_problem(std::string_view f) const {
  IsoTime it;
  const Parse r = parse_iso(f, it);
  const std::string found = ", found " + shown(f);
  const std::string example = first_time_ + " (as in line " + std::to_string(first_time_line_) + ")";
  if (clock_col_ >= 0 && (r == Parse::kOk ? it.has_time : f.find(':') != std::string_view::npos)) {
    return "expected a date without a time of day (the time is in column " + std::to_string(clock_col_ + 1) + ")" + found;
  }
  if (r == Parse::kBadRange && (mode_ == TimeMode::kUnknown || (mode_ == TimeMode::kDate && !it.has_time) ||
                                (mode_ == TimeMode::kDateTime && it.has_time))) {
    return "expected a real calendar date and time (month 01-12, a day that exists in that month, "
           "hour 00-23, minute and second 00-59)" + found;
  }
  LooseDate ld;
  if ((mode_ == TimeMode::kUnknown || mode_ == TimeMode::kLoose) &&
      parse_loose_date(f, opt_.date_order, ld) == LooseParse::kBadRange) {
    return std::string("expected a real calendar date") +
           (ld.year_last ? std::string(" in the stated order (") + date_order_name(opt_.date_order) + ")" : "") + found;
  }
  switch (mode_) {
    case TimeMode::kDate: return "expected a date like " + example + found;
    case TimeMode::kDateTime: return "expected a date-time like " + example + found;
    case TimeMode::kEpoch:
      return std::string("expected a Unix time in ") + kEpochUnitNames[epoch_unit_] + " like " + example + found;
    case TimeMode::kCompact: return "expected a date YYYYMMDD like " + example + found;
    case TimeMode::kLoose: return "expected a date like " + example + found;
    case TimeMode::kUnknown: break;
  }
  return "expected a date like 2020-01-31, a date-time like 2020-01-31 09:30:00 or a Unix time like "
         "1580428800" + found;
}

/// "1,234.50" (grouped thousands), "27,72" (decimal comma), "1.234,5", and for volumes "1.23M",
/// "850K", in the file's decimal mark. The digits are rewritten as a plain number and parsed by
/// parse_number, so the value is the same correctly rounded double as for the plain text.
bool Importer::parse_grouped(std::string_view f, bool volume, double& out) const {
  const char mark = decimal_mark_ == 0 ? '.' : decimal_mark_;
  const char* p = f.data();
  const char* const e = p + f.size();
  char buf[96];
  size_t n = 0;
  if (f.size() + 8 >= sizeof buf) return false;
  if (p != e && (*p == '+' || *p == '-')) buf[n++] = *p++;
  // Integer part: digits, optionally in groups of three after one kind of separator.
  char group = 0;
  int run = 0, groups = 0;
  bool any = false;
  for (; p != e; ++p) {
    if (is_digit(*p)) {
      buf[n++] = *p;
      ++run;
      any = true;
      continue;
    }
    const bool sep = *p != mark && (*p == ',' || *p == '.' || *p == ' ' || *p == '\'');
    if (!sep || run == 0 || (group != 0 && *p != group)) break;
    if (groups == 0 ? run > 3 : run != 3) return false;
    group = *p;
    ++groups;
    run = 0;
  }
  if (groups > 0 && run != 3) return false;
  if (p != e && *p == mark) {
    buf[n++] = '.';
    ++p;
    for (; p != e && is_digit(*p); ++p) {
      buf[n++] = *p;
      any = true;
    }
  }
  if (!any) return false;
  if (p != e && (*p == 'e' || *p == 'E') && !volume) {
    buf[n++] = *p++;
    if (p != e && (*p == '+' || *p == '-')) buf[n++] = *p++;
    if (p == e || !is_digit(*p)) return false;
    for (; p != e && is_digit(*p) && n < sizeof buf - 1; ++p) buf[n++] = *p;
  } else if (volume && e - p == 1) {
    const char s = lower(*p);
    const char* exp = s == 'k' ? "e3" : s == 'm' ? "e6" : s == 'b' ? "e9" : nullptr;
    if (exp == nullptr) return false;
    buf[n++] = exp[0];
    buf[n++] = exp[1];
    ++p;
  }
  if (p != e) return false;
  return parse_number(std::string_view(buf, n), out);
}

NumRead Importer::read_number(std::string_view f, Role r, int64_t line, double& out) {
  if (decimal_mark_ != ',' && parse_number(f, out)) {
    if (decimal_mark_ == 0 && f.find('.') != std::string_view::npos) {
      decimal_mark_ = '.';
      decimal_example_.assign(f.substr(0, kShownChars));
      decimal_line_ = line;
    }
    return NumRead::kOk;
  }
  if (is_missing(f)) return NumRead::kMissing;
  if (decimal_mark_ == 0) {
    // The first number written with a comma settles the decimal mark of a ';' or tab file:
    // "27,72" and "1.234,5" -> ','; "1,234.5" -> '.'.
    const size_t comma = f.rfind(','), dot = f.rfind('.');
    if (comma == std::string_view::npos) return parse_grouped(f, r == kVolume, out) ? NumRead::kOk : NumRead::kBad;
    decimal_mark_ = dot != std::string_view::npos && dot > comma ? '.' : ',';
    if (!parse_grouped(f, r == kVolume, out)) {
      decimal_mark_ = 0;
      return NumRead::kBad;
    }
    decimal_example_.assign(f.substr(0, kShownChars));
    decimal_line_ = line;
    return NumRead::kOk;
  }
  return parse_grouped(f, r == kVolume, out) ? NumRead::kOk : NumRead::kBad;
}

std::string Importer::number_problem(std::string_view f, Role r) const {
  std::string msg = "expected a number, found " + shown(f);
  const bool has_other = f.find(decimal_mark_ == ',' ? '.' : ',') != std::string_view::npos;
  if (sep_ != ',' && decimal_line_ > 0 && has_other) {
    msg += std::string(" (this file writes decimals with a ") + (decimal_mark_ == ',' ? "comma" : "point") + ", as '" +
           printable(decimal_example_, kShownChars) + "' in line " + std::to_string(decimal_line_) + ")";
  }
  return msg;
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
  if (sep_ == ',') decimal_mark_ = '.';  // a comma inside a quoted number can only group thousands

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
    // MetaTrader's history export: date, time of day, open, high, low, close, volume.
    int64_t clock = 0;
    const bool split = ncols_ >= 6 && fields[1].find(':') != std::string_view::npos &&
                       parse_clock(fields[1], clock) == Parse::kOk;
    if (split) clock_col_ = 1;
    const int shift = split ? 1 : 0;
    for (int r = kTime; r <= kVolume && r - 1 + (r == kTime ? 0 : shift) < ncols_; ++r) {
      const int c = r - 1 + (r == kTime ? 0 : shift);
      roles_[static_cast<size_t>(c)] = static_cast<Role>(r);
      role_col_[r] = c;
    }
    p = first_line;  // the first line is data
    line = first_line_no;
  } else {
    roles_.assign(width, kNone);
    std::vector<std::string> norm(width);
    int date_col = -1, time_named_col = -1, price_col = -1;
    for (size_t c = 0; c < width; ++c) {
      norm[c] = normalize_name(fields[c]);
      if (date_col < 0 && time_name_kind(norm[c]) == TimeName::kDate) date_col = static_cast<int>(c);
      if (time_named_col < 0 && norm[c] == "time") time_named_col = static_cast<int>(c);
      if (price_col < 0 && (norm[c] == "price" || norm[c] == "last")) price_col = static_cast<int>(c);
    }
    // "Date,Time,...": the date and the time of day in two columns, combined.
    if (date_col >= 0 && time_named_col >= 0) clock_col_ = time_named_col;
    for (size_t c = 0; c < width; ++c) {
      header_names_.push_back(printable(fields[c], 2 * kShownChars));
      if (static_cast<int>(c) == clock_col_) continue;
      const Role r = role_for_name(norm[c]);
      if (r == kNone) continue;
      if (role_col_[r] < 0) {
        role_col_[r] = static_cast<int>(c);
        roles_[c] = r;
        if (r == kTime) time_name_ = time_name_kind(norm[c]);
      } else if (r != kTime) {  // the leftmost time column wins (e.g. "unix" before "date")
        return import_error(line, static_cast<int64_t>(c) + 1, kRoleNames[r],
                            "columns " + std::to_string(role_col_[r] + 1) + " (" + header_names_[static_cast<size_t>(role_col_[r])] +
                                ") and " + std::to_string(c + 1) + " (" + header_names_[c] + ") both name the " +
                                kRoleNames[r] + " column; keep one");
      }
    }
    // Investing.com names the close "Price".
    if (role_col_[kClose] < 0 && price_col >= 0) {
      role_col_[kClose] = price_col;
      roles_[static_cast<size_t>(price_col)] = kClose;
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
  layout.clock_col = clock_col_;
  data_begin_ = p;
  data_line_ = line;

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
  const int clock_col = clock_col_;
  const bool has_volume = role_col_[kVolume] >= 0;
  bool have_prev = false;
  int direction = 0;  // +1 oldest-first, -1 newest-first, once two rows have shown it
  int64_t prev_t = 0, prev_line = 0, first_line_kept = 0, second_line_kept = 0;
  std::string_view text[kRoleCount];
  std::string_view clock_text;
  double val[kRoleCount] = {};
  bool missing[kRoleCount] = {};
  std::optional<Error> first_error;

  // A bad row: stop, or (listing every bad row) note it and go on with the next line.
  const auto bad_row = [&](Error e) -> bool {
    if (errors_ == nullptr) {
      first_error = std::move(e);
      return false;
    }
    ++errors_->count;
    if (errors_->errors.size() < errors_->max_listed) errors_->errors.push_back(e);
    if (!first_error) first_error = std::move(e);
    return true;
  };

  while (p != end) {
    const char* const row = p;
    if (*p == '\n' || *p == '\r') {  // empty line
      consume_eol(p, end);
      ++line;
      continue;
    }
    int64_t t = 0;
    int64_t clock_ms = 0;
    int col = 0;
    bool blank = false;
    std::optional<Error> row_error;
    for (int r = 0; r < kRoleCount; ++r) missing[r] = false;
    for (;; ++col) {
      const char* fb = p;
      const Stop stop = scan_field(p, end, sep);
      if (stop == Stop::kBadByte) return binary_error(line, col, *p);
      const std::string_view f = trim_field(fb, p);
      if (col < ncols) {
        const Role r = roles[col];
        if (col == clock_col) {
          clock_text = f;
          const Parse c = parse_clock(f, clock_ms);
          if (c != Parse::kOk) {
            if ((blank = is_blank_line(row, end, sep))) break;
            row_error = error_at(line, col,
                                 c == Parse::kBadRange
                                     ? "expected a real time of day (hour 00-23, minute and second 00-59), found " + shown(f)
                                     : "expected a time of day like 09:30, 09:30:00 or 093000, found " + shown(f));
            break;
          }
        } else if (r == kTime) {
          text[kTime] = f;
          const TimeRead tr = read_time(f, line, t);
          if (tr == TimeRead::kFatal) return fatal_;
          if (tr == TimeRead::kBad) {
            if ((blank = is_blank_line(row, end, sep))) break;
            row_error = error_at(line, col, time_problem(f));
            break;
          }
        } else if (r != kNone) {
          text[r] = f;
          // Fast path (the file's decimal mark is the point): the plain parser, inlined here.
          const NumRead nr = decimal_mark_ == '.' && parse_number(f, val[r]) ? NumRead::kOk : read_number(f, r, line, val[r]);
          if (nr == NumRead::kMissing) {
            missing[r] = true;
          } else if (nr == NumRead::kBad) {
            if ((blank = is_blank_line(row, end, sep))) break;
            row_error = error_at(line, col, number_problem(f, r));
            break;
          }
        }
      } else if (!f.empty()) {
        row_error = error_at(line, col,
                             "expected " + std::to_string(ncols) + " fields, found " +
                                 std::to_string(count_fields(row, end)) +
                                 " (is a separator inside an unquoted value?)");
        break;
      }
      if (stop == Stop::kEol) break;
      ++p;
    }
    if (!blank && !row_error && col + 1 < ncols) {
      if (!(blank = is_blank_line(row, end, sep))) {
        row_error = error_at(line, col + 1,
                             "expected " + std::to_string(ncols) + " fields, found " + std::to_string(col + 1));
      }
    }
    if (blank || row_error) {
      p = line_end(row, end);
      consume_eol(p, end);
      if (row_error && !bad_row(std::move(*row_error))) return *first_error;
      ++line;
      continue;
    }
    consume_eol(p, end);
    t += clock_ms;

    // A row with a time but no price at all (Yahoo's "null" rows): skipped and counted.
    if (missing[kOpen] && missing[kHigh] && missing[kLow] && missing[kClose]) {
      if (out.rows_without_prices++ == 0) out.first_line_without_prices = line;
      ++line;
      continue;
    }
    const auto check = [&]() -> std::optional<Error> {
      for (const Role r : price_order) {
        if (missing[r]) return error_at(line, role_col_[r], "expected a number, found " + shown(text[r]));
      }
      if (have_prev) {
        if (t == prev_t) {
          return error_at(line, role_col_[kTime],
                          std::string("duplicate timestamp: expected a time ") + (direction < 0 ? "before " : "after ") +
                              format_time(prev_t) + " (line " + std::to_string(prev_line) + "), found " +
                              shown(text[kTime]));
        }
        const int step = t > prev_t ? 1 : -1;
        if (direction != 0 && step != direction) {
          if (direction > 0) {
            return error_at(line, role_col_[kTime],
                            "timestamp out of order: expected a time after " + format_time(prev_t) + " (line " +
                                std::to_string(prev_line) + "), found " + shown(text[kTime]));
          }
          return error_at(line, role_col_[kTime],
                          "timestamp out of order: lines " + std::to_string(first_line_kept) + " and " +
                              std::to_string(second_line_kept) +
                              " run newest-first, so expected a time before " + format_time(prev_t) + " (line " +
                              std::to_string(prev_line) + "), found " + shown(text[kTime]) +
                              "; a file must be wholly oldest-first or wholly newest-first");
        }
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
      if (has_volume && !missing[kVolume]) {
        const double v = val[kVolume];
        if (!std::isfinite(v)) return error_at(line, role_col_[kVolume], "expected a finite volume, found " + shown(text[kVolume]));
        if (v < 0) return error_at(line, role_col_[kVolume], "expected a volume of 0 or more, found " + shown(text[kVolume]));
      }
      return std::nullopt;
    };
    // The common case in one branch-light test; only a row that fails it is examined (in the
    // order the messages take) by check().
    const double o = val[kOpen], h = val[kHigh], l = val[kLow], c = val[kClose];
    const bool any_missing = missing[kOpen] || missing[kHigh] || missing[kLow] || missing[kClose];
    const bool in_order = !have_prev || (direction == 0 ? t != prev_t : direction > 0 ? t > prev_t : t < prev_t);
    const bool prices_ok = std::isfinite(o) && std::isfinite(h) && std::isfinite(l) && std::isfinite(c) && o > 0 &&
                           l > 0 && l <= h && h >= o && h >= c && l <= o && l <= c;
    const bool volume_ok = !has_volume || missing[kVolume] || (std::isfinite(val[kVolume]) && val[kVolume] >= 0);
    if (any_missing || !in_order || !prices_ok || !volume_ok) {
      if (auto e = check()) {
        if (!bad_row(std::move(*e))) return *first_error;
        ++line;
        continue;
      }
    }
    double v = 0.0;
    if (has_volume && !missing[kVolume]) {
      v = val[kVolume];
      if (v == 0) v = 0.0;  // no -0
    }
    if (have_prev && direction == 0) {
      direction = t > prev_t ? 1 : -1;
      second_line_kept = line;
    }
    if (!have_prev) first_line_kept = line;
    have_prev = true;
    prev_t = t;
    prev_line = line;
    ++line;
    ++out.rows_read;
    if (t < opt_.from_ms || t > opt_.to_ms) {
      ++out.rows_skipped;
    } else {
      out.bars.push_back(t, val[kOpen], val[kHigh], val[kLow], val[kClose], v);
    }
  }
  if (first_error) return *first_error;
  (void)clock_text;

  if (out.rows_read == 0) {
    if (out.rows_without_prices > 0) {
      return import_error(0, 0, "", "no prices: every data row (" + std::to_string(out.rows_without_prices) +
                                        ", from line " + std::to_string(out.first_line_without_prices) +
                                        ") has empty or null prices");
    }
    return import_error(0, 0, "", "no data rows: the file has a header (line " + std::to_string(first_line_no) +
                                      ") but no prices below it");
  }
  layout.time_format = mode_ == TimeMode::kEpoch ? kEpochFormats[epoch_unit_]
                       : mode_ == TimeMode::kDateTime || clock_col_ >= 0 || (mode_ == TimeMode::kLoose && loose_has_time_)
                           ? "datetime"
                           : "date";
  layout.date_style = mode_ == TimeMode::kEpoch ? "" : date_style_;
  layout.decimal_mark = decimal_mark_ == ',' ? ',' : '.';
  if (direction < 0) {
    // Wholly newest-first: put the bars in time order.
    out.newest_first = true;
    std::reverse(out.bars.time.begin(), out.bars.time.end());
    for (auto* c : {&out.bars.open, &out.bars.high, &out.bars.low, &out.bars.close, &out.bars.volume}) {
      std::reverse(c->begin(), c->end());
    }
  }
  if (out.bars.empty()) {
    const auto bound = [](int64_t ms, const char* open_end) {
      return ms == std::numeric_limits<int64_t>::min() || ms == std::numeric_limits<int64_t>::max() ? std::string(open_end)
                                                                                                    : format_time(ms);
    };
    return import_error(0, 0, "",
                        "no rows between " + bound(opt_.from_ms, "the start") + " and " + bound(opt_.to_ms, "the end") +
                            " (" + std::to_string(out.rows_read) + " rows read, " + (direction < 0 ? "first" : "last") +
                            " at " + format_time(prev_t) + ")");
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
  return Importer(text, options, nullptr).run();
}

Result<CsvImport> import_csv(std::string_view text, const CsvImportOptions& options, CsvErrorList* all_errors) {
  return Importer(text, options, all_errors).run();
}

Result<DateOrder> parse_date_order(std::string_view text, const std::string& field) {
  std::string low;
  for (char c : text) low += lower(c);
  if (low == "dmy") return DateOrder::kDMY;
  if (low == "mdy") return DateOrder::kMDY;
  if (low == "ymd") return DateOrder::kYMD;
  return Error::validation(field, field + ": expected dmy (day first, 31/01/2020), mdy (month first, 01/31/2020) or "
                                          "ymd (year first), found " + shown(text));
}

const char* date_order_name(DateOrder order) {
  switch (order) {
    case DateOrder::kDMY: return "dmy";
    case DateOrder::kMDY: return "mdy";
    case DateOrder::kYMD: return "ymd";
    case DateOrder::kUnknown: break;
  }
  return "";
}

std::vector<std::string> import_notices(const CsvImport& imported) {
  std::vector<std::string> out;
  if (imported.rows_without_prices > 0) {
    const int64_t n = imported.rows_without_prices;
    out.push_back(std::to_string(n) + (n == 1 ? " row" : " rows") + " without prices (empty or null) skipped, the first at line " +
                  std::to_string(imported.first_line_without_prices));
  }
  if (imported.newest_first) out.push_back("the file runs newest-first; its rows were read in time order");
  return out;
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
