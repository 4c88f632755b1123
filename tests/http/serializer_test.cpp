// Serializer: framing, the engine's own headers, HEAD, bodiless statuses, gzip.
#include <oasis/http/serializer.hpp>

#include <gtest/gtest.h>
#include <zlib.h>

using namespace oasis::http;

namespace {
SerializeOptions opts() {
  SerializeOptions o;
  o.date_line = "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n";
  o.server_line = "Server: t\r\n";
  return o;
}

std::string gunzip(std::string_view in) {
  z_stream zs{};
  inflateInit2(&zs, 15 + 16);
  std::string out(in.size() * 50 + 1024, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = inflate(&zs, Z_FINISH);
  out.resize(out.size() - zs.avail_out);
  inflateEnd(&zs);
  return rc == Z_STREAM_END ? out : std::string("<inflate failed>");
}
}  // namespace

TEST(Serializer, StatusLineHeadersContentLengthBody) {
  Serializer s;
  Response r;
  r.status(201);
  r.header("Location", "/pets/1");
  r.body("application/json", "{}");
  std::string out;
  s.write(r, opts(), out);
  EXPECT_EQ(out,
            "HTTP/1.1 201 Created\r\nServer: t\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
            "Location: /pets/1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
}

TEST(Serializer, AppendsSoPipelinedResponsesShareOneBuffer) {
  Serializer s;
  Response r;
  r.body("a");
  std::string out;
  s.write(r, opts(), out);
  s.write(r, opts(), out);
  EXPECT_EQ(out.find("HTTP/1.1 200 OK"), 0u);
  EXPECT_NE(out.find("HTTP/1.1 200 OK", 10), std::string::npos);
}

TEST(Serializer, CloseAndHttp10KeepAlive) {
  Serializer s;
  Response r;
  std::string out;
  auto o = opts();
  o.keep_alive = false;
  s.write(r, o, out);
  EXPECT_NE(out.find("Connection: close\r\n"), std::string::npos);
  out.clear();
  o.keep_alive = true;
  o.version_minor = 0;
  s.write(r, o, out);
  EXPECT_NE(out.find("Connection: keep-alive\r\n"), std::string::npos);
  out.clear();
  r.close();
  o.version_minor = 1;
  s.write(r, o, out);
  EXPECT_NE(out.find("Connection: close\r\n"), std::string::npos);
}

TEST(Serializer, HeadGetsLengthButNoBody) {
  Serializer s;
  Response r;
  r.body("text/plain", "12345");
  std::string out;
  auto o = opts();
  o.head = true;
  s.write(r, o, out);
  EXPECT_NE(out.find("Content-Length: 5\r\n"), std::string::npos);
  EXPECT_EQ(out.substr(out.size() - 4), "\r\n\r\n");
}

TEST(Serializer, NoContentAndNotModifiedCarryNoBodyOrLength) {
  for (int st : {204, 304}) {
    Serializer s;
    Response r;
    r.status(st);
    r.body("ignored");
    std::string out;
    s.write(r, opts(), out);
    EXPECT_EQ(out.find("Content-Length"), std::string::npos) << st;
    EXPECT_EQ(out.find("ignored"), std::string::npos) << st;
  }
}

TEST(Serializer, ChunkedBody) {
  Serializer s;
  Response r;
  r.chunked(true);
  r.body("hello");
  std::string out;
  s.write(r, opts(), out);
  EXPECT_NE(out.find("Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"), std::string::npos);
  EXPECT_EQ(out.find("Content-Length"), std::string::npos);
}

TEST(Serializer, ChunkedFallsBackToLengthForHttp10) {
  Serializer s;
  Response r;
  r.chunked(true);
  r.body("hello");
  std::string out;
  auto o = opts();
  o.version_minor = 0;
  s.write(r, o, out);
  EXPECT_EQ(out.find("chunked"), std::string::npos);
  EXPECT_NE(out.find("Content-Length: 5"), std::string::npos);
}

TEST(Serializer, GzipWhenAcceptedAndLargeEnough) {
  Serializer s;
  Response r;
  std::string body;
  for (int i = 0; i < 200; ++i) body += R"({"id":)" + std::to_string(i) + R"(,"name":"pet"},)";
  r.body("application/json", body);
  std::string out;
  auto o = opts();
  o.gzip = true;
  s.write(r, o, out);
  ASSERT_NE(out.find("Content-Encoding: gzip\r\n"), std::string::npos);
  EXPECT_NE(out.find("Vary: Accept-Encoding\r\n"), std::string::npos);
  auto start = out.find("\r\n\r\n") + 4;
  std::string compressed = out.substr(start);
  EXPECT_LT(compressed.size(), body.size() / 4);
  EXPECT_NE(out.find("Content-Length: " + std::to_string(compressed.size())), std::string::npos);
  EXPECT_EQ(gunzip(compressed), body);
}

TEST(Serializer, NoGzipForSmallOrIncompressibleOrOptedOut) {
  Serializer s;
  auto o = opts();
  o.gzip = true;
  Response small;
  small.body("application/json", "{}");
  std::string out;
  s.write(small, o, out);
  EXPECT_EQ(out.find("gzip"), std::string::npos);

  Response image;
  image.body("image/png", std::string(5000, 'x'));
  out.clear();
  s.write(image, o, out);
  EXPECT_EQ(out.find("gzip"), std::string::npos);

  Response opted;
  opted.compress(false);
  opted.body("text/plain", std::string(5000, 'x'));
  out.clear();
  s.write(opted, o, out);
  EXPECT_EQ(out.find("gzip"), std::string::npos);
}

TEST(Serializer, VaryEvenWhenThisClientGetsNoGzip) {
  Serializer s;
  Response r;
  r.body("text/plain", std::string(5000, 'x'));
  std::string out;
  s.write(r, opts(), out);
  EXPECT_NE(out.find("Vary: Accept-Encoding\r\n"), std::string::npos);
  EXPECT_EQ(out.find("Content-Encoding"), std::string::npos);
}

TEST(Serializer, AcceptEncodingRules) {
  EXPECT_TRUE(accepts_gzip("gzip"));
  EXPECT_TRUE(accepts_gzip("deflate, gzip;q=0.5"));
  EXPECT_TRUE(accepts_gzip("*"));
  EXPECT_TRUE(accepts_gzip("GZIP"));
  EXPECT_FALSE(accepts_gzip(""));
  EXPECT_FALSE(accepts_gzip("identity"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0"));
  EXPECT_FALSE(accepts_gzip("gzip; q=0.000"));
  EXPECT_FALSE(accepts_gzip("*, gzip;q=0"));
  EXPECT_FALSE(accepts_gzip("*;q=0"));
}

TEST(Serializer, CompressibleTypes) {
  EXPECT_TRUE(compressible_type("application/json; charset=utf-8"));
  EXPECT_TRUE(compressible_type("application/problem+json"));
  EXPECT_TRUE(compressible_type("text/html"));
  EXPECT_TRUE(compressible_type("application/vnd.github.v3+json"));
  EXPECT_FALSE(compressible_type("image/png"));
  EXPECT_FALSE(compressible_type("application/octet-stream"));
  EXPECT_FALSE(compressible_type(""));
}

TEST(Serializer, ErrorResponsesAreProblemJsonAndClose) {
  Serializer s;
  std::string out;
  s.write_error(431, "header \"section\" too large", opts(), out);
  EXPECT_EQ(out.find("HTTP/1.1 431 Request Header Fields Too Large\r\n"), 0u);
  EXPECT_NE(out.find("Content-Type: application/problem+json"), std::string::npos);
  EXPECT_NE(out.find("Connection: close"), std::string::npos);
  EXPECT_NE(out.find(R"("status":431)"), std::string::npos);
  EXPECT_NE(out.find(R"(header \"section\" too large)"), std::string::npos);
}

TEST(Serializer, ContinueLine) {
  std::string out;
  Serializer::write_continue(out);
  EXPECT_EQ(out, "HTTP/1.1 100 Continue\r\n\r\n");
}

// --- the head of a streamed body --------------------------------------------------------------

TEST(SerializerStream, ChunkedForHttp11AndTheHandlersTransferEncodingDropped) {
  Serializer s;
  Response r;
  r.header("Content-Type", "text/plain");
  r.header("Transfer-Encoding", "gzip, chunked");
  r.body_buffer() = "ignored";
  std::string out;
  auto h = s.write_stream_head(r, opts(), out);
  EXPECT_EQ(h.framing, BodyFraming::chunked);
  EXPECT_TRUE(h.keep_alive);
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\nServer: t\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Type: text/plain\r\n"
            "Transfer-Encoding: chunked\r\n\r\n");
  out.clear();
  Serializer::write_chunk_size(0x1a2b, out);
  Serializer::write_last_chunk(out);
  EXPECT_EQ(out, "1a2b\r\n0\r\n\r\n");
}

TEST(SerializerStream, TheHandlersContentLengthOnceAndOnlyAValidOne) {
  Serializer s;
  Response r;
  r.header("Content-Length", "x1");
  r.header("Content-Length", "42");
  r.header("X-After", "1");
  r.header("content-length", "43");
  std::string out;
  auto h = s.write_stream_head(r, opts(), out);
  EXPECT_EQ(h.framing, BodyFraming::length);
  EXPECT_EQ(h.length, 42u);
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nServer: t\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Length: 42\r\nX-After: 1\r\n\r\n");
}

TEST(SerializerStream, Http10WithoutLengthIsCloseDelimited) {
  Serializer s;
  Response r;
  auto o = opts();
  o.version_minor = 0;
  std::string out;
  auto h = s.write_stream_head(r, o, out);
  EXPECT_EQ(h.framing, BodyFraming::close);
  EXPECT_FALSE(h.keep_alive);
  EXPECT_NE(out.find("Connection: close\r\n"), std::string::npos);
  EXPECT_EQ(out.find("Transfer-Encoding"), std::string::npos);
  EXPECT_EQ(out.find("Content-Length"), std::string::npos);
}

TEST(SerializerStream, HeadAndBodilessStatusesFrameNothing) {
  Serializer s;
  Response r;
  auto o = opts();
  o.head = true;
  std::string out;
  auto h = s.write_stream_head(r, o, out);
  EXPECT_EQ(h.framing, BodyFraming::none);
  EXPECT_TRUE(h.keep_alive);
  EXPECT_NE(out.find("Transfer-Encoding: chunked\r\n"), std::string::npos);  // as GET would have
  Response nc;
  nc.status(204);
  nc.header("Content-Length", "5");
  out.clear();
  h = s.write_stream_head(nc, opts(), out);
  EXPECT_EQ(h.framing, BodyFraming::none);
  EXPECT_EQ(out, "HTTP/1.1 204 No Content\r\nServer: t\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n");
}
