// End-to-end: `oasis mock` on the bundled library example, over raw HTTP — CRUD, validation,
// nested delete, and state that survives kill -9 with --state.
#include "e2e/support.hpp"

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>

using namespace oasis_test;
namespace json = boost::json;

namespace {

std::string example() { return std::string(OASIS_SOURCE_DIR) + "/examples/library/library.yaml"; }

std::string req(std::string method, std::string path, std::string body = {}, std::string extra = {}) {
  std::string r = method + " " + path + " HTTP/1.1\r\nHost: t\r\n" + extra;
  if (!body.empty()) r += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  return r + "\r\n" + body;
}

}  // namespace

TEST(MockE2e, CrudOverRawHttp) {
  Process p({binary("oasis"), "mock", example(), "--port", "0", "--threads", "2"});
  int port = p.wait_for_port();
  Client c(port);
  c.send(req("GET", "/v1/books"));
  auto list = c.read_response();
  ASSERT_TRUE(list);
  ASSERT_EQ(list->status, 200);
  EXPECT_EQ(json::parse(list->body).as_array().size(), 3u);

  c.send(req("POST", "/v1/books", R"({"isbn":"9781234567897","title":"Dune","author":"Frank Herbert"})"));
  auto created = c.read_response();
  ASSERT_TRUE(created);
  EXPECT_EQ(created->status, 201);
  EXPECT_EQ(created->header("Location"), "/v1/books/9781234567897");

  c.send(req("POST", "/v1/books/9781234567897/loans", R"({"member":"00000000-0000-4000-8000-000000000001","due":"2026-12-01"})"));
  auto loan = c.read_response();
  ASSERT_TRUE(loan);
  ASSERT_EQ(loan->status, 201) << loan->body;
  std::string loan_path = loan->header("Location");

  c.send(req("GET", "/v1/books/9781234567897"));
  auto got = c.read_response();
  ASSERT_TRUE(got);
  EXPECT_EQ(json::parse(got->body).at("title").as_string(), "Dune");
  std::string etag = got->header("ETag");
  c.send(req("GET", "/v1/books/9781234567897", {}, "If-None-Match: " + etag + "\r\n"));
  auto cached = c.read_response();
  ASSERT_TRUE(cached);
  EXPECT_EQ(cached->status, 304);

  c.send(req("POST", "/v1/books", R"({"title":""})"));
  auto bad = c.read_response();
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(bad->header("Content-Type"), "application/problem+json");
  EXPECT_EQ(json::parse(bad->body).at("errors").as_array().size(), 3u);

  c.send(req("DELETE", "/v1/books/9781234567897"));
  auto gone = c.read_response();
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->status, 204);
  for (const std::string& path : {std::string("/v1/books/9781234567897"), loan_path}) {
    c.send(req("GET", path));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404) << path;
  }
  c.send(req("PATCH", "/v1/books"));
  auto wrong = c.read_response();
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 405);
  EXPECT_EQ(wrong->header("Allow"), "GET, HEAD, POST");
}

TEST(MockE2e, StateSurvivesKill9) {
  auto db = std::filesystem::temp_directory_path() / ("oasis-mock-e2e-" + std::to_string(getpid()) + ".db");
  std::filesystem::remove(db);
  {
    Process p({binary("oasis"), "mock", example(), "--port", "0", "--state", db.string()});
    int port = p.wait_for_port();
    auto created = oasis_test::exchange(port, req("POST", "/v1/books", R"({"isbn":"9789999999991","title":"Kept","author":"A"})"));
    ASSERT_TRUE(created);
    ASSERT_EQ(created->status, 201);
    auto seeded = oasis_test::exchange(port, req("GET", "/v1/books"));
    ASSERT_TRUE(seeded);
    std::string first(json::parse(seeded->body).as_array()[0].at("isbn").as_string());
    auto del = oasis_test::exchange(port, req("DELETE", "/v1/books/" + first));
    ASSERT_TRUE(del);
    ASSERT_EQ(del->status, 204);
    p.kill(SIGKILL);
  }
  Process p({binary("oasis"), "mock", example(), "--port", "0", "--state", db.string()});
  int port = p.wait_for_port();
  auto kept = oasis_test::exchange(port, req("GET", "/v1/books/9789999999991"));
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->status, 200);
  EXPECT_EQ(json::parse(kept->body).at("title").as_string(), "Kept");
  // The seeded book deleted before the kill stays deleted: seeding does not bring it back.
  auto list = oasis_test::exchange(port, req("GET", "/v1/books"));
  ASSERT_TRUE(list);
  EXPECT_EQ(json::parse(list->body).as_array().size(), 3u) << list->body;  // 3 seeded - 1 + 1 created
  std::filesystem::remove(db);
  std::filesystem::remove(db.string() + "-wal");
  std::filesystem::remove(db.string() + "-shm");
}

