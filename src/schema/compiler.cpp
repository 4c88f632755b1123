// src/schema/compiler.cpp — reads schema JSON once and builds the typed Schema nodes.
//
// Nodes are cached by their JSON pointer in the document, so a $ref to "/components/schemas/Pet"
// and the inline walk that reaches the same place share one node. A $ref target is created as a
// placeholder first and filled from a work list, which makes recursive schemas (a ref back to an
// ancestor) and long ref chains work without deep C++ recursion.
#include "compiled.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <deque>
#include <unordered_map>
#include <unordered_set>

namespace oasis::schema {

using detail::Num;

namespace {

constexpr std::size_t kMaxInlineDepth = 200;
constexpr std::size_t kPropertyIndexThreshold = 8;

// ECMA-262 patterns mostly are RE2 patterns already. The differences that appear in real
// documents: identity escapes of word characters ("\_"), "\uXXXX" and "(?<name>".
std::string ecma_to_re2(std::string_view p) {
  std::string out;
  out.reserve(p.size() + 8);
  for (std::size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      char e = p[i + 1];
      if (e == 'u' && i + 5 < p.size()) {
        bool ok = true;
        for (std::size_t k = i + 2; k < i + 6; ++k) ok = ok && std::isxdigit(static_cast<unsigned char>(p[k]));
        if (ok) {
          out += "\\x{";
          out.append(p.substr(i + 2, 4));
          out += '}';
          i += 5;
          continue;
        }
      }
      if (e == '_' || e == '-' || e == '/' || e == '"' || e == '\'' || e == ':' || e == '@' ||
          e == '#' || e == '%' || e == '&' || e == ',' || e == ';' || e == '=' || e == '<' ||
          e == '>' || e == '!' || e == '~' || e == '`') {
        // punctuation escapes: RE2 accepts most, but not all of them; a hex escape always works
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned char>(e));
        out += buf;
        ++i;
        continue;
      }
      out += c;
      out += e;
      ++i;
      continue;
    }
    if (c == '(' && p.substr(i, 3) == "(?<" && i + 3 < p.size() && p[i + 3] != '=' && p[i + 3] != '!') {
      out += "(?P<";
      i += 2;
      continue;
    }
    out += c;
  }
  return out;
}

std::optional<std::size_t> as_count(const boost::json::value& v) {
  if (v.is_int64() && v.get_int64() >= 0) return static_cast<std::size_t>(v.get_int64());
  if (v.is_uint64()) return static_cast<std::size_t>(v.get_uint64());
  if (v.is_double() && detail::is_integer_value(v) && v.get_double() >= 0 && v.get_double() < 1e18)
    return static_cast<std::size_t>(v.get_double());
  return std::nullopt;
}

std::uint8_t type_bit(std::string_view t) {
  if (t == "null") return type_null;
  if (t == "boolean") return type_boolean;
  if (t == "object") return type_object;
  if (t == "array") return type_array;
  if (t == "number") return type_number;
  if (t == "integer") return type_integer;
  if (t == "string") return type_string;
  return 0;
}

}  // namespace

struct Compiler::Impl {
  std::shared_ptr<const boost::json::value> root;
  CompileOptions opts;
  std::vector<std::unique_ptr<Schema>> nodes;
  // Keyed by a view of the node's own Info::pointer (a node never moves: nodes holds pointers),
  // so every pointer string is stored once; open addressing, no node per entry.
  boost::unordered_flat_map<std::string_view, Schema*, detail::NameHash, detail::NameEqual> by_pointer;
  std::deque<boost::json::value> inline_values;  // deque: stable addresses
  std::vector<Diagnostic> diags;
  std::unordered_set<std::string> reported_formats;
  struct Pending {
    Schema* node;
    const boost::json::value* value;
  };
  std::vector<Pending> pending;
  std::size_t cycle_checked = 0;  // nodes[0, cycle_checked) have been checked for cycles

  void note(std::string_view pointer, std::string message, bool always_error = false) {
    diags.push_back(Diagnostic{always_error || opts.strict, std::string(pointer), std::move(message)});
  }

