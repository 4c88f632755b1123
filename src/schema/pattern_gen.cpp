// src/schema/pattern_gen.cpp — a small regex parser whose only job is producing a matching string.
#include "pattern_gen.hpp"

#include <memory>
#include <utility>
#include <vector>

namespace oasis::schema::detail {

namespace {

struct Node {
  enum Kind { seq, alt, repeat, set, empty } kind = empty;
  std::vector<std::unique_ptr<Node>> children;        // seq, alt, repeat (one child)
  std::vector<std::pair<char32_t, char32_t>> ranges;  // set
  bool negated = false;
  std::size_t min = 0, max = 0;  // repeat; max == npos: unbounded
};

constexpr std::size_t npos = static_cast<std::size_t>(-1);

struct Parser {
  std::string_view p;
  std::size_t i = 0;
  bool failed = false;
  int depth = 0;

  bool done() const { return i >= p.size(); }

  std::unique_ptr<Node> make(Node::Kind k) {
    auto n = std::make_unique<Node>();
    n->kind = k;
    return n;
  }

  std::unique_ptr<Node> alternation() {
    if (++depth > 100) {
      failed = true;
      return make(Node::empty);
    }
    auto a = make(Node::alt);
    a->children.push_back(sequence());
    while (!failed && !done() && p[i] == '|') {
      ++i;
      a->children.push_back(sequence());
    }
    --depth;
    return a;
  }

  std::unique_ptr<Node> sequence() {
    auto s = make(Node::seq);
    while (!failed && !done() && p[i] != '|' && p[i] != ')') {
      auto atom_node = atom();
      if (failed) break;
      s->children.push_back(quantified(std::move(atom_node)));
    }
    return s;
  }

  bool number(std::size_t* out) {
    std::size_t start = i, v = 0;
    while (!done() && p[i] >= '0' && p[i] <= '9') {
      v = v * 10 + static_cast<std::size_t>(p[i] - '0');
      if (v > 10000) v = 10000;
      ++i;
    }
    *out = v;
    return i > start;
  }

  std::unique_ptr<Node> quantified(std::unique_ptr<Node> a) {
    while (!done()) {
      std::size_t mn, mx;
      char c = p[i];
      if (c == '*') {
        mn = 0, mx = npos, ++i;
      } else if (c == '+') {
        mn = 1, mx = npos, ++i;
      } else if (c == '?') {
        mn = 0, mx = 1, ++i;
      } else if (c == '{') {
        std::size_t save = i++;
        if (!number(&mn)) {  // a literal '{'
          i = save;
          return a;
        }
        mx = mn;
        if (!done() && p[i] == ',') {
          ++i;
          if (!number(&mx)) mx = npos;
        }
        if (done() || p[i] != '}') {
          i = save;
          return a;
        }
        ++i;
      } else {
        return a;
      }
      if (!done() && (p[i] == '?' || p[i] == '+')) ++i;  // lazy / possessive: same strings
      auto r = make(Node::repeat);
      r->min = mn;
      r->max = mx;
      r->children.push_back(std::move(a));
      a = std::move(r);
    }
    return a;
  }

  static void add_class(Node& n, char k) {
    switch (k) {
      case 'd': n.ranges.push_back({'0', '9'}); break;
      case 'w':
        n.ranges.push_back({'a', 'z'});
        n.ranges.push_back({'A', 'Z'});
        n.ranges.push_back({'0', '9'});
        n.ranges.push_back({'_', '_'});
        break;
      case 's': n.ranges.push_back({' ', ' '}); break;
      case 'D': n.ranges.push_back({'a', 'z'}); break;
      case 'W': n.ranges.push_back({'-', '-'}); break;
      case 'S': n.ranges.push_back({'a', 'z'}); break;
    }
  }

  // An escape after '\' that denotes one character; sets failed for unsupported ones.
  char32_t escaped_char() {
    char c = p[i++];
    auto hexdigits = [&](std::size_t n) -> char32_t {
      if (i + n > p.size()) {
        failed = true;
        return 0;
      }
      char32_t v = 0;
      for (std::size_t k = 0; k < n; ++k) {
        char h = p[i + k];
        int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
        if (d < 0) {
          failed = true;
          return 0;
        }
        v = v * 16 + static_cast<char32_t>(d);
      }
      i += n;
      return v;
    };
    switch (c) {
      case 'n': return '\n';
      case 'r': return '\r';
      case 't': return '\t';
      case 'f': return '\f';
      case 'v': return '\v';
      case '0': return 0;
      case 'x': return hexdigits(2);
      case 'u':
        if (!done() && p[i] == '{') {
          ++i;
          std::size_t start = i;
          while (!done() && p[i] != '}') ++i;
          if (done()) {
            failed = true;
            return 0;
          }
          std::size_t save = i;
          i = start;
          char32_t v = hexdigits(save - start);
          i = save + 1;
          return v;
        }
        return hexdigits(4);
      case 'c': failed = true; return 0;
      default:
        if (c >= '1' && c <= '9') failed = true;  // back-reference
        return static_cast<unsigned char>(c);
    }
  }

  // Reads one (possibly multi-byte UTF-8) literal character.
  char32_t literal() {
    unsigned char c = static_cast<unsigned char>(p[i]);
    std::size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    char32_t v = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    ++i;
    for (std::size_t k = 1; k < len && !done(); ++k) v = (v << 6) | (static_cast<unsigned char>(p[i++]) & 0x3F);
    return v;
  }

