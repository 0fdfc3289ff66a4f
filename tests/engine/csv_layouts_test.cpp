// CSV files as traders export them (issue 12): integer YYYYMMDD dates, Date + Time columns,
// MetaTrader / Stooq / Binance / Yahoo / TradingView / Investing.com / Excel layouts, stated
// day/month order, rows without prices, empty volumes, decimal commas, newest-first files, and the
// mode that lists every bad row. The users-reports cases (../shared/cases/users-reports) are
// inlined, so the tests run the same natively and as Wasm.
#include <catch2/catch.hpp>

#include <string>

#include "atf/csv_import.h"

using atf::CsvImport;
using atf::CsvImportOptions;
using atf::DateOrder;
using atf::Error;
using atf::ErrorCode;

namespace {

// UTC ms computed independently (Python's datetime).
constexpr int64_t kDay = 86'400'000;
constexpr int64_t k2020_01_02 = 1577923200000;
constexpr int64_t k2020_01_03 = 1578009600000;
constexpr int64_t k2011_12_08_1849 = 1323370140000;
constexpr int64_t k2011_12_08_1850 = 1323370200000;
constexpr int64_t k2019_10_07 = 1570406400000;
constexpr int64_t k2019_10_08 = 1570492800000;
constexpr int64_t k2019_10_10 = 1570665600000;
constexpr int64_t k2019_10_11 = 1570752000000;
constexpr int64_t k2020_01_02_0930 = 1577957400000;
constexpr int64_t k2020_01_02_0931 = 1577957460000;
constexpr int64_t k2020_01_02_2130 = 1578000600000;
constexpr int64_t k2013_01_03 = 1357171200000;
constexpr int64_t k2013_03_01 = 1362096000000;

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

CsvImportOptions with_order(DateOrder o) {
  CsvImportOptions opt;
  opt.date_order = o;
  return opt;
}

}  // namespace

TEST_CASE("YYYYMMDD integers in a date column are dates, never epoch seconds", "[csv][layouts]") {
  // users-reports/compact_min.csv
  const auto r = import_ok("Date,Open,High,Low,Close\n20200102,10,10,10,10\n20200103,11,11,11,11\n");
  REQUIRE(r.bars.size() == 2);
  CHECK(r.bars.time[0] == k2020_01_02);
  CHECK(r.bars.time[1] == k2020_01_03);
  CHECK(r.layout.time_format == "date");
  CHECK(r.layout.date_style == "yyyymmdd");
  SECTION("the whole column must then be YYYYMMDD") {
    const auto e = import_err("Date,Open,High,Low,Close\n20200102,1,1,1,1\n20201301,1,1,1,1\n");
    CHECK(e.line == 3);
    CHECK(e.column == 1);
    CHECK_THAT(e.message, Catch::Contains("expected a date YYYYMMDD like 20200102 (as in line 2)"));
  }
  SECTION("a generic time column refuses a number that could be either, saying so") {
    const auto e = import_err("timestamp,open,high,low,close\n20200102,1,1,1,1\n");
    CHECK(e.line == 2);
    CHECK(e.column == 1);
    CHECK_THAT(e.message, Catch::Contains("could be the date 2020-01-02 (YYYYMMDD) or Unix time in seconds"));
    CHECK_THAT(e.message, Catch::Contains("name the column Date"));
    // Without a header too.
    const auto h = import_err("20200102,1,1,1,1\n20200103,1,1,1,1\n");
    CHECK_THAT(h.message, Catch::Contains("could be the date 2020-01-02"));
  }
  SECTION("a Unix column keeps the digit-count rule") {
    const auto u = import_ok("unix,open,high,low,close\n20200102,1,1,1,1\n");
    CHECK(u.layout.time_format == "epoch_s");
    CHECK(u.bars.time[0] == int64_t{20200102} * 1000);
  }
  SECTION("integers that are not calendar dates keep the digit-count rule") {
    const auto r2 = import_ok("timestamp,open,high,low,close\n1577923200,1,1,1,1\n");
    CHECK(r2.bars.time[0] == k2020_01_02);
    CHECK(r2.layout.time_format == "epoch_s");
  }
  SECTION("Excel serial day numbers in a date column are refused with the fix") {
    const auto e = import_err("Date,Open,High,Low,Close\n43832,1,1,1,1\n");
    CHECK(e.line == 2);
    CHECK_THAT(e.message, Catch::Contains("Excel serial day number (43832 = 2020-01-02)"));
  }
}

