// tests/client/client_test.cpp — oasis::Client against scripted servers: futures and
// coroutines, path navigation and encoding, typed errors, auth, retries with backoff timing on
// an injected clock, Retry-After and the total budget, Proxmox tickets with CSRF and renewal.
#include "scripted_server.hpp"

#include <oasis/client/client.hpp>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <atomic>
#include <optional>
#include <mutex>
#include <thread>

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

// get() on a Future given up moves the value out, unless another Future (a copy, a then()
// continuation) may still read it; when_all moves the same way and leaves kept copies intact.
TEST(Future, GetOnATemporaryMovesOnlyWhenNoOtherReaderIsLeft) {
  const std::string big(100, 'x');  // longer than any small-string buffer: a move leaves it empty
  {
    oasis::Promise<std::string> p;
    auto f = p.get_future();
    p.set_value(big);
    EXPECT_EQ(f.get(), big);             // kept: a copy
    EXPECT_EQ(std::move(f).get(), big);  // the only reader: moved out
    EXPECT_TRUE(f.get().empty());        // what is left in the state is the moved-from string
  }
  {
    oasis::Promise<std::string> p;
    auto f = p.get_future();
    auto kept = f;
    p.set_value(big);
    EXPECT_EQ(std::move(f).get(), big);
    EXPECT_EQ(kept.get(), big);  // another reader: it was copied, not moved
  }
  {
    oasis::Promise<std::string> p;
    auto f = p.get_future();
    auto size = f.then([](const std::string& v) { return v.size(); });  // reads it later
    oasis::Future<std::string> moved = std::move(f);
    p.set_value(big);
    EXPECT_EQ(std::move(moved).get(), big);
    EXPECT_EQ(size.get(), big.size());
  }
  {
    std::vector<oasis::Promise<std::string>> ps(3);
    std::vector<oasis::Future<std::string>> fs;
    for (auto& p : ps) fs.push_back(p.get_future());
    auto kept = fs[1];
    auto all = oasis::when_all(std::move(fs));
    for (std::size_t i = 0; i < ps.size(); ++i) ps[i].set_value(big + std::to_string(i));
    auto values = std::move(all).get();
    ASSERT_EQ(values.size(), 3u);
    for (std::size_t i = 0; i < values.size(); ++i) EXPECT_EQ(values[i], big + std::to_string(i));
    EXPECT_EQ(kept.get(), big + "1");
  }
}

// The caller has the first values while the rest are still to come, in order, and a failure
// stops the walk at its place.
TEST(Future, ForEachInOrderHandsOverValuesBeforeTheLastArrives) {
  for (std::size_t batch : {std::size_t{0}, std::size_t{3}, std::size_t{32}}) {
    std::vector<oasis::Promise<int>> ps(10);
    std::vector<oasis::Future<int>> fs;
    for (auto& p : ps) fs.push_back(p.get_future());
    for (int i = 0; i < 5; ++i) ps[i].set_value(i * 10);
    oasis::Promise<int> seen_four;  // the caller had value 4 while 5..9 were not set
    auto seen = seen_four.get_future();
    std::thread producer([&] {
      const bool in_time = seen.wait_for(std::chrono::seconds(10));
      for (int i = 5; i < 10; ++i) ps[i].set_value(in_time ? i * 10 : -1);
    });
    std::vector<std::pair<std::size_t, int>> got;
    oasis::for_each_in_order(std::move(fs), [&](std::size_t i, int v) {
      got.emplace_back(i, v);
      if (i == 4) seen_four.set_value(1);
    }, batch);
    producer.join();
    ASSERT_EQ(got.size(), 10u) << "batch " << batch;
    for (std::size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].first, i);
      EXPECT_EQ(got[i].second, static_cast<int>(i) * 10) << "batch " << batch << ": value " << i;
    }
  }

  std::vector<oasis::Future<int>> mixed{oasis::make_ready_future(1), oasis::make_ready_future(2),
                                        oasis::make_failed_future<int>(std::make_exception_ptr(std::runtime_error("x"))),
                                        oasis::make_ready_future(4)};
  std::vector<int> before;
  EXPECT_THROW(oasis::for_each_in_order(std::move(mixed), [&](std::size_t, int v) { before.push_back(v); }),
               std::runtime_error);
  EXPECT_EQ(before, (std::vector<int>{1, 2}));
  int calls = 0;
  oasis::for_each_in_order(std::vector<oasis::Future<int>>{}, [&](std::size_t, int) { ++calls; });
  EXPECT_EQ(calls, 0);

  // The value is handed over from its state: fn may take it away when no other Future reads
  // it; one that another Future still reads is handed over as a copy.
  oasis::Promise<std::string> alone, shared;
  std::vector<oasis::Future<std::string>> two{alone.get_future(), shared.get_future()};
  auto other = two[1];
  alone.set_value(std::string(100, 'a'));
  shared.set_value(std::string(100, 'b'));
  std::vector<std::string> taken;
  oasis::for_each_in_order(std::move(two), [&](std::size_t, std::string&& v) { taken.push_back(std::move(v)); });
  EXPECT_EQ(taken, (std::vector<std::string>{std::string(100, 'a'), std::string(100, 'b')}));
  EXPECT_EQ(other.get(), std::string(100, 'b'));
}