  Schema* new_node(std::string pointer, const boost::json::value* source) {
    nodes.push_back(std::make_unique<Schema>());
    Schema* n = nodes.back().get();
    n->info.pointer = std::move(pointer);
    n->info.source = source;
    return n;
  }

  // The node for the schema at `pointer`; created as a placeholder (filled by drain()).
  Schema* node_at(const std::string& pointer, std::string_view referrer) {
    auto it = by_pointer.find(pointer);
    if (it != by_pointer.end()) return it->second;
    const boost::json::value* v = detail::resolve_pointer(*root, pointer);
    Schema* n = new_node(pointer, v);
    by_pointer.emplace(n->info.pointer, n);
    if (!v) {
      note(referrer.empty() ? std::string_view(pointer) : referrer,
           "no schema at '#" + pointer + "' (accepting everything there)");
      return n;
    }
    pending.push_back({n, v});
    return n;
  }

  void drain() {
    while (!pending.empty()) {
      Pending p = pending.back();
      pending.pop_back();
      fill(*p.node, *p.value, 0, true);
    }
  }

  // After a compile every node it reached is filled: settle what validation looks up per
  // property (readOnly/writeOnly through $ref and allOf) once, here.
  std::size_t flags_done = 0;
  void settle_flags() {
    for (std::size_t i = flags_done; i < nodes.size(); ++i) {
      Schema& n = *nodes[i];
      n.effective_read_only = is_read_only(&n);
      n.effective_write_only = is_write_only(&n);
      settle_text(n);
    }
    // (after the loop above: a property's schema may come after its object among the new nodes)
    for (std::size_t i = flags_done; i < nodes.size(); ++i)
      for (auto& pe : nodes[i]->properties)
        pe.forbidden_in = !pe.schema ? 0
                                     : static_cast<std::uint8_t>(
                                           (pe.schema->effective_read_only ? detail::forbidden_bit(Direction::request) : 0) |
                                           (pe.schema->effective_write_only ? detail::forbidden_bit(Direction::response) : 0));
    flags_done = nodes.size();
  }

  // What the text validator would otherwise test keyword by keyword for every value.
  static void settle_text(Schema& n) {
    using namespace detail;
    constexpr std::uint32_t hard_any = has_any_of | has_one_of | has_not | has_if | has_unevaluated;
    n.text_plain = !n.pure_ref && !n.always_false && !n.nullable && !(n.has & hard_any);
    n.member_rules = !n.properties.empty() || !n.pattern_properties.empty() || n.additional_properties ||
                     n.property_names;
    n.text_whole = 0;
    n.text_frame = static_cast<std::uint8_t>((n.prefix_items.empty() ? 1 : 0) | (n.properties.size() <= 64 ? 2 : 0) |
                                             (n.pattern_properties.empty() && !n.property_names ? 4 : 0));
    if (!n.pure_ref && !n.always_false) {
      const bool whole = n.has & (hard_any | has_enum | has_const);
      if (whole || ((n.has & has_object) && (!n.dependent_required.empty() || !n.dependent_schemas.empty())))
        n.text_whole |= 1;
      if (whole || ((n.has & has_array) && (n.unique_items || n.contains))) n.text_whole |= 2;
    }
    for (auto& pe : n.properties) {
      pe.text_key.clear();
      std::fill(std::begin(pe.text_key16), std::end(pe.text_key16), '\0');
      pe.text_key16_size = 0;
      pe.text_key16_mask = 0;
      const bool plain = std::all_of(pe.name.begin(), pe.name.end(), [](char c) {
        return c >= 0x20 && c < 0x7F && c != '"' && c != '\\';
      });
      if (plain) pe.text_key = pe.name + "\":";
      if (plain && pe.text_key.size() <= sizeof pe.text_key16) {
        std::copy(pe.text_key.begin(), pe.text_key.end(), pe.text_key16);
        pe.text_key16_size = static_cast<std::uint8_t>(pe.text_key.size());
        pe.text_key16_mask = static_cast<std::uint16_t>((1u << pe.text_key.size()) - 1);
      }
    }
    n.enum_string_count = 0;
    n.enum_strings.reset();
    if (n.enum_values) {
      std::uint32_t count = 0;
      for (const auto& e : *n.enum_values) count += e.is_string();
      n.enum_strings = std::make_unique<std::string_view[]>(count ? count : 1);
      for (const auto& e : *n.enum_values)
        if (e.is_string()) n.enum_strings[n.enum_string_count++] = std::string_view(e.get_string());
    }
  }

