// oasis/http/message.hpp — HTTP/1.1 messages as the server and the client see them.
//
// A Request is a set of views into the connection's read buffer: method, target, headers and
// body are never copied on the way in. It is valid until the handler returns (a handler that
// answers later must copy what it needs). A Response is a builder whose storage is reused from
// one request to the next on a connection, so answering costs no allocation once warm.
//
// This header knows nothing about sockets, threads, OpenAPI or resources.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace oasis::http {

enum class Method : std::uint8_t { GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS, TRACE, CONNECT, OTHER };

std::string_view to_string(Method m) noexcept;
// Exact, case-sensitive match (methods are case-sensitive, RFC 9110 §9.1); OTHER if unknown.
Method method_from_string(std::string_view s) noexcept;

// ASCII case-insensitive comparison, as header names need.
bool iequals(std::string_view a, std::string_view b) noexcept;
// RFC 3986 percent-encoding: every byte but the unreserved characters (ALPHA DIGIT - . _ ~)
// becomes %XX. For a path segment, a query key or value, a form field.
std::string percent_encode(std::string_view s);

// The reason phrase for a status code ("Not Found"); "Unknown" for codes without one.
std::string_view reason_phrase(int status) noexcept;

struct Field {
  std::string_view name;
  std::string_view value;
};

// Request header fields that the engine and the frameworks on it ask about on most requests.
// A Headers list indexes them as they are added (the parser classifies each name once, by its
// length and first letter, while it parses), so asking for one costs an array read, not a scan.
enum class KnownField : std::uint8_t {
  accept, accept_charset, accept_encoding, accept_language,
  access_control_request_headers, access_control_request_method,
  authorization, content_length, content_type, cookie, expect, host,
  if_match, if_modified_since, if_none_match, if_range, if_unmodified_since,
  origin, prefer, range, transfer_encoding,
  count  // not one of them
};
inline constexpr std::size_t known_field_count = static_cast<std::size_t>(KnownField::count);
// Which known field a name is (case-insensitive); KnownField::count when none.
KnownField classify_field(std::string_view name) noexcept;
// A set of known fields as a bitmask.
constexpr std::uint32_t field_bit(KnownField f) noexcept { return std::uint32_t{1} << static_cast<unsigned>(f); }

// An ordered list of header fields (views). Lookups by name are linear: requests carry few
// headers and a scan of a dozen short names beats hashing them. The fields of KnownField are
// also indexed (the first of each name) as they are added.
class Headers {
 public:
  // The first field of a known name, or an empty view; O(1).
  std::string_view get(KnownField f) const noexcept {
    return (known_ & field_bit(f)) ? fields_[at_[static_cast<std::size_t>(f)]].value : std::string_view{};
  }
  bool has(KnownField f) const noexcept { return (known_ & field_bit(f)) != 0; }
  // The known fields present, as a bitmask of field_bit().
  std::uint32_t known_fields() const noexcept { return known_; }
  // For parsers that write a field's name piecewise (back()): indexes field i as `f` once its
  // name is complete (f = classify_field(name)); the first field of a name wins.
  void index(std::size_t i, KnownField f) noexcept {
    if (f == KnownField::count || (known_ & field_bit(f)) || i > 0xffff) return;
    known_ |= field_bit(f);
    at_[static_cast<std::size_t>(f)] = static_cast<std::uint16_t>(i);
  }

  // The first field with this name (case-insensitive), or an empty view.
  std::string_view get(std::string_view name) const noexcept;
  bool has(std::string_view name) const noexcept;
  // How many fields have this name.
  std::size_t count(std::string_view name) const noexcept;
  template <class F>
  void for_each(std::string_view name, F&& f) const {
    for (const auto& fl : fields_)
      if (iequals(fl.name, name)) f(fl.value);
  }
  void add(std::string_view name, std::string_view value) {
    fields_.push_back({name, value});
    if (!name.empty()) index(fields_.size() - 1, classify_field(name));
  }
  // For parsers: appends a field whose name is still being read; index() it when complete.
  void add_partial(std::string_view name_start) { fields_.push_back({name_start, {}}); }
  void clear() noexcept {
    fields_.clear();
    known_ = 0;
  }
  std::size_t size() const noexcept { return fields_.size(); }
  bool empty() const noexcept { return fields_.empty(); }
  auto begin() const noexcept { return fields_.begin(); }
  auto end() const noexcept { return fields_.end(); }
  const Field& operator[](std::size_t i) const noexcept { return fields_[i]; }
  void reserve(std::size_t n) { fields_.reserve(n); }
  // For parsers that write views as they go. (Renaming a field through these does not
  // re-index it: index() it again, or clear() and add().)
  Field& back() noexcept { return fields_.back(); }
  std::vector<Field>& mutable_fields() noexcept { return fields_; }

