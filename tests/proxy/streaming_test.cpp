// Answers the proxy does not validate (--validate request) go to the client as they come from
// the upstream, never held whole: bodies far larger than the proxy's limit on a held answer
// pass, with Content-Length, chunked and close-delimited framing; a client that stops reading
// stalls the upstream instead of filling the proxy's memory; an upstream that breaks off
// mid-body cuts the client's answer short; a client that goes away mid-body releases the
// upstream connection. Validated answers are still held whole and checked.
//
// The upstream and the client are raw sockets in the test, so that framing, pacing and
// breakage are exact; bodies are a fixed pattern checked byte by byte on arrival.
#include "../support/loopback.hpp"

#include <oasis/http/server.hpp>
#include <oasis/proxy/proxy.hpp>

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace oasis;
using namespace std::chrono_literals;

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

std::unique_ptr<spec::Document> load_pets() {
  auto r = spec::Document::load_file(std::string(OASIS_SOURCE_DIR) + "/tests/proxy/pets.yaml");
  if (!r.ok()) throw std::runtime_error("tests/proxy/pets.yaml did not load");
  return std::move(r.document);
}

// The body pattern: byte i is block[i % kPeriod], an odd period so that a piece out of place
// shows.
constexpr std::size_t kPeriod = 65'537;
const std::string& block() {
  static const std::string b = [] {
    std::string s(kPeriod, '\0');
    for (std::size_t i = 0; i < kPeriod; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
    return s;
  }();
  return b;
}

constexpr std::size_t kBig = 128u << 20;    // far past the proxy's limit on a held answer
constexpr std::size_t kMedium = 8u << 20;
constexpr std::size_t kHeldLimit = 1u << 20;  // ProxyOptions::max_response_body in these tests

std::size_t rss_bytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6)) * 1024;
  return 0;
}

// An upstream on raw sockets. GET /pets/1: kBig bytes with Content-Length; /pets/2: kMedium
// bytes chunked; /pets/3: promises kMedium bytes, sends 1 MiB and closes; /pets/4: kMedium
// bytes delimited by closing; /pets/5: a small valid pet. HEAD /pets/1: the head of /pets/1.
// Counts the body bytes it managed to send and the sends the peer refused.
class BigUpstream {
 public:
  BigUpstream() : listener_(oasis_test::listen_on_loopback("big upstream")) {
    thread_ = std::thread([this] { accept_loop(); });
  }
  ~BigUpstream() {
    stop_ = true;
    thread_.join();
    for (auto& t : conns_) t.join();
    ::close(listener_.fd);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(listener_.port); }
  std::size_t sent() const { return sent_.load(); }
  int broken() const { return broken_.load(); }
  int requests() const { return requests_.load(); }
  // Uploads: body bytes received (each checked against the pattern), uploads that ended early.
  std::size_t received() const { return received_.load(); }
  bool received_ok() const { return received_ok_.load(); }
  int cut_uploads() const { return cut_uploads_.load(); }
  std::string last_upload_head() {
    std::lock_guard lk(mu_);
    return upload_head_;
  }
  // While held, the upstream reads no body bytes.
  void hold(bool on) { hold_ = on; }

