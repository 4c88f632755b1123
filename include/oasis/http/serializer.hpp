// oasis/http/serializer.hpp — writes responses (and the client's requests) as HTTP/1.1 bytes.
//
// Status line, the handler's headers, the engine's own (Date, Server, Content-Length or
// Transfer-Encoding, Connection, Content-Encoding/Vary when it gzips) and the body go into one
// buffer that the connection reuses. Knows nothing about sockets.
#pragma once

#include <oasis/http/message.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace oasis::http {

struct SerializeOptions {
  bool head = false;             // the request was HEAD: headers as for GET, no body
  bool keep_alive = true;        // false adds Connection: close
  int version_minor = 1;         // of the request: 1.0 clients get no chunked coding
  bool gzip = false;             // the client accepts gzip and the server allows it
  std::size_t gzip_min_bytes = 1024;
  std::string_view date_line;    // "Date: ...\r\n" from a DateCache
  std::string_view server_line;  // "Server: oasis\r\n"
};

// How the body of a streamed response is delimited on the wire.
enum class BodyFraming : std::uint8_t {
  none,     // no body goes out (HEAD, 1xx, 204, 304)
  length,   // Content-Length: exactly StreamHead::length bytes
  chunked,  // chunked transfer coding: each piece a chunk, then the last chunk
  close,    // the body ends when the connection closes (HTTP/1.0 without a length)
};

// What write_stream_head() decided.
struct StreamHead {
  BodyFraming framing = BodyFraming::none;
  std::uint64_t length = 0;  // for BodyFraming::length
  bool keep_alive = true;    // false: the connection closes after this answer
};

// Whether an Accept-Encoding value allows gzip (RFC 9110 §12.5.3: q=0 forbids, * allows).
bool accepts_gzip(std::string_view accept_encoding) noexcept;
// Whether a media type is worth compressing (text, JSON, XML, YAML, JavaScript...).
bool compressible_type(std::string_view content_type) noexcept;

class Serializer {
 public:
  Serializer();
  ~Serializer();
  Serializer(const Serializer&) = delete;
  Serializer& operator=(const Serializer&) = delete;

  // Appends the response to out.
  void write(const Response& res, const SerializeOptions& opt, std::string& out);
  // Appends the status line and headers of a response whose body follows in pieces (its own
  // body is ignored and nothing is gzipped). The framing: the handler's first Content-Length
  // header when it is a valid number (any other Content-Length header, and any
  // Transfer-Encoding, is dropped), else chunked for an HTTP/1.1 request, else closing the
  // connection (Connection: close). HEAD and statuses without a body frame nothing, but keep
  // the header a GET would have had (Content-Length, or Transfer-Encoding: chunked).
  StreamHead write_stream_head(const Response& res, const SerializeOptions& opt, std::string& out);
  // "1a2b\r\n": the size line before a chunk of n bytes (n > 0; the chunk ends with CRLF).
  static void write_chunk_size(std::size_t n, std::string& out);
  // "0\r\n\r\n": the end of a chunked body.
  static void write_last_chunk(std::string& out);
  // "HTTP/1.1 100 Continue\r\n\r\n".
  static void write_continue(std::string& out);
  // A complete error response (problem+json) for a request that could not be parsed.
  void write_error(int status, std::string_view detail, const SerializeOptions& opt, std::string& out);

  // Gzip `in` into `out` (replacing it); false if zlib failed.
  bool gzip(std::string_view in, std::string& out);

 private:
  struct Zlib;
  std::unique_ptr<Zlib> z_;
  std::string gz_;
};

}  // namespace oasis::http
