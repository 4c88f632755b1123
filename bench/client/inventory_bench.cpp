// bench/client/inventory_bench — the oasis client side of bench/client/run.
//
//   inventory_bench URL --mode seq|pool|pipe [--connections N] [--depth D] [--inventories K] [--warmup W]
//                   [--min-ms M]
//       an oVirt-style inventory against `oasis mock bench/client/pve-small.yaml`: list the VMs of
//       node pve, then GET each VM and its config, status/current, snapshot and firewall/options
//       (5 per VM, 501 GETs for 100 VMs). Every answer is parsed as JSON and checked to name its VM.
//       seq: one connection, one call after the other (sync API); pool: N connections, no
//       pipelining; pipe: N connections, D requests in flight on each — both async, every call
//       issued first, the answers then checked in order as they arrive (for_each_in_order), or
//       with --gather all once all have arrived (when_all). --parse-on-arrival sets
//       ClientOptions::parse_json_on_arrival: answers are parsed on the transport's thread as
//       they come, as the undici and aiohttp inventories parse each answer in its own task.
//       --min-ms: timed inventories go on past K until M ms have passed, so that a fast variant
//       is sampled over as long a stretch of the machine's time as a slow one.
//   inventory_bench URL --mode flood --requests N [--batch B] [--connections N] [--depth D] [--path P]
//       N GETs of P, B in flight at a time (async + when_all per batch), bodies kept but not parsed.
//   inventory_bench URL --mode raw ...   the same flood on http::Transport alone (no Client, no
//       Futures: a callback counts answers), to tell the transport's cost from the SDK's.
//
// Prints one JSON line: wall time per inventory (ms), requests timed, and this process's CPU time
// (user + system, all threads, from getrusage) over the timed part only.
#include <oasis/client/client.hpp>

#include <boost/json.hpp>

#include <sys/resource.h>

#include <charconv>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace json = boost::json;
using oasis::client::Response;

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

struct Args {
  std::string url;
  std::string mode = "pipe";
  std::size_t connections = 4;
  std::size_t depth = 16;
  int inventories = 5;
  int warmup = 2;
  double min_ms = 0;
  std::string node = "pve";
  long requests = 100000;
  std::size_t batch = 256;
  std::string path = "/json";
  bool parse_on_arrival = false;
  std::string gather = "in-order";
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(k + " needs a value");
      return argv[++i];
    };
    if (k == "--mode") a.mode = next();
    else if (k == "--connections") a.connections = std::stoul(next());
    else if (k == "--depth") a.depth = std::stoul(next());
    else if (k == "--inventories") a.inventories = std::stoi(next());
    else if (k == "--warmup") a.warmup = std::stoi(next());
    else if (k == "--min-ms") a.min_ms = std::stod(next());
    else if (k == "--node") a.node = next();
    else if (k == "--requests") a.requests = std::stol(next());
    else if (k == "--batch") a.batch = std::stoul(next());
    else if (k == "--path") a.path = next();
    else if (k == "--parse-on-arrival") a.parse_on_arrival = true;
    else if (k == "--gather") a.gather = next();
    else if (!k.empty() && k[0] != '-' && a.url.empty()) a.url = k;
    else throw std::invalid_argument("unknown argument " + k);
  }
  if (a.url.empty()) throw std::invalid_argument("usage: inventory_bench URL --mode seq|pool|pipe|flood ...");
  if (a.gather != "in-order" && a.gather != "all") throw std::invalid_argument("--gather in-order|all");
  if (a.mode != "seq" && a.mode != "pool" && a.mode != "pipe" && a.mode != "flood" && a.mode != "raw") throw std::invalid_argument("unknown mode " + a.mode);
  if (a.connections == 0 || a.connections > 256 || a.depth == 0 || a.depth > 1024 || a.batch == 0 || a.batch > 100000)
    throw std::invalid_argument("connections 1..256, depth 1..1024, batch 1..100000");
  return a;
}

const char* const kSubs[] = {"", "/config", "/status/current", "/snapshot", "/firewall/options"};

// Every answer must be a 200 whose JSON names the VM it was asked for.
void check(const Response& r, std::int64_t vmid, std::size_t sub) {
  if (r.status() != 200) throw std::runtime_error("status " + std::to_string(r.status()));
  const json::value& d = r.data();
  const std::string name = "vm-" + std::to_string(vmid);
  bool ok = false;
  switch (sub) {
    case 0: ok = d.at("vmid").to_number<std::int64_t>() == vmid; break;
    case 1: ok = d.at("name").as_string() == name; break;
    case 2: ok = d.at("vmid").to_number<std::int64_t>() == vmid; break;
    case 3: ok = d.as_array().size() == 2 && d.as_array()[0].at("description").as_string().starts_with(name); break;
    default: ok = d.is_object() && d.as_object().contains("policy_in"); break;
  }
  if (!ok) throw std::runtime_error("answer for " + name + kSubs[sub] + " is not about it: " + r.body());
}

