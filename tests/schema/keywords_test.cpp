// One test per keyword: what passes and what fails.
#include "schema_test_util.hpp"

using namespace oasis::schema;
using oasis_test::compile;
using oasis_test::valid;

namespace {
constexpr auto v30 = Dialect::openapi30;
constexpr auto v31 = Dialect::jsonschema2020;
}  // namespace

TEST(SchemaKeyword, TypeSingle) {
  auto c = compile(R"({"type":"string"})");
  EXPECT_TRUE(valid(c, R"("x")"));
  EXPECT_FALSE(valid(c, "1"));
  EXPECT_FALSE(valid(c, "null"));
}

TEST(SchemaKeyword, TypeIntegerAcceptsIntegralDoublesAndUint64) {
  auto c = compile(R"({"type":"integer"})");
  EXPECT_TRUE(valid(c, "1"));
  EXPECT_TRUE(valid(c, "1.0"));
  EXPECT_TRUE(valid(c, "18446744073709551615"));
  EXPECT_TRUE(valid(c, "-9223372036854775808"));
  EXPECT_FALSE(valid(c, "1.5"));
  EXPECT_FALSE(valid(c, R"("1")"));
}

TEST(SchemaKeyword, TypeNumberAcceptsIntegers) {
  auto c = compile(R"({"type":"number"})");
  EXPECT_TRUE(valid(c, "1"));
  EXPECT_TRUE(valid(c, "1.5"));
  EXPECT_FALSE(valid(c, "true"));
}

TEST(SchemaKeyword, TypeArrayWithNull) {
  auto c = compile(R"({"type":["string","null"]})");
  EXPECT_TRUE(valid(c, R"("x")"));
  EXPECT_TRUE(valid(c, "null"));
  EXPECT_FALSE(valid(c, "{}"));
}

TEST(SchemaKeyword, TypeBooleanObjectArrayNull) {
  EXPECT_TRUE(valid(compile(R"({"type":"boolean"})"), "false"));
  EXPECT_FALSE(valid(compile(R"({"type":"boolean"})"), "0"));
  EXPECT_TRUE(valid(compile(R"({"type":"object"})"), "{}"));
  EXPECT_FALSE(valid(compile(R"({"type":"object"})"), "[]"));
  EXPECT_TRUE(valid(compile(R"({"type":"array"})"), "[]"));
  EXPECT_FALSE(valid(compile(R"({"type":"array"})"), "{}"));
  EXPECT_TRUE(valid(compile(R"({"type":"null"})"), "null"));
  EXPECT_FALSE(valid(compile(R"({"type":"null"})"), "0"));
}

TEST(SchemaKeyword, NullableInOpenApi30Only) {
  auto c30 = compile(R"({"type":"string","nullable":true})", v30);
  EXPECT_TRUE(valid(c30, "null"));
  EXPECT_TRUE(valid(c30, R"("a")"));
  auto c31 = compile(R"({"type":"string","nullable":true})", v31);
  EXPECT_FALSE(valid(c31, "null"));
  auto sw = compile(R"({"type":"string","nullable":true})", Dialect::swagger20);
  EXPECT_FALSE(valid(sw, "null"));
  auto swx = compile(R"({"type":"string","x-nullable":true})", Dialect::swagger20);
  EXPECT_TRUE(valid(swx, "null"));
}

TEST(SchemaKeyword, Enum) {
  auto c = compile(R"({"enum":["a","b",1,null,{"k":[1]}]})");
  EXPECT_TRUE(valid(c, R"("a")"));
  EXPECT_TRUE(valid(c, "1.0"));  // numbers compare by value
  EXPECT_TRUE(valid(c, "null"));
  EXPECT_TRUE(valid(c, R"({"k":[1]})"));
  EXPECT_FALSE(valid(c, R"("c")"));
  EXPECT_FALSE(valid(c, R"({"k":[2]})"));
}

TEST(SchemaKeyword, Const) {
  auto c = compile(R"({"const":{"a":1,"b":[true]}})");
  EXPECT_TRUE(valid(c, R"({"b":[true],"a":1.0})"));
  EXPECT_FALSE(valid(c, R"({"a":1})"));
}

