// The mock's state store: paths, collections, subtree deletes, ETags, persistence — and the
// promise that an acknowledged write survives kill -9.
#include <oasis/mock/store.hpp>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

using namespace oasis::mock;
namespace json = boost::json;

namespace {
// A database file and SQLite's -wal and -shm beside it (left behind by a store that never closed).
void remove_db(const std::string& db) {
  std::filesystem::remove(db);
  std::filesystem::remove(db + "-wal");
  std::filesystem::remove(db + "-shm");
}

std::string temp_db(const char* name) {
  auto p = std::filesystem::temp_directory_path() / (std::string("oasis-store-") + name + "-" + std::to_string(getpid()) + ".db");
  remove_db(p.string());
  return p.string();
}
}  // namespace

TEST(Store, ParentPath) {
  EXPECT_EQ(parent_path("/pets/7"), "/pets");
  EXPECT_EQ(parent_path("/nodes/pve/qemu/100"), "/nodes/pve/qemu");
  EXPECT_EQ(parent_path("/pets"), "");
}

TEST(Store, PutGetAndListInCreationOrder) {
  Store s;
  s.put("/pets/2", json::parse(R"({"id":2,"name":"b"})"));
  s.put("/pets/1", json::parse(R"({"id":1,"name":"a"})"));
  s.put("/owners/9", json::parse(R"({"id":9})"));
  auto got = s.get("/pets/1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->value.at("name").as_string(), "a");
  auto pets = s.list("/pets");
  ASSERT_EQ(pets.size(), 2u);
  EXPECT_EQ(pets[0]->path, "/pets/2");  // created first
  EXPECT_EQ(pets[1]->path, "/pets/1");
  EXPECT_EQ(s.count("/owners"), 1u);
  EXPECT_FALSE(s.get("/pets/3"));
}

TEST(Store, ReplaceKeepsPositionAndChangesEtag) {
  Store s;
  auto a = s.put("/pets/1", json::parse(R"({"v":1})"));
  s.put("/pets/2", json::parse(R"({"v":2})"));
  auto b = s.put("/pets/1", json::parse(R"({"v":3})"));
  EXPECT_NE(a->etag, b->etag);
  EXPECT_EQ(a->seq, b->seq);
  EXPECT_EQ(s.list("/pets")[0]->value.at("v").as_int64(), 3);
  // The reader holding the old item still sees it unchanged.
  EXPECT_EQ(a->value.at("v").as_int64(), 1);
}

TEST(Store, EraseRemovesTheWholeSubtreeAndNothingElse) {
  Store s;
  s.put("/nodes/pve/qemu/100", json::parse(R"({"vmid":100})"));
  s.put("/nodes/pve/qemu/100/config", json::parse(R"({"name":"web"})"));
  s.put("/nodes/pve/qemu/100/snapshot/s1", json::parse(R"({})"));
  s.put("/nodes/pve/qemu/1000", json::parse(R"({"vmid":1000})"));  // a sibling sharing a prefix
  s.put("/nodes/pve/qemu/101", json::parse(R"({"vmid":101})"));
  EXPECT_EQ(s.erase("/nodes/pve/qemu/100"), 3u);
  EXPECT_FALSE(s.get("/nodes/pve/qemu/100"));
  EXPECT_FALSE(s.get("/nodes/pve/qemu/100/config"));
  EXPECT_FALSE(s.get("/nodes/pve/qemu/100/snapshot/s1"));
  EXPECT_TRUE(s.get("/nodes/pve/qemu/1000"));
  EXPECT_TRUE(s.get("/nodes/pve/qemu/101"));
  EXPECT_EQ(s.count("/nodes/pve/qemu"), 2u);
  EXPECT_EQ(s.erase("/nodes/pve/qemu/100"), 0u);
}

TEST(Store, ExportImportAndClear) {
  Store s;
  s.put("/a/1", json::value(1));
  s.put("/a/2", json::value(2));
  auto all = s.export_all();
  EXPECT_EQ(json::serialize(all), R"({"/a/1":1,"/a/2":2})");
  s.import_all(json::parse(R"({"/b/1":{"x":true}})").as_object());
  EXPECT_FALSE(s.get("/a/1"));
  EXPECT_TRUE(s.get("/b/1"));
  EXPECT_THROW(s.import_all(json::parse(R"({"not-a-path":1})").as_object()), StoreError);
  EXPECT_TRUE(s.get("/b/1"));  // a refused import changes nothing
  s.clear();
  EXPECT_TRUE(s.export_all().empty());
}

TEST(Store, ParallelReadersWithAWriter) {
  Store s;
  for (int i = 0; i < 100; ++i) s.put("/items/" + std::to_string(i), json::value(i));
  std::atomic<bool> stop{false};
  std::atomic<long> reads{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r)
    readers.emplace_back([&] {
      while (!stop) {
        auto it = s.get("/items/42");
        ASSERT_TRUE(it);
        ASSERT_EQ(s.list("/items").size(), 100u);
        ++reads;
      }
    });
  for (int i = 0; i < 2000 || reads.load() < 100; ++i) s.put("/items/" + std::to_string(i % 100), json::value(i));
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(s.count("/items"), 100u);
}

TEST(StorePersistent, SurvivesReopen) {
  auto db = temp_db("reopen");
  std::string etag;
  {
    Store s(db);
    EXPECT_TRUE(s.persistent());
    s.put("/pets/1", json::parse(R"({"name":"a"})"));
    s.put("/pets/1/photos/1", json::parse(R"({"url":"x"})"));
    s.put("/pets/2", json::parse(R"({"name":"b"})"));
    etag = s.put("/pets/3", json::parse(R"({"name":"c"})"))->etag;
    s.erase("/pets/1");
  }
  Store s(db);
  EXPECT_FALSE(s.get("/pets/1"));
  EXPECT_FALSE(s.get("/pets/1/photos/1"));
  ASSERT_TRUE(s.get("/pets/3"));
  EXPECT_EQ(s.get("/pets/3")->etag, etag);
  auto list = s.list("/pets");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]->path, "/pets/2");
  // New writes after a restart never reuse an ETag handed out before it.
  auto again = s.put("/pets/3", json::parse(R"({"name":"c2"})"));
  EXPECT_NE(again->etag, etag);
  remove_db(db);
}

