// is_valid_text() against the DOM path (Boost.JSON parse with the same max_depth, then
// is_valid()): the two must give the same verdict — valid, invalid, or malformed — every time.
//
// Targeted cases for what a text validator can get wrong (number kinds, escapes, duplicate keys,
// depth limits, directions, applicators that need the whole value), then a differential run over
// the compiled schemas of the real documents of ../shared/specs: values generated from each
// schema, mutated (types changed, required keys dropped, keys added, numbers out of range, bad
// strings, duplicate keys, other spellings of the same number or string, invalid JSON, deep
// nesting) and compared in three directions.
#include "document_util.hpp"
#include "schema_test_util.hpp"

#include <support/specs.hpp>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/stream_parser.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

using namespace oasis::schema;

namespace {

const char* name(TextValidity v) {
  switch (v) {
    case TextValidity::valid: return "valid";
    case TextValidity::invalid: return "invalid";
    default: return "malformed";
  }
}

TextValidity dom_verdict(SchemaRef s, std::string_view text, Direction d, std::size_t max_depth) {
  boost::json::parse_options po;
  po.max_depth = max_depth;
  boost::json::monotonic_resource arena;
  boost::json::stream_parser p({}, po);
  p.reset(&arena);
  boost::json::error_code ec;
  p.write(text.data(), text.size(), ec);
  if (!ec) p.finish(ec);
  if (ec) return TextValidity::malformed;
  boost::json::value v = p.release();
  bool fast = is_valid(s, v, d);
  ValidateOptions vo;
  vo.direction = d;
  EXPECT_EQ(fast, validate(s, v, vo).ok()) << "is_valid and validate disagree on " << text.substr(0, 200);
  return fast ? TextValidity::valid : TextValidity::invalid;
}

// Both verdicts, asserted equal; returns the verdict.
TextValidity agree(SchemaRef s, std::string_view text, Direction d = Direction::none, std::size_t max_depth = 64) {
  TextValidity dom = dom_verdict(s, text, d, max_depth);
  TextValidity txt = is_valid_text(s, text, d, max_depth);
  EXPECT_EQ(name(dom), name(txt)) << "text: " << text.substr(0, 300);
  return dom;
}

TextValidity agree(const oasis_test::Compiled& c, std::string_view text, Direction d = Direction::none,
                   std::size_t max_depth = 64) {
  return agree(c.schema, text, d, max_depth);
}

// A text and the verdict both validators must give it.
struct TextCase {
  const char* text;
  TextValidity verdict;
};

template <std::size_t N>
void expect_verdicts(const oasis_test::Compiled& c, const TextCase (&cases)[N]) {
  for (const TextCase& k : cases) EXPECT_STREQ(name(agree(c, k.text)), name(k.verdict)) << k.text;
}

// Both verdicts agree on every prefix of `doc` and on `doc` with any one byte replaced by one of
// `replacements`.
void agree_on_prefixes_and_replacements(const oasis_test::Compiled& c, const std::string& doc,
                                        std::string_view replacements) {
  for (std::size_t n = 0; n < doc.size(); ++n) agree(c, std::string_view(doc).substr(0, n));
  for (std::size_t i = 0; i < doc.size(); ++i)
    for (char r : replacements) {
      std::string t = doc;
      t[i] = r;
      agree(c, t);
    }
}

using oasis_test::compile;
constexpr auto V = TextValidity::valid;
constexpr auto I = TextValidity::invalid;
constexpr auto M = TextValidity::malformed;

}  // namespace

TEST(SchemaValidateText, ScalarsAndNumberKinds) {
  auto c = compile(R"({"type":"integer","minimum":-5,"maximum":9223372036854775808})");
  EXPECT_EQ(agree(c, "3"), V);
  EXPECT_EQ(agree(c, "3.0"), V);  // an integer-valued double is an integer
  EXPECT_EQ(agree(c, "3e0"), V);
  EXPECT_EQ(agree(c, "3.5"), I);
  EXPECT_EQ(agree(c, "-6"), I);
  EXPECT_EQ(agree(c, "9223372036854775807"), V);
  EXPECT_EQ(agree(c, "9223372036854775808"), V);   // uint64
  EXPECT_EQ(agree(c, "9223372036854775809"), I);   // uint64 above the bound
  EXPECT_EQ(agree(c, "18446744073709551616"), I);  // a double
  EXPECT_EQ(agree(c, "\"3\""), I);
  EXPECT_EQ(agree(c, "-0"), V);
  EXPECT_EQ(agree(c, "01"), M);
  EXPECT_EQ(agree(c, "1."), M);
  EXPECT_EQ(agree(c, "3 4"), M);
  EXPECT_EQ(agree(c, ""), M);
  EXPECT_EQ(agree(c, "  7  "), V);
  auto m = compile(R"({"type":"number","multipleOf":0.1,"exclusiveMaximum":1})");
  EXPECT_EQ(agree(m, "0.3"), V);
  EXPECT_EQ(agree(m, "0.35"), I);
  EXPECT_EQ(agree(m, "1"), I);
  EXPECT_EQ(agree(m, "0.9"), V);
  auto b30 = compile(R"({"type":"number","maximum":1,"exclusiveMaximum":true,"nullable":true})", Dialect::openapi30);
  EXPECT_EQ(agree(b30, "1"), I);
  EXPECT_EQ(agree(b30, "0.999"), V);
  EXPECT_EQ(agree(b30, "null"), V);
  auto f = compile(R"({"type":"integer","format":"int32"})", Dialect::openapi30);
  EXPECT_EQ(agree(f, "2147483647"), V);
  EXPECT_EQ(agree(f, "2147483648"), I);
}

TEST(SchemaValidateText, StringsEscapesAndUtf8) {
  auto c = compile(R"({"type":"string","minLength":2,"maxLength":3,"pattern":"^[a-zé]+$"})");
  EXPECT_EQ(agree(c, R"("ab")"), V);
  EXPECT_EQ(agree(c, R"("\u0061\u0062")"), V);
  EXPECT_EQ(agree(c, R"("\u00e9\u00e9\u00e9")"), V);  // 3 code points, 6 bytes
  EXPECT_EQ(agree(c, "\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\""), I);
  EXPECT_EQ(agree(c, R"("a")"), I);
  EXPECT_EQ(agree(c, R"("a\nb")"), I);
  EXPECT_EQ(agree(c, "\"a\xff\""), M);  // invalid UTF-8
  EXPECT_EQ(agree(c, "\"ab"), M);
  EXPECT_EQ(agree(c, R"("\x")"), M);
  EXPECT_EQ(agree(c, R"("\ud800")"), M);
  auto e = compile(R"({"enum":["a/b",1,null,true,[1,2],{"k":1}]})");
  EXPECT_EQ(agree(e, R"("a\/b")"), V);
  EXPECT_EQ(agree(e, "1.0"), V);
  EXPECT_EQ(agree(e, "null"), V);
  EXPECT_EQ(agree(e, "false"), I);
  EXPECT_EQ(agree(e, "[1,2.0]"), V);
  EXPECT_EQ(agree(e, "[1,2,3]"), I);
  EXPECT_EQ(agree(e, R"({"k":1})"), V);
  EXPECT_EQ(agree(e, R"({"k":1,"k":2})"), I);
  EXPECT_EQ(agree(e, R"({"k":2,"k":1})"), V);  // the last duplicate wins
  auto fmt = compile(R"({"type":"string","format":"date-time"})", Dialect::openapi30);
  EXPECT_EQ(agree(fmt, R"("2024-01-02T03:04:05Z")"), V);
  EXPECT_EQ(agree(fmt, R"("2024-13-02T03:04:05Z")"), I);
}

