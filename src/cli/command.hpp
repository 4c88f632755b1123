// cli/command.hpp — how a subcommand of the `oasis` command registers itself.
//
// Each subcommand lives in its own file (lint.cpp, routes.cpp, mock.cpp ...) and registers a
// setup function with OASIS_COMMAND; main.cpp knows none of them by name. A setup function adds
// its options to the CLI11 sub-app and returns the function to run when it is chosen.
#pragma once

#include <CLI/CLI.hpp>

#include <oasis/spec/document.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace oasis::cli {

// Returns the exit status.
using Run = std::function<int()>;
using Setup = Run (*)(CLI::App& sub);

struct Command {
  const char* name;
  const char* description;
  Setup setup;
  int order;  // position in --help
};

std::vector<Command>& commands();

// Loads the document a serving command runs on: its errors go to stderr, and when it does not
// load, "oasis COMMAND: PATH did not load" too, and the result is null (the command exits 2).
std::unique_ptr<spec::Document> load_served_document(const char* command, const std::string& path, bool strict);

struct Registrar {
  Registrar(const char* name, const char* description, Setup setup, int order = 100) {
    commands().push_back({name, description, setup, order});
  }
};

}  // namespace oasis::cli

#define OASIS_CLI_CAT2(a, b) a##b
#define OASIS_CLI_CAT(a, b) OASIS_CLI_CAT2(a, b)
#define OASIS_COMMAND(name, description, setup, order) \
  static ::oasis::cli::Registrar OASIS_CLI_CAT(oasis_command_, __LINE__){name, description, setup, order}
