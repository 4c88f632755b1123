// oasis/proxy/violations.hpp — where the proxy's findings go: the --report file (one JSON
// object per line), the last N kept in memory for GET /_oasis/violations, and counts per
// operation and direction for the summary printed at shutdown.
//
// Thread-safe: every server thread records into the same log. Only requests that have
// violations take the lock; a clean exchange never touches it.
//
// Knows nothing about sockets or HTTP: it records what it is given.
#pragma once

#include <oasis/schema/schema.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace oasis::proxy {

enum class Direction : std::uint8_t { request, response };
std::string_view to_string(Direction d) noexcept;

struct ViolationRecord {
  std::chrono::system_clock::time_point time;
  std::string operation;  // operationId, else "GET /pets/{id}"; "" when no operation matched
  std::string method;     // of the request
  std::string target;     // the request-target as sent
  Direction direction = Direction::request;
  std::string pointer;    // "/query/limit", "/body/0/name", "/status", "/header/Content-Type"
  std::string message;
  std::string keyword;    // the schema keyword that failed ("type", "required"), or "status", ...
};

// One JSON object, no trailing newline:
// {"time":"2026-11-22T04:05:06.789Z","operation":..,"method":..,"target":..,"direction":..,
//  "pointer":..,"message":..,"keyword":..}
std::string to_json_line(const ViolationRecord& r);

struct OperationCounts {
  std::uint64_t request = 0;
  std::uint64_t response = 0;
};

class ViolationLog {
 public:
  // Keeps the last `keep` records in memory.
  explicit ViolationLog(std::size_t keep = 1000);
  ~ViolationLog();
  ViolationLog(const ViolationLog&) = delete;
  ViolationLog& operator=(const ViolationLog&) = delete;

  // Appends to `path` (created if absent). False with `error` set when it cannot be opened.
  bool open_report(const std::string& path, std::string& error);

  // Records each violation of one exchange under one lock, one report line each.
  void record(std::string_view operation, std::string_view method, std::string_view target, Direction direction,
              std::span<const schema::Violation> violations);
  // One violation that did not come from a schema ("no operation", "method not allowed").
  void record(std::string_view operation, std::string_view method, std::string_view target, Direction direction,
              std::string_view pointer, std::string_view keyword, std::string_view message);

  // {"total":N,"request":N,"response":N,"kept":N,"violations":[{...}, ...]} (oldest first).
  std::string to_json() const;
  // Forgets the kept records and the counts (the report file keeps its lines).
  void clear();

  std::uint64_t total() const;
  std::uint64_t count(Direction d) const;
  // Counts by operation ("" for requests that matched none), sorted by name.
  std::map<std::string, OperationCounts> by_operation() const;
  std::vector<ViolationRecord> recent() const;

 private:
  void add_locked(ViolationRecord&& r);

  mutable std::mutex mu_;
  std::size_t keep_;
  std::deque<ViolationRecord> recent_;
  std::map<std::string, OperationCounts> by_operation_;
  std::uint64_t request_ = 0, response_ = 0;
  std::FILE* report_ = nullptr;
};

}  // namespace oasis::proxy
