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
// Request bodies go whole (ClientRequest::body) or piece by piece from a BodyReader
// (ClientRequest::body_reader, e.g. the proxy forwarding an upload as it comes).
//
// Threading: the transport runs on one io_context run by ONE thread — its own (default) or one
// the caller supplies. Callbacks run on that thread; send() must not be called from it. A
// body_reader calls back on that thread too.
#pragma once

#include <oasis/http/message.hpp>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <limits>
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

// Headers shared by many requests (a client's defaults), checked and written out once: each
// request that points at them gets their lines with one copy. The fields that may not be sent
// as written (an empty name, a CR or LF, Content-Length, Transfer-Encoding) are left out, as
// from a request's own headers.
class CommonHeaders {
 public:
  CommonHeaders() = default;
  explicit CommonHeaders(HeaderList fields);
  const HeaderList& fields() const noexcept { return fields_; }
  // The sendable fields as "Name: value\r\n" lines, in order.
  std::string_view wire() const noexcept { return wire_; }
  // Whether a sendable field names Host / User-Agent (then the transport adds none).
  bool has_host() const noexcept { return has_host_; }
  bool has_user_agent() const noexcept { return has_agent_; }

 private:
  HeaderList fields_;
  std::string wire_;
  bool has_host_ = false, has_agent_ = false;
};

// What the client sends. Host, Content-Length and User-Agent are added by the transport.
struct ClientRequest {
  std::string method = "GET";
  std::string target = "/";  // origin-form: path and query, already percent-encoded
  HeaderList headers;
  // Headers sent before `headers`, shared by many requests (a client's defaults) instead of
  // copied into each. Not owned: the caller keeps them alive until the request's callback has
  // run.
  const CommonHeaders* common_headers = nullptr;
  std::string body;
  // A body sent piece by piece as its reader gives it, instead of whole in `body` (which must
  // then be empty; the request fails with Kind::cancelled otherwise): an upload forwarded as it
  // comes, or too large to hold. It goes out with `Content-Length: length()` when length() >= 0,
  // else chunked. The transport writes the head, then read()s a piece, writes it, and only once
  // the socket took it read()s the next — it holds no more than one piece. The reader calls back
  // on the transport's thread (build the transport on the io_context the reader's owner runs).
  // Such a request:
  //  - has its connection to itself (never pipelined), and is never sent again once its first
  //    read() was issued (the body cannot be replayed: a connection that breaks after it fails
  //    the request with Kind::closed); before that (the connect timed out, say) it goes on a
  //    fresh connection as any request;
  //  - fails with Kind::cancelled when the reader reports an error, or when the body proves
  //    shorter or longer than length() (the message says which); the connection is closed, so
  //    the upstream sees the request cut short;
  //  - may be answered before its body is complete (an early 413 or 401): the answer is
  //    delivered (whole, or streamed when the exchange streams), no more of the body is read or
  //    sent, and the connection is closed after the answer. The socket is read all along. An
  //    answer that comes once all of a Content-Length body is out, while the reader's `end` is
  //    still awaited, is no early answer: the connection stays (that `end` is not waited for);
  //  - counts its timeout only while the transport waits on the upstream (connecting, writing,
  //    waiting for the answer), not while it waits on the reader.
  // A reader's callback that comes after the request completed (cancelled, timed out, answered
  // early) is ignored. A reader that calls back inside read() is outside this contract.
  std::shared_ptr<BodyReader> body_reader;
  // Pipelining is allowed for idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS, TRACE);
  // set this to allow it for POST/PATCH too.
  bool allow_pipelining = false;
  // Per-request timeout; zero means TransportOptions::request_timeout.
  std::chrono::milliseconds timeout{0};

  bool idempotent() const noexcept;
};

// The header fields of a received response, owned in one block: names and values back to back
// in one string, with their offsets — two allocations for all the fields of an answer instead
// of one per long name or value. Copies stay valid (offsets, not views). Iterating gives
// (name, value) pairs of views into the block.
class HeaderBlock {
 public:
  using value_type = std::pair<std::string_view, std::string_view>;
  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = HeaderBlock::value_type;
    using difference_type = std::ptrdiff_t;
    using reference = value_type;
    using pointer = void;
    iterator() = default;
    value_type operator*() const noexcept { return (*b_)[i_]; }
    iterator& operator++() noexcept {
      ++i_;
      return *this;
    }
    iterator operator++(int) noexcept {
      auto t = *this;
      ++i_;
      return t;
    }
    bool operator==(const iterator& o) const noexcept { return i_ == o.i_; }