TEST(Future, WhenAllOfFuturesAlreadyReadyCompletesAtOnce) {
  std::vector<oasis::Future<int>> fs;
  for (int i = 0; i < 5; ++i) fs.push_back(oasis::make_ready_future(i));
  auto all = oasis::when_all(std::move(fs));
  ASSERT_TRUE(all.ready());
  EXPECT_EQ(all.get(), (std::vector<int>{0, 1, 2, 3, 4}));
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

// The DOM's first block is sized from the body (larger DOMs continue in blocks of their
// own): every size parses to the same value as a plain parse, and copies share it.
TEST(Response, JsonOfEverySizeMatchesAPlainParseAndOutlivesTheOriginal) {
  auto body_of = [](int items) {
    boost::json::array a;
    for (int i = 0; i < items; ++i)
      a.push_back(boost::json::object{{"vmid", 100 + i}, {"name", "vm-" + std::to_string(i) + std::string(20, 'x')}, {"tags", boost::json::array{"a", "b"}}});
    return boost::json::serialize(boost::json::object{{"data", std::move(a)}});
  };
  for (int items : {0, 1, 10, 60, 2000}) {  // from 12 bytes to ~160 KB
    oasis::http::ClientResponse raw;
    raw.status = 200;
    raw.body = body_of(items);
    std::optional<oasis::client::Response> r(std::in_place, raw);
    const boost::json::value expected = boost::json::parse(raw.body);
    EXPECT_EQ(r->json(), expected) << raw.body.size() << " bytes";
    oasis::client::Response copy = *r;
    r.reset();  // the copy keeps the parsed value alive
    EXPECT_EQ(copy.json(), expected);
    EXPECT_EQ(copy.data().as_array().size(), static_cast<std::size_t>(items));
  }
  // DOMs many times their text (a dense array: 24 bytes per two characters), a string longer
  // than any block so far, and an assigned copy.
  auto zeros = [](int n) {
    std::string s = "[0";
    for (int i = 1; i < n; ++i) s += ",0";
    return s;
  };
  for (const std::string& body : {zeros(32) + "]", zeros(10000) + "]", zeros(30) + ",\"" + std::string(300000, 'y') + "\"]"}) {
    oasis::http::ClientResponse raw;
    raw.status = 200;
    raw.body = body;
    oasis::client::Response copy;
    {
      oasis::client::Response r(raw);
      ASSERT_EQ(r.json(), boost::json::parse(body)) << body.size() << " bytes";
      copy = r;
    }
    EXPECT_TRUE(copy.json_parsed());
    EXPECT_EQ(copy.json(), boost::json::parse(body));
  }
  oasis::http::ClientResponse bad;
  bad.body = "{\"data\": [1, 2";
  EXPECT_THROW(oasis::client::Response(bad).json(), boost::system::system_error);
}

TEST(Client, ParsesJsonAnswersOnArrivalOnlyWhenAskedAndOnlyJsonMediaTypes) {
  Api api([](const std::string& req) {
    const std::string target = req.substr(4, req.find(' ', 4) - 4);
    auto with_type = [](const std::string& type, const std::string& body) {
      return "HTTP/1.1 200 OK\r\nContent-Type: " + type + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    };
    if (target == "/json") return with_type("application/json; charset=utf-8", "{\"data\":{\"vmid\":100}}");
    if (target == "/problem") return with_type("Application/Problem+JSON", "{\"title\":\"x\"}");
    if (target == "/text") return with_type("text/plain", "{\"looks\":\"like json\"}");
    return with_type("application/json", "{\"data\": [1, 2");  // /broken: cut short
  });
  for (bool eager : {false, true}) {
    auto o = options_for(api);
    o.parse_json_on_arrival = eager;
    oasis::Client c(o);
    auto json = c.get("/json");
    EXPECT_EQ(json.json_parsed(), eager);
    EXPECT_EQ(json.data().at("vmid").to_number<int>(), 100);
    EXPECT_TRUE(json.json_parsed());
    EXPECT_EQ(c.get("/problem").json_parsed(), eager);  // a +json suffix is JSON too
    auto text = c.get("/text");
    EXPECT_FALSE(text.json_parsed());  // not a JSON media type: parsed only when asked
    EXPECT_EQ(text.json().at("looks").as_string(), "like json");
    auto broken = c.get("/broken");  // the call succeeds; json() reports the body
    EXPECT_EQ(broken.status(), 200);
    EXPECT_FALSE(broken.json_parsed());
    EXPECT_THROW(broken.json(), boost::system::system_error);
  }
}

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

// --- cache, coalescing, concurrency limit -------------------------------------------------

TEST(ClientCache, FreshEntriesAnswerWithoutARequestUntilTheirTtlRunsOut) {
  std::atomic<int> n{0};
  Api api([&](const std::string& r) { return http_response(200, "{\"n\":" + std::to_string(++n) + ",\"path\":\"" + oasis_test::target_of(r) + "\"}"); });
  auto clock = std::make_shared<ManualClock>();
  auto o = options_for(api, "/api2/json");
  o.clock = clock;
  o.cache.enabled = true;
  o.cache.ttl = 1000ms;
  Client client(o);

  EXPECT_EQ(client.get("/nodes").json().at("n").as_int64(), 1);
  clock->advance(999ms);
  EXPECT_EQ(client.get("/nodes").json().at("n").as_int64(), 1);  // still fresh: no request
  EXPECT_EQ(api.requests().size(), 1u);
  clock->advance(1ms);
  EXPECT_EQ(client.get("/nodes").json().at("n").as_int64(), 2);  // stale, no ETag: fetched again
  EXPECT_EQ(api.requests().size(), 2u);

  // The query is part of the key; writes and no_cache calls are never served from it.
  EXPECT_EQ(client.get("/nodes", {{"full", 1}}).json().at("n").as_int64(), 3);
  EXPECT_EQ(client.get("/nodes", {{"full", 1}}).json().at("n").as_int64(), 3);
  Call c = call_to("/nodes");
  c.no_cache = true;
  EXPECT_EQ(client.call(c).value().json().at("n").as_int64(), 4);
  EXPECT_EQ(client.post("/nodes").json().at("n").as_int64(), 5);
  EXPECT_EQ(client.get("/nodes").json().at("n").as_int64(), 2);

  // A per-call TTL.
  Call shortlived = call_to("/short");
  shortlived.cache_ttl = 10ms;
  EXPECT_EQ(client.call(shortlived).value().json().at("n").as_int64(), 6);
  clock->advance(10ms);
  EXPECT_EQ(client.call(shortlived).value().json().at("n").as_int64(), 7);

  auto st = client.cache_stats();
  EXPECT_EQ(st.hits, 3u);
  EXPECT_EQ(api.requests().size(), 7u);
}

TEST(ClientCache, ExplicitInvalidationByKeyAndPrefix) {
  std::atomic<int> n{0};
  Api api([&](const std::string&) { return http_response(200, std::to_string(++n)); });
  auto o = options_for(api, "/api2/json");
  o.cache.enabled = true;
  o.cache.ttl = 3600s;
  Client client(o);
  auto body = [&](const std::string& p) { return client.get(p).body(); };

  EXPECT_EQ(body("/nodes/pve/qemu"), "1");
  EXPECT_EQ(body("/nodes/pve/lxc"), "2");
  EXPECT_EQ(body("/cluster/status"), "3");
  EXPECT_EQ(body("/nodes/pve/qemu"), "1");
  EXPECT_EQ(client.cache_stats().entries, 3u);

  client.invalidate("/nodes/pve/qemu");
  EXPECT_EQ(body("/nodes/pve/qemu"), "4");
  EXPECT_EQ(body("/nodes/pve/lxc"), "2");

  client.invalidate_prefix("/nodes/pve");
  EXPECT_EQ(client.cache_stats().entries, 1u);
  EXPECT_EQ(body("/nodes/pve/qemu"), "5");
  EXPECT_EQ(body("/nodes/pve/lxc"), "6");
  EXPECT_EQ(body("/cluster/status"), "3");

  client.clear_cache();
  EXPECT_EQ(body("/cluster/status"), "7");
  EXPECT_EQ(api.requests().size(), 7u);
}

TEST(ClientCache, StaleEntryWithAnETagIsRevalidatedAndA304ReusesTheBody) {
  std::atomic<int> full{0}, not_modified{0};
  std::string etag = "\"v1\"";
  Api api([&](const std::string& r) {
    if (header_of(r, "If-None-Match") == etag) {
      ++not_modified;
      return std::string("HTTP/1.1 304 Not Modified\r\nETag: " + etag + "\r\n\r\n");
    }
    ++full;
    return http_response(200, R"({"vms":[100,101]})", "ETag: " + etag + "\r\n");
  });
  auto clock = std::make_shared<ManualClock>();
  auto o = options_for(api);
  o.clock = clock;
  o.cache.enabled = true;
  o.cache.ttl = 500ms;
  Client client(o);

  auto r1 = client.get("/vms");
  EXPECT_EQ(r1.header("ETag"), etag);
  EXPECT_TRUE(header_of(api.requests().at(0), "If-None-Match").empty());

  clock->advance(600ms);
  auto r2 = client.get("/vms");  // stale: If-None-Match "v1" -> 304 -> the kept body
  EXPECT_EQ(r2.status(), 200);
  EXPECT_EQ(r2.body(), R"({"vms":[100,101]})");
  EXPECT_EQ(r2.json().at("vms").as_array().size(), 2u);
  EXPECT_EQ(full.load(), 1);
  EXPECT_EQ(not_modified.load(), 1);
  EXPECT_EQ(header_of(api.requests().at(1), "If-None-Match"), etag);

  clock->advance(499ms);  // the 304 made it fresh again
  EXPECT_EQ(client.get("/vms").body(), r1.body());
  EXPECT_EQ(api.requests().size(), 2u);

  clock->advance(1ms);
  etag = "\"v2\"";  // changed on the server: a full answer replaces the entry
  EXPECT_EQ(client.get("/vms").header("ETag"), "\"v2\"");
  EXPECT_EQ(full.load(), 2);
  EXPECT_EQ(client.cache_stats().revalidated, 1u);
}

TEST(ClientCache, IdenticalGetsInFlightShareOneRequest) {
  std::atomic<int> n{0};
  Api api([&](const std::string& r) {
    std::this_thread::sleep_for(200ms);  // long enough for every caller to pile up
    return http_response(200, "{\"n\":" + std::to_string(++n) + ",\"path\":\"" + oasis_test::target_of(r) + "\"}");
  });
  auto o = options_for(api);
  o.transport.max_connections = 4;
  Client client(o);
  std::vector<oasis::Future<Response>> fs;
  for (int i = 0; i < 10; ++i) fs.push_back(client.async_get("/slow"));
  fs.push_back(client.async_get("/other"));  // a different target is not coalesced
  auto rs = oasis::when_all(fs).get();
  for (int i = 0; i < 10; ++i) EXPECT_EQ(rs[i].body(), rs[0].body());
  EXPECT_EQ(rs[0].json().at("path").as_string(), "/slow");
  EXPECT_EQ(rs[10].json().at("path").as_string(), "/other");
  EXPECT_EQ(api.requests().size(), 2u);
  EXPECT_EQ(client.cache_stats().coalesced, 9u);

  // Once answered, the next GET is a new request (no cache configured).
  EXPECT_NE(client.get("/slow").body(), rs[0].body());
  EXPECT_EQ(api.requests().size(), 3u);

  // Longer targets, two of them one byte apart: each its own request, joined by its own kind.
  fs.clear();
  for (int i = 0; i < 3; ++i) fs.push_back(client.async_get("/nodes/pve/qemu/100/config"));
  fs.push_back(client.async_get("/nodes/pve/qemu/101/config"));
  rs = oasis::when_all(fs).get();
  EXPECT_EQ(rs[2].json().at("path").as_string(), "/nodes/pve/qemu/100/config");
  EXPECT_EQ(rs[3].json().at("path").as_string(), "/nodes/pve/qemu/101/config");
  EXPECT_EQ(api.requests().size(), 5u);
  EXPECT_EQ(client.cache_stats().coalesced, 11u);
}

TEST(ClientCache, CoalescedWaitersAllSeeTheSameFailure) {
  Api api([&](const std::string&) {
    std::this_thread::sleep_for(150ms);
    return http_response(404, R"({"error":"no such vm"})");
  });
  Client client(options_for(api));
  std::vector<oasis::Future<Response>> fs;
  for (int i = 0; i < 5; ++i) fs.push_back(client.async_get("/vms/9"));
  for (auto& f : fs) {
    try {
      f.get();
      ADD_FAILURE() << "expected an HTTP error";
    } catch (const Error& e) {
      EXPECT_EQ(e.status(), 404);
      EXPECT_EQ(e.body(), R"({"error":"no such vm"})");
    }
  }
  EXPECT_EQ(api.requests().size(), 1u);
}

namespace {
// Counts requests being handled at once (the server's view of "in flight").
struct PeakCounter {
  std::atomic<int> now{0}, peak{0};
  void enter() {
    int n = ++now, p = peak.load();
    while (n > p && !peak.compare_exchange_weak(p, n)) {
    }
  }
  void leave() { --now; }
};
}  // namespace

TEST(ClientLimit, MaxInFlightBoundsWhenAllOverManyCalls) {
  PeakCounter pc;
  Api api([&](const std::string& r) {
    pc.enter();
    std::this_thread::sleep_for(60ms);
    pc.leave();
    return http_response(200, "\"" + oasis_test::target_of(r) + "\"");
  });
  auto o = options_for(api);
  o.transport.max_connections = 16;
  o.max_in_flight = 3;
  Client client(o);
  std::vector<oasis::Future<Response>> fs;
  for (int i = 0; i < 12; ++i) fs.push_back(client.async_get("/vm/" + std::to_string(i)));
  auto rs = oasis::when_all(fs).get();
  for (int i = 0; i < 12; ++i) EXPECT_EQ(rs[i].json().as_string(), "/vm/" + std::to_string(i));
  EXPECT_EQ(api.requests().size(), 12u);
  EXPECT_EQ(pc.peak.load(), 3);
}

TEST(ClientLimit, GatherRunsAtMostLimitCallsAtOnce) {
  PeakCounter pc;
  Api api([&](const std::string& r) {
    pc.enter();
    std::this_thread::sleep_for(60ms);
    pc.leave();
    return http_response(200, "\"" + oasis_test::target_of(r) + "\"");
  });
  auto o = options_for(api);
  o.transport.max_connections = 16;
  Client client(o);
  std::vector<Call> calls;
  for (int i = 0; i < 9; ++i) calls.push_back(call_to("/item/" + std::to_string(i)));
  auto rs = client.async_gather(calls, 2).get();
  ASSERT_EQ(rs.size(), 9u);
  for (int i = 0; i < 9; ++i) EXPECT_EQ(rs[i].json().as_string(), "/item/" + std::to_string(i));
  EXPECT_EQ(pc.peak.load(), 2);
  EXPECT_TRUE(client.async_gather({}, 2).get().empty());
}

TEST(ClientTimeouts, TotalTimeoutEndsACallTheServerNeverAnswers) {
  Api api([&](const std::string&) {
    std::this_thread::sleep_for(1500ms);
    return http_response(200, "{}");
  });
  auto o = options_for(api);
  o.total_timeout = 300ms;
  Client client(o);
  auto t0 = std::chrono::steady_clock::now();
  auto result = client.call(call_to("/hang"));
  auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind(), Error::Kind::transport);
  EXPECT_EQ(result.error().transport(), oasis::http::TransportError::Kind::timeout);
  EXPECT_GE(took, 290ms);
  EXPECT_LT(took, 1400ms);
}

