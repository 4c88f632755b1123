// The router: static over templated, templates inside segments, backtracking, 405 with Allow,
// base paths, and every operation of every real document routed back to itself.
#include <oasis/spec/router.hpp>

#include <support/specs.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

using namespace oasis::spec;
using oasis::http::Method;

namespace {

std::unique_ptr<Document> load(std::string_view yaml) {
  LoadResult r = Document::load_string(yaml, "router.yaml");
  std::string why;
  for (const auto& d : r.diagnostics) why += d.to_string() + "\n";
  EXPECT_TRUE(r.ok()) << why;
  return std::move(r.document);
}

constexpr const char* kDoc = R"(openapi: 3.0.3
info: {title: t, version: "1"}
servers: [{url: "https://api.example.com/api/v3"}]
paths:
  /users/me:
    get: {operationId: me, responses: {"200": {description: ok}}}
  /users/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: string}}]
    get: {operationId: user, responses: {"200": {description: ok}}}
    delete: {operationId: deleteUser, responses: {"204": {description: ok}}}
  /users/{id}/repos:
    parameters: [{name: id, in: path, required: true, schema: {type: string}}]
    get: {operationId: repos, responses: {"200": {description: ok}}}
  /files/{name}.{ext}:
    parameters:
      - {name: name, in: path, required: true, schema: {type: string}}
      - {name: ext, in: path, required: true, schema: {type: string}}
    get: {operationId: file, responses: {"200": {description: ok}}}
  /compare/{base}...{head}:
    parameters:
      - {name: base, in: path, required: true, schema: {type: string}}
      - {name: head, in: path, required: true, schema: {type: string}}
    get: {operationId: compare, responses: {"200": {description: ok}}}
  /a/static/b:
    get: {operationId: staticB, responses: {"200": {description: ok}}}
  /a/{x}/c:
    parameters: [{name: x, in: path, required: true, schema: {type: string}}]
    get: {operationId: templC, responses: {"200": {description: ok}}}
  /:
    get: {operationId: root, responses: {"200": {description: ok}}}
)";

std::string id_of(const RouteMatch& m) { return m.operation ? m.operation->operation_id : std::string("<none>"); }

}  // namespace

TEST(SpecRouter, StaticBeatsTemplate) {
  auto doc = load(kDoc);
  Router r(*doc);
  EXPECT_EQ(id_of(r.find(Method::GET, "/users/me")), "me");
  RouteMatch m = r.find(Method::GET, "/users/octocat");
  ASSERT_TRUE(m.found());
  EXPECT_EQ(id_of(m), "user");
  ASSERT_EQ(m.params.size(), 1u);
  EXPECT_EQ(m.params[0].name, "id");
  EXPECT_EQ(m.params[0].value, "octocat");
  EXPECT_EQ(m.path_template, "/users/{id}");
}

TEST(SpecRouter, MethodMissingOnStaticFallsBackToTemplate) {
  auto doc = load(kDoc);
  Router r(*doc);
  // DELETE /users/me: the static path has no DELETE, the templated one does
  RouteMatch m = r.find(Method::DELETE, "/users/me");
  ASSERT_TRUE(m.found());
  EXPECT_EQ(id_of(m), "deleteUser");
  EXPECT_EQ(m.params.at(0).value, "me");
}

TEST(SpecRouter, BacktracksOutOfADeadEndStaticBranch) {
  auto doc = load(kDoc);
  Router r(*doc);
  RouteMatch m = r.find(Method::GET, "/a/static/c");
  ASSERT_TRUE(m.found());
  EXPECT_EQ(id_of(m), "templC");
  EXPECT_EQ(m.params.at(0).value, "static");
  EXPECT_EQ(id_of(r.find(Method::GET, "/a/static/b")), "staticB");
}

TEST(SpecRouter, TemplatesInsideASegment) {
  auto doc = load(kDoc);
  Router r(*doc);
  RouteMatch f = r.find(Method::GET, "/files/report.final.pdf");
  ASSERT_TRUE(f.found());
  EXPECT_EQ(id_of(f), "file");
  ASSERT_EQ(f.params.size(), 2u);
  EXPECT_EQ(f.params[0].value, "report");
  EXPECT_EQ(f.params[1].value, "final.pdf");
  RouteMatch c = r.find(Method::GET, "/compare/main...feature/x");
  EXPECT_FALSE(c.found());  // a variable never spans a '/'
  c = r.find(Method::GET, "/compare/main...feature");
  ASSERT_TRUE(c.found());
  EXPECT_EQ(c.params[0].name, "base");
  EXPECT_EQ(c.params[0].value, "main");
  EXPECT_EQ(c.params[1].name, "head");
  EXPECT_EQ(c.params[1].value, "feature");
  EXPECT_FALSE(r.find(Method::GET, "/files/noext").found());
}

