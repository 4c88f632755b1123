// Fuzz target: the request parser on arbitrary bytes, fed in arbitrary pieces, with small limits
// so the limit paths are reached too. It must never crash, hang or read out of bounds, and a
// completed message's views must lie inside what was fed.
#include <oasis/http/parser.hpp>

#include <cstdint>
#include <cstring>

using oasis::http::Parser;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  oasis::http::Limits limits;
  limits.max_body = 4096;
  limits.max_header_bytes = 2048;
  limits.max_headers = 16;
  limits.max_request_line = 512;
  Parser p(data[0] & 1 ? Parser::Kind::request : Parser::Kind::response, limits);
  // The first byte also picks the piece size, so splits land everywhere.
  std::size_t piece = 1 + (data[0] >> 1);
  std::size_t off = 1;
  int messages = 0;
  while (off < size) {
    std::size_t n = std::min(piece, size - off);
    auto room = p.prepare(n);
    std::memcpy(room.data(), data + off, n);
    p.commit(n);
    off += n;
    for (;;) {
      auto st = p.parse();
      if (st == Parser::Status::need_more) break;
      if (st == Parser::Status::error) {
        if (p.error_status() < 400 || p.error_status() > 599) __builtin_trap();
        return 0;
      }
      if (st == Parser::Status::message_complete) {
        volatile std::size_t sink = p.body().size() + p.headers().size() + p.request().target().size();
        (void)sink;
        if (++messages > 10000) return 0;
        p.next();
      }
    }
  }
  return 0;
}
