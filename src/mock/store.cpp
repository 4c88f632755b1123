// mock/store.cpp — items by concrete path, in memory and optionally in SQLite (WAL, FULL sync).
#include <oasis/mock/store.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/unordered/unordered_flat_map.hpp>

#include <sqlite3.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>

namespace oasis::mock {

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
    char buf[48];
    std::snprintf(buf, sizeof buf, "\"%llx-%llx\"", static_cast<unsigned long long>(seq), static_cast<unsigned long long>(ver));
    return buf;
  }

  // Memory side of a write; the caller holds the exclusive lock.
  void remember(std::shared_ptr<const Item> item) {
    auto [it, inserted] = items.insert_or_assign(item->path, item);
    (void)it;
    if (inserted) ordered.insert(item->path);
    children[std::string(parent_path(item->path))][item->seq] = std::move(item);
  }
  std::size_t forget_tree(std::string_view path) {
    std::size_t n = 0;
    auto drop = [&](const std::string& p) {
      auto it = items.find(p);
      if (it == items.end()) return;
      auto c = children.find(std::string(parent_path(p)));
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
      item->value = boost::json::parse(reinterpret_cast<const char*>(sqlite3_column_text(q.s, 2)), ec);
      if (ec) throw StoreError("state file: item " + item->path + " is not valid JSON");
      item->etag = reinterpret_cast<const char*>(sqlite3_column_text(q.s, 3));
      item->modified = static_cast<std::time_t>(sqlite3_column_int64(q.s, 4));
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
}

Store::~Store() = default;

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
  auto& im = *impl_;
  std::unique_lock lock(im.mu);
  auto item = std::make_shared<Item>();
  item->path.assign(path.data(), path.size());
  auto old = im.items.find(path);
  item->seq = old != im.items.end() ? old->second->seq : im.next_seq;
  std::uint64_t ver = im.version + 1;
  item->etag = Impl::make_etag(item->seq, ver);
  item->modified = std::time(nullptr);
  item->value = std::move(value);
  if (im.db) {
    std::string text = boost::json::serialize(item->value);
    sqlite3_bind_text(im.upsert.s, 1, item->path.data(), static_cast<int>(item->path.size()), SQLITE_STATIC);
    sqlite3_bind_int64(im.upsert.s, 2, static_cast<sqlite3_int64>(item->seq));
    sqlite3_bind_text(im.upsert.s, 3, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
    sqlite3_bind_text(im.upsert.s, 4, item->etag.data(), static_cast<int>(item->etag.size()), SQLITE_STATIC);
    sqlite3_bind_int64(im.upsert.s, 5, static_cast<sqlite3_int64>(item->modified));
    im.step_done(im.upsert);  // durable from here on (WAL, synchronous=FULL)
  }
  if (old == im.items.end()) ++im.next_seq;
  im.version = ver;
  std::shared_ptr<const Item> stored = item;
  im.remember(stored);
  return stored;
}

std::size_t Store::erase(std::string_view path) {
  auto& im = *impl_;
  std::unique_lock lock(im.mu);
  if (im.db) {
    sqlite3_bind_text(im.remove_tree.s, 1, path.data(), static_cast<int>(path.size()), SQLITE_STATIC);
    im.step_done(im.remove_tree);
  }
  std::size_t n = im.forget_tree(path);
  if (n) ++im.version;
  return n;
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
  if (im.db) {
    im.exec("BEGIN IMMEDIATE");
    try {
      im.step_done(im.remove_all);
      im.step_done(im.remove_marks);
      std::uint64_t seq = 1;
      for (const auto& [key, value] : state) {
        std::string text = boost::json::serialize(value);
        std::string etag = Impl::make_etag(seq, im.version + 1);
        sqlite3_bind_text(im.upsert.s, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
        sqlite3_bind_int64(im.upsert.s, 2, static_cast<sqlite3_int64>(seq++));
        sqlite3_bind_text(im.upsert.s, 3, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
        sqlite3_bind_text(im.upsert.s, 4, etag.data(), static_cast<int>(etag.size()), SQLITE_TRANSIENT);
        sqlite3_bind_int64(im.upsert.s, 5, static_cast<sqlite3_int64>(std::time(nullptr)));
        im.step_done(im.upsert);
      }
      im.exec("COMMIT");
    } catch (...) {
      im.exec("ROLLBACK");
      throw;
    }
  }
  im.items.clear();
  im.ordered.clear();
  im.children.clear();
  im.marks.clear();
  im.next_seq = 1;
  ++im.version;
  for (const auto& [key, value] : state) {
    auto item = std::make_shared<Item>();
    item->path = std::string(key);
    item->seq = im.next_seq++;
    item->etag = Impl::make_etag(item->seq, im.version);
    item->modified = std::time(nullptr);
    item->value = value;
    im.remember(std::move(item));
  }
}

void Store::clear() { import_all({}); }

bool Store::mark(std::string_view key) {
  auto& im = *impl_;
  std::unique_lock lock(im.mu);
  if (im.marks.count(key)) return false;
  if (im.db) {
    sqlite3_bind_text(im.add_mark.s, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
    im.step_done(im.add_mark);
  }
  im.marks.insert(std::string(key));
  return true;
}

std::uint64_t Store::version() const noexcept { return impl_->version.load(); }

}  // namespace oasis::mock
