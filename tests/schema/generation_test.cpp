// Example generation: deterministic, and every constraint honoured.
#include "schema_test_util.hpp"

#include <oasis/schema/format.hpp>

#include <boost/json/serialize.hpp>

using namespace oasis::schema;
using oasis_test::compile;

namespace {
boost::json::value gen(const oasis_test::Compiled& c, std::uint64_t seed = 1, Direction d = Direction::response) {
  GenerateOptions o;
  o.seed = seed;
  o.direction = d;
  return generate(c.schema, o);
}

// Generates with several seeds; every value must validate. Returns the seed-1 value.
boost::json::value gen_valid(const oasis_test::Compiled& c, Direction d = Direction::response) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    auto v = gen(c, seed, d);
    ValidateOptions vo;
    vo.direction = d;
    auto r = validate(c.schema, v, vo);
    EXPECT_TRUE(r.ok()) << "seed " << seed << ": " << boost::json::serialize(v) << " -> "
                        << (r.ok() ? "" : r.violations[0].instance_pointer + " " + r.violations[0].message);
  }
  return gen(c, 1, d);
}

constexpr const char* kPet = R"({"type":"object","required":["id","name"],"properties":{
  "id":{"type":"integer","format":"int64","minimum":1},
  "name":{"type":"string","minLength":1,"maxLength":40},
  "tag":{"type":"string"},
  "status":{"type":"string","enum":["available","pending","sold"]},
  "email":{"type":"string","format":"email"},
  "created_at":{"type":"string","format":"date-time"},
  "category":{"type":"object","properties":{"id":{"type":"integer"},"name":{"type":"string"}}},
  "photoUrls":{"type":"array","items":{"type":"string","format":"uri"}}}})";
}  // namespace

TEST(SchemaGenerate, SameSeedSameBytes) {
  auto c = compile(kPet);
  EXPECT_EQ(boost::json::serialize(gen(c, 7)), boost::json::serialize(gen(c, 7)));
  // a second compiler over the same document gives the same bytes too
  auto d = compile(kPet);
  EXPECT_EQ(boost::json::serialize(gen(c, 7)), boost::json::serialize(gen(d, 7)));
}

TEST(SchemaGenerate, DifferentSeedsDiffer) {
  auto c = compile(kPet);
  std::set<std::string> seen;
  for (std::uint64_t s = 1; s <= 10; ++s) seen.insert(boost::json::serialize(gen(c, s)));
  EXPECT_GT(seen.size(), 5u);
}

TEST(SchemaGenerate, PetLikeObjectValidatesWithHints) {
  auto c = compile(kPet);
  auto v = gen_valid(c);
  const auto& o = v.as_object();
  EXPECT_TRUE(o.contains("id"));
  EXPECT_TRUE(o.contains("name"));
  EXPECT_TRUE(is_email(o.at("email").as_string()));
  EXPECT_TRUE(is_date_time(o.at("created_at").as_string()));
  for (const auto& u : o.at("photoUrls").as_array()) EXPECT_TRUE(is_uri(u.as_string()));
}

TEST(SchemaGenerate, PreferenceConstExampleDefaultEnum) {
  EXPECT_EQ(gen(compile(R"({"const":"c","example":"e","default":"d","enum":["c"]})")), "c");
  EXPECT_EQ(gen(compile(R"({"type":"string","example":"e","default":"d"})", Dialect::openapi30)), "e");
  EXPECT_EQ(gen(compile(R"({"type":"string","examples":["x1","x2"],"default":"d"})")), "x1");
  EXPECT_EQ(gen(compile(R"({"type":"string","default":"d"})")), "d");
  // an example that does not validate is not used
  EXPECT_EQ(gen(compile(R"({"type":"integer","example":"nope","default":5})", Dialect::openapi30)), 5);
  auto e = gen(compile(R"({"enum":["a","b","c"]})"));
  EXPECT_TRUE(e == "a" || e == "b" || e == "c");
}

