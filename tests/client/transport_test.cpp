// tests/client/transport_test.cpp — the HTTP/1.1 client transport against scripted servers:
// keep-alive reuse, pipelining order, broken connections mid-pipeline, timeouts, framing.
#include "scripted_server.hpp"

#include <oasis/http/client.hpp>

#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

using namespace oasis::http;
using oasis_test::ScriptedConn;
using oasis_test::ScriptedServer;
using namespace std::chrono_literals;

namespace {

Origin local(std::uint16_t port) { return Origin{"http", "127.0.0.1", port}; }

ClientRequest get(std::string target) {
  ClientRequest r;
  r.target = std::move(target);
  return r;
}

// Sends every request at once; returns the results in request order.
std::vector<std::pair<TransportError, ClientResponse>> send_all(Transport& t, const Origin& o,
                                                                std::vector<ClientRequest> reqs) {
  std::vector<std::future<std::pair<TransportError, ClientResponse>>> fs;
  for (auto& r : reqs) {
    auto pr = std::make_shared<std::promise<std::pair<TransportError, ClientResponse>>>();
    fs.push_back(pr->get_future());
    t.async_send(o, std::move(r), [pr](TransportError e, ClientResponse res) { pr->set_value({std::move(e), std::move(res)}); });
  }
  std::vector<std::pair<TransportError, ClientResponse>> out;
  for (auto& f : fs) out.push_back(f.get());
  return out;
}

}  // namespace

TEST(Origin, ParsesUrls) {
  auto o = Origin::parse("https://pve.example:8006/api2/json");
  EXPECT_EQ(o.scheme, "https");
  EXPECT_EQ(o.host, "pve.example");
  EXPECT_EQ(o.port, 8006);
  EXPECT_EQ(o.host_header(), "pve.example:8006");
  EXPECT_EQ(Origin::parse("http://h").port, 80);
  EXPECT_EQ(Origin::parse("http://h").host_header(), "h");
  EXPECT_EQ(Origin::parse("http://[::1]:81/").host, "::1");
  EXPECT_EQ(Origin::parse("http://[::1]:81/").host_header(), "[::1]:81");
  EXPECT_THROW(Origin::parse("ftp://h"), std::invalid_argument);
  EXPECT_THROW(Origin::parse("h:80"), std::invalid_argument);
  EXPECT_THROW(Origin::parse("http://h:99999"), std::invalid_argument);
}

TEST(RequestSerializer, WritesFramingAndDropsInjectedHeaders) {
  ClientRequest r;
  r.method = "POST";
  r.target = "/a?b=1";
  r.headers = {{"Accept", "application/json"}, {"X-Bad", "a\r\nInjected: 1"}, {"Content-Length", "99"}};
  r.body = "hello";
  std::string out;
  serialize_request(r, "h:81", "oasis-test", out);
  EXPECT_EQ(out,
            "POST /a?b=1 HTTP/1.1\r\nHost: h:81\r\nAccept: application/json\r\nUser-Agent: oasis-test\r\n"
            "Content-Length: 5\r\n\r\nhello");
}

TEST(RequestSerializer, CommonHeadersFirstCallersHostAndAgentKeptAndBatchesAppend) {
  const CommonHeaders common({{"Accept", "application/json"}, {"transfer-encoding", "chunked"}, {"X-Bad", "a\nb"}});
  EXPECT_EQ(common.wire(), "Accept: application/json\r\n");  // framing and injection left out
  EXPECT_EQ(common.fields().size(), 3u);
  EXPECT_FALSE(common.has_host());
  ClientRequest a;
  a.target = "/x";
  a.common_headers = &common;
  a.headers = {{"host", "other:1"}, {"USER-AGENT", "mine"}, {"X-Empty", ""}};
  ClientRequest b;
  b.method = "PUT";
  b.target = "";  // an empty target is the root
  std::string out = "previous";
  serialize_request(a, "h:81", "oasis-test", out);
  serialize_request(b, "h:81", "oasis-test", out);
  EXPECT_EQ(out,
            "previous"
            "GET /x HTTP/1.1\r\nAccept: application/json\r\nhost: other:1\r\nUSER-AGENT: mine\r\nX-Empty: \r\n\r\n"
            "PUT / HTTP/1.1\r\nHost: h:81\r\nUser-Agent: oasis-test\r\nContent-Length: 0\r\n\r\n");
}

