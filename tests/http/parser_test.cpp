// Parser: one test per rule of RFC 9112 the engine enforces, and the views it hands out.
#include <oasis/http/parser.hpp>

#include <gtest/gtest.h>

#include <cstring>

using namespace oasis::http;
using S = Parser::Status;

namespace {

// Feeds everything and parses until the message completes or fails.
struct Parsed {
  S status;
  int error;
};

Parsed parse_all(Parser& p, std::string_view bytes) {
  p.feed(bytes);
  for (;;) {
    S s = p.parse();
    if (s == S::headers_complete) continue;
    return {s, p.error_status()};
  }
}

Parsed parse_one(std::string_view bytes, Limits limits = {}) {
  Parser p(Parser::Kind::request, limits);
  return parse_all(p, bytes);
}

int error_of(std::string_view bytes, Limits limits = {}) {
  auto r = parse_one(bytes, limits);
  return r.status == S::error ? r.error : 0;
}

}  // namespace

TEST(Parser, SimpleGetGivesViewsIntoTheBuffer) {
  Parser p;
  auto r = parse_all(p, "GET /pets/1?limit=2&x=%20 HTTP/1.1\r\nHost: example\r\nX-Two:  spaced value \r\n\r\n");
  ASSERT_EQ(r.status, S::message_complete);
  const Request& q = p.request();
  EXPECT_EQ(q.method(), Method::GET);
  EXPECT_EQ(q.method_name(), "GET");
  EXPECT_EQ(q.target(), "/pets/1?limit=2&x=%20");
  EXPECT_EQ(q.path(), "/pets/1");
  EXPECT_EQ(q.query(), "limit=2&x=%20");
  EXPECT_EQ(q.version_minor(), 1);
  EXPECT_EQ(q.header("host"), "example");
  EXPECT_EQ(q.header("X-TWO"), "spaced value");  // optional whitespace trimmed
  EXPECT_TRUE(q.keep_alive());
  EXPECT_TRUE(q.body().empty());
}

// An empty value is a field like any other (RFC 9110 §5.5), last in the section too — with
// the single-scan path and with llhttp alone.
TEST(Parser, AnEmptyLastFieldValueIsAccepted) {
  for (bool plain : {true, false})
    for (std::string_view m : {"GET / HTTP/1.1\r\nHost: a\r\nX-Empty:\r\n\r\n", "GET / HTTP/1.1\r\nHost: a\r\nX-Empty:   \r\n\r\n",
                               "GET / HTTP/1.1\r\nHost:\r\n\r\n"}) {
      Parser p;
      p.use_plain_path(plain);
      auto r = parse_all(p, m);
      ASSERT_EQ(r.status, S::message_complete) << m << " (plain path " << plain << "): " << r.error;
      EXPECT_EQ(p.request().headers().size(), m.find("X-Empty") == std::string_view::npos ? 1u : 2u);
      EXPECT_EQ(p.request().header("x-empty"), "");
    }
}

TEST(Parser, BodyByContentLength) {
  Parser p;
  auto r = parse_all(p, "POST /e HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello");
  ASSERT_EQ(r.status, S::message_complete);
  EXPECT_EQ(p.request().body(), "hello");
}

TEST(Parser, BodyArrivingInPiecesIsJoined) {
  Parser p;
  p.feed("POST /e HTTP/1.1\r\nHo");
  EXPECT_EQ(p.parse(), S::need_more);
  p.feed("st: a\r\nContent-Length: 10\r\n\r\n01234");
  EXPECT_EQ(p.parse(), S::headers_complete);
  EXPECT_EQ(p.parse(), S::need_more);
  p.feed("56789");
  ASSERT_EQ(p.parse(), S::message_complete);
  EXPECT_EQ(p.request().header("Host"), "a");
  EXPECT_EQ(p.request().body(), "0123456789");
}

TEST(Parser, ChunkedBodyWithTrailers) {
  Parser p;
  auto r = parse_all(p,
                     "POST /e HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Checksum: abc\r\n\r\n");
  ASSERT_EQ(r.status, S::message_complete);
  EXPECT_EQ(p.request().body(), "hello world");
  EXPECT_EQ(p.request().trailers().get("X-Checksum"), "abc");
  EXPECT_FALSE(p.request().headers().has("X-Checksum"));
}

TEST(Parser, PipelinedRequestsComeOneAtATime) {
  Parser p;
  std::string all;
  for (int i = 0; i < 100; ++i) all += "GET /" + std::to_string(i) + " HTTP/1.1\r\nHost: a\r\n\r\n";
  p.feed(all);
  for (int i = 0; i < 100; ++i) {
    S s;
    while ((s = p.parse()) == S::headers_complete) {
    }
    ASSERT_EQ(s, S::message_complete) << i;
    EXPECT_EQ(p.request().target(), "/" + std::to_string(i));
    p.next();
  }
  EXPECT_EQ(p.parse(), S::need_more);
  EXPECT_FALSE(p.has_buffered());
}

