// The lint, routes and validate subcommands, run as the built `oasis` binary.
#include <support/specs.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>

using ::testing::HasSubstr;

namespace {

struct Output {
  int status = -1;
  std::string out;
};

Output oasis(const std::string& args) {
  std::string cmd = std::string(OASIS_BINARY_DIR) + "/bin/oasis " + args + " 2>&1";
  Output o;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return o;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) o.out.append(buf.data(), n);
  int rc = pclose(p);
  o.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return o;
}

std::string spec(const char* rel) { return (oasis_test::specs_dir() / rel).string(); }

std::string write_temp(const std::string& name, const std::string& text) {
  auto p = std::filesystem::temp_directory_path() / ("oasis_spec_cli_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(p) << text;
  return p.string();
}

}  // namespace

TEST(SpecCli, LintCleanDocument) {
  OASIS_REQUIRE_SPECS();
  Output o = oasis("lint " + spec("oai/petstore.yaml"));
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_THAT(o.out, HasSubstr("version 3.0.0, 2 paths, 3 operations, 3 schemas"));
  EXPECT_THAT(o.out, HasSubstr("0 errors, 0 warnings"));
}

TEST(SpecCli, LintWarningsAndStrict) {
  OASIS_REQUIRE_SPECS();
  Output o = oasis("lint " + spec("pve-openapi.json"));
  EXPECT_EQ(o.status, 0);
  EXPECT_THAT(o.out, HasSubstr("pve-openapi.json:"));
  EXPECT_THAT(o.out, HasSubstr(": warning: "));
  Output s = oasis("lint --strict -q " + spec("pve-openapi.json"));
  EXPECT_EQ(s.status, 1) << s.out;
}

TEST(SpecCli, LintErrorsExit2WithLocation) {
  std::string f = write_temp("dup.yaml", "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n"
                                         "  /a: {get: {operationId: x, responses: {'200': {description: ok}}}}\n"
                                         "  /b: {get: {operationId: x, responses: {'200': {description: ok}}}}\n");
  Output o = oasis("lint " + f);
  EXPECT_EQ(o.status, 2) << o.out;
  EXPECT_THAT(o.out, HasSubstr(f + ":5:"));
  EXPECT_THAT(o.out, HasSubstr("duplicate operationId"));
  std::filesystem::remove(f);
  Output missing = oasis("lint /nonexistent/api.yaml");
  EXPECT_EQ(missing.status, 2);
}

TEST(SpecCli, RoutesTableAndJson) {
  OASIS_REQUIRE_SPECS();
  Output t = oasis("routes " + spec("oai/petstore.yaml"));
  EXPECT_EQ(t.status, 0);
  EXPECT_THAT(t.out, HasSubstr("GET     /pets/{petId}  showPetById  Info for a specific pet"));
  Output j = oasis("routes --json " + spec("github-api-2020.json"));
  ASSERT_EQ(j.status, 0);
  auto v = boost::json::parse(j.out);
  ASSERT_TRUE(v.is_array());
  EXPECT_EQ(v.as_array().size(), 623u);
  const auto& first = v.as_array()[0].as_object();
  EXPECT_TRUE(first.contains("method"));
  EXPECT_TRUE(first.contains("path"));
  EXPECT_TRUE(first.contains("operationId"));
  EXPECT_TRUE(first.contains("summary"));
}

TEST(SpecCli, ValidateRequests) {
  OASIS_REQUIRE_SPECS();
  std::string doc = spec("oai/petstore-expanded.yaml");
  std::string body = write_temp("body.json", "{\"name\":\"rex\",\"tag\":\"dog\"}");
  Output ok = oasis("validate " + doc + " --request 'POST /pets' --body " + body);
  EXPECT_EQ(ok.status, 0) << ok.out;
  EXPECT_THAT(ok.out, HasSubstr("valid: POST /pets (addPet)"));
  Output bad = oasis("validate " + doc + " --request 'GET /pets' --query 'limit=ten'");
  EXPECT_EQ(bad.status, 1) << bad.out;
  EXPECT_THAT(bad.out, HasSubstr("/query/limit"));
  Output media = oasis("validate " + doc + " --request 'POST /pets' --body " + body + " --content-type text/xml");
  EXPECT_EQ(media.status, 1);
  EXPECT_THAT(media.out, HasSubstr("415"));
  Output json = oasis("validate " + doc + " --json --request 'GET /pets/abc'");
  EXPECT_EQ(json.status, 1);
  auto problem = boost::json::parse(json.out);
  EXPECT_EQ(problem.at("status"), boost::json::value(400));
  EXPECT_EQ(problem.at("errors").at(0).at("pointer"), boost::json::value("/path/id"));
  Output nope = oasis("validate " + doc + " --request 'GET /nowhere'");
  EXPECT_EQ(nope.status, 1);
  EXPECT_THAT(nope.out, HasSubstr("404"));
  Output usage = oasis("validate " + doc + " --request 'nonsense'");
  EXPECT_EQ(usage.status, 2);
  Output header = oasis("validate " + spec("github-api-2020.json") +
                        " --request 'GET /repos/octocat/hello/issues?per_page=5' --header 'Accept: application/json'");
  EXPECT_EQ(header.status, 0) << header.out;
  std::filesystem::remove(body);
}
