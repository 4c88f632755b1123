// The mock engine, called directly: CRUD over collections, nested deletes, sub-resources,
// validation failures that change nothing, conditional requests, seeding.
#include <oasis/mock/mock.hpp>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <support/specs.hpp>

#include <cmath>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

using namespace oasis;
namespace json = boost::json;

namespace {

struct Call {
  int status;
  std::string body;
  http::Response res;
  json::value json() const { return json::parse(body); }
};

class MockTest : public ::testing::Test {
 protected:
  void load(std::string_view yaml) {
    auto r = spec::Document::load_string(yaml, "test.yaml");
    for (const auto& d : r.diagnostics)
      if (d.error()) ADD_FAILURE() << d.to_string();
    doc_ = std::move(r.document);
    ASSERT_TRUE(doc_);
    mock_ = std::make_unique<mock::Mock>(*doc_, store_);
  }
  Call call(std::string method, std::string target, std::string body = {},
            std::vector<std::pair<std::string, std::string>> headers = {}) {
    // The request views must outlive handle(): keep the strings in the fixture.
    method_ = std::move(method);
    target_ = std::move(target);
    body_ = std::move(body);
    headers_ = std::move(headers);
    if (!body_.empty() && headers_.empty()) headers_.push_back({"Content-Type", "application/json"});
    http::Request req;
    req.set_method(method_);
    req.set_target(target_);
    req.mutable_headers().add("Host", "t");
    for (auto& [k, v] : headers_) req.mutable_headers().add(k, v);
    if (!body_.empty()) {
      length_ = std::to_string(body_.size());
      req.mutable_headers().add("Content-Length", length_);
    }
    req.set_body(body_);
    Call c{0, {}, {}};
    mock_->handle(req, c.res);
    c.status = c.res.status();
    c.body = std::string(c.res.body());
    return c;
  }
  mock::Store store_;
  std::unique_ptr<spec::Document> doc_;
  std::unique_ptr<mock::Mock> mock_;
  std::string method_, target_, body_, length_;
  std::vector<std::pair<std::string, std::string>> headers_;
};

constexpr std::string_view kApi = R"(openapi: 3.0.3
info: {title: vms, version: "1"}
paths:
  /nodes:
    get:
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: array, items: {$ref: "#/components/schemas/Node"}}}}}
  /nodes/{node}:
    parameters: [{name: node, in: path, required: true, schema: {type: string}}]
    get:
      responses:
        "200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Node"}}}}
  /nodes/{node}/vms:
    parameters: [{name: node, in: path, required: true, schema: {type: string}}]
    get:
      parameters:
        - {name: status, in: query, schema: {type: string}}
        - {name: limit, in: query, schema: {type: integer, minimum: 1}}
        - {name: offset, in: query, schema: {type: integer, minimum: 0}}
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: array, items: {$ref: "#/components/schemas/Vm"}}}}}
    post:
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: "#/components/schemas/Vm"}}}
      responses:
        "201": {description: created, content: {application/json: {schema: {$ref: "#/components/schemas/Vm"}}}}
        "422": {description: invalid}
  /nodes/{node}/vms/{vmid}:
    parameters:
      - {name: node, in: path, required: true, schema: {type: string}}
      - {name: vmid, in: path, required: true, schema: {type: integer}}
    get:
      responses:
        "200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Vm"}}}}
    put:
      requestBody: {content: {application/json: {schema: {$ref: "#/components/schemas/Vm"}}}}
      responses:
        "200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Vm"}}}}
    patch:
      requestBody: {content: {application/json: {schema: {type: object}}}}
      responses:
        "200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Vm"}}}}
    delete:
      responses:
        "204": {description: gone}
  /nodes/{node}/vms/{vmid}/config:
    parameters:
      - {name: node, in: path, required: true, schema: {type: string}}
      - {name: vmid, in: path, required: true, schema: {type: integer}}
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: object, required: [name, memory], properties: {name: {type: string}, memory: {type: integer, minimum: 16}, cores: {type: integer}}}
    put:
      requestBody: {content: {application/json: {schema: {type: object}}}}
      responses:
        "200": {description: ok}
  /nodes/{node}/vms/{vmid}/start:
    parameters:
      - {name: node, in: path, required: true, schema: {type: string}}
      - {name: vmid, in: path, required: true, schema: {type: integer}}
    post:
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: string, example: "UPID:x"}}}}
components:
  schemas:
    Node:
      type: object
      required: [node]
      properties: {node: {type: string}, status: {type: string, enum: [online, offline]}}
    Vm:
      type: object
      required: [name, memory]
      properties:
        vmid: {type: integer, minimum: 100}
        name: {type: string, minLength: 1}
        memory: {type: integer, minimum: 16}
        status: {type: string, enum: [running, stopped]}
)";

}  // namespace

