// The engine's index of well-known request header fields, which the decision flow reads instead
// of scanning the headers: classification of names, Headers::add, and the parser (which
// classifies each name once while it parses).
#include <oasis/http/message.hpp>
#include <oasis/http/parser.hpp>

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace {

using oasis::http::classify_field;
using oasis::http::field_bit;
using oasis::http::Headers;
using oasis::http::KnownField;
using oasis::http::Parser;

const std::vector<std::pair<std::string, KnownField>>& names() {
  static const std::vector<std::pair<std::string, KnownField>> all = {
      {"accept", KnownField::accept},
      {"accept-charset", KnownField::accept_charset},
      {"accept-encoding", KnownField::accept_encoding},
      {"accept-language", KnownField::accept_language},
      {"access-control-request-headers", KnownField::access_control_request_headers},
      {"access-control-request-method", KnownField::access_control_request_method},
      {"authorization", KnownField::authorization},
      {"content-length", KnownField::content_length},
      {"content-type", KnownField::content_type},
      {"cookie", KnownField::cookie},
      {"expect", KnownField::expect},
      {"host", KnownField::host},
      {"if-match", KnownField::if_match},
      {"if-modified-since", KnownField::if_modified_since},
      {"if-none-match", KnownField::if_none_match},
      {"if-range", KnownField::if_range},
      {"if-unmodified-since", KnownField::if_unmodified_since},
      {"origin", KnownField::origin},
      {"prefer", KnownField::prefer},
      {"range", KnownField::range},
      {"transfer-encoding", KnownField::transfer_encoding},
  };
  return all;
}

std::string upper(std::string s) {
  for (auto& c : s)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
  return s;
}

std::string title(std::string s) {
  bool start = true;
  for (auto& c : s) {
    if (start && c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    start = c == '-';
  }
  return s;
}

TEST(KnownFields, EveryNameIsRecognisedInAnyCase) {
  ASSERT_EQ(names().size(), oasis::http::known_field_count);
  for (const auto& [name, field] : names()) {
    SCOPED_TRACE(name);
    EXPECT_EQ(classify_field(name), field);
    EXPECT_EQ(classify_field(upper(name)), field);
    EXPECT_EQ(classify_field(title(name)), field);
  }
}

TEST(KnownFields, OtherNamesAreNotRecognised) {
  for (std::string name : {"", "x", "hosts", "hos", "User-Agent", "Acceptx", "If-Matcx", "If-Rang", "Content-Typo",
                           "Accept-Charsex", "Accept-Encodinf", "Origim", "X-Oasis-Trace", "Connection"}) {
    SCOPED_TRACE(name);
    EXPECT_EQ(classify_field(name), KnownField::count);
  }
  // Setting bit 0x20 turns CR into '-': a dash must compare exactly.
  EXPECT_EQ(classify_field(std::string("if\rmatch")), KnownField::count);
  EXPECT_EQ(classify_field(std::string("content\rtype")), KnownField::count);
  // Nor do other bytes that differ from a letter only in that bit.
  EXPECT_EQ(classify_field(std::string("h\x0fst", 4)), KnownField::count);
  EXPECT_EQ(classify_field(std::string("@ccept")), KnownField::count);
}

TEST(KnownFields, HeadersIndexTheFirstFieldOfEachName) {
  Headers h;
  EXPECT_FALSE(h.has(KnownField::accept));
  EXPECT_EQ(h.get(KnownField::accept), "");
  h.add("User-Agent", "t");
  h.add("ACCEPT", "text/html");
  h.add("If-None-Match", "");
  h.add("accept", "application/json");
  EXPECT_TRUE(h.has(KnownField::accept));
  EXPECT_EQ(h.get(KnownField::accept), "text/html");
  EXPECT_EQ(h.get(KnownField::accept), h.get("Accept"));
  EXPECT_TRUE(h.has(KnownField::if_none_match));  // present, even with an empty value
  EXPECT_EQ(h.get(KnownField::if_none_match), "");
  EXPECT_FALSE(h.has(KnownField::if_match));
  EXPECT_EQ(h.known_fields(), field_bit(KnownField::accept) | field_bit(KnownField::if_none_match));
  h.clear();
  EXPECT_FALSE(h.has(KnownField::accept));
  EXPECT_EQ(h.known_fields(), 0u);
  h.add("Range", "bytes=0-1");
  EXPECT_EQ(h.get(KnownField::range), "bytes=0-1");
  Headers copy = h;
  EXPECT_EQ(copy.get(KnownField::range), "bytes=0-1");
}

// What the parser indexes agrees with a lookup by name, for every known field, across
// pipelined requests (each starts with an empty index) and a buffer that grows under them.
TEST(KnownFields, ParserIndexesAsItParses) {
  std::string first = "GET /a HTTP/1.1\r\nhost: x\r\nAccept: text/html\r\nIf-None-Match: \"a\"\r\nACCEPT: */*\r\n"
                      "Origin: https://o.example\r\nX-Other: 1\r\n\r\n";
  std::string second = "GET /b HTTP/1.1\r\nHost: y\r\nRange: bytes=1-2\r\n\r\n";
  std::string big = "POST /c HTTP/1.1\r\nHost: z\r\nContent-Type: application/json\r\nContent-Length: 20000\r\n"
                    "If-Match: \"q\"\r\n\r\n" + std::string(20000, 'x');
  Parser p;
  p.feed(first + second);
  ASSERT_EQ(p.parse(), Parser::Status::message_complete);
  const auto& h1 = p.request().headers();
  EXPECT_EQ(h1.get(KnownField::accept), "text/html");
  EXPECT_EQ(h1.get(KnownField::if_none_match), "\"a\"");
  EXPECT_EQ(h1.get(KnownField::origin), "https://o.example");
  EXPECT_EQ(h1.get(KnownField::host), "x");
  EXPECT_FALSE(h1.has(KnownField::range));
  for (const auto& [name, field] : names()) EXPECT_EQ(h1.get(field), h1.get(name)) << name;
  p.next();
  ASSERT_EQ(p.parse(), Parser::Status::message_complete);
  const auto& h2 = p.request().headers();
  EXPECT_EQ(h2.get(KnownField::range), "bytes=1-2");
  EXPECT_FALSE(h2.has(KnownField::accept));
  EXPECT_FALSE(h2.has(KnownField::if_none_match));
  EXPECT_EQ(h2.known_fields(), field_bit(KnownField::host) | field_bit(KnownField::range));
  p.next();
  // Fed in pieces: the body makes the buffer grow and move after the headers were indexed.
  for (std::size_t at = 0; at < big.size(); at += 4096) {
    p.feed(std::string_view(big).substr(at, 4096));
    auto s = p.parse();
    if (s == Parser::Status::message_complete) break;
    ASSERT_NE(s, Parser::Status::error);
  }
  const auto& h3 = p.request().headers();
  EXPECT_EQ(p.request().body().size(), 20000u);
  EXPECT_EQ(h3.get(KnownField::content_type), "application/json");
  EXPECT_EQ(h3.get(KnownField::content_length), "20000");
  EXPECT_EQ(h3.get(KnownField::if_match), "\"q\"");
  for (const auto& [name, field] : names()) EXPECT_EQ(h3.get(field), h3.get(name)) << name;
}

}  // namespace
