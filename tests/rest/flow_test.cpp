// One test per exit of every square of the v3 diagram, named <square>_<answer>_<where it goes>.
#include "harness.hpp"

#include <gtest/gtest.h>

#include <chrono>

using namespace oasis::rest;
using namespace oasis::rest::testing;
using namespace std::chrono;

namespace {

constexpr auto kDate = "Sun, 06 Nov 1994 08:49:37 GMT";
Time at(std::string_view d) { return *parse_http_date(d); }

}  // namespace

TEST(Flow, b13_no_503) {
  Knobs r;
  r.available = false;
  Exchange ex;
  EXPECT_EQ(run(r, ex), 503);
  EXPECT_EQ(trace_of(ex), "b13");
}
TEST(Flow, b13_yes_b12) {
  Knobs r;
  Exchange ex;
  EXPECT_EQ(run(r, ex), 200);
  EXPECT_TRUE(passed(ex, "b12"));
}
TEST(Flow, b12_no_501) {
  Knobs r;
  Exchange ex("PATCH");
  EXPECT_EQ(run(r, ex), 501);
  EXPECT_EQ(trace_of(ex), "b13,b12");
}
TEST(Flow, b12_no_501_for_unknown_method) {
  Knobs r;
  Exchange ex("BREW");
  EXPECT_EQ(run(r, ex), 501);
}
TEST(Flow, b12_yes_b11) {
  Knobs r;
  Exchange ex;
  run(r, ex);
  EXPECT_TRUE(passed(ex, "b11"));
}
TEST(Flow, b11_yes_414) {
  Knobs r;
  r.too_long = true;
  Exchange ex;
  EXPECT_EQ(run(r, ex), 414);
}
TEST(Flow, b11_no_b10) {
  Knobs r;
  Exchange ex;
  run(r, ex);
  EXPECT_TRUE(passed(ex, "b10"));
}
TEST(Flow, b10_no_405_with_allow) {
  Knobs r;
  Exchange ex("DELETE");
  EXPECT_EQ(run(r, ex), 405);
  EXPECT_EQ(ex.response.header("Allow"), "GET, HEAD");
}
TEST(Flow, b10_yes_b9) {
  Knobs r;
  Exchange ex;
  run(r, ex);
  EXPECT_TRUE(passed(ex, "b9"));
}
TEST(Flow, b9_yes_400) {
  Knobs r;
  r.malformed = true;
  Exchange ex;
  EXPECT_EQ(run(r, ex), 400);
}
TEST(Flow, b8_no_401) {
  Knobs r;
  r.authorized = false;
  Exchange ex;
  EXPECT_EQ(run(r, ex), 401);
  EXPECT_EQ(ex.response.header("WWW-Authenticate"), "Bearer");
}
TEST(Flow, b7_yes_403) {
  Knobs r;
  r.forbid = true;
  Exchange ex;
  EXPECT_EQ(run(r, ex), 403);
}
TEST(Flow, b6_no_501) {
  Knobs r;
  r.content_headers_ok = false;
  Exchange ex;
  EXPECT_EQ(run(r, ex), 501);
  EXPECT_TRUE(passed(ex, "b6"));
}
TEST(Flow, b5_no_415) {
  Knobs r;
  r.content_type_known = false;
  Exchange ex;
  EXPECT_EQ(run(r, ex), 415);
}
TEST(Flow, b4_yes_413) {
  Knobs r;
  r.length_ok = false;
  Exchange ex;
  EXPECT_EQ(run(r, ex), 413);
}
TEST(Flow, b3_yes_200_with_allow_and_options) {
  Knobs r;
  r.allowed = {M::GET, M::OPTIONS};
  Exchange ex("OPTIONS");
  EXPECT_EQ(run(r, ex), 200);
  EXPECT_EQ(ex.response.header("Allow"), "GET, OPTIONS");
  EXPECT_EQ(ex.response.header("X-Options"), "yes");
  EXPECT_EQ(r.options_calls, 1);
  EXPECT_FALSE(passed(ex, "c3"));
}
TEST(Flow, b3_no_c3) {
  Knobs r;
  Exchange ex;
  run(r, ex);
  EXPECT_TRUE(passed(ex, "c3"));
}
TEST(Flow, c3_no_first_type_chosen) {
  Knobs r;
  r.provided = {"application/json", "text/html"};
  Exchange ex;
  EXPECT_EQ(run(r, ex), 200);
  EXPECT_FALSE(passed(ex, "c4"));
  EXPECT_EQ(ex.response.header("Content-Type"), "application/json");
  EXPECT_EQ(ex.response.header("Vary"), "Accept");
}
TEST(Flow, c4_no_406) {
  Knobs r;
  Exchange ex;
  ex.header("Accept", "application/json");
  EXPECT_EQ(run(r, ex), 406);
  EXPECT_EQ(ex.response.header("Content-Type"), "application/problem+json");
}
TEST(Flow, c4_yes_best_type_chosen) {
  Knobs r;
  r.provided = {"application/json", "text/html"};
  Exchange ex;
  ex.header("Accept", "application/json;q=0.5, text/html");
  EXPECT_EQ(run(r, ex), 200);
  EXPECT_EQ(ex.response.header("Content-Type"), "text/html");
}
TEST(Flow, d4_no_e5) {
  Knobs r;
  r.langs = {"en", "fr"};
  Exchange ex;
  EXPECT_EQ(run(r, ex), 200);
  EXPECT_FALSE(passed(ex, "d5"));
  EXPECT_EQ(ex.response.header("Content-Language"), "en");
}
TEST(Flow, d5_no_406) {
  Knobs r;
  r.langs = {"en"};
  Exchange ex;
  ex.header("Accept-Language", "fr");
  EXPECT_EQ(run(r, ex), 406);
  EXPECT_TRUE(passed(ex, "d5"));
}
TEST(Flow, d5_yes_e5) {
  Knobs r;
  r.langs = {"en", "fr-CA"};
  Exchange ex;
  ex.header("Accept-Language", "fr, en;q=0.5");
  EXPECT_EQ(run(r, ex), 200);
  EXPECT_EQ(ex.response.header("Content-Language"), "fr-CA");
  EXPECT_EQ(ex.response.header("Vary"), "Accept-Language");
}
TEST(Flow, e5_no_f6) {
  Knobs r;
  r.chars = {"utf-8"};
  Exchange ex;
  EXPECT_EQ(run(r, ex), 200);
  EXPECT_FALSE(passed(ex, "e6"));
  EXPECT_EQ(ex.response.header("Content-Type"), "text/html; charset=utf-8");
}
TEST(Flow, e6_no_406) {
  Knobs r;
  r.chars = {"utf-8"};
  Exchange ex;
  ex.header("Accept-Charset", "iso-8859-1");
  EXPECT_EQ(run(r, ex), 406);
}
TEST(Flow, e6_yes_f6) {
  Knobs r;
  r.chars = {"utf-8", "iso-8859-1"};
  Exchange ex;
  ex.header("Accept-Charset", "ISO-8859-1");
  EXPECT_EQ(run(r, ex), 200);
  EXPECT_EQ(ex.response.header("Content-Type"), "text/html; charset=iso-8859-1");
}
TEST(Flow, f6_no_g7) {
  Knobs r;
  Exchange ex;
  run(r, ex);
  EXPECT_TRUE(passed(ex, "f6"));
  EXPECT_FALSE(passed(ex, "f7"));
  EXPECT_TRUE(passed(ex, "g7"));
}
TEST(Flow, f7_no_406) {
  Knobs r;
  Exchange ex;
  ex.header("Accept-Encoding", "identity;q=0");
  EXPECT_EQ(run(r, ex), 406);
}
TEST(Flow, f7_yes_resource_encoding) {
  Knobs r;
  r.encs = {"identity", "gzip"};
  Exchange ex;
  ex.header("Accept-Encoding", "gzip");
  EXPECT_EQ(run(r, ex), 200);
  EXPECT_EQ(ex.response.header("Content-Encoding"), "gzip");
  EXPECT_FALSE(ex.response.compressible());
  EXPECT_EQ(ex.response.header("Vary"), "Accept-Encoding");
}
TEST(Flow, g7_no_h7) {
  Knobs r;
  r.exists = false;
  Exchange ex;
  EXPECT_EQ(run(r, ex), 404);
  EXPECT_TRUE(passed(ex, "h7"));
}
TEST(Flow, g7_yes_g8) {
  Knobs r;
  Exchange ex;
  run(r, ex);
  EXPECT_TRUE(passed(ex, "g8"));
}
TEST(Flow, g8_no_h10) {
  Knobs r;
  Exchange ex;
  run(r, ex);
  EXPECT_FALSE(passed(ex, "g9"));
  EXPECT_TRUE(passed(ex, "h10"));
}
TEST(Flow, g9_yes_h10) {
  Knobs r;
  Exchange ex;
  ex.header("If-Match", "*");
  EXPECT_EQ(run(r, ex), 200);
  EXPECT_FALSE(passed(ex, "g11"));
}
TEST(Flow, g11_yes_h10) {
  Knobs r;
  r.etag = {"v1"};
  Exchange ex("PUT");
  r.allowed = {M::PUT};
  r.accepted = {"text/plain"};
  ex.header("If-Match", "\"v0\", \"v1\"").header("Content-Type", "text/plain");
  EXPECT_EQ(run(r, ex), 204);
  EXPECT_TRUE(passed(ex, "g11"));
}
TEST(Flow, g11_no_412) {
  Knobs r;
  r.etag = {"v1"};
  Exchange ex;
  ex.header("If-Match", "\"v2\"");
  EXPECT_EQ(run(r, ex), 412);
}
TEST(Flow, g11_weak_etag_never_matches_if_match) {
  Knobs r;
  r.etag = {"v1", true};
  Exchange ex;
  ex.header("If-Match", "W/\"v1\"");
  EXPECT_EQ(run(r, ex), 412);
}
TEST(Flow, h7_yes_412) {
  Knobs r;
  r.exists = false;
  Exchange ex;
  ex.header("If-Match", "*");
  EXPECT_EQ(run(r, ex), 412);
}
TEST(Flow, h7_no_i7) {
  Knobs r;
  r.exists = false;
  Exchange ex;
  EXPECT_EQ(run(r, ex), 404);
  // I7 "PUT?" is answered by the plan for GET: the walk goes from H7 to K7.
  EXPECT_TRUE(passed(ex, "h7"));
  EXPECT_TRUE(passed(ex, "k7"));
  EXPECT_FALSE(passed(ex, "i4"));
}
TEST(Flow, h10_yes_h11_h12_yes_412) {
  Knobs r;
  r.modified = at(kDate) + hours(1);
  Exchange ex("DELETE");
  r.allowed = {M::DELETE};
  ex.header("If-Unmodified-Since", kDate);
  EXPECT_EQ(run(r, ex), 412);
  EXPECT_TRUE(passed(ex, "h12"));
}
TEST(Flow, h11_no_i12) {
  Knobs r;
  r.modified = at(kDate);
  Exchange ex;
  ex.header("If-Unmodified-Since", "yesterday");
  EXPECT_EQ(run(r, ex), 200);
  EXPECT_FALSE(passed(ex, "h12"));
  EXPECT_TRUE(passed(ex, "i12"));
}
TEST(Flow, h12_no_i12) {
  Knobs r;
  r.modified = at(kDate);
  Exchange ex;
  ex.header("If-Unmodified-Since", kDate);
  EXPECT_EQ(run(r, ex), 200);
  EXPECT_TRUE(passed(ex, "h12"));
}
TEST(Flow, h10_ignored_when_if_match_sent) {
  Knobs r;
  r.modified = at(kDate) + hours(1);
  Exchange ex;
  ex.header("If-Match", "*").header("If-Unmodified-Since", kDate);
  EXPECT_EQ(run(r, ex), 200);
}
TEST(Flow, i4_yes_301) {
  Knobs r;
  r.exists = false;
  r.allowed = {M::PUT};
  r.moved_perm = "/elsewhere";
  Exchange ex("PUT");
  EXPECT_EQ(run(r, ex), 301);
  EXPECT_EQ(ex.response.header("Location"), "/elsewhere");
  EXPECT_TRUE(passed(ex, "i4"));
}
TEST(Flow, i4_no_p3) {
  Knobs r;
  r.exists = false;
  r.allowed = {M::PUT};
  Exchange ex("PUT");
  run(r, ex);
  EXPECT_TRUE(passed(ex, "p3"));
}
TEST(Flow, i7_no_k7) {
  Knobs r;
  r.exists = false;
  Exchange ex;
  run(r, ex);
  EXPECT_TRUE(passed(ex, "k7"));
}
TEST(Flow, i12_no_l13) {
  Knobs r;
  Exchange ex;
  run(r, ex);
  EXPECT_TRUE(passed(ex, "l13"));
  EXPECT_FALSE(passed(ex, "i13"));
}
TEST(Flow, i13_yes_j18_yes_304) {
  Knobs r;
  r.etag = {"v1"};
  Exchange ex;
  ex.header("If-None-Match", "*");
  EXPECT_EQ(run(r, ex), 304);
  EXPECT_TRUE(ex.response.body().empty());
  EXPECT_EQ(ex.response.header("ETag"), "\"v1\"");
}
TEST(Flow, j18_no_412) {
  Knobs r;
  r.allowed = {M::PUT};
  Exchange ex("PUT");
  ex.header("If-None-Match", "*");
  EXPECT_EQ(run(r, ex), 412);
  EXPECT_TRUE(passed(ex, "i13"));  // J18 "GET or HEAD?" answered "no" by the PUT plan
}
TEST(Flow, k13_yes_j18_weak_comparison) {
  Knobs r;
  r.etag = {"v1", true};
  Exchange ex("HEAD");
  ex.header("If-None-Match", "\"v0\", \"v1\"");
  EXPECT_EQ(run(r, ex), 304);
  EXPECT_EQ(ex.response.header("ETag"), "W/\"v1\"");
}
TEST(Flow, k13_no_l13) {
  Knobs r;
  r.etag = {"v1"};
  Exchange ex;
  ex.header("If-None-Match", "\"v2\"");
  EXPECT_EQ(run(r, ex), 200);
  EXPECT_TRUE(passed(ex, "k13"));
  EXPECT_TRUE(passed(ex, "l13"));
}
TEST(Flow, k7_yes_k5_yes_301) {
  Knobs r;
  r.exists = false;
  r.existed = true;
  r.moved_perm = "https://example.com/new";
  Exchange ex;
  EXPECT_EQ(run(r, ex), 301);
  EXPECT_EQ(ex.response.header("Location"), "https://example.com/new");
  EXPECT_TRUE(passed(ex, "k5"));
}
TEST(Flow, k7_no_l7) {
  Knobs r;
  r.exists = false;
  Exchange ex;
  EXPECT_EQ(run(r, ex), 404);  // L7 "POST?" answered "no" by the GET plan
  EXPECT_TRUE(trace_of(ex).ends_with(",k7"));
}
TEST(Flow, k5_no_l5_yes_307) {
  Knobs r;
  r.exists = false;
  r.existed = true;
  r.moved_temp = "/tmp-home";
  Exchange ex;
  EXPECT_EQ(run(r, ex), 307);
  EXPECT_EQ(ex.response.header("Location"), "/tmp-home");
}
TEST(Flow, l5_no_m5_no_410) {
  Knobs r;
  r.exists = false;
  r.existed = true;
  Exchange ex;
  EXPECT_EQ(run(r, ex), 410);  // M5 "POST?" answered "no" by the GET plan
  EXPECT_TRUE(trace_of(ex).ends_with(",l5"));
}
TEST(Flow, m5_yes_n5_no_410) {
  Knobs r;
  r.exists = false;
  r.existed = true;
  r.allowed = {M::POST};
  Exchange ex("POST");
  EXPECT_EQ(run(r, ex), 410);
  EXPECT_TRUE(passed(ex, "n5"));
}
TEST(Flow, n5_yes_n11) {
  Knobs r;
  r.exists = false;
  r.existed = true;
  r.missing_post = true;
  r.post_ok = true;
  r.allowed = {M::POST};
  Exchange ex("POST");
  EXPECT_EQ(run(r, ex), 204);
  EXPECT_TRUE(passed(ex, "n11"));
}
TEST(Flow, l7_no_404) {
  Knobs r;
  r.exists = false;
  Exchange ex;
  EXPECT_EQ(run(r, ex), 404);
  EXPECT_EQ(ex.response.header("Content-Type"), "application/problem+json");
}
TEST(Flow, l7_yes_m7_no_404) {
  Knobs r;
  r.exists = false;
  r.allowed = {M::POST};
  Exchange ex("POST");
  EXPECT_EQ(run(r, ex), 404);
  EXPECT_TRUE(passed(ex, "m7"));
}
TEST(Flow, m7_yes_n11_create_201) {
  Knobs r;
  r.exists = false;
  r.missing_post = true;
  r.create = true;
  r.path = "42";
  r.accepted = {"application/json"};
  r.allowed = {M::POST};
  Exchange ex("POST", "/things");
  ex.header("Content-Type", "application/json").body("{}");
  EXPECT_EQ(run(r, ex), 201);
  EXPECT_EQ(ex.response.header("Location"), "/things/42");
  EXPECT_EQ(r.from_body_calls, 1);
}
TEST(Flow, l13_yes_l17_no_304) {
  Knobs r;
  r.modified = at(kDate);
  Exchange ex;
  ex.header("If-Modified-Since", kDate);
  EXPECT_EQ(run(r, ex), 304);
  EXPECT_TRUE(passed(ex, "l17"));
}
TEST(Flow, l14_no_m16) {
  Knobs r;
  r.modified = at(kDate);
  Exchange ex;
  ex.header("If-Modified-Since", "not a date");
  EXPECT_EQ(run(r, ex), 200);
  EXPECT_FALSE(passed(ex, "l15"));
}
TEST(Flow, l15_yes_m16) {
  Knobs r;
  r.modified = at(kDate);
  Exchange ex;
  ex.header("If-Modified-Since", format_http_date(floor<seconds>(system_clock::now()) + hours(48)));
  EXPECT_EQ(run(r, ex), 200);
  EXPECT_TRUE(passed(ex, "l15"));
  EXPECT_FALSE(passed(ex, "l17"));
}
TEST(Flow, l17_yes_m16) {
  Knobs r;
  r.modified = at(kDate) + hours(1);
  Exchange ex;
  ex.header("If-Modified-Since", kDate);
  EXPECT_EQ(run(r, ex), 200);
  EXPECT_TRUE(passed(ex, "l17"));
  EXPECT_TRUE(passed(ex, "o18"));
}
TEST(Flow, l13_ignored_when_if_none_match_sent) {
  Knobs r;
  r.etag = {"v1"};
  r.modified = at(kDate);
  Exchange ex;
  ex.header("If-None-Match", "\"v2\"").header("If-Modified-Since", kDate);
  EXPECT_EQ(run(r, ex), 200);
}
TEST(Flow, m16_yes_m20_no_500) {
  Knobs r;
  r.allowed = {M::DELETE};
  Exchange ex("DELETE");
  EXPECT_EQ(run(r, ex), 500);
  EXPECT_TRUE(passed(ex, "m20"));
}
TEST(Flow, m20_yes_m20b_no_202) {
  Knobs r;
  r.allowed = {M::DELETE};
  r.delete_enacted = true;
  r.delete_done = false;
  Exchange ex("DELETE");
  EXPECT_EQ(run(r, ex), 202);
}
TEST(Flow, m20b_yes_o20_no_204) {
  Knobs r;
  r.allowed = {M::DELETE};
  r.delete_enacted = true;
  Exchange ex("DELETE");
  EXPECT_EQ(run(r, ex), 204);
  EXPECT_TRUE(passed(ex, "o20"));
}
TEST(Flow, n11_yes_303) {
  Knobs r;
  r.allowed = {M::POST};
  r.post_ok = true;
  r.redirect = "/done";
  Exchange ex("POST");
  EXPECT_EQ(run(r, ex), 303);
  EXPECT_EQ(ex.response.header("Location"), "/done");
}
TEST(Flow, n11_process_post_false_500) {
  Knobs r;
  r.allowed = {M::POST};
  Exchange ex("POST");
  EXPECT_EQ(run(r, ex), 500);
}
TEST(Flow, n11_create_without_path_500) {
  Knobs r;
  r.allowed = {M::POST};
  r.create = true;
  Exchange ex("POST");
  EXPECT_EQ(run(r, ex), 500);
}
TEST(Flow, n11_create_with_unaccepted_body_415) {
  Knobs r;
  r.allowed = {M::POST};
  r.create = true;
  r.path = "7";
  r.accepted = {"application/json"};
  Exchange ex("POST");
  ex.header("Content-Type", "text/plain");
  EXPECT_EQ(run(r, ex), 415);
  EXPECT_EQ(r.from_body_calls, 0);
}
TEST(Flow, n16_yes_n11) {
  Knobs r;
  r.allowed = {M::POST};
  r.post_ok = true;
  Exchange ex("POST");
  EXPECT_EQ(run(r, ex), 204);
  EXPECT_TRUE(passed(ex, "n11"));  // N16 "POST?" answered "yes" by the POST plan
  EXPECT_TRUE(passed(ex, "p11"));
}
TEST(Flow, o16_yes_o14_yes_409) {
  Knobs r;
  r.allowed = {M::PUT};
  r.conflict = true;
  Exchange ex("PUT");
  EXPECT_EQ(run(r, ex), 409);
  EXPECT_TRUE(passed(ex, "o14"));
}
TEST(Flow, o14_no_accepts_body_p11) {
  Knobs r;
  r.allowed = {M::PUT};
  r.accepted = {"application/json"};
  Exchange ex("PUT");
  ex.header("Content-Type", "application/json; charset=utf-8").body("{}");
  EXPECT_EQ(run(r, ex), 204);
  EXPECT_EQ(r.from_body_calls, 1);
  EXPECT_TRUE(passed(ex, "p11"));
}
TEST(Flow, o14_no_unaccepted_body_415) {
  Knobs r;
  r.allowed = {M::PUT};
  r.accepted = {"application/json"};
  Exchange ex("PUT");
  ex.header("Content-Type", "text/csv");
  EXPECT_EQ(run(r, ex), 415);
}
TEST(Flow, o16_no_o18) {
  Knobs r;
  Exchange ex;
  run(r, ex);
  EXPECT_TRUE(passed(ex, "o18"));
}
TEST(Flow, o18_yes_300) {
  Knobs r;
  r.choices = true;
  Exchange ex;
  EXPECT_EQ(run(r, ex), 300);
}
TEST(Flow, o18_no_200_with_validators) {
  Knobs r;
  r.etag = {"v9"};
  r.modified = at(kDate);
  r.expiry = at(kDate) + hours(24);
  Exchange ex;
  EXPECT_EQ(run(r, ex), 200);
  EXPECT_EQ(ex.response.body(), "hello");
  EXPECT_EQ(ex.response.header("ETag"), "\"v9\"");
  EXPECT_EQ(ex.response.header("Last-Modified"), kDate);
  EXPECT_EQ(ex.response.header("Expires"), "Mon, 07 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(ex.response.header("Content-Type"), "text/html");
}
TEST(Flow, o20_yes_o18_200) {
  Knobs r;
  r.allowed = {M::PUT};
  r.accepted = {"text/plain"};
  r.put_body = "updated";
  Exchange ex("PUT");
  ex.header("Content-Type", "text/plain");
  EXPECT_EQ(run(r, ex), 200);
  EXPECT_EQ(ex.response.body(), "updated");
  EXPECT_TRUE(passed(ex, "o20"));
}
TEST(Flow, p3_yes_409) {
  Knobs r;
  r.exists = false;
  r.allowed = {M::PUT};
  r.conflict = true;
  Exchange ex("PUT");
  EXPECT_EQ(run(r, ex), 409);
  EXPECT_TRUE(passed(ex, "p3"));
}
TEST(Flow, p11_yes_201) {
  Knobs r;
  r.exists = false;
  r.allowed = {M::PUT};
  r.accepted = {"text/plain"};
  r.put_location = "/things/9";
  Exchange ex("PUT", "/things/9");
  ex.header("Content-Type", "text/plain");
  EXPECT_EQ(run(r, ex), 201);
  EXPECT_EQ(ex.response.header("Location"), "/things/9");
}
TEST(Flow, p11_no_o20) {
  Knobs r;
  r.exists = false;
  r.allowed = {M::PUT};
  r.accepted = {"text/plain"};
  Exchange ex("PUT");
  ex.header("Content-Type", "text/plain");
  EXPECT_EQ(run(r, ex), 204);
  EXPECT_TRUE(passed(ex, "o20"));
}

// --- the plan --------------------------------------------------------------------------------

namespace {
struct Minimal : Resource {
  void to_body(Context& c) override { c.response().body("min"); }
};
struct Guarded : Minimal {
  bool forbidden(Context&) override { return true; }
};
}  // namespace

TEST(Plan, detects_overridden_callbacks) {
  EXPECT_EQ(overridden_callbacks<Minimal>(), bit(Callback::to_body));
  EXPECT_EQ(overridden_callbacks<Guarded>(), bit(Callback::to_body) | bit(Callback::forbidden));
  EXPECT_EQ(overridden_callbacks<Knobs>(), all_callbacks);
}

TEST(Plan, skips_squares_whose_callbacks_keep_defaults) {
  auto p = compile_plan_for<Minimal>();
  for (auto s : {Square::b13, Square::b12, Square::b11, Square::b9, Square::b8, Square::b7, Square::b6,
                 Square::b5, Square::b4, Square::d4, Square::d5, Square::e5, Square::e6, Square::f6,
                 Square::f7, Square::g7, Square::h7, Square::i7, Square::k7, Square::m20b, Square::p3})
    EXPECT_FALSE(p.evaluates(s)) << to_string(s);
  for (auto s : {Square::b10, Square::b3, Square::c3, Square::c4, Square::g8, Square::o18})
    EXPECT_TRUE(p.evaluates(s)) << to_string(s);
  EXPECT_EQ(p.for_method(M::GET).start, Next(Square::c3));
  // B10 with default allowed methods is only asked of methods it will refuse.
  EXPECT_EQ(p.for_method(M::DELETE).start, Next(Square::b10));
  // B12 with default known methods: PATCH is refused at registration.
  EXPECT_EQ(p.for_method(M::PATCH).start, Next::status(501));
  EXPECT_EQ(p.for_method(M::OTHER).start, Next::status(501));
}

TEST(Plan, method_squares_are_answered_at_registration) {
  auto p = compile_plan_for<Knobs>();
  auto at = [](const MethodPlan& mp, Square s, bool yes) { return (yes ? mp.on_true : mp.on_false)[static_cast<std::size_t>(s)]; };
  const auto& get = p.for_method(M::GET);
  const auto& put = p.for_method(M::PUT);
  const auto& post = p.for_method(M::POST);
  const auto& del = p.for_method(M::DELETE);
  const auto& options = p.for_method(M::OPTIONS);
  // B3 "OPTIONS?": only OPTIONS asks it.
  EXPECT_EQ(at(get, Square::b4, false), Next(Square::c3));
  EXPECT_EQ(at(options, Square::b4, false), Next(Square::b3));
  // I7 "PUT?": a missing resource goes to I4 for PUT, to K7 otherwise.
  EXPECT_EQ(at(put, Square::h7, false), Next(Square::i4));
  EXPECT_EQ(at(get, Square::h7, false), Next(Square::k7));
  // L7 "POST?" and M5 "POST?".
  EXPECT_EQ(at(post, Square::k7, false), Next(Square::m7));
  EXPECT_EQ(at(get, Square::k7, false), Next::status(404));
  EXPECT_EQ(at(post, Square::l5, false), Next(Square::n5));
  EXPECT_EQ(at(get, Square::l5, false), Next::status(410));
  // J18 "GET or HEAD?".
  EXPECT_EQ(at(get, Square::i13, true), Next::status(304));
  EXPECT_EQ(at(put, Square::i13, true), Next::status(412));
  // M16 "DELETE?", N16 "POST?", O16 "PUT?".
  EXPECT_EQ(at(del, Square::l13, false), Next(Square::m20));
  EXPECT_EQ(at(post, Square::l13, false), Next(Square::n11));
  EXPECT_EQ(at(put, Square::l13, false), Next(Square::o14));
  EXPECT_EQ(at(get, Square::l13, false), Next(Square::o18));
}

TEST(Plan, keeps_an_overridden_square) {
  auto p = compile_plan_for<Guarded>();
  EXPECT_TRUE(p.evaluates(Square::b7));
  EXPECT_FALSE(p.evaluates(Square::b8));
  EXPECT_EQ(p.for_method(M::GET).start, Next(Square::b7));
  EXPECT_EQ(p.for_method(M::PUT).on_true[static_cast<std::size_t>(Square::b10)], Next(Square::b7));
}

TEST(Plan, folded_flow_gives_the_same_answers) {
  Minimal m;
  Exchange ex;
  EXPECT_EQ(run(m, ex), 200);
  EXPECT_EQ(trace_of(ex), "c3,g8,h10,i12,l13,o18");
  EXPECT_EQ(ex.response.body(), "min");
  Guarded g;
  Exchange ex2;
  EXPECT_EQ(run(g, ex2), 403);
  EXPECT_EQ(trace_of(ex2), "b7");
  Minimal m3;
  Exchange ex3("PUT");
  EXPECT_EQ(run(m3, ex3), 405);
  EXPECT_EQ(trace_of(ex3), "b10");
  EXPECT_EQ(ex3.response.header("Allow"), "GET, HEAD");
}

TEST(Plan, every_square_has_its_question) {
  for (const auto& sq : squares()) {
    EXPECT_FALSE(sq.question.empty()) << sq.name;
    EXPECT_EQ(info(sq.id).name, sq.name);
  }
  EXPECT_EQ(squares().size(), square_count);
}
