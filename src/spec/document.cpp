// spec/document.cpp — loading a document and building the model from the bundled tree.
//
// Order of work: read and parse the root file, find the version, bundle external $refs, convert
// Swagger 2.0, move Proxmox-style query parameters of writes into a body, then hand the finished
// tree to one schema::Compiler and build the Operations, compiling each schema once.
#include "loader.hpp"

#include <oasis/spec/document.hpp>
#include <oasis/spec/lint.hpp>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>
#include <unordered_map>
#include <unordered_set>

namespace json = boost::json;

namespace oasis::spec {

using detail::append_token;
using detail::find_pointer;

// --- small public helpers ------------------------------------------------------------------------

std::string Diagnostic::to_string() const {
  std::string out;
  if (!file.empty()) {
    out += file;
    if (line > 0) {
      out += ':' + std::to_string(line);
      if (column > 0) out += ':' + std::to_string(column);
    }
    out += ": ";
  }
  out += severity == Severity::error ? "error: " : "warning: ";
  out += message;
  out += " [#";
  out += pointer;
  out += ']';
  return out;
}

std::string_view to_string(SpecVersion v) noexcept {
  switch (v) {
    case SpecVersion::swagger20: return "swagger 2.0";
    case SpecVersion::openapi30: return "openapi 3.0";
    case SpecVersion::openapi31: return "openapi 3.1";
  }
  return "?";
}

std::string_view to_string(ParameterIn in) noexcept {
  switch (in) {
    case ParameterIn::path: return "path";
    case ParameterIn::query: return "query";
    case ParameterIn::header: return "header";
    case ParameterIn::cookie: return "cookie";
  }
  return "?";
}

std::string_view to_string(Style s) noexcept {
  switch (s) {
    case Style::simple: return "simple";
    case Style::form: return "form";
    case Style::label: return "label";
    case Style::matrix: return "matrix";
    case Style::deep_object: return "deepObject";
    case Style::space_delimited: return "spaceDelimited";
    case Style::pipe_delimited: return "pipeDelimited";
  }
  return "?";
}

static bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

http::Method method_from_name(std::string_view n) noexcept {
  using M = http::Method;
  if (iequal(n, "get")) return M::GET;
  if (iequal(n, "post")) return M::POST;
  if (iequal(n, "put")) return M::PUT;
  if (iequal(n, "delete")) return M::DELETE;
  if (iequal(n, "patch")) return M::PATCH;
  if (iequal(n, "head")) return M::HEAD;
  if (iequal(n, "options")) return M::OPTIONS;
  if (iequal(n, "trace")) return M::TRACE;
  if (iequal(n, "connect")) return M::CONNECT;
  return M::OTHER;
}

std::string_view method_name(http::Method m) noexcept {
  using M = http::Method;
  switch (m) {
    case M::GET: return "GET";
    case M::HEAD: return "HEAD";
    case M::POST: return "POST";
    case M::PUT: return "PUT";
    case M::DELETE: return "DELETE";
    case M::PATCH: return "PATCH";
    case M::OPTIONS: return "OPTIONS";
    case M::TRACE: return "TRACE";
    case M::CONNECT: return "CONNECT";
    case M::OTHER: return "OTHER";
  }
  return "OTHER";
}

const Response* Operation::find_response(int status) const {
  std::string code = std::to_string(status);
  for (const auto& r : responses)
    if (r.status == code) return &r;
  for (const auto& r : responses)
    if (r.status.size() == 3 && r.status[0] == code[0] && (r.status[1] == 'X' || r.status[1] == 'x') &&
        (r.status[2] == 'X' || r.status[2] == 'x'))
      return &r;
  for (const auto& r : responses)
    if (r.status == "default") return &r;
  return nullptr;
}

const Parameter* Operation::find_parameter(ParameterIn in, std::string_view name) const {
  for (const auto& p : parameters)
    if (p.in == in && (in == ParameterIn::header ? iequal(p.name, name) : p.name == name)) return &p;
  return nullptr;
}

Document::~Document() = default;

const json::object* Document::components() const {
  if (!tree_->is_object()) return nullptr;
  auto it = tree_->as_object().find("components");
  return it != tree_->as_object().end() && it->value().is_object() ? &it->value().as_object() : nullptr;
}

const Operation* Document::find_operation(std::string_view id) const {
  auto it = std::lower_bound(by_operation_id_.begin(), by_operation_id_.end(), id,
                             [](const auto& e, std::string_view k) { return e.first < k; });
  if (it == by_operation_id_.end() || it->first != id) return nullptr;
  return &operations_[it->second];
}

// --- the builder ---------------------------------------------------------------------------------

namespace {

bool is_method_key(std::string_view k) {
  return k == "get" || k == "put" || k == "post" || k == "delete" || k == "options" || k == "head" ||
         k == "patch" || k == "trace";
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const json::value* member(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() ? nullptr : &it->value();
}
std::string string_member(const json::object& o, std::string_view key) {
  const json::value* v = member(o, key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}
bool bool_member(const json::object& o, std::string_view key, bool dflt = false) {
  const json::value* v = member(o, key);
  if (!v) return dflt;
  if (v->is_bool()) return v->as_bool();
  if (v->is_int64()) return v->as_int64() != 0;  // Proxmox writes 0/1
  return dflt;
}

// The template variables of a path: "/a/{b}/c.{d}" → b, d. False when braces do not balance.
bool template_variables(std::string_view path, std::vector<std::string>& out) {
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '}') return false;
    if (path[i] != '{') {
      ++i;
      continue;
    }
    std::size_t close = path.find('}', i);
    if (close == std::string_view::npos) return false;
    std::string_view name = path.substr(i + 1, close - i - 1);
    if (name.empty() || name.find('{') != std::string_view::npos || name.find('/') != std::string_view::npos)
      return false;
    out.emplace_back(name);
    i = close + 1;
  }
  return true;
}

}  // namespace

// --- Proxmox: parameters of writes given `in: query` -------------------------------------------

namespace {

void query_params_to_body(detail::LoadContext& ctx, json::value& root) {
  if (!root.is_object()) return;
  auto pit = root.as_object().find("paths");
  if (pit == root.as_object().end() || !pit->value().is_object()) return;
  const json::storage_ptr& sp = ctx.storage;
  for (auto& path : pit->value().as_object()) {
    if (!path.value().is_object()) continue;
    std::string pp = "/paths";
    append_token(pp, path.key());
    for (auto& m : path.value().as_object()) {
      if (!(m.key() == "post" || m.key() == "put" || m.key() == "patch") || !m.value().is_object()) continue;
      auto& op = m.value().as_object();
      if (op.contains("requestBody")) continue;
      auto params = op.find("parameters");
      if (params == op.end() || !params->value().is_array()) continue;
      std::string op_ptr = pp;
      append_token(op_ptr, m.key());
      json::array keep(sp);
      json::object props(sp);
      json::array required(sp);
      std::vector<std::pair<std::string, std::string>> moved;  // name, source pointer
      auto& arr = params->value().as_array();
      for (std::size_t i = 0; i < arr.size(); ++i) {
        // follow an internal $ref to see where the parameter is (a chain of at most 16)
        const json::value* p = &arr[i];
        for (int hops = 0; hops < 16 && p && p->is_object() && p->as_object().contains("$ref"); ++hops) {
          const json::value& r = p->as_object().at("$ref");
          p = r.is_string() && r.as_string().starts_with("#") ? find_pointer(root, std::string_view(r.as_string()).substr(1))
                                                              : nullptr;
        }
        bool is_query = p && p->is_object() && p->as_object().contains("name") &&
                        p->as_object().at("name").is_string() && p->as_object().contains("in") &&
                        p->as_object().at("in") == "query";
        if (!is_query) {
          std::string from = op_ptr + "/parameters/" + std::to_string(i);
          ctx.provenance.push_back({op_ptr + "/parameters/" + std::to_string(keep.size()), 0, from});
          keep.push_back(arr[i]);
          continue;
        }
        const auto& po = p->as_object();
        std::string name(po.at("name").as_string());
        json::value schema = po.contains("schema") ? po.at("schema") : json::value(json::object(sp));
        if (schema.is_object() && po.contains("description") && !schema.as_object().contains("description"))
          schema.as_object()["description"] = po.at("description");
        props[name] = std::move(schema);
        if (bool_member(po, "required")) required.emplace_back(json::string(name, sp));
        moved.emplace_back(name, op_ptr + "/parameters/" + std::to_string(i));
      }
      if (moved.empty()) continue;
      json::object schema(sp);
      schema["type"] = "object";
      schema["properties"] = std::move(props);
      bool any_required = !required.empty();
      if (any_required) schema["required"] = std::move(required);
      const char* form = "application/x-www-form-urlencoded";
      std::string form_schema_ptr = op_ptr + "/requestBody/content/application~1x-www-form-urlencoded/schema";
      json::object content(sp), fm(sp), jm(sp), ref(sp);
      fm["schema"] = std::move(schema);
      ref["$ref"] = "#" + form_schema_ptr;
      jm["schema"] = std::move(ref);
      content[form] = std::move(fm);
      content["application/json"] = std::move(jm);
      json::object rb(sp);
      rb["required"] = any_required;
      rb["content"] = std::move(content);
      rb["x-oasis-from-query"] = true;
      op["requestBody"] = std::move(rb);
      if (keep.empty())
        op.erase("parameters");
      else
        op["parameters"] = std::move(keep);
      for (const auto& [name, from] : moved) {
        std::string d = form_schema_ptr + "/properties";
        append_token(d, name);
        ctx.provenance.push_back({d, 0, from + "/schema"});
      }
      ctx.provenance.push_back({op_ptr + "/requestBody", 0, op_ptr});
      std::string upper = m.key() == "post" ? "POST" : m.key() == "put" ? "PUT" : "PATCH";
      ctx.warning(0, op_ptr,
                  upper + " with " + std::to_string(moved.size()) +
                      " parameter(s) given `in: query`: read as fields of a form or JSON request body");
    }
  }
}

}  // namespace

// Friend of Document: fills it in.
struct DocumentBuilder {
  detail::LoadContext& ctx;
  Document& doc;
  const json::value& root;
  schema::Compiler& compiler;
  std::unordered_map<std::string, std::string> operation_ids;  // id → pointer of its first use

