// src/schema/char_run.cpp — recognising "^<class><quantifier>$" patterns (see char_run.hpp).
#include "char_run.hpp"

#include <charconv>
#include <cstdint>

namespace oasis::schema::detail {

namespace {

constexpr std::size_t kUnbounded = SIZE_MAX;
constexpr std::size_t kMaxRepeat = 1000;  // RE2 refuses larger counts; so do we

void add(CharRun& r, unsigned char c) { r.set[c >> 6] |= std::uint64_t{1} << (c & 63); }
void add_range(CharRun& r, unsigned char lo, unsigned char hi) {
  for (unsigned c = lo; c <= hi; ++c) add(r, static_cast<unsigned char>(c));
}
void add_digits(CharRun& r) { add_range(r, '0', '9'); }
void add_word(CharRun& r) {
  add_range(r, 'a', 'z');
  add_range(r, 'A', 'Z');
  add_digits(r);
  add(r, '_');
}

bool ascii_punct(char c) {
  return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') || (c >= '{' && c <= '~');
}
bool plain(char c) { return c >= ' ' && c <= '~'; }  // printable ASCII

// One member of a class at p[i]: a literal byte (returned) or a shorthand (\d, \w: added, and
// -1 returned). -2: not something we take.
int member(std::string_view p, std::size_t& i, CharRun& r) {
  char c = p[i];
  if (c == '\\') {
    if (i + 1 >= p.size()) return -2;
    char e = p[i + 1];
    i += 2;
    if (e == 'd') return add_digits(r), -1;
    if (e == 'w') return add_word(r), -1;
    if (ascii_punct(e)) return static_cast<unsigned char>(e);
    return -2;  // \s, \D, \n, \u…: left to RE2
  }
  if (c == '[' || !plain(c)) return -2;  // "[[:alpha:]]" means something else to RE2
  ++i;
  return static_cast<unsigned char>(c);
}

bool parse_class(std::string_view p, std::size_t& i, CharRun& r) {
  // p[i] == '['
  ++i;
  if (i < p.size() && p[i] == '^') return false;  // negated: bytes past ASCII would match
  bool first = true;
  while (i < p.size() && (p[i] != ']' || first)) {
    if (p[i] == ']') return false;  // "[]": empty in ECMA, a literal ']' in RE2
    first = false;
    int lo = member(p, i, r);
    if (lo == -2) return false;
    if (lo >= 0 && i + 1 < p.size() && p[i] == '-' && p[i + 1] != ']') {
      ++i;
      int hi = member(p, i, r);
      if (hi < 0 || hi < lo) return false;
      add_range(r, static_cast<unsigned char>(lo), static_cast<unsigned char>(hi));
    } else if (lo >= 0) {
      add(r, static_cast<unsigned char>(lo));
    } else if (i + 1 < p.size() && p[i] == '-' && p[i + 1] != ']') {
      return false;  // "[\d-z]": a range from a shorthand, read differently by engines
    }
  }
  if (i >= p.size()) return false;
  ++i;  // ']'
  return true;
}

bool parse_count(std::string_view p, std::size_t& i, std::size_t& out) {
  std::size_t v = 0;
  auto [end, ec] = std::from_chars(p.data() + i, p.data() + p.size(), v);
  if (ec != std::errc{} || end == p.data() + i || v > kMaxRepeat) return false;
  i = static_cast<std::size_t>(end - p.data());
  out = v;
  return true;
}

}  // namespace

std::optional<CharRun> char_run_of(std::string_view p) {
  if (p.size() < 3 || p.front() != '^' || p.back() != '$') return std::nullopt;
  if (p.size() >= 2 && p[p.size() - 2] == '\\') return std::nullopt;  // "\$" is a literal dollar
  p = p.substr(1, p.size() - 2);
  CharRun r;
  std::size_t i = 0;
  if (p[0] == '[') {
    if (!parse_class(p, i, r)) return std::nullopt;
  } else if (p[0] == '\\' && p.size() >= 2 && (p[1] == 'd' || p[1] == 'w')) {
    p[1] == 'd' ? add_digits(r) : add_word(r);
    i = 2;
  } else {
    return std::nullopt;
  }
  // the quantifier, then nothing
  if (i == p.size()) {
    r.min = r.max = 1;
  } else if (p[i] == '+' || p[i] == '*') {
    r.min = p[i] == '+' ? 1 : 0;
    r.max = kUnbounded;
    ++i;
  } else if (p[i] == '?') {
    r.min = 0;
    r.max = 1;
    ++i;
  } else if (p[i] == '{') {
    ++i;
    if (!parse_count(p, i, r.min)) return std::nullopt;
    if (i < p.size() && p[i] == '}') {
      r.max = r.min;
    } else if (i < p.size() && p[i] == ',') {
      ++i;
      if (i < p.size() && p[i] == '}')
        r.max = kUnbounded;
      else if (!parse_count(p, i, r.max) || r.max < r.min)
        return std::nullopt;
    } else {
      return std::nullopt;
    }
    if (i >= p.size() || p[i] != '}') return std::nullopt;
    ++i;
  } else {
    return std::nullopt;
  }
  if (i != p.size()) return std::nullopt;  // a lazy '?', a second atom, an alternation…
  return r;
}

}  // namespace oasis::schema::detail
