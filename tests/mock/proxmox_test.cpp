// The Proxmox profile, called directly over a hand-made excerpt of the PVE API in the importer's
// shape (tests/mock/data/pve-mini.json): envelope and error shapes, parameters from query, form
// and JSON, tickets (with an injected monotonic clock), CSRF tokens, API tokens, UPIDs, the task
// lifecycle, guests and /cluster/resources.
#include <oasis/mock/proxmox.hpp>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <regex>

using namespace oasis;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

struct Answer {
  int status = 0;
  std::string reason;
  std::string body;
  json::value json() const { return json::parse(body); }
  json::value data() const { return json().as_object().at("data"); }
};

class ProxmoxTest : public ::testing::Test {
 protected:
  void SetUp() override { start({}); }

  void start(mock::ProxmoxOptions opts) {
    auto r = spec::Document::load_file(std::string(OASIS_SOURCE_DIR) + "/tests/mock/data/pve-mini.json");
    for (const auto& d : r.diagnostics)
      if (d.error()) ADD_FAILURE() << d.to_string();
    ASSERT_TRUE(r.document);
    profile_.reset();
    mock_.reset();
    store_ = std::make_unique<mock::Store>();
    doc_ = std::move(r.document);
    mock_ = std::make_unique<mock::Mock>(*doc_, *store_);
    opts.clock = [this] { return now_; };
    opts.wall_clock = [this] { return wall_ + std::chrono::duration_cast<std::chrono::seconds>(now_ - epoch_).count(); };
    opts.key = "test key";
    profile_ = std::make_unique<mock::ProxmoxProfile>(*doc_, *mock_, *store_, opts);
  }

  Answer call(std::string method, std::string target, std::string body = {},
              std::vector<std::pair<std::string, std::string>> headers = {}) {
    method_ = std::move(method);
    target_ = "/api2/json" + std::move(target);
    body_ = std::move(body);
    headers_ = std::move(headers);
    http::Request req;
    req.set_method(method_);
    req.set_target(target_);
    req.mutable_headers().add("Host", "t");
    for (auto& [k, v] : headers_) req.mutable_headers().add(k, v);
    req.set_body(body_);
    http::Response res;
    profile_->handle(req, res);
    return Answer{res.status(), std::string(res.reason()), std::string(res.body())};
  }
  Answer json_call(std::string method, std::string target, const json::value& body, std::vector<std::pair<std::string, std::string>> h = {}) {
    h.push_back({"Content-Type", "application/json"});
    return call(std::move(method), std::move(target), json::serialize(body), std::move(h));
  }
  Answer form_call(std::string method, std::string target, std::string form, std::vector<std::pair<std::string, std::string>> h = {}) {
    h.push_back({"Content-Type", "application/x-www-form-urlencoded"});
    return call(std::move(method), std::move(target), std::move(form), std::move(h));
  }

  std::string create_vm(int vmid, std::string name = "web") {
    auto a = form_call("POST", "/nodes/pve/qemu", "vmid=" + std::to_string(vmid) + "&name=" + name + "&memory=1024&cores=2");
    EXPECT_EQ(a.status, 200) << a.reason << " " << a.body;
    return std::string(a.data().as_string());
  }
  void advance(std::chrono::milliseconds d) { now_ += d; }

  std::chrono::steady_clock::time_point epoch_ = std::chrono::steady_clock::time_point(std::chrono::hours(1000));
  std::chrono::steady_clock::time_point now_ = epoch_;
  std::int64_t wall_ = 1700000000;
  std::unique_ptr<spec::Document> doc_;
  std::unique_ptr<mock::Store> store_;
  std::unique_ptr<mock::Mock> mock_;
  std::unique_ptr<mock::ProxmoxProfile> profile_;
  std::string method_, target_, body_;
  std::vector<std::pair<std::string, std::string>> headers_;
};

const std::regex upid_re("^UPID:([a-zA-Z0-9-]+):([0-9A-F]{8}):([0-9A-F]{8}):([0-9A-F]{8}):([^:\\s]+):([^:\\s]*):([^:\\s]+):$");

}  // namespace

