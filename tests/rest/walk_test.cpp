// The walk instantiated for a resource's type (App: callbacks called directly, GET and HEAD
// resolved at compile time) against the same walk on a plain Resource& (run_flow: the plan's
// tables, callbacks through the vtable) and against a traced request (always the full tables):
// every request must get the same answer three ways.
#include "harness.hpp"

#include <oasis/rest/walk.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace {

using namespace oasis;
using namespace oasis::rest;
using oasis::rest::testing::Exchange;
using M = oasis::http::Method;

const Time kModified = Time(std::chrono::seconds(1'700'000'000));

struct Hello : Resource {
  std::span<const std::string_view> content_types_provided(Context&) override {
    static constexpr std::string_view t[] = {"application/json"};
    return t;
  }
  void to_body(Context& c) override { c.response().body(R"({"hello":true})"); }
};

struct Tagged : Hello {
  ETag generate_etag(Context&) override { return {"v1"}; }
  std::optional<Time> last_modified(Context&) override { return kModified; }
};

struct Multi : Resource {
  std::span<const std::string_view> content_types_provided(Context&) override {
    static constexpr std::string_view t[] = {"application/json", "text/plain"};
    return t;
  }
  std::span<const std::string_view> languages_provided(Context&) override {
    static constexpr std::string_view l[] = {"en", "fr"};
    return l;
  }
  std::span<const std::string_view> charsets_provided(Context&) override {
    static constexpr std::string_view c[] = {"utf-8"};
    return c;
  }
  void to_body(Context& c) override {
    c.response().body(std::string(c.media_type()) + "/" + std::string(c.language()) + "/" + std::string(c.charset()));
  }
};

struct Halting : Hello {
  void to_body(Context& c) override { c.halt(503, "not now"); }
};

struct Ranged : Tagged {
  bool ranges_provided(Context&) override { return true; }
  void to_body(Context& c) override { c.response().body("0123456789"); }
};

struct Unavailable : Hello {
  bool service_available(Context&) override { return false; }
};

struct Missing : Hello {
  bool resource_exists(Context&) override { return false; }
  bool previously_existed(Context&) override { return true; }
  std::string moved_permanently(Context&) override { return "/elsewhere"; }
};

struct Writable : Tagged {
  MethodSet allowed_methods(Context&) override { return {M::GET, M::HEAD, M::PUT, M::POST, M::DELETE, M::OPTIONS}; }
  std::span<const std::string_view> content_types_accepted(Context&) override {
    static constexpr std::string_view t[] = {"application/json"};
    return t;
  }
  void from_body(Context& c) override { c.response().body("taken"); }
  bool delete_resource(Context&) override { return true; }
  bool process_post(Context&) override { return true; }
};

struct Request {
  std::string method, target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

Exchange make(const Request& r) {
  Exchange x(r.method, r.target);
  for (const auto& [n, v] : r.headers) x.header(n, v);
  if (!r.body.empty()) x.body(r.body);
  return x;
}

const std::vector<Request>& requests() {
  static const std::vector<Request> all = {
      {"GET", "/r", {{"Host", "h"}, {"Accept", "*/*"}}, ""},
      {"GET", "/r", {{"Host", "h"}}, ""},
      {"GET", "/r", {{"accept", "text/html"}}, ""},
      {"GET", "/r", {{"Accept", "text/plain;q=0.9, application/json;q=0.1"}}, ""},
      {"GET", "/r", {{"Accept-Language", "fr, en;q=0.5"}, {"Accept-Charset", "utf-8"}}, ""},
      {"GET", "/r", {{"Accept-Language", "de"}}, ""},
      {"GET", "/r", {{"Accept-Encoding", "gzip"}}, ""},
      {"GET", "/r", {{"If-None-Match", "\"v1\""}}, ""},
      {"GET", "/r", {{"IF-NONE-MATCH", "\"v2\""}}, ""},
      {"GET", "/r", {{"If-Match", "\"v2\""}}, ""},
      {"GET", "/r", {{"If-Match", "*"}}, ""},
      {"GET", "/r", {{"If-Modified-Since", "Wed, 15 Nov 2023 00:00:00 GMT"}}, ""},
      {"GET", "/r", {{"If-Unmodified-Since", "Sun, 01 Jan 2023 00:00:00 GMT"}}, ""},
      {"GET", "/r", {{"Range", "bytes=2-4"}}, ""},
      {"GET", "/r", {{"Range", "bytes=2-4"}, {"If-Range", "\"v1\""}}, ""},
      {"GET", "/r", {{"Range", "bytes=20-30"}}, ""},
      {"HEAD", "/r", {{"Accept", "*/*"}}, ""},
      {"HEAD", "/r", {{"Accept", "image/png"}}, ""},
      {"POST", "/r", {{"Content-Type", "application/json"}}, "{}"},
      {"PUT", "/r", {{"Content-Type", "application/json"}}, "{}"},
      {"PUT", "/r", {{"Content-Type", "text/plain"}, {"If-Match", "\"v1\""}}, "x"},
      {"DELETE", "/r", {}, ""},
      {"OPTIONS", "/r", {}, ""},
      {"PATCH", "/r", {}, ""},
  };
  return all;
}

struct Answer {
  int status;
  std::string headers, body;
};

Answer answer(const http::Response& res) { return {res.status(), std::string(res.header_block()), std::string(res.body())}; }

template <class T>
void same_three_ways() {
  App typed;
  typed.resource<T>("/r");
  // The same route at a path App::handle compares in place (8 to 16 bytes), beside one the
  // router finds.
  App fast;
  fast.resource<T>("/resource");
  fast.resource<T>("/r");
  App traced(AppOptions{TraceMode::always, {}});
  traced.resource<T>("/r");
  const Plan plan = compile_plan_for<T>();
  for (const auto& r : requests()) {
    SCOPED_TRACE(r.method + " " + (r.headers.empty() ? std::string() : r.headers.front().first + ": " + r.headers.front().second));
    auto a = make(r);
    typed.handle(a.request, a.response);

    auto b = make(r);
    {
      Context ctx(b.request, b.response);
      T resource;
      run_flow(plan, resource, ctx);
    }

    auto c = make(r);
    traced.handle(c.request, c.response);
    EXPECT_TRUE(c.response.has_header("X-Oasis-Trace"));  // empty when no square is left (PATCH: 501)
    c.response.remove_header("X-Oasis-Trace");

    auto fr = r;
    fr.target = "/resource";
    auto d = make(fr);
    fast.handle(d.request, d.response);

    auto x = answer(a.response), y = answer(b.response), z = answer(c.response), w = answer(d.response);
    EXPECT_EQ(x.status, w.status);
    EXPECT_EQ(x.headers, w.headers);
    EXPECT_EQ(x.body, w.body);
    EXPECT_EQ(x.status, y.status);
    EXPECT_EQ(x.headers, y.headers);
    EXPECT_EQ(x.body, y.body);
    EXPECT_EQ(x.status, z.status);
    EXPECT_EQ(x.headers, z.headers);
    EXPECT_EQ(x.body, z.body);
  }
}

TEST(Walk, TypedGenericAndTracedAgreeForOneType) { same_three_ways<Hello>(); }
TEST(Walk, TypedGenericAndTracedAgreeWithValidators) { same_three_ways<Tagged>(); }
TEST(Walk, TypedGenericAndTracedAgreeWhenNegotiating) { same_three_ways<Multi>(); }
TEST(Walk, TypedGenericAndTracedAgreeWhenToBodyHalts) { same_three_ways<Halting>(); }
TEST(Walk, TypedGenericAndTracedAgreeOnRanges) { same_three_ways<Ranged>(); }
TEST(Walk, TypedGenericAndTracedAgreeWhenUnavailable) { same_three_ways<Unavailable>(); }
TEST(Walk, TypedGenericAndTracedAgreeWhenMissing) { same_three_ways<Missing>(); }
TEST(Walk, TypedGenericAndTracedAgreeForEveryMethod) { same_three_ways<Writable>(); }

// The compile-time walk still asks the diagram's questions: a plain GET is negotiated (C4).
// The matrix runs both forms of the resolved walk: inlined whole (few ends) and one function
// per square (many).
TEST(Walk, MatrixCoversBothResolvedForms) {
  constexpr std::size_t inline_ends = detail::FlowWalk<Hello>::inline_ends;
  // Hello: C3 (yes: C4, whose no is 406; no: O18), O18 twice (300 or 200).
  EXPECT_EQ(detail::resolved_ends(overridden_callbacks<Hello>(), M::GET), 5u);
  const std::size_t ends[] = {
      detail::resolved_ends(overridden_callbacks<Hello>(), M::GET),
      detail::resolved_ends(overridden_callbacks<Tagged>(), M::GET),
      detail::resolved_ends(overridden_callbacks<Multi>(), M::GET),
      detail::resolved_ends(overridden_callbacks<Halting>(), M::GET),
      detail::resolved_ends(overridden_callbacks<Ranged>(), M::GET),
      detail::resolved_ends(overridden_callbacks<Unavailable>(), M::GET),
      detail::resolved_ends(overridden_callbacks<Missing>(), M::GET),
      detail::resolved_ends(overridden_callbacks<Writable>(), M::GET),
      detail::resolved_ends(overridden_callbacks<Writable>(), M::HEAD),
  };
  bool inlined = false, outlined = false;
  for (auto e : ends) (e <= inline_ends ? inlined : outlined) = true;
  EXPECT_TRUE(inlined);
  EXPECT_TRUE(outlined);
}

TEST(Walk, PlainGetIsStillNegotiated) {
  App app;
  app.resource<Hello>("/r");
  auto ok = make({"GET", "/r", {{"Accept", "*/*"}}, ""});
  app.handle(ok.request, ok.response);
  EXPECT_EQ(ok.response.status(), 200);
  EXPECT_EQ(ok.response.header("Content-Type"), "application/json");
  auto refused = make({"GET", "/r", {{"Accept", "text/html"}}, ""});
  app.handle(refused.request, refused.response);
  EXPECT_EQ(refused.response.status(), 406);
  EXPECT_EQ(refused.response.header("Content-Type"), "application/problem+json");
}

// A traced GET lists the squares the plan keeps for it; an untraced one has no trace.
TEST(Walk, TraceListsTheSquaresOfAPlainGet) {
  App app(AppOptions{TraceMode::on_request, {}});
  app.resource<Hello>("/r");
  auto t = make({"GET", "/r", {{"Accept", "*/*"}, {"X-Oasis-Trace", "1"}}, ""});
  app.handle(t.request, t.response);
  EXPECT_EQ(t.response.header("X-Oasis-Trace"), "c3,c4,g8,h10,i12,l13,o18");
  auto u = make({"GET", "/r", {{"Accept", "*/*"}}, ""});
  app.handle(u.request, u.response);
  EXPECT_TRUE(u.response.header("X-Oasis-Trace").empty());
  EXPECT_EQ(u.response.status(), 200);
}

// Path parameters reach a resource on a route the trie finds (not a static route).
struct Echo : Resource {
  std::span<const std::string_view> content_types_provided(Context&) override {
    static constexpr std::string_view t[] = {"text/plain"};
    return t;
  }
  void to_body(Context& c) override { c.response().body(std::string(c.param("a")) + "+" + std::string(c.param("b"))); }
};

TEST(Walk, ParametersReachTheTypedRunner) {
  App app;
  app.resource<Hello>("/static");
  app.resource<Echo>("/x/{a}/y/{b}");
  auto e = make({"GET", "/x/1/y/two", {}, ""});
  app.handle(e.request, e.response);
  EXPECT_EQ(e.response.status(), 200);
  EXPECT_EQ(e.response.body(), "1+two");
  auto s = make({"GET", "/static", {}, ""});
  app.handle(s.request, s.response);
  EXPECT_EQ(s.response.status(), 200);
  auto n = make({"GET", "/x/1", {}, ""});
  app.handle(n.request, n.response);
  EXPECT_EQ(n.response.status(), 404);
}

// A factory with state builds the resource per request on the typed path.
TEST(Walk, FactoryResourcesRunTyped) {
  App app;
  int made = 0;
  app.resource<Echo>("/f/{a}/{b}", [&made](Context&) {
    ++made;
    return Echo{};
  });
  for (int i = 0; i < 3; ++i) {
    auto e = make({"GET", "/f/p/q", {}, ""});
    app.handle(e.request, e.response);
    EXPECT_EQ(e.response.body(), "p+q");
  }
  EXPECT_EQ(made, 3);
}

// A resource that throws answers 500 problem+json on the typed path too.
struct Throws : Hello {
  void to_body(Context&) override { throw std::runtime_error("bug"); }
};

TEST(Walk, ThrowingResourceAnswers500) {
  App app;
  app.resource<Throws>("/t");
  auto e = make({"GET", "/t", {}, ""});
  app.handle(e.request, e.response);
  EXPECT_EQ(e.response.status(), 500);
  EXPECT_EQ(e.response.header("Content-Type"), "application/problem+json");
}

}  // namespace
