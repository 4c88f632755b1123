// spec/import_proxmox.cpp — the Proxmox API viewer schema (apidata.js) as an OpenAPI 3.1 document.
//
// Reading: the file is JavaScript that holds one JSON value (`const apiSchema = [...];`); the value
// after `apiSchema =` (or, for a plain JSON file, the whole file) is parsed with Boost.JSON and
// anything after it is ignored. Then the tree is walked once: each node is a path item, each
// method of its `info` an operation, and every Proxmox schema is rewritten into JSON Schema
// 2020-12 by convert_schema (the rules are listed in include/oasis/spec/import.hpp and
// docs/import.md).
#include <oasis/spec/import.hpp>

#include <oasis/schema/schema.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <unordered_map>
#include <utility>

namespace oasis::spec {

namespace json = boost::json;

namespace {

// --- reading the JavaScript wrapper ----------------------------------------------------------------

struct Position {
  int line = 1;
  int column = 1;
};

Position position_of(std::string_view text, std::size_t offset) {
  Position p;
  offset = std::min(offset, text.size());
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++p.line;
      p.column = 1;
    } else {
      ++p.column;
    }
  }
  return p;
}

bool is_ident(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$'; }

// Skips blanks and JavaScript comments from `i`; returns the new offset.
std::size_t skip_blank(std::string_view t, std::size_t i) {
  while (i < t.size()) {
    char c = t[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      ++i;
    } else if (c == '/' && i + 1 < t.size() && t[i + 1] == '/') {
      while (i < t.size() && t[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < t.size() && t[i + 1] == '*') {
      auto end = t.find("*/", i + 2);
      i = end == std::string_view::npos ? t.size() : end + 2;
    } else {
      break;
    }
  }
  return i;
}

// Where the schema's JSON value starts: after `apiSchema =` when the file declares it, else at the
// first non-blank character when that opens a JSON array or object. npos when neither.
std::size_t find_value_start(std::string_view t) {
  for (std::size_t at = t.find("apiSchema"); at != std::string_view::npos; at = t.find("apiSchema", at + 1)) {
    if (at > 0 && is_ident(t[at - 1])) continue;
    std::size_t i = at + 9;
    if (i < t.size() && is_ident(t[i])) continue;
    i = skip_blank(t, i);
    if (i < t.size() && t[i] == '=' && (i + 1 >= t.size() || t[i + 1] != '=')) return skip_blank(t, i + 1);
  }
  std::size_t i = skip_blank(t, 0);
  if (i < t.size() && (t[i] == '[' || t[i] == '{')) return i;
  return std::string_view::npos;
}

// --- patterns ----------------------------------------------------------------------------------------

// Whether the schema compiler (RE2) takes the pattern; answers are cached per pattern.
class PatternCheck {
 public:
  bool ok(const std::string& pattern) {
    auto it = cache_.find(pattern);
    if (it != cache_.end()) return it->second;
    json::value doc = {{"type", "string"}, {"pattern", pattern}};
    schema::CompileOptions co;
    co.dialect = schema::Dialect::jsonschema2020;
    schema::Compiler c(doc, co);
    c.compile("");
    bool good = c.diagnostics().empty();
    cache_.emplace(pattern, good);
    return good;
  }

 private:
  std::unordered_map<std::string, bool> cache_;
};

// Characters that keep their meaning when escaped in a regular expression; any other escaped
// punctuation (`\@`, `\_`, `\#`) is the character itself in Perl and is written plain.
bool regex_syntax_char(char c) {
  return std::string_view("^$\\.*+?()[]{}|/-").find(c) != std::string_view::npos;
}

// --- formats -----------------------------------------------------------------------------------------

// A string format with a regular grammar: the (unanchored) expression of one value.
struct RegularFormat {
  std::string_view name;
  std::string_view expression;
};

// Grammars as Proxmox checks them (node names are host name labels, VMIDs 100..999999999, ...).
constexpr RegularFormat regular_formats[] = {
    {"pve-node", "[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"},
    {"pve-vmid", "[1-9][0-9]{2,8}"},
    {"pve-configid", "[a-zA-Z][a-zA-Z0-9_-]+"},
    {"pve-storage-id", "[a-zA-Z][a-zA-Z0-9._-]*[a-zA-Z0-9]"},
    {"pve-realm", "[A-Za-z][A-Za-z0-9._-]+"},
    {"pve-userid", "[^\\s:/]+@[A-Za-z][A-Za-z0-9._-]+"},
    {"pve-groupid", "[A-Za-z0-9._-]+"},
    {"pve-roleid", "[A-Za-z0-9._-]+"},
    {"pve-tokenid", "[^\\s:/]+@[A-Za-z][A-Za-z0-9._-]+![A-Za-z][A-Za-z0-9._-]+"},
    {"mac-addr", "[a-fA-F0-9]{2}(?::[a-fA-F0-9]{2}){5}"},
    {"pve-sdn-zone-id", "[a-z][a-z0-9]*[a-z0-9]"},
};

std::string_view regular_expression_of(std::string_view name) {
  for (const auto& f : regular_formats)
    if (f.name == name) return f.expression;
  return {};
}

// Proxmox lists ("pve-vmid-list") are values separated by commas, semicolons or blanks.
std::string list_pattern(std::string_view item) {
  std::string i = "(?:" + std::string(item) + ")";
  return "^[,;\\s]*" + i + "(?:[,;\\s]+" + i + ")*[,;\\s]*$";
}

// Formats every JSON Schema validator knows, with the meaning Proxmox gives them.
std::string_view standard_format(std::string_view name) {
  if (name == "ipv4") return "ipv4";
  if (name == "ipv6") return "ipv6";
  return {};
}

// --- the conversion ---------------------------------------------------------------------------------

bool truthy(const json::value* v) {
  if (!v) return false;
  if (v->is_bool()) return v->get_bool();
  if (v->is_int64()) return v->get_int64() != 0;
  if (v->is_uint64()) return v->get_uint64() != 0;
  if (v->is_double()) return v->get_double() != 0;
  if (v->is_string()) return !v->get_string().empty() && v->get_string() != "0";
  return false;
}

// A JSON number, or a string holding one ("0", "16777216").
std::optional<json::value> number_of(const json::value& v) {
  if (v.is_number()) return v;
  if (!v.is_string()) return std::nullopt;
  std::string_view s = v.get_string();
  if (s.empty() || s.size() > 30) return std::nullopt;
  json::error_code ec;
  json::value n = json::parse(s, ec);
  if (ec || !n.is_number()) return std::nullopt;
  return n;
}

std::string extension_name(std::string_view key) {
  std::string out = "x-proxmox-";
  for (char c : key) {
    if (std::isupper(static_cast<unsigned char>(c))) {
      out += '-';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += c == '_' ? '-' : c;
    }
  }
  return out;
}

// "net[n]" (the viewer's name for net0, net1, ...) → the property-name pattern "^net[0-9]+$".
std::optional<std::string> indexed_property_pattern(std::string_view name) {
  if (name.size() < 4 || name.substr(name.size() - 3) != "[n]") return std::nullopt;
  std::string_view stem = name.substr(0, name.size() - 3);
  if (!std::all_of(stem.begin(), stem.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; }))
    return std::nullopt;
  return "^" + std::string(stem) + "[0-9]+$";
}

struct Converter {
  std::string file;
  std::vector<Diagnostic>& diags;
  PatternCheck patterns;
  std::set<std::string> noted;  // notes said once per subject

  void note(const std::string& pointer, std::string message, const std::string& once_key = {}) {
    if (!once_key.empty() && !noted.insert(once_key).second) return;
    diags.push_back({Severity::warning, file, 0, 0, pointer, std::move(message)});
  }
  void error(const std::string& pointer, std::string message) {
    diags.push_back({Severity::error, file, 0, 0, pointer, std::move(message)});
  }

  // The Proxmox schema `in` as JSON Schema 2020-12. `ptr` is where `in` is in the input (for
  // messages). `optional` is read by the caller (it belongs to the parent's `required`).
  json::object convert_schema(const json::object& in, const std::string& ptr, int depth) {
    json::object out;
    if (depth > 64) {
      error(ptr, "schema nested deeper than 64 levels");
      return out;
    }
    std::string type;
    if (auto* t = in.if_contains("type")) {
      if (t->is_string()) {
        type = std::string(t->get_string());
      } else {
        error(ptr + "/type", "expected `type` to be a string");
        return out;
      }
    }
    bool has_pattern = false;
    // type first: readers look for it there
    if (type == "boolean") {
      out["type"] = json::array{"integer", "boolean"};
      out["minimum"] = 0;
      out["maximum"] = 1;
      out["x-proxmox-type"] = "boolean";
    } else if (type == "string" || type == "integer" || type == "number" || type == "object" || type == "array" ||
               type == "null") {
      out["type"] = type;
    } else if (type == "any" || type.empty()) {
      // no constraint
    } else {
      note(ptr + "/type", "unknown type '" + type + "' kept as `x-proxmox-type` (any value accepted)",
           "type:" + type);
      out["x-proxmox-type"] = type;
    }
    bool type_property = in.contains("type-property");
    json::array required;
    json::object properties, pattern_properties;
    for (const auto& kv : in) {
      std::string_view key = kv.key();
      const json::value& v = kv.value();
      std::string kptr = ptr + "/" + schema::escape_pointer_token(key);
      if (key == "type" || key == "optional") continue;
      if (key == "minimum" || key == "maximum" || key == "minLength" || key == "maxLength" || key == "minItems" ||
          key == "maxItems" || key == "exclusiveMinimum" || key == "exclusiveMaximum" || key == "multipleOf") {
        if (type == "boolean" && (key == "minimum" || key == "maximum")) continue;
        // Proxmox writes some bounds as strings ("0"): numbers they are
        if (auto n = number_of(v)) {
          out[key] = *n;
        } else {
          out[extension_name(key)] = v;
          note(kptr, "`" + std::string(key) + "` is not a number; kept as `" + extension_name(key) + "`");
        }
      } else if (key == "enum" && !v.is_array()) {
        out[extension_name(key)] = v;
        note(kptr, "`enum` is not an array; kept as `x-proxmox-enum`");
      } else if ((key == "enum" || key == "default") && (type == "integer" || type == "number")) {
        // Proxmox lists some numeric enums as strings (["1","2","4"]): numbers they are
        out[key] = v;
        json::value& copy = out[key];
        bool converted = false, fits = true;
        auto fix = [&](json::value& x) {
          if (x.is_number()) return;
          if (auto n = number_of(x)) {
            x = *n;
            converted = true;
          } else {
            fits = false;
          }
        };
        if (copy.is_array())
          for (auto& x : copy.get_array()) fix(x);
        else
          fix(copy);
        if (!fits) {
          out.erase(key);
          out[extension_name(key)] = v;
          note(kptr,
               "`" + std::string(key) + "` does not fit the type " + type + "; kept as `" + extension_name(key) +
                   "` (said once; the same happens wherever it recurs)",
               "misfit:" + std::string(key) + type);
        } else if (converted) {
          note(kptr,
               "`" + std::string(key) + "` written as strings for the type " + type +
                   "; read as numbers (said once; the same happens wherever it recurs)",
               "strings:" + std::string(key) + type);
        }
      } else if (key == "description" || key == "title" || key == "default" || key == "enum" ||
                 key == "uniqueItems" || key == "const") {
        out[key] = v;
      } else if (key == "pattern" && v.is_string()) {
        std::string raw(v.get_string());
        auto p = proxmox_pattern(raw);
        if (p && patterns.ok(*p)) {
          out["pattern"] = *p;
          has_pattern = true;
        } else {
          out["x-proxmox-pattern"] = raw;
          note(kptr, "pattern '" + raw + "' has no RE2/ECMA-262 equivalent; kept as `x-proxmox-pattern`");
        }
      } else if (key == "format") {
        continue;  // after the loop: it may add a pattern
      } else if (key == "properties" && v.is_object()) {
        for (const auto& p : v.get_object()) {
          std::string pptr = kptr + "/" + schema::escape_pointer_token(p.key());
          if (!p.value().is_object()) {
            error(pptr, "expected the property '" + std::string(p.key()) + "' to be a schema object");
            continue;
          }
          json::object ps = convert_schema(p.value().get_object(), pptr, depth + 1);
          bool opt = truthy(p.value().get_object().if_contains("optional"));
          if (auto pat = indexed_property_pattern(p.key())) {
            ps["x-proxmox-name"] = p.key();
            pattern_properties[*pat] = std::move(ps);
            continue;
          }
          if (!opt) required.emplace_back(p.key());
          properties[p.key()] = std::move(ps);
        }
      } else if (key == "properties") {
        error(kptr, "expected `properties` to be an object");
      } else if (key == "additionalProperties") {
        if (v.is_object())
          out["additionalProperties"] = convert_schema(v.get_object(), kptr, depth + 1);
        else
          out["additionalProperties"] = truthy(&v);
      } else if (key == "items") {
        if (v.is_object())
          out["items"] = convert_schema(v.get_object(), kptr, depth + 1);
        else
          error(kptr, "expected `items` to be a schema object");
      } else if ((key == "oneOf" || key == "anyOf" || key == "allOf") && v.is_array()) {
        json::array alts;
        for (std::size_t i = 0; i < v.get_array().size(); ++i) {
          const json::value& a = v.get_array()[i];
          std::string aptr = kptr + "/" + std::to_string(i);
          if (!a.is_object()) {
            error(aptr, "expected a schema object");
            continue;
          }
          alts.push_back(convert_schema(a.get_object(), aptr, depth + 1));
        }
        // Proxmox picks the alternative by a sibling property (`type-property`), not by shape:
        // as JSON Schema the alternatives overlap, so `oneOf` could never hold; `anyOf` does.
        out[key == "oneOf" && type_property ? "anyOf" : key] = std::move(alts);
      } else if (key == "links") {
        out["x-proxmox-links"] = v;
      } else {
        out[extension_name(key)] = v;
      }
    }
    if (!properties.empty()) out["properties"] = std::move(properties);
    if (!pattern_properties.empty()) out["patternProperties"] = std::move(pattern_properties);
    if (!required.empty()) out["required"] = std::move(required);
    if (auto* f = in.if_contains("format")) convert_format(*f, type, has_pattern, out, ptr + "/format", depth);
    return out;
  }

  void convert_format(const json::value& f, const std::string& type, bool has_pattern, json::object& out,
                      const std::string& ptr, int depth) {
    if (f.is_string()) {
      std::string name(f.get_string());
      out["x-proxmox-format"] = name;
      if (auto std_name = standard_format(name); !std_name.empty() && type == "string") {
        out["format"] = std_name;
        return;
      }
      if (type == "integer" && name == "pve-vmid") {
        if (!out.contains("minimum")) out["minimum"] = 100;
        if (!out.contains("maximum")) out["maximum"] = 999999999;
        return;
      }
      if (type != "string" || has_pattern) return;
      std::string_view expr = regular_expression_of(name);
      std::string pattern;
      if (!expr.empty()) {
        pattern = "^(?:" + std::string(expr) + ")$";
      } else if (name.size() > 5 && name.substr(name.size() - 5) == "-list") {
        std::string_view item = regular_expression_of(std::string_view(name).substr(0, name.size() - 5));
        if (!item.empty()) pattern = list_pattern(item);
      }
      if (!pattern.empty()) out["pattern"] = pattern;
      return;
    }
    if (f.is_object()) {
      convert_property_string(f.get_object(), type, has_pattern, out, ptr, depth);
      return;
    }
    error(ptr, "expected `format` to be a format name or an object of sub-keys");
  }

  // A property string: "key=value,key=value" (one key may be given bare, `default_key`). The
  // sub-keys become an object schema under `x-proxmox-property-string`; the string itself gets a
  // pattern that admits the known keys only, each with a value of its type or enum.
  void convert_property_string(const json::object& keys, const std::string& type, bool has_pattern,
                               json::object& out, const std::string& ptr, int depth) {
    json::object ps;
    ps["type"] = "object";
    json::object properties;
    std::vector<std::string> required;
    std::set<std::string> key_alias_targets;
    std::string default_key;
    std::vector<std::pair<std::string, std::string>> items;  // key, value expression
    bool plain_names = true;
    for (const auto& kv : keys) {
      std::string kptr = ptr + "/" + schema::escape_pointer_token(kv.key());
      if (!kv.value().is_object()) {
        error(kptr, "expected the sub-key '" + std::string(kv.key()) + "' to be a schema object");
        continue;
      }
      const json::object& sub = kv.value().get_object();
      properties[kv.key()] = convert_schema(sub, kptr, depth + 1);
      if (auto* ka = sub.if_contains("keyAlias"); ka && ka->is_string()) key_alias_targets.insert(std::string(ka->get_string()));
      if (!truthy(sub.if_contains("optional")) && !sub.contains("alias")) required.emplace_back(kv.key());
      if (truthy(sub.if_contains("default_key"))) default_key = std::string(kv.key());
      plain_names = plain_names && std::all_of(kv.key().begin(), kv.key().end(), [](char c) {
                      return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
                    });
    }
    json::array req;
    for (const auto& r : required)
      if (!key_alias_targets.count(r)) req.emplace_back(r);  // "virtio=MAC" sets `model` by its key
    ps["properties"] = std::move(properties);
    if (!req.empty()) ps["required"] = std::move(req);
    ps["additionalProperties"] = false;
    if (!default_key.empty()) ps["x-proxmox-default-key"] = default_key;
    if (type != "string" && !type.empty()) {
      out["x-proxmox-property-string"] = std::move(ps);
      return;
    }
    if (!out.contains("type")) out["type"] = "string";
    if (has_pattern || !plain_names || keys.empty()) {
      out["x-proxmox-property-string"] = std::move(ps);
      return;
    }
    const json::object& props = ps["properties"].get_object();
    std::string alternation, bare;
    for (const auto& kv : props) {
      const json::object* sub = &kv.value().get_object();
      if (auto* alias = sub->if_contains("x-proxmox-alias"); alias && alias->is_string())
        if (auto* target = props.if_contains(alias->get_string()); target && target->is_object()) sub = &target->get_object();
      if (!alternation.empty()) alternation += '|';
      alternation += std::string(kv.key()) + "=" + value_expression(*sub);
      if (kv.key() == default_key) {
        std::string v = value_expression(*sub);
        bare = v == generic_value ? "[^,=]+" : v;
      }
    }
    std::string item = "(?:" + alternation + (bare.empty() ? "" : "|" + bare) + ")";
    std::string pattern = "^" + item + "(?:," + item + ")*$";
    out["x-proxmox-property-string"] = std::move(ps);
    if (patterns.ok(pattern)) out["pattern"] = std::move(pattern);
  }

  static constexpr std::string_view generic_value = "(?:\"(?:[^\"\\\\]|\\\\.)*\"|[^,]*)";

  // What one sub-key's value may look like inside a property string.
  static std::string value_expression(const json::object& s) {
    if (auto* e = s.if_contains("enum"); e && e->is_array() && !e->get_array().empty()) {
      std::string alt;
      for (const auto& v : e->get_array()) {
        if (!alt.empty()) alt += '|';
        std::string text = v.is_string() ? std::string(v.get_string()) : json::serialize(v);
        for (char c : text) {
          if (std::string_view("^$\\.*+?()[]{}|/").find(c) != std::string_view::npos) alt += '\\';
          alt += c;
        }
      }
      return "(?:" + alt + ")";
    }
    if (auto* t = s.if_contains("x-proxmox-type"); t && *t == "boolean") return "(?:0|1|true|false|yes|no|on|off)";
    if (auto* t = s.if_contains("type"); t && t->is_string()) {
      if (t->get_string() == "integer") return "[+-]?[0-9]+";
      if (t->get_string() == "number") return "[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?";
    }
    return std::string(generic_value);
  }
};

// --- the tree ----------------------------------------------------------------------------------------

// The `{name}` segments of a Proxmox path; false (and an error) when braces do not pair up.
bool path_parameters(std::string_view path, std::vector<std::string>& out) {
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '}') return false;
    if (path[i] != '{') continue;
    auto end = path.find('}', i);
    if (end == std::string_view::npos || end == i + 1) return false;
    std::string_view name = path.substr(i + 1, end - i - 1);
    if (name.find('{') != std::string_view::npos || name.find('/') != std::string_view::npos) return false;
    out.emplace_back(name);
    i = end;
  }
  return true;
}

