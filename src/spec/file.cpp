// spec/file.cpp — one JSON or YAML file into a JSON value, with located errors.
#include <oasis/spec/file.hpp>

#include "source.hpp"

#include <boost/json/storage_ptr.hpp>

#include <fstream>
#include <sstream>

namespace oasis::spec {

FileValue read_json_or_yaml(const std::string& path, std::size_t max_bytes, std::size_t max_depth) {
  FileValue out;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    out.error = path + ": cannot be read";
    return out;
  }
  std::ostringstream text;
  text << in.rdbuf();
  detail::SourceFile f;
  f.path = path;
  f.text = text.str();
  if (f.text.size() > max_bytes) {
    out.error = path + ": larger than " + std::to_string(max_bytes) + " bytes";
    return out;
  }
  detail::ParseError err;
  if (!f.parse(boost::json::storage_ptr(), max_depth, err)) {
    out.error = path;
    if (err.where.line) out.error += ":" + std::to_string(err.where.line) + ":" + std::to_string(err.where.column);
    out.error += ": " + err.message;
    return out;
  }
  out.value = std::move(f.root);
  return out;
}

}  // namespace oasis::spec
