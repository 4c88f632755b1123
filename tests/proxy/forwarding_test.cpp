// How the proxy's traffic to the upstream behaves on the wire: one keep-alive connection
// reused for a client's requests, pipelined client requests answered in order, an upstream
// that breaks off an answer, and the upstream connections closing when the server stops (a
// server thread forwards through a transport on its own event loop, released when it stops).
//
// The upstream here is a scripted one on raw sockets, so that connections can be counted and
// answers cut short; the client is a raw socket too, so that requests can be pipelined.
#include "../support/loopback.hpp"

#include <oasis/http/client.hpp>
#include <oasis/http/server.hpp>
#include <oasis/proxy/proxy.hpp>

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace oasis;

namespace {

std::unique_ptr<spec::Document> load_pets() {
  auto r = spec::Document::load_file(std::string(OASIS_SOURCE_DIR) + "/tests/proxy/pets.yaml");
  if (!r.ok()) throw std::runtime_error("tests/proxy/pets.yaml did not load");
  return std::move(r.document);
}

// Reads from `fd` until `buf` holds `want` bytes past `from` or the peer closes; false on
// close or after two seconds of silence.
bool read_more(int fd, std::string& buf) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 2000) <= 0) return false;
  char tmp[4096];
  ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
  if (n <= 0) return false;
  buf.append(tmp, static_cast<std::size_t>(n));
  return true;
}

// An HTTP/1.1 upstream on raw sockets: GET /pets/1 is a valid pet, /pets/3 a 500, /pets/9
// promises 100 bytes of body, sends 10 and closes the connection. Counts connections and
// requests; closes every connection when destroyed and records which ones the peer closed.
class ScriptedUpstream {
 public:
  ScriptedUpstream() : listener_(oasis_test::listen_on_loopback("scripted upstream")) {
    thread_ = std::thread([this] { accept_loop(); });
  }
  ~ScriptedUpstream() {
    stop_ = true;
    thread_.join();
    for (auto& t : conns_) t.join();
    ::close(listener_.fd);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(listener_.port); }
  int connections() const { return connections_.load(); }
  int requests() const { return requests_.load(); }
  int closed_by_peer() const { return closed_by_peer_.load(); }