   private:
    friend class HeaderBlock;
    iterator(const HeaderBlock* b, std::size_t i) noexcept : b_(b), i_(i) {}
    const HeaderBlock* b_ = nullptr;
    std::size_t i_ = 0;
  };

  HeaderBlock() = default;
  HeaderBlock(const HeaderBlock&) = default;
  HeaderBlock& operator=(const HeaderBlock&) = default;
  // A moved-from block is empty (its count goes with its buffer).
  HeaderBlock(HeaderBlock&& o) noexcept : buf_(std::move(o.buf_)), count_(o.count_) { o.clear(); }
  HeaderBlock& operator=(HeaderBlock&& o) noexcept {
    if (this != &o) {
      buf_ = std::move(o.buf_);
      count_ = o.count_;
      o.clear();
    }
    return *this;
  }
  void clear() noexcept {
    buf_.clear();
    count_ = 0;
  }
  HeaderBlock(std::initializer_list<value_type> fields) {
    for (const auto& [n, v] : fields) emplace_back(n, v);
  }
  // Room for `fields` fields of `bytes` name and value bytes in all.
  void reserve(std::size_t fields, std::size_t bytes) { buf_.reserve(bytes + fields * sizeof(Entry)); }
  // Throws std::length_error past 4 GiB of fields.
  void emplace_back(std::string_view name, std::string_view value);
  // Replaces the fields with copies of these (a parsed head's views): one pass, one allocation.
  void assign(const Headers& fields);
  std::size_t size() const noexcept { return count_; }
  bool empty() const noexcept { return count_ == 0; }
  value_type operator[](std::size_t i) const noexcept {
    const Entry e = entry(i);
    return {std::string_view(buf_.data() + e.name_at, e.name), std::string_view(buf_.data() + e.value_at, e.value)};
  }
  iterator begin() const noexcept { return {this, 0}; }
  iterator end() const noexcept { return {this, count_}; }
  // The first field with this name (case-insensitive), or an empty view.
  std::string_view get(std::string_view name) const noexcept;

 private:
  struct Entry {
    std::uint32_t name_at, name, value_at, value;  // offsets and sizes in the buffer
  };
  // One buffer: the text of the fields, then an Entry per field (read with memcpy: the text
  // before them has any length). A copy is one allocation and reads its own bytes. The text is
  // the names and values back to back, or a parsed head's lines as they came (one copy).
  Entry entry(std::size_t i) const noexcept {
    Entry e;
    std::memcpy(&e, buf_.data() + buf_.size() - (count_ - i) * sizeof(Entry), sizeof(Entry));
    return e;
  }
  friend struct ClientResponse;  // its destructor gives buf_ back
  std::string buf_;
  std::size_t count_ = 0;
};

// An answer's bytes (its header block and body) are allocated on the transport's thread and
// mostly freed on another (the caller's), which is the allocator's slowest path both ways (its
// per-thread caches fill on one side and stay empty on the other). So an answer gives its
// buffers back when it goes, and the transport fills the next answers with them.
struct ClientResponse {
  int status = 0;
  std::string reason;
  HeaderBlock headers;
  std::string body;

  ClientResponse() = default;
  ClientResponse(const ClientResponse&) = default;
  ClientResponse(ClientResponse&&) noexcept = default;
  ClientResponse& operator=(const ClientResponse&) = default;
  ClientResponse& operator=(ClientResponse&&) noexcept = default;
  ~ClientResponse() {
    if (body.capacity() > kInPlace || headers.buf_.capacity() > kInPlace) give_back();  // (a moved-from one has none)
  }

  // The first header with this name (case-insensitive), or empty.
  std::string_view header(std::string_view name) const noexcept;

 private:
  // At most what a std::string holds without a buffer of its own (15 in libstdc++; a larger
  // in-place room only costs a call that gives nothing back).
  static constexpr std::size_t kInPlace = 15;
  void give_back() noexcept;  // to detail::AnswerBuffers
};

namespace detail {
// Buffers of answers that went, for the transport to fill again: kept per thread, and passed
// between threads in batches of 64 under one lock. Only buffers of up to 8 KiB are kept, at
// most 64 per thread (512 KiB) and 16 batches shared (8 MiB); the rest are freed as usual.
struct AnswerBuffers {
  // An empty string, with the capacity of a buffer given back when there is one.
  static std::string take() noexcept;
  static void give(std::string& s) noexcept;
};
}  // namespace detail