TEST(Parser, ViewsSurviveCompactionOfAPartialMessage) {
  Parser p;
  p.feed("GET /first HTTP/1.1\r\nHost: a\r\n\r\nGET /second HTTP/1.1\r\nHost: b\r\nX-Long: ");
  while (p.parse() == S::headers_complete) {
  }
  EXPECT_EQ(p.request().target(), "/first");
  p.next();
  EXPECT_EQ(p.parse(), S::need_more);
  // Force the buffer to move: ask for far more room than it has.
  auto room = p.prepare(p.buffer_capacity() * 4);
  std::string tail(2000, 'v');
  tail += "\r\n\r\n";
  std::memcpy(room.data(), tail.data(), tail.size());
  p.commit(tail.size());
  S s;
  while ((s = p.parse()) == S::headers_complete) {
  }
  ASSERT_EQ(s, S::message_complete);
  EXPECT_EQ(p.request().target(), "/second");
  EXPECT_EQ(p.request().header("Host"), "b");
  EXPECT_EQ(p.request().header("X-Long"), std::string(2000, 'v'));
}

TEST(Parser, ConnectionCloseAndHttp10KeepAlive) {
  Parser a;
  parse_all(a, "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  EXPECT_FALSE(a.request().keep_alive());
  Parser b;
  parse_all(b, "GET / HTTP/1.0\r\n\r\n");
  EXPECT_FALSE(b.request().keep_alive());
  Parser c;
  parse_all(c, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  EXPECT_TRUE(c.request().keep_alive());
}

TEST(Parser, HeadAndUnknownMethods) {
  Parser p;
  parse_all(p, "HEAD /x HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(p.request().method(), Method::HEAD);
  // A method that is a token but unknown to the server: 501 (RFC 9110 §9.1).
  EXPECT_EQ(error_of("BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n"), 501);
}

TEST(Parser, ExpectContinueIsReportedBeforeTheBody) {
  Parser p;
  p.feed("PUT /f HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
  ASSERT_EQ(p.parse(), S::headers_complete);
  EXPECT_TRUE(p.expects_continue());
  EXPECT_EQ(p.parse(), S::need_more);
  p.feed("abc");
  ASSERT_EQ(p.parse(), S::message_complete);
  EXPECT_EQ(p.request().body(), "abc");
}

TEST(Parser, UnknownExpectationIs417) {
  EXPECT_EQ(error_of("PUT /f HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nExpect: teapot\r\n\r\nx"), 417);
}

// --- request smuggling and malformed input (RFC 9112) -------------------------------------

TEST(ParserStrict, ContentLengthWithTransferEncodingIs400) {
  EXPECT_EQ(error_of("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), 400);
  EXPECT_EQ(error_of("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n"), 400);
}

TEST(ParserStrict, DifferingDuplicateContentLengthIs400) {
  EXPECT_EQ(error_of("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"), 400);
}

TEST(ParserStrict, InvalidContentLengthIs400) {
  EXPECT_EQ(error_of("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n"), 400);
  EXPECT_EQ(error_of("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n"), 400);
}

TEST(ParserStrict, InvalidChunkSizeIs400) {
  EXPECT_EQ(error_of("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"), 400);
  EXPECT_EQ(error_of("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\n"), 400);
  EXPECT_EQ(error_of("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n"), 400);
}

TEST(ParserStrict, FinalTransferCodingNotChunkedIs400) {
  EXPECT_EQ(error_of("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n"), 400);
  EXPECT_EQ(error_of("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"), 400);
}

TEST(ParserStrict, TransferCodingWeCannotDecodeIs501) {
  EXPECT_EQ(error_of("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"), 501);
}

TEST(ParserStrict, TransferEncodingInHttp10Is400) {
  EXPECT_EQ(error_of("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), 400);
}

TEST(ParserStrict, Http11WithoutHostIs400) {
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n"), 400);
  EXPECT_EQ(error_of("GET / HTTP/1.0\r\n\r\n"), 0);  // HTTP/1.0 needs none
}

TEST(ParserStrict, TwoHostHeadersAre400) {
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400);
}

TEST(ParserStrict, BareLfInHeadersIs400) {
  EXPECT_EQ(error_of("GET / HTTP/1.1\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n"), 400);
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost: a\r\n\n"), 400);
}

TEST(ParserStrict, BareLfInChunkIs400) {
  EXPECT_EQ(error_of("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n"), 400);
}

TEST(ParserStrict, ObsFoldIs400) {
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n"), 400);
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n\tc\r\n\r\n"), 400);
}

TEST(ParserStrict, SpaceBeforeColonIs400) {
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost : a\r\n\r\n"), 400);
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost: a\r\nX-A\t: b\r\n\r\n"), 400);
}

TEST(ParserStrict, NonTokenMethodIs400) {
  EXPECT_EQ(error_of("G@T / HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(error_of("GE T / HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
}

TEST(ParserStrict, ControlCharacterInHeaderValueIs400) {
  EXPECT_EQ(error_of(std::string_view("GET / HTTP/1.1\r\nHost: a\r\nX: a\x01z\r\n\r\n")), 400);
}

TEST(ParserStrict, HeaderWithoutColonIs400) {
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n"), 400);
}

TEST(ParserStrict, SpaceInTargetIs400) {
  EXPECT_EQ(error_of("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
}

TEST(ParserStrict, UnsupportedVersionsAre505) {
  EXPECT_EQ(error_of("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), 505);
  EXPECT_EQ(error_of("GET / HTTP/1.2\r\nHost: a\r\n\r\n"), 505);
}

// --- limits --------------------------------------------------------------------------------

TEST(ParserLimits, LongRequestTargetIs414) {
  Limits l;
  l.max_request_line = 64;
  EXPECT_EQ(error_of("GET /" + std::string(100, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n", l), 414);
  EXPECT_EQ(error_of("GET /" + std::string(50, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n", l), 0);
}

TEST(ParserLimits, LongTargetArrivingInPiecesIs414) {
  Limits l;
  l.max_request_line = 64;
  Parser p(Parser::Kind::request, l);
  p.feed("GET /");
  EXPECT_EQ(p.parse(), S::need_more);
  for (int i = 0; i < 10 && p.parse() != S::error; ++i) {
    p.feed(std::string(20, 'b'));
  }
  EXPECT_EQ(p.parse(), S::error);
  EXPECT_EQ(p.error_status(), 414);
}

TEST(ParserLimits, HeaderSectionOverTheLimitIs431) {
  Limits l;
  l.max_header_bytes = 512;
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(1000, 'x') + "\r\n\r\n", l), 431);
}

TEST(ParserLimits, HeaderSectionThatNeverEndsIs431) {
  Limits l;
  l.max_header_bytes = 512;
  Parser p(Parser::Kind::request, l);
  p.feed("GET / HTTP/1.1\r\nHost: a\r\n");
  S s = S::need_more;
  for (int i = 0; i < 100 && s == S::need_more; ++i) {
    p.feed("X-" + std::to_string(i) + ": 0123456789\r\n");
    s = p.parse();
  }
  ASSERT_EQ(s, S::error);
  EXPECT_EQ(p.error_status(), 431);
}

TEST(ParserLimits, TooManyHeadersIs431) {
  Limits l;
  l.max_headers = 10;
  std::string req = "GET / HTTP/1.1\r\nHost: a\r\n";
  for (int i = 0; i < 11; ++i) req += "X-" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(error_of(req + "\r\n", l), 431);
}

TEST(ParserLimits, DeclaredBodyOverTheLimitIs413BeforeAnyOfItIsRead) {
  Limits l;
  l.max_body = 100;
  Parser p(Parser::Kind::request, l);
  p.feed("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n");
  EXPECT_EQ(p.parse(), S::error);
  EXPECT_EQ(p.error_status(), 413);
}

TEST(ParserLimits, ChunkedBodyOverTheLimitIs413) {
  Limits l;
  l.max_body = 10;
  EXPECT_EQ(error_of("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n01234567\r\n8\r\n01234567\r\n0\r\n\r\n", l), 413);
}

// --- responses (the client side shares this parser) ----------------------------------------

TEST(ParserResponse, StatusHeadersAndBody) {
  Parser p(Parser::Kind::response);
  auto r = parse_all(p, "HTTP/1.1 201 Created\r\nContent-Length: 2\r\nLocation: /x\r\n\r\nok");
  ASSERT_EQ(r.status, S::message_complete);
  EXPECT_EQ(p.status_code(), 201);
  EXPECT_EQ(p.reason(), "Created");
  EXPECT_EQ(p.headers().get("Location"), "/x");
  EXPECT_EQ(p.body(), "ok");
}

TEST(ParserResponse, BodyUntilCloseEndsAtEof) {
  Parser p(Parser::Kind::response);
  p.feed("HTTP/1.1 200 OK\r\n\r\nsome bytes");
  EXPECT_EQ(p.parse(), S::headers_complete);  // reported once, while the body is under way
  EXPECT_EQ(p.parse(), S::need_more);
  ASSERT_EQ(p.finish_eof(), S::message_complete);
  EXPECT_EQ(p.body(), "some bytes");
}

TEST(ParserResponse, ResponseToHeadHasNoBody) {
  Parser p(Parser::Kind::response);
  p.expect_no_body(true);
  p.feed("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n");
  ASSERT_EQ(p.parse(), S::message_complete);  // no body to wait for: straight to the end
  EXPECT_TRUE(p.body().empty());
  EXPECT_EQ(p.headers().get("Content-Length"), "100");
  p.next();
  p.expect_no_body(false);
  ASSERT_EQ(p.parse(), S::message_complete);
  EXPECT_EQ(p.status_code(), 204);
}