// An answer that goes gives its buffers back, and the next answer is filled in them: on the
// same thread, and on another (the transport's) once a batch has gathered.
TEST(AnswerBuffers, AnAnswersBuffersComeBackForTheNextAnswers) {
  std::thread([] {
    ClientResponse r;
    r.body.assign(1000, 'b');
    const std::string type(600, 'h');  // (Headers holds views)
    Headers parsed;
    parsed.add("Content-Type", type);
    r.headers.assign(parsed);
    const char* body = r.body.data();
    { ClientResponse gone = std::move(r); }  // the moved-from one had nothing to give
    std::string a = detail::AnswerBuffers::take(), b = detail::AnswerBuffers::take();
    EXPECT_TRUE(a.empty());
    EXPECT_TRUE(b.empty());
    EXPECT_GE(std::max(a.capacity(), b.capacity()), 1000u);
    EXPECT_GE(std::min(a.capacity(), b.capacity()), 600u);
    EXPECT_TRUE(a.data() == body || b.data() == body);  // the very buffer, not a copy of its size
    std::string big(100 * 1024, 'x');  // too large to keep
    detail::AnswerBuffers::give(big);
    EXPECT_EQ(big.size(), 100u * 1024);  // left as it was, freed as usual
    EXPECT_LT(detail::AnswerBuffers::take().capacity(), 100u * 1024);
  }).join();

  std::thread([] {  // (what earlier tests left in the shared list goes first)
    for (int i = 0; i < 4096 && detail::AnswerBuffers::take().capacity() > std::string().capacity(); ++i) {
    }
  }).join();
  std::thread([] {  // a caller's thread lets many answers go...
    for (int i = 0; i < 300; ++i) {
      ClientResponse r;
      r.body.assign(3000, 'c');
    }
  }).join();
  std::thread([] {  // ...and a transport's thread fills new ones in their buffers
    int reused = 0;
    for (int i = 0; i < 64; ++i)
      if (detail::AnswerBuffers::take().capacity() >= 3000) ++reused;
    EXPECT_EQ(reused, 64);
  }).join();
}

TEST(HeaderBlock, HoldsCopiesOfParsedFieldsInOrderAndFindsThemByAnyCase) {
  std::string wire = "Content-Type";
  std::string value = "application/json; charset=utf-8";
  Headers parsed;
  parsed.add(wire, value);
  parsed.add("ETag", "\"4-4\"");
  parsed.add("X-Empty", "");
  parsed.add("etag", "second");
  HeaderBlock b;
  b.emplace_back("Stale", "replaced by assign");
  b.assign(parsed);
  wire.assign(wire.size(), '?');  // the block holds copies, not views of the parser's buffer
  value.assign(value.size(), '?');
  ASSERT_EQ(b.size(), 4u);
  EXPECT_EQ(b[0].first, "Content-Type");
  EXPECT_EQ(b[0].second, "application/json; charset=utf-8");
  EXPECT_EQ(b.get("content-type"), "application/json; charset=utf-8");
  EXPECT_EQ(b.get("ETAG"), "\"4-4\"");  // the first of a repeated name
  EXPECT_EQ(b.get("x-empty"), "");
  EXPECT_EQ(b.get("Missing"), "");
  EXPECT_EQ(b.get("Content-Typ"), "");
  std::vector<std::string> seen;
  for (const auto& [n, v] : b) seen.push_back(std::string(n) + "=" + std::string(v));
  EXPECT_EQ(seen, (std::vector<std::string>{"Content-Type=application/json; charset=utf-8", "ETag=\"4-4\"", "X-Empty=", "etag=second"}));

  HeaderBlock copy = b;  // offsets, not views: a copy reads its own bytes
  b = HeaderBlock{{"A", "1"}};
  EXPECT_EQ(copy.get("etag"), "\"4-4\"");
  EXPECT_EQ(copy.size(), 4u);
  EXPECT_EQ(b.size(), 1u);
  EXPECT_EQ(b.get("a"), "1");
  b.emplace_back("B", "2");
  EXPECT_EQ(b[1].first, "B");
  EXPECT_EQ(b[1].second, "2");
  EXPECT_TRUE(HeaderBlock{}.empty());

  // Fields added after a parsed head keep every earlier field readable.
  copy.emplace_back("Added-Later", std::string(300, 'v'));
  ASSERT_EQ(copy.size(), 5u);
  EXPECT_EQ(copy[0].second, "application/json; charset=utf-8");
  EXPECT_EQ(copy[3].first, "etag");
  EXPECT_EQ(copy[3].second, "second");
  EXPECT_EQ(copy.get("added-later"), std::string(300, 'v'));
  // A moved-from block is empty, and the one moved to reads the same fields.
  HeaderBlock moved = std::move(copy);
  EXPECT_TRUE(copy.empty());  // NOLINT(bugprone-use-after-move): the moved-from state is specified
  EXPECT_EQ(copy.get("etag"), "");
  EXPECT_EQ(moved.size(), 5u);
  EXPECT_EQ(moved.get("ETag"), "\"4-4\"");
  b = std::move(moved);
  EXPECT_TRUE(moved.empty());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(b.get("x-empty"), "");
  EXPECT_EQ(b[4].first, "Added-Later");
}