TEST(SchemaValidateText, ObjectsRequiredAdditionalDuplicates) {
  auto c = compile(R"({"type":"object","required":["a","b"],"properties":{"a":{"type":"integer"},
      "b":{"type":"string"}},"patternProperties":{"^x-":{"type":"boolean"}},"additionalProperties":false,
      "minProperties":2,"maxProperties":3})");
  EXPECT_EQ(agree(c, R"({"a":1,"b":"x"})"), V);
  EXPECT_EQ(agree(c, R"({"b":"x","a":1,"x-y":true})"), V);
  EXPECT_EQ(agree(c, R"({"a":1})"), I);
  EXPECT_EQ(agree(c, R"({"a":1,"b":"x","c":1})"), I);
  EXPECT_EQ(agree(c, R"({"a":1,"b":"x","x-y":1})"), I);
  EXPECT_EQ(agree(c, R"({"a":1,"b":"x","x-y":true,"x-z":false})"), I);  // maxProperties
  EXPECT_EQ(agree(c, R"({"a":"no","b":"x","a":1})"), V);                  // the last "a" counts
  EXPECT_EQ(agree(c, R"({"a":1,"b":"x","a":"no"})"), I);
  EXPECT_EQ(agree(c, R"({"\u0061":1,"b":"x"})"), V);  // an escaped key is the same key
  EXPECT_EQ(agree(c, R"({"a":1,"b":"x",})"), M);
  EXPECT_EQ(agree(c, R"({"a":1 "b":"x"})"), M);
  EXPECT_EQ(agree(c, R"([{"a":1,"b":"x"}])"), I);
  auto pn = compile(R"({"propertyNames":{"maxLength":2},"additionalProperties":{"type":"integer"}})");
  EXPECT_EQ(agree(pn, R"({"ab":1,"c":2})"), V);
  EXPECT_EQ(agree(pn, R"({"abc":1})"), I);
  EXPECT_EQ(agree(pn, R"({"ab":"1"})"), I);
  // a large object goes through the key set
  std::string big = "{", bigdup;
  for (int i = 0; i < 100; ++i) big += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":" + std::to_string(i);
  bigdup = big + ",\"k7\":\"seven\"}";
  big += "}";
  EXPECT_EQ(agree(pn, big), I);  // k10.. are longer than 2
  auto any = compile(R"({"additionalProperties":{"type":"integer"},"maxProperties":100})");
  EXPECT_EQ(agree(any, big), V);
  EXPECT_EQ(agree(any, bigdup), I);
}

TEST(SchemaValidateText, DirectionsReadOnlyWriteOnly) {
  auto c = compile(R"({"type":"object","required":["id","secret","name"],"properties":{
      "id":{"type":"integer","readOnly":true},"secret":{"type":"string","writeOnly":true},
      "name":{"type":"string"},"ref":{"$ref":"#/$defs/ro"}},"$defs":{"ro":{"readOnly":true}}})");
  EXPECT_EQ(agree(c, R"({"id":1,"name":"n"})", Direction::response), V);
  EXPECT_EQ(agree(c, R"({"id":1,"name":"n","secret":"s"})", Direction::response), I);
  EXPECT_EQ(agree(c, R"({"secret":"s","name":"n"})", Direction::request), V);
  EXPECT_EQ(agree(c, R"({"secret":"s","name":"n","id":1})", Direction::request), I);
  EXPECT_EQ(agree(c, R"({"secret":"s","name":"n","ref":1})", Direction::request), I);
  EXPECT_EQ(agree(c, R"({"name":"n"})", Direction::none), I);
  EXPECT_EQ(agree(c, R"({"id":1,"secret":"s","name":"n"})", Direction::none), V);
}

TEST(SchemaValidateText, ArraysAndWholeValueKeywords) {
  auto c = compile(R"({"type":"array","prefixItems":[{"type":"string"}],"items":{"type":"integer"},
      "minItems":1,"maxItems":4})");
  EXPECT_EQ(agree(c, R"(["a",1,2])"), V);
  EXPECT_EQ(agree(c, R"([1,1,2])"), I);
  EXPECT_EQ(agree(c, R"(["a","b"])"), I);
  EXPECT_EQ(agree(c, "[]"), I);
  EXPECT_EQ(agree(c, R"(["a",1,2,3,4])"), I);
  auto u = compile(R"({"type":"array","uniqueItems":true,"contains":{"type":"string"},"maxContains":1})");
  EXPECT_EQ(agree(u, R"([1,"a",{"x":[1]}])"), V);
  EXPECT_EQ(agree(u, R"([1,1.0,"a"])"), I);
  EXPECT_EQ(agree(u, R"([1,"a","b"])"), I);
  auto ap = compile(R"({"type":"array","items":{"oneOf":[{"type":"integer"},{"type":"number","minimum":2}],
      "not":{"const":7}}})");
  EXPECT_EQ(agree(ap, "[1,1.5,3.5]"), I);  // 1.5 matches neither
  EXPECT_EQ(agree(ap, "[1,2.5]"), V);
  EXPECT_EQ(agree(ap, "[3]"), I);  // both branches
  EXPECT_EQ(agree(ap, "[7.0]"), I);
  auto disc = compile(R"({"type":"array","items":{"oneOf":[{"$ref":"#/$defs/cat"},{"$ref":"#/$defs/dog"}],
      "discriminator":{"propertyName":"kind","mapping":{"cat":"#/$defs/cat","dog":"#/$defs/dog"}}},
      "$defs":{"cat":{"type":"object","required":["kind","lives"],"properties":{"lives":{"type":"integer"}}},
               "dog":{"type":"object","required":["kind","bark"]}}})");
  EXPECT_EQ(agree(disc, R"([{"kind":"cat","lives":9},{"kind":"dog","bark":1}])"), V);
  EXPECT_EQ(agree(disc, R"([{"kind":"cat","lives":"9"}])"), I);
  EXPECT_EQ(agree(disc, R"([{"kind":"cow"}])"), I);
  auto ue = compile(R"({"allOf":[{"properties":{"a":{}}}],"unevaluatedProperties":false,
      "if":{"required":["a"]},"then":{"properties":{"b":{"type":"integer"}}}})");
  EXPECT_EQ(agree(ue, R"({"a":1,"b":2})"), V);
  EXPECT_EQ(agree(ue, R"({"a":1,"b":"x"})"), I);
  EXPECT_EQ(agree(ue, R"({"c":1})"), I);
  auto dep = compile(R"({"dependentRequired":{"a":["b"]},"properties":{"a":{"type":"integer"}}})");
  EXPECT_EQ(agree(dep, R"({"a":1,"b":null})"), V);
  EXPECT_EQ(agree(dep, R"({"a":1})"), I);
  // a capture inside a capture, and a streamed allOf branch beside a captured one
  auto nested = compile(R"({"allOf":[{"type":"object","required":["v"]},{"anyOf":[{"properties":{"v":{
      "type":"array","items":{"oneOf":[{"type":"string"},{"type":"integer"}]}}}}]}]})");
  EXPECT_EQ(agree(nested, R"({"v":["a",1,"b"]})"), V);
  EXPECT_EQ(agree(nested, R"({"v":["a",1.5]})"), I);
  EXPECT_EQ(agree(nested, R"({"w":[]})"), I);
}

TEST(SchemaValidateText, RefsRecursionAndDepthLimits) {
  auto tree = compile(R"({"$ref":"#/$defs/node","$defs":{"node":{"type":"object","properties":{
      "kids":{"type":"array","items":{"$ref":"#/$defs/node"}},"n":{"type":"integer"}}}}})");
  auto nest = [](int depth, std::string_view leaf) {
    std::string s;
    for (int i = 0; i < depth; ++i) s += R"({"kids":[)";
    s += leaf;
    for (int i = 0; i < depth; ++i) s += "]}";
    return s;
  };
  EXPECT_EQ(agree(tree, nest(10, R"({"n":1})"), Direction::none, 64), V);
  EXPECT_EQ(agree(tree, nest(10, R"({"n":"1"})"), Direction::none, 64), I);
  EXPECT_EQ(agree(tree, nest(40, "{}"), Direction::none, 64), M);  // too deep for the parser
  // deeper than the evaluator's instance limit, within the parser's
  EXPECT_EQ(agree(tree, nest(140, "{}"), Direction::none, 1000), I);
  EXPECT_EQ(agree(tree, nest(127, "{}"), Direction::none, 1000), V);
  std::string arrays(300, '[');
  arrays += std::string(300, ']');
  auto any = compile("{}");
  EXPECT_EQ(agree(any, arrays, Direction::none, 1000), V);  // nothing evaluates the items
  auto deep = compile(R"({"$ref":"#/$defs/a","$defs":{"a":{"type":"array","items":{"$ref":"#/$defs/a"}}}})");
  EXPECT_EQ(agree(deep, arrays, Direction::none, 1000), I);
  EXPECT_EQ(agree(deep, arrays, Direction::none, 256), M);
  // a schema that refers to itself on the same value: "nested too deeply" on both paths
  auto self = compile(R"({"$ref":"#/$defs/s","$defs":{"s":{"allOf":[{"$ref":"#/$defs/s"}]}}})");
  EXPECT_EQ(agree(self, "1"), I);
  EXPECT_EQ(agree(self, "{}"), I);
  auto f = compile("false");
  EXPECT_EQ(agree(f, "1"), I);
  EXPECT_EQ(agree(f, "[1"), M);  // malformed wins over invalid
}

TEST(SchemaValidateText, EveryDialectNullableAndRefSiblings) {
  for (Dialect d : {Dialect::openapi30, Dialect::swagger20, Dialect::jsonschema2020}) {
    auto c = compile(R"({"type":"object","properties":{"p":{"$ref":"#/$defs/P","nullable":true},
        "q":{"type":"string","x-nullable":true,"nullable":true}},"$defs":{"P":{"type":"integer","minimum":3}}})", d);
    for (const char* t : {R"({"p":null})", R"({"p":3})", R"({"p":2})", R"({"q":null})", R"({"q":"s"})", R"({"q":1})"})
      agree(c, t, Direction::none);
  }
}