TEST(ProxmoxUpid, FormatsAndParsesEightUpperCaseHexDigits) {
  mock::Upid u{"pve", 0x1a2b, 0xbeef, 1700000000, "qmstart", "100", "root@pam"};
  std::string s = mock::format_upid(u);
  EXPECT_EQ(s, "UPID:pve:00001A2B:0000BEEF:6553F100:qmstart:100:root@pam:");
  EXPECT_TRUE(std::regex_match(s, upid_re));
  auto back = mock::parse_upid(s);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->node, "pve");
  EXPECT_EQ(back->pid, 0x1a2bu);
  EXPECT_EQ(back->pstart, 0xbeefu);
  EXPECT_EQ(back->starttime, 1700000000);
  EXPECT_EQ(back->type, "qmstart");
  EXPECT_EQ(back->id, "100");
  EXPECT_EQ(back->user, "root@pam");
  for (std::string bad : {"UPID:pve:1:2:3:qmstart:100:root@pam:", "UPID:pve:00001A2B:0000BEEF:6553F100:qmstart:100:root@pam",
                          "TASK:pve:00001A2B:0000BEEF:6553F100:qmstart:100:root@pam:", "UPID:p/e:00001A2B:0000BEEF:6553F100:x::u:"})
    EXPECT_FALSE(mock::parse_upid(bad)) << bad;
}

TEST(ProxmoxOptionsParsing, UsersTokensDurations) {
  auto u = mock::parse_proxmox_user("alice@pve:pa:ss");
  EXPECT_EQ(u.userid, "alice@pve");
  EXPECT_EQ(u.password, "pa:ss");
  auto t = mock::parse_proxmox_token("root@pam!ci=abc-123");
  EXPECT_EQ(t.tokenid, "root@pam!ci");
  EXPECT_EQ(t.secret, "abc-123");
  EXPECT_EQ(mock::parse_task_duration("2s"), 2000ms);
  EXPECT_EQ(mock::parse_task_duration("250ms"), 250ms);
  EXPECT_EQ(mock::parse_task_duration("0"), 0ms);
  EXPECT_THROW(mock::parse_proxmox_user("root:pw"), std::invalid_argument);
  EXPECT_THROW(mock::parse_proxmox_user("root@pam"), std::invalid_argument);
  EXPECT_THROW(mock::parse_proxmox_token("root@pam=secret"), std::invalid_argument);
  EXPECT_THROW(mock::parse_proxmox_token("root@pam!ci="), std::invalid_argument);
  EXPECT_THROW(mock::parse_task_duration("2 minutes"), std::invalid_argument);
  EXPECT_THROW(mock::parse_task_duration("2h"), std::invalid_argument);
}

TEST_F(ProxmoxTest, AnswersInTheDataEnvelope) {
  auto a = call("GET", "/version");
  ASSERT_EQ(a.status, 200) << a.body;
  ASSERT_TRUE(a.json().as_object().contains("data"));
  EXPECT_TRUE(a.data().as_object().contains("version"));
  auto nodes = call("GET", "/nodes");
  ASSERT_EQ(nodes.status, 200);
  ASSERT_EQ(nodes.data().as_array().size(), 1u);
  EXPECT_EQ(nodes.data().as_array()[0].as_object().at("node"), "pve");
  EXPECT_EQ(nodes.data().as_array()[0].as_object().at("status"), "online");
}

TEST_F(ProxmoxTest, ParameterErrorsAre400WithErrorsByParameter) {
  // A missing required parameter, a wrong type and an undeclared one, all at once.
  auto a = json_call("POST", "/nodes/pve/qemu", json::object{{"memory", "lots"}, {"colour", "blue"}});
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.reason, "Parameter verification failed.");
  auto o = a.json().as_object();
  EXPECT_TRUE(o.at("data").is_null());
  auto& e = o.at("errors").as_object();
  EXPECT_EQ(e.at("vmid"), "property is missing and it is not optional");
  EXPECT_NE(json::serialize(e.at("memory")).find("integer"), std::string::npos) << json::serialize(e);
  EXPECT_TRUE(e.contains("colour"));
  // A bad pattern (property string) and a bad boolean.
  auto b = form_call("POST", "/nodes/pve/qemu", "vmid=100&net0=bogus%3Dthing&onboot=maybe");
  EXPECT_EQ(b.status, 400) << b.body;
  EXPECT_TRUE(b.json().as_object().at("errors").as_object().contains("net0"));
  EXPECT_EQ(b.json().as_object().at("errors").as_object().at("onboot"), "type check ('boolean') failed - got 'maybe'");
  // Nothing was created.
  EXPECT_EQ(call("GET", "/nodes/pve/qemu").data().as_array().size(), 0u);
}