TEST(SchemaKeyword, MultipleOf) {
  auto c = compile(R"({"multipleOf":3})");
  EXPECT_TRUE(valid(c, "9"));
  EXPECT_TRUE(valid(c, "-9"));
  EXPECT_FALSE(valid(c, "10"));
  EXPECT_TRUE(valid(c, R"("not a number")"));
  auto d = compile(R"({"multipleOf":0.1})");
  EXPECT_TRUE(valid(d, "0.3"));
  EXPECT_TRUE(valid(d, "7"));
  EXPECT_FALSE(valid(d, "0.35"));
  auto big = compile(R"({"multipleOf":2})");
  EXPECT_TRUE(valid(big, "18446744073709551614"));
  EXPECT_FALSE(valid(big, "18446744073709551615"));
}

TEST(SchemaKeyword, MaximumAndMinimum) {
  auto c = compile(R"({"minimum":1,"maximum":10})");
  EXPECT_TRUE(valid(c, "1"));
  EXPECT_TRUE(valid(c, "10"));
  EXPECT_TRUE(valid(c, "10.0"));
  EXPECT_FALSE(valid(c, "0.999"));
  EXPECT_FALSE(valid(c, "10.0001"));
}

TEST(SchemaKeyword, ExclusiveBoundsBooleanFormOpenApi30) {
  auto c = compile(R"({"minimum":1,"exclusiveMinimum":true,"maximum":10,"exclusiveMaximum":true})", v30);
  EXPECT_FALSE(valid(c, "1"));
  EXPECT_TRUE(valid(c, "1.5"));
  EXPECT_FALSE(valid(c, "10"));
  EXPECT_TRUE(valid(c, "9"));
}

TEST(SchemaKeyword, ExclusiveBoundsNumberForm31) {
  auto c = compile(R"({"exclusiveMinimum":1,"exclusiveMaximum":10})");
  EXPECT_FALSE(valid(c, "1"));
  EXPECT_TRUE(valid(c, "2"));
  EXPECT_FALSE(valid(c, "10"));
  auto both = compile(R"({"maximum":5,"exclusiveMaximum":10})");  // the tighter one wins
  EXPECT_TRUE(valid(both, "5"));
  EXPECT_FALSE(valid(both, "6"));
}

TEST(SchemaKeyword, NumbersCompareExactlyAcrossKinds) {
  // 9007199254740993 is not representable as a double: a double comparison would say "equal"
  auto c = compile(R"({"maximum":9007199254740992})");
  EXPECT_TRUE(valid(c, "9007199254740992"));
  EXPECT_FALSE(valid(c, "9007199254740993"));
  auto u = compile(R"({"minimum":18446744073709551615})");
  EXPECT_FALSE(valid(u, "9223372036854775807"));
  EXPECT_TRUE(valid(u, "18446744073709551615"));
  auto neg = compile(R"({"maximum":-1})");
  EXPECT_FALSE(valid(neg, "18446744073709551615"));
}

TEST(SchemaKeyword, MaxLengthMinLengthCountCodePoints) {
  auto c = compile(R"({"minLength":2,"maxLength":3})");
  EXPECT_TRUE(valid(c, R"("ab")"));
  EXPECT_TRUE(valid(c, "\"\xc3\xa9\xc3\xa9\xc3\xa9\""));  // 3 code points, 6 bytes
  EXPECT_FALSE(valid(c, R"("a")"));
  EXPECT_FALSE(valid(c, R"("abcd")"));
  EXPECT_TRUE(valid(c, "12345"));  // not a string: does not apply
}

TEST(SchemaKeyword, PatternIsUnanchoredSearch) {
  auto c = compile(R"({"pattern":"[0-9]{3}"})");
  EXPECT_TRUE(valid(c, R"("ab123cd")"));
  EXPECT_FALSE(valid(c, R"("ab12cd")"));
  auto anchored = compile(R"({"pattern":"^a+$"})");
  EXPECT_TRUE(valid(anchored, R"("aaa")"));
  EXPECT_FALSE(valid(anchored, R"("aab")"));
}

