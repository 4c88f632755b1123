// oasis/spec/import.hpp — converts API descriptions that are not OpenAPI into OpenAPI 3.1.
//
// import_proxmox reads the schema that Proxmox VE and Proxmox Backup Server ship with their API
// viewer (`apidata.js`: `const apiSchema = [...]`, a tree of nodes with `path`, `info` per HTTP
// method holding `parameters`, `returns`, `permissions`, and `children`) and builds one OpenAPI
// 3.1 document that `oasis lint --strict` accepts. How each Proxmox rule becomes OpenAPI is listed
// in docs/import.md; in short:
//   - servers: [{url: ImportOptions::server_url}] ("/api2/json"), paths exactly as Proxmox names
//     them ("/nodes/{node}/qemu");
//   - GET parameters are query parameters; POST/PUT/DELETE parameters form one request body
//     offered as application/x-www-form-urlencoded and application/json (same $ref'd schema);
//   - every `returns` is wrapped in the envelope {"data": ...} (an object with `data` required),
//     the 200 response;
//   - Proxmox booleans (0/1 on the wire) are {"type": ["integer","boolean"], minimum 0, maximum 1}:
//     0, 1, true and false validate, 2 and "yes" do not;
//   - formats: a few regular ones become patterns (the name is kept as `x-proxmox-format`),
//     property strings (object-valued `format`) become strings with `x-proxmox-property-string`
//     (an object schema of their sub-keys) and a pattern of their keys; Proxmox-only keywords
//     are kept as `x-proxmox-*` extensions.
//
// Pure: no files, no sockets (the CLI reads and writes the files). Never throws on bad input: a
// malformed file gives error Diagnostics (line and column for syntax, JSON pointer into the input
// for structure) and no document.
#pragma once

#include <oasis/spec/document.hpp>

#include <boost/json/value.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oasis::spec {

struct ImportOptions {
  std::string source_name;  // the input's name, used in Diagnostics ("apidata.js")
  // info.title; empty: "Proxmox VE API", or "Proxmox Backup Server API" when the tree has the
  // PBS top-level paths (/admin, /config/datastore ...).
  std::string title;
  std::string version = "1";  // info.version (the apidata file carries none)
  std::string server_url = "/api2/json";
  // DELETE parameters as query parameters instead of a request body (many clients send them so;
  // Proxmox reads both).
  bool delete_parameters_in_query = false;
  // Limits on the input.
  std::size_t max_bytes = 64u << 20;
  std::size_t max_depth = 256;  // nesting of the input's JSON
};

struct ImportResult {
  std::optional<boost::json::value> document;  // OpenAPI 3.1; nullopt when there were errors
  std::vector<Diagnostic> diagnostics;         // errors (then no document) and notes
  std::size_t paths = 0;                       // paths and operations of the input tree
  std::size_t operations = 0;
  bool ok() const { return document.has_value(); }
};

ImportResult import_proxmox(std::string_view text, const ImportOptions& options = {});

// A Perl regular expression as Proxmox writes it (implicitly anchored, `(?^i:...)` groups,
// `{,n}`, `\0`) as an anchored ECMA-262/RE2 pattern; nullopt when it uses what neither has.
std::optional<std::string> proxmox_pattern(std::string_view perl);

// The document as indented JSON (two spaces), keys in insertion order: output meant for review.
std::string to_pretty_json(const boost::json::value& v);

}  // namespace oasis::spec