TEST_CASE("separate Date and Time columns are combined", "[csv][layouts]") {
  // users-reports/date_time_min.csv
  const auto r = import_ok("Date,Time,Open,High,Low,Close\n2011-12-08,18:49,1,1,1,1\n2011-12-08,18:50,1,1,1,1\n");
  REQUIRE(r.bars.size() == 2);
  CHECK(r.bars.time[0] == k2011_12_08_1849);
  CHECK(r.bars.time[1] == k2011_12_08_1850);
  CHECK(r.layout.clock_col == 1);
  CHECK(r.layout.open_col == 2);
  CHECK(r.layout.time_format == "datetime");
  SECTION("HH:MM:SS, HHMMSS and 12-hour clocks") {
    CHECK(import_ok("Date,Time,Open,High,Low,Close\n2020-01-02,09:30:00,1,1,1,1\n").bars.time[0] == k2020_01_02_0930);
    CHECK(import_ok("Date,Time,Open,High,Low,Close\n20200102,093000,1,1,1,1\n").bars.time[0] == k2020_01_02_0930);
    CHECK(import_ok("Date,Time,Open,High,Low,Close\n2020-01-02,9:30 PM,1,1,1,1\n").bars.time[0] == k2020_01_02_2130);
  }
  SECTION("a bad time of day names its line and column") {
    const auto e = import_err("Date,Time,Open,High,Low,Close\n2020-01-02,09:30,1,1,1,1\n2020-01-02,25:00,1,1,1,1\n");
    CHECK(e.line == 3);
    CHECK(e.column == 2);
    CHECK_THAT(e.message, Catch::Contains("expected a real time of day"));
    const auto s = import_err("Date,Time,Open,High,Low,Close\n2020-01-02,noon,1,1,1,1\n");
    CHECK_THAT(s.message, Catch::Contains("expected a time of day like 09:30, 09:30:00 or 093000, found 'noon'"));
  }
}

