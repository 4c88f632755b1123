// The generator's shortcut: an object or array it built from valid children, under parts whose
// every keyword it satisfies by construction, is taken as valid without running the validator
// (src/schema/generate.cpp). These tests hold the shortcut to its claim over every response,
// request body and component schema of real documents, in both directions and with several
// seeds: each skipped check is made anyway (GenerateAudit) and must pass, and the values are the
// same bytes as those of the generator that checks everything.
#include <oasis/schema/schema.hpp>

#include "../../src/schema/generate_audit.hpp"
#include "document_util.hpp"

#include <support/specs.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

using namespace oasis::schema;

namespace {

struct Tally {
  std::size_t schemas = 0, generated = 0, skipped = 0, wrong = 0, differ = 0;
  std::vector<std::string> reports;
};

void audit_document(const std::filesystem::path& file, Tally& t) {
  auto doc = oasis_test::load_schema_document(file);
  Compiler compiler(std::shared_ptr<const boost::json::value>(doc.root), CompileOptions{doc.dialect, false});
  std::vector<std::string> pointers = oasis_test::operation_schemas(doc, true);
  auto components = oasis_test::component_schemas(doc);
  pointers.insert(pointers.end(), components.begin(), components.end());
  for (const auto& p : pointers) {
    SchemaRef s = compiler.compile(p);
    ++t.schemas;
    for (Direction dir : {Direction::response, Direction::request}) {
      for (std::uint64_t seed : {1, 2, 3}) {
        GenerateOptions g;
        g.seed = seed;
        g.direction = dir;
        g.use_examples = seed != 3;  // seed 3 builds everything from the constraints alone
        detail::GenerateAudit audit;
        boost::json::value v = detail::generate_audited(s, g, audit);
        detail::GenerateAudit full;
        full.never_skip = true;
        boost::json::value w = detail::generate_audited(s, g, full);
        ++t.generated;
        t.skipped += audit.skipped;
        t.wrong += audit.wrong;
        EXPECT_EQ(full.skipped, 0u);
        const std::string where = doc.name + " " + p + " seed " + std::to_string(seed) +
                                  (dir == Direction::request ? " (request)" : " (response)");
        if (audit.wrong > 0 && t.reports.size() < 20)
          t.reports.push_back(where + ": " + std::to_string(audit.wrong) + " values taken as valid by construction do not validate");
        if (v != w) {
          ++t.differ;
          if (t.reports.size() < 20)
            t.reports.push_back(where + ": the shortcut changed the value\n    " + boost::json::serialize(v).substr(0, 300) +
                                "\n    " + boost::json::serialize(w).substr(0, 300));
        }
        // the public entry point gives the same value
        EXPECT_EQ(generate(s, g), v) << where;
      }
    }
  }
}

void expect_clean(const Tally& t) {
  for (const auto& r : t.reports) ADD_FAILURE() << r;
  EXPECT_EQ(t.wrong, 0u) << "of " << t.skipped << " checks skipped";
  EXPECT_EQ(t.differ, 0u) << "of " << t.generated << " values";
}

}  // namespace

TEST(SchemaGenerationShortcut, NeverSkipsACheckThatWouldFailOnGithub) {
  OASIS_REQUIRE_SPECS();
  Tally t;
  audit_document(oasis_test::specs_dir() / "github-api-2020.json", t);
  EXPECT_GT(t.schemas, 500u);  // 887 distinct responses, request bodies and components
  EXPECT_GT(t.skipped, 10000u);  // the shortcut is taken: most of GitHub's objects are plain
  expect_clean(t);
  std::printf("github: %zu schemas, %zu values, %zu checks skipped\n", t.schemas, t.generated, t.skipped);
}

TEST(SchemaGenerationShortcut, NeverSkipsACheckThatWouldFailOnProxmox) {
  OASIS_REQUIRE_SPECS();
  Tally t;
  audit_document(oasis_test::specs_dir() / "pve-openapi.json", t);
  EXPECT_GT(t.schemas, 500u);
  EXPECT_GT(t.skipped, 1000u);
  expect_clean(t);
  std::printf("proxmox: %zu schemas, %zu values, %zu checks skipped\n", t.schemas, t.generated, t.skipped);
}

TEST(SchemaGenerationShortcut, NeverSkipsACheckThatWouldFailOnPetstores) {
  OASIS_REQUIRE_SPECS();
  Tally t;
  for (auto name : {"petstore.json", "petstore-expanded.json", "petstore-minimal.json"})
    audit_document(oasis_test::specs_dir() / "oai" / "swagger2" / name, t);
  EXPECT_GT(t.schemas, 10u);
  EXPECT_GT(t.skipped, 10u);
  expect_clean(t);
}

// A schema whose keywords the builder cannot promise (uniqueItems, additionalProperties over
// another part's member, not) is still checked: the audit sees no skip there.
TEST(SchemaGenerationShortcut, ChecksWhereConstructionPromisesNothing) {
  auto compile = [](const char* text) {
    static std::vector<std::unique_ptr<Compiler>> keep;
    keep.push_back(std::make_unique<Compiler>(
        std::make_shared<const boost::json::value>(boost::json::parse(text)), CompileOptions{Dialect::jsonschema2020, false}));
    return keep.back()->compile("");
  };
  for (const char* text : {
           R"({"type": "array", "uniqueItems": true, "items": {"type": "array", "uniqueItems": true}})",
           R"({"allOf": [{"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]},
                         {"type": "object", "additionalProperties": false}]})",
           R"({"type": "object", "not": {"required": ["a"]}, "properties": {"a": {"type": "string"}}})",
           R"({"type": "object", "minProperties": 2, "properties": {"a": {"type": "string"}}})",
       }) {
    detail::GenerateAudit audit;
    boost::json::value v = detail::generate_audited(compile(text), {}, audit);
    EXPECT_EQ(audit.skipped, 0u) << text << " gave " << boost::json::serialize(v);
  }
  // and a plain one is skipped at each built level
  detail::GenerateAudit audit;
  detail::generate_audited(compile(R"({"type": "object", "required": ["a"],
      "properties": {"a": {"type": "array", "minItems": 1, "items": {"type": "object",
                                                                     "properties": {"b": {"type": "string"}}}}}})"),
                           {}, audit);
  EXPECT_GE(audit.skipped, 3u);
  EXPECT_EQ(audit.wrong, 0u);
  // an anyOf is satisfied by the branch the value was built from
  detail::GenerateAudit any_of;
  boost::json::value v = detail::generate_audited(
      compile(R"({"anyOf": [{"type": "object", "properties": {"k": {"type": "string"}}, "required": ["k"]},
                            {"type": "array"}]})"),
      {}, any_of);
  EXPECT_GE(any_of.skipped, 1u) << boost::json::serialize(v);
  EXPECT_EQ(any_of.wrong, 0u);
  // a oneOf needs no other branch to match; where another does, the value is known invalid
  // without a full check (and the generator moves on) — either way the audit agrees
  for (const char* text : {
           R"({"oneOf": [{"type": "object", "properties": {"k": {"const": "a"}}, "required": ["k"]},
                         {"type": "object", "properties": {"k": {"const": "b"}}, "required": ["k"]}]})",
           R"({"oneOf": [{"type": "object"}, {"type": "object", "properties": {"a": {"type": "string"}}}]})",
       }) {
    detail::GenerateAudit one_of;
    boost::json::value w = detail::generate_audited(compile(text), {}, one_of);
    EXPECT_GE(one_of.skipped, 1u) << text << " gave " << boost::json::serialize(w);
    EXPECT_EQ(one_of.wrong, 0u) << text;
  }
}
