// src/schema/validate.cpp — runs a compiled Schema over an instance.
//
// One recursive walk serves both entry points: is_valid() runs it in "fast" mode (stop at the
// first failure, build no message, allocate nothing) and validate() in collecting mode. anyOf and
// oneOf first try their branches in fast mode; only when none fits are the branches run again to
// explain the closest one, so a valid instance never pays for messages.
//
// unevaluatedProperties/unevaluatedItems need to know what the other keywords looked at. A node
// that has them collects "evaluated" marks (one per member/item of the instance) from its own
// keywords and from the applicators below it that stay on the same instance ($ref, allOf, anyOf,
// oneOf, if/then/else, dependentSchemas); marks of failed branches are dropped.
#include "compiled.hpp"
#include "validate_internal.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>

namespace oasis::schema {

using namespace detail;

namespace {

constexpr std::size_t kBranchViolations = 20;

// One step of the instance path. Plain data without initialisers, so the path array on the
// stack of validate() costs nothing until used.
struct PathSeg {
  const char* key_data;
  std::size_t key_size;  // or the array index
  bool is_index;
};
inline PathSeg key_seg(std::string_view key) { return PathSeg{key.data(), key.size(), false}; }
inline PathSeg index_seg(std::size_t i) { return PathSeg{nullptr, i, true}; }

// What the keywords of one schema evaluated on one instance (object members or array items, by
// position).
struct Marks {
  std::vector<char> marks;
  void mark(std::size_t i, std::size_t size) {
    if (marks.empty()) marks.assign(size, 0);
    marks[i] = 1;
  }
  void mark_all(std::size_t size) { marks.assign(size, 1); }
  bool marked(std::size_t i) const { return !marks.empty() && marks[i]; }
  void merge(const Marks& o) {
    if (o.marks.empty()) return;
    if (marks.empty()) {
      marks = o.marks;
      return;
    }
    for (std::size_t i = 0; i < marks.size(); ++i) marks[i] |= o.marks[i];
  }
};

struct Ann {
  Marks props, items;
  void merge(const Ann& o) {
    props.merge(o.props);
    items.merge(o.items);
  }
};

struct Ctx {
  bool fast = false;
  bool failed = false;
  bool stop = false;  // fast mode failed, or the violation list is full
  Direction dir = Direction::none;
  std::vector<Violation>* out = nullptr;
  std::size_t max = 0;
  bool truncated = false;
  std::string_view prefix;
  PathSeg* path = nullptr;
  std::size_t* depth = nullptr;  // shared with sub-contexts
  std::size_t* frames = nullptr;
  std::size_t* steps = nullptr;
  bool* depth_reported = nullptr;
};

std::string instance_pointer(const Ctx& c) {
  std::string p(c.prefix);
  for (std::size_t i = 0; i < *c.depth; ++i) {
    p += '/';
    if (c.path[i].is_index)
      p += std::to_string(c.path[i].key_size);
    else
      p += escape_pointer_token(std::string_view(c.path[i].key_data, c.path[i].key_size));
  }
  return p;
}

template <class MessageFn>
void report(Ctx& c, SchemaRef s, std::string_view keyword, MessageFn&& message) {
  c.failed = true;
  if (c.fast) {
    c.stop = true;
    return;
  }
  if (c.out->size() >= c.max) {
    c.truncated = true;
    c.stop = true;
    return;
  }
  std::string sp = s->info.pointer;
  if (keyword != "false" && keyword != "depth") {
    sp += '/';
    sp += keyword;
  }
  c.out->push_back(Violation{instance_pointer(c), std::move(sp), std::string(keyword), message()});
}

std::string quoted(std::string_view s) {
  std::string q = "'";
  if (s.size() > 60) {
    q.append(s.substr(0, 60));
    q += "...";
  } else {
    q.append(s);
  }
  return q + "'";
}

// The instance as a message shows it: strings in single quotes, the rest as short JSON.
std::string shown(const boost::json::value& v) {
  if (v.is_string()) return quoted(v.get_string());
  return short_json(v, 60);
}

std::string num_text(const Num& n) { return number_text(n.to_json()); }

std::string type_list(std::uint8_t mask) {
  static constexpr std::pair<std::uint8_t, const char*> kNames[] = {
      {type_string, "string"}, {type_integer, "integer"}, {type_number, "number"}, {type_boolean, "boolean"},
      {type_object, "object"}, {type_array, "array"},     {type_null, "null"}};
  std::vector<const char*> names;
  for (auto [bit, name] : kNames)
    if (mask & bit) names.push_back(name);
  if (names.size() == 1) return names[0];
  std::string s;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) s += i + 1 == names.size() ? " or " : ", ";
    s += names[i];
  }
  return s;
}