 private:
  std::vector<Field> fields_;
  std::uint32_t known_ = 0;  // which entries of at_ are written (only those are read)
  std::uint16_t at_[known_field_count] = {};
};
static_assert(known_field_count <= 32);

// A body read piece by piece as it comes (a request body a handler forwards, or one too large
// to hold whole).
class BodyReader {
 public:
  enum class Status : std::uint8_t { more, end, error };
  virtual ~BodyReader() = default;
  // Asks for the next piece. `f(piece, status)` runs once, later, on the owner's thread (never
  // inside read()): more — `piece` (not empty) is valid until the next read(); end — the body is
  // complete (`piece` holds its last bytes, maybe none); error — it cannot be completed (the
  // peer went away, broke the framing, or was too slow). One read() at a time.
  virtual void read(std::function<void(std::string_view piece, Status status)> f) = 0;
  // The declared length (Content-Length), or -1 when the body is chunked.
  virtual std::int64_t length() const noexcept = 0;
};

class Request {
 public:
  Method method() const noexcept { return method_; }
  std::string_view method_name() const noexcept { return method_name_; }
  // The request-target as sent ("/pets/1?limit=2").
  std::string_view target() const noexcept { return target_; }
  // The target's path, still percent-encoded ("/pets/1").
  std::string_view path() const noexcept { return path_; }
  // The target's query without its '?', still percent-encoded ("limit=2"); empty if none.
  std::string_view query() const noexcept { return query_; }
  int version_major() const noexcept { return version_major_; }
  int version_minor() const noexcept { return version_minor_; }
  const Headers& headers() const noexcept { return headers_; }
  std::string_view header(std::string_view name) const noexcept { return headers_.get(name); }
  const Headers& trailers() const noexcept { return trailers_; }
  std::string_view body() const noexcept { return body_; }
  // The reader of a body that comes piece by piece instead of whole in body() (see the
  // server's ServerOptions::stream_request_body); null for a body held whole.
  const std::shared_ptr<BodyReader>& body_reader() const noexcept { return body_reader_; }
  // Whether the connection stays open after this exchange (HTTP/1.1 default, Connection: close,
  // HTTP/1.0 keep-alive).
  bool keep_alive() const noexcept { return keep_alive_; }
  // Address of the peer ("127.0.0.1"), when the transport knows it.
  std::string_view remote_address() const noexcept { return remote_; }
  bool secure() const noexcept { return secure_; }

  // --- filled by the parser, or by a test that builds a request by hand -------------------
  void set_method(std::string_view name) noexcept {
    method_name_ = name;
    method_ = method_from_string(name);
  }
  // Sets target, path and query.
  void set_target(std::string_view target) noexcept;
  void set_version(int major, int minor) noexcept {
    version_major_ = major;
    version_minor_ = minor;
  }
  Headers& mutable_headers() noexcept { return headers_; }
  Headers& mutable_trailers() noexcept { return trailers_; }
  void set_body(std::string_view b) noexcept { body_ = b; }
  void set_body_reader(std::shared_ptr<BodyReader> r) noexcept { body_reader_ = std::move(r); }
  void set_keep_alive(bool k) noexcept { keep_alive_ = k; }
  void set_remote_address(std::string_view r) noexcept { remote_ = r; }
  void set_secure(bool s) noexcept { secure_ = s; }
  void clear() noexcept;

