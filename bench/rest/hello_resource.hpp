// The response both sides of the rest benchmarks produce, once raw and once as a resource.
#pragma once

#include <oasis/rest/app.hpp>

#include <string_view>

namespace bench_rest {

inline constexpr std::string_view kType = "application/json";
inline constexpr std::string_view kBody = R"({"message":"Hello, World!"})";

// The raw engine handler: no flow, no negotiation.
inline void raw(const oasis::http::Request&, oasis::http::Response& res) { res.body(kType, kBody); }

// The same answer from a resource: the flow negotiates the type (406 for Accept: text/html),
// handles OPTIONS, 405, conditionals and so on.
struct Hello : oasis::rest::Resource {
  std::span<const std::string_view> content_types_provided(oasis::rest::Context&) override {
    static constexpr std::string_view t[] = {kType};
    return t;
  }
  void to_body(oasis::rest::Context& c) override { c.response().body(kBody); }
};

}  // namespace bench_rest