struct TransportError {
  enum class Kind : std::uint8_t {
    none,
    resolve,    // the host name did not resolve
    connect,    // connection refused / unreachable
    tls,        // handshake or certificate verification failed
    timeout,    // connect or per-request timeout
    closed,     // the connection broke before the response was complete
    protocol,   // the response could not be parsed
    cancelled,  // the transport shut down, the exchange was cancelled, or the request's
                // body_reader failed or did not match its length (the message says which)
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
  // What the open connections' read buffers hold in all (capacity): stays bounded by what
  // reads bring while answers stream, however large their bodies.
  std::size_t read_buffer_bytes = 0;
};

namespace detail {
struct Pool;
class Connection;
}  // namespace detail

// A request and what takes its answer, for callers that keep state per request of their own
// (the SDK's calls): they derive from Exchange, and the transport keeps its bookkeeping inside
// it, so a send allocates nothing more. complete() runs once per send, on the transport's
// thread; the same exchange may be sent again after it completed (a retry).
//
// Streaming: an exchange with `stream = true` takes its answer in pieces as they arrive instead
// of whole (bodies too large to hold, or forwarded as they come):
//   on_head(head)    once the header section is in: status, reason, headers (body empty; the
//                    exchange may move them out);
//   on_body(piece)   each piece of the body, in order, never empty. The transport then reads
//                    nothing more from that connection until the exchange calls resume_body()
//                    (backpressure); the view stays valid until then;
//   complete(err, {}) once, at the end, after the last piece was resumed: no error when the
//                    body ended properly (the connection is then reused); closed / timeout /
//                    protocol when the upstream broke off mid-body, cancelled after cancel().
// An answer without a body (to HEAD, 204, 304) gets on_head, then complete, no piece. An
// exchange whose on_head ran is not sent again (the broken-connection resend stops there), and
// a streamed exchange has its connection to itself (never pipelined with others).
// max_response_body does not apply to a streamed body. Timeouts: up to on_head the request's
// timeout counts as for any request (from dispatch); after it, it is an inactivity limit —
// the upstream must bring more bytes within that time whenever the transport waits for them.
// While paused (between on_body and resume_body) no timeout runs.
// resume_body() and cancel() are for the transport's thread; from another, go through
// Transport::schedule(0ns, [x] { x->cancel(); }).
class Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  ClientRequest request;
  bool stream = false;  // take the answer through on_head / on_body (see above)

  Exchange() = default;
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;
  virtual ~Exchange() { unlink(); }

  virtual void complete(TransportError err, ClientResponse res) = 0;
  // Streaming only; both run on the transport's thread.
  virtual void on_head(ClientResponse& /*head*/) {}
  virtual void on_body(std::string_view /*piece*/) {}

  // After on_body: the piece is taken, the transport may read on. On the transport's thread,
  // from inside on_body too. Nothing is called back before it returns: the next piece (or
  // complete) comes from the transport's loop, or right after on_body returns when called
  // from inside it. Does nothing when the exchange is not paused on a piece.
  void resume_body();
  // Stops the exchange: its connection, if it has one, is closed (requests pipelined behind
  // it go to others), and complete(cancelled) runs before cancel() returns — afterwards the
  // transport holds no reference to the exchange and calls nothing more on it. On the
  // transport's thread (from inside on_head / on_body too). Called after async_send but
  // before the transport took the exchange, it completes with cancelled as it is taken.
  // Does nothing once completed.
  void cancel();

  // --- the transport's bookkeeping while sent; callers leave it alone ---------------------
  Origin origin{{}, {}, 0};  // set by async_send (not built from the defaults per call)
  detail::Pool* pool = nullptr;
  detail::Connection* conn = nullptr;  // where it is queued, if anywhere
  unsigned resends = 0;
  bool pipelinable = false;
  bool head = false;
  bool finished = false;
  bool headed = false;          // streaming: on_head ran
  bool body_read = false;       // the request's body_reader was asked for a piece: no resend
  bool cancel_pending = false;  // cancel() came before the transport took the exchange
  std::chrono::steady_clock::time_point deadline{};
  // While the transport waits on the request's body_reader the deadline rests; this is what was
  // left of the timeout when it began to.
  std::chrono::steady_clock::duration deadline_left{};
  // The transport's list of live requests (swept for timeouts by one timer).
  Exchange** list = nullptr;
  Exchange* prev = nullptr;
  Exchange* next = nullptr;

  void link(Exchange** head) noexcept {
    list = head;
    next = *head;
    if (next) next->prev = this;
    *head = this;
  }
  void unlink() noexcept {
    if (!list) return;
    if (prev)
      prev->next = next;
    else
      *list = next;
    if (next) next->prev = prev;
    list = nullptr;
    prev = next = nullptr;
  }
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
  // Sends `x->request` from any thread; `x->complete` runs once, on the transport's thread.
  // Not again until it has completed.
  void async_send(const Origin& origin, std::shared_ptr<Exchange> x);
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
// With a body_reader: the head only, framed by the reader's length() (Content-Length, or
// Transfer-Encoding: chunked when it is unknown).
void serialize_request(const ClientRequest& req, std::string_view host_header, std::string_view user_agent,
                       std::string& out);

}  // namespace oasis::http
