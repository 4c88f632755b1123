// oasis/client/future.hpp — a small Future/Promise for the client SDK: blocking get(),
// continuations with then(), when_all, for_each_in_order, and C++20 coroutines (co_await a
// Future, or write a coroutine that returns one).
//
// Shared state is a word of flags, a mutex, a condition variable and a list of continuations:
// fulfilling a promise nobody waits on and nobody continues takes no lock. Continuations
// and resumed coroutines run on the thread that fulfils the promise — for the client that is
// its transport thread — so they must not block on another Future (get() there would wait for
// the thread it is running on). It knows nothing about HTTP.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <coroutine>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

namespace oasis {

template <class T>
class Future;
template <class T>
class Promise;

namespace detail {

template <class T>
struct SharedState {
  // claimed: a value or error is being set (a second one throws); ready: it is set and neither
  // changes afterwards, so a reader that sees it (acquire) reads them without the lock;
  // continued: continuations wait in first / more; waiting: a thread sleeps in wait(). The last
  // two are set under `mu`, and complete() takes `mu` only when it finds one of them.
  static constexpr unsigned claimed = 1, ready_bit = 2, continued = 4, waiting = 8;
  std::atomic<unsigned> flags{0};
  std::mutex mu;
  std::condition_variable cv;
  std::optional<T> value;
  std::exception_ptr error;
  // How many Future objects share this state: the value may be moved out to the last one.
  std::atomic<int> readers{0};
  // Most states get one continuation: it is kept here, without a vector.
  std::function<void()> first;
  std::vector<std::function<void()>> more;

  bool is_ready(std::memory_order order = std::memory_order_acquire) const noexcept { return flags.load(order) & ready_bit; }

  // Runs f once the state is ready (at once, on this thread, if it already is).
  void on_ready(std::function<void()> f) {
    {
      std::lock_guard lk(mu);
      if (!is_ready()) {
        const bool alone = !first;
        if (alone)
          first = std::move(f);
        else
          more.push_back(std::move(f));
        if (!(flags.fetch_or(continued, std::memory_order_acq_rel) & ready_bit)) return;
        // Completed in between, without seeing it: it runs here, like any on a ready state.
        if (alone) {
          f = std::move(first);
          first = nullptr;
        } else {
          f = std::move(more.back());
          more.pop_back();
        }
      }
    }
    f();
  }
  // Sleeps until ready (waiting set under `mu`: complete() takes `mu` before it notifies).
  template <class Wait>
  bool sleep(Wait&& wait) {
    std::unique_lock lk(mu);
    if (flags.fetch_or(waiting, std::memory_order_acq_rel) & ready_bit) return true;
    return wait(lk, [&] { return is_ready(); });
  }
  template <class Set>
  void complete(Set&& set) {
    if (flags.fetch_or(claimed, std::memory_order_acq_rel) & claimed) throw std::logic_error("promise already satisfied");
    set();
    const unsigned was = flags.fetch_or(ready_bit, std::memory_order_acq_rel);
    if (!(was & (continued | waiting))) return;
    std::function<void()> run_first;
    std::vector<std::function<void()>> run;
    {
      std::lock_guard lk(mu);
      run_first.swap(first);
      run.swap(more);
    }
    if (was & waiting) cv.notify_all();
    if (run_first) run_first();
    for (auto& f : run) f();
  }
  void set_value(T&& v) {
    complete([&] { value.emplace(std::move(v)); });
  }
  // The value built in place from `args`.
  template <class... Args>
  void emplace_value(Args&&... args) {
    complete([&] { value.emplace(std::forward<Args>(args)...); });
  }
  void set_exception(std::exception_ptr e) {
    complete([&] { error = std::move(e); });
  }
};

template <class T>
struct is_future : std::false_type {};
template <class T>
struct is_future<Future<T>> : std::true_type {};

}  // namespace detail

template <class T>
class Promise {
 public:
  Promise() : s_(std::make_shared<detail::SharedState<T>>()) {}
  // On a state that lives inside a larger object (an aliasing shared_ptr): one allocation for
  // both.
  explicit Promise(std::shared_ptr<detail::SharedState<T>> s) : s_(std::move(s)) {}
  Future<T> get_future() const { return Future<T>(s_); }
  void set_value(T v) const { s_->set_value(std::move(v)); }
  void set_exception(std::exception_ptr e) const { s_->set_exception(std::move(e)); }