// --- Proxmox tasks ------------------------------------------------------------------------

TEST(Upid, DecodesTheHexFields) {
  auto u = Upid::parse("UPID:pve1:000A1B2C:0012D687:65F1A2B3:qmstart:100:root@pam:");
  EXPECT_EQ(u.node, "pve1");
  EXPECT_EQ(u.pid, 0xA1B2Cu);
  EXPECT_EQ(u.pstart, 0x12D687u);
  EXPECT_EQ(u.starttime, 0x65F1A2B3);
  EXPECT_EQ(u.type, "qmstart");
  EXPECT_EQ(u.id, "100");
  EXPECT_EQ(u.user, "root@pam");
  auto token = Upid::parse("UPID:n:00000001:00000002:00000003:vzdump::root@pam!ci:");
  EXPECT_EQ(token.id, "");
  EXPECT_EQ(token.user, "root@pam!ci");
  for (const char* bad : {"", "UPID:pve1:000A1B2C:0012D687:65F1A2B3:qmstart:100:root@pam",  // no trailing ':'
                          "UPID:pve1:ZZZ:0012D687:65F1A2B3:qmstart:100:root@pam:", "TASK:pve1:1:2:3:t:i:u:",
                          "UPID::1:2:3:t:i:u:", "UPID:pve1:1:2:3:t:i:u:extra:"})
    EXPECT_THROW(Upid::parse(bad), std::invalid_argument) << bad;
}