std::string operation_id(std::string_view method, std::string_view path) {
  std::string id;
  for (char c : method) id += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    if (i >= path.size()) break;
    std::size_t end = path.find('/', i);
    if (end == std::string_view::npos) end = path.size();
    std::string_view seg = path.substr(i, end - i);
    id += '_';
    for (char c : seg) {
      if (c == '{' || c == '}') continue;
      id += std::isalnum(static_cast<unsigned char>(c)) || c == '-' ? c : '_';
    }
    i = end;
  }
  return id;
}

std::string first_segment(std::string_view path) {
  std::size_t b = path.find_first_not_of('/');
  if (b == std::string_view::npos) return "root";
  std::size_t e = path.find('/', b);
  std::string_view seg = path.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b);
  if (!seg.empty() && seg.front() == '{') return "root";
  return std::string(seg);
}

const char* const known_methods[] = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"};

struct Builder {
  Converter conv;
  const ImportOptions& opts;
  json::object paths;
  json::object schemas;
  std::map<std::string, std::string> tags;  // name → the text of its node
  std::set<std::string> operation_ids;
  std::size_t path_count = 0, operation_count = 0;

  void node(const json::value& v, const std::string& ptr, int depth) {
    if (depth > 64) {
      conv.error(ptr, "the path tree is nested deeper than 64 levels");
      return;
    }
    if (!v.is_object()) {
      conv.error(ptr, "expected a node object ({\"path\": ..., \"info\": ..., \"children\": [...]})");
      return;
    }
    const json::object& n = v.get_object();
    const json::value* path_v = n.if_contains("path");
    if (!path_v || !path_v->is_string() || path_v->get_string().empty() || path_v->get_string()[0] != '/') {
      conv.error(ptr + "/path", "expected `path`, a string beginning with '/'");
      return;
    }
    std::string path(path_v->get_string());
    ++path_count;
    std::vector<std::string> params;
    if (!path_parameters(path, params)) {
      conv.error(ptr + "/path", "the path '" + path + "' has unbalanced or empty {parameter} braces");
      return;
    }
    if (paths.contains(path)) {
      conv.error(ptr + "/path", "the path '" + path + "' appears twice in the tree");
      return;
    }
    json::object item;
    if (auto* text = n.if_contains("text"); text && text->is_string()) item["x-proxmox-text"] = *text;
    std::string tag = first_segment(path);
    if (auto* text = n.if_contains("text"); depth == 0 && text && text->is_string())
      tags[tag] = std::string(text->get_string());
    else
      tags.try_emplace(tag);
    if (auto* info = n.if_contains("info")) {
      if (!info->is_object()) {
        conv.error(ptr + "/info", "expected `info` to be an object of methods");
      } else {
        for (const auto& m : info->get_object()) {
          std::string mptr = ptr + "/info/" + schema::escape_pointer_token(m.key());
          std::string method(m.key());
          std::string upper = method;
          for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
          if (std::find(std::begin(known_methods), std::end(known_methods), upper) == std::end(known_methods)) {
            conv.error(mptr, "expected an HTTP method (GET, POST, PUT, DELETE), got '" + method + "'");
            continue;
          }
          if (!m.value().is_object()) {
            conv.error(mptr, "expected the method description to be an object");
            continue;
          }
          ++operation_count;
          std::string lower = upper;
          for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          item[lower] = operation(m.value().get_object(), upper, path, params, tag, mptr);
        }
      }
    }
    paths[path] = std::move(item);
    if (auto* children = n.if_contains("children")) {
      if (!children->is_array()) {
        conv.error(ptr + "/children", "expected `children` to be an array of nodes");
        return;
      }
      const json::array& a = children->get_array();
      for (std::size_t i = 0; i < a.size(); ++i) node(a[i], ptr + "/children/" + std::to_string(i), depth + 1);
    }
  }

