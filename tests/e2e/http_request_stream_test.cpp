// End-to-end: request bodies read piece by piece by the handler (ServerOptions::
// stream_request_body, Request::body_reader) from a Server run in this process, spoken to in raw
// bytes on loopback. Content-Length and chunked bodies in many small writes, a body far past
// max_body with a handler that stops reading (the client's writes stall), Expect: 100-continue
// answered at the first read(), a client leaving mid-body, an answer before the body's end, a
// pipelined request after a streamed body, a body timeout that counts only while a read()
// waits, the same over TLS, and the ordinary path untouched (a whole message, the predicate
// saying no).
#include "e2e/support.hpp"

#include <oasis/http/server.hpp>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

using namespace oasis_test;
using namespace std::chrono_literals;
namespace http = oasis::http;
using BodyStatus = http::BodyReader::Status;

namespace {

// A Server on an ephemeral port, one thread, run on a thread of its own until destroyed.
class TestServer {
 public:
  TestServer(http::ServerOptions o, http::Handler h) : server_(std::move(o), std::move(h)) {
    server_.listen();
    thread_ = std::thread([this] { server_.run(); });
  }
  ~TestServer() {
    server_.stop();
    thread_.join();
  }
  int port() const { return server_.port(); }

 private:
  http::Server server_;
  std::thread thread_;
};

std::uint64_t fnv(std::uint64_t h, std::string_view s) {
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}
constexpr std::uint64_t kFnvStart = 14695981039346656037ull;

// The byte at offset i of the large body.
char pattern(std::uint64_t i) { return static_cast<char>('a' + (i * 31 + (i >> 16)) % 26); }

// What the handlers saw, for the test to check (written on the server's thread).
struct Seen {
  std::atomic<int> asked{0};          // the predicate's calls
  std::atomic<int> with_reader{0};    // handler calls with a reader
  std::atomic<int> without_reader{0};
  std::atomic<bool> first_piece{false}, ended{false}, failed{false}, closed{false};
  std::atomic<std::int64_t> length{-2};
  std::atomic<bool> body_empty{false};
  std::atomic<std::size_t> max_piece{0};
  std::atomic<int> late_read{-1};  // the status of a read() after the answer
  std::mutex m;
  std::string got;  // the body as read, when kept
};

// Reads a body to its end through the reader, then answers "bytes=N fnv=X pieces=P bad=B"
// (bad: bytes that differ from pattern(), when checked). On error it answers 400 "failed".
// `hold`: after the first piece, no read() until it turns true.
struct Upload : std::enable_shared_from_this<Upload> {
  http::Deferred d;
  std::shared_ptr<http::BodyReader> r;
  Seen* seen = nullptr;
  bool keep = false, check_pattern = false;
  std::atomic<bool>* hold = nullptr;
  std::uint64_t bytes = 0, sum = kFnvStart, bad = 0;
  std::size_t pieces = 0;

