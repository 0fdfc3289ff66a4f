// CSV importer: formats, samples, each rejection with its line and column, the time filter, time
// argument parsing and formatting, and a million-row import.
#include <catch2/catch.hpp>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

#include "atf/bars.h"
#include "atf/csv_import.h"

using atf::CsvImport;
using atf::CsvImportOptions;
using atf::Error;
using atf::ErrorCode;

namespace {

// UTC ms of some days, computed independently (Python's datetime) so the tests do not reuse the
// importer's calendar arithmetic.
constexpr int64_t kDay = 86'400'000;
constexpr int64_t k2020_01_02 = 1577923200000;
constexpr int64_t k2020_01_03 = 1578009600000;
constexpr int64_t k2020_01_06 = 1578268800000;
constexpr int64_t k2020_01_31 = 1580428800000;
constexpr int64_t k2020_02_29 = 1582934400000;
constexpr int64_t k2020_01_31_0930 = 1580463000000;
constexpr int64_t k2020_01_31_0730 = 1580455800000;

CsvImport import_ok(std::string_view text, const CsvImportOptions& options = {}) {
  auto r = atf::import_csv(text, options);
  if (!r.ok()) FAIL("unexpected import error: " << r.error().message);
  return std::move(r).value();
}

Error import_err(std::string_view text, const CsvImportOptions& options = {}) {
  auto r = atf::import_csv(text, options);
  if (r.ok()) FAIL("import succeeded but an error was expected");
  CHECK(r.error().code == ErrorCode::kImport);
  return r.error();
}

std::string sample(const char* name) { return std::string(ATF_SAMPLES_DIR) + "/" + name; }

// Three valid daily rows after the header, in a layout the rejection tests edit one cell of.
const char* const kHeader = "Date,Open,High,Low,Close,Volume\n";

}  // namespace

TEST_CASE("Yahoo format: Adj Close is ignored, dates are UTC midnights", "[csv]") {
  const auto r = import_ok(
      "Date,Open,High,Low,Close,Adj Close,Volume\n"
      "2020-01-02,10.5,11,10,10.75,10.1,1000\n"
      "2020-01-03,10.75,12,10.5,11.5,11.0,2000\n");
  CHECK(r.layout.has_header);
  CHECK(r.layout.separator == ',');
  CHECK(r.layout.time_format == "date");
  CHECK(r.layout.columns == 7);
  CHECK(r.layout.time_col == 0);
  CHECK(r.layout.close_col == 4);
  CHECK(r.layout.volume_col == 6);
  CHECK(r.rows_read == 2);
  CHECK(r.rows_skipped == 0);
  REQUIRE(r.bars.size() == 2);
  CHECK(r.bars.time[0] == k2020_01_02);
  CHECK(r.bars.time[1] == k2020_01_03);
  CHECK(r.bars.open[0] == 10.5);
  CHECK(r.bars.high[0] == 11.0);
  CHECK(r.bars.low[0] == 10.0);
  CHECK(r.bars.close[0] == 10.75);
  CHECK(r.bars.close[1] == 11.5);
  CHECK(r.bars.volume[0] == 1000.0);
  CHECK(r.bars.volume[1] == 2000.0);
}

TEST_CASE("Date,Open,High,Low,Close,Volume,OpenInterest format", "[csv]") {
  const auto r = import_ok(
      "Date,Open,High,Low,Close,Volume,OpenInterest\n"
      "2020-01-02,100,102,99,101,5000,123456\n"
      "2020-01-03,101,103,100,102.25,6000,123999\n");
  CHECK(r.layout.columns == 7);
  CHECK(r.layout.volume_col == 5);
  REQUIRE(r.bars.size() == 2);
  CHECK(r.bars.volume[0] == 5000.0);
  CHECK(r.bars.volume[1] == 6000.0);
  CHECK(r.bars.close[1] == 102.25);
  CHECK(r.bars.time[1] == k2020_01_03);
}

TEST_CASE("generic header: reordered, mixed case, quoted, padded, extra columns", "[csv]") {
  const auto r = import_ok(
      " \"VOLUME\" ,close, Low ,\"hIgH\",symbol,Open,TimeStamp\n"
      "10,1.5,1.0,2.0,ABC,1.25,2020-01-02\n"
      "20,2.5,1.5,3.0,ABC,2.0,2020-01-03\n");
  CHECK(r.layout.time_col == 6);
  CHECK(r.layout.open_col == 5);
  CHECK(r.layout.high_col == 3);
  CHECK(r.layout.low_col == 2);
  CHECK(r.layout.close_col == 1);
  CHECK(r.layout.volume_col == 0);
  REQUIRE(r.bars.size() == 2);
  CHECK(r.bars.time[0] == k2020_01_02);
  CHECK(r.bars.open[0] == 1.25);
  CHECK(r.bars.high[0] == 2.0);
  CHECK(r.bars.low[0] == 1.0);
  CHECK(r.bars.close[0] == 1.5);
  CHECK(r.bars.volume[0] == 10.0);
  CHECK(r.bars.volume[1] == 20.0);
}

