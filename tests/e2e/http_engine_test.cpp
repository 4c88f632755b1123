// End-to-end: examples/hello on loopback, spoken to in raw bytes. Keep-alive, pipelining,
// chunked bodies, 100-continue, every limit, every timeout, every smuggling case, TLS and
// graceful shutdown.
#include "e2e/support.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <filesystem>

using namespace oasis_test;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> hello_args(std::vector<std::string> extra = {}) {
  std::vector<std::string> a = {binary("hello"),          "--port",          "0",
                                "--threads",              "2",               "--max-body",
                                "1024",                   "--max-header-bytes", "2048",
                                "--max-headers",          "20",              "--max-request-line",
                                "256",                    "--header-timeout-ms", "800",
                                "--body-timeout-ms",      "800",             "--idle-timeout-ms",
                                "1200"};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

class Engine : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new Process(hello_args());
    port_ = server_->wait_for_port();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static Process* server_;
  static int port_;

  // Sends bytes on a fresh connection, expects one response with `status`, then a close.
  void expect_rejected(std::string_view bytes, int status) {
    Client c(port_);
    c.send(bytes);
    auto r = c.read_response();
    ASSERT_TRUE(r) << "no response to: " << bytes;
    EXPECT_EQ(r->status, status) << bytes;
    EXPECT_EQ(r->header("Connection"), "close");
    EXPECT_EQ(r->header("Content-Type"), "application/problem+json");
    EXPECT_TRUE(c.closed_by_peer()) << "connection left open after " << status;
  }
};
Process* Engine::server_ = nullptr;
int Engine::port_ = 0;

const char* kGet = "GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n";

}  // namespace

TEST_F(Engine, PlaintextAndJson) {
  auto p = exchange(port_, kGet);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->status, 200);
  EXPECT_EQ(p->body, "Hello, World!");
  EXPECT_EQ(p->header("Content-Type"), "text/plain");
  EXPECT_FALSE(p->header("Date").empty());
  auto j = exchange(port_, "GET /json HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(j);
  EXPECT_EQ(j->body, R"({"message":"Hello, World!"})");
  EXPECT_EQ(j->header("Content-Type"), "application/json");
}

TEST_F(Engine, KeepAliveServesManyRequestsOnOneConnection) {
  Client c(port_);
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(c.send(kGet));
    auto r = c.read_response();
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->status, 200);
    EXPECT_FALSE(r->has_header("Connection"));
  }
}

TEST_F(Engine, PipelinedHundredRequestsInOneWriteAnswerInOrder) {
  Client c(port_);
  std::string batch;
  for (int i = 0; i < 100; ++i)
    batch += std::string("GET ") + (i % 2 ? "/json" : "/plaintext") + " HTTP/1.1\r\nHost: t\r\n\r\n";
  ASSERT_TRUE(c.send(batch));
  for (int i = 0; i < 100; ++i) {
    auto r = c.read_response();
    ASSERT_TRUE(r) << "response " << i;
    EXPECT_EQ(r->body, i % 2 ? R"({"message":"Hello, World!"})" : "Hello, World!") << i;
  }
}

TEST_F(Engine, PipelinedRequestsWaitForADeferredAnswer) {
  Client c(port_);
  c.send("GET /slow?ms=200 HTTP/1.1\r\nHost: t\r\n\r\nGET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n");
  auto first = c.read_response();
  auto second = c.read_response();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->body, "done");
  EXPECT_EQ(second->body, "Hello, World!");
}

