// tests/support/parser_transcript.hpp — everything a caller of oasis::http::Parser can see
// while it parses some bytes, written down as text: the milestones, each message's start line,
// fields, framing, keep-alive and body, refusals, and the end of the connection. Two parsers read
// the same bytes the same way exactly when their transcripts are equal. Used by the plain-path
// test (tests/http/parser_plain_test.cpp) and its fuzz target (fuzz/http_parser_plain_fuzz.cpp).
#pragma once

#include <oasis/http/parser.hpp>

#include <algorithm>
#include <string>
#include <string_view>

namespace oasis_test {

struct ParserRun {
  std::string transcript;
  std::size_t plain = 0;  // messages the plain path read
};

// Feeds `bytes` in pieces of `piece` bytes, parsing after each, and writes down everything a
// caller can see.
inline ParserRun parser_transcript(oasis::http::Parser::Kind kind, std::string_view bytes, bool plain, std::size_t piece,
                                   oasis::http::Limits limits = {}, bool head = false) {
  using oasis::http::Parser;
  using S = Parser::Status;
  Parser p(kind, limits);
  p.use_plain_path(plain);
  p.expect_no_body(head);
  ParserRun r;
  std::string& t = r.transcript;
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
        t += "error " + std::to_string(p.error_status()) + " " + std::string(p.error_reason()) + "\n";
        failed = true;
        break;
      }
      if (s == S::headers_complete) {
        t += "headers has_body=" + std::to_string(p.has_body()) + "\n";
        continue;
      }
      const oasis::http::Request& q = p.request();
      t += "message " + std::string(q.method_name()) + " " + std::string(q.target()) + " 1." +
           std::to_string(q.version_minor()) + " status=" + std::to_string(p.status_code()) + " reason=" +
           std::string(p.reason()) + " keep_alive=" + std::to_string(p.keep_alive()) +
           " has_body=" + std::to_string(p.has_body()) + "\n";
      for (const auto& f : q.headers()) t += "  [" + std::string(f.name) + "]=[" + std::string(f.value) + "]\n";
      t += "  host=" + std::string(q.headers().get(oasis::http::KnownField::host)) +
           " length=" + std::string(q.headers().get(oasis::http::KnownField::content_length)) + "\n";
      t += "  body=[" + std::string(p.body()) + "]\n";
      p.next();
    }
    if (fed == bytes.size()) {
      if (!failed && p.in_message()) {  // as the client does: the end of the connection ends a body
        const S s = p.finish_eof();
        t += "eof " + std::to_string(static_cast<int>(s)) + " " + std::to_string(p.error_status()) + "\n";
        if (s == S::message_complete) t += "  body=[" + std::string(p.body()) + "]\n";
      }
      break;
    }
  }
  r.plain = p.plain_messages();
  return r;
}

}  // namespace oasis_test
