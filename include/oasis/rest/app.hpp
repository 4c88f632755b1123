// oasis/rest/app.hpp — binds path templates ("/notes/{id}") to resources and turns the whole
// into an http::Handler: route lookup, path parameters, dependencies, CORS, the debug trace,
// and the decision flow compiled once per route at registration.
//
//   rest::App app;
//   app.dependencies().application<NoteStore>([](auto&) { return NoteStore{}; });
//   app.resource<NoteItem>("/notes/{id}");
//   http::Server server(options, app.handler());
//
// A resource object is built per request, on the stack, by its factory (or its constructor
// taking Context&, or its default constructor), and the flow is instantiated for its type. Unknown paths answer 404 problem+json.
//
// This header knows nothing about sockets (the engine runs the handler) or OpenAPI.
#pragma once

#include <oasis/http/message.hpp>
#include <oasis/rest/dependencies.hpp>
#include <oasis/rest/flow.hpp>
#include <oasis/rest/resource.hpp>
#include <oasis/rest/walk.hpp>

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace oasis::rest {

struct CorsOptions {
  // Origins allowed to call ("https://app.example"); "*" allows any. Empty turns CORS off.
  std::vector<std::string> allowed_origins;
  // Request headers a preflight may ask for; empty echoes what the preflight asks.
  std::vector<std::string> allowed_headers;
  // Response headers scripts may read.
  std::vector<std::string> exposed_headers;
  bool allow_credentials = false;
  int max_age_seconds = 600;
};

enum class TraceMode {
  off,         // never (production)
  on_request,  // when the request carries "X-Oasis-Trace: 1"
  always,      // on every response
};

struct AppOptions {
  TraceMode trace = TraceMode::off;
  CorsOptions cors;
};

class App {
 public:
  explicit App(AppOptions options = {});
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Routes a path template to resource T, built per request by factory(Context&) -> T.
  template <class T, class F>
  void resource(std::string_view path_template, F factory) {
    std::shared_ptr<void> state = std::make_shared<F>(std::move(factory));
    add_route(path_template, compile_plan_for<T>(), &run_made<T, F>, &run_full<T, F>, std::move(state));
  }
  // Routes a path template to T built by T(Context&) or T().
  template <class T>
  void resource(std::string_view path_template) {
    add_route(path_template, compile_plan_for<T>(), &run_constructed<T>, &run_full<T, void>, nullptr);
  }

  Dependencies& dependencies() noexcept { return deps_; }
  const AppOptions& options() const noexcept { return options_; }

  // Creates the application dependencies (also done by the first handler() call).
  void start();
  // Destroys them in reverse order of creation (also done by the destructor).
  void stop() noexcept;

  // The handler to give the server. It refers to this App, which must outlive it.
  http::Handler handler();
  // The same thing as a member call. Call start() first when several threads will call it:
  // application dependencies are then all created before any request reads them.
  void handle(const http::Request& request, http::Response& response);

  // The compiled plan of a route, by its template; nullptr if there is none.
  const Plan* plan(std::string_view path_template) const noexcept;
  // Every route with its plan, for humans.
  std::string describe() const;

 private:
  // The path parameters of a match, in template order (none for a static route).
  struct Params {
    const std::string* names;
    const std::string_view* values;
    std::size_t count;
  };
  // What a route runs: the request's Context, the resource (from `state`, its factory, if any)
  // on the stack, and the flow. One plain function per resource type, so the walk is
  // instantiated for the type; a static route's runner is reached by a tail call.
  using Runner = void (*)(App&, const Plan&, void* state, const Params*, const http::Request&, http::Response&);
  // `plain` serves a static route of an App without CORS or trace, `full` every other.
  void add_route(std::string_view path_template, Plan plan, Runner plain, Runner full, std::shared_ptr<void> state);

  // A route's runner. A static route of an App without CORS or a trace (the usual case) runs
  // run_made or run_constructed, which build the Context and the resource and run the flow,
  // nothing else; every other route runs run_full (path parameters, CORS, the trace), so that
  // the hot path's Context is handed to nothing but the flow and tests nothing to get there.
  template <class T, class F>
  static void run_made(App& app, const Plan& plan, void* state, const Params* params, const http::Request& request,
                       http::Response& response) {
    (void)params;  // none: a static route
    Context ctx(request, response);
    ctx.set_dependencies(&app.deps_);
    try {
      T res = (*static_cast<F*>(state))(ctx);
      run_flow_for<T>(plan, res, ctx);
    } catch (const std::exception&) {
      failed(response);
    }
  }
  template <class T>
  static void run_constructed(App& app, const Plan& plan, void* state, const Params* params,
                              const http::Request& request, http::Response& response) {
    (void)state, (void)params;  // no factory; a static route
    Context ctx(request, response);
    ctx.set_dependencies(&app.deps_);
    try {
      if constexpr (std::is_constructible_v<T, Context&>) {
        T res(ctx);
        run_flow_for<T>(plan, res, ctx);
      } else {
        T res;
        run_flow_for<T>(plan, res, ctx);
      }
    } catch (const std::exception&) {
      failed(response);
    }
  }
  // F: the factory's type, or void to build T by T(Context&) or T().
  template <class T, class F>
  static void run_full(App& app, const Plan& plan, void* state, const Params* params,
                                         const http::Request& request, http::Response& response) {
    Context ctx(request, response);
    app.begin(ctx, params);
    try {
      if constexpr (!std::is_void_v<F>) {
        T res = (*static_cast<F*>(state))(ctx);
        app.serve(plan, res, ctx);
      } else if constexpr (std::is_constructible_v<T, Context&>) {
        T res(ctx);
        app.serve(plan, res, ctx);
      } else {
        T res;
        app.serve(plan, res, ctx);
      }
    } catch (const std::exception&) {
      failed(response);
    }
  }
  // Dependencies, the trace and the path parameters of one request.
  void begin(Context& ctx, const Params* params) {
    ctx.set_dependencies(&deps_);
    if (options_.trace != TraceMode::off) [[unlikely]]
      ctx.set_tracing(traced(ctx.request()));
    if (params)
      for (std::size_t i = 0; i < params->count; ++i) ctx.bind_param(params->names[i], params->values[i]);
  }
  bool traced(const http::Request& request) const noexcept;
  // A resource that threw: the client learns only that the request failed.
  static void failed(http::Response& response);
  // A path that is not one of the few static routes.
  void handle_other(const http::Request& request, http::Response& response);

  // Runs CORS, the flow and the trace for one resource; without CORS or a trace, the flow
  // alone.
  template <class T>
  [[gnu::always_inline]] void serve(const Plan& plan, T& resource, Context& ctx) {
    if (!decorated_ && !ctx.tracing()) {
      run_flow_for<T>(plan, resource, ctx);
      return;
    }
    serve_decorated(plan, resource, ctx,
                    [](const Plan& p, Resource& r, Context& c) { return run_flow_for<T>(p, static_cast<T&>(r), c); });
  }
  void serve_decorated(const Plan& plan, Resource& resource, Context& ctx, int (*flow)(const Plan&, Resource&, Context&));

  // A static route among the first few, compared in place without a call (paths are short;
  // memcmp would cost more): a path of 4 to 16 bytes by its first and last 8-byte (or 4-byte)
  // words in App::handle, a shorter or longer one by same_bytes in handle_other.
  struct FastRoute {
    std::size_t size = 0;
    std::uint64_t head = 0, tail = 0;  // the first and last 8 (or 4) bytes
    const char* path = nullptr;        // the route's template, which the route owns
    Runner run = nullptr;
    const Plan* plan = nullptr;
    void* state = nullptr;
    // p: a path of `size` bytes. False for a size outside 4 to 16.
    bool same_words(const char* p) const noexcept {
      if (size - 8 <= 8) return load8(p) == head && load8(p + size - 8) == tail;
      if (size - 4 <= 3) return load4(p) == head && load4(p + size - 4) == tail;
      return false;
    }
    bool same_bytes(const char* p) const noexcept {
      for (std::size_t i = 0; i < size; ++i)
        if (p[i] != path[i]) return false;
      return true;
    }
    static std::uint64_t load8(const char* p) noexcept {
      std::uint64_t v;
      std::memcpy(&v, p, 8);
      return v;
    }
    static std::uint64_t load4(const char* p) noexcept {
      std::uint32_t v;
      std::memcpy(&v, p, 4);
      return v;
    }
  };
  static constexpr std::size_t max_fast_routes = 8;

  struct Router;
  AppOptions options_;
  bool decorated_ = false;  // CORS is on: serve_decorated adds its fields
  bool plain_ = true;       // neither CORS nor a trace: static routes take the plain runner
  Dependencies deps_;
  std::unique_ptr<Router> router_;
  // The static routes while there are at most max_fast_routes of them (past that, the
  // router's hash table finds them).
  std::array<FastRoute, max_fast_routes> fast_{};
  const FastRoute* fast_end_ = fast_.data();  // App is neither copied nor moved
};

}  // namespace oasis::rest
