// src/schema/generate.cpp — deterministic example values that validate against their schema.
//
// A value is generated for a list of "parts": the schema, everything it reaches through $ref
// and allOf, and the branch chosen for each oneOf/anyOf/if. Constraints of all parts apply at
// once (allOf is a merge), and every generated value is checked with the validator against all
// parts; when the check fails another variant is tried, and a contradictory schema ends in a
// best effort. A candidate is not checked again where checking cannot fail: an object or array
// built from children that validated, under parts whose every keyword the builder satisfies by
// construction (see `constructive_object` and `constructive_array`), is valid without a second
// look — on a large document that second look was most of the load's work, because each level
// re-checked the whole subtree below it. All randomness comes from a splitmix64 stream seeded by GenerateOptions::seed and
// consumed in a fixed order, so the same schema and seed give the same bytes.
#include "compiled.hpp"
#include "generate_audit.hpp"
#include "pattern_gen.hpp"

#include <boost/container/small_vector.hpp>
#include <boost/unordered/unordered_flat_map.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <unordered_set>

namespace oasis::schema {

using namespace detail;

namespace {

constexpr std::size_t kMaxParts = 64;
constexpr std::size_t kBudget = 4000;     // values generated before optional content stops
constexpr std::size_t kHardDepth = 64;    // required recursion stops here whatever the schema says
constexpr int kAttempts = 3;
constexpr std::size_t kHardBudget = 100000;  // values generated before everything stops (hostile schemas)
constexpr std::size_t kMaxLength = 100000;    // a longer minLength gets a best effort
constexpr std::size_t kMaxItems = 2000;       // a larger minItems too
constexpr std::size_t kMaxUncheckedWeight = 100000;  // well within the validator's 2,000,000 steps

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool has_word(std::string_view name, std::string_view w) { return name.find(w) != std::string_view::npos; }
bool ends_with(std::string_view name, std::string_view w) { return name.ends_with(w); }

struct Forced {
  std::string name;
  boost::json::value value;
};

struct Gen {
  const GenerateOptions& opts;
  Rng rng;
  std::size_t produced = 0;
  GenerateAudit* audit = nullptr;
  // Some expansion stopped at a limit: a part list may then miss what its schemas reach, and
  // "valid against every part" no longer implies "valid against the schema" (sticky per call).
  bool truncated = false;
  // Schema nodes visited by expand, about what the validator visits checking the same values: a
  // value whose subtree weighs more is checked (where the validator could run out of steps).
  std::size_t weight = 0;
  // oneOf/anyOf parts → the branch being generated for them, innermost last
  std::vector<std::pair<SchemaRef, SchemaRef>> chosen{};

  bool valid_all(const std::vector<SchemaRef>& parts, const boost::json::value& v) const {
    for (SchemaRef p : parts)
      if (!is_valid(p, v, opts.direction)) return false;
    return true;
  }

  // Whether `v`, built under `parts` from children that all validated, validates: without
  // looking when the builder satisfied every keyword by construction (`by_construction`).
  // A oneOf among the parts is the one keyword left to look at: its chosen branch holds, so it
  // holds exactly when no other branch does.
  bool built_valid(const std::vector<SchemaRef>& parts, const boost::json::value& v, bool by_construction) {
    if (!by_construction || (audit && audit->never_skip)) return valid_all(parts, v);
    const bool ok = one_of_exclusive(parts, v);
    if (audit) {
      ++audit->skipped;
      if (valid_all(parts, v) != ok) ++audit->wrong;
    }
    return ok;
  }

  // Whether every part accepts the JSON type `bit` and has no keyword a built value could miss
  // whatever its type (the applicators that choose or exclude, enum/const, unevaluated*), the
  // expansions are whole, and the value stays far within the validator's own work limits.
  // A oneOf or anyOf counts when its branch was chosen for this value: the branch's parts are
  // among `parts`, so a value valid against them satisfies anyOf, and oneOf when no other branch
  // matches (one_of_exclusive). A discriminator's oneOf is left to the validator.
  bool constructive_common(const std::vector<SchemaRef>& parts, std::uint8_t bit) const {
    if (truncated || parts.empty() || parts.size() >= kMaxParts) return false;
    constexpr std::uint32_t kChoosing = has_enum | has_const | has_not | has_if | has_unevaluated;
    for (SchemaRef p : parts) {
      if (p->always_false || (p->has & kChoosing)) return false;
      if (p->type_mask && !(p->type_mask & bit)) return false;
      if ((p->has & has_any_of) && (p->has & has_one_of)) return false;
      if ((p->has & has_one_of) && !p->discriminator_property.empty()) return false;
      if ((p->has & (has_any_of | has_one_of)) && !chosen_branch(p)) return false;
    }
    return true;
  }

