// End-to-end: `oasis proxy` in front of `oasis mock` and in front of a deliberately wrong
// upstream (a raw-socket server in this file that counts what reaches it and answers with
// bodies that break the schema, undeclared statuses, wrong content types, or too slowly).
#include "e2e/support.hpp"

#include <support/loopback.hpp>

#include <boost/json.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <set>

using namespace oasis_test;
namespace json = boost::json;

namespace {

std::string pets_spec() { return std::string(OASIS_SOURCE_DIR) + "/tests/proxy/pets.yaml"; }

std::string req(const std::string& method, const std::string& target, const std::string& body = {},
                const std::string& extra = {}) {
  std::string r = method + " " + target + " HTTP/1.1\r\nHost: proxy.test\r\n" + extra;
  if (!body.empty()) r += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  return r + "\r\n" + body;
}

std::string answer(int status, const std::string& content_type, const std::string& body, const std::string& extra = {}) {
  std::string r = "HTTP/1.1 " + std::to_string(status) + " X\r\n" + extra;
  if (!content_type.empty()) r += "Content-Type: " + content_type + "\r\n";
  return r + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// A small HTTP/1.1 server on raw sockets: one thread per connection, keep-alive, requests
// framed by Content-Length. It records every request that reaches it.
class FakeUpstream {
 public:
  using Reply = std::function<std::string(const std::string& method, const std::string& target)>;
  explicit FakeUpstream(Reply reply) : reply_(std::move(reply)) {
    auto listener = oasis_test::listen_on_loopback("fake upstream");
    fd_ = listener.fd;
    port_ = listener.port;
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~FakeUpstream() {
    stopping_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    acceptor_.join();
    {
      std::lock_guard lock(mu_);
      for (int c : conns_) shutdown(c, SHUT_RDWR);
    }
    for (auto& t : workers_) t.join();
  }
  int port() const { return port_; }
  int received() const { return received_.load(); }
  std::vector<std::string> heads() {
    std::lock_guard lock(mu_);
    return heads_;
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  void accept_loop() {
    while (!stopping_) {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::lock_guard lock(mu_);
      conns_.push_back(c);
      workers_.emplace_back([this, c] { serve(c); });
    }
  }
  void serve(int c) {
    std::string buf;
    char tmp[65536];
    for (;;) {
      std::size_t end;
      while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
        ssize_t n = recv(c, tmp, sizeof tmp, 0);
        if (n <= 0) return finish(c);
        buf.append(tmp, static_cast<std::size_t>(n));
      }
      std::string head = buf.substr(0, end + 2);
      std::size_t length = 0;
      RawResponse parsed;  // reuse its case-insensitive header lookup
      parsed.head = head;
      if (auto cl = parsed.header("Content-Length"); !cl.empty()) length = std::stoul(cl);
      while (buf.size() < end + 4 + length) {
        ssize_t n = recv(c, tmp, sizeof tmp, 0);
        if (n <= 0) return finish(c);
        buf.append(tmp, static_cast<std::size_t>(n));
      }
      buf.erase(0, end + 4 + length);
      auto sp1 = head.find(' '), sp2 = head.find(' ', sp1 + 1);
      std::string method = head.substr(0, sp1), target = head.substr(sp1 + 1, sp2 - sp1 - 1);
      {
        std::lock_guard lock(mu_);
        heads_.push_back(head);
      }
      ++received_;
      std::string out = reply_(method, target);
      if (::send(c, out.data(), out.size(), MSG_NOSIGNAL) < 0) return finish(c);
    }
  }
  void finish(int c) { close(c); }

  Reply reply_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> received_{0};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<int> conns_;
  std::vector<std::thread> workers_;
  std::vector<std::string> heads_;
};

// What the wrong upstream says, by target.
std::string wrong_reply(const std::string& method, const std::string& target) {
  if (method == "POST" && target == "/pets") return answer(201, "application/json", R"({"id":9,"name":"Nine"})");
  if (target.rfind("/pets?", 0) == 0 || target == "/pets")  // a list with a broken item
    return answer(200, "application/json", R"([{"id":1,"name":"Rex"},{"id":"two"}])");
  if (target == "/pets/1")
    return answer(200, "application/json", R"({"id":1,"name":"Rex"})",
                  "Connection: X-Secret\r\nX-Secret: internal\r\nKeep-Alive: timeout=5\r\nETag: \"r1\"\r\n");
  if (target == "/pets/2") return answer(418, "application/json", R"({"teapot":true})");  // undeclared status
  if (target == "/pets/3") return answer(200, "text/plain", "Rex");                      // wrong content type
  if (target == "/pets/4") return answer(200, "application/json", R"({"id":4})");         // missing name
  if (target == "/pets/5") {                                                              // too slow
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    return answer(200, "application/json", R"({"id":5,"name":"Slow"})");
  }
  return answer(404, "application/problem+json", R"({"title":"Not Found"})");
}

struct ProxyProcess {
  Process p;
  int port = 0;
  ProxyProcess(const std::string& upstream, std::vector<std::string> extra) {
    std::vector<std::string> argv = {binary("oasis"), "proxy", pets_spec(), "--upstream", upstream, "--port", "0",
                                     "--threads", "2"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    p.start(argv);
    port = p.wait_for_port();
  }
};

RawResponse must(std::optional<RawResponse> r) {
  if (!r) throw std::runtime_error("no response");
  return *r;
}

json::array violations_of(int port) {
  auto r = must(oasis_test::exchange(port, req("GET", "/_oasis/violations")));
  EXPECT_EQ(r.status, 200);
  return json::parse(r.body).at("violations").as_array();
}

std::set<std::string> pointers(const json::array& list, const std::string& direction) {
  std::set<std::string> out;
  for (const auto& v : list)
    if (v.at("direction").as_string() == direction) out.insert(std::string(v.at("pointer").as_string()));
  return out;
}

std::string temp_file(const std::string& name) {
  return (std::filesystem::temp_directory_path() / (name + "-" + std::to_string(getpid()))).string();
}

}  // namespace

TEST(ProxyE2e, InFrontOfTheMockReportMode) {
  Process mock({binary("oasis"), "mock", pets_spec(), "--port", "0", "--threads", "1"});
  int mock_port = mock.wait_for_port();
  ProxyProcess px("http://127.0.0.1:" + std::to_string(mock_port), {"--mode", "report"});
  Client c(px.port);

  c.send(req("GET", "/pets"));
  auto list = must(c.read_response());
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_TRUE(json::parse(list.body).is_array());
  EXPECT_EQ(list.header("Oasis-Violations"), "0");
  EXPECT_NE(list.header("Via").find("1.1 oasis"), std::string::npos);

  c.send(req("POST", "/pets", R"({"name":"Dune","tag":"cat"})"));
  auto created = must(c.read_response());
  EXPECT_EQ(created.status, 201) << created.body;

  // An invalid request still reaches the mock in report mode; the mock refuses it with a 400
  // that createPet declares, so only the request's own violation is counted.
  c.send(req("POST", "/pets", R"({"name":""})"));
  auto bad = must(c.read_response());
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_EQ(bad.header("Oasis-Violations"), "1");
  EXPECT_EQ(bad.header("Content-Type"), "application/problem+json");  // the mock's answer, passed on

  // listPets declares no 400: the mock's refusal is a response violation on top.
  c.send(req("GET", "/pets?limit=0"));
  auto low = must(c.read_response());
  EXPECT_EQ(low.status, 400);
  EXPECT_EQ(low.header("Oasis-Violations"), "2");

  auto list_v = violations_of(px.port);
  EXPECT_EQ(pointers(list_v, "request"), (std::set<std::string>{"/body/name", "/query/limit"}));
  EXPECT_EQ(pointers(list_v, "response"), (std::set<std::string>{"/status"}));
}

TEST(ProxyE2e, InFrontOfTheMockEnforceModeNeverForwardsInvalidRequests) {
  Process mock({binary("oasis"), "mock", pets_spec(), "--port", "0", "--threads", "1", "--log", "requests"});
  int mock_port = mock.wait_for_port();
  ProxyProcess px("http://127.0.0.1:" + std::to_string(mock_port), {"--mode", "enforce"});
  Client c(px.port);
  c.send(req("POST", "/pets", R"({"name":"","tag":7})"));
  auto bad = must(c.read_response());
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.header("Content-Type"), "application/problem+json");
  auto errors = json::parse(bad.body).at("errors").as_array();
  EXPECT_EQ(errors.size(), 2u) << bad.body;
  c.send(req("GET", "/pets?limit=1000"));
  EXPECT_EQ(must(c.read_response()).status, 400);
  c.send(req("GET", "/pets"));
  auto ok = must(c.read_response());
  EXPECT_EQ(ok.status, 200);
  EXPECT_FALSE(ok.has_header("Oasis-Violations"));  // enforce mode answers are clean or replaced
  mock.kill(SIGTERM);
  mock.wait();
  std::string log = mock.output();
  EXPECT_NE(log.find("GET /pets"), std::string::npos) << log;
  EXPECT_EQ(log.find("POST /pets"), std::string::npos) << log;
  EXPECT_EQ(log.find("limit=1000"), std::string::npos) << log;
}

TEST(ProxyE2e, ReportModeDetectsEveryViolationKind) {
  FakeUpstream up(wrong_reply);
  auto report = temp_file("oasis-proxy-e2e.jsonl");
  std::filesystem::remove(report);
  ProxyProcess px(up.url(), {"--mode", "report", "--report", report});
  Client c(px.port);
  struct Case {
    std::string method, target, body;
    int status;
    std::string violations;
  };
  std::vector<Case> cases = {
      {"GET", "/pets/1", "", 200, "0"},
      {"GET", "/pets", "", 200, "2"},                                  // /body/1/id type, /body/1 required name
      {"GET", "/pets/2", "", 418, "1"},                                // undeclared status
      {"GET", "/pets/3", "", 200, "1"},                                // wrong content type
      {"GET", "/pets/4", "", 200, "1"},                                // missing required property
      {"GET", "/pets?limit=500", "", 200, "3"},                        // request violation, forwarded anyway
      {"POST", "/pets", R"({"name":"","tag":1})", 201, "2"},           // request body violations, forwarded
      {"GET", "/pets/abc", "", 404, "1"},                              // path parameter type; 404 is declared
      {"GET", "/nowhere", "", 404, "1"},                               // no operation: forwarded, recorded
  };
  for (const auto& k : cases) {
    c.send(req(k.method, k.target, k.body));
    auto r = must(c.read_response());
    EXPECT_EQ(r.status, k.status) << k.method << " " << k.target << ": " << r.body;
    EXPECT_EQ(r.header("Oasis-Violations"), k.violations) << k.method << " " << k.target;
  }
  EXPECT_EQ(up.received(), static_cast<int>(cases.size()));  // report mode forwards everything

  auto list = violations_of(px.port);
  auto req_ptrs = pointers(list, "request");
  auto res_ptrs = pointers(list, "response");
  EXPECT_EQ(req_ptrs, (std::set<std::string>{"/query/limit", "/body/name", "/body/tag", "/path/petId", ""}));
  EXPECT_EQ(res_ptrs, (std::set<std::string>{"/body/1/id", "/body/1", "/status", "/header/Content-Type", "/body"}));
  bool no_operation = false;
  for (const auto& v : list)
    if (v.at("keyword").as_string() == "operation") no_operation = v.at("operation").as_string().empty();
  EXPECT_TRUE(no_operation);

  // Every line of the report file is a JSON object with the fields the guide promises.
  std::ifstream in(report);
  std::string line;
  std::size_t lines = 0;
  while (std::getline(in, line)) {
    auto o = json::parse(line).as_object();
    for (const char* key : {"time", "operation", "direction", "pointer", "message"}) EXPECT_TRUE(o.contains(key)) << line;
    ++lines;
  }
  EXPECT_EQ(lines, list.size());
  EXPECT_EQ(lines, 12u);

  // DELETE clears what GET serves.
  EXPECT_EQ(must(oasis_test::exchange(px.port, req("DELETE", "/_oasis/violations"))).status, 204);
  EXPECT_TRUE(violations_of(px.port).empty());

  px.p.kill(SIGTERM);
  EXPECT_EQ(px.p.wait(), 0);
  auto out = px.p.output();
  EXPECT_NE(out.find("oasis proxy: 9 requests, 9 forwarded"), std::string::npos) << out;
  EXPECT_NE(out.find("violations:"), std::string::npos) << out;
  std::filesystem::remove(report);
}

TEST(ProxyE2e, EnforceModeRefusesInvalidRequestsAndReplacesInvalidAnswers) {
  FakeUpstream up(wrong_reply);
  ProxyProcess px(up.url(), {"--mode", "enforce"});
  Client c(px.port);
  // Refused by the proxy: the upstream never sees them.
  for (auto [method, target, body, status] :
       std::vector<std::tuple<std::string, std::string, std::string, int>>{{"GET", "/pets?limit=500", "", 400},
                                                                          {"POST", "/pets", R"({"name":""})", 400},
                                                                          {"GET", "/pets/abc", "", 400},
                                                                          {"GET", "/nowhere", "", 404},
                                                                          {"DELETE", "/pets", "", 405}}) {
    c.send(req(method, target, body));
    auto r = must(c.read_response());
    EXPECT_EQ(r.status, status) << method << " " << target;
    EXPECT_EQ(r.header("Content-Type"), "application/problem+json");
  }
  EXPECT_EQ(up.received(), 0);

  // Answers that break the description become 502 with the violations.
  for (auto [target, pointer] : std::vector<std::pair<std::string, std::string>>{
           {"/pets", "/body/1/id"}, {"/pets/2", "/status"}, {"/pets/3", "/header/Content-Type"}, {"/pets/4", "/body"}}) {
    c.send(req("GET", target));
    auto r = must(c.read_response());
    EXPECT_EQ(r.status, 502) << target;
    EXPECT_EQ(r.header("Content-Type"), "application/problem+json");
    std::set<std::string> got;
    // (The parsed value must outlive the loop: a range-for keeps only the last temporary alive.)
    auto parsed = json::parse(r.body);
    for (const auto& e : parsed.at("errors").as_array()) got.insert(std::string(e.at("pointer").as_string()));
    EXPECT_TRUE(got.count(pointer)) << target << ": " << r.body;
  }
  c.send(req("GET", "/pets/1"));
  auto ok = must(c.read_response());
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(json::parse(ok.body).at("name").as_string(), "Rex");
  EXPECT_EQ(up.received(), 5);
}

TEST(ProxyE2e, ProxmoxProfileRefusesWithProxmoxErrorShape) {
  FakeUpstream up(wrong_reply);
  ProxyProcess px(up.url(), {"--mode", "enforce", "--profile", "proxmox"});
  auto r = must(oasis_test::exchange(px.port, req("POST", "/pets", R"({"tag":"x"})")));
  EXPECT_EQ(r.status, 400);
  auto body = json::parse(r.body).as_object();
  EXPECT_TRUE(body.at("data").is_null());
  EXPECT_TRUE(body.at("errors").as_object().contains("name")) << r.body;
  auto q = must(oasis_test::exchange(px.port, req("GET", "/pets?limit=500")));
  EXPECT_EQ(q.status, 400);
  EXPECT_TRUE(json::parse(q.body).at("errors").as_object().contains("limit")) << q.body;
  EXPECT_EQ(up.received(), 0);
}

TEST(ProxyE2e, HopByHopHeadersHostAndVia) {
  FakeUpstream up(wrong_reply);
  ProxyProcess px(up.url(), {});
  auto r = must(oasis_test::exchange(
      px.port, req("GET", "/pets/1", "",
                   "Connection: keep-alive, X-Hop\r\nX-Hop: 1\r\nKeep-Alive: timeout=9\r\nTE: trailers\r\n"
                   "Proxy-Authorization: Basic eDp5\r\nUpgrade: websocket\r\nVia: 1.0 edge\r\nX-End: 2\r\n")));
  ASSERT_EQ(r.status, 200);
  auto heads = up.heads();
  ASSERT_EQ(heads.size(), 1u);
  RawResponse sent;  // the request as the upstream received it
  sent.head = heads[0];
  EXPECT_EQ(sent.header("Host"), "127.0.0.1:" + std::to_string(up.port()));
  EXPECT_EQ(sent.header("Via"), "1.0 edge, 1.1 oasis");
  EXPECT_EQ(sent.header("X-End"), "2");
  for (const char* gone : {"X-Hop", "Keep-Alive", "TE", "Proxy-Authorization", "Upgrade"})
    EXPECT_FALSE(sent.has_header(gone)) << gone << " reached the upstream:\n" << heads[0];
  EXPECT_NE(sent.header("Connection"), "keep-alive, X-Hop");
  // And on the way back: the upstream's Connection-named and Keep-Alive fields stay behind.
  EXPECT_FALSE(r.has_header("X-Secret"));
  EXPECT_FALSE(r.has_header("Keep-Alive"));
  EXPECT_EQ(r.header("ETag"), "\"r1\"");
  EXPECT_EQ(r.header("Via"), "1.1 oasis");
}

TEST(ProxyE2e, UpstreamDownIs502AndTheProxyKeepsServing) {
  int dead_port;
  {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    dead_port = ntohs(a.sin_port);
    close(fd);  // nothing listens there now
  }
  ProxyProcess px("http://127.0.0.1:" + std::to_string(dead_port), {"--mode", "report"});
  Client c(px.port);
  for (int i = 0; i < 3; ++i) {
    c.send(req("GET", "/pets/1"));
    auto r = must(c.read_response());
    EXPECT_EQ(r.status, 502);
    EXPECT_EQ(r.header("Content-Type"), "application/problem+json");
    auto detail = std::string(json::parse(r.body).at("detail").as_string());
    EXPECT_NE(detail.find("127.0.0.1:" + std::to_string(dead_port)), std::string::npos) << detail;
  }
  EXPECT_EQ(must(oasis_test::exchange(px.port, req("GET", "/_oasis/violations"))).status, 200);
}

TEST(ProxyE2e, SlowUpstreamIs504AndTheProxyKeepsServing) {
  FakeUpstream up(wrong_reply);
  ProxyProcess px(up.url(), {"--upstream-timeout", "300ms"});
  auto start = std::chrono::steady_clock::now();
  auto r = must(oasis_test::exchange(px.port, req("GET", "/pets/5")));
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.status, 504);
  EXPECT_EQ(r.header("Content-Type"), "application/problem+json");
  EXPECT_NE(std::string(json::parse(r.body).at("detail").as_string()).find("in time"), std::string::npos) << r.body;
  EXPECT_LT(took, std::chrono::milliseconds(1400));  // answered by the timeout, not by the upstream
  auto ok = must(oasis_test::exchange(px.port, req("GET", "/pets/1")));
  EXPECT_EQ(ok.status, 200);
}

TEST(ProxyE2e, BadUpstreamUrlIsAClearError) {
  Process p({binary("oasis"), "proxy", pets_spec(), "--upstream", "ftp://x", "--port", "0"});
  EXPECT_EQ(p.wait(), 2);
}

// --validate request: requests are still checked (enforce refuses them before the upstream),
// answers pass as the upstream sent them — unchecked, streamed, their status line's reason, and
// for HEAD their Content-Length — however large.
TEST(ProxyE2e, ValidateRequestOnlyPassesAnswersAsTheyCame) {
  std::string big(3u << 20, 'x');
  for (std::size_t i = 0; i < big.size(); i += 4099) big[i] = static_cast<char>('a' + (i / 4099) % 26);
  FakeUpstream up([&big](const std::string& method, const std::string& target) {
    if (target == "/pets/7") {
      std::string head = "HTTP/1.1 200 Fine Thanks\r\nContent-Type: application/json\r\nContent-Length: " +
                         std::to_string(big.size()) + "\r\n\r\n";
      return method == "HEAD" ? head : head + big;
    }
    return wrong_reply(method, target);
  });
  ProxyProcess px(up.url(), {"--mode", "enforce", "--validate", "request"});
  Client c(px.port);
  c.send(req("GET", "/pets?limit=500"));  // an invalid request is still refused
  EXPECT_EQ(must(c.read_response()).status, 400);
  EXPECT_EQ(up.received(), 0);
  c.send(req("GET", "/pets"));  // a list that breaks the schema is not checked
  auto list = must(c.read_response());
  EXPECT_EQ(list.status, 200);
  EXPECT_EQ(list.body, R"([{"id":1,"name":"Rex"},{"id":"two"}])");
  c.send(req("GET", "/pets/2"));  // an undeclared status neither
  EXPECT_EQ(must(c.read_response()).status, 418);
  c.send(req("GET", "/pets/7"));
  auto large = must(c.read_response());
  EXPECT_EQ(large.status, 200);
  EXPECT_EQ(large.head.rfind("HTTP/1.1 200 Fine Thanks\r\n", 0), 0u) << large.head;
  EXPECT_EQ(large.header("Content-Length"), std::to_string(big.size()));
  EXPECT_TRUE(large.body == big);
  c.send(req("HEAD", "/pets/7"));
  auto head = must(c.read_response(/*head_request=*/true));
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Content-Length"), std::to_string(big.size()));
  EXPECT_TRUE(head.body.empty());
  auto recorded = violations_of(px.port);  // the refused request, and no answer
  ASSERT_EQ(recorded.size(), 1u);
  EXPECT_EQ(recorded[0].at("direction").as_string(), "request");
  EXPECT_EQ(up.received(), 4);
}

// --validate response: request bodies are not read by the proxy, so they go upstream as they
// come — an upload past the engine's 8 MiB body limit passes; with request validation it is
// refused 413 and never reaches the upstream.
TEST(ProxyE2e, ValidateResponseOnlyForwardsUploadsPastTheBodyLimit) {
  const std::string body = "{\"name\":\"" + std::string(12u << 20, 'n') + "\"}";
  {
    FakeUpstream up(wrong_reply);
    ProxyProcess px(up.url(), {"--mode", "enforce", "--validate", "response"});
    Client c(px.port);
    c.send(req("POST", "/pets", body));
    auto created = must(c.read_response());
    EXPECT_EQ(created.status, 201) << created.body;
    ASSERT_EQ(up.received(), 1);
    EXPECT_NE(up.heads()[0].find("Content-Length: " + std::to_string(body.size())), std::string::npos) << up.heads()[0];
  }
  {
    FakeUpstream up(wrong_reply);
    ProxyProcess px(up.url(), {"--mode", "enforce", "--validate", "both"});
    Client c(px.port);
    c.send(req("POST", "/pets", body));
    EXPECT_EQ(must(c.read_response()).status, 413);
    EXPECT_EQ(up.received(), 0);
  }
}
