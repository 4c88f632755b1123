// fuzz/schema_text_fuzz.cpp — is_valid_text agrees with parse + is_valid on any text.
//
// Input: "<schema JSON>\0<instance text>" (the instance is taken as raw bytes, valid JSON or
// not). Every dialect and direction is tried, with two parser depths. Oracle: the verdict of
// is_valid_text (valid / invalid / malformed) equals Boost.JSON's parse with the same max_depth
// followed by is_valid.
#include <oasis/schema/schema.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/stream_parser.hpp>

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

using namespace oasis::schema;

TextValidity dom(SchemaRef s, std::string_view text, Direction d, std::size_t depth) {
  boost::json::parse_options po;
  po.max_depth = depth;
  boost::json::stream_parser p({}, po);
  boost::json::error_code ec;
  p.write(text.data(), text.size(), ec);
  if (!ec) p.finish(ec);
  if (ec) return TextValidity::malformed;
  return is_valid(s, p.release(), d) ? TextValidity::valid : TextValidity::invalid;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto nul = in.find('\0');
  if (nul == std::string_view::npos) return 0;
  boost::system::error_code ec;
  boost::json::parse_options po;
  po.max_depth = 512;
  boost::json::value schema = boost::json::parse(in.substr(0, nul), ec, {}, po);
  if (ec) return 0;
  std::string_view text = in.substr(nul + 1);
  for (Dialect d : {Dialect::openapi30, Dialect::jsonschema2020, Dialect::swagger20}) {
    Compiler compiler(schema, CompileOptions{d, false});
    SchemaRef s = compiler.compile("");
    for (Direction dir : {Direction::none, Direction::request, Direction::response})
      for (std::size_t depth : {std::size_t{64}, std::size_t{300}})
        if (is_valid_text(s, text, dir, depth) != dom(s, text, dir, depth)) std::abort();
  }
  return 0;
}
