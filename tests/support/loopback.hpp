// tests/support/loopback.hpp — a listening TCP socket on 127.0.0.1 at a port the kernel picks,
// for the small servers tests run in-process (scripted upstreams, TLS peers).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

namespace oasis_test {

struct LoopbackListener {
  int fd = -1;
  unsigned short port = 0;
};

// Throws, naming `who`, when the socket cannot be bound or listened on.
inline LoopbackListener listen_on_loopback(const char* who, int backlog = 64) {
  LoopbackListener l;
  l.fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(l.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (l.fd < 0 || ::bind(l.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(l.fd, backlog) != 0) {
    if (l.fd >= 0) ::close(l.fd);
    throw std::runtime_error(std::string(who) + ": bind/listen failed");
  }
  socklen_t len = sizeof a;
  ::getsockname(l.fd, reinterpret_cast<sockaddr*>(&a), &len);
  l.port = ntohs(a.sin_port);
  return l;
}

}  // namespace oasis_test
