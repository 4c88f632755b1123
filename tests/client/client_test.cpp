// tests/client/client_test.cpp — oasis::Client against scripted servers: futures and
// coroutines, path navigation and encoding, typed errors, auth, retries with backoff timing on
// an injected clock, Retry-After and the total budget, Proxmox tickets with CSRF and renewal.
#include "scripted_server.hpp"

#include <oasis/client/client.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

using namespace oasis::client;
using oasis_test::ScriptedConn;
using oasis_test::ScriptedServer;
using namespace std::chrono_literals;

namespace {

// A clock the test drives: after() records the delay, moves time forward by it and runs the
// timer at once — backoff schedules are checked exactly, with no real waiting.
class ManualClock final : public Clock {
 public:
  time_point now() override {
    std::lock_guard lk(mu_);
    return t_;
  }
  void after(duration d, std::function<void()> f) override {
    {
      std::lock_guard lk(mu_);
      sleeps_.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(d));
      t_ += d;
    }
    f();
  }
  void advance(duration d) {
    std::lock_guard lk(mu_);
    t_ += d;
  }
  std::vector<std::chrono::milliseconds> sleeps() {
    std::lock_guard lk(mu_);
    return sleeps_;
  }

 private:
  std::mutex mu_;
  time_point t_{std::chrono::hours(1)};
  std::vector<std::chrono::milliseconds> sleeps_;
};

std::string header_of(const std::string& req, const std::string& name) {
  std::string lower = req, key = "\r\n" + name + ":";
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto at = lower.find(key);
  if (at == std::string::npos) return {};
  auto start = at + key.size();
  while (req[start] == ' ') ++start;
  return req.substr(start, req.find("\r\n", start) - start);
}
std::string body_of(const std::string& req) { return req.substr(req.find("\r\n\r\n") + 4); }

std::string http_response(int status, const std::string& body, const std::string& extra = "") {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n" + extra + "\r\n" + body;
}

// A server that answers every request with handler(raw request) and logs the requests.
struct Api {
  std::function<std::string(const std::string&)> handler;
  std::mutex mu;
  std::vector<std::string> seen;
  ScriptedServer server{[this](ScriptedConn& c, int) {
    while (auto r = c.read_request(2s)) {
      {
        std::lock_guard lk(mu);
        seen.push_back(*r);
      }
      c.write(handler(*r));
    }
  }};
  explicit Api(std::function<std::string(const std::string&)> h) : handler(std::move(h)) {}
  std::string url(const std::string& base = "") const { return "http://127.0.0.1:" + std::to_string(server.port()) + base; }
  std::vector<std::string> requests() {
    std::lock_guard lk(mu);
    return seen;
  }
};

Call call_to(std::string path) {
  Call c;
  c.path = std::move(path);
  return c;
}

ClientOptions options_for(const Api& api, const std::string& base = "") {
  ClientOptions o;
  o.base_url = api.url(base);
  o.retry.jitter = 0;
  return o;
}

}  // namespace

// --- futures ------------------------------------------------------------------------------

TEST(Future, ThenChainsAndPropagatesFailures) {
  oasis::Promise<int> p;
  auto doubled = p.get_future().then([](int v) { return v * 2; });
  auto text = doubled.then([](int v) { return std::to_string(v); });
  EXPECT_FALSE(text.ready());
  p.set_value(21);
  EXPECT_EQ(text.get(), "42");

  oasis::Promise<int> q;
  auto after = q.get_future().then([](int v) { return v + 1; });
  q.set_exception(std::make_exception_ptr(std::runtime_error("boom")));
  EXPECT_THROW(after.get(), std::runtime_error);

  auto thrown = oasis::make_ready_future(1).then([](int) -> int { throw std::logic_error("in then"); });
  EXPECT_THROW(thrown.get(), std::logic_error);

  auto flat = oasis::make_ready_future(2).then([](int v) { return oasis::make_ready_future(v * 10); });
  EXPECT_EQ(flat.get(), 20);
}