// --- the differential run over real documents ------------------------------------------------

namespace {

using Doc = oasis_test::SchemaDocument;

Doc load_doc(const std::filesystem::path& file) { return oasis_test::load_schema_document(file); }

// Every schema a response or request body uses, plus the component schemas.
std::vector<std::string> schema_pointers(const Doc& doc) {
  std::set<std::string> out;
  for (auto& p : oasis_test::operation_schemas(doc, true)) out.insert(std::move(p));
  for (auto& p : oasis_test::component_schemas(doc)) out.insert(std::move(p));
  return {out.begin(), out.end()};
}

using Rng = std::mt19937_64;

std::size_t pick(Rng& rng, std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); }

boost::json::value odd_value(Rng& rng) {
  switch (pick(rng, 16)) {
    case 0: return nullptr;
    case 1: return true;
    case 2: return "x";
    case 3: return "";
    case 4: return 0;
    case 5: return -1;
    case 6: return 1.5;
    case 7: return 1e300;
    case 8: return std::uint64_t{18446744073709551615ull};
    case 9: return std::int64_t{-9223372036854775807ll - 1};
    case 10: return boost::json::array{1, "a"};
    case 11: return boost::json::object{{"zz", 1}};
    case 12: return "\xc3\xa9\xe2\x82\xac";
    case 13: return boost::json::value(std::string(300, 'a'));
    case 14: return "2024-01-02T03:04:05Z";
    default: return 2.0;
  }
}

// Changes one node of the value somewhere.
void mutate(boost::json::value& v, Rng& rng, int depth = 0) {
  const bool here = depth > 20 || pick(rng, 3) == 0;
  if (v.is_object() && !v.get_object().empty() && !here) {
    auto& o = v.get_object();
    auto it = o.begin() + static_cast<std::ptrdiff_t>(pick(rng, o.size()));
    return mutate(it->value(), rng, depth + 1);
  }
  if (v.is_array() && !v.get_array().empty() && !here) {
    auto& a = v.get_array();
    return mutate(a[pick(rng, a.size())], rng, depth + 1);
  }
  switch (pick(rng, 8)) {
    case 0:
      if (v.is_object() && !v.get_object().empty()) {  // drop a key (a required one, often)
        auto& o = v.get_object();
        o.erase(o.begin() + static_cast<std::ptrdiff_t>(pick(rng, o.size())));
        return;
      }
      break;
    case 1:
      if (v.is_object()) {
        v.get_object()[pick(rng, 2) ? "zz_extra" : "x-extra"] = odd_value(rng);
        return;
      }
      if (v.is_array()) {
        v.get_array().push_back(odd_value(rng));
        return;
      }
      break;
    case 2:
      if (v.is_number()) {
        static const boost::json::value edges[] = {boost::json::value(-1),     boost::json::value(0),
                                                   boost::json::value(1e308), boost::json::value(-1e308),
                                                   boost::json::value(2147483648ll),
                                                   boost::json::value(std::uint64_t{9223372036854775808ull}),
                                                   boost::json::value(0.1),   boost::json::value(3.0)};
        v = edges[pick(rng, std::size(edges))];
        return;
      }
      if (v.is_string()) {
        std::string s(v.get_string());
        switch (pick(rng, 4)) {
          case 0: s.clear(); break;
          case 1: s += std::string(200, 'z'); break;
          case 2: s = "\t\"\\/\xf0\x9f\x98\x80" + s; break;
          default: s = s.empty() ? "?" : s.substr(1);
        }
        v = boost::json::value(s);
        return;
      }
      break;
    case 3:
      if (v.is_array()) {
        v.get_array().clear();
        return;
      }
      break;
    default: break;
  }
  v = odd_value(rng);
}

// Serializes with the freedoms JSON allows (escaped characters, other spellings of numbers,
// whitespace) and, sometimes, a duplicate key.
void emit(const boost::json::value& v, Rng& rng, std::string& out, bool odd) {
  switch (v.kind()) {
    case boost::json::kind::object: {
      out += '{';
      bool first = true;
      const auto& o = v.get_object();
      for (const auto& kv : o) {
        if (!first) out += odd && pick(rng, 8) == 0 ? " , " : ",";
        first = false;
        emit(boost::json::value(kv.key()), rng, out, odd);
        out += ':';
        emit(kv.value(), rng, out, odd);
      }
      if (odd && !o.empty() && pick(rng, 10) == 0) {  // a duplicate key, with a changed value or the same
        const auto& kv = *(o.begin() + static_cast<std::ptrdiff_t>(pick(rng, o.size())));
        out += ',';
        emit(boost::json::value(kv.key()), rng, out, odd);
        out += ':';
        boost::json::value dup = kv.value();
        if (pick(rng, 2)) mutate(dup, rng);
        emit(dup, rng, out, odd);
      }
      out += '}';
      return;
    }
    case boost::json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& x : v.get_array()) {
        if (!first) out += ',';
        first = false;
        emit(x, rng, out, odd);
      }
      out += ']';
      return;
    }
    case boost::json::kind::string:
      if (odd && pick(rng, 6) == 0) {  // every ASCII character as \u00XX
        out += '"';
        for (unsigned char ch : std::string_view(v.get_string())) {
          char buf[8];
          if (ch < 0x80) {
            std::snprintf(buf, sizeof buf, "\\u%04x", ch);
            out += buf;
          } else {
            out += static_cast<char>(ch);
          }
        }
        out += '"';
        return;
      }
      out += boost::json::serialize(v);
      return;
    case boost::json::kind::int64:
      if (odd && pick(rng, 8) == 0) {
        out += std::to_string(v.get_int64()) + (pick(rng, 2) ? ".0" : "e0");
        return;
      }
      out += boost::json::serialize(v);
      return;
    default: out += boost::json::serialize(v); return;
  }
}

// Breaks the text: a character removed, inserted or replaced, or the text cut.
void break_text(std::string& t, Rng& rng) {
  static constexpr std::string_view kChars = "{}[],:\"\\0-+.eE tnf/\x01\xff";
  if (t.empty()) return;
  std::size_t at = pick(rng, t.size());
  switch (pick(rng, 4)) {
    case 0: t.erase(at, 1); break;
    case 1: t.insert(at, 1, kChars[pick(rng, kChars.size())]); break;
    case 2: t[at] = kChars[pick(rng, kChars.size())]; break;
    default: t.resize(at); break;
  }
}

struct Tally {
  std::size_t cases = 0, valid = 0, invalid = 0, malformed = 0, disagree = 0;
};