TEST(SchemaGenerate, NumericBounds) {
  for (const char* s : {R"({"type":"integer","minimum":10,"maximum":12})",
                        R"({"type":"integer","exclusiveMinimum":10,"exclusiveMaximum":12})",
                        R"({"type":"integer","minimum":5,"exclusiveMinimum":true,"maximum":6})",
                        R"({"type":"number","exclusiveMinimum":0,"exclusiveMaximum":0.001})",
                        R"({"type":"integer","minimum":-1000000,"maximum":-999990})",
                        R"({"type":"integer","minimum":9223372036854775800})",
                        R"({"type":"number","minimum":1e20})",
                        R"({"type":"integer","format":"int32","minimum":2147483000})"}) {
    SCOPED_TRACE(s);
    gen_valid(compile(s, Dialect::jsonschema2020));
  }
  auto b = gen(compile(R"({"type":"integer","minimum":5,"exclusiveMinimum":true,"maximum":6})", Dialect::openapi30));
  EXPECT_EQ(b, 6);
}

TEST(SchemaGenerate, MultipleOf) {
  gen_valid(compile(R"({"type":"integer","multipleOf":7,"minimum":100})"));
  gen_valid(compile(R"({"type":"number","multipleOf":0.25,"minimum":1,"maximum":2})"));
  gen_valid(compile(R"({"type":"integer","multipleOf":5,"exclusiveMaximum":0})"));
}

TEST(SchemaGenerate, StringLengths) {
  auto v = gen_valid(compile(R"({"type":"string","minLength":50})"));
  EXPECT_GE(v.as_string().size(), 50u);
  auto w = gen_valid(compile(R"({"type":"string","maxLength":2})"));
  EXPECT_LE(w.as_string().size(), 2u);
  gen_valid(compile(R"({"type":"string","maxLength":0})"));
  gen_valid(compile(R"({"type":"string","format":"email","maxLength":64,"minLength":30})"));
}

TEST(SchemaGenerate, Patterns) {
  for (const char* p : {R"(^[a-z]{3}-\\d{2,4}$)", R"(^(foo|bar)+baz?$)", R"(^[^/]+/[^/]+$)",
                        R"(^([A-Fa-f0-9]{2}:){5}[A-Fa-f0-9]{2}$)", R"([1-9][0-9]{2,8}-\\d{1,9})",
                        R"(^[A-Za-z][A-Za-z0-9\\-\\_]+$)", R"(^\\S+@\\S+\\.\\w{2,}$)", R"(^v\\d+\\.\\d+\\.\\d+$)",
                        R"(^[a-zA-Z0-9_.-]*$)", R"(^(?:first|last|after:\\d+)$)", R"(^ssh-(rsa|dss|ed25519) |^ecdsa)",
                        R"(^\\u00e9+$)"}) {
    SCOPED_TRACE(p);
    auto v = gen_valid(compile(std::string(R"({"type":"string","pattern":")") + p + "\"}"));
    EXPECT_TRUE(v.is_string());
  }
  gen_valid(compile(R"({"type":"string","pattern":"^[a-z]+$","minLength":12,"maxLength":14})"));
}

TEST(SchemaGenerate, Formats) {
  for (const char* f : {"date-time", "date", "time", "email", "uuid", "ipv4", "ipv6", "uri", "uri-reference",
                        "hostname", "byte", "regex"}) {
    SCOPED_TRACE(f);
    auto v = gen_valid(compile(std::string(R"({"type":"string","format":")") + f + "\"}"));
    EXPECT_TRUE(check_format(format_from_name(f), std::string_view(v.as_string())));
  }
}