TEST(Future, WhenAllKeepsOrderAndReportsTheFirstFailure) {
  std::vector<oasis::Promise<int>> ps(3);
  std::vector<oasis::Future<int>> fs;
  for (auto& p : ps) fs.push_back(p.get_future());
  auto all = oasis::when_all(fs);
  ps[2].set_value(3);
  ps[0].set_value(1);
  EXPECT_FALSE(all.ready());
  ps[1].set_value(2);
  EXPECT_EQ(all.get(), (std::vector<int>{1, 2, 3}));

  std::vector<oasis::Future<int>> mixed{oasis::make_ready_future(1),
                                        oasis::make_failed_future<int>(std::make_exception_ptr(std::runtime_error("x")))};
  EXPECT_THROW(oasis::when_all(mixed).get(), std::runtime_error);
  EXPECT_TRUE(oasis::when_all(std::vector<oasis::Future<int>>{}).get().empty());
}

namespace {
oasis::Future<int> add_later(oasis::Future<int> a, oasis::Future<int> b) {
  int x = co_await a;
  int y = co_await b;
  co_return x + y;
}
}  // namespace

TEST(Future, CoroutinesAwaitFuturesAndReturnThem) {
  oasis::Promise<int> a, b;
  auto sum = add_later(a.get_future(), b.get_future());
  EXPECT_FALSE(sum.ready());
  a.set_value(40);
  EXPECT_FALSE(sum.ready());
  b.set_value(2);
  EXPECT_EQ(sum.get(), 42);
}

// --- encoding -----------------------------------------------------------------------------

TEST(Encoding, QueryFromKeyValuesDropsNullsAndRepeatsArrays) {
  Params p{{"name", "a b&c"}, {"skip", nullptr}, {"n", 3}, {"on", true}, {"tag", boost::json::array{"x", "y"}}};
  EXPECT_EQ(encode_query(p), "name=a%20b%26c&n=3&on=true&tag=x&tag=y");
  EXPECT_EQ(encode_query(p, true), "name=a%20b%26c&n=3&on=1&tag=x&tag=y");
  EXPECT_EQ(percent_encode("local/iso:ü"), "local%2Fiso%3A%C3%BC");
}

TEST(Encoding, BackoffDoublesToTheCapAndRetryAfterParses) {
  RetryPolicy r;
  r.base_delay = 100ms;
  r.max_delay = 1000ms;
  EXPECT_EQ(backoff_delay(r, 0), 100ms);
  EXPECT_EQ(backoff_delay(r, 1), 200ms);
  EXPECT_EQ(backoff_delay(r, 3), 800ms);
  EXPECT_EQ(backoff_delay(r, 4), 1000ms);
  EXPECT_EQ(backoff_delay(r, 200), 1000ms);
  EXPECT_EQ(parse_retry_after("7", 0), std::chrono::milliseconds(7000));
  // Sun, 06 Nov 1994 08:49:37 GMT is 784111777.
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111770), std::chrono::milliseconds(7000));
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111790), std::chrono::milliseconds(0));
  EXPECT_FALSE(parse_retry_after("soon", 0));
  EXPECT_FALSE(parse_retry_after("-3", 0));
}

// --- calls --------------------------------------------------------------------------------

TEST(Client, PathNavigationEncodesSegmentsAndQuery) {
  Api api([](const std::string&) { return http_response(200, R"({"data":{"status":"running","vmid":100}})"); });
  auto o = options_for(api, "/api2/json/");
  o.bool_as_int = true;
  Client client(o);
  auto r = client["nodes"]["pve"]["qemu"](100)["status"]["current"].get({{"full", true}, {"skip", nullptr}});
  EXPECT_EQ(r.status(), 200);
  EXPECT_EQ(r.data().at("status").as_string(), "running");
  EXPECT_EQ(r.json().at("data").at("vmid").as_int64(), 100);
  client["nodes/pve"]["storage"]("local/iso content").get();
  auto reqs = api.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(oasis_test::target_of(reqs[0]), "/api2/json/nodes/pve/qemu/100/status/current?full=1");
  EXPECT_EQ(oasis_test::target_of(reqs[1]), "/api2/json/nodes/pve/storage/local%2Fiso%20content");
  EXPECT_EQ(header_of(reqs[0], "Accept"), "application/json");
}

