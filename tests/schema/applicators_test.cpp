// readOnly/writeOnly by direction, discriminator, unevaluated*, recursion and limits.
#include "schema_test_util.hpp"

#include <boost/json/serialize.hpp>

#include <atomic>
#include <thread>

using namespace oasis::schema;
using oasis_test::check;
using oasis_test::compile;
using oasis_test::valid;

namespace {
constexpr const char* kUser = R"({
  "components":{"schemas":{
    "Id":{"type":"integer","readOnly":true},
    "User":{"type":"object","required":["id","name","password"],"properties":{
      "id":{"$ref":"#/components/schemas/Id"},
      "name":{"type":"string"},
      "password":{"type":"string","writeOnly":true}}}}}})";
}

TEST(SchemaDirection, ReadOnlyRejectedInRequestsAndNotRequiredThere) {
  auto c = compile(kUser, Dialect::openapi30, "/components/schemas/User");
  EXPECT_TRUE(valid(c, R"({"name":"a","password":"p"})", Direction::request));
  auto r = check(c, R"({"id":1,"name":"a","password":"p"})", Direction::request);
  ASSERT_EQ(r.violations.size(), 1u);
  EXPECT_EQ(r.violations[0].keyword, "readOnly");
  EXPECT_EQ(r.violations[0].instance_pointer, "/id");
  EXPECT_EQ(r.violations[0].message, "property 'id' is read-only and must not be sent in a request");
}

TEST(SchemaDirection, WriteOnlyRejectedInResponsesAndNotRequiredThere) {
  auto c = compile(kUser, Dialect::openapi30, "/components/schemas/User");
  EXPECT_TRUE(valid(c, R"({"id":1,"name":"a"})", Direction::response));
  EXPECT_FALSE(valid(c, R"({"id":1,"name":"a","password":"p"})", Direction::response));
  EXPECT_FALSE(valid(c, R"({"name":"a"})", Direction::response));  // id still required
}

TEST(SchemaDirection, NoDirectionChecksNeitherButRequiresBoth) {
  auto c = compile(kUser, Dialect::openapi30, "/components/schemas/User");
  EXPECT_TRUE(valid(c, R"({"id":1,"name":"a","password":"p"})"));
  EXPECT_FALSE(valid(c, R"({"name":"a","password":"p"})"));
}

namespace {
constexpr const char* kPets = R"({"components":{"schemas":{
  "Pet":{"oneOf":[{"$ref":"#/components/schemas/Cat"},{"$ref":"#/components/schemas/Dog"},
                  {"$ref":"#/components/schemas/Lizard"}],
         "discriminator":{"propertyName":"petType","mapping":{"lizard":"#/components/schemas/Lizard"}}},
  "Cat":{"type":"object","required":["petType","meows"],"properties":{"petType":{"type":"string"},"meows":{"type":"boolean"}}},
  "Dog":{"type":"object","required":["petType","barks"],"properties":{"petType":{"type":"string"},"barks":{"type":"boolean"}}},
  "Lizard":{"type":"object","required":["petType"],"properties":{"petType":{"type":"string"}}}}}})";
}

TEST(SchemaDiscriminator, PicksTheBranchByValue) {
  auto c = compile(kPets, Dialect::openapi30, "/components/schemas/Pet");
  EXPECT_TRUE(valid(c, R"({"petType":"Cat","meows":true})"));
  EXPECT_TRUE(valid(c, R"({"petType":"Dog","barks":false})"));
  EXPECT_TRUE(valid(c, R"({"petType":"lizard"})"));  // explicit mapping
  // without the discriminator this would match both Cat-less Lizard... it names Dog, so Dog's rules apply
  auto r = check(c, R"({"petType":"Dog","meows":true})");
  ASSERT_EQ(r.violations.size(), 1u);
  EXPECT_EQ(r.violations[0].message, "missing required property 'barks'");
  EXPECT_EQ(r.violations[0].schema_pointer, "/components/schemas/Dog/required");
}

TEST(SchemaDiscriminator, UnknownValueHasAClearMessage) {
  auto c = compile(kPets, Dialect::openapi30, "/components/schemas/Pet");
  auto r = check(c, R"({"petType":"Fish"})");
  ASSERT_EQ(r.violations.size(), 1u);
  EXPECT_EQ(r.violations[0].keyword, "discriminator");
  EXPECT_EQ(r.violations[0].message,
            R"(discriminator 'petType' has unknown value 'Fish'; expected one of ["lizard","Cat","Dog"])");
  auto missing = check(c, R"({"meows":true})");
  ASSERT_EQ(missing.violations.size(), 1u);
  EXPECT_EQ(missing.violations[0].message, "missing discriminator property 'petType'");
}

TEST(SchemaUnevaluated, PropertiesSeeThroughAllOfAndRef) {
  auto c = compile(R"({"$defs":{"base":{"properties":{"a":{}}}},
                      "allOf":[{"$ref":"#/$defs/base"}],"properties":{"b":{}},"unevaluatedProperties":false})");
  EXPECT_TRUE(valid(c, R"({"a":1,"b":2})"));
  auto r = check(c, R"({"a":1,"c":3})");
  ASSERT_EQ(r.violations.size(), 1u);
  EXPECT_EQ(r.violations[0].keyword, "unevaluatedProperties");
  EXPECT_EQ(r.violations[0].instance_pointer, "/c");
}