  json::object operation(const json::object& m, const std::string& method, const std::string& path,
                         const std::vector<std::string>& path_params, const std::string& tag, const std::string& ptr) {
    json::object op;
    std::string id = operation_id(method, path);
    if (!operation_ids.insert(id).second) {
      std::string base = id;
      for (int k = 2; !operation_ids.insert(id = base + "_" + std::to_string(k)).second; ++k) {}
      conv.note(ptr, "operationId '" + base + "' is taken; this operation is '" + id + "'");
    }
    op["operationId"] = id;
    if (auto* d = m.if_contains("description"); d && d->is_string()) {
      std::string_view text = d->get_string();
      std::string_view first = text.substr(0, text.find('\n'));
      if (first.size() > 120) {  // cut on a character boundary, never inside a UTF-8 sequence
        std::size_t cut = 120;
        while (cut > 0 && (static_cast<unsigned char>(first[cut]) & 0xC0) == 0x80) --cut;
        first = first.substr(0, cut);
      }
      if (!first.empty()) op["summary"] = first;
      op["description"] = text;
    }
    op["tags"] = json::array{json::value(tag)};

    // parameters
    const json::object* props = nullptr;
    const json::object* params_obj = nullptr;
    if (auto* p = m.if_contains("parameters")) {
      if (!p->is_object()) {
        conv.error(ptr + "/parameters", "expected `parameters` to be an object schema");
      } else {
        params_obj = &p->get_object();
        if (auto* pr = params_obj->if_contains("properties")) {
          if (pr->is_object())
            props = &pr->get_object();
          else
            conv.error(ptr + "/parameters/properties", "expected `properties` to be an object");
        }
      }
    }
    json::array parameters;
    for (const auto& name : path_params) {
      json::object param{{"name", name}, {"in", "path"}, {"required", true}};
      const json::value* ps = props ? props->if_contains(name) : nullptr;
      if (ps && ps->is_object()) {
        json::object s = conv.convert_schema(ps->get_object(), ptr + "/parameters/properties/" + schema::escape_pointer_token(name), 0);
        if (auto* d = s.if_contains("description")) {
          param["description"] = *d;
          s.erase("description");
        }
        param["schema"] = std::move(s);
      } else {
        param["schema"] = json::object{{"type", "string"}};
        conv.note(ptr + "/parameters", "the path parameter '" + name + "' is not among the method's parameters; typed as a string");
      }
      parameters.push_back(std::move(param));
    }
    bool in_query = method == "GET" || method == "HEAD" || (method == "DELETE" && opts.delete_parameters_in_query);
    json::object body_props, body_pattern_props;
    json::array body_required;
    if (props) {
      for (const auto& kv : *props) {
        if (std::find(path_params.begin(), path_params.end(), kv.key()) != path_params.end()) continue;
        std::string pptr = ptr + "/parameters/properties/" + schema::escape_pointer_token(kv.key());
        if (!kv.value().is_object()) {
          conv.error(pptr, "expected the parameter '" + std::string(kv.key()) + "' to be a schema object");
          continue;
        }
        json::object s = conv.convert_schema(kv.value().get_object(), pptr, 0);
        bool required = !truthy(kv.value().get_object().if_contains("optional"));
        if (in_query) {
          json::object param{{"name", kv.key()}, {"in", "query"}};
          if (required) param["required"] = true;
          if (auto* d = s.if_contains("description")) {
            param["description"] = *d;
            s.erase("description");
          }
          if (indexed_property_pattern(kv.key()))
            conv.note(pptr, "the indexed parameter '" + std::string(kv.key()) + "' is kept under its viewer name");
          param["schema"] = std::move(s);
          parameters.push_back(std::move(param));
        } else if (auto pat = indexed_property_pattern(kv.key())) {
          s["x-proxmox-name"] = kv.key();
          body_pattern_props[*pat] = std::move(s);
        } else {
          if (required) body_required.emplace_back(kv.key());
          body_props[kv.key()] = std::move(s);
        }
      }
    }
    if (!parameters.empty()) op["parameters"] = std::move(parameters);
    if (!in_query && (!body_props.empty() || !body_pattern_props.empty())) {
      json::object body{{"type", "object"}};
      bool any_required = !body_required.empty();
      if (!body_props.empty()) body["properties"] = std::move(body_props);
      if (!body_pattern_props.empty()) body["patternProperties"] = std::move(body_pattern_props);
      if (any_required) body["required"] = std::move(body_required);
      const json::value* ap = params_obj ? params_obj->if_contains("additionalProperties") : nullptr;
      if (ap && ap->is_object())
        body["additionalProperties"] = conv.convert_schema(ap->get_object(), ptr + "/parameters/additionalProperties", 0);
      else
        body["additionalProperties"] = ap ? truthy(ap) : true;
      std::string name = id + "_body";
      schemas[name] = std::move(body);
      json::object ref{{"$ref", "#/components/schemas/" + name}};
      json::object content;
      content["application/x-www-form-urlencoded"] = json::object{{"schema", ref}};
      content["application/json"] = json::object{{"schema", ref}};
      op["requestBody"] = json::object{{"required", any_required}, {"content", std::move(content)}};
    }

    // the response: `returns` inside Proxmox's {"data": ...} envelope
    json::object data;
    if (auto* r = m.if_contains("returns")) {
      if (r->is_object())
        data = conv.convert_schema(r->get_object(), ptr + "/returns", 0);
      else
        conv.error(ptr + "/returns", "expected `returns` to be a schema object");
    }
    json::object envelope{{"type", "object"},
                          {"required", json::array{"data"}},
                          {"properties", json::object{{"data", std::move(data)}}}};
    json::object ok{{"description", "success: the result in Proxmox's {\"data\": ...} envelope"},
                    {"content", json::object{{"application/json", json::object{{"schema", std::move(envelope)}}}}}};
    op["responses"] = json::object{{"200", std::move(ok)}};

    for (const auto& kv : m) {
      std::string_view key = kv.key();
      if (key == "description" || key == "parameters" || key == "returns" || key == "method") continue;
      if (key == "protected" || key == "allowtoken" || key == "expose_credentials" || key == "download_allowed")
        op[extension_name(key)] = truthy(&kv.value());
      else
        op[extension_name(key)] = kv.value();  // permissions, proxyto, name, ...
    }
    return op;
  }
};