  static LoadResult load(std::optional<std::string_view> text, std::string name, const LoadOptions& opts);

  // Follows internal $refs from the node at `ptr` to an object; cycles and dangling refs are
  // errors. `what` names the kind of object for messages ("parameter").
  const json::object* resolve(const json::value& v, std::string& ptr, std::string_view what) {
    const json::value* cur = &v;
    std::vector<std::string> chain;
    for (int hops = 0;; ++hops) {
      if (!cur->is_object()) {
        ctx.error(-1, ptr, std::string("expected a ") + std::string(what) + " object, found " + kind_of(*cur));
        return nullptr;
      }
      const auto& o = cur->as_object();
      const json::value* r = member(o, "$ref");
      if (!r) return &o;
      if (!r->is_string() || r->as_string().empty() || r->as_string()[0] != '#') {
        ctx.error(-1, ptr + "/$ref", "$ref must be a string naming a place in the document");
        return nullptr;
      }
      std::string target(std::string_view(r->as_string()).substr(1));
      chain.push_back(ptr);
      if (std::find(chain.begin(), chain.end(), target) != chain.end() || hops > 64) {
        std::string path;
        for (const auto& c : chain) path += "#" + c + " → ";
        path += "#" + target;
        ctx.error(-1, chain.front(), std::string("$ref cycle through ") + std::string(what) + " objects: " + path);
        return nullptr;
      }
      const json::value* next = find_pointer(root, target);
      if (!next) {
        ctx.error(-1, ptr + "/$ref", "$ref '#" + target + "': there is nothing at that pointer");
        return nullptr;
      }
      ptr = target;
      cur = next;
    }
  }

