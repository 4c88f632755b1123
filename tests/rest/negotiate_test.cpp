// Negotiation, entity-tag, date and range rules of RFC 9110, one rule per test.
#include <oasis/rest/negotiate.hpp>

#include <gtest/gtest.h>

#include <array>

using namespace oasis::rest;
using namespace std::chrono;

namespace {
template <std::size_t N>
std::size_t media(const std::array<std::string_view, N>& p, std::string_view accept) {
  return choose_media_type(p, accept);
}
}  // namespace

TEST(Accept, highest_q_wins) {
  std::array<std::string_view, 2> p{"text/html", "application/json"};
  EXPECT_EQ(media(p, "text/html;q=0.2, application/json;q=0.8"), 1u);
}
TEST(Accept, ties_go_to_server_order) {
  std::array<std::string_view, 2> p{"application/json", "text/html"};
  EXPECT_EQ(media(p, "text/html, application/json"), 0u);
}
TEST(Accept, q_zero_refuses) {
  std::array<std::string_view, 1> p{"text/html"};
  EXPECT_EQ(media(p, "text/html;q=0, */*;q=0.1"), no_choice);
}
TEST(Accept, full_wildcard_matches_anything) {
  std::array<std::string_view, 1> p{"image/png"};
  EXPECT_EQ(media(p, "*/*"), 0u);
}
TEST(Accept, subtype_wildcard_matches_its_type_only) {
  std::array<std::string_view, 2> p{"image/png", "text/plain"};
  EXPECT_EQ(media(p, "text/*"), 1u);
}
TEST(Accept, most_specific_range_sets_q) {
  // text/html matches both "text/*;q=0.9" and "text/html;q=0.1": the specific one counts.
  EXPECT_EQ(media_type_quality("text/html", "text/*;q=0.9, text/html;q=0.1"), 100);
  EXPECT_EQ(media_type_quality("text/plain", "text/*;q=0.9, text/html;q=0.1"), 900);
  EXPECT_EQ(media_type_quality("image/png", "text/*;q=0.9, */*;q=0.3"), 300);
}
TEST(Accept, parameters_must_match) {
  EXPECT_EQ(media_type_quality("text/html;level=1", "text/html;level=1;q=0.7, text/html;q=0.2"), 700);
  EXPECT_EQ(media_type_quality("text/html;level=2", "text/html;level=1;q=0.7, text/html;q=0.2"), 200);
  EXPECT_EQ(media_type_quality("text/html", "text/html;level=1"), 0);
}
TEST(Accept, case_insensitive_type) {
  EXPECT_EQ(media_type_quality("application/json", "Application/JSON"), 1000);
}
TEST(Accept, q_values_parse_exactly) {
  EXPECT_EQ(media_type_quality("a/b", "a/b;q=0.001"), 1);
  EXPECT_EQ(media_type_quality("a/b", "a/b;q=1.000"), 1000);
  EXPECT_EQ(media_type_quality("a/b", "a/b; q=0.5"), 500);
  // A malformed q makes the element unusable.
  EXPECT_EQ(media_type_quality("a/b", "a/b;q=2"), 0);
  EXPECT_EQ(media_type_quality("a/b", "a/b;q=0.5555"), 0);
}
TEST(Accept, accept_ext_after_q_ignored) {
  EXPECT_EQ(media_type_quality("a/b", "a/b;q=0.4;ext=1"), 400);
}
TEST(Accept, quoted_commas_do_not_split) {
  EXPECT_EQ(media_type_quality("a/b;x=\"1,2\"", "a/b;x=\"1,2\";q=0.3"), 300);
}
TEST(Accept, content_type_matching) {
  EXPECT_TRUE(media_type_matches("application/json; charset=utf-8", "application/json"));
  EXPECT_FALSE(media_type_matches("application/json", "application/json;charset=utf-8"));
  EXPECT_FALSE(media_type_matches("text/plain", "application/json"));
  EXPECT_TRUE(media_type_matches("text/plain", "text/*"));
}

TEST(AcceptLanguage, prefix_matches_subtags) {
  std::array<std::string_view, 2> p{"de", "en-GB"};
  EXPECT_EQ(choose_language(p, "en"), 1u);
}
TEST(AcceptLanguage, longer_range_is_more_specific) {
  std::array<std::string_view, 2> p{"en-US", "en-GB"};
  EXPECT_EQ(choose_language(p, "en;q=0.8, en-GB;q=0.9"), 1u);
  EXPECT_EQ(choose_language(p, "en;q=0.9, en-GB;q=0.1"), 0u);
}
TEST(AcceptLanguage, range_does_not_match_a_shorter_tag) {
  std::array<std::string_view, 1> p{"en"};
  EXPECT_EQ(choose_language(p, "en-GB"), no_choice);
}
TEST(AcceptLanguage, wildcard_and_refusal) {
  std::array<std::string_view, 2> p{"fr", "de"};
  EXPECT_EQ(choose_language(p, "*, fr;q=0"), 1u);
}

