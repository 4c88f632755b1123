// The generation property over the real documents, loaded by this module: for every response
// schema an operation declares, schema::generate gives a value that validates against it.
#include <oasis/spec/document.hpp>

#include <support/specs.hpp>

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include <filesystem>

using namespace oasis::spec;

TEST(SpecGenerate, GeneratedResponsesValidateInEveryDocument) {
  OASIS_REQUIRE_SPECS();
  std::size_t checked = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(oasis_test::specs_dir())) {
    auto p = e.path();
    if (!e.is_regular_file() || (p.extension() != ".json" && p.extension() != ".yaml")) continue;
    if (p.string().find("petstore-separate") != std::string::npos && p.filename() != "swagger.yaml") continue;
    LoadResult r = Document::load_file(p.string());
    ASSERT_TRUE(r.ok()) << p;
    std::size_t failures = 0;
    for (const Operation& op : r.document->operations())
      for (const Response& resp : op.responses)
        for (const MediaType& mt : resp.content) {
          if (!mt.schema) continue;
          boost::json::value v = oasis::schema::generate(mt.schema);
          oasis::schema::ValidateOptions vo;
          vo.direction = oasis::schema::Direction::response;
          auto res = oasis::schema::validate(mt.schema, v, vo);
          ++checked;
          if (!res.ok() && ++failures <= 3) {
            ADD_FAILURE() << p.filename() << " " << op.method_name << " " << op.path << " " << resp.status << " "
                          << mt.type << ": " << res.violations[0].instance_pointer << " "
                          << res.violations[0].message << "\n  value: " << boost::json::serialize(v).substr(0, 400);
          }
        }
    EXPECT_EQ(failures, 0u) << p;
  }
  EXPECT_GT(checked, 1500u);
}
