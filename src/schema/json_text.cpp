// src/schema/json_text.cpp — parse_plain_json(): plain JSON text straight into a value_stack.
#include <oasis/schema/json_text.hpp>

#include "plain_scan.hpp"

#include <boost/json/value_stack.hpp>

namespace oasis::schema {

namespace {

namespace json = boost::json;

class PlainDom : detail::PlainWalk<PlainDom> {
 public:
  PlainDom(json::value_stack& st, std::string_view text, std::size_t max_depth)
      : PlainWalk(text, max_depth), st_(st) {}

  bool run() { return walk(); }

 private:
  friend class detail::PlainWalk<PlainDom>;

  void on_bool(bool b) { st_.push_bool(b); }
  void on_null() { st_.push_null(); }

  [[gnu::always_inline]] const char* string_value(const char* p) {
    const char* start = p + 1;
    if (!(p = string(start))) return nullptr;
    st_.push_string(json::string_view(start, static_cast<std::size_t>(p - start)));
    return p + 1;
  }

  // A member's value: strings and numbers without a call.
  [[gnu::always_inline]] const char* member_value(const char* p, std::size_t depth) {
    if (*p == '"') return string_value(p);
    if (is_digit(*p) || *p == '-') return number_value(p);
    return value(p, depth);
  }

  [[gnu::always_inline]] const char* number_value(const char* p) {
    return number(
        p, [this](std::int64_t i) { st_.push_int64(i); }, [this](double d) { st_.push_double(d); });
  }

  const char* object(const char* p, std::size_t depth) {
    if (too_deep(depth)) return nullptr;
    if (!(p = more(p + 1))) return nullptr;
    std::size_t n = 0;
    if (*p != '}')
      for (;;) {
        if (*p != '"') return nullptr;
        const char* const start = p + 1;
        if (!(p = string(start))) return nullptr;
        st_.push_key(json::string_view(start, static_cast<std::size_t>(p - start)));
        if (!(p = after_key(p)) || !(p = member_value(p, depth))) return nullptr;
        ++n;
        bool done = false;
        if (!(p = after_element(p, '}', done))) return nullptr;
        if (done) break;
      }
    st_.push_object(n);
    return p + 1;
  }

  const char* array(const char* p, std::size_t depth) {
    if (too_deep(depth)) return nullptr;
    if (!(p = more(p + 1))) return nullptr;
    std::size_t n = 0;
    if (*p != ']')
      for (;;) {
        if (!(p = value(p, depth))) return nullptr;
        ++n;
        bool done = false;
        if (!(p = after_element(p, ']', done))) return nullptr;
        if (done) break;
      }
    st_.push_array(n);
    return p + 1;
  }

  json::value_stack& st_;
};

}  // namespace

std::optional<json::value> parse_plain_json(std::string_view text, const json::storage_ptr& sp, std::size_t max_depth) {
  thread_local json::value_stack st;  // its stack is kept from one parse to the next
  st.reset(sp);
  bool done = false;
  try {
    done = PlainDom(st, text, max_depth).run();
  } catch (...) {
    st.reset();  // nothing of `sp` stays on the stack past this call
    throw;
  }
  if (!done) {
    st.reset();
    return std::nullopt;
  }
  std::optional<json::value> v(st.release());
  st.reset();  // the stack keeps no hold on `sp` between calls
  return v;
}

}  // namespace oasis::schema
