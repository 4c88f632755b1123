// mock/serve.cpp — latency, failures and request logs around the mock's handler.
#include <oasis/mock/serve.hpp>

#include <oasis/spec/problem.hpp>

#include <charconv>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>

namespace oasis::mock {

namespace {

std::chrono::milliseconds parse_duration(std::string_view t, std::string_view whole) {
  auto bad = [&] {
    return std::invalid_argument("--latency: expected a duration like 20ms, 1s or 20ms-200ms, got '" + std::string(whole) + "'");
  };
  long long n = 0;
  auto r = std::from_chars(t.data(), t.data() + t.size(), n);
  if (r.ec != std::errc() || n < 0) throw bad();
  std::string_view unit(r.ptr, static_cast<std::size_t>(t.data() + t.size() - r.ptr));
  if (unit.empty() || unit == "ms") return std::chrono::milliseconds(n);
  if (unit == "s") return std::chrono::milliseconds(n * 1000);
  throw bad();
}

}  // namespace

Latency parse_latency(std::string_view text) {
  Latency l;
  auto dash = text.find('-');
  if (dash == std::string_view::npos) {
    l.min = l.max = parse_duration(text, text);
  } else {
    l.min = parse_duration(text.substr(0, dash), text);
    l.max = parse_duration(text.substr(dash + 1), text);
    if (l.max < l.min) throw std::invalid_argument("--latency: the range '" + std::string(text) + "' ends before it starts");
  }
  if (l.max > std::chrono::minutes(10)) throw std::invalid_argument("--latency: at most 10 minutes");
  return l;
}

http::Handler make_handler(const Mock& mock, ServeOptions opts) {
  if (opts.fail_rate < 0 || opts.fail_rate > 1) throw std::invalid_argument("--fail-rate: expected a number from 0 to 1");
  const bool chaos = opts.latency.enabled() || opts.fail_rate > 0;
  return [&mock, opts, chaos](const http::Request& req, http::Response& res) {
    const bool admin = req.path().substr(0, 8) == "/_oasis/";
    if (!chaos || admin) {
      mock.handle(req, res);
    } else {
      // One generator per thread: no lock, and still reproducible for a given seed and thread.
      thread_local std::mt19937_64 rng(opts.seed ^ std::hash<std::thread::id>{}(std::this_thread::get_id()));
      if (opts.fail_rate > 0 && std::uniform_real_distribution<double>(0, 1)(rng) < opts.fail_rate) {
        const auto start = std::chrono::steady_clock::now();
        spec::Problem p;
        p.status = 503;
        p.detail = "a failure simulated by --fail-rate";
        res.header("Retry-After", "1");
        spec::write_problem(res, p);
        mock.record_outside(req, 503, std::chrono::steady_clock::now() - start);
      } else {
        mock.handle(req, res);
      }
      // An answer already deferred (a write waiting for its commit) is not deferred a second
      // time: the engine takes one deferral per request; the disk's wait stands in for the delay.
      if (opts.latency.enabled() && !res.deferred()) {
        auto span = (opts.latency.max - opts.latency.min).count();
        auto delay = opts.latency.min + std::chrono::milliseconds(span > 0 ? static_cast<long long>(rng() % static_cast<std::uint64_t>(span + 1)) : 0);
        if (http::Deferred later = res.defer())
          later.after(delay, [later]() mutable { later.finish(); });
      }
    }
    if (opts.log)
      std::fprintf(opts.log, "%.*s %.*s %d %zu\n", static_cast<int>(req.method_name().size()), req.method_name().data(),
                   static_cast<int>(req.target().size()), req.target().data(), res.status(), res.body().size());
  };
}

}  // namespace oasis::mock
