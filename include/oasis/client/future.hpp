// oasis/client/future.hpp — a small Future/Promise for the client SDK: blocking get(),
// continuations with then(), when_all, and C++20 coroutines (co_await a Future, or write a
// coroutine that returns one).
//
// Shared state is a mutex, a condition variable and a list of continuations. Continuations
// and resumed coroutines run on the thread that fulfils the promise — for the client that is
// its transport thread — so they must not block on another Future (get() there would wait for
// the thread it is running on). It knows nothing about HTTP.
#pragma once

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
  std::mutex mu;
  std::condition_variable cv;
  std::optional<T> value;
  std::exception_ptr error;
  bool ready = false;
  std::vector<std::function<void()>> continuations;

  // Runs f once the state is ready (at once, on this thread, if it already is).
  void on_ready(std::function<void()> f) {
    {
      std::lock_guard lk(mu);
      if (!ready) {
        continuations.push_back(std::move(f));
        return;
      }
    }
    f();
  }
  template <class Set>
  void complete(Set&& set) {
    std::vector<std::function<void()>> run;
    {
      std::lock_guard lk(mu);
      if (ready) throw std::logic_error("promise already satisfied");
      set();
      ready = true;
      run.swap(continuations);
    }
    cv.notify_all();
    for (auto& f : run) f();
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
  Future<T> get_future() const { return Future<T>(s_); }
  void set_value(T v) const {
    s_->complete([&] { s_->value.emplace(std::move(v)); });
  }
  void set_exception(std::exception_ptr e) const {
    s_->complete([&] { s_->error = std::move(e); });
  }

 private:
  std::shared_ptr<detail::SharedState<T>> s_;
};

template <class T>
class Future {
 public:
  using value_type = T;
  Future() = default;
  explicit Future(std::shared_ptr<detail::SharedState<T>> s) : s_(std::move(s)) {}

  bool valid() const noexcept { return static_cast<bool>(s_); }
  bool ready() const {
    std::lock_guard lk(s_->mu);
    return s_->ready;
  }
  void wait() const {
    std::unique_lock lk(s_->mu);
    s_->cv.wait(lk, [&] { return s_->ready; });
  }
  template <class Rep, class Period>
  bool wait_for(std::chrono::duration<Rep, Period> d) const {
    std::unique_lock lk(s_->mu);
    return s_->cv.wait_for(lk, d, [&] { return s_->ready; });
  }
  // Waits; returns the value (a copy: a Future may have several readers) or rethrows.
  T get() const {
    wait();
    std::lock_guard lk(s_->mu);
    if (s_->error) std::rethrow_exception(s_->error);
    return *s_->value;
  }
  // The failure, if it failed (after ready()).
  std::exception_ptr exception() const {
    std::lock_guard lk(s_->mu);
    return s_->error;
  }

  // f(T) -> U gives Future<U>; f(T) -> Future<U> gives Future<U> (flattened). A failure
  // skips f and passes through; an exception thrown by f fails the result.
  template <class F>
  auto then(F f) const {
    using R = std::invoke_result_t<F, T>;
    if constexpr (detail::is_future<R>::value) {
      using U = typename R::value_type;
      Promise<U> next;
      auto s = s_;
      s_->on_ready([s, next, f = std::move(f)]() mutable {
        if (s->error) return next.set_exception(s->error);
        try {
          R inner = f(*s->value);
          inner.on_ready([inner, next] {
            if (auto e = inner.exception()) return next.set_exception(e);
            next.set_value(inner.get());
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
      auto s = s_;
      s_->on_ready([s, next, f = std::move(f)]() mutable {
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
template <class T>
Future<std::vector<T>> when_all(std::vector<Future<T>> futures) {
  Promise<std::vector<T>> out;
  if (futures.empty()) {
    out.set_value({});
    return out.get_future();
  }
  struct Gather {
    std::vector<Future<T>> fs;
    std::mutex mu;
    std::size_t left;
  };
  auto g = std::make_shared<Gather>();
  g->fs = std::move(futures);
  g->left = g->fs.size();
  for (auto& f : g->fs) {
    f.on_ready([g, out] {
      {
        std::lock_guard lk(g->mu);
        if (--g->left != 0) return;
      }
      std::vector<T> values;
      values.reserve(g->fs.size());
      for (auto& each : g->fs) {
        if (auto e = each.exception()) return out.set_exception(e);
        values.push_back(each.get());
      }
      out.set_value(std::move(values));
    });
  }
  return out.get_future();
}

}  // namespace oasis
