// The webmachine v3 decision flow: compiling a route's plan from the diagram's table (which is in
// flow.hpp, with the folding rules, so that a walk instantiated per resource type can resolve
// its plan at compile time), and the walk on a plain Resource& (run_flow). The squares
// themselves are the members of FlowWalk in walk.hpp.
#include <oasis/rest/flow.hpp>
#include <oasis/rest/walk.hpp>

#include <chrono>
#include <initializer_list>
#include <optional>

namespace oasis::rest {

using M = http::Method;
using S = Square;
using detail::kSquares;

std::span<const SquareInfo> squares() noexcept { return kSquares; }
const SquareInfo& info(Square s) noexcept { return kSquares[static_cast<std::size_t>(s)]; }
std::string_view to_string(Square s) noexcept { return info(s).name; }

// --- the plan --------------------------------------------------------------------------------

namespace {

MethodPlan compile_method(Callbacks overrides, M m, bool conditional) {
  MethodPlan p;
  for (const auto& sq : kSquares) {
    auto i = static_cast<std::size_t>(sq.id);
    p.on_true[i] = detail::resolve(sq.on_true, overrides, m, conditional);
    p.on_false[i] = detail::resolve(sq.on_false, overrides, m, conditional);
  }
  p.start = detail::resolve(Next(S::b13), overrides, m, conditional);
  std::array<bool, square_count> seen{};
  std::vector<Square> stack;
  if (p.start.is_square()) stack.push_back(p.start.square());
  while (!stack.empty()) {
    auto s = stack.back();
    stack.pop_back();
    auto i = static_cast<std::size_t>(s);
    if (seen[i]) continue;
    seen[i] = true;
    for (Next n : {p.on_true[i], p.on_false[i]})
      if (n.is_square() && !seen[static_cast<std::size_t>(n.square())]) stack.push_back(n.square());
  }
  for (std::size_t i = 0; i < square_count; ++i)
    if (seen[i]) p.evaluated.push_back(static_cast<Square>(i));
  return p;
}

}  // namespace

Plan compile_plan(Callbacks overrides) {
  Plan p;
  p.overrides = overrides;
  for (std::size_t m = 0; m < method_count; ++m) {
    p.methods[m] = compile_method(overrides, static_cast<M>(m), true);
    p.unconditional[m] = compile_method(overrides, static_cast<M>(m), false);
  }
  return p;
}

bool Plan::evaluates(Square s, http::Method m) const noexcept {
  for (auto e : for_method(m).evaluated)
    if (e == s) return true;
  return false;
}

bool Plan::evaluates(Square s) const noexcept {
  for (std::size_t m = 0; m < method_count; ++m)
    if (evaluates(s, static_cast<M>(m))) return true;
  return false;
}

std::string Plan::describe() const {
  auto exit = [](Next n) {
    return n.is_square() ? std::string(to_string(n.square())) : std::to_string(n.status_code());
  };
  std::string out;
  for (std::size_t m = 0; m < method_count; ++m) {
    const auto& mp = methods[m];
    out += "  ";
    out += m == method_count - 1 ? std::string_view("other") : http::to_string(static_cast<M>(m));
    out += ": start " + exit(mp.start) + "\n";
    for (auto s : mp.evaluated) {
      auto i = static_cast<std::size_t>(s);
      out += "    ";
      out += to_string(s);
      out += " ";
      out += info(s).question;
      out += " yes:" + exit(mp.on_true[i]) + " no:" + exit(mp.on_false[i]) + "\n";
    }
  }
  return out;
}

// --- the walk --------------------------------------------------------------------------------

int run_flow(const Plan& plan, Resource& resource, Context& ctx) { return run_flow_for<Resource>(plan, resource, ctx); }

std::string trace_string(const Context& ctx) {
  std::string s;
  const std::size_t n = ctx.tracing_ ? ctx.trace_len_ : 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (i) s += ',';
    s += to_string(static_cast<Square>(ctx.trace_[i]));
  }
  return s;
}

}  // namespace oasis::rest
