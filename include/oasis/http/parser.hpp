// oasis/http/parser.hpp — the HTTP/1.1 parser shared by the server and the client.
//
// One small interface over llhttp (Node's parser, compiled in from Debian's node-llhttp): the
// parser owns the connection's read buffer, the transport reads into prepare()/commit(), and
// parse() yields messages whose views (method, target, headers, body) point into that buffer.
// On top of llhttp it enforces what RFC 9112 asks of a server that must not be fooled by
// request smuggling: no bare LF, no obs-fold, no whitespace before the colon, Host on HTTP/1.1,
// no Transfer-Encoding on HTTP/1.0, limits on every part with the status RFC 9110 names.
//
// A message that is already whole in the buffer and plain — origin-form target, HTTP/1.x, CRLF
// line ends, token names, printable ASCII values, Content-Length framing or no body, nothing
// that changes the connection (Upgrade, Expect, Transfer-Encoding, an unusual Connection) — is
// read by a single scan instead (parse_plain): same views, same result. Anything else, and any
// message with a byte out of place, goes to llhttp from its first byte, so every refusal and
// every unusual form is llhttp's and the checks' above.
//
// It knows nothing about sockets, timers or threads.
#pragma once

#include <oasis/http/message.hpp>
#include <oasis/http/server.hpp>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace oasis::http {

class Parser {
 public:
  enum class Kind : std::uint8_t { request, response };
  enum class Status : std::uint8_t {
    need_more,         // give it more bytes (prepare/commit), then parse() again
    headers_complete,  // the header section is in: request() has method, target, headers
    message_complete,  // the whole message is in: request()/status() and body() are valid
    error,             // error_status() says what to answer; the connection must be closed
    body_piece         // (streaming only) body() holds the body bytes that came in since the last
  };

  explicit Parser(Kind kind = Kind::request, Limits limits = {});
  ~Parser();
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  // Room at the end of the buffer for at least `min` bytes (compacting or growing it).
  std::span<char> prepare(std::size_t min = 4096);
  // `n` bytes were written into the span prepare() returned.
  void commit(std::size_t n) noexcept { end_ += n; }
  // Convenience for tests and small callers: copies bytes in.
  void feed(std::string_view bytes);

  // Parses what is buffered. Returns at each milestone so the caller can act (send
  // 100 Continue after headers, answer a request, ...); call again to go on.
  Status parse();

  // The message being parsed (views valid until next() or the next prepare()).
  const Request& request() const noexcept { return request_; }
  // For responses (Kind::response).
  int status_code() const noexcept { return status_code_; }
  std::string_view reason() const noexcept { return reason_; }
  const Headers& headers() const noexcept { return request_.headers(); }
  std::string_view body() const noexcept { return request_.body(); }
  bool keep_alive() const noexcept { return request_.keep_alive(); }

  // After headers_complete: the client sent `Expect: 100-continue` and its body is not in yet.
  bool expects_continue() const noexcept;
  // After headers_complete: the message declares a body (length > 0 or chunked).
  bool has_body() const noexcept { return has_body_; }
  // After headers_complete: the declared Content-Length, -1 for a chunked body, 0 for none.
  std::int64_t declared_length() const noexcept { return declared_length_; }
  // For response parsing: the request was HEAD (or the status has no body), skip the body.
  void expect_no_body(bool v) noexcept { no_body_ = v; }
  // For responses without a length: the connection closed, which ends the body.
  Status finish_eof();

  // Body streaming, for a body forwarded as it comes or too large to hold whole. Call it before
  // the message's first byte is parsed, or at headers_complete; next() turns it off. parse()
  // then returns body_piece whenever body bytes are in, with body() just those bytes (valid
  // until the next parse(), finish_eof() or prepare()); message_complete's body() is the last
  // bytes not yet handed out (maybe none; all of it when the message came whole in one read).
  // Header views, reason() and request()'s method and target are valid only until the first
  // body_piece is taken (the next parse() after it lets them go): copy them at
  // headers_complete. Bytes handed out are released, so the buffer holds no more than the
  // reads since the last piece. max_body does not apply to a streamed message; turned off at
  // headers_complete, it applies again — a declared length past it makes the next parse() an
  // error (413), as it would have been without streaming.
  void stream_body(bool on);
  bool streaming() const noexcept { return stream_; }