TEST_CASE("generic header: short and alternative column names", "[csv]") {
  SECTION("o/h/l/c/v with 'date time'") {
    const auto r = import_ok("Date Time,O,H,L,C,V\n2020-01-31 09:30,1,2,0.5,1.5,7\n");
    CHECK(r.bars.time.at(0) == k2020_01_31_0930);
    CHECK(r.bars.volume.at(0) == 7.0);
    CHECK(r.layout.time_format == "datetime");
  }
  SECTION("open_time and vol") {
    const auto r = import_ok("open_time,open,high,low,close,vol\n1580428800000,1,2,0.5,1.5,8\n");
    CHECK(r.bars.time.at(0) == k2020_01_31);
    CHECK(r.bars.volume.at(0) == 8.0);
    CHECK(r.layout.time_format == "epoch_ms");
  }
  SECTION("unix, datetime and time") {
    CHECK(import_ok("unix,open,high,low,close\n1580428800,1,2,0.5,1.5\n").bars.time.at(0) == k2020_01_31);
    CHECK(import_ok("datetime,open,high,low,close\n2020-01-31,1,2,0.5,1.5\n").bars.time.at(0) == k2020_01_31);
    CHECK(import_ok("time,open,high,low,close\n2020-01-31,1,2,0.5,1.5\n").bars.time.at(0) == k2020_01_31);
  }
  SECTION("without a volume column, volume is 0") {
    const auto r = import_ok("date,open,high,low,close\n2020-01-31,1,2,0.5,1.5\n");
    CHECK(r.layout.volume_col == -1);
    CHECK(r.bars.volume.at(0) == 0.0);
  }
  SECTION("the leftmost time column wins") {
    const auto r = import_ok("unix,date,open,high,low,close\n1580428800,2020-01-30,1,2,0.5,1.5\n");
    CHECK(r.layout.time_col == 0);
    CHECK(r.bars.time.at(0) == k2020_01_31);
  }
}

TEST_CASE("semicolon and tab separators", "[csv]") {
  SECTION("semicolon") {
    const auto r = import_ok("Date;Open;High;Low;Close;Volume\n2020-01-02;1.5;2;1;1.75;3\n2020-01-03;2;2.5;1.5;2.25;4\n");
    CHECK(r.layout.separator == ';');
    REQUIRE(r.bars.size() == 2);
    CHECK(r.bars.close[0] == 1.75);
    CHECK(r.bars.volume[1] == 4.0);
  }
  SECTION("tab") {
    const auto r = import_ok("Date\tOpen\tHigh\tLow\tClose\tVolume\n2020-01-02\t1.5\t2\t1\t1.75\t3\n");
    CHECK(r.layout.separator == '\t');
    CHECK(r.bars.high.at(0) == 2.0);
    CHECK(r.bars.close.at(0) == 1.75);
  }
  SECTION("quoted fields may hold the other separators") {
    const auto r = import_ok("\"Date\";\"Open\";\"High\";\"Low\";\"Close\"\n\"2020-01-02\";\"1.5\";\"2\";\"1\";\"1.75\"\n");
    CHECK(r.layout.separator == ';');
    CHECK(r.bars.open.at(0) == 1.5);
  }
}

TEST_CASE("line endings, BOM, blank and trailing lines", "[csv]") {
  const std::string crlf =
      "Date,Open,High,Low,Close,Volume\r\n2020-01-02,1,2,0.5,1.5,10\r\n2020-01-03,1.5,2.5,1,2,11\r\n";
  SECTION("CRLF") {
    const auto r = import_ok(crlf);
    REQUIRE(r.bars.size() == 2);
    CHECK(r.bars.volume[0] == 10.0);
    CHECK(r.bars.volume[1] == 11.0);
  }
  SECTION("CRLF without a final newline") {
    const auto r = import_ok(crlf.substr(0, crlf.size() - 2));
    REQUIRE(r.bars.size() == 2);
    CHECK(r.bars.volume[1] == 11.0);
  }
  SECTION("LF without a final newline") {
    const auto r = import_ok("Date,Open,High,Low,Close,Volume\n2020-01-02,1,2,0.5,1.5,10");
    CHECK(r.bars.volume.at(0) == 10.0);
  }
  SECTION("blank trailing lines") {
    const auto r = import_ok(crlf + "\r\n\r\n   \r\n,,,,,\n");
    CHECK(r.bars.size() == 2);
    CHECK(r.rows_read == 2);
  }
  SECTION("old Mac line endings (CR only)") {
    const auto r = import_ok("Date,Open,High,Low,Close\r2020-01-02,1,2,0.5,1.5\r2020-01-03,1,2,0.5,1.25\r");
    REQUIRE(r.bars.size() == 2);
    CHECK(r.bars.close[1] == 1.25);
  }
  SECTION("UTF-8 BOM") {
    const auto r = import_ok("\xEF\xBB\xBF" + crlf);
    CHECK(r.layout.has_header);
    CHECK(r.bars.size() == 2);
    CHECK(r.bars.time.at(0) == k2020_01_02);
  }
  SECTION("blank lines still count for line numbers") {
    const auto e = import_err("Date,Open,High,Low,Close\r\n\r\n2020-01-02,1,2,0.5,1.5\r\n\r\n2020-01-03,1,x,0.5,1.5\r\n");
    CHECK(e.line == 5);
    CHECK(e.column == 3);
  }
}

