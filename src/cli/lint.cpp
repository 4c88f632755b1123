// cli/lint.cpp — `oasis lint SPEC [--strict]`: load a document, print what it holds and every
// warning and error with file:line:col and JSON pointer.
// Exit status: 0 clean (warnings allowed), 1 warnings under --strict, 2 errors.
#include "command.hpp"

#include <oasis/spec/lint.hpp>

#include <cstdio>
#include <memory>

namespace {

oasis::cli::Run setup(CLI::App& sub) {
  struct Options {
    std::string spec;
    bool strict = false;
    bool quiet = false;
  };
  auto o = std::make_shared<Options>();
  sub.add_option("spec", o->spec, "OpenAPI 3.0/3.1 or Swagger 2.0 document (JSON or YAML)")->required();
  sub.add_flag("--strict", o->strict, "treat warnings as failures (exit status 1)");
  sub.add_flag("-q,--quiet", o->quiet, "print only the summary line");
  return [o]() -> int {
    // The document is always loaded leniently: --strict changes the verdict, not what is found.
    oasis::spec::LintReport r = oasis::spec::lint_file(o->spec);
    if (!r.version.empty()) {
      std::printf("%s: version %s, %zu paths, %zu operations, %zu schemas\n", o->spec.c_str(), r.version.c_str(),
                  r.paths, r.operations, r.schemas);
    }
    if (!o->quiet)
      for (const auto& d : r.diagnostics) std::printf("%s\n", d.to_string().c_str());
    std::size_t errors = r.errors(), warnings = r.warnings();
    std::printf("%zu error%s, %zu warning%s\n", errors, errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s");
    if (errors > 0) return 2;
    if (o->strict && warnings > 0) return 1;
    return 0;
  };
}

}  // namespace

OASIS_COMMAND("lint", "Check an OpenAPI document: version, counts, warnings and errors", setup, 50);
