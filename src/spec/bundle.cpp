// spec/bundle.cpp — joining a document spread over several files into one tree.
//
// The tree is walked knowing what kind of OpenAPI object each node is (a schema, a parameter, a
// response ...), so an external $ref can be given a home that fits what it points to:
// components/schemas/<name> for a schema, components/parameters/<name> for a parameter, and so on
// (definitions/, parameters/, responses/ in Swagger 2.0). What an external $ref points to is
// copied into the tree once (keyed by file and pointer), so recursive schemas across files and
// files that refer to each other terminate.
#include "loader.hpp"

#include <boost/json/serialize.hpp>

#include <deque>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace json = boost::json;

namespace oasis::spec::detail {

std::string join_path(const std::string& base_file, const std::string& ref_path) {
  namespace fs = std::filesystem;
  fs::path ref(ref_path);
  if (ref.is_absolute()) return ref.lexically_normal().string();
  fs::path base = fs::path(base_file).parent_path();
  return (base / ref).lexically_normal().string();
}

static std::optional<std::string> read_whole_file(const std::string& path, std::size_t max_bytes, bool& too_big) {
  too_big = false;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  if (size < 0) return std::nullopt;
  if (static_cast<std::size_t>(size) > max_bytes) {
    too_big = true;
    return std::nullopt;
  }
  in.seekg(0, std::ios::beg);
  std::string text(static_cast<std::size_t>(size), '\0');
  if (size > 0 && !in.read(text.data(), size)) return std::nullopt;
  if (std::filesystem::is_directory(path)) return std::nullopt;
  return text;
}

int LoadContext::load(const std::string& path, int from_file, const std::string& from_pointer) {
  std::string key = std::filesystem::path(path).lexically_normal().string();
  if (auto it = file_index.find(key); it != file_index.end()) return it->second;
  if (files.size() >= opts.max_files) {
    error(from_file, from_pointer, "too many files joined by $ref (limit " + std::to_string(opts.max_files) + ")");
    return -1;
  }
  bool too_big = false;
  std::optional<std::string> text =
      opts.read_file ? opts.read_file(key) : read_whole_file(key, opts.max_file_bytes, too_big);
  if (text && text->size() > opts.max_file_bytes) too_big = true;
  if (!text || too_big) {
    std::string why = too_big ? "is larger than " + std::to_string(opts.max_file_bytes) + " bytes"
                              : "cannot be read";
    if (from_file < 0)
      diagnostics.push_back({Severity::error, -1, "", "file '" + key + "' " + why, {}});
    else
      diagnostics.push_back({Severity::error, from_file, from_pointer, "$ref to file '" + key + "': the file " + why, {}});
    failed = true;
    return -1;
  }
  auto f = std::make_unique<SourceFile>();
  f->path = key;
  f->text = std::move(*text);
  ParseError perr;
  int index = static_cast<int>(files.size());
  bool ok = f->parse(storage, opts.max_depth, perr);
  files.push_back(std::move(f));
  file_index.emplace(key, index);
  if (!ok) {
    diagnostics.push_back({Severity::error, index, "", perr.message, perr.where});
    failed = true;
    return -1;
  }
  return index;
}

std::vector<Diagnostic> LoadContext::finish() const {
  std::vector<Diagnostic> out(diagnostics.size());
  std::vector<std::vector<std::size_t>> by_file(files.size());
  for (std::size_t k = 0; k < diagnostics.size(); ++k) {
    const RawDiagnostic& r = diagnostics[k];
    int file = r.file;
    std::string pointer = r.pointer;
    if (file < 0 && !files.empty()) {
      // map a pointer into the bundled tree back to the file it came from
      const Provenance* best = nullptr;
      for (const auto& p : provenance) {
        if (pointer.compare(0, p.bundled.size(), p.bundled) != 0) continue;
        if (pointer.size() > p.bundled.size() && pointer[p.bundled.size()] != '/') continue;
        if (!best || p.bundled.size() > best->bundled.size()) best = &p;
      }
      if (best) {
        file = best->file;
        pointer = best->source + pointer.substr(best->bundled.size());
      } else {
        file = 0;
      }
    }
    Diagnostic& d = out[k];
    d.severity = r.severity;
    d.pointer = pointer;
    d.message = r.message;
    d.line = r.where.line;
    d.column = r.where.column;
    if (file >= 0 && static_cast<std::size_t>(file) < files.size()) {
      d.file = files[file]->path;
      if (d.line == 0 && (d.error() || opts.locate_warnings)) by_file[file].push_back(k);
    } else {
      d.file = root_name;
    }
  }
  for (std::size_t f = 0; f < files.size(); ++f) {
    if (by_file[f].empty()) continue;
    std::vector<std::string> ptrs;
    for (std::size_t k : by_file[f]) ptrs.push_back(out[k].pointer);
    auto where = files[f]->locate(ptrs);
    for (std::size_t i = 0; i < by_file[f].size(); ++i) {
      out[by_file[f][i]].line = where[i].line;
      out[by_file[f][i]].column = where[i].column;
    }
  }
  return out;
}

namespace {

enum class Kind {
  document,
  components,
  paths,
  path_item,
  operation,
  parameter,
  parameter_list,
  parameter_map,
  request_body,
  request_body_map,
  response,
  response_map,
  header,
  header_map,
  media_type,
  media_map,
  encoding_map,
  example,
  example_map,
  link,
  link_map,
  callback,
  callback_map,
  schema,
  schema_map,
  schema_list,
  skip,
};

bool is_method(std::string_view k) {
  return k == "get" || k == "put" || k == "post" || k == "delete" || k == "options" || k == "head" ||
         k == "patch" || k == "trace";
}

// What kind of node the member `key` of a node of kind `parent` is.
Kind child_kind(Kind parent, std::string_view key) {
  if (key.size() > 2 && key[0] == 'x' && key[1] == '-') return Kind::skip;
  switch (parent) {
    case Kind::document:
      if (key == "paths" || key == "webhooks") return Kind::paths;
      if (key == "components") return Kind::components;
      if (key == "definitions") return Kind::schema_map;
      if (key == "parameters") return Kind::parameter_map;
      if (key == "responses") return Kind::response_map;
      return Kind::skip;
    case Kind::components:
      if (key == "schemas") return Kind::schema_map;
      if (key == "responses") return Kind::response_map;
      if (key == "parameters") return Kind::parameter_map;
      if (key == "examples") return Kind::example_map;
      if (key == "requestBodies") return Kind::request_body_map;
      if (key == "headers") return Kind::header_map;
      if (key == "links") return Kind::link_map;
      if (key == "callbacks") return Kind::callback_map;
      if (key == "pathItems") return Kind::paths;
      return Kind::skip;
    case Kind::paths: return Kind::path_item;
    case Kind::path_item:
      if (is_method(key)) return Kind::operation;
      if (key == "parameters") return Kind::parameter_list;
      return Kind::skip;
    case Kind::operation:
      if (key == "parameters") return Kind::parameter_list;
      if (key == "requestBody") return Kind::request_body;
      if (key == "responses") return Kind::response_map;
      if (key == "callbacks") return Kind::callback_map;
      return Kind::skip;
    case Kind::parameter:
    case Kind::header:
      if (key == "schema" || key == "items") return Kind::schema;
      if (key == "content") return Kind::media_map;
      if (key == "examples") return Kind::example_map;
      return Kind::skip;
    case Kind::request_body:
      if (key == "content") return Kind::media_map;
      return Kind::skip;
    case Kind::response:
      if (key == "headers") return Kind::header_map;
      if (key == "content") return Kind::media_map;
      if (key == "links") return Kind::link_map;
      if (key == "schema") return Kind::schema;
      return Kind::skip;
    case Kind::media_type:
      if (key == "schema") return Kind::schema;
      if (key == "examples") return Kind::example_map;
      if (key == "encoding") return Kind::encoding_map;
      return Kind::skip;
    case Kind::encoding_map: return Kind::response;  // an Encoding has `headers` like a Response
    case Kind::parameter_map: return Kind::parameter;
    case Kind::parameter_list: return Kind::parameter;
    case Kind::request_body_map: return Kind::request_body;
    case Kind::response_map: return Kind::response;
    case Kind::header_map: return Kind::header;
    case Kind::media_map: return Kind::media_type;
    case Kind::example_map: return Kind::example;
    case Kind::link_map: return Kind::link;
    case Kind::callback_map: return Kind::callback;
    case Kind::callback: return Kind::path_item;
    case Kind::schema_map:
    case Kind::schema_list: return Kind::schema;
    case Kind::schema:
      if (key == "properties" || key == "patternProperties" || key == "definitions" || key == "$defs" ||
          key == "dependentSchemas")
        return Kind::schema_map;
      if (key == "allOf" || key == "anyOf" || key == "oneOf" || key == "prefixItems") return Kind::schema_list;
      if (key == "items" || key == "additionalProperties" || key == "additionalItems" || key == "not" ||
          key == "if" || key == "then" || key == "else" || key == "contains" || key == "propertyNames" ||
          key == "unevaluatedItems" || key == "unevaluatedProperties" || key == "contentSchema")
        return Kind::schema;
      return Kind::skip;
    default: return Kind::skip;
  }
}

// Where a piece copied in from another file lives, by kind.
std::string container_for(Kind k, bool swagger) {
  switch (k) {
    case Kind::parameter: return swagger ? "/parameters" : "/components/parameters";
    case Kind::response: return swagger ? "/responses" : "/components/responses";
    case Kind::request_body: return "/components/requestBodies";
    case Kind::header: return swagger ? "/x-oasis-bundled/headers" : "/components/headers";
    case Kind::example: return swagger ? "/x-oasis-bundled/examples" : "/components/examples";
    case Kind::link: return "/components/links";
    case Kind::callback: return "/components/callbacks";
    case Kind::path_item: return swagger ? "/x-oasis-bundled/pathItems" : "/components/pathItems";
    default: return swagger ? "/definitions" : "/components/schemas";
  }
}

std::string sanitize_name(std::string_view s) {
  std::string out;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
              c == '_';
    out += ok ? c : '_';
  }
  if (out.empty()) out = "bundled";
  return out;
}

struct Pending {
  std::string container;
  std::string name;
  json::value value;
  int file;
  std::string source_pointer;
  Kind kind;
};

struct Bundler {
  LoadContext& ctx;
  json::value& root;
  std::unordered_map<std::string, std::string> imported;  // "file#fragment" → bundled pointer
  std::unordered_map<std::string, std::set<std::string>> used_names;  // container → names
  std::deque<Pending> pending;