TEST_CASE("file without a header is read as time,open,high,low,close[,volume]", "[csv]") {
  SECTION("six columns") {
    const auto r = import_ok("2020-01-02,1,2,0.5,1.5,100\n2020-01-03,1.5,2.5,1,2,200\n");
    CHECK_FALSE(r.layout.has_header);
    CHECK(r.layout.volume_col == 5);
    REQUIRE(r.bars.size() == 2);
    CHECK(r.bars.time[0] == k2020_01_02);
    CHECK(r.bars.close[1] == 2.0);
    CHECK(r.bars.volume[1] == 200.0);
  }
  SECTION("five columns, epoch seconds") {
    const auto r = import_ok("1580428800,1,2,0.5,1.5\n1580515200,1,2,0.5,1.5\n");
    CHECK_FALSE(r.layout.has_header);
    CHECK(r.layout.volume_col == -1);
    CHECK(r.bars.time.at(1) == k2020_01_31 + kDay);
    CHECK(r.bars.volume.at(1) == 0.0);
  }
  SECTION("errors in the first row name line 1") {
    const auto e = import_err("2020-01-02,1,abc,0.5,1.5\n");
    CHECK(e.line == 1);
    CHECK(e.column == 3);
    CHECK(e.field == "high");
  }
  SECTION("too few columns") {
    const auto e = import_err("2020-01-02,1,2,0.5\n");
    CHECK(e.line == 1);
    CHECK_THAT(e.message, Catch::Contains("at least 5 columns"));
  }
}

