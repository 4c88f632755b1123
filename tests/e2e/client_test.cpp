// End-to-end: oasis::Client against a real `oasis mock` — on the small Proxmox-like document of
// bench/client (VMs given by --data) and on the OpenAPI petstore-expanded example. Create, list,
// get, update, delete and 404, as exceptions and as typed results; async with then/when_all;
// a coroutine; 200 pipelined GETs each matched to its own answer; path navigation.
#include "e2e/support.hpp"
#include "support/specs.hpp"

#include <oasis/client/client.hpp>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>

namespace json = boost::json;
using oasis::client::Call;
using oasis::client::ClientOptions;
using oasis::client::Error;
using oasis::client::Response;
using oasis_test::Process;

namespace {

constexpr int kVms = 100;
constexpr std::int64_t kFirstVmid = 100;

Call make_call(std::string method, std::string path, std::optional<json::value> body = std::nullopt) {
  Call c;
  c.method = std::move(method);
  c.path = std::move(path);
  c.json = std::move(body);
  return c;
}

std::string pve_spec() { return std::string(OASIS_SOURCE_DIR) + "/bench/client/pve-small.yaml"; }

// The --data file: kVms VMs on node pve (vmid 100...) with a config each.
std::filesystem::path write_pve_data() {
  json::array vms;
  json::object data;
  for (int i = 0; i < kVms; ++i) {
    std::int64_t vmid = kFirstVmid + i;
    std::string name = "vm-" + std::to_string(vmid);
    vms.push_back(json::object{{"vmid", vmid}, {"name", name}, {"status", i % 2 ? "running" : "stopped"}, {"cpus", 1 + i % 4}});
    data["/nodes/pve/qemu/" + std::to_string(vmid) + "/config"] =
        json::object{{"data", json::object{{"name", name}, {"memory", 1024 * (1 + i % 4)}, {"cores", 1 + i % 4}}}};
  }
  data["/nodes/pve/qemu"] = std::move(vms);
  auto path = std::filesystem::temp_directory_path() / ("oasis-client-e2e-" + std::to_string(getpid()) + ".json");
  std::ofstream(path) << json::serialize(data);
  return path;
}

// One mock on the Proxmox-like document for every test of the suite.
class ClientE2e : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_ = new std::filesystem::path(write_pve_data());
    mock_ = new Process({oasis_test::binary("oasis"), "mock", pve_spec(), "--port", "0", "--threads", "2", "--seed-items", "0",
                         "--data", data_->string()});
    port_ = mock_->wait_for_port();
  }
  static void TearDownTestSuite() {
    delete mock_;
    std::filesystem::remove(*data_);
    delete data_;
  }
  static ClientOptions options() {
    ClientOptions o;
    o.base_url = "http://127.0.0.1:" + std::to_string(port_) + "/api2/json";
    o.body_format = oasis::client::BodyFormat::json;
    o.retry.max_retries = 0;
    return o;
  }
  static std::string vm_name(std::int64_t vmid) { return "vm-" + std::to_string(vmid); }

  static inline Process* mock_ = nullptr;
  static inline std::filesystem::path* data_ = nullptr;
  static inline int port_ = 0;
};

oasis::Future<std::string> first_vm_config_name(oasis::Client& api) {
  Response list = co_await api.async_get("/nodes/pve/qemu");
  std::int64_t vmid = list.data().as_array().at(0).at("vmid").to_number<std::int64_t>();
  Response config = co_await api["nodes"]["pve"]["qemu"](static_cast<long long>(vmid))["config"].async_get();
  co_return std::string(config.data().at("name").as_string());
}

}  // namespace

