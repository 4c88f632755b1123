// oasis/rest/negotiate.hpp — the pure parts of HTTP semantics the decision flow relies on:
// proactive content negotiation (Accept, Accept-Language, Accept-Charset, Accept-Encoding;
// RFC 9110 §12), entity-tag comparison (§8.8.3), HTTP-dates (§5.6.7) and byte ranges (§14).
//
// Every function works on views of header values and allocates nothing (except the two
// formatters, which return strings). This header knows nothing about requests, responses,
// resources or sockets: it is text in, answer out, so each rule can be tested on its own.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace oasis::rest {

inline constexpr std::size_t no_choice = static_cast<std::size_t>(-1);

// A quality value in thousandths (q=0.5 is 500): RFC 9110 allows at most three decimals, so
// integers compare exactly where doubles would not.
using Quality = int;

// --- content negotiation ---------------------------------------------------------------------
// Each choose_* takes what the server provides, in its order of preference, and the request's
// header value; it returns the index of the best choice or no_choice when nothing provided is
// acceptable. The best choice has the highest q, where each provided value takes the q of the
// most specific range that matches it; ties go to the server's order.

// Media types: "text/html;level=1" beats "text/html" beats "text/*" beats "*/*"; a range's
// parameters must all be present in the provided type.
std::size_t choose_media_type(std::span<const std::string_view> provided, std::string_view accept);
// Language tags by RFC 4647 basic filtering: "en" matches "en-GB"; longer ranges are more
// specific; "*" matches anything.
std::size_t choose_language(std::span<const std::string_view> provided,
                            std::string_view accept_language);
// Charsets, case-insensitive; "*" matches anything not listed.
std::size_t choose_charset(std::span<const std::string_view> provided,
                           std::string_view accept_charset);
// Content codings, case-insensitive; "identity" is acceptable unless excluded by
// "identity;q=0" or by "*;q=0" without an explicit identity entry (RFC 9110 §12.5.3).
std::size_t choose_encoding(std::span<const std::string_view> provided,
                            std::string_view accept_encoding);

// The q the Accept header gives this media type (0 when no range matches). Exposed for tests.
Quality media_type_quality(std::string_view media_type, std::string_view accept);

// Whether a request's Content-Type value is one of the accepted media types: type and subtype
// compare case-insensitively, and parameters given in `accepted` must match.
bool media_type_matches(std::string_view content_type, std::string_view accepted);

// --- entity tags -----------------------------------------------------------------------------

struct EntityTagView {
  std::string_view opaque;  // without quotes
  bool weak = false;
};

// The value of an ETag field: "\"abc\"" or "W/\"abc\"".
std::string format_etag(std::string_view opaque, bool weak);

// Whether a list field (If-Match, If-None-Match) is "*".
bool is_any_etag(std::string_view field) noexcept;
// Whether some entity-tag of the list matches `current`. Strong comparison (If-Match) needs
// both tags strong and equal; weak comparison (If-None-Match) compares the opaque parts only.
bool etag_list_matches(std::string_view field, EntityTagView current, bool strong) noexcept;

// --- dates -----------------------------------------------------------------------------------

using Time = std::chrono::sys_seconds;

// IMF-fixdate, and the obsolete RFC 850 and asctime forms that recipients must accept.
std::optional<Time> parse_http_date(std::string_view s) noexcept;
// IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
std::string format_http_date(Time t);

// --- byte ranges ----------------------------------------------------------------------------

struct ByteRange {
  std::uint64_t first = 0, last = 0;  // inclusive
};

enum class RangeAnswer {
  ignore,         // no usable Range: send the whole representation (200)
  partial,        // one satisfiable range: 206 with Content-Range
  unsatisfiable,  // 416 with Content-Range: bytes */length
};

// Reads a Range field for a representation of `length` bytes. Only one range is served; a
// request for several is answered with the whole representation, which RFC 9110 §14.2 allows.
RangeAnswer parse_byte_range(std::string_view range, std::uint64_t length, ByteRange& out) noexcept;

}  // namespace oasis::rest
