// mock/store.cpp — items by concrete path, in memory and optionally in SQLite (WAL, FULL sync),
// written by one commit thread that groups the writes queued meanwhile into one transaction.
#include <oasis/mock/store.hpp>

#include <oasis/http/date.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/unordered/unordered_flat_map.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <cstdlib>
#include <iterator>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace oasis::mock {

namespace {
// When an item was written, as a number and as the Last-Modified text reads answer with.
void stamp(Item& item, std::time_t t) {
  item.modified = t;
  item.last_modified = http::format_http_date(t);
}
}  // namespace

std::string_view parent_path(std::string_view path) noexcept {
  auto slash = path.rfind('/');
  if (slash == std::string_view::npos) return {};
  return path.substr(0, slash);  // "/pets/7" -> "/pets", "/pets" -> ""
}

namespace {

struct Database {
  sqlite3* p = nullptr;
  ~Database() { sqlite3_close(p); }
};

struct Statement {
  sqlite3_stmt* s = nullptr;
  ~Statement() { sqlite3_finalize(s); }
};

// Lets the maps be searched by string_view without building a string per lookup.
struct PathHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
template <class V>
using PathMap = boost::unordered_flat_map<std::string, V, PathHash, std::equal_to<>>;

// The write counter an ETag was made with ("\"3-1f\"" -> 0x1f).
std::uint64_t etag_version(std::string_view etag) {
  auto dash = etag.find('-');
  if (dash == std::string_view::npos) return 0;
  return std::strtoull(std::string(etag.substr(dash + 1)).c_str(), nullptr, 16);
}

}  // namespace

struct Store::Impl {
  mutable std::shared_mutex mu;
  PathMap<std::shared_ptr<const Item>> items;
  std::set<std::string> ordered;  // the same paths, sorted: a subtree is one range
  PathMap<std::map<std::uint64_t, std::shared_ptr<const Item>>> children;
  std::uint64_t next_seq = 1;
  std::atomic<std::uint64_t> version{0};

  Database database;  // closed after the statements below are finalised
  sqlite3*& db = database.p;
  Statement upsert, remove_tree, remove_all, add_mark, remove_marks;
  std::set<std::string, std::less<>> marks;

  // Group commit. Writers queue an Op (under `mu`, so the queue is in the same order as the
  // memory side) and get its ticket; the commit thread takes everything queued, writes it in one
  // transaction (one fsync), then marks those tickets durable and calls back their waiters.
  struct Op {
    enum Kind : unsigned char { upsert, remove, mark } kind = upsert;
    std::shared_ptr<const Item> item;  // upsert: what to write (its body is the stored text)
    std::string key;                   // remove: the subtree's path; mark: the key
  };
  std::mutex qmu;
  std::condition_variable work_cv, durable_cv;
  std::vector<Op> queue;
  std::vector<std::pair<Commit, std::function<void(bool)>>> waiting;
  Commit enqueued = 0, durable = 0;  // under qmu
  Commit settled = 0;                // durable, and its waiters called back
  Commit failed_from = 0;            // the first ticket the state file refused (0: none)
  std::string failure;
  std::atomic<bool> broken{false};
  bool stopping = false;
  std::thread committer;

  Commit enqueue(Op op) {
    std::lock_guard lock(qmu);
    queue.push_back(std::move(op));
    work_cv.notify_one();
    return ++enqueued;
  }
  void refuse_if_broken() const {
    if (broken.load(std::memory_order_relaxed)) throw StoreError("state file: an earlier write failed; the state is read-only now");
  }
  bool ok_for(Commit c) const { return failed_from == 0 || c < failed_from; }

