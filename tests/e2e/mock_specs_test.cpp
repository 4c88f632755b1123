// End-to-end: `oasis mock` over three real documents (petstore-expanded, GitHub's 2020 API,
// Proxmox VE), over raw HTTP: CRUD with conditional requests and nested deletes, validation
// failures, Prefer, --latency, the admin API (requests and metrics included), and state that
// survives kill -9. (A sample of every document's operations, answered by the binary and checked
// against the document, is in tests/mock/every_operation_test.cpp.)
#include "e2e/support.hpp"

#include <boost/json.hpp>

#include <support/specs.hpp>

#include <filesystem>
#include <set>

using namespace oasis_test;
namespace json = boost::json;

namespace {

std::string spec_file(const std::string& name) { return (specs_dir() / name).string(); }

std::string req(const std::string& method, const std::string& path, const std::string& body = {}, const std::string& extra = {},
                const std::string& type = "application/json") {
  std::string r = method + " " + path + " HTTP/1.1\r\nHost: t\r\n" + extra;
  if (!body.empty()) r += "Content-Type: " + type + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  return r + "\r\n" + body;
}

struct Mock {
  explicit Mock(const std::string& spec, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{binary("oasis"), "mock", spec_file(spec), "--port", "0", "--threads", "2"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    process.start(argv);
    std::string banner = process.wait_for_line(R"(listening on http://[^ ]*:(\d+)(/\S*)?)");
    port = std::stoi(banner);
    client = std::make_unique<Client>(port);
  }
  RawResponse operator()(const std::string& method, const std::string& path, const std::string& body = {},
                         const std::string& extra = {}, const std::string& type = "application/json") {
    client->send(req(method, path, body, extra, type));
    auto r = client->read_response(method == "HEAD");
    if (!r) {
      ADD_FAILURE() << "no answer to " << method << " " << path;
      return {};
    }
    return *r;
  }
  Process process;
  int port = 0;
  std::unique_ptr<Client> client;
};

std::set<std::string> pointers(const RawResponse& r) {
  std::set<std::string> out;
  json::value problem = json::parse(r.body);
  for (const auto& e : problem.at("errors").as_array()) out.insert(std::string(e.at("pointer").as_string()));
  return out;
}

bool listed(const json::value& list, const char* field, const json::value& id) {
  for (const auto& e : list.as_array())
    if (e.as_object().if_contains(field) && e.at(field) == id) return true;
  return false;
}

constexpr const char* kLongAgo = "Sat, 01 Jan 2000 00:00:00 GMT";

}  // namespace

TEST(MockSpecsE2e, PetstoreCrudConditionalAndValidation) {
  OASIS_REQUIRE_SPECS();
  Mock m("oai/petstore-expanded.yaml");
  auto created = m("POST", "/pets", R"({"name":"Rex","tag":"dog"})");
  ASSERT_EQ(created.status, 200) << created.body;  // petstore-expanded declares 200 for addPet
  json::value id = json::parse(created.body).at("id");
  std::string item = "/pets/" + json::serialize(id);

  auto list = m("GET", "/pets");
  ASSERT_EQ(list.status, 200);
  EXPECT_TRUE(listed(json::parse(list.body), "id", id)) << list.body;
  EXPECT_EQ(json::parse(list.body).as_array().size(), 4u);  // 3 seeded + 1
  EXPECT_EQ(list.header("X-Total-Count"), "4");
  auto limited = m("GET", "/pets?limit=2");
  EXPECT_EQ(json::parse(limited.body).as_array().size(), 2u);
  auto by_tag = m("GET", "/pets?tags=dog");
  EXPECT_TRUE(listed(json::parse(by_tag.body), "id", id)) << by_tag.body;

  auto got = m("GET", item);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(json::parse(got.body).at("name").as_string(), "Rex");
  std::string etag = got.header("ETag"), modified = got.header("Last-Modified");
  ASSERT_FALSE(etag.empty());
  ASSERT_FALSE(modified.empty());
  // Conditional GET: 304 for a matching tag (weak comparison) or an unchanged date.
  EXPECT_EQ(m("GET", item, {}, "If-None-Match: " + etag + "\r\n").status, 304);
  EXPECT_EQ(m("GET", item, {}, "If-None-Match: \"other\", W/" + etag + "\r\n").status, 304);
  EXPECT_EQ(m("GET", item, {}, "If-Modified-Since: " + modified + "\r\n").status, 304);
  EXPECT_EQ(m("GET", item, {}, "If-Modified-Since: " + std::string(kLongAgo) + "\r\n").status, 200);
  EXPECT_EQ(m("GET", item, {}, "If-None-Match: \"other\"\r\n").status, 200);
  // Preconditions of a DELETE: a stale If-Match or an old If-Unmodified-Since is 412, changing nothing.
  auto stale = m("DELETE", item, {}, "If-Match: \"stale\"\r\n");
  EXPECT_EQ(stale.status, 412);
  EXPECT_EQ(stale.header("Content-Type"), "application/problem+json");
  EXPECT_EQ(m("DELETE", item, {}, "If-Unmodified-Since: " + std::string(kLongAgo) + "\r\n").status, 412);
  EXPECT_EQ(m("DELETE", item, {}, "If-None-Match: *\r\n").status, 412);
  EXPECT_EQ(m("GET", item).status, 200);
  EXPECT_EQ(m("DELETE", item, {}, "If-Match: " + etag + "\r\n").status, 204);
  EXPECT_EQ(m("GET", item).status, 404);
  EXPECT_FALSE(listed(json::parse(m("GET", "/pets").body), "id", id));
  EXPECT_EQ(m("DELETE", item).status, 404);

  // Every violation, each with its pointer; 415; 405 with Allow; unknown path 404.
  auto bad = m("POST", "/pets", R"({"tag":5})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.header("Content-Type"), "application/problem+json");
  EXPECT_EQ(pointers(bad), (std::set<std::string>{"/body", "/body/tag"})) << bad.body;
  auto bad_query = m("GET", "/pets?limit=many");
  EXPECT_EQ(bad_query.status, 400);
  EXPECT_EQ(pointers(bad_query), std::set<std::string>{"/query/limit"});
  auto bad_path = m("GET", "/pets/notanumber");
  EXPECT_EQ(bad_path.status, 400);
  EXPECT_EQ(pointers(bad_path), std::set<std::string>{"/path/id"});
  EXPECT_EQ(m("POST", "/pets", "name=Rex", {}, "text/plain").status, 415);
  auto wrong = m("PUT", "/pets");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.header("Allow"), "GET, HEAD, POST");
  EXPECT_EQ(m("GET", "/owners").status, 404);
  EXPECT_EQ(json::parse(m("GET", "/pets").body).as_array().size(), 3u);  // nothing refused changed anything
}

TEST(MockSpecsE2e, GitHubHooksCrudNestedDeleteAndPrefer) {
  OASIS_REQUIRE_SPECS();
  Mock m("github-api-2020.json");
  const std::string hooks = "/repos/octo/hello/hooks";
  auto created = m("POST", hooks, R"({"config":{"url":"https://example.com/hook","content_type":"json"},"events":["push"]})");
  ASSERT_EQ(created.status, 201) << created.body;
  std::string item = created.header("Location");
  ASSERT_EQ(item.substr(0, hooks.size() + 1), hooks + "/");
  json::value id = json::parse(created.body).at("id");
  EXPECT_EQ(item, hooks + "/" + json::serialize(id));

  auto list = m("GET", hooks);
  ASSERT_EQ(list.status, 200);
  EXPECT_TRUE(listed(json::parse(list.body), "id", id));
  auto got = m("GET", item);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(json::parse(got.body).at("events").as_array(), json::array{"push"});
  std::string etag = got.header("ETag");

  // PATCH under If-Match: a stale tag is 412 and changes nothing; the current one merges.
  EXPECT_EQ(m("PATCH", item, R"({"active":false})", "If-Match: \"stale\"\r\n").status, 412);
  EXPECT_EQ(m("GET", item, {}, "If-None-Match: " + etag + "\r\n").status, 304);
  auto patched = m("PATCH", item, R"({"active":false})", "If-Match: " + etag + "\r\n");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_FALSE(json::parse(patched.body).at("active").as_bool());
  std::string etag2 = patched.header("ETag");
  EXPECT_NE(etag2, etag);
  EXPECT_EQ(m("GET", item, {}, "If-None-Match: " + etag + "\r\n").status, 200);  // the old tag no longer matches
  EXPECT_EQ(m("GET", item, {}, "If-None-Match: " + etag2 + "\r\n").status, 304);
  EXPECT_EQ(m("PATCH", item, R"({"active":true})", "If-Unmodified-Since: " + std::string(kLongAgo) + "\r\n").status, 412);
  EXPECT_FALSE(json::parse(m("GET", item).body).at("active").as_bool());

  // A sub-resource of the hook answers while it exists, and is 404 once it is deleted.
  EXPECT_EQ(m("POST", item + "/pings").status, 204);
  EXPECT_EQ(m("DELETE", item).status, 204);
  EXPECT_EQ(m("GET", item).status, 404);
  EXPECT_EQ(m("POST", item + "/pings").status, 404);
  EXPECT_EQ(m("POST", item + "/tests").status, 404);
  EXPECT_FALSE(listed(json::parse(m("GET", hooks).body), "id", id));

  // Validation: the body's violations with their pointers.
  auto bad = m("POST", hooks, R"({"config":{"url":5},"events":"push","active":"yes"})");
  EXPECT_TRUE(bad.status == 400 || bad.status == 422) << bad.status;
  EXPECT_EQ(pointers(bad), (std::set<std::string>{"/body/config/url", "/body/events", "/body/active"})) << bad.body;

  // Prefer: a declared status with generated data, or a named example; state unchanged.
  auto labels = m("GET", "/repos/octo/hello/labels");
  ASSERT_EQ(labels.status, 200);
  std::string label(json::parse(labels.body).as_array()[0].at("name").as_string());
  auto p404 = m("GET", "/repos/octo/hello/labels/" + label, {}, "Prefer: code=404\r\n");
  EXPECT_EQ(p404.status, 404);
  auto example = m("GET", "/repos/octo/hello/labels/" + label, {}, "Prefer: example=default\r\n");
  EXPECT_EQ(example.status, 200);
  EXPECT_EQ(json::parse(example.body).at("name").as_string(), "bug") << example.body;  // the document's example
  EXPECT_EQ(m("GET", "/repos/octo/hello/labels/" + label).status, 200);
}

TEST(MockSpecsE2e, ProxmoxUsersAndPoolsWithNestedDelete) {
  OASIS_REQUIRE_SPECS();
  Mock m("pve-openapi.json");
  auto created = m("POST", "/access/users", R"({"userid":"alice@pve","comment":"first"})");
  ASSERT_EQ(created.status / 100, 2) << created.body;
  std::string user = "/access/users/alice@pve";
  auto list = m("GET", "/access/users");
  ASSERT_EQ(list.status, 200);
  EXPECT_TRUE(listed(json::parse(list.body), "userid", json::value("alice@pve"))) << list.body;
  auto got = m("GET", user);
  ASSERT_EQ(got.status, 200) << got.body;
  std::string etag = got.header("ETag");
  auto put = m("PUT", user, R"({"comment":"changed"})", "If-Match: " + etag + "\r\n");
  ASSERT_EQ(put.status / 100, 2) << put.body;
  EXPECT_EQ(m("GET", user, {}, "If-None-Match: " + etag + "\r\n").status, 200);
  auto now = m("GET", user);
  EXPECT_EQ(m("GET", user, {}, "If-None-Match: " + now.header("ETag") + "\r\n").status, 304);
  EXPECT_EQ(m("PUT", user, R"({"comment":"again"})", "If-Match: " + etag + "\r\n").status, 412);

  // A token under the user; deleting the user takes the token with it.
  auto token = m("POST", user + "/token/t1", R"({"comment":"ci"})");
  ASSERT_EQ(token.status / 100, 2) << token.body;
  EXPECT_EQ(m("GET", user + "/token/t1").status, 200);
  EXPECT_EQ(m("DELETE", user).status / 100, 2);
  EXPECT_EQ(m("GET", user).status, 404);
  EXPECT_EQ(m("GET", user + "/token/t1").status, 404);
  EXPECT_EQ(m("GET", user + "/token").status, 404);
  EXPECT_EQ(m("GET", user + "/tfa").status, 404);
  EXPECT_FALSE(listed(json::parse(m("GET", "/access/users").body), "userid", json::value("alice@pve")));

  // Pools: create, read, update, delete.
  auto pool = m("POST", "/pools", R"({"poolid":"lab","comment":"x"})");
  ASSERT_EQ(pool.status / 100, 2) << pool.body;
  EXPECT_EQ(m("GET", "/pools/lab").status, 200);
  EXPECT_EQ(m("PUT", "/pools/lab", R"({"comment":"y"})").status / 100, 2);
  EXPECT_EQ(m("DELETE", "/pools/lab").status / 100, 2);
  EXPECT_EQ(m("GET", "/pools/lab").status, 404);

  // Bad input on a query-parameter document: each violation with its pointer.
  auto bad = m("POST", "/pools", R"({"comment":5})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(pointers(bad), (std::set<std::string>{"/body", "/body/comment"})) << bad.body;
}

TEST(MockSpecsE2e, LatencyIsMeasurableAndBounded) {
  OASIS_REQUIRE_SPECS();
  Mock m("pve-openapi.json", {"--latency", "150ms-250ms"});
  for (int i = 0; i < 3; ++i) {
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(m("GET", "/pools").status, 200);
    auto took = std::chrono::steady_clock::now() - start;
    EXPECT_GE(took, std::chrono::milliseconds(145));
    EXPECT_LT(took, std::chrono::milliseconds(600));
  }
  // The admin API is not delayed, and the metrics do not count the delay.
  auto start = std::chrono::steady_clock::now();
  auto metrics = m("GET", "/_oasis/metrics");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(140));
  EXPECT_NE(metrics.body.find("oasis_mock_requests_total{method=\"GET\",route=\"/pools\",status=\"200\"} 3\n"), std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("oasis_mock_request_duration_seconds_bucket{le=\"0.1\"} 3\n"), std::string::npos) << metrics.body;
}

TEST(MockSpecsE2e, AdminApi) {
  OASIS_REQUIRE_SPECS();
  Mock m("oai/petstore-expanded.yaml", {"--requests", "5"});
  auto health = m("GET", "/_oasis/health");
  ASSERT_EQ(health.status, 200);
  EXPECT_EQ(json::parse(health.body).at("operations").as_int64(), 4);
  auto doc = m("GET", "/_oasis/spec");
  ASSERT_EQ(doc.status, 200);
  EXPECT_TRUE(json::parse(doc.body).at("paths").as_object().contains("/pets/{id}"));

  m("POST", "/pets", R"({"name":"Kept"})");
  auto saved = m("GET", "/_oasis/state");
  ASSERT_EQ(saved.status, 200);
  EXPECT_EQ(json::parse(saved.body).as_object().size(), 4u);
  EXPECT_EQ(m("DELETE", "/_oasis/state").status, 204);  // reset to the seed
  EXPECT_EQ(json::parse(m("GET", "/pets").body).as_array().size(), 3u);
  EXPECT_EQ(m("PUT", "/_oasis/state", saved.body).status, 204);  // import what was saved
  EXPECT_EQ(m("GET", "/_oasis/state").body, saved.body);
  EXPECT_EQ(m("PUT", "/_oasis/state", "[1]").status, 400);
  EXPECT_EQ(m("GET", "/_oasis/state").body, saved.body);

  // Requests: the last ones with their validation results.
  m("POST", "/pets", R"({"tag":1})");
  m("GET", "/pets/1", {}, "");
  auto recent = m("GET", "/_oasis/requests?limit=2");
  ASSERT_EQ(recent.status, 200);
  EXPECT_EQ(recent.header("Content-Type"), "application/json");
  auto list = json::parse(recent.body).at("requests").as_array();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].at("path").as_string(), "/pets/1");
  EXPECT_EQ(list[0].at("operation").as_string(), "find pet by id");
  EXPECT_EQ(list[1].at("method").as_string(), "POST");
  EXPECT_EQ(list[1].at("status").as_int64(), 400);
  EXPECT_FALSE(list[1].at("valid").as_bool());
  std::set<std::string> ptrs;
  for (const auto& v : list[1].at("violations").as_array()) ptrs.insert(std::string(v.at("pointer").as_string()));
  EXPECT_EQ(ptrs, (std::set<std::string>{"/body", "/body/tag"}));
  for (int i = 0; i < 3; ++i) m("GET", "/pets");
  EXPECT_EQ(json::parse(m("GET", "/_oasis/requests").body).at("requests").as_array().size(), 5u);  // --requests 5