namespace {
// A caller's own exchange: counts its completions and keeps the answers.
struct CountingExchange final : Exchange {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> bodies;
  std::vector<TransportError::Kind> errors;
  void complete(TransportError err, ClientResponse res) override {
    std::lock_guard lk(mu);
    errors.push_back(err.kind);
    bodies.push_back(res.body);
    cv.notify_all();
  }
  bool wait_for(std::size_t n) {
    std::unique_lock lk(mu);
    return cv.wait_for(lk, 5s, [&] { return bodies.size() >= n; });
  }
};
}  // namespace

TEST(Transport, AnExchangeCompletesOncePerSendAndCanBeSentAgain) {
  ScriptedServer server([](ScriptedConn& c, int) {
    int n = 0;
    while (auto r = c.read_request()) c.respond(oasis_test::target_of(*r) + "#" + std::to_string(++n));
  });
  Transport t;
  auto x = std::make_shared<CountingExchange>();
  x->request.target = "/again";
  t.async_send(local(server.port()), x);
  ASSERT_TRUE(x->wait_for(1));
  t.async_send(local(server.port()), x);  // a retry sends the same object
  ASSERT_TRUE(x->wait_for(2));
  std::this_thread::sleep_for(50ms);  // nothing more arrives
  std::lock_guard lk(x->mu);
  EXPECT_EQ(x->bodies, (std::vector<std::string>{"/again#1", "/again#2"}));
  EXPECT_EQ(x->errors, (std::vector<TransportError::Kind>{TransportError::Kind::none, TransportError::Kind::none}));
  EXPECT_EQ(t.stats().connections_opened, 1u);
}

TEST(Transport, APostWaitingAmongPipelinedGetsGetsAConnectionToItself) {
  // More requests than the pool holds at once, so they wait and go out as answers free slots
  // (the freed connection is reused first): a POST among them must still go alone.
  std::atomic<int> posts{0}, posts_alone{0};
  ScriptedServer server([&](ScriptedConn& c, int) {
    while (auto r = c.read_request(2s)) {
      if (r->rfind("POST", 0) == 0) {
        ++posts;
        if (!c.data_within(100ms)) ++posts_alone;
      }
      c.respond(oasis_test::target_of(*r));
    }
  });
  TransportOptions opt;
  opt.max_connections = 2;
  opt.pipeline_depth = 4;
  Transport t(opt);
  std::vector<ClientRequest> reqs;
  for (int i = 0; i < 40; ++i) {
    if (i == 17 || i == 29) {
      ClientRequest post;
      post.method = "POST";
      post.target = "/post/" + std::to_string(i);
      post.body = "x";
      reqs.push_back(post);
    } else {
      reqs.push_back(get("/get/" + std::to_string(i)));
    }
  }
  auto results = send_all(t, local(server.port()), reqs);
  for (std::size_t i = 0; i < results.size(); ++i) {
    ASSERT_FALSE(results[i].first) << results[i].first.message;
    EXPECT_EQ(results[i].second.body, reqs[i].target);
  }
  EXPECT_EQ(posts.load(), 2);
  EXPECT_EQ(posts_alone.load(), 2);
}

