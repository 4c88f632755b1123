// bench/spec/route_bench.cpp — Router::find on the 13 MB GitHub document (1,223 operations) over
// a mix of concrete paths (static, templated, in-segment templates, 404), target ≤ 100 ns.
// Anchor, in the same run: a linear scan over every path template, segment by segment — the
// cost a router pays when its time grows with the number of operations.
#include <oasis/spec/router.hpp>

#include <benchmark/benchmark.h>

#include <filesystem>
#include <memory>

namespace {

const char* kOctokit = "/tmp/octokit/api.github.com.json";

struct Paths {
  oasis::http::Method method;
  const char* path;
};

constexpr Paths kMix[] = {
    {oasis::http::Method::GET, "/repos/octocat/hello-world/issues/42/comments"},
    {oasis::http::Method::GET, "/users/octocat"},
    {oasis::http::Method::GET, "/orgs/github/repos"},
    {oasis::http::Method::GET, "/repos/octocat/hello-world/compare/main...feature"},
    {oasis::http::Method::GET, "/rate_limit"},
    {oasis::http::Method::POST, "/repos/octocat/hello-world/pulls/5/reviews/7/events"},
    {oasis::http::Method::GET, "/notifications/threads/9"},
    {oasis::http::Method::PATCH, "/repos/octocat/hello-world/issues/1"},
    {oasis::http::Method::DELETE, "/user/starred/octocat/hello-world"},
    {oasis::http::Method::GET, "/no/such/path/here"},
};

struct State {
  std::unique_ptr<oasis::spec::Document> doc;
  std::unique_ptr<oasis::spec::Router> router;
};

State& state() {
  static State s = [] {
    State st;
    if (!std::filesystem::exists(kOctokit)) return st;
    auto r = oasis::spec::Document::load_file(kOctokit);
    if (!r.ok()) return st;
    st.doc = std::move(r.document);
    st.router = std::make_unique<oasis::spec::Router>(*st.doc);
    return st;
  }();
  return s;
}

// The anchor: compare the request with every template in turn.
bool template_matches(std::string_view tmpl, std::string_view path) {
  std::size_t i = 0, j = 0;
  while (i < tmpl.size() && j < path.size()) {
    if (tmpl[i] == '{') {
      std::size_t close = tmpl.find('}', i);
      std::size_t seg_end = path.find('/', j);
      if (seg_end == std::string_view::npos) seg_end = path.size();
      char next = close + 1 < tmpl.size() ? tmpl[close + 1] : '\0';
      if (next == '/' || next == '\0') {
        j = seg_end;
      } else {
        std::size_t stop = path.find(next, j + 1);
        if (stop == std::string_view::npos || stop > seg_end) return false;
        j = stop;
      }
      i = close + 1;
      continue;
    }
    if (tmpl[i] != path[j]) return false;
    ++i;
    ++j;
  }
  return i == tmpl.size() && j == path.size();
}

void BM_RouteMixTrie(benchmark::State& bs) {
  auto& s = state();
  if (!s.router) {
    bs.SkipWithError("/tmp/octokit/api.github.com.json is absent (run bench/spec/fetch-octokit.sh)");
    return;
  }
  oasis::spec::RouteMatch m;
  std::size_t i = 0, found = 0;
  for (auto _ : bs) {
    const auto& p = kMix[i++ % std::size(kMix)];
    s.router->find(p.method, p.path, m);
    found += m.found();
    benchmark::DoNotOptimize(m.operation);
  }
  bs.counters["found_ratio"] = static_cast<double>(found) / static_cast<double>(bs.iterations());
}

void BM_RouteMixLinearScanAnchor(benchmark::State& bs) {
  auto& s = state();
  if (!s.doc) {
    bs.SkipWithError("/tmp/octokit/api.github.com.json is absent (run bench/spec/fetch-octokit.sh)");
    return;
  }
  std::size_t i = 0;
  for (auto _ : bs) {
    const auto& p = kMix[i++ % std::size(kMix)];
    const oasis::spec::Operation* hit = nullptr;
    for (const auto& op : s.doc->operations())
      if (op.method == p.method && template_matches(op.path, p.path)) {
        hit = &op;
        break;
      }
    benchmark::DoNotOptimize(hit);
  }
}

}  // namespace

BENCHMARK(BM_RouteMixTrie);
BENCHMARK(BM_RouteMixLinearScanAnchor);
