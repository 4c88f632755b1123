// http/message.cpp — requests, responses and the small vocabulary around them.
#include <oasis/http/message.hpp>
#include <oasis/http/field_name.hpp>

#include <cstdint>
#include <cstring>

#include <algorithm>
#include <array>
#include <bit>

namespace oasis::http {

namespace {
constexpr unsigned char lower(unsigned char c) noexcept { return (c >= 'A' && c <= 'Z') ? c | 0x20 : c; }
// Eight bytes at a time: a byte of x equal to CR or LF becomes zero after the XOR, and the
// classic "has a zero byte" test finds it. Header names and values are checked on every append,
// so this runs for every header of every response.
bool has_crlf(std::string_view s) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  constexpr std::uint64_t cr = ones * '\r', lf = ones * '\n';
  auto zero_byte = [&](std::uint64_t v) { return ((v - ones) & ~v & highs) != 0; };
  auto word_has = [&](const char* p) {
    std::uint64_t x;
    std::memcpy(&x, p, 8);
    return zero_byte(x ^ cr) || zero_byte(x ^ lf);
  };
  if (s.size() < 8) {  // a loop, not a variable-length memcpy (which would be a call)
    for (char c : s)
      if (c == '\r' || c == '\n') return true;
    return false;
  }
  for (std::size_t i = 0; i + 8 <= s.size(); i += 8)
    if (word_has(s.data() + i)) return true;
  return word_has(s.data() + s.size() - 8);  // the tail, overlapping the last full word
}
}  // namespace

std::string percent_encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(static_cast<unsigned char>(a[i])) != lower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

std::string_view to_string(Method m) noexcept {
  switch (m) {
    case Method::GET: return "GET";
    case Method::HEAD: return "HEAD";
    case Method::POST: return "POST";
    case Method::PUT: return "PUT";
    case Method::DELETE: return "DELETE";
    case Method::PATCH: return "PATCH";
    case Method::OPTIONS: return "OPTIONS";
    case Method::TRACE: return "TRACE";
    case Method::CONNECT: return "CONNECT";
    case Method::OTHER: break;
  }
  return "OTHER";
}

Method method_from_string(std::string_view s) noexcept {
  switch (s.size()) {
    case 3:
      if (s == "GET") return Method::GET;
      if (s == "PUT") return Method::PUT;
      break;
    case 4:
      if (s == "POST") return Method::POST;
      if (s == "HEAD") return Method::HEAD;
      break;
    case 5:
      if (s == "PATCH") return Method::PATCH;
      if (s == "TRACE") return Method::TRACE;
      break;
    case 6:
      if (s == "DELETE") return Method::DELETE;
      break;
    case 7:
      if (s == "OPTIONS") return Method::OPTIONS;
      if (s == "CONNECT") return Method::CONNECT;
      break;
  }
  return Method::OTHER;
}

std::string_view reason_phrase(int status) noexcept {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 203: return "Non-Authoritative Information";
    case 204: return "No Content";
    case 205: return "Reset Content";
    case 206: return "Partial Content";
    case 300: return "Multiple Choices";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 421: return "Misdirected Request";
    case 422: return "Unprocessable Content";
    case 423: return "Locked";
    case 424: return "Failed Dependency";
    case 425: return "Too Early";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 451: return "Unavailable For Legal Reasons";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    case 507: return "Insufficient Storage";
  }
  return "Unknown";
}

// --- Headers ---------------------------------------------------------------------------------

namespace {

// `name` (of exactly L's length) is L, ignoring case.
template <FieldName L>
bool is(const char* name) noexcept {
  return field_is<L>(name);
}

}  // namespace

