// src/schema/validate_text.cpp — is_valid_text(): decides whether JSON text is valid against a
// compiled Schema in one pass over the text, without building the value.
//
// The tokenizer is Boost.JSON's basic_parser — the very one the DOM parse runs — so what is
// malformed, how deep is too deep, and how each number is classified (int64, uint64, double, and
// the double's exact bits) are the DOM's by construction. Plain text (no escapes, short numbers
// with short exponents, shallow nesting: most answers) is first tokenized by PlainText below, which
// gives the same events and values and hands anything else back to basic_parser from the start.
// The events drive a stack of frames, one per open container; each frame holds the evaluations
// that apply to that container (a schema node and its evaluation depth, as validate.cpp counts
// "frames"). A scalar is checked when its event arrives; an object's members get their schemas
// at the key (properties, patternProperties, additionalProperties, propertyNames,
// readOnly/writeOnly by direction); `required` and the size keywords are checked at the
// container's end. $ref and allOf expand into more evaluations of the same value. What can be
// settled per schema node is settled at load (compiler.cpp's settle_flags/settle_text: text_plain,
// text_whole, text_frame, member_rules, enum_strings, and each property's forbidden_in
// and text_key (also padded to 16 bytes, text_key16), with which the plain tokenizer recognizes
// the key a schema's order makes next without scanning it and evaluates a string or number
// after it at once; an array's string items that all take `items` are evaluated at once too).
//
// A schema node with a keyword that needs the whole value or tries several candidates (anyOf,
// oneOf, not, if/then/else, unevaluated*, enum/const on a container, uniqueItems, contains,
// dependentRequired/dependentSchemas) is not streamed: the events of that one sub-value are also
// fed to a boost::json::value_stack (as the DOM parse would build it), and validate.cpp evaluates
// the node on it, at the same instance depth, evaluation depth and shared step budget.
//
// Objects with duplicate keys (the DOM keeps the last) under a streamed evaluation are rare and
// left to the DOM: the whole text is parsed and is_valid() answers.
//
// After the first failure the rest of the text is only tokenized, so that "invalid" and
// "malformed" stay distinct exactly as the DOM path would tell them.
#include "compiled.hpp"
#include "plain_scan.hpp"
#include "validate_internal.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/stream_parser.hpp>
#include <boost/json/value_stack.hpp>
#include <boost/unordered/unordered_flat_set.hpp>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

namespace oasis::schema {

using namespace detail;

namespace {

namespace json = boost::json;

struct Eval {
  SchemaRef s;
  std::size_t frame;  // the evaluation depth validate.cpp would be at inside eval(s)
};

// A stack of plain values whose push stays inline (the evaluations of a 1,000-item list pass
// through here several times per item).
template <class T>
class PodStack {
 public:
  std::size_t size() const { return n_; }
  T& operator[](std::size_t i) { return p_[i]; }
  const T& operator[](std::size_t i) const { return p_[i]; }
  void clear() { n_ = 0; }
  void resize(std::size_t n) { n_ = n; }  // only to shrink
  void push_back(const T& v) {
    if (n_ == cap_) [[unlikely]]
      grow();
    p_[n_++] = v;
  }

 private:
  void grow() {
    std::size_t cap = cap_ ? cap_ * 2 : 64;
    auto p = std::make_unique<T[]>(cap);
    for (std::size_t i = 0; i < n_; ++i) p[i] = p_[i];
    p_ = std::move(p);
    cap_ = cap;
  }
  std::unique_ptr<T[]> p_;
  std::size_t n_ = 0, cap_ = 0;
};

// 32-bit positions: a frame is built per container (two per item of a list), so its size counts.
struct Frame {
  Frame(bool is_object, std::size_t instance_depth, std::size_t evals, std::size_t caps, std::size_t names)
      : depth(static_cast<std::uint32_t>(instance_depth)),
        evals_begin(static_cast<std::uint32_t>(evals)),
        evals_end(static_cast<std::uint32_t>(evals)),
        caps_begin(static_cast<std::uint32_t>(caps)),
        caps_end(static_cast<std::uint32_t>(caps)),
        keys_begin(static_cast<std::uint32_t>(names)),
        object(is_object) {}

  // Objects whose first evaluation has at most 64 properties: the members named there are
  // marked in `seen` by index (and only the other names go to `keys`).
  SchemaRef lead = nullptr;
  // Arrays with one evaluation, without prefixItems, not too deep for items: every item's schema
  // is its `items` (maybe null).
  SchemaRef items = nullptr;
  // When expect: the lead's property at `guess` (null past the last one), for expected_key().
  const PropertyEntry* next = nullptr;
  const PropertyEntry* props_end = nullptr;
  std::uint64_t seen = 0;
  std::size_t count = 0;    // items so far (arrays)
  std::size_t members = 0;  // distinct names so far
  // When expect or items_fixed: the evaluation depth of the lead's properties' schemas, of `items`
  std::size_t child_frame = 0;
  std::uint32_t depth;        // instance depth of the container (the root value is 0)
  std::uint32_t evals_begin;  // streamed evaluations: active[evals_begin, evals_end)
  std::uint32_t evals_end;
  std::uint32_t caps_begin;  // evaluations of the whole container: captures[caps_begin, caps_end)
  std::uint32_t caps_end;
  std::uint32_t keys_begin;  // member names so far: keys[keys_begin, ...) (when track_keys)
  // Members usually come in the schema's order: try this index first (while expect, `next` is
  // the property at it).
  std::uint32_t guess = 0;
  std::int32_t capture_level = -1;  // its value_stack, when it has captures
  std::int32_t key_set = -1;        // for large objects: its set of names in Checker::sets
  bool object;
  bool track_keys = false;
  bool lead_alone = false;   // the lead is the only evaluation, without patternProperties or propertyNames
  bool expect = false;       // lead_alone and no value stack open: keys may take expected_key()
  bool items_fixed = false;
};

// Only the field of its kind is set (and read).
struct Scalar {
  json::kind kind = json::kind::null;
  std::int64_t i;
  std::uint64_t u;
  double d;
  bool b;
  std::string_view str;