  std::set<std::string>& names_of(const std::string& container) {
    auto it = used_names.find(container);
    if (it != used_names.end()) return it->second;
    auto& set = used_names[container];
    if (const json::value* c = find_pointer(root, container); c && c->is_object())
      for (const auto& kv : c->as_object()) set.insert(std::string(kv.key()));
    return set;
  }

  // Copies what (file, fragment) points to into the tree (once); the new internal pointer.
  std::optional<std::string> import(int file, const std::string& fragment, Kind kind, int from_file,
                                    const std::string& from_pointer, std::string_view ref) {
    std::string key = std::to_string(file) + "#" + fragment;
    if (auto it = imported.find(key); it != imported.end()) return it->second;
    const json::value* target = find_pointer(ctx.files[file]->root, fragment);
    if (!target) {
      ctx.error(from_file, from_pointer,
                "$ref '" + std::string(ref) + "': there is nothing at '" + fragment + "' in " + ctx.files[file]->path);
      return std::nullopt;
    }
    std::string container = container_for(kind, ctx.swagger);
    std::string base;
    if (!fragment.empty()) {
      auto toks = split_pointer(fragment);
      base = toks.empty() ? std::string() : toks.back();
    }
    if (base.empty()) base = std::filesystem::path(ctx.files[file]->path).stem().string();
    base = sanitize_name(base);
    auto& names = names_of(container);
    std::string name = base;
    for (int n = 2; names.count(name); ++n) name = base + "_" + std::to_string(n);
    names.insert(name);
    std::string bundled = container;
    append_token(bundled, name);
    imported.emplace(key, bundled);
    pending.push_back({container, name, json::value(*target, ctx.storage), file, fragment, kind});
    ctx.provenance.push_back({bundled, file, fragment});
    return bundled;
  }