TEST_CASE("exporters' layouts", "[csv][layouts]") {
  SECTION("MetaTrader 5: <DATE> <TIME> headers, tabs, dotted dates, TICKVOL and VOL") {
    const auto r = import_ok(
        "<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>\n"
        "2020.01.02\t09:30:00\t1.12100\t1.12200\t1.12000\t1.12150\t120\t0\t2\n"
        "2020.01.02\t09:31:00\t1.12150\t1.12250\t1.12050\t1.12200\t98\t0\t2\n");
    REQUIRE(r.bars.size() == 2);
    CHECK(r.layout.separator == '\t');
    CHECK(r.bars.time[0] == k2020_01_02_0930);
    CHECK(r.bars.time[1] == k2020_01_02_0931);
    CHECK(r.bars.close[1] == 1.122);
    CHECK(r.layout.date_style == "ymd");
  }
  SECTION("MetaTrader 4 history export: no header, date and time in two columns") {
    const auto r = import_ok("2020.01.02,09:30,1.121,1.122,1.120,1.1215,120\n2020.01.02,09:31,1.1215,1.1225,1.1205,1.122,98\n");
    REQUIRE(r.bars.size() == 2);
    CHECK_FALSE(r.layout.has_header);
    CHECK(r.layout.clock_col == 1);
    CHECK(r.bars.time[1] == k2020_01_02_0931);
    CHECK(r.bars.open[0] == 1.121);
    CHECK(r.bars.volume[1] == 98);
  }
  SECTION("Stooq bulk files: <TICKER>,<PER>,<DATE>,<TIME>,...,<VOL>,<OPENINT>") {
    const auto r = import_ok(
        "<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>\n"
        "AAPL.US,D,20200102,000000,74.06,75.15,73.8,75.09,135480400,0\n"
        "AAPL.US,D,20200103,000000,74.29,75.14,74.13,74.36,146322800,0\n");
    REQUIRE(r.bars.size() == 2);
    CHECK(r.bars.time[0] == k2020_01_02);
    CHECK(r.bars.time[1] == k2020_01_03);
    CHECK(r.bars.volume[0] == 135480400);
  }
  SECTION("Binance klines without a header: open time in ms (or us), twelve columns") {
    const auto r = import_ok(
        "1577923200000,7195.24,7196.25,7183.14,7186.68,51.642,1577923259999,370814.78,493,19.8,142273.51,0\n"
        "1577923260000,7186.68,7190.00,7180.00,7181.00,40.1,1577923319999,288000.1,400,10.1,72000.0,0\n");
    REQUIRE(r.bars.size() == 2);
    CHECK(r.layout.time_format == "epoch_ms");
    CHECK(r.bars.time[1] == k2020_01_02 + 60'000);
    CHECK(r.bars.volume[0] == 51.642);
    const auto us = import_ok("1577923200000000,1,2,0.5,1.5,3,1577923259999999,0,0,0,0,0\n");
    CHECK(us.layout.time_format == "epoch_us");
    CHECK(us.bars.time[0] == k2020_01_02);
  }
  SECTION("Binance klines with a header") {
    const auto r = import_ok(
        "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore\n"
        "1577923200000,7195.24,7196.25,7183.14,7186.68,51.642,1577923259999,370814.78,493,19.8,142273.51,0\n");
    CHECK(r.bars.time[0] == k2020_01_02);
    CHECK(r.layout.volume_col == 5);
  }
  SECTION("TradingView export: time as Unix seconds or ISO, indicator columns ignored") {
    const auto s = import_ok("time,open,high,low,close,Volume,Volume MA\n1577957400,1,2,0.5,1.5,100,90\n");
    CHECK(s.bars.time[0] == k2020_01_02_0930);
    const auto iso = import_ok("time,open,high,low,close,Volume\n2020-01-02T09:30:00Z,1,2,0.5,1.5,100\n");
    CHECK(iso.bars.time[0] == k2020_01_02_0930);
  }
  SECTION("Investing.com: Price, Vol. with K/M suffixes, Change %, quoted grouped numbers, newest first") {
    const std::string text =
        "\"Date\",\"Price\",\"Open\",\"High\",\"Low\",\"Vol.\",\"Change %\"\n"
        "\"01/03/2020\",\"1,234.50\",\"1,230.00\",\"1,240.25\",\"1,225.75\",\"1.23M\",\"0.37%\"\n"
        "\"01/02/2020\",\"1,230.00\",\"1,220.00\",\"1,235.00\",\"1,219.00\",\"850.5K\",\"-0.10%\"\n";
    const auto e = import_err(text);
    CHECK(e.line == 2);
    CHECK_THAT(e.message, Catch::Contains("could be day-first or month-first"));
    const auto r = import_ok(text, with_order(DateOrder::kMDY));
    REQUIRE(r.bars.size() == 2);
    CHECK(r.newest_first);
    CHECK(r.bars.time[0] == k2020_01_02);
    CHECK(r.bars.time[1] == k2020_01_03);
    CHECK(r.bars.close[1] == 1234.5);
    CHECK(r.bars.high[1] == 1240.25);
    CHECK(r.bars.volume[1] == 1230000);
    CHECK(r.bars.volume[0] == 850500);
    CHECK(r.layout.close_col == 1);
  }
  SECTION("Investing.com's month-name dates need no order") {
    const auto r = import_ok(
        "\"Date\",\"Price\",\"Open\",\"High\",\"Low\",\"Vol.\",\"Change %\"\n"
        "\"Jan 03, 2020\",\"12.5\",\"12.0\",\"13.0\",\"11.5\",\"-\",\"1.0%\"\n"
        "\"Jan 02, 2020\",\"12.0\",\"12.0\",\"12.5\",\"11.0\",\"\",\"0.0%\"\n");
    REQUIRE(r.bars.size() == 2);
    CHECK(r.bars.time[0] == k2020_01_02);
    CHECK(r.bars.volume[0] == 0);
    CHECK(r.layout.date_style == "month_name");
  }
  SECTION("Excel (German locale): ';', DD.MM.YYYY, decimal commas, grouped thousands") {
    const std::string text = "Datum;Open;High;Low;Close;Volume\n03.01.2013;1.234,50;1.240,00;1.230,00;1.235,25;1.000\n";
    // "Datum" is not a known time column name: the header is refused, naming the columns.
    CHECK_THAT(import_err(text).message, Catch::Contains("missing column time"));
    const std::string dated = "Date;Open;High;Low;Close;Volume\n03.01.2013;1.234,50;1.240,00;1.230,00;1.235,25;1.000\n";
    const auto r = import_ok(dated, with_order(DateOrder::kDMY));
    CHECK(r.bars.time[0] == k2013_01_03);
    CHECK(r.bars.open[0] == 1234.5);
    CHECK(r.bars.close[0] == 1235.25);
    CHECK(r.bars.volume[0] == 1000);
    CHECK(r.layout.decimal_mark == ',');
    CHECK(r.layout.date_style == "dmy");
  }
  SECTION("Excel (US locale): M/D/YYYY H:MM") {
    const auto r = import_ok("Date,Open,High,Low,Close\n1/2/2020 9:30,1,2,0.5,1.5\n1/2/2020 9:31,1,2,0.5,1.5\n",
                             with_order(DateOrder::kMDY));
    CHECK(r.bars.time[0] == k2020_01_02_0930);
    CHECK(r.bars.time[1] == k2020_01_02_0931);
    CHECK(r.layout.time_format == "datetime");
  }
}

TEST_CASE("day-first or month-first: refused unless stated", "[csv][layouts]") {
  const std::string text = "Date,Open,High,Low,Close\n03/01/2013,1,1,1,1\n04/01/2013,1,1,1,1\n";
  const auto e = import_err(text);
  CHECK(e.line == 2);
  CHECK(e.column == 1);
  CHECK_THAT(e.message, Catch::Contains("'03/01/2013' could be day-first or month-first"));
  CHECK_THAT(e.message, Catch::Contains("no date in the file settles it"));
  CHECK(import_ok(text, with_order(DateOrder::kDMY)).bars.time[0] == k2013_01_03);
  CHECK(import_ok(text, with_order(DateOrder::kMDY)).bars.time[0] == k2013_03_01);
  SECTION("the refusal points at a date that settles it") {
    const auto p = import_err("Date,Open,High,Low,Close\n03/01/2013,1,1,1,1\n13/01/2013,1,1,1,1\n");
    CHECK_THAT(p.message, Catch::Contains("line 3 has '13/01/2013', which can only be day-first (dmy)"));
  }
  SECTION("a stated order that the data contradicts is an error on that line") {
    const auto c = import_err("Date,Open,High,Low,Close\n03/01/2013,1,1,1,1\n13/01/2013,1,1,1,1\n", with_order(DateOrder::kMDY));
    CHECK(c.line == 3);
    CHECK_THAT(c.message, Catch::Contains("expected a real calendar date in the stated order (mdy)"));
  }
  SECTION("ymd refuses year-last dates; year-first dates need no order") {
    CHECK_THAT(import_err(text, with_order(DateOrder::kYMD)).message, Catch::Contains("expected year-first dates"));
    CHECK(import_ok("Date,Open,High,Low,Close\n2013/01/03,1,1,1,1\n").bars.time[0] == k2013_01_03);
  }
  SECTION("two-digit years are refused") {
    CHECK_THAT(import_err("Date,Open,High,Low,Close\n03/01/13,1,1,1,1\n", with_order(DateOrder::kDMY)).message,
               Catch::Contains("expected a four-digit year"));
  }
  SECTION("parse_date_order") {
    CHECK(*atf::parse_date_order("DMY") == DateOrder::kDMY);
    CHECK(*atf::parse_date_order("mdy") == DateOrder::kMDY);
    CHECK(*atf::parse_date_order("ymd") == DateOrder::kYMD);
    const auto bad = atf::parse_date_order("dd/mm", "date_order");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().field == "date_order");
  }
}