  // One transaction for the whole batch; false (and rolled back) if SQLite refused any of it.
  bool write_batch(const std::vector<Op>& ops) {
    try {
      exec("BEGIN IMMEDIATE");
      for (const auto& op : ops) {
        switch (op.kind) {
          case Op::upsert: {
            const Item& it = *op.item;
            sqlite3_bind_text(upsert.s, 1, it.path.data(), static_cast<int>(it.path.size()), SQLITE_STATIC);
            sqlite3_bind_int64(upsert.s, 2, static_cast<sqlite3_int64>(it.seq));
            sqlite3_bind_text(upsert.s, 3, it.body.data(), static_cast<int>(it.body.size()), SQLITE_STATIC);
            sqlite3_bind_text(upsert.s, 4, it.etag.data(), static_cast<int>(it.etag.size()), SQLITE_STATIC);
            sqlite3_bind_int64(upsert.s, 5, static_cast<sqlite3_int64>(it.modified));
            step_done(upsert);
            break;
          }
          case Op::remove:
            sqlite3_bind_text(remove_tree.s, 1, op.key.data(), static_cast<int>(op.key.size()), SQLITE_STATIC);
            step_done(remove_tree);
            break;
          case Op::mark:
            sqlite3_bind_text(add_mark.s, 1, op.key.data(), static_cast<int>(op.key.size()), SQLITE_STATIC);
            step_done(add_mark);
            break;
        }
      }
      exec("COMMIT");  // durable from here on (WAL, synchronous=FULL): one fsync for the batch
      return true;
    } catch (const StoreError& e) {
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      std::lock_guard lock(qmu);
      if (failure.empty()) failure = e.what();
      return false;
    }
  }

  void commit_loop() {
    std::vector<Op> batch;
    std::vector<std::pair<Commit, std::function<void(bool)>>> ready;
    for (;;) {
      Commit last;
      {
        std::unique_lock lock(qmu);
        work_cv.wait(lock, [&] { return !queue.empty() || stopping; });
        if (queue.empty()) return;  // stopping, and everything queued is written
        batch.swap(queue);
        last = enqueued;
      }
      const Commit first = last - batch.size() + 1;
      const bool ok = write_batch(batch);
      batch.clear();  // drops the batch's references to items before waking anyone
      {
        std::lock_guard lock(qmu);
        if (!ok) {
          if (failed_from == 0) failed_from = first;
          broken = true;
        }
        durable = last;
        auto keep = std::partition(waiting.begin(), waiting.end(), [&](const auto& w) { return w.first > last; });
        std::move(keep, waiting.end(), std::back_inserter(ready));
        waiting.erase(keep, waiting.end());
      }
      durable_cv.notify_all();
      for (auto& [c, done] : ready) done(ok_for(c));
      ready.clear();
      {
        std::lock_guard lock(qmu);
        settled = last;
      }
      durable_cv.notify_all();
    }
  }

  void wait(Commit c) {
    if (c == 0) return;
    std::unique_lock lock(qmu);
    durable_cv.wait(lock, [&] { return durable >= c; });
    if (!ok_for(c)) throw StoreError(failure.empty() ? std::string("state file: write failed") : failure);
  }

