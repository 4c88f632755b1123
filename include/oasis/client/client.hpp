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
// header, Proxmox API token, Proxmox ticket with CSRF and renewal), retries with exponential
// backoff and jitter that honour Retry-After within a total-time budget, a GET cache (TTL,
// invalidation, ETag revalidation), coalescing of identical GETs in flight, a limit on
// requests in flight, and Proxmox task polling (UPID decoding, wait_for_task).
//
// It stands on the http/ transport (pool, keep-alive, pipelining, TLS) and knows nothing about
// OpenAPI documents, servers or the mock.
#pragma once

#include <oasis/client/clock.hpp>
#include <oasis/client/future.hpp>
#include <oasis/http/client.hpp>

#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
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
  explicit Response(const http::ClientResponse& r) : r_(r) {}
  explicit Response(http::ClientResponse&& r) noexcept : r_(std::move(r)) {}

  int status() const noexcept { return r_.status; }
  std::string_view reason() const noexcept { return r_.reason; }
  bool ok() const noexcept { return r_.status >= 200 && r_.status < 300; }
  const http::HeaderBlock& headers() const noexcept { return r_.headers; }
  std::string_view header(std::string_view name) const noexcept { return r_.header(name); }
  const std::string& body() const noexcept { return r_.body; }
  // The body parsed as JSON (parsed once, on first use, into one arena that copies of this
  // Response share); throws boost::system::system_error if it is not.
  const boost::json::value& json() const;
  // Proxmox wraps answers in {"data": ...}: that member, or the whole body if there is none.
  const boost::json::value& data() const;
  // Whether the body is parsed already (by json() / data(), or on arrival with
  // ClientOptions::parse_json_on_arrival).
  bool json_parsed() const noexcept { return json_.get() != nullptr; }

 private:
  struct Parsed;
  // The parsed body, shared by copies of this Response: the DOM, its arena and this count sit
  // in one allocation sized from the body (a shared_ptr would need one for its control block).
  class ParsedRef {
   public:
    ParsedRef() = default;
    explicit ParsedRef(const Parsed* p) noexcept : p_(p) {}
    ParsedRef(const ParsedRef& o) noexcept : p_(o.p_) {
      if (p_) retain(p_);
    }
    ParsedRef(ParsedRef&& o) noexcept : p_(o.p_) { o.p_ = nullptr; }
    ParsedRef& operator=(const ParsedRef& o) noexcept {
      ParsedRef(o).swap(*this);
      return *this;
    }
    ParsedRef& operator=(ParsedRef&& o) noexcept {
      ParsedRef(std::move(o)).swap(*this);
      return *this;
    }
    ~ParsedRef() {
      if (p_) release(p_);
    }
    void swap(ParsedRef& o) noexcept { std::swap(p_, o.p_); }
    const Parsed* get() const noexcept { return p_; }

   private:
    const Parsed* p_ = nullptr;
  };
  static void retain(const Parsed* p) noexcept;
  static void release(const Parsed* p) noexcept;

  http::ClientResponse r_;
  mutable ParsedRef json_;
};