TEST_F(MockTest, CollectionsAreSeededDeterministically) {
  load(kApi);
  auto nodes = call("GET", "/nodes");
  ASSERT_EQ(nodes.status, 200) << nodes.body;
  ASSERT_EQ(nodes.json().as_array().size(), 3u);
  std::string first = nodes.body;
  mock::Store other;
  mock::Mock again(*doc_, other);
  http::Request req;
  req.set_method("GET");
  req.set_target("/nodes");
  http::Response res;
  again.handle(req, res);
  EXPECT_EQ(std::string(res.body()), first);  // same seed, same data
}

TEST_F(MockTest, CreateListGetUpdateDeleteThen404) {
  load(kApi);
  auto nodes = call("GET", "/nodes").json().as_array();
  std::string node(nodes[0].at("node").as_string());
  std::string vms = "/nodes/" + node + "/vms";

  auto created = call("POST", vms, R"({"vmid":4242,"name":"web-01","memory":2048})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.res.header("Location"), vms + "/4242");
  EXPECT_EQ(created.json().at("name").as_string(), "web-01");
  EXPECT_FALSE(created.res.header("ETag").empty());

  auto listed = call("GET", vms);
  ASSERT_EQ(listed.status, 200);
  bool found = false;
  auto listed_items = listed.json();
  for (auto& v : listed_items.as_array()) found = found || (v.at("vmid") == json::value(4242));
  EXPECT_TRUE(found) << listed.body;

  auto got = call("GET", vms + "/4242");
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.json().at("memory").as_int64(), 2048);
  std::string etag(got.res.header("ETag"));

  auto not_modified = call("GET", vms + "/4242", {}, {{"If-None-Match", etag}});
  EXPECT_EQ(not_modified.status, 304);

  auto patched = call("PATCH", vms + "/4242", R"({"memory":4096,"status":null})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.json().at("memory").as_int64(), 4096);
  EXPECT_FALSE(patched.json().as_object().contains("status"));
  EXPECT_NE(patched.res.header("ETag"), etag);

  auto stale = call("PUT", vms + "/4242", R"({"name":"x","memory":32})", {{"Content-Type", "application/json"}, {"If-Match", etag}});
  EXPECT_EQ(stale.status, 412);
  EXPECT_EQ(call("GET", vms + "/4242").json().at("memory").as_int64(), 4096);  // unchanged

  auto put = call("PUT", vms + "/4242", R"({"name":"renamed","memory":64})");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.json().at("name").as_string(), "renamed");
  EXPECT_EQ(put.json().at("vmid").as_int64(), 4242);

  EXPECT_EQ(call("DELETE", vms + "/4242").status, 204);
  EXPECT_EQ(call("GET", vms + "/4242").status, 404);
  auto remaining = call("GET", vms).json();
  for (auto& v : remaining.as_array()) EXPECT_NE(v.at("vmid"), json::value(4242));
}

