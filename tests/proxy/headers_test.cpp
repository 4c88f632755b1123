// Hop-by-hop fields (RFC 9110 §7.6.1), Host and Content-Length rewriting, and Via.
#include <oasis/proxy/headers.hpp>

#include <gtest/gtest.h>

#include <string>

using namespace oasis;

namespace {

std::string value_of(const http::HeaderList& list, std::string_view name) {
  for (const auto& [k, v] : list)
    if (http::iequals(k, name)) return v;
  return "<absent>";
}

std::size_t count_of(const http::HeaderList& list, std::string_view name) {
  std::size_t n = 0;
  for (const auto& [k, v] : list) n += http::iequals(k, name);
  return n;
}

}  // namespace

TEST(HopByHop, FixedNamesAreHopByHop) {
  for (std::string_view n : {"Connection", "keep-alive", "Proxy-Authorization", "proxy-connection", "Proxy-Authenticate",
                             "TE", "Trailer", "Transfer-Encoding", "UPGRADE"})
    EXPECT_TRUE(proxy::is_hop_by_hop(n)) << n;
  for (std::string_view n : {"Content-Type", "Accept", "Authorization", "Trailers", "ProxyX", "Cache-Control", "Via"})
    EXPECT_FALSE(proxy::is_hop_by_hop(n)) << n;
}

TEST(HopByHop, ConnectionTokens) {
  EXPECT_TRUE(proxy::named_by_connection("close, X-Debug", "x-debug"));
  EXPECT_TRUE(proxy::named_by_connection(" keep-alive ,X-Trace\t", "X-Trace"));
  EXPECT_FALSE(proxy::named_by_connection("close, X-Debug", "X-Deb"));
  EXPECT_FALSE(proxy::named_by_connection("", "X-Debug"));
}

TEST(HopByHop, RequestHeadersGoingUpstream) {
  http::Headers in;
  in.add("Host", "proxy.local:4010");
  in.add("Connection", "keep-alive, X-Session-Hint");
  in.add("connection", "X-Other");
  in.add("Keep-Alive", "timeout=5");
  in.add("X-Session-Hint", "abc");
  in.add("X-Other", "1");
  in.add("Proxy-Authorization", "Basic Zm9vOmJhcg==");
  in.add("TE", "trailers");
  in.add("Trailer", "Expires");
  in.add("Transfer-Encoding", "chunked");
  in.add("Upgrade", "websocket");
  in.add("Content-Length", "12");
  in.add("Accept", "application/json");
  in.add("Authorization", "Bearer t");
  in.add("Accept-Encoding", "gzip");
  in.add("Via", "1.0 edge");
  http::HeaderList out;
  proxy::forward_request_headers(in, out);
  for (std::string_view gone : {"Host", "Connection", "Keep-Alive", "X-Session-Hint", "X-Other", "Proxy-Authorization",
                                "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Content-Length"})
    EXPECT_EQ(count_of(out, gone), 0u) << gone;
  EXPECT_EQ(value_of(out, "Accept"), "application/json");
  EXPECT_EQ(value_of(out, "Authorization"), "Bearer t");
  EXPECT_EQ(value_of(out, "Accept-Encoding"), "gzip");
  EXPECT_EQ(count_of(out, "Via"), 1u);
  EXPECT_EQ(value_of(out, "Via"), "1.0 edge, 1.1 oasis");
}

TEST(HopByHop, IdentityAsksForAnUnencodedBody) {
  http::Headers in;
  in.add("Accept-Encoding", "gzip, br");
  http::HeaderList out;
  proxy::forward_request_headers(in, out, true);
  EXPECT_EQ(count_of(out, "Accept-Encoding"), 1u);
  EXPECT_EQ(value_of(out, "Accept-Encoding"), "identity");
  EXPECT_EQ(value_of(out, "Via"), "1.1 oasis");
}

TEST(HopByHop, ResponseHeadersGoingDownstream) {
  http::HeaderList in = {{"Content-Type", "application/json"},
                         {"Content-Length", "17"},
                         {"Date", "Sun, 22 Nov 2026 04:00:00 GMT"},
                         {"Server", "nginx"},
                         {"Connection", "close, X-Internal"},
                         {"X-Internal", "node-3"},
                         {"Keep-Alive", "timeout=5"},
                         {"Transfer-Encoding", "chunked"},
                         {"Proxy-Authenticate", "Basic"},
                         {"Upgrade", "h2c"},
                         {"ETag", "\"v1\""},
                         {"Set-Cookie", "a=1"},
                         {"Set-Cookie", "b=2"}};
  http::Response res;
  proxy::forward_response_headers(in, res);
  for (std::string_view gone : {"Content-Length", "Date", "Server", "Connection", "X-Internal", "Keep-Alive",
                                "Transfer-Encoding", "Proxy-Authenticate", "Upgrade"})
    EXPECT_FALSE(res.has_header(gone)) << gone;
  EXPECT_EQ(res.header("Content-Type"), "application/json");
  EXPECT_EQ(res.header("ETag"), "\"v1\"");
  EXPECT_EQ(res.header("Via"), "1.1 oasis");
  int cookies = 0;
  res.for_each_header([&](std::string_view n, std::string_view) { cookies += http::iequals(n, "Set-Cookie"); });
  EXPECT_EQ(cookies, 2);  // repeated fields stay repeated
}

