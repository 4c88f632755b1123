// tests/client/scripted_server.hpp — a loopback server that plays a script per connection.
//
// Each accepted connection runs the test's script on its own thread with a ScriptedConn: read
// whole requests (by their framing), write exact bytes (or as much as the peer takes), wait,
// close mid-pipeline. Everything is bounded: reads give up after a timeout so a wrong client
// fails a test instead of hanging.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <support/loopback.hpp>

namespace oasis_test {

// Reading request bodies from any byte source (a socket, a TLS session): `pull` appends what
// comes to the buffer, false when the peer closed or nothing came in time. Bodies go to a sink
// piece by piece, so an upload far larger than memory is checked without being held.
using Pull = std::function<bool(std::string&)>;
using Sink = std::function<void(std::string_view)>;

// The next request's head through its blank line, taken out of `buf`.
inline std::optional<std::string> pull_head(std::string& buf, const Pull& pull) {
  for (;;) {
    if (auto end = buf.find("\r\n\r\n"); end != std::string::npos) {
      std::string head = buf.substr(0, end + 4);
      buf.erase(0, end + 4);
      return head;
    }
    if (!pull(buf)) return std::nullopt;
  }
}

// `n` body bytes to `sink`; false when the source ended first.
inline bool pull_body(std::string& buf, std::uint64_t n, const Pull& pull, const Sink& sink) {
  while (n > 0) {
    if (buf.empty() && !pull(buf)) return false;
    const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(n, buf.size()));
    sink(std::string_view(buf).substr(0, take));
    buf.erase(0, take);
    n -= take;
  }
  return true;
}

// A chunked body, decoded, to `sink`, through its last chunk and trailers; false when the
// source ended first or the framing is wrong.
inline bool pull_chunked(std::string& buf, const Pull& pull, const Sink& sink) {
  for (;;) {
    std::size_t eol;
    while ((eol = buf.find("\r\n")) == std::string::npos)
      if (!pull(buf)) return false;
    std::size_t size = 0;
    try {
      size = std::stoul(buf.substr(0, eol), nullptr, 16);
    } catch (...) {
      return false;
    }
    buf.erase(0, eol + 2);
    if (size == 0) {
      for (;;) {  // trailers, up to the blank line
        while ((eol = buf.find("\r\n")) == std::string::npos)
          if (!pull(buf)) return false;
        buf.erase(0, eol + 2);
        if (eol == 0) return true;
      }
    }
    if (!pull_body(buf, size, pull, sink)) return false;
    while (buf.size() < 2)
      if (!pull(buf)) return false;
    if (buf.compare(0, 2, "\r\n") != 0) return false;
    buf.erase(0, 2);
  }
}

// A header's value in a raw head (case-insensitive name), or empty.
inline std::string header_of(const std::string& head, std::string name) {
  std::string lower = head;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto at = lower.find("\r\n" + name + ":");
  if (at == std::string::npos) return {};
  at += name.size() + 3;
  auto end = head.find("\r\n", at);
  std::string v = head.substr(at, end - at);
  while (!v.empty() && v.front() == ' ') v.erase(0, 1);
  while (!v.empty() && v.back() == ' ') v.pop_back();
  return v;
}

// Reads the body `head` announces (Content-Length or chunked) to `sink`; false when cut short.
inline bool pull_body_of(const std::string& head, std::string& buf, const Pull& pull, const Sink& sink) {
  if (header_of(head, "transfer-encoding") == "chunked") return pull_chunked(buf, pull, sink);
  const std::string cl = header_of(head, "content-length");
  return pull_body(buf, cl.empty() ? 0 : std::stoull(cl), pull, sink);
}

class ScriptedConn {
 public:
  explicit ScriptedConn(int fd) : fd_(fd) {}
  ~ScriptedConn() { close(); }

