#include <oasis/http/date.hpp>

#include <gtest/gtest.h>

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
