// src/schema/json_util.cpp — numbers, equality, pointers (see json_util.hpp).
#include "json_util.hpp"

#include <oasis/schema/schema.hpp>

#include <boost/json/serialize.hpp>

#include <charconv>
#include <cmath>
#include <functional>

namespace oasis::schema {

std::string escape_pointer_token(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (char c : token) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

std::string unescape_pointer_token(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (std::size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
      out += token[i + 1] == '0' ? '~' : '/';
      ++i;
    } else {
      out += token[i];
    }
  }
  return out;
}

namespace detail {

bool Num::integral() const {
  if (kind != f64) return true;
  return std::isfinite(d) && std::trunc(d) == d;
}

boost::json::value Num::to_json() const {
  switch (kind) {
    case i64: return boost::json::value(i);
    case u64: return boost::json::value(u);
    default: return boost::json::value(d);
  }
}

std::optional<Num> num_of(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::int64: return Num{Num::i64, v.get_int64(), 0, 0};
    case boost::json::kind::uint64: return Num{Num::u64, 0, v.get_uint64(), 0};
    case boost::json::kind::double_: return Num{Num::f64, 0, 0, v.get_double()};
    default: return std::nullopt;
  }
}

int compare(const Num& a, const Num& b) {
  if (a.kind == Num::i64 && b.kind == Num::i64) return a.i < b.i ? -1 : a.i > b.i ? 1 : 0;
  if (a.kind == Num::u64 && b.kind == Num::u64) return a.u < b.u ? -1 : a.u > b.u ? 1 : 0;
  long double x = a.ld(), y = b.ld();
  return x < y ? -1 : x > y ? 1 : 0;
}

bool is_multiple_of(const Num& instance, const Num& divisor) {
  if (instance.integral() && divisor.integral() && instance.kind != Num::f64 &&
      divisor.kind != Num::f64) {
    // both exact integers: unsigned magnitudes, sign does not matter for divisibility
    auto mag = [](const Num& n) -> std::uint64_t {
      if (n.kind == Num::u64) return n.u;
      return n.i < 0 ? 0 - static_cast<std::uint64_t>(n.i) : static_cast<std::uint64_t>(n.i);
    };
    std::uint64_t m = mag(divisor);
    if (m == 0) return true;
    return mag(instance) % m == 0;
  }
  long double x = instance.ld(), m = divisor.ld();
  if (m == 0) return true;
  if (!std::isfinite(static_cast<double>(x))) return false;
  long double q = x / m;
  if (!std::isfinite(static_cast<double>(q))) return false;
  long double r = std::round(q);
  long double tolerance = 1e-9L * std::max<long double>(1.0L, std::fabs(q));
  return std::fabs(q - r) <= tolerance;
}

bool is_integer_value(const boost::json::value& v) {
  if (v.is_int64() || v.is_uint64()) return true;
  if (v.is_double()) {
    double d = v.get_double();
    return std::isfinite(d) && std::trunc(d) == d;
  }
  return false;
}

bool json_equal(const boost::json::value& a, const boost::json::value& b) {
  if (a.is_number() && b.is_number()) return compare(*num_of(a), *num_of(b)) == 0;
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case boost::json::kind::null: return true;
    case boost::json::kind::bool_: return a.get_bool() == b.get_bool();
    case boost::json::kind::string: return a.get_string() == b.get_string();
    case boost::json::kind::array: {
      const auto& x = a.get_array();
      const auto& y = b.get_array();
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i)
        if (!json_equal(x[i], y[i])) return false;
      return true;
    }
    case boost::json::kind::object: {
      const auto& x = a.get_object();
      const auto& y = b.get_object();
      if (x.size() != y.size()) return false;
      for (const auto& kv : x) {
        auto it = y.find(kv.key());
        if (it == y.end() || !json_equal(kv.value(), it->value())) return false;
      }
      return true;
    }
    default: return false;
  }
}

static std::size_t mix(std::size_t h, std::size_t v) {
  return h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
}

std::size_t json_hash(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null: return 1;
    case boost::json::kind::bool_: return v.get_bool() ? 2 : 3;
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_: {
      // equal numbers of different kinds must hash alike: hash integral values as long double
      long double x = num_of(v)->ld();
      if (x == 0) x = 0;  // -0.0 == 0
      return mix(4, std::hash<long double>{}(x));
    }
    case boost::json::kind::string:
      return mix(5, std::hash<std::string_view>{}(std::string_view(v.get_string())));
    case boost::json::kind::array: {
      std::size_t h = 6;
      for (const auto& e : v.get_array()) h = mix(h, json_hash(e));
      return h;
    }
    case boost::json::kind::object: {
      std::size_t h = 7;  // order-independent: sum of member hashes
      for (const auto& kv : v.get_object())
        h += mix(std::hash<std::string_view>{}(std::string_view(kv.key())), json_hash(kv.value()));
      return h;
    }
  }
  return 0;
}

