// The violation log: counts, the kept tail, JSON lines in the report file, the admin JSON.
#include <oasis/proxy/violations.hpp>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <thread>
#include <unistd.h>

using namespace oasis;
namespace json = boost::json;

namespace {

std::vector<schema::Violation> two() {
  return {{"/query/limit", "/paths/~1pets/get/parameters/0/schema/maximum", "maximum", "expected at most 100, got 500"},
          {"/body/name", "/components/schemas/Pet/properties/name/type", "type", "expected string, got integer"}};
}

std::string temp_path(const char* name) {
  return (std::filesystem::temp_directory_path() / (std::string(name) + "-" + std::to_string(getpid()))).string();
}

}  // namespace

TEST(ViolationLog, CountsByDirectionAndOperation) {
  proxy::ViolationLog log;
  auto v = two();
  log.record("listPets", "GET", "/pets?limit=500", proxy::Direction::request, v);
  log.record("getPet", "GET", "/pets/1", proxy::Direction::response, std::span(v).first(1));
  log.record("", "GET", "/nowhere", proxy::Direction::request, "", "operation", "no operation matches GET /nowhere");
  EXPECT_EQ(log.total(), 4u);
  EXPECT_EQ(log.count(proxy::Direction::request), 3u);
  EXPECT_EQ(log.count(proxy::Direction::response), 1u);
  auto by = log.by_operation();
  EXPECT_EQ(by.at("listPets").request, 2u);
  EXPECT_EQ(by.at("getPet").response, 1u);
  EXPECT_EQ(by.at("").request, 1u);
  auto recent = log.recent();
  ASSERT_EQ(recent.size(), 4u);
  EXPECT_EQ(recent[0].pointer, "/query/limit");
  EXPECT_EQ(recent[1].keyword, "type");
  EXPECT_EQ(recent[2].direction, proxy::Direction::response);
  EXPECT_EQ(recent[3].message, "no operation matches GET /nowhere");
}

TEST(ViolationLog, EmptyListRecordsNothing) {
  proxy::ViolationLog log;
  log.record("listPets", "GET", "/pets", proxy::Direction::request, std::span<const schema::Violation>{});
  EXPECT_EQ(log.total(), 0u);
  EXPECT_TRUE(log.recent().empty());
}

TEST(ViolationLog, KeepsOnlyTheLastN) {
  proxy::ViolationLog log(3);
  for (int i = 0; i < 5; ++i)
    log.record("op", "GET", "/x/" + std::to_string(i), proxy::Direction::request, "", "k", "m" + std::to_string(i));
  auto recent = log.recent();
  ASSERT_EQ(recent.size(), 3u);
  EXPECT_EQ(recent.front().message, "m2");
  EXPECT_EQ(recent.back().message, "m4");
  EXPECT_EQ(log.total(), 5u);  // counts are not limited by what is kept
  auto j = json::parse(log.to_json()).as_object();
  EXPECT_EQ(j.at("total").as_int64(), 5);
  EXPECT_EQ(j.at("kept").as_int64(), 3);
  EXPECT_EQ(j.at("violations").as_array().size(), 3u);
  log.clear();
  EXPECT_EQ(log.total(), 0u);
  EXPECT_TRUE(log.recent().empty());
}

TEST(ViolationLog, ReportFileHoldsOneJsonObjectPerLine) {
  auto path = temp_path("oasis-proxy-report.jsonl");
  std::filesystem::remove(path);
  {
    proxy::ViolationLog log;
    std::string error;
    ASSERT_TRUE(log.open_report(path, error)) << error;
    auto v = two();
    v[1].message = "quote \" backslash \\ newline \n tab \t";  // must stay one valid line
    log.record("createPet", "POST", "/pets", proxy::Direction::request, v);
    log.record("getPet", "GET", "/pets/7", proxy::Direction::response, "/status", "status", "status 418 is not declared");
  }
  std::ifstream in(path);
  std::string line;
  std::vector<json::object> lines;
  while (std::getline(in, line)) lines.push_back(json::parse(line).as_object());
  ASSERT_EQ(lines.size(), 3u);
  for (const auto& o : lines)
    for (const char* key : {"time", "operation", "direction", "pointer", "message"}) EXPECT_TRUE(o.contains(key)) << key;
  EXPECT_EQ(lines[0].at("operation").as_string(), "createPet");
  EXPECT_EQ(lines[0].at("direction").as_string(), "request");
  EXPECT_EQ(lines[0].at("pointer").as_string(), "/query/limit");
  EXPECT_EQ(lines[1].at("message").as_string(), "quote \" backslash \\ newline \n tab \t");
  EXPECT_EQ(lines[2].at("direction").as_string(), "response");
  EXPECT_EQ(lines[2].at("pointer").as_string(), "/status");
  std::string time(lines[2].at("time").as_string());
  EXPECT_EQ(time.size(), 24u) << time;  // 2026-11-22T04:05:06.789Z
  EXPECT_EQ(time.back(), 'Z');
  std::filesystem::remove(path);
}

TEST(ViolationLog, ReportFileThatCannotBeOpenedIsAnError) {
  proxy::ViolationLog log;
  std::string error;
  EXPECT_FALSE(log.open_report("/nonexistent-dir/for/sure/report.jsonl", error));
  EXPECT_NE(error.find("/nonexistent-dir"), std::string::npos);
}

TEST(ViolationLog, ThreadsRecordWithoutLosingAny) {
  auto path = temp_path("oasis-proxy-threads.jsonl");
  std::filesystem::remove(path);
  {
    proxy::ViolationLog log(10);
    std::string error;
    ASSERT_TRUE(log.open_report(path, error)) << error;
    std::vector<std::thread> ts;
    for (int t = 0; t < 4; ++t)
      ts.emplace_back([&] {
        auto v = two();
        for (int i = 0; i < 250; ++i) log.record("op", "GET", "/x", proxy::Direction::request, v);
      });
    for (auto& t : ts) t.join();
    EXPECT_EQ(log.total(), 2000u);
  }
  std::ifstream in(path);
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) {
    EXPECT_NO_THROW(json::parse(line)) << line;
    ++n;
  }
  EXPECT_EQ(n, 2000u);
  std::filesystem::remove(path);
}