TEST(Transport, ReusesKeepAliveConnection) {
  ScriptedServer server([](ScriptedConn& c, int) {
    while (auto r = c.read_request()) c.respond("ok " + oasis_test::target_of(*r));
  });
  Transport t;
  for (int i = 0; i < 3; ++i) {
    auto [err, res] = t.send(local(server.port()), get("/r" + std::to_string(i)));
    ASSERT_FALSE(err) << err.message;
    EXPECT_EQ(res.status, 200);
    EXPECT_EQ(res.body, "ok /r" + std::to_string(i));
  }
  EXPECT_EQ(server.connections(), 1);
  EXPECT_EQ(t.stats().connections_opened, 1u);
}

TEST(Transport, PipelinesIdempotentRequestsAndMatchesResponsesInOrder) {
  // The server answers only once it holds all five requests: a client that waited for each
  // answer before sending the next would time out here.
  ScriptedServer server([](ScriptedConn& c, int) {
    std::vector<std::string> got;
    for (int i = 0; i < 5; ++i) {
      auto r = c.read_request(3s);
      if (!r) return;
      got.push_back(oasis_test::target_of(*r));
    }
    std::string burst;
    for (auto& t : got) burst += "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(t.size()) + "\r\n\r\n" + t;
    c.write(burst);
    while (auto r = c.read_request(1s)) c.respond(oasis_test::target_of(*r));
  });
  TransportOptions opt;
  opt.max_connections = 1;
  opt.pipeline_depth = 8;
  Transport t(opt);
  std::vector<ClientRequest> reqs;
  for (int i = 0; i < 5; ++i) reqs.push_back(get("/p" + std::to_string(i)));
  auto results = send_all(t, local(server.port()), std::move(reqs));
  for (int i = 0; i < 5; ++i) {
    ASSERT_FALSE(results[i].first) << results[i].first.message;
    EXPECT_EQ(results[i].second.body, "/p" + std::to_string(i));
  }
  EXPECT_EQ(server.connections(), 1);
}

TEST(Transport, NeverPipelinesPostUnlessAsked) {
  std::atomic<bool> post_was_alone{false};
  ScriptedServer server([&](ScriptedConn& c, int) {
    auto first = c.read_request();
    if (!first) return;
    post_was_alone = !c.data_within(200ms);  // nothing behind the POST until it is answered
    c.respond("posted");
    while (auto r = c.read_request(1s)) c.respond("got");
  });
  TransportOptions opt;
  opt.max_connections = 1;
  opt.pipeline_depth = 8;
  Transport t(opt);
  ClientRequest post;
  post.method = "POST";
  post.target = "/p";
  post.body = "x";
  std::vector<ClientRequest> reqs{post, get("/g")};
  auto results = send_all(t, local(server.port()), std::move(reqs));
  ASSERT_FALSE(results[0].first);
  ASSERT_FALSE(results[1].first);
  EXPECT_EQ(results[0].second.body, "posted");
  EXPECT_EQ(results[1].second.body, "got");
  EXPECT_TRUE(post_was_alone);
}

TEST(Transport, ResendsUnansweredIdempotentRequestsWhenConnectionBreaksMidPipeline) {
  ScriptedServer server([&](ScriptedConn& c, int index) {
    if (index == 0) {
      // Take three pipelined requests, answer the first, then drop the connection.
      std::vector<std::string> got;
      for (int i = 0; i < 3; ++i)
        if (auto r = c.read_request(3s)) got.push_back(oasis_test::target_of(*r));
      if (!got.empty()) c.respond(got[0]);
      c.close();
      return;
    }
    while (auto r = c.read_request(2s)) c.respond(oasis_test::target_of(*r));
  });
  TransportOptions opt;
  opt.max_connections = 1;
  opt.pipeline_depth = 4;
  Transport t(opt);
  auto results = send_all(t, local(server.port()), {get("/a"), get("/b"), get("/c")});
  for (int i = 0; i < 3; ++i) ASSERT_FALSE(results[i].first) << i << ": " << results[i].first.message;
  EXPECT_EQ(results[0].second.body, "/a");
  EXPECT_EQ(results[1].second.body, "/b");
  EXPECT_EQ(results[2].second.body, "/c");
  auto s = t.stats();
  EXPECT_EQ(s.connections_opened, 2u);
  EXPECT_EQ(s.requests_resent, 2u);
}

