// oasis/mock/record.hpp — what the mock remembers about the requests it answered, for the admin
// API: the last N requests (GET /_oasis/requests) and counters in Prometheus text
// (GET /_oasis/metrics).
//
// Recording is on every request's path, so it is made to cost almost nothing: each serving
// thread writes only to its own block (a ring of fixed-size records and its own counters,
// allocated the first time that thread records), so there is no shared write and no lock
// between threads; a reader walks every block and sums or merges. Strings are copied into
// fixed buffers (a path is cut at 160 bytes); only an invalid request's violations are copied
// as a string, and that string keeps its capacity from one use of the slot to the next.
//
// Knows the spec model (operations, for route labels); nothing about sockets or the store.
#pragma once

#include <oasis/http/message.hpp>
#include <oasis/spec/document.hpp>

#include <boost/json/array.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace oasis::mock {

// The latency buckets of the histogram, upper bounds in seconds (+Inf is implied).
inline constexpr double latency_buckets[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                             0.01,   0.025,   0.05,   0.1,   0.25,   0.5, 1, 2.5, 10};

class Recorder {
 public:
  // `ring`: how many requests each thread keeps (0: none, only counters).
  Recorder(const spec::Document& doc, std::size_t ring);
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  struct Entry {
    std::string_view method;       // as received
    std::string_view target;       // path and query as received
    const spec::Operation* op = nullptr;  // null: no operation matched
    int status = 0;
    std::chrono::nanoseconds duration{0};
    // When the answer was ready, if the caller has read the clock already (else record() does).
    std::chrono::steady_clock::time_point end{};
    // For a refused request: its violations as a serialised JSON array; empty when valid.
    std::string_view violations;
  };
  // Thread-safe, lock-free between threads.
  void record(const Entry& e);

  std::size_t ring() const noexcept { return ring_; }
  // The last `limit` requests over all threads, newest first:
  // [{"time","method","path","operation","route","status","duration_ms","valid","violations"?}].
  boost::json::array recent(std::size_t limit) const;
  // Prometheus text exposition format 0.0.4.
  std::string metrics() const;

  struct Block;

 private:
  Block& block();
  const spec::Document& doc_;
  std::size_t ring_;
  std::uint64_t id_;  // unique per Recorder: tells a thread's cached block apart from another's
  mutable std::mutex mu_;  // guards blocks_ (a thread's first record, and readers)
  std::vector<std::unique_ptr<Block>> blocks_;
};

}  // namespace oasis::mock