TEST_F(ProxmoxTest, OtherErrorsCarryTheMessageInTheReason) {
  auto a = call("GET", "/nodes/pve/qemu/4242/config");
  EXPECT_EQ(a.status, 404);
  EXPECT_EQ(a.reason, "Configuration file 'nodes/pve/qemu-server/4242.conf' does not exist");
  EXPECT_EQ(a.body, "{\"data\":null}");
  auto b = call("GET", "/no/such/thing");
  EXPECT_EQ(b.status, 501);
  EXPECT_EQ(b.reason, "Method 'GET /no/such/thing' not implemented");
  auto c = call("GET", "/nodes/elsewhere/qemu");
  EXPECT_EQ(c.status, 500);
  EXPECT_NE(c.reason.find("hostname lookup 'elsewhere' failed"), std::string::npos);
}

TEST_F(ProxmoxTest, ParametersFromQueryFormAndJsonAreOneSet) {
  // JSON body.
  ASSERT_EQ(json_call("POST", "/nodes/pve/qemu", json::object{{"vmid", 100}, {"name", "json"}, {"onboot", true}}).status, 200);
  // Form body.
  ASSERT_EQ(form_call("POST", "/nodes/pve/qemu", "vmid=101&name=form&onboot=1").status, 200);
  // Query string only (as some clients send POSTs).
  ASSERT_EQ(call("POST", "/nodes/pve/qemu?vmid=102&name=query&onboot=yes").status, 200);
  // Split over query and body.
  ASSERT_EQ(form_call("POST", "/nodes/pve/qemu?vmid=103", "name=split&memory=512").status, 200);
  for (auto [id, name] : std::vector<std::pair<std::string, std::string>>{{"100", "json"}, {"101", "form"}, {"102", "query"}, {"103", "split"}}) {
    auto cfg = call("GET", "/nodes/pve/qemu/" + id + "/config");
    ASSERT_EQ(cfg.status, 200) << id;
    EXPECT_EQ(cfg.data().as_object().at("name"), json::value(name));
    if (id != "103") {
      EXPECT_EQ(cfg.data().as_object().at("onboot"), 1) << "booleans are stored as 1/0, as Proxmox answers them";
    }
  }
  EXPECT_EQ(call("GET", "/nodes/pve/qemu/103/config").data().as_object().at("memory"), 512);
  // GET parameters come from the query; undeclared ones are refused.
  auto bad = call("GET", "/nodes/pve/tasks?colour=blue");
  EXPECT_EQ(bad.status, 400);
  EXPECT_TRUE(bad.json().as_object().at("errors").as_object().contains("colour"));
  EXPECT_EQ(call("GET", "/nodes/pve/tasks?_dc=12345").status, 200) << "the cache buster is dropped, as pveproxy does";
}

TEST_F(ProxmoxTest, PropertyStringsAreCheckedByTheirSubKeys) {
  auto err = [&](std::string net) {
    auto a = json_call("POST", "/nodes/pve/qemu", json::object{{"vmid", 150}, {"net1", net}});
    if (a.status == 200) return std::string();
    EXPECT_EQ(a.status, 400) << a.body;
    return std::string(a.json().as_object().at("errors").as_object().at("net1").as_string());
  };
  EXPECT_EQ(err("virtio,bridge=vmbr0,firewall=1,tag=10"), "") << "the default key (model) and known keys";
  call("DELETE", "/nodes/pve/qemu/150");
  advance(3s);
  EXPECT_EQ(err("e1000=AA:BB:CC:DD:EE:FF,bridge=vmbr1"), "") << "a key alias: model e1000 with its MAC";
  call("DELETE", "/nodes/pve/qemu/150");
  advance(3s);
  EXPECT_NE(err("virtio,colour=blue").find("'colour' is not defined"), std::string::npos);
  EXPECT_NE(err("virtio,firewall=maybe").find("boolean"), std::string::npos);
  EXPECT_NE(err("virtio,tag=5000").find("maximum"), std::string::npos);
  EXPECT_NE(err("virtio,tag=ten").find("integer"), std::string::npos);
  EXPECT_NE(err("token-ring").find("enumeration"), std::string::npos);
  EXPECT_NE(err("bridge=vmbr0").find("'model' is missing"), std::string::npos);
  EXPECT_NE(err("virtio,bridge=a,bridge=b").find("duplicate"), std::string::npos);
  // Indexed parameters not matching any pattern are still refused.
  auto a = form_call("POST", "/nodes/pve/qemu", "vmid=151&nett0=virtio");
  EXPECT_EQ(a.status, 400);
  EXPECT_TRUE(a.json().as_object().at("errors").as_object().contains("nett0"));
}