TEST(StorePersistent, AcknowledgedWritesSurviveKill9) {
  // A child process writes items and reports each acknowledged write through a pipe; the
  // parent kills it with SIGKILL mid-stream. Every write the child acknowledged must be there.
  auto db = temp_db("kill9");
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    Store s(db);
    for (int i = 0;; ++i) {
      s.put("/log/" + std::to_string(i), json::value(i));
      if (write(fds[1], &i, sizeof i) != sizeof i) _exit(1);
    }
  }
  close(fds[1]);
  int last = -1, v;
  while (last < 200 && read(fds[0], &v, sizeof v) == sizeof v) last = v;
  kill(pid, SIGKILL);
  // Drain what the child acknowledged before it died.
  while (read(fds[0], &v, sizeof v) == sizeof v) last = v;
  close(fds[0]);
  int st;
  waitpid(pid, &st, 0);
  ASSERT_TRUE(WIFSIGNALED(st));
  ASSERT_GE(last, 200);
  Store s(db);
  for (int i = 0; i <= last; ++i) ASSERT_TRUE(s.get("/log/" + std::to_string(i))) << "acknowledged write " << i << " lost";
  remove_db(db);
}

TEST(StorePersistent, UnwritablePathIsAClearError) {
  try {
    Store s("/nonexistent-dir/for/oasis/state.db");
    FAIL() << "opened a state file in a directory that does not exist";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("state file"), std::string::npos);
  }
}

TEST(StorePersistent, MarksPersistAndClearForgetsThem) {
  auto db = temp_db("marks");
  {
    Store s(db);
    EXPECT_TRUE(s.mark("seeded /pets"));
    EXPECT_FALSE(s.mark("seeded /pets"));
  }
  {
    Store s(db);
    EXPECT_FALSE(s.mark("seeded /pets"));  // remembered across the restart
    s.clear();
    EXPECT_TRUE(s.mark("seeded /pets"));
  }
  remove_db(db);
}