  static Scalar string(std::string_view text) {
    Scalar v;
    v.kind = json::kind::string;
    v.str = text;
    return v;
  }

  json::value number_value() const {
    switch (kind) {
      case json::kind::int64: return json::value(i);
      case json::kind::uint64: return json::value(u);
      case json::kind::double_: return json::value(d);
      case json::kind::bool_: return json::value(b);
      default: return json::value(nullptr);
    }
  }
};

constexpr std::uint32_t kHardAny = has_any_of | has_one_of | has_not | has_if | has_unevaluated;
constexpr std::size_t kLinearKeys = 32;

// Equal bytes, for the short names of members: a word at a time, without a call.
[[gnu::always_inline]] inline bool same_bytes(const char* a, const char* b, std::size_t n) {
  std::uint64_t x, y;
  while (n > 8) {
    std::memcpy(&x, a, 8);
    std::memcpy(&y, b, 8);
    if (x != y) return false;
    a += 8, b += 8, n -= 8;
  }
  if (n >= 4) {  // two overlapping words cover 4..8 bytes
    std::uint32_t p, q, r, t;
    std::memcpy(&p, a, 4);
    std::memcpy(&q, b, 4);
    std::memcpy(&r, a + n - 4, 4);
    std::memcpy(&t, b + n - 4, 4);
    return p == q && r == t;
  }
  for (std::size_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return false;
  return true;
}

bool direction_forbids(SchemaRef ps, Direction d) {
  return (d == Direction::request && ps->effective_read_only) || (d == Direction::response && ps->effective_write_only);
}

// The state of one validation; reused by the thread (vectors keep their capacity).
struct Checker {
  // --- per call
  SchemaRef root = nullptr;
  Direction dir = Direction::none;
  const char* text_begin = nullptr;
  const char* text_end = nullptr;
  json::monotonic_resource* arena = nullptr;
  std::size_t steps = 0;
  std::uint8_t forbidden = 0;  // forbidden_bit(dir): the bit of PropertyEntry::forbidden_in for this call
  bool failed = false;
  bool need_dom = false;
  bool started = false;

  // --- reused
  std::vector<Frame> frames;
  PodStack<Eval> active, captures, pending;
  PodStack<std::string_view> keys;
  std::vector<boost::unordered_flat_set<std::string_view>> sets;
  std::size_t sets_used = 0;
  // `required` of the last lead schema as a mask over its properties (this call's direction)
  SchemaRef req_schema = nullptr;
  std::uint64_t req_mask = 0;
  bool req_simple = false;  // every required name not skipped by direction is in the mask
  std::string sbuf, kbuf;
  bool s_parts = false, k_parts = false;
  std::vector<std::unique_ptr<json::value_stack>> stacks;
  int open_stacks = 0;

  void reset(SchemaRef s, Direction d, std::string_view text, json::monotonic_resource* mr) {
    root = s;
    dir = d;
    text_begin = text.data();
    text_end = text.data() + text.size();
    arena = mr;
    steps = 0;
    forbidden = forbidden_bit(d);
    failed = need_dom = started = false;
    frames.clear();
    active.clear();
    captures.clear();
    pending.clear();
    keys.clear();
    sets_used = 0;
    req_schema = nullptr;
    sbuf.clear();
    kbuf.clear();
    s_parts = k_parts = false;
    open_stacks = 0;
  }

  // Before the call's arena goes: no value stack may keep anything built in it.
  void finish() {
    for (auto& st : stacks) st->reset();
    frames.clear();
  }

  bool stopped() const { return need_dom; }
  void fail() { failed = true; }

  // --- the value that starts now: which evaluations apply to it
  std::size_t value_depth() const { return frames.empty() ? 0 : frames.back().depth + 1; }

  // Inline: most values are members, whose evaluations were found at the key.
  [[gnu::always_inline]] void begin_value() {
    if (failed) return;
    if (frames.empty()) [[unlikely]] {
      if (!started) {
        started = true;
        pending.push_back({root, 1});
      }
      return;
    }
    Frame& f = frames.back();
    if (f.object) return;  // filled at the key
    begin_item(f);
  }

  [[gnu::always_inline]] void begin_item(Frame& f) {
    if (f.items_fixed) {
      ++f.count;
      if (!f.items) return;
      pending.push_back({f.items, f.child_frame});
      return;
    }
    const std::size_t idx = f.count++;
    for (std::size_t k = f.evals_begin; k < f.evals_end; ++k) {
      SchemaRef s = active[k].s;
      SchemaRef item = idx < s->prefix_items.size() ? s->prefix_items[idx] : s->items;
      if (!item) continue;
      if (f.depth >= max_instance_depth) {
        fail();
        return;
      }
      pending.push_back({item, active[k].frame + 1});
    }
  }

  // --- scalars
  [[gnu::always_inline]] bool counted(SchemaRef, std::size_t frame) {
    if (++steps > eval_max_steps || frame > eval_max_frames) {
      fail();
      return false;
    }
    return true;
  }

  json::value scalar_value(const Scalar& v) const {
    if (v.kind == json::kind::string) return json::value(json::string_view(v.str.data(), v.str.size()), json::storage_ptr(arena));
    return v.number_value();
  }

  bool scalar_equal(const json::value& e, const Scalar& v) const {
    if (v.kind == json::kind::string) return e.is_string() && std::string_view(e.get_string()) == v.str;
    return json_equal(e, v.number_value());
  }

  // Exact, as detail::compare, with the common pairs inline.
  [[gnu::always_inline]] static int num_compare(const Num& a, const Num& b) {
    if (a.kind == b.kind) {
      if (a.kind == Num::i64) return a.i < b.i ? -1 : a.i > b.i ? 1 : 0;
      if (a.kind == Num::f64) return a.d < b.d ? -1 : a.d > b.d ? 1 : 0;
    } else if (a.kind == Num::f64 && b.kind == Num::i64 && b.i > -(std::int64_t{1} << 53) &&
               b.i < (std::int64_t{1} << 53)) {
      const double y = static_cast<double>(b.i);  // exact
      return a.d < y ? -1 : a.d > y ? 1 : 0;
    }
    return compare(a, b);
  }

  [[gnu::always_inline]] static Num num_of_scalar(const Scalar& v) {
    switch (v.kind) {
      case json::kind::int64: return num_of_int(v.i);
      case json::kind::uint64: return Num{Num::u64, 0, v.u, 0};
      default: return num_of_double(v.d);
    }
  }

  // The code points of `str` are within [lo, hi]; counted only when the bytes cannot tell
  // (a code point is 1 to 4 bytes).
  [[gnu::always_inline]] static bool length_within(std::string_view str, std::size_t lo, std::size_t hi) {
    const std::size_t bytes = str.size();
    if (bytes < lo) return false;
    if (bytes <= hi && (bytes + 3) / 4 >= lo) return true;
    const std::size_t len = utf8_length(str);
    return len >= lo && len <= hi;
  }

  bool enum_has(SchemaRef s, const Scalar& v) const {
    if (v.kind == json::kind::string) {
      const std::string_view* e = s->enum_strings.get();
      for (std::uint32_t i = 0; i < s->enum_string_count; ++i)
        if (e[i].size() == v.str.size() && same_bytes(e[i].data(), v.str.data(), v.str.size())) return true;
      return false;
    }
    for (const auto& e : *s->enum_values)
      if (scalar_equal(e, v)) return true;
    return false;
  }

  // Through $ref-only nodes, nullable and whole-value keywords: the node whose keywords apply
  // next, or null when this evaluation is over.
  [[gnu::noinline]] SchemaRef scalar_enter(SchemaRef s, std::size_t& frame, const Scalar& v) {
    for (;;) {
      if (failed) return nullptr;
      if (!s->pure_ref && !s->always_false && (s->has & kHardAny)) {
        if (!is_valid_at(s, scalar_value(v), dir, value_depth(), frame - 1, steps)) fail();
        return nullptr;
      }
      if (!counted(s, frame)) return nullptr;
      if (s->always_false) {
        fail();
        return nullptr;
      }
      if (s->nullable && v.kind == json::kind::null) return nullptr;
      if (!s->pure_ref) return s;
      s = s->ref;
      ++frame;
    }
  }

  [[gnu::noinline]] bool string_rest(SchemaRef s, std::uint32_t has, const Scalar& v) const {
    if (!s->pattern_matches(v.str)) return false;
    if ((has & has_format) && is_string_format(s->format) && !check_format(s->format, v.str)) return false;
    return true;
  }

  // The evaluations of $ref and allOf (scalar_eval is inlined where each kind of scalar arrives,
  // so that the kind is known there; these calls are not).
  [[gnu::noinline]] void scalar_eval_out(SchemaRef s, std::size_t frame, const Scalar& v) {
    scalar_eval(s, frame, v);
  }

  // (The value's instance depth, value_depth(), is needed only where a whole-value keyword applies.)
  [[gnu::always_inline]] void scalar_eval(SchemaRef s, std::size_t frame, const Scalar& v) {
    if (s->text_plain) [[likely]] {
      if (failed || !counted(s, frame)) return;
    } else {
      s = scalar_enter(s, frame, v);
      if (!s) return;
    }
    if (s->type_mask) {
      bool ok;
      switch (v.kind) {
        case json::kind::null: ok = s->type_mask & type_null; break;
        case json::kind::bool_: ok = s->type_mask & type_boolean; break;
        case json::kind::string: ok = s->type_mask & type_string; break;
        case json::kind::int64:
        case json::kind::uint64: ok = s->type_mask & (type_number | type_integer); break;
        default:
          ok = (s->type_mask & type_number) ||
               ((s->type_mask & type_integer) && std::isfinite(v.d) && std::trunc(v.d) == v.d);
      }
      if (!ok) return fail();
    }
    const std::uint32_t has = s->has;
    if (has == 0) return;
    if (has & has_enum) {
      if (v.kind == json::kind::string) {  // (the kind is known where this is inlined)
        const std::string_view* e = s->enum_strings.get();
        std::uint32_t i = 0;
        while (i < s->enum_string_count &&
               !(e[i].size() == v.str.size() && same_bytes(e[i].data(), v.str.data(), v.str.size())))
          ++i;
        if (i == s->enum_string_count) return fail();
      } else if (!enum_has(s, v)) {
        return fail();
      }
    }
    if ((has & has_const) && !scalar_equal(*s->const_value, v)) return fail();
    switch (v.kind) {
      case json::kind::int64:
      case json::kind::uint64:
      case json::kind::double_: {
        if (has & has_numeric) {
          const Num n = num_of_scalar(v);
          if (s->minimum) {
            int cmp = num_compare(n, *s->minimum);
            if (cmp < 0 || (cmp == 0 && s->exclusive_minimum)) return fail();
          }
          if (s->maximum) {
            int cmp = num_compare(n, *s->maximum);
            if (cmp > 0 || (cmp == 0 && s->exclusive_maximum)) return fail();
          }
          if (s->multiple_of && !is_multiple_of(n, *s->multiple_of)) return fail();
        }
        if ((has & has_format) && is_numeric_format(s->format) && !in_numeric_format(s->format, v.number_value()))
          return fail();
        break;
      }
      case json::kind::string:
        if ((has & has_string) && (s->min_length > 0 || s->max_length != kNoLimit) &&
            !length_within(v.str, s->min_length, s->max_length))
          return fail();
        if ((s->pattern || (has & has_format)) && !string_rest(s, has, v)) return fail();
        break;
      default: break;
    }
    if (has & has_ref) scalar_eval_out(s->ref, frame + 1, v);
    if (has & has_all_of)
      for (SchemaRef a : s->all_of) scalar_eval_out(a, frame + 1, v);
  }

  // Member: the value of an object's member, whose evaluations were found at its key (then
  // begin_value() has nothing to do).
  template <bool Member = false>
  [[gnu::always_inline]] void on_scalar(const Scalar& v) {
    if (failed) return;
    if constexpr (!Member) begin_value();
    const std::size_t n = pending.size();
    if (n == 1) [[likely]]
      scalar_eval(pending[0].s, pending[0].frame, v);
    else
      for (std::size_t k = 0; k < n && !failed; ++k) scalar_eval_out(pending[k].s, pending[k].frame, v);
    pending.clear();
  }

  // --- containers
  [[gnu::noinline]] void container_enter(SchemaRef s, std::size_t frame, bool object) { enter(s, frame, object); }

  // Inlined in begin_container; $ref and allOf siblings go through container_enter.
  [[gnu::always_inline]] void enter(SchemaRef s, std::size_t frame, bool object) {
    for (;;) {
      if (failed) return;
      if (s->text_whole & (object ? 1 : 2)) {  // hard(s, object), settled at load
        captures.push_back({s, frame});
        return;
      }
      if (!counted(s, frame)) return;
      if (s->always_false) return fail();
      if (s->pure_ref) {
        s = s->ref;
        ++frame;
        continue;
      }
      break;
    }
    if (s->type_mask && !(s->type_mask & (object ? type_object : type_array))) return fail();
    const std::uint32_t has = s->has;
    if (has == 0) return;
    if (has & (object ? has_object : has_array)) active.push_back({s, frame});
    if (has & (has_ref | has_all_of)) [[unlikely]]
      enter_more(s, frame, object);
  }

  [[gnu::noinline]] void enter_more(SchemaRef s, std::size_t frame, bool object) {
    if (s->has & has_ref) container_enter(s->ref, frame + 1, object);
    if (s->has & has_all_of)
      for (SchemaRef a : s->all_of) container_enter(a, frame + 1, object);
  }

  [[gnu::always_inline]] void begin_container(bool object) {
    begin_value();
    const std::size_t depth = value_depth();
    // built in place (container_enter does not touch frames)
    Frame& f = frames.emplace_back(object, depth, active.size(), captures.size(), keys.size());
    if (failed) return;  // only tokenized from here on
    const std::size_t n = pending.size();
    if (n == 1) [[likely]]
      enter(pending[0].s, pending[0].frame, object);
    else
      for (std::size_t k = 0; k < n && !failed; ++k) container_enter(pending[k].s, pending[k].frame, object);
    pending.clear();
    f.evals_end = static_cast<std::uint32_t>(active.size());
    f.caps_end = static_cast<std::uint32_t>(captures.size());
    if (f.caps_end > f.caps_begin) {
      f.capture_level = open_stacks++;
      if (stacks.size() < static_cast<std::size_t>(open_stacks)) stacks.push_back(std::make_unique<json::value_stack>());
      stacks[static_cast<std::size_t>(f.capture_level)]->reset(json::storage_ptr(arena));
    }
    // (text_frame, settled at load: 1 no prefixItems, 2 at most 64 properties, 4 neither
    // patternProperties nor propertyNames)
    // (an item deeper than the limit fails in begin_item's general way)
    if (!object && f.evals_end - f.evals_begin == 1 && (active[f.evals_begin].s->text_frame & 1) &&
        f.depth < max_instance_depth) {
      f.items_fixed = true;
      f.items = active[f.evals_begin].s->items;
      f.child_frame = active[f.evals_begin].frame + 1;
    }
    f.track_keys = object && f.evals_end > f.evals_begin;
    if (f.track_keys && (active[f.evals_begin].s->text_frame & 2)) {
      f.lead = active[f.evals_begin].s;
      f.lead_alone = f.evals_end - f.evals_begin == 1 && (f.lead->text_frame & 4);
      f.expect = f.lead_alone && open_stacks == 0;  // (the stacks of the values inside close before the next key)
      if (f.expect && !f.lead->properties.empty()) {
        f.child_frame = active[f.evals_begin].frame + 1;
        f.next = f.lead->properties.data();
        f.props_end = &f.lead->properties.back() + 1;
      }
    }
  }

  // Among the names not marked by index.
  bool seen_other(const Frame& f, std::string_view name) const {
    if (f.key_set >= 0) return sets[static_cast<std::size_t>(f.key_set)].contains(name);
    for (std::size_t j = f.keys_begin; j < keys.size(); ++j)
      if (keys[j] == name) return true;
    return false;
  }

  bool seen_name(const Frame& f, std::string_view name) const {
    if (f.lead) {
      int i = f.lead->find_property(name);
      if (i >= 0) return (f.seen >> i) & 1;
    }
    return seen_other(f, name);
  }

  // The index of a property by name, trying the one after the last match first.
  static int lookup(SchemaRef s, std::string_view key, std::uint32_t& guess) {
    if (guess < s->properties.size()) {
      const std::string& n = s->properties[guess].name;
      if (n.size() == key.size() && same_bytes(n.data(), key.data(), key.size())) return static_cast<int>(guess++);
    }
    int i = s->find_property(key);
    if (i >= 0) guess = static_cast<std::uint32_t>(i) + 1;
    return i;
  }

  void required_mask(SchemaRef s) {
    req_schema = s;
    req_mask = 0;
    req_simple = true;
    for (const auto& r : s->required) {
      if (r.property && direction_forbids(r.property, dir)) continue;
      int i = s->find_property(r.name);
      if (i >= 0)
        req_mask |= std::uint64_t{1} << i;
      else
        req_simple = false;
    }
  }

  bool required_ok(const Frame& f, SchemaRef s) {
    if (s == f.lead) {
      if (req_schema != s) required_mask(s);
      if ((f.seen & req_mask) != req_mask) return false;
      if (req_simple) return true;
    }
    for (const auto& r : s->required) {
      if (seen_name(f, r.name)) continue;
      if (r.property && direction_forbids(r.property, dir)) continue;
      return false;
    }
    return true;
  }

  [[gnu::always_inline]] void end_container(std::size_t n) {
    Frame& f = frames.back();
    if (!failed) {
      if (f.object) {
        const std::size_t members = f.members;
        for (std::size_t k = f.evals_begin; k < f.evals_end && !failed; ++k) {
          SchemaRef s = active[k].s;
          if (!s->required.empty()) {
            if (s == f.lead && s == req_schema && req_simple) {  // required_ok's first test, inline
              if ((f.seen & req_mask) != req_mask) fail();
            } else if (!required_ok(f, s)) {
              fail();
            }
          }
          if (members < s->min_properties || members > s->max_properties) fail();
        }
      } else {
        for (std::size_t k = f.evals_begin; k < f.evals_end; ++k) {
          SchemaRef s = active[k].s;
          if (f.count < s->min_items || f.count > s->max_items) fail();
        }
      }
    }
    if (f.capture_level >= 0 && !failed) {
      // the container's own end has been pushed; this value is complete
      json::value v = stacks[static_cast<std::size_t>(f.capture_level)]->release();
      --open_stacks;
      for (std::size_t k = f.caps_begin; k < f.caps_end && !failed; ++k)
        if (!is_valid_at(captures[k].s, v, dir, f.depth, captures[k].frame - 1, steps)) fail();
    }
    (void)n;
    active.resize(f.evals_begin);
    captures.resize(f.caps_begin);
    keys.resize(f.keys_begin);
    if (f.key_set >= 0) sets_used = static_cast<std::size_t>(f.key_set);
    frames.pop_back();
  }

  std::string_view stable(std::string_view s) {
    if (s.data() >= text_begin && s.data() + s.size() <= text_end) return s;
    char* p = static_cast<char*>(arena->allocate(s.size() ? s.size() : 1, 1));
    if (!s.empty()) std::memcpy(p, s.data(), s.size());
    return {p, s.size()};
  }

  // Inline: a member named by the only evaluation (what on_member_rest does for it).
  [[gnu::always_inline]] void on_member(std::string_view key) {
    Frame& f = frames.back();
    if (!f.track_keys) return;
    if (f.lead_alone) {
      const int pi = lookup(f.lead, key, f.guess);
      sync_next(f);
      if (pi >= 0) return lead_member(f, pi);
    }
    on_member_rest(f, key);
  }

  // After lookup() moved the guess.
  static void sync_next(Frame& f) {
    if (f.expect) f.next = f.guess < f.lead->properties.size() ? &f.lead->properties[f.guess] : nullptr;
    // (props_end was set at the begin when there are properties; without, next stays null)
  }

  [[gnu::always_inline]] void lead_member(Frame& f, int pi) {
    const std::uint64_t bit = std::uint64_t{1} << pi;
    if (f.seen & bit) {
      need_dom = true;  // duplicate: the DOM keeps the last value
      return;
    }
    f.seen |= bit;
    ++f.members;
    if (failed) return;
    SchemaRef ps = f.lead->properties[static_cast<std::size_t>(pi)].schema;
    if (direction_forbids(ps, dir)) return fail();
    child(f, ps, active[f.evals_begin].frame);
  }

  // Members usually come in the schema's order: in an object whose only evaluation names its
  // members, the text `name":` of the property after the last one matched (lookup()'s guess),
  // for the tokenizer to compare with the text before scanning a key; null when there is none or
  // when a key must go the general way (the Checker has stopped, a value stack is open).
  // (Its text_key may be empty: then the key goes the general way.)
  [[gnu::always_inline]] const PropertyEntry* expected_key() const {
    if (need_dom) return nullptr;
    return frames.back().next;
  }

  // The key was expected_key()'s: what on_member does when lookup() finds it at the guess, but
  // the evaluation of its value, which on_member leaves in `pending`, is returned (s null when
  // there is none), for the tokenizer to evaluate a string or a number at once.
  [[gnu::always_inline]] Eval on_expected_member() {
    Frame& f = frames.back();
    const PropertyEntry* e = f.next;
    f.next = e + 1 == f.props_end ? nullptr : e + 1;
    const std::uint64_t bit = std::uint64_t{1} << f.guess++;
    if (f.seen & bit) {
      need_dom = true;  // duplicate: the DOM keeps the last value
      return {nullptr, 0};
    }
    f.seen |= bit;
    ++f.members;
    if (failed) return {nullptr, 0};
    // (f.depth < PlainWalk::kMaxDepth < max_instance_depth: what child() tests cannot fail here)
    if (e->forbidden_in & forbidden) {
      fail();
      return {nullptr, 0};
    }
    return {e->schema, f.child_frame};
  }

  // An array just begun whose items all take `items` (items_fixed), with no value stack open:
  // its string items may go to direct_item().
  [[gnu::always_inline]] bool items_direct() const {
    return !need_dom && open_stacks == 0 && !frames.empty() && frames.back().items_fixed;
  }

  // A string item of such an array: what on_string, begin_item and on_scalar do for it.
  [[gnu::always_inline]] void direct_item(const Scalar& v) {
    if (failed || need_dom) return;  // (after need_dom the frames are no longer followed)
    Frame& f = frames.back();
    ++f.count;
    if (f.items) scalar_eval(f.items, f.child_frame, v);
  }

  // The string or number after an expected key (no value stack is open there: expect).
  [[gnu::always_inline]] void expected_scalar(const Eval& m, const Scalar& v) {
    if (m.s) scalar_eval(m.s, m.frame, v);
  }

  [[gnu::noinline]] void on_member_rest(Frame& f, std::string_view key) {
    int lead_pi = f.lead ? lookup(f.lead, key, f.guess) : -1;
    sync_next(f);
    if (lead_pi >= 0) {
      const std::uint64_t bit = std::uint64_t{1} << lead_pi;
      if (f.seen & bit) {
        need_dom = true;  // duplicate: the DOM keeps the last value
        return;
      }
      f.seen |= bit;
    } else {
      if (seen_other(f, key)) {
        need_dom = true;
        return;
      }
      std::string_view name = stable(key);
      keys.push_back(name);
      if (f.key_set >= 0) {
        sets[static_cast<std::size_t>(f.key_set)].insert(name);
      } else if (keys.size() - f.keys_begin > kLinearKeys) {
        if (sets.size() <= sets_used) sets.emplace_back();
        auto& set = sets[sets_used];
        set.clear();
        for (std::size_t j = f.keys_begin; j < keys.size(); ++j) set.insert(keys[j]);
        f.key_set = static_cast<int>(sets_used++);
      }
    }
    ++f.members;
    // After a failure the keys of the objects still open are only watched: a later duplicate
    // replaces a member, perhaps the one that failed, and then the DOM decides.
    if (failed) return;
    for (std::size_t k = f.evals_begin; k < f.evals_end && !failed; ++k) {
      SchemaRef s = active[k].s;
      const std::size_t frame = active[k].frame;
      if (!s->member_rules) continue;
      bool matched = false;
      int pi = k == f.evals_begin && f.lead ? lead_pi : s->properties.empty() ? -1 : s->find_property(key);
      if (pi >= 0) {
        matched = true;
        SchemaRef ps = s->properties[static_cast<std::size_t>(pi)].schema;
        if (direction_forbids(ps, dir)) return fail();
        child(f, ps, frame);
      }
      for (const auto& pp : s->pattern_properties) {
        if (pp.re && !RE2::PartialMatch(re2::StringPiece(key.data(), key.size()), *pp.re)) continue;
        matched = true;
        child(f, pp.schema, frame);
      }
      if (!matched && s->additional_properties) {
        if (s->additional_properties->always_false) return fail();
        child(f, s->additional_properties, frame);
      }
      if (s->property_names) {
        json::value nv(json::string_view(key.data(), key.size()), json::storage_ptr(arena));
        if (!is_valid_at(s->property_names, nv, dir, f.depth + 1, frame, steps)) return fail();
      }
    }
  }

  void child(const Frame& f, SchemaRef s, std::size_t frame) {
    if (f.depth >= max_instance_depth) return fail();
    pending.push_back({s, frame + 1});
  }

  // --- feeding the value stacks of open captures
  template <class F>
  void feed(F&& fn) {
    if (open_stacks == 0 || failed) return;
    for (int l = 0; l < open_stacks; ++l) fn(*stacks[static_cast<std::size_t>(l)]);
  }
};

// basic_parser's handler: forwards events to the Checker until it has an answer.
struct Handler {
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();

  Checker* c;

  explicit Handler(Checker* checker) : c(checker) {}

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }

  [[gnu::always_inline]] bool on_array_begin(json::error_code&) {
    if (c->stopped()) return true;
    c->begin_container(false);
    return true;
  }
  [[gnu::always_inline]] bool on_array_end(std::size_t n, json::error_code&) {
    if (c->stopped()) return true;
    c->feed([n](json::value_stack& st) { st.push_array(n); });
    c->end_container(n);
    return true;
  }
  [[gnu::always_inline]] bool on_object_begin(json::error_code&) {
    if (c->stopped()) return true;
    c->begin_container(true);
    return true;
  }
  [[gnu::always_inline]] bool on_object_end(std::size_t n, json::error_code&) {
    if (c->stopped()) return true;
    c->feed([n](json::value_stack& st) { st.push_object(n); });
    c->end_container(n);
    return true;
  }

  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    if (c->stopped()) return true;
    c->feed([s](json::value_stack& st) { st.push_chars(s); });
    c->sbuf.append(s.data(), s.size());
    c->s_parts = true;
    return true;
  }
  template <bool Member = false>
  [[gnu::always_inline]] bool on_string(json::string_view s, std::size_t, json::error_code&) {
    if (c->stopped()) return true;
    c->feed([s](json::value_stack& st) { st.push_string(s); });
    Scalar v;
    v.kind = json::kind::string;
    if (c->s_parts) [[unlikely]] {
      c->sbuf.append(s.data(), s.size());
      v.str = c->sbuf;
      c->on_scalar<Member>(v);
      c->sbuf.clear();
      c->s_parts = false;
      return true;
    }
    v.str = std::string_view(s.data(), s.size());
    c->on_scalar<Member>(v);
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    if (c->stopped()) return true;
    c->feed([s](json::value_stack& st) { st.push_chars(s); });
    c->kbuf.append(s.data(), s.size());
    c->k_parts = true;
    return true;
  }
  [[gnu::always_inline]] bool on_key(json::string_view s, std::size_t, json::error_code&) {
    if (c->stopped()) return true;
    c->feed([s](json::value_stack& st) { st.push_key(s); });
    if (c->k_parts) [[unlikely]] {
      c->kbuf.append(s.data(), s.size());
      c->on_member(c->kbuf);
      c->kbuf.clear();
      c->k_parts = false;
      return true;
    }
    c->on_member(std::string_view(s.data(), s.size()));
    return true;
  }

