// tests/client/tls_test.cpp — the transport's TLS against a TLS server run by the test with
// OpenSSL: certificates made at test time (a CA, a server certificate it signs for localhost and
// 127.0.0.1, and a client certificate), verification on by default, CA file and CA directory,
// the explicit insecure option, SNI, host-name checks and client certificates.
#include <oasis/http/client.hpp>

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <support/loopback.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

using namespace oasis::http;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// A CA, a server certificate (CN=localhost, SANs localhost and 127.0.0.1) and a client
// certificate (CN=oasis-test-client), all signed by the CA; made once per run with the openssl
// command line, nothing from the network.
struct Certs {
  fs::path dir;
  bool ok = false;
  std::string error;

  Certs() {
    dir = fs::temp_directory_path() / ("oasis-client-tls-" + std::to_string(getpid()));
    fs::create_directories(dir / "cadir");
    auto p = [&](const char* f) { return (dir / f).string(); };
    std::ofstream(p("server.ext")) << "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n";
    std::ofstream(p("client.ext")) << "extendedKeyUsage=clientAuth\n";
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    const std::string q = " >>" + p("openssl.log") + " 2>&1";
    std::vector<std::string> steps = {
        "openssl req -x509" + ec + " -days 2 -subj /CN=oasis-test-ca -addext basicConstraints=critical,CA:TRUE" +
            " -addext keyUsage=critical,keyCertSign,cRLSign -keyout " + p("ca.key") + " -out " + p("ca.pem") + q,
        "openssl req" + ec + " -subj /CN=localhost -keyout " + p("server.key") + " -out " + p("server.csr") + q,
        "openssl x509 -req -days 2 -in " + p("server.csr") + " -CA " + p("ca.pem") + " -CAkey " + p("ca.key") +
            " -CAcreateserial -extfile " + p("server.ext") + " -out " + p("server.pem") + q,
        "openssl req" + ec + " -subj /CN=oasis-test-client -keyout " + p("client.key") + " -out " + p("client.csr") + q,
        "openssl x509 -req -days 2 -in " + p("client.csr") + " -CA " + p("ca.pem") + " -CAkey " + p("ca.key") +
            " -CAcreateserial -extfile " + p("client.ext") + " -out " + p("client.pem") + q,
        // A hashed CA directory, as tls.ca_dir expects.
        "cp " + p("ca.pem") + " " + (dir / "cadir" / "ca.pem").string() + " && openssl rehash " + (dir / "cadir").string() + q,
    };
    for (const auto& s : steps)
      if (std::system(s.c_str()) != 0) {
        error = "openssl failed: " + s;
        return;
      }
    ok = true;
  }
  ~Certs() { fs::remove_all(dir); }
  std::string path(const char* f) const { return (dir / f).string(); }
};

const Certs& certs() {
  static Certs c;
  return c;
}

// A TLS server on 127.0.0.1: each connection answers every request with what it saw of the
// handshake: "sni=NAME client=CN".
class TlsServer {
 public:
  explicit TlsServer(bool require_client_cert = false) {
    ctx_ = SSL_CTX_new(TLS_server_method());
    SSL_CTX_use_certificate_chain_file(ctx_, certs().path("server.pem").c_str());
    SSL_CTX_use_PrivateKey_file(ctx_, certs().path("server.key").c_str(), SSL_FILETYPE_PEM);
    if (require_client_cert) {
      SSL_CTX_load_verify_locations(ctx_, certs().path("ca.pem").c_str(), nullptr);
      SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    }
    auto listener = oasis_test::listen_on_loopback("tls server", 16);
    fd_ = listener.fd;
    port_ = listener.port;
    acceptor_ = std::thread([this] { loop(); });
  }
  ~TlsServer() {
    stop_ = true;
    acceptor_.join();
    for (auto& t : conns_) t.join();
    ::close(fd_);
    SSL_CTX_free(ctx_);
  }
  std::uint16_t port() const { return port_; }
  int handshakes_failed() const { return failed_.load(); }
  int handshakes_ok() const { return ok_.load(); }

 private:
  void loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      timeval tv{2, 0};
      setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      conns_.emplace_back([this, c] { serve(c); });
    }
  }
  void serve(int c) {
    SSL* ssl = SSL_new(ctx_);
    SSL_set_fd(ssl, c);
    if (SSL_accept(ssl) != 1) {
      ++failed_;
    } else {
      ++ok_;
      const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
      std::string client = "-";
      if (X509* peer = SSL_get_peer_certificate(ssl)) {
        char cn[256] = {};
        X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, sizeof cn);
        client = cn;
        X509_free(peer);
      }
      std::string body = "sni=" + std::string(sni ? sni : "-") + " client=" + client;
      std::string buf;
      char tmp[4096];
      for (;;) {
        int n = SSL_read(ssl, tmp, sizeof tmp);
        if (n <= 0) break;
        buf.append(tmp, static_cast<std::size_t>(n));
        std::size_t end;
        while ((end = buf.find("\r\n\r\n")) != std::string::npos) {
          buf.erase(0, end + 4);
          std::string res = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
          SSL_write(ssl, res.data(), static_cast<int>(res.size()));
        }
      }
    }
    SSL_shutdown(ssl);
    SSL_free(ssl);
    ::close(c);
  }

  SSL_CTX* ctx_ = nullptr;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> failed_{0}, ok_{0};
  std::thread acceptor_;
  std::vector<std::thread> conns_;
};

Origin https(std::uint16_t port, const std::string& host = "127.0.0.1") {
  Origin o;
  o.scheme = "https";
  o.host = host;
  o.port = port;
  return o;
}

