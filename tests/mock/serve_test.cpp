// Latency, failures and request logs around the mock handler.
#include <oasis/mock/serve.hpp>

#include <gtest/gtest.h>

using namespace oasis;
using namespace std::chrono_literals;

TEST(MockServe, ParseLatency) {
  auto fixed = mock::parse_latency("20ms");
  EXPECT_EQ(fixed.min, 20ms);
  EXPECT_EQ(fixed.max, 20ms);
  auto range = mock::parse_latency("20ms-200ms");
  EXPECT_EQ(range.min, 20ms);
  EXPECT_EQ(range.max, 200ms);
  EXPECT_EQ(mock::parse_latency("1s").max, 1000ms);
  EXPECT_EQ(mock::parse_latency("250").max, 250ms);
  EXPECT_FALSE(mock::parse_latency("0").enabled());
  for (const char* bad : {"", "fast", "20min", "-5ms", "200ms-20ms", "20ms-", "11000s"})
    EXPECT_THROW(mock::parse_latency(bad), std::invalid_argument) << bad;
}

TEST(MockServe, FailRateAndAdminNeverFails) {
  auto r = spec::Document::load_string(R"(openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /ping:
    get:
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: string, example: pong}}}}
)",
                                       "t.yaml");
  ASSERT_TRUE(r.ok());
  mock::Store store;
  mock::Mock m(*r.document, store);
  mock::ServeOptions so;
  so.fail_rate = 1.0;
  auto always = mock::make_handler(m, so);
  http::Request req;
  req.set_method("GET");
  req.set_target("/ping");
  http::Response res;
  always(req, res);
  EXPECT_EQ(res.status(), 503);
  EXPECT_EQ(res.header("Retry-After"), "1");
  http::Request health;
  health.set_method("GET");
  health.set_target("/_oasis/health");
  http::Response hres;
  always(health, hres);
  EXPECT_EQ(hres.status(), 200);

  so.fail_rate = 0.3;
  auto some = mock::make_handler(m, so);
  int failed = 0;
  for (int i = 0; i < 2000; ++i) {
    http::Response x;
    some(req, x);
    failed += x.status() == 503;
  }
  EXPECT_GT(failed, 450);  // 600 expected
  EXPECT_LT(failed, 750);
  so.fail_rate = 1.5;
  EXPECT_THROW(mock::make_handler(m, so), std::invalid_argument);
}

TEST(MockServe, SimulatedFailuresAreCountedUnderTheirRoute) {
  auto r = spec::Document::load_string(R"(openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /ping:
    get:
      operationId: ping
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: string, example: pong}}}}
)",
                                       "t.yaml");
  ASSERT_TRUE(r.ok());
  mock::Store store;
  mock::Mock m(*r.document, store);
  mock::ServeOptions so;
  so.fail_rate = 1.0;
  auto always = mock::make_handler(m, so);
  http::Request req;
  req.set_method("GET");
  req.set_target("/ping");
  for (int i = 0; i < 2; ++i) {
    http::Response res;
    always(req, res);
    ASSERT_EQ(res.status(), 503);
  }
  http::Request metrics;
  metrics.set_method("GET");
  metrics.set_target("/_oasis/metrics");
  http::Response mres;
  always(metrics, mres);
  std::string body(mres.body());
  EXPECT_NE(body.find("oasis_mock_requests_total{method=\"GET\",route=\"/ping\",status=\"503\"} 2\n"), std::string::npos) << body;
  http::Request recent;
  recent.set_method("GET");
  recent.set_target("/_oasis/requests");
  http::Response rres;
  always(recent, rres);
  std::string list(rres.body());
  EXPECT_NE(list.find(R"("operation":"ping")"), std::string::npos) << list;
  EXPECT_NE(list.find(R"("status":503)"), std::string::npos) << list;
}