TEST_F(ProxmoxTest, TasksHaveUpidsAndRunForTheirDuration) {
  std::string upid = create_vm(100);
  std::smatch m;
  ASSERT_TRUE(std::regex_match(upid, m, upid_re)) << upid;
  EXPECT_EQ(m[1], "pve");
  EXPECT_EQ(m[5], "qmcreate");
  EXPECT_EQ(m[6], "100");
  EXPECT_EQ(m[7], "root@pam");

  auto start = form_call("POST", "/nodes/pve/qemu/100/status/start", "");
  ASSERT_EQ(start.status, 200) << start.body;
  std::string sup(start.data().as_string());
  ASSERT_TRUE(std::regex_match(sup, m, upid_re));
  EXPECT_EQ(m[5], "qmstart");
  EXPECT_NE(sup, upid);

  auto st = call("GET", "/nodes/pve/tasks/" + sup + "/status");
  ASSERT_EQ(st.status, 200) << st.reason;
  auto so = st.data().as_object();
  EXPECT_EQ(so.at("status"), "running");
  EXPECT_FALSE(so.contains("exitstatus"));
  EXPECT_EQ(so.at("upid"), json::value(sup));
  EXPECT_EQ(so.at("type"), "qmstart");
  EXPECT_EQ(so.at("id"), "100");
  EXPECT_EQ(so.at("user"), "root@pam");
  EXPECT_EQ(so.at("node"), "pve");
  EXPECT_TRUE(so.at("pid").is_number());
  EXPECT_TRUE(so.at("pstart").is_number());
  EXPECT_TRUE(so.at("starttime").is_number());
  // The VM is not running until the start task ends.
  EXPECT_EQ(call("GET", "/nodes/pve/qemu/100/status/current").data().as_object().at("status"), "stopped");

  advance(1999ms);
  EXPECT_EQ(call("GET", "/nodes/pve/tasks/" + sup + "/status").data().as_object().at("status"), "running");
  advance(1ms);
  auto done = call("GET", "/nodes/pve/tasks/" + sup + "/status").data().as_object();
  EXPECT_EQ(done.at("status"), "stopped");
  EXPECT_EQ(done.at("exitstatus"), "OK");
  auto cur = call("GET", "/nodes/pve/qemu/100/status/current").data().as_object();
  EXPECT_EQ(cur.at("status"), "running");
  EXPECT_EQ(cur.at("vmid"), 100);
  EXPECT_EQ(cur.at("name"), "web");
  EXPECT_EQ(cur.at("qmpstatus"), "running");
  advance(5000ms);
  EXPECT_GE(call("GET", "/nodes/pve/qemu/100/status/current").data().as_object().at("uptime").as_int64(), 5);

  // The log: numbered lines ending with TASK OK.
  auto log = call("GET", "/nodes/pve/tasks/" + sup + "/log");
  ASSERT_EQ(log.status, 200);
  auto lines = log.data().as_array();
  ASSERT_GE(lines.size(), 1u);
  EXPECT_EQ(lines[0].as_object().at("n"), 1);
  EXPECT_EQ(lines.back().as_object().at("t"), "TASK OK");
  EXPECT_EQ(log.json().as_object().at("total"), static_cast<std::int64_t>(lines.size()));
  auto limited = call("GET", "/nodes/pve/tasks/" + sup + "/log?start=1&limit=1").data().as_array();
  ASSERT_EQ(limited.size(), 1u);
  EXPECT_EQ(limited[0].as_object().at("n"), 2);
}