 private:
  // More bytes into `in`; false when the peer closed or the test stops.
  bool recv_more(int fd, std::string& in) {
    for (;;) {
      if (stop_) return false;
      if (hold_) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        continue;
      }
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      char tmp[65536];
      ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
      if (n <= 0) return false;
      in.append(tmp, static_cast<std::size_t>(n));
      return true;
    }
  }
  // Checks body bytes against the pattern from offset `at`.
  void check(std::string_view bytes, std::size_t& at) {
    const std::string& b = block();
    for (char c : bytes)
      if (c != b[at++ % kPeriod]) received_ok_ = false;
    received_ += bytes.size();
  }
  // Reads an upload's body (Content-Length or chunked) from `in` and the socket; false when it
  // ended early.
  bool read_upload(int fd, const std::string& head, std::string& in) {
    std::string lower;
    for (char c : head) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    {
      std::lock_guard lk(mu_);
      upload_head_ = head;
    }
    std::size_t at = 0;
    if (lower.find("transfer-encoding: chunked") != std::string::npos) {
      for (;;) {
        std::size_t eol;
        while ((eol = in.find("\r\n")) == std::string::npos)
          if (!recv_more(fd, in)) return false;
        std::size_t size = std::stoul(in.substr(0, eol), nullptr, 16);
        in.erase(0, eol + 2);
        while (in.size() < size + 2)
          if (!recv_more(fd, in)) return false;
        check(std::string_view(in).substr(0, size), at);
        in.erase(0, size + 2);
        if (size == 0) return true;
      }
    }
    auto cl = lower.find("content-length:");
    std::size_t left = cl == std::string::npos ? 0 : std::stoull(head.substr(cl + 15));
    while (left > 0) {
      if (in.empty() && !recv_more(fd, in)) return false;
      std::size_t k = std::min(left, in.size());
      check(std::string_view(in).substr(0, k), at);
      in.erase(0, k);
      left -= k;
    }
    return true;
  }

  void accept_loop() {
    while (!stop_) {
      pollfd p{listener_.fd, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int fd = ::accept(listener_.fd, nullptr, nullptr);
      if (fd < 0) continue;
      int small = 128 * 1024;  // so that a stalled reader (or writer) shows here soon
      ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
      ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
      conns_.emplace_back([this, fd] { serve(fd); });
    }
  }

  // Sends all of s unless the peer goes away or the test stops; false then.
  bool send_all(int fd, std::string_view s) {
    while (!s.empty()) {
      pollfd p{fd, POLLOUT, 0};
      int r = ::poll(&p, 1, 20);
      if (stop_) return false;
      if (r <= 0) continue;
      ssize_t n = ::send(fd, s.data(), s.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) continue;
      if (n <= 0) {
        ++broken_;
        return false;
      }
      s.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  // Sends `n` bytes of the pattern from offset 0, in pieces of at most `piece` (each a chunk
  // when `chunked`).
  bool send_body(int fd, std::size_t n, std::size_t piece, bool chunked) {
    const std::string& b = block();
    for (std::size_t at = 0; at < n;) {
      std::size_t k = std::min({piece, n - at, kPeriod - at % kPeriod});
      if (chunked) {
        char size[32];
        std::snprintf(size, sizeof size, "%zx\r\n", k);
        if (!send_all(fd, size)) return false;
      }
      if (!send_all(fd, std::string_view(b).substr(at % kPeriod, k))) return false;
      if (chunked && !send_all(fd, "\r\n")) return false;
      sent_ += k;
      at += k;
    }
    return !chunked || send_all(fd, "0\r\n\r\n");
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
        if (n <= 0) return (void)::close(fd);
        in.append(tmp, static_cast<std::size_t>(n));
        end = in.find("\r\n\r\n");
      }
      std::string head = in.substr(0, end);
      in.erase(0, end + 4);
      ++requests_;
      const bool is_head = head.rfind("HEAD ", 0) == 0;
      auto sp1 = head.find(' '), sp2 = head.find(' ', sp1 + 1);
      std::string target = head.substr(sp1 + 1, sp2 - sp1 - 1);
      const std::string json = "Content-Type: application/json\r\n";
      bool ok = true;
      if (head.rfind("POST ", 0) == 0) {
        const std::size_t before = received_.load();
        if (!read_upload(fd, head, in)) {
          ++cut_uploads_;
          return (void)::close(fd);
        }
        std::string body = "{\"id\":" + std::to_string(received_.load() - before) + ",\"name\":\"upload\"}";
        ok = send_all(fd, "HTTP/1.1 201 Created\r\n" + json + "Content-Length: " + std::to_string(body.size()) +
                              "\r\n\r\n" + body);
      } else if (target == "/pets/1") {
        ok = send_all(fd, "HTTP/1.1 200 OK\r\n" + json + "Content-Length: " + std::to_string(kBig) + "\r\n\r\n") &&
             (is_head || send_body(fd, kBig, 64 * 1024, false));
      } else if (target == "/pets/2") {
        ok = send_all(fd, "HTTP/1.1 200 OK\r\n" + json + "Transfer-Encoding: chunked\r\nX-Kind: chunked\r\n\r\n") &&
             send_body(fd, kMedium, 10'007, true);
      } else if (target == "/pets/3") {
        send_all(fd, "HTTP/1.1 200 OK\r\n" + json + "Content-Length: " + std::to_string(kMedium) + "\r\n\r\n") &&
            send_body(fd, 1u << 20, 64 * 1024, false);
        return (void)::close(fd);
      } else if (target == "/pets/4") {
        send_all(fd, "HTTP/1.1 200 OK\r\n" + json + "Connection: close\r\n\r\n") &&
            send_body(fd, kMedium, 32 * 1024, false);
        return (void)::close(fd);
      } else {
        std::string body = R"({"id":5,"name":"Rex"})";
        ok = send_all(fd, "HTTP/1.1 200 OK\r\n" + json + "Content-Length: " + std::to_string(body.size()) +
                              "\r\n\r\n" + body);
      }
      if (!ok) return (void)::close(fd);
    }
  }

  oasis_test::LoopbackListener listener_;
  std::atomic<bool> stop_{false}, hold_{false}, received_ok_{true};
  std::atomic<std::size_t> sent_{0}, received_{0};
  std::atomic<int> broken_{0}, requests_{0}, cut_uploads_{0};
  std::mutex mu_;
  std::string upload_head_;
  std::thread thread_;
  std::vector<std::thread> conns_;
};

struct Front {
  http::Server server;
  std::thread thread;
  explicit Front(http::Handler h, std::function<bool(const http::Request&)> stream_bodies = {},
                 std::size_t max_body = 8u << 20)
      : server(options(std::move(stream_bodies), max_body), std::move(h)) {
    server.listen();
    thread = std::thread([this] { server.run(); });
  }
  ~Front() {
    server.stop();
    thread.join();
  }
  static http::ServerOptions options(std::function<bool(const http::Request&)> stream_bodies = {},
                                     std::size_t max_body = 8u << 20) {
    http::ServerOptions o;
    o.port = 0;
    o.threads = 1;
    o.stream_request_body = std::move(stream_bodies);
    o.limits.max_body = max_body;
    return o;
  }
  // A client socket with a small receive buffer, so that not reading shows upstream soon.
  int connect() const {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    int small = 128 * 1024;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
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

proxy::ProxyOptions stream_options(const std::string& upstream, bool validate_responses = false) {
  proxy::ProxyOptions o;
  o.upstream = upstream;
  o.mode = proxy::Mode::report;
  o.validate_responses = validate_responses;
  o.max_response_body = kHeldLimit;
  o.upstream_timeout = 5000ms;
  return o;
}

// The upstream, a proxy in front of it with the options `options(upstream_url)` gives, and the
// server it runs behind (whose request bodies stream when the proxy asks, past `max_body`).
struct Rig {
  std::unique_ptr<spec::Document> doc = load_pets();
  BigUpstream up;
  proxy::Proxy px;
  Front front;
  explicit Rig(const std::function<proxy::ProxyOptions(const std::string&)>& options, std::size_t max_body = 8u << 20)
      : px(*doc, options(up.url())), front(px.handler(), px.request_body_streaming(), max_body) {}
};

// One answer read from a raw socket, its body checked against the pattern as it arrives.
struct Received {
  int status = 0;
  std::string head;
  std::size_t body = 0;       // bytes of body received
  bool pattern_ok = true;     // every byte where the pattern says
  bool complete = false;      // the framing said the body ended (not a cut-off)
  bool chunked = false;
  std::size_t declared = 0;   // Content-Length, if any
  std::size_t peak_rss = 0;
};

class Reader {
 public:
  explicit Reader(int fd) : fd_(fd) {}
  // More bytes into buf_; false on close, error or 5 s of silence.
  bool fill() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) return false;
    char tmp[65536];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<std::size_t>(n));
    return true;
  }
  // Reads one answer. `pause_after`: stop reading once that much body is in and call `paused`
  // (then go on). `stop_after`: return once that much body is in (the caller closes).
  Received read(bool head_only = false, std::size_t pause_after = 0, const std::function<void()>& paused = {},
                std::size_t stop_after = 0) {
    Received r;
    std::size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) return r;
    r.head = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    r.status = std::stoi(r.head.substr(9, 3));
    auto cl = r.head.find("Content-Length: ");
    r.chunked = r.head.find("Transfer-Encoding: chunked") != std::string::npos;
    if (cl != std::string::npos) r.declared = std::stoul(r.head.substr(cl + 16));
    if (head_only) {
      r.complete = true;
      return r;
    }
    const std::size_t rss0 = rss_bytes();
    std::size_t next_rss = 0;
    bool did_pause = false;
    auto take = [&](std::string_view bytes) {
      const std::string& b = block();
      for (std::size_t i = 0; i < bytes.size();) {
        std::size_t at = (r.body + i) % kPeriod;
        std::size_t k = std::min(bytes.size() - i, kPeriod - at);
        if (std::memcmp(bytes.data() + i, b.data() + at, k) != 0) r.pattern_ok = false;
        i += k;
      }
      r.body += bytes.size();
      if (r.body >= next_rss) {
        r.peak_rss = std::max(r.peak_rss, rss_bytes() > rss0 ? rss_bytes() - rss0 : 0);
        next_rss = r.body + (1u << 20);
      }
      if (pause_after && !did_pause && r.body >= pause_after) {
        did_pause = true;
        paused();
      }
    };
    auto stop = [&] { return stop_after && r.body >= stop_after; };
    if (r.chunked) {
      for (;;) {
        std::size_t eol;
        while ((eol = buf_.find("\r\n")) == std::string::npos)
          if (!fill()) return r;
        std::size_t size = std::stoul(buf_.substr(0, eol), nullptr, 16);
        buf_.erase(0, eol + 2);
        if (size == 0) {
          while (buf_.find("\r\n") == std::string::npos)
            if (!fill()) return r;
          buf_.erase(0, buf_.find("\r\n") + 2);
          r.complete = true;
          return r;
        }
        while (buf_.size() < size + 2)
          if (!fill()) return r;
        take(std::string_view(buf_).substr(0, size));
        buf_.erase(0, size + 2);
        if (stop()) return r;
      }
    }
    const bool delimited = cl == std::string::npos;
    for (;;) {
      std::size_t want = delimited ? buf_.size() : std::min(buf_.size(), r.declared - r.body);
      take(std::string_view(buf_).substr(0, want));
      buf_.erase(0, want);
      if (!delimited && r.body == r.declared) {
        r.complete = true;
        return r;
      }
      if (stop()) return r;
      if (!fill()) {
        r.complete = delimited;  // closing is the end of a delimited body
        return r;
      }
    }
  }

 private:
  int fd_;
  std::string buf_;
};

