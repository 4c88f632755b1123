// Parser body streaming: pieces in order, nothing lost or repeated, whatever the read sizes; the
// buffer stays bounded by the reads; the head is readable at headers_complete; the message after
// a streamed one parses as usual.
#include <oasis/http/parser.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>

using namespace oasis::http;
using S = Parser::Status;

namespace {

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
  return s;
}

std::string chunked(std::string_view body, std::size_t chunk, std::string_view trailers = {}) {
  std::string out;
  char size[32];
  for (std::size_t at = 0; at < body.size(); at += chunk) {
    auto n = std::min(chunk, body.size() - at);
    std::snprintf(size, sizeof size, "%zx\r\n", n);
    out.append(size).append(body.substr(at, n)).append("\r\n");
  }
  out.append("0\r\n").append(trailers).append("\r\n");
  return out;
}

// What a streaming reader of one message saw.
struct Streamed {
  S last = S::need_more;
  int status = 0;
  std::string content_type;
  std::string body;
  std::size_t pieces = 0;
  std::size_t max_capacity = 0;
  bool saw_head = false;
};

// Feeds `bytes` in slices of `slice` through prepare()/commit() (as a transport reads), parsing
// after each, until the first message completes or fails. `at_head`: stream from
// headers_complete instead of from the start.
Streamed stream_through(Parser& p, std::string_view bytes, std::size_t slice, bool at_head = false,
                        std::size_t* consumed = nullptr) {
  Streamed out;
  if (!at_head) p.stream_body(true);
  std::size_t at = 0;
  for (;;) {
    S s = p.parse();
    if (s == S::headers_complete) {
      out.saw_head = true;
      out.status = p.status_code();
      out.content_type = std::string(p.headers().get("Content-Type"));
      if (at_head) p.stream_body(true);
      continue;
    }
    if (s == S::body_piece) {
      EXPECT_FALSE(p.body().empty());
      out.body.append(p.body());
      ++out.pieces;
      continue;
    }
    if (s == S::message_complete || s == S::error) {
      if (s == S::message_complete) {
        if (!out.saw_head) {
          out.status = p.status_code();
          out.content_type = std::string(p.headers().get("Content-Type"));
        }
        out.body.append(p.body());
      }
      out.last = s;
      if (consumed) *consumed = at;
      return out;
    }
    if (at == bytes.size()) {
      out.last = p.finish_eof();
      if (out.last == S::message_complete) out.body.append(p.body());
      if (consumed) *consumed = at;
      return out;
    }
    auto n = std::min(slice, bytes.size() - at);
    auto room = p.prepare(n);
    std::memcpy(room.data(), bytes.data() + at, n);
    p.commit(n);
    at += n;
    out.max_capacity = std::max(out.max_capacity, p.buffer_capacity());
  }
}

}  // namespace

TEST(ParserStream, ContentLengthBodyComesInPiecesWithABoundedBuffer) {
  const std::string body = pattern(4 << 20);
  const std::string msg = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n" + body;
  Limits small;
  small.max_body = 1024;  // far below the body: streaming lifts it
  for (std::size_t slice : {1000u, 4096u, 65536u}) {
    Parser p(Parser::Kind::response, small);
    auto r = stream_through(p, msg, slice);
    ASSERT_EQ(r.last, S::message_complete) << slice;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.content_type, "application/octet-stream");
    EXPECT_TRUE(r.saw_head);
    EXPECT_EQ(r.body.size(), body.size());
    EXPECT_TRUE(r.body == body) << slice;
    EXPECT_GT(r.pieces, body.size() / slice / 2);
    EXPECT_LE(r.max_capacity, std::max<std::size_t>(4 * slice, 64 * 1024)) << slice;
  }
}

TEST(ParserStream, WithoutStreamingTheSameBodyIsRefusedByTheLimit) {
  const std::string msg = "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + pattern(5000);
  Limits small;
  small.max_body = 1024;
  Parser p(Parser::Kind::response, small);
  p.feed(msg);
  EXPECT_EQ(p.parse(), S::error);
  EXPECT_EQ(p.error_status(), 413);
}