// Why a call failed: the transport (no response at all) or the server (a 4xx/5xx answer,
// with its status and body).
class Error : public std::runtime_error {
 public:
  // task: a Proxmox task ended with an exit status other than OK, or outlived its deadline.
  enum class Kind { transport, http, config, task };
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

// GET responses kept in memory. A fresh entry answers without a request; a stale one that
// carried an ETag is revalidated with If-None-Match, and a 304 reuses the kept body.
struct CacheOptions {
  bool enabled = false;
  std::chrono::milliseconds ttl{30'000};  // how long an entry is fresh (Call::cache_ttl overrides)
  bool revalidate = true;                 // stale entries with an ETag: If-None-Match
  std::size_t max_entries = 10'000;
  std::size_t max_body = 1024 * 1024;  // larger bodies are not kept
};

struct CacheStats {
  std::uint64_t hits = 0;         // answered from a fresh entry, no request
  std::uint64_t misses = 0;       // GETs that had to go to the server (revalidations included)
  std::uint64_t revalidated = 0;  // 304 answers that reused a kept body
  std::uint64_t coalesced = 0;    // GETs that joined an identical one already in flight
  std::size_t entries = 0;
};

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
  CacheOptions cache;
  // Identical GETs (same target and headers) in flight at the same time share one request:
  // every caller gets the same response.
  bool coalesce_gets = true;
  // At most this many requests of this client on the wire at once (0: no limit); the rest wait
  // in order. Bounds what when_all over many async calls puts in flight.
  std::size_t max_in_flight = 0;
  // JSON answers (a JSON media type) are parsed on the transport's thread as they arrive, so
  // json() / data() find them parsed. Worth it when the caller's thread is the busier one: it
  // then reads answers while the transport waits for the server. A body that does not parse is
  // left as it came: json() reports the error when called.
  bool parse_json_on_arrival = false;
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
  std::optional<std::chrono::milliseconds> cache_ttl;  // this GET's freshness, if cached
  bool no_cache = false;  // neither read nor fill the cache, never coalesce
};

// A Proxmox task id, "UPID:node:PID:PSTART:STARTTIME:type:id:user:" (PID, PSTART and STARTTIME
// in hex).
struct Upid {
  std::string node;
  std::uint32_t pid = 0;
  std::uint64_t pstart = 0;   // process start, in clock ticks since boot
  std::int64_t starttime = 0; // Unix time the task started
  std::string type;           // "qmstart", "vzdump", ...
  std::string id;             // what it works on ("100"), may be empty
  std::string user;           // "root@pam"
  std::string text;           // the UPID as given

  // Throws std::invalid_argument naming what is wrong.
  static Upid parse(std::string_view upid);
};

// One poll of GET /nodes/{node}/tasks/{upid}/status.
struct TaskStatus {
  Upid upid;
  std::string status;      // "running" or "stopped"
  std::string exitstatus;  // once stopped: "OK", or the error text
  boost::json::value data; // the whole status object
  unsigned polls = 0;      // polls made so far
  std::chrono::milliseconds elapsed{0};  // since wait_for_task started, by the client's clock
  bool running() const noexcept { return status == "running"; }
};

struct TaskWaitOptions {
  std::chrono::milliseconds interval{500};       // after the first poll
  std::chrono::milliseconds max_interval{5'000}; // the interval doubles up to this
  std::chrono::milliseconds timeout{600'000};    // from the start, on the monotonic clock
  // Called after every poll (on the transport's thread; do not block there).
  std::function<void(const TaskStatus&)> on_progress;
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

  // Runs the calls with at most `limit` of them on the wire at once (0: all at once); values in
  // order, or the first failure in order.
  Future<std::vector<Response>> async_gather(std::vector<Call> calls, std::size_t limit = 0);

  // The GET cache. A key is the request target under the base URL as the client sends it:
  // "/nodes/pve/qemu?full=1" (path and query, percent-encoded).
  void invalidate(std::string_view key);
  void invalidate_prefix(std::string_view prefix);  // "/nodes/pve" drops "/nodes/pve/..." too
  void clear_cache();
  CacheStats cache_stats() const;

  // Polls GET /nodes/{node}/tasks/{upid}/status until the task stops: at once, then after
  // `interval`, doubling up to `max_interval`, never past `timeout`. The final status when the
  // exit status is OK; Error{Kind::task} when it is not or the deadline passed.
  Future<TaskStatus> async_wait_for_task(std::string upid, TaskWaitOptions options = {});
  TaskStatus wait_for_task(std::string upid, TaskWaitOptions options = {});

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

// Percent-encodes everything but RFC 3986 unreserved characters (the engine's).
using http::percent_encode;
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