void send_text(int fd, const std::string& s) {
  ASSERT_EQ(::send(fd, s.data(), s.size(), MSG_NOSIGNAL), static_cast<ssize_t>(s.size()));
}

// The proxy goes on serving: a new connection's small GET is answered.
void expect_serving(Rig& rig) {
  int fd = rig.front.connect();
  send_text(fd, "GET /pets/5 HTTP/1.1\r\nHost: x\r\n\r\n");
  Reader rd(fd);
  EXPECT_EQ(rd.read().status, 200);
  ::close(fd);
}

}  // namespace

TEST(ProxyStreaming, ABodyFarPastTheLimitPassesWithContentLengthAndBoundedMemory) {
  Rig rig([](const std::string& url) { return stream_options(url); });
  int fd = rig.front.connect();
  ASSERT_GE(fd, 0);
  send_text(fd, "GET /pets/1 HTTP/1.1\r\nHost: x\r\n\r\n");
  Reader rd(fd);
  auto r = rd.read();
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(r.chunked);
  EXPECT_EQ(r.declared, kBig);  // the upstream's length, passed on
  EXPECT_NE(r.head.find("Oasis-Violations: 0"), std::string::npos) << r.head;
  EXPECT_NE(r.head.find("Via: 1.1 oasis"), std::string::npos) << r.head;
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.body, kBig);
  EXPECT_TRUE(r.pattern_ok);
  // Held whole, the answer would be kBig in this process (and refused: it is over the limit).
  if (!kSanitized) {
    EXPECT_LT(r.peak_rss, kBig / 4) << "peak RSS growth while streaming";
  }
  // The connection goes on.
  send_text(fd, "GET /pets/5 HTTP/1.1\r\nHost: x\r\n\r\n");
  auto next = rd.read();
  EXPECT_EQ(next.status, 200);
  EXPECT_EQ(next.declared, 21u);
  ::close(fd);
}