  // A subschema that lives inline at `pointer`.
  SchemaRef sub(const boost::json::value& v, std::string pointer, std::size_t depth, bool cacheable) {
    if (cacheable) {
      auto it = by_pointer.find(pointer);
      if (it != by_pointer.end()) return it->second;  // a $ref reached it first (maybe pending)
    }
    Schema* n = new_node(pointer, &v);
    if (cacheable) by_pointer.emplace(n->info.pointer, n);
    if (depth > kMaxInlineDepth) {
      note(n->info.pointer, "schema nested deeper than 200 levels (accepting everything below)");
      return n;
    }
    fill(*n, v, depth, cacheable);
    return n;
  }

  SchemaRef ref_target(std::string_view ref, const std::string& at) {
    auto ptr = detail::ref_to_pointer(ref);
    if (!ptr) {
      note(at, "unsupported $ref '" + std::string(ref) +
                   "' (only internal '#/...' pointers; bundle the document first)");
      return nullptr;
    }
    return node_at(*ptr, at);
  }

  void fill(Schema& n, const boost::json::value& v, std::size_t depth, bool cacheable);
  void fill_numeric(Schema& n, const boost::json::object& o);
  void fill_string(Schema& n, const boost::json::object& o);
  void fill_discriminator(Schema& n, const boost::json::object& o);
  void check_cycles();
};

void Compiler::Impl::fill_numeric(Schema& n, const boost::json::object& o) {
  const std::string& at = n.info.pointer;
  auto number = [&](const char* kw) -> std::optional<Num> {
    auto it = o.find(kw);
    if (it == o.end()) return std::nullopt;
    auto x = detail::num_of(it->value());
    if (!x) note(at + "/" + kw, std::string(kw) + " must be a number (ignored)");
    return x;
  };
  if (auto m = number("multipleOf")) {
    if (m->ld() > 0)
      n.multiple_of = m;
    else
      note(at + "/multipleOf", "multipleOf must be greater than 0 (ignored)");
  }
  n.minimum = number("minimum");
  n.maximum = number("maximum");
  auto bound = [&](const char* kw, std::optional<Num>& limit, bool& exclusive, const char*& keyword,
                   bool lower) {
    auto it = o.find(kw);
    if (it == o.end()) return;
    if (it->value().is_bool()) {  // draft-4 / OpenAPI 3.0 form: modifies minimum/maximum
      exclusive = it->value().get_bool();
      if (exclusive) keyword = kw;
      return;
    }
    auto x = detail::num_of(it->value());
    if (!x) {
      note(at + "/" + kw, std::string(kw) + " must be a number or boolean (ignored)");
      return;
    }
    // 2020-12 form: its own bound; keep whichever of the two is tighter
    int c = limit ? detail::compare(*x, *limit) : 0;
    if (!limit || (lower ? c >= 0 : c <= 0)) {
      limit = x;
      exclusive = true;
      keyword = kw;
    }
  };
  bound("exclusiveMinimum", n.minimum, n.exclusive_minimum, n.minimum_keyword, true);
  bound("exclusiveMaximum", n.maximum, n.exclusive_maximum, n.maximum_keyword, false);
  if (n.minimum || n.maximum || n.multiple_of) n.has |= detail::has_numeric;
}

void Compiler::Impl::fill_string(Schema& n, const boost::json::object& o) {
  const std::string& at = n.info.pointer;
  if (auto it = o.find("minLength"); it != o.end()) {
    if (auto c = as_count(it->value())) n.min_length = *c;
    else note(at + "/minLength", "minLength must be a non-negative integer (ignored)");
  }
  if (auto it = o.find("maxLength"); it != o.end()) {
    if (auto c = as_count(it->value())) n.max_length = *c;
    else note(at + "/maxLength", "maxLength must be a non-negative integer (ignored)");
  }
  if (auto it = o.find("pattern"); it != o.end() && it->value().is_string()) {
    n.pattern_source = std::string(it->value().get_string());
    RE2::Options ro;
    ro.set_log_errors(false);
    auto re = std::make_unique<RE2>(ecma_to_re2(n.pattern_source), ro);
    if (re->ok()) {
      n.pattern = std::move(re);
      n.pattern_run = detail::char_run_of(n.pattern_source);
    } else
      note(at + "/pattern", "pattern '" + n.pattern_source + "' is not supported by RE2 (" +
                                re->error() + "); it accepts everything");
  }
  if (n.min_length > 0 || n.max_length != detail::kNoLimit || n.pattern)
    n.has |= detail::has_string;
}

