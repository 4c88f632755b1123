// spec/swagger.cpp — Swagger 2.0 rewritten into the OpenAPI 3.0 shape, so one model builder
// serves every version.
//
// definitions → components/schemas, parameters/responses → components/..., body and formData
// parameters → requestBody (media types from consumes), response schemas → content (media types
// from produces), host + basePath + schemes → servers, securityDefinitions → securitySchemes,
// collectionFormat → style/explode. The schemas themselves are left as Swagger 2.0 schemas
// (`type: file`, `x-nullable`): the schema Compiler reads them in its swagger20 dialect.
// Each moved piece gets a provenance entry, so a diagnostic still names the original place.
#include "loader.hpp"

namespace json = boost::json;

namespace oasis::spec::detail {

namespace {

struct Converter {
  LoadContext& ctx;
  json::object& src;
  json::storage_ptr sp;
  json::array global_consumes, global_produces;

  void provenance(std::string bundled, std::string source) {
    ctx.provenance.push_back({std::move(bundled), 0, std::move(source)});
  }

  static const json::array* array_of(const json::object& o, std::string_view key) {
    auto it = o.find(key);
    return it != o.end() && it->value().is_array() ? &it->value().as_array() : nullptr;
  }
  static std::string string_of(const json::object& o, std::string_view key) {
    auto it = o.find(key);
    return it != o.end() && it->value().is_string() ? std::string(it->value().as_string()) : std::string();
  }

  // Follows "#/parameters/X" inside the Swagger tree (a chain of at most 32 refs).
  const json::object* resolve_param(const json::value& v, std::string& where) {
    const json::value* cur = &v;
    for (int hops = 0; hops < 32; ++hops) {
      if (!cur->is_object()) return nullptr;
      const auto& o = cur->as_object();
      auto it = o.find("$ref");
      if (it == o.end() || !it->value().is_string()) return &o;
      std::string_view ref = it->value().as_string();
      if (ref.empty() || ref[0] != '#') return nullptr;
      where = std::string(ref.substr(1));
      cur = find_pointer_in_src(where);
      if (!cur) return nullptr;
    }
    return nullptr;
  }
  const json::value* find_pointer_in_src(const std::string& ptr) {
    auto toks = split_pointer(ptr);
    if (toks.empty()) return nullptr;
    auto it = src.find(toks[0]);
    if (it == src.end()) return nullptr;
    const json::value* cur = &it->value();
    std::string rest;
    for (std::size_t i = 1; i < toks.size(); ++i) append_token(rest, toks[i]);
    return find_pointer(*cur, rest);
  }

  // A non-body parameter in the 3.0 shape: the type keywords move into `schema`.
  json::object convert_parameter(const json::object& p, const std::string& src_ptr) {
    json::object out(sp);
    json::object schema(sp);
    std::string in = string_of(p, "in");
    for (const auto& kv : p) {
      std::string_view k = kv.key();
      if (k == "name" || k == "in" || k == "description" || k == "required" || k == "allowEmptyValue" ||
          k == "deprecated")
        out[k] = kv.value();
      else if (k == "collectionFormat" || k == "x-example")
        continue;
      else if (k.size() > 2 && k[0] == 'x' && k[1] == '-')
        out[k] = kv.value();
      else
        schema[k] = kv.value();
    }
    std::string cf = string_of(p, "collectionFormat");
    if (cf.empty()) cf = "csv";
    bool is_array = string_of(p, "type") == "array";
    if (is_array) {
      if (cf == "csv") {
        out["style"] = (in == "query" || in == "cookie") ? "form" : "simple";
        out["explode"] = false;
      } else if (cf == "ssv") {
        out["style"] = "spaceDelimited";
        out["explode"] = false;
      } else if (cf == "pipes") {
        out["style"] = "pipeDelimited";
        out["explode"] = false;
      } else if (cf == "multi") {
        out["style"] = "form";
        out["explode"] = true;
      } else {
        ctx.quirk(0, src_ptr + "/collectionFormat",
                  "collectionFormat '" + cf + "' has no OpenAPI 3 style; read as csv");
        out["style"] = in == "query" ? "form" : "simple";
        out["explode"] = false;
      }
    }
    out["schema"] = std::move(schema);
    return out;
  }

