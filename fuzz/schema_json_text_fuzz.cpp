// fuzz/schema_json_text_fuzz.cpp — parse_plain_json takes only text Boost.JSON takes, and builds
// the very value Boost.JSON builds from it (kinds, doubles to the bit, member order).
//
// Input: the JSON text itself.
#include <oasis/schema/json_text.hpp>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>

#include <bit>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

namespace json = boost::json;

bool same(const json::value& a, const json::value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case json::kind::double_:
      return std::bit_cast<std::uint64_t>(a.get_double()) == std::bit_cast<std::uint64_t>(b.get_double());
    case json::kind::array: {
      const auto &x = a.get_array(), &y = b.get_array();
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i)
        if (!same(x[i], y[i])) return false;
      return true;
    }
    case json::kind::object: {
      const auto &x = a.get_object(), &y = b.get_object();
      if (x.size() != y.size()) return false;
      for (auto i = x.begin(), j = y.begin(); i != x.end(); ++i, ++j)
        if (i->key() != j->key() || !same(i->value(), j->value())) return false;
      return true;
    }
    default: return a == b;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  json::monotonic_resource mr;
  auto ours = oasis::schema::parse_plain_json(text, json::storage_ptr(&mr));
  if (!ours) return 0;
  json::error_code ec;
  json::value theirs = json::parse(text, ec);
  if (ec || !same(*ours, theirs)) std::abort();
  return 0;
}
