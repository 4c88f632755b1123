// The parser's plain path against llhttp alone: for whole messages, pipelined ones, messages
// fed in pieces, and every one-byte change to them, both give the same transcript — the same
// milestones, views, framing, keep-alive and refusals.
#include <oasis/http/parser.hpp>

#include "../support/parser_transcript.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

using namespace oasis::http;
using S = Parser::Status;

namespace {

const std::vector<std::string> kRequests = {
    "GET /nodes/pve/qemu/100/config HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: oasis\r\n"
    "Accept: application/json\r\n\r\n",
    "POST /api2/json/nodes/pve/qemu?x=1&y=%20z HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
    "Content-Length: 13\r\n\r\n{\"vmid\":100}\n",
    "PUT /a HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nhi",
    "DELETE /x/y HTTP/1.1\r\nhost: a\r\nConnection: close\r\nX-Empty:\r\nX-Spaces:  v w  \r\n\r\n",
    "GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b?c=d HTTP/1.1\r\nHost: a\r\n\r\n",
    "OPTIONS /o HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
};
const std::vector<std::string> kResponses = {
    "HTTP/1.1 200 OK\r\nServer: oasis-mock\r\nDate: Sun, 22 Nov 2026 17:52:09 GMT\r\nETag: \"1-1\"\r\n"
    "Last-Modified: Sun, 22 Nov 2026 17:52:08 GMT\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n"
    "{\"data\":{\"a\":1}",
    "HTTP/1.1 404 Not Found\r\nContent-Type: application/problem+json\r\nContent-Length: 17\r\n\r\n{\"title\":\"nope\"}\n",
    "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    "HTTP/1.1 200 OK\r\n\r\nuntil the end",
    "HTTP/1.1 503 \r\nRetry-After: 2\r\nContent-Length: 3\r\n\r\nbusHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
};

const char kBytes[] = {' ', '\t', '\r', '\n', ':', '\0', '\x7f', '\x80', '\xff', 'A', 'a', '0',
                       '9', ',', '/', '%', '"', '{', '#', '\\', '-', '?', '@', '+'};

void expect_same(Parser::Kind kind, std::string_view bytes, std::size_t piece, Limits limits = {}, bool head = false) {
  const auto with = oasis_test::parser_transcript(kind, bytes, true, piece, limits, head);
  const auto without = oasis_test::parser_transcript(kind, bytes, false, piece, limits, head);
  ASSERT_EQ(with.transcript, without.transcript) << "input:\n" << bytes << "\n(pieces of " << piece << ")";
  ASSERT_EQ(without.plain, 0u);
}

}  // namespace

// Without this the comparisons below would compare llhttp with itself.
TEST(ParserPlainPath, TakesPlainWholeMessagesAndLeavesTheRestToLlhttp) {
  EXPECT_EQ(oasis_test::parser_transcript(Parser::Kind::request, kRequests[0], true, 1 << 20).plain, 1u);
  EXPECT_EQ(oasis_test::parser_transcript(Parser::Kind::request, kRequests[1], true, 1 << 20).plain, 1u);
  EXPECT_EQ(oasis_test::parser_transcript(Parser::Kind::request, kRequests[2], true, 1 << 20).plain, 1u);
  EXPECT_EQ(oasis_test::parser_transcript(Parser::Kind::request, kRequests[3], true, 1 << 20).plain, 0u);  // Connection: close
  EXPECT_EQ(oasis_test::parser_transcript(Parser::Kind::request, kRequests[4], true, 1 << 20).plain, 2u);
  EXPECT_EQ(oasis_test::parser_transcript(Parser::Kind::request, kRequests[5], true, 1 << 20).plain, 0u);  // chunked
  EXPECT_EQ(oasis_test::parser_transcript(Parser::Kind::response, kResponses[0], true, 1 << 20).plain, 1u);
  EXPECT_EQ(oasis_test::parser_transcript(Parser::Kind::response, kResponses[1], true, 1 << 20).plain, 1u);
  EXPECT_EQ(oasis_test::parser_transcript(Parser::Kind::response, kResponses[2], true, 1 << 20).plain, 1u);
  EXPECT_EQ(oasis_test::parser_transcript(Parser::Kind::response, kResponses[3], true, 1 << 20).plain, 1u);  // not the 204
  EXPECT_EQ(oasis_test::parser_transcript(Parser::Kind::response, kResponses[4], true, 1 << 20).plain, 0u);  // chunked
  EXPECT_EQ(oasis_test::parser_transcript(Parser::Kind::response, kResponses[5], true, 1 << 20).plain, 0u);  // ends at close
  EXPECT_EQ(oasis_test::parser_transcript(Parser::Kind::response, kResponses[6], true, 1 << 20).plain, 2u);
  EXPECT_EQ(oasis_test::parser_transcript(Parser::Kind::response, kResponses[0], true, 1 << 20, {}, /*head=*/true).plain, 0u);
  // A message not whole at its first parse is llhttp's from its first byte to its last.
  EXPECT_EQ(oasis_test::parser_transcript(Parser::Kind::request, kRequests[1], true, 40).plain, 0u);
  // Over a limit: llhttp's path refuses it.
  Limits small;
  small.max_headers = 2;
  EXPECT_EQ(oasis_test::parser_transcript(Parser::Kind::request, kRequests[0], true, 1 << 20, small).plain, 0u);
}