  [[noreturn]] void fail(const char* what) const {
    throw StoreError(std::string("state file: ") + what + ": " + (db ? sqlite3_errmsg(db) : "no database"));
  }
  void exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "error";
      sqlite3_free(err);
      throw StoreError(std::string("state file: ") + msg);
    }
  }
  void prepare(Statement& st, const char* sql) {
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st.s, nullptr) != SQLITE_OK) fail("prepare");
  }
  void step_done(Statement& st) {
    int rc = sqlite3_step(st.s);
    sqlite3_reset(st.s);
    sqlite3_clear_bindings(st.s);
    if (rc != SQLITE_DONE) fail("write");
  }

  static std::string make_etag(std::uint64_t seq, std::uint64_t ver) {
    char a[16], b[16];  // 64 bits are at most 16 hex digits
    const auto na = static_cast<std::size_t>(std::to_chars(a, a + sizeof a, seq, 16).ptr - a);
    const auto nb = static_cast<std::size_t>(std::to_chars(b, b + sizeof b, ver, 16).ptr - b);
    std::string tag;
    tag.reserve(36);
    tag += '"';
    tag.append(a, na);
    tag += '-';
    tag.append(b, nb);
    tag += '"';
    return tag;
  }

  // Memory side of a write; the caller holds the exclusive lock.
  void remember(std::shared_ptr<const Item> item) {
    auto [it, inserted] = items.insert_or_assign(item->path, item);
    (void)it;
    if (inserted) ordered.insert(item->path);
    std::string_view parent = parent_path(item->path);
    auto c = children.find(parent);  // the collection is nearly always there: no key to build
    if (c == children.end()) c = children.emplace(std::string(parent), std::map<std::uint64_t, std::shared_ptr<const Item>>{}).first;
    c->second[item->seq] = std::move(item);
  }
  std::size_t forget_tree(std::string_view path) {
    std::size_t n = 0;
    auto drop = [&](const std::string& p) {
      auto it = items.find(p);
      if (it == items.end()) return;
      auto c = children.find(parent_path(p));
      if (c != children.end()) {
        c->second.erase(it->second->seq);
        if (c->second.empty()) children.erase(c);
      }
      items.erase(it);
      ++n;
    };
    std::string self(path);
    std::string lo = self + "/", hi = self + "0";  // '0' follows '/': the subtree is [lo, hi)
    auto first = ordered.lower_bound(lo), last = ordered.lower_bound(hi);
    for (auto it = first; it != last; ++it) drop(*it);
    ordered.erase(first, last);
    if (ordered.erase(self)) drop(self);
    return n;
  }
};

Store::Store() : impl_(std::make_unique<Impl>()) {}