void differential(const Doc& doc, std::size_t max_schemas, Tally& t) {
  Compiler compiler(std::shared_ptr<const boost::json::value>(doc.root), CompileOptions{doc.dialect, false});
  auto pointers = schema_pointers(doc);
  Rng rng(0x5eed ^ std::hash<std::string>{}(doc.name));
  std::shuffle(pointers.begin(), pointers.end(), rng);
  if (pointers.size() > max_schemas) pointers.resize(max_schemas);
  static constexpr Direction kDirs[] = {Direction::response, Direction::request, Direction::none};
  for (const auto& p : pointers) {
    SchemaRef s = compiler.compile(p);
    for (std::uint64_t seed = 1; seed <= 2; ++seed) {
      const Direction dir = kDirs[pick(rng, 3)];
      GenerateOptions g;
      g.seed = seed;
      g.direction = dir == Direction::none ? Direction::response : dir;
      g.use_examples = seed == 1;
      const boost::json::value base = generate(s, g);
      for (int variant = 0; variant < 6; ++variant) {
        boost::json::value v = base;
        const int mutations = variant == 0 ? 0 : static_cast<int>(pick(rng, 3)) + (variant > 2 ? 1 : 0);
        for (int m = 0; m < mutations; ++m) mutate(v, rng);
        std::string text;
        emit(v, rng, text, variant % 2 == 1);
        if (variant == 5 && pick(rng, 2)) break_text(text, rng);
        std::size_t max_depth = 64;
        if (variant == 4 && pick(rng, 4) == 0) {  // deep nesting around the value
          const std::size_t n = 20 + pick(rng, 60);
          text = std::string(n, '[') + text + std::string(n, ']');
          max_depth = pick(rng, 2) ? 64 : 256;
        }
        const TextValidity dom = dom_verdict(s, text, dir, max_depth);
        const TextValidity txt = is_valid_text(s, text, dir, max_depth);
        ++t.cases;
        (dom == TextValidity::valid ? t.valid : dom == TextValidity::invalid ? t.invalid : t.malformed)++;
        if (dom != txt) {
          ++t.disagree;
          if (t.disagree <= 10)
            ADD_FAILURE() << doc.name << " " << p << " dir " << static_cast<int>(dir) << ": DOM " << name(dom)
                          << ", text " << name(txt) << "\n  text: " << text.substr(0, 400);
        }
      }
    }
  }
}

}  // namespace

TEST(SchemaValidateText, AgreesWithTheDomOnMutatedInstancesOfRealDocuments) {
  OASIS_REQUIRE_SPECS();
  auto dir = oasis_test::specs_dir();
  Tally t;
  differential(load_doc(dir / "oai" / "swagger2" / "petstore.json"), 1000, t);
  differential(load_doc(dir / "oai" / "swagger2" / "petstore-expanded.json"), 1000, t);
  differential(load_doc(dir / "oai" / "swagger2" / "uber.json"), 1000, t);
  differential(load_doc(dir / "github-api-2020.json"), 900, t);
  differential(load_doc(dir / "pve-openapi.json"), 900, t);
  std::printf("[          ] %zu cases: %zu valid, %zu invalid, %zu malformed; %zu disagreements\n", t.cases, t.valid,
              t.invalid, t.malformed, t.disagree);
  EXPECT_EQ(t.disagree, 0u);
  EXPECT_GT(t.cases, 10000u);
  EXPECT_GT(t.valid, 1000u);  // the run exercises every verdict, not only failures
  EXPECT_GT(t.invalid, 1000u);
  EXPECT_GT(t.malformed, 100u);
}

// The text validator tokenizes plain JSON itself (validate_text.cpp, PlainText; plain_scan.hpp)
// and hands the rest to basic_parser. Every number it converts must be the very value the DOM
// parse holds: a schema whose minimum and maximum are the DOM's value of the number (as
// Boost.JSON parses that text; it converts through different code at the end of a text and
// inside a longer one, and the two may differ in the last bit for 17 digits and more) accepts
// it, in both places, and its neighbours one unit in the last written digit away agree with the
// DOM path.
TEST(SchemaValidateText, PlainNumbersAreTheDomsValues) {
  std::mt19937_64 rng(20261122);
  auto digits = [&](int n, bool nonzero_first) {
    std::string s;
    for (int i = 0; i < n; ++i) s += static_cast<char>('0' + (i == 0 && nonzero_first ? 1 + rng() % 9 : rng() % 10));
    return s;
  };
  auto bounded = [](const boost::json::value& x, bool first_item) {
    boost::json::object bound{{"minimum", x}, {"maximum", x}};
    boost::json::value doc = first_item ? boost::json::value(boost::json::object{{"prefixItems", boost::json::array{bound}}})
                                        : boost::json::value(bound);
    oasis_test::Compiled c;
    c.compiler = std::make_unique<Compiler>(doc, CompileOptions{Dialect::jsonschema2020, false});
    c.schema = c.compiler->compile("");
    return c;
  };
  const std::string tail = ",1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]";
  int checked = 0;
  for (int round = 0; round < 2000; ++round) {
    const int int_digits = static_cast<int>(rng() % 17);  // 0: "0.xxx"
    const int frac_digits = static_cast<int>(rng() % 20);
    std::string x = rng() % 3 == 0 ? "-" : "";
    x += int_digits == 0 ? "0" : digits(int_digits, true);
    if (frac_digits > 0) x += "." + digits(frac_digits, false);
    if (rng() % 3 == 0)  // an exponent of one to three digits (PlainText takes up to two)
      x += std::string(rng() % 2 ? "e" : "E") + (rng() % 3 == 0 ? "-" : rng() % 2 ? "+" : "") + std::to_string(rng() % 400);
    const std::string padded = "[" + x + tail;
    auto alone = bounded(oasis_test::json(x), false);
    auto inside = bounded(oasis_test::json(padded).as_array()[0], true);
    EXPECT_EQ(is_valid_text(alone.schema, x, Direction::none, 64), V) << x;
    EXPECT_EQ(agree(alone, x), V) << x;
    EXPECT_EQ(is_valid_text(inside.schema, padded, Direction::none, 64), V) << padded;
    EXPECT_EQ(agree(inside, padded), V) << padded;
    std::string up = x;
    if (up.back() < '9') {
      ++up.back();
      agree(alone, up);
      agree(inside, "[" + up + tail);
    }
    ++checked;
  }
  EXPECT_EQ(checked, 2000);
  auto k = compile(R"({"type":"integer"})");
  for (const char* t : {"-0", "-0.0", "0.0", "10.00", "123456789012345", "1234567890123456", "-999999999999999",
                        "999999999999999.0", "0.000000000000000001", "1e2", "1E2", "-1e-2", "0e0", "1.5e300",
                        "00", "-01", "--1", "+1", ".5", "1.e5", "-", "1.5.5", "1,", "[1,]", "[-]", "[1 2]"})
    agree(k, t);
}