  json::array media_types(const json::object& op, std::string_view key, const json::array& global) {
    if (const json::array* a = array_of(op, key); a && !a->empty()) return json::array(*a, sp);
    if (!global.empty()) return json::array(global, sp);
    json::array d(sp);
    d.emplace_back("application/json");
    return d;
  }

  json::object convert_response(const json::object& r, const json::array& produces, const std::string& dst_ptr,
                                const std::string& src_ptr) {
    json::object out(sp);
    if (auto it = r.find("$ref"); it != r.end() && it->value().is_string()) {
      out["$ref"] = it->value();
      return out;
    }
    out["description"] = r.contains("description") ? r.at("description") : json::value("");
    if (auto it = r.find("headers"); it != r.end() && it->value().is_object()) {
      json::object headers(sp);
      for (const auto& h : it->value().as_object()) {
        if (!h.value().is_object()) continue;
        json::object ho(sp), schema(sp);
        for (const auto& kv : h.value().as_object()) {
          if (kv.key() == "description")
            ho["description"] = kv.value();
          else if (kv.key() != "collectionFormat")
            schema[kv.key()] = kv.value();
        }
        ho["schema"] = std::move(schema);
        std::string hd = dst_ptr + "/headers", hs = src_ptr + "/headers";
        append_token(hd, h.key());
        append_token(hs, h.key());
        provenance(hd + "/schema", hs);
        headers[h.key()] = std::move(ho);
      }
      out["headers"] = std::move(headers);
    }
    json::object content(sp);
    auto sit = r.find("schema");
    if (sit != r.end()) {
      for (const auto& mt : produces) {
        if (!mt.is_string()) continue;
        json::object m(sp);
        m["schema"] = sit->value();
        std::string d = dst_ptr + "/content";
        append_token(d, mt.as_string());
        provenance(d + "/schema", src_ptr + "/schema");
        content[mt.as_string()] = std::move(m);
      }
    }
    if (auto it = r.find("examples"); it != r.end() && it->value().is_object()) {
      for (const auto& ex : it->value().as_object()) {
        auto c = content.find(ex.key());
        if (c == content.end()) {
          json::object m(sp);
          if (sit != r.end()) m["schema"] = sit->value();
          content[ex.key()] = std::move(m);
          c = content.find(ex.key());
        }
        c->value().as_object()["example"] = ex.value();
      }
    }
    if (!content.empty()) out["content"] = std::move(content);
    for (const auto& kv : r)
      if (kv.key().size() > 2 && kv.key()[0] == 'x' && kv.key()[1] == '-') out[kv.key()] = kv.value();
    return out;
  }

  json::object convert_body(const json::object& body, const json::array& consumes) {
    json::object rb(sp);
    if (body.contains("description")) rb["description"] = body.at("description");
    rb["required"] = body.contains("required") ? body.at("required") : json::value(false);
    json::object content(sp);
    json::value schema = body.contains("schema") ? body.at("schema") : json::value(json::object(sp));
    for (const auto& mt : consumes) {
      if (!mt.is_string()) continue;
      json::object m(sp);
      m["schema"] = schema;
      content[mt.as_string()] = std::move(m);
    }
    rb["content"] = std::move(content);
    return rb;
  }

  struct SwaggerParam {
    const json::object* p;
    std::string source_ptr;  // where it is written (after $ref)
    std::string use_ptr;     // where it is used (the list entry)
    const json::value* raw;  // the list entry itself (maybe a $ref)
  };