  void next() {
    r->read([self = shared_from_this()](std::string_view piece, BodyStatus st) { self->take(piece, st); });
  }
  void take(std::string_view piece, BodyStatus st) {
    if (pieces == 0) d.on_close([s = seen] { s->closed = true; });  // (after the handler returned)
    if (check_pattern)
      for (std::size_t k = 0; k < piece.size(); ++k)
        if (piece[k] != pattern(bytes + k)) ++bad;
    bytes += piece.size();
    sum = fnv(sum, piece);
    if (!piece.empty()) ++pieces;
    if (piece.size() > seen->max_piece) seen->max_piece = piece.size();
    if (keep) {
      std::lock_guard lock(seen->m);
      seen->got.append(piece);
    }
    if (st == BodyStatus::more) {
      if (piece.empty()) ++bad;  // a piece is never empty
      if (!seen->first_piece.exchange(true) && hold) return wait();
      return next();
    }
    if (st == BodyStatus::error) {
      seen->failed = true;
      d.response().status(400);
      d.response().body("text/plain", "failed");
      return d.finish();
    }
    seen->ended = true;
    d.response().body("text/plain", "bytes=" + std::to_string(bytes) + " fnv=" + std::to_string(sum) +
                                        " pieces=" + std::to_string(pieces) + " bad=" + std::to_string(bad));
    d.finish();
  }
  void wait() {
    if (hold->load()) return next();
    d.after(10ms, [self = shared_from_this()] { self->wait(); });
  }
};

// Options whose predicate streams /upload* and counts its calls.
http::ServerOptions options(Seen& seen) {
  http::ServerOptions o;
  o.port = 0;
  o.threads = 1;
  o.stream_request_body = [&seen](const http::Request& req) {
    ++seen.asked;
    return req.path().starts_with("/upload");
  };
  return o;
}

// Streams bodies of /upload* through Upload (configured by `setup`); answers other requests
// with "whole N" (their body's size).
http::Handler handler(Seen& seen, std::function<void(Upload&)> setup = {}) {
  return [&seen, setup](const http::Request& req, http::Response& res) {
    if (!req.body_reader()) {
      ++seen.without_reader;
      return res.body("text/plain", "whole " + std::to_string(req.body().size()));
    }
    ++seen.with_reader;
    seen.length = req.body_reader()->length();
    seen.body_empty = req.body().empty();
    auto u = std::make_shared<Upload>();
    u->d = res.defer();
    u->r = req.body_reader();
    u->seen = &seen;
    if (setup) setup(*u);
    u->next();
  };
}

std::string answer_for(std::string_view body) {
  return "bytes=" + std::to_string(body.size()) + " fnv=" + std::to_string(fnv(kFnvStart, body));
}

template <class F>
bool eventually(F f, std::chrono::milliseconds timeout = 10s) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (!f()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// The handler read all of `body`, and the connection takes the next request.
void expect_read_whole_and_connection_goes_on(Seen& seen, Client& c, const std::string& body) {
  {
    std::lock_guard lock(seen.m);
    EXPECT_EQ(seen.got, body);
  }
  ASSERT_TRUE(c.send("GET /after HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto next = c.read_response();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, "whole 0");
}

}  // namespace

TEST(HttpRequestStream, ContentLengthBodyInSmallWritesComesByteForByte) {
  Seen seen;
  TestServer s(options(seen), handler(seen, [](Upload& u) { u.keep = true; }));
  std::string body;
  for (int i = 0; i < 64 * 1024; ++i) body += static_cast<char>(i * 7 + i / 256);
  Client c(s.port());
  ASSERT_TRUE(c.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n"));
  for (std::size_t at = 0; at < body.size(); at += 512) {
    ASSERT_TRUE(c.send(std::string_view(body).substr(at, 512)));
    if (at % 8192 == 0) std::this_thread::sleep_for(1ms);
  }
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(r->body.starts_with(answer_for(body) + " pieces=")) << r->body;
  EXPECT_FALSE(r->body.starts_with(answer_for(body) + " pieces=1 ")) << "came in one piece: " << r->body;
  EXPECT_TRUE(r->body.ends_with(" bad=0")) << r->body;
  EXPECT_FALSE(r->has_header("Connection"));
  EXPECT_EQ(seen.asked, 1);
  EXPECT_EQ(seen.with_reader, 1);
  EXPECT_EQ(seen.length, static_cast<std::int64_t>(body.size()));
  EXPECT_TRUE(seen.body_empty);
  expect_read_whole_and_connection_goes_on(seen, c, body);
}

TEST(HttpRequestStream, ChunkedBodyWithTrailers) {
  Seen seen;
  TestServer s(options(seen), handler(seen, [](Upload& u) { u.keep = true; }));
  Client c(s.port());
  ASSERT_TRUE(c.send("POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel"));
  std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(c.send("lo\r\n"));
  std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(c.send("7;ext=1\r\n, chunk\r\n"));
  std::this_thread::sleep_for(20ms);
  std::string big(3000, 'x');
  ASSERT_TRUE(c.send("bb8\r\n" + big + "\r\n0\r\nX-Trailer: y\r\n"));
  std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(c.send("\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  const std::string body = "hello, chunk" + big;
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(r->body.starts_with(answer_for(body) + " pieces=")) << r->body;
  EXPECT_EQ(seen.length, -1);
  expect_read_whole_and_connection_goes_on(seen, c, body);
}

// 64 MiB past a 1 MiB max_body. The handler stops reading after its first piece: the client's
// writes stall (nothing is read from the socket meanwhile) for longer than the body timeout,
// which does not count while no read() waits; then it reads on and every byte arrives.
TEST(HttpRequestStream, LargeBodyPastMaxBodyWithBackpressure) {
  Seen seen;
  std::atomic<bool> resume{false};
  auto o = options(seen);
  o.limits.max_body = 1 << 20;
  o.timeouts.body = 1s;
  TestServer s(o, handler(seen, [&](Upload& u) {
                 u.check_pattern = true;
                 u.hold = &resume;
               }));
  constexpr std::uint64_t kSize = 64ull << 20;
  Client c(s.port(), 60s);
  ASSERT_TRUE(c.send("PUT /upload HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(kSize) + "\r\n\r\n"));
  std::atomic<std::uint64_t> sent{0};
  std::thread writer([&] {
    std::string chunk(64 * 1024, '\0');
    for (std::uint64_t at = 0; at < kSize; at += chunk.size()) {
      for (std::size_t k = 0; k < chunk.size(); ++k) chunk[k] = pattern(at + k);
      if (!c.send(chunk)) return;
      sent = at + chunk.size();
    }
  });
  ASSERT_TRUE(eventually([&] { return seen.first_piece.load(); }));
  // Wait for the writes to stall, then stay stalled past the body timeout.
  std::uint64_t last = sent;
  int still = 0;
  for (int i = 0; i < 200 && still < 3; ++i) {
    std::this_thread::sleep_for(200ms);
    std::uint64_t now = sent;
    still = now == last ? still + 1 : 0;
    last = now;
  }
  EXPECT_EQ(still, 3) << "the client's writes never stalled";
  std::this_thread::sleep_for(700ms);
  EXPECT_EQ(sent.load(), last);
  EXPECT_LT(last, kSize / 2) << "the server read while the handler did not";
  EXPECT_FALSE(seen.failed);
  resume = true;
  writer.join();
  EXPECT_EQ(sent.load(), kSize);
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(r->body.starts_with("bytes=" + std::to_string(kSize) + " ")) << r->body;
  EXPECT_TRUE(r->body.ends_with(" bad=0")) << r->body;
  // Memory stayed bounded: a piece is what one read of the parser's buffer brought.
  EXPECT_LE(seen.max_piece.load(), 256u * 1024) << "a piece as large as " << seen.max_piece.load();
}

TEST(HttpRequestStream, ContinueOnlyAtTheFirstRead) {
  Seen seen;
  std::atomic<bool> resume{false}, reading{false};
  TestServer s(options(seen), [&](const http::Request& req, http::Response& res) {
    auto u = std::make_shared<Upload>();
    u->d = res.defer();
    u->r = req.body_reader();
    u->seen = &seen;
    u->keep = true;
    u->d.after(300ms, [u, &reading] {
      reading = true;
      u->next();
    });
  });
  Client c(s.port());
  ASSERT_TRUE(c.send("POST /upload HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 11\r\n\r\n"));
  EXPECT_FALSE(c.fill(150ms)) << "sent before the handler read: " << c.buffered();
  auto cont = c.read_response();
  ASSERT_TRUE(cont);
  EXPECT_EQ(cont->status, 100);
  EXPECT_TRUE(reading);
  ASSERT_TRUE(c.send("hello world"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(r->body.starts_with(answer_for("hello world"))) << r->body;
}

TEST(HttpRequestStream, ClientLeavingMidBodyFailsTheRead) {
  Seen seen;
  TestServer s(options(seen), handler(seen));
  {
    Client c(s.port());
    ASSERT_TRUE(c.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n" + std::string(1000, 'a')));
    ASSERT_TRUE(eventually([&] { return seen.first_piece.load(); }));
  }
  EXPECT_TRUE(eventually([&] { return seen.failed.load(); }));
  EXPECT_TRUE(eventually([&] { return seen.closed.load(); }));
  EXPECT_FALSE(seen.ended);
}

TEST(HttpRequestStream, AnswerBeforeTheBodyEndClosesTheConnection) {
  Seen seen;
  TestServer s(options(seen), [&](const http::Request& req, http::Response& res) {
    auto d = std::make_shared<http::Deferred>(res.defer());
    auto r = req.body_reader();
    r->read([d, r, &seen](std::string_view piece, BodyStatus st) {
      seen.first_piece = !piece.empty() && st == BodyStatus::more;
      d->response().body("text/plain", "early");
      d->finish();
      r->read([&seen](std::string_view, BodyStatus late) { seen.late_read = static_cast<int>(late); });
    });
  });
  Client c(s.port());
  ASSERT_TRUE(c.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 1048576\r\n\r\n" + std::string(4096, 'a')));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "early");
  EXPECT_EQ(r->header("Connection"), "close");
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_TRUE(seen.first_piece);
  EXPECT_TRUE(eventually([&] { return seen.late_read.load() >= 0; }));
  EXPECT_EQ(seen.late_read.load(), static_cast<int>(BodyStatus::error));
}

TEST(HttpRequestStream, AnswerAtOnceWithoutReadingClosesTheConnection) {
  Seen seen;
  TestServer s(options(seen), [&](const http::Request& req, http::Response& res) {
    seen.length = req.body_reader() ? req.body_reader()->length() : -2;
    res.status(413);
    res.body("text/plain", "no");
  });
  Client c(s.port());
  ASSERT_TRUE(c.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\nabc"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->header("Connection"), "close");
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_EQ(seen.length, 100000);
}

TEST(HttpRequestStream, PipelinedRequestAfterAStreamedBodyIsAnswered) {
  Seen seen;
  TestServer s(options(seen), handler(seen, [](Upload& u) { u.keep = true; }));
  Client c(s.port());
  ASSERT_TRUE(c.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nhello"));
  ASSERT_TRUE(eventually([&] { return seen.first_piece.load(); }));
  // The body's end and the next request in one write.
  ASSERT_TRUE(c.send("worldGET /next HTTP/1.1\r\nHost: t\r\n\r\nPOST /other HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc"));
  auto a = c.read_response();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->status, 200);
  EXPECT_TRUE(a->body.starts_with(answer_for("helloworld"))) << a->body;
  EXPECT_FALSE(a->has_header("Connection"));
  auto b = c.read_response();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->body, "whole 0");
  auto d = c.read_response();
  ASSERT_TRUE(d);
  EXPECT_EQ(d->body, "whole 3");
  {
    std::lock_guard lock(seen.m);
    EXPECT_EQ(seen.got, "helloworld");
  }
}

TEST(HttpRequestStream, PredicateSayingNoKeepsTheLimit) {
  Seen seen;
  auto o = options(seen);
  o.limits.max_body = 1024;
  TestServer s(o, handler(seen));
  // Declared past the limit: refused before any of the body is read — with Expect:
  // 100-continue, without a 100 first (the first answer read is the 413).
  for (const char* head : {"POST /other HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n0123456789",
                           "POST /other HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 100000\r\n\r\n"}) {
    Client c(s.port());
    ASSERT_TRUE(c.send(head));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413) << head;
  }
  EXPECT_EQ(seen.asked, 2);
  {  // chunked past the limit
    Client c(s.port());
    ASSERT_TRUE(c.send("POST /other HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n"));
    std::this_thread::sleep_for(20ms);
    std::string more;
    for (int i = 0; i < 8; ++i) more += "100\r\n" + std::string(256, 'z') + "\r\n";
    c.send(more);
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    EXPECT_EQ(seen.asked, 3);
  }
  {  // whole in one write, past the limit: not asked, refused
    auto r = exchange(s.port(), "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 2000\r\n\r\n" + std::string(2000, 'q'));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
  }
  {  // within the limit, in two writes: asked, read whole
    Client c(s.port());
    ASSERT_TRUE(c.send("POST /other HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 100\r\n\r\n"));
    auto cont = c.read_response();
    ASSERT_TRUE(cont);
    EXPECT_EQ(cont->status, 100);
    ASSERT_TRUE(c.send(std::string(100, 'w')));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "whole 100");
  }
  EXPECT_EQ(seen.with_reader, 0);
}

TEST(HttpRequestStream, WholeMessageNeverAsks) {
  Seen seen;
  TestServer s(options(seen), handler(seen));
  Client c(s.port());
  ASSERT_TRUE(c.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello"
                     "POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"));
  auto a = c.read_response();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->body, "whole 5");
  auto b = c.read_response();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->body, "whole 3");
  EXPECT_EQ(seen.asked, 0);
  EXPECT_EQ(seen.with_reader, 0);
}

// Full duplex: the answer streams while the body is read, each piece echoed as it comes. Its
// head says Connection: close (the body had not ended then).
TEST(HttpRequestStream, AnswerStreamsWhileTheBodyIsRead) {
  struct Echo : std::enable_shared_from_this<Echo> {
    http::Deferred d;
    std::shared_ptr<http::BodyReader> r;
    void next() {
      r->read([self = shared_from_this()](std::string_view piece, BodyStatus st) {
        if (st == BodyStatus::error) return self->d.abort();
        // The piece stays valid until the next read(), which waits for it to be written.
        if (st == BodyStatus::more) return self->d.write(piece, [self] { self->next(); });
        if (piece.empty()) return self->d.finish();
        self->d.write(piece, [self] { self->d.finish(); });
      });
    }
  };
  Seen seen;
  TestServer s(options(seen), [](const http::Request& req, http::Response& res) {
    auto e = std::make_shared<Echo>();
    e->d = res.defer();
    e->r = req.body_reader();
    e->d.dispatch([e] {
      e->d.start_stream();
      e->next();
    });
  });
  std::string body;
  for (int i = 0; i < 256 * 1024; ++i) body += static_cast<char>('A' + i % 53);
  Client c(s.port());
  ASSERT_TRUE(c.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n"));
  for (std::size_t at = 0; at < body.size(); at += 16 * 1024) {
    ASSERT_TRUE(c.send(std::string_view(body).substr(at, 16 * 1024)));
    std::this_thread::sleep_for(2ms);
  }
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("Transfer-Encoding"), "chunked");
  EXPECT_EQ(r->header("Connection"), "close");
  EXPECT_TRUE(r->body == body) << r->body.size() << " bytes";
  EXPECT_TRUE(c.closed_by_peer());
}

// The body timeout counts while a read() waits for a client that sends nothing: the read
// fails, the handler answers, the connection closes.
TEST(HttpRequestStream, SlowClientFailsTheRead) {
  Seen seen;
  auto o = options(seen);
  o.timeouts.body = 300ms;
  TestServer s(o, handler(seen));
  Client c(s.port());
  ASSERT_TRUE(c.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n0123456789"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->body, "failed");
  EXPECT_EQ(r->header("Connection"), "close");
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_TRUE(seen.failed);
}

// --- over TLS (reads go through Asio's SSL stream, not the epoll path) ----------------------

namespace {

// A TLS client on a blocking socket: the server's certificate checked against `ca`.
class TlsClient {
 public:
  TlsClient(int port, const std::filesystem::path& ca) : tcp_(port) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_load_verify_locations(ctx_, ca.c_str(), nullptr);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, tcp_.fd());
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), "127.0.0.1");
    ok_ = SSL_connect(ssl_) == 1;
  }
  ~TlsClient() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
  }
  bool ok() const { return ok_; }
  bool write(std::string_view bytes) {
    return SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())) == static_cast<int>(bytes.size());
  }
  // Reads until `what` is in what was read (true), or the connection ends (false).
  bool read_until(std::string_view what) {
    while (in.find(what) == std::string::npos)
      if (!read_some()) return false;
    return true;
  }
  // Reads until the server closes.
  void read_all() {
    while (read_some()) {
    }
  }
  std::string in;

 private:
  bool read_some() {
    char buf[16384];
    int n = SSL_read(ssl_, buf, sizeof buf);
    if (n <= 0) return false;
    in.append(buf, static_cast<std::size_t>(n));
    return true;
  }
  Client tcp_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  bool ok_ = false;
};

}  // namespace

TEST(HttpRequestStream, OverTls) {
  auto dir = std::filesystem::temp_directory_path() / ("oasis-request-stream-tls-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -days 1 -keyout " +
                    (dir / "key.pem").string() + " -out " + (dir / "cert.pem").string() + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "openssl could not make a certificate";
  Seen seen;
  auto o = options(seen);
  o.tls.cert_file = (dir / "cert.pem").string();
  o.tls.key_file = (dir / "key.pem").string();
  o.timeouts.body = 500ms;
  o.limits.max_body = 64 * 1024;
  TestServer s(o, handler(seen, [](Upload& u) { u.check_pattern = true; }));
  {  // 1 MiB past the limit after 100 Continue, in 64 KiB writes
    TlsClient c(s.port(), dir / "cert.pem");
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(c.write("POST /upload HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 1048576\r\n\r\n"));
    ASSERT_TRUE(c.read_until("\r\n\r\n"));
    EXPECT_EQ(c.in, "HTTP/1.1 100 Continue\r\n\r\n");
    c.in.clear();
    std::string chunk(64 * 1024, '\0');
    for (std::uint64_t at = 0; at < (1u << 20); at += chunk.size()) {
      for (std::size_t k = 0; k < chunk.size(); ++k) chunk[k] = pattern(at + k);
      ASSERT_TRUE(c.write(chunk));
    }
    ASSERT_TRUE(c.write("GET /next HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
    c.read_all();
    EXPECT_EQ(c.in.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << c.in.substr(0, 200);
    EXPECT_NE(c.in.find("bytes=1048576 "), std::string::npos) << c.in;
    EXPECT_NE(c.in.find(" bad=0"), std::string::npos) << c.in;
    EXPECT_NE(c.in.find("whole 0"), std::string::npos) << "the pipelined request: " << c.in;
  }
  {  // a client that stops sending: the read fails after the body timeout, the answer closes
    TlsClient c(s.port(), dir / "cert.pem");
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(c.write("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n" + std::string(10, 'a')));
    c.read_all();
    EXPECT_EQ(c.in.rfind("HTTP/1.1 400 ", 0), 0u) << c.in.substr(0, 200);
    EXPECT_NE(c.in.find("Connection: close"), std::string::npos) << c.in;
    EXPECT_TRUE(seen.failed);
  }
  std::filesystem::remove_all(dir);
}