TEST(ProxyStreaming, AChunkedUpstreamBodyGoesOutChunked) {
  Rig rig([](const std::string& url) { return stream_options(url); });
  int fd = rig.front.connect();
  send_text(fd, "GET /pets/2 HTTP/1.1\r\nHost: x\r\n\r\n");
  Reader rd(fd);
  auto r = rd.read();
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.chunked) << r.head;
  EXPECT_NE(r.head.find("X-Kind: chunked"), std::string::npos);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.body, kMedium);
  EXPECT_TRUE(r.pattern_ok);
  ::close(fd);
}

TEST(ProxyStreaming, ACloseDelimitedUpstreamBodyIsFramedForTheClient) {
  Rig rig([](const std::string& url) { return stream_options(url); });
  int fd = rig.front.connect();
  send_text(fd, "GET /pets/4 HTTP/1.1\r\nHost: x\r\n\r\nGET /pets/5 HTTP/1.1\r\nHost: x\r\n\r\n");
  Reader rd(fd);
  auto r = rd.read();
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.chunked) << r.head;  // an HTTP/1.1 client gets it chunked, and keeps its connection
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.body, kMedium);
  EXPECT_TRUE(r.pattern_ok);
  auto next = rd.read();  // the pipelined request behind it
  EXPECT_EQ(next.status, 200);
  EXPECT_EQ(next.declared, 21u);
  ::close(fd);
}