TEST_F(ProxmoxTest, TaskListsOnTheNodeAndTheCluster) {
  std::string a = create_vm(100);
  advance(3s);
  std::string b(form_call("POST", "/nodes/pve/qemu/100/status/start", "").data().as_string());
  auto list = call("GET", "/nodes/pve/tasks").data().as_array();
  ASSERT_EQ(list.size(), 2u);
  // Newest first; a finished task shows its end time and exit status.
  EXPECT_EQ(list[0].as_object().at("upid"), json::value(b));
  EXPECT_FALSE(list[0].as_object().contains("endtime"));
  EXPECT_EQ(list[1].as_object().at("upid"), json::value(a));
  EXPECT_EQ(list[1].as_object().at("status"), "OK");
  EXPECT_TRUE(list[1].as_object().contains("endtime"));
  EXPECT_EQ(call("GET", "/nodes/pve/tasks?typefilter=qmstart").data().as_array().size(), 1u);
  EXPECT_EQ(call("GET", "/nodes/pve/tasks?source=active").data().as_array().size(), 1u);
  EXPECT_EQ(call("GET", "/nodes/pve/tasks?limit=1").data().as_array().size(), 1u);
  EXPECT_EQ(call("GET", "/nodes/pve/tasks?vmid=101").data().as_array().size(), 0u);
  auto cluster = call("GET", "/cluster/tasks").data().as_array();
  ASSERT_EQ(cluster.size(), 2u);
  EXPECT_EQ(cluster[0].as_object().at("node"), "pve");
  // An unknown or malformed UPID.
  EXPECT_EQ(call("GET", "/nodes/pve/tasks/UPID:pve:00000001:00000002:6553F100:qmstart:100:root@pam:/status").status, 404);
  EXPECT_EQ(call("GET", "/nodes/pve/tasks/nonsense/status").status, 400);
  // Stopping a running task: it ends with an error, and its effect does not happen.
  std::string c(form_call("POST", "/nodes/pve/qemu/100/status/stop", "").data().as_string());
  EXPECT_EQ(call("DELETE", "/nodes/pve/tasks/" + c).status, 200);
  auto st = call("GET", "/nodes/pve/tasks/" + c + "/status").data().as_object();
  EXPECT_EQ(st.at("status"), "stopped");
  EXPECT_NE(st.at("exitstatus"), "OK");
}

TEST_F(ProxmoxTest, OtherOperationsThatReturnATaskGetOneToo) {
  auto a = form_call("POST", "/nodes/pve/vzdump", "all=1&mode=snapshot");
  ASSERT_EQ(a.status, 200) << a.body;
  std::smatch m;
  std::string upid(a.data().as_string());
  ASSERT_TRUE(std::regex_match(upid, m, upid_re)) << upid;
  EXPECT_EQ(m[5], "vzdump");
  EXPECT_GE(profile_->task_operations(), 10u);
}