bool type_matches(std::uint8_t mask, const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null: return mask & type_null;
    case boost::json::kind::bool_: return mask & type_boolean;
    case boost::json::kind::string: return mask & type_string;
    case boost::json::kind::array: return mask & type_array;
    case boost::json::kind::object: return mask & type_object;
    case boost::json::kind::int64:
    case boost::json::kind::uint64: return mask & (type_number | type_integer);
    case boost::json::kind::double_:
      return (mask & type_number) || ((mask & type_integer) && is_integer_value(v));
  }
  return false;
}

std::string plural(std::size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

bool eval(SchemaRef s, const boost::json::value& v, Ctx& c, Ann* ann);

// Evaluates a child instance (member or item) one level deeper.
bool eval_child(SchemaRef s, const boost::json::value& v, Ctx& c, PathSeg seg, SchemaRef parent) {
  if (*c.depth >= max_instance_depth) {
    if (!*c.depth_reported || c.fast) {
      *c.depth_reported = true;
      report(c, parent, "depth", [] { return "value nested deeper than " + std::to_string(max_instance_depth) + " levels"; });
    } else {
      c.failed = true;
    }
    return false;
  }
  c.path[(*c.depth)++] = seg;
  bool ok = eval(s, v, c, nullptr);
  --*c.depth;
  return ok;
}

// Runs `s` without reporting (fast mode), sharing path and limits with `c`.
bool silent(SchemaRef s, const boost::json::value& v, Ctx& c, Ann* ann) {
  Ctx sub = c;
  sub.fast = true;
  sub.failed = false;
  sub.stop = false;
  bool ok = eval(s, v, sub, ann);
  return ok && !sub.failed;
}

// Runs `s` collecting up to kBranchViolations violations into `out` (for explaining a branch).
void collect(SchemaRef s, const boost::json::value& v, Ctx& c, std::vector<Violation>& out) {
  Ctx sub = c;
  sub.fast = false;
  sub.failed = false;
  sub.stop = false;
  sub.truncated = false;
  sub.out = &out;
  sub.max = kBranchViolations;
  eval(s, v, sub, nullptr);
}

void append(Ctx& c, std::vector<Violation>& vs) {
  for (auto& x : vs) {
    if (c.out->size() >= c.max) {
      c.truncated = true;
      c.stop = true;
      return;
    }
    c.out->push_back(std::move(x));
  }
}

// The branch whose violations best explain the failure: one whose type fits the instance, then
// the fewest violations.
std::size_t closest_branch(const std::vector<SchemaRef>& branches, const boost::json::value& v, Ctx& c,
                           std::vector<Violation>& best) {
  std::size_t best_i = 0, best_score = static_cast<std::size_t>(-1);
  std::string here = instance_pointer(c);
  for (std::size_t i = 0; i < branches.size(); ++i) {
    std::vector<Violation> vs;
    collect(branches[i], v, c, vs);
    std::size_t score = vs.size();
    for (const auto& x : vs)
      if ((x.keyword == "type" || x.keyword == "false") && x.instance_pointer == here) score += 1000;
    if (score < best_score) {
      best_score = score;
      best_i = i;
      best = std::move(vs);
    }
  }
  return best_i;
}

// oneOf/anyOf with a discriminator: the property's value names the one schema to validate.
bool eval_discriminated(SchemaRef s, const boost::json::object& o, const boost::json::value& v, Ctx& c, Ann* ann) {
  auto it = o.find(s->discriminator_property);
  if (it == o.end()) {
    report(c, s, "discriminator", [&] { return "missing discriminator property " + quoted(s->discriminator_property); });
    return false;
  }
  if (it->value().is_string()) {
    std::string_view name = it->value().get_string();
    for (const auto& e : s->discriminator_map)
      if (e.value == name) return eval(e.schema, v, c, ann);
  }
  report(c, s, "discriminator", [&] {
    std::string known;
    for (const auto& e : s->discriminator_map) {
      if (!known.empty()) known += ",";
      known += boost::json::serialize(boost::json::string_view(e.value));
    }
    return "discriminator " + quoted(s->discriminator_property) + " has unknown value " + shown(it->value()) +
           "; expected one of [" + known + "]";
  });
  return false;
}

bool eval_any_of(SchemaRef s, const boost::json::value& v, Ctx& c, Ann* ann) {
  if (!s->discriminator_property.empty() && v.is_object() && s->one_of.empty())
    return eval_discriminated(s, v.get_object(), v, c, ann);
  bool matched = false;
  for (SchemaRef b : s->any_of) {
    Ann tmp;
    if (silent(b, v, c, ann ? &tmp : nullptr)) {
      matched = true;
      if (!ann) break;  // annotations need every branch that matches; plain validity needs one
      ann->merge(tmp);
    }
  }
  if (matched) return true;
  if (c.fast) {
    report(c, s, "anyOf", [] { return std::string(); });
    return false;
  }
  std::vector<Violation> best;
  std::size_t i = closest_branch(s->any_of, v, c, best);
  report(c, s, "anyOf", [&] {
    return "must match at least one of the " + std::to_string(s->any_of.size()) +
           " schemas in anyOf; closest is #" + std::to_string(i) + ":";
  });
  append(c, best);
  return false;
}

bool eval_one_of(SchemaRef s, const boost::json::value& v, Ctx& c, Ann* ann) {
  if (!s->discriminator_property.empty() && v.is_object())
    return eval_discriminated(s, v.get_object(), v, c, ann);
  std::size_t first = 0, count = 0, second = 0;
  Ann matched_ann;
  for (std::size_t i = 0; i < s->one_of.size() && count < 2; ++i) {
    Ann tmp;
    if (silent(s->one_of[i], v, c, ann ? &tmp : nullptr)) {
      if (count == 0) {
        first = i;
        matched_ann = std::move(tmp);
      } else {
        second = i;
      }
      ++count;
    }
  }
  if (count == 1) {
    if (ann) ann->merge(matched_ann);
    return true;
  }
  if (c.fast) {
    report(c, s, "oneOf", [] { return std::string(); });
    return false;
  }
  if (count > 1) {
    report(c, s, "oneOf", [&] {
      return "must match exactly one of the " + std::to_string(s->one_of.size()) +
             " schemas in oneOf, but matches #" + std::to_string(first) + " and #" + std::to_string(second);
    });
    return false;
  }
  std::vector<Violation> best;
  std::size_t i = closest_branch(s->one_of, v, c, best);
  report(c, s, "oneOf", [&] {
    return "must match exactly one of the " + std::to_string(s->one_of.size()) +
           " schemas in oneOf, matches none; closest is #" + std::to_string(i) + ":";
  });
  append(c, best);
  return false;
}

bool check_numeric(SchemaRef s, const boost::json::value& v, Ctx& c) {
  Num n = *num_of(v);
  bool ok = true;
  if (s->minimum) {
    int cmp = compare(n, *s->minimum);
    if (cmp < 0 || (cmp == 0 && s->exclusive_minimum)) {
      ok = false;
      report(c, s, s->minimum_keyword, [&] {
        return std::string("must be ") + (s->exclusive_minimum ? "> " : ">= ") + num_text(*s->minimum) + ", is " +
               num_text(n);
      });
    }
  }
  if (s->maximum) {
    int cmp = compare(n, *s->maximum);
    if (cmp > 0 || (cmp == 0 && s->exclusive_maximum)) {
      ok = false;
      report(c, s, s->maximum_keyword, [&] {
        return std::string("must be ") + (s->exclusive_maximum ? "< " : "<= ") + num_text(*s->maximum) + ", is " +
               num_text(n);
      });
    }
  }
  if (s->multiple_of && !is_multiple_of(n, *s->multiple_of)) {
    ok = false;
    report(c, s, "multipleOf",
           [&] { return "must be a multiple of " + num_text(*s->multiple_of) + ", is " + num_text(n); });
  }
  return ok;
}

bool check_string(SchemaRef s, std::string_view str, Ctx& c) {
  bool ok = true;
  if (s->min_length > 0 || s->max_length != kNoLimit) {
    // code points, not bytes: count the bytes that do not continue a UTF-8 sequence
    const std::size_t len = utf8_length(str);
    if (len < s->min_length) {
      ok = false;
      report(c, s, "minLength", [&] {
        return "must have at least " + plural(s->min_length, "character", "characters") + ", has " + std::to_string(len);
      });
    }
    if (len > s->max_length) {
      ok = false;
      report(c, s, "maxLength", [&] {
        return "must have at most " + plural(s->max_length, "character", "characters") + ", has " + std::to_string(len);
      });
    }
  }
  if (!s->pattern_matches(str)) {
    ok = false;
    report(c, s, "pattern", [&] { return quoted(str) + " does not match the pattern " + quoted(s->pattern_source); });
  }
  return ok;
}

bool check_array(SchemaRef s, const boost::json::array& a, Ctx& c, Ann* ann) {
  bool ok = true;
  const std::size_t n = a.size();
  if (n < s->min_items) {
    ok = false;
    report(c, s, "minItems", [&] { return "must have at least " + plural(s->min_items, "item", "items") + ", has " + std::to_string(n); });
  }
  if (n > s->max_items) {
    ok = false;
    report(c, s, "maxItems", [&] { return "must have at most " + plural(s->max_items, "item", "items") + ", has " + std::to_string(n); });
  }
  if (c.stop) return false;
  if (!s->prefix_items.empty() || s->items) {
    for (std::size_t i = 0; i < n; ++i) {
      SchemaRef item = i < s->prefix_items.size() ? s->prefix_items[i] : s->items;
      if (!item) continue;
      if (ann) ann->items.mark(i, n);
      ok &= eval_child(item, a[i], c, index_seg(i), s);
      if (c.stop) return false;
    }
  }
  if (s->unique_items && n > 1) {
    std::size_t dup_a = 0, dup_b = 0;
    bool dup = false;
    if (n <= 32) {
      for (std::size_t i = 0; i < n && !dup; ++i)
        for (std::size_t j = i + 1; j < n && !dup; ++j)
          if (json_equal(a[i], a[j])) dup = true, dup_a = i, dup_b = j;
    } else {
      std::vector<std::pair<std::size_t, std::size_t>> h;  // (hash, index)
      h.reserve(n);
      for (std::size_t i = 0; i < n; ++i) h.emplace_back(json_hash(a[i]), i);
      std::sort(h.begin(), h.end());
      for (std::size_t i = 0; i + 1 < n && !dup; ++i)
        for (std::size_t j = i + 1; j < n && h[j].first == h[i].first && !dup; ++j)
          if (json_equal(a[h[i].second], a[h[j].second]))
            dup = true, dup_a = std::min(h[i].second, h[j].second), dup_b = std::max(h[i].second, h[j].second);
    }
    if (dup) {
      ok = false;
      report(c, s, "uniqueItems", [&] {
        return "items must be unique, but items " + std::to_string(dup_a) + " and " + std::to_string(dup_b) + " are equal";
      });
    }
  }
  if (s->contains) {
    std::size_t matches = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (*c.depth >= max_instance_depth) break;
      c.path[(*c.depth)++] = index_seg(i);
      bool m = silent(s->contains, a[i], c, nullptr);
      --*c.depth;
      if (m) {
        ++matches;
        if (ann) ann->items.mark(i, n);
      }
    }
    if (matches < s->min_contains) {
      ok = false;
      report(c, s, "contains", [&] {
        return "must contain at least " + plural(s->min_contains, "item", "items") + " matching 'contains', has " +
               std::to_string(matches);
      });
    } else if (matches > s->max_contains) {
      ok = false;
      report(c, s, "maxContains", [&] {
        return "must contain at most " + plural(s->max_contains, "item", "items") + " matching 'contains', has " +
               std::to_string(matches);
      });
    }
  }
  return ok;
}