namespace {
const std::string kUpid = "UPID:pve:0001E240:00ABCDEF:65F1A2B3:qmstart:100:root@pam:";

// Answers task status polls: "running" for the first `running_polls`, then stopped with
// `exitstatus`; records the clock's time of each poll relative to `t0`.
struct TaskServer {
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
  Clock::time_point t0 = clock->now();
  int running_polls;
  std::string exitstatus;
  std::mutex mu;
  std::vector<std::chrono::milliseconds> at;
  Api api{[this](const std::string& r) {
    int n;
    {
      std::lock_guard lk(mu);
      at.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(clock->now() - t0));
      n = static_cast<int>(at.size());
    }
    if (oasis_test::target_of(r) != "/api2/json/nodes/pve/tasks/" + percent_encode(kUpid) + "/status")
      return http_response(404, "{}");
    if (n <= running_polls) return http_response(200, R"({"data":{"status":"running","upid":")" + kUpid + "\"}}");
    return http_response(200, R"({"data":{"status":"stopped","exitstatus":")" + exitstatus + R"(","upid":")" + kUpid + "\"}}");
  }};
  TaskServer(int running, std::string exit) : running_polls(running), exitstatus(std::move(exit)) {}
  ClientOptions options() {
    auto o = options_for(api, "/api2/json");
    o.clock = clock;
    return o;
  }
  std::vector<std::chrono::milliseconds> times() {
    std::lock_guard lk(mu);
    return at;
  }
};
}  // namespace