  void handle_ref(json::object& obj, json::value& refv, Kind kind, int file, const std::string& ptr) {
    std::string ref_ptr = ptr + "/$ref";
    if (!refv.is_string()) {
      if (kind == Kind::schema_map || kind == Kind::skip) return;  // a property named "$ref"
      ctx.error(file, ref_ptr, "$ref must be a string");
      return;
    }
    std::string ref(refv.as_string());
    std::size_t hash = ref.find('#');
    std::string file_part = ref.substr(0, hash);
    std::string fragment = hash == std::string::npos ? std::string() : ref.substr(hash + 1);
    if (!fragment.empty() && fragment[0] != '/') {
      ctx.error(file, ref_ptr, "$ref '" + ref + "': only JSON pointer fragments (#/...) are supported");
      return;
    }
    // percent-decoding of the fragment (RFC 6901 §6: the pointer is URI-encoded in a URI)
    if (fragment.find('%') != std::string::npos) {
      std::string dec;
      for (std::size_t i = 0; i < fragment.size(); ++i) {
        auto hex = [](char c) -> int {
          if (c >= '0' && c <= '9') return c - '0';
          if (c >= 'a' && c <= 'f') return c - 'a' + 10;
          if (c >= 'A' && c <= 'F') return c - 'A' + 10;
          return -1;
        };
        if (fragment[i] == '%' && i + 2 < fragment.size() + 0 && hex(fragment[i + 1]) >= 0 && hex(fragment[i + 2]) >= 0) {
          dec += static_cast<char>(hex(fragment[i + 1]) * 16 + hex(fragment[i + 2]));
          i += 2;
        } else {
          dec += fragment[i];
        }
      }
      fragment = std::move(dec);
    }
    Kind import_kind = kind;
    if (kind == Kind::skip) import_kind = Kind::schema;
    int target_file = file;
    if (!file_part.empty()) {
      if (file_part.find("://") != std::string::npos) {
        ctx.error(file, ref_ptr, "$ref '" + ref + "': remote references are not supported; download the file and refer to it by a relative path");
        return;
      }
      target_file = ctx.load(join_path(ctx.files[file]->path, file_part), file, ref_ptr);
      if (target_file < 0) return;
    }
    if (target_file == 0) {
      if (!find_pointer(root, fragment) && !find_pointer(ctx.files[0]->root, fragment)) {
        ctx.error(file, ref_ptr, "$ref '" + ref + "': there is nothing at '" + fragment + "' in " + ctx.files[0]->path);
        return;
      }
      if (file != 0) refv = json::string("#" + fragment, ctx.storage);
      return;
    }
    auto bundled = import(target_file, fragment, import_kind, file, ref_ptr, ref);
    if (bundled) refv = json::string("#" + *bundled, ctx.storage);
    (void)obj;
  }

