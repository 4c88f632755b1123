// oasis/mock/serve.hpp — the mock as a server handler, with the behaviours that simulate a slow
// or failing service around Mock::handle: --latency (a fixed delay or a range), --fail-rate
// (that share of requests answered 503), and --log requests (one line per request; nothing
// at all is done for logging when it is off). The admin API (/_oasis/) is never delayed or failed.
#pragma once

#include <oasis/http/message.hpp>
#include <oasis/mock/mock.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string_view>

namespace oasis::mock {

struct Latency {
  std::chrono::milliseconds min{0}, max{0};
  bool enabled() const noexcept { return max.count() > 0; }
};

// "20ms", "1s", "250" (milliseconds), "20ms-200ms". Throws std::invalid_argument saying what was
// expected.
Latency parse_latency(std::string_view text);

struct ServeOptions {
  Latency latency;
  double fail_rate = 0.0;        // 0..1
  std::uint64_t seed = 1;        // for the delays and failures drawn
  std::FILE* log = nullptr;      // one line per request when set
};

// The handler to give http::Server. `mock` must outlive it.
http::Handler make_handler(const Mock& mock, ServeOptions opts);

}  // namespace oasis::mock