TEST_F(Engine, ConnectionCloseIsHonoured) {
  Client c(port_);
  c.send("GET /plaintext HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("Connection"), "close");
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(Engine, Http10ClosesUnlessKeptAlive) {
  Client a(port_);
  a.send("GET /plaintext HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(a.read_response());
  EXPECT_TRUE(a.closed_by_peer());
  Client b(port_);
  b.send("GET /plaintext HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  auto r = b.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("Connection"), "keep-alive");
  b.send("GET /json HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  EXPECT_TRUE(b.read_response());
}

TEST_F(Engine, HeadHasHeadersButNoBody) {
  Client c(port_);
  c.send("HEAD /plaintext HTTP/1.1\r\nHost: t\r\n\r\nGET /json HTTP/1.1\r\nHost: t\r\n\r\n");
  auto h = c.read_response(/*head_request=*/true);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->header("Content-Length"), "13");
  auto g = c.read_response();  // would be garbage if HEAD had sent a body
  ASSERT_TRUE(g);
  EXPECT_EQ(g->body, R"({"message":"Hello, World!"})");
}

TEST_F(Engine, BodyByContentLength) {
  auto r = exchange(port_, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\nhello world");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "hello world");
}

TEST_F(Engine, ChunkedBodyWithTrailers) {
  Client c(port_);
  c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
  c.send("5\r\nhello\r\n");
  std::this_thread::sleep_for(50ms);
  c.send("6\r\n world\r\n0\r\nX-Checksum: 42\r\n\r\n");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "hello world");
  EXPECT_EQ(r->header("X-Trailer-Checksum"), "42");
}

TEST_F(Engine, ExpectContinueGetsInterimResponseBeforeBody) {
  Client c(port_);
  c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
  auto interim = c.read_response();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  c.send("data");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "data");
}

TEST_F(Engine, ExpectContinueWithTooLargeBodyGets413WithoutContinue) {
  Client c(port_);
  c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 999999\r\nExpect: 100-continue\r\n\r\n");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(Engine, GzipWhenAccepted) {
  Client c(port_);
  c.send("GET /big HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip, br\r\n\r\nGET /big HTTP/1.1\r\nHost: t\r\n\r\n");
  auto gz = c.read_response();
  ASSERT_TRUE(gz);
  EXPECT_EQ(gz->header("Content-Encoding"), "gzip");
  EXPECT_LT(gz->body.size(), 1000u);
  EXPECT_EQ(static_cast<unsigned char>(gz->body[0]), 0x1f);  // gzip magic
  auto plain = c.read_response();
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->has_header("Content-Encoding"));
  EXPECT_EQ(plain->body.size(), 64u * 1024);
}

// --- limits --------------------------------------------------------------------------------

TEST_F(Engine, LimitRequestTargetIs414) {
  expect_rejected("GET /" + std::string(400, 'a') + " HTTP/1.1\r\nHost: t\r\n\r\n", 414);
}

TEST_F(Engine, LimitHeaderBytesIs431) {
  expect_rejected("GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(3000, 'b') + "\r\n\r\n", 431);
}

TEST_F(Engine, LimitHeaderCountIs431) {
  std::string req = "GET / HTTP/1.1\r\nHost: t\r\n";
  for (int i = 0; i < 25; ++i) req += "X-" + std::to_string(i) + ": v\r\n";
  expect_rejected(req + "\r\n", 431);
}

TEST_F(Engine, LimitDeclaredBodyIs413BeforeReadingIt) {
  // Only the headers are sent: the answer must come without the body.
  expect_rejected("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n", 413);
}

TEST_F(Engine, LimitChunkedBodyIs413) {
  std::string chunk = "400\r\n" + std::string(1024, 'c') + "\r\n";
  expect_rejected("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk + chunk + "0\r\n\r\n", 413);
}

// --- timeouts ------------------------------------------------------------------------------

TEST_F(Engine, TimeoutHeaderSectionTooSlowIs408) {
  Client c(port_);
  c.send("GET /plaintext HTTP/1.1\r\nHost: t\r\n");  // never finishes the header section
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 408);
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(Engine, TimeoutSlowlorisDribbleIsCutOff) {
  Client c(port_);
  std::string req = "GET /plaintext HTTP/1.1\r\nHost: t\r\nX-Slow: ";
  auto start = std::chrono::steady_clock::now();
  bool cut = false;
  for (int i = 0; i < 40 && !cut; ++i) {  // a byte every 100 ms: each read is progress
    cut = !c.send(i == 0 ? req : "a");
    std::this_thread::sleep_for(100ms);
    pollfd p{c.fd(), POLLIN, 0};
    cut = cut || poll(&p, 1, 0) > 0;
  }
  EXPECT_TRUE(cut) << "a client sending one byte at a time was never cut off";
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST_F(Engine, TimeoutBodyTooSlowIs408) {
  Client c(port_);
  c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 408);
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(Engine, TimeoutIdleKeepAliveIsClosed) {
  Client c(port_);
  c.send(kGet);
  ASSERT_TRUE(c.read_response());
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.closed_by_peer(5s));
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 900ms);  // idle timeout is 1200 ms, swept every 250 ms
  EXPECT_LT(waited, 3s);
}

// --- request smuggling and malformed requests ---------------------------------------------

TEST_F(Engine, SmugglingContentLengthAndTransferEncoding) {
  expect_rejected("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400);
}

TEST_F(Engine, SmugglingDifferingContentLengths) {
  expect_rejected("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde", 400);
}

TEST_F(Engine, SmugglingInvalidChunkSize) {
  expect_rejected("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n", 400);
}

TEST_F(Engine, SmugglingFinalCodingNotChunked) {
  expect_rejected("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, identity\r\n\r\n", 400);
}

TEST_F(Engine, SmugglingMissingHost) { expect_rejected("GET /plaintext HTTP/1.1\r\n\r\n", 400); }

TEST_F(Engine, SmugglingBareLf) { expect_rejected("GET /plaintext HTTP/1.1\nHost: t\n\n", 400); }

TEST_F(Engine, SmugglingObsFold) { expect_rejected("GET /plaintext HTTP/1.1\r\nHost: t\r\nX: a\r\n b\r\n\r\n", 400); }

TEST_F(Engine, SmugglingSpaceBeforeColon) {
  expect_rejected("GET /plaintext HTTP/1.1\r\nHost: t\r\nContent-Length : 0\r\n\r\n", 400);
}

TEST_F(Engine, SmugglingNonTokenMethod) { expect_rejected("G(T /plaintext HTTP/1.1\r\nHost: t\r\n\r\n", 400); }

TEST_F(Engine, UnknownMethodIs501) { expect_rejected("BREW /pot HTTP/1.1\r\nHost: t\r\n\r\n", 501); }

TEST_F(Engine, GarbageNeverCrashesTheServer) {
  const std::string junk[] = {std::string("\0\0\0\0", 4), "\r\n\r\n\r\n", "GET", "HTTP/1.1 200 OK\r\n\r\n",
                              std::string(5000, '\xff'), "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999999999999999\r\n\r\n"};
  for (const auto& j : junk) {
    Client c(port_);
    c.send(j);
    c.closed_by_peer(2s);
  }
  auto r = exchange(port_, kGet);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(Engine, ManyConcurrentConnections) {
  std::vector<std::unique_ptr<Client>> cs;
  for (int i = 0; i < 200; ++i) cs.push_back(std::make_unique<Client>(port_));
  for (auto& c : cs) c->send(kGet);
  int ok = 0;
  for (auto& c : cs) {
    auto r = c->read_response();
    ok += r && r->status == 200;
  }
  EXPECT_EQ(ok, 200);
}

// --- TLS -----------------------------------------------------------------------------------

namespace {
bool make_cert(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -days 1 -keyout " +
                    (dir / "key.pem").string() + " -out " + (dir / "cert.pem").string() + " >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

// One request over TLS with OpenSSL; returns the raw response bytes until close.
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
    char buf[4096];
    int n;
    while ((n = SSL_read(ssl, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  } else {
    out = "handshake failed";
  }
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  return out;
}
}  // namespace

TEST(EngineTls, ServesHttpsWithVerifiedCertificate) {
  auto dir = std::filesystem::temp_directory_path() / ("oasis-tls-" + std::to_string(getpid()));
  ASSERT_TRUE(make_cert(dir)) << "openssl could not make a certificate";
  Process s(hello_args({"--tls-cert", (dir / "cert.pem").string(), "--tls-key", (dir / "key.pem").string()}));
  int port = s.wait_for_port();
  std::string out = tls_exchange(port, "GET /json HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", dir / "cert.pem");
  EXPECT_EQ(out.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << out;
  EXPECT_NE(out.find(R"({"message":"Hello, World!"})"), std::string::npos);
  // Plain HTTP to a TLS port is not answered as HTTP.
  Client plain(port, 2s);
  plain.send(kGet);
  auto r = plain.read_response();
  EXPECT_FALSE(r && r->status == 200);
  std::filesystem::remove_all(dir);
}

// --- graceful shutdown ---------------------------------------------------------------------

TEST(EngineShutdown, SigtermFinishesInFlightRequestsThenExits) {
  Process s(hello_args());
  int port = s.wait_for_port();
  Client busy(port);
  busy.send("GET /slow?ms=700 HTTP/1.1\r\nHost: t\r\n\r\n");
  Client idle(port);
  idle.send(kGet);
  ASSERT_TRUE(idle.read_response());
  std::this_thread::sleep_for(100ms);  // the slow request is in flight
  s.kill(SIGTERM);
  // The idle keep-alive connection is closed at once...
  EXPECT_TRUE(idle.closed_by_peer(2s));
  // ...the in-flight request still gets its answer, with Connection: close...
  auto r = busy.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "done");
  EXPECT_EQ(r->header("Connection"), "close");
  // ...and the process exits cleanly.
  EXPECT_EQ(s.wait(5s), 0);
  EXPECT_NE(s.output().find("stopped"), std::string::npos);
}

TEST(EngineShutdown, NewConnectionsAreRefusedDuringShutdown) {
  Process s(hello_args());
  int port = s.wait_for_port();
  Client busy(port);
  busy.send("GET /slow?ms=800 HTTP/1.1\r\nHost: t\r\n\r\n");
  std::this_thread::sleep_for(100ms);
  s.kill(SIGTERM);
  std::this_thread::sleep_for(200ms);
  bool refused = false;
  try {
    Client late(port, 1s);
    late.send(kGet);
    refused = !late.read_response();
  } catch (const std::exception&) {
    refused = true;
  }
  EXPECT_TRUE(refused);
  EXPECT_TRUE(busy.read_response());
  EXPECT_EQ(s.wait(5s), 0);
}
