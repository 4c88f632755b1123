// oasis/mock/mock.hpp — the stateful mock of a whole API: one http::Handler.
//
// Every request is routed (404, 405 with Allow), validated against its operation (400 or 415
// as problem+json, and an invalid request changes nothing), then answered by what the
// operation is in the API's topology (topology.hpp):
//   collection  GET lists its items (query parameters naming item fields filter; limit/offset
//               and page/per_page page), POST creates an item (201 + Location when declared);
//   item        GET reads (ETag, Last-Modified, If-None-Match → 304), PUT replaces (or creates),
//               PATCH merges (RFC 7386), DELETE removes it and everything under it;
//   sub-resource of an existing item: GET answers what was written there, or generated data
//               that reuses the item's fields; writes are kept; under a missing item, 404;
//   anything else answers its declared success response with generated data.
// Collections are seeded with a few deterministic items the first time they are touched.
// `Prefer: code=NNN` / `Prefer: example=NAME` answer that declared response instead (changing
// nothing). The admin API lives under /_oasis/: GET health, GET spec (the bundled document),
// GET|PUT|DELETE state (export, import — a refused import changes nothing — and reset to seed),
// GET requests (the last N, with their validation results; ?limit=) and GET metrics
// (Prometheus text: requests by route and status, a latency histogram) — see record.hpp.
// Bodies that depend on no state are generated and serialised once, at load.
//
// Knows the spec model and the store; nothing about sockets (the server calls handle()).
#pragma once

#include <oasis/http/message.hpp>
#include <oasis/mock/store.hpp>
#include <oasis/mock/topology.hpp>
#include <oasis/spec/document.hpp>
#include <oasis/spec/router.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace oasis::mock {

struct MockOptions {
  std::uint64_t seed = 1;
  std::size_t seed_items = 3;  // per collection, the first time it is touched
  // Body fields that may carry a new item's id when none is named like the path parameter.
  std::vector<std::string> id_aliases = {"id", "name", "uuid", "key", "slug", "vmid"};
  spec::RouterOptions router;
  // --data: {"/concrete/collection": [items...], "/concrete/item": {...}}. A collection listed
  // here starts with these items instead of generated ones; an item path is stored as given.
  boost::json::object data;
  // Requests each serving thread remembers for GET /_oasis/requests (0: none; counters for
  // GET /_oasis/metrics are kept either way).
  std::size_t requests = 100;
};

class Mock {
 public:
  Mock(const spec::Document& doc, Store& store, MockOptions opts = {});
  ~Mock();
  Mock(const Mock&) = delete;
  Mock& operator=(const Mock&) = delete;

  // Thread-safe: reads run in parallel, writes go through the store.
  void handle(const http::Request& req, http::Response& res) const;

  const Topology& topology() const noexcept;
  const spec::Router& router() const noexcept;
  // Forgets every write and every seeded collection: the next touch seeds again (and the --data
  // items are stored again).
  void reset();
  // Stores the --data items given for item paths (not already stored). Called by the
  // constructor and by reset().
  void load_data();
  // Counts an answer given around handle() (a --fail-rate 503) in the metrics and requests.
  void record_outside(const http::Request& req, int status, std::chrono::nanoseconds took) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// RFC 7386 JSON merge patch: `patch` applied to `target`.
void merge_patch(boost::json::value& target, const boost::json::value& patch);

}  // namespace oasis::mock
