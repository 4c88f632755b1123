#include <oasis/http/date.hpp>

#include <gtest/gtest.h>

#include <ctime>
#include <string>

using namespace oasis::http;

TEST(HttpDate, FormatsImfFixdate) { EXPECT_EQ(format_http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT"); }

TEST(HttpDate, ParsesAllThreeForms) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), 784111777);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), 784111777);
}

TEST(HttpDate, RejectsGarbage) {
  EXPECT_FALSE(parse_http_date(""));
  EXPECT_FALSE(parse_http_date("yesterday"));
  EXPECT_FALSE(parse_http_date("Sun, 06 Nov 1994 08:49:37 PST"));
  EXPECT_FALSE(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"));
  EXPECT_FALSE(parse_http_date("Sun, 06 Nov 1994 25:49:37 GMT"));
}

TEST(HttpDate, CacheFormatsTheHeaderLine) {
  DateCache c;
  c.refresh(784111777);
  EXPECT_EQ(c.line(), "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n");
  c.refresh(784111778);
  EXPECT_EQ(c.line(), "Date: Sun, 06 Nov 1994 08:49:38 GMT\r\n");
}

// The formatter computes the calendar itself; it must agree with the C library's gmtime_r on
// every kind of day: leap days, century years, the ends of months and years, before 1970.
TEST(HttpDate, FormatAgreesWithGmtimeAcrossTheCalendar) {
  auto reference = [](std::time_t t) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return std::string(buf, n);
  };
  std::size_t checked = 0;
  // Every 6 hours and 37 seconds from 1900 to 2200: each weekday, month end and leap rule.
  for (std::time_t t = -2208988800; t < 7258118400; t += 6 * 3600 + 37, ++checked) ASSERT_EQ(format_http_date(t), reference(t)) << t;
  for (std::time_t t : {std::time_t{0}, std::time_t{-1}, std::time_t{951782400}, std::time_t{951868799}, std::time_t{4107542399},
                        std::time_t{253402300799}})
    EXPECT_EQ(format_http_date(t), reference(t)) << t;
  EXPECT_GT(checked, 400000u);
  // Years IMF-fixdate cannot spell give an empty string, not a wrong date.
  EXPECT_EQ(format_http_date(253402300800), "");
  EXPECT_EQ(format_http_date(-62167219201), "");
}
