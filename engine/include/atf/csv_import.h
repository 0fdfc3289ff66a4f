// CSV price-history import: detects header, separator and timestamp format, and rejects bad rows
// with the line and column where they fail.
#pragma once
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "atf/bars.h"
#include "atf/error.h"

namespace atf {

struct CsvImportOptions {
  /// Inclusive time range in UTC ms; rows outside it are skipped (still validated).
  int64_t from_ms = std::numeric_limits<int64_t>::min();
  int64_t to_ms = std::numeric_limits<int64_t>::max();
  std::string symbol;  ///< copied into Bars::symbol
};

/// What the importer detected, for previews and error messages.
struct CsvLayout {
  char separator = ',';
  bool has_header = true;
  std::string time_format;  ///< "date", "datetime", "epoch_s", "epoch_ms", "epoch_us", "epoch_ns"
  int time_col = -1, open_col = -1, high_col = -1, low_col = -1, close_col = -1, volume_col = -1;
  int columns = 0;
};

struct CsvImport {
  Bars bars;
  CsvLayout layout;
  int64_t rows_read = 0;     ///< data rows parsed (before the time-range filter)
  int64_t rows_skipped = 0;  ///< rows outside [from, to]
};

/// Parses a whole CSV text. Errors have code kImport with line/column (1-based) and a message
/// that says what was expected, e.g. "line 7, column 3 (high): expected a number, found 'abc'".
Result<CsvImport> import_csv(std::string_view text, const CsvImportOptions& options = {});

/// Reads a file and imports it; a missing/unreadable file is kImport with line 0.
Result<CsvImport> import_csv_file(const std::string& path, const CsvImportOptions& options = {});

/// Parses "YYYY-MM-DD", "YYYY-MM-DD[T ]HH:MM[:SS[.fff]][Z|±HH:MM]" into UTC ms.
/// `end_of_day` makes a bare date mean its last millisecond (for inclusive `to`).
Result<int64_t> parse_time_arg(std::string_view text, bool end_of_day = false);

/// Formats UTC ms as "YYYY-MM-DD" when at midnight, else "YYYY-MM-DDTHH:MM:SSZ" (ms if nonzero).
std::string format_time(int64_t ms);

}  // namespace atf