  bool on_number_part(json::string_view, json::error_code&) { return true; }
  template <bool Member = false>
  [[gnu::always_inline]] bool on_int64(std::int64_t i, json::string_view, json::error_code&) {
    if (c->stopped()) return true;
    c->feed([i](json::value_stack& st) { st.push_int64(i); });
    Scalar v;
    v.kind = json::kind::int64;
    v.i = i;
    c->on_scalar<Member>(v);
    return true;
  }
  bool on_uint64(std::uint64_t u, json::string_view, json::error_code&) {
    if (c->stopped()) return true;
    c->feed([u](json::value_stack& st) { st.push_uint64(u); });
    Scalar v;
    v.kind = json::kind::uint64;
    v.u = u;
    c->on_scalar(v);
    return true;
  }
  template <bool Member = false>
  [[gnu::always_inline]] bool on_double(double d, json::string_view, json::error_code&) {
    if (c->stopped()) return true;
    c->feed([d](json::value_stack& st) { st.push_double(d); });
    Scalar v;
    v.kind = json::kind::double_;
    v.d = d;
    c->on_scalar<Member>(v);
    return true;
  }
  bool on_bool(bool b, json::error_code&) {
    if (c->stopped()) return true;
    c->feed([b](json::value_stack& st) { st.push_bool(b); });
    Scalar v;
    v.kind = json::kind::bool_;
    v.b = b;
    c->on_scalar(v);
    return true;
  }
  bool on_null(json::error_code&) {
    if (c->stopped()) return true;
    c->feed([](json::value_stack& st) { st.push_null(); });
    Scalar v;
    c->on_scalar(v);
    return true;
  }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }
};