void Compiler::Impl::fill_discriminator(Schema& n, const boost::json::object& o) {
  auto it = o.find("discriminator");
  if (it == o.end()) return;
  const std::string& at = n.info.pointer;
  std::string name;
  const boost::json::object* mapping = nullptr;
  if (it->value().is_string()) {  // Swagger 2.0: discriminator is the property name
    name = std::string(it->value().get_string());
  } else if (it->value().is_object()) {
    const auto& d = it->value().get_object();
    if (auto p = d.find("propertyName"); p != d.end() && p->value().is_string())
      name = std::string(p->value().get_string());
    if (auto m = d.find("mapping"); m != d.end() && m->value().is_object()) mapping = &m->value().get_object();
  }
  if (name.empty()) {
    note(at + "/discriminator", "discriminator without propertyName (ignored)");
    return;
  }
  n.discriminator_property = name;  // (Info's: one string)
  const char* base = opts.dialect == Dialect::swagger20 ? "/definitions/" : "/components/schemas/";
  if (mapping) {
    for (const auto& kv : *mapping) {
      if (!kv.value().is_string()) continue;
      std::string_view target = kv.value().get_string();
      std::string ref = target.starts_with("#") ? std::string(target)
                                                 : "#" + std::string(base) + escape_pointer_token(target);
      if (SchemaRef s = ref_target(ref, at + "/discriminator/mapping"))
        n.discriminator_map.push_back({std::string(kv.key()), s});
    }
  }
  // implicit mapping: a branch that is a $ref, and not mapped explicitly, is named by its last
  // pointer token
  const auto& branches = !n.one_of.empty() ? n.one_of : n.any_of;
  for (SchemaRef b : branches) {
    if (!b->ref) continue;
    std::string_view p = b->ref->info.pointer;
    std::string key = unescape_pointer_token(p.substr(p.rfind('/') + 1));
    bool known = false;
    for (const auto& e : n.discriminator_map) known = known || e.value == key || e.schema == b->ref;
    if (!known) n.discriminator_map.push_back({key, b->ref});
  }
}

