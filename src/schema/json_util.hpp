// src/schema/json_util.hpp — exact number comparison and JSON equality as JSON Schema defines
// them (1 == 1.0; int64, uint64 and double compared without rounding), plus RFC 6901 pointers.
#pragma once

#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace oasis::schema::detail {

// x86-64's 80-bit long double (and the 128-bit one elsewhere) holds every int64, uint64 and
// double exactly, so comparing through it is exact.
static_assert(std::numeric_limits<long double>::digits >= 64,
              "exact number comparison needs a long double with a 64-bit mantissa");

// A JSON number as written: exactly one of i, u, d holds it, as `kind` says (a union: three
// bounds of every compiled schema node are Nums, so their size counts).
struct Num {
  enum Kind : std::uint8_t { i64, u64, f64 };
  Kind kind = i64;
  union {
    std::int64_t i = 0;
    std::uint64_t u;
    double d;
  };

  Num() = default;
  // The member that `k` names is set from its argument; the other two are ignored.
  Num(Kind k, std::int64_t iv, std::uint64_t uv, double dv) : kind(k) {
    if (k == i64) i = iv;
    else if (k == u64) u = uv;
    else d = dv;
  }

  long double ld() const {
    switch (kind) {
      case i64: return static_cast<long double>(i);
      case u64: return static_cast<long double>(u);
      default: return static_cast<long double>(d);
    }
  }
  bool integral() const;
  boost::json::value to_json() const;
};

std::optional<Num> num_of(const boost::json::value& v);
inline Num num_of_int(std::int64_t i) { return Num{Num::i64, i, 0, 0}; }
inline Num num_of_double(double d) { return Num{Num::f64, 0, 0, d}; }

// -1, 0, 1
int compare(const Num& a, const Num& b);

// instance is a multiple of divisor (divisor > 0). Integers exactly; doubles with a relative
// tolerance (0.3 is a multiple of 0.1 although 0.3/0.1 is 2.9999999999999996 in binary).
bool is_multiple_of(const Num& instance, const Num& divisor);

bool is_integer_value(const boost::json::value& v);

// JSON Schema equality: numbers by value across kinds, objects by members regardless of order.
bool json_equal(const boost::json::value& a, const boost::json::value& b);
// Hash consistent with json_equal.
std::size_t json_hash(const boost::json::value& v);

std::size_t utf8_length(std::string_view s);

// JSON pointer (RFC 6901) lookup; nullptr when it resolves to nothing.
const boost::json::value* resolve_pointer(const boost::json::value& root, std::string_view pointer);

// "#/a/b%20c" → "/a/b c" (percent-decoded fragment); nullopt when not an internal pointer ref.
std::optional<std::string> ref_to_pointer(std::string_view ref);

const char* kind_name(const boost::json::value& v);  // "string", "integer", "number", ...
std::string short_json(const boost::json::value& v, std::size_t max = 60);
std::string number_text(const boost::json::value& v);  // 1.5, 42, 1e+300

}  // namespace oasis::schema::detail