 private:
  std::shared_ptr<detail::SharedState<T>> s_;
};

template <class T>
class Future {
 public:
  using value_type = T;
  Future() = default;
  explicit Future(std::shared_ptr<detail::SharedState<T>> s) : s_(std::move(s)) {
    if (s_) s_->readers.fetch_add(1, std::memory_order_relaxed);
  }
  Future(const Future& o) : s_(o.s_) {
    if (s_) s_->readers.fetch_add(1, std::memory_order_relaxed);
  }
  Future(Future&& o) noexcept : s_(std::move(o.s_)) {}
  Future& operator=(const Future& o) {
    if (this != &o) *this = Future(o);
    return *this;
  }
  Future& operator=(Future&& o) noexcept {
    if (this != &o) {
      release();
      s_ = std::move(o.s_);
    }
    return *this;
  }
  ~Future() { release(); }

  bool valid() const noexcept { return static_cast<bool>(s_); }
  bool ready() const { return s_->is_ready(); }
  void wait() const {
    if (ready()) return;
    s_->sleep([&](auto& lk, auto pred) {
      s_->cv.wait(lk, pred);
      return true;
    });
  }
  template <class Rep, class Period>
  bool wait_for(std::chrono::duration<Rep, Period> d) const {
    if (ready()) return true;
    return s_->sleep([&](auto& lk, auto pred) { return s_->cv.wait_for(lk, d, pred); });
  }
  // Waits; returns the value (a copy: a Future may have several readers) or rethrows. A
  // completed state is no longer written: no lock once it is ready.
  T get() const& {
    wait();
    if (s_->error) std::rethrow_exception(s_->error);
    return *s_->value;
  }
  // On a Future given up (`f.get()` on a temporary, `std::move(f).get()`): the value is moved
  // out when no other Future (copy, continuation) can read it any more, else copied.
  T get() && {
    wait();
    if (s_->error) std::rethrow_exception(s_->error);
    if (s_->readers.load(std::memory_order_acquire) == 1) return std::move(*s_->value);
    return *s_->value;
  }
  // On a Future given up: waits, then f(value) — the value in the state itself, as an rvalue,
  // when no other Future reads it (nothing is moved unless f moves it), else a copy — or
  // rethrows.
  template <class F>
  decltype(auto) apply(F&& f) && {
    wait();
    if (s_->error) std::rethrow_exception(s_->error);
    if (s_->readers.load(std::memory_order_acquire) == 1) return std::forward<F>(f)(std::move(*s_->value));
    T copy = *s_->value;
    return std::forward<F>(f)(std::move(copy));
  }
  // For a Future known to be ready and whose completion this thread has synchronised with
  // (when_all's inputs, through its counter): its value, moved out when no other Future reads
  // it, else copied; or rethrows. A completed state is no longer written, so no lock.
  T take_ready() && {
    if (s_->error) std::rethrow_exception(s_->error);
    if (s_->readers.load(std::memory_order_acquire) == 1) return std::move(*s_->value);
    return *s_->value;
  }
  // The failure, if it failed (after ready()).
  std::exception_ptr exception() const { return ready() ? s_->error : nullptr; }

