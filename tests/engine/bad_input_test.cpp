// The bad-input table (issue 6): every kind of bad file and bad request a user can hand the engine,
// each with the exact error it produces (code, message, line, column, field). The same cases run
// natively and as Wasm. The browser half (what the page shows, and that nothing is saved) is
// web/tests/bad-input.test.mjs.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "atf/csv_import.h"
#include "atf/json_io.h"
#include "atf/optimizer.h"

using atf::Error;
using atf::ErrorCode;
using nlohmann::json;

namespace {

const std::string kHeader = "Date,Open,High,Low,Close,Volume\n";
const std::string kRow2 = "2020-01-02,10,11,9,10.5,100\n";
const std::string kRow3 = "2020-01-03,10.5,12,10,11,200\n";
const std::string kMissingTime =
    "line 1: missing column time: expected columns named time (or date, timestamp, datetime), open, high, low, close "
    "and optionally volume, in any order; found ";

/// "line 3, column N (field): ..." for a bad cell of the third line (the second data row).
std::string row3(const std::string& cells) { return kHeader + kRow2 + cells + "\n"; }

std::string utf16le(const std::string& ascii) {
  std::string out;
  for (char c : ascii) {
    out += c;
    out += '\0';
  }
  return out;
}

struct CsvCase {
  const char* name;
  std::string text;
  int64_t line, column;
  const char* field;
  std::string message;
};

std::vector<CsvCase> csv_cases() {
  const std::string u16 = utf16le(kHeader + kRow2);
  const std::string utf16_message = "the file looks like UTF-16; save it as UTF-8";
  return {
      // Empty and header-only files.
      {"empty file", "", 0, 0, "", "the file is empty"},
      {"only blank lines", "\n  \r\n\t\n", 0, 0, "", "the file is empty"},
      {"only a UTF-8 BOM", "\xEF\xBB\xBF", 0, 0, "", "the file is empty"},
      {"header only", kHeader, 0, 0, "", "no data rows: the file has a header (line 1) but no prices below it"},
      {"header only, then blank lines", kHeader + "\n,,,,,\n\n", 0, 0, "",
       "no data rows: the file has a header (line 1) but no prices below it"},
      // Columns.
      {"unknown columns", "Symbol,Price,Qty\nAAPL,1,2\n", 1, 0, "time", kMissingTime + "Symbol,Price,Qty"},
      {"a required column missing", "Date,Open,Low,Close\n2020-01-02,10,9,10.5\n", 1, 0, "high",
       "line 1: missing column high: expected columns named time (or date, timestamp, datetime), open, high, low, close "
       "and optionally volume, in any order; found Date,Open,Low,Close"},
      {"two columns for the close", "Date,Open,High,Low,Close,C\n2020-01-02,10,11,9,10.5,10.5\n", 1, 6, "close",
       "line 1, column 6 (close): columns 5 (Close) and 6 (C) both name the close column; keep one"},
      {"no header and too few columns", "2020-01-02,10,11\n", 1, 0, "",
       "line 1: expected at least 5 columns (time, open, high, low, close, optionally volume) in a file without a "
       "header, found 3"},
      // Separators.
      {"wrong separator: pipes", "Date|Open|High|Low|Close|Volume\n2020-01-02|10|11|9|10.5|100\n", 1, 0, "time",
       kMissingTime + "Date|Open|High|Low|Close|Volume (one column: separate columns with a comma, a semicolon or a "
                      "tab; this line uses '|')"},
      {"wrong separator: spaces", "Date Open High Low Close\n2020-01-02 10 11 9 10.5\n", 1, 0, "time",
       kMissingTime + "Date Open High Low Close (one column: separate columns with a comma, a semicolon or a tab; "
                      "this line uses spaces)"},
      {"a decimal point after decimal commas in a semicolon file",
       "Date;Open;High;Low;Close\n2020-01-02;10,5;11;9;10,5\n2020-01-03;10,5;11;9;10.25\n", 3, 5, "close",
       "line 3, column 5 (close): expected a number, found '10.25' (this file writes decimals with a comma, as '10,5' "
       "in line 2)"},
      {"decimal commas in a comma file", kHeader + "2020-01-02,10,5,11,9,10.5,100\n", 2, 7, "",
       "line 2, column 7: expected 6 fields, found 7 (is a separator inside an unquoted value?)"},
      // Missing values.
      {"an empty cell", row3("2020-01-03,10.5,,10,11,200"), 3, 3, "high",
       "line 3, column 3 (high): expected a number, found ''"},
      {"a short row", row3("2020-01-03,10.5,12"), 3, 4, "low", "line 3, column 4 (low): expected 6 fields, found 3"},
      {"N/A", row3("2020-01-03,10.5,12,10,N/A,200"), 3, 5, "close",
       "line 3, column 5 (close): expected a number, found 'N/A'"},
      {"an empty timestamp", row3(",10.5,12,10,11,200"), 3, 1, "time",
       "line 3, column 1 (time): expected a date like 2020-01-02 (as in line 2), found ''"},
      // NaN and infinities.
      {"NaN price", row3("2020-01-03,NaN,12,10,11,200"), 3, 2, "open",
       "line 3, column 2 (open): expected a number, found 'NaN'"},
      {"inf price", row3("2020-01-03,10.5,inf,10,11,200"), 3, 3, "high",
       "line 3, column 3 (high): expected a number, found 'inf'"},
      {"-Infinity price", row3("2020-01-03,10.5,12,-Infinity,11,200"), 3, 4, "low",
       "line 3, column 4 (low): expected a number, found '-Infinity'"},
      {"a price that overflows a double", row3("2020-01-03,10.5,1e999,10,11,200"), 3, 3, "high",
       "line 3, column 3 (high): expected a finite price, found '1e999'"},
      {"NaN volume", row3("2020-01-03,10.5,12,10,11,nan"), 3, 6, "volume",
       "line 3, column 6 (volume): expected a number, found 'nan'"},
      // Non-positive prices.
      {"negative price", row3("2020-01-03,10.5,12,-1,11,200"), 3, 4, "low",
       "line 3, column 4 (low): expected a price above 0, found '-1'"},
      {"zero price", row3("2020-01-03,0,12,10,11,200"), 3, 2, "open",
       "line 3, column 2 (open): expected a price above 0, found '0'"},
      {"negative volume", row3("2020-01-03,10.5,12,10,11,-5"), 3, 6, "volume",
       "line 3, column 6 (volume): expected a volume of 0 or more, found '-5'"},
      // Inconsistent bars.
      {"high < low", row3("2020-01-03,10.5,9,10,9.5,200"), 3, 3, "high",
       "line 3, column 3 (high): expected a high of at least the low (10), found '9'"},
      {"high < open", row3("2020-01-03,10.5,10.4,10,10.2,200"), 3, 3, "high",
       "line 3, column 3 (high): expected a high of at least the open (10.5), found '10.4'"},
      {"low > close", row3("2020-01-03,10.5,12,10.8,10.6,200"), 3, 4, "low",
       "line 3, column 4 (low): expected a low of at most the open (10.5), found '10.8'"},
      // Timestamps.
      {"duplicate timestamp", row3("2020-01-02,10.5,12,10,11,200"), 3, 1, "time",
       "line 3, column 1 (time): duplicate timestamp: expected a time after 2020-01-02 (line 2), found '2020-01-02'"},
      {"out-of-order timestamp", kHeader + kRow2 + kRow3 + kRow2, 4, 1, "time",
       "line 4, column 1 (time): timestamp out of order: expected a time after 2020-01-03 (line 3), found "
       "'2020-01-02'"},
      {"mixed formats: date, then date-time", row3("2020-01-03 09:30:00,10.5,12,10,11,200"), 3, 1, "time",
       "line 3, column 1 (time): expected a date like 2020-01-02 (as in line 2), found '2020-01-03 09:30:00'"},
      {"mixed formats: date, then Unix time", row3("1578009600,10.5,12,10,11,200"), 3, 1, "time",
       "line 3, column 1 (time): expected a date like 2020-01-02 (as in line 2), found '1578009600'"},
      {"mixed formats: date, then US date", row3("01/03/2020,10.5,12,10,11,200"), 3, 1, "time",
       "line 3, column 1 (time): expected a date like 2020-01-02 (as in line 2), found '01/03/2020'"},
      {"mixed formats: seconds, then milliseconds",
       "time,open,high,low,close\n1577923200,10,11,9,10.5\n1578009600000,10.5,12,10,11\n", 3, 1, "time",
       "line 3, column 1 (time): expected a Unix time in seconds like 1577923200 (as in line 2), found "
       "'1578009600000'"},
      {"an impossible date", row3("2020-02-30,10.5,12,10,11,200"), 3, 1, "time",
       "line 3, column 1 (time): expected a real calendar date and time (month 01-12, a day that exists in that "
       "month, hour 00-23, minute and second 00-59), found '2020-02-30'"},
      // Binary data.
      {"an ELF executable", std::string("\x7f" "ELF\x02\x01\x01\0\0\0\0\0", 12), 1, 1, "",
       "line 1, column 1: the file looks binary (control byte 0x02), not CSV text"},
      {"a PNG image", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0", 20), 2, 1, "",
       "line 2, column 1: the file looks binary (control byte 0x1A), not CSV text"},
      {"a ZIP archive (xlsx)", std::string("PK\x03\x04\x14\0\x06\0[Content_Types].xml", 27), 1, 1, "",
       "line 1, column 1: the file looks binary (control byte 0x03), not CSV text; it may be a ZIP archive or an "
       "Excel workbook: export it as CSV"},
      {"a NUL byte in a price", row3(std::string("2020-01-03,10.5,12\0,10,11,200", 29)), 3, 3, "high",
       "line 3, column 3 (high): the file looks binary (control byte 0x00), not CSV text"},
      {"bytes that are not UTF-8 in the header", "Datum,Er\xF6" "ffnung,Hoch,Tief,Schluss\n02.01.2020,1,2,0.5,1.5\n", 1,
       0, "time", kMissingTime + "Datum,Er\\xF6ffnung,Hoch,Tief,Schluss"},
      {"bytes that are not UTF-8 in a price", row3("2020-01-03,10.5,1\xA0" "2,10,11,200"), 3, 3, "high",
       "line 3, column 3 (high): expected a number, found '1\\xA02'"},
      // Encodings.
      {"UTF-16 LE with its BOM", "\xFF\xFE" + u16, 0, 0, "", utf16_message},
      {"UTF-16 BE with its BOM", "\xFE\xFF" + u16.substr(0, u16.size() - 1), 0, 0, "", utf16_message},
      {"UTF-16 LE without a BOM", u16, 0, 0, "", utf16_message},
      // What a browser hands over after decoding a UTF-16 file as UTF-8 (File.text()): the BOM
      // becomes two U+FFFD replacement characters, the NULs stay.
      {"UTF-16 LE read by a browser as UTF-8", "\xEF\xBF\xBD\xEF\xBF\xBD" + u16, 0, 0, "", utf16_message},
  };
}

struct RequestCase {
  const char* name;
  bool optimization;
  json request;
  ErrorCode code;
  const char* field;
  std::string message;
};

/// What the Wasm module's validateBacktest / validateOptimization do with a request.
Error request_error(const RequestCase& c) {
  if (c.optimization) {
    auto r = atf::optimization_request_from_json(c.request);
    if (!r) return r.error();
    auto grid = atf::validate_optimization(*r);
    if (grid) FAIL("the request was accepted");
    return grid.error();
  }
  auto r = atf::backtest_request_from_json(c.request);
  if (!r) return r.error();
  auto st = atf::validate_request(*r);
  if (st) FAIL("the request was accepted");
  return st.error();
}

json range_axis(const char* name, double min, double max, double step) {
  return json{{"name", name}, {"min", min}, {"max", max}, {"step", step}};
}

std::vector<RequestCase> request_cases() {
  const json sma = {{"schema", "atf/v1"}, {"strategy", "sma_cross"}};
  const auto with = [](json j, const json& extra) {
    j.update(extra);
    return j;
  };
  const std::string strategies = "sma_cross, ema_cross, rsi_reversion, bollinger_reversion, donchian_breakout, macd_signal";
  const json macd_101 = json::array({range_axis("fast", 1, 101, 1), range_axis("slow", 2, 102, 1), range_axis("signal", 1, 101, 1)});
  return {
      // Parameters out of range.
      {"a parameter below its minimum", false, with(sma, {{"params", {{"fast", 0}}}}), ErrorCode::kValidation, "fast",
       "fast must be between 1 and 500, got 0"},
      {"a parameter above its maximum", false, with(sma, {{"params", {{"slow", 5000}}}}), ErrorCode::kValidation, "slow",
       "slow must be between 2 and 2000, got 5000"},
      {"a fraction for a whole-number parameter", false, with(sma, {{"params", {{"fast", 2.5}}}}),
       ErrorCode::kValidation, "fast", "fast must be a whole number, got 2.5"},
      {"parameters that contradict each other", false, with(sma, {{"params", {{"fast", 40}, {"slow", 20}}}}),
       ErrorCode::kValidation, "fast", "fast (40) must be less than slow (20)"},
      {"a parameter that is not a number", false, with(sma, {{"params", {{"fast", "ten"}}}}), ErrorCode::kValidation,
       "params.fast", "params.fast must be a number"},
      {"a parameter the strategy does not have", false, with(sma, {{"params", {{"speed", 3}}}}),
       ErrorCode::kValidation, "speed", "strategy sma_cross has no parameter 'speed'"},
      {"a broker setting out of range", false, with(sma, {{"broker", {{"cash", -1}}}}), ErrorCode::kValidation,
       "broker.cash", "cash must be a positive number"},
      {"an axis value out of range", true, with(sma, {{"axes", {range_axis("fast", 0, 10, 5)}}}),
       ErrorCode::kValidation, "axis fast", "axis fast: fast must be between 1 and 500, got 0"},
      {"a listed axis value out of range", true, with(sma, {{"axes", {{{"name", "slow"}, {"values", {50, 3000}}}}}}),
       ErrorCode::kValidation, "axis slow", "axis slow: slow must be between 2 and 2000, got 3000"},
      // Axis shape.
      {"step 0", true, with(sma, {{"axes", {range_axis("fast", 1, 10, 0)}}}), ErrorCode::kValidation, "axis fast",
       "axis fast: step must be positive"},
      {"a negative step", true, with(sma, {{"axes", {range_axis("fast", 1, 10, -1)}}}), ErrorCode::kValidation,
       "axis fast", "axis fast: step must be positive"},
      {"min > max", true, with(sma, {{"axes", {range_axis("fast", 30, 5, 5)}}}), ErrorCode::kValidation, "axis fast",
       "axis fast: min (30) is above max (5)"},
      {"an axis without a max", true, with(sma, {{"axes", {{{"name", "fast"}, {"min", 1}, {"step", 1}}}}}),
       ErrorCode::kValidation, "axes.fast.max", "axes.fast.max is required (a number)"},
      {"the same axis twice", true, with(sma, {{"axes", {range_axis("fast", 5, 10, 5), range_axis("fast", 5, 10, 5)}}}),
       ErrorCode::kValidation, "axis fast", "axis fast: is given twice"},
      // Grid size.
      {"a grid over the default limit", true,
       {{"schema", "atf/v1"}, {"strategy", "macd_signal"}, {"axes", macd_101}}, ErrorCode::kLimit, "axes",
       "the grid has 1030301 combinations (fast 101 × slow 101 × signal 101), over the limit of 1000000: use larger "
       "steps or fewer values"},
      {"a grid over the request's own limit", true,
       with(sma, {{"axes", {range_axis("fast", 5, 30, 5), range_axis("slow", 10, 60, 10)}}, {"max_combinations", 35}}),
       ErrorCode::kLimit, "axes",
       "the grid has 36 combinations (fast 6 × slow 6), over the limit of 35: use larger steps or fewer values"},
      {"one axis over the limit", true, with(sma, {{"axes", {range_axis("fast", 1, 1e12, 1)}}}), ErrorCode::kLimit,
       "axis fast", "axis fast: has more than 1000000 values"},
      // Unknown names.
      {"an unknown strategy (backtest)", false, {{"schema", "atf/v1"}, {"strategy", "nope"}}, ErrorCode::kNotFound,
       "strategy", "unknown strategy 'nope' (known: " + strategies + ")"},
      {"an unknown strategy (optimization)", true,
       {{"schema", "atf/v1"}, {"strategy", "nope"}, {"axes", {range_axis("fast", 5, 10, 5)}}}, ErrorCode::kNotFound,
       "strategy", "unknown strategy 'nope' (known: " + strategies + ")"},
      {"an unknown metric", true, with(sma, {{"axes", {range_axis("fast", 5, 10, 5)}}, {"objective", "profit"}}),
       ErrorCode::kNotFound, "objective",
       "unknown metric 'profit' (known: net_profit, total_return_pct, cagr_pct, volatility_pct, sharpe, sortino, "
       "max_drawdown_pct, max_drawdown_bars, calmar, trades, win_rate_pct, profit_factor, avg_trade_pct, "
       "best_trade_pct, worst_trade_pct, expectancy, exposure_pct, commissions)"},
      {"an unknown direction", true, with(sma, {{"axes", {range_axis("fast", 5, 10, 5)}}, {"direction", "up"}}),
       ErrorCode::kValidation, "direction", "direction must be \"max\" or \"min\""},
      {"no strategy", false, {{"schema", "atf/v1"}}, ErrorCode::kValidation, "strategy",
       "strategy is required (a strategy name, or a Pine script)"},
  };
}

}  // namespace

