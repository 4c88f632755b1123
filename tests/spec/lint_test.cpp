// Lint notes: counts, located notes from lint_file, and notes on a loaded Document.
#include <oasis/spec/lint.hpp>

#include <support/specs.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace oasis::spec;
using ::testing::HasSubstr;

namespace {
constexpr const char* kDoc = R"(openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    get:
      operationId: get a
      responses:
        "404": {description: missing}
  /b:
    get:
      operationId: getB
      responses:
        "200": {description: ok}
)";
}

TEST(SpecLint, NotesOnALoadedDocument) {
  LoadResult r = Document::load_string(kDoc, "lint.yaml");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.diagnostics.empty());  // lint notes are not load diagnostics unless asked
  auto notes = lint(*r.document);
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_THAT(notes[0].message, HasSubstr("no success"));
  EXPECT_EQ(notes[0].pointer, "/paths/~1a/get/responses");
  EXPECT_THAT(notes[1].message, HasSubstr("'get a'"));
  EXPECT_FALSE(notes[0].error());
}

TEST(SpecLint, LintFileLocatesNotesAndCounts) {
  auto path = std::filesystem::temp_directory_path() / ("oasis_spec_lint_" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(path) << kDoc;
  LintReport rep = lint_file(path.string());
  std::filesystem::remove(path);
  EXPECT_EQ(rep.version, "3.0.3");
  EXPECT_EQ(rep.paths, 2u);
  EXPECT_EQ(rep.operations, 2u);
  EXPECT_EQ(rep.errors(), 0u);
  ASSERT_EQ(rep.warnings(), 2u);
  for (const auto& d : rep.diagnostics) EXPECT_GT(d.line, 0) << d.to_string();
  // strict loading does not turn lint notes into errors
  LoadOptions strict;
  strict.strict = true;
  std::ofstream(path) << kDoc;
  LintReport s = lint_file(path.string(), strict);
  std::filesystem::remove(path);
  EXPECT_EQ(s.errors(), 0u);
}

TEST(SpecLint, RealDocumentsLintWithoutErrors) {
  OASIS_REQUIRE_SPECS();
  for (const char* rel : {"github-api-2020.json", "pve-openapi.json", "oai/petstore.yaml", "oai/swagger2/uber.json"}) {
    LintReport rep = lint_file((oasis_test::specs_dir() / rel).string());
    EXPECT_EQ(rep.errors(), 0u) << rel;
    EXPECT_GT(rep.operations, 0u) << rel;
  }
}
