// tests/e2e/support.hpp — start a real binary on loopback and talk raw bytes to it.
//
// Process: fork/exec with stdout on a pipe; wait_for_line() reads until a line matches (the
// "listening on http://127.0.0.1:PORT" banner every oasis server prints). Client: a blocking
// TCP socket with timeouts that sends exact bytes and reads responses by their framing.
#pragma once

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace oasis_test {

inline std::string binary(const std::string& name) { return std::string(OASIS_BINARY_DIR) + "/bin/" + name; }

class Process {
 public:
  Process() = default;
  explicit Process(std::vector<std::string> argv) { start(std::move(argv)); }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process() { kill(SIGKILL); }

  void start(std::vector<std::string> argv) {
    argv_ = argv;
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      close(out[0]);
      close(out[1]);
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    close(out[1]);
    out_ = out[0];
  }

  // Reads stdout until a line matches `re` (within timeout); returns the first capture group
  // (or the whole line).
  std::string wait_for_line(const std::string& re, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    std::regex rx(re);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto nl = buffer_.find('\n');
      while (nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        lines_.push_back(line);
        std::smatch m;
        if (std::regex_search(line, m, rx)) return m.size() > 1 ? m[1].str() : line;
        nl = buffer_.find('\n');
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) throw std::runtime_error("timed out waiting for output matching " + re);
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      ssize_t n = read(out_, buf, sizeof buf);
      if (n <= 0) throw std::runtime_error("process closed its output before printing " + re);
      buffer_.append(buf, static_cast<std::size_t>(n));
    }
  }

  // Starts a server binary and returns its port from the "listening on ...:PORT" banner.
  int wait_for_port() { return std::stoi(wait_for_line(R"(listening on https?://[^ ]*:(\d+))")); }

  void kill(int sig) {
    if (pid_ > 0 && !exited_) ::kill(pid_, sig);
    if (sig == SIGKILL) wait();
  }
  // Waits for exit; returns the exit status (or 128+signal).
  int wait(std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    if (pid_ <= 0) return -1;
    if (exited_) return status_;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    int st = 0;
    while (waitpid(pid_, &st, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        waitpid(pid_, &st, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    exited_ = true;
    output();  // keep what it printed last
    if (out_ >= 0) close(out_);
    out_ = -1;
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return status_;
  }
  // Everything printed so far (after wait(), also the rest).
  std::string output() {
    if (out_ >= 0) {
      char buf[4096];
      int fl = fcntl(out_, F_GETFL);
      fcntl(out_, F_SETFL, fl | O_NONBLOCK);
      ssize_t n;
      while ((n = read(out_, buf, sizeof buf)) > 0) buffer_.append(buf, static_cast<std::size_t>(n));
      fcntl(out_, F_SETFL, fl);
    }
    std::string all;
    for (auto& l : lines_) all += l + "\n";
    return all + buffer_;
  }
  pid_t pid() const { return pid_; }

 private:
  std::vector<std::string> argv_;
  pid_t pid_ = -1;
  int out_ = -1;
  bool exited_ = false;
  int status_ = -1;
  std::string buffer_;
  std::vector<std::string> lines_;
};

// A parsed response, as read off the wire.
struct RawResponse {
  int status = 0;
  std::string head;  // status line and headers
  std::string body;
  std::string header(const std::string& name) const {
    std::string lower_head;
    for (char c : head) lower_head += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string key = "\r\n";
    for (char c : name) key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    key += ":";
    auto p = lower_head.find(key);
    if (p == std::string::npos) return {};
    auto start = p + key.size();
    auto end = head.find("\r\n", start);
    std::string v = head.substr(start, end - start);
    while (!v.empty() && v.front() == ' ') v.erase(0, 1);
    while (!v.empty() && v.back() == ' ') v.pop_back();
    return v;
  }
  bool has_header(const std::string& name) const {
    std::string l;
    for (char c : head) l += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string key = "\r\n";
    for (char c : name) key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return l.find(key + ":") != std::string::npos;
  }
};

class Client {
 public:
  explicit Client(int port, std::chrono::milliseconds timeout = std::chrono::seconds(10)) : timeout_(timeout) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("connect failed");
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  Client(const Client&) = delete;
  ~Client() {
    if (fd_ >= 0) close(fd_);
  }

  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Reads more bytes into the buffer; false on EOF, error or timeout.
  bool fill(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char buf[65536];
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buf_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  // Reads one response (Content-Length, chunked, or until close). nullopt if the connection
  // closed or timed out first. `head_request`: no body follows.
  std::optional<RawResponse> read_response(bool head_request = false) {
    auto deadline = std::chrono::steady_clock::now() + timeout_;
    auto left = [&] {
      return std::max(std::chrono::milliseconds(1), std::chrono::duration_cast<std::chrono::milliseconds>(
                                                        deadline - std::chrono::steady_clock::now()));
    };
    std::size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (std::chrono::steady_clock::now() > deadline || !fill(left())) return std::nullopt;
    }
    RawResponse r;
    r.head = buf_.substr(0, end + 2);
    buf_.erase(0, end + 4);
    r.status = std::stoi(r.head.substr(9, 3));
    if (head_request || r.status < 200 || r.status == 204 || r.status == 304) return r;
    std::string te = r.header("Transfer-Encoding");
    if (!te.empty()) {
      for (;;) {
        std::size_t eol;
        while ((eol = buf_.find("\r\n")) == std::string::npos)
          if (!fill(left())) return std::nullopt;
        std::size_t size = std::stoul(buf_.substr(0, eol), nullptr, 16);
        while (buf_.size() < eol + 2 + size + 2)
          if (!fill(left())) return std::nullopt;
        r.body += buf_.substr(eol + 2, size);
        buf_.erase(0, eol + 2 + size + 2);
        if (size == 0) return r;
      }
    }
    std::string cl = r.header("Content-Length");
    if (!cl.empty()) {
      std::size_t n = std::stoul(cl);
      while (buf_.size() < n)
        if (!fill(left())) return std::nullopt;
      r.body = buf_.substr(0, n);
      buf_.erase(0, n);
      return r;
    }
    while (fill(left())) {
    }
    r.body = buf_;
    buf_.clear();
    return r;
  }

  // True if the server closed the connection (EOF) within the timeout, with nothing more sent.
  bool closed_by_peer(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!eof_) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      if (!fill(left) && !eof_) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
      }
    }
    return true;
  }

  const std::string& buffered() const { return buf_; }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  std::chrono::milliseconds timeout_;
  std::string buf_;
  bool eof_ = false;
};

// One request, one response, on a fresh connection.
inline std::optional<RawResponse> exchange(int port, std::string_view request) {
  Client c(port);
  c.send(request);
  return c.read_response();
}

}  // namespace oasis_test
