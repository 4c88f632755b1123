// src/schema/format.cpp — the `format` checkers (see include/oasis/schema/format.hpp).
// Hand-written scanners rather than regexes: they are allocation-free and each one reads as the
// grammar it checks.
#include <oasis/schema/format.hpp>

#include "json_util.hpp"

#include <re2/re2.h>

#include <array>
#include <cfloat>
#include <cstdint>
#include <limits>

namespace oasis::schema {

namespace {

struct FormatName {
  std::string_view name;
  Format format;
};

constexpr FormatName kFormats[] = {
    {"date-time", Format::date_time},
    {"date", Format::date},
    {"time", Format::time},
    {"email", Format::email},
    {"uuid", Format::uuid},
    {"ipv4", Format::ipv4},
    {"ipv6", Format::ipv6},
    {"uri", Format::uri},
    {"uri-reference", Format::uri_reference},
    {"hostname", Format::hostname},
    {"byte", Format::byte},
    {"regex", Format::regex},
    {"int32", Format::int32},
    {"int64", Format::int64},
    {"float", Format::float_},
    {"double", Format::double_},
    {"password", Format::password},
    {"binary", Format::binary},
    // known names accepted without a check
    {"int8", Format::other_known},
    {"int16", Format::other_known},
    {"uint8", Format::other_known},
    {"uint16", Format::other_known},
    {"uint32", Format::other_known},
    {"uint64", Format::other_known},
    {"idn-email", Format::other_known},
    {"idn-hostname", Format::other_known},
    {"iri", Format::other_known},
    {"iri-reference", Format::other_known},
    {"uri-template", Format::other_known},
    {"json-pointer", Format::other_known},
    {"relative-json-pointer", Format::other_known},
    {"duration", Format::other_known},
    {"decimal", Format::other_known},
    {"unix-time", Format::other_known},
    {"timestamp", Format::other_known},
    {"url", Format::other_known},
    {"html", Format::other_known},
    {"markdown", Format::other_known},
    {"char", Format::other_known},
};

bool digit(char c) { return c >= '0' && c <= '9'; }
bool alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool hex(char c) { return digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Reads exactly n digits at s[pos] into *out.
bool digits(std::string_view s, std::size_t pos, std::size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!digit(s[pos + i])) return false;
    v = v * 10 + (s[pos + i] - '0');
  }
  *out = v;
  return true;
}

bool leap_year(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

bool full_date(std::string_view s) {
  int y, m, d;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  if (!digits(s, 0, 4, &y) || !digits(s, 5, 2, &m) || !digits(s, 8, 2, &d)) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  int max = kDays[m - 1] + (m == 2 && leap_year(y) ? 1 : 0);
  return d <= max;
}

// HH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
bool full_time(std::string_view s) {
  int h, m, sec;
  if (s.size() < 9 || s[2] != ':' || s[5] != ':') return false;
  if (!digits(s, 0, 2, &h) || !digits(s, 3, 2, &m) || !digits(s, 6, 2, &sec)) return false;
  if (h > 23 || m > 59 || sec > 60) return false;  // 60: leap second
  std::size_t pos = 8;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t start = pos;
    while (pos < s.size() && digit(s[pos])) ++pos;
    if (pos == start) return false;
  }
  if (pos >= s.size()) return false;
  if (s[pos] == 'Z' || s[pos] == 'z') return pos + 1 == s.size();
  if (s[pos] != '+' && s[pos] != '-') return false;
  int oh, om;
  if (s.size() - pos != 6 || s[pos + 3] != ':') return false;
  if (!digits(s, pos + 1, 2, &oh) || !digits(s, pos + 4, 2, &om)) return false;
  return oh <= 23 && om <= 59;
}

bool atext(char c) {
  if (alpha(c) || digit(c)) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-':
    case '/': case '=': case '?': case '^': case '_': case '`': case '{': case '|': case '}':
    case '~':
      return true;
    default:
      return false;
  }
}

