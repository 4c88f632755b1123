// oasis/spec/lint.hpp — checks of a loaded Document that do not stop it from loading: what a
// reader of the document (or a generated client) would trip over.
//
// Pure: reads the model only; knows nothing about the CLI that prints the result.
#pragma once

#include <oasis/spec/document.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace oasis::spec {

struct LintReport {
  std::string version;       // "3.0.3"
  std::size_t paths = 0;
  std::size_t operations = 0;
  std::size_t schemas = 0;   // components/schemas (definitions)
  std::vector<Diagnostic> diagnostics;  // loader warnings and errors, then lint warnings
  std::size_t errors() const;
  std::size_t warnings() const;
};

// Loads (with the given options) and lints; a document that fails to load gives a report with
// its errors and zero counts.
LintReport lint_file(const std::string& path, const LoadOptions& opts = {});
// Lint notes for an already loaded document (operations without a success response,
// operationIds that cannot be names, ...). Their pointers are into the bundled tree and they
// carry no line numbers; LoadOptions::lint gives the same notes located in their files.
std::vector<Diagnostic> lint(const Document& doc);

}  // namespace oasis::spec
