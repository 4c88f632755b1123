// oasis/spec/request.hpp — turns the strings of an HTTP request into typed values and checks
// them against an Operation: parameters by their style and explode (simple, form, label, matrix,
// deepObject, spaceDelimited, pipeDelimited), bodies by their media type (JSON and +json,
// application/x-www-form-urlencoded, multipart/form-data, text/plain); and checks a response
// against what the operation declares.
//
// Strings are coerced to the types the schema asks for ("5" → 5 for an integer, "true" → true) so
// the schema can validate them; a string that cannot be coerced stays a string, and the schema
// then says clearly what was expected. Violations point into the request by location:
// "/path/petId", "/query/limit", "/header/X-Request-Id", "/cookie/session", "/body/name".
//
// Plain data in, plain data out: no sockets, no threads, no knowledge of how the request arrived.
#pragma once

#include <oasis/spec/document.hpp>
#include <oasis/spec/router.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace oasis::spec {

struct RequestInput {
  std::span<const PathParam> path_params;  // from Router::find (raw, percent-encoded)
  std::string_view query;                  // raw query string without '?'
  std::span<const http::Field> headers;    // all request headers (Cookie included)
  // The Content-Type; when empty, taken from `headers`.
  std::string_view content_type;
  std::string_view body;
  // Whether the request has a body at all (a zero-length body with a Content-Type counts as
  // present). When false, a body is present iff `body` or the content type is non-empty.
  bool has_body = false;
};

// The locations whose parameter values RequestValidation keeps (a bit mask). Every parameter
// is checked either way; a caller that needs only the verdict, or only some of the values, is
// spared building an object of the rest.
inline constexpr std::uint8_t keep_none = 0, keep_path = 1, keep_query = 2, keep_header = 4, keep_cookie = 8,
                              keep_all = 15;

struct RequestOptions {
  std::size_t max_body_depth = 64;    // JSON nesting beyond this: 400
  std::size_t max_violations = 100;
  std::uint8_t keep = keep_all;       // which of RequestValidation's path, query, header, cookie to fill
};

struct RequestValidation {
  int status = 0;  // 0: valid; 400: bad parameters or body; 415: unsupported media type
  std::vector<schema::Violation> violations;  // instance pointers prefixed by location
  bool truncated = false;
  // The parsed and coerced values, by location (names as declared; headers by declared name).
  boost::json::object path, query, header, cookie;
  boost::json::value body;       // null when there is no body
  std::string media_type;        // the requestBody content key chosen ("application/json")

  bool ok() const { return status == 0; }
};

RequestValidation validate_request(const Operation& op, const RequestInput& in,
                                   const RequestOptions& opts = {});

struct ResponseValidation {
  const Response* response = nullptr;  // the declared response that applies, if any
  std::vector<schema::Violation> violations;  // "/status", "/header/...", "/content-type", "/body/..."
  bool ok() const { return violations.empty(); }
};

ResponseValidation validate_response(const Operation& op, int status, std::string_view content_type,
                                     std::string_view body, std::span<const http::Field> headers = {});

// --- the pieces, for code that needs only one of them (client, mock) -----------------------

// Decodes %XX escapes (and '+' as space when `plus_is_space`). Invalid escapes stay as written.
std::string percent_decode(std::string_view s, bool plus_is_space = false);

// Turns a string into the type the schema asks for (integer, number, boolean, null); anything
// that does not parse stays a string.
boost::json::value coerce_scalar(std::string_view raw, schema::SchemaRef schema);

// The value of a path/header/cookie parameter given its raw string (path: still percent-encoded).
boost::json::value deserialize_simple_value(const Parameter& p, std::string_view raw);

// One query parameter from the whole raw query string; `present` tells whether it was there.
boost::json::value deserialize_query(const Parameter& p, std::string_view query, bool& present);

// Chooses the requestBody content entry for a Content-Type: exact type, then "type/*", then
// "*/*" (parameters such as charset are ignored). Null when none matches.
const MediaType* choose_media_type(const std::vector<MediaType>& content, std::string_view content_type);

// Parses a body as the media type says: JSON (and +json), form-urlencoded, multipart/form-data,
// text/*. `schema` guides the coercion of form fields. On failure returns false and sets `error`.
// A JSON body is built in `storage` (e.g. an arena when the value is checked and dropped).
bool parse_body(std::string_view media_type, std::string_view content_type_header, std::string_view body,
                schema::SchemaRef schema, std::size_t max_depth, boost::json::value& out, std::string& error,
                boost::json::storage_ptr storage = {});

}  // namespace oasis::spec
