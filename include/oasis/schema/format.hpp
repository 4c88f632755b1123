// oasis/schema/format.hpp — the `format` checkers of JSON Schema / OpenAPI, usable on their own
// (spec/ uses them to lint documents and to check parameter values).
//
// String formats check strings only and numeric formats numbers only: a value of another type
// passes (JSON Schema: format applies to its own type; `type` says the rest). Unknown formats
// are accepted everywhere; the Compiler reports them as lint notes.
//
// Pure functions: no allocation, no locale, no knowledge of documents or schemas.
#pragma once

#include <boost/json/value.hpp>

#include <cstdint>
#include <string_view>

namespace oasis::schema {

enum class Format : std::uint8_t {
  unknown,  // a name we do not know: accepted, lint note
  // checked string formats
  date_time,      // RFC 3339 date-time: 2024-01-31T12:00:00Z, offset required, leap second allowed
  date,           // RFC 3339 full-date: 2024-01-31 (day checked against month and leap years)
  time,           // RFC 3339 full-time: 12:00:00Z / 12:00:00.5+02:00 (offset required)
  email,          // RFC 5321 mailbox, pragmatic: local@domain, dot-atom local part or quoted
  uuid,           // RFC 4122 textual form, any version, hex case-insensitive
  ipv4,           // dotted quad, no leading zeros
  ipv6,           // RFC 4291 text forms, incl. "::" and an embedded IPv4 tail
  uri,            // RFC 3986 absolute URI (scheme required)
  uri_reference,  // RFC 3986 URI or relative reference
  hostname,       // RFC 1123 host name: labels of 1..63 [A-Za-z0-9-], not starting/ending with '-'
  byte,           // base64 (RFC 4648 §4), padded
  regex,          // a regular expression RE2 accepts
  // checked numeric formats
  int32,
  int64,
  float_,
  double_,
  // known, nothing to check (annotation only)
  password,
  binary,
  other_known,  // int8/uint8/..., json-pointer, iri, duration, ... accepted without a check
};

// "date-time" → Format::date_time; unknown names → Format::unknown.
Format format_from_name(std::string_view name) noexcept;
std::string_view format_name(Format f) noexcept;
// True when the format constrains strings (as opposed to numbers or nothing).
bool is_string_format(Format f) noexcept;
bool is_numeric_format(Format f) noexcept;

// Checks a value against a format: strings against string formats, numbers against numeric ones;
// any other combination passes.
bool check_format(Format f, const boost::json::value& v) noexcept;
bool check_format(Format f, std::string_view s) noexcept;

bool is_date_time(std::string_view s) noexcept;
bool is_date(std::string_view s) noexcept;
bool is_time(std::string_view s) noexcept;
bool is_email(std::string_view s) noexcept;
bool is_uuid(std::string_view s) noexcept;
bool is_ipv4(std::string_view s) noexcept;
bool is_ipv6(std::string_view s) noexcept;
bool is_uri(std::string_view s) noexcept;
bool is_uri_reference(std::string_view s) noexcept;
bool is_hostname(std::string_view s) noexcept;
bool is_base64(std::string_view s) noexcept;
bool is_regex(std::string_view s) noexcept;  // compiles it with RE2 (so this one allocates)

// Numeric formats: is the number representable in the format's range?
// int32/int64 need an integral value (doubles with integral values count) within range;
// float needs |v| ≤ FLT_MAX; double accepts every JSON number.
bool in_numeric_format(Format f, const boost::json::value& v) noexcept;

}  // namespace oasis::schema