TEST(Client, FormAndJsonBodies) {
  Api api([](const std::string& req) { return http_response(200, body_of(req).empty() ? "{}" : "{\"ok\":1}"); });
  auto o = options_for(api);
  Client form(o);
  form.post("/vms", {{"name", "web 1"}, {"memory", 512}, {"note", nullptr}});
  o.body_format = BodyFormat::json;
  Client js(o);
  js.put("/vms/1", {{"name", "web"}, {"note", nullptr}});
  js.patch_json("/vms/1", boost::json::object{{"raw", true}});
  auto reqs = api.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(header_of(reqs[0], "Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(body_of(reqs[0]), "name=web%201&memory=512");
  EXPECT_EQ(header_of(reqs[1], "Content-Type"), "application/json");
  EXPECT_EQ(body_of(reqs[1]), R"({"name":"web"})");
  EXPECT_EQ(oasis_test::method_of(reqs[2]), "PATCH");
  EXPECT_EQ(body_of(reqs[2]), R"({"raw":true})");
}

TEST(Client, HttpErrorsAsExceptionsOrTypedResults) {
  Api api([](const std::string&) { return http_response(404, R"({"errors":{"vmid":"no such VM"}})"); });
  Client client(options_for(api));
  try {
    client.get("/vms/7");
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::http);
    EXPECT_EQ(e.status(), 404);
    EXPECT_NE(e.body().find("no such VM"), std::string::npos);
  }
  Call c;
  c.path = "/vms/7";
  auto result = client.call(c);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().status(), 404);
  EXPECT_THROW(result.value(), Error);

  auto o = options_for(api);
  o.throw_on_http_error = false;
  Client lenient(o);
  auto r = lenient.get("/vms/7");
  EXPECT_EQ(r.status(), 404);
  EXPECT_FALSE(r.ok());
}