bool check_object(SchemaRef s, const boost::json::value& v, Ctx& c, Ann* ann) {
  const auto& o = v.get_object();
  bool ok = true;
  const std::size_t n = o.size();
  std::size_t idx = 0;
  const bool per_member = !s->properties.empty() || !s->pattern_properties.empty() ||
                          s->additional_properties || s->property_names;
  if (per_member) {
    for (const auto& kv : o) {
      std::string_view key = kv.key();
      bool matched = false;
      int pi = s->properties.empty() ? -1 : s->find_property(key);
      if (pi >= 0) {
        matched = true;
        SchemaRef ps = s->properties[static_cast<std::size_t>(pi)].schema;
        if ((c.dir == Direction::request && ps->effective_read_only) ||
            (c.dir == Direction::response && ps->effective_write_only)) {
          ok = false;
          const bool ro = c.dir == Direction::request;
          c.path[(*c.depth)++] = key_seg(key);
          report(c, ps, ro ? "readOnly" : "writeOnly", [&] {
            return "property " + quoted(key) + (ro ? " is read-only and must not be sent in a request"
                                                   : " is write-only and must not appear in a response");
          });
          --*c.depth;
        } else {
          ok &= eval_child(ps, kv.value(), c, key_seg(key), s);
        }
      }
      for (const auto& pp : s->pattern_properties) {
        if (pp.re && !RE2::PartialMatch(re2::StringPiece(key.data(), key.size()), *pp.re)) continue;
        matched = true;
        ok &= eval_child(pp.schema, kv.value(), c, key_seg(key), s);
      }
      if (!matched && s->additional_properties) {
        matched = true;
        if (s->additional_properties->always_false) {
          ok = false;
          c.path[(*c.depth)++] = key_seg(key);
          report(c, s, "additionalProperties", [&] { return "property " + quoted(key) + " is not allowed"; });
          --*c.depth;
        } else {
          ok &= eval_child(s->additional_properties, kv.value(), c, key_seg(key), s);
        }
      }
      if (matched && ann) ann->props.mark(idx, n);
      if (s->property_names) {
        boost::json::value name(key);
        c.path[(*c.depth)++] = key_seg(key);
        if (!silent(s->property_names, name, c, nullptr)) {
          ok = false;
          report(c, s, "propertyNames", [&] { return "property name " + quoted(key) + " is not allowed by propertyNames"; });
        }
        --*c.depth;
      }
      if (c.stop) return false;
      ++idx;
    }
  }
  for (const auto& r : s->required) {
    if (o.contains(r.name)) continue;
    if (r.property && ((c.dir == Direction::request && r.property->effective_read_only) ||
                       (c.dir == Direction::response && r.property->effective_write_only)))
      continue;  // readOnly is not required in requests, writeOnly not in responses
    ok = false;
    report(c, s, "required", [&] { return "missing required property " + quoted(r.name); });
    if (c.stop) return false;
  }
  if (n < s->min_properties) {
    ok = false;
    report(c, s, "minProperties", [&] {
      return "must have at least " + plural(s->min_properties, "property", "properties") + ", has " + std::to_string(n);
    });
  }
  if (n > s->max_properties) {
    ok = false;
    report(c, s, "maxProperties", [&] {
      return "must have at most " + plural(s->max_properties, "property", "properties") + ", has " + std::to_string(n);
    });
  }
  for (const auto& d : s->dependent_required) {
    if (!o.contains(d.name)) continue;
    for (const auto& r : d.required) {
      if (o.contains(r)) continue;
      ok = false;
      report(c, s, "dependentRequired", [&] { return "property " + quoted(d.name) + " requires property " + quoted(r); });
    }
  }
  for (const auto& d : s->dependent_schemas) {
    if (!o.contains(d.name)) continue;
    ok &= eval(d.schema, v, c, ann);
    if (c.stop) return false;
  }
  return ok;
}

