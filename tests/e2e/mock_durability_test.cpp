// End-to-end: with --state, every write the mock acknowledged survives kill -9, also when many
// clients write at once (their writes share fsyncs through the store's group commit) and when
// one client pipelines its writes.
#include "e2e/support.hpp"
#include "support/specs.hpp"

#include <boost/json.hpp>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

using namespace oasis_test;
namespace json = boost::json;

namespace {

std::string petstore() { return (specs_dir() / "oai" / "petstore-expanded.yaml").string(); }

std::string post_pet(const std::string& base, const std::string& name) {
  std::string body = R"({"name":")" + name + R"(","tag":"durable"})";
  return "POST " + base + "/pets HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

struct Acked {
  std::string location, name;
};

class StateFile {
 public:
  explicit StateFile(const char* tag)
      : path_(std::filesystem::temp_directory_path() / ("oasis-e2e-" + std::string(tag) + "-" + std::to_string(getpid()) + ".db")) {
    remove();
  }
  ~StateFile() { remove(); }
  std::string str() const { return path_.string(); }

 private:
  void remove() {
    for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(path_.string() + s);
  }
  std::filesystem::path path_;
};

// The port and the base path the mock printed ("listening on http://127.0.0.1:PORT/v2").
std::pair<int, std::string> started(Process& p) {
  std::string url = p.wait_for_line(R"(listening on (http://\S+))");
  auto colon = url.rfind(':');
  auto slash = url.find('/', colon);
  return {std::stoi(url.substr(colon + 1)), slash == std::string::npos ? std::string() : url.substr(slash)};
}

// Where a created pet lives, from the answer to its POST (petstore-expanded answers 200 with the
// pet; no Location).
std::string location_of(const RawResponse& r, const std::string& base) {
  if (auto l = r.header("Location"); !l.empty()) return l;
  return base + "/pets/" + json::serialize(json::parse(r.body).at("id"));
}

// Restarts the mock on the state file and checks every acknowledged write is there, as written.
void expect_all_kept(const StateFile& db, const std::vector<Acked>& acked) {
  Process p({binary("oasis"), "mock", petstore(), "--port", "0", "--state", db.str()});
  auto [port, base] = started(p);
  (void)base;
  Client c(port);
  for (const auto& a : acked) {
    c.send("GET " + a.location + " HTTP/1.1\r\nHost: t\r\n\r\n");
    auto r = c.read_response();
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << "acknowledged write " << a.location << " lost after kill -9";
    EXPECT_EQ(json::parse(r->body).at("name").as_string(), a.name);
  }
}

}  // namespace

TEST(MockDurabilityE2e, ConcurrentWritersAllSurviveKill9AfterAcknowledgement) {
  OASIS_REQUIRE_SPECS();
  StateFile db("concurrent");
  std::vector<Acked> acked;
  {
    Process p({binary("oasis"), "mock", petstore(), "--port", "0", "--threads", "1", "--state", db.str()});
    auto [port, base] = started(p);
    std::mutex mu;
    std::atomic<std::size_t> count{0};
    std::vector<std::thread> writers;
    for (int t = 0; t < 24; ++t)
      writers.emplace_back([&, t] {
        Client c(port);
        for (int i = 0;; ++i) {
          std::string name = "w" + std::to_string(t) + "-" + std::to_string(i);
          if (!c.send(post_pet(base, name))) return;
          auto r = c.read_response();
          if (!r) return;  // killed before this one was answered: it may or may not be kept
          if (r->status != 200 && r->status != 201) return;
          std::lock_guard lock(mu);
          acked.push_back({location_of(*r, base), name});
          ++count;
        }
      });
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (count < 600 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    p.kill(SIGKILL);  // while the writers are still writing
    for (auto& w : writers) w.join();
  }
  ASSERT_GE(acked.size(), 600u);
  expect_all_kept(db, acked);
}

TEST(MockDurabilityE2e, PipelinedWritesAreAnsweredInOrderAndSurviveKill9) {
  OASIS_REQUIRE_SPECS();
  StateFile db("pipelined");
  std::vector<Acked> acked;
  {
    Process p({binary("oasis"), "mock", petstore(), "--port", "0", "--threads", "1", "--state", db.str()});
    auto [port, base] = started(p);
    Client c(port);
    for (int batch = 0; batch < 4; ++batch) {
      std::string bytes;
      std::vector<std::string> names;
      for (int i = 0; i < 16; ++i) {
        names.push_back("p" + std::to_string(batch) + "-" + std::to_string(i));
        bytes += post_pet(base, names.back());
      }
      ASSERT_TRUE(c.send(bytes));
      for (const auto& name : names) {
        auto r = c.read_response();
        ASSERT_TRUE(r);
        ASSERT_EQ(r->status, 200) << r->body;
        EXPECT_EQ(json::parse(r->body).at("name").as_string(), name);  // in request order
        acked.push_back({location_of(*r, base), name});
      }
    }
    p.kill(SIGKILL);
  }
  expect_all_kept(db, acked);
}
