// The App: routing, path parameters, dependencies, trace, CORS, ranges and problem bodies.
#include "harness.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace oasis::rest;
using namespace oasis::rest::testing;

namespace {

struct Echo : Resource {
  explicit Echo(Context& c) : id(c.param("id")) {}
  std::string_view id;
  std::span<const std::string_view> content_types_provided(Context&) override {
    static constexpr std::string_view t[] = {"text/plain"};
    return t;
  }
  void to_body(Context& c) override { c.response().body("item " + std::string(id)); }
};

struct Fixed : Resource {
  std::string text;
  void to_body(Context& c) override { c.response().body(text); }
};

int handle(App& app, Exchange& ex) {
  app.handle(ex.request, ex.response);
  return ex.response.status();
}

}  // namespace

TEST(Router, binds_parameters) {
  App app;
  app.resource<Echo>("/notes/{id}");
  Exchange ex("GET", "/notes/17?x=1");
  EXPECT_EQ(handle(app, ex), 200);
  EXPECT_EQ(ex.response.body(), "item 17");
}

TEST(Router, unknown_path_404_problem) {
  App app;
  app.resource<Echo>("/notes/{id}");
  for (auto target : {"/notes", "/notes/1/x", "/other", "/notes/"}) {
    Exchange ex("GET", target);
    EXPECT_EQ(handle(app, ex), 404) << target;
    EXPECT_EQ(ex.response.header("Content-Type"), "application/problem+json");
  }
}

TEST(Router, literal_wins_over_parameter_with_backtracking) {
  App app;
  app.resource<Fixed>("/a/new", [](Context&) { Fixed f; f.text = "literal"; return f; });
  app.resource<Fixed>("/a/{id}/x", [](Context& c) { Fixed f; f.text = "param " + std::string(c.param("id")); return f; });
  app.resource<Fixed>("/", [](Context&) { Fixed f; f.text = "root"; return f; });
  Exchange a("GET", "/a/new");
  handle(app, a);
  EXPECT_EQ(a.response.body(), "literal");
  Exchange b("GET", "/a/new/x");
  handle(app, b);
  EXPECT_EQ(b.response.body(), "param new");
  Exchange c("GET", "/");
  handle(app, c);
  EXPECT_EQ(c.response.body(), "root");
}

TEST(Router, rejects_duplicates) {
  App app;
  app.resource<Echo>("/x/{id}");
  EXPECT_THROW(app.resource<Echo>("/x/{other}"), std::invalid_argument);
  EXPECT_THROW(app.resource<Echo>("relative"), std::invalid_argument);
}

TEST(Router, plan_is_compiled_at_registration) {
  App app;
  app.resource<Echo>("/notes/{id}");
  const Plan* p = app.plan("/notes/{id}");
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(p->evaluates(Square::b13));
  EXPECT_TRUE(p->evaluates(Square::c4));
  EXPECT_NE(app.describe().find("c4 Acceptable media type available? yes:g8 no:406"), std::string::npos);
}

TEST(Trace, header_lists_squares_when_always_on) {
  App app(AppOptions{.trace = TraceMode::always, .cors = {}});
  app.resource<Echo>("/notes/{id}");
  Exchange ex("GET", "/notes/1");
  handle(app, ex);
  EXPECT_EQ(ex.response.header("X-Oasis-Trace"), "c3,g8,h10,i12,l13,o18");
}

TEST(Trace, on_request_needs_the_header) {
  App app(AppOptions{.trace = TraceMode::on_request, .cors = {}});
  app.resource<Echo>("/notes/{id}");
  Exchange quiet("GET", "/notes/1");
  handle(app, quiet);
  EXPECT_FALSE(quiet.response.has_header("X-Oasis-Trace"));
  Exchange loud("GET", "/notes/1");
  loud.header("X-Oasis-Trace", "1").header("Accept", "text/plain");
  handle(app, loud);
  EXPECT_EQ(loud.response.header("X-Oasis-Trace"), "c3,c4,g8,h10,i12,l13,o18");
}