// The plain subset of JSON (plain_scan.hpp), tokenized without basic_parser's machinery for
// resuming, containers nested less deep than the limit. It drives the same Handler with the same
// events and values as basic_parser. At anything outside the subset — including any malformed
// text — run() answers false and the caller starts over with basic_parser, which decides. Text
// that run() accepts is well-formed JSON.
class PlainText : PlainWalk<PlainText> {
 public:
  static_assert(kMaxDepth < max_instance_depth);  // (Checker::on_expected_member counts on it)

  PlainText(Handler& h, std::string_view text, std::size_t max_depth) : PlainWalk(text, max_depth), h_(h) {}

  bool run() { return walk(); }

 private:
  friend class PlainWalk<PlainText>;

  const char* string_value(const char* p) {
    const char* start = p + 1;
    if (!(p = string(start))) return nullptr;
    h_.on_string(json::string_view(start, static_cast<std::size_t>(p - start)), static_cast<std::size_t>(p - start), ec_);
    return p + 1;
  }
  const char* number_value(const char* p) { return number<false>(p); }
  void on_bool(bool b) { h_.on_bool(b, ec_); }
  void on_null() { h_.on_null(ec_); }

  // A member's or an item's value: strings and numbers without a call.
  template <bool Member>
  [[gnu::always_inline]] const char* element(const char* p, std::size_t depth) {
    if (*p == '"') {
      const char* start = p + 1;
      p = string(start);
      if (!p) return nullptr;
      h_.on_string<Member>(json::string_view(start, static_cast<std::size_t>(p - start)), static_cast<std::size_t>(p - start), ec_);
      return p + 1;
    }
    if (is_digit(*p) || *p == '-') return number<Member>(p);
    if (*p == '{') return object(p, depth + 1);
    if (*p == '[') return array(p, depth + 1);
    return value(p, depth);
  }

