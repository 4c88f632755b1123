// examples/notes end to end: the real binary on loopback, raw HTTP bytes, every status the
// decision flow is meant to give it.
#include "support.hpp"

#include <gtest/gtest.h>

#include <string>

using oasis_test::Client;
using oasis_test::Process;
using oasis_test::RawResponse;

namespace {

class Notes : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.start({oasis_test::binary("notes"), "--port", "0", "--threads", "1", "--trace"});
    port_ = server_.wait_for_port();
  }
  void TearDown() override {
    server_.kill(SIGTERM);
    EXPECT_EQ(server_.wait(), 0) << "notes should stop cleanly on SIGTERM";
  }

  RawResponse call(const std::string& method, const std::string& target, const std::string& headers = {},
                   const std::string& body = {}) {
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers;
    if (!body.empty() || method == "POST" || method == "PUT") req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    req += "\r\n" + body;
    Client c(port_);
    EXPECT_TRUE(c.send(req));
    auto r = c.read_response(method == "HEAD");
    EXPECT_TRUE(r.has_value()) << method << " " << target;
    return r.value_or(RawResponse{});
  }
  RawResponse create(const std::string& json) {
    return call("POST", "/notes", "Content-Type: application/json\r\n", json);
  }

  Process server_;
  int port_ = 0;
};

}  // namespace

TEST_F(Notes, post_creates_201_with_location) {
  auto r = create(R"({"title":"first","body":"hello"})");
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.header("Location"), "/notes/1");
  EXPECT_EQ(r.header("ETag"), "\"n1-1\"");
  EXPECT_NE(r.body.find("\"title\":\"first\""), std::string::npos);
  auto g = call("GET", "/notes/1");
  EXPECT_EQ(g.status, 200);
  EXPECT_EQ(g.header("Content-Type"), "application/json");
  EXPECT_EQ(g.header("ETag"), "\"n1-1\"");
  EXPECT_FALSE(g.header("Last-Modified").empty());
  auto list = call("GET", "/notes");
  EXPECT_EQ(list.status, 200);
  EXPECT_EQ(list.body.front(), '[');
}

TEST_F(Notes, conditional_get_304_by_etag_and_date) {
  create(R"({"title":"t"})");
  auto g = call("GET", "/notes/1");
  auto r = call("GET", "/notes/1", "If-None-Match: " + g.header("ETag") + "\r\n");
  EXPECT_EQ(r.status, 304);
  EXPECT_EQ(r.header("ETag"), g.header("ETag"));
  auto d = call("GET", "/notes/1", "If-Modified-Since: " + g.header("Last-Modified") + "\r\n");
  EXPECT_EQ(d.status, 304);
}

TEST_F(Notes, stale_if_match_412) {
  create(R"({"title":"t"})");
  auto r = call("PUT", "/notes/1", "Content-Type: application/json\r\nIf-Match: \"n1-0\"\r\n", R"({"title":"u"})");
  EXPECT_EQ(r.status, 412);
  EXPECT_EQ(r.header("Content-Type"), "application/problem+json");
  auto ok = call("PUT", "/notes/1", "Content-Type: application/json\r\nIf-Match: \"n1-1\"\r\n", R"({"title":"u"})");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.header("ETag"), "\"n1-2\"");
}

TEST_F(Notes, unacceptable_type_406) {
  auto r = call("GET", "/notes", "Accept: text/html\r\n");
  EXPECT_EQ(r.status, 406);
  EXPECT_NE(r.body.find("\"status\":406"), std::string::npos);
}

TEST_F(Notes, unsupported_body_type_415) {
  auto r = call("POST", "/notes", "Content-Type: text/plain\r\n", "title=x");
  EXPECT_EQ(r.status, 415);
}

TEST_F(Notes, method_not_allowed_405_with_allow) {
  auto r = call("PATCH", "/notes/1", "Content-Type: application/json\r\n", "{}");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("Allow"), "GET, HEAD, PUT, DELETE, OPTIONS");
  auto c = call("DELETE", "/notes");
  EXPECT_EQ(c.status, 405);
  EXPECT_EQ(c.header("Allow"), "GET, HEAD, POST, OPTIONS");
}

TEST_F(Notes, unknown_method_501) {
  auto r = call("TRACE", "/notes");
  EXPECT_EQ(r.status, 501);
  auto t = call("GET", "/notes", "X-Oasis-Trace: 1\r\n");
  EXPECT_FALSE(t.header("X-Oasis-Trace").empty());
}

TEST_F(Notes, version_conflict_409) {
  create(R"({"title":"t"})");
  auto r = call("PUT", "/notes/1", "Content-Type: application/json\r\n", R"({"title":"t2","version":7})");
  EXPECT_EQ(r.status, 409);
  EXPECT_NE(r.body.find("/version"), std::string::npos);
}

TEST_F(Notes, duplicate_title_409) {
  create(R"({"title":"same"})");
  auto r = create(R"({"title":"same"})");
  EXPECT_EQ(r.status, 409);
  create(R"({"title":"other"})");
  auto p = call("PUT", "/notes/3", "Content-Type: application/json\r\n", R"({"title":"same"})");
  EXPECT_EQ(p.status, 409);
}

TEST_F(Notes, put_to_missing_creates_201) {
  auto r = call("PUT", "/notes/40", "Content-Type: application/json\r\n", R"({"title":"forty"})");
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.header("Location"), "/notes/40");
  EXPECT_EQ(call("GET", "/notes/40").status, 200);
}

TEST_F(Notes, delete_204_then_404) {
  create(R"({"title":"t"})");
  EXPECT_EQ(call("DELETE", "/notes/1").status, 204);
  auto g = call("GET", "/notes/1");
  EXPECT_EQ(g.status, 404);
  EXPECT_EQ(g.header("Content-Type"), "application/problem+json");
  EXPECT_EQ(call("GET", "/nowhere").status, 404);
}

TEST_F(Notes, malformed_body_400) {
  auto r = create(R"({"body":"no title"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("/title"), std::string::npos);
  EXPECT_EQ(create("{not json").status, 400);
}

TEST_F(Notes, head_and_options) {
  create(R"({"title":"t"})");
  auto h = call("HEAD", "/notes/1");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.header("ETag"), "\"n1-1\"");
  auto o = call("OPTIONS", "/notes/1");
  EXPECT_EQ(o.status, 200);
  EXPECT_EQ(o.header("Allow"), "GET, HEAD, PUT, DELETE, OPTIONS");
}