TEST(ParserStream, ChunkedBodyIsDecodedAndTrailersKept) {
  const std::string body = pattern(300'000);
  const std::string msg = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
                          chunked(body, 7'777, "X-Checksum: 42\r\n");
  for (std::size_t slice : {1u, 13u, 4096u, 1u << 20}) {
    if (slice == 1 && body.size() > 50'000) {
      // Byte by byte on a smaller body (the same paths, fewer calls).
      const std::string small_body = pattern(20'000);
      Parser p(Parser::Kind::response);
      auto r = stream_through(p, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
                                     chunked(small_body, 333, "X-Checksum: 7\r\n"), 1);
      ASSERT_EQ(r.last, S::message_complete);
      EXPECT_TRUE(r.body == small_body);
      EXPECT_EQ(p.request().trailers().get("X-Checksum"), "7");
      continue;
    }
    Parser p(Parser::Kind::response);
    auto r = stream_through(p, msg, slice);
    ASSERT_EQ(r.last, S::message_complete) << slice;
    EXPECT_TRUE(r.body == body) << slice;
    EXPECT_EQ(p.request().trailers().get("X-Checksum"), "42") << slice;
    EXPECT_LE(r.max_capacity, std::max<std::size_t>(4 * slice, 64 * 1024)) << slice;
  }
}

TEST(ParserStream, CloseDelimitedBodyEndsAtEof) {
  const std::string body = pattern(100'000);
  Parser p(Parser::Kind::response);
  auto r = stream_through(p, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + body, 3000);
  ASSERT_EQ(r.last, S::message_complete);
  EXPECT_TRUE(r.body == body);
  EXPECT_FALSE(p.keep_alive());
}

TEST(ParserStream, AWholeMessageInOneReadCompletesAtOnce) {
  const std::string body = pattern(500);
  const std::string msg = "HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nContent-Length: 500\r\n\r\n" + body;
  Parser p(Parser::Kind::response);
  p.stream_body(true);
  p.feed(msg);
  ASSERT_EQ(p.parse(), S::message_complete);
  EXPECT_EQ(p.status_code(), 201);
  EXPECT_EQ(p.headers().get("Content-Type"), "text/plain");
  EXPECT_EQ(p.body(), body);
}

TEST(ParserStream, StreamingChosenAtTheHeadStartsWithTheBytesThatCameWithIt) {
  const std::string body = pattern(200'000);
  const std::string msg = "HTTP/1.1 200 OK\r\nContent-Length: 200000\r\nETag: \"v1\"\r\n\r\n" + body;
  for (std::size_t slice : {100u, 5000u, 70'000u}) {
    Parser p(Parser::Kind::response);
    auto r = stream_through(p, msg, slice, /*at_head=*/true);
    ASSERT_EQ(r.last, S::message_complete) << slice;
    EXPECT_TRUE(r.saw_head);
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(r.body == body) << slice;
  }
}

TEST(ParserStream, TheNextMessageAfterAStreamedOneParsesAsUsual) {
  const std::string body = pattern(70'000);
  const std::string first = "HTTP/1.1 200 OK\r\nContent-Length: 70000\r\n\r\n" + body;
  const std::string second = "HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\nX-Next: yes\r\n\r\nnope";
  const std::string both = first + second;
  for (std::size_t slice : {std::size_t{999}, std::size_t{8192}, both.size()}) {
    Parser p(Parser::Kind::response);
    std::size_t consumed = 0;
    auto r = stream_through(p, both, slice, false, &consumed);
    ASSERT_EQ(r.last, S::message_complete) << slice;
    EXPECT_TRUE(r.body == body) << slice;
    p.next();
    EXPECT_FALSE(p.streaming());
    p.feed(std::string_view(both).substr(consumed));
    ASSERT_EQ(p.parse(), S::message_complete) << slice;
    EXPECT_EQ(p.status_code(), 404);
    EXPECT_EQ(p.headers().get("X-Next"), "yes");
    EXPECT_EQ(p.body(), "nope");
  }
}

TEST(ParserStream, ARequestBodyStreamsPastMaxBody) {
  const std::string body = pattern(50'000);
  const std::string msg =
      "PUT /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 50000\r\n\r\n" + body;
  Limits small;
  small.max_body = 1000;
  Parser p(Parser::Kind::request, small);
  auto r = stream_through(p, msg, 4096);
  ASSERT_EQ(r.last, S::message_complete);
  EXPECT_TRUE(r.body == body);
  Parser refused(Parser::Kind::request, small);
  refused.feed(msg);
  EXPECT_EQ(refused.parse(), S::error);
  EXPECT_EQ(refused.error_status(), 413);
}

TEST(ParserStream, ABrokenChunkIsStillAnError) {
  Parser p(Parser::Kind::response);
  auto r = stream_through(p, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n", 4);
  EXPECT_EQ(r.last, S::error);
  EXPECT_EQ(r.body, "hello");
}

TEST(ParserStream, ATruncatedBodyIsAnErrorAtEof) {
  Parser p(Parser::Kind::response);
  auto r = stream_through(p, "HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\n" + pattern(4000), 1000);
  EXPECT_EQ(r.last, S::error);
  EXPECT_EQ(r.body.size(), 4000u);
}

// The length an answer to HEAD (or a 304) declares is not a body: no limit applies to it.
TEST(ParserStream, ABodilessAnswerMayDeclareAnyLength) {
  Limits small;
  small.max_body = 1024;
  for (const char* msg : {"HTTP/1.1 200 OK\r\nContent-Length: 134217728\r\n\r\n",
                          "HTTP/1.1 304 Not Modified\r\nContent-Length: 134217728\r\n\r\n"}) {
    Parser p(Parser::Kind::response, small);
    p.expect_no_body(std::string_view(msg).substr(9, 3) == "200");
    p.feed(msg);
    S s = p.parse();
    if (s == S::headers_complete) s = p.parse();
    ASSERT_EQ(s, S::message_complete) << msg;
    EXPECT_EQ(p.headers().get("Content-Length"), "134217728");
    EXPECT_TRUE(p.body().empty());
  }
  Parser get(Parser::Kind::response, small);  // the same head answering a GET is refused
  get.feed("HTTP/1.1 200 OK\r\nContent-Length: 134217728\r\n\r\n");
  EXPECT_EQ(get.parse(), S::error);
  EXPECT_EQ(get.error_status(), 413);
}

// At the head of a message parsed with streaming on, the parser says what it declares; turned
// off there, streaming gives the limit back: a declared length past max_body is a 413.
TEST(ParserStream, TheHeadSaysItsLengthAndTurningStreamingOffThereKeepsTheLimit) {
  Limits small;
  small.max_body = 1000;
  struct Case {
    const char* head;
    std::int64_t declared;
    bool keep_alive;
    bool refused;
  };
  for (const Case& c : {Case{"POST /u HTTP/1.1\r\nHost: x\r\nContent-Length: 50000\r\n\r\n", 50000, true, true},
                        Case{"POST /u HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n", 1000,
                             false, false},
                        Case{"POST /u HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", -1, true, false},
                        Case{"POST /u HTTP/1.0\r\nContent-Length: 5\r\n\r\n", 5, false, false}}) {
    SCOPED_TRACE(c.head);
    Parser p(Parser::Kind::request, small);
    p.stream_body(true);
    p.feed(c.head);
    ASSERT_EQ(p.parse(), S::headers_complete);
    EXPECT_EQ(p.declared_length(), c.declared);
    EXPECT_EQ(p.keep_alive(), c.keep_alive);  // known with the head, not only at the end
    p.stream_body(false);
    if (c.refused) {
      EXPECT_EQ(p.parse(), S::error);
      EXPECT_EQ(p.error_status(), 413);
    } else {
      EXPECT_EQ(p.parse(), S::need_more);  // the body is still to come
      EXPECT_EQ(p.error_status(), 0);
    }
  }
}
