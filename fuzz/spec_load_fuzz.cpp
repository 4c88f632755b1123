// fuzz/spec_load_fuzz.cpp — the document loader on arbitrary bytes: never a crash, a hang or an
// exception. Each input is loaded as JSON (name *.json) and as YAML (name *.yaml); a loaded
// document is also routed and a request validated against its first operation, so the model
// built from hostile input is exercised too. External $refs resolve to a small in-memory file
// set (never the file system).
#include <oasis/spec/request.hpp>
#include <oasis/spec/router.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace {

void exercise(const oasis::spec::LoadResult& r) {
  for (const auto& d : r.diagnostics) (void)d.to_string();
  if (!r.ok()) return;
  const auto& doc = *r.document;
  oasis::spec::Router router(doc);
  for (const auto& op : doc.operations()) {
    auto m = router.find(op.method, op.path);
    oasis::spec::RequestInput in;
    in.path_params = {m.params.data(), m.params.size()};
    in.query = "a=1&b=x,y&c[d]=2";
    in.content_type = "application/json";
    in.body = R"({"a":[1,2,{"b":null}]})";
    (void)oasis::spec::validate_request(op, in);
    (void)oasis::spec::validate_response(op, 200, "application/json", "{}");
    break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 256 * 1024) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  oasis::spec::LoadOptions opts;
  opts.max_depth = 256;
  opts.read_file = [](const std::string& path) -> std::optional<std::string> {
    if (path.ends_with("other.yaml")) return std::string("A: {type: string}\nB: {$ref: '#/A'}\nP: {name: p, in: query}\n");
    return std::nullopt;
  };
  exercise(oasis::spec::Document::load_string(text, "/fuzz/api.json", opts));
  exercise(oasis::spec::Document::load_string(text, "/fuzz/api.yaml", opts));
  return 0;
}
