// oasis/client/client.hpp — the SDK: `oasis::Client` for calling an HTTP API.
//
//   oasis::Client api({.base_url = "https://pve:8006/api2/json",
//                      .auth = oasis::client::Auth::proxmox_token("root@pam!ci", "secret")});
//   auto vm = api["nodes"]["pve"]["qemu"](100)["status"]["current"].get();
//   auto f = api.async_get("/version");            // oasis::Future<Response>
//   auto r = co_await api.async_get("/version");   // in a coroutine returning oasis::Future<T>
//
// Sync and async verbs, path navigation with percent-encoding, query / form / JSON data from
// key-value lists (nulls dropped), typed errors or exceptions, auth (bearer, basic, API-key
// header, Proxmox API token, Proxmox ticket with CSRF and renewal), and retries with
// exponential backoff and jitter that honour Retry-After within a total-time budget.
//
// It stands on the http/ transport (pool, keep-alive, pipelining, TLS) and knows nothing about
// OpenAPI documents, servers or the mock.
#pragma once

#include <oasis/client/clock.hpp>
#include <oasis/client/future.hpp>
#include <oasis/http/client.hpp>

#include <boost/json/value.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace oasis::client {

using http::HeaderList;

// One key-value pair of query or body data. A null value is dropped; an array repeats the key;
// booleans are "1"/"0" when ClientOptions::bool_as_int (Proxmox), else "true"/"false".
struct Param {
  std::string key;
  boost::json::value value;
};
using Params = std::vector<Param>;

class Response {
 public:
  Response() = default;
  explicit Response(http::ClientResponse r) : r_(std::move(r)) {}

  int status() const noexcept { return r_.status; }
  std::string_view reason() const noexcept { return r_.reason; }
  bool ok() const noexcept { return r_.status >= 200 && r_.status < 300; }
  const HeaderList& headers() const noexcept { return r_.headers; }
  std::string_view header(std::string_view name) const noexcept { return r_.header(name); }
  const std::string& body() const noexcept { return r_.body; }
  // The body parsed as JSON (parsed once, on first use); throws std::system_error if it is not.
  const boost::json::value& json() const;
  // Proxmox wraps answers in {"data": ...}: that member, or the whole body if there is none.
  const boost::json::value& data() const;

 private:
  http::ClientResponse r_;
  mutable std::shared_ptr<boost::json::value> json_;
};

// Why a call failed: the transport (no response at all) or the server (a 4xx/5xx answer,
// with its status and body).
class Error : public std::runtime_error {
 public:
  enum class Kind { transport, http, config };
  Error(Kind kind, std::string message, int status = 0, std::string body = {},
        http::TransportError::Kind transport = http::TransportError::Kind::none)
      : std::runtime_error(std::move(message)), kind_(kind), status_(status), body_(std::move(body)), transport_(transport) {}
  Kind kind() const noexcept { return kind_; }
  int status() const noexcept { return status_; }             // 0 for transport errors
  const std::string& body() const noexcept { return body_; }  // the server's error body
  http::TransportError::Kind transport() const noexcept { return transport_; }

 private:
  Kind kind_;
  int status_;
  std::string body_;
  http::TransportError::Kind transport_;
};

