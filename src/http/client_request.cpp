// http/client_request.cpp — the client side of the wire format: origins, the request
// serializer and what the transport reports. The response side is the shared Parser.
#include <oasis/http/client.hpp>

#include <charconv>
#include <stdexcept>

namespace oasis::http {

namespace {

bool has_crlf(std::string_view s) noexcept { return s.find_first_of("\r\n") != std::string_view::npos; }

}  // namespace

std::string Origin::key() const {
  std::string k = scheme;
  k += "://";
  k += host;
  k += ':';
  k += std::to_string(port);
  return k;
}

std::string Origin::host_header() const {
  const bool bracket = host.find(':') != std::string::npos;  // an IPv6 literal
  std::string h = bracket ? "[" + host + "]" : host;
  if ((secure() && port != 443) || (!secure() && port != 80)) {
    h += ':';
    h += std::to_string(port);
  }
  return h;
}

Origin Origin::parse(std::string_view url) {
  Origin o;
  auto sep = url.find("://");
  if (sep == std::string_view::npos) throw std::invalid_argument("URL without a scheme: " + std::string(url));
  std::string scheme(url.substr(0, sep));
  for (auto& c : scheme) c = static_cast<char>(c | 0x20);
  if (scheme != "http" && scheme != "https") throw std::invalid_argument("unsupported URL scheme: " + scheme);
  o.scheme = scheme;
  std::string_view rest = url.substr(sep + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  if (authority.empty()) throw std::invalid_argument("URL without a host: " + std::string(url));
  std::string_view host = authority, port;
  if (authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) throw std::invalid_argument("unterminated IPv6 literal: " + std::string(url));
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') throw std::invalid_argument("bad authority: " + std::string(url));
      port = after.substr(1);
    }
  } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  o.host = std::string(host);
  o.port = o.secure() ? 443 : 80;
  if (!port.empty()) {
    unsigned p = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc{} || end != port.data() + port.size() || p == 0 || p > 65535)
      throw std::invalid_argument("bad port in URL: " + std::string(url));
    o.port = static_cast<std::uint16_t>(p);
  }
  return o;
}

bool ClientRequest::idempotent() const noexcept {
  // RFC 9110 §9.2.2.
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" || method == "OPTIONS" ||
         method == "TRACE";
}

std::string_view ClientResponse::header(std::string_view name) const noexcept {
  for (const auto& [n, v] : headers)
    if (iequals(n, name)) return v;
  return {};
}

std::string_view to_string(TransportError::Kind k) noexcept {
  switch (k) {
    case TransportError::Kind::none: return "none";
    case TransportError::Kind::resolve: return "resolve";
    case TransportError::Kind::connect: return "connect";
    case TransportError::Kind::tls: return "tls";
    case TransportError::Kind::timeout: return "timeout";
    case TransportError::Kind::closed: return "closed";
    case TransportError::Kind::protocol: return "protocol";
    case TransportError::Kind::cancelled: return "cancelled";
  }
  return "unknown";
}

void serialize_request(const ClientRequest& req, std::string_view host_header, std::string_view user_agent,
                       std::string& out) {
  out += req.method;
  out += ' ';
  out += req.target.empty() ? std::string_view("/") : std::string_view(req.target);
  out += " HTTP/1.1\r\n";
  bool has_host = false, has_agent = false;
  auto scan = [&](const HeaderList& list) {
    for (const auto& [n, v] : list) {
      if (n.size() == 4 && iequals(n, "host")) has_host = true;
      if (n.size() == 10 && iequals(n, "user-agent")) has_agent = true;
    }
  };
  if (req.common_headers) scan(*req.common_headers);
  scan(req.headers);
  if (!has_host) {
    out += "Host: ";
    out += host_header;
    out += "\r\n";
  }
  auto emit = [&](const HeaderList& list) {
    for (const auto& [n, v] : list) {
      // Framing is the transport's to decide; a header with CR/LF could split the request.
      if (n.empty() || has_crlf(n) || has_crlf(v) || iequals(n, "content-length") || iequals(n, "transfer-encoding"))
        continue;
      out += n;
      out += ": ";
      out += v;
      out += "\r\n";
    }
  };
  if (req.common_headers) emit(*req.common_headers);
  emit(req.headers);
  if (!has_agent && !user_agent.empty()) {
    out += "User-Agent: ";
    out += user_agent;
    out += "\r\n";
  }
  if (!req.body.empty() || req.method == "POST" || req.method == "PUT" || req.method == "PATCH") {
    out += "Content-Length: ";
    out += std::to_string(req.body.size());
    out += "\r\n";
  }
  out += "\r\n";
  out += req.body;
}

}  // namespace oasis::http
