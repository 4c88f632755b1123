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