TEST(ProxyStreaming, AClientThatStopsReadingStallsTheUpstream) {
  Rig rig([](const std::string& url) { return stream_options(url); });
  int fd = rig.front.connect();
  send_text(fd, "GET /pets/1 HTTP/1.1\r\nHost: x\r\n\r\n");
  Reader rd(fd);
  std::size_t during_pause = 0, after_pause = 0;
  auto r = rd.read(false, 2u << 20, [&] {
    std::this_thread::sleep_for(700ms);  // the pipe fills up
    during_pause = rig.up.sent();
    std::this_thread::sleep_for(300ms);
    after_pause = rig.up.sent();
  });
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.body, kBig);
  EXPECT_TRUE(r.pattern_ok);
  // The upstream could send only what the buffers on the way hold, then waited.
  EXPECT_LT(during_pause, kBig / 2);
  EXPECT_EQ(during_pause, after_pause) << "the upstream went on sending while nobody read";
  ::close(fd);
}

TEST(ProxyStreaming, AnUpstreamThatBreaksOffMidBodyCutsTheClientsAnswerShort) {
  Rig rig([](const std::string& url) { return stream_options(url); });
  int fd = rig.front.connect();
  send_text(fd, "GET /pets/3 HTTP/1.1\r\nHost: x\r\n\r\n");
  Reader rd(fd);
  auto r = rd.read();
  EXPECT_EQ(r.status, 200);  // the head had gone out already
  EXPECT_EQ(r.declared, kMedium);
  EXPECT_FALSE(r.complete);  // but the client sees the body end early: the connection closed
  EXPECT_EQ(r.body, 1u << 20);
  EXPECT_TRUE(r.pattern_ok);
  ::close(fd);
  expect_serving(rig);
}