TEST(MockE2e, APortInUseIsRefusedNotShared) {
  // The engine's threads share one port (SO_REUSEPORT); another process must not join them.
  Process first({binary("oasis"), "mock", example(), "--port", "0", "--threads", "2"});
  const int port = first.wait_for_port();
  for (const char* threads : {"1", "2"}) {
    Process second({"/bin/sh", "-c", binary("oasis") + " mock " + example() + " --port " + std::to_string(port) +
                                         " --threads " + threads + " 2>&1"});
    EXPECT_NE(second.wait(), 0);
    const std::string out = second.output();
    EXPECT_NE(out.find("cannot listen on 127.0.0.1:" + std::to_string(port)), std::string::npos) << out;
    EXPECT_NE(out.find("in use"), std::string::npos) << out;
    EXPECT_EQ(out.find("listening on"), std::string::npos) << out;
  }
  for (int i = 0; i < 8; ++i) {  // every connection still reaches the first
    Client c(port);
    c.send(req("GET", "/v1/books"));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
}

TEST(MockE2e, RoutesTopologyPrintsWhatTheMockInfers) {
  Process p({binary("oasis"), "routes", "--topology", example()});
  std::string line = p.wait_for_line("^collection /books ");
  EXPECT_NE(line.find("items /books/{isbn}  id isbn"), std::string::npos) << line;
  EXPECT_EQ(p.wait(), 0);
  std::string all = p.output();
  EXPECT_NE(all.find("collection /books/{isbn}/loans  items /books/{isbn}/loans/{loanId}  id loanId  under /books/{isbn}"),
            std::string::npos)
      << all;
}

TEST(MockE2e, LatencyDelaysEveryAnswerWithoutBlockingOthers) {
  Process p({binary("oasis"), "mock", example(), "--port", "0", "--threads", "1", "--latency", "300ms"});
  int port = p.wait_for_port();
  auto start = std::chrono::steady_clock::now();
  // Two connections at once on one thread: both answered in about one delay, not two.
  Client a(port), b(port);
  a.send(req("GET", "/v1/books"));
  b.send(req("GET", "/v1/members"));
  auto ra = a.read_response(), rb = b.read_response();
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(ra && rb);
  EXPECT_EQ(ra->status, 200);
  EXPECT_EQ(rb->status, 200);
  EXPECT_GE(took, std::chrono::milliseconds(290));
  EXPECT_LT(took, std::chrono::milliseconds(550));
  // The admin API is never delayed.
  start = std::chrono::steady_clock::now();
  auto h = oasis_test::exchange(port, req("GET", "/_oasis/health"));
  ASSERT_TRUE(h);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(250));
}

TEST(MockE2e, FailRateAndRequestLog) {
  Process p({binary("oasis"), "mock", example(), "--port", "0", "--fail-rate", "1", "--log", "requests"});
  int port = p.wait_for_port();
  auto r = oasis_test::exchange(port, req("GET", "/v1/books"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(p.wait_for_line("^GET /v1/books 503"), "GET /v1/books 503 " + std::to_string(r->body.size()));
}

TEST(MockE2e, BadOptionsAreClearErrors) {
  Process p({binary("oasis"), "mock", example(), "--latency", "soon"});
  EXPECT_EQ(p.wait(), 2);
}

TEST(MockE2e, DataFileInYaml) {
  auto file = std::filesystem::temp_directory_path() / ("oasis-data-" + std::to_string(getpid()) + ".yaml");
  {
    std::ofstream f(file);
    f << "/books:\n  - {isbn: \"9780000000017\", title: Given, author: Someone}\n";
  }
  Process p({binary("oasis"), "mock", example(), "--port", "0", "--data", file.string()});
  int port = p.wait_for_port();
  auto list = oasis_test::exchange(port, req("GET", "/v1/books"));
  ASSERT_TRUE(list);
  auto books = json::parse(list->body).as_array();
  ASSERT_EQ(books.size(), 1u) << list->body;
  EXPECT_EQ(books[0].at("title").as_string(), "Given");
  auto one = oasis_test::exchange(port, req("GET", "/v1/books/9780000000017"));
  ASSERT_TRUE(one);
  EXPECT_EQ(one->status, 200);
  std::filesystem::remove(file);

  Process bad({binary("oasis"), "mock", example(), "--data", "/nonexistent/data.yaml"});
  EXPECT_EQ(bad.wait(), 2);
}
