// cli/main.cpp — the `oasis` command: one subcommand per file in this folder.
#include "command.hpp"

#include <algorithm>
#include <cstdio>
#include <exception>

namespace oasis::cli {
std::vector<Command>& commands() {
  static std::vector<Command> all;
  return all;
}

std::unique_ptr<spec::Document> load_served_document(const char* command, const std::string& path, bool strict) {
  spec::LoadOptions lo;
  lo.strict = strict;
  lo.locate_warnings = false;  // only errors are printed
  auto loaded = spec::Document::load_file(path, lo);
  for (const auto& d : loaded.diagnostics)
    if (d.error()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
  if (!loaded.ok()) {
    std::fprintf(stderr, "oasis %s: %s did not load\n", command, path.c_str());
    return nullptr;
  }
  return std::move(loaded.document);
}
}  // namespace oasis::cli

int main(int argc, char** argv) {
  using namespace oasis::cli;
  CLI::App app{"oasis — mock, proxy, call and serve HTTP APIs described by OpenAPI", "oasis"};
  app.set_version_flag("--version", "oasis 0.1.0");
  app.require_subcommand(1);
  auto& cmds = commands();
  std::sort(cmds.begin(), cmds.end(), [](const Command& a, const Command& b) { return a.order < b.order; });
  std::vector<std::pair<CLI::App*, Run>> runs;
  runs.reserve(cmds.size());
  for (auto& c : cmds) {
    CLI::App* sub = app.add_subcommand(c.name, c.description);
    runs.emplace_back(sub, c.setup(*sub));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    for (auto& [sub, run] : runs)
      if (sub->parsed()) return run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "oasis: %s\n", e.what());
    return 2;
  }
  return 2;
}
