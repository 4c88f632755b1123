// src/schema/char_run.cpp — recognising "^<class><count>...$" patterns, one count varying, and an
// optional group at the end (see char_run.hpp).
#include "char_run.hpp"

#include <charconv>
#include <cstdint>
#include <memory>

namespace oasis::schema::detail {

namespace {

constexpr std::size_t kUnbounded = SIZE_MAX;
constexpr std::size_t kMaxRepeat = 1000;  // RE2 refuses larger counts; so do we

void add(CharRun::Atom& r, unsigned char c) { r.set[c >> 6] |= std::uint64_t{1} << (c & 63); }
void add_range(CharRun::Atom& r, unsigned char lo, unsigned char hi) {
  for (unsigned c = lo; c <= hi; ++c) add(r, static_cast<unsigned char>(c));
}
void add_digits(CharRun::Atom& r) { add_range(r, '0', '9'); }
void add_word(CharRun::Atom& r) {
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
int member(std::string_view p, std::size_t& i, CharRun::Atom& r) {
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

bool parse_class(std::string_view p, std::size_t& i, CharRun::Atom& r) {
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
  // RE2 reads "{007}" as the literal text, not a count
  if (i + 1 < p.size() && p[i] == '0' && p[i + 1] >= '0' && p[i + 1] <= '9') return false;
  std::size_t v = 0;
  auto [end, ec] = std::from_chars(p.data() + i, p.data() + p.size(), v);
  if (ec != std::errc{} || end == p.data() + i || v > kMaxRepeat) return false;
  i = static_cast<std::size_t>(end - p.data());
  out = v;
  return true;
}

// The quantifier at p[i], if any, into a.min and a.max (none: exactly once).
bool parse_quantifier(std::string_view p, std::size_t& i, CharRun::Atom& a) {
  a.min = a.max = 1;
  if (i == p.size()) return true;
  if (p[i] == '+' || p[i] == '*') {
    a.min = p[i] == '+' ? 1 : 0;
    a.max = kUnbounded;
    ++i;
  } else if (p[i] == '?') {
    a.min = 0;
    ++i;
  } else if (p[i] == '{') {
    ++i;
    if (!parse_count(p, i, a.min)) return false;
    if (i < p.size() && p[i] == '}') {
      a.max = a.min;
    } else if (i < p.size() && p[i] == ',') {
      ++i;
      if (i < p.size() && p[i] == '}')
        a.max = kUnbounded;
      else if (!parse_count(p, i, a.max) || a.max < a.min)
        return false;
    } else {
      return false;
    }
    if (i >= p.size() || p[i] != '}') return false;
    ++i;
  }
  // a lazy or possessive marker right after: left to RE2
  return i == p.size() || (p[i] != '?' && p[i] != '+' && p[i] != '*' && p[i] != '{');
}

// Characters that mean something outside a class; any other printable one stands for itself.
bool meta(char c) {
  switch (c) {
    case '.': case '^': case '$': case '|': case '?': case '*': case '+': case '(': case ')': case '[': case ']':
    case '{': case '}': case '\\': return true;
    default: return false;
  }
}

}  // namespace

namespace {

// Appends the atoms of `p` to `r`. False at anything but classes, \d, \w, literal characters and
// their quantifiers, or at a second count that varies.
bool parse_atoms(std::string_view p, CharRun::Run& r, bool& varies) {
  std::size_t i = 0;
  while (i < p.size()) {
    if (r.count == CharRun::Run::kMaxAtoms) return false;
    CharRun::Atom& a = r.atoms[r.count++];
    const char c = p[i];
    if (c == '[') {
      if (!parse_class(p, i, a)) return false;
    } else if (c == '\\') {
      if (i + 1 >= p.size()) return false;
      const char e = p[i + 1];
      if (e == 'd')
        add_digits(a);
      else if (e == 'w')
        add_word(a);
      else if (ascii_punct(e))
        add(a, static_cast<unsigned char>(e));
      else
        return false;  // \s, \b, \D, \n, \u…
      i += 2;
    } else if (plain(c) && !meta(c)) {
      add(a, static_cast<unsigned char>(c));
      ++i;
    } else {
      return false;  // '.', an alternation, a group, …
    }
    if (!parse_quantifier(p, i, a)) return false;
    if (a.min != a.max) {
      if (varies) return false;  // two counts that vary: where the second starts is not known
      varies = true;
      r.varying = r.count - 1;
    }
  }
  return true;
}

void settle(CharRun::Run& r, bool varies) {
  if (!varies) r.varying = r.count - 1;
  r.fixed = 0;
  for (std::size_t k = 0; k < r.count; ++k)
    if (k != r.varying) r.fixed += r.atoms[k].min;
}

}  // namespace

std::unique_ptr<const CharRun> char_run_of(std::string_view p) {
  if (p.size() < 3 || p.front() != '^' || p.back() != '$') return nullptr;
  if (p[p.size() - 2] == '\\') return nullptr;  // "\$" is a literal dollar
  p = p.substr(1, p.size() - 2);
  // "^(?:...)$", as the Proxmox importer anchors a pattern
  if (p.size() >= 4 && p.substr(0, 3) == "(?:" && p.back() == ')' && p[p.size() - 2] != '\\') p = p.substr(3, p.size() - 4);
  // an optional group at the end: "(?:...)?" holding atoms alone
  std::string_view group;
  if (p.size() >= 2 && p.substr(p.size() - 2) == ")?" && (p.size() < 3 || p[p.size() - 3] != '\\')) {
    const std::size_t open = p.rfind("(?:");
    if (open == std::string_view::npos) return nullptr;
    group = p.substr(open + 3, p.size() - 2 - (open + 3));
    p = p.substr(0, open);
    if (group.empty()) return nullptr;
  }
  if (p.empty()) return nullptr;
  auto r = std::make_unique<CharRun>();
  bool varies = false;
  if (!parse_atoms(p, r->runs[0], varies)) return nullptr;
  if (!group.empty()) {
    r->runs[1] = r->runs[0];
    bool varies_too = varies;
    if (!parse_atoms(group, r->runs[1], varies_too)) return nullptr;
    settle(r->runs[1], varies_too);
    r->alternatives = 2;
  }
  settle(r->runs[0], varies);
  return r;
}

}  // namespace oasis::schema::detail