TEST_CASE("rows without prices are skipped and counted", "[csv][layouts]") {
  // users-reports/yahoo_null.csv
  const auto r = import_ok(
      "Date,Open,High,Low,Close,Adj Close,Volume\n"
      "2019-10-07,0.8911,0.8950,0.8900,0.8930,0.8930,0\n"
      "2019-10-08,0.8928,0.8999,0.8922,0.8928,0.8928,0\n"
      "2019-10-09,null,null,null,null,null,null\n"
      "2019-10-10,0.8990,0.9050,0.8980,0.9040,0.9040,0\n"
      "2019-10-11,0.9040,0.9090,0.9000,0.9080,0.9080,0\n");
  REQUIRE(r.bars.size() == 4);
  CHECK(r.bars.time[0] == k2019_10_07);
  CHECK(r.bars.time[1] == k2019_10_08);
  CHECK(r.bars.time[2] == k2019_10_10);
  CHECK(r.bars.time[3] == k2019_10_11);
  CHECK(r.rows_read == 4);
  CHECK(r.rows_without_prices == 1);
  CHECK(r.first_line_without_prices == 4);
  const auto notices = atf::import_notices(r);
  REQUIRE(notices.size() == 1);
  CHECK(notices[0] == "1 row without prices (empty or null) skipped, the first at line 4");
  SECTION("rows of empty cells too") {
    const auto e = import_ok("Date,Open,High,Low,Close\n2020-01-02,1,1,1,1\n2020-01-03,,,,\n2020-01-06,,,,\n");
    CHECK(e.bars.size() == 1);
    CHECK(e.rows_without_prices == 2);
    CHECK(e.first_line_without_prices == 3);
  }
  SECTION("a row missing only some prices is still an error") {
    const auto e = import_err("Date,Open,High,Low,Close\n2020-01-02,1,1,1,1\n2020-01-03,1,,1,1\n");
    CHECK(e.line == 3);
    CHECK(e.column == 3);
    CHECK(e.message == "line 3, column 3 (high): expected a number, found ''");
  }
  SECTION("a file with no price at all is refused") {
    CHECK_THAT(import_err("Date,Open,High,Low,Close\n2020-01-02,null,null,null,null\n").message,
               Catch::Contains("no prices"));
  }
}

