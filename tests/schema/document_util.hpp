// tests/schema/document_util.hpp — a whole OpenAPI/Swagger document read for schema tests: its
// JSON tree and the schema dialect its version implies.
#pragma once

#include <oasis/schema/schema.hpp>

#include <boost/json/parse.hpp>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>

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

}  // namespace oasis_test
