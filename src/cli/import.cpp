// cli/import.cpp — `oasis import proxmox INPUT [-o OUTPUT] [--title T] [--server-url URL]`: convert
// the Proxmox API viewer schema (apidata.js of Proxmox VE or Proxmox Backup Server) into an
// OpenAPI 3.1 document (spec/import.hpp says how).
// Exit status: 0 written, 2 bad input or output (nothing is written then).
#include "command.hpp"

#include <oasis/spec/import.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <unistd.h>

namespace {

oasis::cli::Run setup(CLI::App& sub) {
  struct Options {
    std::string format, input, output = "-", title, server_url = "/api2/json", version = "1";
    bool delete_query = false;
    bool quiet = false;
  };
  auto o = std::make_shared<Options>();
  sub.add_option("format", o->format, "the input's format: proxmox (apidata.js of Proxmox VE or Backup Server)")
      ->required()
      ->check(CLI::IsMember({"proxmox"}));
  sub.add_option("input", o->input, "the file to convert ('-' for standard input)")->required();
  sub.add_option("-o,--output", o->output, "where to write the OpenAPI document ('-' or absent: standard output)");
  sub.add_option("--title", o->title, "info.title (default: Proxmox VE API / Proxmox Backup Server API)");
  sub.add_option("--server-url", o->server_url, "servers[0].url, the base the paths hang from (default /api2/json)");
  sub.add_option("--api-version", o->version, "info.version (default 1)");
  sub.add_flag("--delete-query", o->delete_query, "DELETE parameters as query parameters instead of a request body");
  sub.add_flag("-q,--quiet", o->quiet, "print errors only");
  return [o]() -> int {
    std::string text;
    std::string name = o->input == "-" ? "<stdin>" : o->input;
    if (o->input == "-") {
      std::ostringstream ss;
      ss << std::cin.rdbuf();
      text = ss.str();
    } else {
      std::ifstream in(o->input, std::ios::binary);
      if (!in) {
        std::fprintf(stderr, "oasis import: cannot read '%s'\n", o->input.c_str());
        return 2;
      }
      std::ostringstream ss;
      ss << in.rdbuf();
      text = ss.str();
    }
    oasis::spec::ImportOptions opts;
    opts.source_name = name;
    opts.title = o->title;
    opts.server_url = o->server_url;
    opts.version = o->version;
    opts.delete_parameters_in_query = o->delete_query;
    auto t0 = std::chrono::steady_clock::now();
    oasis::spec::ImportResult r = oasis::spec::import_proxmox(text, opts);
    auto t1 = std::chrono::steady_clock::now();
    for (const auto& d : r.diagnostics)
      if (d.error() || !o->quiet) std::fprintf(stderr, "%s\n", d.to_string().c_str());
    if (!r.ok()) {
      std::fprintf(stderr, "oasis import: %s is not a valid Proxmox API schema; nothing written\n", name.c_str());
      return 2;
    }
    std::string out = oasis::spec::to_pretty_json(*r.document);
    if (o->output == "-") {
      std::fwrite(out.data(), 1, out.size(), stdout);
    } else {
      // written beside the target and renamed over it: a failed write leaves the old file as it was
      std::string tmp = o->output + ".tmp" + std::to_string(::getpid());
      {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        f.write(out.data(), static_cast<std::streamsize>(out.size()));
        f.close();
        if (!f) {
          std::error_code ec;
          std::filesystem::remove(tmp, ec);
          std::fprintf(stderr, "oasis import: cannot write '%s'\n", o->output.c_str());
          return 2;
        }
      }
      std::error_code ec;
      std::filesystem::rename(tmp, o->output, ec);
      if (ec) {
        std::filesystem::remove(tmp, ec);
        std::fprintf(stderr, "oasis import: cannot write '%s'\n", o->output.c_str());
        return 2;
      }
    }
    if (!o->quiet) {
      double ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
      std::fprintf(stderr, "%s: %zu paths, %zu operations imported in %.1f ms%s%s\n", name.c_str(), r.paths,
                   r.operations, ms, o->output == "-" ? "" : " -> ", o->output == "-" ? "" : o->output.c_str());
    }
    return 0;
  };
}

}  // namespace

OASIS_COMMAND("import", "Convert another API description (proxmox apidata.js) into OpenAPI 3.1", setup, 45);