TEST(SchemaValidateText, PlainStringsAndTheirLengths) {
  auto c = compile(R"({"type":"string","minLength":2,"maxLength":3})");
  EXPECT_EQ(agree(c, "\"\xc3\xa4\xc3\xb6\xc3\xbc\""), V);          // 3 code points in 6 bytes
  EXPECT_EQ(agree(c, "\"\xc3\xa4\xc3\xb6\xc3\xbcx\""), I);         // 4 code points
  EXPECT_EQ(agree(c, "\"\xe2\x82\xac\""), I);                     // 1 code point in 3 bytes
  EXPECT_EQ(agree(c, "\"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\""), V);  // 2 code points in 8 bytes
  EXPECT_EQ(agree(c, R"("\u00e4")"), I);
  EXPECT_EQ(agree(c, "\"a\x01\""), M);
  EXPECT_EQ(agree(c, "\"a\tb\""), M);
  // UTF-8 that basic_parser rejects: overlong, a surrogate, above U+10FFFF, cut short, a lone
  // continuation byte; and good sequences of every length next to them
  for (const char* bad : {"\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "\x80", "\xf8\x88\x80\x80\x80"}) {
    EXPECT_EQ(agree(c, std::string("\"a") + bad + "\""), M) << bad;
    EXPECT_EQ(agree(c, std::string("[\"a") + bad), M) << bad;
  }
  for (const char* good : {"\xc2\x80", "\xe0\xa0\x80", "\xed\x9f\xbf", "\xef\xbf\xbf", "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf"}) {
    EXPECT_EQ(agree(c, std::string("\"a") + good + "\""), V) << good;
    EXPECT_EQ(agree(c, std::string("\"a") + good + "bc\""), I) << good;
  }
  // the quote at every place around the 16-byte steps, and a stop byte at every place
  auto any = compile(R"({"type":"array","items":{"type":"string","maxLength":20}})");
  for (std::size_t n = 0; n < 40; ++n) {
    const std::string s(n, 'x');
    EXPECT_EQ(agree(any, "[\"" + s + "\"]"), n <= 20 ? V : I) << n;
    EXPECT_EQ(agree(any, "[\"" + s + "\",\"" + s + "\"" + std::string(n, ' ') + "]"), n <= 20 ? V : I) << n;
    for (const char* stop : {"\\n", "\\\"", "\xc3\xa9", "\x1f", "\xff", "\x7f"}) {
      std::string t = "[\"" + s + stop + "\"]";
      agree(any, t);
    }
  }
}

TEST(SchemaValidateText, EnumsOfStringsOfOneLength) {
  auto c = compile(R"({"enum":["abc","abd","abe",1,"1",null]})");
  EXPECT_EQ(agree(c, R"("abd")"), V);
  EXPECT_EQ(agree(c, R"("abe")"), V);
  EXPECT_EQ(agree(c, R"("abf")"), I);
  EXPECT_EQ(agree(c, R"("ab")"), I);
  EXPECT_EQ(agree(c, R"("abcd")"), I);
  EXPECT_EQ(agree(c, R"("1")"), V);
  EXPECT_EQ(agree(c, "1"), V);
  EXPECT_EQ(agree(c, "1.0"), V);
  EXPECT_EQ(agree(c, "null"), V);
  EXPECT_EQ(agree(c, R"("\u0061bc")"), V);
  auto e = compile(R"({"type":"array","items":{"enum":["",""]}})");
  EXPECT_EQ(agree(e, R"([""])"), V);
  EXPECT_EQ(agree(e, R"([" "])"), I);
}

// Objects with more members than the index marks (64), members in an order unlike the schema's,
// `required` missing at the end, duplicates among the named and the other members.
TEST(SchemaValidateText, ManyPropertiesRequiredAndDuplicates) {
  for (int count : {5, 63, 64, 65, 100}) {
    std::string props, req, full = "{";
    for (int i = 0; i < count; ++i) {
      const std::string name = "p" + std::to_string(i) + std::string(static_cast<std::size_t>(i % 11), 'q');
      props += (i ? "," : "") + ("\"" + name + "\":{\"type\":\"integer\",\"minimum\":" + std::to_string(i) + "}");
      req += (i ? "," : "") + ("\"" + name + "\"");
    }
    auto c = compile(R"({"type":"object","additionalProperties":{"type":"string"},"required":[)" + req +
                     R"(],"properties":{)" + props + "}}");
    std::vector<std::string> members;
    for (int i = 0; i < count; ++i)
      members.push_back("\"p" + std::to_string(i) + std::string(static_cast<std::size_t>(i % 11), 'q') + "\":");
    auto object = [&](const std::vector<int>& order, const std::string& extra) {
      std::string t = "{";
      for (int i : order) t += (t.size() > 1 ? "," : "") + members[static_cast<std::size_t>(i)] + std::to_string(i);
      return t + extra + "}";
    };
    std::vector<int> in_order, reversed;
    for (int i = 0; i < count; ++i) in_order.push_back(i);
    reversed.assign(in_order.rbegin(), in_order.rend());
    EXPECT_EQ(agree(c, object(in_order, "")), V) << count;
    EXPECT_EQ(agree(c, object(reversed, "")), V) << count;
    EXPECT_EQ(agree(c, object(in_order, R"(,"other":"s")")), V) << count;
    EXPECT_EQ(agree(c, object(in_order, R"(,"other":1)")), I) << count;
    auto missing_last = in_order;
    missing_last.pop_back();
    EXPECT_EQ(agree(c, object(missing_last, "")), I) << count;
    EXPECT_EQ(agree(c, object(missing_last, R"(,"other":"s")")), I) << count;
    // a duplicate of a named member: the last value counts
    EXPECT_EQ(agree(c, object(in_order, "," + members[0] + "-1")), I) << count;
    EXPECT_EQ(agree(c, "{" + members[0] + "-1," + object(in_order, "").substr(1)), V) << count;
    EXPECT_EQ(agree(c, object(in_order, R"(,"other":1,"other":"s")")), V) << count;
    EXPECT_EQ(agree(c, object(in_order, R"(,"other":"s","other":1)")), I) << count;
    (void)full;
  }
}

// Truncations and single-byte changes of a plain document: the two tokenizers must agree on what
// is malformed, and whitespace anywhere changes nothing.
TEST(SchemaValidateText, PlainTextPrefixesAndBytes) {
  auto c = compile(R"({"type":"array","items":{"type":"object","required":["id","name"],"properties":{
    "id":{"type":"integer","minimum":1},"name":{"type":"string","maxLength":8},"ok":{"type":"boolean"},
    "none":{"type":"null"},"price":{"type":"number","maximum":100},"tags":{"type":"array","items":{"type":"string"}}}}})");
  const std::string doc =
      R"([{"id":1,"name":"a","ok":true,"none":null,"price":1.25,"tags":["x","y"]},{"id":2,"name":"bb","ok":false,"tags":[]}])";
  EXPECT_EQ(agree(c, doc), V);
  EXPECT_EQ(agree(c, " \n\t[ { \"id\" : 1 , \"name\" : \"a\" , \"tags\" : [ ] } ] \r\n"), V);
  for (std::size_t n = 0; n < doc.size(); ++n) agree(c, doc.substr(0, n));
  const char replacements[] = {' ', '"', '\\', ',', ':', '[', ']', '{', '}', '0', '-', '.', 'e', 't', 'x', '\x01'};
  for (std::size_t i = 0; i < doc.size(); ++i)
    for (char r : replacements) {
      std::string t = doc;
      t[i] = r;
      agree(c, t);
    }
  // depth around the limit
  for (std::size_t depth = 1; depth < 12; ++depth) {
    const std::string t = std::string(depth, '[') + std::string(depth, ']');
    auto a = compile("{}");
    agree(a, t, Direction::none, 8);
    agree(a, std::string(depth, '[') + "{\"k\":1}" + std::string(depth, ']'), Direction::none, 8);
  }
  // deeper than the plain tokenizer goes itself (it recurses), under a large limit
  auto a = compile(R"({"type":"array","items":{"$ref":"#"}})");
  for (std::size_t depth : {63u, 64u, 65u, 200u}) {
    EXPECT_EQ(agree(a, std::string(depth, '[') + std::string(depth, ']'), Direction::none, 10000), V) << depth;
    EXPECT_EQ(agree(a, std::string(depth, '[') + "1" + std::string(depth, ']'), Direction::none, 10000), I) << depth;
    EXPECT_EQ(agree(a, std::string(depth, '[') + std::string(depth - 1, ']'), Direction::none, 10000), M) << depth;
  }
  // beyond the instance depth limit (256): invalid either way, and no deep recursion
  EXPECT_EQ(agree(a, std::string(5000, '[') + std::string(5000, ']'), Direction::none, 10000), I);
  // at the limit: an array whose items would be deeper than it (with and without items, empty
  // or not), and arrays without `items` below it
  for (std::size_t depth : {255u, 256u, 257u, 258u}) {
    agree(a, std::string(depth, '[') + std::string(depth, ']'), Direction::none, 10000);
    agree(a, std::string(depth, '[') + "[1,2]" + std::string(depth, ']'), Direction::none, 10000);
    agree(a, std::string(depth, '[') + "[]" + std::string(depth, ']'), Direction::none, 10000);
  }
  auto b = compile(R"({"type":"array","items":{"items":{"items":{"items":{"$ref":"#"}}}}})");
  auto open_list = compile(R"({"type":"array","items":{"items":{"items":{}}}})");
  for (std::size_t depth : {254u, 255u, 256u, 257u}) {
    agree(b, std::string(depth, '[') + "[1]" + std::string(depth, ']'), Direction::none, 10000);
    agree(b, std::string(depth, '[') + std::string(depth, ']'), Direction::none, 10000);
    agree(open_list, std::string(depth, '[') + "[1]" + std::string(depth, ']'), Direction::none, 10000);
  }
}

// Keys that come in the schema's order are compared with the expected `name":` before any scan
// (validate_text.cpp, expected_key): in order, out of order, missing, duplicated, extra, a prefix
// or an extension of the expected name, names with escapes or that cannot be compared bytewise,
// whitespace around the colon, truncations, directions, each against the DOM.
TEST(SchemaValidateText, KeysInTheSchemasOrder) {
  auto c = compile(R"({"type":"object","required":["id","name"],"properties":{
    "id":{"type":"integer","minimum":1},"name":{"type":"string","maxLength":4},
    "st":{"type":"string","enum":["a","b"]},"secret":{"type":"string","writeOnly":true},
    "q\"x":{"type":"integer"},"tab\tk":{"type":"integer"},"é":{"type":"integer"},"":{"type":"boolean"}}})");
  const TextCase cases[] = {
      {R"({"id":1,"name":"ab","st":"a"})", V},
      {R"({"id":1,"name":"ab","st":"c"})", I},
      {R"({"id":0,"name":"ab"})", I},
      {R"({"name":"ab","id":1})", V},             // out of order
      {R"({"st":"a","name":"ab","id":1})", V},    // reversed
      {R"({"id":1,"st":"a"})", I},                // required name missing
      {R"({"name":"ab"})", I},                    // required id missing
      {R"({"id":1,"id":2,"name":"ab"})", V},      // duplicate: the last value counts
      {R"({"id":1,"id":0,"name":"ab"})", I},
      {R"({"id":0,"id":1,"name":"ab"})", V},
      {R"({"id":1,"name":"ab","name":"abcdef"})", I},
      {R"({"id":1,"name":"ab","x":[1,{}],"st":"b"})", V},  // extra member between
      {R"({"i":1,"id":1,"name":"ab"})", V},       // a prefix of the expected name
      {R"({"idx":1,"id":1,"name":"ab"})", V},     // the expected name as a prefix
      {R"({"id":1,"nam":5,"name":"ab"})", V},
      {R"({"id":1,"names":5,"name":"ab"})", V},
      {R"({"i\u0064":0,"name":"ab"})", I},         // the expected name spelled with an escape
      {R"({"i\u0064":1,"name":"ab"})", V},
      {R"({"id":1,"n\u0061me":"abcde"})", I},
      {R"({"id" :1,"name": "ab"})", V},           // whitespace around the colon
      {R"({"id": 0,"name":"ab"})", I},
      {R"({"id":1,"name":"ab","st":"a","secret":"s","q\"x":1,"tab\tk":1,"é":1,"":true})", V},
      {R"({"id":1,"name":"ab","st":"a","secret":"s","q\"x":1,"tab\u0009k":1,"é":1,"":true})", V},
      {R"({"id":1,"name":"ab","st":"a","secret":"s","q\"x":"1","é":1,"":true})", I},
      {R"({"id":1,"name":"ab","st":"a","secret":"s","q\"x":1,"é":"1","":true})", I},
      {R"({"id":1,"name":"ab","st":"a","secret":"s","q\"x":1,"é":1,"":1})", I},
      {R"({"id":1,"name":"ab","st":"a","secret":"s","qx":1,"é":1,"":true})", V},
      {R"({"id":1,"name":"ab","st":"a","secret":"s","q":1,"é":1,"":true})", V},
      {R"({"id":1,"name":"ab","id":1,"name":"ab","id":1})", V},
      {R"({"id":1,"id":1,"id":1,"id":1,"id":1,"id":1})", I},
  };
  expect_verdicts(c, cases);
  // a raw control inside a name is malformed
  EXPECT_EQ(agree(c, std::string(R"({"id":1,"name":"ab","tab)") + "\t" + R"(k":1})"), M);
  // a writeOnly member in a response, a readOnly one in a request
  EXPECT_EQ(agree(c, R"({"id":1,"name":"ab","st":"a","secret":"s"})", Direction::response), I);
  EXPECT_EQ(agree(c, R"({"id":1,"name":"ab","st":"a","secret":"s"})", Direction::request), V);
  EXPECT_EQ(agree(c, R"({"id":1,"name":"ab","st":"a"})", Direction::response), V);
  // every prefix and byte replacement of objects in order, in a list
  const std::string doc = R"([{"id":1,"name":"ab","st":"a"},{"id":2,"name":"c","st":"b","secret":"s"},{"id":3,"name":"d"}])";
  auto list = compile(std::string(R"({"type":"array","items":)") + R"({"type":"object","required":["id","name"],"properties":{
    "id":{"type":"integer","minimum":1},"name":{"type":"string","maxLength":4},
    "st":{"type":"string","enum":["a","b"]},"secret":{"type":"string"}}}})");
  EXPECT_EQ(agree(list, doc), V);
  agree_on_prefixes_and_replacements(list, doc, std::string_view(" \"\\:,}idx\x01\x80", 11));
  // under a whole-value keyword (a value stack open) and with a second evaluation (allOf)
  auto whole = compile(R"({"anyOf":[{"type":"object","required":["id"],"properties":{"id":{"type":"integer","minimum":1}}}]})");
  EXPECT_EQ(agree(whole, R"({"id":1})"), V);
  EXPECT_EQ(agree(whole, R"({"id":0})"), I);
  // a member captured whole and streamed at once, failing inside (its value stack stays open), then later keys
  auto mixed = compile(R"({"type":"object","properties":{"a":{"allOf":[{"anyOf":[{}]}],"properties":{"x":{"type":"integer"}}},
    "b":{"type":"integer"},"c":{"type":"string"}}})");
  EXPECT_EQ(agree(mixed, R"({"a":{"x":1},"b":1,"c":"s"})"), V);
  EXPECT_EQ(agree(mixed, R"({"a":{"x":"s"},"b":1,"c":"s"})"), I);
  EXPECT_EQ(agree(mixed, R"({"a":{"x":"s"},"b":1,"b":"z"})"), I);
  EXPECT_EQ(agree(mixed, R"({"a":{"x":"s"},"a":{"x":2},"b":1})"), V);
  EXPECT_EQ(agree(mixed, R"({"a":{"x":2},"b":"z","b":1,"c":"s"})"), V);
  // arrays whose items all take `items` (one evaluation, no prefixItems) and the others
  auto items = compile(R"({"type":"array","items":{"type":"array","items":{"type":"integer","minimum":1}}})");
  EXPECT_EQ(agree(items, "[[1,2],[],[3]]"), V);
  EXPECT_EQ(agree(items, "[[1,2],[],[0]]"), I);
  EXPECT_EQ(agree(items, "[[1,2],5]"), I);
  auto no_items = compile(R"({"type":"array","maxItems":2})");
  EXPECT_EQ(agree(no_items, R"([1,"x"])"), V);
  EXPECT_EQ(agree(no_items, R"([1,"x",{}])"), I);
  auto prefix = compile(R"({"$schema":"https://json-schema.org/draft/2020-12/schema","type":"array",
    "prefixItems":[{"type":"string"}],"items":{"type":"integer"}})");
  EXPECT_EQ(agree(prefix, R"(["a",1,2])"), V);
  EXPECT_EQ(agree(prefix, R"([1,1,2])"), I);
  EXPECT_EQ(agree(prefix, R"(["a","b"])"), I);
  auto both = compile(R"({"items":{"type":"integer"},"allOf":[{"items":{"minimum":2}}]})");
  EXPECT_EQ(agree(both, "[2,3]"), V);
  EXPECT_EQ(agree(both, "[2,1]"), I);
  auto two = compile(R"({"allOf":[{"properties":{"id":{"minimum":2}}}],"properties":{"id":{"type":"integer","minimum":1}}})");
  EXPECT_EQ(agree(two, R"({"id":1})"), I);
  EXPECT_EQ(agree(two, R"({"id":2})"), V);
}

