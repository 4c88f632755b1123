// What a violation says: instance pointer, schema pointer, keyword and a message a person reads.
#include "schema_test_util.hpp"

using namespace oasis::schema;
using oasis_test::check;
using oasis_test::compile;

namespace {
// The single violation of `r` (by value: `r` is usually a temporary).
Violation only(const Result& r) {
  EXPECT_EQ(r.violations.size(), 1u);
  return r.violations.empty() ? Violation{} : r.violations[0];
}
}  // namespace

TEST(SchemaMessage, Type) {
  auto c = compile(R"({"properties":{"age":{"type":"integer"}}})");
  const auto v = only(check(c, R"({"age":"x"})"));
  EXPECT_EQ(v.instance_pointer, "/age");
  EXPECT_EQ(v.schema_pointer, "/properties/age/type");
  EXPECT_EQ(v.keyword, "type");
  EXPECT_EQ(v.message, "expected integer, got string");
}

TEST(SchemaMessage, TypeListAndNullable) {
  auto c = compile(R"({"type":["string","null"]})");
  EXPECT_EQ(only(check(c, "1.5")).message, "expected string or null, got number");
}

TEST(SchemaMessage, MaxLengthAndMinLength) {
  auto c = compile(R"({"maxLength":10})");
  EXPECT_EQ(only(check(c, R"("abcdefghijkl")")).message, "must have at most 10 characters, has 12");
  auto m = compile(R"({"minLength":1})");
  EXPECT_EQ(only(check(m, R"("")")).message, "must have at least 1 character, has 0");
}

TEST(SchemaMessage, Required) {
  auto c = compile(R"({"required":["name"]})");
  const auto v = only(check(c, "{}"));
  EXPECT_EQ(v.instance_pointer, "");
  EXPECT_EQ(v.schema_pointer, "/required");
  EXPECT_EQ(v.message, "missing required property 'name'");
}

TEST(SchemaMessage, Enum) {
  auto c = compile(R"({"enum":["a","b"]})");
  EXPECT_EQ(only(check(c, R"("foo")")).message, R"('foo' is not one of ["a","b"])");
}

TEST(SchemaMessage, BoundsShowNumbersAsWritten) {
  auto c = compile(R"({"minimum":1.5,"exclusiveMaximum":10})");
  EXPECT_EQ(only(check(c, "1")).message, "must be >= 1.5, is 1");
  const auto v = only(check(c, "10"));
  EXPECT_EQ(v.keyword, "exclusiveMaximum");
  EXPECT_EQ(v.message, "must be < 10, is 10");
  auto m = compile(R"({"multipleOf":0.5})");
  EXPECT_EQ(only(check(m, "0.7")).message, "must be a multiple of 0.5, is 0.7");
}

TEST(SchemaMessage, PatternFormatAdditional) {
  EXPECT_EQ(only(check(compile(R"({"pattern":"^[0-9]+$"})"), R"("abc")")).message,
            "'abc' does not match the pattern '^[0-9]+$'");
  EXPECT_EQ(only(check(compile(R"({"format":"uuid"})"), R"("nope")")).message, "'nope' is not a valid uuid");
  const auto v = only(check(compile(R"({"additionalProperties":false})"), R"({"x":1})"));
  EXPECT_EQ(v.instance_pointer, "/x");
  EXPECT_EQ(v.keyword, "additionalProperties");
  EXPECT_EQ(v.message, "property 'x' is not allowed");
}

TEST(SchemaMessage, InstancePointerEscapesTildeAndSlash) {
  auto c = compile(R"({"additionalProperties":{"type":"integer"}})");
  EXPECT_EQ(only(check(c, R"({"a/b~c":"x"})")).instance_pointer, "/a~1b~0c");
  auto arr = compile(R"({"items":{"items":{"type":"integer"}}})");
  EXPECT_EQ(only(check(arr, R"([[1],[2,"x"]])")).instance_pointer, "/1/1");
}

TEST(SchemaMessage, InstancePrefix) {
  auto c = compile(R"({"type":"integer"})");
  ValidateOptions o;
  o.instance_prefix = "/query/limit";
  auto r = validate(c.schema, oasis_test::json(R"("x")"), o);
  ASSERT_EQ(r.violations.size(), 1u);
  EXPECT_EQ(r.violations[0].instance_pointer, "/query/limit");
}

TEST(SchemaMessage, SchemaPointerFollowsRefsIntoTheDocument) {
  auto c = compile(R"({"components":{"schemas":{"Pet":{"properties":{"name":{"type":"string"}}}}},
                      "x":{"$ref":"#/components/schemas/Pet"}})",
                   Dialect::openapi30, "/x");
  const auto v = only(check(c, R"({"name":1})"));
  EXPECT_EQ(v.schema_pointer, "/components/schemas/Pet/properties/name/type");
}

TEST(SchemaMessage, CollectsAllViolationsUpToTheLimit) {
  auto c = compile(R"({"items":{"type":"integer"}})");
  auto r = check(c, R"(["a","b","c"])");
  EXPECT_EQ(r.violations.size(), 3u);
  EXPECT_FALSE(r.truncated);
  ValidateOptions o;
  o.max_violations = 2;
  auto t = validate(c.schema, oasis_test::json(R"(["a","b","c"])"), o);
  EXPECT_EQ(t.violations.size(), 2u);
  EXPECT_TRUE(t.truncated);
}

TEST(SchemaMessage, AnyOfGivesASummaryAndTheClosestBranchOnly) {
  auto c = compile(R"({"anyOf":[{"type":"string"},
                               {"type":"object","required":["a"],"properties":{"b":{"type":"integer"}}}]})");
  auto r = check(c, R"({"b":"x"})");
  ASSERT_EQ(r.violations.size(), 3u);
  EXPECT_EQ(r.violations[0].keyword, "anyOf");
  EXPECT_EQ(r.violations[0].message, "must match at least one of the 2 schemas in anyOf; closest is #1:");
  EXPECT_EQ(r.violations[1].keyword, "type");
  EXPECT_EQ(r.violations[1].instance_pointer, "/b");
  EXPECT_EQ(r.violations[2].keyword, "required");
}

TEST(SchemaMessage, OneOfMatchingTwo) {
  auto c = compile(R"({"oneOf":[{"type":"integer"},{"minimum":0}]})");
  const auto v = only(check(c, "5"));
  EXPECT_EQ(v.keyword, "oneOf");
  EXPECT_EQ(v.message, "must match exactly one of the 2 schemas in oneOf, but matches #0 and #1");
}

TEST(SchemaMessage, ToJsonForProblemDetails) {
  auto c = compile(R"({"properties":{"age":{"type":"integer"}}})");
  auto a = to_json(check(c, R"({"age":"x"})"));
  ASSERT_EQ(a.size(), 1u);
  const auto& o = a[0].as_object();
  EXPECT_EQ(o.at("pointer"), "/age");
  EXPECT_EQ(o.at("schemaPointer"), "/properties/age/type");
  EXPECT_EQ(o.at("keyword"), "type");
  EXPECT_EQ(o.at("message"), "expected integer, got string");
}

TEST(SchemaMessage, PointerTokenHelpers) {
  EXPECT_EQ(escape_pointer_token("a/b~c"), "a~1b~0c");
  EXPECT_EQ(unescape_pointer_token("a~1b~0c"), "a/b~c");
  EXPECT_EQ(unescape_pointer_token("~01"), "~1");
}
