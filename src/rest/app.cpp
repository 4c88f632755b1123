// Route binding, CORS and the debug trace around the decision flow.
#include <oasis/rest/app.hpp>

#include <boost/unordered/unordered_flat_map.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <stdexcept>

namespace oasis::rest {

using http::iequals;

// A trie of path segments: literal children first, then one parameter child. Lookup walks the
// request path once (backtracking only where a literal and a parameter both fit). Templates
// without parameters are also kept in a hash table: the trie, trying literals first at every
// level, would find such a route before any other, so one lookup there answers first.
struct App::Router {
  struct PathHash {
    using is_transparent = void;
    // Paths differ mostly in length and in their first and last bytes; mixing those is a
    // fraction of the cost of hashing every byte, and a collision only costs a comparison.
    std::size_t operator()(std::string_view s) const noexcept {
      std::uint64_t head = 0, tail = 0;
      std::memcpy(&head, s.data(), std::min<std::size_t>(s.size(), 8));
      if (s.size() > 8) std::memcpy(&tail, s.data() + s.size() - std::min<std::size_t>(s.size() - 8, 8), std::min<std::size_t>(s.size() - 8, 8));
      std::uint64_t h = (head * 0x9E3779B97F4A7C15ull) ^ (tail * 0xC2B2AE3D27D4EB4Full) ^ (s.size() * 0x165667B19E3779F9ull);
      return static_cast<std::size_t>(h ^ (h >> 29));
    }
  };
  struct Node {
    std::vector<std::pair<std::string, std::size_t>> literals;
    std::size_t param = npos;  // child node for "{name}"
    std::size_t route = npos;  // route ending here
  };
  struct Route {
    std::string path_template;
    std::vector<std::string> param_names;
    Plan plan;
    Runner run;
    std::shared_ptr<void> state;  // the factory, if any
  };
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  std::vector<Node> nodes{1};
  std::deque<Route> routes;  // a deque: plans keep their addresses as routes are added
  boost::unordered_flat_map<std::string, std::size_t, PathHash, std::equal_to<>> statics;
  // With only a few, App::handle compares the path to each (cheaper than hashing it).
  static constexpr std::size_t few_statics = max_fast_routes;

  // The parameter values of a match; only the first (route's parameter count) are written.
  struct Values {
    std::string_view operator[](std::size_t i) const noexcept { return {data[i], size[i]}; }
    void set(std::size_t i, std::string_view v) noexcept {
      data[i] = v.data();
      size[i] = v.size();
    }
    const char* data[Context::max_params];
    std::size_t size[Context::max_params];
  };

  static std::string_view next_segment(std::string_view& path) {
    // path starts after a '/'
    auto slash = path.find('/');
    auto seg = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash + 1);
    return seg;
  }

  void add(std::string_view tmpl, Plan plan, Runner run, std::shared_ptr<void> state) {
    if (tmpl.empty() || tmpl.front() != '/') throw std::invalid_argument("a path template starts with '/': " + std::string(tmpl));
    Route r{std::string(tmpl), {}, std::move(plan), run, std::move(state)};
    std::size_t node = 0;
    std::string_view rest = tmpl.substr(1);
    bool more = !rest.empty();
    while (more) {
      more = rest.find('/') != std::string_view::npos;
      auto seg = next_segment(rest);
      std::size_t child = npos;
      if (seg.size() >= 2 && seg.front() == '{' && seg.back() == '}') {
        r.param_names.emplace_back(seg.substr(1, seg.size() - 2));
        if (nodes[node].param == npos) {
          nodes[node].param = nodes.size();
          nodes.emplace_back();
        }
        child = nodes[node].param;
      } else {
        for (auto& [lit, idx] : nodes[node].literals)
          if (lit == seg) child = idx;
        if (child == npos) {
          child = nodes.size();
          nodes[node].literals.emplace_back(std::string(seg), child);
          nodes.emplace_back();
        }
      }
      node = child;
    }
    if (r.param_names.size() > Context::max_params) throw std::invalid_argument("too many path parameters in " + r.path_template);
    if (nodes[node].route != npos) throw std::invalid_argument("route registered twice: " + r.path_template);
    nodes[node].route = routes.size();
    if (r.param_names.empty()) statics.emplace(r.path_template, routes.size());
    routes.push_back(std::move(r));
  }

