// oasis/client/clock.hpp — time for the client: a monotonic now() and timers, behind an
// interface so tests of backoff, retries and ticket renewal can run on a clock they drive.
//
// Knows nothing about HTTP.
#pragma once

#include <chrono>
#include <functional>

namespace oasis::client {

class Clock {
 public:
  using duration = std::chrono::steady_clock::duration;
  using time_point = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  // Monotonic: never jumps with the wall clock.
  virtual time_point now() = 0;
  // Runs f after d (on a thread of the clock's choosing; for the client's default clock, the
  // transport's thread).
  virtual void after(duration d, std::function<void()> f) = 0;
};

}  // namespace oasis::client
