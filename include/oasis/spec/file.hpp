// oasis/spec/file.hpp — reads a JSON or YAML file into a JSON value with the same reader (and
// limits) the document loader uses; errors say file:line:col and what was expected. For data
// files that go with a document (the mock's --data, the client's config).
#pragma once

#include <boost/json/value.hpp>

#include <optional>
#include <string>

namespace oasis::spec {

struct FileValue {
  std::optional<boost::json::value> value;  // nullopt on error
  std::string error;                         // "file:line:col: what was expected"
};

FileValue read_json_or_yaml(const std::string& path, std::size_t max_bytes = 64u << 20, std::size_t max_depth = 256);

}  // namespace oasis::spec