// One inventory; returns the number of requests it made.
std::size_t inventory(oasis::Client& api, const Args& a) {
  const std::string coll = "/nodes/" + a.node + "/qemu";
  Response list = api.get(coll);
  std::vector<std::int64_t> ids;
  for (const auto& vm : list.data().as_array()) ids.push_back(vm.at("vmid").to_number<std::int64_t>());
  if (ids.empty()) throw std::runtime_error("the node has no VMs");
  const std::size_t n = std::size(kSubs);
  // "/nodes/pve/qemu/100/config": one allocation per path, handed over to the call.
  auto path = [&](std::int64_t id, std::size_t s) {
    char num[24];
    const auto len = static_cast<std::size_t>(std::to_chars(num, num + sizeof num, id).ptr - num);
    std::string p;
    p.reserve(coll.size() + 1 + len + std::strlen(kSubs[s]));
    p.append(coll).append(1, '/').append(num, len).append(kSubs[s]);
    return p;
  };
  if (a.mode == "seq") {
    for (auto id : ids)
      for (std::size_t s = 0; s < n; ++s) check(api.get(path(id, s)), id, s);
  } else {
    std::vector<oasis::Future<Response>> fs;
    fs.reserve(ids.size() * n);
    for (auto id : ids)
      for (std::size_t s = 0; s < n; ++s) fs.push_back(api.async_get(path(id, s)));
    if (a.gather == "all") {
      auto all = oasis::when_all(std::move(fs)).get();
      for (std::size_t i = 0; i < all.size(); ++i) check(all[i], ids[i / n], i % n);
    } else {
      oasis::for_each_in_order(std::move(fs), [&](std::size_t i, const Response& r) { check(r, ids[i / n], i % n); });
    }
  }
  return 1 + ids.size() * n;
}

std::size_t flood_batch(oasis::Client& api, const Args& a, std::size_t count) {
  std::vector<oasis::Future<Response>> fs;
  fs.reserve(count);
  for (std::size_t i = 0; i < count; ++i) fs.push_back(api.async_get(a.path));
  auto all = oasis::when_all(std::move(fs)).get();
  for (const auto& r : all)
    if (r.status() != 200 || r.body().empty()) throw std::runtime_error("flood: status " + std::to_string(r.status()));
  return count;
}

// The flood on the transport alone: a batch is done when its last callback has run.
std::size_t raw_batch(oasis::http::Transport& t, const oasis::http::Origin& origin, const Args& a, std::size_t count) {
  struct Batch {
    std::mutex mu;
    std::condition_variable cv;
    std::size_t left;
    std::size_t bad = 0;
  } b;
  b.left = count;
  for (std::size_t i = 0; i < count; ++i) {
    oasis::http::ClientRequest req;
    req.target = a.path;
    req.headers.emplace_back("Accept", "application/json");
    t.async_send(origin, std::move(req), [&b](oasis::http::TransportError err, oasis::http::ClientResponse res) {
      std::lock_guard lk(b.mu);
      if (err || res.status != 200 || res.body.empty()) ++b.bad;
      if (--b.left == 0) b.cv.notify_one();
    });
  }
  std::unique_lock lk(b.mu);
  b.cv.wait(lk, [&] { return b.left == 0; });
  if (b.bad) throw std::runtime_error("raw flood: " + std::to_string(b.bad) + " failed");
  return count;
}

int raw_flood(const Args& a) {
  oasis::http::TransportOptions t;
  t.max_connections = a.connections;
  t.max_idle = a.connections;
  t.pipeline_depth = a.depth;
  oasis::http::Transport transport(t);
  auto origin = oasis::http::Origin::parse(a.url);
  raw_batch(transport, origin, a, std::min<std::size_t>(a.batch * 4, static_cast<std::size_t>(a.requests)));
  const double c0 = cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  long done = 0;
  while (done < a.requests) done += static_cast<long>(raw_batch(transport, origin, a, std::min<std::size_t>(a.batch, static_cast<std::size_t>(a.requests - done))));
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  json::object out{{"client", "oasis-transport"}, {"mode", "raw"}, {"connections", a.connections}, {"depth", a.depth},
                   {"requests", done}, {"wall_s", wall}, {"cpu_s", cpu_seconds() - c0}};
  std::cout << json::serialize(out) << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) try {
  Args a = parse(argc, argv);
  if (a.mode == "raw") return raw_flood(a);
  oasis::client::ClientOptions o;
  o.base_url = a.url;
  const bool seq = a.mode == "seq";
  o.transport.max_connections = seq ? 1 : a.connections;
  o.transport.max_idle = o.transport.max_connections;
  o.transport.pipeline_depth = (a.mode == "pipe" || a.mode == "flood") ? a.depth : 1;
  o.retry.max_retries = 0;  // a benchmark must not hide failures behind retries
  o.parse_json_on_arrival = a.parse_on_arrival;
  // The flood sends the same GET over and over: each must be a request of its own, as undici's
  // are, not joined to an identical one in flight. (The inventory's GETs all differ.)
  if (a.mode == "flood") o.coalesce_gets = false;
  oasis::Client api(o);

  json::object out{{"client", "oasis"}, {"mode", a.mode}, {"connections", o.transport.max_connections},
                   {"depth", o.transport.pipeline_depth}};
  if (a.mode == "flood") {
    flood_batch(api, a, std::min<std::size_t>(a.batch * 4, static_cast<std::size_t>(a.requests)));  // warm-up: connections open
    const double c0 = cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    long done = 0;
    while (done < a.requests) done += static_cast<long>(flood_batch(api, a, std::min<std::size_t>(a.batch, static_cast<std::size_t>(a.requests - done))));
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    out["requests"] = done;
    out["wall_s"] = wall;
    out["cpu_s"] = cpu_seconds() - c0;
  } else {
    for (int i = 0; i < a.warmup; ++i) inventory(api, a);
    json::array times;
    std::size_t requests = 0;
    const double c0 = cpu_seconds();
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < a.inventories ||
                    std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() < a.min_ms;
         ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      requests += inventory(api, a);
      times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    out["times_ms"] = std::move(times);
    out["requests"] = requests;
    out["cpu_s"] = cpu_seconds() - c0;
  }
  auto st = api.transport_stats();
  out["connections_opened"] = st.connections_opened;
  out["requests_resent"] = st.requests_resent;
  std::cout << json::serialize(out) << std::endl;
  return 0;
} catch (const std::exception& e) {
  std::cerr << "inventory_bench: " << e.what() << "\n";
  return 1;
}