TEST_CASE("epoch timestamps: the unit follows the digit count", "[csv]") {
  const auto time_of = [](const std::string& t) {
    const auto r = import_ok("time,open,high,low,close\n" + t + ",1,2,0.5,1.5\n");
    return std::make_pair(r.bars.time.at(0), r.layout.time_format);
  };
  CHECK(time_of("1580428800") == std::make_pair(k2020_01_31, std::string("epoch_s")));
  CHECK(time_of("1580428800.25") == std::make_pair(k2020_01_31 + 250, std::string("epoch_s")));
  CHECK(time_of("86400") == std::make_pair(kDay, std::string("epoch_s")));
  CHECK(time_of("1580428800123") == std::make_pair(k2020_01_31 + 123, std::string("epoch_ms")));
  CHECK(time_of("1580428800123456") == std::make_pair(k2020_01_31 + 123, std::string("epoch_us")));
  CHECK(time_of("1580428800123456789") == std::make_pair(k2020_01_31 + 123, std::string("epoch_ns")));
  CHECK(time_of("-1") == std::make_pair(int64_t{-1000}, std::string("epoch_s")));
  // Digit-count boundaries: <=11 seconds, 12-14 ms, 15-17 us, 18-19 ns.
  CHECK(time_of("99999999999") == std::make_pair(int64_t{99999999999000}, std::string("epoch_s")));
  CHECK(time_of("100000000000") == std::make_pair(int64_t{100000000000}, std::string("epoch_ms")));
  CHECK(time_of("99999999999999") == std::make_pair(int64_t{99999999999999}, std::string("epoch_ms")));
  CHECK(time_of("100000000000000") == std::make_pair(int64_t{100000000000}, std::string("epoch_us")));
  CHECK(time_of("99999999999999999") == std::make_pair(int64_t{99999999999999}, std::string("epoch_us")));
  CHECK(time_of("100000000000000000") == std::make_pair(int64_t{100000000000}, std::string("epoch_ns")));
  const auto too_long = import_err("time,open,high,low,close\n12345678901234567890,1,2,0.5,1.5\n");
  CHECK(too_long.line == 2);
  CHECK(too_long.column == 1);

  const auto r = import_ok("time,open,high,low,close\n1580428800000,1,2,0.5,1.5\n1580428860000,1,2,0.5,1.5\n");
  CHECK(r.bars.time.at(1) == k2020_01_31 + 60'000);
}

TEST_CASE("ISO date-times with Z and offsets convert to UTC", "[csv]") {
  const auto time_of = [](const std::string& t) {
    return import_ok("time,open,high,low,close\n" + t + ",1,2,0.5,1.5\n").bars.time.at(0);
  };
  CHECK(time_of("2020-01-31T09:30:00Z") == k2020_01_31_0930);
  CHECK(time_of("2020-01-31T09:30:00+02:00") == k2020_01_31_0730);
  CHECK(time_of("2020-01-31 09:30:00+0200") == k2020_01_31_0730);
  CHECK(time_of("2020-01-31T09:30-02:00") == k2020_01_31_0930 + 2 * 3'600'000);
  CHECK(time_of("2020-01-31 09:30") == k2020_01_31_0930);
  CHECK(time_of("2020-01-31T09:30:00.250Z") == k2020_01_31_0930 + 250);
  CHECK(time_of("2020-01-31T00:30:00+01:00") == k2020_01_31 - 30 * 60'000);  // previous UTC day
  CHECK(time_of("2020-02-29") == k2020_02_29);

  const auto r = import_ok(
      "Date,Open,High,Low,Close\n2020-01-31T09:30:00Z,1,2,0.5,1.5\n2020-01-31T11:31:00+02:00,1,2,0.5,1.5\n");
  CHECK(r.layout.time_format == "datetime");
  CHECK(r.bars.time.at(1) == k2020_01_31_0930 + 60'000);
}

TEST_CASE("numbers are the correctly rounded doubles", "[csv]") {
  const char* texts[] = {"0.1",        "1.750000",           "20.049999",   "123456789.123456", "1e-5",
                         "2.5E+3",     "+3.25",              ".5",          "7.",               "0.000001234",
                         "45.560001",  "9007199254740993.5", "1.2345678901234567890123", "3.14159265358979323846e2",
                         // mantissas above 2^53, where mantissa / 10^d would round twice
                         "47.856959858438490", "0.478400502933415652"};
  for (const char* t : texts) {
    const std::string csv = std::string("time,open,high,low,close\n2020-01-31,") + t + "," + t + "," + t + "," + t + "\n";
    const auto r = import_ok(csv);
    INFO(t);
    CHECK(r.bars.open.at(0) == std::strtod(t, nullptr));
  }
}

TEST_CASE("sample files", "[csv]") {
  struct Case {
    const char* file;
    size_t rows;
    int64_t first_time;
    double first_open, first_high, first_low, first_close, first_volume;
    double last_open, last_close, last_volume;
  };
  const Case cases[] = {
      {"NVDA-1d-1999-2014.csv", 4012, 916963200000, 1.75, 1.953125, 1.552083, 1.640625, 67867200, 20.4, 20.049999,
       4157500},
      {"ORCL-1d-1995-2014.csv", 5036, 789091200000, 2.179012, 2.191358, 2.117284, 2.117284, 36301200, 45.450001,
       44.970001, 13269200},
      {"YHOO-1d-1996-2014.csv", 4713, 829267200000, 1.052083, 1.791667, 1.020833, 1.375, 408720000, 51.540001,
       50.509998, 9305000},
  };
  for (const Case& c : cases) {
    INFO(c.file);
    auto r = atf::import_csv_file(sample(c.file));
    if (!r.ok()) FAIL(r.error().message);
    const atf::Bars& b = r->bars;
    REQUIRE(b.size() == c.rows);
    CHECK(r->rows_read == static_cast<int64_t>(c.rows));
    CHECK(r->layout.time_format == "date");
    CHECK(r->layout.volume_col == 6);
    CHECK(b.time.front() == c.first_time);
    CHECK(b.time.back() == 1419984000000);  // 2014-12-31
    CHECK(b.open.front() == c.first_open);
    CHECK(b.high.front() == c.first_high);
    CHECK(b.low.front() == c.first_low);
    CHECK(b.close.front() == c.first_close);
    CHECK(b.volume.front() == c.first_volume);
    CHECK(b.open.back() == c.last_open);
    CHECK(b.close.back() == c.last_close);
    CHECK(b.volume.back() == c.last_volume);
    CHECK(b.symbol == std::string(c.file).substr(0, std::strlen(c.file) - 4));
  }
  SECTION("an explicit symbol wins over the file name") {
    CsvImportOptions o;
    o.symbol = "NVDA";
    auto r = atf::import_csv_file(sample("NVDA-1d-1999-2014.csv"), o);
    REQUIRE(r.ok());
    CHECK(r->bars.symbol == "NVDA");
  }
}

TEST_CASE("a missing file is an import error on line 0", "[csv]") {
  const std::string path = sample("no-such-file.csv");
  auto r = atf::import_csv_file(path);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kImport);
  CHECK(r.error().line == 0);
  CHECK(r.error().message == "cannot read " + path + ": " + std::strerror(ENOENT));
}

TEST_CASE("rejections name the line and column", "[csv]") {
  // Row 3 (line 3) of this file is edited in each case; line 2 is a valid row.
  const auto with_row = [](const std::string& row) {
    return std::string(kHeader) + "2020-01-02,10,11,9,10.5,100\n" + row + "\n2020-01-06,10,11,9,10.5,100\n";
  };
  SECTION("unparsable number: the exact message") {
    const auto e = import_err(with_row("2020-01-03,10,abc,9,10.5,100"));
    CHECK(e.line == 3);
    CHECK(e.column == 3);
    CHECK(e.field == "high");
    CHECK(e.message == "line 3, column 3 (high): expected a number, found 'abc'");
  }
  SECTION("not numbers") {
    for (const char* bad : {"", "null", "NaN", "nan", "inf", "-Infinity", "1,5", "0x10", "1e", "--1", "1.2.3", "N/A"}) {
      INFO(bad);
      const auto e = import_err(std::string("Date;Open;High;Low;Close\n2020-01-02;10;11;9;10.5\n2020-01-03;10;11;9;") +
                                bad + "\n");
      CHECK(e.line == 3);
      CHECK(e.column == 5);
      CHECK(e.field == "close");
      const std::string hint = std::string(bad) == "1,5" ? " (this file writes decimals with a point, as '10.5' in line 2)" : "";
      CHECK(e.message == std::string("line 3, column 5 (close): expected a number, found '") + bad + "'" + hint);
    }
  }
  SECTION("non-positive price") {
    auto e = import_err(with_row("2020-01-03,0,11,9,10.5,100"));
    CHECK(e.line == 3);
    CHECK(e.column == 2);
    CHECK(e.field == "open");
    CHECK(e.message == "line 3, column 2 (open): expected a price above 0, found '0'");
    e = import_err(with_row("2020-01-03,10,11,-9,10.5,100"));
    CHECK(e.column == 4);
    CHECK(e.field == "low");
  }
  SECTION("non-finite price") {
    const auto e = import_err(with_row("2020-01-03,10,1e999,9,10.5,100"));
    CHECK(e.column == 3);
    CHECK(e.message == "line 3, column 3 (high): expected a finite price, found '1e999'");
  }
  SECTION("high below max(open, close)") {
    const auto e = import_err(with_row("2020-01-03,10,10.4,9,10.5,100"));
    CHECK(e.line == 3);
    CHECK(e.column == 3);
    CHECK(e.field == "high");
    CHECK(e.message == "line 3, column 3 (high): expected a high of at least the close (10.5), found '10.4'");
    const auto e2 = import_err(with_row("2020-01-03,10.6,10.55,9,10.5,100"));
    CHECK(e2.message == "line 3, column 3 (high): expected a high of at least the open (10.6), found '10.55'");
  }
  SECTION("low above min(open, close)") {
    const auto e = import_err(with_row("2020-01-03,10,11,10.1,10.5,100"));
    CHECK(e.line == 3);
    CHECK(e.column == 4);
    CHECK(e.field == "low");
    CHECK(e.message == "line 3, column 4 (low): expected a low of at most the open (10), found '10.1'");
  }
  SECTION("equal OHLC is valid") {
    CHECK(import_ok(with_row("2020-01-03,10,10,10,10,0")).bars.size() == 3);
  }
  SECTION("negative or non-finite volume") {
    auto e = import_err(with_row("2020-01-03,10,11,9,10.5,-1"));
    CHECK(e.line == 3);
    CHECK(e.column == 6);
    CHECK(e.field == "volume");
    CHECK(e.message == "line 3, column 6 (volume): expected a volume of 0 or more, found '-1'");
    e = import_err(with_row("2020-01-03,10,11,9,10.5,1e400"));
    CHECK(e.column == 6);
    CHECK(e.message == "line 3, column 6 (volume): expected a finite volume, found '1e400'");
  }
  SECTION("duplicate timestamp") {
    const auto e = import_err(with_row("2020-01-02,10,11,9,10.5,100"));
    CHECK(e.line == 3);
    CHECK(e.column == 1);
    CHECK(e.field == "time");
    CHECK(e.message ==
          "line 3, column 1 (time): duplicate timestamp: expected a time after 2020-01-02 (line 2), found "
          "'2020-01-02'");
  }
  SECTION("timestamp out of order") {
    const auto e = import_err(with_row("2020-01-03,10,11,9,10.5,100\n2020-01-01,10,11,9,10.5,100"));
    CHECK(e.line == 4);
    CHECK(e.column == 1);
    CHECK(e.message ==
          "line 4, column 1 (time): timestamp out of order: expected a time after 2020-01-03 (line 3), found "
          "'2020-01-01'");
  }
  SECTION("out-of-order date-times name the previous time") {
    const auto e = import_err(
        "time,open,high,low,close\n2020-01-31T09:00:00Z,1,2,0.5,1.5\n2020-01-31T09:30:00Z,1,2,0.5,1.5\n"
        "2020-01-31T10:29:00+01:00,1,2,0.5,1.5\n");
    CHECK(e.line == 4);
    CHECK_THAT(e.message, Catch::Contains("expected a time after 2020-01-31T09:30:00Z (line 3)"));
  }
  SECTION("too few fields") {
    const auto e = import_err(with_row("2020-01-03,10,11,9"));
    CHECK(e.line == 3);
    CHECK(e.column == 5);
    CHECK(e.field == "close");
    CHECK(e.message == "line 3, column 5 (close): expected 6 fields, found 4");
  }
  SECTION("too many fields") {
    const auto e = import_err(with_row("2020-01-03,10,11,9,10.5,1,000"));
    CHECK(e.line == 3);
    CHECK(e.column == 7);
    CHECK_THAT(e.message, Catch::StartsWith("line 3, column 7: expected 6 fields, found 7"));
  }
  SECTION("trailing empty fields are allowed") {
    CHECK(import_ok(with_row("2020-01-03,10,11,9,10.5,100,,")).bars.size() == 3);
  }
  SECTION("the leftmost bad field is reported") {
    const auto e = import_err(with_row("2020-01-03,x,y,9,10.5,100"));
    CHECK(e.column == 2);
  }
  SECTION("the found text is cut to about 40 characters") {
    const std::string junk(100, 'z');
    const auto e = import_err(with_row("2020-01-03,10,11,9," + junk + ",100"));
    CHECK(e.message == "line 3, column 5 (close): expected a number, found '" + std::string(40, 'z') + "...'");
  }
}

TEST_CASE("timestamps: every row must use the first row's format", "[csv]") {
  SECTION("date, then a date-time") {
    const auto e = import_err("Date,Open,High,Low,Close\n2020-01-31,1,2,0.5,1.5\n2020-02-01 10:00,1,2,0.5,1.5\n");
    CHECK(e.line == 3);
    CHECK(e.column == 1);
    CHECK(e.field == "time");
    CHECK(e.message ==
          "line 3, column 1 (time): expected a date like 2020-01-31 (as in line 2), found '2020-02-01 10:00'");
  }
  SECTION("date-time, then a date") {
    const auto e = import_err("Date,Open,High,Low,Close\n2020-01-31 09:30,1,2,0.5,1.5\n2020-02-01,1,2,0.5,1.5\n");
    CHECK(e.message ==
          "line 3, column 1 (time): expected a date-time like 2020-01-31 09:30 (as in line 2), found '2020-02-01'");
  }
  SECTION("epoch seconds, then milliseconds") {
    const auto e = import_err("time,open,high,low,close\n1580428800,1,2,0.5,1.5\n1580515200000,1,2,0.5,1.5\n");
    CHECK(e.line == 3);
    CHECK(e.message ==
          "line 3, column 1 (time): expected a Unix time in seconds like 1580428800 (as in line 2), found "
          "'1580515200000'");
  }
  SECTION("US-style dates are rejected on the first row unless the order is stated") {
    const auto e = import_err("Date,Open,High,Low,Close\n01/31/2020,1,2,0.5,1.5\n");
    CHECK(e.line == 2);
    CHECK(e.column == 1);
    CHECK_THAT(e.message, Catch::StartsWith("line 2, column 1 (time): '01/31/2020' could be day-first or month-first"));
    CHECK_THAT(e.message, Catch::Contains("--date-order"));
  }
  SECTION("calendar ranges are validated") {
    for (const char* bad : {"2020-02-30", "2019-02-29", "2020-13-01", "2020-00-10", "2020-04-31", "2020-01-31 24:00"}) {
      INFO(bad);
      const auto e = import_err(std::string("Date,Open,High,Low,Close\n") + bad + ",1,2,0.5,1.5\n");
      CHECK(e.line == 2);
      CHECK(e.column == 1);
      CHECK_THAT(e.message, Catch::Contains("expected a real calendar date"));
    }
    CHECK(import_ok("Date,Open,High,Low,Close\n2000-02-29,1,2,0.5,1.5\n").bars.size() == 1);
  }
}

// Found by tests/fuzz (fuzz_csv_import): a header-less first line with fewer than 5 columns,
// then a control byte, named the column through an empty role table (out-of-bounds read).
TEST_CASE("a short header-less line followed by binary bytes is reported as binary", "[csv]") {
  for (const char* text : {"1,2,3\n\x01\n", "1,2,3\n4,\x02,5\n", "7\n\x7f\x01"}) {
    const auto e = import_err(std::string_view(text));
    CHECK(e.line == 2);
    CHECK(e.field.empty());
    CHECK_THAT(e.message, Catch::Contains("the file looks binary (control byte 0x0"));
  }
}

TEST_CASE("header and file-level rejections", "[csv]") {
  SECTION("missing required column names it") {
    const auto e = import_err("Date,Open,Low,Close,Volume\n2020-01-31,1,0.5,1.5,1\n");
    CHECK(e.line == 1);
    CHECK(e.field == "high");
    CHECK_THAT(e.message, Catch::StartsWith("line 1: missing column high"));
    CHECK_THAT(e.message, Catch::EndsWith("found Date,Open,Low,Close,Volume"));
  }
  SECTION("missing time column") {
    const auto e = import_err("Day,Open,High,Low,Close\n2020-01-31,1,2,0.5,1.5\n");
    CHECK(e.field == "time");
  }
  SECTION("two columns for the same price") {
    const auto e = import_err("Date,Open,High,Low,Close,C\n2020-01-31,1,2,0.5,1.5,1.5\n");
    CHECK(e.line == 1);
    CHECK(e.column == 6);
    CHECK(e.field == "close");
  }
  SECTION("empty file") {
    for (const char* text : {"", "\n\n", "   \r\n", "\xEF\xBB\xBF"}) {
      const auto e = import_err(text);
      CHECK(e.message == "the file is empty");
      CHECK(e.line == 0);
    }
  }
  SECTION("header only") {
    CHECK_THAT(import_err("Date,Open,High,Low,Close\n").message, Catch::StartsWith("no data rows"));
    CHECK_THAT(import_err("Date,Open,High,Low,Close").message, Catch::StartsWith("no data rows"));
    CHECK_THAT(import_err("Date,Open,High,Low,Close\r\n\r\n\r\n").message, Catch::StartsWith("no data rows"));
  }
  SECTION("UTF-16") {
    const std::string le_bom("\xFF\xFE" "D\0a\0t\0e\0,\0", 12);
    const std::string be_bom("\xFE\xFF" "\0D\0a\0t\0e\0,", 12);
    std::string le_plain;
    for (char c : std::string("Date,Open,High,Low,Close\n2020-01-31,1,2,0.5,1.5\n")) {
      le_plain += c;
      le_plain += '\0';
    }
    for (const std::string& text : {le_bom, be_bom, le_plain}) {
      CHECK(import_err(text).message == "the file looks like UTF-16; save it as UTF-8");
    }
  }
  SECTION("binary data") {
    const auto e = import_err(std::string("Date,Open,High,Low,Close\n2020-01-31,1,2\x01\x02,0.5,1.5\n"));
    CHECK(e.line == 2);
    CHECK(e.column == 3);
    CHECK_THAT(e.message, Catch::StartsWith("line 2, column 3 (high): the file looks binary (control byte 0x01)"));
    const auto quoted = import_err(std::string("Date,Open,High,Low,Close\n2020-01-31,1,\"2\0\",0.5,1.5\n", 51));
    CHECK(quoted.line == 2);
    CHECK(quoted.column == 3);
    CHECK_THAT(quoted.message, Catch::Contains("control byte 0x00"));
    const auto zip = import_err(std::string("PK\x03\x04\x14\0\x06\0garbage", 15));
    CHECK(zip.line == 1);
    CHECK_THAT(zip.message, Catch::Contains("the file looks binary"));
    CHECK_THAT(zip.message, Catch::Contains("Excel"));
  }
}

TEST_CASE("from/to filter keeps the inclusive range and still validates skipped rows", "[csv]") {
  const std::string csv = std::string(kHeader) +
                          "2020-01-02,10,11,9,10.5,1\n"
                          "2020-01-03,10,11,9,10.5,2\n"
                          "2020-01-06,10,11,9,10.5,3\n"
                          "2020-01-31,10,11,9,10.5,4\n";
  CsvImportOptions o;
  o.from_ms = k2020_01_03;
  o.to_ms = k2020_01_06;
  const auto r = import_ok(csv, o);
  CHECK(r.rows_read == 4);
  CHECK(r.rows_skipped == 2);
  REQUIRE(r.bars.size() == 2);
  CHECK(r.bars.time[0] == k2020_01_03);
  CHECK(r.bars.time[1] == k2020_01_06);
  CHECK(r.bars.volume[1] == 3.0);

  SECTION("a bad row outside the range is still an error") {
    const auto e = import_err(csv + "2020-02-03,10,9,9,10.5,5\n", o);
    CHECK(e.line == 6);
    CHECK(e.field == "high");
  }
  SECTION("--to given as a bare date covers that whole day") {
    CsvImportOptions day;
    day.from_ms = *atf::parse_time_arg("2020-01-06");
    day.to_ms = *atf::parse_time_arg("2020-01-06", true);
    const auto one = import_ok(
        "time,open,high,low,close\n2020-01-05T23:59:59Z,1,2,0.5,1.5\n2020-01-06T00:00:00Z,1,2,0.5,1.5\n"
        "2020-01-06T23:59:59.999Z,1,2,0.5,1.5\n2020-01-07T00:00:00Z,1,2,0.5,1.5\n",
        day);
    REQUIRE(one.bars.size() == 2);
    CHECK(one.bars.time[0] == k2020_01_06);
    CHECK(one.bars.time[1] == k2020_01_06 + kDay - 1);
    CHECK(one.rows_skipped == 2);
  }
  SECTION("no row in range is an error") {
    CsvImportOptions none;
    none.from_ms = k2020_02_29;
    const auto e = import_err(csv, none);
    CHECK_THAT(e.message, Catch::StartsWith("no rows between 2020-02-29 and the end"));
  }
}

TEST_CASE("parse_time_arg and format_time", "[csv]") {
  CHECK(*atf::parse_time_arg("2020-01-31") == k2020_01_31);
  CHECK(*atf::parse_time_arg("2020-01-31", true) == k2020_01_31 + kDay - 1);
  CHECK(*atf::parse_time_arg("2020-01-31T09:30", true) == k2020_01_31_0930);
  CHECK(*atf::parse_time_arg(" 2020-01-31T09:30:00+02:00 ") == k2020_01_31_0730);
  CHECK(*atf::parse_time_arg("1969-12-31T23:59:59Z") == -1000);
  CHECK(*atf::parse_time_arg("1900-01-01") == -2208988800000);

  const auto bad = atf::parse_time_arg("31.01.2020");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == ErrorCode::kValidation);
  CHECK_THAT(bad.error().message, Catch::EndsWith("found '31.01.2020'"));
  CHECK_FALSE(atf::parse_time_arg("2021-02-29").ok());
  CHECK_FALSE(atf::parse_time_arg("").ok());
  CHECK_FALSE(atf::parse_time_arg("2020-01-31T").ok());

  CHECK(atf::format_time(k2020_01_31) == "2020-01-31");
  CHECK(atf::format_time(k2020_01_31_0930) == "2020-01-31T09:30:00Z");
  CHECK(atf::format_time(k2020_01_31_0930 + 7) == "2020-01-31T09:30:00.007Z");
  CHECK(atf::format_time(-1000) == "1969-12-31T23:59:59Z");
  CHECK(atf::format_time(-2208988800000) == "1900-01-01");
  CHECK(atf::format_time(2147483648000) == "2038-01-19T03:14:08Z");

  for (const int64_t ms : {int64_t{0}, k2020_02_29, k2020_01_31_0930 + 1, int64_t{-1}, int64_t{-2208988800000 + 999},
                           int64_t{253402300799999} /* 9999-12-31T23:59:59.999 */, int64_t{951782400000} /* 2000-02-29 */}) {
    INFO(ms);
    const auto back = atf::parse_time_arg(atf::format_time(ms));
    REQUIRE(back.ok());
    CHECK(*back == ms);
  }
  for (const char* text : {"2020-01-31", "2020-01-31T09:30:00Z", "1999-12-31T23:59:59.999Z", "0001-01-01"}) {
    CHECK(atf::format_time(*atf::parse_time_arg(text)) == text);
  }
  CHECK_FALSE(atf::format_time(std::numeric_limits<int64_t>::min()).empty());
}

TEST_CASE("Bars: push_back and slice_time", "[csv]") {
  atf::Bars b;
  b.symbol = "X";
  b.reserve(4);
  for (int i = 0; i < 4; ++i) b.push_back(i * 10, 1 + i, 2 + i, 0.5 + i, 1.5 + i, 100.0 * i);
  REQUIRE(b.size() == 4);
  CHECK(b.high[3] == 5.0);
  const atf::Bars s = b.slice_time(10, 20);
  REQUIRE(s.size() == 2);
  CHECK(s.symbol == "X");
  CHECK(s.time[0] == 10);
  CHECK(s.time[1] == 20);
  CHECK(s.open[0] == 2.0);
  CHECK(s.close[1] == 3.5);
  CHECK(s.volume[1] == 200.0);
  CHECK(b.slice_time(11, 19).empty());
  CHECK(b.slice_time(20, 10).empty());
  CHECK(b.slice_time(-100, 1000).size() == 4);
}

TEST_CASE("one million generated rows", "[csv]") {
  constexpr int kRows = 1'000'000;
  std::string csv = "timestamp,open,high,low,close,volume\n";
  csv.reserve(64u * kRows);
  const int64_t start = k2020_01_31;  // minute bars as epoch milliseconds
  char line[160];
  for (int i = 0; i < kRows; ++i) {
    const int cents = 10000 + (i % 5000);  // 100.00 .. 149.99
    const int n = std::snprintf(line, sizeof line, "%lld,%d.%02d,%d.%02d,%d.%02d,%d.%02d,%d\n",
                                static_cast<long long>(start + int64_t{i} * 60'000), cents / 100, cents % 100,
                                (cents + 50) / 100, (cents + 50) % 100, (cents - 50) / 100, (cents - 50) % 100,
                                (cents + 10) / 100, (cents + 10) % 100, 1000 + i % 777);
    csv.append(line, static_cast<size_t>(n));
  }
  const auto r = import_ok(csv);
  REQUIRE(r.bars.size() == static_cast<size_t>(kRows));
  CHECK(r.rows_read == kRows);
  CHECK(r.layout.time_format == "epoch_ms");
  CHECK(r.bars.time[0] == start);
  CHECK(r.bars.time[kRows - 1] == start + int64_t{kRows - 1} * 60'000);
  CHECK(r.bars.open[0] == 100.0);
  CHECK(r.bars.high[0] == 100.5);
  CHECK(r.bars.low[0] == 99.5);
  CHECK(r.bars.close[0] == 100.1);
  CHECK(r.bars.open[4999] == 149.99);
  CHECK(r.bars.close[123457] == std::strtod("134.67", nullptr));  // 123457 % 5000 = 3457
  CHECK(r.bars.volume[kRows - 1] == 1000.0 + (kRows - 1) % 777);
}