TEST_F(MockTest, DeleteRemovesEverythingUnderTheItem) {
  load(kApi);
  std::string node(call("GET", "/nodes").json().as_array()[0].at("node").as_string());
  std::string vm = "/nodes/" + node + "/vms/555";
  ASSERT_EQ(call("POST", "/nodes/" + node + "/vms", R"({"vmid":555,"name":"db","memory":512})").status, 201);
  ASSERT_EQ(call("PUT", vm + "/config", R"({"name":"db","memory":512,"cores":8})").status, 200);
  EXPECT_EQ(call("GET", vm + "/config").json().at("cores").as_int64(), 8);
  ASSERT_EQ(call("DELETE", vm).status, 204);
  EXPECT_EQ(call("GET", vm + "/config").status, 404);
  EXPECT_EQ(call("POST", vm + "/start").status, 404);
}

TEST_F(MockTest, SubResourcesReuseTheItemsFields) {
  load(kApi);
  std::string node(call("GET", "/nodes").json().as_array()[0].at("node").as_string());
  ASSERT_EQ(call("POST", "/nodes/" + node + "/vms", R"({"vmid":777,"name":"mail","memory":1024})").status, 201);
  auto config = call("GET", "/nodes/" + node + "/vms/777/config");
  ASSERT_EQ(config.status, 200) << config.body;
  EXPECT_EQ(config.json().at("name").as_string(), "mail");
  EXPECT_EQ(config.json().at("memory").as_int64(), 1024);
  EXPECT_EQ(call("GET", "/nodes/" + node + "/vms/778/config").status, 404);
}

TEST_F(MockTest, FiltersAndPaging) {
  load(kApi);
  std::string node(call("GET", "/nodes").json().as_array()[0].at("node").as_string());
  std::string vms = "/nodes/" + node + "/vms";
  for (int i = 0; i < 5; ++i)
    call("POST", vms, R"({"vmid":)" + std::to_string(900 + i) + R"(,"name":"v","memory":32,"status":")" +
                          (i % 2 ? "running" : "stopped") + "\"}");
  auto running = call("GET", vms + "?status=running").json().as_array();
  ASSERT_GE(running.size(), 2u);
  for (auto& v : running) EXPECT_EQ(v.at("status").as_string(), "running");
  auto page = call("GET", vms + "?limit=2&offset=1");
  EXPECT_EQ(page.json().as_array().size(), 2u);
  EXPECT_EQ(page.res.header("X-Total-Count"), "8");  // 3 seeded + 5 created
}

TEST_F(MockTest, InvalidRequestsAreRefusedAndChangeNothing) {
  load(kApi);
  std::string node(call("GET", "/nodes").json().as_array()[0].at("node").as_string());
  std::string vms = "/nodes/" + node + "/vms";
  auto before = store_.export_all();
  auto bad = call("POST", vms, R"({"vmid":12,"name":"","memory":"lots"})");
  EXPECT_EQ(bad.status, 422) << bad.body;  // the document's own 4xx
  EXPECT_EQ(bad.res.header("Content-Type"), "application/problem+json");
  auto errors = bad.json().at("errors").as_array();
  EXPECT_GE(errors.size(), 3u) << bad.body;  // vmid minimum, name minLength, memory type
  EXPECT_EQ(store_.export_all(), before);
  EXPECT_EQ(call("POST", vms, "not json").status, 422);
  EXPECT_EQ(call("POST", vms, "<a/>", {{"Content-Type", "application/xml"}}).status, 415);
  EXPECT_EQ(call("GET", "/nowhere").status, 404);
  auto wrong = call("DELETE", "/nodes");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.res.header("Allow").find("GET"), 0u);
  EXPECT_EQ(call("GET", vms + "/notanumber").status, 400);
  EXPECT_EQ(store_.export_all(), before);
}

TEST_F(MockTest, ActionsAnswerTheirDeclaredResponse) {
  load(kApi);
  std::string node(call("GET", "/nodes").json().as_array()[0].at("node").as_string());
  auto vm = call("GET", "/nodes/" + node + "/vms").json().as_array()[0];
  auto started = call("POST", "/nodes/" + node + "/vms/" + json::serialize(vm.at("vmid")) + "/start");
  ASSERT_EQ(started.status, 200) << started.body;
  EXPECT_EQ(started.json().as_string(), "UPID:x");
}