TEST(AcceptCharset, case_insensitive_and_wildcard) {
  std::array<std::string_view, 2> p{"utf-8", "iso-8859-1"};
  EXPECT_EQ(choose_charset(p, "ISO-8859-1"), 1u);
  EXPECT_EQ(choose_charset(p, "*;q=0.5, utf-8;q=0.1"), 1u);
  EXPECT_EQ(choose_charset(p, "us-ascii"), no_choice);
}

TEST(AcceptEncoding, identity_acceptable_unless_excluded) {
  std::array<std::string_view, 2> p{"identity", "gzip"};
  EXPECT_EQ(choose_encoding(p, "br"), 0u);
  EXPECT_EQ(choose_encoding(p, ""), 0u);
  EXPECT_EQ(choose_encoding(p, "gzip"), 1u);
  EXPECT_EQ(choose_encoding(p, "gzip;q=0.5, identity;q=0.6"), 0u);
}
TEST(AcceptEncoding, star_q0_excludes_identity) {
  std::array<std::string_view, 1> p{"identity"};
  EXPECT_EQ(choose_encoding(p, "*;q=0"), no_choice);
  EXPECT_EQ(choose_encoding(p, "identity;q=0"), no_choice);
  EXPECT_EQ(choose_encoding(p, "*;q=0, identity"), 0u);
}

TEST(ETag, format) {
  EXPECT_EQ(format_etag("abc", false), "\"abc\"");
  EXPECT_EQ(format_etag("abc", true), "W/\"abc\"");
}
TEST(ETag, strong_comparison) {
  EXPECT_TRUE(etag_list_matches("\"a\", \"b\"", {"b", false}, true));
  EXPECT_FALSE(etag_list_matches("W/\"b\"", {"b", false}, true));
  EXPECT_FALSE(etag_list_matches("\"b\"", {"b", true}, true));
  EXPECT_FALSE(etag_list_matches("\"bc\"", {"b", false}, true));
}
TEST(ETag, weak_comparison) {
  EXPECT_TRUE(etag_list_matches("W/\"b\"", {"b", false}, false));
  EXPECT_TRUE(etag_list_matches("\"b\"", {"b", true}, false));
  EXPECT_TRUE(etag_list_matches(" W/\"x\" ,W/\"b\"", {"b", true}, false));
  EXPECT_FALSE(etag_list_matches("\"c\"", {"b", true}, false));
}
TEST(ETag, malformed_list_matches_nothing) {
  EXPECT_FALSE(etag_list_matches("b", {"b", false}, false));
  EXPECT_FALSE(etag_list_matches("\"b", {"b", false}, false));
}
TEST(ETag, any) {
  EXPECT_TRUE(is_any_etag(" * "));
  EXPECT_FALSE(is_any_etag("\"*\""));
}

TEST(HttpDate, three_formats_same_instant) {
  auto a = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT");
  auto b = parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT");
  auto c = parse_http_date("Sun Nov  6 08:49:37 1994");
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(*a, *c);
  EXPECT_EQ(a->time_since_epoch().count(), 784111777);
}
TEST(HttpDate, rejects_garbage) {
  EXPECT_FALSE(parse_http_date("yesterday"));
  EXPECT_FALSE(parse_http_date("Sun, 31 Feb 1994 08:49:37 GMT"));
  EXPECT_FALSE(parse_http_date("Sun, 06 Nov 1994 25:49:37 GMT"));
  EXPECT_FALSE(parse_http_date("Sun, 06 Nov 1994 08:49:37 UTC"));
}
TEST(HttpDate, format_round_trip) {
  Time t{seconds{784111777}};
  EXPECT_EQ(format_http_date(t), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(*parse_http_date(format_http_date(t + days(400))), t + days(400));
}

TEST(Range, forms) {
  ByteRange r;
  EXPECT_EQ(parse_byte_range("bytes=0-4", 10, r), RangeAnswer::partial);
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.last, 4u);
  EXPECT_EQ(parse_byte_range("bytes=5-", 10, r), RangeAnswer::partial);
  EXPECT_EQ(r.first, 5u);
  EXPECT_EQ(r.last, 9u);
  EXPECT_EQ(parse_byte_range("bytes=-3", 10, r), RangeAnswer::partial);
  EXPECT_EQ(r.first, 7u);
  EXPECT_EQ(parse_byte_range("bytes=2-100", 10, r), RangeAnswer::partial);
  EXPECT_EQ(r.last, 9u);
}
TEST(Range, unsatisfiable_and_ignored) {
  ByteRange r;
  EXPECT_EQ(parse_byte_range("bytes=10-", 10, r), RangeAnswer::unsatisfiable);
  EXPECT_EQ(parse_byte_range("bytes=-0", 10, r), RangeAnswer::unsatisfiable);
  EXPECT_EQ(parse_byte_range("bytes=5-2", 10, r), RangeAnswer::ignore);
  EXPECT_EQ(parse_byte_range("items=0-1", 10, r), RangeAnswer::ignore);
  EXPECT_EQ(parse_byte_range("bytes=0-1,3-4", 10, r), RangeAnswer::ignore);
}