 private:
  Method method_ = Method::GET;
  std::string_view method_name_ = "GET";
  std::string_view target_ = "/", path_ = "/", query_;
  int version_major_ = 1, version_minor_ = 1;
  Headers headers_, trailers_;
  std::string_view body_;
  std::shared_ptr<BodyReader> body_reader_;
  bool keep_alive_ = true;
  std::string_view remote_;
  bool secure_ = false;
};

class Response;

// Where a response that was answered later goes. Implemented by the server's connection.
class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  // Sends the response; call once, on the connection's thread. After start_stream(): ends the
  // body.
  virtual void finish() = 0;
  // Runs f on the connection's thread (from any thread).
  virtual void dispatch(std::function<void()> f) = 0;
  // Runs f on the connection's thread once `delay` has passed.
  virtual void after(std::chrono::milliseconds delay, std::function<void()> f) = 0;
  virtual Response& response() = 0;
  // Streaming: see Deferred.
  virtual void start_stream() = 0;
  virtual void write(std::string_view piece, std::function<void()> written) = 0;
  virtual void abort() = 0;
  virtual bool open() const noexcept = 0;
  virtual void on_close(std::function<void()> f) = 0;
};

// A handle to a response that a handler will complete later (after a timer, an upstream
// call...). Responses on a connection still go out in request order: later pipelined requests
// wait for this one.
//
// The answer goes out whole (fill response(), then finish()) or streamed, for a body that is
// not held whole (a proxy forwarding as it reads). Streaming, all on the connection's thread
// and after the handler has returned (from dispatch(), after(), an upstream's completion; as
// with finish(), a start_stream() inside the handler itself does nothing):
//
//   start_stream()           sends the status line and headers of response(), whose body must
//                            be empty (it is not sent) and is never gzipped. The body is framed
//                            by the handler's Content-Length header if it set one (the body must
//                            then be exactly that long), else chunked for an HTTP/1.1 request,
//                            else (HTTP/1.0) by closing the connection. A Transfer-Encoding the
//                            handler set is dropped: the engine frames. A HEAD request (or a
//                            status without a body: 1xx, 204, 304) gets the head only; pieces
//                            written to it are dropped.
//   write(piece, written)    queues a piece of the body. `written` runs once the piece has been
//                            handed to the socket (after any earlier answers still owed on the
//                            connection) and the next piece may be written; never inside
//                            write(). `piece` must stay valid until then. One piece at a time:
//                            a write() before the previous piece's `written` ran aborts the
//                            stream, as does a piece beyond the Content-Length. `written` may
//                            be empty.
//   finish()                 ends the body (the last chunk when chunked); the connection goes on
//                            with the next pipelined request. A body shorter than its
//                            Content-Length ends as abort() does.
//   abort()                  the body cannot be completed (the upstream broke off): what was
//                            queued goes out, then the connection closes without ending the
//                            message, so the client sees a truncated answer (a close-delimited
//                            body, which a close would complete, ends with a reset instead). No
//                            later pipelined request is answered on it.
//
// The connection may close first (the client went away or stopped reading past the write
// timeout, the server stopped): then open() turns false, a pending `written` never runs, the
// on_close() callback runs, and every later call is a no-op. A streamer waiting for `written`
// or for its upstream learns it there and drops its exchange. The handle keeps the connection's
// memory alive, so calls after a close are always safe.
class Deferred {
 public:
  Deferred() = default;
  explicit Deferred(std::shared_ptr<ResponseSink> sink) : sink_(std::move(sink)) {}
  explicit operator bool() const noexcept { return static_cast<bool>(sink_); }
  // Valid only on the connection's thread.
  Response& response() { return sink_->response(); }
  // Sends the response (on the connection's thread) and releases the handle. After
  // start_stream(): ends the body.
  void finish() {
    if (auto s = std::move(sink_)) s->finish();
  }
  // Runs f on the connection's thread; the usual way back from another thread or executor.
  void dispatch(std::function<void()> f) { sink_->dispatch(std::move(f)); }
  // Runs f on the connection's thread after `delay` (a timer on that thread's event loop).
  void after(std::chrono::milliseconds delay, std::function<void()> f) { sink_->after(delay, std::move(f)); }