TEST_F(MockTest, ResetForgetsWrites) {
  load(kApi);
  std::string node(call("GET", "/nodes").json().as_array()[0].at("node").as_string());
  call("POST", "/nodes/" + node + "/vms", R"({"vmid":31337,"name":"tmp","memory":16})");
  mock_->reset();
  EXPECT_EQ(call("GET", "/nodes/" + node + "/vms/31337").status, 404);
  EXPECT_EQ(call("GET", "/nodes").json().as_array().size(), 3u);
}

TEST_F(MockTest, PetstoreExpandedCrud) {
  OASIS_REQUIRE_SPECS();
  auto r = spec::Document::load_file((oasis_test::specs_dir() / "oai" / "petstore-expanded.yaml").string());
  ASSERT_TRUE(r.ok());
  doc_ = std::move(r.document);
  mock_ = std::make_unique<mock::Mock>(*doc_, store_);
  auto created = call("POST", "/pets", R"({"name":"Rex","tag":"dog"})");
  ASSERT_EQ(created.status, 200) << created.body;  // petstore-expanded declares 200 for create
  auto id = created.json().at("id");
  auto got = call("GET", "/pets/" + json::serialize(id));
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.json().at("name").as_string(), "Rex");
  EXPECT_EQ(call("DELETE", "/pets/" + json::serialize(id)).status, 204);
  EXPECT_EQ(call("GET", "/pets/" + json::serialize(id)).status, 404);
}

TEST_F(MockTest, PreferChoosesADeclaredResponseAndChangesNothing) {
  load(kApi);
  std::string node(call("GET", "/nodes").json().as_array()[0].at("node").as_string());
  std::string vms = "/nodes/" + node + "/vms";
  auto before = store_.export_all();
  auto r = call("POST", vms, R"({"vmid":4343,"name":"p","memory":64})",
                {{"Content-Type", "application/json"}, {"Prefer", "code=422"}});
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(store_.export_all(), before);
  EXPECT_EQ(call("GET", vms + "/4343").status, 404);
  // A code the operation does not declare is ignored: the request is answered as usual.
  auto usual = call("GET", vms, {}, {{"Prefer", "code=418"}});
  EXPECT_EQ(usual.status, 200);
}

TEST_F(MockTest, PreferExampleByName) {
  load(R"(openapi: 3.0.3
info: {title: ex, version: "1"}
paths:
  /status:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: object, properties: {state: {type: string}}}
              examples:
                up: {value: {state: up}}
                down: {value: {state: down}}
)");
  EXPECT_EQ(call("GET", "/status", {}, {{"Prefer", "example=down"}}).body, R"({"state":"down"})");
  EXPECT_EQ(call("GET", "/status", {}, {{"Prefer", "example=up"}}).body, R"({"state":"up"})");
}

TEST_F(MockTest, AdminHealthSpecAndState) {
  load(kApi);
  auto health = call("GET", "/_oasis/health");
  ASSERT_EQ(health.status, 200);
  EXPECT_EQ(health.json().at("status").as_string(), "ok");
  EXPECT_EQ(health.json().at("operations").as_int64(), 11);
  auto specdoc = call("GET", "/_oasis/spec");
  ASSERT_EQ(specdoc.status, 200);
  EXPECT_TRUE(specdoc.json().as_object().contains("paths"));

  std::string node(call("GET", "/nodes").json().as_array()[0].at("node").as_string());
  auto exported = call("GET", "/_oasis/state");
  ASSERT_EQ(exported.status, 200);
  EXPECT_TRUE(exported.json().as_object().contains("/nodes/" + node));

  // Import replaces everything; the imported collections are not seeded on top.
  auto imported = call("PUT", "/_oasis/state", R"({"/nodes/n1":{"node":"n1"},"/nodes/n1/vms/100":{"vmid":100,"name":"a","memory":64}})");
  EXPECT_EQ(imported.status, 204);
  auto nodes = call("GET", "/nodes").json().as_array();
  ASSERT_EQ(nodes.size(), 1u);
  EXPECT_EQ(call("GET", "/nodes/n1/vms").json().as_array().size(), 1u);
  EXPECT_EQ(call("GET", "/nodes/n1/vms/100").json().at("name").as_string(), "a");

  // A refused import changes nothing.
  EXPECT_EQ(call("PUT", "/_oasis/state", R"(["not","an","object"])").status, 400);
  EXPECT_EQ(call("PUT", "/_oasis/state", R"({"no-slash":1})").status, 400);
  EXPECT_EQ(call("GET", "/nodes/n1/vms/100").status, 200);

  // Reset: back to the seed.
  EXPECT_EQ(call("DELETE", "/_oasis/state").status, 204);
  EXPECT_EQ(call("GET", "/nodes/n1/vms/100").status, 404);
  EXPECT_EQ(call("GET", "/nodes").json().as_array().size(), 3u);
  EXPECT_EQ(call("GET", "/_oasis/nothing").status, 404);
  EXPECT_EQ(call("POST", "/_oasis/state").status, 405);
}

