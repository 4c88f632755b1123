// End-to-end: streamed deferred answers (Deferred::start_stream / write / finish / abort) from a
// Server run in this process, spoken to in raw bytes on loopback. Framing (chunked, Content-Length,
// close-delimited, HEAD), pieces written after the handler returned, backpressure from a client
// that stops reading, abort, pipelining behind a stream, and the streamer hearing of a close.
#include "e2e/support.hpp"

#include <oasis/http/server.hpp>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <thread>

using namespace oasis_test;
using namespace std::chrono_literals;
namespace http = oasis::http;

namespace {

// A Server on an ephemeral port, one thread, run on a thread of its own until destroyed.
class TestServer {
 public:
  explicit TestServer(http::Handler h, http::ServerOptions o = options()) : server_(std::move(o), std::move(h)) {
    server_.listen();
    thread_ = std::thread([this] { server_.run(); });
  }
  ~TestServer() { stop(); }
  void stop() {
    if (!thread_.joinable()) return;
    server_.stop();
    thread_.join();
  }
  int port() const { return server_.port(); }

  static http::ServerOptions options() {
    http::ServerOptions o;
    o.port = 0;
    o.threads = 1;
    return o;
  }

 private:
  http::Server server_;
  std::thread thread_;
};

// Writes its pieces one at a time, each only once the previous one's `written` ran (after
// `gap` when set), then ends with finish() or, with abort_after, abort() after that many.
struct Pieces : std::enable_shared_from_this<Pieces> {
  http::Deferred d;
  std::vector<std::string> pieces;
  std::size_t next_piece = 0;
  std::chrono::milliseconds gap{0};
  std::size_t abort_after = SIZE_MAX;

  void next() {
    if (next_piece == abort_after) return d.abort();
    if (next_piece == pieces.size()) return d.finish();
    const std::string& p = pieces[next_piece++];
    d.write(p, [self = shared_from_this()] {
      if (self->gap.count() == 0) return self->next();
      self->d.after(self->gap, [self] { self->next(); });
    });
  }
};

// A handler streaming `pieces` 20 ms after it returned, each piece 5 ms after the last went out.
http::Handler streaming(std::vector<std::string> pieces, std::string content_length = {}, std::size_t abort_after = SIZE_MAX) {
  return [=](const http::Request& req, http::Response& res) {
    if (req.path() == "/plaintext") return res.body("text/plain", "Hello, World!");
    res.header("Content-Type", "text/plain");
    res.header("X-Stream", "yes");
    res.header("Transfer-Encoding", "gzip");  // the engine frames: this never goes out
    if (!content_length.empty()) res.header("Content-Length", content_length);
    auto s = std::make_shared<Pieces>();
    s->d = res.defer();
    s->pieces = pieces;
    s->gap = 5ms;
    s->abort_after = abort_after;
    s->d.after(20ms, [s] {
      s->d.start_stream();
      s->next();
    });
  };
}

const std::vector<std::string> kPieces = {"hello ", "streamed ", "", "world"};
constexpr std::string_view kWhole = "hello streamed world";
const char* kGet = "GET /stream HTTP/1.1\r\nHost: t\r\n\r\n";

std::size_t count_of(const std::string& head, const std::string& name) {
  std::size_t n = 0;
  for (auto p = head.find("\r\n" + name + ":"); p != std::string::npos; p = head.find("\r\n" + name + ":", p + 1)) ++n;
  return n;
}

// The byte at offset i of the large body.
char pattern(std::uint64_t i) { return static_cast<char>('a' + (i * 31 + (i >> 16)) % 26); }

// Appends what `fd` has to `buf`, waiting up to `timeout`; false on EOF, error or timeout.
bool fill(int fd, std::string& buf, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
  char chunk[65536];
  ssize_t n = recv(fd, chunk, sizeof chunk, 0);
  if (n <= 0) return false;
  buf.append(chunk, static_cast<std::size_t>(n));
  return true;
}

// Reads a chunked body off `fd` as it comes (`buf` holds what was read past the head),
// checking it against pattern() without holding it; returns the body's length, or -1 if the
// connection ended before the last chunk.
long long read_chunked_pattern(int fd, std::string& buf) {
  std::uint64_t at = 0;
  for (;;) {
    std::size_t eol;
    while ((eol = buf.find("\r\n")) == std::string::npos)
      if (!fill(fd, buf, 20s)) return -1;
    std::size_t size = std::stoul(buf.substr(0, eol), nullptr, 16);
    buf.erase(0, eol + 2);
    if (size == 0) return static_cast<long long>(at);
    while (buf.size() < size + 2)
      if (!fill(fd, buf, 20s)) return -1;
    for (std::size_t k = 0; k < size; ++k)
      if (buf[k] != pattern(at + k)) {
        ADD_FAILURE() << "byte " << at + k << " differs";
        return -1;
      }
    at += size;
    buf.erase(0, size + 2);
  }
}

}  // namespace

