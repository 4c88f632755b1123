// oasis/client/config.hpp — ClientOptions read once, at start-up, from a YAML file and the
// environment (the environment wins over the file; OASIS_* wins over PROXMOX_*).
//
//   auto cfg = oasis::client::load_config("~/.config/oasis.yaml");   // or "" for env only
//   oasis::Client api(cfg.options);
//
// Only the keys listed in docs/client.md are read: an unknown key in the file is an error
// naming the file and line (a misspelt `verify_tls` must not silently leave verification on a
// different setting than intended), and only the known environment variables are looked at.
// Knows nothing about HTTP beyond the options it fills.
#pragma once

#include <oasis/client/client.hpp>

#include <string>
#include <vector>

namespace oasis::client {

struct Config {
  ClientOptions options;
  bool has_url = false;               // a url came from the file or the environment
  std::vector<std::string> sources;   // where each value came from: "url: file.yaml:3", "token: $OASIS_TOKEN"
};

// Reads `file` (skipped when empty) and then the environment when `environment` is true.
// Throws Error{Kind::config} with the file and line, or the variable, of a bad value.
Config load_config(const std::string& file = {}, bool environment = true);

// The environment variables load_config reads, in the order it reads them.
const std::vector<std::string>& config_environment_variables();

}  // namespace oasis::client