 private:
  void accept_loop() {
    while (!stop_) {
      pollfd p{listener_.fd, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int fd = ::accept(listener_.fd, nullptr, nullptr);
      if (fd < 0) continue;
      ++connections_;
      conns_.emplace_back([this, fd] { serve(fd); });
    }
  }

  void serve(int fd) {
    std::string in;
    for (;;) {
      auto end = in.find("\r\n\r\n");
      while (end == std::string::npos) {
        pollfd p{fd, POLLIN, 0};
        int r = ::poll(&p, 1, 20);
        if (stop_) return (void)::close(fd);
        if (r <= 0) continue;
        char tmp[4096];
        ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
        if (n <= 0) {
          ++closed_by_peer_;
          return (void)::close(fd);
        }
        in.append(tmp, static_cast<std::size_t>(n));
        end = in.find("\r\n\r\n");
      }
      std::string head = in.substr(0, end);
      in.erase(0, end + 4);  // GETs only: no body
      ++requests_;
      auto sp1 = head.find(' '), sp2 = head.find(' ', sp1 + 1);
      std::string target = head.substr(sp1 + 1, sp2 - sp1 - 1);
      std::string out;
      if (target == "/pets/9") {
        out = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"id\":9,\"na";
        send_all(fd, out);
        return (void)::close(fd);
      }
      int status = target == "/pets/1" ? 200 : target == "/pets/3" ? 500 : 404;
      std::string body = status == 200 ? R"({"id":1,"name":"Rex"})" : "{}";
      out = "HTTP/1.1 " + std::to_string(status) + (status == 200 ? " OK" : " Error") +
            "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
      send_all(fd, out);
    }
  }

  static void send_all(int fd, std::string_view s) {
    while (!s.empty()) {
      ssize_t n = ::send(fd, s.data(), s.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      s.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  oasis_test::LoopbackListener listener_;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0}, requests_{0}, closed_by_peer_{0};
  std::thread thread_;
  std::vector<std::thread> conns_;  // joined at the end (accept_loop is the only writer)
};

// The proxy behind an http::Server with `threads` threads, run until destroyed.
struct Front {
  http::Server server;
  std::thread thread;
  Front(http::Handler h, unsigned threads) : server(options(threads), std::move(h)) {
    server.listen();
    thread = std::thread([this] { server.run(); });
  }
  ~Front() { stop(); }
  void stop() {
    if (!thread.joinable()) return;
    server.stop();
    thread.join();
  }
  static http::ServerOptions options(unsigned threads) {
    http::ServerOptions o;
    o.port = 0;
    o.threads = threads;
    return o;
  }
  int connect() const {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(server.port());
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd);
      return -1;
    }
    return fd;
  }
};

proxy::ProxyOptions options_for(const std::string& upstream) {
  proxy::ProxyOptions o;
  o.upstream = upstream;
  o.mode = proxy::Mode::report;
  o.keep_violations = 100;
  o.upstream_timeout = std::chrono::milliseconds(3000);
  return o;
}

struct Answer {
  int status = 0;
  std::string body;
};

// Reads `n` answers with Content-Length from `fd`, in the order they come.
std::vector<Answer> read_answers(int fd, std::size_t n) {
  std::vector<Answer> out;
  std::string buf;
  while (out.size() < n) {
    auto end = buf.find("\r\n\r\n");
    if (end == std::string::npos) {
      if (!read_more(fd, buf)) break;
      continue;
    }
    std::string head = buf.substr(0, end);
    auto cl = head.find("Content-Length: ");
    std::size_t length = cl == std::string::npos ? 0 : std::stoul(head.substr(cl + 16));
    if (buf.size() < end + 4 + length) {
      if (!read_more(fd, buf)) break;
      continue;
    }
    out.push_back({std::stoi(head.substr(9, 3)), buf.substr(end + 4, length)});
    buf.erase(0, end + 4 + length);
  }
  return out;
}

void send_text(int fd, const std::string& s) { ASSERT_EQ(::send(fd, s.data(), s.size(), MSG_NOSIGNAL), static_cast<ssize_t>(s.size())); }

}  // namespace