  void walk(json::value& v, Kind kind, int file, std::string& ptr, std::size_t depth) {
    if (kind == Kind::skip || depth > 2000) return;
    if (v.is_array()) {
      auto& arr = v.as_array();
      if (kind != Kind::parameter_list && kind != Kind::schema_list) return;
      for (std::size_t i = 0; i < arr.size(); ++i) {
        std::size_t len = ptr.size();
        ptr += '/';
        ptr += std::to_string(i);
        walk(arr[i], kind == Kind::parameter_list ? Kind::parameter : Kind::schema, file, ptr, depth + 1);
        ptr.resize(len);
      }
      return;
    }
    if (!v.is_object()) return;
    auto& obj = v.as_object();
    bool is_map = kind == Kind::schema_map || kind == Kind::parameter_map || kind == Kind::response_map ||
                  kind == Kind::header_map || kind == Kind::media_map || kind == Kind::example_map ||
                  kind == Kind::link_map || kind == Kind::callback_map || kind == Kind::request_body_map ||
                  kind == Kind::paths || kind == Kind::encoding_map || kind == Kind::callback;
    if (!is_map) {
      if (auto it = obj.find("$ref"); it != obj.end()) {
        handle_ref(obj, it->value(), kind, file, ptr);
        if (kind != Kind::schema) return;  // outside schemas, siblings of $ref are ignored
      }
    }
    if (kind == Kind::schema) {
      if (obj.contains("optional")) {
        std::string p = ptr + "/optional";
        ctx.quirk(file, p, "`optional` is not a JSON Schema keyword (list the property in the parent's `required` instead); ignored");
      }
      if (obj.contains("type-property") && obj.contains("oneOf") && !obj.contains("anyOf")) {
        // Proxmox's discriminated union: the alternatives are told apart by a sibling property
        // (`type-property`, `instance-types`), not by their shape, so as JSON Schema the
        // alternatives often overlap and `oneOf` could never hold. Read it as `anyOf`.
        ctx.quirk(file, ptr + "/oneOf",
                  "`oneOf` with `type-property` (alternatives chosen by a sibling property, not by shape) is read as `anyOf`");
        json::value alternatives = std::move(obj["oneOf"]);
        obj.erase("oneOf");
        obj["anyOf"] = std::move(alternatives);
      }
      if (obj.contains("links") && !obj.contains("$ref")) {
        std::string p = ptr + "/links";
        ctx.quirk(file, p, "`links` is not a JSON Schema keyword; ignored");
      }
    }
    if (kind == Kind::example || kind == Kind::link) return;
    for (auto& kv : obj) {
      Kind ck = is_map ? child_kind(kind, "") : child_kind(kind, kv.key());
      if (is_map && kv.key().size() > 2 && kv.key()[0] == 'x' && kv.key()[1] == '-' && kind != Kind::schema_map &&
          kind != Kind::media_map && kind != Kind::response_map)
        continue;
      if (ck == Kind::skip) continue;
      if (kind == Kind::schema && kv.key() == "items" && kv.value().is_array()) ck = Kind::schema_list;
      std::size_t len = ptr.size();
      append_token(ptr, kv.key());
      walk(kv.value(), ck, file, ptr, depth + 1);
      ptr.resize(len);
    }
  }

  void run() {
    std::string ptr;
    walk(root, Kind::document, 0, ptr, 0);
    for (std::size_t i = 0; i < pending.size(); ++i) {  // pending grows while walking
      Pending& p = pending[i];
      std::string sp = p.source_pointer;
      walk(p.value, p.kind, p.file, sp, 0);
    }
    if (!root.is_object()) return;
    for (auto& p : pending) {
      json::value* cur = &root;
      for (const auto& tok : split_pointer(p.container)) {
        if (!cur->is_object()) break;
        auto& o = cur->as_object();
        auto it = o.find(tok);
        if (it == o.end() || !it->value().is_object()) o[tok] = json::object(ctx.storage);
        cur = &o[tok];
      }
      if (cur->is_object()) cur->as_object()[p.name] = std::move(p.value);
    }
  }
};

}  // namespace

void bundle(LoadContext& ctx, json::value& root) {
  Bundler b{ctx, root, {}, {}, {}};
  b.run();
}

}  // namespace oasis::spec::detail