TEST(SchemaKeyword, PatternEcmaEscapesThatRe2Lacks) {
  // Proxmox writes \- and \_ inside classes; ECMA allows them, RE2 does not know \_
  auto c = compile(R"({"pattern":"^[A-Za-z][A-Za-z0-9\\-\\_]+$"})");
  EXPECT_TRUE(c.diagnostics().empty());
  EXPECT_TRUE(valid(c, R"("ab-c_d")"));
  EXPECT_FALSE(valid(c, R"("1abc")"));
  auto u = compile(R"({"pattern":"^\\u00e9$"})");
  EXPECT_TRUE(valid(u, "\"\xc3\xa9\""));
}

TEST(SchemaKeyword, PatternRe2RejectsIsLenientOrStrictError) {
  auto c = compile(R"({"pattern":"^(?=a)a$"})");  // look-ahead: not in RE2
  ASSERT_EQ(c.diagnostics().size(), 1u);
  EXPECT_FALSE(c.diagnostics()[0].error);
  EXPECT_EQ(c.diagnostics()[0].pointer, "/pattern");
  EXPECT_TRUE(valid(c, R"("anything")"));
  auto s = compile(R"({"pattern":"^(?=a)a$"})", v31, "", true);
  ASSERT_EQ(s.diagnostics().size(), 1u);
  EXPECT_TRUE(s.diagnostics()[0].error);
}

TEST(SchemaKeyword, ItemsSchema) {
  auto c = compile(R"({"items":{"type":"integer"}})");
  EXPECT_TRUE(valid(c, "[1,2,3]"));
  EXPECT_TRUE(valid(c, "[]"));
  EXPECT_FALSE(valid(c, R"([1,"2"])"));
}

TEST(SchemaKeyword, PrefixItemsThenItems) {
  auto c = compile(R"({"prefixItems":[{"type":"string"},{"type":"integer"}],"items":false})");
  EXPECT_TRUE(valid(c, R"(["a",1])"));
  EXPECT_TRUE(valid(c, R"(["a"])"));
  EXPECT_FALSE(valid(c, R"(["a",1,2])"));
  EXPECT_FALSE(valid(c, R"([1,"a"])"));
}

TEST(SchemaKeyword, Draft4TupleItemsAndAdditionalItems) {
  auto c = compile(R"({"items":[{"type":"string"}],"additionalItems":{"type":"integer"}})", v30);
  EXPECT_TRUE(valid(c, R"(["a",1,2])"));
  EXPECT_FALSE(valid(c, R"(["a","b"])"));
}

TEST(SchemaKeyword, MinItemsMaxItems) {
  auto c = compile(R"({"minItems":1,"maxItems":2})");
  EXPECT_FALSE(valid(c, "[]"));
  EXPECT_TRUE(valid(c, "[1]"));
  EXPECT_FALSE(valid(c, "[1,2,3]"));
}

TEST(SchemaKeyword, UniqueItems) {
  auto c = compile(R"({"uniqueItems":true})");
  EXPECT_TRUE(valid(c, R"([1,2,"1",{"a":1},{"a":2}])"));
  EXPECT_FALSE(valid(c, "[1,2,1.0]"));
  EXPECT_FALSE(valid(c, R"([{"a":1,"b":2},{"b":2,"a":1}])"));
  std::string big = "[";
  for (int i = 0; i < 100; ++i) big += std::to_string(i) + ",";
  EXPECT_TRUE(valid(c, big + "100]"));
  EXPECT_FALSE(valid(c, big + "50]"));
}

TEST(SchemaKeyword, ContainsMinMaxContains) {
  auto c = compile(R"({"contains":{"type":"string"},"minContains":2,"maxContains":3})");
  EXPECT_FALSE(valid(c, R"([1,"a"])"));
  EXPECT_TRUE(valid(c, R"([1,"a","b"])"));
  EXPECT_FALSE(valid(c, R"(["a","b","c","d"])"));
  auto plain = compile(R"({"contains":{"const":5}})");
  EXPECT_TRUE(valid(plain, "[1,5]"));
  EXPECT_FALSE(valid(plain, "[1,2]"));
  EXPECT_FALSE(valid(plain, "[]"));
}