Store::Store(const std::string& path) : impl_(std::make_unique<Impl>()) {
  auto& im = *impl_;
  if (sqlite3_open_v2(path.c_str(), &im.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK)
    im.fail(("cannot open " + path).c_str());
  sqlite3_busy_timeout(im.db, 5000);
  // WAL with FULL sync: every commit is on disk before sqlite3_step returns.
  im.exec("PRAGMA journal_mode=WAL");
  im.exec("PRAGMA synchronous=FULL");
  im.exec(
      "CREATE TABLE IF NOT EXISTS items(path TEXT PRIMARY KEY, seq INTEGER NOT NULL, value TEXT NOT NULL,"
      " etag TEXT NOT NULL, modified INTEGER NOT NULL);"
      "CREATE TABLE IF NOT EXISTS marks(key TEXT PRIMARY KEY)");
  {
    Statement q;
    im.prepare(q, "SELECT path, seq, value, etag, modified FROM items ORDER BY seq");
    while (sqlite3_step(q.s) == SQLITE_ROW) {
      auto item = std::make_shared<Item>();
      item->path = reinterpret_cast<const char*>(sqlite3_column_text(q.s, 0));
      item->seq = static_cast<std::uint64_t>(sqlite3_column_int64(q.s, 1));
      boost::system::error_code ec;
      item->body.assign(reinterpret_cast<const char*>(sqlite3_column_text(q.s, 2)), static_cast<std::size_t>(sqlite3_column_bytes(q.s, 2)));
      item->value = boost::json::parse(item->body, ec);
      if (ec) throw StoreError("state file: item " + item->path + " is not valid JSON");
      item->etag = reinterpret_cast<const char*>(sqlite3_column_text(q.s, 3));
      stamp(*item, static_cast<std::time_t>(sqlite3_column_int64(q.s, 4)));
      im.next_seq = std::max(im.next_seq, item->seq + 1);
      // ETags after a restart must not repeat ones handed out before it.
      im.version = std::max<std::uint64_t>(im.version, etag_version(item->etag));
      im.remember(std::move(item));
    }
  }
  im.prepare(im.upsert,
             "INSERT INTO items(path, seq, value, etag, modified) VALUES(?1, ?2, ?3, ?4, ?5)"
             " ON CONFLICT(path) DO UPDATE SET value = excluded.value, etag = excluded.etag, modified = excluded.modified");
  im.prepare(im.remove_tree, "DELETE FROM items WHERE path = ?1 OR substr(path, 1, length(?1) + 1) = ?1 || '/'");
  im.prepare(im.remove_all, "DELETE FROM items");
  im.prepare(im.add_mark, "INSERT OR IGNORE INTO marks(key) VALUES(?1)");
  im.prepare(im.remove_marks, "DELETE FROM marks");
  {
    Statement q;
    im.prepare(q, "SELECT key FROM marks");
    while (sqlite3_step(q.s) == SQLITE_ROW) im.marks.insert(reinterpret_cast<const char*>(sqlite3_column_text(q.s, 0)));
  }
  im.committer = std::thread([&im] { im.commit_loop(); });
}

Store::~Store() {
  auto& im = *impl_;
  if (!im.committer.joinable()) return;
  {
    std::lock_guard lock(im.qmu);
    im.stopping = true;
  }
  im.work_cv.notify_one();
  im.committer.join();  // writes everything still queued first
}

bool Store::persistent() const noexcept { return impl_->db != nullptr; }

std::shared_ptr<const Item> Store::get(std::string_view path) const {
  std::shared_lock lock(impl_->mu);
  auto it = impl_->items.find(path);
  return it == impl_->items.end() ? nullptr : it->second;
}

bool Store::exists(std::string_view path) const {
  std::shared_lock lock(impl_->mu);
  return impl_->items.contains(path);
}

std::vector<std::shared_ptr<const Item>> Store::list(std::string_view collection) const {
  std::shared_lock lock(impl_->mu);
  std::vector<std::shared_ptr<const Item>> out;
  auto it = impl_->children.find(collection);
  if (it == impl_->children.end()) return out;
  out.reserve(it->second.size());
  for (const auto& [seq, item] : it->second) out.push_back(item);
  return out;
}

std::size_t Store::count(std::string_view collection) const {
  std::shared_lock lock(impl_->mu);
  auto it = impl_->children.find(collection);
  return it == impl_->children.end() ? 0 : it->second.size();
}

std::shared_ptr<const Item> Store::put(std::string_view path, boost::json::value value) {
  Commit c = 0;
  auto item = put_pending(path, std::move(value), c);
  impl_->wait(c);
  return item;
}

std::size_t Store::erase(std::string_view path) {
  Commit c = 0;
  std::size_t n = erase_pending(path, c);
  impl_->wait(c);
  return n;
}

std::shared_ptr<const Item> Store::put_pending(std::string_view path, boost::json::value value, Commit& commit) {
  auto& im = *impl_;
  commit = 0;
  auto item = std::make_shared<Item>();
  item->path.assign(path.data(), path.size());
  item->body = boost::json::serialize(value);  // outside the lock: the costly part of a write
  item->value = std::move(value);
  stamp(*item, std::time(nullptr));
  std::unique_lock lock(im.mu);
  im.refuse_if_broken();
  auto old = im.items.find(path);
  const bool created = old == im.items.end();
  item->seq = created ? im.next_seq : old->second->seq;
  std::uint64_t ver = im.version + 1;
  item->etag = Impl::make_etag(item->seq, ver);
  std::shared_ptr<const Item> stored = std::move(item);
  if (im.db) commit = im.enqueue({Impl::Op::upsert, stored, {}});
  if (created) ++im.next_seq;
  im.version = ver;
  im.remember(stored);
  return stored;
}

std::size_t Store::erase_pending(std::string_view path, Commit& commit) {
  auto& im = *impl_;
  commit = 0;
  std::unique_lock lock(im.mu);
  im.refuse_if_broken();
  std::size_t n = im.forget_tree(path);
  if (n == 0) return 0;  // memory and file hold the same paths: nothing to write either
  if (im.db) commit = im.enqueue({Impl::Op::remove, nullptr, std::string(path)});
  ++im.version;
  return n;
}

void Store::on_durable(Commit commit, std::function<void(bool)> done) {
  auto& im = *impl_;
  bool ok;
  {
    std::lock_guard lock(im.qmu);
    if (im.durable < commit) {
      im.waiting.emplace_back(commit, std::move(done));
      return;
    }
    ok = im.ok_for(commit);
  }
  done(ok);
}

void Store::wait_durable(Commit commit) { impl_->wait(commit); }

void Store::sync() {
  auto& im = *impl_;
  std::unique_lock lock(im.qmu);
  const Commit last = im.enqueued;
  im.durable_cv.wait(lock, [&] { return im.settled >= last; });
}

boost::json::object Store::export_all() const {
  std::shared_lock lock(impl_->mu);
  std::map<std::uint64_t, const Item*> by_seq;
  for (const auto& [path, item] : impl_->items) by_seq[item->seq] = item.get();
  boost::json::object out;
  out.reserve(by_seq.size());
  for (const auto& [seq, item] : by_seq) out[item->path] = item->value;
  return out;
}

void Store::import_all(const boost::json::object& state) {
  auto& im = *impl_;
  for (const auto& [key, value] : state) {
    (void)value;
    if (key.empty() || key[0] != '/') throw StoreError("state: keys must be paths starting with '/', got '" + std::string(key) + "'");
  }
  std::unique_lock lock(im.mu);
  im.refuse_if_broken();
  const std::uint64_t ver = im.version + 1;
  const std::time_t now = std::time(nullptr);
  std::vector<std::shared_ptr<const Item>> fresh;
  fresh.reserve(state.size());
  for (const auto& [key, value] : state) {
    auto item = std::make_shared<Item>();
    item->path = std::string(key);
    item->seq = fresh.size() + 1;
    item->etag = Impl::make_etag(item->seq, ver);
    stamp(*item, now);
    item->value = value;
    item->body = boost::json::serialize(value);
    fresh.push_back(std::move(item));
  }
  if (im.db) {
    // Holding `mu`, nobody can queue more: once the commit thread has written what is queued,
    // it is idle and the file is ours for one transaction.
    {
      std::unique_lock q(im.qmu);
      im.durable_cv.wait(q, [&] { return im.durable >= im.enqueued; });
    }
    im.exec("BEGIN IMMEDIATE");
    try {
      im.step_done(im.remove_all);
      im.step_done(im.remove_marks);
      for (const auto& item : fresh) {
        sqlite3_bind_text(im.upsert.s, 1, item->path.data(), static_cast<int>(item->path.size()), SQLITE_STATIC);
        sqlite3_bind_int64(im.upsert.s, 2, static_cast<sqlite3_int64>(item->seq));
        sqlite3_bind_text(im.upsert.s, 3, item->body.data(), static_cast<int>(item->body.size()), SQLITE_STATIC);
        sqlite3_bind_text(im.upsert.s, 4, item->etag.data(), static_cast<int>(item->etag.size()), SQLITE_STATIC);
        sqlite3_bind_int64(im.upsert.s, 5, static_cast<sqlite3_int64>(item->modified));
        im.step_done(im.upsert);
      }
      im.exec("COMMIT");
    } catch (...) {
      sqlite3_exec(im.db, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }
  im.items.clear();
  im.ordered.clear();
  im.children.clear();
  im.marks.clear();
  im.next_seq = fresh.size() + 1;
  im.version = ver;
  for (auto& item : fresh) im.remember(std::move(item));
}

void Store::clear() { import_all({}); }

bool Store::mark(std::string_view key) {
  auto& im = *impl_;
  Commit c = 0;
  {
    std::unique_lock lock(im.mu);
    if (im.marks.count(key)) return false;
    im.refuse_if_broken();
    if (im.db) c = im.enqueue({Impl::Op::mark, nullptr, std::string(key)});
    im.marks.insert(std::string(key));
  }
  im.wait(c);
  return true;
}

std::uint64_t Store::version() const noexcept { return impl_->version.load(); }

}  // namespace oasis::mock
