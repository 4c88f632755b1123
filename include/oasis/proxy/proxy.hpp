// oasis/proxy/proxy.hpp — a validating reverse proxy: every request is routed against an
// OpenAPI document and checked, forwarded to one upstream through the client transport's
// pool, and its response checked against what the operation declares.
//
// Modes: `report` forwards everything and records violations (the response carries an
// Oasis-Violations header counting them); `enforce` answers an invalid request itself (400,
// never forwarded) and turns an invalid response into 502 with the violations. Upstream
// failures become 502 (refused, reset, bad framing) or 504 (timed out), and the proxy keeps
// serving.
//
// The proxy is an http::Handler: it knows nothing of listening sockets or the command line.
#pragma once

#include <oasis/http/client.hpp>
#include <oasis/http/message.hpp>
#include <oasis/proxy/violations.hpp>
#include <oasis/spec/document.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace oasis::proxy {

enum class Mode : std::uint8_t { report, enforce };
// How refused requests are answered: RFC 9457 problem+json, or Proxmox VE's
// {"errors":{"param":"message"},"data":null}.
enum class Profile : std::uint8_t { standard, proxmox };

struct ProxyOptions {
  std::string upstream;  // "http://host:port[/base]" or "https://..."; a path is prefixed to targets
  Mode mode = Mode::report;
  bool validate_requests = true;
  bool validate_responses = true;
  Profile profile = Profile::standard;
  bool insecure_upstream = false;  // do not verify the upstream's TLS certificate
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds upstream_timeout{30'000};  // from sending to the last byte of the answer
  // Each http::Server thread forwards through a transport of its own on its own event loop
  // (one pool of connections to the upstream per thread). These fallback transports, each with
  // a thread of its own, serve only calls to handle() from threads that are not a server's.
  unsigned transports = 1;
  std::size_t max_connections = 256;  // per transport
  std::size_t max_response_body = 64u << 20;
  std::string report_file;            // JSON lines; none when empty
  std::size_t keep_violations = 1000; // served by GET /_oasis/violations
};

struct ProxyStats {
  std::uint64_t requests = 0;         // every request the handler saw (the admin path excluded)
  std::uint64_t forwarded = 0;        // sent upstream
  std::uint64_t refused = 0;          // answered by the proxy in enforce mode (400/404/405)
  std::uint64_t replaced = 0;         // upstream answers turned into 502 in enforce mode
  std::uint64_t upstream_errors = 0;  // 502: refused, reset, unparseable
  std::uint64_t upstream_timeouts = 0;  // 504
};

class Proxy {
 public:
  // Throws std::invalid_argument for a bad upstream URL and std::runtime_error when the
  // report file cannot be opened. `doc` must outlive the proxy.
  Proxy(const spec::Document& doc, ProxyOptions options);
  ~Proxy();
  Proxy(const Proxy&) = delete;
  Proxy& operator=(const Proxy&) = delete;

  // Answers (or defers) one request; what an http::Server calls.
  void handle(const http::Request& req, http::Response& res);
  http::Handler handler();
  // What the server in front should set as ServerOptions::stream_request_body: when requests
  // are not validated, their bodies are forwarded as they arrive instead of being held whole
  // (an upload of any size passes with bounded memory); empty when they are validated (the
  // validator reads the whole body, and the server's body limit applies).
  std::function<bool(const http::Request&)> request_body_streaming() const;

  ViolationLog& violations() noexcept;
  ProxyStats stats() const noexcept;
  const ProxyOptions& options() const noexcept;
  const http::Origin& origin() const noexcept;
  // Lines for the end of a run: requests, forwarded, refused, upstream errors, violations by
  // direction and by operation.
  std::string summary() const;
  // Fails what is still in flight upstream and closes the upstream connections of the fallback
  // transports (a server thread's own transport closes when that thread stops serving). Call
  // after the server has stopped; the proxy forwards nothing afterwards. The proxy must outlive
  // the servers it is the handler of.
  void shutdown();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace oasis::proxy