bool looks_like_backup_server(const json::array& roots) {
  for (const auto& r : roots) {
    const json::object* o = r.if_object();
    const json::value* p = o ? o->if_contains("path") : nullptr;
    if (p && p->is_string() && (p->get_string() == "/admin" || p->get_string() == "/tape" || p->get_string() == "/ping"))
      return true;
  }
  return false;
}

void pretty(const json::value& v, std::string& out, int indent) {
  auto newline = [&](int n) {
    out += '\n';
    out.append(static_cast<std::size_t>(n) * 2, ' ');
  };
  if (v.is_object()) {
    const auto& o = v.get_object();
    if (o.empty()) {
      out += "{}";
      return;
    }
    out += '{';
    bool first = true;
    for (const auto& kv : o) {
      if (!first) out += ',';
      first = false;
      newline(indent + 1);
      out += json::serialize(json::string_view(kv.key()));
      out += ": ";
      pretty(kv.value(), out, indent + 1);
    }
    newline(indent);
    out += '}';
  } else if (v.is_array()) {
    const auto& a = v.get_array();
    if (a.empty()) {
      out += "[]";
      return;
    }
    bool scalars = std::all_of(a.begin(), a.end(), [](const json::value& x) { return !x.is_structured(); });
    if (scalars) {  // short lists of names and numbers stay on one line
      out += json::serialize(v);
      return;
    }
    out += '[';
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (i) out += ',';
      newline(indent + 1);
      pretty(a[i], out, indent + 1);
    }
    newline(indent);
    out += ']';
  } else {
    out += json::serialize(v);
  }
}

}  // namespace

