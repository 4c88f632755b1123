// oasis/schema/json_text.hpp — JSON text read into a Boost.JSON DOM without basic_parser when it
// is plain, as most API answers are.
//
// Plain: strings without escapes or controls, numbers of up to 15 significant digits with at most
// a two-digit exponent, nesting less deep than the limit (the full rules: src/schema/plain_scan.hpp).
// For such text the DOM is the very one boost::json::parse builds (the same kinds, the same
// doubles to the bit, the last of duplicate keys kept), built through a boost::json::value_stack
// in one pass. For any other text — malformed text among it — nothing is decided here: the caller
// parses it with Boost.JSON, which gives the value or the error.
#pragma once

#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <optional>
#include <string_view>

namespace oasis::schema {

// The value of `text` allocated from `sp`, when the text is plain and nests less than
// `max_depth` deep; std::nullopt otherwise (whatever was allocated from `sp` on the way stays
// there: a caller with an arena may take it back). Not reentrant per thread: it keeps its
// working stack per thread between calls.
std::optional<boost::json::value> parse_plain_json(std::string_view text, const boost::json::storage_ptr& sp,
                                                   std::size_t max_depth = 32);

}  // namespace oasis::schema