// The value after an expected key: a string or a number is evaluated at once, anything else
// (containers, literals, numbers and strings outside the plain subset) the general way.
TEST(SchemaValidateText, ValuesAfterExpectedKeys) {
  auto c = compile(R"({"type":"object","required":["n"],"properties":{
    "n":{"type":"number","minimum":-2,"maximum":1e3},"s":{"type":"string","minLength":2},
    "o":{"type":"object","properties":{"k":{"type":"integer"}}},"a":{"type":"array","items":{"type":"string"}},
    "b":{"type":"boolean"},"z":{"type":"null"},"w":{"type":"integer","writeOnly":true},"r":{"readOnly":true}}})");
  const TextCase cases[] = {
      {R"({"n":1,"s":"ab","o":{"k":1},"a":["x"],"b":true,"z":null})", V},
      {R"({"n":-2,"s":"ab"})", V},
      {R"({"n":-3,"s":"ab"})", I},
      {R"({"n":-2.5,"s":"ab"})", I},
      {R"({"n":1.5,"s":"a"})", I},
      {R"({"n":1e2,"s":"ab"})", V},      // an exponent: basic_parser decides
      {R"({"n":1e4,"s":"ab"})", I},
      {R"({"n":12345678901234567,"s":"ab"})", I},  // more than 15 digits
      {R"({"n":1,"s":"a\u0062"})", V},   // an escape in the string
      {R"({"n":1,"s":"\u0062"})", I},
      {R"({"n":"1","s":"ab"})", I},
      {R"({"n":1,"s":2})", I},
      {R"({"n":1,"s":"ab","o":{"k":"x"}})", I},
      {R"({"n":1,"s":"ab","o":5})", I},
      {R"({"n":1,"s":"ab","o":{},"a":[1]})", I},
      {R"({"n":1,"s":"ab","o":{},"a":"x"})", I},
      {R"({"n":1,"s":"ab","o":{},"a":[],"b":1})", I},
      {R"({"n":1,"s":"ab","o":{},"a":[],"b":false,"z":0})", I},
      {R"({"n":1,"s":["ab"]})", I},
      {R"({"n":{},"s":"ab"})", I},
      {R"({"n":null})", I},
      {R"({"n":0,"n":1})", V},            // duplicates: the last value counts
      {R"({"n":1,"n":-9})", I},
      {R"({"n":1,"s":"a","s":"ab"})", V},
      {R"({"n":1,"s":"ab","s":{}})", I},
      {R"({"n":-1,"s":"ab","o":{"k":1},"a":["x","y"],"b":false,"z":null,"w":3})", V},
      {R"({"n":1,"s":"a","o":{"k":1},"a":[2]})", I},  // a failure, then more values after expected keys
      {R"({"n":1,"s":"a","o":{"k":1},"a":[2],"a":["x"],"s":"ab"})", V},
      {R"({"n":1,"s":"ab","o":{"k":1},"a":["x"],"b":true,"z":null,"w":"x"})", I},
      {R"({"n":1,"s":"ab","o":{"k":1},"a":["x"],"b":true,"z":null,"w":01})", M},
      {R"({"n":1,"s":"ab","o":{"k":1},"a":["x"],"b":true,"z":null,"w":-})", M},
      {R"({"n":1,"s":"ab)", M},
      {R"({"n":1,"s":)", M},
  };
  expect_verdicts(c, cases);
  // a writeOnly member in a response and a readOnly one in a request, after expected keys
  EXPECT_EQ(agree(c, R"({"n":1,"s":"ab","o":{},"a":[],"b":true,"z":null,"w":1})", Direction::response), I);
  EXPECT_EQ(agree(c, R"({"n":1,"s":"ab","o":{},"a":[],"b":true,"z":null,"w":1})", Direction::request), V);
  EXPECT_EQ(agree(c, R"({"n":1,"s":"ab","o":{},"a":[],"b":true,"z":null,"w":1,"r":2})", Direction::request), I);
  // forty objects deep, each member after an expected key
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += R"({"o":)";
  deep += "1";
  for (int i = 0; i < 40; ++i) deep += "}";
  auto nest = compile(R"({"type":"object","properties":{"o":{"$ref":"#"}}})");
  agree(nest, deep, Direction::none, 256);
}

