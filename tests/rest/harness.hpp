// Test support for rest/: requests built by hand, and a resource whose every callback is a knob.
#pragma once

#include <oasis/rest/app.hpp>
#include <oasis/rest/flow.hpp>

#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace oasis::rest::testing {

// A request whose strings live as long as it does (Request holds views).
struct Exchange {
  std::deque<std::string> storage;
  http::Request request;
  http::Response response;

  std::string_view keep(std::string s) { return storage.emplace_back(std::move(s)); }

  explicit Exchange(std::string method = "GET", std::string target = "/") {
    request.set_method(keep(std::move(method)));
    request.set_target(keep(std::move(target)));
  }
  Exchange& header(std::string name, std::string value) {
    request.mutable_headers().add(keep(std::move(name)), keep(std::move(value)));
    return *this;
  }
  Exchange& body(std::string b) {
    request.set_body(keep(std::move(b)));
    return *this;
  }
};

using M = http::Method;

// Every callback overridden and driven by a field, defaults as webmachine's.
struct Knobs : Resource {
  bool available = true;
  MethodSet known{M::GET, M::HEAD, M::POST, M::PUT, M::DELETE, M::TRACE, M::CONNECT, M::OPTIONS};
  bool too_long = false;
  MethodSet allowed{M::GET, M::HEAD};
  bool malformed = false, authorized = true, forbid = false, content_headers_ok = true,
       content_type_known = true, length_ok = true;
  std::vector<std::string_view> provided{"text/html"}, langs, chars, encs{"identity"}, accepted,
      vary_also;
  bool exists = true;
  ETag etag;
  std::optional<Time> modified, expiry;
  std::string moved_perm, moved_temp;
  bool existed = false, missing_post = false, delete_enacted = false, delete_done = true,
       create = false, post_ok = false, conflict = false, choices = false, ranges = false;
  std::string path, redirect, representation = "hello", put_location, put_body;
  int options_calls = 0, from_body_calls = 0;

  bool service_available(Context&) override { return available; }
  MethodSet known_methods(Context&) override { return known; }
  bool uri_too_long(Context&) override { return too_long; }
  MethodSet allowed_methods(Context&) override { return allowed; }
  bool malformed_request(Context&) override { return malformed; }
  bool is_authorized(Context& c) override {
    if (!authorized) c.response().header("WWW-Authenticate", "Bearer");
    return authorized;
  }
  bool forbidden(Context&) override { return forbid; }
  bool valid_content_headers(Context&) override { return content_headers_ok; }
  bool known_content_type(Context&) override { return content_type_known; }
  bool valid_entity_length(Context&) override { return length_ok; }
  void options(Context& c) override {
    ++options_calls;
    c.response().header("X-Options", "yes");
  }
  std::span<const std::string_view> content_types_provided(Context&) override { return provided; }
  std::span<const std::string_view> languages_provided(Context&) override { return langs; }
  std::span<const std::string_view> charsets_provided(Context&) override { return chars; }
  std::span<const std::string_view> encodings_provided(Context&) override { return encs; }
  std::span<const std::string_view> variances(Context&) override { return vary_also; }
  bool resource_exists(Context&) override { return exists; }
  ETag generate_etag(Context&) override { return etag; }
  std::optional<Time> last_modified(Context&) override { return modified; }
  std::optional<Time> expires(Context&) override { return expiry; }
  std::string moved_permanently(Context&) override { return moved_perm; }
  std::string moved_temporarily(Context&) override { return moved_temp; }
  bool previously_existed(Context&) override { return existed; }
  bool allow_missing_post(Context&) override { return missing_post; }
  bool delete_resource(Context&) override { return delete_enacted; }
  bool delete_completed(Context&) override { return delete_done; }
  bool post_is_create(Context&) override { return create; }
  std::string create_path(Context&) override { return path; }
  bool process_post(Context& c) override {
    if (!redirect.empty()) c.redirect_to(redirect);
    return post_ok;
  }
  bool is_conflict(Context&) override { return conflict; }
  std::span<const std::string_view> content_types_accepted(Context&) override { return accepted; }
  void from_body(Context& c) override {
    ++from_body_calls;
    if (!put_location.empty()) c.set_location(put_location);
    if (!put_body.empty()) c.response().body(put_body);
  }
  bool multiple_choices(Context&) override { return choices; }
  void to_body(Context& c) override { c.response().body(representation); }
  bool ranges_provided(Context&) override { return ranges; }
  void error_body(Context& c, const Problem& p) override { Resource::error_body(c, p); }
};

// Runs the full flow of `res` on `ex` with tracing on; returns the status.
template <class R>
int run(R& res, Exchange& ex) {
  static const Plan plan = compile_plan_for<R>();
  Context ctx(ex.request, ex.response);
  ctx.set_tracing(true);
  run_flow(plan, res, ctx);
  ex.response.header("X-Test-Trace", trace_string(ctx));
  return ex.response.status();
}

inline std::string trace_of(const Exchange& ex) { return std::string(ex.response.header("X-Test-Trace")); }

// Whether the trace passes square `s` (as a whole name).
inline bool passed(const Exchange& ex, std::string_view s) {
  std::string t = "," + trace_of(ex) + ",";
  return t.find("," + std::string(s) + ",") != std::string::npos;
}

}  // namespace oasis::rest::testing