  using PlainScan::number;
  template <bool Member>
  const char* number(const char* p) {
    return number(
        p, [this](std::int64_t i) __attribute__((always_inline)) { h_.on_int64<Member>(i, {}, ec_); },
        [this](double d) __attribute__((always_inline)) { h_.on_double<Member>(d, {}, ec_); });
  }


  const char* object(const char* p, std::size_t depth) {
    if (too_deep(depth)) return nullptr;
    h_.on_object_begin(ec_);
    if (!(p = more(p + 1))) return nullptr;
    if (*p == '}') {
      h_.on_object_end(0, ec_);
      return p + 1;
    }
    std::size_t n = 0;
    for (;;) {
      if (*p != '"') return nullptr;
      const char* const start = p + 1;
      // The key the Checker expects next, spelled `name":` and followed by the value: the same
      // events as the general way below, without scanning the key or looking it up.
      const PropertyEntry* e = h_.c->expected_key();
      std::size_t klen = 0;
      if (e && expected_here(e, start, klen)) {
        const Eval m = h_.c->on_expected_member();
        p = start + klen;
        if (!(p = expected_value(p, depth, m))) return nullptr;
      } else {
        if (!(p = string(start))) return nullptr;
        h_.on_key(json::string_view(start, static_cast<std::size_t>(p - start)), static_cast<std::size_t>(p - start), ec_);
        if (!(p = after_key(p)) || !(p = element<true>(p, depth))) return nullptr;
      }
      ++n;
      bool done = false;
      if (!(p = after_element(p, '}', done))) return nullptr;
      if (done) {
        h_.on_object_end(n, ec_);
        return p + 1;
      }
    }
  }