  static std::string kind_of(const json::value& v) {
    switch (v.kind()) {
      case json::kind::null: return "null";
      case json::kind::bool_: return "a boolean";
      case json::kind::int64:
      case json::kind::uint64:
      case json::kind::double_: return "a number";
      case json::kind::string: return "a string";
      case json::kind::array: return "an array";
      case json::kind::object: return "an object";
    }
    return "?";
  }

  schema::SchemaRef compile(const std::string& ptr) { return compiler.compile(ptr); }

  std::vector<Example> examples_of(const json::object& o, const std::string& ptr) {
    std::vector<Example> out;
    if (const json::value* e = member(o, "example")) out.push_back({"", e});
    if (const json::value* ex = member(o, "examples"); ex && ex->is_object()) {
      for (const auto& kv : ex->as_object()) {
        std::string p = ptr + "/examples";
        append_token(p, kv.key());
        if (kv.value().is_object() && kv.value().as_object().contains("$ref")) {
          const json::object* eo = resolve(kv.value(), p, "example");
          if (!eo) continue;
          if (const json::value* v = member(*eo, "value")) out.push_back({std::string(kv.key()), v});
        } else if (kv.value().is_object()) {
          if (const json::value* v = member(kv.value().as_object(), "value")) out.push_back({std::string(kv.key()), v});
        }
      }
    }
    return out;
  }