TEST(SchemaKeyword, MinPropertiesMaxProperties) {
  auto c = compile(R"({"minProperties":1,"maxProperties":2})");
  EXPECT_FALSE(valid(c, "{}"));
  EXPECT_TRUE(valid(c, R"({"a":1})"));
  EXPECT_FALSE(valid(c, R"({"a":1,"b":2,"c":3})"));
}

TEST(SchemaKeyword, Required) {
  auto c = compile(R"({"required":["a","b"]})");
  EXPECT_TRUE(valid(c, R"({"a":1,"b":null})"));
  EXPECT_FALSE(valid(c, R"({"a":1})"));
  EXPECT_TRUE(valid(c, "[]"));  // not an object: does not apply
}

TEST(SchemaKeyword, Properties) {
  auto c = compile(R"({"properties":{"a":{"type":"integer"},"b/c":{"type":"string"}}})");
  EXPECT_TRUE(valid(c, R"({"a":1,"b/c":"x","other":true})"));
  EXPECT_FALSE(valid(c, R"({"a":"1"})"));
  EXPECT_FALSE(valid(c, R"({"b/c":1})"));
}

TEST(SchemaKeyword, PropertiesManyUseTheIndex) {
  std::string doc = R"({"properties":{)";
  for (int i = 0; i < 40; ++i) doc += (i ? "," : "") + std::string("\"p") + std::to_string(i) + R"(":{"type":"integer"})";
  doc += "}}";
  auto c = compile(doc);
  EXPECT_TRUE(valid(c, R"({"p0":1,"p39":2,"zz":"x"})"));
  EXPECT_FALSE(valid(c, R"({"p39":"2"})"));
}

TEST(SchemaKeyword, PatternProperties) {
  auto c = compile(R"({"patternProperties":{"^x-":{"type":"string"}},"additionalProperties":false})");
  EXPECT_TRUE(valid(c, R"({"x-a":"1"})"));
  EXPECT_FALSE(valid(c, R"({"x-a":1})"));
  EXPECT_FALSE(valid(c, R"({"y":"1"})"));
}

TEST(SchemaKeyword, AdditionalPropertiesBooleanAndSchema) {
  auto f = compile(R"({"properties":{"a":{}},"additionalProperties":false})");
  EXPECT_TRUE(valid(f, R"({"a":1})"));
  EXPECT_FALSE(valid(f, R"({"a":1,"b":2})"));
  auto s = compile(R"({"properties":{"a":{}},"additionalProperties":{"type":"integer"}})");
  EXPECT_TRUE(valid(s, R"({"a":"x","b":2})"));
  EXPECT_FALSE(valid(s, R"({"b":"2"})"));
}

TEST(SchemaKeyword, AllOf) {
  auto c = compile(R"({"allOf":[{"type":"integer"},{"minimum":3}]})");
  EXPECT_TRUE(valid(c, "3"));
  EXPECT_FALSE(valid(c, "2"));
  EXPECT_FALSE(valid(c, "3.5"));
}

TEST(SchemaKeyword, AnyOf) {
  auto c = compile(R"({"anyOf":[{"type":"integer"},{"minLength":3}]})");
  EXPECT_TRUE(valid(c, "1"));
  EXPECT_TRUE(valid(c, R"("abc")"));
  EXPECT_FALSE(valid(c, R"("ab")"));
}

TEST(SchemaKeyword, OneOf) {
  auto c = compile(R"({"oneOf":[{"type":"integer"},{"minimum":2}]})");
  EXPECT_TRUE(valid(c, "1"));
  EXPECT_TRUE(valid(c, "2.5"));
  EXPECT_FALSE(valid(c, "3"));  // both
  EXPECT_FALSE(valid(c, "1.5"));  // none
}

TEST(SchemaKeyword, Not) {
  auto c = compile(R"({"not":{"type":"string"}})");
  EXPECT_TRUE(valid(c, "1"));
  EXPECT_FALSE(valid(c, R"("a")"));
}