TEST(Store, ItemsCarryTheirSerialisedBody) {
  Store s;
  auto a = s.put("/pets/1", json::parse(R"({"id":1,"name":"a","tags":["x"]})"));
  EXPECT_EQ(json::parse(a->body), a->value);
  EXPECT_EQ(s.get("/pets/1")->body, json::serialize(a->value));
  s.import_all(json::parse(R"({"/pets/2":{"id":2}})").as_object());
  EXPECT_EQ(s.get("/pets/2")->body, R"({"id":2})");
}

TEST(Store, InMemoryWritesAreDurableAtOnce) {
  Store s;
  Commit c = 7;
  s.put_pending("/pets/1", json::value(1), c);
  EXPECT_EQ(c, 0u);
  bool called = false;
  s.on_durable(c, [&](bool ok) { called = ok; });
  EXPECT_TRUE(called);
}

TEST(StorePersistent, PendingWritesAreVisibleAtOnceAndCalledBackWhenDurable) {
  auto db = temp_db("pending");
  {
    Store s(db);
    std::vector<Commit> commits;
    for (int i = 0; i < 50; ++i) {
      Commit c = 0;
      s.put_pending("/log/" + std::to_string(i), json::value(i), c);
      ASSERT_GT(c, 0u);
      if (!commits.empty()) {
        EXPECT_GT(c, commits.back());  // tickets follow the order of writes
      }
      commits.push_back(c);
      EXPECT_TRUE(s.get("/log/" + std::to_string(i)));  // readers see it before it is durable
    }
    Commit gone = 0;
    EXPECT_EQ(s.erase_pending("/log/0", gone), 1u);
    ASSERT_GT(gone, commits.back());
    std::mutex mu;
    std::condition_variable cv;
    int done = 0, failed = 0;
    for (Commit c : commits)
      s.on_durable(c, [&](bool ok) {
        std::lock_guard lock(mu);
        ++done;
        if (!ok) ++failed;
        cv.notify_all();
      });
    {
      std::unique_lock lock(mu);
      ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return done == 50; }));
    }
    EXPECT_EQ(failed, 0);
    s.wait_durable(gone);
  }
  Store s(db);
  EXPECT_FALSE(s.get("/log/0"));
  for (int i = 1; i < 50; ++i) EXPECT_TRUE(s.get("/log/" + std::to_string(i))) << i;
  remove_db(db);
}

TEST(StorePersistent, ConcurrentWritersAreGroupCommittedAndAllSurviveKill9) {
  // 16 writer threads in a child process; each reports a write through the pipe only after
  // put() returned (durable). The parent kills the child mid-stream: every reported write must
  // be in the file. The writers share fsyncs, so together they make far more writes than one.
  auto db = temp_db("group-kill9");
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    Store s(db);
    std::vector<std::thread> writers;
    for (int t = 0; t < 16; ++t)
      writers.emplace_back([&s, t, fd = fds[1]] {
        for (int i = 0;; ++i) {
          int code = t * 1000000 + i;
          s.put("/w/" + std::to_string(t) + "/" + std::to_string(i), json::value(code));
          if (write(fd, &code, sizeof code) != sizeof code) _exit(1);
        }
      });
    for (auto& w : writers) w.join();
    _exit(0);
  }
  close(fds[1]);
  std::vector<int> acked;
  int v;
  while (acked.size() < 1600 && read(fds[0], &v, sizeof v) == sizeof v) acked.push_back(v);
  kill(pid, SIGKILL);
  while (read(fds[0], &v, sizeof v) == sizeof v) acked.push_back(v);
  close(fds[0]);
  int st;
  waitpid(pid, &st, 0);
  ASSERT_TRUE(WIFSIGNALED(st));
  ASSERT_GE(acked.size(), 1600u);
  Store s(db);
  for (int code : acked) {
    std::string path = "/w/" + std::to_string(code / 1000000) + "/" + std::to_string(code % 1000000);
    auto item = s.get(path);
    ASSERT_TRUE(item) << "acknowledged write " << path << " lost";
    EXPECT_EQ(item->value.as_int64(), code);
  }
  remove_db(db);
}