  // The next whole request (head and Content-Length body), or nullopt if the peer closed or
  // nothing came within the timeout.
  std::optional<std::string> read_request(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto end = buf_.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::size_t len = 0;
        std::string head = buf_.substr(0, end);
        std::string lower = head;
        for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (auto cl = lower.find("\r\ncontent-length:"); cl != std::string::npos)
          len = std::stoul(head.substr(cl + 17));
        if (buf_.size() >= end + 4 + len) {
          std::string req = buf_.substr(0, end + 4 + len);
          buf_.erase(0, end + 4 + len);
          return req;
        }
      }
      if (!fill(deadline)) return std::nullopt;
    }
  }
  // The next request's head (through its blank line) and then its body, piece by piece, to
  // `sink` (Content-Length or chunked); nullopt / false when the peer closed or stalled for
  // longer than `stall`.
  std::optional<std::string> read_head(std::chrono::milliseconds stall = std::chrono::seconds(5)) {
    return pull_head(buf_, puller(stall));
  }
  bool read_body(const std::string& head, const Sink& sink, std::chrono::milliseconds stall = std::chrono::seconds(5)) {
    return pull_body_of(head, buf_, puller(stall), sink);
  }
  // Whether more bytes arrive within `wait` (to prove a client is NOT pipelining).
  bool data_within(std::chrono::milliseconds wait) {
    if (!buf_.empty()) return true;
    return fill(std::chrono::steady_clock::now() + wait);
  }
  void write(const std::string& bytes) {
    std::size_t off = 0;
    while (off < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<std::size_t>(n);
    }
  }
  // Writes what the peer takes of `bytes`, waiting at most `wait` each time the socket is
  // full: how much went out (all of it unless the peer stopped reading that long or went away,
  // which peer_gone() then says).
  std::size_t write_within(std::string_view bytes, std::chrono::milliseconds wait) {
    std::size_t off = 0;
    while (off < bytes.size() && fd_ >= 0 && !gone_) {
      pollfd p{fd_, POLLOUT, 0};
      if (poll(&p, 1, static_cast<int>(wait.count())) <= 0) break;
      ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0)
        off += static_cast<std::size_t>(n);
      else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
        gone_ = true;
    }
    return off;
  }
  bool peer_gone() const { return gone_; }
  // Whether the peer closes the connection within `wait` (what it sends meanwhile is dropped).
  bool closed_within(std::chrono::milliseconds wait) {
    auto deadline = std::chrono::steady_clock::now() + wait;
    while (fd_ >= 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      char tmp[8192];
      ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n <= 0) return true;
    }
    return true;
  }
  // A 200 with this body (and extra header lines, each ending in CRLF).
  void respond(const std::string& body, const std::string& extra = "", int status = 200) {
    write("HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra +
          "\r\n" + body);
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  Pull puller(std::chrono::milliseconds stall) {
    return [this, stall](std::string&) { return fill(std::chrono::steady_clock::now() + stall); };
  }
  bool fill(std::chrono::steady_clock::time_point deadline) {
    if (fd_ < 0) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char tmp[65536];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<std::size_t>(n));
    return true;
  }
  int fd_;
  bool gone_ = false;
  std::string buf_;
};

class ScriptedServer {
 public:
  // `script(conn, index)` runs for the index-th accepted connection (0, 1, ...).
  using Script = std::function<void(ScriptedConn&, int)>;

  explicit ScriptedServer(Script script) : script_(std::move(script)) {
    auto listener = oasis_test::listen_on_loopback("scripted server");
    fd_ = listener.fd;
    port_ = listener.port;
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~ScriptedServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    acceptor_.join();
    ::close(fd_);
    for (auto& t : threads_) t.join();
  }
  std::uint16_t port() const { return port_; }
  int connections() const { return accepted_.load(); }
  // Every request read through read_request_logged(), in arrival order.
  std::vector<std::string> requests() {
    std::lock_guard lk(mu_);
    return log_;
  }
  void log(const std::string& r) {
    std::lock_guard lk(mu_);
    log_.push_back(r);
  }

 private:
  void accept_loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      int index = accepted_++;
      threads_.emplace_back([this, c, index] {
        ScriptedConn conn(c);
        script_(conn, index);
      });
    }
  }
  Script script_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::thread acceptor_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::vector<std::string> log_;
};

// The request target of a raw request ("GET /a HTTP/1.1..." -> "/a").
inline std::string target_of(const std::string& req) {
  auto sp1 = req.find(' ');
  auto sp2 = req.find(' ', sp1 + 1);
  return req.substr(sp1 + 1, sp2 - sp1 - 1);
}
inline std::string method_of(const std::string& req) { return req.substr(0, req.find(' ')); }

}  // namespace oasis_test
