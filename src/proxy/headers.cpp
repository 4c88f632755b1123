// proxy/headers.cpp — hop-by-hop fields (RFC 9110 §7.6.1) and Via (§7.6.3).
#include <oasis/proxy/headers.hpp>

#include <oasis/http/field_name.hpp>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string>

namespace oasis::proxy {

namespace {

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// `n`, at least as long as L, starts with L ignoring case.
template <http::FieldName L>
bool is(std::string_view n) noexcept {
  return http::field_is<L>(n.data());
}

// What a proxy does with a field, by its name: one switch on the length and at most two
// comparisons, instead of a case-insensitive comparison with every name the rules list.
enum class Kind : std::uint8_t { keep, connection, via, hop, host, content_length, date, server, accept_encoding };

Kind classify(std::string_view n) noexcept {
  if (n.size() >= 6 && (n[0] | 0x20) == 'p' && is<"proxy-">(n)) return Kind::hop;
  switch (n.size()) {
    case 2: return is<"te">(n) ? Kind::hop : Kind::keep;
    case 3: return is<"via">(n) ? Kind::via : Kind::keep;
    case 4:
      if (is<"host">(n)) return Kind::host;
      return is<"date">(n) ? Kind::date : Kind::keep;
    case 6: return is<"server">(n) ? Kind::server : Kind::keep;
    case 7:
      if (is<"trailer">(n)) return Kind::hop;
      return is<"upgrade">(n) ? Kind::hop : Kind::keep;
    case 10:
      if (is<"connection">(n)) return Kind::connection;
      return is<"keep-alive">(n) ? Kind::hop : Kind::keep;
    case 14: return is<"content-length">(n) ? Kind::content_length : Kind::keep;
    case 15: return is<"accept-encoding">(n) ? Kind::accept_encoding : Kind::keep;
    case 17: return is<"transfer-encoding">(n) ? Kind::hop : Kind::keep;
  }
  return Kind::keep;
}

// The kinds of a message's first fields, kept from the first pass for the second.
struct Kinds {
  static constexpr std::size_t max = 64;
  Kind kind[max];
  Kind set(std::size_t i, Kind k) noexcept {
    if (i < max) kind[i] = k;
    return k;
  }
  Kind get(std::size_t i, std::string_view name) const noexcept { return i < max ? kind[i] : classify(name); }
};

// The field names that Connection fields list (RFC 9110 §7.6.1), as views into their values,
// and the Via values to append to. A message naming more than fits here is handled by
// scanning the joined values for each field instead.
struct HopInfo {
  static constexpr std::size_t max_tokens = 16;
  std::string_view tokens[max_tokens];
  std::size_t count = 0;
  bool overflow = false;
  std::string joined;  // every Connection value, only when the tokens overflowed
  std::string via;     // the Via values received, joined with ", "
  bool has_via = false;

  void add_connection(std::string_view value) {
    if (!joined.empty()) joined += ',';
    joined.append(value);
    for (std::string_view v = value; !v.empty();) {
      auto comma = v.find(',');
      auto token = trim(v.substr(0, comma));
      if (!token.empty()) {
        if (count < max_tokens) tokens[count++] = token;
        else overflow = true;
      }
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  void add_via(std::string_view value) {
    if (has_via) via += ", ";
    via.append(value);
    has_via = true;
  }
  bool named(std::string_view name) const noexcept {
    if (overflow) return named_by_connection(joined, name);
    for (std::size_t i = 0; i < count; ++i)
      if (tokens[i].size() == name.size() && http::iequals(tokens[i], name)) return true;
    return false;
  }
  // The Via value to send: what came, then this proxy.
  std::string_view outgoing_via() {
    if (!has_via) return via_token;
    via += ", ";
    via.append(via_token);
    return via;
  }
};

}  // namespace

bool is_hop_by_hop(std::string_view name) noexcept {
  auto k = classify(name);
  return k == Kind::connection || k == Kind::hop;
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
  HopInfo hop;
  Kinds kinds;
  std::size_t i = 0;
  for (const auto& f : in) {
    auto k = kinds.set(i++, classify(f.name));
    if (k == Kind::connection) hop.add_connection(f.value);
    else if (k == Kind::via) hop.add_via(f.value);
  }
  out.reserve(out.size() + in.size() + 2);
  i = 0;
  for (const auto& f : in) {
    switch (kinds.get(i++, f.name)) {
      case Kind::keep:
      case Kind::date:
      case Kind::server:
        break;
      case Kind::accept_encoding:
        if (identity) continue;
        break;
      default:  // hop-by-hop, Via (appended to below), Host and Content-Length (the transport's)
        continue;
    }
    if (hop.count && hop.named(f.name)) continue;
    out.emplace_back(std::string(f.name), std::string(f.value));
  }
  if (identity) out.emplace_back("Accept-Encoding", "identity");
  out.emplace_back("Via", std::string(hop.outgoing_via()));
}

namespace {

template <class Fields>
void forward_response(const Fields& in, http::Response& out) {
  HopInfo hop;
  Kinds kinds;
  std::size_t i = 0;
  for (const auto& [name, value] : in) {
    auto k = kinds.set(i++, classify(name));
    if (k == Kind::connection) hop.add_connection(value);
    else if (k == Kind::via) hop.add_via(value);
  }
  i = 0;
  for (const auto& [name, value] : in) {
    auto k = kinds.get(i++, name);
    if (k != Kind::keep && k != Kind::host && k != Kind::accept_encoding) continue;
    if (hop.count && hop.named(name)) continue;
    out.header(name, value);
  }
  out.header("Via", hop.outgoing_via());
}

}  // namespace

void forward_response_headers(const http::HeaderList& in, http::Response& out) { forward_response(in, out); }
void forward_response_headers(const http::HeaderBlock& in, http::Response& out) { forward_response(in, out); }

}  // namespace oasis::proxy