TEST_CASE("an empty volume cell is accepted as 0", "[csv][layouts]") {
  // users-reports/empty_volume.csv
  const auto r = import_ok(
      "Date,Open,High,Low,Close,Volume,Adj Close\n"
      "1995-01-03,44.12,44.38,42.87,42.87,36301200,2.00\n"
      "1995-01-04,43.00,43.50,42.37,43.25,,2.01\n"
      "1995-01-05,43.38,43.50,42.25,42.37,37762800,1.97\n");
  REQUIRE(r.bars.size() == 3);
  CHECK(r.bars.volume[1] == 0);
  CHECK(r.bars.volume[2] == 37762800);
  CHECK(r.rows_without_prices == 0);
}

TEST_CASE("decimal commas in ';' files", "[csv][layouts]") {
  // users-reports/semicolon_decimal_comma.csv
  const auto r = import_ok(
      "Date;Open;High;Low;Close;Volume\n"
      "2020-01-02;27,72;27,98;27,52;27,95;34851872\n"
      "2020-01-03;27,85;28,15;27,70;28,15;38167504\n");
  REQUIRE(r.bars.size() == 2);
  CHECK(r.bars.open[0] == 27.72);
  CHECK(r.bars.high[0] == 27.98);
  CHECK(r.bars.close[1] == 28.15);
  CHECK(r.bars.volume[1] == 38167504);
  CHECK(r.layout.decimal_mark == ',');
  SECTION("the same file with points gives the same doubles") {
    const auto dots = import_ok("Date;Open;High;Low;Close\n2020-01-02;27.72;27.98;27.52;27.95\n");
    CHECK(dots.bars.open[0] == r.bars.open[0]);
    CHECK(dots.layout.decimal_mark == '.');
  }
}