TEST_F(ProxmoxTest, GuestsListConfigResourcesAndDelete) {
  create_vm(100, "web");
  ASSERT_EQ(form_call("POST", "/nodes/pve/lxc", "vmid=200&hostname=ct1&ostemplate=local%3Avztmpl%2Fdebian.tar.zst&memory=256").status, 200);
  auto list = call("GET", "/nodes/pve/qemu").data().as_array();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].as_object().at("vmid"), 100);
  EXPECT_EQ(list[0].as_object().at("name"), "web");
  EXPECT_EQ(list[0].as_object().at("status"), "stopped");
  EXPECT_EQ(list[0].as_object().at("maxmem"), 1024LL * 1048576);
  EXPECT_EQ(list[0].as_object().at("cpus"), 2);
  // Creating the same vmid again, of either type, fails.
  auto dup = form_call("POST", "/nodes/pve/lxc", "vmid=100&hostname=x");
  EXPECT_EQ(dup.status, 500);
  EXPECT_NE(dup.reason.find("already exists"), std::string::npos);

  auto cfg = call("GET", "/nodes/pve/qemu/100/config").data().as_object();
  EXPECT_EQ(cfg.at("name"), "web");
  EXPECT_EQ(cfg.at("memory"), 1024);
  EXPECT_EQ(cfg.at("cores"), 2);
  EXPECT_FALSE(cfg.contains("vmid"));
  ASSERT_TRUE(cfg.at("digest").is_string());
  // PUT changes it synchronously (null), POST through a task; delete= removes keys; a stale digest is refused.
  EXPECT_EQ(form_call("PUT", "/nodes/pve/qemu/100/config", "memory=4096&description=hello").data(), nullptr);
  EXPECT_EQ(call("GET", "/nodes/pve/qemu/100/config").data().as_object().at("memory"), 4096);
  auto post = form_call("POST", "/nodes/pve/qemu/100/config", "name=web2&delete=description");
  ASSERT_EQ(post.status, 200);
  EXPECT_TRUE(std::regex_match(std::string(post.data().as_string()), upid_re));
  auto cfg2 = call("GET", "/nodes/pve/qemu/100/config").data().as_object();
  EXPECT_EQ(cfg2.at("name"), "web2");
  EXPECT_FALSE(cfg2.contains("description"));
  EXPECT_EQ(form_call("PUT", "/nodes/pve/qemu/100/config", "memory=64&digest=0123").status, 500);
  EXPECT_EQ(call("GET", "/nodes/pve/qemu/100/config").data().as_object().at("memory"), 4096);

  auto res = call("GET", "/cluster/resources").data().as_array();
  bool vm = false, ct = false, node = false;
  for (const auto& r : res) {
    const auto& o = r.as_object();
    if (o.at("id") == "qemu/100") {
      vm = true;
      EXPECT_EQ(o.at("type"), "qemu");
      EXPECT_EQ(o.at("node"), "pve");
      EXPECT_EQ(o.at("name"), "web2");
      EXPECT_EQ(o.at("status"), "stopped");
      EXPECT_EQ(o.at("vmid"), 100);
    }
    if (o.at("id") == "lxc/200") ct = o.at("type") == "lxc" && o.at("name") == "ct1";
    if (o.at("id") == "node/pve") node = true;
  }
  EXPECT_TRUE(vm && ct && node);
  auto vms = call("GET", "/cluster/resources?type=vm").data().as_array();
  EXPECT_EQ(vms.size(), 2u);
  EXPECT_EQ(call("GET", "/cluster/resources?type=planet").status, 400);

  // A running VM cannot be destroyed; a stopped one goes when its task ends, with its config.
  form_call("POST", "/nodes/pve/qemu/100/status/start", "");
  advance(3s);
  EXPECT_EQ(call("DELETE", "/nodes/pve/qemu/100").status, 500);
  form_call("POST", "/nodes/pve/qemu/100/status/stop", "");
  advance(3s);
  auto del = call("DELETE", "/nodes/pve/qemu/100");
  ASSERT_EQ(del.status, 200) << del.reason;
  EXPECT_EQ(call("GET", "/nodes/pve/qemu/100/config").status, 200) << "still there while its destroy task runs";
  advance(3s);
  EXPECT_EQ(call("GET", "/nodes/pve/qemu/100/config").status, 404);
  EXPECT_EQ(call("GET", "/nodes/pve/qemu/100/status/current").status, 404);
  EXPECT_FALSE(store_->exists("/nodes/pve/qemu/100/config"));
  EXPECT_EQ(call("GET", "/nodes/pve/qemu").data().as_array().size(), 0u);
}

TEST_F(ProxmoxTest, CloneAndUnmodelledSubResources) {
  create_vm(100, "base");
  advance(3s);
  auto c = form_call("POST", "/nodes/pve/qemu/100/clone", "newid=101&name=copy");
  ASSERT_EQ(c.status, 200) << c.reason;
  EXPECT_EQ(call("GET", "/nodes/pve/qemu/101/config").status, 404) << "the clone appears when its task ends";
  advance(3s);
  EXPECT_EQ(call("GET", "/nodes/pve/qemu/101/config").data().as_object().at("name"), "copy");
  // A sub-resource the profile does not model: the Mock answers, inside the envelope; its own
  // parameter checks come out in Proxmox's shape.
  auto rrd = call("GET", "/nodes/pve/qemu/100/rrddata?timeframe=hour");
  ASSERT_EQ(rrd.status, 200) << rrd.reason << rrd.body;
  EXPECT_TRUE(rrd.data().is_array());
  auto bad = call("GET", "/nodes/pve/qemu/100/rrddata");
  EXPECT_EQ(bad.status, 400);
  EXPECT_TRUE(bad.json().as_object().at("errors").as_object().contains("timeframe"));
}

class ProxmoxAuthTest : public ProxmoxTest {
 protected:
  void SetUp() override {
    mock::ProxmoxOptions o;
    o.auth = true;
    o.users = {{"root@pam", "secret"}, {"alice@pve", "wonder"}};
    o.tokens = {{"root@pam!ci", "11111111-2222-3333-4444-555555555555"}};
    start(o);
  }
  std::pair<std::string, std::string> login(std::string user = "root@pam", std::string pw = "secret") {
    auto a = form_call("POST", "/access/ticket", "username=" + user + "&password=" + pw);
    EXPECT_EQ(a.status, 200) << a.reason;
    auto d = a.data().as_object();
    return {std::string(d.at("ticket").as_string()), std::string(d.at("CSRFPreventionToken").as_string())};
  }
};