KnownField classify_field(std::string_view name) noexcept {
  using K = KnownField;
  const char* n = name.data();
  // By length, then one full comparison (two where two names share a length and first letter).
  switch (name.size()) {
    case 4: return is<"host">(n) ? K::host : K::count;
    case 5: return is<"range">(n) ? K::range : K::count;
    case 6:
      switch (n[0] | 0x20) {
        case 'a': return is<"accept">(n) ? K::accept : K::count;
        case 'c': return is<"cookie">(n) ? K::cookie : K::count;
        case 'e': return is<"expect">(n) ? K::expect : K::count;
        case 'o': return is<"origin">(n) ? K::origin : K::count;
        case 'p': return is<"prefer">(n) ? K::prefer : K::count;
      }
      return K::count;
    case 8:
      if (is<"if-match">(n)) return K::if_match;
      return is<"if-range">(n) ? K::if_range : K::count;
    case 12: return is<"content-type">(n) ? K::content_type : K::count;
    case 13:
      if (is<"if-none-match">(n)) return K::if_none_match;
      return is<"authorization">(n) ? K::authorization : K::count;
    case 14:
      if (is<"accept-charset">(n)) return K::accept_charset;
      return is<"content-length">(n) ? K::content_length : K::count;
    case 15:
      if (is<"accept-encoding">(n)) return K::accept_encoding;
      return is<"accept-language">(n) ? K::accept_language : K::count;
    case 17:
      if (is<"if-modified-since">(n)) return K::if_modified_since;
      return is<"transfer-encoding">(n) ? K::transfer_encoding : K::count;
    case 19: return is<"if-unmodified-since">(n) ? K::if_unmodified_since : K::count;
    case 29: return is<"access-control-request-method">(n) ? K::access_control_request_method : K::count;
    case 30: return is<"access-control-request-headers">(n) ? K::access_control_request_headers : K::count;
  }
  return K::count;
}

std::string_view Headers::get(std::string_view name) const noexcept {
  for (const auto& f : fields_)
    if (iequals(f.name, name)) return f.value;
  return {};
}

bool Headers::has(std::string_view name) const noexcept {
  for (const auto& f : fields_)
    if (iequals(f.name, name)) return true;
  return false;
}

std::size_t Headers::count(std::string_view name) const noexcept {
  std::size_t n = 0;
  for (const auto& f : fields_)
    if (iequals(f.name, name)) ++n;
  return n;
}

// --- Request ---------------------------------------------------------------------------------

void Request::set_target(std::string_view target) noexcept {
  target_ = target;
  auto q = target.find('?');
  if (q == std::string_view::npos) {
    path_ = target;
    query_ = {};
  } else {
    path_ = target.substr(0, q);
    query_ = target.substr(q + 1);
  }
  // A fragment is never sent, but a sloppy client might: it is not part of the query.
  if (auto h = query_.find('#'); h != std::string_view::npos) query_ = query_.substr(0, h);
}

void Request::clear() noexcept {
  method_ = Method::GET;
  method_name_ = "GET";
  target_ = path_ = "/";
  query_ = {};
  version_major_ = version_minor_ = 1;
  headers_.clear();
  trailers_.clear();
  body_ = {};
  body_reader_.reset();
  keep_alive_ = true;
  secure_ = false;
}

// --- Response --------------------------------------------------------------------------------

void Response::header(std::string_view name, std::string_view value) {
  if (name.empty()) return;
  // One growth and three copies instead of four appends, each checking the capacity; then one
  // CR/LF scan over "name: value" as written (the ": " between has neither), taken back if
  // it finds one.
  auto at = fields_.size();
  fields_.resize(at + name.size() + value.size() + 4);
  char* p = fields_.data() + at;
  std::memcpy(p, name.data(), name.size());
  p += name.size();
  std::memcpy(p, ": ", 2);
  p += 2;
  if (!value.empty()) std::memcpy(p, value.data(), value.size());
  p += value.size();
  std::memcpy(p, "\r\n", 2);
  if (has_crlf(std::string_view(fields_.data() + at, name.size() + 2 + value.size()))) [[unlikely]]
    fields_.resize(at);
}

std::string_view Response::header(std::string_view name) const noexcept {
  std::string_view found;
  bool done = false;
  for_each_header([&](std::string_view n, std::string_view v) {
    if (!done && iequals(n, name)) {
      found = v;
      done = true;
    }
  });
  return found;
}

bool Response::has_header(std::string_view name) const noexcept {
  bool found = false;
  for_each_header([&](std::string_view n, std::string_view) { found = found || iequals(n, name); });
  return found;
}

void Response::remove_header(std::string_view name) {
  std::string kept;
  kept.reserve(fields_.size());
  for_each_header([&](std::string_view n, std::string_view v) {
    if (iequals(n, name)) return;
    kept.append(n).append(": ").append(v).append("\r\n");
  });
  fields_.swap(kept);
}

Deferred Response::defer() {
  if (!sink_factory_ || !*sink_factory_) return {};
  deferred_ = true;
  return Deferred((*sink_factory_)());
}

void Response::reason(std::string_view text) {
  reason_.assign(text.data(), text.size());
  for (char& c : reason_)
    if (c == '\r' || c == '\n') c = ' ';
}

void Response::clear() noexcept {
  status_ = 200;
  reason_.clear();
  fields_.clear();
  body_.clear();
  close_ = false;
  compress_ = true;
  chunked_ = false;
  deferred_ = false;
}

}  // namespace oasis::http
