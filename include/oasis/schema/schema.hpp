// oasis/schema/schema.hpp — JSON Schema compiled once into validator programs, and deterministic
// example generation.
//
// A Compiler turns the schemas of one (already bundled) document into immutable Schema objects:
// every keyword is read once, regexes are compiled once (RE2: linear time), $refs become
// pointers between compiled nodes. Validating an instance then never looks a keyword up by name
// and never reads the schema's JSON again. The same compiled Schema generates example values
// that validate against it, byte for byte the same for the same seed.
//
// Dialects: OpenAPI 3.0 (JSON Schema draft-4/5 subset plus `nullable`), OpenAPI 3.1 (JSON Schema
// 2020-12), Swagger 2.0 (3.0 without `nullable`, with `x-nullable`). Unknown keywords are ignored
// (real documents carry many: `optional: 1`, `x-*`, ...).
//
// This module is pure: no sockets, no threads, no files, and it knows nothing about OpenAPI
// documents beyond "a JSON tree in which schemas live at JSON pointers" (spec/ loads documents,
// bundles external $refs and calls this module).
//
// Lifetimes and threads: a SchemaRef is owned by the Compiler that made it and is valid while
// that Compiler lives. Compiling is single-threaded (one Compiler, one thread at a time);
// validating and generating only read compiled Schemas and may run on any number of threads at
// once.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace oasis::schema {

enum class Dialect : std::uint8_t {
  openapi30,       // OpenAPI 3.0.x: draft-4/5 subset, `nullable`, boolean exclusiveMaximum
  jsonschema2020,  // OpenAPI 3.1: JSON Schema 2020-12
  swagger20,       // Swagger 2.0: like openapi30, `x-nullable` instead of `nullable`
};

// Which way a value travels: readOnly properties must not appear in requests (and are not
// required there); writeOnly properties must not appear in responses (and are not required there).
enum class Direction : std::uint8_t { request, response, none };

struct Violation {
  std::string instance_pointer;  // RFC 6901 pointer into the validated value ("" = the value itself)
  std::string schema_pointer;    // RFC 6901 pointer into the document to the failing keyword
  std::string keyword;           // "type", "required", "maxLength", ...
  std::string message;           // for humans: "expected integer, got string"
};

struct Result {
  std::vector<Violation> violations;
  bool truncated = false;  // more violations existed than ValidateOptions::max_violations
  bool ok() const { return violations.empty(); }
};

struct CompileOptions {
  Dialect dialect = Dialect::openapi30;
  // strict: problems that are lint notes by default (unknown format, a pattern RE2 rejects,
  // unresolvable $ref, object-valued `format`) are reported as errors. Either way the compiled
  // schema stays usable: the offending keyword accepts everything.
  bool strict = false;
};

// A note found while compiling: `pointer` is where in the document the problem is.
struct Diagnostic {
  bool error;
  std::string pointer;
  std::string message;
};

// The seven JSON Schema types as a bit set (integer is a subset of number for validation).
enum TypeBits : std::uint8_t {
  type_null = 1,
  type_boolean = 2,
  type_object = 4,
  type_array = 8,
  type_number = 16,
  type_integer = 32,
  type_string = 64,
  type_any = 0,  // no `type` keyword
};

class Schema;
using SchemaRef = const Schema*;  // owned by the Compiler; never null when returned by compile()

// Read-only introspection of a compiled schema, for code that needs the schema's shape (the mock
// infers collections and ids from it; spec/ coerces parameter strings by type). Everything here
// is what the schema node says itself; follow `ref` (and all_of) to see what it points to.
struct PropertyInfo {
  std::string name;
  SchemaRef schema = nullptr;
  bool required = false;  // listed in the parent's `required`
};

struct Info {
  std::string pointer;                         // where the schema is in the document
  const boost::json::value* source = nullptr;  // the schema's JSON (owned by the Compiler)
  std::uint8_t types = type_any;               // TypeBits; nullable adds type_null
  bool nullable = false;                       // `nullable` (3.0), `x-nullable` (2.0), or "null" in type
  bool read_only = false;
  bool write_only = false;
  bool deprecated = false;
  bool always_false = false;  // the boolean schema `false` (or `not: {}`)
  std::string format;         // "" when none (or not a string)
  SchemaRef ref = nullptr;    // the $ref target (in 3.0 the node is then nothing but the ref)
  std::vector<PropertyInfo> properties;  // in document order
  std::vector<std::string> required;
  SchemaRef additional_properties = nullptr;  // schema form of additionalProperties
  bool additional_properties_allowed = true;  // false for `additionalProperties: false`
  SchemaRef items = nullptr;                  // `items` (schema form), or 2020-12 items after prefixItems
  std::vector<SchemaRef> prefix_items;        // 2020-12 prefixItems (or draft-4 array-form items)
  std::vector<SchemaRef> all_of, any_of, one_of;
  const boost::json::value* enum_values = nullptr;  // the `enum` array, if any
  const boost::json::value* const_value = nullptr;
  const boost::json::value* default_value = nullptr;
  const boost::json::value* example = nullptr;  // `example`, or `examples[0]` (3.1)
  std::string discriminator_property;            // "" when no discriminator
};