  // Splits a parameter list into body, formData and the rest, resolving $refs.
  void collect(const json::value* list, const std::string& list_ptr, std::vector<SwaggerParam>& out) {
    if (!list || !list->is_array()) return;
    const auto& arr = list->as_array();
    for (std::size_t i = 0; i < arr.size(); ++i) {
      std::string use = list_ptr + "/" + std::to_string(i);
      std::string where = use;
      const json::object* p = resolve_param(arr[i], where);
      if (!p) {
        // unresolvable or cyclic: keep the entry so the model builder reports it
        out.push_back({nullptr, where, use, &arr[i]});
        continue;
      }
      auto key = [](const json::object& o) { return string_of(o, "name") + "\n" + string_of(o, "in"); };
      bool replaced = false;
      for (auto& e : out)
        if (e.p && key(*e.p) == key(*p)) {
          e = {p, where, use, &arr[i]};
          replaced = true;
        }
      if (!replaced) out.push_back({p, where, use, &arr[i]});
    }
  }

  json::object convert_operation(const json::object& op, const json::value* path_params, const std::string& op_ptr,
                                 const std::string& path_ptr) {
    json::object out(sp);
    for (const auto& kv : op) {
      std::string_view k = kv.key();
      if (k == "tags" || k == "summary" || k == "description" || k == "externalDocs" || k == "operationId" ||
          k == "deprecated" || k == "security" || (k.size() > 2 && k[0] == 'x' && k[1] == '-'))
        out[k] = kv.value();
    }
    json::array consumes = media_types(op, "consumes", global_consumes);
    json::array produces = media_types(op, "produces", global_produces);

    std::vector<SwaggerParam> path_level, op_level;
    collect(path_params, path_ptr + "/parameters", path_level);
    auto opit = op.find("parameters");
    collect(opit == op.end() ? nullptr : &opit->value(), op_ptr + "/parameters", op_level);

    // body and formData parameters of the path level apply unless the operation redefines them
    std::vector<SwaggerParam> body_like;
    auto in_of = [](const SwaggerParam& s) { return s.p ? string_of(*s.p, "in") : std::string(); };
    for (const auto& s : op_level)
      if (in_of(s) == "body" || in_of(s) == "formData") body_like.push_back(s);
    for (const auto& s : path_level) {
      if (in_of(s) != "body" && in_of(s) != "formData") continue;
      bool shadowed = false;
      for (const auto& o : body_like)
        if (string_of(*o.p, "name") == string_of(*s.p, "name") && in_of(o) == in_of(s)) shadowed = true;
      if (!shadowed) body_like.push_back(s);
    }

    json::array params(sp);
    for (const auto& s : op_level) {
      std::string in = in_of(s);
      if (in == "body" || in == "formData") continue;
      std::string dst = op_ptr + "/parameters/" + std::to_string(params.size());
      if (s.p && s.raw->is_object() && s.raw->as_object().contains("$ref")) {
        json::object r(sp);
        r["$ref"] = s.raw->as_object().at("$ref");
        params.push_back(std::move(r));
      } else if (s.p) {
        params.push_back(convert_parameter(*s.p, s.source_ptr));
      } else {
        params.push_back(*s.raw);
      }
      provenance(dst, s.use_ptr);
    }
    if (!params.empty()) out["parameters"] = std::move(params);

    const SwaggerParam* body = nullptr;
    std::vector<const SwaggerParam*> form;
    for (const auto& s : body_like) {
      if (in_of(s) == "body") {
        if (body) ctx.error(0, s.use_ptr, "an operation can have only one body parameter");
        body = &s;
      } else {
        form.push_back(&s);
      }
    }
    if (body && !form.empty())
      ctx.error(0, form.front()->use_ptr, "body and formData parameters cannot be used together");
    if (body) {
      out["requestBody"] = convert_body(*body->p, consumes);
      provenance(op_ptr + "/requestBody", body->source_ptr);
      for (const auto& mt : consumes)
        if (mt.is_string()) {
          std::string d = op_ptr + "/requestBody/content";
          append_token(d, mt.as_string());
          provenance(d + "/schema", body->source_ptr + "/schema");
        }
    } else if (!form.empty()) {
      json::object schema(sp), props(sp);
      json::array required(sp);
      bool has_file = false;
      schema["type"] = "object";
      for (const SwaggerParam* f : form) {
        std::string name = string_of(*f->p, "name");
        json::object conv = convert_parameter(*f->p, f->source_ptr);
        json::value s = conv["schema"];
        if (s.is_object() && string_of(s.as_object(), "type") == "file") has_file = true;
        if (f->p->contains("description") && s.is_object()) s.as_object()["description"] = f->p->at("description");
        props[name] = std::move(s);
        if (auto it = f->p->find("required"); it != f->p->end() && it->value().is_bool() && it->value().as_bool())
          required.emplace_back(json::string(name, sp));
      }
      schema["properties"] = std::move(props);
      if (!required.empty()) schema["required"] = required;
      json::array types(sp);
      for (const auto& mt : consumes)
        if (mt.is_string() && (mt.as_string() == "application/x-www-form-urlencoded" || mt.as_string() == "multipart/form-data"))
          types.push_back(mt);
      if (types.empty()) types.emplace_back(has_file ? "multipart/form-data" : "application/x-www-form-urlencoded");
      json::object rb(sp), content(sp);
      rb["required"] = !required.empty();
      for (const auto& mt : types) {
        json::object m(sp);
        m["schema"] = schema;
        std::string d = op_ptr + "/requestBody/content";
        append_token(d, mt.as_string());
        for (const SwaggerParam* f : form) {
          std::string dp = d + "/schema/properties";
          append_token(dp, string_of(*f->p, "name"));
          provenance(dp, f->source_ptr);
        }
        content[mt.as_string()] = std::move(m);
      }
      rb["content"] = std::move(content);
      out["requestBody"] = std::move(rb);
    }

    if (auto rit = op.find("responses"); rit != op.end() && rit->value().is_object()) {
      json::object responses(sp);
      for (const auto& r : rit->value().as_object()) {
        std::string d = op_ptr + "/responses";
        append_token(d, r.key());
        if (!r.value().is_object()) {
          responses[r.key()] = r.value();
          continue;
        }
        responses[r.key()] = convert_response(r.value().as_object(), produces, d, d);
      }
      out["responses"] = std::move(responses);
    } else if (rit != op.end()) {
      out["responses"] = rit->value();
    }
    return out;
  }