  std::unique_ptr<Node> char_class() {
    auto n = make(Node::set);
    if (!done() && p[i] == '^') {
      n->negated = true;
      ++i;
    }
    bool first = true;
    while (!done() && (p[i] != ']' || first)) {
      first = false;
      char32_t lo;
      if (p[i] == '\\') {
        ++i;
        if (done()) break;
        char k = p[i];
        if (k == 'd' || k == 'w' || k == 's' || k == 'D' || k == 'W' || k == 'S') {
          if (k == 'D' || k == 'W' || k == 'S') {
            if (n->negated) {  // [^\W] and the like: too clever, let the caller fall back
              failed = true;
              return n;
            }
          }
          ++i;
          add_class(*n, k);
          continue;
        }
        if (k == 'b') {  // [\b] is backspace
          ++i;
          lo = '\b';
        } else {
          lo = escaped_char();
        }
      } else {
        lo = literal();
      }
      char32_t hi = lo;
      if (i + 1 < p.size() && p[i] == '-' && p[i + 1] != ']') {
        ++i;
        if (p[i] == '\\') {
          ++i;
          if (done()) break;
          hi = escaped_char();
        } else {
          hi = literal();
        }
        if (hi < lo) std::swap(lo, hi);
      }
      n->ranges.push_back({lo, hi});
    }
    if (done()) failed = true;  // unterminated
    else ++i;                   // ']'
    return n;
  }

  std::unique_ptr<Node> atom() {
    char c = p[i];
    if (c == '(') {
      ++i;
      if (!done() && p[i] == '?') {
        ++i;
        if (!done() && p[i] == ':') {
          ++i;
        } else if (!done() && (p[i] == '<' || p[i] == 'P') && i + 1 < p.size() && p[i + 1] != '=' && p[i + 1] != '!') {
          while (!done() && p[i] != '>') ++i;  // named group
          if (!done()) ++i;
        } else {
          failed = true;  // look-around, inline flags
          return make(Node::empty);
        }
      }
      auto inner = alternation();
      if (done() || p[i] != ')') {
        failed = true;
        return inner;
      }
      ++i;
      return inner;
    }
    if (c == '[') {
      ++i;
      return char_class();
    }
    if (c == '^' || c == '$') {
      ++i;
      return make(Node::empty);
    }
    if (c == '.') {
      ++i;
      auto n = make(Node::set);
      n->ranges.push_back({'a', 'z'});
      n->ranges.push_back({'0', '9'});
      return n;
    }
    if (c == '\\') {
      ++i;
      if (done()) {
        failed = true;
        return make(Node::empty);
      }
      char k = p[i];
      if (k == 'd' || k == 'w' || k == 's' || k == 'D' || k == 'W' || k == 'S') {
        ++i;
        auto n = make(Node::set);
        add_class(*n, k);
        return n;
      }
      if (k == 'b' || k == 'B') {  // word boundaries: assume satisfied, RE2 checks afterwards
        ++i;
        return make(Node::empty);
      }
      auto n = make(Node::set);
      char32_t ch = escaped_char();
      n->ranges.push_back({ch, ch});
      return n;
    }
    auto n = make(Node::set);
    char32_t ch = literal();
    n->ranges.push_back({ch, ch});
    return n;
  }
};

void put_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

bool in_set(const Node& n, char32_t c) {
  for (auto [lo, hi] : n.ranges)
    if (c >= lo && c <= hi) return true;
  return false;
}

void emit(const Node& n, Rng& rng, std::size_t stretch, std::string& out, bool& failed) {
  if (failed || out.size() > 100000) {
    failed = true;
    return;
  }
  switch (n.kind) {
    case Node::empty: return;
    case Node::seq:
      for (const auto& c : n.children) emit(*c, rng, stretch, out, failed);
      return;
    case Node::alt:
      if (!n.children.empty()) emit(*n.children[rng.below(n.children.size())], rng, stretch, out, failed);
      return;
    case Node::repeat: {
      std::size_t hi = n.max == npos ? n.min + stretch : std::min(n.max, n.min + stretch);
      std::size_t count = n.min + rng.below(hi - n.min + 1);
      for (std::size_t k = 0; k < count; ++k) emit(*n.children[0], rng, stretch, out, failed);
      return;
    }
    case Node::set: {
      if (!n.negated) {
        if (n.ranges.empty()) {
          failed = true;
          return;
        }
        // prefer printable ASCII members so examples stay readable
        auto [lo, hi] = n.ranges[rng.below(n.ranges.size())];
        char32_t c = lo + static_cast<char32_t>(rng.below(static_cast<std::uint64_t>(hi - lo) + 1));
        put_utf8(out, c);
        return;
      }
      static constexpr std::string_view kPreferred =
          "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_.:@";
      std::size_t start = rng.below(kPreferred.size());
      for (std::size_t k = 0; k < kPreferred.size(); ++k) {
        char c = kPreferred[(start + k) % kPreferred.size()];
        if (!in_set(n, static_cast<unsigned char>(c))) {
          out += c;
          return;
        }
      }
      failed = true;
      return;
    }
  }
}

}  // namespace

std::optional<std::string> string_from_pattern(std::string_view pattern, Rng& rng, std::size_t stretch) {
  Parser parser{pattern};
  auto root = parser.alternation();
  if (parser.failed || !parser.done()) return std::nullopt;
  std::string out;
  bool failed = false;
  emit(*root, rng, stretch, out, failed);
  if (failed) return std::nullopt;
  return out;
}

}  // namespace oasis::schema::detail
