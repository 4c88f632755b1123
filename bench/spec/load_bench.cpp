// bench/spec/load_bench.cpp — loading a real document (read, parse, bundle, build the model,
// compile every operation's schemas), next to its anchor: Boost.JSON parsing the same bytes
// already in memory, the least any loader must do. Report load/parse as a ratio.
//   github-api-2020.json  3 MB (../shared/specs)
//   api.github.com.json  13 MB (/tmp/octokit, fetched by bench/spec/fetch-octokit.sh)
#include <oasis/spec/document.hpp>

#include <benchmark/benchmark.h>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

std::string github_2020() {
  return (std::filesystem::path(OASIS_SOURCE_DIR).parent_path() / "shared/specs/github-api-2020.json").string();
}
const char* kOctokit = "/tmp/octokit/api.github.com.json";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void load(benchmark::State& state, const std::string& path) {
  if (!std::filesystem::exists(path)) {
    state.SkipWithError((path + " is absent (run bench/spec/fetch-octokit.sh)").c_str());
    return;
  }
  std::size_t ops = 0;
  for (auto _ : state) {
    auto r = oasis::spec::Document::load_file(path);
    if (!r.ok()) {
      state.SkipWithError("the document did not load");
      return;
    }
    ops = r.document->operations().size();
    benchmark::DoNotOptimize(r.document.get());
  }
  state.counters["operations"] = static_cast<double>(ops);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * std::filesystem::file_size(path)));
}

void parse_anchor(benchmark::State& state, const std::string& path) {
  if (!std::filesystem::exists(path)) {
    state.SkipWithError((path + " is absent (run bench/spec/fetch-octokit.sh)").c_str());
    return;
  }
  std::string text = slurp(path);
  for (auto _ : state) {
    boost::json::monotonic_resource mr;
    benchmark::DoNotOptimize(boost::json::parse(text, &mr));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}

void BM_LoadGithub2020(benchmark::State& s) { load(s, github_2020()); }
void BM_ParseAnchorGithub2020(benchmark::State& s) { parse_anchor(s, github_2020()); }
void BM_LoadOctokit(benchmark::State& s) { load(s, kOctokit); }
void BM_ParseAnchorOctokit(benchmark::State& s) { parse_anchor(s, kOctokit); }

}  // namespace

BENCHMARK(BM_ParseAnchorGithub2020)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_LoadGithub2020)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_ParseAnchorOctokit)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_LoadOctokit)->Unit(benchmark::kMillisecond)->MinTime(2.0);
