// mock/record.cpp — per-thread rings of recent requests and per-thread counters, merged on read.
#include <oasis/mock/record.hpp>

#include <oasis/http/date.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>

namespace oasis::mock {

namespace json = boost::json;

namespace {

constexpr std::size_t kStatusSlots = 8;  // distinct statuses counted per route; more go to "other"
constexpr std::size_t kMethods = static_cast<std::size_t>(http::Method::OTHER) + 1;
constexpr std::size_t kBuckets = std::size(latency_buckets);
constexpr std::size_t kTarget = 160;
constexpr std::size_t kMethod = 15;

std::atomic<std::uint64_t> next_recorder_id{1};

struct Counter {
  std::atomic<std::uint32_t> status{0};  // 0: slot unused
  std::atomic<std::uint64_t> count{0};
};

// One request, in fixed buffers. `busy` is taken by the owning thread while it writes and by a
// reader while it copies: the two rarely meet, and never two writers.
struct Record {
  std::atomic_flag busy;
  std::uint64_t written = 0;  // 0: never
  std::chrono::steady_clock::time_point end{};
  std::int64_t duration_ns = 0;
  const spec::Operation* op = nullptr;
  int status = 0;
  std::uint8_t method_len = 0;
  char method[kMethod];
  std::uint16_t target_len = 0;
  bool target_cut = false;
  char target[kTarget];
  std::string violations;
};

// Relaxed single-writer increment: only the owning thread writes, readers only load.
inline void bump(std::atomic<std::uint64_t>& a, std::uint64_t by = 1) {
  a.store(a.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

void label_value(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
}

}  // namespace

struct Recorder::Block {
  std::size_t routes;  // operations, then one unmatched route per method
  std::unique_ptr<Counter[]> counters;                 // routes × kStatusSlots
  std::unique_ptr<std::atomic<std::uint64_t>[]> other; // routes
  std::atomic<std::uint64_t> buckets[kBuckets + 1] = {};
  std::atomic<std::uint64_t> sum_ns{0}, count{0};
  std::unique_ptr<Record[]> records;
  std::size_t ring;
  std::uint64_t next = 0;  // writer only

  Block(std::size_t ops, std::size_t ring_size)
      : routes(ops + kMethods),
        counters(new Counter[routes * kStatusSlots]),
        other(new std::atomic<std::uint64_t>[routes]),
        records(ring_size ? new Record[ring_size] : nullptr),
        ring(ring_size) {
    for (std::size_t i = 0; i < routes; ++i) other[i].store(0, std::memory_order_relaxed);
  }
};

Recorder::Recorder(const spec::Document& doc, std::size_t ring)
    : doc_(doc), ring_(std::min<std::size_t>(ring, 100000)), id_(next_recorder_id.fetch_add(1)) {}

Recorder::~Recorder() = default;

Recorder::Block& Recorder::block() {
  // The thread's block for this recorder, cached: found under the lock only the first time (or
  // when the thread switches between recorders, which servers never do).
  struct Cache {
    std::uint64_t id = 0;
    Block* block = nullptr;
  };
  thread_local Cache cache;
  if (cache.id == id_) return *cache.block;
  std::lock_guard lock(mu_);
  blocks_.push_back(std::make_unique<Block>(doc_.operations().size(), ring_));
  cache = {id_, blocks_.back().get()};
  return *cache.block;
}

void Recorder::record(const Entry& e) {
  Block& b = block();
  // Counters by route and status.
  std::size_t route = e.op ? e.op->index
                           : doc_.operations().size() + static_cast<std::size_t>(http::method_from_string(e.method));
  Counter* slots = &b.counters[route * kStatusSlots];
  const auto status = static_cast<std::uint32_t>(e.status);
  bool counted = false;
  for (std::size_t i = 0; i < kStatusSlots; ++i) {
    std::uint32_t s = slots[i].status.load(std::memory_order_relaxed);
    if (s == 0) slots[i].status.store(s = status, std::memory_order_relaxed);
    if (s == status) {
      bump(slots[i].count);
      counted = true;
      break;
    }
  }
  if (!counted) bump(b.other[route]);
  // The latency histogram.
  const std::int64_t ns = e.duration.count();
  std::size_t bucket = 0;
  while (bucket < kBuckets && static_cast<double>(ns) > latency_buckets[bucket] * 1e9) ++bucket;
  bump(b.buckets[bucket]);
  bump(b.sum_ns, static_cast<std::uint64_t>(std::max<std::int64_t>(ns, 0)));
  bump(b.count);
  // The ring.
  if (!b.ring) return;
  Record& r = b.records[b.next % b.ring];
  while (r.busy.test_and_set(std::memory_order_acquire)) {
  }
  r.written = ++b.next;
  r.end = e.end != std::chrono::steady_clock::time_point{} ? e.end : std::chrono::steady_clock::now();
  r.duration_ns = ns;
  r.op = e.op;
  r.status = e.status;
  r.method_len = static_cast<std::uint8_t>(std::min(e.method.size(), kMethod));
  std::memcpy(r.method, e.method.data(), r.method_len);
  r.target_len = static_cast<std::uint16_t>(std::min(e.target.size(), kTarget));
  r.target_cut = e.target.size() > kTarget;
  std::memcpy(r.target, e.target.data(), r.target_len);
  r.violations.assign(e.violations);
  r.busy.clear(std::memory_order_release);
}

json::array Recorder::recent(std::size_t limit) const {
  struct Copy {
    std::chrono::steady_clock::time_point end;
    json::object o;
  };
  std::vector<Copy> all;
  const auto now_steady = std::chrono::steady_clock::now();
  const auto now_system = std::chrono::system_clock::now();
  {
    std::lock_guard lock(mu_);
    for (const auto& bp : blocks_) {
      Block& b = *bp;
      for (std::size_t i = 0; i < b.ring; ++i) {
        Record& r = b.records[i];
        while (r.busy.test_and_set(std::memory_order_acquire)) {
        }
        if (r.written) {
          Copy c{r.end, {}};
          auto when = now_system - std::chrono::duration_cast<std::chrono::system_clock::duration>(now_steady - r.end);
          c.o["time"] = http::format_rfc3339(when);
          c.o["method"] = std::string_view(r.method, r.method_len);
          std::string target(r.target, r.target_len);
          if (r.target_cut) target += "...";
          c.o["path"] = std::move(target);
          c.o["operation"] = r.op ? std::string_view(r.op->operation_id) : std::string_view();
          if (r.op) c.o["route"] = r.op->path;
          else c.o["route"] = nullptr;
          c.o["status"] = r.status;
          c.o["duration_us"] = r.duration_ns / 1000;
          c.o["valid"] = r.violations.empty();
          if (!r.violations.empty()) {
            boost::system::error_code ec;
            json::value v = json::parse(r.violations, ec);
            c.o["violations"] = ec ? json::value(json::array{}) : std::move(v);
          }
          all.push_back(std::move(c));
        }
        r.busy.clear(std::memory_order_release);
      }
    }
  }
  std::sort(all.begin(), all.end(), [](const Copy& a, const Copy& b) { return a.end > b.end; });
  json::array out;
  for (std::size_t i = 0; i < all.size() && i < limit; ++i) out.push_back(std::move(all[i].o));
  return out;
}

std::string Recorder::metrics() const {
  const auto& ops = doc_.operations();
  const std::size_t routes = ops.size() + kMethods;
  // Sums over the threads' blocks: (route, status) → count.
  std::vector<std::vector<std::pair<std::uint32_t, std::uint64_t>>> by_route(routes);
  std::vector<std::uint64_t> other(routes, 0);
  std::uint64_t buckets[kBuckets + 1] = {}, sum_ns = 0, count = 0;
  {
    std::lock_guard lock(mu_);
    for (const auto& bp : blocks_) {
      const Block& b = *bp;
      for (std::size_t r = 0; r < routes; ++r) {
        for (std::size_t i = 0; i < kStatusSlots; ++i) {
          const Counter& c = b.counters[r * kStatusSlots + i];
          std::uint32_t s = c.status.load(std::memory_order_relaxed);
          if (!s) break;
          std::uint64_t n = c.count.load(std::memory_order_relaxed);
          auto& list = by_route[r];
          auto it = std::find_if(list.begin(), list.end(), [&](const auto& p) { return p.first == s; });
          if (it == list.end()) list.push_back({s, n});
          else it->second += n;
        }
        other[r] += b.other[r].load(std::memory_order_relaxed);
      }
      for (std::size_t i = 0; i <= kBuckets; ++i) buckets[i] += b.buckets[i].load(std::memory_order_relaxed);
      sum_ns += b.sum_ns.load(std::memory_order_relaxed);
      count += b.count.load(std::memory_order_relaxed);
    }
  }
  std::string out;
  out.reserve(4096);
  out +=
      "# HELP oasis_mock_requests_total Requests to the mocked API, by route (method and path template) and status.\n"
      "# TYPE oasis_mock_requests_total counter\n";
  auto line = [&](std::size_t r, std::string_view status, std::uint64_t n) {
    out += "oasis_mock_requests_total{method=\"";
    if (r < ops.size()) {
      label_value(out, ops[r].method_name);
      out += "\",route=\"";
      label_value(out, ops[r].path);
    } else {
      out += http::to_string(static_cast<http::Method>(r - ops.size()));
      out += "\",route=\"(unmatched)";
    }
    out += "\",status=\"";
    out += status;
    out += "\"} ";
    out += std::to_string(n);
    out += '\n';
  };
  for (std::size_t r = 0; r < routes; ++r) {
    auto& list = by_route[r];
    std::sort(list.begin(), list.end());
    for (const auto& [s, n] : list) line(r, std::to_string(s), n);
    if (other[r]) line(r, "other", other[r]);
  }
  out +=
      "# HELP oasis_mock_request_duration_seconds Time the mock took to answer a request of the mocked API (without the --latency delay).\n"
      "# TYPE oasis_mock_request_duration_seconds histogram\n";
  std::uint64_t cumulative = 0;
  char num[64];
  for (std::size_t i = 0; i <= kBuckets; ++i) {
    cumulative += buckets[i];
    out += "oasis_mock_request_duration_seconds_bucket{le=\"";
    if (i < kBuckets) {
      std::snprintf(num, sizeof num, "%g", latency_buckets[i]);
      out += num;
    } else {
      out += "+Inf";
    }
    out += "\"} ";
    out += std::to_string(cumulative);
    out += '\n';
  }
  std::snprintf(num, sizeof num, "%.9f", static_cast<double>(sum_ns) / 1e9);
  out += "oasis_mock_request_duration_seconds_sum ";
  out += num;
  out += "\noasis_mock_request_duration_seconds_count ";
  out += std::to_string(count);
  out += '\n';
  return out;
}

}  // namespace oasis::mock