  json::value run() {
    json::object out(sp);
    out["openapi"] = "3.0.3";
    out["x-oasis-converted-from"] = "2.0";
    if (auto* a = array_of(src, "consumes")) global_consumes = json::array(*a, sp);
    if (auto* a = array_of(src, "produces")) global_produces = json::array(*a, sp);
    for (const auto& kv : src) {
      std::string_view k = kv.key();
      if (k == "info" || k == "tags" || k == "externalDocs" || k == "security" ||
          (k.size() > 2 && k[0] == 'x' && k[1] == '-'))
        out[k] = kv.value();
    }
    // servers
    {
      std::string host = string_of(src, "host");
      std::string base = string_of(src, "basePath");
      json::array servers(sp);
      std::vector<std::string> schemes;
      if (auto* a = array_of(src, "schemes"))
        for (const auto& s : *a)
          if (s.is_string()) schemes.emplace_back(s.as_string());
      if (schemes.empty()) schemes.push_back("https");
      if (host.empty()) {
        json::object s(sp);
        s["url"] = base.empty() ? "/" : base;
        servers.push_back(std::move(s));
      } else {
        for (const auto& sc : schemes) {
          json::object s(sp);
          s["url"] = sc + "://" + host + base;
          servers.push_back(std::move(s));
        }
      }
      out["servers"] = std::move(servers);
    }
    json::object components(sp);
    if (auto it = src.find("definitions"); it != src.end()) {
      components["schemas"] = it->value();
      provenance("/components/schemas", "/definitions");
    }
    if (auto it = src.find("parameters"); it != src.end() && it->value().is_object()) {
      json::object params(sp), bodies(sp);
      for (const auto& kv : it->value().as_object()) {
        std::string s = "/parameters";
        append_token(s, kv.key());
        if (!kv.value().is_object()) continue;
        const auto& p = kv.value().as_object();
        std::string in = string_of(p, "in");
        if (in == "body") {
          json::array consumes = global_consumes.empty() ? json::array({"application/json"}, sp) : global_consumes;
          bodies[kv.key()] = convert_body(p, consumes);
          std::string d = "/components/requestBodies";
          append_token(d, kv.key());
          provenance(d, s);
        } else if (in != "formData") {
          params[kv.key()] = p.contains("$ref") ? kv.value() : json::value(convert_parameter(p, s));
          std::string d = "/components/parameters";
          append_token(d, kv.key());
          provenance(d, s);
        }
      }
      if (!params.empty()) components["parameters"] = std::move(params);
      if (!bodies.empty()) components["requestBodies"] = std::move(bodies);
    }
    if (auto it = src.find("responses"); it != src.end() && it->value().is_object()) {
      json::object responses(sp);
      json::array produces = global_produces.empty() ? json::array({"application/json"}, sp) : global_produces;
      for (const auto& kv : it->value().as_object()) {
        if (!kv.value().is_object()) continue;
        std::string d = "/components/responses", s = "/responses";
        append_token(d, kv.key());
        append_token(s, kv.key());
        provenance(d, s);
        responses[kv.key()] = convert_response(kv.value().as_object(), produces, d, s);
      }
      components["responses"] = std::move(responses);
    }
    if (auto it = src.find("securityDefinitions"); it != src.end() && it->value().is_object()) {
      json::object schemes(sp);
      for (const auto& kv : it->value().as_object()) {
        if (!kv.value().is_object()) continue;
        const auto& d = kv.value().as_object();
        std::string type = string_of(d, "type");
        json::object s(sp);
        if (d.contains("description")) s["description"] = d.at("description");
        if (type == "basic") {
          s["type"] = "http";
          s["scheme"] = "basic";
        } else if (type == "apiKey") {
          s["type"] = "apiKey";
          s["name"] = string_of(d, "name");
          s["in"] = string_of(d, "in");
        } else if (type == "oauth2") {
          s["type"] = "oauth2";
          std::string flow = string_of(d, "flow");
          json::object f(sp);
          f["scopes"] = d.contains("scopes") ? d.at("scopes") : json::value(json::object(sp));
          if (d.contains("authorizationUrl")) f["authorizationUrl"] = d.at("authorizationUrl");
          if (d.contains("tokenUrl")) f["tokenUrl"] = d.at("tokenUrl");
          std::string name = flow == "accessCode" ? "authorizationCode"
                             : flow == "application" ? "clientCredentials"
                                                     : flow;
          json::object flows(sp);
          flows[name.empty() ? "implicit" : name] = std::move(f);
          s["flows"] = std::move(flows);
        } else {
          s = d;
        }
        schemes[kv.key()] = std::move(s);
      }
      components["securitySchemes"] = std::move(schemes);
    }
    if (auto it = src.find("x-oasis-bundled"); it != src.end() && it->value().is_object()) {
      // headers/examples/path items other files contributed
      for (const auto& kv : it->value().as_object()) components[kv.key()] = kv.value();
    }
    if (!components.empty()) out["components"] = std::move(components);

    json::object paths(sp);
    if (auto it = src.find("paths"); it != src.end() && it->value().is_object()) {
      for (const auto& pi : it->value().as_object()) {
        std::string pp = "/paths";
        append_token(pp, pi.key());
        if (!pi.value().is_object()) {
          paths[pi.key()] = pi.value();
          continue;
        }
        const auto& item = pi.value().as_object();
        const json::value* path_params = item.contains("parameters") ? &item.at("parameters") : nullptr;
        json::object oitem(sp);
        if (path_params) {
          std::vector<SwaggerParam> list;
          collect(path_params, pp + "/parameters", list);
          json::array params(sp);
          for (const auto& s : list) {
            std::string in = s.p ? string_of(*s.p, "in") : std::string();
            if (in == "body" || in == "formData") continue;
            provenance(pp + "/parameters/" + std::to_string(params.size()), s.use_ptr);
            if (s.p && s.raw->is_object() && s.raw->as_object().contains("$ref")) {
              json::object r(sp);
              r["$ref"] = s.raw->as_object().at("$ref");
              params.push_back(std::move(r));
            } else if (s.p) {
              params.push_back(convert_parameter(*s.p, s.source_ptr));
            } else {
              params.push_back(*s.raw);
            }
          }
          if (!params.empty()) oitem["parameters"] = std::move(params);
        }
        for (const auto& kv : item) {
          std::string_view k = kv.key();
          if (k == "parameters") continue;
          if (k == "$ref" || (k.size() > 2 && k[0] == 'x' && k[1] == '-')) {
            oitem[k] = kv.value();
            continue;
          }
          if (!kv.value().is_object()) {
            oitem[k] = kv.value();
            continue;
          }
          std::string op_ptr = pp;
          append_token(op_ptr, k);
          oitem[k] = convert_operation(kv.value().as_object(), path_params, op_ptr, pp);
        }
        paths[pi.key()] = std::move(oitem);
      }
    }
    out["paths"] = std::move(paths);
    return json::value(std::move(out), sp);
  }
};

// Rewrites "#/definitions/X" → "#/components/schemas/X" (and parameters, responses) everywhere.
void rewrite_refs(json::value& v, const json::storage_ptr& sp, std::size_t depth) {
  if (depth > 4000) return;
  if (v.is_array()) {
    for (auto& e : v.as_array()) rewrite_refs(e, sp, depth + 1);
    return;
  }
  if (!v.is_object()) return;
  for (auto& kv : v.as_object()) {
    if (kv.key() == "$ref" && kv.value().is_string()) {
      std::string_view r = kv.value().as_string();
      auto swap = [&](std::string_view from, std::string_view to) {
        if (r.substr(0, from.size()) == from) {
          kv.value() = json::string(std::string(to) + std::string(r.substr(from.size())), sp);
          return true;
        }
        return false;
      };
      swap("#/definitions/", "#/components/schemas/") || swap("#/parameters/", "#/components/parameters/") ||
          swap("#/responses/", "#/components/responses/") ||
          swap("#/x-oasis-bundled/", "#/components/");
      continue;
    }
    rewrite_refs(kv.value(), sp, depth + 1);
  }
}

}  // namespace

void convert_swagger(LoadContext& ctx, json::value& root) {
  if (!root.is_object()) return;
  // pieces bundled from other files were placed under the Swagger names; move their provenance
  for (auto& p : ctx.provenance) {
    auto move = [&](std::string_view from, std::string_view to) {
      if (p.bundled.compare(0, from.size(), from) == 0) {
        p.bundled = std::string(to) + p.bundled.substr(from.size());
        return true;
      }
      return false;
    };
    move("/definitions/", "/components/schemas/") || move("/parameters/", "/components/parameters/") ||
        move("/responses/", "/components/responses/") || move("/x-oasis-bundled/", "/components/");
  }
  Converter c{ctx, root.as_object(), ctx.storage, json::array(ctx.storage), json::array(ctx.storage)};
  json::value out = c.run();
  rewrite_refs(out, ctx.storage, 0);
  root = std::move(out);
}

}  // namespace oasis::spec::detail
