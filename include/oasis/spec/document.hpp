// oasis/spec/document.hpp — an OpenAPI document loaded into one model.
//
// Loading reads JSON or YAML (one file or many joined by relative $refs), bundles everything into
// one JSON tree in which every $ref is internal ("#/..."), converts Swagger 2.0 into the OpenAPI 3
// shape, and builds the model: one Operation per path and method, with its parameters (path-level
// and operation-level merged), request body, responses, and every schema compiled once by
// schema::Compiler. Nothing is read or compiled again after load; a loaded Document is immutable
// and may be read from any number of threads.
//
// Loading is lenient by default: quirks real documents carry (object-valued `format`, `optional`,
// POST parameters given `in: query`, path parameters not marked required ...) are warnings with
// the file, line, column and JSON pointer where they are; LoadOptions::strict makes them errors.
// A document with errors does not load; its Diagnostics say why, and loading never throws.
//
// This module is pure: no sockets, no threads. It knows nothing about servers, connections or
// what a mock or proxy does with the model.
#pragma once

#include <oasis/http/message.hpp>
#include <oasis/schema/schema.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace oasis::spec {

enum class Severity : std::uint8_t { warning, error };

// One finding of the loader or the linter, located in the file it came from.
struct Diagnostic {
  Severity severity = Severity::error;
  std::string file;     // the file the problem is in ("" for a document given as a string)
  int line = 0;         // 1-based; 0 when unknown
  int column = 0;       // 1-based; 0 when unknown
  std::string pointer;  // RFC 6901 pointer into `file` ("" = the whole file)
  std::string message;  // what was found and what was expected

  bool error() const { return severity == Severity::error; }
  // "file:line:col: error: message [pointer]" (parts that are unknown are left out).
  std::string to_string() const;
};

enum class SpecVersion : std::uint8_t { swagger20, openapi30, openapi31 };
std::string_view to_string(SpecVersion v) noexcept;

struct LoadOptions {
  // Warnings become errors (and an errors make the load fail).
  bool strict = false;
  // Reads a file the document refers to (and, for load_file, the document itself). Returns
  // nullopt when it cannot be read. Default: the file system. Tests pass in-memory files.
  std::function<std::optional<std::string>(const std::string& path)> read_file;
  // Parameters of POST/PUT/PATCH given `in: query` by an operation without requestBody (Proxmox
  // does this) become fields of a form/JSON request body, with a warning.
  bool query_params_of_writes_are_body = true;
  // Also compile every schema under components/schemas (the mock may want them). Off by default:
  // large documents (GitHub's webhooks) hold many schemas no operation uses, and compiling them
  // would double the load time. The operations' own schemas are always compiled.
  bool compile_component_schemas = false;
  // Also run the lint checks (spec/lint.hpp) and add their notes as located warnings. Lint notes
  // stay warnings under `strict`: they never stop a document from loading.
  bool lint = false;
  // Give warnings a line and column too (errors always get them). Locating scans the source
  // text once per file that has something to locate; commands that print no warnings (mock,
  // proxy) turn it off — on the 13 MB GitHub document that scan is ~5% of the load's work.
  bool locate_warnings = true;
  // Limits that keep a hostile input from exhausting memory or stack.
  std::size_t max_file_bytes = 256u << 20;
  std::size_t max_depth = 512;    // nesting of the document's JSON/YAML
  std::size_t max_files = 1000;   // files joined by $ref
};

// A named example of a media type (`example` has the name "").
struct Example {
  std::string name;
  const boost::json::value* value = nullptr;  // in the Document's tree
};

// One entry of a `content` map: a media type with its schema and examples.
struct MediaType {
  std::string type;                     // "application/json", lower case, as the key in content
  schema::SchemaRef schema = nullptr;   // null when the media type declares no schema
  std::string schema_pointer;           // where the schema is in the bundled tree
  std::vector<Example> examples;
};

enum class ParameterIn : std::uint8_t { path, query, header, cookie };
std::string_view to_string(ParameterIn in) noexcept;

enum class Style : std::uint8_t { simple, form, label, matrix, deep_object, space_delimited, pipe_delimited };
std::string_view to_string(Style s) noexcept;

struct Parameter {
  std::string name;
  ParameterIn in = ParameterIn::query;
  bool required = false;
  bool deprecated = false;
  bool allow_empty_value = false;
  bool allow_reserved = false;
  Style style = Style::form;  // the default for `in` when not given
  bool explode = true;        // the default for `style` when not given
  schema::SchemaRef schema = nullptr;  // null: any value (a string) is accepted
  // When the parameter is described by `content` instead of `schema`, its media type (the
  // value is then parsed as that media type, e.g. JSON) and `schema` is that media type's schema.
  std::string content_type;
  std::string pointer;  // where the parameter object is in the bundled tree
};