  // The value after an expected key, whose evaluation is m: a string or a number is evaluated at
  // once, anything else the general way (from `pending`, as on_member leaves it).
  [[gnu::always_inline]] const char* expected_value(const char* p, std::size_t depth, const Eval& m) {
    Checker& c = *h_.c;
    if (*p == '"') {
      const char* start = p + 1;
      if (!(p = string(start))) return nullptr;
      c.expected_scalar(m, Scalar::string(std::string_view(start, static_cast<std::size_t>(p - start))));
      return p + 1;
    }
    if (is_digit(*p) || *p == '-')
      return number(
          p,
          [&c, &m](std::int64_t i) __attribute__((always_inline)) {
            Scalar v;
            v.kind = json::kind::int64;
            v.i = i;
            c.expected_scalar(m, v);
          },
          [&c, &m](double d) __attribute__((always_inline)) {
            Scalar v;
            v.kind = json::kind::double_;
            v.d = d;
            c.expected_scalar(m, v);
          });
    if (m.s) c.pending.push_back(m);
    if (*p == '[') return array(p, depth + 1);  // (a member's array, as element() would go)
    return element<true>(p, depth);
  }

  // The text at `start` is e's `name":` followed by a byte that can begin a value; klen its size.
  [[gnu::always_inline]] bool expected_here(const PropertyEntry* e, const char* start, std::size_t& klen) const {
#if defined(__SSE2__)
    if (e->text_key16_size && end_ - start > 16) {
      klen = e->text_key16_size;
      const __m128i t = _mm_loadu_si128(reinterpret_cast<const __m128i*>(start));
      const __m128i k = _mm_loadu_si128(reinterpret_cast<const __m128i*>(e->text_key16));
      const unsigned want = e->text_key16_mask;
      return (static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(t, k))) & want) == want &&
             static_cast<unsigned char>(start[klen]) > ' ';
    }