TEST_CASE("newest-first files are read in time order; one swapped pair stays an error", "[csv][layouts]") {
  const std::string text =
      "Date,Open,High,Low,Close,Volume\n"
      "2021-05-21,53.08,55.02,52.55,54.48,3232\n"
      "2021-05-20,54.22,54.76,52.55,53.08,2129\n"
      "2021-05-19,53.83,54.76,53.29,54.22,4760\n";
  const auto r = import_ok(text);
  REQUIRE(r.bars.size() == 3);
  CHECK(r.newest_first);
  CHECK(r.bars.time[0] == 1621382400000);  // 2021-05-19
  CHECK(r.bars.time[2] == 1621555200000);  // 2021-05-21
  CHECK(r.bars.close[0] == 54.22);
  CHECK(r.bars.close[2] == 54.48);
  CHECK(r.bars.volume[0] == 4760);
  const auto notices = atf::import_notices(r);
  REQUIRE(notices.size() == 1);
  CHECK_THAT(notices[0], Catch::Contains("newest-first"));
  SECTION("a range filter keeps the right rows") {
    CsvImportOptions o;
    o.from_ms = 1621468800000;  // 2021-05-20
    const auto f = import_ok(text, o);
    REQUIRE(f.bars.size() == 2);
    CHECK(f.bars.time[0] == 1621468800000);
    CHECK(f.rows_skipped == 1);
  }
  SECTION("newest-first, then one row going forward") {
    const auto e = import_err(text + "2021-05-22,53.08,55.02,52.55,54.48,3232\n");
    CHECK(e.line == 5);
    CHECK_THAT(e.message, Catch::Contains("lines 2 and 3 run newest-first"));
  }
  SECTION("oldest-first with one swapped pair") {
    const auto e = import_err(
        "Date,Open,High,Low,Close\n2021-05-17,1,1,1,1\n2021-05-19,1,1,1,1\n2021-05-18,1,1,1,1\n2021-05-20,1,1,1,1\n");
    CHECK(e.line == 4);
    CHECK_THAT(e.message, Catch::Contains("timestamp out of order: expected a time after 2021-05-19 (line 3)"));
  }
}

TEST_CASE("listing every bad row", "[csv][layouts]") {
  std::string text = "Date,Open,High,Low,Close\n";
  for (int i = 1; i <= 28; ++i) {
    char row[64];
    std::snprintf(row, sizeof row, "2020-02-%02d,%s,2,0.5,1\n", i, i % 2 == 0 ? "x" : "1");
    text += row;
  }
  atf::CsvErrorList all;
  auto r = atf::import_csv(text, {}, &all);
  REQUIRE_FALSE(r.ok());
  CHECK(all.count == 14);
  REQUIRE(all.errors.size() == 14);
  CHECK(all.errors[0].line == 3);
  CHECK(all.errors[13].line == 29);
  CHECK(r.error().line == 3);  // the first one
  SECTION("at most max_listed are kept, every one counted") {
    atf::CsvErrorList few;
    few.max_listed = 5;
    REQUIRE_FALSE(atf::import_csv(text, {}, &few).ok());
    CHECK(few.count == 14);
    CHECK(few.errors.size() == 5);
  }
  SECTION("without the list the import stops at the first") {
    CHECK(atf::import_csv(text).error().line == 3);
  }
  SECTION("a good file lists nothing") {
    atf::CsvErrorList none;
    CHECK(atf::import_csv("Date,Open,High,Low,Close\n2020-01-02,1,1,1,1\n", {}, &none).ok());
    CHECK(none.count == 0);
  }
}

TEST_CASE("clock and loose date parsers", "[csv][layouts]") {
  CHECK(import_ok("Date,Open,High,Low,Close\n2 January 2020 09:30,1,1,1,1\n").bars.time[0] == k2020_01_02_0930);
  CHECK(import_ok("Date,Open,High,Low,Close\n02-Jan-2020,1,1,1,1\n").bars.time[0] == k2020_01_02);
  CHECK(import_ok("Date,Open,High,Low,Close\n2020.01.02 09:30:00,1,1,1,1\n").bars.time[0] == k2020_01_02_0930);
  CHECK(import_ok("Date,Open,High,Low,Close\n2020-1-2,1,1,1,1\n").bars.time[0] == k2020_01_02);
  CHECK(import_ok("Date,Open,High,Low,Close\n12/31/2019 12:00 AM,1,1,1,1\n", with_order(DateOrder::kMDY)).bars.time[0] ==
        k2020_01_02 - 2 * kDay);
  CHECK_THAT(import_err("Date,Open,High,Low,Close\n2020.02.30,1,1,1,1\n").message, Catch::Contains("real calendar date"));
  CHECK_THAT(import_err("Date,Open,High,Low,Close\nJnu 02 2020,1,1,1,1\n").message, Catch::Contains("expected a date like"));
}