  std::vector<MediaType> content_of(const json::object& o, const std::string& ptr) {
    std::vector<MediaType> out;
    const json::value* c = member(o, "content");
    if (!c) return out;
    std::string cptr = ptr + "/content";
    if (!c->is_object()) {
      ctx.error(-1, cptr, "`content` must be a map of media types");
      return out;
    }
    for (const auto& kv : c->as_object()) {
      MediaType mt;
      mt.type = lower(kv.key());
      std::string mptr = cptr;
      append_token(mptr, kv.key());
      if (!kv.value().is_object()) {
        ctx.error(-1, mptr, "a media type must be an object");
        continue;
      }
      const auto& m = kv.value().as_object();
      if (member(m, "schema")) {
        mt.schema_pointer = mptr + "/schema";
        mt.schema = compile(mt.schema_pointer);
      }
      mt.examples = examples_of(m, mptr);
      out.push_back(std::move(mt));
    }
    return out;
  }

  bool parameter(const json::value& v, std::string ptr, Parameter& p) {
    const json::object* o = resolve(v, ptr, "parameter");
    if (!o) return false;
    p.pointer = ptr;
    p.name = string_member(*o, "name");
    if (p.name.empty()) {
      ctx.error(-1, ptr, "a parameter needs a `name`");
      return false;
    }
    std::string in = string_member(*o, "in");
    if (in == "path")
      p.in = ParameterIn::path;
    else if (in == "query")
      p.in = ParameterIn::query;
    else if (in == "header")
      p.in = ParameterIn::header;
    else if (in == "cookie")
      p.in = ParameterIn::cookie;
    else {
      ctx.error(-1, ptr + "/in", "parameter '" + p.name + "': `in` must be path, query, header or cookie; found '" + in + "'");
      return false;
    }
    p.required = bool_member(*o, "required");
    p.deprecated = bool_member(*o, "deprecated");
    p.allow_empty_value = bool_member(*o, "allowEmptyValue");
    p.allow_reserved = bool_member(*o, "allowReserved");
    p.style = (p.in == ParameterIn::query || p.in == ParameterIn::cookie) ? Style::form : Style::simple;
    if (const json::value* s = member(*o, "style")) {
      std::string st = s->is_string() ? std::string(s->as_string()) : std::string();
      bool ok = true;
      if (st == "simple") p.style = Style::simple;
      else if (st == "form") p.style = Style::form;
      else if (st == "label") p.style = Style::label;
      else if (st == "matrix") p.style = Style::matrix;
      else if (st == "deepObject") p.style = Style::deep_object;
      else if (st == "spaceDelimited") p.style = Style::space_delimited;
      else if (st == "pipeDelimited") p.style = Style::pipe_delimited;
      else ok = false;
      bool fits = true;
      switch (p.style) {
        case Style::simple: fits = p.in == ParameterIn::path || p.in == ParameterIn::header; break;
        case Style::label:
        case Style::matrix: fits = p.in == ParameterIn::path; break;
        case Style::form: fits = p.in == ParameterIn::query || p.in == ParameterIn::cookie; break;
        default: fits = p.in == ParameterIn::query;
      }
      if (!ok)
        ctx.quirk(-1, ptr + "/style", "unknown style '" + st + "'; the default for `in: " + in + "` is used");
      else if (!fits)
        ctx.quirk(-1, ptr + "/style", "style '" + st + "' is not defined for `in: " + in + "`");
    }
    p.explode = bool_member(*o, "explode", p.style == Style::form);
    if (member(*o, "schema")) {
      p.schema = compile(ptr + "/schema");
    } else if (const json::value* c = member(*o, "content"); c && c->is_object() && !c->as_object().empty()) {
      const auto& first = *c->as_object().begin();
      p.content_type = lower(first.key());
      std::string sp = ptr + "/content";
      append_token(sp, first.key());
      if (first.value().is_object() && first.value().as_object().contains("schema")) p.schema = compile(sp + "/schema");
    }
    return true;
  }