TEST(SchemaUnevaluated, OnlySuccessfulBranchesCount) {
  auto c = compile(R"({"anyOf":[{"properties":{"a":{"type":"integer"}},"required":["a"]},
                               {"properties":{"b":{"type":"integer"}},"required":["b"]}],
                      "unevaluatedProperties":false})");
  EXPECT_TRUE(valid(c, R"({"a":1})"));
  EXPECT_TRUE(valid(c, R"({"a":1,"b":2})"));   // both branches match: both evaluate
  EXPECT_FALSE(valid(c, R"({"a":1,"b":"x"})"));  // branch 2 failed: b unevaluated
}

TEST(SchemaUnevaluated, IfThenElseAndDependentSchemas) {
  auto c = compile(R"({"if":{"properties":{"k":{"const":1}},"required":["k"]},
                      "then":{"properties":{"t":{}}},"else":{"properties":{"e":{}}},
                      "unevaluatedProperties":false})");
  EXPECT_TRUE(valid(c, R"({"k":1,"t":0})"));
  EXPECT_FALSE(valid(c, R"({"k":1,"e":0})"));
  EXPECT_TRUE(valid(c, R"({"e":0})"));
  auto d = compile(R"({"properties":{"a":{}},"dependentSchemas":{"a":{"properties":{"b":{}}}},
                      "unevaluatedProperties":false})");
  EXPECT_TRUE(valid(d, R"({"a":1,"b":2})"));
  EXPECT_FALSE(valid(d, R"({"b":2})"));
}

TEST(SchemaUnevaluated, NestedScopesDoNotLeak) {
  // the inner unevaluatedProperties sees only its own schema, not the outer "a"
  auto c = compile(R"({"properties":{"a":{}},"allOf":[{"properties":{"b":{}},"unevaluatedProperties":false}]})");
  EXPECT_FALSE(valid(c, R"({"a":1,"b":2})"));
  EXPECT_TRUE(valid(c, R"({"b":2})"));
}

TEST(SchemaUnevaluated, ItemsWithPrefixItemsAndContains) {
  auto c = compile(R"({"prefixItems":[{"type":"integer"}],"contains":{"type":"string"},"unevaluatedItems":false})");
  EXPECT_TRUE(valid(c, R"([1,"a","b"])"));
  EXPECT_FALSE(valid(c, R"([1,"a",true])"));
  auto s = compile(R"({"allOf":[{"prefixItems":[{},{}]}],"unevaluatedItems":{"type":"integer"}})");
  EXPECT_TRUE(valid(s, R"(["x","y",3])"));
  EXPECT_FALSE(valid(s, R"(["x","y","z"])"));
}

TEST(SchemaRecursion, RefToAncestor) {
  auto c = compile(R"({"type":"object","properties":{"name":{"type":"string"},
                      "children":{"type":"array","items":{"$ref":"#"}}}})");
  EXPECT_TRUE(valid(c, R"({"name":"a","children":[{"name":"b","children":[{"name":"c"}]}]})"));
  auto r = check(c, R"({"children":[{"children":[{"name":1}]}]})");
  ASSERT_EQ(r.violations.size(), 1u);
  EXPECT_EQ(r.violations[0].instance_pointer, "/children/0/children/0/name");
}

TEST(SchemaRecursion, RecursiveComponentIn30) {
  auto c = compile(R"({"components":{"schemas":{"Node":{"type":"object","properties":{
                      "next":{"$ref":"#/components/schemas/Node"},"v":{"type":"integer"}}}}}})",
                   Dialect::openapi30, "/components/schemas/Node");
  EXPECT_TRUE(valid(c, R"({"v":1,"next":{"v":2,"next":{"v":3}}})"));
  EXPECT_FALSE(valid(c, R"({"v":1,"next":{"v":2,"next":{"v":"3"}}})"));
  // compiled once per pointer: the same node back
  EXPECT_EQ(c.compiler->compile("/components/schemas/Node"), c.schema);
}

TEST(SchemaRecursion, RefCycleWithoutProgressIsADiagnosticAndTerminates) {
  auto c = compile(R"({"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"allOf":[{"$ref":"#/$defs/a"}]}},"$ref":"#/$defs/a"})");
  bool cycle = false;
  for (const auto& d : c.diagnostics()) cycle = cycle || d.message.find("refers back to itself") != std::string::npos;
  EXPECT_TRUE(cycle);
  auto r = check(c, "1");
  EXPECT_FALSE(r.ok());  // the depth limit stops it with one violation
  EXPECT_FALSE(valid(c, "1"));
}

TEST(SchemaRecursion, SelfRefOnlyCycle) {
  auto c = compile(R"({"$defs":{"a":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"})", Dialect::openapi30);
  EXPECT_FALSE(c.diagnostics().empty());
  EXPECT_FALSE(is_valid(c.schema, oasis_test::json("1")));
}