  // For each oneOf among `parts`: no branch but the chosen one accepts `v`.
  bool one_of_exclusive(const std::vector<SchemaRef>& parts, const boost::json::value& v) const {
    for (SchemaRef p : parts) {
      if (!(p->has & has_one_of)) continue;
      SchemaRef b = chosen_branch(p);
      bool passed = false;  // the chosen branch once (the same schema twice in oneOf matches twice)
      for (SchemaRef o : p->one_of) {
        if (o == b && !passed) {
          passed = true;
          continue;
        }
        if (is_valid(o, v, opts.direction)) return false;
      }
    }
    return true;
  }

  // The branch chosen for `p`'s oneOf/anyOf by the innermost choice in progress.
  SchemaRef chosen_branch(SchemaRef p) const {
    for (auto it = chosen.rbegin(); it != chosen.rend(); ++it)
      if (it->first == p) return it->second;
    return nullptr;
  }

  // Adds `s` and what it reaches through $ref/allOf to `parts`.
  void expand(SchemaRef s, std::vector<SchemaRef>& parts, int depth = 0) {
    if (!s) return;
    ++weight;
    if (depth > 32 || parts.size() >= kMaxParts) {
      truncated = true;
      return;
    }
    if (std::find(parts.begin(), parts.end(), s) != parts.end()) return;
    if (s->pure_ref) {
      expand(s->ref, parts, depth + 1);
      return;
    }
    parts.push_back(s);
    if (s->ref) expand(s->ref, parts, depth + 1);
    for (SchemaRef a : s->all_of) expand(a, parts, depth + 1);
  }

  // `valid`: whether the value returned validates against every part.
  boost::json::value value(const std::vector<SchemaRef>& parts, std::size_t depth, std::string_view hint,
                           const std::vector<Forced>& forced, std::vector<SchemaRef> done, bool& valid);
  // `valid`: whether the value returned validates against every part (by_type checks each candidate).
  boost::json::value by_type(const std::vector<SchemaRef>& parts, std::size_t depth, std::string_view hint,
                             const std::vector<Forced>& forced, bool& valid);
  boost::json::value object(const std::vector<SchemaRef>& parts, std::size_t depth, const std::vector<Forced>& forced,
                            bool& valid);
  boost::json::value array(const std::vector<SchemaRef>& parts, std::size_t depth, std::string_view hint, bool& valid);
  boost::json::value string(const std::vector<SchemaRef>& parts, std::string_view hint, bool& valid);
  boost::json::value number(const std::vector<SchemaRef>& parts, bool integer, std::string_view hint, bool& valid);