  // Sends the head of response() now; the body follows with write() (see above).
  void start_stream() {
    if (sink_) sink_->start_stream();
  }
  // Queues a piece of a streamed body; `written` runs when the next may be written.
  void write(std::string_view piece, std::function<void()> written) {
    if (sink_) sink_->write(piece, std::move(written));
  }
  // Gives up on the answer: the connection closes with it incomplete. Releases the handle.
  void abort() {
    if (auto s = std::move(sink_)) s->abort();
  }
  // Whether the connection can still take the answer (false once it closed).
  bool open() const noexcept { return sink_ && sink_->open(); }
  // `f` runs once, on the connection's thread, if the connection closes before finish() or
  // abort() (at once, posted, if it already has). Replaces an earlier callback. Like the
  // streaming calls, only after the handler has returned: inside the handler it does nothing.
  void on_close(std::function<void()> f) {
    if (sink_) sink_->on_close(std::move(f));
  }

 private:
  std::shared_ptr<ResponseSink> sink_;
};

// A response under construction. Status 200 and an empty body until told otherwise. The
// engine adds Date, Content-Length (or Transfer-Encoding), Connection and Server, and gzips the
// body when the request accepts it and the body is large enough (unless compress(false)).
class Response {
 public:
  void status(int code) noexcept { status_ = code; }
  int status() const noexcept { return status_; }
  // A reason phrase for the status line instead of the standard one (some APIs, Proxmox's
  // pveproxy among them, put their error message there). CR and LF are replaced by spaces.
  void reason(std::string_view text);
  std::string_view reason() const noexcept { return reason_; }

  // Appends a header field. Names and values must not contain CR or LF (they are dropped if
  // they do, so a handler can never split a response).
  void header(std::string_view name, std::string_view value);
  // The first header with this name, or empty.
  std::string_view header(std::string_view name) const noexcept;
  bool has_header(std::string_view name) const noexcept;
  // Removes every header with this name.
  void remove_header(std::string_view name);
  // Every header as "Name: value\r\n" lines, ready to send.
  std::string_view header_block() const noexcept { return fields_; }
  template <class F>
  void for_each_header(F&& f) const {
    std::string_view rest = fields_;
    while (!rest.empty()) {
      auto eol = rest.find("\r\n");
      auto line = rest.substr(0, eol);
      auto colon = line.find(':');
      f(line.substr(0, colon), line.substr(colon + 2));
      rest.remove_prefix(eol + 2);
    }
  }

  // Replaces the body.
  void body(std::string_view data) { body_.assign(data.data(), data.size()); }
  // Sets Content-Type and the body at once.
  void body(std::string_view content_type, std::string_view data) {
    header("Content-Type", content_type);
    body(data);
  }
  // Direct access, for writers that append (JSON serialisers).
  std::string& body_buffer() noexcept { return body_; }
  std::string_view body() const noexcept { return body_; }

  // Ask the engine to close the connection after this response.
  void close() noexcept { close_ = true; }
  bool closing() const noexcept { return close_; }
  void compress(bool on) noexcept { compress_ = on; }
  bool compressible() const noexcept { return compress_; }
  // Send the body with chunked transfer coding instead of Content-Length.
  void chunked(bool on) noexcept { chunked_ = on; }
  bool is_chunked() const noexcept { return chunked_; }

  // Answer later: the handler returns and the response is completed through the handle.
  // Only valid inside a server handler; returns an empty handle elsewhere.
  Deferred defer();
  bool deferred() const noexcept { return deferred_; }

  // Resets to a fresh 200 keeping the storage.
  void clear() noexcept;

  // --- for the engine ---------------------------------------------------------------------
  void set_sink_factory(std::function<std::shared_ptr<ResponseSink>()>* f) noexcept { sink_factory_ = f; }
  void mark_deferred(bool d) noexcept { deferred_ = d; }

 private:
  int status_ = 200;
  std::string reason_;
  std::string fields_;
  std::string body_;
  bool close_ = false, compress_ = true, chunked_ = false, deferred_ = false;
  std::function<std::shared_ptr<ResponseSink>()>* sink_factory_ = nullptr;
};

// What every server calls per request: read the request, fill the response.
using Handler = std::function<void(const Request&, Response&)>;

}  // namespace oasis::http
