// oasis/mock/store.hpp — what the mock remembers: items by their concrete path.
//
// An item is a JSON value stored at a concrete path ("/pets/7", "/nodes/pve1/qemu/100").
// Collections are the parents of items ("/pets"); listing a collection gives its direct
// children in creation order. Deleting an item removes everything under it too. Every item
// carries an ETag and a Last-Modified time so conditional requests work.
//
// Reads take a shared lock and run in parallel; writes are serialised. With a state file the
// store is backed by SQLite in WAL mode with synchronous=FULL: a write returns only once it is
// durable, so an acknowledged write survives kill -9 and power loss. Without one, state lives
// in memory. Knows nothing about HTTP or OpenAPI.
#pragma once

#include <boost/json/value.hpp>

#include <cstdint>
#include <ctime>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace oasis::mock {

struct Item {
  std::string path;           // "/pets/7"
  boost::json::value value;   // what was stored
  std::string etag;           // strong, quoted: "\"3-1a2b\""
  std::time_t modified = 0;   // seconds since the epoch
  std::uint64_t seq = 0;      // creation order
};

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Store {
 public:
  // In memory.
  Store();
  // Backed by a SQLite file (created if missing; its state loaded). Throws StoreError.
  explicit Store(const std::string& sqlite_path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  bool persistent() const noexcept;

  // Items are immutable once stored: readers share them without copying.
  std::shared_ptr<const Item> get(std::string_view path) const;
  bool exists(std::string_view path) const;
  // Direct children of a collection path, in creation order.
  std::vector<std::shared_ptr<const Item>> list(std::string_view collection) const;
  std::size_t count(std::string_view collection) const;

  // Creates or replaces; returns the stored item (new ETag). Durable on return when persistent.
  std::shared_ptr<const Item> put(std::string_view path, boost::json::value value);
  // Removes the item and everything under it; returns how many items went.
  std::size_t erase(std::string_view path);

  // Everything, as {"/path": value, ...} in creation order.
  boost::json::object export_all() const;
  // Replaces everything with the given {"/path": value} object, atomically.
  void import_all(const boost::json::object& state);
  void clear();

  // Marks: keys remembered with the state (persisted alongside it), e.g. which collections have
  // been seeded, so a restart does not seed again what clients have since changed. True when
  // the key was not marked before. clear() and import_all() forget every mark.
  bool mark(std::string_view key);

  // Monotonic counter bumped by every write; cheap change detection.
  std::uint64_t version() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The collection a path belongs to: "/pets/7" → "/pets"; "/" → "".
std::string_view parent_path(std::string_view path) noexcept;

}  // namespace oasis::mock
