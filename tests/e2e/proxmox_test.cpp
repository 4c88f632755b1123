// End-to-end: `oasis import proxmox` turns the official PVE schema into pve.json, and
// `oasis mock pve.json --profile proxmox --auth` answers a client that speaks raw HTTP the way a
// Proxmox VE cluster would: log in, create a VM, start it, poll its task with exponential backoff
// until stopped/OK, read status running, change its config, stop it, delete it, see 404.
#include "e2e/support.hpp"

#include <support/specs.hpp>

#include <boost/json.hpp>

#include <unistd.h>

#include <filesystem>
#include <regex>

using namespace oasis_test;
namespace json = boost::json;

namespace {

struct Session {
  std::string ticket, csrf;
};

std::string request(const std::string& method, const std::string& path, const Session* s, const std::string& form = {}) {
  std::string r = method + " /api2/json" + path + " HTTP/1.1\r\nHost: pve\r\n";
  if (s) {
    r += "Cookie: PVEAuthCookie=" + s->ticket + "\r\n";
    if (method != "GET") r += "CSRFPreventionToken: " + s->csrf + "\r\n";
  }
  if (!form.empty() || method == "POST" || method == "PUT")
    r += "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + std::to_string(form.size()) + "\r\n";
  return r + "\r\n" + form;
}

// The status line's reason phrase ("HTTP/1.1 404 Configuration file ... does not exist").
std::string reason(const RawResponse& r) {
  auto eol = r.head.find("\r\n");
  return eol == std::string::npos || eol < 13 ? std::string() : r.head.substr(13, eol - 13);
}

RawResponse must(Client& c, const std::string& bytes) {
  EXPECT_TRUE(c.send(bytes));
  auto r = c.read_response();
  if (!r) throw std::runtime_error("no response to " + bytes.substr(0, bytes.find('\r')));
  return *r;
}

json::value data(const RawResponse& r) { return json::parse(r.body).as_object().at("data"); }

// Polls a task's status with exponential backoff (20 ms doubling, at most 500 ms between polls)
// until it has stopped; returns its last status.
json::object wait_task(Client& c, const Session& s, const std::string& upid, int* polls) {
  auto delay = std::chrono::milliseconds(20);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (;;) {
    auto r = must(c, request("GET", "/nodes/pve/tasks/" + upid + "/status", &s));
    EXPECT_EQ(r.status, 200) << reason(r);
    ++*polls;
    auto st = data(r).as_object();
    if (st.at("status") == "stopped") return st;
    EXPECT_EQ(st.at("status"), "running");
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("task never stopped: " + upid);
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, std::chrono::milliseconds(500));
  }
}

}  // namespace