std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

const boost::json::value* resolve_pointer(const boost::json::value& root, std::string_view pointer) {
  const boost::json::value* cur = &root;
  if (pointer.empty()) return cur;
  if (pointer.front() != '/') return nullptr;
  std::size_t pos = 1;
  while (true) {
    std::size_t end = pointer.find('/', pos);
    std::string_view raw = pointer.substr(pos, end == std::string_view::npos ? end : end - pos);
    std::string token = raw.find('~') == std::string_view::npos ? std::string(raw)
                                                                 : unescape_pointer_token(raw);
    if (cur->is_object()) {
      auto it = cur->get_object().find(token);
      if (it == cur->get_object().end()) return nullptr;
      cur = &it->value();
    } else if (cur->is_array()) {
      const auto& arr = cur->get_array();
      if (token.empty() || token.size() > 18) return nullptr;
      std::size_t idx = 0;
      for (char c : token) {
        if (c < '0' || c > '9') return nullptr;
        idx = idx * 10 + static_cast<std::size_t>(c - '0');
      }
      if (token.size() > 1 && token[0] == '0') return nullptr;
      if (idx >= arr.size()) return nullptr;
      cur = &arr[idx];
    } else {
      return nullptr;
    }
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  return cur;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> ref_to_pointer(std::string_view ref) {
  if (ref.empty() || ref.front() != '#') return std::nullopt;
  ref.remove_prefix(1);
  std::string out;
  out.reserve(ref.size());
  for (std::size_t i = 0; i < ref.size(); ++i) {
    if (ref[i] == '%' && i + 2 < ref.size() && hexval(ref[i + 1]) >= 0 && hexval(ref[i + 2]) >= 0) {
      out += static_cast<char>(hexval(ref[i + 1]) * 16 + hexval(ref[i + 2]));
      i += 2;
    } else {
      out += ref[i];
    }
  }
  if (!out.empty() && out.front() != '/') return std::nullopt;  // "#anchor": not a pointer
  return out;
}

const char* kind_name(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null: return "null";
    case boost::json::kind::bool_: return "boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64: return "integer";
    case boost::json::kind::double_: return is_integer_value(v) ? "integer" : "number";
    case boost::json::kind::string: return "string";
    case boost::json::kind::array: return "array";
    case boost::json::kind::object: return "object";
  }
  return "?";
}

std::string number_text(const boost::json::value& v) {
  char buf[40];
  std::to_chars_result r{};
  if (v.is_int64())
    r = std::to_chars(buf, buf + sizeof buf, v.get_int64());
  else if (v.is_uint64())
    r = std::to_chars(buf, buf + sizeof buf, v.get_uint64());
  else
    r = std::to_chars(buf, buf + sizeof buf, v.get_double());
  return std::string(buf, r.ptr);
}

namespace {
// JSON as a person writes it (1.5, not 1.5E0), stopping once `max` characters are written.
void write_short(std::string& out, const boost::json::value& v, std::size_t max) {
  if (out.size() > max) return;
  switch (v.kind()) {
    case boost::json::kind::null: out += "null"; break;
    case boost::json::kind::bool_: out += v.get_bool() ? "true" : "false"; break;
    case boost::json::kind::string: out += boost::json::serialize(v.get_string()); break;
    case boost::json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out += ',';
        first = false;
        write_short(out, e, max);
        if (out.size() > max) return;
      }
      out += ']';
      break;
    }
    case boost::json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& kv : v.get_object()) {
        if (!first) out += ',';
        first = false;
        out += boost::json::serialize(kv.key());
        out += ':';
        write_short(out, kv.value(), max);
        if (out.size() > max) return;
      }
      out += '}';
      break;
    }
    default: out += number_text(v);
  }
}
}  // namespace

std::string short_json(const boost::json::value& v, std::size_t max) {
  std::string s;
  write_short(s, v, max);
  if (s.size() > max) {
    s.resize(max);
    s += "...";
  }
  return s;
}

}  // namespace detail
}  // namespace oasis::schema
