#include <oasis/http/message.hpp>

#include <gtest/gtest.h>

using namespace oasis::http;

TEST(Message, MethodsRoundTrip) {
  for (auto m : {Method::GET, Method::HEAD, Method::POST, Method::PUT, Method::DELETE, Method::PATCH, Method::OPTIONS,
                 Method::TRACE, Method::CONNECT})
    EXPECT_EQ(method_from_string(to_string(m)), m);
  EXPECT_EQ(method_from_string("get"), Method::OTHER);
  EXPECT_EQ(method_from_string("BREW"), Method::OTHER);
}

TEST(Message, TargetSplitsIntoPathAndQuery) {
  Request r;
  r.set_target("/a/b?x=1&y=2");
  EXPECT_EQ(r.path(), "/a/b");
  EXPECT_EQ(r.query(), "x=1&y=2");
  r.set_target("/plain");
  EXPECT_EQ(r.path(), "/plain");
  EXPECT_EQ(r.query(), "");
}

TEST(Message, HeadersAreCaseInsensitive) {
  Request r;
  r.mutable_headers().add("Content-Type", "a");
  r.mutable_headers().add("X-Dup", "1");
  r.mutable_headers().add("x-dup", "2");
  EXPECT_EQ(r.header("content-type"), "a");
  EXPECT_EQ(r.headers().count("X-DUP"), 2u);
  EXPECT_EQ(r.header("missing"), "");
}

TEST(Message, ResponseHeadersCannotSplitTheResponse) {
  Response r;
  r.header("X-Ok", "fine");
  r.header("X-Bad", "a\r\nInjected: yes");
  r.header("Bad\nName", "v");
  EXPECT_EQ(r.header_block(), "X-Ok: fine\r\n");
  // A CR or LF anywhere in a long name or value (the scan goes eight bytes at a time), and
  // what is refused leaves no trace for the fields after it.
  const std::string long_value(40, 'v');
  for (std::size_t at = 0; at < long_value.size(); at += 7) {
    std::string bad = long_value;
    bad[at] = (at % 2) ? '\r' : '\n';
    r.header("X-Long", bad);
    r.header(std::string(20, 'N') + bad.substr(at, 3), "v");
  }
  r.header("X-After", long_value);
  EXPECT_EQ(r.header_block(), "X-Ok: fine\r\nX-After: " + long_value + "\r\n");
}

TEST(Message, ResponseHeaderLookupAndRemoval) {
  Response r;
  r.header("Vary", "Accept");
  r.header("ETag", "\"1\"");
  r.header("vary", "Origin");
  EXPECT_EQ(r.header("VARY"), "Accept");
  r.remove_header("Vary");
  EXPECT_FALSE(r.has_header("vary"));
  EXPECT_EQ(r.header("ETag"), "\"1\"");
}

TEST(Message, DeferOutsideAServerGivesAnEmptyHandle) {
  Response r;
  EXPECT_FALSE(r.defer());
}

TEST(Message, ReasonPhrases) {
  EXPECT_EQ(reason_phrase(404), "Not Found");
  EXPECT_EQ(reason_phrase(413), "Content Too Large");
  EXPECT_EQ(reason_phrase(799), "Unknown");
}