TEST(Transport, DoesNotResendAWrittenPostAfterTheConnectionBreaks) {
  std::atomic<int> posts{0};
  ScriptedServer server([&](ScriptedConn& c, int) {
    if (auto r = c.read_request()) ++posts;
    c.close();
  });
  Transport t;
  ClientRequest post;
  post.method = "POST";
  post.target = "/once";
  post.body = "{}";
  auto [err, res] = t.send(local(server.port()), post);
  EXPECT_EQ(err.kind, TransportError::Kind::closed);
  EXPECT_EQ(posts.load(), 1);
}

TEST(Transport, GivesUpAfterBoundedResends) {
  ScriptedServer server([](ScriptedConn& c, int) {
    c.read_request();
    c.close();
  });
  TransportOptions opt;
  opt.broken_connection_retries = 2;
  Transport t(opt);
  auto [err, res] = t.send(local(server.port()), get("/x"));
  EXPECT_EQ(err.kind, TransportError::Kind::closed);
  EXPECT_EQ(server.connections(), 3);  // the first try and two resends
}

TEST(Transport, ServerConnectionCloseMovesLaterRequestsToANewConnection) {
  ScriptedServer server([](ScriptedConn& c, int index) {
    if (index == 0) {
      if (auto r = c.read_request()) c.respond("first", "Connection: close\r\n");
      c.data_within(100ms);
      return;
    }
    while (auto r = c.read_request(1s)) c.respond("later");
  });
  Transport t;
  auto [e1, r1] = t.send(local(server.port()), get("/1"));
  ASSERT_FALSE(e1);
  EXPECT_EQ(r1.body, "first");
  auto [e2, r2] = t.send(local(server.port()), get("/2"));
  ASSERT_FALSE(e2) << e2.message;
  EXPECT_EQ(r2.body, "later");
  EXPECT_EQ(server.connections(), 2);
}

TEST(Transport, PerRequestTimeout) {
  ScriptedServer server([](ScriptedConn& c, int) {
    c.read_request();
    c.data_within(2s);  // never answers
  });
  Transport t;
  ClientRequest r = get("/slow");
  r.timeout = 150ms;
  auto start = std::chrono::steady_clock::now();
  auto [err, res] = t.send(local(server.port()), r);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(err.kind, TransportError::Kind::timeout);
  EXPECT_GE(took, 140ms);
  EXPECT_LT(took, 1500ms);
}

// One timer sweeps every request's deadline: a later request with a shorter timeout must
// still time out on time, an earlier longer one later, and answered ones not at all.
TEST(Transport, TimeoutsOfDifferentLengthsEachFireOnTime) {
  ScriptedServer server([](ScriptedConn& c, int) {
    while (auto req = c.read_request(3s)) {
      if (oasis_test::target_of(*req) == "/fast")
        c.respond("ok");
      else
        c.data_within(2s);  // never answers
    }
  });
  TransportOptions o;
  o.max_connections = 3;
  Transport t(o);
  using Result = std::pair<TransportError, ClientResponse>;
  auto send = [&](std::string target, std::chrono::milliseconds timeout) {
    auto pr = std::make_shared<std::promise<std::pair<Result, std::chrono::steady_clock::time_point>>>();
    auto f = pr->get_future();
    ClientRequest r = get(std::move(target));
    r.timeout = timeout;
    t.async_send(local(server.port()), std::move(r), [pr](TransportError e, ClientResponse res) {
      pr->set_value({{std::move(e), std::move(res)}, std::chrono::steady_clock::now()});
    });
    return f;
  };
  const auto start = std::chrono::steady_clock::now();
  auto long_one = send("/slow-long", 700ms);
  std::this_thread::sleep_for(20ms);  // the long deadline is the timer's first
  auto short_one = send("/slow-short", 150ms);
  auto fast = send("/fast", 0ms);
  auto [fr, fat] = fast.get();
  EXPECT_FALSE(fr.first) << fr.first.message;
  EXPECT_EQ(fr.second.body, "ok");
  auto [sr, sat] = short_one.get();
  EXPECT_EQ(sr.first.kind, TransportError::Kind::timeout);
  EXPECT_GE(sat - start, 160ms);
  EXPECT_LT(sat - start, 600ms);
  auto [lr, lat] = long_one.get();
  EXPECT_EQ(lr.first.kind, TransportError::Kind::timeout);
  EXPECT_GE(lat - start, 690ms);
  EXPECT_LT(lat - start, 1800ms);
}