struct FrameGuard {
  std::size_t* frames;
  ~FrameGuard() { --*frames; }
};

bool eval(SchemaRef s, const boost::json::value& v, Ctx& c, Ann* ann) {
  if (c.stop) return false;
  if (++*c.steps > eval_max_steps) {
    report(c, s, "false", [] { return std::string("validation stopped: the schema needs too much work"); });
    c.failed = true;
    c.stop = true;
    return false;
  }
  if (++*c.frames > eval_max_frames) {
    --*c.frames;
    report(c, s, "$ref", [] { return "schema evaluation nested too deeply (a schema that refers back to itself?)"; });
    c.stop = true;
    return false;
  }
  FrameGuard guard{c.frames};
  if (s->always_false) {
    report(c, s, "false", [] { return std::string("no value is allowed here (schema is false)"); });
    return false;
  }
  if (s->nullable && v.is_null()) return true;
  if (s->pure_ref) return eval(s->ref, v, c, ann);
  if (s->type_mask && !type_matches(s->type_mask, v)) {
    report(c, s, "type", [&] {
      return "expected " + type_list(static_cast<std::uint8_t>(s->type_mask | (s->nullable ? type_null : 0))) +
             ", got " + kind_name(v);
    });
    return false;  // the other keywords would only repeat the mismatch
  }
  const std::uint32_t has = s->has;
  if (has == 0) return true;

  Ann local;
  Ann* mine = ann;
  if (has & has_unevaluated) mine = &local;

  bool ok = true;
  if ((has & has_enum)) {
    bool found = false;
    for (const auto& e : *s->enum_values)
      if (json_equal(e, v)) {
        found = true;
        break;
      }
    if (!found) {
      ok = false;
      report(c, s, "enum", [&] { return shown(v) + " is not one of " + short_json(*s->info.enum_values, 120); });
    }
  }
  if ((has & has_const) && !json_equal(*s->const_value, v)) {
    ok = false;
    report(c, s, "const", [&] { return "must be " + short_json(*s->const_value, 80) + ", is " + shown(v); });
  }
  if (c.stop) return false;

  switch (v.kind()) {
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_:
      if (has & has_numeric) ok &= check_numeric(s, v, c);
      if ((has & has_format) && is_numeric_format(s->format) && !in_numeric_format(s->format, v)) {
        ok = false;
        report(c, s, "format", [&] { return shown(v) + " is out of the " + s->info.format + " range"; });
      }
      break;
    case boost::json::kind::string: {
      std::string_view str = v.get_string();
      if (has & has_string) ok &= check_string(s, str, c);
      if ((has & has_format) && is_string_format(s->format) && !check_format(s->format, str)) {
        ok = false;
        report(c, s, "format", [&] { return quoted(str) + " is not a valid " + s->info.format; });
      }
      break;
    }
    case boost::json::kind::array:
      if (has & has_array) ok &= check_array(s, v.get_array(), c, mine);
      break;
    case boost::json::kind::object:
      if (has & has_object) ok &= check_object(s, v, c, mine);
      break;
    default:
      break;
  }
  if (c.stop) return false;

  if (has & has_ref) ok &= eval(s->ref, v, c, mine);
  if (has & has_all_of)
    for (SchemaRef a : s->all_of) {
      ok &= eval(a, v, c, mine);
      if (c.stop) return false;
    }
  if (has & has_any_of) ok &= eval_any_of(s, v, c, mine);
  if (has & has_one_of) ok &= eval_one_of(s, v, c, mine);
  if (c.stop) return false;
  if ((has & has_not) && silent(s->not_, v, c, nullptr)) {
    ok = false;
    report(c, s, "not", [] { return std::string("must not match the schema in 'not'"); });
  }
  if (has & has_if) {
    Ann tmp;
    if (silent(s->if_, v, c, mine ? &tmp : nullptr)) {
      if (mine) mine->merge(tmp);
      if (s->then_) ok &= eval(s->then_, v, c, mine);
    } else if (s->else_) {
      ok &= eval(s->else_, v, c, mine);
    }
  }
  if (c.stop) return false;

  if (has & has_unevaluated) {
    if (s->unevaluated_properties && v.is_object()) {
      const auto& o = v.get_object();
      std::size_t i = 0;
      for (const auto& kv : o) {
        if (!local.props.marked(i)) {
          if (s->unevaluated_properties->always_false) {
            ok = false;
            c.path[(*c.depth)++] = key_seg(kv.key());
            report(c, s, "unevaluatedProperties",
                   [&] { return "property " + quoted(kv.key()) + " is not allowed (not evaluated by any keyword)"; });
            --*c.depth;
          } else {
            ok &= eval_child(s->unevaluated_properties, kv.value(), c, key_seg(kv.key()), s);
          }
          if (c.stop) return false;
        }
        ++i;
      }
      local.props.mark_all(o.size());
    }
    if (s->unevaluated_items && v.is_array()) {
      const auto& a = v.get_array();
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (local.items.marked(i)) continue;
        if (s->unevaluated_items->always_false) {
          ok = false;
          c.path[(*c.depth)++] = index_seg(i);
          report(c, s, "unevaluatedItems", [&] { return "item " + std::to_string(i) + " is not allowed (not evaluated by any keyword)"; });
          --*c.depth;
        } else {
          ok &= eval_child(s->unevaluated_items, a[i], c, index_seg(i), s);
        }
        if (c.stop) return false;
      }
      local.items.mark_all(a.size());
    }
    if (ann) ann->merge(local);
  }
  return ok;
}

}  // namespace

