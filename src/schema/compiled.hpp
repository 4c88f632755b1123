// src/schema/compiled.hpp — the compiled form of a schema: one Schema node per schema object in
// the document, every keyword already parsed into a typed field. Validation (validate.cpp) and
// generation (generate.cpp) read only these fields; they never look at keyword names again.
#pragma once

#include <oasis/schema/format.hpp>
#include <oasis/schema/schema.hpp>

#include "char_run.hpp"
#include "json_util.hpp"

#include <boost/unordered/unordered_flat_map.hpp>
#include <re2/re2.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oasis::schema {

namespace detail {

inline constexpr std::size_t kNoLimit = std::numeric_limits<std::size_t>::max();

struct PropertyEntry {
  std::string name;
  SchemaRef schema = nullptr;
  // Settled at load for the text validator: `name":` as the name stands in JSON text when it is
  // printable ASCII without '"' or '\\' (then its bytes are its own spelling); else empty.
  std::string text_key{};
  // text_key again, zero-padded to 16 bytes, and its length when it fits there (else 0): the
  // tokenizer compares it with the text in one 16-byte step.
  char text_key16[16] = {};
  std::uint8_t text_key16_size = 0;
  std::uint16_t text_key16_mask = 0;  // a bit for each of its bytes, as _mm_movemask_epi8 gives them
  // Where the member is not allowed, settled after compiling (as validate_text.cpp's
  // direction_forbids() answers): bit 0 in requests (its schema is readOnly, here or through
  // $ref/allOf), bit 1 in responses (writeOnly).
  std::uint8_t forbidden_in = 0;
};

// The bit of PropertyEntry::forbidden_in for a direction (none forbids nothing).
constexpr std::uint8_t forbidden_bit(Direction d) {
  return d == Direction::request ? 1 : d == Direction::response ? 2 : 0;
}

struct RequiredEntry {
  std::string name;
  SchemaRef property = nullptr;  // the matching `properties` entry, for readOnly/writeOnly
};

struct PatternEntry {
  std::unique_ptr<RE2> re;  // null when RE2 rejected the pattern (then it matches everything)
  std::string source;
  SchemaRef schema = nullptr;
};

struct DependentRequired {
  std::string name;
  std::vector<std::string> required;
};

struct DependentSchema {
  std::string name;
  SchemaRef schema = nullptr;
};

// Transparent hashing so lookups by string_view do not allocate.
struct NameHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
struct NameEqual {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const noexcept { return a == b; }
};

struct DiscriminatorEntry {
  std::string value;
  SchemaRef schema = nullptr;
};

// Which groups of keywords a node has, so validation skips absent groups with one test.
enum Has : std::uint32_t {
  has_numeric = 1u << 0,
  has_string = 1u << 1,
  has_array = 1u << 2,
  has_object = 1u << 3,
  has_enum = 1u << 4,
  has_const = 1u << 5,
  has_all_of = 1u << 6,
  has_any_of = 1u << 7,
  has_one_of = 1u << 8,
  has_not = 1u << 9,
  has_if = 1u << 10,
  has_ref = 1u << 11,
  has_format = 1u << 12,
  has_unevaluated = 1u << 13,  // unevaluatedProperties or unevaluatedItems
};

}  // namespace detail

// A large document compiles into tens of thousands of nodes (13,000 for GitHub's), so a node's
// size is memory that counts: the small fields are kept together (no padding between them), and
// what Info (the public view) already holds is not held a second time — the list members
// prefix_items, all_of, any_of, one_of and discriminator_property name Info's own. A node never
// moves or is copied (the Compiler owns it through a pointer), so those names stay bound to it.
class Schema {
 public:
  Schema() = default;
  Schema(const Schema&) = delete;
  Schema& operator=(const Schema&) = delete;

  Info info;