TEST_F(MockTest, DataReplacesTheSeedForAPath) {
  auto r = spec::Document::load_string(kApi, "test.yaml");
  ASSERT_TRUE(r.ok());
  doc_ = std::move(r.document);
  mock::MockOptions mo;
  mo.data = json::parse(R"({
    "/nodes": [{"node":"pve1","status":"online"},{"node":"pve2"}],
    "/nodes/pve1/vms/100": {"vmid":100,"name":"given","memory":64}
  })").as_object();
  mock_ = std::make_unique<mock::Mock>(*doc_, store_, mo);
  auto nodes = call("GET", "/nodes").json().as_array();
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes[0].at("node").as_string(), "pve1");
  EXPECT_EQ(nodes[1].at("node").as_string(), "pve2");
  EXPECT_EQ(call("GET", "/nodes/pve1/vms/100").json().at("name").as_string(), "given");
  // A collection not in the data is seeded as usual.
  EXPECT_EQ(call("GET", "/nodes/pve2/vms").json().as_array().size(), 3u);
  // Reset brings the data back.
  call("DELETE", "/nodes/pve1/vms/100");
  EXPECT_EQ(call("GET", "/nodes/pve1/vms/100").status, 404);
  mock_->reset();
  EXPECT_EQ(call("GET", "/nodes/pve1/vms/100").status, 200);
}

namespace {

// One request straight to a Mock, with its strings kept alive by the caller.
int answer(const mock::Mock& m, std::string_view method, std::string_view target) {
  http::Request req;
  req.set_method(method);
  req.set_target(target);
  http::Response res;
  m.handle(req, res);
  return res.status();
}

}  // namespace