TEST(Transport, ConnectionRefused) {
  std::uint16_t port;
  {
    ScriptedServer gone([](ScriptedConn&, int) {});
    port = gone.port();
  }
  Transport t;
  auto [err, res] = t.send(local(port), get("/"));
  EXPECT_EQ(err.kind, TransportError::Kind::connect);
}

TEST(Transport, HeadResponseHasNoBodyAndThePipelineStaysInStep) {
  ScriptedServer server([](ScriptedConn& c, int) {
    auto a = c.read_request();
    auto b = c.read_request();
    if (!a || !b) return;
    // The HEAD answer declares a length but carries no body; the GET's answer follows at once.
    c.write("HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nget");
    c.data_within(300ms);
  });
  TransportOptions opt;
  opt.max_connections = 1;
  opt.pipeline_depth = 2;
  Transport t(opt);
  ClientRequest head = get("/h");
  head.method = "HEAD";
  auto results = send_all(t, local(server.port()), {head, get("/g")});
  ASSERT_FALSE(results[0].first) << results[0].first.message;
  ASSERT_FALSE(results[1].first) << results[1].first.message;
  EXPECT_EQ(results[0].second.header("content-length"), "42");
  EXPECT_EQ(results[0].second.body, "");
  EXPECT_EQ(results[1].second.body, "get");
}