TEST_F(ProxmoxAuthTest, TicketsLookRealAndOpenTheApi) {
  auto a = json_call("POST", "/access/ticket", json::object{{"username", "root@pam"}, {"password", "secret"}});
  ASSERT_EQ(a.status, 200) << a.reason;
  auto d = a.data().as_object();
  EXPECT_EQ(d.at("username"), "root@pam");
  EXPECT_TRUE(d.at("cap").is_object());
  std::string ticket(d.at("ticket").as_string()), csrf(d.at("CSRFPreventionToken").as_string());
  EXPECT_TRUE(std::regex_match(ticket, std::regex("^PVE:root@pam:[0-9A-F]{8}::[A-Za-z0-9+/]+$"))) << ticket;
  EXPECT_TRUE(std::regex_match(csrf, std::regex("^[0-9A-F]{8}:[A-Za-z0-9+/]+$"))) << csrf;
  // username without realm plus realm=.
  EXPECT_EQ(form_call("POST", "/access/ticket", "username=alice&realm=pve&password=wonder").status, 200);

  EXPECT_EQ(call("GET", "/nodes", {}, {{"Cookie", "PVEAuthCookie=" + ticket}}).status, 200);
  // Tickets are percent-encoded by some clients.
  std::string enc;
  for (char c : ticket) enc += c == ':' ? std::string("%3A") : c == '+' ? std::string("%2B") : std::string(1, c);
  EXPECT_EQ(call("GET", "/nodes", {}, {{"Cookie", "other=1; PVEAuthCookie=" + enc}}).status, 200);
  // Writes need the CSRF token as well.
  auto no_csrf = form_call("POST", "/nodes/pve/qemu", "vmid=100", {{"Cookie", "PVEAuthCookie=" + ticket}});
  EXPECT_EQ(no_csrf.status, 401);
  EXPECT_EQ(no_csrf.reason, "Permission denied - invalid csrf token");
  EXPECT_TRUE(no_csrf.body.empty());
  EXPECT_EQ(form_call("POST", "/nodes/pve/qemu", "vmid=100", {{"Cookie", "PVEAuthCookie=" + ticket}, {"CSRFPreventionToken", csrf + "x"}}).status, 401);
  auto [alice_ticket, alice_csrf] = login("alice@pve", "wonder");
  EXPECT_EQ(form_call("POST", "/nodes/pve/qemu", "vmid=100", {{"Cookie", "PVEAuthCookie=" + ticket}, {"CSRFPreventionToken", alice_csrf}}).status, 401)
      << "a CSRF token is bound to its user";
  auto ok = form_call("POST", "/nodes/pve/qemu", "vmid=100", {{"Cookie", "PVEAuthCookie=" + ticket}, {"CSRFPreventionToken", csrf}});
  ASSERT_EQ(ok.status, 200) << ok.reason;
  EXPECT_NE(std::string(ok.data().as_string()).find(":root@pam:"), std::string::npos);
  // Alice's tasks carry her name.
  auto hers = form_call("POST", "/nodes/pve/qemu/100/status/start", "", {{"Cookie", "PVEAuthCookie=" + alice_ticket}, {"CSRFPreventionToken", alice_csrf}});
  ASSERT_EQ(hers.status, 200);
  EXPECT_NE(std::string(hers.data().as_string()).find(":alice@pve:"), std::string::npos);
}

TEST_F(ProxmoxAuthTest, MissingWrongOrForgedCredentialsAre401) {
  auto none = call("GET", "/nodes");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.reason, "No ticket");
  auto wrong = form_call("POST", "/access/ticket", "username=root@pam&password=nope");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.reason, "authentication failure");
  EXPECT_EQ(wrong.body, "{\"data\":null}");
  EXPECT_EQ(form_call("POST", "/access/ticket", "username=mallory@pam&password=secret").status, 401);
  auto [ticket, csrf] = login();
  std::string forged = ticket;
  forged[forged.size() - 2] = forged[forged.size() - 2] == 'A' ? 'B' : 'A';
  auto f = call("GET", "/nodes", {}, {{"Cookie", "PVEAuthCookie=" + forged}});
  EXPECT_EQ(f.status, 401);
  EXPECT_EQ(f.reason, "permission denied - invalid PVE ticket");
  // Another user's name in a ticket with a copied signature.
  std::string other = "PVE:alice@pve:" + ticket.substr(13);
  EXPECT_EQ(call("GET", "/nodes", {}, {{"Cookie", "PVEAuthCookie=" + other}}).status, 401);
}