void Compiler::Impl::fill(Schema& n, const boost::json::value& v, std::size_t depth, bool cacheable) {
  const std::string at = n.info.pointer;  // copy: nodes vector may grow below
  n.info.source = &v;
  if (v.is_bool()) {
    n.always_false = !v.get_bool();
    n.info.always_false = n.always_false;
    return;
  }
  if (!v.is_object()) {
    note(at, std::string("a schema must be an object or a boolean, not ") + detail::kind_name(v) +
                 " (accepting everything)");
    return;
  }
  const auto& o = v.get_object();
  const bool v30 = opts.dialect != Dialect::jsonschema2020;
  auto child = [&](const boost::json::value& sv, const std::string& ptr) {
    return sub(sv, ptr, depth + 1, cacheable);
  };
  auto flag = [&](const char* kw) {
    auto it = o.find(kw);
    if (it == o.end()) return false;
    if (it->value().is_bool()) return it->value().get_bool();
    if (it->value().is_number()) return detail::num_of(it->value())->ld() != 0;  // `readOnly: 1`
    return false;
  };

  n.read_only = n.info.read_only = flag("readOnly");
  n.write_only = n.info.write_only = flag("writeOnly");
  n.info.deprecated = flag("deprecated");
  if (opts.dialect == Dialect::openapi30) n.nullable = flag("nullable");
  if (opts.dialect == Dialect::swagger20) n.nullable = flag("x-nullable");

  if (auto it = o.find("$ref"); it != o.end() && it->value().is_string()) {
    n.ref = ref_target(it->value().get_string(), at + "/$ref");
    n.info.ref = n.ref;
    if (n.ref) n.has |= detail::has_ref;
    if (v30) {
      // OpenAPI 3.0 / draft-4: a $ref replaces its siblings. nullable, readOnly and writeOnly
      // next to a $ref are kept anyway: documents write them there meaning them.
      n.pure_ref = n.ref != nullptr;  // an unresolvable $ref accepts everything (noted above)
      n.ref_only = n.pure_ref && !n.nullable && !n.read_only && !n.write_only;
      n.info.nullable = n.nullable;
      n.info.types = n.nullable ? type_null : type_any;
      return;
    }
  }

  // --- type
  if (auto it = o.find("type"); it != o.end()) {
    bool unknown = false;
    std::uint8_t mask = 0;
    auto add = [&](const boost::json::value& t) {
      std::uint8_t b = t.is_string() ? type_bit(t.get_string()) : 0;
      if (!b) unknown = true;
      mask |= b;
    };
    if (it->value().is_array()) {
      for (const auto& t : it->value().get_array()) add(t);
    } else {
      add(it->value());
    }
    if (unknown) {
      // "file" (Swagger 2.0), "any" and friends: no constraint
      if (!(it->value().is_string() && it->value().get_string() == "file"))
        note(at + "/type", "unknown type " + boost::json::serialize(it->value()) + " (accepting any type)");
      mask = type_any;
    }
    n.type_mask = mask;
  }
  n.info.nullable = n.nullable || (n.type_mask & type_null);
  n.info.types = n.type_mask ? static_cast<std::uint8_t>(n.type_mask | (n.nullable ? type_null : 0))
                             : static_cast<std::uint8_t>(type_any);

  // --- any type
  if (auto it = o.find("enum"); it != o.end()) {
    if (it->value().is_array()) {
      n.enum_values = &it->value().get_array();
      n.info.enum_values = &it->value();
      n.has |= detail::has_enum;
    } else {
      note(at + "/enum", "enum must be an array (ignored)");
    }
  }
  if (auto it = o.find("const"); it != o.end()) {
    n.const_value = &it->value();
    n.info.const_value = &it->value();
    n.has |= detail::has_const;
  }
  if (auto it = o.find("default"); it != o.end()) n.info.default_value = &it->value();
  if (auto it = o.find("example"); it != o.end()) n.info.example = &it->value();
  if (auto it = o.find("examples"); it != o.end() && !v30 && it->value().is_array() &&
                                     !it->value().get_array().empty())
    n.info.example = &it->value().get_array()[0];

  // --- format
  if (auto it = o.find("format"); it != o.end()) {
    if (it->value().is_string()) {
      n.info.format = std::string(it->value().get_string());
      n.format = format_from_name(n.info.format);
      if (n.format == Format::unknown) {
        if (reported_formats.insert(n.info.format).second)
          note(at + "/format", "unknown format '" + n.info.format + "' (accepted without a check)");
      } else if (is_string_format(n.format) || is_numeric_format(n.format)) {
        n.has |= detail::has_format;
      }
    } else {
      note(at + "/format", std::string("format must be a string, not ") + detail::kind_name(it->value()) +
                               " (ignored)");
    }
  }

  fill_numeric(n, o);
  fill_string(n, o);

  // --- arrays
  bool tuple_items = false;
  if (auto it = o.find("prefixItems"); it != o.end() && it->value().is_array()) {
    const auto& a = it->value().get_array();
    for (std::size_t i = 0; i < a.size(); ++i)
      n.prefix_items.push_back(child(a[i], at + "/prefixItems/" + std::to_string(i)));
  }
  if (auto it = o.find("items"); it != o.end()) {
    if (it->value().is_array()) {  // draft-4 tuple form
      tuple_items = true;
      const auto& a = it->value().get_array();
      n.prefix_items.clear();
      for (std::size_t i = 0; i < a.size(); ++i)
        n.prefix_items.push_back(child(a[i], at + "/items/" + std::to_string(i)));
    } else {
      n.items = child(it->value(), at + "/items");
    }
  }
  if (auto it = o.find("additionalItems"); it != o.end() && tuple_items)
    n.items = child(it->value(), at + "/additionalItems");
  if (auto it = o.find("minItems"); it != o.end())
    if (auto c = as_count(it->value())) n.min_items = *c;
  if (auto it = o.find("maxItems"); it != o.end())
    if (auto c = as_count(it->value())) n.max_items = *c;
  n.unique_items = flag("uniqueItems");
  if (auto it = o.find("contains"); it != o.end()) {
    n.contains = child(it->value(), at + "/contains");
    if (auto m = o.find("minContains"); m != o.end())
      if (auto c = as_count(m->value())) n.min_contains = *c;
    if (auto m = o.find("maxContains"); m != o.end())
      if (auto c = as_count(m->value())) n.max_contains = *c;
  }
  if (auto it = o.find("unevaluatedItems"); it != o.end()) {
    n.unevaluated_items = child(it->value(), at + "/unevaluatedItems");
    n.has |= detail::has_unevaluated;
  }
  n.info.items = n.items;
  if (!n.prefix_items.empty() || n.items || n.min_items > 0 || n.max_items != detail::kNoLimit ||
      n.unique_items || n.contains || n.unevaluated_items)
    n.has |= detail::has_array;

  // --- objects
  // (lists are reserved at their final size: growth by doubling would leave a third of them
  // unused, over tens of thousands of nodes)
  if (auto it = o.find("properties"); it != o.end() && it->value().is_object()) {
    n.properties.reserve(it->value().get_object().size());
    for (const auto& kv : it->value().get_object()) {
      std::string ptr = at + "/properties/" + escape_pointer_token(kv.key());
      n.properties.push_back({std::string(kv.key()), child(kv.value(), ptr)});
    }
    if (n.properties.size() > kPropertyIndexThreshold)
      for (std::uint32_t i = 0; i < n.properties.size(); ++i) n.property_index.emplace(n.properties[i].name, i);
  }
  if (auto it = o.find("required"); it != o.end() && it->value().is_array()) {
    // (a boolean `required` inside a property is draft-3 style, found in real documents: ignored)
    n.required.reserve(it->value().get_array().size());
    n.info.required.reserve(it->value().get_array().size());
    for (const auto& r : it->value().get_array()) {
      if (!r.is_string()) continue;
      std::string name(r.get_string());
      int idx = n.find_property(name);
      n.required.push_back({name, idx >= 0 ? n.properties[static_cast<std::size_t>(idx)].schema : nullptr});
      n.info.required.push_back(std::move(name));
    }
  }
  if (auto it = o.find("patternProperties"); it != o.end() && it->value().is_object()) {
    for (const auto& kv : it->value().get_object()) {
      std::string ptr = at + "/patternProperties/" + escape_pointer_token(kv.key());
      detail::PatternEntry e;
      e.source = std::string(kv.key());
      RE2::Options ro;
      ro.set_log_errors(false);
      auto re = std::make_unique<RE2>(ecma_to_re2(e.source), ro);
      if (re->ok())
        e.re = std::move(re);
      else
        note(ptr, "patternProperties pattern '" + e.source + "' is not supported by RE2 (" + re->error() +
                      "); it matches every name");
      e.schema = child(kv.value(), ptr);
      n.pattern_properties.push_back(std::move(e));
    }
  }
  if (auto it = o.find("additionalProperties"); it != o.end()) {
    const auto& ap = it->value();
    if (ap.is_number()) {  // `additionalProperties: 0` (Proxmox): read as a boolean
      note(at + "/additionalProperties", "additionalProperties is a number; read as a boolean");
      bool allowed = detail::num_of(ap)->ld() != 0;
      inline_values.emplace_back(allowed);
      n.additional_properties = child(inline_values.back(), at + "/additionalProperties");
    } else {
      n.additional_properties = child(ap, at + "/additionalProperties");
    }
    n.info.additional_properties = n.additional_properties;
    n.info.additional_properties_allowed = !n.additional_properties->always_false;
  }
  if (auto it = o.find("propertyNames"); it != o.end())
    n.property_names = child(it->value(), at + "/propertyNames");
  if (auto it = o.find("minProperties"); it != o.end())
    if (auto c = as_count(it->value())) n.min_properties = *c;
  if (auto it = o.find("maxProperties"); it != o.end())
    if (auto c = as_count(it->value())) n.max_properties = *c;
  auto dependent = [&](const char* kw) {
    auto it = o.find(kw);
    if (it == o.end() || !it->value().is_object()) return;
    for (const auto& kv : it->value().get_object()) {
      std::string ptr = at + "/" + kw + "/" + escape_pointer_token(kv.key());
      if (kv.value().is_array()) {
        detail::DependentRequired d{std::string(kv.key()), {}};
        for (const auto& r : kv.value().get_array())
          if (r.is_string()) d.required.emplace_back(r.get_string());
        n.dependent_required.push_back(std::move(d));
      } else {
        n.dependent_schemas.push_back({std::string(kv.key()), child(kv.value(), ptr)});
      }
    }
  };
  dependent("dependentRequired");
  dependent("dependentSchemas");
  dependent("dependencies");  // draft-4: both forms under one keyword
  if (auto it = o.find("unevaluatedProperties"); it != o.end()) {
    n.unevaluated_properties = child(it->value(), at + "/unevaluatedProperties");
    n.has |= detail::has_unevaluated;
  }
  n.info.properties.reserve(n.properties.size());
  for (const auto& p : n.properties) n.info.properties.push_back({p.name, p.schema, false});
  for (auto& p : n.info.properties)
    for (const auto& r : n.required) p.required = p.required || r.name == p.name;
  if (!n.properties.empty() || !n.required.empty() || !n.pattern_properties.empty() ||
      n.additional_properties || n.property_names || n.min_properties > 0 ||
      n.max_properties != detail::kNoLimit || !n.dependent_required.empty() ||
      !n.dependent_schemas.empty() || n.unevaluated_properties)
    n.has |= detail::has_object;

  // --- applicators
  auto list = [&](const char* kw, std::vector<SchemaRef>& out, std::uint32_t bit) {
    auto it = o.find(kw);
    if (it == o.end()) return;
    if (!it->value().is_array() || it->value().get_array().empty()) {
      note(at + "/" + kw, std::string(kw) + " must be a non-empty array (ignored)");
      return;
    }
    const auto& a = it->value().get_array();
    for (std::size_t i = 0; i < a.size(); ++i) out.push_back(child(a[i], at + "/" + kw + "/" + std::to_string(i)));
    n.has |= bit;
  };
  list("allOf", n.all_of, detail::has_all_of);
  list("anyOf", n.any_of, detail::has_any_of);
  list("oneOf", n.one_of, detail::has_one_of);
  if (auto it = o.find("not"); it != o.end()) {
    n.not_ = child(it->value(), at + "/not");
    n.has |= detail::has_not;
  }
  if (auto it = o.find("if"); it != o.end()) {
    n.if_ = child(it->value(), at + "/if");
    if (auto t = o.find("then"); t != o.end()) n.then_ = child(t->value(), at + "/then");
    if (auto e = o.find("else"); e != o.end()) n.else_ = child(e->value(), at + "/else");
    n.has |= detail::has_if;
  }
  if (!n.one_of.empty() || !n.any_of.empty()) fill_discriminator(n, o);
  n.ref_only = n.has == detail::has_ref && n.type_mask == type_any && !n.nullable && !n.read_only &&
               !n.write_only && n.format == Format::unknown;
}