  void merge_parameters(const json::value* list, const std::string& list_ptr, std::vector<Parameter>& out) {
    if (!list) return;
    if (!list->is_array()) {
      ctx.error(-1, list_ptr, "`parameters` must be an array");
      return;
    }
    const auto& arr = list->as_array();
    for (std::size_t i = 0; i < arr.size(); ++i) {
      Parameter p;
      if (!parameter(arr[i], list_ptr + "/" + std::to_string(i), p)) continue;
      // RFC: these headers are described elsewhere (content negotiation, security)
      if (p.in == ParameterIn::header &&
          (iequal(p.name, "Accept") || iequal(p.name, "Content-Type") || iequal(p.name, "Authorization")))
        continue;
      auto same = [&](const Parameter& q) {
        return q.in == p.in && (p.in == ParameterIn::header ? iequal(q.name, p.name) : q.name == p.name);
      };
      auto it = std::find_if(out.begin(), out.end(), same);
      if (it != out.end())
        *it = std::move(p);
      else
        out.push_back(std::move(p));
    }
  }

  static bool valid_status(std::string_view s) {
    if (s == "default") return true;
    if (s.size() != 3 || s[0] < '1' || s[0] > '5') return false;
    if ((s[1] == 'X' || s[1] == 'x') && (s[2] == 'X' || s[2] == 'x')) return true;
    return std::isdigit(static_cast<unsigned char>(s[1])) && std::isdigit(static_cast<unsigned char>(s[2]));
  }

  void responses(const json::object& op, const std::string& op_ptr, Operation& out) {
    const json::value* rs = member(op, "responses");
    std::string rptr = op_ptr + "/responses";
    if (!rs) {
      ctx.quirk(-1, op_ptr, "the operation has no `responses`");
      return;
    }
    if (!rs->is_object()) {
      ctx.error(-1, rptr, "`responses` must be a map of status codes");
      return;
    }
    for (const auto& kv : rs->as_object()) {
      std::string key(kv.key());
      if (key.size() > 2 && key[0] == 'x' && key[1] == '-') continue;
      std::string ptr = rptr;
      append_token(ptr, key);
      if (!valid_status(key)) ctx.quirk(-1, ptr, "'" + key + "' is not a status code, a range like 2XX, or default");
      const json::object* r = resolve(kv.value(), ptr, "response");
      if (!r) continue;
      Response resp;
      resp.status = key;
      resp.pointer = ptr;
      resp.description = string_member(*r, "description");
      if (const json::value* hs = member(*r, "headers"); hs && hs->is_object()) {
        for (const auto& h : hs->as_object()) {
          if (iequal(h.key(), "Content-Type")) continue;  // described by content
          std::string hptr = ptr + "/headers";
          append_token(hptr, h.key());
          const json::object* ho = resolve(h.value(), hptr, "header");
          if (!ho) continue;
          Header hd;
          hd.name = std::string(h.key());
          hd.pointer = hptr;
          hd.required = bool_member(*ho, "required");
          if (member(*ho, "schema")) hd.schema = compile(hptr + "/schema");
          resp.headers.push_back(std::move(hd));
        }
      }
      resp.content = content_of(*r, ptr);
      out.responses.push_back(std::move(resp));
    }
  }

