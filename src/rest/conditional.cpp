// rest/conditional.cpp — RFC 9110 §13.2.2, evaluated in order.
#include <oasis/rest/conditional.hpp>

namespace oasis::rest {

namespace {

std::optional<std::string_view> field(const http::Request& req, std::string_view name) {
  if (!req.headers().has(name)) return std::nullopt;
  return req.header(name);
}

}  // namespace

ConditionalFields conditional_fields(const http::Request& req) {
  ConditionalFields f;
  f.if_match = field(req, "If-Match");
  f.if_none_match = field(req, "If-None-Match");
  f.if_modified_since = field(req, "If-Modified-Since");
  f.if_unmodified_since = field(req, "If-Unmodified-Since");
  return f;
}

Precondition evaluate_preconditions(http::Method method, const ConditionalFields& f, const Validators& cur, Time now) {
  const bool safe = method == http::Method::GET || method == http::Method::HEAD;
  const bool has_etag = !cur.etag.opaque.empty();
  // Step 1: If-Match, or else step 2: If-Unmodified-Since.
  if (f.if_match) {
    if (!cur.exists) return Precondition::failed;
    if (!is_any_etag(*f.if_match) && !(has_etag && etag_list_matches(*f.if_match, cur.etag, true)))
      return Precondition::failed;
  } else if (f.if_unmodified_since && cur.exists) {
    auto t = parse_http_date(*f.if_unmodified_since);
    if (t && cur.last_modified && *cur.last_modified > *t) return Precondition::failed;
  }
  // Step 3: If-None-Match, or else step 4: If-Modified-Since (GET and HEAD only).
  if (f.if_none_match) {
    bool match = cur.exists && (is_any_etag(*f.if_none_match) ||
                                (has_etag && etag_list_matches(*f.if_none_match, cur.etag, false)));
    if (match) return safe ? Precondition::not_modified : Precondition::failed;
  } else if (f.if_modified_since && safe && cur.exists) {
    auto t = parse_http_date(*f.if_modified_since);
    if (t && *t <= now && cur.last_modified && *cur.last_modified <= *t) return Precondition::not_modified;
  }
  return Precondition::proceed;
}

Precondition evaluate_preconditions(http::Method method, const ConditionalFields& fields, const Validators& current) {
  return evaluate_preconditions(method, fields, current,
                                std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
}

}  // namespace oasis::rest
