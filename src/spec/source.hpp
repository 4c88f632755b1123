// spec/source.hpp (internal) — one file of a document: its text parsed as JSON or YAML into a
// boost::json tree, and the means to say at which line and column a JSON pointer is.
//
// Locations are found only when a diagnostic needs one (loading a clean document pays nothing
// for them): JSON files are re-scanned once for all the pointers asked, YAML files keep yaml-cpp's
// node tree, whose nodes carry their marks.
#pragma once

#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>
#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace oasis::spec::detail {

struct LineCol {
  int line = 0;    // 1-based, 0 unknown
  int column = 0;  // 1-based, 0 unknown
};

struct ParseError {
  std::string message;
  LineCol where;
};

struct SourceFile {
  std::string path;  // as used in messages
  bool yaml = false;
  std::string text;
  YAML::Node yaml_root;  // for YAML files: the nodes carry line/column
  boost::json::value root;

  // Parses `text` into `root` (with `storage`). False, with `err`, on a syntax error or a limit.
  bool parse(boost::json::storage_ptr storage, std::size_t max_depth, ParseError& err);

  // The line/column of each pointer (or of its deepest existing ancestor).
  std::vector<LineCol> locate(const std::vector<std::string>& pointers) const;
};

// Byte offset → 1-based line/column.
LineCol line_col_at(std::string_view text, std::size_t offset);

// RFC 6901 pointer helpers.
std::vector<std::string> split_pointer(std::string_view pointer);
std::string escape_token(std::string_view token);
void append_token(std::string& pointer, std::string_view token);
// The value at the pointer, or null when there is none.
const boost::json::value* find_pointer(const boost::json::value& root, std::string_view pointer);
boost::json::value* find_pointer(boost::json::value& root, std::string_view pointer);

}  // namespace oasis::spec::detail
