// oasis/rest/dependencies.hpp — values a resource needs but should not build itself (a store,
// a clock, a client), found by type and optionally by name.
//
// Two scopes. Application values are created once at startup (start(), in registration order,
// or earlier on first use by another application value) and destroyed at shutdown (stop()) in
// reverse order of creation, so a value never outlives what it was built from. Per-request
// values are created on first use in a request (Context::get) and cached for the rest of it.
//
// Registration happens before serving; after start() the registry is only read, so lookups from
// many threads need no lock. This header knows nothing about routing or the decision flow.
#pragma once

#include <oasis/rest/resource.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace oasis::rest {

class Dependencies {
 public:
  Dependencies() = default;
  ~Dependencies() { stop(); }
  Dependencies(const Dependencies&) = delete;
  Dependencies& operator=(const Dependencies&) = delete;

  // An application value: make(Dependencies&) returns T or std::unique_ptr<T>.
  template <class T, class F>
  void application(F make, std::string_view name = {}) {
    add(type_key<T>(), name, false, [make = std::move(make)](Dependencies& d, Context*) -> void* {
      return release<T>(make(d));
    }, &destroy<T>);
  }
  // A per-request value: make(Context&) returns T or std::unique_ptr<T>.
  template <class T, class F>
  void per_request(F make, std::string_view name = {}) {
    add(type_key<T>(), name, true, [make = std::move(make)](Dependencies&, Context* c) -> void* {
      return release<T>(make(*c));
    }, &destroy<T>);
  }

  // Creates every application value not yet created, in registration order.
  void start();
  // Destroys application values in reverse order of creation. Safe to call twice.
  void stop() noexcept;
  bool started() const noexcept { return started_; }

  // An application value (created now if start() has not reached it yet).
  template <class T>
  T& get(std::string_view name = {}) {
    return *static_cast<T*>(application_value(find_or_throw(type_key<T>(), name)));
  }

  // --- for Context -------------------------------------------------------------------------
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  std::size_t find(const void* type, std::string_view name) const noexcept;
  std::size_t find_or_throw(const void* type, std::string_view name) const;
  bool per_request(std::size_t entry) const noexcept { return entries_[entry].per_request; }
  void* application_value(std::size_t entry);
  void* make_request_value(std::size_t entry, Context& ctx);
  void (*destroyer(std::size_t entry) const noexcept)(void*) { return entries_[entry].destroy; }

 private:
  struct Entry {
    const void* type;
    std::string name;
    bool per_request;
    std::function<void*(Dependencies&, Context*)> make;
    void (*destroy)(void*);
    void* instance = nullptr;  // application values, once created
  };

  template <class T, class V>
  static void* release(V&& v) {
    if constexpr (std::is_same_v<std::decay_t<V>, std::unique_ptr<T>>)
      return v.release();
    else
      return new T(std::forward<V>(v));
  }
  template <class T>
  static void destroy(void* p) {
    delete static_cast<T*>(p);
  }
  void add(const void* type, std::string_view name, bool per_request,
           std::function<void*(Dependencies&, Context*)> make, void (*destroy)(void*));

  std::vector<Entry> entries_;
  std::vector<std::size_t> creation_order_;  // application entries, as created
  bool started_ = false;
};

}  // namespace oasis::rest
