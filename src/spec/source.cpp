// spec/source.cpp — parsing a file as JSON or YAML, and finding where a pointer is in it.
#include "source.hpp"

#include <oasis/schema/schema.hpp>

#include <boost/json/parser.hpp>
#include <boost/json/stream_parser.hpp>

#include <algorithm>
#include <array>
#include <cstring>
#include <charconv>
#include <cmath>
#include <limits>
#include <new>
#include <unordered_map>
#include <unordered_set>

namespace json = boost::json;

namespace oasis::spec::detail {

// --- pointers ----------------------------------------------------------------------------------

// RFC 6901 escaping is the schema module's (schema::escape_pointer_token and its inverse).
std::string escape_token(std::string_view token) { return schema::escape_pointer_token(token); }

void append_token(std::string& pointer, std::string_view token) {
  pointer += '/';
  pointer += schema::escape_pointer_token(token);
}

std::vector<std::string> split_pointer(std::string_view pointer) {
  std::vector<std::string> out;
  if (pointer.empty()) return out;
  std::size_t i = pointer[0] == '/' ? 1 : 0;
  while (true) {
    std::size_t j = pointer.find('/', i);
    out.push_back(schema::unescape_pointer_token(pointer.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i)));
    if (j == std::string_view::npos) break;
    i = j + 1;
  }
  return out;
}

template <class V>
static V* find_pointer_impl(V& root, std::string_view pointer) {
  if (pointer.empty()) return &root;
  if (pointer[0] != '/') return nullptr;
  V* cur = &root;
  std::size_t i = 1;
  std::string token;
  while (cur) {
    std::size_t j = pointer.find('/', i);
    std::string_view raw = pointer.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i);
    token.clear();
    for (std::size_t k = 0; k < raw.size(); ++k) {
      if (raw[k] == '~' && k + 1 < raw.size() && (raw[k + 1] == '0' || raw[k + 1] == '1')) {
        token += raw[k + 1] == '0' ? '~' : '/';
        ++k;
      } else {
        token += raw[k];
      }
    }
    if (cur->is_object()) {
      auto& obj = cur->as_object();
      auto it = obj.find(token);
      cur = it == obj.end() ? nullptr : &it->value();
    } else if (cur->is_array()) {
      auto& arr = cur->as_array();
      std::size_t idx = 0;
      auto [p, ec] = std::from_chars(token.data(), token.data() + token.size(), idx);
      if (ec != std::errc{} || p != token.data() + token.size() || token.empty() || idx >= arr.size())
        cur = nullptr;
      else
        cur = &arr[idx];
    } else {
      cur = nullptr;
    }
    if (j == std::string_view::npos) break;
    i = j + 1;
  }
  return cur;
}

const json::value* find_pointer(const json::value& root, std::string_view pointer) {
  return find_pointer_impl<const json::value>(root, pointer);
}
json::value* find_pointer(json::value& root, std::string_view pointer) {
  return find_pointer_impl<json::value>(root, pointer);
}

LineCol line_col_at(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  LineCol lc{1, 1};
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset; ++i)
    if (text[i] == '\n') {
      ++lc.line;
      line_start = i + 1;
    }
  lc.column = static_cast<int>(offset - line_start) + 1;
  return lc;
}

// Takes `v` as the file's tree without copying it. Assigning would copy: an assigned json::value
// keeps its own (default) storage, so a tree parsed into the load's arena would be copied node by
// node onto the heap, and for a moment the document would be in memory twice.
static void adopt(json::value& root, json::value&& v) noexcept {
  root.~value();
  ::new (&root) json::value(std::move(v));
}

// --- JSON --------------------------------------------------------------------------------------

static bool parse_json(SourceFile& f, json::storage_ptr sp, std::size_t max_depth, ParseError& err) {
  json::parse_options po;
  po.max_depth = max_depth;
  json::stream_parser p(json::storage_ptr(), po);
  p.reset(sp);
  json::error_code ec;
  std::size_t n = p.write(f.text.data(), f.text.size(), ec);
  if (!ec) p.finish(ec);
  if (ec) {
    std::size_t at = n;
    err.message = "invalid JSON: " + ec.message();
    if (ec == json::error::too_deep) err.message = "invalid JSON: nesting deeper than " + std::to_string(max_depth);
    err.where = line_col_at(f.text, at);
    return false;
  }
  adopt(f.root, p.release());
  return true;
}