TEST_CASE("bad-input table: every bad file is refused with its exact error", "[bad-input][csv]") {
  for (const auto& c : csv_cases()) {
    INFO("case: " << c.name);
    const auto r = atf::import_csv(c.text);
    REQUIRE_FALSE(r.ok());  // refused as a whole: no partial dataset comes back
    const Error& e = r.error();
    CHECK(e.code == ErrorCode::kImport);
    CHECK(e.message == c.message);
    CHECK(e.line == c.line);
    CHECK(e.column == c.column);
    CHECK(e.field == c.field);
    // Every message can be sent as JSON (UTF-8 only), as the Wasm module and `atf --json` do.
    std::string dumped;
    CHECK_NOTHROW(dumped = atf::to_json(e).dump());
    CHECK(json::parse(dumped)["message"] == c.message);
  }
}

TEST_CASE("bad-input table: a UTF-8 BOM is accepted and stripped", "[bad-input][csv]") {
  const std::string plain = kHeader + kRow2 + kRow3;
  const auto without = atf::import_csv(plain);
  REQUIRE(without.ok());
  // A BOM written twice (by a tool that adds one to a file that had one) reads the same: the
  // second one is dropped with the other non-letters of the header name ("\xEF\xBB\xBFDate" -> "date").
  for (const std::string& bom : {std::string("\xEF\xBB\xBF"), std::string("\xEF\xBB\xBF\xEF\xBB\xBF")}) {
    INFO("BOM bytes: " << bom.size());
    for (const std::string& text : {bom + plain, bom + "Date;Open;High;Low;Close\r\n2020-01-02;10;11;9;10.5\r\n2020-01-03;10.5;12;10;11\r\n"}) {
      const auto with_bom = atf::import_csv(text);
      REQUIRE(with_bom.ok());
      CHECK(with_bom->layout.has_header);
      CHECK(with_bom->layout.time_col == 0);
      CHECK(with_bom->layout.time_format == "date");
      CHECK(with_bom->bars.time == without->bars.time);
      CHECK(with_bom->bars.open == without->bars.open);
      CHECK(with_bom->bars.close == without->bars.close);
    }
  }
}

TEST_CASE("bad-input table: every bad request is refused with its exact error", "[bad-input][validation]") {
  for (const auto& c : request_cases()) {
    INFO("case: " << c.name << "\nrequest: " << c.request.dump());
    const Error e = request_error(c);
    CHECK(atf::error_code_name(e.code) == std::string(atf::error_code_name(c.code)));
    CHECK(e.field == c.field);
    CHECK(e.message == c.message);
    CHECK(e.line == 0);
    CHECK(e.column == 0);
  }
}