TEST_F(MockTest, RequestsRememberTheLastNWithTheirValidation) {
  auto r = spec::Document::load_string(kApi, "test.yaml");
  ASSERT_TRUE(r.ok());
  doc_ = std::move(r.document);
  mock::MockOptions mo;
  mo.requests = 4;
  mock_ = std::make_unique<mock::Mock>(*doc_, store_, mo);
  std::string node(call("GET", "/nodes").json().as_array()[0].at("node").as_string());
  call("GET", "/nodes/" + node);
  call("GET", "/nowhere");
  call("POST", "/nodes/" + node + "/vms", R"({"name":"","memory":"lots"})");
  call("GET", "/nodes/" + node + "/vms?limit=1");
  call("GET", "/_oasis/health");  // the admin API is not recorded

  auto got = call("GET", "/_oasis/requests");
  ASSERT_EQ(got.status, 200) << got.body;
  auto list = got.json().at("requests").as_array();
  ASSERT_EQ(list.size(), 4u);  // the ring holds 4: the first GET /nodes is gone
  // Newest first.
  EXPECT_EQ(list[0].at("path").as_string(), "/nodes/" + node + "/vms?limit=1");
  EXPECT_EQ(list[0].at("route").as_string(), "/nodes/{node}/vms");
  EXPECT_EQ(list[0].at("method").as_string(), "GET");
  EXPECT_EQ(list[0].at("status").as_int64(), 200);
  EXPECT_TRUE(list[0].at("valid").as_bool());
  EXPECT_FALSE(list[0].as_object().contains("violations"));
  EXPECT_TRUE(list[0].at("duration_us").is_number());
  std::string time(list[0].at("time").as_string());
  EXPECT_EQ(time.size(), 24u) << time;  // 2026-11-22T05:35:00.123Z
  EXPECT_EQ(time[10], 'T');
  EXPECT_EQ(time.back(), 'Z');

  const auto& invalid = list[1].as_object();
  EXPECT_EQ(invalid.at("method").as_string(), "POST");
  EXPECT_EQ(invalid.at("status").as_int64(), 422);  // the document's own 4xx for bad input
  EXPECT_FALSE(invalid.at("valid").as_bool());
  std::set<std::string> pointers;
  for (const auto& v : invalid.at("violations").as_array()) {
    pointers.insert(std::string(v.at("pointer").as_string()));
    EXPECT_FALSE(v.at("message").as_string().empty());
  }
  EXPECT_EQ(pointers, (std::set<std::string>{"/body/name", "/body/memory"}));

  EXPECT_EQ(list[2].at("status").as_int64(), 404);
  EXPECT_TRUE(list[2].at("route").is_null());
  EXPECT_EQ(list[2].at("operation").as_string(), "");
  EXPECT_EQ(list[3].at("path").as_string(), "/nodes/" + node);

  auto two = call("GET", "/_oasis/requests?limit=2").json().at("requests").as_array();
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0], list[0]);
  EXPECT_EQ(call("GET", "/_oasis/requests?limit=many").status, 400);
}

TEST_F(MockTest, RequestsFromManyThreadsAreMergedNewestFirst) {
  auto r = spec::Document::load_string(kApi, "test.yaml");
  ASSERT_TRUE(r.ok());
  doc_ = std::move(r.document);
  mock::MockOptions mo;
  mo.requests = 8;
  mock_ = std::make_unique<mock::Mock>(*doc_, store_, mo);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([this, t] {
      std::string target = "/nodes?thread=" + std::to_string(t);
      for (int i = 0; i < 200; ++i) answer(*mock_, "GET", target);
    });
  // A reader at the same time sees whole records.
  for (int i = 0; i < 20; ++i) {
    auto list = call("GET", "/_oasis/requests").json().at("requests").as_array();
    for (const auto& e : list) EXPECT_EQ(std::string_view(e.at("path").as_string()).substr(0, 14), "/nodes?thread=");
  }
  for (auto& th : threads) th.join();
  answer(*mock_, "GET", "/nodes?last");
  auto list = call("GET", "/_oasis/requests").json().at("requests").as_array();
  ASSERT_EQ(list.size(), 8u);
  EXPECT_EQ(list[0].at("path").as_string(), "/nodes?last");
  auto all = call("GET", "/_oasis/requests?limit=1000").json().at("requests").as_array();
  EXPECT_EQ(all.size(), 8u * 4 + 1);  // each thread keeps its own last 8
  for (std::size_t i = 1; i < all.size(); ++i) EXPECT_LE(all[i].at("time").as_string(), all[i - 1].at("time").as_string());

  // Counters are kept even without a ring.
  auto metrics = call("GET", "/_oasis/metrics").body;
  EXPECT_NE(metrics.find("oasis_mock_requests_total{method=\"GET\",route=\"/nodes\",status=\"200\"} 801\n"), std::string::npos) << metrics;
}