#endif
    const std::string& k = e->text_key;
    klen = k.size();
    return klen && static_cast<std::size_t>(end_ - start) > klen && same_bytes(start, k.data(), klen) &&
           static_cast<unsigned char>(start[klen]) > ' ';
  }

  const char* array(const char* p, std::size_t depth) {
    if (too_deep(depth)) return nullptr;
    h_.on_array_begin(ec_);
    const bool direct = h_.c->items_direct();
    if (!(p = more(p + 1))) return nullptr;
    if (*p == ']') {
      h_.on_array_end(0, ec_);
      return p + 1;
    }
    std::size_t n = 0;
    for (;;) {
      if (direct && *p == '"') {
        const char* start = p + 1;
        if (!(p = string(start))) return nullptr;
        h_.c->direct_item(Scalar::string(std::string_view(start, static_cast<std::size_t>(p - start))));
        ++p;
      } else if (!(p = element<false>(p, depth))) {
        return nullptr;
      }
      ++n;
      bool done = false;
      if (!(p = after_element(p, ']', done))) return nullptr;
      if (done) {
        h_.on_array_end(n, ec_);
        return p + 1;
      }
    }
  }

  Handler& h_;
  json::error_code ec_;
};

TextValidity dom_answer(SchemaRef s, std::string_view text, Direction d, const json::parse_options& po) {
  json::monotonic_resource arena;
  json::stream_parser p({}, po);
  p.reset(json::storage_ptr(&arena));
  json::error_code ec;
  p.write(text.data(), text.size(), ec);
  if (!ec) p.finish(ec);
  if (ec) return TextValidity::malformed;
  json::value v = p.release();
  return is_valid(s, v, d) ? TextValidity::valid : TextValidity::invalid;
}

}  // namespace