TEST(SchemaGenerate, NameHints) {
  auto c = compile(R"({"type":"object","properties":{
      "vmid":{"type":"integer"},"node":{"type":"string"},"uuid":{"type":"string"},"ip":{"type":"string"},
      "mac":{"type":"string"},"url":{"type":"string"},"hostname":{"type":"string"},"port":{"type":"integer"},
      "description":{"type":"string"},"count":{"type":"integer"}}})");
  auto v = gen_valid(c);
  const auto& o = v.as_object();
  EXPECT_GE(o.at("vmid").as_int64(), 100);
  EXPECT_LE(o.at("vmid").as_int64(), 999999999);
  EXPECT_TRUE(std::string_view(o.at("node").as_string()).starts_with("pve"));
  EXPECT_TRUE(is_uuid(o.at("uuid").as_string()));
  EXPECT_TRUE(is_ipv4(o.at("ip").as_string()));
  EXPECT_EQ(o.at("mac").as_string().size(), 17u);
  EXPECT_TRUE(is_uri(o.at("url").as_string()));
  EXPECT_TRUE(is_hostname(o.at("hostname").as_string()));
  EXPECT_GE(o.at("port").as_int64(), 1);
  EXPECT_LE(o.at("port").as_int64(), 65535);
  EXPECT_GE(o.at("count").as_int64(), 0);
}

TEST(SchemaGenerate, HintsYieldToConstraints) {
  // a "vmid" that must be below 50 is below 50
  auto v = gen_valid(compile(R"({"type":"object","required":["vmid"],"properties":{"vmid":{"type":"integer","maximum":50}}})"));
  EXPECT_LE(v.as_object().at("vmid").as_int64(), 50);
}

TEST(SchemaGenerate, ArraysSizesAndUniqueness) {
  auto v = gen_valid(compile(R"({"type":"array","items":{"type":"integer"},"minItems":5})"));
  EXPECT_GE(v.as_array().size(), 5u);
  auto w = gen_valid(compile(R"({"type":"array","items":{"type":"integer"}})"));
  EXPECT_LE(w.as_array().size(), 3u);
  gen_valid(compile(R"({"type":"array","items":{"type":"integer","minimum":1,"maximum":4},"minItems":4,"uniqueItems":true})"));
  gen_valid(compile(R"({"type":"array","items":{"enum":["a","b","c"]},"minItems":3,"uniqueItems":true})"));
  gen_valid(compile(R"({"type":"array","maxItems":0})"));
  gen_valid(compile(R"({"type":"array","prefixItems":[{"type":"string"},{"type":"boolean"}],"items":false})"));
  gen_valid(compile(R"({"type":"array","contains":{"type":"string","const":"x"},"minContains":2})"));
}

TEST(SchemaGenerate, ObjectsRequiredAndMinProperties) {
  gen_valid(compile(R"({"type":"object","required":["a","b"]})"));
  auto v = gen_valid(compile(R"({"type":"object","minProperties":3,"additionalProperties":{"type":"integer"}})"));
  EXPECT_GE(v.as_object().size(), 3u);
  gen_valid(compile(R"({"type":"object","properties":{"a":{},"b":{},"c":{}},"maxProperties":1})"));
  gen_valid(compile(R"({"type":"object","patternProperties":{"^x-[a-z]+$":{"type":"integer"}},"additionalProperties":false,"minProperties":2})"));
  gen_valid(compile(R"({"type":"object","properties":{"a":{"type":"string"}},"required":["a"],"dependentRequired":{"a":["b"]}})"));
}

TEST(SchemaGenerate, AllOfMerges) {
  auto v = gen_valid(compile(R"({"allOf":[{"type":"object","required":["a"],"properties":{"a":{"type":"integer","minimum":5}}},
                                          {"required":["b"],"properties":{"a":{"maximum":6},"b":{"type":"string","format":"uuid"}}}]})"));
  EXPECT_TRUE(v.as_object().contains("a"));
  EXPECT_TRUE(v.as_object().contains("b"));
}

TEST(SchemaGenerate, OneOfExactlyOneAndAnyOf) {
  gen_valid(compile(R"({"oneOf":[{"type":"integer"},{"type":"number","minimum":0}]})"));
  gen_valid(compile(R"({"oneOf":[{"type":"string","maxLength":3},{"type":"string","minLength":2}]})"));
  gen_valid(compile(R"({"anyOf":[{"type":"string","minLength":5},{"type":"integer"}]})"));
}