TEST(Client, TransportErrorsAreTyped) {
  std::uint16_t port;
  {
    ScriptedServer gone([](ScriptedConn&, int) {});
    port = gone.port();
  }
  ClientOptions o;
  o.base_url = "http://127.0.0.1:" + std::to_string(port);
  o.retry.max_retries = 0;
  Client client(o);
  auto result = client.call(call_to("/"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind(), Error::Kind::transport);
  EXPECT_EQ(result.error().transport(), oasis::http::TransportError::Kind::connect);
}

TEST(Client, AsyncCallsGatherWithWhenAllAndCoroutines) {
  Api api([](const std::string& req) { return http_response(200, "{\"path\":\"" + oasis_test::target_of(req) + "\"}"); });
  auto o = options_for(api);
  o.transport.pipeline_depth = 4;
  o.transport.max_connections = 2;
  Client client(o);
  std::vector<oasis::Future<Response>> fs;
  for (int i = 0; i < 8; ++i) fs.push_back(client.async_get("/n/" + std::to_string(i)));
  auto all = oasis::when_all(fs).get();
  ASSERT_EQ(all.size(), 8u);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(all[i].json().at("path").as_string(), "/n/" + std::to_string(i));

  auto status_of = [&client]() -> oasis::Future<std::string> {
    Response a = co_await client.async_get("/a");
    Response b = co_await client["b"]("c d").async_get();
    co_return std::string(a.json().at("path").as_string()) + "," + std::string(b.json().at("path").as_string());
  };
  EXPECT_EQ(status_of().get(), "/a,/b/c%20d");

  auto chained = client.async_get("/x").then([](const Response& r) { return r.status(); });
  EXPECT_EQ(chained.get(), 200);
}

// --- auth ---------------------------------------------------------------------------------

TEST(Client, StaticAuthHeaders) {
  Api api([](const std::string&) { return http_response(200, "{}"); });
  auto run = [&](Auth a) {
    auto o = options_for(api);
    o.auth = std::move(a);
    Client c(o);
    c.get("/");
    return api.requests().back();
  };
  EXPECT_EQ(header_of(run(Auth::bearer("tok")), "Authorization"), "Bearer tok");
  EXPECT_EQ(header_of(run(Auth::basic("Aladdin", "open sesame")), "Authorization"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  EXPECT_EQ(header_of(run(Auth::api_key("X-Api-Key", "k1")), "X-Api-Key"), "k1");
  EXPECT_EQ(header_of(run(Auth::proxmox_token("root@pam!ci", "uuid")), "Authorization"), "PVEAPIToken=root@pam!ci=uuid");
}

namespace {
// A Proxmox-like server: /access/ticket hands out T1, T2, ...; other calls want the latest
// ticket as a cookie, and writes want its CSRF token too.
struct Pve {
  std::atomic<int> logins{0};
  std::atomic<bool> revoke_once{false};
  std::mutex mu;
  std::string current;
  std::string handle(const std::string& req) {
    if (oasis_test::target_of(req) == "/api2/json/access/ticket") {
      int n = ++logins;
      if (body_of(req) != "username=root%40pam&password=pw") return http_response(401, "{\"data\":null}");
      std::lock_guard lk(mu);
      current = "T" + std::to_string(n);
      return http_response(200, R"({"data":{"ticket":")" + current + R"(","CSRFPreventionToken":"C)" + std::to_string(n) + "\"}}");
    }
    std::lock_guard lk(mu);
    if (revoke_once.exchange(false)) current = "revoked";
    if (header_of(req, "Cookie") != "PVEAuthCookie=" + current) return http_response(401, "{}");
    if (oasis_test::method_of(req) != "GET" && header_of(req, "CSRFPreventionToken") != "C" + current.substr(1))
      return http_response(401, "{}");
    return http_response(200, R"({"data":"ok"})");
  }
};
}  // namespace

TEST(Client, ProxmoxTicketLoginCsrfRenewalAndReloginOn401) {
  Pve pve;
  Api api([&](const std::string& r) { return pve.handle(r); });
  auto clock = std::make_shared<ManualClock>();
  auto o = options_for(api, "/api2/json");
  o.auth = Auth::proxmox_ticket("root@pam", "pw");
  o.clock = clock;
  Client client(o);

  // Concurrent first calls share one login.
  std::vector<oasis::Future<Response>> fs;
  for (int i = 0; i < 4; ++i) fs.push_back(client.async_get("/nodes"));
  for (auto& r : oasis::when_all(fs).get()) EXPECT_EQ(r.data().as_string(), "ok");
  EXPECT_EQ(pve.logins.load(), 1);

  // A write carries the CSRF token.
  EXPECT_EQ(client.post("/nodes/pve/qemu", {{"vmid", 100}}).data().as_string(), "ok");
  EXPECT_EQ(pve.logins.load(), 1);

  // Near expiry the ticket is renewed before use.
  clock->advance(std::chrono::seconds(7200 - 600 + 1));
  EXPECT_EQ(client.get("/nodes").status(), 200);
  EXPECT_EQ(pve.logins.load(), 2);

  // A ticket the server stops accepting: one re-login, then the call goes through.
  pve.revoke_once = true;
  EXPECT_EQ(client.get("/nodes").status(), 200);
  EXPECT_EQ(pve.logins.load(), 3);
}

TEST(Client, ProxmoxTicketLoginFailureFailsTheCall) {
  Pve pve;
  Api api([&](const std::string& r) { return pve.handle(r); });
  auto o = options_for(api, "/api2/json");
  o.auth = Auth::proxmox_ticket("root@pam", "wrong");
  Client client(o);
  auto result = client.call(call_to("/nodes"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().status(), 401);
}

// --- retries ------------------------------------------------------------------------------

TEST(Client, RetriesGatewayErrorsWithExponentialBackoff) {
  std::atomic<int> n{0};
  Api api([&](const std::string&) { return ++n <= 3 ? http_response(503, "{}") : http_response(200, R"({"ok":true})"); });
  auto clock = std::make_shared<ManualClock>();
  auto o = options_for(api);
  o.clock = clock;
  o.retry.base_delay = 100ms;
  Client client(o);
  auto r = client.get("/flaky");
  EXPECT_EQ(r.status(), 200);
  EXPECT_EQ(n.load(), 4);
  EXPECT_EQ(clock->sleeps(), (std::vector<std::chrono::milliseconds>{100ms, 200ms, 400ms}));
}

TEST(Client, JitterStaysWithinItsBand) {
  std::atomic<int> n{0};
  Api api([&](const std::string&) { return ++n <= 3 ? http_response(502, "{}") : http_response(200, "{}"); });
  auto clock = std::make_shared<ManualClock>();
  auto o = options_for(api);
  o.clock = clock;
  o.retry.base_delay = 1000ms;
  o.retry.jitter = 0.25;
  o.jitter_seed = 42;
  Client client(o);
  client.get("/");
  auto s = clock->sleeps();
  ASSERT_EQ(s.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    auto nominal = 1000 << i;
    EXPECT_GE(s[i].count(), nominal * 3 / 4);
    EXPECT_LE(s[i].count(), nominal * 5 / 4);
  }
  EXPECT_NE(s[0], 1000ms);  // jitter actually moved it (seeded, so deterministic)
}

TEST(Client, HonoursRetryAfter) {
  std::atomic<int> n{0};
  Api api([&](const std::string&) { return ++n == 1 ? http_response(503, "{}", "Retry-After: 3\r\n") : http_response(200, "{}"); });
  auto clock = std::make_shared<ManualClock>();
  auto o = options_for(api);
  o.clock = clock;
  Client client(o);
  EXPECT_EQ(client.get("/").status(), 200);
  EXPECT_EQ(clock->sleeps(), (std::vector<std::chrono::milliseconds>{3000ms}));
}

TEST(Client, RetriesNeverExceedTheTotalBudget) {
  std::atomic<int> n{0};
  Api api([&](const std::string&) {
    ++n;
    return http_response(503, R"({"busy":true})");
  });
  auto clock = std::make_shared<ManualClock>();
  auto o = options_for(api);
  o.clock = clock;
  o.retry.base_delay = 100ms;
  o.retry.max_retries = 10;
  o.total_timeout = 250ms;
  Client client(o);
  auto result = client.call(call_to("/"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().status(), 503);  // the last answer, not a timeout
  EXPECT_EQ(clock->sleeps(), (std::vector<std::chrono::milliseconds>{100ms}));  // 100 + 200 would pass 250
  EXPECT_EQ(n.load(), 2);
}

TEST(Client, DoesNotRetryPost) {
  std::atomic<int> n{0};
  Api api([&](const std::string&) {
    ++n;
    return http_response(503, "{}");
  });
  auto clock = std::make_shared<ManualClock>();
  auto o = options_for(api);
  o.clock = clock;
  Client client(o);
  EXPECT_THROW(client.post("/x", {{"a", 1}}), Error);
  EXPECT_EQ(n.load(), 1);
  EXPECT_TRUE(clock->sleeps().empty());
}

TEST(Client, RetriesConnectionErrorsWithBackoff) {
  ScriptedServer server([](ScriptedConn& c, int index) {
    if (index == 0) {
      c.read_request();
      c.close();  // broken before any answer
      return;
    }
    while (c.read_request(1s)) c.respond("{}");
  });
  auto clock = std::make_shared<ManualClock>();
  ClientOptions o;
  o.base_url = "http://127.0.0.1:" + std::to_string(server.port());
  o.clock = clock;
  o.retry.jitter = 0;
  o.transport.broken_connection_retries = 0;  // leave it to the client's retry policy
  Client client(o);
  EXPECT_EQ(client.get("/").status(), 200);
  EXPECT_EQ(clock->sleeps(), (std::vector<std::chrono::milliseconds>{200ms}));
}
