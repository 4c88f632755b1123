// Conditional requests as a pure function: RFC 9110 §13.2.2, field by field and in order.
#include <oasis/rest/conditional.hpp>

#include <gtest/gtest.h>

using namespace oasis;
using rest::Precondition;
using M = http::Method;

namespace {

const rest::Time kModified = *rest::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT");
const rest::Time kNow = *rest::parse_http_date("Tue, 15 Nov 1994 08:12:31 GMT");
constexpr std::string_view kBefore = "Sat, 05 Nov 1994 08:00:00 GMT";
constexpr std::string_view kAfter = "Mon, 07 Nov 1994 08:00:00 GMT";
constexpr std::string_view kFuture = "Thu, 01 Jan 2099 00:00:00 GMT";

rest::Validators existing(bool weak = false) { return {true, {"v1", weak}, kModified}; }
const rest::Validators kMissing{};

Precondition eval(M m, rest::ConditionalFields f, rest::Validators v = existing()) {
  return rest::evaluate_preconditions(m, f, v, kNow);
}

using Field = std::optional<std::string_view>;
rest::ConditionalFields fields(Field match, Field none_match, Field modified_since, Field unmodified_since) {
  rest::ConditionalFields f;
  f.if_match = match;
  f.if_none_match = none_match;
  f.if_modified_since = modified_since;
  f.if_unmodified_since = unmodified_since;
  return f;
}
rest::ConditionalFields if_match(std::string_view v) { return fields(v, {}, {}, {}); }
rest::ConditionalFields if_none_match(std::string_view v) { return fields({}, v, {}, {}); }
rest::ConditionalFields if_modified_since(std::string_view v) { return fields({}, {}, v, {}); }
rest::ConditionalFields if_unmodified_since(std::string_view v) { return fields({}, {}, {}, v); }

}  // namespace

TEST(Conditional, NoFieldsProceed) {
  for (M m : {M::GET, M::HEAD, M::PUT, M::PATCH, M::DELETE, M::POST}) {
    EXPECT_EQ(eval(m, {}), Precondition::proceed);
    EXPECT_EQ(eval(m, {}, kMissing), Precondition::proceed);
  }
}

TEST(Conditional, IfMatchIsStrongAndFailsWith412) {
  for (M m : {M::PUT, M::PATCH, M::DELETE, M::GET}) {
    EXPECT_EQ(eval(m, if_match(R"("v1")")), Precondition::proceed);
    EXPECT_EQ(eval(m, if_match(R"("v0", "v1")")), Precondition::proceed);
    EXPECT_EQ(eval(m, if_match("*")), Precondition::proceed);
    EXPECT_EQ(eval(m, if_match(R"("v0")")), Precondition::failed);
    // Strong comparison: a weak tag never matches, on either side.
    EXPECT_EQ(eval(m, if_match(R"(W/"v1")")), Precondition::failed);
    EXPECT_EQ(eval(m, if_match(R"("v1")"), existing(true)), Precondition::failed);
    // No current representation: nothing matches, not even "*".
    EXPECT_EQ(eval(m, if_match("*"), kMissing), Precondition::failed);
    EXPECT_EQ(eval(m, if_match(R"("v1")"), kMissing), Precondition::failed);
  }
  // A resource without an entity-tag matches only "*".
  EXPECT_EQ(eval(M::PUT, if_match(R"("v1")"), {true, {}, kModified}), Precondition::failed);
  EXPECT_EQ(eval(M::PUT, if_match("*"), {true, {}, kModified}), Precondition::proceed);
}

TEST(Conditional, IfUnmodifiedSince) {
  for (M m : {M::PUT, M::PATCH, M::DELETE}) {
    EXPECT_EQ(eval(m, if_unmodified_since(kBefore)), Precondition::failed);
    EXPECT_EQ(eval(m, if_unmodified_since(kAfter)), Precondition::proceed);
    EXPECT_EQ(eval(m, if_unmodified_since("Sun, 06 Nov 1994 08:49:37 GMT")), Precondition::proceed);  // equal
    EXPECT_EQ(eval(m, if_unmodified_since("yesterday")), Precondition::proceed);  // invalid: ignored
    EXPECT_EQ(eval(m, if_unmodified_since(kBefore), kMissing), Precondition::proceed);
    // Ignored when If-Match was sent (and If-Match passed).
    EXPECT_EQ(eval(m, fields(R"("v1")", {}, {}, kBefore)), Precondition::proceed);
  }
}