  // The status to answer after Status::error (400, 413, 414, 431, 501, 505, 417).
  int error_status() const noexcept { return error_status_; }
  std::string_view error_reason() const noexcept { return error_reason_; }

  // Drops the message just answered and starts on the next one (pipelined bytes stay).
  void next();
  // Bytes received but not yet parsed or belonging to the current message.
  bool has_buffered() const noexcept { return parsed_ < end_; }
  // Whether any bytes of a not-yet-complete message are in (for timeouts: header vs idle).
  bool in_message() const noexcept { return in_message_; }
  bool headers_done() const noexcept { return headers_done_; }
  std::size_t buffer_capacity() const noexcept { return cap_; }

  const Limits& limits() const noexcept { return limits_; }
  // Whether plain messages take the single-scan path (on by default; tests turn it off to
  // compare with llhttp alone).
  void use_plain_path(bool on) noexcept { plain_path_ = on; }
  // How many messages the plain path has read.
  std::size_t plain_messages() const noexcept { return plain_messages_; }

 private:
  struct Span {
    std::uint32_t off = 0, len = 0;
  };
  struct Impl;  // llhttp state and callbacks
  friend struct Impl;

  Status fail(int status, std::string_view reason);
  // The single-scan path for a whole, plain message at base_: true when it read it (the
  // message is complete), false when llhttp must (nothing changed).
  bool parse_plain();
  int check_headers();
  // Streaming: whether body bytes are waiting to be handed out; hand them out; let go of the
  // last piece handed out (and of everything before it).
  bool piece_pending() const noexcept { return body_chunked_ ? !chunked_body_.empty() : body_span_.len != 0; }
  Status hand_out_piece() noexcept;
  void release_piece() noexcept;
  void materialize_head();  // method, target, version, status
  void materialize();       // body, keep-alive (and the head again if the buffer moved)
  // The buffer moved (compaction or growth): header views follow it.
  void rebase(const char* old_base, const char* new_base) noexcept;
  std::string_view view(Span s) const noexcept { return {buf_ + base_ + s.off, s.len}; }

  Kind kind_;
  Limits limits_;
  std::unique_ptr<Impl> impl_;
  char* buf_ = nullptr;
  std::size_t cap_ = 0;
  std::size_t base_ = 0;    // where the current message starts
  std::size_t parsed_ = 0;  // what llhttp has seen
  std::size_t end_ = 0;     // what has been received

  Request request_;
  Span method_, url_, status_text_, body_span_;
  // Header fields are written straight into request_'s Headers (views into buf_); trailers
  // likewise. Fields that decide framing are noted as their names complete.
  Headers* fields_ = nullptr;  // where the field being parsed goes: headers, then trailers
  std::uint16_t host_count_ = 0;
  bool has_te_ = false, has_expect_ = false;
  std::string chunked_body_;
  bool body_chunked_ = false;
  std::int64_t declared_length_ = 0;
  std::size_t body_bytes_ = 0;
  bool in_field_ = false, in_value_ = false, in_url_ = false, value_done_ = false;
  bool in_message_ = false, headers_done_ = false, has_body_ = false, no_body_ = false;
  bool expect_continue_ = false;
  bool headers_reported_ = false;
  bool moved_ = false;  // the buffer moved since the head was materialised
  bool plain_path_ = true;
  bool ended_ = false;  // a message that ends the connection was read: the plain path stays out
  std::size_t plain_messages_ = 0;
  bool stream_ = false;      // the body is handed out in pieces
  bool piece_out_ = false;   // a piece was handed out and not yet let go
  bool streamed_ = false;    // a piece was let go: the head's views are gone
  std::uint32_t body_end_ = 0;  // offset (from base_) just past the last body byte seen
  std::uint32_t line_end_ = 0;  // offset just past the last header line's content
  int status_code_ = 0;
  std::string_view reason_;
  int error_status_ = 0;
  std::string error_reason_;
  int cb_error_status_ = 0;  // set by a callback that stopped the parse
  const char* cb_error_reason_ = nullptr;
};

}  // namespace oasis::http