// --- YAML --------------------------------------------------------------------------------------

namespace {

bool is_digits(std::string_view s, bool hex = false) {
  if (s.empty()) return false;
  for (char c : s)
    if (!(c >= '0' && c <= '9') && !(hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))) return false;
  return true;
}

// YAML 1.2 core schema resolution of a plain scalar.
json::value resolve_plain(const std::string& s, json::storage_ptr sp) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return json::value(nullptr, sp);
  if (s == "true" || s == "True" || s == "TRUE") return json::value(true, sp);
  if (s == "false" || s == "False" || s == "FALSE") return json::value(false, sp);
  std::string_view v = s;
  bool neg = false;
  std::string_view body = v;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  if (is_digits(body)) {
    if (!neg) {
      std::uint64_t u = 0;
      auto [p, ec] = std::from_chars(body.data(), body.data() + body.size(), u);
      if (ec == std::errc{} && p == body.data() + body.size()) {
        if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
          return json::value(static_cast<std::int64_t>(u), sp);
        return json::value(u, sp);
      }
    } else {
      std::int64_t i = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), i);
      if (ec == std::errc{} && p == v.data() + v.size()) return json::value(i, sp);
    }
    // too large for 64 bits: a double
    double d = 0;
    auto [p, ec] = std::from_chars(v.data() + (v[0] == '+'), v.data() + v.size(), d);
    if (ec == std::errc{}) return json::value(d, sp);
    return json::value(s, sp);
  }
  if (v.size() > 2 && v[0] == '0' && v[1] == 'x' && is_digits(v.substr(2), true)) {
    std::uint64_t u = 0;
    auto [p, ec] = std::from_chars(v.data() + 2, v.data() + v.size(), u, 16);
    if (ec == std::errc{} && u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return json::value(static_cast<std::int64_t>(u), sp);
    return json::value(s, sp);
  }
  if (v.size() > 2 && v[0] == '0' && v[1] == 'o') {
    std::uint64_t u = 0;
    auto [p, ec] = std::from_chars(v.data() + 2, v.data() + v.size(), u, 8);
    if (ec == std::errc{} && p == v.data() + v.size() && u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return json::value(static_cast<std::int64_t>(u), sp);
    return json::value(s, sp);
  }
  if (body == ".inf" || body == ".Inf" || body == ".INF")
    return json::value(neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity(), sp);
  if (v == ".nan" || v == ".NaN" || v == ".NAN") return json::value(std::numeric_limits<double>::quiet_NaN(), sp);
  // float: [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
  {
    std::size_t i = 0;
    std::string_view b = body;
    std::size_t int_digits = 0, frac_digits = 0;
    while (i < b.size() && b[i] >= '0' && b[i] <= '9') ++i, ++int_digits;
    bool dot = false;
    if (i < b.size() && b[i] == '.') {
      dot = true;
      ++i;
      while (i < b.size() && b[i] >= '0' && b[i] <= '9') ++i, ++frac_digits;
    }
    bool ok = (int_digits > 0 || frac_digits > 0);
    if (ok && i < b.size() && (b[i] == 'e' || b[i] == 'E')) {
      ++i;
      if (i < b.size() && (b[i] == '+' || b[i] == '-')) ++i;
      std::size_t exp_digits = 0;
      while (i < b.size() && b[i] >= '0' && b[i] <= '9') ++i, ++exp_digits;
      ok = exp_digits > 0;
    } else if (!dot) {
      ok = false;  // digits only were handled above
    }
    if (ok && i == b.size()) {
      double d = 0;
      std::string tmp(b);
      if (!tmp.empty() && tmp[0] == '.') tmp.insert(tmp.begin(), '0');
      auto [p, ec] = std::from_chars(tmp.data(), tmp.data() + tmp.size(), d);
      if (ec == std::errc{} || ec == std::errc::result_out_of_range) return json::value(neg ? -d : d, sp);
    }
  }
  return json::value(s, sp);
}

struct YamlConverter {
  json::storage_ptr sp;
  std::size_t max_depth;
  std::size_t budget;  // nodes left: aliases can multiply a small text into a huge tree
  std::string error;
  YAML::Mark error_mark;

  bool fail(const YAML::Node& n, std::string msg) {
    if (error.empty()) {
      error = std::move(msg);
      error_mark = n.Mark();
    }
    return false;
  }

  bool convert(const YAML::Node& n, json::value& out, std::size_t depth) {
    if (depth > max_depth) return fail(n, "nesting deeper than " + std::to_string(max_depth));
    if (budget == 0) return fail(n, "document expands to too many nodes (alias expansion?)");
    --budget;
    switch (n.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        out = nullptr;
        return true;
      case YAML::NodeType::Scalar: {
        const std::string& tag = n.Tag();
        const std::string& s = n.Scalar();
        if (tag == "!" || tag == "tag:yaml.org,2002:str" || tag == "!!str") {
          out = json::string(s, sp);
        } else if (tag == "?" || tag.empty()) {
          out = resolve_plain(s, sp);
        } else {
          // an explicit tag: resolve the text as plain, typed tags are honoured by the resolution
          out = resolve_plain(s, sp);
          if (tag == "tag:yaml.org,2002:binary") out = json::string(s, sp);
        }
        return true;
      }
      case YAML::NodeType::Sequence: {
        json::array& arr = out.emplace_array();
        arr.reserve(n.size());
        for (const auto& item : n) {
          arr.emplace_back(nullptr);
          if (!convert(item, arr.back(), depth + 1)) return false;
        }
        return true;
      }
      case YAML::NodeType::Map: {
        json::object& obj = out.emplace_object();
        obj.reserve(n.size());
        std::vector<YAML::Node> keep;  // iterators yield temporaries
        for (auto it = n.begin(); it != n.end(); ++it) {
          // the iterator yields a temporary pair: hold the nodes by value (they are handles)
          const YAML::Node k = it->first;
          const YAML::Node val = it->second;
          std::string key;
          if (k.IsScalar()) {
            key = k.Scalar();
            if (key == "<<" && k.Tag() == "?") {
              keep.push_back(val);
              continue;
            }
          } else if (k.IsNull()) {
            key = "null";
          } else {
            return fail(k, "a mapping key must be a scalar (JSON object keys are strings)");
          }
          json::value v(sp);
          if (!convert(val, v, depth + 1)) return false;
          obj[key] = std::move(v);
        }
        // merge keys (<<: *base): keys already present win
        for (const YAML::Node& m : keep) {
          std::vector<YAML::Node> sources;
          if (m.IsMap())
            sources.push_back(m);
          else if (m.IsSequence())
            for (const auto& s : m) sources.push_back(s);
          for (const auto& src : sources) {
            json::value merged(sp);
            if (!convert(src, merged, depth + 1)) return false;
            if (!merged.is_object()) return fail(m, "a merge key (<<) needs a mapping");
            for (auto& kv : merged.as_object())
              if (!obj.contains(kv.key())) obj[kv.key()] = kv.value();
          }
        }
        return true;
      }
    }
    out = nullptr;
    return true;
  }
};

}  // namespace