struct RequestBody {
  bool required = false;
  std::vector<MediaType> content;  // in document order
  std::string pointer;
  // Made from POST/PUT parameters given `in: query` (LoadOptions::query_params_of_writes_are_body).
  bool from_query_parameters = false;
};

struct Header {
  std::string name;
  bool required = false;
  schema::SchemaRef schema = nullptr;
  std::string pointer;
};

struct Response {
  std::string status;  // "200", "2XX", "default"
  std::string description;
  std::vector<Header> headers;
  std::vector<MediaType> content;
  std::string pointer;
};

struct Operation {
  http::Method method = http::Method::GET;
  std::string method_name;  // "GET"
  std::string path;         // the path template as written: "/pets/{petId}"
  std::string operation_id; // may be empty
  std::string summary;
  std::string description;
  std::vector<std::string> tags;
  bool deprecated = false;
  std::vector<Parameter> parameters;  // path-level and operation-level merged, operation wins
  std::optional<RequestBody> request_body;
  std::vector<Response> responses;     // in document order
  // The security requirements in force (the operation's, else the document's); null when none.
  const boost::json::value* security = nullptr;
  std::string pointer;  // "/paths/~1pets~1{petId}/get" in the bundled tree
  std::size_t index = 0;  // position in Document::operations()

  // The response declared for this status: the exact code, then "2XX"-style ranges, then
  // "default"; null when none applies.
  const Response* find_response(int status) const;
  const Parameter* find_parameter(ParameterIn in, std::string_view name) const;
};

struct Server {
  std::string url;        // as written, variables replaced by their defaults
  std::string base_path;  // the URL's path without a trailing slash ("/v1"; "" for the root)
  std::string description;
};

class Document;

struct LoadResult {
  std::unique_ptr<Document> document;  // null when there were errors
  std::vector<Diagnostic> diagnostics;  // errors and warnings, in the order found
  bool ok() const { return document != nullptr; }
};

class Document {
 public:
  // Loads the file (JSON or YAML, by content) and everything it refers to.
  static LoadResult load_file(const std::string& path, const LoadOptions& opts = {});
  // Loads a document held in memory; `name` is used in messages and as the base of relative
  // $refs (resolved through LoadOptions::read_file).
  static LoadResult load_string(std::string_view text, std::string_view name = "", const LoadOptions& opts = {});

  ~Document();
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;

  SpecVersion version() const { return version_; }
  const std::string& version_string() const { return version_string_; }  // "3.0.3", "2.0"
  schema::Dialect dialect() const { return dialect_; }
  const std::string& title() const { return title_; }
  const std::string& api_version() const { return api_version_; }  // info.version
  const std::string& file() const { return file_; }
  const std::vector<Server>& servers() const { return servers_; }
  const std::vector<Operation>& operations() const { return operations_; }
  std::size_t path_count() const { return path_count_; }
  // Schemas named in components/schemas (definitions in Swagger 2.0); the SchemaRef is null
  // unless LoadOptions::compile_component_schemas (compiler().compile("/components/schemas/X")
  // compiles one later).
  const std::vector<std::pair<std::string, schema::SchemaRef>>& component_schemas() const {
    return component_schemas_;
  }
  // The bundled tree, in OpenAPI 3 shape (Swagger 2.0 converted); every $ref internal.
  const boost::json::value& tree() const { return *tree_; }
  const boost::json::object* components() const;
  // Warnings found while loading (errors make the load fail, so a Document has none).
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }
  // The operation with this operationId, or null.
  const Operation* find_operation(std::string_view operation_id) const;
  // The compiler that owns every SchemaRef of this document. Compiling more schemas is allowed
  // but not thread-safe: do it before sharing the Document between threads.
  schema::Compiler& compiler() const { return *compiler_; }

 private:
  Document() = default;
  friend struct DocumentBuilder;

  SpecVersion version_ = SpecVersion::openapi30;
  std::string version_string_;
  schema::Dialect dialect_ = schema::Dialect::openapi30;
  std::string title_, api_version_, file_;
  std::vector<Server> servers_;
  std::vector<Operation> operations_;
  std::size_t path_count_ = 0;
  std::vector<std::pair<std::string, schema::SchemaRef>> component_schemas_;
  std::shared_ptr<const boost::json::value> tree_;
  std::unique_ptr<schema::Compiler> compiler_;
  std::vector<Diagnostic> diagnostics_;
  std::vector<std::pair<std::string_view, std::size_t>> by_operation_id_;  // sorted
};

// Method names as the model spells them: "get" / "GET" → Method::GET; OTHER if unknown.
http::Method method_from_name(std::string_view name) noexcept;
std::string_view method_name(http::Method m) noexcept;

}  // namespace oasis::spec