TEST_F(MockTest, MetricsArePrometheusText) {
  auto r = spec::Document::load_string(kApi, "test.yaml");
  ASSERT_TRUE(r.ok());
  doc_ = std::move(r.document);
  mock::MockOptions mo;
  mo.requests = 0;  // counters do not need the ring
  mock_ = std::make_unique<mock::Mock>(*doc_, store_, mo);
  std::string node(call("GET", "/nodes").json().as_array()[0].at("node").as_string());
  std::string vms = "/nodes/" + node + "/vms";
  for (int i = 0; i < 3; ++i) call("GET", vms);
  call("POST", vms, R"({"vmid":4242,"name":"m","memory":64})");
  call("POST", vms, R"({"name":""})");
  call("GET", vms + "/999999");
  call("DELETE", "/nodes");
  call("GET", "/nowhere");
  EXPECT_TRUE(call("GET", "/_oasis/requests").json().at("requests").as_array().empty());

  auto got = call("GET", "/_oasis/metrics");
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.res.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  // Every line is a comment (# HELP name text / # TYPE name type) or a sample
  // name{label="value",...} number; every sample belongs to a family declared before it.
  const std::regex help(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+)");
  const std::regex type(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped))");
  const std::regex sample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*\})? ([-+]?[0-9.eE+-]+|\+Inf|NaN))");
  std::map<std::string, std::string> types;
  std::map<std::string, double> values;  // whole sample text before the value → value
  std::vector<std::pair<double, double>> buckets;  // le, count
  std::istringstream in(got.body);
  std::string line;
  ASSERT_FALSE(got.body.empty());
  ASSERT_EQ(got.body.back(), '\n');
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, help)) continue;
    if (std::regex_match(line, m, type)) {
      EXPECT_FALSE(types.count(m[1])) << "declared twice: " << line;
      types[m[1]] = m[2];
      continue;
    }
    ASSERT_TRUE(std::regex_match(line, m, sample)) << "not a sample: '" << line << "'";
    std::string name = m[1];
    std::string family = name;
    for (std::string_view suffix : {"_bucket", "_sum", "_count"})
      if (!types.count(family) && family.size() > suffix.size() && family.ends_with(suffix))
        family = family.substr(0, family.size() - suffix.size());
    ASSERT_TRUE(types.count(family)) << "no # TYPE before " << line;
    double value = std::stod(m[5]);
    values[line.substr(0, line.rfind(' '))] = value;
    if (name.ends_with("_bucket")) {
      auto le = line.substr(line.find("le=\"") + 4);
      le = le.substr(0, le.find('"'));
      buckets.push_back({le == "+Inf" ? INFINITY : std::stod(le), value});
    }
  }
  EXPECT_EQ(types["oasis_mock_requests_total"], "counter");
  EXPECT_EQ(types["oasis_mock_request_duration_seconds"], "histogram");
  EXPECT_EQ(values[R"(oasis_mock_requests_total{method="GET",route="/nodes/{node}/vms",status="200"})"], 3);
  EXPECT_EQ(values[R"(oasis_mock_requests_total{method="POST",route="/nodes/{node}/vms",status="201"})"], 1);
  EXPECT_EQ(values[R"(oasis_mock_requests_total{method="POST",route="/nodes/{node}/vms",status="422"})"], 1);
  EXPECT_EQ(values[R"(oasis_mock_requests_total{method="GET",route="/nodes/{node}/vms/{vmid}",status="404"})"], 1);
  EXPECT_EQ(values[R"x(oasis_mock_requests_total{method="DELETE",route="(unmatched)",status="405"})x"], 1);
  EXPECT_EQ(values[R"x(oasis_mock_requests_total{method="GET",route="(unmatched)",status="404"})x"], 1);
  // Cumulative buckets, ending with +Inf == _count == every mocked request (9).
  ASSERT_GE(buckets.size(), 2u);
  for (std::size_t i = 1; i < buckets.size(); ++i) {
    EXPECT_GT(buckets[i].first, buckets[i - 1].first);
    EXPECT_GE(buckets[i].second, buckets[i - 1].second);
  }
  EXPECT_TRUE(std::isinf(buckets.back().first));
  EXPECT_EQ(buckets.back().second, 9);
  EXPECT_EQ(values["oasis_mock_request_duration_seconds_count"], 9);
  EXPECT_GT(values["oasis_mock_request_duration_seconds_sum"], 0);
}