  void operation(const json::object& op, const std::string& op_ptr, std::string_view method, const std::string& path,
                 const std::vector<Parameter>& path_level, const std::vector<std::string>& vars) {
    Operation o;
    o.method = method_from_name(method);
    o.method_name = std::string(method_name(o.method));
    o.path = path;
    o.pointer = op_ptr;
    o.operation_id = string_member(op, "operationId");
    o.summary = string_member(op, "summary");
    o.description = string_member(op, "description");
    o.deprecated = bool_member(op, "deprecated");
    if (const json::value* t = member(op, "tags"); t && t->is_array())
      for (const auto& tag : t->as_array())
        if (tag.is_string()) o.tags.emplace_back(tag.as_string());
    if (!o.operation_id.empty()) {
      auto [it, fresh] = operation_ids.emplace(o.operation_id, op_ptr);
      if (!fresh)
        ctx.error(-1, op_ptr + "/operationId",
                  "duplicate operationId '" + o.operation_id + "' (first used at #" + it->second + ")");
    }
    o.parameters = path_level;
    merge_parameters(member(op, "parameters"), op_ptr + "/parameters", o.parameters);

    // the path template and the path parameters must agree
    for (auto& p : o.parameters) {
      if (p.in != ParameterIn::path) continue;
      if (std::find(vars.begin(), vars.end(), p.name) == vars.end()) {
        ctx.error(-1, p.pointer, "path parameter '" + p.name + "' does not appear in the path template '" + path + "'");
      } else if (!p.required) {
        ctx.quirk(-1, p.pointer, "path parameter '" + p.name + "' must be `required: true`; treated as required");
        p.required = true;
      }
    }
    for (const auto& v : vars) {
      bool declared = std::any_of(o.parameters.begin(), o.parameters.end(),
                                  [&](const Parameter& p) { return p.in == ParameterIn::path && p.name == v; });
      if (!declared)
        ctx.error(-1, op_ptr, "the path template '" + path + "' has {" + v + "} but the operation declares no path parameter '" + v + "'");
    }

    if (const json::value* rb = member(op, "requestBody")) {
      std::string ptr = op_ptr + "/requestBody";
      if (const json::object* b = resolve(*rb, ptr, "request body")) {
        RequestBody body;
        body.pointer = ptr;
        body.required = bool_member(*b, "required");
        body.from_query_parameters = bool_member(*b, "x-oasis-from-query");
        body.content = content_of(*b, ptr);
        o.request_body = std::move(body);
      }
    }
    responses(op, op_ptr, o);
    if (const json::value* s = member(op, "security"))
      o.security = s;
    else if (root.is_object())
      o.security = member(root.as_object(), "security");
    o.index = doc.operations_.size();
    doc.operations_.push_back(std::move(o));
  }

  void servers() {
    const json::object& r = root.as_object();
    const json::value* ss = member(r, "servers");
    if (!ss || !ss->is_array()) return;
    for (const auto& s : ss->as_array()) {
      if (!s.is_object()) continue;
      Server sv;
      std::string url = string_member(s.as_object(), "url");
      sv.description = string_member(s.as_object(), "description");
      // variables replaced by their defaults
      if (const json::value* vars = member(s.as_object(), "variables"); vars && vars->is_object()) {
        for (const auto& kv : vars->as_object()) {
          std::string dflt = kv.value().is_object() ? string_member(kv.value().as_object(), "default") : std::string();
          std::string token = "{" + std::string(kv.key()) + "}";
          for (std::size_t pos; (pos = url.find(token)) != std::string::npos;) url.replace(pos, token.size(), dflt);
        }
      }
      sv.url = url;
      std::string path = url;
      if (auto scheme = url.find("://"); scheme != std::string::npos) {
        auto slash = url.find('/', scheme + 3);
        path = slash == std::string::npos ? std::string() : url.substr(slash);
      }
      if (auto q = path.find_first_of("?#"); q != std::string::npos) path.resize(q);
      while (!path.empty() && path.back() == '/') path.pop_back();
      sv.base_path = path;
      doc.servers_.push_back(std::move(sv));
    }
  }