// A typed result for callers who prefer no exceptions.
template <class T>
class Result {
 public:
  Result(T v) : v_(std::move(v)) {}
  Result(Error e) : v_(std::move(e)) {}
  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  // The value, or throws the error.
  const T& value() const {
    if (!ok()) throw std::get<1>(v_);
    return std::get<0>(v_);
  }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Auth {
  enum class Kind { none, bearer, basic, api_key, proxmox_token, proxmox_ticket };
  Kind kind = Kind::none;
  std::string token;             // bearer token; for proxmox_token the secret
  std::string username;          // basic / ticket ("root@pam"); for proxmox_token "user@realm!tokenid"
  std::string password;          // basic / ticket
  std::string header = "X-API-Key";  // api_key: the header carrying `token`
  // Proxmox tickets last two hours; a new one is fetched this long before that.
  std::chrono::seconds ticket_lifetime{7200};
  std::chrono::seconds renew_before{600};

  static Auth bearer(std::string token);
  static Auth basic(std::string user, std::string password);
  static Auth api_key(std::string header, std::string key);
  // Authorization: PVEAPIToken=USER@REALM!TOKENID=SECRET
  static Auth proxmox_token(std::string token_id, std::string secret);
  // POST /access/ticket, then the PVEAuthCookie cookie and, on writes, CSRFPreventionToken.
  static Auth proxmox_ticket(std::string user, std::string password);
};

struct RetryPolicy {
  unsigned max_retries = 3;  // after the first try; 0 turns retries off
  std::chrono::milliseconds base_delay{200};
  std::chrono::milliseconds max_delay{10'000};
  double jitter = 0.2;  // each delay is scaled by a random factor in [1 - jitter, 1 + jitter]
  std::vector<int> statuses{502, 503, 504};
  bool on_connection_errors = true;  // connect refused / connection broken
  bool honour_retry_after = true;
  bool non_idempotent = false;  // retry POST/PATCH too (only if the API makes them safe)
};

enum class BodyFormat { form, json };

struct ClientOptions {
  std::string base_url = "http://127.0.0.1:8080";  // scheme, host, port and a path prefix
  Auth auth;
  RetryPolicy retry;
  http::TransportOptions transport;  // pool, pipelining, TLS, connect / per-request timeouts
  std::chrono::milliseconds total_timeout{60'000};  // one call, every retry included
  BodyFormat body_format = BodyFormat::form;          // for Params bodies of POST/PUT/PATCH
  bool bool_as_int = false;
  // true: a 4xx/5xx answer fails the call with Error{Kind::http}; false: it is returned.
  bool throw_on_http_error = true;
  HeaderList default_headers{{"Accept", "application/json"}};
  std::uint64_t jitter_seed = 0;  // 0: seeded from the clock
  // For tests: time and timers (backoff, ticket renewal). Defaults to the steady clock.
  std::shared_ptr<Clock> clock;
};

class Client;

// A path under the client's base URL built segment by segment:
// api["nodes"]["pve"]["qemu"](100)["status"]["current"].get().
class Path {
 public:
  Path(Client& client, std::string path) : client_(&client), path_(std::move(path)) {}
  // Appends segments: "a/b" adds two, each percent-encoded.
  Path operator[](std::string_view segments) const;
  // Appends one segment, percent-encoded whole ("a/b" becomes "a%2Fb").
  Path operator()(std::string_view segment) const;
  Path operator()(const char* segment) const { return (*this)(std::string_view(segment)); }
  Path operator()(long long id) const;
  Path operator()(int id) const { return (*this)(static_cast<long long>(id)); }
  const std::string& str() const noexcept { return path_; }

  Response get(Params query = {}) const;
  Response post(Params data = {}) const;
  Response put(Params data = {}) const;
  Response patch(Params data = {}) const;
  Response del(Params query = {}) const;
  Future<Response> async_get(Params query = {}) const;
  Future<Response> async_post(Params data = {}) const;
  Future<Response> async_put(Params data = {}) const;
  Future<Response> async_patch(Params data = {}) const;
  Future<Response> async_del(Params query = {}) const;

 private:
  Client* client_;
  std::string path_;
};

// One request as the client sends it: data goes to the query for GET/HEAD/DELETE and to the
// body otherwise, unless `json` is given (then it is the body).
struct Call {
  std::string method = "GET";
  std::string path;  // under the base URL, already encoded ("/nodes/pve")
  Params data;
  std::optional<boost::json::value> json;
  HeaderList headers;
};

class Client {
 public:
  explicit Client(ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // The heart of it: every other call goes through here.
  Future<Response> async_call(Call call);
  // Never throws for call failures: an Error comes back instead.
  Result<Response> call(Call call);

  Future<Response> async_get(std::string path, Params query = {});
  Future<Response> async_post(std::string path, Params data = {});
  Future<Response> async_post_json(std::string path, boost::json::value json);
  Future<Response> async_put(std::string path, Params data = {});
  Future<Response> async_put_json(std::string path, boost::json::value json);
  Future<Response> async_patch(std::string path, Params data = {});
  Future<Response> async_patch_json(std::string path, boost::json::value json);
  Future<Response> async_del(std::string path, Params query = {});

  // Block until done; throw Error on failure.
  Response get(std::string path, Params query = {});
  Response post(std::string path, Params data = {});
  Response post_json(std::string path, boost::json::value json);
  Response put(std::string path, Params data = {});
  Response put_json(std::string path, boost::json::value json);
  Response patch(std::string path, Params data = {});
  Response patch_json(std::string path, boost::json::value json);
  Response del(std::string path, Params query = {});

  // Path navigation from the base URL.
  Path operator[](std::string_view segments);
  Path path() { return Path(*this, ""); }

  const ClientOptions& options() const noexcept;
  http::TransportStats transport_stats() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string percent_encode(std::string_view s);
// "a=1&b=x%20y" from params (nulls dropped, arrays repeated).
std::string encode_query(const Params& params, bool bool_as_int = false);
// The delay before retry number `attempt` (0 for the first retry), before jitter.
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, unsigned attempt);
// Retry-After as a delay: delta-seconds or an HTTP-date (against `now_utc`); nullopt if unusable.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value, std::time_t now_utc);

}  // namespace oasis::client

namespace oasis {
using client::Client;
}