TEST_F(ClientE2e, CrudWithExceptions) {
  oasis::Client api(options());
  auto qemu = api["nodes"]["pve"]["qemu"];
  Response created = qemu.post({{"vmid", 4242}, {"name", "fresh"}, {"memory", 512}, {"description", nullptr}});
  EXPECT_EQ(created.status(), 200);
  EXPECT_EQ(created.json().at("vmid").to_number<std::int64_t>(), 4242);
  EXPECT_FALSE(created.json().as_object().contains("description"));  // nulls are dropped

  Response list = qemu.get();
  const auto& vms = list.data().as_array();
  EXPECT_EQ(vms.size(), static_cast<std::size_t>(kVms + 1));
  bool listed = false;
  for (const auto& vm : vms) listed = listed || vm.at("vmid").to_number<std::int64_t>() == 4242;
  EXPECT_TRUE(listed) << list.body();

  Response got = qemu(4242).get();
  EXPECT_EQ(got.json().at("name").as_string(), "fresh");
  EXPECT_FALSE(got.header("ETag").empty());

  Response updated = qemu(4242)["config"].put({{"name", "renamed"}, {"memory", 2048}});
  EXPECT_EQ(updated.status(), 200);
  Response config = qemu(4242)["config"].get();
  EXPECT_EQ(config.data().at("name").as_string(), "renamed");
  EXPECT_EQ(config.data().at("memory").to_number<std::int64_t>(), 2048);

  EXPECT_EQ(qemu(4242).del().status(), 200);
  for (auto path : {qemu(4242), qemu(4242)["config"]}) {
    try {
      path.get();
      ADD_FAILURE() << path.str() << " still answers after the delete";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), Error::Kind::http);
      EXPECT_EQ(e.status(), 404) << path.str();
      EXPECT_NE(e.body().find("no such item"), std::string::npos) << e.body();
    }
  }
  // Bad input: a create without the required vmid is refused with the mock's problem body.
  try {
    qemu.post({{"name", "no id"}});
    ADD_FAILURE() << "a create without vmid was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_NE(e.body().find("vmid"), std::string::npos) << e.body();
  }
  EXPECT_EQ(qemu.get().data().as_array().size(), static_cast<std::size_t>(kVms));
}

TEST_F(ClientE2e, CrudWithTypedResults) {
  oasis::Client api(options());
  auto ok = api.call(make_call("POST", "/nodes/pve/qemu", json::object{{"vmid", 4343}, {"name", "typed"}}));
  ASSERT_TRUE(ok.ok()) << ok.error().what();
  EXPECT_EQ(ok.value().json().at("name").as_string(), "typed");
  auto got = api.call(make_call("GET", "/nodes/pve/qemu/4343"));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->json().at("vmid").to_number<std::int64_t>(), 4343);
  auto del = api.call(make_call("DELETE", "/nodes/pve/qemu/4343"));
  ASSERT_TRUE(del);
  auto gone = api.call(make_call("GET", "/nodes/pve/qemu/4343"));
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().kind(), Error::Kind::http);
  EXPECT_EQ(gone.error().status(), 404);
  EXPECT_THROW(gone.value(), Error);
  auto unknown = api.call(make_call("GET", "/nodes/pve/lxc"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().status(), 404);

  // With throw_on_http_error = false a 4xx is an ordinary response.
  ClientOptions o = options();
  o.throw_on_http_error = false;
  oasis::Client lenient(o);
  Response r = lenient.get("/nodes/pve/qemu/4343");
  EXPECT_EQ(r.status(), 404);
  EXPECT_FALSE(r.ok());
}

TEST_F(ClientE2e, AsyncThenAndWhenAll) {
  oasis::Client api(options());
  auto count = api.async_get("/nodes/pve/qemu").then([](const Response& r) { return r.data().as_array().size(); });
  std::vector<oasis::Future<Response>> fs;
  for (std::int64_t vmid = kFirstVmid; vmid < kFirstVmid + 10; ++vmid) fs.push_back(api.async_get("/nodes/pve/qemu/" + std::to_string(vmid)));
  auto all = oasis::when_all(std::move(fs)).get();
  ASSERT_EQ(all.size(), 10u);
  for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].json().at("name").as_string(), vm_name(kFirstVmid + static_cast<std::int64_t>(i)));
  EXPECT_EQ(count.get(), static_cast<std::size_t>(kVms));
  // One failure fails the gathering with that error.
  auto bad = oasis::when_all(std::vector{api.async_get("/nodes/pve/qemu/100"), api.async_get("/nodes/pve/qemu/99999")});
  try {
    bad.get();
    ADD_FAILURE() << "when_all hid a 404";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), 404);
  }
}

TEST_F(ClientE2e, Coroutine) {
  oasis::Client api(options());
  EXPECT_EQ(first_vm_config_name(api).get(), vm_name(kFirstVmid));
}