TEST(Trace, off_never) {
  App app;
  app.resource<Echo>("/notes/{id}");
  Exchange ex("GET", "/notes/1");
  ex.header("X-Oasis-Trace", "1");
  handle(app, ex);
  EXPECT_FALSE(ex.response.has_header("X-Oasis-Trace"));
}

TEST(Problem, body_is_rfc9457) {
  App app;
  app.resource<Echo>("/notes/{id}");
  Exchange ex("GET", "/notes/1");
  ex.header("Accept", "application/json");
  EXPECT_EQ(handle(app, ex), 406);
  EXPECT_EQ(ex.response.header("Content-Type"), "application/problem+json");
  auto v = boost::json::parse(ex.response.body()).as_object();
  EXPECT_EQ(v.at("type").as_string(), "about:blank");
  EXPECT_EQ(v.at("title").as_string(), "Not Acceptable");
  EXPECT_EQ(v.at("status").as_int64(), 406);
}

namespace {
struct Strict : Resource {
  bool malformed_request(Context& c) override {
    c.set_detail("field 'x' is missing");
    return true;
  }
  void error_body(Context& c, const Problem& p) override {
    c.response().body("text/plain", "custom " + std::to_string(p.status) + ": " + std::string(p.detail));
  }
};
struct Thrower : Resource {
  void to_body(Context&) override { throw std::runtime_error("boom"); }
};
}  // namespace

TEST(Problem, detail_and_override) {
  App app;
  app.resource<Strict>("/s");
  Exchange ex("GET", "/s");
  EXPECT_EQ(handle(app, ex), 400);
  EXPECT_EQ(ex.response.body(), "custom 400: field 'x' is missing");
}

TEST(Problem, exception_is_500) {
  App app;
  app.resource<Thrower>("/t");
  Exchange ex("GET", "/t");
  EXPECT_EQ(handle(app, ex), 500);
  EXPECT_EQ(ex.response.header("Content-Type"), "application/problem+json");
  EXPECT_EQ(ex.response.body().find("boom"), std::string_view::npos);
}

// --- ranges ----------------------------------------------------------------------------------

