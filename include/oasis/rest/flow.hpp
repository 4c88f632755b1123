// oasis/rest/flow.hpp — the webmachine v3 decision flow, square by square (B13 ... P11, O18,
// O20), and the per-route Plan that runs it.
//
// The diagram is one table (squares(): name, question, callback, both exits). When a route is
// registered, compile_plan() folds away every square whose answer is already known — because
// the resource keeps that callback's default, or because the square asks about the request
// method and the plan has one jump table per method: edges into a folded square are redirected
// to the exit it would take. A request walks what is left of its method's table (walk.hpp: for
// a GET or HEAD without conditional fields, that table resolved at compile time for the
// resource's type), no allocation and no std::function.
//
// This header knows nothing about routing, dependencies or sockets.
#pragma once

#include <oasis/rest/resource.hpp>

#include <array>
#include <cstdint>
#include <optional>
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
  // The whole value, as a template argument (walk.hpp).
  constexpr std::uint16_t raw() const noexcept { return v_; }
  static constexpr Next from_raw(std::uint16_t v) { return Next(v, 0); }
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

// The diagram and the folding rules, in the header so that a walk instantiated for one
// resource type (walk.hpp) can resolve its plan at compile time; compile_plan uses the same.
namespace detail {

using M = http::Method;
using S = Square;
constexpr Next st(int code) { return Next::status(code); }

// Squares whose answer a default callback fixes in advance are folded away by compile_plan.
constexpr Callbacks cb(Callback c) { return bit(c); }

// The diagram. Columns: square, question, exit when yes, exit when no, callbacks whose
// defaults make the square foldable, and the answer those defaults give.
inline constexpr SquareInfo kSquares[] = {
    {S::b13, "b13", "Service available?", S::b12, st(503), cb(Callback::service_available), true},
    {S::b12, "b12", "Known method?", S::b11, st(501)},
    {S::b11, "b11", "URI too long?", st(414), S::b10, cb(Callback::uri_too_long), false},
    {S::b10, "b10", "Method allowed?", S::b9, st(405)},
    {S::b9, "b9", "Malformed?", st(400), S::b8, cb(Callback::malformed_request), false},
    {S::b8, "b8", "Authorized?", S::b7, st(401), cb(Callback::is_authorized), true},
    {S::b7, "b7", "Forbidden?", st(403), S::b6, cb(Callback::forbidden), false},
    {S::b6, "b6", "Okay Content-* Headers?", S::b5, st(501), cb(Callback::valid_content_headers), true},
    {S::b5, "b5", "Known Content-Type?", S::b4, st(415), cb(Callback::known_content_type), true},
    {S::b4, "b4", "Req Entity Too Large?", st(413), S::b3, cb(Callback::valid_entity_length), false},
    {S::b3, "b3", "OPTIONS?", st(200), S::c3},
    {S::c3, "c3", "Accept exists?", S::c4, S::d4},
    {S::c4, "c4", "Acceptable media type available?", S::d4, st(406)},
    {S::d4, "d4", "Accept-Language exists?", S::d5, S::e5, cb(Callback::languages_provided), false},
    {S::d5, "d5", "Acceptable language available?", S::e5, st(406), cb(Callback::languages_provided), true},
    {S::e5, "e5", "Accept-Charset exists?", S::e6, S::f6, cb(Callback::charsets_provided), false},
    {S::e6, "e6", "Acceptable charset available?", S::f6, st(406), cb(Callback::charsets_provided), true},
    {S::f6, "f6", "Accept-Encoding exists?", S::f7, S::g7, cb(Callback::encodings_provided), false},
    {S::f7, "f7", "Acceptable encoding available?", S::g7, st(406), cb(Callback::encodings_provided), true},
    {S::g7, "g7", "Resource exists?", S::g8, S::h7, cb(Callback::resource_exists), true},
    {S::g8, "g8", "If-Match exists?", S::g9, S::h10},
    {S::g9, "g9", "If-Match: * exists?", S::h10, S::g11},
    {S::g11, "g11", "ETag in If-Match?", S::h10, st(412)},
    {S::h7, "h7", "If-Match: * exists?", st(412), S::i7},
    {S::h10, "h10", "If-Unmodified-Since exists?", S::h11, S::i12},
    {S::h11, "h11", "I-UM-S is valid date?", S::h12, S::i12},
    {S::h12, "h12", "Last-Modified > I-UM-S?", st(412), S::i12},
    {S::i4, "i4", "Moved permanently? (apply to PUT)", st(301), S::p3, cb(Callback::moved_permanently), false},
    {S::i7, "i7", "PUT?", S::i4, S::k7},
    {S::i12, "i12", "If-None-Match exists?", S::i13, S::l13},
    {S::i13, "i13", "If-None-Match: * exists?", S::j18, S::k13},
    {S::j18, "j18", "GET or HEAD?", st(304), st(412)},
    {S::k5, "k5", "Moved permanently?", st(301), S::l5, cb(Callback::moved_permanently), false},
    {S::k7, "k7", "Previously existed?", S::k5, S::l7, cb(Callback::previously_existed), false},
    {S::k13, "k13", "ETag in If-None-Match?", S::j18, S::l13},
    {S::l5, "l5", "Moved temporarily?", st(307), S::m5, cb(Callback::moved_temporarily), false},
    {S::l7, "l7", "POST?", S::m7, st(404)},
    {S::l13, "l13", "If-Modified-Since exists?", S::l14, S::m16},
    {S::l14, "l14", "I-M-S is valid date?", S::l15, S::m16},
    {S::l15, "l15", "I-M-S > Now?", S::m16, S::l17},
    {S::l17, "l17", "Last-Modified > I-M-S?", S::m16, st(304)},
    {S::m5, "m5", "POST?", S::n5, st(410)},
    {S::m7, "m7", "Server allows POST to missing resource?", S::n11, st(404), cb(Callback::allow_missing_post), false},
    {S::m16, "m16", "DELETE?", S::m20, S::n16},
    {S::m20, "m20", "Delete enacted?", S::m20b, st(500), cb(Callback::delete_resource), false},
    {S::m20b, "m20b", "Delete completed?", S::o20, st(202), cb(Callback::delete_completed), true},
    {S::n5, "n5", "Server allows POST to missing resource?", S::n11, st(410), cb(Callback::allow_missing_post), false},
    {S::n11, "n11", "Redirect?", st(303), S::p11},
    {S::n16, "n16", "POST?", S::n11, S::o16},
    {S::o14, "o14", "Conflict?", st(409), S::p11},
    {S::o16, "o16", "PUT?", S::o14, S::o18},
    {S::o18, "o18", "Multiple representations?", st(300), st(200)},
    {S::o20, "o20", "Response includes an entity?", S::o18, st(204)},
    {S::p3, "p3", "Conflict?", st(409), S::p11},
    {S::p11, "p11", "New resource?", st(201), S::o20},
};
static_assert(std::size(kSquares) == square_count);

constexpr bool table_in_order() {
  for (std::size_t i = 0; i < square_count; ++i)
    if (static_cast<std::size_t>(kSquares[i].id) != i) return false;
  return true;
}
static_assert(table_in_order(), "kSquares must list the squares in enum order");


// The answer a square is known to give for this resource and method, if any. `conditional`
// false: the request carries none of the four conditional header fields, so the squares that
// only ask whether one was sent answer no.
constexpr std::optional<bool> known_answer(const SquareInfo& sq, Callbacks overrides, M m, bool conditional) noexcept {
  if (sq.folds_unless != 0 && (overrides & sq.folds_unless) == 0) return sq.folded_answer;
  switch (sq.id) {
    case S::g8: case S::h7: case S::h10: case S::i12: case S::l13:
      if (!conditional) return false;
      return std::nullopt;
    // B12 with the default known_methods: the answer depends on the method alone.
    case S::b12:
      if (!(overrides & bit(Callback::known_methods))) return default_known_methods.has(m);
      return std::nullopt;
    // B10 with the default allowed_methods: fold only "yes"; "no" must still write Allow.
    case S::b10:
      if (!(overrides & bit(Callback::allowed_methods)) && default_allowed_methods.has(m)) return true;
      return std::nullopt;
    // B3's "yes" writes Allow and calls options(): fold only "no".
    case S::b3: return m == M::OPTIONS ? std::nullopt : std::optional<bool>(false);
    case S::i7: case S::o16: return m == M::PUT;
    case S::l7: case S::m5: case S::n16: return m == M::POST;
    case S::m16: return m == M::DELETE;
    case S::j18: return m == M::GET || m == M::HEAD;
    default: return std::nullopt;
  }
}

constexpr Next resolve(Next n, Callbacks overrides, M m, bool conditional) noexcept {
  while (n.is_square()) {
    const auto& sq = kSquares[static_cast<std::size_t>(n.square())];
    auto answer = known_answer(sq, overrides, m, conditional);
    if (!answer) break;
    n = *answer ? sq.on_true : sq.on_false;
  }
  return n;
}

// How many ends (final statuses, counted once per path) the walk resolved for this resource
// and method has when unrolled into a tree from B13, capped: a walk.hpp walk with few is
// inlined whole.
constexpr std::size_t resolved_ends(Callbacks overrides, M m) noexcept {
  constexpr std::size_t cap = 1000;
  std::array<std::size_t, square_count> memo{};  // 0: not counted yet
  struct Count {
    Callbacks overrides;
    M m;
    std::array<std::size_t, square_count>& memo;
    constexpr std::size_t operator()(Next n) const {
      n = resolve(n, overrides, m, false);
      if (!n.is_square()) return 1;
      auto i = static_cast<std::size_t>(n.square());
      if (memo[i] == 0) {
        const auto& sq = kSquares[i];
        std::size_t a = (*this)(sq.on_true), b = (*this)(sq.on_false);
        memo[i] = a + b < cap ? a + b : cap;
      }
      return memo[i];
    }
  };
  return Count{overrides, m, memo}(Next(Square::b13));
}

}  // namespace detail

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
