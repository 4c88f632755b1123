// spec/lint.cpp — notes on a loaded document that do not stop it from loading.
#include <oasis/spec/lint.hpp>

#include <algorithm>
#include <cctype>

namespace oasis::spec {

std::size_t LintReport::errors() const {
  return static_cast<std::size_t>(std::count_if(diagnostics.begin(), diagnostics.end(),
                                                [](const Diagnostic& d) { return d.error(); }));
}
std::size_t LintReport::warnings() const { return diagnostics.size() - errors(); }

std::vector<Diagnostic> lint(const Document& doc) {
  std::vector<Diagnostic> out;
  auto note = [&](const std::string& pointer, std::string message) {
    out.push_back({Severity::warning, doc.file(), 0, 0, pointer, std::move(message)});
  };
  for (const Operation& op : doc.operations()) {
    bool success = std::any_of(op.responses.begin(), op.responses.end(), [](const Response& r) {
      return r.status == "default" || (!r.status.empty() && r.status[0] >= '1' && r.status[0] <= '3');
    });
    if (!success && !op.responses.empty())
      note(op.pointer + "/responses", op.method_name + " " + op.path + " declares no success (1XX-3XX or default) response");
    // generated clients turn operationIds into function names
    bool identifier = std::all_of(op.operation_id.begin(), op.operation_id.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == '/';
    });
    if (!identifier)
      note(op.pointer + "/operationId",
           "operationId '" + op.operation_id + "' has characters generated clients cannot use in a name");
  }
  return out;
}

LintReport lint_file(const std::string& path, const LoadOptions& options) {
  LintReport report;
  LoadOptions opts = options;
  opts.lint = true;  // the notes come back located, among the loader's diagnostics
  LoadResult r = Document::load_file(path, opts);
  report.diagnostics = std::move(r.diagnostics);
  if (!r.ok()) return report;
  const Document& doc = *r.document;
  report.version = doc.version_string();
  report.paths = doc.path_count();
  report.operations = doc.operations().size();
  report.schemas = doc.component_schemas().size();
  return report;
}

}  // namespace oasis::spec