TEST(Ranges, partial_206) {
  Knobs r;
  r.ranges = true;
  r.representation = "0123456789";
  Exchange ex;
  ex.header("Range", "bytes=2-4");
  EXPECT_EQ(run(r, ex), 206);
  EXPECT_EQ(ex.response.body(), "234");
  EXPECT_EQ(ex.response.header("Content-Range"), "bytes 2-4/10");
  EXPECT_EQ(ex.response.header("Accept-Ranges"), "bytes");
}
TEST(Ranges, unsatisfiable_416) {
  Knobs r;
  r.ranges = true;
  r.representation = "0123456789";
  Exchange ex;
  ex.header("Range", "bytes=20-");
  EXPECT_EQ(run(r, ex), 416);
  EXPECT_EQ(ex.response.header("Content-Range"), "bytes */10");
}
TEST(Ranges, if_range_etag_mismatch_sends_everything) {
  Knobs r;
  r.ranges = true;
  r.etag = {"v2"};
  r.representation = "0123456789";
  Exchange ex;
  ex.header("Range", "bytes=0-0").header("If-Range", "\"v1\"");
  EXPECT_EQ(run(r, ex), 200);
  EXPECT_EQ(ex.response.body(), "0123456789");
  Exchange ok;
  ok.header("Range", "bytes=0-0").header("If-Range", "\"v2\"");
  EXPECT_EQ(run(r, ok), 206);
  EXPECT_EQ(ok.response.body(), "0");
}
TEST(Ranges, if_range_date) {
  Knobs r;
  r.ranges = true;
  r.modified = *parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT");
  r.representation = "0123456789";
  Exchange same;
  same.header("Range", "bytes=-2").header("If-Range", "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(run(r, same), 206);
  EXPECT_EQ(same.response.body(), "89");
  Exchange older;
  older.header("Range", "bytes=-2").header("If-Range", "Sat, 05 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(run(r, older), 200);
}
TEST(Ranges, off_by_default) {
  Knobs r;
  r.representation = "0123456789";
  Exchange ex;
  ex.header("Range", "bytes=0-1");
  EXPECT_EQ(run(r, ex), 200);
  EXPECT_FALSE(ex.response.has_header("Accept-Ranges"));
}

// --- CORS ------------------------------------------------------------------------------------

namespace {
struct Writable : Resource {
  MethodSet allowed_methods(Context&) override { return {M::GET, M::PUT}; }
  bool is_authorized(Context&) override { return false; }  // a preflight must not need it
};
AppOptions cors_options() {
  AppOptions o;
  o.cors.allowed_origins = {"https://app.example"};
  o.cors.exposed_headers = {"ETag"};
  return o;
}
}  // namespace

TEST(Cors, preflight_answered_before_the_flow) {
  App app(cors_options());
  app.resource<Writable>("/w");
  Exchange ex("OPTIONS", "/w");
  ex.header("Origin", "https://app.example")
      .header("Access-Control-Request-Method", "PUT")
      .header("Access-Control-Request-Headers", "content-type");
  EXPECT_EQ(handle(app, ex), 204);
  EXPECT_EQ(ex.response.header("Access-Control-Allow-Origin"), "https://app.example");
  EXPECT_EQ(ex.response.header("Access-Control-Allow-Methods"), "GET, PUT");
  EXPECT_EQ(ex.response.header("Access-Control-Allow-Headers"), "content-type");
  EXPECT_EQ(ex.response.header("Access-Control-Max-Age"), "600");
  EXPECT_NE(ex.response.header("Vary").find("Origin"), std::string_view::npos);
}

TEST(Cors, actual_request_gets_origin_and_vary) {
  App app(cors_options());
  app.resource<Echo>("/e/{id}");
  Exchange ex("GET", "/e/1");
  ex.header("Origin", "https://app.example");
  EXPECT_EQ(handle(app, ex), 200);
  EXPECT_EQ(ex.response.header("Access-Control-Allow-Origin"), "https://app.example");
  EXPECT_EQ(ex.response.header("Access-Control-Expose-Headers"), "ETag");
  EXPECT_EQ(ex.response.header("Vary"), "Origin");
}

TEST(Cors, unknown_origin_gets_no_allow_headers) {
  App app(cors_options());
  app.resource<Writable>("/w");
  Exchange ex("OPTIONS", "/w");
  ex.header("Origin", "https://evil.example").header("Access-Control-Request-Method", "PUT");
  EXPECT_EQ(handle(app, ex), 405);  // not a preflight we answer: the flow sees OPTIONS
  EXPECT_FALSE(ex.response.has_header("Access-Control-Allow-Origin"));
  EXPECT_EQ(ex.response.header("Vary"), "Origin");
}

TEST(Cors, wildcard_origin) {
  AppOptions o;
  o.cors.allowed_origins = {"*"};
  App app(o);
  app.resource<Echo>("/e/{id}");
  Exchange ex("GET", "/e/1");
  ex.header("Origin", "https://any.example");
  handle(app, ex);
  EXPECT_EQ(ex.response.header("Access-Control-Allow-Origin"), "*");
}

// --- dependencies ----------------------------------------------------------------------------

namespace {
std::vector<std::string>* g_log = nullptr;  // test-only record of construction order

struct Logged {
  std::string name;
  explicit Logged(std::string n) : name(std::move(n)) { g_log->push_back("make " + name); }
  Logged(Logged&& o) noexcept : name(std::move(o.name)) { o.name.clear(); }
  ~Logged() {
    if (!name.empty()) g_log->push_back("drop " + name);
  }
};
struct Db {
  std::unique_ptr<Logged> l;
};
struct Cache {
  Db* db;
  std::unique_ptr<Logged> l;
};
struct RequestId {
  int n;
};

struct UsesDeps : Resource {
  void to_body(Context& c) override {
    auto& a = c.get<RequestId>();
    auto& b = c.get<RequestId>();
    auto& named = c.get<RequestId>("other");
    auto& cache = c.get<Cache>();
    c.response().body(std::to_string(a.n) + "," + std::to_string(&a == &b) + "," +
                      std::to_string(named.n) + "," + std::to_string(cache.db != nullptr));
  }
};
}  // namespace

TEST(Dependencies, application_values_created_in_order_and_dropped_in_reverse) {
  std::vector<std::string> log;
  g_log = &log;
  {
    App app;
    auto& d = app.dependencies();
    // Cache is registered first but needs Db: Db is created on first use, so it still comes
    // first, and is dropped last.
    d.application<Cache>([](Dependencies& deps) {
      return Cache{&deps.get<Db>(), std::make_unique<Logged>("cache")};
    });
    d.application<Db>([](Dependencies&) { return Db{std::make_unique<Logged>("db")}; });
    app.start();
    EXPECT_EQ(log, (std::vector<std::string>{"make db", "make cache"}));
    app.stop();
    EXPECT_EQ(log, (std::vector<std::string>{"make db", "make cache", "drop cache", "drop db"}));
  }
  g_log = nullptr;
}

TEST(Dependencies, per_request_values_cached_for_the_request) {
  std::vector<std::string> log;
  g_log = &log;
  App app;
  int counter = 0;
  app.dependencies().per_request<RequestId>([&](Context&) { return RequestId{++counter}; });
  app.dependencies().per_request<RequestId>([](Context&) { return RequestId{100}; }, "other");
  app.dependencies().application<Db>([](Dependencies&) { return Db{std::make_unique<Logged>("db")}; });
  app.dependencies().application<Cache>([](Dependencies& d) { return Cache{&d.get<Db>(), nullptr}; });
  app.resource<UsesDeps>("/d");
  auto h = app.handler();
  Exchange one("GET", "/d");
  h(one.request, one.response);
  EXPECT_EQ(one.response.body(), "1,1,100,1");
  Exchange two("GET", "/d");
  h(two.request, two.response);
  EXPECT_EQ(two.response.body(), "2,1,100,1");
  app.stop();
  g_log = nullptr;
}

TEST(Dependencies, missing_one_throws) {
  Dependencies d;
  EXPECT_THROW(d.get<int>(), std::out_of_range);
  d.application<int>([](Dependencies&) { return 5; });
  EXPECT_THROW(d.application<int>([](Dependencies&) { return 6; }), std::logic_error);
  EXPECT_EQ(d.get<int>(), 5);
}

// --- static routes and runners ---------------------------------------------------------------

namespace {
struct Named : Resource {
  std::string name;
  std::span<const std::string_view> content_types_provided(Context&) override {
    static constexpr std::string_view t[] = {"text/plain"};
    return t;
  }
  void to_body(Context& c) override { c.response().body(name); }
};

void add_named(App& app, const std::string& path) {
  app.resource<Named>(path, [path](Context&) {
    Named n;
    n.name = path;
    return n;
  });
}

// Every one of `paths` answers its own route; each of them with one byte changed answers 404.
void expect_exact_matches(App& app, const std::vector<std::string>& paths) {
  for (const auto& p : paths) {
    Exchange ex("GET", p);
    EXPECT_EQ(handle(app, ex), 200) << p;
    EXPECT_EQ(ex.response.body(), p);
    for (std::size_t i = 1; i < p.size(); ++i) {
      std::string near = p;
      near[i] = near[i] == 'x' ? 'y' : 'x';
      Exchange miss("GET", near);
      EXPECT_EQ(handle(app, miss), 404) << near;
    }
  }
}
}  // namespace

// The few static routes are compared in place as two words when 8 to 16 bytes long; shorter and
// longer ones, and paths differing in any one byte, go to the router.
TEST(Router, static_paths_of_every_length) {
  App app;
  const std::vector<std::string> paths = {"/", "/abcd", "/abcdef", "/abcdefg", "/abcdefgh", "/abcdefghijk",
                                          "/abcdefghijklmno", "/abcdefghijklmnop"};
  for (const auto& p : paths) add_named(app, p);
  app.resource<Echo>("/abcdefgh/{id}");
  expect_exact_matches(app, paths);
  Exchange param("GET", "/abcdefgh/7");
  EXPECT_EQ(handle(app, param), 200);
  EXPECT_EQ(param.response.body(), "item 7");
}

// Beyond the few, the router's hash table finds static routes; all of them still answer.
TEST(Router, many_static_routes) {
  App app;
  std::vector<std::string> paths;
  for (int i = 0; i < 20; ++i) paths.push_back("/route-number-" + std::to_string(i));
  paths.push_back("/r");
  for (const auto& p : paths) add_named(app, p);
  expect_exact_matches(app, paths);
}

// A static route of an App with CORS or a trace runs the full runner: its answer carries them.
TEST(Router, static_route_with_cors_or_trace) {
  App cors(cors_options());
  add_named(cors, "/static-path");
  Exchange a("GET", "/static-path");
  a.header("Origin", "https://app.example");
  EXPECT_EQ(handle(cors, a), 200);
  EXPECT_EQ(a.response.header("Access-Control-Allow-Origin"), "https://app.example");
  EXPECT_EQ(a.response.header("Vary"), "Origin");

  App traced(AppOptions{TraceMode::always, {}});
  add_named(traced, "/static-path");
  Exchange b("GET", "/static-path");
  EXPECT_EQ(handle(traced, b), 200);
  EXPECT_EQ(b.response.body(), "/static-path");
  EXPECT_EQ(b.response.header("X-Oasis-Trace"), "c3,g8,h10,i12,l13,o18");
}

// --- what the Context exposes ----------------------------------------------------------------

namespace {
struct Reports : Resource {
  std::span<const std::string_view> content_types_provided(Context&) override {
    static constexpr std::string_view t[] = {"text/plain", "application/json"};
    return t;
  }
  std::span<const std::string_view> languages_provided(Context&) override {
    static constexpr std::string_view t[] = {"en", "fr"};
    return t;
  }
  std::span<const std::string_view> charsets_provided(Context&) override {
    static constexpr std::string_view t[] = {"utf-8"};
    return t;
  }
  void to_body(Context& c) override {
    c.response().body(std::string(c.media_type()) + "|" + std::string(c.language()) + "|" +
                      std::string(c.charset()) + "|" + std::string(c.encoding()) + "|" +
                      std::string(c.content_type()));
  }
};
}  // namespace

// Negotiation results are written only when chosen: before the flow, a Context reports none
// (and the identity coding); after it, what was chosen.
TEST(ContextFields, empty_until_negotiated) {
  Exchange ex("GET", "/r");
  Context ctx(ex.request, ex.response);
  EXPECT_EQ(ctx.media_type(), "");
  EXPECT_EQ(ctx.language(), "");
  EXPECT_EQ(ctx.charset(), "");
  EXPECT_EQ(ctx.encoding(), "identity");
  EXPECT_EQ(ctx.content_type(), "");
  EXPECT_EQ(ctx.detail(), "");
  EXPECT_FALSE(ctx.halted());
  EXPECT_EQ(ctx.params().size(), 0u);
  EXPECT_EQ(trace_string(ctx), "");

  App app;
  app.resource<Reports>("/reports");
  Exchange plain("GET", "/reports");
  EXPECT_EQ(handle(app, plain), 200);
  EXPECT_EQ(plain.response.body(), "text/plain|en|utf-8|identity|");
  EXPECT_EQ(plain.response.header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(plain.response.header("Vary"), "Accept, Accept-Language");

  Exchange chosen("GET", "/reports");
  chosen.header("Accept", "application/json").header("Accept-Language", "fr");
  EXPECT_EQ(handle(app, chosen), 200);
  EXPECT_EQ(chosen.response.body(), "application/json|fr|utf-8|identity|");
  EXPECT_EQ(chosen.response.header("Content-Language"), "fr");
}
