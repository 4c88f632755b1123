// Fuzz target: the parser's plain path against llhttp alone. Arbitrary bytes, read as requests
// or responses (answers to HEAD or not), whole or in pieces, under default or small limits: the
// parser with its plain path must write down exactly what it writes down without it
// (tests/support/parser_transcript.hpp), and without it no message may be read by the plain path.
#include "../tests/support/parser_transcript.hpp"

#include <cstdint>
#include <string_view>

using oasis::http::Parser;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2 || size > 16 * 1024) return 0;
  // The first byte picks the kind, HEAD, the limits and the piece size; the rest is the bytes.
  const std::uint8_t ctl = data[0];
  const auto kind = ctl & 1 ? Parser::Kind::request : Parser::Kind::response;
  const bool head = kind == Parser::Kind::response && (ctl & 2);
  oasis::http::Limits limits;
  if (ctl & 4) {
    limits.max_body = 64;
    limits.max_header_bytes = 128;
    limits.max_headers = 3;
    limits.max_request_line = 40;
  }
  const std::size_t piece = (ctl & 8) ? 1 + (data[1] % 32) : std::size_t{1} << 20;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 2, size - 2);
  const auto with = oasis_test::parser_transcript(kind, bytes, true, piece, limits, head);
  const auto without = oasis_test::parser_transcript(kind, bytes, false, piece, limits, head);
  if (with.transcript != without.transcript || without.plain != 0) __builtin_trap();
  return 0;
}
