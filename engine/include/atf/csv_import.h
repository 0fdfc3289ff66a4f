// CSV price-history import: detects header, separator and timestamp format, and rejects bad rows
// with the line and column where they fail.
#pragma once
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "atf/bars.h"
#include "atf/error.h"

namespace atf {

/// Order of day and month in dates whose year comes last ("03/01/2013"). Such dates are refused
/// unless the order is stated: the importer never guesses. kYMD states that dates are year-first
/// (and refuses year-last ones).
enum class DateOrder : int8_t { kUnknown = 0, kDMY, kMDY, kYMD };

/// "dmy", "mdy", "ymd" (any case) -> the order; anything else is a validation error on `field`.
Result<DateOrder> parse_date_order(std::string_view text, const std::string& field = "date_order");
/// "dmy", "mdy", "ymd", or "" for kUnknown.
const char* date_order_name(DateOrder order);

struct CsvImportOptions {
  /// Inclusive time range in UTC ms; rows outside it are skipped (still validated).
  int64_t from_ms = std::numeric_limits<int64_t>::min();
  int64_t to_ms = std::numeric_limits<int64_t>::max();
  std::string symbol;  ///< copied into Bars::symbol
  DateOrder date_order = DateOrder::kUnknown;  ///< for year-last dates ("03/01/2013")
};

/// What the importer detected, for previews and error messages.
struct CsvLayout {
  char separator = ',';
  bool has_header = true;
  std::string time_format;  ///< "date", "datetime", "epoch_s", "epoch_ms", "epoch_us", "epoch_ns"
  /// How the dates are written: "iso" (2020-01-02), "yyyymmdd" (20200102), "ymd" (2020.01.02,
  /// 2020/1/2), "dmy" / "mdy" (year last, in the stated order), "month_name" (Jan 2, 2020);
  /// "" for epoch times.
  std::string date_style;
  /// clock_col: a separate time-of-day column (Date,Time,...) combined with the date column.
  int time_col = -1, open_col = -1, high_col = -1, low_col = -1, close_col = -1, volume_col = -1, clock_col = -1;
  char decimal_mark = '.';  ///< ',' for files that write 27,72 (';' or tab separated)
  int columns = 0;
};

struct CsvImport {
  Bars bars;
  CsvLayout layout;
  int64_t rows_read = 0;     ///< data rows parsed (before the time-range filter)
  int64_t rows_skipped = 0;  ///< rows outside [from, to]
  /// Rows with a time but no price at all (Yahoo's "null" rows, rows of empty cells): skipped,
  /// counted, and the first one's line kept for the notice. Not in rows_read.
  int64_t rows_without_prices = 0;
  int64_t first_line_without_prices = 0;
  /// The file ran wholly newest-first (Investing.com and others): the bars were put in time order.
  bool newest_first = false;
};

/// One sentence per thing the user should know about an import that succeeded (rows without
/// prices skipped, newest-first order reversed), for the CLI report and the app's message.
std::vector<std::string> import_notices(const CsvImport& imported);

/// Every bad row of a file, for listing them all at once (the app's import check).
struct CsvErrorList {
  size_t max_listed = 20;     ///< at most this many are kept in `errors`
  std::vector<Error> errors;  ///< the first bad rows, in file order
  int64_t count = 0;          ///< all bad rows (more than errors.size() when cut)
};

/// Parses a whole CSV text. Errors have code kImport with line/column (1-based) and a message
/// that says what was expected, e.g. "line 7, column 3 (high): expected a number, found 'abc'".
Result<CsvImport> import_csv(std::string_view text, const CsvImportOptions& options = {});

/// The same, but a bad row does not stop the import: each is listed in `all_errors` (up to its
/// max_listed; every one counted) and the rows after it are still checked. If any row was bad
/// the result is the first of those errors. Problems with the file as a whole (encoding, header,
/// a refused date format) still stop at once.
Result<CsvImport> import_csv(std::string_view text, const CsvImportOptions& options, CsvErrorList* all_errors);

/// Reads a file and imports it; a missing/unreadable file is kImport with line 0.
Result<CsvImport> import_csv_file(const std::string& path, const CsvImportOptions& options = {});

/// Parses "YYYY-MM-DD", "YYYY-MM-DD[T ]HH:MM[:SS[.fff]][Z|±HH:MM]" into UTC ms.
/// `end_of_day` makes a bare date mean its last millisecond (for inclusive `to`).
Result<int64_t> parse_time_arg(std::string_view text, bool end_of_day = false);

/// Formats UTC ms as "YYYY-MM-DD" when at midnight, else "YYYY-MM-DDTHH:MM:SSZ" (ms if nonzero).
std::string format_time(int64_t ms);

}  // namespace atf