// RFC 3986 characters that may appear literally in a URI (reserved + unreserved); '%' is
// checked separately as a percent-encoding.
// One table lookup per character: generated documents hold many URIs and each is checked once
// per level of the value it sits in.
constexpr auto kUriChars = [] {
  std::array<bool, 256> t{};
  for (int c = 'a'; c <= 'z'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (char c : std::string_view("-._~:/?#[]@!$&'()*+,;="))
    t[static_cast<unsigned char>(c)] = true;
  return t;
}();

bool uri_char(char c) { return kUriChars[static_cast<unsigned char>(c)]; }

bool uri_chars(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size() || !hex(s[i + 1]) || !hex(s[i + 2])) return false;
      i += 2;
    } else if (!uri_char(s[i])) {
      return false;
    }
  }
  return true;
}

// scheme ":" — returns the scheme's length or 0.
std::size_t scheme_length(std::string_view s) {
  if (s.empty() || !alpha(s[0])) return 0;
  for (std::size_t i = 1; i < s.size(); ++i) {
    char c = s[i];
    if (c == ':') return i;
    if (!(alpha(c) || digit(c) || c == '+' || c == '-' || c == '.')) return 0;
  }
  return 0;
}

}  // namespace

Format format_from_name(std::string_view name) noexcept {
  for (const auto& f : kFormats)
    if (f.name == name) return f.format;
  return Format::unknown;
}

std::string_view format_name(Format f) noexcept {
  for (const auto& e : kFormats)
    if (e.format == f) return e.name;
  return "unknown";
}

bool is_string_format(Format f) noexcept {
  switch (f) {
    case Format::date_time: case Format::date: case Format::time: case Format::email:
    case Format::uuid: case Format::ipv4: case Format::ipv6: case Format::uri:
    case Format::uri_reference: case Format::hostname: case Format::byte: case Format::regex:
      return true;
    default:
      return false;
  }
}

bool is_numeric_format(Format f) noexcept {
  return f == Format::int32 || f == Format::int64 || f == Format::float_ || f == Format::double_;
}

bool is_date_time(std::string_view s) noexcept {
  if (s.size() < 20) return false;
  if (s[10] != 'T' && s[10] != 't') return false;
  return full_date(s.substr(0, 10)) && full_time(s.substr(11));
}

bool is_date(std::string_view s) noexcept { return full_date(s); }
bool is_time(std::string_view s) noexcept { return full_time(s); }

bool is_hostname(std::string_view s) noexcept {
  if (s.empty() || s.size() > 253) return false;
  std::size_t label = 0;
  char prev = '.';
  for (char c : s) {
    if (c == '.') {
      if (label == 0 || prev == '-') return false;
      label = 0;
    } else if (alpha(c) || digit(c) || c == '-') {
      if (label == 0 && c == '-') return false;
      if (++label > 63) return false;
    } else {
      return false;
    }
    prev = c;
  }
  return label > 0 && prev != '-';
}

bool is_ipv4(std::string_view s) noexcept {
  int parts = 0;
  std::size_t i = 0;
  while (true) {
    std::size_t start = i;
    int v = 0;
    while (i < s.size() && digit(s[i]) && i - start < 4) v = v * 10 + (s[i++] - '0');
    std::size_t len = i - start;
    if (len == 0 || len > 3 || v > 255 || (len > 1 && s[start] == '0')) return false;
    ++parts;
    if (i == s.size()) break;
    if (s[i] != '.' || parts == 4) return false;
    ++i;
  }
  return parts == 4;
}

bool is_ipv6(std::string_view s) noexcept {
  if (s.size() < 2 || s.size() > 45) return false;
  int groups = 0;
  bool compressed = false;
  std::size_t i = 0;
  if (s.substr(0, 2) == "::") {
    compressed = true;
    i = 2;
    if (i == s.size()) return true;
  } else if (s[0] == ':') {
    return false;
  }
  while (i < s.size()) {
    std::size_t start = i;
    while (i < s.size() && hex(s[i])) ++i;
    if (i < s.size() && s[i] == '.') {
      // embedded IPv4 tail takes two groups
      if (!is_ipv4(s.substr(start))) return false;
      groups += 2;
      i = s.size();
      break;
    }
    std::size_t len = i - start;
    if (len == 0 || len > 4) return false;
    ++groups;
    if (i == s.size()) break;
    if (s[i] != ':') return false;
    ++i;
    if (i < s.size() && s[i] == ':') {
      if (compressed) return false;
      compressed = true;
      ++i;
      if (i == s.size()) break;
    } else if (i == s.size()) {
      return false;  // trailing single ':'
    }
  }
  return compressed ? groups <= 7 : groups == 8;
}