// readOnly and writeOnly through $ref and allOf, on members after expected keys (where the text
// validator reads what was settled per property after compiling), across two compiles of one
// document: the second object's properties name schemas compiled by the first and schemas
// compiled after the object itself.
TEST(SchemaValidateText, DirectionsOfMembersAfterExpectedKeys) {
  oasis::schema::Compiler comp(oasis_test::json(R"({"$defs":{
    "RO":{"type":"integer","readOnly":true},"WO":{"allOf":[{"writeOnly":true}],"type":"string"},
    "First":{"type":"object","properties":{"ro":{"$ref":"#/$defs/RO"}}},
    "Obj":{"type":"object","required":["id"],"properties":{
      "id":{"type":"integer"},"ro":{"$ref":"#/$defs/RO"},"wo":{"$ref":"#/$defs/WO"},
      "later":{"$ref":"#/$defs/Later"},"both":{"allOf":[{"$ref":"#/$defs/RO"}],"writeOnly":true}}},
    "Later":{"$ref":"#/$defs/Later2"},"Later2":{"type":"boolean","writeOnly":true}}})"),
                               {});
  auto first = comp.compile("/$defs/First");
  auto obj = comp.compile("/$defs/Obj");
  ASSERT_NE(first, nullptr);
  ASSERT_NE(obj, nullptr);
  using oasis::schema::Direction;
  EXPECT_EQ(agree(first, R"({"ro":1})", Direction::request), I);
  EXPECT_EQ(agree(first, R"({"ro":1})", Direction::response), V);
  const char* texts[] = {R"({"id":1})", R"({"id":1,"ro":2})", R"({"id":1,"wo":"x"})", R"({"id":1,"later":true})",
                         R"({"id":1,"both":2})", R"({"id":1,"ro":2,"wo":"x","later":true,"both":2})",
                         R"({"id":1,"ro":"2"})", R"({"id":1,"wo":3})", R"({"id":1,"later":3})"};
  for (const char* t : texts)
    for (Direction d : {Direction::request, Direction::response, Direction::none}) agree(obj, t, d);
  EXPECT_EQ(agree(obj, R"({"id":1,"ro":2})", Direction::request), I);
  EXPECT_EQ(agree(obj, R"({"id":1,"ro":2})", Direction::response), V);
  EXPECT_EQ(agree(obj, R"({"id":1,"wo":"x"})", Direction::response), I);
  EXPECT_EQ(agree(obj, R"({"id":1,"wo":"x"})", Direction::request), V);
  EXPECT_EQ(agree(obj, R"({"id":1,"later":true})", Direction::response), I);
  EXPECT_EQ(agree(obj, R"({"id":1,"later":true})", Direction::request), V);
  EXPECT_EQ(agree(obj, R"({"id":1,"both":2})", Direction::response), I);
  EXPECT_EQ(agree(obj, R"({"id":1,"both":2})", Direction::request), I);
  EXPECT_EQ(agree(obj, R"({"id":1,"both":2})", Direction::none), V);
}