TEST(ProxyForwarding, OneUpstreamConnectionServesAClientsRequests) {
  auto doc = load_pets();
  ScriptedUpstream up;
  proxy::Proxy px(*doc, options_for(up.url()));
  {
    Front front(px.handler(), 1);
    int fd = front.connect();
    ASSERT_GE(fd, 0);
    for (int i = 0; i < 20; ++i) {
      send_text(fd, "GET /pets/1 HTTP/1.1\r\nHost: x\r\n\r\n");
      auto a = read_answers(fd, 1);
      ASSERT_EQ(a.size(), 1u) << "request " << i;
      EXPECT_EQ(a[0].status, 200);
      EXPECT_EQ(a[0].body, R"({"id":1,"name":"Rex"})");
    }
    ::close(fd);
    EXPECT_EQ(up.requests(), 20);
    EXPECT_EQ(up.connections(), 1);  // kept alive and reused, not one per request
    EXPECT_EQ(up.closed_by_peer(), 0);
  }
  // The server thread's transport went with the thread: its upstream connection is closed.
  for (int i = 0; i < 200 && up.closed_by_peer() < 1; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(up.closed_by_peer(), 1);
  EXPECT_EQ(px.stats().forwarded, 20u);
}

TEST(ProxyForwarding, PipelinedRequestsAreAnsweredInOrder) {
  auto doc = load_pets();
  ScriptedUpstream up;
  proxy::Proxy px(*doc, options_for(up.url()));
  Front front(px.handler(), 1);
  int fd = front.connect();
  ASSERT_GE(fd, 0);
  // Four requests in one write: the proxy answers each only after its upstream exchange, and
  // the answers must come back in the order asked.
  send_text(fd,
            "GET /pets/1 HTTP/1.1\r\nHost: x\r\n\r\n"
            "GET /pets/3 HTTP/1.1\r\nHost: x\r\n\r\n"
            "GET /pets/7 HTTP/1.1\r\nHost: x\r\n\r\n"
            "GET /pets/1 HTTP/1.1\r\nHost: x\r\n\r\n");
  auto a = read_answers(fd, 4);
  ::close(fd);
  ASSERT_EQ(a.size(), 4u);
  EXPECT_EQ(a[0].status, 200);
  EXPECT_EQ(a[0].body, R"({"id":1,"name":"Rex"})");
  EXPECT_EQ(a[1].status, 500);
  EXPECT_EQ(a[2].status, 404);
  EXPECT_EQ(a[3].status, 200);
  EXPECT_EQ(a[3].body, R"({"id":1,"name":"Rex"})");
  EXPECT_EQ(up.requests(), 4);
}

TEST(ProxyForwarding, AnUpstreamThatBreaksOffAnAnswerIs502AndTheProxyGoesOn) {
  auto doc = load_pets();
  ScriptedUpstream up;
  proxy::Proxy px(*doc, options_for(up.url()));
  Front front(px.handler(), 1);
  int fd = front.connect();
  ASSERT_GE(fd, 0);
  send_text(fd, "GET /pets/9 HTTP/1.1\r\nHost: x\r\n\r\n");
  auto broken = read_answers(fd, 1);
  ASSERT_EQ(broken.size(), 1u);
  EXPECT_EQ(broken[0].status, 502);
  EXPECT_NE(broken[0].body.find("could not be reached or answered badly"), std::string::npos) << broken[0].body;
  EXPECT_EQ(px.stats().upstream_errors, 1u);
  // A GET is idempotent: the transport tried it again on fresh connections first.
  EXPECT_GE(up.requests(), 2);

  // The same client connection, and the proxy, keep working.
  send_text(fd, "GET /pets/1 HTTP/1.1\r\nHost: x\r\n\r\n");
  auto ok = read_answers(fd, 1);
  ::close(fd);
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(ok[0].status, 200);
  EXPECT_EQ(ok[0].body, R"({"id":1,"name":"Rex"})");
}

TEST(ProxyForwarding, EachServerThreadForwardsAndStopsCleanly) {
  auto doc = load_pets();
  ScriptedUpstream up;
  proxy::Proxy px(*doc, options_for(up.url()));
  constexpr int kClients = 8;
  {
    Front front(px.handler(), 2);
    std::vector<std::thread> clients;
    std::atomic<int> good{0};
    for (int c = 0; c < kClients; ++c)
      clients.emplace_back([&] {
        int fd = front.connect();
        if (fd < 0) return;
        for (int i = 0; i < 10; ++i) {
          std::string req = "GET /pets/1 HTTP/1.1\r\nHost: x\r\n\r\n";
          if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) break;
          auto a = read_answers(fd, 1);
          if (a.size() == 1 && a[0].status == 200) ++good;
        }
        ::close(fd);
      });
    for (auto& t : clients) t.join();
    EXPECT_EQ(good.load(), kClients * 10);
    // At most one upstream connection per client connection in flight at once (and each thread
    // keeps its own pool).
    EXPECT_GE(up.connections(), 1);
    EXPECT_LE(up.connections(), kClients);
    front.stop();  // returns: the threads' transports did not keep their loops running
  }
  for (int i = 0; i < 200 && up.closed_by_peer() < up.connections(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(up.closed_by_peer(), up.connections());
  EXPECT_EQ(px.stats().forwarded, static_cast<std::uint64_t>(kClients * 10));
}

TEST(ProxyForwarding, AfterShutdownNothingIsForwarded) {
  auto doc = load_pets();
  ScriptedUpstream up;
  proxy::Proxy px(*doc, options_for(up.url()));
  px.shutdown();
  Front front(px.handler(), 1);
  int fd = front.connect();
  ASSERT_GE(fd, 0);
  send_text(fd, "GET /pets/1 HTTP/1.1\r\nHost: x\r\n\r\n");
  auto a = read_answers(fd, 1);
  ::close(fd);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].status, 503);
  EXPECT_EQ(up.requests(), 0);
}
