// oasis/http/per_thread.hpp — one object per thread, built at its first use, for the caches that
// keep buffers on the thread that frees them (the transport's answer buffers, the client's
// blocks and targets). Knows nothing about what they keep.
#pragma once

#include <new>

namespace oasis::http::detail {

// PerThread<T>::get(): this thread's T; null once the thread's exit has destroyed it (what is
// freed later in that exit goes straight back to the allocator) or when it could not be built.
template <class T>
class PerThread {
 public:
  static T* get() noexcept {
    if (t_ptr) [[likely]]
      return t_ptr;
    if (t_gone) return nullptr;
    try {
      thread_local Holder h;
      t_ptr = &h.value;
    } catch (const std::bad_alloc&) {
      return nullptr;
    }
    return t_ptr;
  }

 private:
  struct Holder {
    T value;
    ~Holder() {
      t_ptr = nullptr;
      t_gone = true;
    }
  };
  static inline thread_local T* t_ptr = nullptr;
  static inline thread_local bool t_gone = false;
};

}  // namespace oasis::http::detail
