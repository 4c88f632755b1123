// spec/loader.hpp (internal) — the state of one load: the files read, where each piece of the
// bundled tree came from, and the diagnostics found so far. Bundling ($ref across files) and the
// Swagger 2.0 conversion work on it; document.cpp builds the model from the result.
#pragma once

#include "source.hpp"

#include <oasis/spec/document.hpp>

#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace oasis::spec::detail {

// A diagnostic before it is located: `file` -1 means `pointer` is into the bundled tree (mapped
// back to a file through the provenance), otherwise into that file.
struct RawDiagnostic {
  Severity severity;
  int file;
  std::string pointer;
  std::string message;
  LineCol where{};  // known already (syntax errors); otherwise found from the pointer
};

// The piece of the bundled tree at `bundled` came from `source` in file `file`.
struct Provenance {
  std::string bundled;
  int file;
  std::string source;
};

struct LoadContext {
  const LoadOptions& opts;
  boost::json::storage_ptr storage;
  std::vector<std::unique_ptr<SourceFile>> files;
  std::unordered_map<std::string, int> file_index;  // normalised path → index in files
  std::vector<Provenance> provenance;
  std::vector<RawDiagnostic> diagnostics;
  bool swagger = false;
  bool failed = false;
  std::string root_name;  // the document's name, for messages when it could not even be read

  void error(int file, std::string pointer, std::string message) {
    diagnostics.push_back({Severity::error, file, std::move(pointer), std::move(message)});
    failed = true;
  }
  void warning(int file, std::string pointer, std::string message) {
    diagnostics.push_back({Severity::warning, file, std::move(pointer), std::move(message)});
  }
  // A quirk real documents have: a warning, or an error under LoadOptions::strict.
  void quirk(int file, std::string pointer, std::string message) {
    if (opts.strict)
      error(file, std::move(pointer), std::move(message));
    else
      warning(file, std::move(pointer), std::move(message));
  }

  // Reads and parses a file (once; later calls return the same index). -1 on failure, with an
  // error reported at (from_file, from_pointer).
  int load(const std::string& path, int from_file, const std::string& from_pointer);

  // Located, user-facing diagnostics.
  std::vector<Diagnostic> finish() const;
};

// Replaces every external $ref of files[0]'s tree by an internal one, copying what it points to
// into the tree (components/schemas, components/parameters, ...; definitions/parameters/responses
// for Swagger 2.0). Also reports schema quirks (`optional`, `links` in schemas).
void bundle(LoadContext& ctx, boost::json::value& root);

// Rewrites a Swagger 2.0 tree into the OpenAPI 3.0 shape (schemas stay Swagger 2.0 schemas).
void convert_swagger(LoadContext& ctx, boost::json::value& root);

// Directory part of a path ("a/b/c.yaml" → "a/b/"), and a relative reference joined to it.
std::string join_path(const std::string& base_file, const std::string& ref_path);

}  // namespace oasis::spec::detail