bool is_email(std::string_view s) noexcept {
  std::size_t at = s.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == s.size()) return false;
  std::string_view local = s.substr(0, at), domain = s.substr(at + 1);
  if (local.size() > 64) return false;
  if (local.front() == '"') {
    if (local.size() < 2 || local.back() != '"') return false;
    for (std::size_t i = 1; i + 1 < local.size(); ++i) {
      char c = local[i];
      if (c == '\\') {
        ++i;
        continue;
      }
      if (c == '"' || static_cast<unsigned char>(c) < 0x20) return false;
    }
  } else {
    char prev = '.';
    for (char c : local) {
      if (c == '.') {
        if (prev == '.') return false;
      } else if (!atext(c)) {
        return false;
      }
      prev = c;
    }
    if (prev == '.') return false;
  }
  if (domain.front() == '[') {
    if (domain.back() != ']') return false;
    std::string_view lit = domain.substr(1, domain.size() - 2);
    if (lit.substr(0, 5) == "IPv6:") return is_ipv6(lit.substr(5));
    return is_ipv4(lit);
  }
  return is_hostname(domain);
}

bool is_uuid(std::string_view s) noexcept {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < 36; ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !hex(s[i])) return false;
  }
  return true;
}

bool is_uri(std::string_view s) noexcept {
  std::size_t n = scheme_length(s);
  if (n == 0) return false;
  return uri_chars(s.substr(n + 1));
}

bool is_uri_reference(std::string_view s) noexcept { return uri_chars(s); }

bool is_base64(std::string_view s) noexcept {
  if (s.size() % 4 != 0) return false;
  std::size_t pad = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '=') {
      ++pad;
      if (pad > 2) return false;
    } else if (pad > 0 || !(alpha(c) || digit(c) || c == '+' || c == '/')) {
      return false;
    }
  }
  return true;
}

bool is_regex(std::string_view s) noexcept {
  RE2::Options o;
  o.set_log_errors(false);
  RE2 re(re2::StringPiece(s.data(), s.size()), o);
  return re.ok();
}

bool in_numeric_format(Format f, const boost::json::value& v) noexcept {
  auto n = detail::num_of(v);
  if (!n) return true;
  switch (f) {
    case Format::int32:
    case Format::int64: {
      if (!n->integral()) return false;
      long double lo = f == Format::int32 ? std::numeric_limits<std::int32_t>::min()
                                          : std::numeric_limits<std::int64_t>::min();
      long double hi = f == Format::int32 ? std::numeric_limits<std::int32_t>::max()
                                          : std::numeric_limits<std::int64_t>::max();
      long double x = n->ld();
      return x >= lo && x <= hi;
    }
    case Format::float_: {
      long double x = n->ld();
      return x >= -FLT_MAX && x <= FLT_MAX;
    }
    default:
      return true;
  }
}

bool check_format(Format f, std::string_view s) noexcept {
  switch (f) {
    case Format::date_time: return is_date_time(s);
    case Format::date: return is_date(s);
    case Format::time: return is_time(s);
    case Format::email: return is_email(s);
    case Format::uuid: return is_uuid(s);
    case Format::ipv4: return is_ipv4(s);
    case Format::ipv6: return is_ipv6(s);
    case Format::uri: return is_uri(s);
    case Format::uri_reference: return is_uri_reference(s);
    case Format::hostname: return is_hostname(s);
    case Format::byte: return is_base64(s);
    case Format::regex: return is_regex(s);
    default: return true;
  }
}

bool check_format(Format f, const boost::json::value& v) noexcept {
  if (v.is_string()) return !is_string_format(f) || check_format(f, std::string_view(v.get_string()));
  if (v.is_number()) return !is_numeric_format(f) || in_numeric_format(f, v);
  return true;
}

}  // namespace oasis::schema