TEST(ProxyStreaming, AClientThatGoesAwayMidBodyReleasesTheUpstream) {
  Rig rig([](const std::string& url) { return stream_options(url); });
  int fd = rig.front.connect();
  send_text(fd, "GET /pets/1 HTTP/1.1\r\nHost: x\r\n\r\n");
  Reader rd(fd);
  auto r = rd.read(false, 0, {}, 1u << 20);
  EXPECT_GE(r.body, 1u << 20);
  ::close(fd);
  // The proxy drops its upstream connection: the upstream's sends fail.
  auto until = std::chrono::steady_clock::now() + 5s;
  while (rig.up.broken() == 0 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(rig.up.broken(), 1);
  EXPECT_LT(rig.up.sent(), kBig);
  expect_serving(rig);
}

TEST(ProxyStreaming, AHeadRequestGetsTheHeadOnly) {
  Rig rig([](const std::string& url) { return stream_options(url); });
  int fd = rig.front.connect();
  send_text(fd, "HEAD /pets/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /pets/5 HTTP/1.1\r\nHost: x\r\n\r\n");
  Reader rd(fd);
  auto r = rd.read(/*head_only=*/true);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.declared, kBig) << r.head;  // the upstream's length, not the empty body's
  auto next = rd.read();  // right after the head: no body bytes came between
  EXPECT_EQ(next.status, 200);
  EXPECT_EQ(next.declared, 21u);
  EXPECT_EQ(next.body, 21u);
  ::close(fd);
}

TEST(ProxyStreaming, AValidatedAnswerIsStillHeldWholeAndItsLimitHolds) {
  Rig rig([](const std::string& url) { return stream_options(url, /*validate_responses=*/true); });
  int fd = rig.front.connect();
  send_text(fd, "GET /pets/2 HTTP/1.1\r\nHost: x\r\n\r\n");
  Reader rd(fd);
  auto r = rd.read();
  EXPECT_EQ(r.status, 502);  // over max_response_body: it cannot be checked, so it is not passed
  ::close(fd);
}

TEST(ProxyStreaming, AValidatedHeadAnswerKeepsTheUpstreamsLength) {
  Rig rig([](const std::string& url) { return stream_options(url, /*validate_responses=*/true); });
  int fd = rig.front.connect();
  send_text(fd, "HEAD /pets/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /pets/5 HTTP/1.1\r\nHost: x\r\n\r\n");
  Reader rd(fd);
  auto r = rd.read(/*head_only=*/true);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.declared, kBig) << r.head;
  auto next = rd.read();
  EXPECT_EQ(next.status, 200);
  EXPECT_EQ(next.body, 21u);
  ::close(fd);
}

// --- uploads: request bodies the proxy does not validate (--validate response) -------------