const Info& info(SchemaRef s);
// Follows $ref chains (a 3.0 pure-$ref node, or a 3.1 node that is only a $ref) to the schema
// that has the content; returns `s` when it is not a ref. Stops at cycles.
SchemaRef resolve(SchemaRef s);
// The property's schema by name (in `properties`, looking through $ref and allOf), or nullptr.
SchemaRef property(SchemaRef s, std::string_view name);
// readOnly/writeOnly of a schema, looking through $ref (and allOf members) as validation does.
bool is_read_only(SchemaRef s);
bool is_write_only(SchemaRef s);

class Compiler {
 public:
  // root: the whole document, already bundled into one JSON tree (every $ref an internal "#/..."
  // pointer). The Compiler keeps its own copy; the shared_ptr form shares the caller's instead.
  Compiler(const boost::json::value& root, CompileOptions opts);
  Compiler(std::shared_ptr<const boost::json::value> root, CompileOptions opts);
  ~Compiler();
  Compiler(Compiler&&) noexcept;
  Compiler& operator=(Compiler&&) noexcept;
  Compiler(const Compiler&) = delete;
  Compiler& operator=(const Compiler&) = delete;

  // Compiles the schema at this JSON pointer into the document ("/components/schemas/Pet"; ""
  // is the root), following $ref, cached per pointer; recursive schemas work. A pointer that
  // resolves to nothing gives a Diagnostic and a schema that accepts everything.
  SchemaRef compile(std::string_view json_pointer);
  // Compiles an inline schema value that conceptually lives at `pointer` in the document (used in
  // messages; its $refs still resolve against the document root). The value is copied.
  SchemaRef compile(const boost::json::value& schema, std::string_view pointer);

  // Everything noted so far, in the order found. An unknown format is noted once per name (where
  // first seen), not at every use: real documents repeat theirs hundreds of times.
  const std::vector<Diagnostic>& diagnostics() const;
  const CompileOptions& options() const;
  const boost::json::value& root() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

struct ValidateOptions {
  Direction direction = Direction::none;
  std::size_t max_violations = 100;
  // Prepended to every instance pointer ("/body", "/query/limit"); must itself be a pointer.
  std::string_view instance_prefix = {};
};

// Instance nesting deeper than this is one violation (keyword "depth"), never a stack overflow.
inline constexpr std::size_t max_instance_depth = 256;

Result validate(SchemaRef s, const boost::json::value& instance, const ValidateOptions& = {});
// Fast path: stops at the first failure, builds no messages, allocates nothing.
bool is_valid(SchemaRef s, const boost::json::value& instance, Direction d = Direction::none);

// Validity of JSON text, decided in one pass over the text without building its value: the
// answer is exactly what parsing the text with Boost.JSON (standard JSON, this max_depth) and then
// calling is_valid() would give — same syntax errors, same number kinds (int64/uint64/double),
// duplicate keys resolved the same way (the last wins), same limits. Keywords that need the whole
// value (anyOf, oneOf, not, if, enum/const on containers, uniqueItems, contains, dependent*,
// unevaluated*) get that one sub-value built and evaluated by is_valid(). Callers run the DOM
// path (parse + validate) when the answer is not `valid`, to explain the violations.
enum class TextValidity : std::uint8_t { valid, invalid, malformed };
TextValidity is_valid_text(SchemaRef s, std::string_view json_text, Direction d = Direction::none,
                           std::size_t max_depth = 64);

// Violations as a JSON array of {"pointer","schemaPointer","keyword","message"} for
// application/problem+json bodies (RFC 9457).
boost::json::array to_json(const Result&);

// RFC 6901 helpers: "~" → "~0", "/" → "~1" and back.
std::string escape_pointer_token(std::string_view token);
std::string unescape_pointer_token(std::string_view token);

// Deterministic example generation. Same schema + same options → the same value, byte for byte.
// Order of preference: const, example / examples[0], default, enum (picked by seed), then built
// from the type and constraints, with hints from the property name and format ("email", "uuid",
// "vmid", "node", ...). Generated values validate against their schema (a test checks this over
// every response schema of the real documents); a contradictory schema gets a best effort.
struct GenerateOptions {
  std::uint64_t seed = 1;
  std::size_t max_depth = 6;  // past this, optional properties and non-required items are left out
  std::size_t max_array = 3;  // arrays have at most this many items unless minItems needs more
  Direction direction = Direction::response;  // readOnly left out of requests, writeOnly of responses
  std::string_view name_hint = {};            // the value's own name (a parameter's), for hints
  bool use_examples = true;  // take `example`/`examples`/`default` when they validate
};

boost::json::value generate(SchemaRef s, const GenerateOptions& = {});

}  // namespace oasis::schema
