// bench/spec/validate_bench.cpp — validating a typical ~200-byte JSON object against its
// compiled schema (target: ≤ 2 µs), next to the anchor of that figure: parsing the same bytes
// with Boost.JSON, which every request pays anyway. Compare the two in one run as a ratio.
#include <oasis/schema/schema.hpp>

#include <benchmark/benchmark.h>
#include <boost/json/parse.hpp>

#include <string_view>

namespace {

constexpr std::string_view kDocument = R"({"components":{"schemas":{
  "Category":{"type":"object","required":["id"],"properties":{
    "id":{"type":"integer","format":"int64","minimum":1},
    "name":{"type":"string","maxLength":64}}},
  "Tag":{"type":"object","properties":{"id":{"type":"integer","format":"int64"},"name":{"type":"string"}}},
  "Pet":{"type":"object","required":["id","name","status"],"additionalProperties":false,"properties":{
    "id":{"type":"integer","format":"int64","minimum":1},
    "name":{"type":"string","minLength":1,"maxLength":64,"pattern":"^[A-Za-z][A-Za-z0-9 _-]*$"},
    "tag":{"type":"string","nullable":true},
    "status":{"type":"string","enum":["available","pending","sold"]},
    "category":{"$ref":"#/components/schemas/Category"},
    "tags":{"type":"array","maxItems":10,"items":{"$ref":"#/components/schemas/Tag"}},
    "created":{"type":"string","format":"date-time","readOnly":true}}}}}})";

// 191 bytes
constexpr std::string_view kPet =
    R"({"id":12,"name":"Rex the dog","tag":"good","status":"available","category":{"id":3,"name":"Dogs"},)"
    R"("tags":[{"id":1,"name":"friendly"},{"id":2,"name":"small"}],"created":"2024-01-31T12:00:00Z"})";

constexpr std::string_view kBadPet =
    R"({"id":0,"name":"","tag":1,"status":"lost","category":{"name":"Dogs"},)"
    R"("tags":[{"id":"1","name":"friendly"},{"id":2,"name":"small"}],"created":"yesterday"})";

struct Fixture {
  oasis::schema::Compiler compiler{boost::json::parse(kDocument), {}};
  oasis::schema::SchemaRef pet = compiler.compile("/components/schemas/Pet");
  boost::json::value good = boost::json::parse(kPet);
  boost::json::value bad = boost::json::parse(kBadPet);
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

void BM_ParseAnchor(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(boost::json::parse(kPet));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kPet.size()));
}
BENCHMARK(BM_ParseAnchor);

void BM_IsValid(benchmark::State& state) {
  auto& f = fixture();
  if (!oasis::schema::is_valid(f.pet, f.good)) state.SkipWithError("the pet should be valid");
  for (auto _ : state) benchmark::DoNotOptimize(oasis::schema::is_valid(f.pet, f.good));
}
BENCHMARK(BM_IsValid);

void BM_ValidateValid(benchmark::State& state) {
  auto& f = fixture();
  oasis::schema::ValidateOptions o;
  o.direction = oasis::schema::Direction::response;
  for (auto _ : state) benchmark::DoNotOptimize(oasis::schema::validate(f.pet, f.good, o));
}
BENCHMARK(BM_ValidateValid);

void BM_ValidateInvalidCollectsMessages(benchmark::State& state) {
  auto& f = fixture();
  for (auto _ : state) benchmark::DoNotOptimize(oasis::schema::validate(f.pet, f.bad));
  state.counters["violations"] = static_cast<double>(oasis::schema::validate(f.pet, f.bad).violations.size());
}
BENCHMARK(BM_ValidateInvalidCollectsMessages);

void BM_GeneratePet(benchmark::State& state) {
  auto& f = fixture();
  std::uint64_t seed = 1;
  for (auto _ : state) {
    oasis::schema::GenerateOptions g;
    g.seed = seed++;
    benchmark::DoNotOptimize(oasis::schema::generate(f.pet, g));
  }
}
BENCHMARK(BM_GeneratePet);

}  // namespace
