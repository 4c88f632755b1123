// oasis/proxy/headers.hpp — which header fields a proxy passes on and which it must drop.
//
// RFC 9110 §7.6.1: Connection and every field it names are for one hop only, and so are
// Keep-Alive, Proxy-Connection (and the other Proxy-* fields), TE, Trailer, Transfer-Encoding
// and Upgrade. The proxy also drops what it sets itself: Host (rewritten to the upstream),
// Content-Length (framing is redone on each side), and on responses Date and Server (the
// engine writes its own). Via gets "1.1 oasis" appended.
//
// Plain functions on header lists: nothing here knows sockets, OpenAPI or validation.
#pragma once

#include <oasis/http/client.hpp>
#include <oasis/http/message.hpp>

#include <string_view>

namespace oasis::proxy {

inline constexpr std::string_view via_token = "1.1 oasis";

// Whether `name` is hop-by-hop by itself (Connection, Keep-Alive, Proxy-*, TE, Trailer,
// Transfer-Encoding, Upgrade), whatever the Connection field says.
bool is_hop_by_hop(std::string_view name) noexcept;

// Whether `name` is one of the comma-separated tokens of a Connection value
// ("close, X-Debug" names X-Debug).
bool named_by_connection(std::string_view connection_value, std::string_view name) noexcept;

// The client's request headers as they go upstream: hop-by-hop fields and those Connection
// names dropped, Host and Content-Length dropped (the transport writes them), Via appended to.
// `identity`: ask the upstream for an unencoded body (Accept-Encoding: identity), so that the
// response can be validated.
void forward_request_headers(const http::Headers& in, http::HeaderList& out, bool identity = false);

// The upstream's response headers as they go to the client: hop-by-hop fields and those its
// Connection names dropped, Content-Length, Date and Server dropped, Via appended to.
void forward_response_headers(const http::HeaderList& in, http::Response& out);
void forward_response_headers(const http::HeaderBlock& in, http::Response& out);

}  // namespace oasis::proxy