  // Finds the route for `path` and the parameter values, in template order (App::handle has
  // tried the few static routes).
  const Route* match_slow(std::string_view path, Values& values) const {
    if (path.empty() || path.front() != '/') return nullptr;
    if (statics.size() > few_statics)
      if (auto it = statics.find(path); it != statics.end()) return &routes[it->second];
    std::size_t count = 0;
    return match_from(0, path.substr(1), path.size() > 1, values, count);
  }

  const Route* match_from(std::size_t node, std::string_view rest, bool more,
                          Values& values, std::size_t& count) const {
    if (!more) return nodes[node].route == npos ? nullptr : &routes[nodes[node].route];
    bool after = rest.find('/') != std::string_view::npos;
    auto tail = rest;
    auto seg = next_segment(tail);
    for (const auto& [lit, idx] : nodes[node].literals)
      if (lit == seg)
        if (auto* r = match_from(idx, tail, after, values, count)) return r;
    if (nodes[node].param != npos && !seg.empty() && count < Context::max_params) {
      values.set(count++, seg);
      if (auto* r = match_from(nodes[node].param, tail, after, values, count)) return r;
      --count;
    }
    return nullptr;
  }
};

App::App(AppOptions options)
    : options_(std::move(options)),
      decorated_(!options_.cors.allowed_origins.empty()),
      plain_(!decorated_ && options_.trace == TraceMode::off),
      router_(std::make_unique<Router>()) {}

App::~App() { stop(); }

void App::add_route(std::string_view path_template, Plan plan, Runner plain, Runner full, std::shared_ptr<void> state) {
  router_->add(path_template, std::move(plan), full, std::move(state));
  // The plain runner takes no parameters and adds no CORS or trace.
  auto& r = router_->routes.back();
  if (!r.param_names.empty()) return;
  if (plain_) r.run = plain;
  if (router_->statics.size() > max_fast_routes) {
    fast_end_ = fast_.data();  // many: the hash table finds them
    return;
  }
  const auto& path = r.path_template;
  FastRoute f;
  f.size = path.size();
  f.path = path.data();
  if (f.size >= 8) {
    f.head = FastRoute::load8(f.path);
    f.tail = FastRoute::load8(f.path + f.size - 8);
  } else if (f.size >= 4) {
    f.head = FastRoute::load4(f.path);
    f.tail = FastRoute::load4(f.path + f.size - 4);
  }
  f.run = r.run;
  f.plan = &r.plan;
  f.state = r.state.get();
  fast_[static_cast<std::size_t>(fast_end_ - fast_.data())] = f;
  ++fast_end_;
}

void App::start() {
  if (!deps_.started()) deps_.start();
}

void App::stop() noexcept { deps_.stop(); }

http::Handler App::handler() {
  start();
  return [this](const http::Request& q, http::Response& r) { handle(q, r); };
}

const Plan* App::plan(std::string_view path_template) const noexcept {
  for (const auto& r : router_->routes)
    if (r.path_template == path_template) return &r.plan;
  return nullptr;
}

std::string App::describe() const {
  std::string out;
  for (const auto& r : router_->routes) {
    out += r.path_template;
    out += "\n";
    out += r.plan.describe();
  }
  return out;
}

void App::handle(const http::Request& request, http::Response& response) {
  // One of the few static routes: its runner is the last call (a jump, no frame here).
  const std::string_view path = request.path();
  for (const FastRoute* f = fast_.data(); f != fast_end_; ++f)
    if (f->size == path.size() && f->same_words(path.data()))
      return f->run(*this, *f->plan, f->state, nullptr, request, response);
  handle_other(request, response);
}