std::optional<std::string> proxmox_pattern(std::string_view p) {
  std::string out = "^(?:";
  std::size_t i = 0;
  bool in_class = false;
  while (i < p.size()) {
    char c = p[i];
    if (c == '\\') {
      if (i + 1 >= p.size()) return std::nullopt;
      char n = p[i + 1];
      if (n == '0' && (i + 2 >= p.size() || !std::isdigit(static_cast<unsigned char>(p[i + 2])))) {
        out += "\\x00";
      } else if (std::ispunct(static_cast<unsigned char>(n)) && !regex_syntax_char(n)) {
        out += n;  // `\@`, `\_`: the character itself
      } else if (n == 'A' || n == 'z' || n == 'Z' || n == 'G' || n == 'Q' || n == 'E' || n == 'K') {
        return std::nullopt;  // Perl-only escapes
      } else {
        out += c;
        out += n;
      }
      i += 2;
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      out += c;
      ++i;
      continue;
    }
    if (c == '[') {
      in_class = true;
      out += c;
      ++i;
      if (i < p.size() && p[i] == '^') out += p[i++];
      if (i < p.size() && p[i] == ']') out += p[i++];  // a literal ']' first in the class
      continue;
    }
    if (c == '(' && i + 1 < p.size() && p[i + 1] == '?') {
      // (?^flags:  — Perl's stringified qr//; (?>  — atomic group (matches the same strings here)
      std::size_t j = i + 2;
      if (j < p.size() && p[j] == '>') {
        out += "(?:";
        i = j + 1;
        continue;
      }
      if (j < p.size() && p[j] == '^') {
        ++j;
        std::string flags;
        while (j < p.size() && std::isalpha(static_cast<unsigned char>(p[j]))) flags += p[j++];
        if (j >= p.size() || p[j] != ':') return std::nullopt;
        for (char f : flags)
          if (f != 'i' && f != 'u') return std::nullopt;
        out += flags.find('i') != std::string::npos ? "(?i:" : "(?:";
        i = j + 1;
        continue;
      }
      if (j < p.size() && (p[j] == ':' || p[j] == '=' || p[j] == '!')) {
        if (p[j] != ':') return std::nullopt;  // lookarounds: RE2 has none
        out += "(?:";
        i = j + 1;
        continue;
      }
      return std::nullopt;
    }
    if (c == '{' && i + 1 < p.size() && std::isdigit(static_cast<unsigned char>(p[i + 1]))) {
      // `{m,n}` with n past RE2's limit of 1000 repeats becomes `{m,}`: a little looser, never stricter
      std::size_t j = i + 1;
      while (j < p.size() && std::isdigit(static_cast<unsigned char>(p[j]))) ++j;
      std::string_view lo = p.substr(i + 1, j - i - 1);
      if (j < p.size() && p[j] == ',') {
        std::size_t k = j + 1;
        while (k < p.size() && std::isdigit(static_cast<unsigned char>(p[k]))) ++k;
        std::string_view hi = p.substr(j + 1, k - j - 1);
        if (k < p.size() && p[k] == '}' && (hi.size() > 4 || (!hi.empty() && std::stoi(std::string(hi)) > 1000))) {
          if (lo.size() > 3 || std::stoi(std::string(lo)) > 1000) return std::nullopt;
          out += "{";
          out.append(lo);
          out += ",}";
          i = k + 1;
          continue;
        }
      }
    }
    if (c == '{' && i + 1 < p.size() && p[i + 1] == ',') {
      // `{,n}`: Perl reads it as {0,n}
      std::size_t j = i + 2;
      while (j < p.size() && std::isdigit(static_cast<unsigned char>(p[j]))) ++j;
      if (j > i + 2 && j < p.size() && p[j] == '}') {
        out += "{0,";
        out.append(p.substr(i + 2, j - i - 2));
        out += '}';
        i = j + 1;
        continue;
      }
    }
    out += c;
    ++i;
  }
  if (in_class) return std::nullopt;
  out += ")$";
  return out;
}

