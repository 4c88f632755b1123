// oasis/http/client.hpp — the HTTP/1.1 client transport: connections pooled per origin,
// keep-alive reuse, pipelining of idempotent requests, responses matched in request order,
// TLS, and connect / per-request timeouts.
//
// A Transport sends ClientRequests to an Origin and calls back with a ClientResponse (or a
// TransportError). It shares the engine's Parser (Kind::response) and knows nothing about
// JSON, authentication, retries with backoff or caching: those belong to client/ above it.
// The only retry done here is the one HTTP/1.1 forces on a transport: requests a broken
// connection never answered are sent again on a fresh one when that is safe (idempotent, or
// never written).
//
// Threading: the transport runs on one io_context run by ONE thread — its own (default) or one
// the caller supplies. Callbacks run on that thread; send() must not be called from it.
#pragma once

#include <oasis/http/message.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace oasis::http {

// scheme + host + port: what a connection can be reused for.
struct Origin {
  std::string scheme = "http";  // "http" or "https"
  std::string host = "127.0.0.1";
  std::uint16_t port = 80;

  bool secure() const noexcept { return scheme == "https"; }
  // "http://host:port".
  std::string key() const;
  // The Host header value (port omitted when it is the scheme's default).
  std::string host_header() const;
  // Parses "http://host:port" or "https://host" (a path after the authority is ignored).
  // Throws std::invalid_argument on anything else.
  static Origin parse(std::string_view url);
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// What the client sends. Host, Content-Length and User-Agent are added by the transport.
struct ClientRequest {
  std::string method = "GET";
  std::string target = "/";  // origin-form: path and query, already percent-encoded
  HeaderList headers;
  // Headers sent before `headers`, shared by many requests (a client's defaults) instead of
  // copied into each. Not owned: the caller keeps the list alive and unchanged until the
  // request's callback has run.
  const HeaderList* common_headers = nullptr;
  std::string body;
  // Pipelining is allowed for idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS, TRACE);
  // set this to allow it for POST/PATCH too.
  bool allow_pipelining = false;
  // Per-request timeout; zero means TransportOptions::request_timeout.
  std::chrono::milliseconds timeout{0};

  bool idempotent() const noexcept;
};

struct ClientResponse {
  int status = 0;
  std::string reason;
  HeaderList headers;
  std::string body;

  // The first header with this name (case-insensitive), or empty.
  std::string_view header(std::string_view name) const noexcept;
};

struct TransportError {
  enum class Kind : std::uint8_t {
    none,
    resolve,    // the host name did not resolve
    connect,    // connection refused / unreachable
    tls,        // handshake or certificate verification failed
    timeout,    // connect or per-request timeout
    closed,     // the connection broke before the response was complete
    protocol,   // the response could not be parsed
    cancelled,  // the transport shut down
  };
  Kind kind = Kind::none;
  std::string message;

  explicit operator bool() const noexcept { return kind != Kind::none; }
  // Whether the request may have never reached the server's application (safe to retry
  // for idempotent requests): resolve, connect and closed.
  bool retryable() const noexcept { return kind == Kind::connect || kind == Kind::closed; }
};
std::string_view to_string(TransportError::Kind k) noexcept;

struct TlsClientOptions {
  bool verify = true;        // verify the peer's certificate chain and host name
  std::string ca_file;       // PEM bundle; the system's store when both are empty
  std::string ca_dir;        // hashed directory of PEM certificates
  std::string cert_file;     // client certificate (PEM), for mutual TLS
  std::string key_file;      // its private key (PEM)
  std::string server_name;   // SNI and verified name; the origin's host when empty
};

struct TransportOptions {
  std::size_t max_connections = 8;  // per origin
  std::size_t max_idle = 4;         // idle keep-alive connections kept per origin
  std::chrono::milliseconds idle_timeout{30'000};
  // Requests in flight on one connection (1 = no pipelining). Only idempotent requests (or
  // those that allow it) are pipelined; others wait for an idle connection.
  std::size_t pipeline_depth = 1;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds request_timeout{30'000};  // from dispatch to the last byte
  // How many times a request is sent again after its connection broke before answering.
  unsigned broken_connection_retries = 2;
  std::string user_agent = "oasis";
  TlsClientOptions tls;
  std::size_t max_response_body = 64 * 1024 * 1024;
};

struct TransportStats {
  std::uint64_t connections_opened = 0;
  std::uint64_t requests_sent = 0;        // written to a socket (a resend counts again)
  std::uint64_t requests_resent = 0;      // after a broken connection
  std::uint64_t responses_received = 0;
  std::size_t open_connections = 0;
  std::size_t idle_connections = 0;
};

class Transport {
 public:
  using Callback = std::function<void(TransportError, ClientResponse)>;

  // Runs on its own thread.
  explicit Transport(TransportOptions options = {});
  // Runs on `ctx`, which the caller runs from exactly one thread and keeps alive longer.
  Transport(TransportOptions options, boost::asio::io_context& ctx);
  // Fails what is still in flight with Kind::cancelled and closes every connection.
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Sends from any thread; `done` runs once, on the transport's thread.
  void async_send(const Origin& origin, ClientRequest request, Callback done);
  // Blocks until the response is in. Not from the transport's thread.
  std::pair<TransportError, ClientResponse> send(const Origin& origin, ClientRequest request);
  // Runs `f` on the transport's thread after `delay` (for backoff; cancelled on shutdown).
  void schedule(std::chrono::nanoseconds delay, std::function<void()> f);
  // Closes idle connections (all origins).
  void close_idle();

  TransportStats stats() const;
  const TransportOptions& options() const noexcept;

  struct Core;  // the pool; not part of the interface

 private:
  struct Runner;
  std::unique_ptr<Runner> runner_;  // destroyed last: owns the io_context and its thread
  std::shared_ptr<Core> core_;
};

// Appends the request as HTTP/1.1 bytes: request line, Host, the caller's headers,
// User-Agent (unless given), Content-Length (when there is a body or the method expects one).
void serialize_request(const ClientRequest& req, std::string_view host_header, std::string_view user_agent,
                       std::string& out);

}  // namespace oasis::http