// The string items of an array whose items all take `items` (one evaluation, no prefixItems, no
// value stack open) are evaluated at once; other items, and other arrays, the general way.
TEST(SchemaValidateText, StringItemsEvaluatedAtOnce) {
  auto c = compile(R"({"type":"array","minItems":2,"maxItems":4,"items":{"type":"string","minLength":1,"enum":["a","b","cc",""]}})");
  const TextCase cases[] = {
      {R"(["a","b"])", V},
      {R"(["a","b","cc","a"])", V},
      {R"(["a"])", I},                  // minItems counted from the items taken at once
      {R"(["a","b","cc","a","b"])", I},  // maxItems
      {R"(["a","d"])", I},              // enum
      {R"(["a",""])", I},               // minLength
      {R"(["a",1])", I},
      {R"([1,"a"])", I},
      {R"(["a",null,"b"])", I},
      {R"(["a",["b"]])", I},
      {R"(["a",{"b":1}])", I},
      {R"(["a","\u0062"])", V},         // an escape: basic_parser decides
      {R"(["a","\u0064"])", I},
      {R"([ "a" , "b" ])", V},
      {R"(["a","d","b","c","d"])", I},  // failing, then more items
      {R"(["a","b")", M},
      {R"(["a","b)", M},
      {R"(["a" "b"])", M},
      {R"(["a",])", M},
  };
  expect_verdicts(c, cases);
  // arrays without items (every item counted, none evaluated), with prefixItems, with a second
  // evaluation, under a whole-value keyword (a value stack open), nested, in objects
  auto none = compile(R"({"type":"array","maxItems":2})");
  EXPECT_EQ(agree(none, R"(["a","b"])"), V);
  EXPECT_EQ(agree(none, R"(["a","b","c"])"), I);
  auto prefix = compile(R"({"type":"array","prefixItems":[{"const":"a"}],"items":{"maxLength":1}})");
  EXPECT_EQ(agree(prefix, R"(["a","b"])"), V);
  EXPECT_EQ(agree(prefix, R"(["b","b"])"), I);
  EXPECT_EQ(agree(prefix, R"(["a","bb"])"), I);
  auto two = compile(R"({"items":{"type":"string"},"allOf":[{"items":{"maxLength":1}}]})");
  EXPECT_EQ(agree(two, R"(["a","b"])"), V);
  EXPECT_EQ(agree(two, R"(["a","bb"])"), I);
  auto whole = compile(R"({"anyOf":[{"type":"array","items":{"type":"string","maxLength":1}}]})");
  EXPECT_EQ(agree(whole, R"(["a","b"])"), V);
  EXPECT_EQ(agree(whole, R"(["a","bb"])"), I);
  auto inner_whole = compile(R"({"type":"array","items":{"anyOf":[{"type":"array","items":{"maxLength":1}}]}})");
  EXPECT_EQ(agree(inner_whole, R"([["a"],["b","c"]])"), V);
  EXPECT_EQ(agree(inner_whole, R"([["a"],["b","cc"]])"), I);
  auto nested = compile(R"({"type":"array","items":{"type":"array","items":{"type":"string","maxLength":1}}})");
  EXPECT_EQ(agree(nested, R"([["a","b"],[],["c"]])"), V);
  EXPECT_EQ(agree(nested, R"([["a","b"],[],["cc"]])"), I);
  EXPECT_EQ(agree(nested, R"([["a","b"],"c"])"), I);
  auto mixed = compile(R"({"type":"array","items":{"type":["string","object","array"],"maxLength":1,
    "properties":{"k":{"type":"integer"},"t":{"type":"array","items":{"type":"string","maxLength":1}}}}})");
  EXPECT_EQ(agree(mixed, R"(["a",{"k":1},"b",["x"],"c"])"), V);
  EXPECT_EQ(agree(mixed, R"(["a",{"k":1},"bb"])"), I);
  EXPECT_EQ(agree(mixed, R"(["a",{"k":1,"t":["x","y"]},"b"])"), V);
  EXPECT_EQ(agree(mixed, R"(["a",{"k":1,"t":["x","yy"]},"b"])"), I);
  // a duplicate key inside an item (the DOM decides), then more string items at both levels
  EXPECT_EQ(agree(mixed, R"(["a",{"k":"x","k":1,"t":["x","yy"],"t":["x"]},"b","c"])"), V);
  EXPECT_EQ(agree(mixed, R"(["a",{"k":1,"k":"x"},"b","c"])"), I);
  EXPECT_EQ(agree(mixed, R"(["a",{"t":["xx"],"t":["x"]},"bb"])"), I);
  EXPECT_EQ(agree(mixed, R"(["a",{"t":["xx"],"t":["x"]},"b"])"), V);
  // every prefix and byte replacement of a list with tags
  auto list = compile(R"({"type":"array","items":{"type":"object","properties":{"id":{"type":"integer"},
    "tags":{"type":"array","maxItems":3,"items":{"type":"string","maxLength":2}}}}})");
  const std::string doc = R"([{"id":1,"tags":["a","bc"]},{"id":2,"tags":[]},{"id":3,"tags":["x","y","z"]}])";
  EXPECT_EQ(agree(list, doc), V);
  agree_on_prefixes_and_replacements(list, doc, std::string_view(" \"\\:,][a1\x01\x80", 11));
}

// The expected key is compared 16 bytes at a time when `name":` fits in 16 bytes and 16 more
// bytes of text follow, else byte by byte: names of 13, 14 (exactly 16 bytes), 15 and 30
// characters, at the start of long texts and at the very end of short ones, and names that
// differ from the expected one only in their last byte, past it, or by one byte more or less.
TEST(SchemaValidateText, ExpectedKeysOfEveryLength) {
  auto c = compile(R"({"type":"object","required":["abcdefghijklm","abcdefghijklmn"],"properties":{
    "abcdefghijklm":{"type":"integer","minimum":1},"abcdefghijklmn":{"type":"string","maxLength":2},
    "abcdefghijklmno":{"type":"integer","maximum":5},"abcdefghijklmnopqrstuvwxyz0123":{"type":"boolean"}}})");
  const TextCase cases[] = {
      {R"({"abcdefghijklm":1,"abcdefghijklmn":"ab","abcdefghijklmno":5,"abcdefghijklmnopqrstuvwxyz0123":true})", V},
      {R"({"abcdefghijklm":0,"abcdefghijklmn":"ab","abcdefghijklmno":5,"abcdefghijklmnopqrstuvwxyz0123":true})", I},
      {R"({"abcdefghijklm":1,"abcdefghijklmn":"abc","abcdefghijklmno":5,"abcdefghijklmnopqrstuvwxyz0123":true})", I},
      {R"({"abcdefghijklm":1,"abcdefghijklmn":"ab","abcdefghijklmno":6,"abcdefghijklmnopqrstuvwxyz0123":true})", I},
      {R"({"abcdefghijklm":1,"abcdefghijklmn":"ab","abcdefghijklmno":5,"abcdefghijklmnopqrstuvwxyz0123":1})", I},
      {R"({"abcdefghijklm":1,"abcdefghijklmn":"ab","abcdefghijklmno":5})", V},
      {R"({"abcdefghijklm":1,"abcdefghijklmn":"ab","abcdefghijklmno":6})", I},  // the last key near the end
      {R"({"abcdefghijklm":1,"abcdefghijklmn":"ab"})", V},
      {R"({"abcdefghijklm":1,"abcdefghijklmn":"abc"})", I},
      {R"({"abcdefghijklm":1,"abcdefghijklmX":"abc","abcdefghijklmn":"a"})", V},  // differs in the last byte
      {R"({"abcdefghijklm":1,"abcdefghijklmX":"abc"})", I},
      {R"({"abcdefghijklmnX":"abc","abcdefghijklm":1,"abcdefghijklmn":"a"})", V},  // one byte more
      {R"({"abcdefghijklm":1,"abcdefghijklmnX":"abc","abcdefghijklmn":"a"})", V},
      {R"({"abcdefghijklm":1,"abcdefghijklm":"abc","abcdefghijklmn":"a"})", I},  // one byte less (a duplicate)
      {R"({"abcdefghijklm":1,"abcdefghijkl":"abc","abcdefghijklmn":"a","abcdefghijklmno":9})", I},
      {R"({"abcdefghijklm":1,"abcdefghijklmn" :"ab","abcdefghijklmno": 5,"abcdefghijklmnopqrstuvwxyz0123":true})", V},
      {R"({"abcdefghijklm":1,"abcdefghijklmn":"ab","abcdefghijklmno":5,"abcdefghijklmnopqrstuvwxyz012":true})", V},
      {R"({"abcdefghijklm":1,"abcdefghijklmn":"ab","abcdefghijklmno":5,"abcdefghijklmnopqrstuvwxyz01234":5})", V},
      {R"({"abcdefghijklm":1,"abcdefghijklmn":"ab","abcdefghijklmno":5,"abcdefghijklmnopqrstuvwxyz0123":true,"abcdefghijklm":0})", I},
  };
  expect_verdicts(c, cases);
  // every prefix and byte replacement, in a list (most keys have 16 bytes of text after them)
  const std::string doc = R"([{"abcdefghijklm":1,"abcdefghijklmn":"ab","abcdefghijklmno":5},)"
                          R"({"abcdefghijklm":2,"abcdefghijklmn":"c","abcdefghijklmnopqrstuvwxyz0123":false}])";
  auto list = compile(std::string(R"({"type":"array","items":)") + R"({"type":"object","required":["abcdefghijklm"],"properties":{
    "abcdefghijklm":{"type":"integer","minimum":1},"abcdefghijklmn":{"type":"string","maxLength":2},
    "abcdefghijklmno":{"type":"integer","maximum":5},"abcdefghijklmnopqrstuvwxyz0123":{"type":"boolean"}}}})");
  EXPECT_EQ(agree(list, doc), V);
  agree_on_prefixes_and_replacements(list, doc, std::string_view(" \"\\:,}mno\x01\x80", 11));
}
