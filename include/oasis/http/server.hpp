// oasis/http/server.hpp — the HTTP/1.1 server: acceptors, connections, keep-alive,
// pipelining, limits, timeouts, TLS and graceful shutdown.
//
// One io_context and one SO_REUSEPORT acceptor per thread; a connection never changes thread.
// Requests go to a Handler (see message.hpp); the server knows nothing of what it serves.
#pragma once

#include <oasis/http/message.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}

namespace oasis::http {

// Limits on every input, each answered with the status RFC 9110/9112 names for it.
struct Limits {
  std::size_t max_request_line = 8 * 1024;   // 414 URI Too Long when the target is longer
  std::size_t max_header_bytes = 16 * 1024;  // 431 for the whole header section
  std::size_t max_headers = 100;             // 431
  std::size_t max_body = 8 * 1024 * 1024;    // 413, before any of it is read when declared
};

struct Timeouts {
  std::chrono::milliseconds header{10'000};  // from the first byte of a request to its last header
  std::chrono::milliseconds body{30'000};    // from the end of the headers to the end of the body
  std::chrono::milliseconds idle{60'000};    // keep-alive connection with no request under way
  std::chrono::milliseconds write{30'000};   // a response the client does not read
  std::chrono::milliseconds shutdown{10'000};  // grace for in-flight requests on stop
};

struct TlsOptions {
  std::string cert_file;  // PEM certificate chain; TLS is on when both files are given
  std::string key_file;   // PEM private key
  bool enabled() const noexcept { return !cert_file.empty() && !key_file.empty(); }
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0 picks a free port (see Server::port())
  unsigned threads = 0;       // 0: one per core
  Limits limits;
  Timeouts timeouts;
  TlsOptions tls;
  bool gzip = true;
  std::size_t gzip_min_bytes = 1024;  // smaller bodies are sent as they are
  std::string server_name = "oasis";

  // Request bodies read piece by piece by the handler (a proxy forwarding an upload without
  // holding it). Asked once the header section of a request is in, when the request declares a
  // body (Content-Length > 0 or chunked) that is not all in yet; views in the request are valid
  // for the call. Not asked for a request that came whole (its body() is whole, as always), nor
  // when unset (the default): nothing changes for the ordinary path.
  //
  // When it returns true, the handler is called right then, with body() empty and
  // body_reader() set, and all of the body (also bytes that came with the head) comes through
  // the reader:
  //   - The handler must defer() to use it: the reader and its pieces live on the connection's
  //     thread (call read() there, as Deferred's streaming calls). The reader handle keeps the
  //     connection's memory alive, as Deferred does. The request's views are valid until the
  //     handler returns, as always (the first piece read lets the head go).
  //   - `Expect: 100-continue` is answered with 100 Continue at the first read() (the handler
  //     wants the body), not before; never once the answer has started.
  //   - Backpressure: the socket is read only while a read() is pending; a piece stays valid
  //     until the next read() (or until the answer is finished, which may go on to the next
  //     request).
  //   - Timeouts::body counts while a read() waits for the client (from that read()), and only
  //     then; a client too slow fails the read() with error (no 408: the answer is the
  //     handler's) and the connection closes after the answer.
  //   - max_body does not apply: the handler decides how much it takes.
  //   - If the answer is finished, aborted, or answered at once, before read() reported `end`,
  //     the rest of the body is not read: the answer says Connection: close and the connection
  //     closes after it. A read() pending then, or asked later, gets error. A body that breaks
  //     its framing fails the read() with error, with the same close after the answer.
  //   - The client going away mid-body: a pending (or later) read() gets error; Deferred::open()
  //     turns false and on_close runs, as for any deferred answer.
  //   - Once read() reported `end` and the answer went out, the connection goes on with the
  //     next request (pipelined bytes after the body are kept). Later read()s get `end` again,
  //     with no bytes.
  //   - An answer may stream (Deferred::start_stream) while the body is still read; its head
  //     then says Connection: close unless read() had already reported `end`.
  // When it returns false, the request goes on as any other: its body is read whole, and past
  // max_body it is refused with 413.
  std::function<bool(const Request&)> stream_request_body;
};

class Server {
 public:
  Server(ServerOptions options, Handler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens on every thread's acceptor; throws std::system_error on failure.
  void listen();
  // The bound port (after listen()).
  std::uint16_t port() const noexcept;
  // Runs the threads until stop() or a handled signal, then returns once every connection
  // has finished. Calls listen() if it was not called.
  void run();
  // Stops SIGINT/SIGTERM from killing the process: they start a graceful stop instead.
  void handle_signals();
  // Graceful stop, from any thread: stop accepting, finish in-flight requests (up to
  // timeouts.shutdown), close idle connections, then run() returns.
  void stop();
  const ServerOptions& options() const noexcept;

  struct Impl;  // the engine's own; not part of the interface

 private:
  std::unique_ptr<Impl> impl_;
};

// The event loop of the server thread the caller runs on (from a handler, or from anything that
// thread runs), or nullptr on any other thread. Work given to it runs on the same thread as the
// connection that asked, without waking another thread: a handler that talks to another service
// can do its I/O here (a client Transport built on it) and answer a Deferred directly from the
// completion.
boost::asio::io_context* this_thread_context() noexcept;

// Runs `f` on the calling server thread once that thread has stopped serving (its last
// connection closed, before Server::run() returns), or when the server is destroyed without
// having stopped. For what a handler keeps per thread on this_thread_context(): the thread's
// loop only ends once such work is released. Returns false, and drops `f`, on a thread that is
// not a server's.
bool at_thread_stop(std::function<void()> f);

}  // namespace oasis::http