  void paths() {
    const json::object& r = root.as_object();
    const json::value* ps = member(r, "paths");
    if (!ps) {
      if (doc.version_ != SpecVersion::openapi31) ctx.error(-1, "", "the document has no `paths`");
      return;
    }
    if (!ps->is_object()) {
      ctx.error(-1, "/paths", "`paths` must be a map of path templates");
      return;
    }
    for (const auto& kv : ps->as_object()) {
      std::string path(kv.key());
      if (path.size() > 2 && path[0] == 'x' && path[1] == '-') continue;
      ++doc.path_count_;
      std::string ptr = "/paths";
      append_token(ptr, path);
      if (path.empty() || path[0] != '/') ctx.quirk(-1, ptr, "the path '" + path + "' must begin with '/'");
      std::vector<std::string> vars;
      if (!template_variables(path, vars)) {
        ctx.error(-1, ptr, "the path template '" + path + "' has unbalanced or empty braces");
        continue;
      }
      std::string item_ptr = ptr;
      const json::object* item = resolve(kv.value(), item_ptr, "path item");
      if (!item) continue;
      std::vector<Parameter> path_level;
      merge_parameters(member(*item, "parameters"), item_ptr + "/parameters", path_level);
      for (const auto& m : *item) {
        if (!is_method_key(m.key())) continue;
        std::string op_ptr = item_ptr;
        append_token(op_ptr, m.key());
        if (!m.value().is_object()) {
          ctx.error(-1, op_ptr, "an operation must be an object");
          continue;
        }
        operation(m.value().as_object(), op_ptr, m.key(), path, path_level, vars);
      }
    }
  }