  boost::json::value child(SchemaRef s, std::size_t depth, std::string_view hint,
                           const std::vector<Forced>& forced = {}) {
    std::vector<SchemaRef> parts;
    expand(s, parts);
    bool valid = false;
    return value(parts, depth, hint, forced, {}, valid);
  }
};

// --- strings ---------------------------------------------------------------------------------

std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    for (int k = 3; k >= 0; --k) out += kAlphabet[(v >> (6 * k)) & 63];
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string fmt(const char* f, unsigned long long a = 0, unsigned long long b = 0, unsigned long long c = 0,
                unsigned long long d = 0, unsigned long long e = 0, unsigned long long g = 0) {
  char buf[128];
  std::snprintf(buf, sizeof buf, f, a, b, c, d, e, g);
  return buf;
}

std::string date_text(Rng& r) { return fmt("%04llu-%02llu-%02llu", 2020 + r.below(6), 1 + r.below(12), 1 + r.below(28)); }
std::string time_text(Rng& r) { return fmt("%02llu:%02llu:%02lluZ", r.below(24), r.below(60), r.below(60)); }

// A value for a known (or commonly used but unknown) format; empty when we have none.
std::string for_format(std::string_view format, Rng& r) {
  std::uint64_t n = 1 + r.below(250);
  if (format == "date-time") return date_text(r) + "T" + time_text(r);
  if (format == "date") return date_text(r);
  if (format == "time") return time_text(r);
  if (format == "email" || format == "idn-email") return fmt("user%llu@example.com", n);
  if (format == "uuid") {
    std::uint64_t a = r.next(), b = r.next();
    return fmt("%08llx-%04llx-4%03llx-%04llx-%012llx", a >> 32, (a >> 16) & 0xffff, a & 0xfff,
               0x8000 | (b >> 48 & 0x3fff), b & 0xffffffffffffULL);
  }
  if (format == "ipv4" || format == "ip" || format == "address") return fmt("192.0.2.%llu", n);
  if (format == "ipv6") return fmt("2001:db8::%llx", n);
  if (format == "uri" || format == "url" || format == "iri") return fmt("https://example.com/items/%llu", n);
  if (format == "uri-reference" || format == "iri-reference") return fmt("/items/%llu", n);
  if (format == "uri-template") return "https://example.com/items/{id}";
  if (format == "hostname" || format == "idn-hostname" || format == "dns-name") return fmt("host%llu.example.com", n);
  if (format == "byte") return base64(fmt("example %llu", n));
  if (format == "binary") return fmt("binary-%llu", n);
  if (format == "password") return fmt("secret-%llu", n);
  if (format == "regex") return "^[a-z]+$";
  if (format == "json-pointer") return "/items/0";
  if (format == "duration") return fmt("P%lluD", n);
  if (format == "mac-addr") return fmt("52:54:00:%02llx:%02llx:%02llx", r.below(256), r.below(256), r.below(256));
  if (format == "CIDR" || format == "CIDRv4") return fmt("192.0.2.0/%llu", 24 + r.below(8));
  if (format == "CIDRv6") return "2001:db8::/64";
  if (format == "pve-node") return fmt("pve%llu", 1 + r.below(9));
  if (format == "pve-storage-id") return "local";
  if (format == "pve-vmid") return fmt("%llu", 100 + r.below(900));
  if (format == "pve-configid") return fmt("net%llu", r.below(4));
  if (format == "pve-iface") return fmt("eth%llu", r.below(4));
  if (format == "pve-userid") return fmt("user%llu@pve", n);
  if (format == "pve-poolid" || format == "pve-realm") return fmt("pool%llu", n);
  return {};
}

std::string for_name(std::string_view raw, Rng& r) {
  std::string name = lower(raw);
  std::uint64_t n = 1 + r.below(250);
  if (name.empty()) return {};
  if (has_word(name, "email") || name == "mail") return for_format("email", r);
  if (has_word(name, "uuid") || has_word(name, "guid")) return for_format("uuid", r);
  if (has_word(name, "ipv6") || name == "ip6") return for_format("ipv6", r);
  if (name == "ip" || has_word(name, "ipv4") || name == "address" || ends_with(name, "_ip") || name == "addr" ||
      has_word(name, "ipaddr"))
    return for_format("ipv4", r);
  if (name == "mac" || has_word(name, "macaddr") || has_word(name, "hwaddr") || ends_with(name, "_mac"))
    return for_format("mac-addr", r);
  if (has_word(name, "url") || has_word(name, "uri") || has_word(name, "href") || name == "link")
    return for_format("uri", r);
  if (name == "hostname" || name == "host" || ends_with(name, "_host") || name == "fqdn" || name == "domain")
    return for_format("hostname", r);
  if (name == "node" || name == "nodename" || name == "target") return fmt("pve%llu", 1 + r.below(9));
  if (ends_with(name, "_at") || name == "created" || name == "updated" || name == "timestamp" ||
      has_word(name, "date"))
    return for_format("date-time", r);
  if (name == "time") return for_format("time", r);
  if (name == "id" || ends_with(name, "_id") || ends_with(name, "-id") || raw.ends_with("Id") || raw.ends_with("ID"))
    return fmt("id-%llu", n);
  if (name == "sha" || has_word(name, "hash") || has_word(name, "digest") || has_word(name, "checksum")) {
    std::string h;
    for (int k = 0; k < 5; ++k) h += fmt("%08llx", r.next() & 0xffffffff);
    return h;
  }
  if (has_word(name, "token") || has_word(name, "secret") || has_word(name, "password"))
    return fmt("tok_%016llx", r.next());
  if (has_word(name, "description") || name == "comment" || name == "comments" || name == "summary" ||
      name == "body" || name == "message" || name == "notes")
    return "Example " + name + " " + std::to_string(n) + ".";
  if (name == "version") return fmt("1.%llu.%llu", r.below(10), r.below(10));
  if (name == "path" || ends_with(name, "_path")) return fmt("/var/lib/example/%llu", n);
  if (name == "color" || name == "colour") return fmt("%06llx", r.next() & 0xffffff);
  if (name == "login" || name == "username" || name == "user") return fmt("user%llu", n);
  if (name == "name" || ends_with(name, "_name") || ends_with(name, "name")) return fmt("example-%llu", n);
  if (name == "storage") return "local";
  if (name == "status" || name == "state") return "active";
  if (name == "type") return "default";
  if (name == "lang" || name == "language" || name == "locale") return "en";
  if (name == "iface" || name == "interface") return fmt("eth%llu", r.below(4));
  return {};
}

// The property name as a word for a generic string ("tag_name" → "tag_name-3").
std::string generic_string(std::string_view hint, Rng& r) {
  std::string base;
  for (char c : hint)
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-')
      base += c;
  if (base.empty() || base.size() > 24) base = "string";
  return base + "-" + std::to_string(1 + r.below(100));
}

// Shortens to at most `max` code points (whole UTF-8 sequences) or pads with 'x' to `min`.
std::string fit_length(std::string s, std::size_t min, std::size_t max) {
  std::size_t len = utf8_length(s);
  if (len > max) {
    std::size_t cps = 0, i = 0;
    while (i < s.size()) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      if ((c & 0xC0) != 0x80) {
        if (cps == max) break;
        ++cps;
      }
      ++i;
    }
    s.resize(i);
  } else if (len < min) {
    s.append(min - len, 'x');
  }
  return s;
}

boost::json::value Gen::string(const std::vector<SchemaRef>& parts, std::string_view hint, bool& valid) {
  valid = false;
  std::size_t min = 0, max = kNoLimit;
  std::string_view pattern, format;
  for (SchemaRef p : parts) {
    min = std::max(min, p->min_length);
    max = std::min(max, p->max_length);
    if (pattern.empty() && p->pattern) pattern = p->pattern_source;
    if (format.empty() && !p->info.format.empty()) format = p->info.format;
  }
  min = std::min(min, kMaxLength);
  std::string last;
  auto try_candidate = [&](std::string s, bool fit) -> bool {
    if (fit) s = fit_length(std::move(s), min, max);
    boost::json::value v(s);
    last = std::move(s);
    return valid = valid_all(parts, v);
  };
  if (!pattern.empty()) {
    // short variants first, then stretched ones when minLength asks for more
    for (int k = 0; k < 24; ++k) {
      std::size_t stretch = k < 8 ? static_cast<std::size_t>(k % 3) : static_cast<std::size_t>(k) * 2;
      if (min > 8 && k >= 4) stretch = min;
      auto s = string_from_pattern(pattern, rng, stretch);
      if (!s) break;
      if (try_candidate(*s, false)) return boost::json::value(last);
      if (utf8_length(*s) < min && try_candidate(*s, true)) return boost::json::value(last);  // pad if unanchored
    }
  }
  if (!format.empty()) {
    std::string s = for_format(format, rng);
    if (!s.empty() && try_candidate(s, false)) return boost::json::value(last);
  }
  std::string by_name = for_name(hint, rng);
  if (!by_name.empty() && try_candidate(by_name, false)) return boost::json::value(last);
  if (!format.empty()) {
    std::string s = for_format(format, rng);
    if (!s.empty() && try_candidate(s, true)) return boost::json::value(last);
  }
  if (!by_name.empty() && try_candidate(by_name, true)) return boost::json::value(last);
  if (try_candidate(generic_string(hint, rng), true)) return boost::json::value(last);
  return boost::json::value(last);  // best effort
}

// --- numbers ---------------------------------------------------------------------------------

boost::json::value Gen::number(const std::vector<SchemaRef>& parts, bool integer, std::string_view hint, bool& valid) {
  valid = false;
  long double lo = -1e300L, hi = 1e300L;
  bool lo_ex = false, hi_ex = false;
  const Num* mult = nullptr;
  for (SchemaRef p : parts) {
    if (p->minimum) {
      long double x = p->minimum->ld();
      if (x > lo || (x == lo && p->exclusive_minimum)) lo = x, lo_ex = p->exclusive_minimum;
    }
    if (p->maximum) {
      long double x = p->maximum->ld();
      if (x < hi || (x == hi && p->exclusive_maximum)) hi = x, hi_ex = p->exclusive_maximum;
    }
    if (!mult && p->multiple_of) mult = &*p->multiple_of;
    if (p->format == Format::int32) lo = std::max(lo, -2147483648.0L), hi = std::min(hi, 2147483647.0L);
    if (p->format == Format::int64)
      lo = std::max(lo, -9223372036854775808.0L), hi = std::min(hi, 9223372036854775807.0L);
  }
  // a preferred value from the name, then pulled into range
  std::string name = lower(hint);
  long double want;
  std::uint64_t n = rng.below(1000);
  if (name == "vmid" || ends_with(name, "vmid")) want = 100 + static_cast<long double>(n);
  else if (has_word(name, "port")) want = 1024 + static_cast<long double>(rng.below(60000));
  else if (has_word(name, "count") || has_word(name, "total") || name == "size" || name == "length" ||
           name == "num" || has_word(name, "cpus"))
    want = static_cast<long double>(1 + n % 8);
  else if (name == "id" || ends_with(name, "_id")) want = 1 + static_cast<long double>(n);
  else if (has_word(name, "time") || ends_with(name, "_at")) want = 1700000000.0L + static_cast<long double>(n * 3600);
  else if (has_word(name, "mem")) want = 1073741824.0L * static_cast<long double>(1 + n % 8);
  else want = integer ? static_cast<long double>(1 + n % 100) : static_cast<long double>(1 + n % 100) + 0.5L;

  boost::json::value last;
  auto accept = [&](long double x) {
    boost::json::value v;
    const bool fits_integer = x >= -9223372036854775808.0L && x <= 18446744073709551615.0L;
    if (integer && !fits_integer) return false;
    if (integer || (mult && mult->integral() && std::trunc(x) == x && std::fabs(x) < 9e18L)) {
      if (x >= 0 && x > 9223372036854775807.0L)
        v = static_cast<std::uint64_t>(x);
      else
        v = static_cast<std::int64_t>(x);
    } else {
      v = static_cast<double>(x);
    }
    last = v;
    return valid = valid_all(parts, v);
  };
  // bounds as the candidates must satisfy them
  long double lo_i = lo, hi_i = hi;
  if (integer) {
    lo_i = std::ceil(lo);
    if (lo_ex && lo_i == lo) lo_i += 1;
    hi_i = std::floor(hi);
    if (hi_ex && hi_i == hi) hi_i -= 1;
  }
  auto clamp = [&](long double x) {
    if (integer) {
      if (x >= lo_i && x <= hi_i) return x;
      // out of range: somewhere near the violated bound, varied by seed
      long double span = std::min(hi_i - lo_i, 1000.0L);
      long double off = span > 0 ? static_cast<long double>(rng.below(static_cast<std::uint64_t>(span) + 1)) : 0;
      return x < lo_i ? lo_i + off : hi_i - off;
    }
    if (x < lo || (lo_ex && x == lo)) x = hi < 1e300L ? (lo + hi) / 2 : lo + 1;
    if (x > hi || (hi_ex && x == hi)) x = lo > -1e300L ? (lo + hi) / 2 : hi - 1;
    return x;
  };
  if (mult) {
    long double m = mult->ld();
    long double k = std::round(clamp(want) / m);
    for (long double d : {0.0L, 1.0L, -1.0L, 2.0L, -2.0L}) {
      long double x = (k + d) * m;
      if (integer && std::trunc(x) != x) continue;
      if (accept(x)) return last;
    }
    long double first = std::ceil((lo_ex ? lo + m / 2 : lo) / m) * m;  // lowest multiple in range
    if (lo > -1e300L && accept(first)) return last;
  }
  if (accept(clamp(want))) return last;
  for (long double x : {lo_i, hi_i, (lo_i + hi_i) / 2, 0.0L, 1.0L})
    if (std::fabs(x) < 1e300L && accept(integer ? std::round(x) : x)) return last;
  return last;
}

// --- arrays ----------------------------------------------------------------------------------

// Whether an array built by `array` under `parts` from valid items is valid whatever the items:
// one `items` schema per part at most, lengths within reach, nothing about distinct or
// particular items (uniqueItems, contains, tuples).
bool constructive_array(const std::vector<SchemaRef>& parts) {
  std::size_t min = 0, max = kNoLimit;
  for (SchemaRef p : parts) {
    if (p->unique_items || p->contains || !p->prefix_items.empty()) return false;
    if (p->items && p->items->always_false) return false;
    min = std::max(min, p->min_items);
    max = std::min(max, p->max_items);
  }
  return min <= max && min <= kMaxItems;
}

boost::json::value Gen::array(const std::vector<SchemaRef>& parts, std::size_t depth, std::string_view hint,
                              bool& valid) {
  const bool by_construction = constructive_common(parts, type_array) && constructive_array(parts);
  const std::size_t weight0 = weight;
  bool items_valid = true;
  std::size_t min = 0, max = kNoLimit;
  bool unique = false;
  const std::vector<SchemaRef>* prefix = nullptr;
  std::vector<SchemaRef> item_parts;
  SchemaRef contains = nullptr;
  std::size_t min_contains = 1;
  for (SchemaRef p : parts) {
    min = std::max(min, p->min_items);
    max = std::min(max, p->max_items);
    unique = unique || p->unique_items;
    if (!prefix && !p->prefix_items.empty()) prefix = &p->prefix_items;
    if (p->items && p->items->always_false) max = std::min(max, p->prefix_items.size());  // closed tuple
    else if (p->items) expand(p->items, item_parts);
    if (!contains && p->contains) contains = p->contains, min_contains = p->min_contains;
  }
  std::size_t want;
  if (depth >= opts.max_depth || produced >= kBudget)
    want = min;
  else
    want = std::max<std::size_t>(1, 1 + rng.below(std::max<std::size_t>(opts.max_array, 1)));
  want = std::max(want, min);
  if (prefix) want = std::max(want, std::min(prefix->size(), max));
  want = std::min(want, max);
  if (contains) want = std::max(want, std::min(min_contains, max));
  if (want > kMaxItems) want = kMaxItems;  // a larger minItems gets a best effort

  boost::json::array out;
  std::unordered_set<std::size_t> hashes;  // uniqueItems: equal values hash alike
  auto duplicate = [&](const boost::json::value& v) {
    if (!unique || !hashes.contains(json_hash(v))) return false;
    for (const auto& e : out)
      if (json_equal(e, v)) return true;
    return false;
  };
  out.reserve(want);
  std::vector<SchemaRef> own;  // an item's parts when they are not item_parts'
  for (std::size_t i = 0; i < want; ++i) {
    const std::vector<SchemaRef>* ipp = &item_parts;
    if ((prefix && i < prefix->size()) || (contains && i < min_contains)) {
      own.clear();
      if (prefix && i < prefix->size())
        expand((*prefix)[i], own);
      else
        own = item_parts;
      if (contains && i < min_contains) expand(contains, own);
      ipp = &own;
    }
    const std::vector<SchemaRef>& ip = *ipp;
    boost::json::value v;
    bool placed = false;
    bool v_valid = false;
    for (int attempt = 0; attempt < (unique ? 4 : 1) && !placed; ++attempt) {
      v = value(ip, depth + 1, hint, {}, {}, v_valid);
      placed = !duplicate(v);
      if (!placed && v.is_string()) {  // distinct strings are easy to make: number them
        boost::json::value numbered(std::string(v.get_string()) + "-" + std::to_string(i));
        if (!duplicate(numbered) && valid_all(ip, numbered)) v = std::move(numbered), placed = true, v_valid = true;
      }
    }
    if (!placed && out.size() >= min) break;  // no more distinct values: stop when allowed
    if (unique) hashes.insert(json_hash(v));
    items_valid = items_valid && v_valid;
    out.push_back(std::move(v));
  }
  boost::json::value result(std::move(out));
  valid = built_valid(parts, result, by_construction && items_valid && weight - weight0 <= kMaxUncheckedWeight);
  return result;
}

// --- objects ---------------------------------------------------------------------------------

boost::json::value Gen::object(const std::vector<SchemaRef>& parts, std::size_t depth, const std::vector<Forced>& forced,
                               bool& valid) {
  // By construction: every member comes from a `properties` schema (or the one
  // additionalProperties), nothing asks for a count of members, a name pattern, dependencies or
  // forced values (a discriminator's), and every required member is generated (below).
  bool by_construction = forced.empty() && constructive_common(parts, type_object);
  const std::size_t weight0 = weight;
  bool members_valid = true;
  struct Prop {
    std::string_view name;
    boost::container::small_vector<SchemaRef, 2> schemas;  // one per part naming it; mostly one
    bool required = false;
  };
  std::vector<Prop> props;
  std::size_t declared = 0;
  for (SchemaRef p : parts) declared += p->properties.size();
  props.reserve(declared);
  // names → index in props, once there are enough members for a scan to cost more
  boost::unordered_flat_map<std::string_view, std::uint32_t> index;
  auto find = [&](std::string_view name) -> Prop* {
    if (!index.empty()) {
      auto it = index.find(name);
      return it == index.end() ? nullptr : &props[it->second];
    }
    for (auto& p : props)
      if (p.name == name) return &p;
    return nullptr;
  };
  auto add = [&](std::string_view name) -> Prop* {
    props.push_back({name, {}, false});
    if (!index.empty()) {
      index.emplace(name, static_cast<std::uint32_t>(props.size() - 1));
    } else if (props.size() > 8) {
      for (std::size_t i = 0; i < props.size(); ++i) index.emplace(props[i].name, static_cast<std::uint32_t>(i));
    }
    return &props.back();
  };
  std::size_t min_props = 0, max_props = kNoLimit;
  SchemaRef additional = nullptr;
  bool additional_forbidden = false;
  const PatternEntry* pattern = nullptr;
  for (SchemaRef p : parts) {
    for (const auto& e : p->properties) {
      // the first part's names are distinct already: nothing to look up
      Prop* x = p == parts.front() ? nullptr : find(e.name);
      if (!x) x = add(e.name);
      x->schemas.push_back(e.schema);
    }
    min_props = std::max(min_props, p->min_properties);
    max_props = std::min(max_props, p->max_properties);
    if (p->additional_properties) {
      if (p->additional_properties->always_false) additional_forbidden = true;
      else if (!additional) additional = p->additional_properties;
    }
    if (!pattern && !p->pattern_properties.empty() && p->pattern_properties[0].re) pattern = &p->pattern_properties[0];
    if (!p->pattern_properties.empty() || p->property_names || p->min_properties > 0 ||
        p->max_properties != kNoLimit || !p->dependent_required.empty() || !p->dependent_schemas.empty())
      by_construction = false;
  }
  // additionalProperties judges every member its part does not name: constructive only when the
  // part names every member generated, or when it is the one schema the extra member comes from
  std::size_t with_additional = 0;
  for (SchemaRef p : parts)
    if (p->additional_properties) ++with_additional;
  for (SchemaRef p : parts)
    for (const auto& r : p->required) {
      Prop* x = find(r.name);
      if (!x) x = add(r.name);
      x->required = true;
    }
  auto excluded = [&](const Prop& p) {
    for (SchemaRef s : p.schemas) {
      if (opts.direction == Direction::request && s->effective_read_only) return true;
      if (opts.direction == Direction::response && s->effective_write_only) return true;
    }
    return false;
  };
  if (by_construction && with_additional > 0) {
    if (props.empty()) {
      by_construction = with_additional == 1;
    } else {
      for (SchemaRef p : parts)
        if (p->additional_properties)
          for (const auto& x : props)
            if (p->find_property(x.name) < 0) by_construction = false;
    }
  }
  const bool shallow = depth < opts.max_depth && produced < kBudget;
  boost::json::object out(props.size() + forced.size());
  for (const auto& p : props) {
    const Forced* f = nullptr;
    for (const auto& x : forced)
      if (x.name == p.name) f = &x;
    if (f) {
      out.emplace(p.name, f->value);
      continue;
    }
    if (excluded(p)) {
      // the validator excuses a missing required member by its own part's property only
      if (p.required) by_construction = false;
      continue;
    }
    if (!p.required && (!shallow || out.size() >= max_props)) continue;
    std::vector<SchemaRef> ps;
    for (SchemaRef s : p.schemas) expand(s, ps);
    if (ps.empty() && additional) expand(additional, ps);
    // deep and nullable: null ends a recursive chain that `required` would otherwise continue
    if (depth >= opts.max_depth) {
      bool nullable = !ps.empty();
      for (SchemaRef s : ps) nullable = nullable && is_valid(s, boost::json::value(nullptr), opts.direction);
      if (nullable) {
        out.emplace(p.name, nullptr);  // valid against every part of ps
        continue;
      }
    }
    bool member_valid = false;
    out.emplace(p.name, value(ps, depth + 1, p.name, {}, {}, member_valid));
    members_valid = members_valid && member_valid;
  }
  for (const auto& x : forced)
    if (!out.contains(x.name)) out[x.name] = x.value;
  // more members when minProperties asks, or one example entry for a map-like object
  std::size_t extra_wanted = out.size() < min_props ? std::min<std::size_t>(min_props - out.size(), 1000) : 0;
  if (extra_wanted == 0 && props.empty() && shallow && (additional || pattern) && max_props > out.size())
    extra_wanted = 1;
  for (std::size_t k = 0, tries = 0; extra_wanted > 0 && tries < extra_wanted + 16; ++tries) {
    std::string key;
    std::vector<SchemaRef> ps;
    if (pattern) {
      auto s = string_from_pattern(pattern->source, rng, tries % 3);
      if (!s || !RE2::PartialMatch(*s, *pattern->re)) {
        if (!additional && additional_forbidden) continue;
        key = "key" + std::to_string(++k);
        if (additional) expand(additional, ps);
      } else {
        key = *s;
        expand(pattern->schema, ps);
      }
    } else if (!additional_forbidden) {
      key = "key" + std::to_string(++k);
      if (additional) expand(additional, ps);
    } else {
      break;
    }
    if (out.contains(key)) continue;
    bool member_valid = ps.empty();
    out[key] = ps.empty() ? boost::json::value("value") : value(ps, depth + 1, key, {}, {}, member_valid);
    members_valid = members_valid && member_valid;
    --extra_wanted;
  }
  // dependentRequired: bring what present members require
  for (SchemaRef p : parts)
    for (const auto& d : p->dependent_required)
      if (out.contains(d.name))
        for (const auto& r : d.required)
          if (!out.contains(r)) {
            Prop* x = find(r);
            std::vector<SchemaRef> ps;
            if (x)
              for (SchemaRef s : x->schemas) expand(s, ps);
            bool member_valid = false;
            out[r] = ps.empty() ? boost::json::value("value") : value(ps, depth + 1, r, {}, {}, member_valid);
          }
  boost::json::value result(std::move(out));
  valid = built_valid(parts, result, by_construction && members_valid && weight - weight0 <= kMaxUncheckedWeight);
  return result;
}

// --- dispatch --------------------------------------------------------------------------------

boost::json::value Gen::by_type(const std::vector<SchemaRef>& parts, std::size_t depth, std::string_view hint,
                                const std::vector<Forced>& forced, bool& valid) {
  valid = false;
  std::uint8_t mask = 0x7f;  // every type, integer included
  std::uint32_t evidence = 0;
  for (SchemaRef p : parts) {
    if (p->type_mask) {
      std::uint8_t m = p->type_mask;
      if (m & type_number) m |= type_integer;  // an integer is a number
      if (p->nullable) m |= type_null;
      mask &= m;
    }
    evidence |= p->has;
    if (!p->info.format.empty()) {
      Format f = p->format;
      evidence |= is_numeric_format(f) ? has_numeric : has_string;
    }
  }
  std::uint8_t declared = 0;
  for (SchemaRef p : parts) declared |= p->type_mask;
  if (mask == 0) mask = declared ? declared : 0x7f;  // contradictory types: best effort
  if (!declared && mask == 0x7f) {
    // no `type` anywhere: read it from the other keywords, then from the name
    std::string name = lower(hint);
    if (evidence & has_object) mask = type_object;
    else if (evidence & has_array) mask = type_array;
    else if (evidence & has_string) mask = type_string;
    else if (evidence & has_numeric) mask = type_number;
    else if (name == "vmid" || has_word(name, "count") || has_word(name, "port")) mask = type_integer;
    else mask = type_string;
  }
  auto pick = [&](std::uint8_t bit) { return (mask & bit) != 0; };
  std::uint8_t order[7];
  std::size_t n = 0;
  // the kinds the keywords speak about first, then a fixed order
  if ((evidence & has_object) && pick(type_object)) order[n++] = type_object;
  if ((evidence & has_array) && pick(type_array)) order[n++] = type_array;
  if ((evidence & has_string) && pick(type_string)) order[n++] = type_string;
  for (std::uint8_t b : {type_string, type_integer, type_number, type_boolean, type_object, type_array, type_null})
    if (pick(b) && std::find(order, order + n, b) == order + n) order[n++] = b;
  boost::json::value last;
  for (std::size_t i = 0; i < n; ++i) {
    // strings and numbers are checked as they are made, objects and arrays where they can fail
    switch (order[i]) {
      case type_string: last = string(parts, hint, valid); break;
      case type_integer: last = number(parts, true, hint, valid); break;
      case type_number: last = number(parts, (mask & type_integer) && !(evidence & has_numeric), hint, valid); break;
      case type_boolean: last = boost::json::value(rng.below(2) == 0), valid = valid_all(parts, last); break;
      case type_object: last = object(parts, depth, forced, valid); break;
      case type_array: last = array(parts, depth, hint, valid); break;
      default: last = nullptr, valid = valid_all(parts, last); break;
    }
    if (valid) return last;
  }
  return last;
}

boost::json::value Gen::value(const std::vector<SchemaRef>& parts, std::size_t depth, std::string_view hint,
                              const std::vector<Forced>& forced, std::vector<SchemaRef> done, bool& valid) {
  valid = false;
  if (++produced > kHardBudget) return nullptr;
  if (parts.empty()) {
    valid = true;  // nothing to satisfy
    return boost::json::value(generic_string(hint, rng));
  }
  for (SchemaRef p : parts)
    if (p->always_false) return nullptr;  // nothing validates: best effort
  if (depth > kHardDepth) return nullptr;

  // const, examples, defaults, enums: values the author wrote, when they validate here
  for (SchemaRef p : parts)
    if (p->const_value) {
      valid = valid_all(parts, *p->const_value);
      return *p->const_value;
    }
  if (opts.use_examples && forced.empty()) {
    for (SchemaRef p : parts)
      for (const boost::json::value* x : {p->info.example, p->info.default_value})
        if (x && valid_all(parts, *x)) {
          valid = true;
          return *x;
        }
  }
  for (SchemaRef p : parts) {
    if (!p->enum_values || p->enum_values->empty()) continue;
    const auto& e = *p->enum_values;
    std::size_t start = rng.below(e.size());
    for (std::size_t k = 0; k < e.size(); ++k)
      if (valid_all(parts, e[(start + k) % e.size()])) {
        valid = true;
        return e[(start + k) % e.size()];
      }
    return e[start];
  }

  // choose a branch for the first oneOf/anyOf/if not chosen yet
  for (SchemaRef p : parts) {
    if (std::find(done.begin(), done.end(), p) != done.end()) continue;
    const auto& branches = !p->one_of.empty() ? p->one_of : p->any_of;
    if (branches.empty() && !p->if_) continue;
    done.push_back(p);
    boost::json::value first;
    bool have_first = false;
    auto attempt = [&](std::initializer_list<SchemaRef> extra, std::vector<Forced> f, SchemaRef branch = nullptr) -> bool {
      std::vector<SchemaRef> ps = parts;
      for (SchemaRef x : extra) expand(x, ps);
      bool v_valid = false;
      if (branch) chosen.emplace_back(p, branch);
      boost::json::value v = value(ps, depth, hint, f, done, v_valid);
      if (branch) chosen.pop_back();
      // valid against ps, which holds every part, is valid against parts
      bool ok = v_valid || valid_all(parts, v);
      if (ok || !have_first) {
        first = std::move(v);
        have_first = true;
        valid = ok;
      }
      return ok;
    };
    if (p->if_) {
      if (attempt({p->if_, p->then_}, forced) || attempt({p->else_}, forced)) return first;
      continue;
    }
    for (SchemaRef b : branches) {
      std::vector<Forced> f = forced;
      if (!p->discriminator_property.empty()) {
        for (const auto& e : p->discriminator_map)
          if (e.schema == b || e.schema == b->ref || resolve(e.schema) == resolve(b)) {
            f.push_back({p->discriminator_property, boost::json::value(e.value)});
            break;
          }
      }
      if (attempt({b}, f, b)) return first;
    }
    return first;
  }

  // by_type has validated what it returns: a value is checked once per level, not twice
  boost::json::value v = by_type(parts, depth, hint, forced, valid);
  for (int k = 1; k < kAttempts && produced < kBudget && !valid; ++k)
    v = by_type(parts, depth, hint, forced, valid);
  return v;
}

}  // namespace

boost::json::value generate(SchemaRef s, const GenerateOptions& opts) {
  Gen g{opts, Rng{opts.seed * 0x2545F4914F6CDD1DULL + 0x1234567}, 0};
  return g.child(s, 0, opts.name_hint);
}

boost::json::value detail::generate_audited(SchemaRef s, const GenerateOptions& opts, GenerateAudit& audit) {
  Gen g{opts, Rng{opts.seed * 0x2545F4914F6CDD1DULL + 0x1234567}, 0};
  g.audit = &audit;
  return g.child(s, 0, opts.name_hint);
}

}  // namespace oasis::schema