static bool parse_yaml(SourceFile& f, json::storage_ptr sp, std::size_t max_depth, ParseError& err) {
  try {
    // YAML::Load, not LoadAll: LoadAll loops forever on some malformed streams ("[],") in
    // yaml-cpp 0.7. A second document in the file is ignored.
    f.yaml_root = YAML::Load(f.text);
  } catch (const YAML::Exception& e) {
    err.message = "invalid YAML: " + e.msg;
    if (!e.mark.is_null()) err.where = {e.mark.line + 1, e.mark.column + 1};
    return false;
  } catch (const std::exception& e) {
    err.message = std::string("invalid YAML: ") + e.what();
    return false;
  }
  YamlConverter c{sp, max_depth, f.text.size() * 2 + 100000, {}, {}};
  json::value out(sp);
  try {
    if (!c.convert(f.yaml_root, out, 0)) {
      err.message = "invalid YAML: " + c.error;
      if (!c.error_mark.is_null()) err.where = {c.error_mark.line + 1, c.error_mark.column + 1};
      return false;
    }
  } catch (const std::exception& e) {
    err.message = std::string("invalid YAML: ") + e.what();
    return false;
  }
  adopt(f.root, std::move(out));
  return true;
}

static bool looks_like_json(std::string_view path, std::string_view text) {
  auto ends = [&](std::string_view suf) {
    return path.size() >= suf.size() && path.substr(path.size() - suf.size()) == suf;
  };
  if (ends(".json")) return true;
  if (ends(".yaml") || ends(".yml")) return false;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    return c == '{' || c == '[';
  }
  return false;
}