// A schema that reaches itself through applicators that stay on the same instance ($ref, allOf,
// anyOf, oneOf, not, if/then/else, dependentSchemas) would recurse forever when validating.
void Compiler::Impl::check_cycles() {
  enum : std::uint8_t { white, grey, black };
  std::unordered_map<const Schema*, std::uint8_t> color;
  auto edges = [](const Schema* s) {
    std::vector<SchemaRef> e;
    if (s->ref) e.push_back(s->ref);
    e.insert(e.end(), s->all_of.begin(), s->all_of.end());
    e.insert(e.end(), s->any_of.begin(), s->any_of.end());
    e.insert(e.end(), s->one_of.begin(), s->one_of.end());
    for (SchemaRef x : {s->not_, s->if_, s->then_, s->else_})
      if (x) e.push_back(x);
    for (const auto& d : s->dependent_schemas) e.push_back(d.schema);
    return e;
  };
  for (std::size_t i = cycle_checked; i < nodes.size(); ++i) {
    const Schema* start = nodes[i].get();
    if (color[start] != white) continue;
    struct Frame {
      const Schema* node;
      std::vector<SchemaRef> next;
      std::size_t pos;
    };
    std::vector<Frame> stack;
    stack.push_back({start, edges(start), 0});
    color[start] = grey;
    while (!stack.empty()) {
      Frame& f = stack.back();
      if (f.pos == f.next.size()) {
        color[f.node] = black;
        stack.pop_back();
        continue;
      }
      const Schema* nx = f.next[f.pos++];
      auto& c = color[nx];
      if (c == grey) {
        note(nx->info.pointer,
             "schema refers back to itself without descending into the value (a $ref/allOf/anyOf/oneOf "
             "cycle); validation stops at a depth limit there");
      } else if (c == white) {
        c = grey;
        stack.push_back({nx, edges(nx), 0});
      }
    }
  }
  cycle_checked = nodes.size();
}