TEST(Tasks, PollsWithDoublingIntervalsToTheCapAndReportsProgress) {
  TaskServer ts(5, "OK");
  Client client(ts.options());
  TaskWaitOptions w;
  w.interval = 100ms;
  w.max_interval = 400ms;
  w.timeout = 60s;
  std::vector<std::pair<unsigned, std::string>> progress;
  w.on_progress = [&](const TaskStatus& s) { progress.emplace_back(s.polls, s.status); };
  TaskStatus st = client.wait_for_task(kUpid, w);
  EXPECT_EQ(st.exitstatus, "OK");
  EXPECT_EQ(st.status, "stopped");
  EXPECT_EQ(st.polls, 6u);
  EXPECT_EQ(st.upid.type, "qmstart");
  EXPECT_EQ(st.elapsed, 1500ms);
  EXPECT_EQ(ts.times(), (std::vector<std::chrono::milliseconds>{0ms, 100ms, 300ms, 700ms, 1100ms, 1500ms}));
  ASSERT_EQ(progress.size(), 6u);
  EXPECT_EQ(progress[0], (std::pair<unsigned, std::string>{1, "running"}));
  EXPECT_EQ(progress[5], (std::pair<unsigned, std::string>{6, "stopped"}));
}

TEST(Tasks, DeadlineEndsTheWaitOnTheMonotonicClock) {
  TaskServer ts(1000, "OK");
  Client client(ts.options());
  TaskWaitOptions w;
  w.interval = 100ms;
  w.max_interval = 400ms;
  w.timeout = 1000ms;
  try {
    client.wait_for_task(kUpid, w);
    ADD_FAILURE() << "expected the deadline to pass";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::task);
    EXPECT_NE(std::string(e.what()).find("still running after 1000 ms"), std::string::npos) << e.what();
  }
  // The last wait is cut to the deadline, and one last poll happens there.
  EXPECT_EQ(ts.times(), (std::vector<std::chrono::milliseconds>{0ms, 100ms, 300ms, 700ms, 1000ms}));
}

TEST(Tasks, AFailedExitStatusIsAnError) {
  TaskServer ts(1, "command 'qm start 100' failed: exit code 2");
  Client client(ts.options());
  auto f = client.async_wait_for_task(kUpid, {.interval = 50ms, .max_interval = 50ms, .timeout = 10s, .on_progress = {}});
  try {
    f.get();
    ADD_FAILURE() << "expected the task to fail";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::task);
    EXPECT_EQ(e.body(), "command 'qm start 100' failed: exit code 2");
    EXPECT_NE(std::string(e.what()).find(kUpid), std::string::npos);
  }
  EXPECT_EQ(ts.times(), (std::vector<std::chrono::milliseconds>{0ms, 50ms}));
  // Not a UPID: refused before any request.
  EXPECT_THROW(client.wait_for_task("not-a-upid"), Error);
  EXPECT_EQ(ts.times().size(), 2u);
}