TEST(HttpStream, ChunkedToHttp11ClientFromTimers) {
  TestServer s(streaming(kPieces));
  Client c(s.port());
  c.send(kGet);
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, kWhole);
  EXPECT_EQ(r->header("Transfer-Encoding"), "chunked");
  EXPECT_EQ(count_of(r->head, "Transfer-Encoding"), 1u);
  EXPECT_FALSE(r->has_header("Content-Length"));
  EXPECT_EQ(r->header("X-Stream"), "yes");
  EXPECT_EQ(r->header("Server"), "oasis");
  EXPECT_FALSE(r->header("Date").empty());
  EXPECT_FALSE(r->has_header("Connection"));
  // Keep-alive: the connection goes on.
  c.send(kGet);
  auto again = c.read_response();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->body, kWhole);
}

TEST(HttpStream, ContentLengthSetByTheHandlerFramesTheBody) {
  TestServer s(streaming(kPieces, std::to_string(kWhole.size())));
  Client c(s.port());
  c.send(kGet);
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, kWhole);
  EXPECT_EQ(r->header("Content-Length"), std::to_string(kWhole.size()));
  EXPECT_EQ(count_of(r->head, "Content-Length"), 1u);
  EXPECT_FALSE(r->has_header("Transfer-Encoding"));
  c.send("GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n");
  auto next = c.read_response();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, "Hello, World!");
}

TEST(HttpStream, Http10BodyIsDelimitedByTheClose) {
  TestServer s(streaming(kPieces));
  Client c(s.port());
  c.send("GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  auto r = c.read_response();  // no length, no chunks: read until the close
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, kWhole);
  EXPECT_FALSE(r->has_header("Content-Length"));
  EXPECT_FALSE(r->has_header("Transfer-Encoding"));
  EXPECT_EQ(r->header("Connection"), "close");
  EXPECT_TRUE(c.closed_by_peer());
}