TEST(SchemaGenerate, DiscriminatorValueNamesTheBranch) {
  auto c = compile(R"({"components":{"schemas":{
    "Pet":{"oneOf":[{"$ref":"#/components/schemas/Cat"},{"$ref":"#/components/schemas/Dog"}],
           "discriminator":{"propertyName":"petType"}},
    "Cat":{"type":"object","required":["petType","meows"],"properties":{"petType":{"type":"string"},"meows":{"type":"boolean"}}},
    "Dog":{"type":"object","required":["petType"],"properties":{"petType":{"type":"string"}}}}}})",
                   Dialect::openapi30, "/components/schemas/Pet");
  auto v = gen_valid(c);
  EXPECT_EQ(v.as_object().at("petType"), "Cat");
}

TEST(SchemaGenerate, NotAndIfThenElse) {
  gen_valid(compile(R"({"type":"integer","not":{"enum":[1,2,3,4,5,6,7,8,9,10]},"minimum":1,"maximum":12})"));
  gen_valid(compile(R"({"type":"object","required":["kind"],"properties":{"kind":{"enum":["a","b"]}},
                        "if":{"properties":{"kind":{"const":"a"}}},"then":{"required":["x"]},"else":{"required":["y"]}})"));
}

TEST(SchemaGenerate, NullableAndTypeArrays) {
  auto v = gen_valid(compile(R"({"type":"string","nullable":true})", Dialect::openapi30));
  EXPECT_TRUE(v.is_string());  // a value is more useful than null
  EXPECT_TRUE(gen(compile(R"({"type":"null"})")).is_null());
  gen_valid(compile(R"({"type":["integer","null"],"minimum":3})"));
}

TEST(SchemaGenerate, ReadOnlyAndWriteOnlyByDirection) {
  auto c = compile(R"({"type":"object","required":["id","password"],"properties":{
      "id":{"type":"integer","readOnly":true},"password":{"type":"string","writeOnly":true},"name":{"type":"string"}}})");
  auto resp = gen_valid(c, Direction::response);
  EXPECT_TRUE(resp.as_object().contains("id"));
  EXPECT_FALSE(resp.as_object().contains("password"));
  auto req = gen_valid(c, Direction::request);
  EXPECT_FALSE(req.as_object().contains("id"));
  EXPECT_TRUE(req.as_object().contains("password"));
}

TEST(SchemaGenerate, RecursionBoundedByMaxDepth) {
  auto c = compile(R"({"type":"object","required":["name"],"properties":{"name":{"type":"string"},
                      "children":{"type":"array","items":{"$ref":"#"}}}})");
  GenerateOptions o;
  o.max_depth = 4;
  auto v = generate(c.schema, o);
  EXPECT_TRUE(is_valid(c.schema, v));
  std::size_t depth = 0;
  const boost::json::value* cur = &v;
  while (cur->is_object() && cur->as_object().contains("children") && !cur->as_object().at("children").as_array().empty()) {
    cur = &cur->as_object().at("children").as_array()[0];
    ++depth;
  }
  EXPECT_LE(depth, 4u);
  // a required self-reference that can be null stops with null
  auto n = compile(R"({"type":"object","required":["next"],"properties":{"next":{"anyOf":[{"$ref":"#"},{"type":"null"}]}}})");
  gen_valid(n);
}

TEST(SchemaGenerate, BooleanSchemasAndEmptySchema) {
  gen_valid(compile("true"));
  gen_valid(compile("{}"));
  gen_valid(compile(R"({"type":"object","properties":{"x":true}})"));
}

TEST(SchemaGenerate, NameHintOption) {
  auto c = compile(R"({"type":"integer"})");
  GenerateOptions o;
  o.name_hint = "vmid";
  auto v = generate(c.schema, o);
  EXPECT_GE(v.as_int64(), 100);
}
