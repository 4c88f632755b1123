// proxy/headers.cpp — hop-by-hop fields (RFC 9110 §7.6.1) and Via (§7.6.3).
#include <oasis/proxy/headers.hpp>

#include <string>

namespace oasis::proxy {

namespace {

bool starts_with_ci(std::string_view s, std::string_view prefix) noexcept {
  return s.size() >= prefix.size() && http::iequals(s.substr(0, prefix.size()), prefix);
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Fields the proxy writes itself on the way up.
bool set_by_proxy_upstream(std::string_view name) noexcept {
  return http::iequals(name, "Host") || http::iequals(name, "Content-Length") || http::iequals(name, "Via");
}

bool set_by_proxy_downstream(std::string_view name) noexcept {
  return http::iequals(name, "Content-Length") || http::iequals(name, "Date") || http::iequals(name, "Server") ||
         http::iequals(name, "Via");
}

}  // namespace

bool is_hop_by_hop(std::string_view name) noexcept {
  return http::iequals(name, "Connection") || http::iequals(name, "Keep-Alive") || starts_with_ci(name, "Proxy-") ||
         http::iequals(name, "TE") || http::iequals(name, "Trailer") || http::iequals(name, "Transfer-Encoding") ||
         http::iequals(name, "Upgrade");
}

bool named_by_connection(std::string_view value, std::string_view name) noexcept {
  while (!value.empty()) {
    auto comma = value.find(',');
    if (http::iequals(trim(value.substr(0, comma)), name)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

void forward_request_headers(const http::Headers& in, http::HeaderList& out, bool identity) {
  // Connection may appear more than once; each value names fields (RFC 9110 §5.3 joins them).
  std::string connection;
  std::string via;
  for (const auto& f : in) {
    if (http::iequals(f.name, "Connection")) {
      if (!connection.empty()) connection += ',';
      connection.append(f.value);
    } else if (http::iequals(f.name, "Via")) {
      if (!via.empty()) via += ", ";
      via.append(f.value);
    }
  }
  out.reserve(out.size() + in.size() + 1);
  for (const auto& f : in) {
    if (is_hop_by_hop(f.name) || set_by_proxy_upstream(f.name)) continue;
    if (!connection.empty() && named_by_connection(connection, f.name)) continue;
    if (identity && http::iequals(f.name, "Accept-Encoding")) continue;
    out.emplace_back(std::string(f.name), std::string(f.value));
  }
  if (identity) out.emplace_back("Accept-Encoding", "identity");
  if (!via.empty()) via += ", ";
  via.append(via_token);
  out.emplace_back("Via", std::move(via));
}

void forward_response_headers(const http::HeaderList& in, http::Response& out) {
  std::string connection;
  std::string via;
  for (const auto& [name, value] : in) {
    if (http::iequals(name, "Connection")) {
      if (!connection.empty()) connection += ',';
      connection.append(value);
    } else if (http::iequals(name, "Via")) {
      if (!via.empty()) via += ", ";
      via.append(value);
    }
  }
  for (const auto& [name, value] : in) {
    if (is_hop_by_hop(name) || set_by_proxy_downstream(name)) continue;
    if (!connection.empty() && named_by_connection(connection, name)) continue;
    out.header(name, value);
  }
  if (!via.empty()) via += ", ";
  via.append(via_token);
  out.header("Via", via);
}

}  // namespace oasis::proxy