std::string to_pretty_json(const json::value& v) {
  std::string out;
  pretty(v, out, 0);
  out += '\n';
  return out;
}

ImportResult import_proxmox(std::string_view text, const ImportOptions& opts) {
  ImportResult result;
  auto fail = [&](std::size_t offset, std::string message) {
    Position p = position_of(text, offset);
    result.diagnostics.push_back({Severity::error, opts.source_name, p.line, p.column, "", std::move(message)});
    return std::move(result);
  };
  if (text.size() > opts.max_bytes)
    return fail(0, "the file has " + std::to_string(text.size()) + " bytes, more than the limit of " +
                       std::to_string(opts.max_bytes));
  std::size_t start = find_value_start(text);
  if (start == std::string_view::npos)
    return fail(0, "expected the Proxmox API viewer schema: `const apiSchema = [ ... ];` or a JSON array of nodes");
  if (start >= text.size() || (text[start] != '[' && text[start] != '{'))
    return fail(start, "expected `[` (the array of API nodes) after `apiSchema =`");

  json::parse_options po;
  po.max_depth = opts.max_depth;
  po.allow_comments = true;
  po.allow_trailing_commas = true;
  json::parser parser({}, po);
  json::error_code ec;
  std::size_t used = parser.write_some(text.data() + start, text.size() - start, ec);
  if (ec == json::error::incomplete)
    return fail(text.size(), "unexpected end of file: the apiSchema value is not closed (a missing `]` or `}`)");
  if (ec) {
    std::string what = ec == json::error::too_deep ? "nested deeper than " + std::to_string(opts.max_depth) + " levels"
                                                   : ec.message();
    return fail(start + used, "invalid JSON in the apiSchema value: " + what);
  }
  json::value root = parser.release();
  // After the value: an optional `;`, then anything (other statements are ignored).
  std::size_t after = skip_blank(text, start + used);
  if (after < text.size() && text[after] != ';' && text[after] != '\n') {
    // other JavaScript may follow; only a stray JSON-looking continuation is suspicious
    if (text[after] == ',' || text[after] == ']' || text[after] == '}')
      return fail(after, std::string("expected `;` or the end of the file after the apiSchema value, found '") +
                             text[after] + "'");
  }

  json::array roots;
  if (root.is_array())
    roots = std::move(root.get_array());
  else if (root.is_object())
    roots.push_back(std::move(root));
  else
    return fail(start, "expected the apiSchema value to be an array of nodes");

  Builder b{Converter{opts.source_name, result.diagnostics, {}, {}}, opts, {}, {}, {}, {}, 0, 0};
  for (std::size_t i = 0; i < roots.size(); ++i) b.node(roots[i], "/" + std::to_string(i), 0);
  result.paths = b.path_count;
  result.operations = b.operation_count;
  if (std::any_of(result.diagnostics.begin(), result.diagnostics.end(), [](const Diagnostic& d) { return d.error(); }))
    return result;

  bool pbs = looks_like_backup_server(roots);
  std::string title = !opts.title.empty() ? opts.title : pbs ? "Proxmox Backup Server API" : "Proxmox VE API";
  std::string product = pbs ? "PBS" : "PVE";

  json::object doc;
  doc["openapi"] = "3.1.0";
  doc["info"] = json::object{
      {"title", title},
      {"version", opts.version},
      {"description", "Converted by `oasis import proxmox` from the API viewer schema" +
                          (opts.source_name.empty() ? std::string() : " " + opts.source_name) +
                          ". Responses are wrapped in {\"data\": ...}; booleans are 0/1 (true/false also accepted)."}};
  doc["servers"] = json::array{json::object{{"url", opts.server_url}}};
  json::array tags;
  for (const auto& [name, text_] : b.tags) {
    json::object t{{"name", name}};
    if (!text_.empty() && text_ != name) t["description"] = text_;
    tags.push_back(std::move(t));
  }
  doc["tags"] = std::move(tags);
  doc["paths"] = std::move(b.paths);
  json::object security_schemes;
  security_schemes["ticket"] = json::object{
      {"type", "apiKey"}, {"in", "cookie"}, {"name", product + "AuthCookie"},
      {"description", "The ticket from POST /access/ticket; writes also send the CSRFPreventionToken header"}};
  security_schemes["csrf"] = json::object{{"type", "apiKey"}, {"in", "header"}, {"name", "CSRFPreventionToken"}};
  security_schemes["token"] = json::object{
      {"type", "apiKey"}, {"in", "header"}, {"name", "Authorization"},
      {"description", product + "APIToken=USER@REALM!TOKENID" + (pbs ? std::string(":") : std::string("=")) + "SECRET"}};
  doc["components"] = json::object{{"schemas", std::move(b.schemas)}, {"securitySchemes", std::move(security_schemes)}};
  result.document = json::value(std::move(doc));
  return result;
}

}  // namespace oasis::spec