void App::handle_other(const http::Request& request, http::Response& response) {
  // A static route shorter than 4 bytes or longer than 16 (handle() compared the others).
  {
    const std::string_view path = request.path();
    for (const FastRoute* f = fast_.data(); f != fast_end_; ++f)
      if (f->size == path.size() && (f->size < 4 || f->size > 16) && f->same_bytes(path.data()))
        return f->run(*this, *f->plan, f->state, nullptr, request, response);
  }
  Router::Values values;
  const auto* route = router_->match_slow(request.path(), values);
  if (!route) {
    response.status(404);
    write_problem(response, {404, {}, "no resource at this path"});
    if (options_.trace != TraceMode::off && traced(request)) response.header("X-Oasis-Trace", "route");
    return;
  }
  std::string_view bound[Context::max_params];
  for (std::size_t i = 0; i < route->param_names.size(); ++i) bound[i] = values[i];
  const Params params{route->param_names.data(), bound, route->param_names.size()};
  route->run(*this, route->plan, route->state.get(), &params, request, response);
}

bool App::traced(const http::Request& request) const noexcept {
  return options_.trace == TraceMode::always ||
         (options_.trace == TraceMode::on_request && request.header("X-Oasis-Trace") == "1");
}

void App::failed(http::Response& response) {
  response.clear();
  response.status(500);
  write_problem(response, {500, {}, "the resource failed while answering"});
}

namespace {

bool origin_allowed(const CorsOptions& cors, std::string_view origin) {
  for (const auto& o : cors.allowed_origins)
    if (o == "*" || o == origin) return true;
  return false;
}

bool any_origin(const CorsOptions& cors) {
  for (const auto& o : cors.allowed_origins)
    if (o == "*") return true;
  return false;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

}  // namespace

void App::serve_decorated(const Plan& plan, Resource& resource, Context& ctx,
                          int (*flow)(const Plan&, Resource&, Context&)) {
  const auto& cors = options_.cors;
  auto& res = ctx.response();
  std::string_view origin;
  if (!cors.allowed_origins.empty()) {
    origin = ctx.request().headers().get(http::KnownField::origin);
    if (!origin.empty() && !origin_allowed(cors, origin)) origin = {};
  }
  auto allow_origin = [&] {
    if (any_origin(cors) && !cors.allow_credentials)
      res.header("Access-Control-Allow-Origin", "*");
    else
      res.header("Access-Control-Allow-Origin", origin);
    if (cors.allow_credentials) res.header("Access-Control-Allow-Credentials", "true");
  };

  // A CORS preflight is answered before the flow: it carries no credentials, so the flow's
  // authorisation squares would refuse it, and it asks about methods, not about the resource.
  if (!origin.empty() && ctx.method() == http::Method::OPTIONS &&
      ctx.request().headers().has(http::KnownField::access_control_request_method)) {
    res.status(204);
    allow_origin();
    res.header("Access-Control-Allow-Methods", resource.allowed_methods(ctx).to_allow());
    auto asked = ctx.request().headers().get(http::KnownField::access_control_request_headers);
    if (!cors.allowed_headers.empty())
      res.header("Access-Control-Allow-Headers", join(cors.allowed_headers));
    else if (!asked.empty())
      res.header("Access-Control-Allow-Headers", asked);
    res.header("Access-Control-Max-Age", std::to_string(cors.max_age_seconds));
    res.header("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
    if (ctx.tracing()) res.header("X-Oasis-Trace", "cors-preflight");
    return;
  }

  flow(plan, resource, ctx);

  if (!cors.allowed_origins.empty()) {
    if (!origin.empty()) {
      allow_origin();
      if (!cors.exposed_headers.empty()) res.header("Access-Control-Expose-Headers", join(cors.exposed_headers));
    }
    res.header("Vary", "Origin");
  }
  if (ctx.tracing()) res.header("X-Oasis-Trace", trace_string(ctx));
}

}  // namespace oasis::rest
