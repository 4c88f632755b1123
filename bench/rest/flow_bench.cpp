// In-process cost of the decision flow: the same request answered by the raw handler and by
// the App (route lookup + flow), with the Response reused as the engine reuses it.
#include "hello_resource.hpp"

#include <benchmark/benchmark.h>

#include <cstdlib>

namespace {

oasis::http::Request make_request(std::string_view target) {
  oasis::http::Request req;
  req.set_method("GET");
  req.set_target(target);
  req.mutable_headers().add("Host", "127.0.0.1:8080");
  req.mutable_headers().add("Accept", "*/*");
  req.mutable_headers().add("User-Agent", "bench");
  return req;
}

void BM_raw_handler(benchmark::State& state) {
  auto req = make_request("/raw");
  oasis::http::Handler h = bench_rest::raw;
  oasis::http::Response res;
  for (auto _ : state) {
    res.clear();
    h(req, res);
    benchmark::DoNotOptimize(res.body().data());
  }
}

void BM_resource_full_flow(benchmark::State& state) {
  auto req = make_request("/resource");
  oasis::rest::App app;
  app.resource<bench_rest::Hello>("/resource");
  auto h = app.handler();
  oasis::http::Response res;
  for (auto _ : state) {
    res.clear();
    h(req, res);
    benchmark::DoNotOptimize(res.body().data());
  }
  if (res.status() != 200 || res.body() != bench_rest::kBody) state.SkipWithError("wrong answer");
}

// The walk alone, without the App (no route lookup, no std::function): what the squares cost.
void BM_flow_only(benchmark::State& state) {
  auto req = make_request("/resource");
  const auto plan = oasis::rest::compile_plan_for<bench_rest::Hello>();
  oasis::http::Response res;
  for (auto _ : state) {
    res.clear();
    oasis::rest::Context ctx(req, res);
    bench_rest::Hello hello;
    oasis::rest::run_flow(plan, hello, ctx);
    benchmark::DoNotOptimize(res.body().data());
  }
}

// Conditional GET answered 304: the flow's most common non-trivial path.
struct Tagged : bench_rest::Hello {
  oasis::rest::ETag generate_etag(oasis::rest::Context&) override { return {"v1"}; }
};

void BM_resource_conditional_304(benchmark::State& state) {
  auto req = make_request("/tagged");
  req.mutable_headers().add("If-None-Match", "\"v1\"");
  oasis::rest::App app;
  app.resource<Tagged>("/tagged");
  auto h = app.handler();
  oasis::http::Response res;
  for (auto _ : state) {
    res.clear();
    h(req, res);
    benchmark::DoNotOptimize(res.status());
  }
  if (res.status() != 304) state.SkipWithError("wrong answer");
}

}  // namespace

// OASIS_BENCH_ITERATIONS=N runs every benchmark exactly N times (no calibration runs), so that
// an instruction count under callgrind divides into a cost per call.
int main(int argc, char** argv) {
  const char* fixed = std::getenv("OASIS_BENCH_ITERATIONS");
  for (auto [name, fn] : {std::pair{"BM_raw_handler", &BM_raw_handler}, std::pair{"BM_resource_full_flow", &BM_resource_full_flow}, std::pair{"BM_flow_only", &BM_flow_only}, std::pair{"BM_resource_conditional_304", &BM_resource_conditional_304}}) {
    auto* b = benchmark::RegisterBenchmark(name, fn);
    if (fixed) b->Iterations(std::atoll(fixed));
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