  std::uint32_t has = 0;
  std::uint8_t type_mask = type_any;  // TypeBits without the nullable null
  bool nullable = false;
  bool always_false = false;
  bool pure_ref = false;  // 3.0 `$ref` node: siblings ignored (except nullable/readOnly/writeOnly)
  bool read_only = false;
  bool write_only = false;
  bool ref_only = false;  // nothing but a $ref: resolve() looks through it
  bool effective_read_only = false;   // readOnly here or through $ref/allOf (set after compiling)
  bool effective_write_only = false;
  bool exclusive_minimum = false, exclusive_maximum = false;
  bool unique_items = false;
  bool checks_directions = false;  // some property may be readOnly/writeOnly (looked up lazily)
  // Settled at load for the text validator (validate_text.cpp), so a value dispatches once:
  bool text_plain = false;         // not pure_ref/always_false/nullable; no anyOf, oneOf, not, if, unevaluated*
  bool member_rules = false;       // properties, patternProperties, additionalProperties or propertyNames
  std::uint8_t text_whole = 0;     // 1: an object is evaluated whole (captured); 2: an array is
  // 1: no prefixItems; 2: at most 64 properties; 4: no patternProperties and no propertyNames
  std::uint8_t text_frame = 0;
  std::uint32_t enum_string_count = 0;
  std::unique_ptr<std::string_view[]> enum_strings;  // the string members of `enum`, in order
  Format format = Format::unknown;
  SchemaRef ref = nullptr;

  // numbers
  std::optional<detail::Num> minimum, maximum, multiple_of;
  const char* minimum_keyword = "minimum";  // "exclusiveMinimum" when that keyword set the bound
  const char* maximum_keyword = "maximum";

  // strings
  std::size_t min_length = 0, max_length = detail::kNoLimit;
  std::unique_ptr<RE2> pattern;  // null when absent or rejected by RE2
  std::string pattern_source;
  std::unique_ptr<const detail::CharRun> pattern_run;  // set when `pattern` is a run of classes (char_run.hpp)

  // Whether a string matches `pattern` (true when there is none).
  bool pattern_matches(std::string_view str) const {
    if (pattern_run) return pattern_run->matches(str);
    return !pattern || RE2::PartialMatch(re2::StringPiece(str.data(), str.size()), *pattern);
  }

  // arrays
  std::vector<SchemaRef>& prefix_items = info.prefix_items;
  SchemaRef items = nullptr;  // applies after prefix_items (additionalItems in the draft-4 tuple form)
  std::size_t min_items = 0, max_items = detail::kNoLimit;
  SchemaRef contains = nullptr;
  std::size_t min_contains = 1, max_contains = detail::kNoLimit;
  SchemaRef unevaluated_items = nullptr;

  // objects
  std::vector<detail::PropertyEntry> properties;
  boost::unordered_flat_map<std::string, std::uint32_t, detail::NameHash, detail::NameEqual>
      property_index;  // filled when many
  std::vector<detail::RequiredEntry> required;
  std::vector<detail::PatternEntry> pattern_properties;
  SchemaRef additional_properties = nullptr;
  SchemaRef property_names = nullptr;
  std::size_t min_properties = 0, max_properties = detail::kNoLimit;
  std::vector<detail::DependentRequired> dependent_required;
  std::vector<detail::DependentSchema> dependent_schemas;
  SchemaRef unevaluated_properties = nullptr;

  // any type
  const boost::json::array* enum_values = nullptr;
  const boost::json::value* const_value = nullptr;
  std::vector<SchemaRef>& all_of = info.all_of;
  std::vector<SchemaRef>& any_of = info.any_of;
  std::vector<SchemaRef>& one_of = info.one_of;
  SchemaRef not_ = nullptr;
  SchemaRef if_ = nullptr, then_ = nullptr, else_ = nullptr;
  std::string& discriminator_property = info.discriminator_property;
  std::vector<detail::DiscriminatorEntry> discriminator_map;

  // Index of `name` in `properties`, or -1.
  int find_property(std::string_view name) const {
    if (!property_index.empty()) {
      auto it = property_index.find(name);
      return it == property_index.end() ? -1 : static_cast<int>(it->second);
    }
    for (std::size_t i = 0; i < properties.size(); ++i)
      if (properties[i].name == name) return static_cast<int>(i);
    return -1;
  }
};

}  // namespace oasis::schema