Compiler::Compiler(const boost::json::value& root, CompileOptions opts)
    : Compiler(std::make_shared<const boost::json::value>(root), opts) {}

Compiler::Compiler(std::shared_ptr<const boost::json::value> root, CompileOptions opts)
    : impl_(std::make_unique<Impl>()) {
  impl_->root = root ? std::move(root) : std::make_shared<const boost::json::value>();
  impl_->opts = opts;
}

Compiler::~Compiler() = default;
Compiler::Compiler(Compiler&&) noexcept = default;
Compiler& Compiler::operator=(Compiler&&) noexcept = default;

SchemaRef Compiler::compile(std::string_view json_pointer) {
  std::string ptr(json_pointer);
  if (ptr.starts_with("#")) ptr.erase(0, 1);
  Schema* n = impl_->node_at(ptr, {});
  impl_->drain();
  impl_->check_cycles();
  impl_->settle_flags();
  return n;
}

SchemaRef Compiler::compile(const boost::json::value& schema, std::string_view pointer) {
  impl_->inline_values.push_back(schema);
  SchemaRef n = impl_->sub(impl_->inline_values.back(), std::string(pointer), 0, false);
  impl_->drain();
  impl_->check_cycles();
  impl_->settle_flags();
  return n;
}

const std::vector<Diagnostic>& Compiler::diagnostics() const { return impl_->diags; }
const CompileOptions& Compiler::options() const { return impl_->opts; }
const boost::json::value& Compiler::root() const { return *impl_->root; }