TEST(Transport, SkipsInterimResponsesAndReadsChunkedAndCloseDelimitedBodies) {
  ScriptedServer server([](ScriptedConn& c, int index) {
    if (!c.read_request()) return;
    if (index == 0) {
      c.write("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
      if (c.read_request(1s)) {
        c.write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end");
        c.close();  // the end of the connection is the end of the body
      }
    }
  });
  Transport t;
  auto [e1, r1] = t.send(local(server.port()), get("/chunked"));
  ASSERT_FALSE(e1) << e1.message;
  EXPECT_EQ(r1.status, 200);
  EXPECT_EQ(r1.body, "abcde");
  auto [e2, r2] = t.send(local(server.port()), get("/eof"));
  ASSERT_FALSE(e2) << e2.message;
  EXPECT_EQ(r2.body, "until the end");
}

TEST(Transport, RespectsMaxConnectionsAndQueuesTheRest) {
  std::atomic<int> in_flight{0}, peak{0};
  ScriptedServer server([&](ScriptedConn& c, int) {
    while (auto r = c.read_request(1s)) {
      int now = ++in_flight;
      int p = peak.load();
      while (now > p && !peak.compare_exchange_weak(p, now)) {
      }
      std::this_thread::sleep_for(50ms);
      --in_flight;
      c.respond("x");
    }
  });
  TransportOptions opt;
  opt.max_connections = 2;
  Transport t(opt);
  std::vector<ClientRequest> reqs(6, get("/"));
  auto results = send_all(t, local(server.port()), reqs);
  for (auto& r : results) ASSERT_FALSE(r.first) << r.first.message;
  EXPECT_EQ(server.connections(), 2);
  EXPECT_LE(peak.load(), 2);
}

TEST(Transport, ClosesIdleConnectionsAfterTheIdleTimeout) {
  ScriptedServer server([](ScriptedConn& c, int) {
    while (auto r = c.read_request(2s)) c.respond("x");
  });
  TransportOptions opt;
  opt.idle_timeout = 100ms;
  Transport t(opt);
  ASSERT_FALSE(t.send(local(server.port()), get("/")).first);
  EXPECT_EQ(t.stats().idle_connections, 1u);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(t.stats().open_connections, 0u);
}

TEST(Transport, KeepsAtMostMaxIdleConnections) {
  ScriptedServer server([](ScriptedConn& c, int) {
    while (auto r = c.read_request(2s)) {
      std::this_thread::sleep_for(30ms);
      c.respond("x");
    }
  });
  TransportOptions opt;
  opt.max_connections = 4;
  opt.max_idle = 1;
  Transport t(opt);
  auto results = send_all(t, local(server.port()), std::vector<ClientRequest>(4, get("/")));
  for (auto& r : results) ASSERT_FALSE(r.first);
  EXPECT_EQ(server.connections(), 4);
  std::this_thread::sleep_for(50ms);
  EXPECT_LE(t.stats().idle_connections, 1u);
}

TEST(Transport, MalformedResponseIsAProtocolError) {
  ScriptedServer server([](ScriptedConn& c, int) {
    if (c.read_request()) c.write("NOT HTTP AT ALL\r\n\r\n");
    c.data_within(200ms);
  });
  TransportOptions opt;
  opt.broken_connection_retries = 0;
  Transport t(opt);
  auto [err, res] = t.send(local(server.port()), get("/"));
  EXPECT_EQ(err.kind, TransportError::Kind::protocol);
}

TEST(Transport, DestructionCancelsWhatIsInFlight) {
  ScriptedServer server([](ScriptedConn& c, int) {
    c.read_request();
    c.data_within(1s);
  });
  std::future<TransportError> f;
  {
    Transport t;
    auto pr = std::make_shared<std::promise<TransportError>>();
    f = pr->get_future();
    t.async_send(local(server.port()), get("/"), [pr](TransportError e, ClientResponse) { pr->set_value(e); });
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(f.wait_for(1s), std::future_status::ready);
  EXPECT_EQ(f.get().kind, TransportError::Kind::cancelled);
}

TEST(Transport, ManyRequestsAtOnceUseEveryPooledConnectionAndPipelineOnEach) {
  // Each connection reads what the client has pipelined (a "batch"), then answers it in order.
  std::mutex mu;
  std::vector<int> per_conn(8, 0);
  int max_batch = 0;
  ScriptedServer server([&](ScriptedConn& c, int index) {
    while (auto r = c.read_request(2s)) {
      std::vector<std::string> batch{*r};
      while (auto more = c.read_request(3ms)) batch.push_back(*more);
      {
        std::lock_guard lk(mu);
        if (index < 8) per_conn[static_cast<std::size_t>(index)] += static_cast<int>(batch.size());
        max_batch = std::max(max_batch, static_cast<int>(batch.size()));
      }
      std::string out;
      for (auto& q : batch) {
        std::string t = oasis_test::target_of(q);
        out += "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(t.size()) + "\r\n\r\n" + t;
      }
      c.write(out);
    }
  });
  TransportOptions opt;
  opt.max_connections = 4;
  opt.pipeline_depth = 8;
  Transport t(opt);
  std::vector<ClientRequest> reqs;
  for (int i = 0; i < 500; ++i) reqs.push_back(get("/vm/" + std::to_string(i)));
  auto results = send_all(t, local(server.port()), reqs);
  for (int i = 0; i < 500; ++i) {
    ASSERT_FALSE(results[static_cast<std::size_t>(i)].first) << results[static_cast<std::size_t>(i)].first.message;
    ASSERT_EQ(results[static_cast<std::size_t>(i)].second.body, "/vm/" + std::to_string(i));  // matched in order
  }
  EXPECT_EQ(server.connections(), 4);
  EXPECT_EQ(t.stats().connections_opened, 4u);
  std::lock_guard lk(mu);
  int total = 0;
  for (int i = 0; i < 4; ++i) {
    EXPECT_GE(per_conn[static_cast<std::size_t>(i)], 50) << "connection " << i << " was barely used";
    total += per_conn[static_cast<std::size_t>(i)];
  }
  EXPECT_EQ(total, 500);
  EXPECT_GT(max_batch, 1) << "no request was ever pipelined";
  EXPECT_LE(max_batch, 8) << "more requests in flight on one connection than pipeline_depth";
}

TEST(Transport, ConnectTimeout) {
  // A listener whose accept queue is full drops new SYNs, so a connect hangs until the timeout.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 0), 0);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  std::vector<int> fillers;
  for (int i = 0; i < 4; ++i) {
    int c = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    ::connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a);
    fillers.push_back(c);
  }
  std::this_thread::sleep_for(50ms);
  TransportOptions opt;
  opt.connect_timeout = 200ms;
  opt.request_timeout = 5s;
  Transport t(opt);
  auto t0 = std::chrono::steady_clock::now();
  auto [err, res] = t.send(local(ntohs(a.sin_port)), get("/"));
  auto took = std::chrono::steady_clock::now() - t0;
  for (int c : fillers) ::close(c);
  ::close(fd);
  ASSERT_TRUE(err);
  EXPECT_EQ(err.kind, TransportError::Kind::timeout) << err.message;
  EXPECT_NE(err.message.find("connect timed out"), std::string::npos) << err.message;
  EXPECT_GE(took, 190ms);
  EXPECT_LT(took, 2s);
}