TEST_F(ClientE2e, PipelinedBatchMatchesEveryResponseToItsRequest) {
  ClientOptions o = options();
  o.transport.max_connections = 2;
  o.transport.pipeline_depth = 16;
  oasis::Client api(o);
  // 200 GETs at once over two connections: each VM and each VM's config.
  std::vector<oasis::Future<Response>> fs;
  for (int i = 0; i < 200; ++i) {
    std::int64_t vmid = kFirstVmid + i / 2;
    fs.push_back(i % 2 ? api["nodes"]["pve"]["qemu"](static_cast<long long>(vmid))["config"].async_get()
                       : api.async_get("/nodes/pve/qemu/" + std::to_string(vmid)));
  }
  auto all = oasis::when_all(std::move(fs)).get();
  ASSERT_EQ(all.size(), 200u);
  for (int i = 0; i < 200; ++i) {
    std::int64_t vmid = kFirstVmid + i / 2;
    const Response& r = all[static_cast<std::size_t>(i)];
    ASSERT_EQ(r.status(), 200) << i;
    if (i % 2) {
      EXPECT_EQ(r.data().at("name").as_string(), vm_name(vmid)) << "request " << i << " got " << r.body();
      EXPECT_EQ(r.data().at("memory").to_number<std::int64_t>(), 1024 * (1 + (i / 2) % 4)) << i;
    } else {
      EXPECT_EQ(r.json().at("vmid").to_number<std::int64_t>(), vmid) << "request " << i << " got " << r.body();
    }
  }
  auto st = api.transport_stats();
  EXPECT_LE(st.connections_opened, 2u);
  EXPECT_EQ(st.requests_resent, 0u);
  EXPECT_EQ(st.responses_received, 200u);
}

TEST_F(ClientE2e, PathNavigation) {
  oasis::Client api(options());
  auto p = api["nodes"]["pve"]["qemu"](100)["config"];
  EXPECT_EQ(p.str(), "/nodes/pve/qemu/100/config");
  Response r = p.get();
  EXPECT_EQ(r.data().at("name").as_string(), "vm-100");
  EXPECT_EQ(api["nodes/pve/qemu"](101).get().json().at("name").as_string(), "vm-101");
  // One segment is encoded whole: "pve/qemu" is not two segments, so nothing is found.
  auto q = api["nodes"]("pve/qemu");
  EXPECT_EQ(q.str(), "/nodes/pve%2Fqemu");
  try {
    q.get();
    ADD_FAILURE() << "an encoded slash was taken as a separator";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), 404);
  }
}

TEST(ClientE2ePetstore, CrudAndErrors) {
  OASIS_REQUIRE_SPECS();
  Process mock({oasis_test::binary("oasis"), "mock", (oasis_test::specs_dir() / "oai" / "petstore-expanded.yaml").string(), "--port", "0"});
  std::string url = mock.wait_for_line(R"(listening on (http://\S+))");
  ClientOptions o;
  o.base_url = url;
  o.body_format = oasis::client::BodyFormat::json;
  o.retry.max_retries = 0;
  oasis::Client api(o);

  Response created = api.post_json("/pets", json::object{{"name", "Rex"}, {"tag", "dog"}});
  EXPECT_EQ(created.status(), 200);
  std::int64_t id = created.json().at("id").to_number<std::int64_t>();
  Response list = api.get("/pets");
  bool listed = false;
  for (const auto& pet : list.json().as_array()) listed = listed || pet.at("id").to_number<std::int64_t>() == id;
  EXPECT_TRUE(listed) << list.body();
  EXPECT_EQ(api["pets"](static_cast<long long>(id)).get().json().at("name").as_string(), "Rex");
  // petstore-expanded has no update operation: a PUT is 405.
  auto put = api.call(make_call("PUT", "/pets/" + std::to_string(id), json::object{{"name", "Max"}}));
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().status(), 405);
  EXPECT_EQ(api["pets"](static_cast<long long>(id)).del().status(), 204);
  auto gone = api.call(make_call("GET", "/pets/" + std::to_string(id)));
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().status(), 404);
  EXPECT_THROW(api["pets"](static_cast<long long>(id)).get(), Error);
  // A pet without its required name is refused, and nothing is created.
  std::size_t before = api.get("/pets").json().as_array().size();
  try {
    api.post_json("/pets", json::object{{"tag", "cat"}});
    ADD_FAILURE() << "a pet without a name was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_NE(e.body().find("name"), std::string::npos) << e.body();
  }
  EXPECT_EQ(api.get("/pets").json().as_array().size(), before);
  // A pipelined batch against the petstore too: every answer is the pet asked for.
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 20; ++i) ids.push_back(api.post_json("/pets", json::object{{"name", "p" + std::to_string(i)}}).json().at("id").to_number<std::int64_t>());
  std::vector<oasis::Future<Response>> fs;
  for (int round = 0; round < 5; ++round)
    for (auto pid : ids) fs.push_back(api.async_get("/pets/" + std::to_string(pid)));
  auto all = oasis::when_all(std::move(fs)).get();
  for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].json().at("name").as_string(), "p" + std::to_string(i % ids.size()));
}