TEST(ProxmoxE2e, ClusterLifecycleOverRawHttp) {
  OASIS_REQUIRE_SPECS();
  auto dir = std::filesystem::temp_directory_path() / ("oasis-pve-e2e-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string pve = (dir / "pve.json").string();
  {
    Process imp({binary("oasis"), "import", "proxmox", (specs_dir() / "pve-apidata.js").string(), "-o", pve});
    ASSERT_EQ(imp.wait(std::chrono::seconds(60)), 0) << imp.output();
  }
  ASSERT_TRUE(std::filesystem::exists(pve));

  Process p({binary("oasis"), "mock", pve, "--profile", "proxmox", "--auth", "--port", "0", "--task-duration", "300ms",
             "--user", "root@pam:e2e-secret"});
  int port = p.wait_for_port();
  Client c(port);

  // Nothing without a ticket; a wrong password is refused.
  auto anon = must(c, request("GET", "/nodes", nullptr));
  EXPECT_EQ(anon.status, 401);
  EXPECT_EQ(reason(anon), "No ticket");
  auto wrong = must(c, request("POST", "/access/ticket", nullptr, "username=root%40pam&password=nope"));
  EXPECT_EQ(wrong.status, 401);

  // Log in.
  auto login = must(c, request("POST", "/access/ticket", nullptr, "username=root%40pam&password=e2e-secret"));
  ASSERT_EQ(login.status, 200) << reason(login) << login.body;
  Session s;
  {
    auto d = data(login).as_object();
    s.ticket = std::string(d.at("ticket").as_string());
    s.csrf = std::string(d.at("CSRFPreventionToken").as_string());
    EXPECT_EQ(d.at("username"), "root@pam");
  }
  EXPECT_TRUE(std::regex_match(s.ticket, std::regex("^PVE:root@pam:[0-9A-F]{8}::\\S+$"))) << s.ticket;
  // A write without the CSRF token is refused even with the ticket.
  {
    Session no_csrf{s.ticket, ""};
    std::string bytes = request("POST", "/nodes/pve/qemu", &no_csrf, "vmid=100&name=web");
    bytes = std::regex_replace(bytes, std::regex("CSRFPreventionToken: \r\n"), "");
    EXPECT_EQ(must(c, bytes).status, 401);
  }

  // Create a VM: the answer is a task.
  const std::regex upid_re("^UPID:pve:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:([a-z]+):([0-9]*):root@pam:$");
  auto created = must(c, request("POST", "/nodes/pve/qemu", &s,
                                 "vmid=100&name=web&memory=2048&cores=2&net0=virtio%2Cbridge%3Dvmbr0&scsi0=local-lvm%3A32"));
  ASSERT_EQ(created.status, 200) << reason(created) << created.body;
  std::string create_upid(data(created).as_string());
  std::smatch m;
  ASSERT_TRUE(std::regex_match(create_upid, m, upid_re)) << create_upid;
  EXPECT_EQ(m[1], "qmcreate");
  EXPECT_EQ(m[2], "100");
  int polls = 0;
  EXPECT_EQ(wait_task(c, s, create_upid, &polls).at("exitstatus"), "OK");

  // A bad parameter: pveproxy's 400 with errors by parameter.
  auto bad = must(c, request("POST", "/nodes/pve/qemu", &s, "vmid=12&net0=bogus-model"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(reason(bad), "Parameter verification failed.");
  {
    auto o = json::parse(bad.body).as_object();
    EXPECT_TRUE(o.at("data").is_null());
    EXPECT_TRUE(o.at("errors").as_object().contains("vmid"));
    EXPECT_TRUE(o.at("errors").as_object().contains("net0"));
  }

  // It is listed on the node and in the cluster's resources.
  auto list = data(must(c, request("GET", "/nodes/pve/qemu", &s))).as_array();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].as_object().at("name"), "web");
  bool in_resources = false;
  auto resources = data(must(c, request("GET", "/cluster/resources?type=vm", &s)));
  for (const auto& r : resources.as_array())
    if (r.as_object().at("id") == "qemu/100") in_resources = r.as_object().at("node") == "pve";
  EXPECT_TRUE(in_resources);

  // Start it, poll the task to stopped/OK, read status running.
  auto start = must(c, request("POST", "/nodes/pve/qemu/100/status/start", &s));
  ASSERT_EQ(start.status, 200) << reason(start);
  std::string start_upid(data(start).as_string());
  ASSERT_TRUE(std::regex_match(start_upid, m, upid_re));
  EXPECT_EQ(m[1], "qmstart");
  polls = 0;
  auto done = wait_task(c, s, start_upid, &polls);
  EXPECT_EQ(done.at("exitstatus"), "OK");
  EXPECT_EQ(done.at("type"), "qmstart");
  EXPECT_GE(polls, 2) << "a 300 ms task is still running at the first poll";
  auto current = data(must(c, request("GET", "/nodes/pve/qemu/100/status/current", &s))).as_object();
  EXPECT_EQ(current.at("status"), "running");
  EXPECT_EQ(current.at("vmid"), 100);
  // The task is in the node's list and the cluster's, and has a log.
  bool listed = false;
  auto tasks = data(must(c, request("GET", "/nodes/pve/tasks", &s)));
  for (const auto& t : tasks.as_array())
    if (t.as_object().at("upid") == json::value(start_upid)) listed = t.as_object().at("status") == "OK";
  EXPECT_TRUE(listed);
  EXPECT_GE(data(must(c, request("GET", "/cluster/tasks", &s))).as_array().size(), 2u);
  auto log = data(must(c, request("GET", "/nodes/pve/tasks/" + start_upid + "/log", &s))).as_array();
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(log.back().as_object().at("t"), "TASK OK");

  // Change its config.
  auto put = must(c, request("PUT", "/nodes/pve/qemu/100/config", &s, "memory=4096&description=changed&onboot=1"));
  ASSERT_EQ(put.status, 200) << reason(put) << put.body;
  auto config = data(must(c, request("GET", "/nodes/pve/qemu/100/config", &s))).as_object();
  EXPECT_EQ(json::serialize(config.at("memory")).find("4096") != std::string::npos, true) << json::serialize(config);
  EXPECT_EQ(config.at("description"), "changed");
  EXPECT_EQ(config.at("onboot"), 1);
  EXPECT_EQ(config.at("name"), "web");

  // Stop it.
  auto stop = must(c, request("POST", "/nodes/pve/qemu/100/status/stop", &s));
  ASSERT_EQ(stop.status, 200) << reason(stop);
  EXPECT_EQ(wait_task(c, s, std::string(data(stop).as_string()), &polls).at("exitstatus"), "OK");
  EXPECT_EQ(data(must(c, request("GET", "/nodes/pve/qemu/100/status/current", &s))).as_object().at("status"), "stopped");

  // Delete it (a task too), then it is gone: 404 with Proxmox's message as the reason.
  auto del = must(c, request("DELETE", "/nodes/pve/qemu/100", &s));
  ASSERT_EQ(del.status, 200) << reason(del) << del.body;
  std::string del_upid(data(del).as_string());
  ASSERT_TRUE(std::regex_match(del_upid, m, upid_re));
  EXPECT_EQ(m[1], "qmdestroy");
  EXPECT_EQ(wait_task(c, s, del_upid, &polls).at("exitstatus"), "OK");
  auto gone = must(c, request("GET", "/nodes/pve/qemu/100/status/current", &s));
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(reason(gone), "Configuration file 'nodes/pve/qemu-server/100.conf' does not exist");
  EXPECT_EQ(must(c, request("GET", "/nodes/pve/qemu/100/config", &s)).status, 404);
  EXPECT_TRUE(data(must(c, request("GET", "/nodes/pve/qemu", &s))).as_array().empty());

  p.kill(SIGTERM);
  p.wait();
  std::filesystem::remove_all(dir);
}