TEST(SpecRouter, MethodNotAllowedListsAllow) {
  auto doc = load(kDoc);
  Router r(*doc);
  RouteMatch m = r.find(Method::POST, "/users/42");
  EXPECT_EQ(m.status, RouteStatus::method_not_allowed);
  EXPECT_EQ(m.operation, nullptr);
  EXPECT_EQ(m.allow, "GET, HEAD, DELETE");
  EXPECT_EQ(r.find(Method::PUT, "/users/me").status, RouteStatus::method_not_allowed);
  EXPECT_EQ(r.find(Method::GET, "/nothing/here").status, RouteStatus::not_found);
  EXPECT_EQ(r.find(Method::GET, "/users/42/repos/extra").status, RouteStatus::not_found);
  EXPECT_EQ(r.find(Method::GET, "/users/").status, RouteStatus::not_found);  // empty variable
  // HEAD is answered by GET
  EXPECT_EQ(id_of(r.find(Method::HEAD, "/users/me")), "me");
}

TEST(SpecRouter, BasePathFromServersAndOptions) {
  auto doc = load(kDoc);
  Router r(*doc);
  EXPECT_EQ(r.base_path(), "/api/v3");
  EXPECT_EQ(id_of(r.find(Method::GET, "/api/v3/users/me")), "me");
  EXPECT_EQ(id_of(r.find(Method::GET, "/api/v3")), "root");
  EXPECT_EQ(id_of(r.find(Method::GET, "/users/me")), "me");  // accepted without too, by default
  EXPECT_EQ(id_of(r.find(Method::GET, "/")), "root");

  RouterOptions strict;
  strict.accept_without_base_path = false;
  Router s(*doc, strict);
  EXPECT_FALSE(s.find(Method::GET, "/users/me").found());
  EXPECT_TRUE(s.find(Method::GET, "/api/v3/users/me").found());
  EXPECT_FALSE(s.find(Method::GET, "/api/v3x/users/me").found());

  RouterOptions none;
  none.base_path = "";
  Router n(*doc, none);
  EXPECT_EQ(n.base_path(), "");
  EXPECT_FALSE(n.find(Method::GET, "/api/v3/users/me").found());

  RouterOptions custom;
  custom.base_path = "/proxy/";
  custom.accept_without_base_path = false;
  Router c(*doc, custom);
  EXPECT_EQ(c.base_path(), "/proxy");
  EXPECT_TRUE(c.find(Method::GET, "/proxy/users/me").found());
}

TEST(SpecRouter, ParamsAreViewsIntoTheInput) {
  auto doc = load(kDoc);
  Router r(*doc);
  std::string path = "/users/a%20b/repos";
  RouteMatch m;
  r.find(Method::GET, path, m);
  ASSERT_TRUE(m.found());
  EXPECT_EQ(m.params[0].value, "a%20b");  // raw, still encoded
  EXPECT_GE(m.params[0].value.data(), path.data());
  EXPECT_LT(m.params[0].value.data(), path.data() + path.size());
}

// Every operation of every real document is found again from a concrete path.
TEST(SpecRouter, EveryOperationOfEveryDocumentRoutesToItself) {
  OASIS_REQUIRE_SPECS();
  std::size_t documents = 0, operations = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(oasis_test::specs_dir())) {
    auto p = e.path();
    if (!e.is_regular_file() || (p.extension() != ".json" && p.extension() != ".yaml")) continue;
    if (p.string().find("petstore-separate") != std::string::npos && p.filename() != "swagger.yaml") continue;
    LoadResult lr = Document::load_file(p.string());
    ASSERT_TRUE(lr.ok()) << p;
    const Document& doc = *lr.document;
    Router router(doc);
    ++documents;
    static const std::regex var(R"(\{[^}]+\})");
    for (const Operation& op : doc.operations()) {
      // fill each template variable with a generated value: x1, x2, ...
      std::string concrete;
      int n = 0;
      std::string rest = op.path;
      std::smatch m;
      while (std::regex_search(rest, m, var)) {
        concrete += m.prefix().str() + "x" + std::to_string(++n);
        rest = m.suffix().str();
      }
      concrete += rest;
      for (std::string path : {concrete, router.base_path() + concrete}) {
        RouteMatch found = router.find(op.method, path);
        ASSERT_TRUE(found.found()) << p << ": " << op.method_name << " " << path;
        // two templates that differ only in variable names are one route; the first declared wins
        std::string a = std::regex_replace(found.operation->path, var, "{}");
        std::string b = std::regex_replace(op.path, var, "{}");
        EXPECT_EQ(a, b) << p << ": " << op.method_name << " " << path;
        EXPECT_EQ(found.operation->method, op.method);
        if (found.operation == &op) {
          std::size_t k = 0;
          for (const auto& prm : found.params) EXPECT_EQ(prm.value, "x" + std::to_string(++k));
          EXPECT_EQ(static_cast<int>(found.params.size()), n);
        }
      }
      ++operations;
    }
  }
  EXPECT_GE(documents, 15u);
  EXPECT_GT(operations, 1200u);
}
