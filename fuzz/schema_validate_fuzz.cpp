// fuzz/schema_validate_fuzz.cpp — compile any schema, validate any instance, generate: never crash.
//
// Input: "<schema JSON>\0<instance JSON>", or one JSON array [schema, instance]. Every dialect is
// tried. Oracles besides "no crash, no sanitizer report": the fast path (is_valid) and the full
// path (validate) agree, and generation is deterministic.
#include <oasis/schema/schema.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

bool parse(std::string_view text, boost::json::value& out) {
  boost::system::error_code ec;
  boost::json::parse_options po;
  po.max_depth = 512;
  out = boost::json::parse(text, ec, {}, po);
  return !ec;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  boost::json::value schema, instance;
  if (auto nul = in.find('\0'); nul != std::string_view::npos) {
    if (!parse(in.substr(0, nul), schema)) return 0;
    if (!parse(in.substr(nul + 1), instance)) instance = nullptr;
  } else {
    boost::json::value both;
    if (!parse(in, both)) return 0;
    if (both.is_array() && both.as_array().size() == 2) {
      schema = both.as_array()[0];
      instance = both.as_array()[1];
    } else {
      schema = both;
      instance = both;
    }
  }
  using namespace oasis::schema;
  for (Dialect d : {Dialect::openapi30, Dialect::jsonschema2020, Dialect::swagger20}) {
    Compiler compiler(schema, CompileOptions{d, false});
    SchemaRef s = compiler.compile("");
    for (Direction dir : {Direction::none, Direction::request}) {
      bool fast = is_valid(s, instance, dir);
      ValidateOptions o;
      o.direction = dir;
      Result r = validate(s, instance, o);
      if (fast != r.ok()) std::abort();  // the two paths must agree
      (void)to_json(r);
    }
    GenerateOptions g;
    g.max_depth = 3;
    boost::json::value a = generate(s, g);
    boost::json::value b = generate(s, g);
    if (boost::json::serialize(a) != boost::json::serialize(b)) std::abort();  // determinism
    (void)is_valid(s, a);
  }
  return 0;
}
