// oasis/rest/conditional.hpp — conditional requests (RFC 9110 §13) as one pure function: given
// the method, the request's precondition fields and what the target resource currently has
// (entity-tag, last modification, whether it exists), whether to go on, answer 304 Not
// Modified, or answer 412 Precondition Failed.
//
// The order of evaluation is RFC 9110 §13.2.2: If-Match (strong comparison; "*" or any tag
// fails when the resource does not exist), else If-Unmodified-Since; then If-None-Match (weak
// comparison; "*" matches any existing resource) — a match is 304 for GET and HEAD and 412 for
// any other method — else, for GET and HEAD only, If-Modified-Since (ignored when it is not a
// valid date or lies in the future). An invalid date is ignored, as the RFC says.
//
// Plain data in, plain data out: usable by the decision flow, the mock and anything else that
// stores ETags and modification times. Knows nothing about resources or callbacks.
#pragma once

#include <oasis/http/message.hpp>
#include <oasis/rest/negotiate.hpp>

#include <optional>
#include <string_view>

namespace oasis::rest {

// The four precondition fields; an absent field is nullopt (a present but empty one is not).
struct ConditionalFields {
  std::optional<std::string_view> if_match, if_none_match, if_modified_since, if_unmodified_since;
  bool any() const noexcept { return if_match || if_none_match || if_modified_since || if_unmodified_since; }
};

// Reads the four fields from a request.
ConditionalFields conditional_fields(const http::Request& req);

// What the target resource currently has.
struct Validators {
  bool exists = false;
  EntityTagView etag;                 // empty opaque: no entity-tag
  std::optional<Time> last_modified;  // none: no modification date
};

enum class Precondition : std::uint8_t {
  proceed,       // no condition stops the request
  not_modified,  // 304 (GET or HEAD)
  failed,        // 412
};

Precondition evaluate_preconditions(http::Method method, const ConditionalFields& fields, const Validators& current,
                                    Time now);
// The same, with now = the system clock.
Precondition evaluate_preconditions(http::Method method, const ConditionalFields& fields, const Validators& current);

}  // namespace oasis::rest
