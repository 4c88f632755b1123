// The proxy in-process: an http::Server upstream with a handler, the Proxy behind a second
// http::Server, and the client transport as the test's client. Checks forwarding, both modes
// and the upstream error mapping without starting processes.
#include <oasis/http/client.hpp>
#include <oasis/http/server.hpp>
#include <oasis/proxy/proxy.hpp>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <atomic>
#include <thread>

using namespace oasis;
namespace json = boost::json;

namespace {

std::unique_ptr<spec::Document> load_pets() {
  auto r = spec::Document::load_file(std::string(OASIS_SOURCE_DIR) + "/tests/proxy/pets.yaml");
  if (!r.ok()) throw std::runtime_error("tests/proxy/pets.yaml did not load");
  return std::move(r.document);
}

// A server on a free port, run on its own thread until destroyed.
struct Running {
  http::Server server;
  std::thread thread;
  Running(http::Handler h) : server(options(), std::move(h)) {
    server.listen();
    thread = std::thread([this] { server.run(); });
  }
  ~Running() {
    server.stop();
    thread.join();
  }
  static http::ServerOptions options() {
    http::ServerOptions o;
    o.port = 0;
    o.threads = 1;
    return o;
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server.port()); }
  http::Origin origin() const { return http::Origin::parse(url()); }
};

struct Upstream {
  std::atomic<int> received{0};
  std::string last_via;
  Running run{[this](const http::Request& req, http::Response& res) {
    ++received;
    last_via = std::string(req.header("Via"));
    if (req.path() == "/pets/1") return res.body("application/json", R"({"id":1,"name":"Rex"})");
    if (req.path() == "/pets/2") return res.body("application/json", R"({"id":"2"})");
    if (req.path() == "/pets/3") {
      res.status(500);
      return res.body("application/json", "{}");
    }
    res.status(404);
    res.body("application/problem+json", "{}");
  }};
};

http::ClientRequest get(std::string target) {
  http::ClientRequest r;
  r.target = std::move(target);
  return r;
}

proxy::ProxyOptions options_for(const std::string& upstream, proxy::Mode mode) {
  proxy::ProxyOptions o;
  o.upstream = upstream;
  o.mode = mode;
  o.keep_violations = 100;
  return o;
}

}  // namespace

TEST(Proxy, ReportModeForwardsAndCounts) {
  auto doc = load_pets();
  Upstream up;
  proxy::Proxy px(*doc, options_for(up.run.url(), proxy::Mode::report));
  Running front(px.handler());
  http::Transport client;
  auto [e1, ok] = client.send(front.origin(), get("/pets/1"));
  ASSERT_FALSE(e1) << e1.message;
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, R"({"id":1,"name":"Rex"})");
  EXPECT_EQ(ok.header("Oasis-Violations"), "0");
  EXPECT_EQ(ok.header("Via"), "1.1 oasis");
  EXPECT_EQ(up.last_via, "1.1 oasis");

  auto [e2, bad] = client.send(front.origin(), get("/pets/2"));
  ASSERT_FALSE(e2);
  EXPECT_EQ(bad.status, 200);
  EXPECT_EQ(bad.header("Oasis-Violations"), "2");  // id is a string, name is missing

  auto [e3, undeclared] = client.send(front.origin(), get("/pets/3"));
  ASSERT_FALSE(e3);
  EXPECT_EQ(undeclared.status, 500);
  EXPECT_EQ(undeclared.header("Oasis-Violations"), "1");

  auto [e4, invalid] = client.send(front.origin(), get("/pets/x"));
  ASSERT_FALSE(e4);
  EXPECT_EQ(invalid.status, 404);  // forwarded
  EXPECT_EQ(invalid.header("Oasis-Violations"), "1");
  EXPECT_EQ(up.received.load(), 4);

  EXPECT_EQ(px.violations().count(proxy::Direction::request), 1u);
  EXPECT_EQ(px.violations().count(proxy::Direction::response), 3u);
  auto st = px.stats();
  EXPECT_EQ(st.requests, 4u);
  EXPECT_EQ(st.forwarded, 4u);
  EXPECT_EQ(st.refused, 0u);
  EXPECT_NE(px.summary().find("getPet: request 1, response 3"), std::string::npos) << px.summary();
}

TEST(Proxy, EnforceModeRefusesAndReplaces) {
  auto doc = load_pets();
  Upstream up;
  proxy::Proxy px(*doc, options_for(up.run.url(), proxy::Mode::enforce));
  Running front(px.handler());
  http::Transport client;
  auto [e1, refused] = client.send(front.origin(), get("/pets/x"));
  ASSERT_FALSE(e1);
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(refused.header("Content-Type"), "application/problem+json");
  EXPECT_EQ(up.received.load(), 0);

  auto [e2, replaced] = client.send(front.origin(), get("/pets/2"));
  ASSERT_FALSE(e2);
  EXPECT_EQ(replaced.status, 502);
  auto errors = json::parse(replaced.body).at("errors").as_array();
  EXPECT_EQ(errors.size(), 2u) << replaced.body;

  auto [e3, ok] = client.send(front.origin(), get("/pets/1"));
  ASSERT_FALSE(e3);
  EXPECT_EQ(ok.status, 200);
  EXPECT_FALSE(ok.header("Oasis-Violations").size());
  auto st = px.stats();
  EXPECT_EQ(st.refused, 1u);
  EXPECT_EQ(st.replaced, 1u);
  EXPECT_EQ(st.forwarded, 2u);
}

TEST(Proxy, RequestOnlyValidationPassesAnswersUnchecked) {
  auto doc = load_pets();
  Upstream up;
  auto o = options_for(up.run.url(), proxy::Mode::enforce);
  o.validate_responses = false;
  proxy::Proxy px(*doc, o);
  Running front(px.handler());
  http::Transport client;
  auto [e, r] = client.send(front.origin(), get("/pets/2"));
  ASSERT_FALSE(e);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"id":"2"})");
  EXPECT_EQ(px.violations().total(), 0u);
}

TEST(Proxy, UpstreamDownIs502) {
  auto doc = load_pets();
  std::string dead;
  {
    Upstream up;
    dead = up.run.url();
  }  // stopped: nothing listens there now
  proxy::Proxy px(*doc, options_for(dead, proxy::Mode::report));
  Running front(px.handler());
  http::Transport client;
  for (int i = 0; i < 2; ++i) {
    auto [e, r] = client.send(front.origin(), get("/pets/1"));
    ASSERT_FALSE(e);
    EXPECT_EQ(r.status, 502);
  }
  EXPECT_EQ(px.stats().upstream_errors, 2u);
}

TEST(Proxy, BadUpstreamUrlThrows) {
  auto doc = load_pets();
  EXPECT_THROW(proxy::Proxy(*doc, options_for("ftp://x", proxy::Mode::report)), std::invalid_argument);
  auto o = options_for("http://127.0.0.1:1", proxy::Mode::report);
  o.report_file = "/nonexistent-dir/report.jsonl";
  EXPECT_THROW(proxy::Proxy(*doc, o), std::runtime_error);
}
