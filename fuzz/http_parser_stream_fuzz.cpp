// Fuzz target: the parser's body streaming against the same parser holding bodies whole.
// Arbitrary bytes, read as requests or responses (answers to HEAD or not), in pieces of a size
// the input picks: with stream_body(true) on every message, the heads, the bodies put together
// from their pieces, keep-alive, trailers and every refusal must be what the whole-body parser
// reads. (That the buffer stays bounded is tests/http/parser_stream_test.cpp's to show.)
#include <oasis/http/parser.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

using oasis::http::Parser;
using S = Parser::Status;

namespace {

std::string head_of(const Parser& p) {
  const auto& q = p.request();
  std::string t = std::string(q.method_name()) + " " + std::string(q.target()) + " 1." +
                  std::to_string(q.version_minor()) + " status=" + std::to_string(p.status_code()) +
                  " reason=" + std::string(p.reason()) + "\n";
  for (const auto& f : q.headers()) t += "  [" + std::string(f.name) + "]=[" + std::string(f.value) + "]\n";
  return t;
}

std::string transcript(Parser::Kind kind, std::string_view bytes, bool stream, std::size_t piece, bool head_req) {
  oasis::http::Limits limits;
  limits.max_body = std::numeric_limits<std::size_t>::max();  // the whole-body parser must refuse no length
  Parser p(kind, limits);
  p.expect_no_body(head_req);
  p.stream_body(stream);
  std::string t, head, body;
  std::size_t fed = 0;
  bool failed = false;
  while (!failed) {
    if (fed < bytes.size()) {
      const std::size_t n = std::min(piece, bytes.size() - fed);
      p.feed(bytes.substr(fed, n));
      fed += n;
    }
    for (;;) {
      const S s = p.parse();
      if (s == S::need_more) break;
      if (s == S::error) {
        t += "error " + std::to_string(p.error_status()) + "\n";
        failed = true;
        break;
      }
      if (s == S::headers_complete) {
        head = head_of(p);
        t += "headers has_body=" + std::to_string(p.has_body()) + "\n";
        continue;
      }
      if (s == S::body_piece) {
        if (!stream || p.body().empty()) __builtin_trap();
        body += p.body();
        continue;
      }
      if (head.empty()) head = head_of(p);
      body += p.body();
      t += "message keep_alive=" + std::to_string(p.keep_alive()) + "\n" + head + "  body=[" + body + "]\n";
      for (const auto& f : p.request().trailers()) t += "  trailer [" + std::string(f.name) + "]=[" + std::string(f.value) + "]\n";
      head.clear();
      body.clear();
      p.next();
      p.stream_body(stream);
    }
    if (fed == bytes.size()) {
      if (!failed && p.in_message()) {
        const S s = p.finish_eof();
        t += "eof " + std::to_string(static_cast<int>(s == S::message_complete)) + " " +
             std::to_string(p.error_status()) + "\n";
        if (s == S::message_complete) t += "  body=[" + body + std::string(p.body()) + "]\n";
      }
      break;
    }
  }
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2 || size > 64 * 1024) return 0;
  const std::uint8_t ctl = data[0];
  const auto kind = ctl & 1 ? Parser::Kind::request : Parser::Kind::response;
  const bool head = kind == Parser::Kind::response && (ctl & 2);
  const std::size_t piece = (ctl & 4) ? 1 + (data[1] % 64) : (ctl & 8) ? 1 + data[1] * 16u : std::size_t{1} << 20;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 2, size - 2);
  if (transcript(kind, bytes, true, piece, head) != transcript(kind, bytes, false, piece, head)) __builtin_trap();
  return 0;
}