ClientRequest get() {
  ClientRequest r;
  r.target = "/";
  return r;
}

#define REQUIRE_CERTS() \
  if (!certs().ok) GTEST_SKIP() << certs().error

}  // namespace

TEST(TransportTls, VerificationIsOnByDefaultAndRefusesAnUnknownCa) {
  REQUIRE_CERTS();
  TlsServer server;
  TransportOptions opt;  // verify = true, the system's CA store: our test CA is not in it
  EXPECT_TRUE(opt.tls.verify);
  Transport t(opt);
  auto [err, res] = t.send(https(server.port()), get());
  ASSERT_TRUE(err);
  EXPECT_EQ(err.kind, TransportError::Kind::tls);
  EXPECT_NE(err.message.find("not trusted"), std::string::npos) << err.message;
  EXPECT_NE(err.message.find("tls.ca_file"), std::string::npos) << err.message;
  EXPECT_EQ(res.status, 0);
}

TEST(TransportTls, VerifiedWithTheCaFileOrCaDirectory) {
  REQUIRE_CERTS();
  TlsServer server;
  {
    TransportOptions opt;
    opt.tls.ca_file = certs().path("ca.pem");
    Transport t(opt);
    auto [err, res] = t.send(https(server.port()), get());
    ASSERT_FALSE(err) << err.message;
    EXPECT_EQ(res.status, 200);
    // Connected to 127.0.0.1, verified against the certificate's IP SAN.
    EXPECT_NE(res.body.find("client=-"), std::string::npos) << res.body;
    // Keep-alive over TLS: a second request on the same connection.
    auto [err2, res2] = t.send(https(server.port()), get());
    ASSERT_FALSE(err2) << err2.message;
    EXPECT_EQ(t.stats().connections_opened, 1u);
  }
  {
    TransportOptions opt;
    opt.tls.ca_dir = (certs().dir / "cadir").string();
    Transport t(opt);
    auto [err, res] = t.send(https(server.port(), "localhost"), get());
    ASSERT_FALSE(err) << err.message;
    EXPECT_EQ(res.status, 200);
  }
}

TEST(TransportTls, InsecureAcceptsAnyCertificateButOnlyWhenAskedFor) {
  REQUIRE_CERTS();
  TlsServer server;
  TransportOptions opt;
  opt.tls.verify = false;
  Transport t(opt);
  auto [err, res] = t.send(https(server.port()), get());
  ASSERT_FALSE(err) << err.message;
  EXPECT_EQ(res.status, 200);
}

TEST(TransportTls, SendsSniAndChecksTheHostName) {
  REQUIRE_CERTS();
  TlsServer server;
  {
    TransportOptions opt;
    opt.tls.ca_file = certs().path("ca.pem");
    Transport t(opt);
    auto [err, res] = t.send(https(server.port(), "localhost"), get());
    ASSERT_FALSE(err) << err.message;
    EXPECT_NE(res.body.find("sni=localhost"), std::string::npos) << res.body;
  }
  {
    // server_name: SNI and the name verified, while connecting to the IP.
    TransportOptions opt;
    opt.tls.ca_file = certs().path("ca.pem");
    opt.tls.server_name = "localhost";
    Transport t(opt);
    auto [err, res] = t.send(https(server.port()), get());
    ASSERT_FALSE(err) << err.message;
    EXPECT_NE(res.body.find("sni=localhost"), std::string::npos) << res.body;
  }
  {
    // A name the certificate does not carry is refused even though the CA is trusted.
    TransportOptions opt;
    opt.tls.ca_file = certs().path("ca.pem");
    opt.tls.server_name = "pve.example";
    Transport t(opt);
    auto [err, res] = t.send(https(server.port()), get());
    ASSERT_TRUE(err);
    EXPECT_EQ(err.kind, TransportError::Kind::tls) << err.message;
  }
}

TEST(TransportTls, PresentsTheClientCertificateWhenTheServerRequiresOne) {
  REQUIRE_CERTS();
  TlsServer server(/*require_client_cert=*/true);
  {
    TransportOptions opt;
    opt.tls.ca_file = certs().path("ca.pem");
    opt.broken_connection_retries = 0;
    Transport t(opt);
    auto [err, res] = t.send(https(server.port()), get());
    EXPECT_TRUE(err) << "a server requiring a client certificate answered without one";
  }
  EXPECT_GE(server.handshakes_failed(), 1);
  {
    TransportOptions opt;
    opt.tls.ca_file = certs().path("ca.pem");
    opt.tls.cert_file = certs().path("client.pem");
    opt.tls.key_file = certs().path("client.key");
    Transport t(opt);
    auto [err, res] = t.send(https(server.port()), get());
    ASSERT_FALSE(err) << err.message;
    EXPECT_NE(res.body.find("client=oasis-test-client"), std::string::npos) << res.body;
  }
}

TEST(TransportTls, UnreadableCaFileIsATlsErrorNamingTheFile) {
  REQUIRE_CERTS();
  TlsServer server;
  TransportOptions opt;
  opt.tls.ca_file = (certs().dir / "nope.pem").string();
  Transport t(opt);
  auto [err, res] = t.send(https(server.port()), get());
  ASSERT_TRUE(err);
  EXPECT_EQ(err.kind, TransportError::Kind::tls);
  EXPECT_NE(err.message.find("nope.pem"), std::string::npos) << err.message;
  // And it stays an error (no half-configured context is reused).
  auto [err2, res2] = t.send(https(server.port()), get());
  EXPECT_EQ(err2.kind, TransportError::Kind::tls);
}