TEST_F(ProxmoxAuthTest, TicketsExpireAfterTwoHoursOnTheMonotonicClock) {
  auto [ticket, csrf] = login();
  advance(std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::hours(2)) - 1ms);
  EXPECT_EQ(call("GET", "/nodes", {}, {{"Cookie", "PVEAuthCookie=" + ticket}}).status, 200);
  // Renewing: the ticket stands for the password and gives a fresh one.
  auto renew = form_call("POST", "/access/ticket", "username=root@pam&password=" + ticket);
  ASSERT_EQ(renew.status, 200) << renew.reason;
  std::string fresh(renew.data().as_object().at("ticket").as_string());
  advance(1ms);
  auto expired = call("GET", "/nodes", {}, {{"Cookie", "PVEAuthCookie=" + ticket}});
  EXPECT_EQ(expired.status, 401);
  EXPECT_EQ(expired.reason, "permission denied - invalid PVE ticket");
  EXPECT_EQ(form_call("POST", "/access/ticket", "username=root@pam&password=" + ticket).status, 401);
  EXPECT_EQ(call("GET", "/nodes", {}, {{"Cookie", "PVEAuthCookie=" + fresh}}).status, 200);
}

TEST_F(ProxmoxAuthTest, ApiTokensNeedNoCsrf) {
  std::string good = "PVEAPIToken=root@pam!ci=11111111-2222-3333-4444-555555555555";
  auto a = form_call("POST", "/nodes/pve/qemu", "vmid=100&name=tok", {{"Authorization", good}});
  ASSERT_EQ(a.status, 200) << a.reason;
  EXPECT_NE(std::string(a.data().as_string()).find(":root@pam!ci:"), std::string::npos) << "the task's user is the token";
  EXPECT_EQ(call("GET", "/nodes/pve/qemu", {}, {{"Authorization", good}}).data().as_array().size(), 1u);
  auto bad = call("GET", "/nodes", {}, {{"Authorization", "PVEAPIToken=root@pam!ci=wrong"}});
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(call("GET", "/nodes", {}, {{"Authorization", "PVEAPIToken=root@pam!other=11111111-2222-3333-4444-555555555555"}}).status, 401);
  EXPECT_EQ(call("GET", "/nodes", {}, {{"Authorization", "Bearer x"}}).status, 401);
}

TEST(ProxmoxState, GuestsAndTasksPersistInTheStore) {
  auto path = std::filesystem::temp_directory_path() / ("oasis-pve-" + std::to_string(::getpid()) + ".db");
  std::filesystem::remove(path);
  auto r = spec::Document::load_file(std::string(OASIS_SOURCE_DIR) + "/tests/mock/data/pve-mini.json");
  ASSERT_TRUE(r.document);
  std::string upid;
  {
    mock::Store store(path.string());
    mock::Mock m(*r.document, store);
    mock::ProxmoxProfile p(*r.document, m, store, {});
    http::Request req;
    std::string body = "vmid=100&name=kept", target = "/api2/json/nodes/pve/qemu";
    req.set_method("POST");
    req.set_target(target);
    req.mutable_headers().add("Content-Type", "application/x-www-form-urlencoded");
    req.set_body(body);
    http::Response res;
    p.handle(req, res);
    ASSERT_EQ(res.status(), 200);
    upid = std::string(json::parse(res.body()).as_object().at("data").as_string());
  }
  mock::Store store(path.string());
  mock::Mock m(*r.document, store);
  mock::ProxmoxProfile p(*r.document, m, store, {});
  auto get = [&](std::string target) {
    http::Request req;
    req.set_method("GET");
    req.set_target(target);
    http::Response res;
    p.handle(req, res);
    EXPECT_EQ(res.status(), 200) << target << " " << res.reason();
    return json::parse(res.body()).as_object().at("data");
  };
  EXPECT_EQ(get("/api2/json/nodes/pve/qemu/100/config").as_object().at("name"), "kept");
  // The task was running when the mock stopped: after the restart it has ended.
  auto st = get("/api2/json/nodes/pve/tasks/" + upid + "/status").as_object();
  EXPECT_EQ(st.at("status"), "stopped");
  EXPECT_EQ(st.at("exitstatus"), "OK");
  EXPECT_EQ(get("/api2/json/nodes").as_array().size(), 1u) << "no generated nodes on top of the configured one";
  for (const char* tail : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + tail);
}