Result validate(SchemaRef s, const boost::json::value& instance, const ValidateOptions& opts) {
  Result r;
  PathSeg path[max_instance_depth + 4];  // + the few direct pushes past the limit
  std::size_t depth = 0, frames = 0, steps = 0;
  bool depth_reported = false;
  Ctx c;
  c.fast = false;
  c.steps = &steps;
  c.dir = opts.direction;
  c.out = &r.violations;
  c.max = opts.max_violations == 0 ? 1 : opts.max_violations;
  c.prefix = opts.instance_prefix;
  c.path = path;
  c.depth = &depth;
  c.frames = &frames;
  c.depth_reported = &depth_reported;
  eval(s, instance, c, nullptr);
  r.truncated = c.truncated;
  return r;
}

bool is_valid(SchemaRef s, const boost::json::value& instance, Direction d) {
  std::size_t steps = 0;
  return detail::is_valid_at(s, instance, d, 0, 0, steps);
}

namespace detail {

bool is_valid_at(SchemaRef s, const boost::json::value& v, Direction d, std::size_t depth, std::size_t frames,
                 std::size_t& steps) {
  PathSeg path[max_instance_depth + 4];  // + the few direct pushes past the limit; entries below
                                         // `depth` are never read in fast mode
  bool depth_reported = false;
  Ctx c;
  c.fast = true;
  c.steps = &steps;
  c.dir = d;
  c.path = path;
  c.depth = &depth;
  c.frames = &frames;
  c.depth_reported = &depth_reported;
  return eval(s, v, c, nullptr) && !c.failed;
}

}  // namespace detail

boost::json::array to_json(const Result& r) {
  boost::json::array a;
  a.reserve(r.violations.size());
  for (const auto& v : r.violations) {
    boost::json::object o;
    o["pointer"] = v.instance_pointer;
    o["schemaPointer"] = v.schema_pointer;
    o["keyword"] = v.keyword;
    o["message"] = v.message;
    a.push_back(std::move(o));
  }
  return a;
}

}  // namespace oasis::schema
