// oasis/rest/flow.hpp — the webmachine v3 decision flow, square by square (B13 ... P11, O18,
// O20), and the per-route Plan that runs it.
//
// The diagram is one table (squares(): name, question, callback, both exits). When a route is
// registered, compile_plan() folds away every square whose answer is already known — because
// the resource keeps that callback's default, or because the square asks about the request
// method and the plan has one jump table per method: edges into a folded square are redirected
// to the exit it would take. A request walks what is left of its method's table with one switch
// dispatch per remaining square, no allocation and no std::function.
//
// This header knows nothing about routing, dependencies or sockets.
#pragma once

#include <oasis/rest/resource.hpp>

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace oasis::rest {

// The squares of the webmachine v3 diagram, in the order the table lists them.
enum class Square : std::uint8_t {
  b13, b12, b11, b10, b9, b8, b7, b6, b5, b4, b3,
  c3, c4, d4, d5, e5, e6, f6, f7,
  g7, g8, g9, g11, h7, h10, h11, h12,
  i4, i7, i12, i13, j18, k5, k7, k13,
  l5, l7, l13, l14, l15, l17,
  m5, m7, m16, m20, m20b, n5, n11, n16,
  o14, o16, o18, o20, p3, p11,
  count
};
inline constexpr std::size_t square_count = static_cast<std::size_t>(Square::count);

// Where an exit leads: another square, or a final status. Values below 100 are squares.
class Next {
 public:
  constexpr Next() = default;
  constexpr Next(Square s) : v_(static_cast<std::uint16_t>(s)) {}
  static constexpr Next status(int code) { return Next(static_cast<std::uint16_t>(code), 0); }
  constexpr bool is_square() const noexcept { return v_ < 100; }
  constexpr Square square() const noexcept { return static_cast<Square>(v_); }
  constexpr int status_code() const noexcept { return v_; }
  constexpr bool operator==(const Next&) const = default;

 private:
  constexpr Next(std::uint16_t v, int) : v_(v) {}
  std::uint16_t v_ = 0;
};

// One square of the diagram.
struct SquareInfo {
  Square id;
  std::string_view name;      // "b13"
  std::string_view question;  // the diagram's own words: "Service available?"
  Next on_true, on_false;
  // The callback whose default makes the answer known in advance, and that answer. A square
  // without one (header tests, method tests) is never folded.
  Callbacks folds_unless = 0;  // folded when none of these callbacks is overridden
  bool folded_answer = false;
};

std::span<const SquareInfo> squares() noexcept;
const SquareInfo& info(Square s) noexcept;
std::string_view to_string(Square s) noexcept;

inline constexpr std::size_t method_count = static_cast<std::size_t>(http::Method::OTHER) + 1;

// The jump table of one route for one request method: where each square's exits lead once the
// squares with a known answer are folded away.
struct MethodPlan {
  Next start;
  std::array<Next, square_count> on_true{}, on_false{};
  std::vector<Square> evaluated;  // the squares still reachable, in table order
};

// The compiled flow of one route: one MethodPlan per request method, because the method is
// known before the walk starts, so the method squares (B3 "OPTIONS?", I7 "PUT?", M16
// "DELETE?"...) and the default method sets (B12, B10) are answered at registration too.
struct Plan {
  Callbacks overrides = 0;
  std::array<MethodPlan, method_count> methods;
  // The same tables for a request without If-Match, If-None-Match, If-Modified-Since or
  // If-Unmodified-Since (most requests): the squares asking whether one of those was sent are
  // folded too, so such a request walks only the squares that call the resource. (A traced
  // request always uses `methods`, so its trace lists those questions.)
  std::array<MethodPlan, method_count> unconditional;
  const MethodPlan& for_method(http::Method m) const noexcept { return methods[static_cast<std::size_t>(m)]; }
  const MethodPlan& for_request(http::Method m, bool conditional) const noexcept {
    return conditional ? methods[static_cast<std::size_t>(m)] : unconditional[static_cast<std::size_t>(m)];
  }
  // Whether some method (or this method) still evaluates square s.
  bool evaluates(Square s) const noexcept;
  bool evaluates(Square s, http::Method m) const noexcept;
  // Per method, the squares evaluated with their resolved exits, for humans.
  std::string describe() const;
};

Plan compile_plan(Callbacks overrides);
template <class T>
Plan compile_plan_for() {
  return compile_plan(overridden_callbacks<T>());
}

// Runs the flow for one request: walks the plan, then finishes the response (status, Allow,
// Vary, Content-Type, ETag/Last-Modified/Expires, ranges, problem bodies, trace). Exceptions
// from callbacks propagate to the caller.
int run_flow(const Plan& plan, Resource& resource, Context& ctx);

// The trace of a finished flow: "b13,b12,...".
std::string trace_string(const Context& ctx);

}  // namespace oasis::rest