TEST(ParserPlainPath, SameAsLlhttpOnWholeSplitAndPipelinedMessages) {
  for (const auto& m : kRequests)
    for (std::size_t piece : {std::size_t{1 << 20}, std::size_t{1}, std::size_t{7}, m.size() / 2, m.size() - 1})
      expect_same(Parser::Kind::request, m, piece);
  for (const auto& m : kResponses)
    for (std::size_t piece : {std::size_t{1 << 20}, std::size_t{1}, std::size_t{7}, m.size() / 2, m.size() - 1}) {
      expect_same(Parser::Kind::response, m, piece);
      expect_same(Parser::Kind::response, m, piece, {}, /*head=*/true);
    }
}

TEST(ParserPlainPath, SameAsLlhttpAtTheLimits) {
  for (std::size_t n : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{4}}) {
    Limits l;
    l.max_headers = n;
    for (const auto& m : kRequests) expect_same(Parser::Kind::request, m, 1 << 20, l);
    for (const auto& m : kResponses) expect_same(Parser::Kind::response, m, 1 << 20, l);
  }
  for (std::size_t n : {std::size_t{1}, std::size_t{6}, std::size_t{30}, std::size_t{40}, std::size_t{60}, std::size_t{90},
                        std::size_t{120}}) {
    Limits l;
    l.max_header_bytes = n;
    l.max_request_line = n / 4;
    l.max_body = n / 8;
    for (const auto& m : kRequests) expect_same(Parser::Kind::request, m, 1 << 20, l);
    for (const auto& m : kResponses) expect_same(Parser::Kind::response, m, 1 << 20, l);
  }
}

// Every byte replaced by each of a set of bytes that matter to the grammar, removed, and
// doubled: the plain path must take exactly what llhttp takes, and read it the same.
TEST(ParserPlainPath, SameAsLlhttpOnEveryOneByteChange) {
  std::size_t cases = 0;
  auto mutate = [&](Parser::Kind kind, const std::string& m) {
    for (std::size_t i = 0; i < m.size(); ++i) {
      for (char b : kBytes) {
        if (m[i] == b) continue;
        std::string x = m;
        x[i] = b;
        expect_same(kind, x, 1 << 20);
        if (kind == Parser::Kind::response) expect_same(kind, x, 1 << 20, {}, /*head=*/true);
        ++cases;
      }
      std::string removed = m;
      removed.erase(i, 1);
      expect_same(kind, removed, 1 << 20);
      std::string doubled = m;
      doubled.insert(i, 1, m[i]);
      expect_same(kind, doubled, 1 << 20);
      cases += 2;
      if (testing::Test::HasFatalFailure()) return;
    }
  };
  for (const auto& m : kRequests) mutate(Parser::Kind::request, m);
  for (const auto& m : kResponses) mutate(Parser::Kind::response, m);
  EXPECT_GT(cases, 20000u);
}

// Two to four random changes at once (a fixed seed: the same cases every run), fed whole and in
// pieces.
TEST(ParserPlainPath, SameAsLlhttpOnRandomChanges) {
  std::mt19937 rng(20261122);
  std::vector<std::pair<Parser::Kind, std::string>> bases;
  for (const auto& m : kRequests) bases.emplace_back(Parser::Kind::request, m);
  for (const auto& m : kResponses) bases.emplace_back(Parser::Kind::response, m);
  for (int n = 0; n < 20000; ++n) {
    auto [kind, x] = bases[rng() % bases.size()];
    const int changes = 2 + static_cast<int>(rng() % 3);
    for (int c = 0; c < changes && !x.empty(); ++c) {
      const std::size_t i = rng() % x.size();
      switch (rng() % 3) {
        case 0: x[i] = kBytes[rng() % sizeof kBytes]; break;
        case 1: x.erase(i, 1); break;
        default: x.insert(i, 1, kBytes[rng() % sizeof kBytes]); break;
      }
    }
    expect_same(kind, x, 1 << 20);
    expect_same(kind, x, 1 + rng() % 64);
    if (testing::Test::HasFatalFailure()) return;
  }
}
