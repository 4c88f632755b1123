// oasis/mock/store.hpp — what the mock remembers: items by their concrete path.
//
// An item is a JSON value stored at a concrete path ("/pets/7", "/nodes/pve1/qemu/100").
// Collections are the parents of items ("/pets"); listing a collection gives its direct
// children in creation order. Deleting an item removes everything under it too. Every item
// carries an ETag and a Last-Modified time so conditional requests work.
//
// Reads take a shared lock and run in parallel; writes are serialised. With a state file the
// store is backed by SQLite in WAL mode with synchronous=FULL, written by one commit thread
// with group commit: the writes queued while one transaction is being synced go out together in
// the next, so N concurrent writers cost one fsync instead of N. A write is visible in memory
// (to readers, and to the next write) as soon as it is made, and durable when its commit is;
// put()/erase() wait for that, while put_pending()/erase_pending() return a Commit ticket to be
// waited on or called back with on_durable(), so a server thread can answer other requests
// while the disk works and send the write's response only once it is durable. Either way an
// acknowledged write survives kill -9 and power loss. Without a state file, state lives in
// memory and every write is "durable" at once. Knows nothing about HTTP or OpenAPI.
#pragma once

#include <boost/json/value.hpp>

#include <atomic>
#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <stdexcept>
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
  std::string last_modified;  // `modified` as an HTTP-date, formatted once when stored
  std::uint64_t seq = 0;      // creation order
  std::string body;           // `value` serialised once, when stored: what reads answer with
  // The last response schema `value` was found valid against. An item never changes once
  // stored, so a GET that serves it under the same schema checks it once, not per request.
  mutable std::atomic<const void*> conforms_to{nullptr};
};

// A write's place in the order writes reach the state file; 0 means "nothing to wait for".
using Commit = std::uint64_t;

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
  // Removes the item and everything under it; returns how many items went. Durable on return.
  std::size_t erase(std::string_view path);

  // The same writes, returning as soon as they are in memory; `commit` is set to the ticket to
  // wait for (0 when in memory only). Throw StoreError, changing nothing, once the state file
  // has failed.
  std::shared_ptr<const Item> put_pending(std::string_view path, boost::json::value value, Commit& commit);
  std::size_t erase_pending(std::string_view path, Commit& commit);
  // Calls done(true) once every write up to `commit` is durable, done(false) if the state file
  // failed to take it. At once, on the calling thread, when it already is; otherwise on the
  // store's commit thread (so `done` must be quick and thread-safe: post the real work).
  void on_durable(Commit commit, std::function<void(bool ok)> done);
  // Blocks until `commit` is durable; throws StoreError if it could not be made so.
  void wait_durable(Commit commit);
  // Blocks until every write made so far is durable and its on_durable() callbacks have returned
  // (before shutting down a server whose connections those callbacks post to).
  void sync();

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