TEST(HopByHop, ResponseViaIsAppendedTo) {
  http::HeaderList in = {{"Via", "1.1 cdn"}};
  http::Response res;
  proxy::forward_response_headers(in, res);
  EXPECT_EQ(res.header("Via"), "1.1 cdn, 1.1 oasis");
}

// The rules classify a name by its length and then compare it ignoring case: names that share
// a length or a prefix with a rule's name must not be taken for it.
TEST(HopByHop, NamesNearTheRulesAreKept) {
  for (std::string_view n : {"TE", "te", "tE", "KEEP-ALIVE", "Proxy-", "PROXY-X", "proxy-anything-at-all", "UpGrade",
                             "TRAILER", "Transfer-encoding", "connection"})
    EXPECT_TRUE(proxy::is_hop_by_hop(n)) << n;
  for (std::string_view n : {"", "T", "TF", "Tx", "Proxy", "Proxy_X", "Proxi-X", "Keep_Alive", "Keep-Alivf",
                             "Upgrades", "Trailers", "Transfer-Encodinh", "Connectiom", "Connections", "Via", "Host",
                             "Date", "Server"})
    EXPECT_FALSE(proxy::is_hop_by_hop(n)) << n;
}

TEST(HopByHop, RequestKeepsWhatOnlyLooksLikeTheProxysFields) {
  http::Headers in;
  in.add("HOST", "a");               // the transport's
  in.add("content-LENGTH", "3");     // the transport's
  in.add("Hosts", "kept");           // a longer name
  in.add("Vias", "kept");
  in.add("Date", "Sun, 22 Nov 2026 04:00:00 GMT");  // kept on the way up
  in.add("Server", "kept");
  in.add("Content-Lengths", "kept");
  http::HeaderList out;
  proxy::forward_request_headers(in, out);
  EXPECT_EQ(count_of(out, "Host"), 0u);
  EXPECT_EQ(count_of(out, "Content-Length"), 0u);
  for (std::string_view kept : {"Hosts", "Vias", "Date", "Server", "Content-Lengths"})
    EXPECT_EQ(count_of(out, kept), 1u) << kept;
  EXPECT_EQ(value_of(out, "Via"), "1.1 oasis");
}

TEST(HopByHop, ManyConnectionTokensAreAllHonoured) {
  // More tokens than the fast path holds: every named field still goes.
  http::HeaderList in;
  std::string connection = "keep-alive";
  for (int i = 0; i < 40; ++i) {
    connection += ", X-Hop-" + std::to_string(i);
    in.emplace_back("X-Hop-" + std::to_string(i), "v");
  }
  in.emplace_back("Connection", connection);
  in.emplace_back("connection", "X-Late");
  in.emplace_back("X-Late", "v");
  in.emplace_back("X-Kept", "v");
  in.emplace_back("via", "1.0 a");
  in.emplace_back("VIA", "1.1 b");
  http::Response res;
  proxy::forward_response_headers(in, res);
  for (int i = 0; i < 40; ++i) EXPECT_FALSE(res.has_header("X-Hop-" + std::to_string(i))) << i;
  EXPECT_FALSE(res.has_header("X-Late"));
  EXPECT_EQ(res.header("X-Kept"), "v");
  EXPECT_EQ(res.header("Via"), "1.0 a, 1.1 b, 1.1 oasis");

  http::Headers req;
  for (const auto& [k, v] : in) req.add(k, v);
  http::HeaderList out;
  proxy::forward_request_headers(req, out);
  for (int i = 0; i < 40; ++i) EXPECT_EQ(count_of(out, "X-Hop-" + std::to_string(i)), 0u) << i;
  EXPECT_EQ(count_of(out, "X-Late"), 0u);
  EXPECT_EQ(value_of(out, "X-Kept"), "v");
  EXPECT_EQ(value_of(out, "Via"), "1.0 a, 1.1 b, 1.1 oasis");
}

TEST(HopByHop, MoreFieldsThanTheKindCacheHolds) {
  // Past the first 64 fields the kind is worked out again: the rules still apply there.
  http::HeaderList in;
  for (int i = 0; i < 70; ++i) in.emplace_back("X-F" + std::to_string(i), "v");
  in.emplace_back("Connection", "X-Named");
  in.emplace_back("X-Named", "v");
  in.emplace_back("Keep-Alive", "timeout=5");
  in.emplace_back("Content-Type", "text/plain");
  http::Response res;
  proxy::forward_response_headers(in, res);
  EXPECT_FALSE(res.has_header("Connection"));
  EXPECT_FALSE(res.has_header("X-Named"));
  EXPECT_FALSE(res.has_header("Keep-Alive"));
  EXPECT_EQ(res.header("Content-Type"), "text/plain");
  EXPECT_EQ(res.header("X-F69"), "v");
}