  void component_schemas() {
    const json::object* c = doc.components();
    if (!c) return;
    const json::value* s = member(*c, "schemas");
    if (!s || !s->is_object()) return;
    for (const auto& kv : s->as_object()) {
      std::string ptr = "/components/schemas";
      append_token(ptr, kv.key());
      doc.component_schemas_.emplace_back(std::string(kv.key()),
                                          ctx.opts.compile_component_schemas ? compile(ptr) : nullptr);
    }
  }
};

LoadResult DocumentBuilder::load(std::optional<std::string_view> text, std::string name, const LoadOptions& opts) {
  LoadResult result;
  detail::LoadContext ctx{opts, json::make_shared_resource<json::monotonic_resource>(), {}, {}, {}, {}, false, false, {}};
  ctx.root_name = name;
  try {
    if (text) {
      auto f = std::make_unique<detail::SourceFile>();
      f->path = name;
      f->text = std::string(*text);
      detail::ParseError perr;
      bool ok = f->text.size() <= opts.max_file_bytes && f->parse(ctx.storage, opts.max_depth, perr);
      if (f->text.size() > opts.max_file_bytes) perr.message = "the document is larger than the limit";
      ctx.file_index.emplace(name, 0);
      ctx.files.push_back(std::move(f));
      if (!ok) {
        ctx.diagnostics.push_back({Severity::error, 0, "", perr.message, perr.where});
        ctx.failed = true;
      }
    } else {
      ctx.load(name, -1, "");
    }
    if (ctx.failed) {
      result.diagnostics = ctx.finish();
      return result;
    }
    json::value& root = ctx.files[0]->root;
    if (!root.is_object()) {
      ctx.error(0, "", "an OpenAPI document must be a JSON object (a YAML mapping)");
      result.diagnostics = ctx.finish();
      return result;
    }
    std::unique_ptr<Document> doc(new Document());
    doc->file_ = name;
    const auto& ro = root.as_object();
    if (const json::value* v = member(ro, "openapi")) {
      std::string s = v->is_string() ? std::string(v->as_string()) : std::string();
      if (!v->is_string()) {
        ctx.error(0, "/openapi", "`openapi` must be a string such as \"3.0.3\" (quote it in YAML)");
      } else if (s.starts_with("3.0.") || s == "3.0") {
        doc->version_ = SpecVersion::openapi30;
        doc->dialect_ = schema::Dialect::openapi30;
      } else if (s.starts_with("3.1.") || s == "3.1") {
        doc->version_ = SpecVersion::openapi31;
        doc->dialect_ = schema::Dialect::jsonschema2020;
      } else {
        ctx.error(0, "/openapi", "unsupported OpenAPI version '" + s + "'; expected 3.0.x, 3.1.x or Swagger 2.0");
      }
      doc->version_string_ = s;
    } else if (const json::value* v = member(ro, "swagger")) {
      if (v->is_string() && v->as_string() == "2.0") {
      } else if (v->is_number() && v->to_number<double>() == 2.0) {
        ctx.quirk(0, "/swagger", "`swagger` must be the string \"2.0\" (quote it in YAML)");
      } else {
        ctx.error(0, "/swagger", "unsupported Swagger version " + json::serialize(*v) + "; expected \"2.0\"");
      }
      doc->version_ = SpecVersion::swagger20;
      doc->dialect_ = schema::Dialect::swagger20;
      doc->version_string_ = "2.0";
      ctx.swagger = true;
    } else {
      ctx.error(0, "", "missing version: expected an `openapi` (3.0.x, 3.1.x) or `swagger` (\"2.0\") field");
    }
    if (ctx.failed) {
      result.diagnostics = ctx.finish();
      return result;
    }
    if (const json::value* info = member(ro, "info"); info && info->is_object()) {
      doc->title_ = string_member(info->as_object(), "title");
      doc->api_version_ = string_member(info->as_object(), "version");
    } else {
      ctx.quirk(0, "", "the document has no `info` object");
    }

    detail::bundle(ctx, root);
    if (ctx.swagger) detail::convert_swagger(ctx, root);
    if (opts.query_params_of_writes_are_body) query_params_to_body(ctx, root);
    if (ctx.failed) {
      result.diagnostics = ctx.finish();
      return result;
    }

    doc->tree_ = std::make_shared<const json::value>(std::move(root));
    doc->compiler_ = std::make_unique<schema::Compiler>(doc->tree_, schema::CompileOptions{doc->dialect_, opts.strict});
    DocumentBuilder b{ctx, *doc, *doc->tree_, *doc->compiler_, {}};
    b.servers();
    b.paths();
    b.component_schemas();
    // The model is complete and read-only from here: give back what vector growth reserved
    // (on a document of a thousand operations, a third of a megabyte).
    doc->operations_.shrink_to_fit();
    for (auto& op : doc->operations_) {
      op.parameters.shrink_to_fit();
      op.responses.shrink_to_fit();
      for (auto& r : op.responses) r.content.shrink_to_fit();
    }
    if (opts.lint)
      for (auto& d : lint(*doc)) ctx.warning(-1, std::move(d.pointer), std::move(d.message));
    for (const auto& d : doc->compiler_->diagnostics()) {
      if (d.error)
        ctx.error(-1, d.pointer, d.message);
      else
        ctx.warning(-1, d.pointer, d.message);
    }
    for (const auto& op : doc->operations_)
      if (!op.operation_id.empty()) doc->by_operation_id_.emplace_back(op.operation_id, op.index);
    std::sort(doc->by_operation_id_.begin(), doc->by_operation_id_.end());
    doc->by_operation_id_.erase(
        std::unique(doc->by_operation_id_.begin(), doc->by_operation_id_.end(),
                    [](const auto& a, const auto& b) { return a.first == b.first; }),
        doc->by_operation_id_.end());
    result.diagnostics = ctx.finish();
    if (!ctx.failed) {
      doc->diagnostics_ = result.diagnostics;
      result.document = std::move(doc);
    }
  } catch (const std::exception& e) {
    // the loader reports problems as diagnostics; this is the net under anything unforeseen
    result.document.reset();
    result.diagnostics = ctx.finish();
    result.diagnostics.push_back({Severity::error, name, 0, 0, "", std::string("internal error while loading: ") + e.what()});
  }
  return result;
}

LoadResult Document::load_file(const std::string& path, const LoadOptions& opts) {
  return DocumentBuilder::load(std::nullopt, path, opts);
}

LoadResult Document::load_string(std::string_view text, std::string_view name, const LoadOptions& opts) {
  return DocumentBuilder::load(text, name.empty() ? std::string("<document>") : std::string(name), opts);
}

}  // namespace oasis::spec
