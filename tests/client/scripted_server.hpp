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

#include <atomic>
#include <cerrno>
#include <chrono>
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
  bool fill(std::chrono::steady_clock::time_point deadline) {
    if (fd_ < 0) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char tmp[8192];
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
