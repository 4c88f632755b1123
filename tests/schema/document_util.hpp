// tests/schema/document_util.hpp — a whole OpenAPI/Swagger document read for schema tests: its
// JSON tree and the schema dialect its version implies.
#pragma once

#include <oasis/schema/schema.hpp>

#include <boost/json/parse.hpp>

#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace oasis_test {

struct SchemaDocument {
  std::string name;
  std::shared_ptr<boost::json::value> root;
  oasis::schema::Dialect dialect;
};

inline SchemaDocument load_schema_document(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  boost::json::parse_options po;
  po.max_depth = 4096;
  auto root = std::make_shared<boost::json::value>(boost::json::parse(ss.str(), {}, po));
  auto d = oasis::schema::Dialect::openapi30;
  const auto& o = root->as_object();
  if (o.contains("swagger"))
    d = oasis::schema::Dialect::swagger20;
  else if (auto it = o.find("openapi"); it != o.end() && std::string_view(it->value().as_string()).starts_with("3.1"))
    d = oasis::schema::Dialect::jsonschema2020;
  return {file.filename().string(), root, d};
}

// JSON pointers of the schemas of every response (a shared response followed through its $ref)
// and, with `request_bodies`, of every request body; sorted, each once.
inline std::vector<std::string> operation_schemas(const SchemaDocument& doc, bool request_bodies) {
  using oasis::schema::escape_pointer_token;
  const bool swagger = doc.dialect == oasis::schema::Dialect::swagger20;
  std::set<std::string> out;
  auto media_schemas = [&](const boost::json::object& owner, const std::string& base) {
    auto content = owner.find("content");
    if (content == owner.end() || !content->value().is_object()) return;
    for (const auto& mt : content->value().as_object())
      if (mt.value().is_object() && mt.value().as_object().contains("schema"))
        out.insert(base + "/content/" + escape_pointer_token(mt.key()) + "/schema");
  };
  const auto& root = doc.root->as_object();
  auto paths = root.find("paths");
  if (paths == root.end() || !paths->value().is_object()) return {};
  for (const auto& path : paths->value().as_object()) {
    if (!path.value().is_object()) continue;
    for (const auto& op : path.value().as_object()) {
      if (!op.value().is_object()) continue;
      std::string base = "/paths/" + escape_pointer_token(path.key()) + "/" + escape_pointer_token(op.key());
      const auto& oo = op.value().as_object();
      if (auto rb = oo.find("requestBody"); request_bodies && rb != oo.end() && rb->value().is_object())
        media_schemas(rb->value().as_object(), base + "/requestBody");
      auto responses = oo.find("responses");
      if (responses == oo.end() || !responses->value().is_object()) continue;
      for (const auto& resp : responses->value().as_object()) {
        std::string rbase = base + "/responses/" + escape_pointer_token(resp.key());
        const boost::json::value* r = &resp.value();
        if (r->is_object() && r->as_object().contains("$ref") && r->as_object().at("$ref").is_string()) {
          rbase = std::string(r->as_object().at("$ref").as_string()).substr(1);  // a shared response
          boost::system::error_code ec;
          r = doc.root->find_pointer(rbase, ec);
          if (!r) continue;
        }
        if (!r->is_object()) continue;
        const auto& ro = r->as_object();
        if (swagger) {
          if (ro.contains("schema")) out.insert(rbase + "/schema");
          continue;
        }
        media_schemas(ro, rbase);
      }
    }
  }
  return {out.begin(), out.end()};
}

// JSON pointers of the document's named schemas (components/schemas, or definitions in 2.0).
inline std::vector<std::string> component_schemas(const SchemaDocument& doc) {
  const bool swagger = doc.dialect == oasis::schema::Dialect::swagger20;
  std::vector<std::string> out;
  boost::system::error_code ec;
  const boost::json::value* schemas = doc.root->find_pointer(swagger ? "/definitions" : "/components/schemas", ec);
  if (!schemas || !schemas->is_object()) return out;
  for (const auto& kv : schemas->as_object())
    out.push_back((swagger ? "/definitions/" : "/components/schemas/") + oasis::schema::escape_pointer_token(kv.key()));
  return out;
}

}  // namespace oasis_test