TEST(SchemaLimits, DeepInstanceIsOneViolationNotACrash) {
  auto c = compile(R"({"items":{"$ref":"#"}})");
  std::string deep(5000, '[');
  deep += std::string(5000, ']');
  auto r = check(c, deep);
  ASSERT_EQ(r.violations.size(), 1u);
  EXPECT_EQ(r.violations[0].keyword, "depth");
  EXPECT_FALSE(valid(c, deep));
  std::string ok(100, '[');
  ok += std::string(100, ']');
  EXPECT_TRUE(valid(c, ok));
}

TEST(SchemaLimits, UnresolvableRefIsADiagnosticAndAcceptsEverything) {
  auto c = compile(R"({"properties":{"a":{"$ref":"#/nowhere"},"b":{"$ref":"other.yaml#/x"}}})");
  EXPECT_EQ(c.diagnostics().size(), 2u);
  EXPECT_TRUE(valid(c, R"({"a":1,"b":"x"})"));
}

TEST(SchemaCompile, PveQuirksAreAccepted) {
  auto c = compile(R"({"type":"object","additionalProperties":0,"properties":{
      "vmid":{"type":"integer","minimum":100,"maximum":999999999,"optional":1,"format":"pve-vmid"},
      "aio":{"type":"string","format":{"aio":{"enum":["native"]}},"optional":1},
      "flag":{"type":"boolean","required":false}}})",
                   Dialect::openapi30);
  EXPECT_TRUE(valid(c, R"({"vmid":100,"aio":"native","flag":true})"));
  EXPECT_FALSE(valid(c, R"({"vmid":99})"));
  EXPECT_FALSE(valid(c, R"({"other":1})"));  // additionalProperties: 0 read as false
  for (const auto& d : c.diagnostics()) EXPECT_FALSE(d.error) << d.message;
}

TEST(SchemaCompile, InlineSchemaRefsResolveAgainstTheDocument) {
  Compiler comp(oasis_test::json(R"({"components":{"schemas":{"N":{"type":"integer"}}}})"), {});
  SchemaRef s = comp.compile(oasis_test::json(R"({"type":"array","items":{"$ref":"#/components/schemas/N"}})"),
                             "/paths/~1x/get/parameters/0/schema");
  EXPECT_TRUE(is_valid(s, oasis_test::json("[1,2]")));
  auto r = validate(s, oasis_test::json(R"(["a"])"));
  ASSERT_EQ(r.violations.size(), 1u);
  EXPECT_EQ(r.violations[0].schema_pointer, "/components/schemas/N/type");
}

TEST(SchemaIntrospection, InfoDescribesTheShape) {
  auto c = compile(kUser, Dialect::openapi30, "/components/schemas/User");
  const Info& i = info(c.schema);
  EXPECT_EQ(i.pointer, "/components/schemas/User");
  EXPECT_EQ(i.types, type_object);
  ASSERT_EQ(i.properties.size(), 3u);
  EXPECT_EQ(i.properties[0].name, "id");
  EXPECT_TRUE(i.properties[0].required);
  EXPECT_TRUE(is_read_only(i.properties[0].schema));
  EXPECT_FALSE(is_read_only(i.properties[1].schema));
  EXPECT_TRUE(is_write_only(property(c.schema, "password")));
  EXPECT_EQ(info(resolve(i.properties[0].schema)).pointer, "/components/schemas/Id");
  EXPECT_EQ(info(resolve(i.properties[0].schema)).types, type_integer);
  EXPECT_EQ(property(c.schema, "nope"), nullptr);
  ASSERT_NE(i.source, nullptr);
  EXPECT_TRUE(i.source->is_object());
}

TEST(SchemaIntrospection, ArraysEnumsAndNullable) {
  auto c = compile(R"({"type":"array","items":{"type":"string","enum":["a"],"nullable":true}})", Dialect::openapi30);
  const Info& i = info(c.schema);
  ASSERT_NE(i.items, nullptr);
  EXPECT_TRUE(info(i.items).nullable);
  EXPECT_EQ(info(i.items).types, type_string | type_null);
  ASSERT_NE(info(i.items).enum_values, nullptr);
  EXPECT_EQ(info(i.items).enum_values->as_array().size(), 1u);
}

TEST(SchemaThreads, CompiledSchemasAreSharedAcrossThreads) {
  // validation and generation keep no state in the Schema: four threads share one compiled node
  auto c = compile(kPets, Dialect::openapi30, "/components/schemas/Pet");
  const auto good = oasis_test::json(R"({"petType":"Cat","meows":true})");
  const auto bad = oasis_test::json(R"({"petType":"Dog"})");
  const std::string expected = boost::json::serialize(generate(c.schema, {}));
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        if (!is_valid(c.schema, good) || is_valid(c.schema, bad)) ++mismatches;
        if (validate(c.schema, bad).violations.size() != 1) ++mismatches;
        if (i % 50 == 0 && boost::json::serialize(generate(c.schema, {})) != expected) ++mismatches;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}