TEST(Conditional, IfNoneMatchIs304ForGetAndHeadAnd412Otherwise) {
  for (M m : {M::GET, M::HEAD}) {
    EXPECT_EQ(eval(m, if_none_match(R"("v1")")), Precondition::not_modified);
    EXPECT_EQ(eval(m, if_none_match(R"(W/"v1")")), Precondition::not_modified);  // weak comparison
    EXPECT_EQ(eval(m, if_none_match(R"("v1")"), existing(true)), Precondition::not_modified);
    EXPECT_EQ(eval(m, if_none_match(R"("a", "v1")")), Precondition::not_modified);
    EXPECT_EQ(eval(m, if_none_match("*")), Precondition::not_modified);
    EXPECT_EQ(eval(m, if_none_match(R"("v0")")), Precondition::proceed);
    EXPECT_EQ(eval(m, if_none_match("*"), kMissing), Precondition::proceed);
  }
  for (M m : {M::PUT, M::PATCH, M::DELETE, M::POST}) {
    EXPECT_EQ(eval(m, if_none_match(R"("v1")")), Precondition::failed);
    EXPECT_EQ(eval(m, if_none_match("*")), Precondition::failed);        // create-only PUT on an existing item
    EXPECT_EQ(eval(m, if_none_match("*"), kMissing), Precondition::proceed);
    EXPECT_EQ(eval(m, if_none_match(R"("v0")")), Precondition::proceed);
  }
}

TEST(Conditional, IfModifiedSinceOnlyForGetAndHead) {
  for (M m : {M::GET, M::HEAD}) {
    EXPECT_EQ(eval(m, if_modified_since(kAfter)), Precondition::not_modified);
    EXPECT_EQ(eval(m, if_modified_since("Sun, 06 Nov 1994 08:49:37 GMT")), Precondition::not_modified);
    EXPECT_EQ(eval(m, if_modified_since("Sunday, 06-Nov-94 08:49:37 GMT")), Precondition::not_modified);  // RFC 850
    EXPECT_EQ(eval(m, if_modified_since(kBefore)), Precondition::proceed);
    EXPECT_EQ(eval(m, if_modified_since(kFuture)), Precondition::proceed);  // in the future: ignored
    EXPECT_EQ(eval(m, if_modified_since("garbage")), Precondition::proceed);
    EXPECT_EQ(eval(m, if_modified_since(kAfter), kMissing), Precondition::proceed);
    EXPECT_EQ(eval(m, if_modified_since(kAfter), {true, {"v1", false}, std::nullopt}), Precondition::proceed);
    // Ignored when If-None-Match was sent.
    EXPECT_EQ(eval(m, fields({}, R"("v0")", kAfter, {})), Precondition::proceed);
  }
  for (M m : {M::PUT, M::PATCH, M::DELETE, M::POST}) EXPECT_EQ(eval(m, if_modified_since(kAfter)), Precondition::proceed);
}

TEST(Conditional, IfMatchIsEvaluatedBeforeIfNoneMatch) {
  // A failed If-Match is 412 even for a GET whose If-None-Match would give 304.
  EXPECT_EQ(eval(M::GET, fields(R"("v0")", R"("v1")", {}, {})), Precondition::failed);
  EXPECT_EQ(eval(M::GET, fields(R"("v1")", R"("v1")", {}, {})), Precondition::not_modified);
}

TEST(Conditional, FieldsFromARequest) {
  http::Request req;
  req.set_method("GET");
  req.set_target("/x");
  req.mutable_headers().add("If-None-Match", R"("v1")");
  req.mutable_headers().add("If-Match", "");
  auto f = rest::conditional_fields(req);
  ASSERT_TRUE(f.if_none_match);
  EXPECT_EQ(*f.if_none_match, R"("v1")");
  ASSERT_TRUE(f.if_match);  // present, though empty: it matches nothing
  EXPECT_FALSE(f.if_modified_since);
  EXPECT_FALSE(f.if_unmodified_since);
  EXPECT_TRUE(f.any());
  EXPECT_EQ(eval(M::GET, f), Precondition::failed);
  EXPECT_FALSE(rest::ConditionalFields{}.any());
}