  auto metrics = m("GET", "/_oasis/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(metrics.body.find("# TYPE oasis_mock_requests_total counter\n"), std::string::npos);
  EXPECT_NE(metrics.body.find("oasis_mock_requests_total{method=\"POST\",route=\"/pets\",status=\"400\"} 1\n"), std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("# TYPE oasis_mock_request_duration_seconds histogram\n"), std::string::npos);
  EXPECT_EQ(m("GET", "/_oasis/metric").status, 404);
}

TEST(MockSpecsE2e, ProxmoxStateSurvivesKill9) {
  OASIS_REQUIRE_SPECS();
  auto db = std::filesystem::temp_directory_path() / ("oasis-mock-pve-" + std::to_string(getpid()) + ".db");
  std::filesystem::remove(db);
  std::string etag, state;
  {
    Mock m("pve-openapi.json", {"--state", db.string()});
    ASSERT_EQ(m("POST", "/pools", R"({"poolid":"kept","comment":"before"})").status / 100, 2);
    ASSERT_EQ(m("PUT", "/pools/kept", R"({"comment":"after"})").status / 100, 2);
    ASSERT_EQ(m("POST", "/access/users", R"({"userid":"gone@pve"})").status / 100, 2);
    ASSERT_EQ(m("DELETE", "/access/users/gone@pve").status / 100, 2);
    etag = m("GET", "/pools/kept").header("ETag");
    state = m("GET", "/_oasis/state").body;
    m.process.kill(SIGKILL);
  }
  Mock m("pve-openapi.json", {"--state", db.string()});
  auto kept = m("GET", "/pools/kept");
  ASSERT_EQ(kept.status, 200);
  EXPECT_EQ(kept.header("ETag"), etag);
  EXPECT_EQ(m("GET", "/pools/kept", {}, "If-None-Match: " + etag + "\r\n").status, 304);
  EXPECT_EQ(m("GET", "/access/users/gone@pve").status, 404);
  EXPECT_EQ(m("GET", "/_oasis/state").body, state);
  std::filesystem::remove(db);
  std::filesystem::remove(db.string() + "-wal");
  std::filesystem::remove(db.string() + "-shm");
}