namespace {

proxy::ProxyOptions upload_options(const std::string& upstream, bool validate_requests = false) {
  auto o = stream_options(upstream, /*validate_responses=*/true);
  o.validate_requests = validate_requests;
  return o;
}

// Sends `n` bytes of the pattern on a blocking socket from another thread, counting what the
// kernel took; `chunked`: as chunks of 100,003 bytes.
struct Uploader {
  std::atomic<std::size_t> taken{0};
  std::atomic<bool> failed{false};
  std::thread thread;
  Uploader(int fd, std::size_t n, bool chunked, std::size_t stop_after = 0) {
    thread = std::thread([this, fd, n, chunked, stop_after] {
      const std::string& b = block();
      auto send_all = [&](std::string_view s) {
        while (!s.empty()) {
          ssize_t k = ::send(fd, s.data(), s.size(), MSG_NOSIGNAL);
          if (k <= 0) return false;
          s.remove_prefix(static_cast<std::size_t>(k));
        }
        return true;
      };
      for (std::size_t at = 0; at < n;) {
        if (stop_after && at >= stop_after) return;
        std::size_t k = std::min({std::size_t{100'003}, n - at, kPeriod - at % kPeriod});
        if (chunked) {
          char size[32];
          std::snprintf(size, sizeof size, "%zx\r\n", k);
          if (!send_all(size)) return (void)(failed = true);
        }
        if (!send_all(std::string_view(b).substr(at % kPeriod, k))) return (void)(failed = true);
        if (chunked && !send_all("\r\n")) return (void)(failed = true);
        at += k;
        taken += k;
      }
      if (chunked && !send_all("0\r\n\r\n")) failed = true;
    });
  }
  ~Uploader() { thread.join(); }
};

}  // namespace

TEST(ProxyStreaming, AnUploadFarPastTheBodyLimitGoesUpstreamAsItComes) {
  Rig rig([](const std::string& url) { return upload_options(url); }, 1u << 20);
  int fd = rig.front.connect();
  const std::size_t n = 64u << 20;
  send_text(fd, "POST /pets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
                    std::to_string(n) + "\r\n\r\n");
  const std::size_t rss0 = rss_bytes();
  std::size_t peak = 0;
  {
    Uploader u(fd, n, false);
    while (u.taken < n && !u.failed) {
      peak = std::max(peak, rss_bytes() > rss0 ? rss_bytes() - rss0 : 0);
      std::this_thread::sleep_for(5ms);
    }
  }
  Reader rd(fd);
  auto r = rd.read();
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(rig.up.received(), n);
  EXPECT_TRUE(rig.up.received_ok());
  EXPECT_NE(rig.up.last_upload_head().find("Content-Length: " + std::to_string(n)), std::string::npos)
      << rig.up.last_upload_head();
  if (!kSanitized) {
    EXPECT_LT(peak, n / 4) << "peak RSS growth while uploading";
  }
  // The connection goes on.
  send_text(fd, "GET /pets/5 HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(rd.read().status, 200);
  ::close(fd);
}

TEST(ProxyStreaming, AChunkedUploadGoesUpstreamChunked) {
  Rig rig([](const std::string& url) { return upload_options(url); }, 1u << 20);
  int fd = rig.front.connect();
  const std::size_t n = 8u << 20;
  send_text(fd, "POST /pets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
  { Uploader u(fd, n, true); }
  Reader rd(fd);
  EXPECT_EQ(rd.read().status, 201);
  EXPECT_EQ(rig.up.received(), n);
  EXPECT_TRUE(rig.up.received_ok());
  EXPECT_NE(rig.up.last_upload_head().find("Transfer-Encoding: chunked"), std::string::npos) << rig.up.last_upload_head();
  ::close(fd);
}

TEST(ProxyStreaming, AnUpstreamThatDoesNotReadStallsTheUploader) {
  Rig rig([](const std::string& url) { return upload_options(url); }, 1u << 20);
  int fd = rig.front.connect();
  const std::size_t n = 128u << 20;
  rig.up.hold(true);
  send_text(fd, "POST /pets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
                    std::to_string(n) + "\r\n\r\n");
  Uploader u(fd, n, false);
  std::this_thread::sleep_for(700ms);
  const std::size_t stalled = u.taken;
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(u.taken.load(), stalled) << "the proxy went on taking the upload while the upstream read nothing";
  EXPECT_LT(stalled, n / 2);
  rig.up.hold(false);
  Reader rd(fd);
  EXPECT_EQ(rd.read().status, 201);
  EXPECT_EQ(rig.up.received(), n);
  EXPECT_TRUE(rig.up.received_ok());
  ::close(fd);
}

TEST(ProxyStreaming, AClientThatGoesAwayMidUploadCutsTheUpstreamUploadShort) {
  Rig rig([](const std::string& url) { return upload_options(url); }, 1u << 20);
  int fd = rig.front.connect();
  send_text(fd, "POST /pets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
                    std::to_string(64u << 20) + "\r\n\r\n");
  { Uploader u(fd, 64u << 20, false, /*stop_after=*/4u << 20); }
  ::close(fd);
  auto until = std::chrono::steady_clock::now() + 5s;
  while (rig.up.cut_uploads() == 0 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(rig.up.cut_uploads(), 1);  // the upstream saw its connection close before the body's end
  EXPECT_LT(rig.up.received(), 64u << 20);
  expect_serving(rig);
}

TEST(ProxyStreaming, AValidatedUploadIsHeldWholeAndItsLimitHolds) {
  Rig rig([](const std::string& url) { return upload_options(url, /*validate_requests=*/true); }, 1u << 20);
  EXPECT_FALSE(rig.px.request_body_streaming());  // the validator reads the body: nothing streams
  int fd = rig.front.connect();
  send_text(fd, "POST /pets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
                    std::to_string(4u << 20) + "\r\n\r\n");
  Reader rd(fd);
  EXPECT_EQ(rd.read().status, 413);
  EXPECT_EQ(rig.up.requests(), 0);
  ::close(fd);
}