bool SourceFile::parse(json::storage_ptr sp, std::size_t max_depth, ParseError& err) {
  // A UTF-8 byte order mark is allowed in front of either syntax.
  if (text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF &&
      static_cast<unsigned char>(text[1]) == 0xBB && static_cast<unsigned char>(text[2]) == 0xBF)
    text.erase(0, 3);
  yaml = !looks_like_json(path, text);
  return yaml ? parse_yaml(*this, std::move(sp), max_depth, err) : parse_json(*this, std::move(sp), max_depth, err);
}

// --- locating pointers -------------------------------------------------------------------------

namespace {

// A forgiving scanner over text that already parsed as JSON.
struct JsonScanner {
  std::string_view t;
  std::size_t i = 0;
  const std::unordered_set<std::string>& wanted;
  std::unordered_map<std::string, std::size_t>& found;

  void ws() {
    while (i < t.size() && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r')) ++i;
  }
  void read_string(std::string* out) {
    ++i;  // opening quote
    while (i < t.size() && t[i] != '"') {
      if (t[i] == '\\' && i + 1 < t.size()) {
        char e = t[i + 1];
        if (out) {
          switch (e) {
            case 'n': *out += '\n'; break;
            case 't': *out += '\t'; break;
            case 'r': *out += '\r'; break;
            case 'b': *out += '\b'; break;
            case 'f': *out += '\f'; break;
            case 'u': {
              unsigned cp = 0;
              if (i + 5 < t.size()) std::from_chars(t.data() + i + 2, t.data() + i + 6, cp, 16);
              if (cp < 0x80) {
                *out += static_cast<char>(cp);
              } else if (cp < 0x800) {
                *out += static_cast<char>(0xC0 | (cp >> 6));
                *out += static_cast<char>(0x80 | (cp & 0x3F));
              } else {
                *out += static_cast<char>(0xE0 | (cp >> 12));
                *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
                *out += static_cast<char>(0x80 | (cp & 0x3F));
              }
              i += 4;
              break;
            }
            default: *out += e;
          }
        }
        i += 2;
      } else {
        if (out) *out += t[i];
        ++i;
      }
    }
    if (i < t.size()) ++i;  // closing quote
  }
  // Skips a string starting at its opening quote (memchr to the next quote, then checks that
  // it is not escaped).
  void skip_string() {
    ++i;
    while (i < t.size()) {
      const void* q = std::memchr(t.data() + i, '"', t.size() - i);
      if (!q) {
        i = t.size();
        return;
      }
      std::size_t k = static_cast<std::size_t>(static_cast<const char*>(q) - t.data());
      std::size_t backslashes = 0;
      while (k > backslashes && t[k - 1 - backslashes] == '\\') ++backslashes;
      i = k + 1;
      if (backslashes % 2 == 0) return;
    }
  }
  void skip_value() {
    ws();
    if (i >= t.size()) return;
    if (t[i] == '"') {
      skip_string();
      return;
    }
    if (t[i] == '{' || t[i] == '[') {
      static const auto special = [] {
        std::array<bool, 256> a{};
        for (unsigned char c : std::string_view("\"{}[]")) a[c] = true;
        return a;
      }();
      int depth = 0;
      const std::size_t n = t.size();
      while (i < n) {
        unsigned char c = static_cast<unsigned char>(t[i]);
        if (!special[c]) {
          ++i;
          continue;
        }
        if (c == '"') {
          skip_string();
          continue;
        }
        if (c == '{' || c == '[') {
          ++depth;
        } else if (--depth == 0) {
          ++i;
          return;
        }
        ++i;
      }
      return;
    }
    while (i < t.size() && t[i] != ',' && t[i] != '}' && t[i] != ']' && t[i] != ' ' && t[i] != '\n' &&
           t[i] != '\r' && t[i] != '\t')
      ++i;
  }
  void scan(std::string& cur) {
    ws();
    if (i >= t.size()) return;
    if (!wanted.count(cur)) {
      skip_value();
      return;
    }
    found.emplace(cur, i);
    if (t[i] == '{') {
      ++i;
      while (true) {
        ws();
        if (i >= t.size()) return;
        if (t[i] == '}') {
          ++i;
          return;
        }
        if (t[i] != '"') return;
        std::string key;
        read_string(&key);
        ws();
        if (i < t.size() && t[i] == ':') ++i;
        std::size_t len = cur.size();
        append_token(cur, key);
        scan(cur);
        cur.resize(len);
        ws();
        if (i < t.size() && t[i] == ',') {
          ++i;
          continue;
        }
        if (i < t.size() && t[i] == '}') ++i;
        return;
      }
    } else if (t[i] == '[') {
      ++i;
      std::size_t index = 0;
      while (true) {
        ws();
        if (i >= t.size()) return;
        if (t[i] == ']') {
          ++i;
          return;
        }
        std::size_t len = cur.size();
        cur += '/';
        cur += std::to_string(index++);
        scan(cur);
        cur.resize(len);
        ws();
        if (i < t.size() && t[i] == ',') {
          ++i;
          continue;
        }
        if (i < t.size() && t[i] == ']') ++i;
        return;
      }
    } else {
      skip_value();
    }
  }
};

// Prefixes of a pointer, longest first: "/a/b" → "/a/b", "/a", "".
std::vector<std::string> prefixes(const std::string& p) {
  std::vector<std::string> out{p};
  std::string cur = p;
  while (!cur.empty()) {
    std::size_t slash = cur.rfind('/');
    cur.resize(slash == std::string::npos ? 0 : slash);
    out.push_back(cur);
  }
  return out;
}

}  // namespace

std::vector<LineCol> SourceFile::locate(const std::vector<std::string>& pointers) const {
  std::vector<LineCol> out(pointers.size());
  if (!yaml) {
    std::unordered_set<std::string> wanted;
    for (const auto& p : pointers)
      for (auto& pre : prefixes(p)) wanted.insert(std::move(pre));
    std::unordered_map<std::string, std::size_t> found;
    JsonScanner s{text, 0, wanted, found};
    std::string cur;
    s.scan(cur);
    // offsets → line/column in one pass over the text, in offset order
    std::vector<std::pair<std::size_t, std::size_t>> at;  // offset, index into pointers
    for (std::size_t k = 0; k < pointers.size(); ++k) {
      for (const auto& pre : prefixes(pointers[k])) {
        auto it = found.find(pre);
        if (it == found.end()) continue;
        at.emplace_back(it->second, k);
        break;
      }
    }
    std::sort(at.begin(), at.end());
    std::size_t pos = 0, line = 1, line_start = 0;
    for (const auto& [offset, k] : at) {
      while (pos < offset) {
        const void* nl = std::memchr(text.data() + pos, '\n', offset - pos);
        if (!nl) {
          pos = offset;
          break;
        }
        pos = static_cast<std::size_t>(static_cast<const char*>(nl) - text.data()) + 1;
        ++line;
        line_start = pos;
      }
      out[k] = {static_cast<int>(line), static_cast<int>(offset - line_start) + 1};
    }
    return out;
  }
  for (std::size_t k = 0; k < pointers.size(); ++k) {
    try {
      YAML::Node cur = yaml_root;
      YAML::Mark mark = cur.Mark();
      for (const auto& tok : split_pointer(pointers[k])) {
        YAML::Node next;
        bool ok = false;
        if (cur.IsMap()) {
          for (auto it = cur.begin(); it != cur.end(); ++it)
            if (it->first.IsScalar() && it->first.Scalar() == tok) {
              next.reset(it->second);
              ok = true;
              break;
            }
        } else if (cur.IsSequence()) {
          std::size_t idx = 0;
          auto [p, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), idx);
          if (ec == std::errc{} && p == tok.data() + tok.size() && idx < cur.size()) {
            const YAML::Node& seq = cur;
            next.reset(seq[idx]);
            ok = true;
          }
        }
        if (!ok) break;
        cur.reset(next);
        if (!cur.Mark().is_null()) mark = cur.Mark();
      }
      if (!mark.is_null()) out[k] = {mark.line + 1, mark.column + 1};
    } catch (const std::exception&) {
      // leave the location unknown
    }
  }
  return out;
}

}  // namespace oasis::spec::detail