// --- introspection -------------------------------------------------------------------------

const Info& info(SchemaRef s) { return s->info; }

SchemaRef resolve(SchemaRef s) {
  for (int hops = 0; hops < 64 && s && s->ref && s->ref_only; ++hops) s = s->ref;
  return s;
}

namespace {
template <class Pred>
bool any_through_refs(SchemaRef s, Pred pred, int depth = 0) {
  if (!s || depth > 32) return false;
  if (pred(s)) return true;
  if (s->ref && any_through_refs(s->ref, pred, depth + 1)) return true;
  for (SchemaRef a : s->all_of)
    if (any_through_refs(a, pred, depth + 1)) return true;
  return false;
}

SchemaRef find_property(SchemaRef s, std::string_view name, int depth) {
  if (!s || depth > 32) return nullptr;
  int i = s->find_property(name);
  if (i >= 0) return s->properties[static_cast<std::size_t>(i)].schema;
  if (s->ref)
    if (SchemaRef p = find_property(s->ref, name, depth + 1)) return p;
  for (SchemaRef a : s->all_of)
    if (SchemaRef p = find_property(a, name, depth + 1)) return p;
  return nullptr;
}
}  // namespace

SchemaRef property(SchemaRef s, std::string_view name) { return find_property(s, name, 0); }
bool is_read_only(SchemaRef s) {
  return any_through_refs(s, [](SchemaRef x) { return x->read_only; });
}
bool is_write_only(SchemaRef s) {
  return any_through_refs(s, [](SchemaRef x) { return x->write_only; });
}

}  // namespace oasis::schema