  // f(T) -> U gives Future<U>; f(T) -> Future<U> gives Future<U> (flattened). A failure
  // skips f and passes through; an exception thrown by f fails the result.
  template <class F>
  auto then(F f) const {
    using R = std::invoke_result_t<F, T>;
    if constexpr (detail::is_future<R>::value) {
      using U = typename R::value_type;
      Promise<U> next;
      s_->on_ready([self = *this, next, f = std::move(f)]() mutable {
        const auto& s = self.s_;
        if (s->error) return next.set_exception(s->error);
        try {
          R inner = f(*s->value);
          inner.on_ready([inner, next] {
            if (auto e = inner.exception()) return next.set_exception(e);
            next.set_value(std::move(inner).get());
          });
        } catch (...) {
          next.set_exception(std::current_exception());
        }
      });
      return next.get_future();
    } else {
      static_assert(!std::is_void_v<R>, "then(): the continuation must return a value");
      using U = R;
      Promise<U> next;
      s_->on_ready([self = *this, next, f = std::move(f)]() mutable {
        const auto& s = self.s_;
        if (s->error) return next.set_exception(s->error);
        try {
          next.set_value(f(*s->value));
        } catch (...) {
          next.set_exception(std::current_exception());
        }
      });
      return next.get_future();
    }
  }

  // Runs f() when ready (value or failure), on the fulfilling thread or at once.
  void on_ready(std::function<void()> f) const { s_->on_ready(std::move(f)); }

  // --- co_await a Future ------------------------------------------------------------------
  bool await_ready() const { return ready(); }
  void await_suspend(std::coroutine_handle<> h) const {
    s_->on_ready([h] { h.resume(); });
  }
  T await_resume() const { return get(); }

  // --- a coroutine that returns Future<T> -------------------------------------------------
  struct promise_type {
    Promise<T> p;
    Future<T> get_return_object() { return p.get_future(); }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_value(T v) { p.set_value(std::move(v)); }
    void unhandled_exception() { p.set_exception(std::current_exception()); }
  };

 private:
  void release() noexcept {
    if (s_) s_->readers.fetch_sub(1, std::memory_order_acq_rel);
    s_.reset();
  }
  std::shared_ptr<detail::SharedState<T>> s_;
};

// A Future that is already fulfilled.
template <class T>
Future<T> make_ready_future(T v) {
  Promise<T> p;
  p.set_value(std::move(v));
  return p.get_future();
}
template <class T>
Future<T> make_failed_future(std::exception_ptr e) {
  Promise<T> p;
  p.set_exception(std::move(e));
  return p.get_future();
}

// Every value in order once all are ready; the first failure (in order) if any failed.
// Values no other Future reads are moved, not copied.
template <class T>
Future<std::vector<T>> when_all(std::vector<Future<T>> futures) {
  if (futures.empty()) return make_ready_future(std::vector<T>{});
  // Owned by the continuations: the one that brings `left` to zero gathers and frees it (one
  // count more is held while the continuations are registered, as they may run at once).
  struct Gather {
    std::vector<Future<T>> fs;
    Promise<std::vector<T>> out;
    std::atomic<std::size_t> left;
    void arrive() {
      if (left.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
      std::unique_ptr<Gather> own(this);
      std::vector<T> values;
      values.reserve(fs.size());
      try {
        for (auto& each : fs) values.push_back(std::move(each).take_ready());
      } catch (...) {  // the first failure in order
        return out.set_exception(std::current_exception());
      }
      fs.clear();  // the inputs' states go before the caller wakes
      out.set_value(std::move(values));
    }
  };
  auto* g = new Gather{std::move(futures), {}, {}};
  g->left.store(g->fs.size() + 1, std::memory_order_relaxed);
  auto result = g->out.get_future();
  for (auto& f : g->fs) f.on_ready([g] { g->arrive(); });
  g->arrive();
  return result;
}

// Hands each value to fn(index, value) in order, as soon as the caller can have it, so the
// caller's work on the first answers overlaps the arrival of the rest (when_all makes it wait
// for the last). When the next value is not ready it waits for the one `batch` places further
// (or the last): a caller that keeps up with the answers wakes once per batch, not once per
// answer. A failure is rethrown at its place, after the values before it were handed over.
// Each Future is released once its value is handed over.
template <class T, class F>
void for_each_in_order(std::vector<Future<T>> futures, F&& fn, std::size_t batch = 32) {
  if (batch == 0) batch = 1;
  const std::size_t n = futures.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (!futures[i].ready()) futures[std::min(n, i + batch) - 1].wait();
    Future<T> f = std::move(futures[i]);
    std::move(f).apply([&](T&& value) { fn(i, std::move(value)); });
  }
}

}  // namespace oasis