TEST(SchemaKeyword, IfThenElse) {
  auto c = compile(R"({"if":{"properties":{"kind":{"const":"a"}}},"then":{"required":["x"]},"else":{"required":["y"]}})");
  EXPECT_TRUE(valid(c, R"({"kind":"a","x":1})"));
  EXPECT_FALSE(valid(c, R"({"kind":"a","y":1})"));
  EXPECT_TRUE(valid(c, R"({"kind":"b","y":1})"));
  EXPECT_FALSE(valid(c, R"({"kind":"b","x":1})"));
}

TEST(SchemaKeyword, DependentRequired) {
  auto c = compile(R"({"dependentRequired":{"card":["billing"]}})");
  EXPECT_TRUE(valid(c, R"({"card":1,"billing":2})"));
  EXPECT_TRUE(valid(c, R"({"billing":2})"));
  EXPECT_FALSE(valid(c, R"({"card":1})"));
}

TEST(SchemaKeyword, DependentSchemas) {
  auto c = compile(R"({"dependentSchemas":{"card":{"required":["billing"]}}})");
  EXPECT_TRUE(valid(c, R"({"card":1,"billing":2})"));
  EXPECT_FALSE(valid(c, R"({"card":1})"));
}

TEST(SchemaKeyword, Draft4DependenciesBothForms) {
  auto c = compile(R"({"dependencies":{"a":["b"],"c":{"required":["d"]}}})", v30);
  EXPECT_FALSE(valid(c, R"({"a":1})"));
  EXPECT_FALSE(valid(c, R"({"c":1})"));
  EXPECT_TRUE(valid(c, R"({"a":1,"b":1,"c":1,"d":1})"));
}

TEST(SchemaKeyword, PropertyNames) {
  auto c = compile(R"({"propertyNames":{"maxLength":3}})");
  EXPECT_TRUE(valid(c, R"({"abc":1})"));
  EXPECT_FALSE(valid(c, R"({"abcd":1})"));
}

TEST(SchemaKeyword, BooleanSchemas) {
  EXPECT_TRUE(valid(compile("true"), R"({"anything":[1]})"));
  EXPECT_FALSE(valid(compile("false"), "null"));
  auto c = compile(R"({"properties":{"never":false,"always":true}})");
  EXPECT_TRUE(valid(c, R"({"always":1})"));
  EXPECT_FALSE(valid(c, R"({"never":1})"));
}

TEST(SchemaKeyword, RefWithSiblingsIn31) {
  auto c = compile(R"({"$defs":{"n":{"type":"integer"}},"$ref":"#/$defs/n","minimum":5})");
  EXPECT_TRUE(valid(c, "6"));
  EXPECT_FALSE(valid(c, "4"));     // sibling applies
  EXPECT_FALSE(valid(c, R"("6")")); // ref applies
}

TEST(SchemaKeyword, RefReplacesSiblingsIn30) {
  auto c = compile(R"({"definitions":{"n":{"type":"integer"}},"$ref":"#/definitions/n","minimum":5})", v30);
  EXPECT_TRUE(valid(c, "4"));  // sibling ignored
  EXPECT_FALSE(valid(c, R"("6")"));
}

TEST(SchemaKeyword, RefWithPercentAndTildeEscapes) {
  auto c = compile(R"({"$defs":{"a b":{"type":"integer"},"c/d":{"type":"string"}},
                      "properties":{"x":{"$ref":"#/$defs/a%20b"},"y":{"$ref":"#/$defs/c~1d"}}})");
  EXPECT_TRUE(c.diagnostics().empty());
  EXPECT_TRUE(valid(c, R"({"x":1,"y":"s"})"));
  EXPECT_FALSE(valid(c, R"({"x":"1"})"));
  EXPECT_FALSE(valid(c, R"({"y":1})"));
}

TEST(SchemaKeyword, DefaultAndExampleDoNotValidate) {
  auto c = compile(R"({"type":"integer","default":"x","example":"y"})");
  EXPECT_TRUE(valid(c, "1"));
}

TEST(SchemaKeyword, UnknownKeywordsIgnored) {
  auto c = compile(R"({"type":"integer","optional":1,"x-foo":{"bar":1},"renderer":"x"})", v30);
  EXPECT_TRUE(valid(c, "1"));
  EXPECT_TRUE(c.diagnostics().empty());
}