TextValidity is_valid_text(SchemaRef s, std::string_view text, Direction d, std::size_t max_depth) {
  json::parse_options po;
  po.max_depth = max_depth;
  thread_local Checker checker;
  thread_local bool busy = false;
  if (busy) return dom_answer(s, text, d, po);  // (not reentrant; cannot happen today)
  busy = true;
  json::monotonic_resource arena;
  checker.reset(s, d, text, &arena);
  TextValidity out;
  bool decided = false;
  {
    Handler h(&checker);
    if (PlainText(h, text, max_depth).run()) {
      out = checker.failed && !checker.need_dom ? TextValidity::invalid : TextValidity::valid;
      decided = true;
    } else {  // basic_parser decides, from the start
      checker.finish();
      checker.reset(s, d, text, &arena);
    }
  }
  if (!decided) {
    json::basic_parser<Handler> parser(po, &checker);
    json::error_code ec;
    // as stream_parser::write then finish() drive it (what parse_body does)
    const std::size_t n = parser.write_some(true, text.data(), text.size(), ec);
    if (!ec && n < text.size()) ec = json::error::extra_data;
    if (!ec) parser.write_some(false, nullptr, 0, ec);
    if (ec)
      out = TextValidity::malformed;
    else if (checker.need_dom)
      out = TextValidity::valid;  // decided below
    else
      out = checker.failed ? TextValidity::invalid : TextValidity::valid;
  }
  const bool need_dom = checker.need_dom && out != TextValidity::malformed;
  checker.finish();
  busy = false;
  if (need_dom) return dom_answer(s, text, d, po);
  return out;
}

}  // namespace oasis::schema