TEST(HttpStream, Http10WithContentLengthStaysOpen) {
  TestServer s(streaming(kPieces, std::to_string(kWhole.size())));
  Client c(s.port());
  c.send("GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, kWhole);
  EXPECT_EQ(r->header("Connection"), "keep-alive");
  c.send("GET /plaintext HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  auto next = c.read_response();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, "Hello, World!");
}

TEST(HttpStream, HeadGetsTheHeadOnly) {
  for (std::string length : {"", "20"}) {
    TestServer s(streaming(kPieces, length));
    Client c(s.port());
    c.send("HEAD /stream HTTP/1.1\r\nHost: t\r\n\r\nGET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n");
    auto h = c.read_response(/*head_request=*/true);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->status, 200);
    if (length.empty()) {
      EXPECT_EQ(h->header("Transfer-Encoding"), "chunked");
    } else {
      EXPECT_EQ(h->header("Content-Length"), "20");
    }
    auto next = c.read_response();  // garbage if any of the pieces had been sent
    ASSERT_TRUE(next);
    EXPECT_EQ(next->status, 200);
    EXPECT_EQ(next->body, "Hello, World!");
  }
}

TEST(HttpStream, PipelinedAnswersGoOutInOrderAroundAStream) {
  TestServer s(streaming(kPieces));
  Client c(s.port());
  // The first answer is owed before the stream starts; the last waits for its end.
  c.send("GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n" + std::string(kGet) + "GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n" + kGet);
  auto a = c.read_response();
  auto b = c.read_response();
  auto d = c.read_response();
  auto e = c.read_response();
  ASSERT_TRUE(a && b && d && e);
  EXPECT_EQ(a->body, "Hello, World!");
  EXPECT_EQ(b->body, kWhole);
  EXPECT_EQ(d->body, "Hello, World!");
  EXPECT_EQ(e->body, kWhole);
}

TEST(HttpStream, AbortMidBodyTruncatesTheAnswerAndClosesTheConnection) {
  for (std::string length : {"", "20"}) {
    TestServer s(streaming(kPieces, length, /*abort_after=*/2));
    Client c(s.port());
    c.send(std::string(kGet) + "GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n");
    std::string got;
    while (fill(c.fd(), got, 5s)) {
    }
    EXPECT_TRUE(c.closed_by_peer());
    // What came: the head and the first two pieces, then the close; nothing for the
    // pipelined request.
    auto head_end = got.find("\r\n\r\n");
    ASSERT_NE(head_end, std::string::npos) << got;
    std::string body = got.substr(head_end + 4);
    if (length.empty()) {
      EXPECT_EQ(body, "6\r\nhello \r\n9\r\nstreamed \r\n");  // no last chunk
    } else {
      EXPECT_EQ(body, "hello streamed ");  // 15 of the 20 bytes announced
    }
  }
}

TEST(HttpStream, AbortOfACloseDelimitedBodyResetsTheConnection) {
  TestServer s(streaming(kPieces, {}, /*abort_after=*/2));
  Client c(s.port());
  c.send("GET /stream HTTP/1.0\r\n\r\n");
  // A clean close would make the truncated body look complete; a reset says otherwise.
  std::string got;
  char buf[4096];
  ssize_t n;
  int err = 0;
  pollfd p{c.fd(), POLLIN, 0};
  while (poll(&p, 1, 5000) > 0) {
    n = recv(c.fd(), buf, sizeof buf, 0);
    if (n > 0) {
      got.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    err = n < 0 ? errno : 0;
    break;
  }
  EXPECT_EQ(err, ECONNRESET) << got;
  EXPECT_EQ(got.find("world"), std::string::npos);
}

TEST(HttpStream, ShortBodyForItsContentLengthIsCutOff) {
  TestServer s(streaming(kPieces, "100"));
  Client c(s.port());
  c.send(kGet);
  EXPECT_FALSE(c.read_response());
  EXPECT_TRUE(c.closed_by_peer());
}

// 64 MiB in 64 KiB pieces, each written only once the previous one went to the socket, to a
// client that stops reading for a while: the pieces written stop at what the socket buffers
// hold, then go on to the end once it reads again.
TEST(HttpStream, LargeBodyIsPacedByTheClient) {
  constexpr std::size_t kPiece = 64 * 1024, kTotal = 64u * 1024 * 1024;
  std::atomic<std::size_t> written{0};
  struct Big : std::enable_shared_from_this<Big> {
    http::Deferred d;
    std::string buf;
    std::size_t at = 0;
    std::atomic<std::size_t>* written = nullptr;
    void next() {
      if (at == kTotal) return d.finish();
      buf.resize(kPiece);  // reused: the previous piece went out
      for (std::size_t k = 0; k < kPiece; ++k) buf[k] = pattern(at + k);
      at += kPiece;
      d.write(buf, [self = shared_from_this()] {
        self->written->fetch_add(1);
        self->next();
      });
    }
  };
  TestServer s([&](const http::Request&, http::Response& res) {
    auto b = std::make_shared<Big>();
    b->d = res.defer();
    b->written = &written;
    b->d.dispatch([b] {
      b->d.start_stream();
      b->next();
    });
  });
  // A small receive buffer, fixed before connecting (no autotuning), keeps the bound tight.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int rcv = 256 * 1024;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(s.port()));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  std::string req = kGet;
  ASSERT_EQ(send(fd, req.data(), req.size(), 0), static_cast<ssize_t>(req.size()));

  // Not reading: the stream stalls once the buffers are full.
  std::this_thread::sleep_for(700ms);
  std::size_t stalled = written.load();
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(written.load(), stalled) << "pieces kept being taken while the client read nothing";
  EXPECT_GT(stalled, 0u);
  EXPECT_LT(stalled * kPiece, std::size_t{12} * 1024 * 1024) << stalled << " pieces taken by a client reading nothing";
  std::printf("[ stream   ] %zu of %zu pieces written while the client did not read\n", stalled, kTotal / kPiece);

  // Reading again: the rest comes, byte for byte.
  std::string buf;
  while (buf.find("\r\n\r\n") == std::string::npos) ASSERT_TRUE(fill(fd, buf, 20s));
  auto end = buf.find("\r\n\r\n");
  EXPECT_NE(buf.substr(0, end).find("Transfer-Encoding: chunked"), std::string::npos);
  buf.erase(0, end + 4);
  EXPECT_EQ(read_chunked_pattern(fd, buf), static_cast<long long>(kTotal));
  EXPECT_EQ(written.load(), kTotal / kPiece);
  close(fd);
}

// The streamer hears of a close through on_close; writes and finish after it are no-ops.
struct Endless : std::enable_shared_from_this<Endless> {
  http::Deferred d;
  std::string buf = std::string(64 * 1024, 'x');
  std::chrono::milliseconds gap{0};
  std::atomic<int>* closes = nullptr;
  std::atomic<int>* pieces = nullptr;
  std::atomic<bool>* open_after = nullptr;
  void start() {
    auto self = shared_from_this();
    d.on_close([self] {
      self->open_after->store(self->d.open());
      self->closes->fetch_add(1);
      // Too late: the connection is gone. These must do nothing (and be safe).
      self->d.write(self->buf, [] { ADD_FAILURE() << "written ran on a closed connection"; });
      self->d.finish();
      self->d.abort();
    });
    d.start_stream();
    next();
  }
  void next() {
    d.write(buf, [self = shared_from_this()] {
      self->pieces->fetch_add(1);
      if (self->gap.count() == 0) return self->next();
      self->d.after(self->gap, [self] { self->next(); });
    });
  }
};

struct CloseWatch {
  std::atomic<int> closes{0}, pieces{0};
  std::atomic<bool> open_after{true};
  bool wait_closed(std::chrono::milliseconds limit = 10s) {
    auto until = std::chrono::steady_clock::now() + limit;
    while (closes.load() == 0 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(10ms);
    return closes.load() == 1;
  }
  http::Handler handler(std::chrono::milliseconds gap) {
    return [this, gap](const http::Request& req, http::Response& res) {
      if (req.path() == "/plaintext") return res.body("text/plain", "Hello, World!");
      auto e = std::make_shared<Endless>();
      e->d = res.defer();
      e->gap = gap;
      e->closes = &closes;
      e->pieces = &pieces;
      e->open_after = &open_after;
      e->d.dispatch([e] { e->start(); });
    };
  }
};

TEST(HttpStream, ClientGoingAwayMidStreamIsReportedToTheStreamer) {
  for (auto gap : {0ms, 20ms}) {  // blocked on a full socket, and waiting between pieces
    CloseWatch w;
    TestServer s(w.handler(gap));
    {
      Client c(s.port());
      c.send(kGet);
      ASSERT_TRUE(c.fill(5s));
      std::this_thread::sleep_for(100ms);
    }  // closed with unread data: a reset
    EXPECT_TRUE(w.wait_closed()) << "gap " << gap.count();
    EXPECT_FALSE(w.open_after.load());
    int pieces = w.pieces.load();
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(w.pieces.load(), pieces) << "written ran after the close";
    // The server is fine: a new connection is served.
    auto r = exchange(s.port(), "GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "Hello, World!");
    EXPECT_EQ(w.closes.load(), 1);
  }
}

TEST(HttpStream, WriteTimeoutClosesAStreamTheClientDoesNotRead) {
  CloseWatch w;
  auto o = TestServer::options();
  o.timeouts.write = 400ms;
  TestServer s(w.handler(0ms), o);
  Client c(s.port());
  c.send(kGet);
  EXPECT_TRUE(w.wait_closed(5s));
  EXPECT_FALSE(w.open_after.load());
}

TEST(HttpStream, ServerStopMidStreamIsReportedToTheStreamer) {
  CloseWatch w;
  auto o = TestServer::options();
  o.timeouts.shutdown = 300ms;
  TestServer s(w.handler(50ms), o);
  Client c(s.port());
  c.send(kGet);
  ASSERT_TRUE(c.fill(5s));
  s.stop();  // returns once the connection is gone
  EXPECT_TRUE(w.wait_closed(2s));
}

TEST(HttpStream, PieceBeyondTheContentLengthAbortsAndTellsTheStreamer) {
  CloseWatch w;
  auto inner = w.handler(0ms);
  TestServer s([&](const http::Request& req, http::Response& res) {
    res.header("Content-Length", "10");
    inner(req, res);
  });
  Client c(s.port());
  c.send(kGet);
  EXPECT_TRUE(w.wait_closed(5s));
  auto r = c.read_response();
  EXPECT_FALSE(r);
  EXPECT_TRUE(c.closed_by_peer());
}

TEST(HttpStream, ASecondPieceBeforeTheFirstWentOutAbortsAndTellsTheStreamer) {
  std::atomic<int> closes{0}, written{0};
  TestServer s([&](const http::Request&, http::Response& res) {
    auto d = res.defer();
    d.dispatch([d, &closes, &written]() mutable {
      d.on_close([&closes] { closes.fetch_add(1); });
      d.start_stream();
      static const std::string piece = "piece";
      d.write(piece, [&written] { written.fetch_add(1); });
      d.write(piece, [&written] { written.fetch_add(1); });  // too soon: one at a time
    });
  });
  Client c(s.port());
  c.send(kGet);
  EXPECT_FALSE(c.read_response());
  EXPECT_TRUE(c.closed_by_peer());
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(closes.load(), 1);
  EXPECT_LE(written.load(), 1);  // the first, if it went to the socket; never the second
}

TEST(HttpStream, EmptyCallbacksAreAllowed) {
  TestServer s([](const http::Request&, http::Response& res) {
    auto d = res.defer();
    d.dispatch([d]() mutable {
      d.on_close(nullptr);
      d.start_stream();
      static const std::string piece = "only";
      d.write(piece, nullptr);
      d.after(20ms, [d]() mutable { d.write("", nullptr); });
      d.after(40ms, [d]() mutable { d.finish(); });
    });
  });
  Client c(s.port());
  c.send(kGet);
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "only");
}

// A deferred answer is not cut off by the deadline left over from reading its request (a
// keep-alive connection's idle time running out while the answer is pending).
TEST(HttpStream, DeferredAnswerOutlivesTheIdleDeadlineOfItsRequest) {
  auto o = TestServer::options();
  o.timeouts.idle = 300ms;
  TestServer s(
      [](const http::Request&, http::Response& res) {
        auto d = res.defer();
        d.after(600ms, [d]() mutable {
          d.response().body("text/plain", "late");
          d.finish();
        });
      },
      o);
  Client c(s.port());
  std::this_thread::sleep_for(200ms);
  c.send(kGet);
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "late");
}

// --- over TLS (the stream's pieces go through Asio's SSL stream, not the epoll path) ---------

namespace {

// One request over TLS; the raw response bytes until the server closes.
std::string tls_exchange(int port, const std::string& request, const std::filesystem::path& ca) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_load_verify_locations(ctx, ca.c_str(), nullptr);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  Client tcp(port);
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, tcp.fd());
  X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), "127.0.0.1");
  std::string out;
  if (SSL_connect(ssl) == 1) {
    SSL_write(ssl, request.data(), static_cast<int>(request.size()));
    char buf[16384];
    int n;
    while ((n = SSL_read(ssl, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  }
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  return out;
}

// Decodes a chunked body; nullopt when it has no last chunk.
std::optional<std::string> dechunk(std::string_view in) {
  std::string body;
  for (;;) {
    auto eol = in.find("\r\n");
    if (eol == std::string_view::npos) return std::nullopt;
    std::size_t size = std::stoul(std::string(in.substr(0, eol)), nullptr, 16);
    in.remove_prefix(eol + 2);
    if (size == 0) return body;
    if (in.size() < size + 2) return std::nullopt;
    body.append(in.substr(0, size));
    in.remove_prefix(size + 2);
  }
}

}  // namespace

TEST(HttpStream, OverTls) {
  auto dir = std::filesystem::temp_directory_path() / ("oasis-stream-tls-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -days 1 -keyout " +
                    (dir / "key.pem").string() + " -out " + (dir / "cert.pem").string() + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "openssl could not make a certificate";
  auto o = TestServer::options();
  o.tls.cert_file = (dir / "cert.pem").string();
  o.tls.key_file = (dir / "key.pem").string();
  // 2 MiB in 64 KiB pieces, whole; and the same cut off after 5 pieces.
  std::vector<std::string> pieces;
  std::string whole;
  for (int i = 0; i < 32; ++i) {
    pieces.push_back(std::string(64 * 1024, static_cast<char>('a' + i % 26)));
    whole += pieces.back();
  }
  for (std::size_t abort_after : {SIZE_MAX, std::size_t{5}}) {
    TestServer s(streaming(pieces, {}, abort_after), o);
    std::string out = tls_exchange(s.port(), "GET /stream HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", dir / "cert.pem");
    auto head_end = out.find("\r\n\r\n");
    ASSERT_NE(head_end, std::string::npos) << out.substr(0, 200);
    EXPECT_EQ(out.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
    EXPECT_NE(out.substr(0, head_end).find("Transfer-Encoding: chunked"), std::string::npos);
    auto body = dechunk(std::string_view(out).substr(head_end + 4));
    if (abort_after == SIZE_MAX) {
      ASSERT_TRUE(body);
      EXPECT_TRUE(*body == whole) << body->size() << " bytes";
    } else {
      EXPECT_FALSE(body) << "an aborted body must not read as complete";
      EXPECT_LT(out.size(), whole.size());
    }
  }
  std::filesystem::remove_all(dir);
}
