// mock/proxmox.cpp — the Proxmox profile's wiring: which operation is what (decided at load),
// parameters merged from query, form and JSON bodies and checked as pveproxy checks them,
// errors in pveproxy's shape, and the dispatch to auth, tasks, guests or the Mock underneath.
#include "proxmox_impl.hpp"

#include <oasis/spec/request.hpp>

#include <charconv>
#include <ctime>
#include <random>
#include <stdexcept>

namespace oasis::mock {

using namespace pve;

namespace pve {

void ok(http::Response& res, json::value data) {
  json::object o;
  o["data"] = std::move(data);
  res.status(200);
  res.body("application/json;charset=UTF-8", json::serialize(o));
}

void fail(http::Response& res, int status, std::string_view message) {
  res.status(status);
  res.reason(message);
  res.body("application/json;charset=UTF-8", "{\"data\":null}");
}

void fail_params(http::Response& res, json::object errors) {
  json::object o;
  o["errors"] = std::move(errors);
  o["data"] = nullptr;
  res.status(400);
  res.reason("Parameter verification failed.");
  res.body("application/json;charset=UTF-8", json::serialize(o));
}

void fail_auth(http::Response& res, std::string_view message) {
  res.status(401);
  res.reason(message);
}

std::string hex8(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%08llX", static_cast<unsigned long long>(v & 0xFFFFFFFFull));
  return buf;
}

std::string id_text(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_int64()) return std::to_string(v.as_int64());
  if (v.is_uint64()) return std::to_string(v.as_uint64());
  if (v.is_double()) return json::serialize(v);
  if (v.is_bool()) return v.as_bool() ? "1" : "0";
  return std::string();
}

}  // namespace pve

namespace {

constexpr std::size_t max_params = 1000;

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

// Splits a path template into its segments.
std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') path.remove_prefix(1);
    auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return out;
}

// The schema of `data` in the operation's success response (the envelope's content).
schema::SchemaRef data_schema(const spec::Operation& op) {
  for (const auto& r : op.responses) {
    if (r.status.empty() || r.status[0] != '2') continue;
    for (const auto& m : r.content) {
      if (!m.schema) continue;
      schema::SchemaRef s = schema::resolve(m.schema);
      if (auto d = schema::property(s, "data")) return schema::resolve(d);
      return s;
    }
  }
  return nullptr;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Whether an operation answers with a task id, read from its schema: a plain string (no format)
// that is described as a task or UPID, or not described at all, returned by a write.
bool returns_upid(const spec::Operation& op) {
  if (op.method == http::Method::GET) return false;
  schema::SchemaRef s = data_schema(op);
  if (!s) return false;
  const auto& i = schema::info(s);
  if (!(i.types & schema::type_string) || (i.types & ~(schema::type_string | schema::type_null)) || !i.format.empty())
    return false;
  std::string text;
  if (i.source && i.source->is_object()) {
    for (const char* k : {"description", "title", "x-proxmox-name", "x-name"})
      if (auto* v = i.source->as_object().if_contains(k); v && v->is_string()) text += lower(v->as_string()) + " ";
    if (auto* p = i.source->as_object().if_contains("pattern"); p) return false;
    if (i.source->as_object().contains("enum")) return false;
  }
  return text.empty() || text.find("upid") != std::string::npos || text.find("task") != std::string::npos;
}

bool parse_bool(const json::value& v, bool& out) {
  if (v.is_bool()) return out = v.as_bool(), true;
  if (v.is_int64() && (v.as_int64() == 0 || v.as_int64() == 1)) return out = v.as_int64() == 1, true;
  if (v.is_uint64() && v.as_uint64() <= 1) return out = v.as_uint64() == 1, true;
  if (!v.is_string()) return false;
  std::string s = lower(v.as_string());
  if (s == "1" || s == "true" || s == "yes" || s == "on") return out = true, true;
  if (s == "0" || s == "false" || s == "no" || s == "off") return out = false, true;
  return false;
}

// Adds the pairs of a query string or form body (key=value&…) to `out`; false when too many.
bool add_pairs(std::string_view s, json::object& out) {
  while (!s.empty()) {
    auto amp = s.find('&');
    std::string_view pair = s.substr(0, amp);
    s = amp == std::string_view::npos ? std::string_view{} : s.substr(amp + 1);
    if (pair.empty()) continue;
    if (out.size() >= max_params) return false;
    auto eq = pair.find('=');
    std::string key = spec::percent_decode(pair.substr(0, eq), true);
    std::string value = eq == std::string_view::npos ? std::string() : spec::percent_decode(pair.substr(eq + 1), true);
    out[key] = json::string(value);
  }
  return true;
}

}  // namespace

// A property string ("virtio,bridge=vmbr0,firewall=1") checked against the sub-keys the importer
// keeps in `x-proxmox-property-string`: known keys (or the default key, or a key alias such as
// virtio=MAC), booleans, numbers, enums and ranges, required keys. "" when it is fine.
static std::string check_property_string(const json::value* schema_json, const json::value& value) {
  if (!schema_json || !schema_json->is_object() || !value.is_string()) return {};
  auto* ps = schema_json->as_object().if_contains("x-proxmox-property-string");
  if (!ps || !ps->is_object()) return {};
  auto* props_v = ps->as_object().if_contains("properties");
  if (!props_v || !props_v->is_object()) return {};
  const json::object& props = props_v->as_object();
  std::string default_key;
  for (const auto& [k, sub] : props)
    if (sub.is_object())
      if (auto* d = sub.as_object().if_contains("x-proxmox-default-key"); d && (d->is_bool() ? d->as_bool() : d->is_int64() && d->as_int64() != 0))
        default_key = std::string(k);
  std::string_view text = value.as_string();
  if (text.size() > 8192) return "invalid format - value too long";
  json::object seen;
  bool used_default = false;
  while (!text.empty()) {
    auto comma = text.find(',');
    std::string_view part = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (part.empty()) continue;
    std::string key, val;
    auto eq = part.find('=');
    if (eq == std::string_view::npos) {
      if (default_key.empty() || used_default) return "invalid format - value without key, but schema does not define a default key";
      key = default_key, val = std::string(part), used_default = true;
    } else {
      key = std::string(part.substr(0, eq)), val = std::string(part.substr(eq + 1));
    }
    auto* sub = props.if_contains(key);
    if (!sub || !sub->is_object()) return "invalid format - property '" + key + "' is not defined";
    const json::object& so = sub->as_object();
    if (auto* alias = so.if_contains("x-proxmox-alias"); alias && alias->is_string()) {
      // virtio=MAC: the key names the model, the value is the MAC address.
      if (auto* ka = so.if_contains("x-proxmox-key-alias"); ka && ka->is_string()) seen[ka->as_string()] = json::string(key);
      seen[alias->as_string()] = json::string(val);
      continue;
    }
    if (seen.contains(key)) return "invalid format - duplicate key in comma-separated list property: " + key;
    std::string type;
    if (auto* xt = so.if_contains("x-proxmox-type"); xt && xt->is_string()) type = std::string(xt->as_string());
    else if (auto* t = so.if_contains("type"); t && t->is_string()) type = std::string(t->as_string());
    if (type == "boolean") {
      bool b;
      if (!parse_bool(json::string(val), b)) return "invalid format - " + key + ": type check ('boolean') failed - got '" + val + "'";
    } else if (type == "integer" || type == "number") {
      double n = 0;
      auto r = std::from_chars(val.data(), val.data() + val.size(), n);
      bool whole = r.ec == std::errc() && r.ptr == val.data() + val.size();
      if (!whole || (type == "integer" && val.find_first_of(".eE") != std::string::npos))
        return "invalid format - " + key + ": type check ('" + type + "') failed - got '" + val + "'";
      if (auto* mn = so.if_contains("minimum"); mn && mn->is_number() && n < mn->to_number<double>())
        return "invalid format - " + key + ": value must have a minimum value of " + json::serialize(*mn);
      if (auto* mx = so.if_contains("maximum"); mx && mx->is_number() && n > mx->to_number<double>())
        return "invalid format - " + key + ": value must have a maximum value of " + json::serialize(*mx);
    }
    if (auto* en = so.if_contains("enum"); en && en->is_array()) {
      bool found = false;
      for (const auto& e : en->as_array())
        if (id_text(e) == val) found = true;
      if (!found) return "invalid format - " + key + ": value '" + val + "' does not have a value in the enumeration";
    }
    seen[key] = json::string(val);
  }
  if (auto* req = ps->as_object().if_contains("required"); req && req->is_array())
    for (const auto& r : req->as_array())
      if (r.is_string() && !seen.contains(r.as_string()))
        return "invalid format - property '" + std::string(r.as_string()) + "' is missing";
  return {};
}

std::int64_t ProxmoxProfile::Impl::wall() const { return opt.wall_clock ? opt.wall_clock() : static_cast<std::int64_t>(std::time(nullptr)); }

ProxmoxProfile::Impl::Impl(const spec::Document& d, const Mock& m, Store& s, ProxmoxOptions o, http::Handler in)
    : doc(d), mock(m), store(s), opt(std::move(o)), inner(std::move(in)) {
  if (!inner) inner = [&m](const http::Request& req, http::Response& res) { m.handle(req, res); };
  if (opt.users.empty()) opt.users.push_back({std::string(ProxmoxOptions::default_user), std::string(ProxmoxOptions::default_password)});
  if (opt.nodes.empty()) opt.nodes.push_back("pve");
  if (opt.key.empty()) {
    std::random_device rd;
    for (int i = 0; i < 32; ++i) opt.key.push_back(static_cast<char>(rd() & 0xFF));
  }
  base = mock.router().base_path();
  first_node_key = "/nodes/" + opt.nodes.front();
  plans.resize(doc.operations().size());
  for (const auto& op : doc.operations()) {
    plan(op, plans[op.index]);
    if (plans[op.index].upid) ++task_ops;
  }
  next_pid = 0x1000 + static_cast<std::uint32_t>(wall() % 0x10000);
  seed_nodes();
}

void ProxmoxProfile::Impl::plan(const spec::Operation& op, OpPlan& p) {
  const auto m = op.method;
  p.write = m == http::Method::POST || m == http::Method::PUT || m == http::Method::DELETE;
  p.upid = returns_upid(op);
  for (const auto& prm : op.parameters) {
    if (prm.in == spec::ParameterIn::path && prm.name == "node") p.has_node = true;
    if (prm.in == spec::ParameterIn::path && prm.name == "vmid") p.has_vmid = true;
    if (prm.in == spec::ParameterIn::query) p.query.push_back(&prm);
  }
  if (op.request_body) {
    for (const auto& media : op.request_body->content)
      if (media.type == "application/json" && media.schema) p.body = media.schema;
    if (!p.body)
      for (const auto& media : op.request_body->content)
        if (media.schema) p.body = media.schema;
    if (p.body) {
      auto rs = schema::resolve(p.body);
      const auto& i = schema::info(rs);
      if (i.source && i.source->is_object())
        if (auto* pp = i.source->as_object().if_contains("patternProperties"); pp && pp->is_object())
          for (const auto& [pattern, sch] : pp->as_object()) {
            try {
              p.pattern_props.emplace_back(std::regex(std::string(pattern), std::regex::ECMAScript | std::regex::optimize), &sch);
            } catch (const std::regex_error&) {
            }
          }
      p.body_allows_more = i.additional_properties_allowed &&
                           !(i.additional_properties && schema::info(schema::resolve(i.additional_properties)).always_false);
    }
  }

  auto seg = segments(op.path);
  auto is = [&](std::size_t i, std::string_view s) { return i < seg.size() && seg[i] == s; };
  const std::size_t n = seg.size();
  // /access/ticket: the login (POST) and the login form's stub (GET) are open.
  if (op.path == "/access/ticket") {
    p.needs_auth = false;
    p.kind = m == http::Method::POST ? Kind::login : Kind::open;
    return;
  }
  if (op.path == "/access/domains" && m == http::Method::GET) {
    p.needs_auth = false;
    p.kind = Kind::open;
    return;
  }
  if (op.path == "/nodes" && m == http::Method::GET) p.kind = Kind::node_list;
  if (op.path == "/cluster/resources" && m == http::Method::GET) p.kind = Kind::cluster_resources;
  if (op.path == "/cluster/tasks" && m == http::Method::GET) p.kind = Kind::cluster_tasks;
  if (n >= 3 && is(0, "nodes") && is(1, "{node}") && is(2, "tasks")) {
    if (n == 3 && m == http::Method::GET) p.kind = Kind::task_list;
    if (n == 4 && m == http::Method::GET) p.kind = Kind::task_index;
    if (n == 4 && m == http::Method::DELETE) p.kind = Kind::task_stop;
    if (n == 5 && is(4, "status") && m == http::Method::GET) p.kind = Kind::task_status;
    if (n == 5 && is(4, "log") && m == http::Method::GET) p.kind = Kind::task_log;
  }
  const bool guest_tree = n >= 3 && is(0, "nodes") && is(1, "{node}") && (is(2, "qemu") || is(2, "lxc"));
  if (guest_tree) {
    p.guest = std::string(seg[2]);
    const std::string prefix = p.guest == "qemu" ? "qm" : "vz";
    if (n == 3 && m == http::Method::GET) p.kind = Kind::guest_list;
    if (n == 3 && m == http::Method::POST) p.kind = Kind::guest_create, p.task_type = prefix + "create", p.upid = true;
    if (n == 4 && m == http::Method::GET) p.kind = Kind::guest_index;
    if (n == 4 && m == http::Method::DELETE) p.kind = Kind::guest_delete, p.task_type = prefix + "destroy", p.upid = true;
    if (n == 5 && (is(4, "config") || is(4, "pending")) && m == http::Method::GET) p.kind = Kind::config_get;
    if (n == 5 && is(4, "config") && (m == http::Method::PUT || m == http::Method::POST)) {
      p.kind = Kind::config_set;
      if (m == http::Method::POST) p.task_type = "qmconfig", p.upid = true;
      else p.upid = false;  // PUT …/config answers null
    }
    if (n == 6 && is(4, "status") && is(5, "current") && m == http::Method::GET) p.kind = Kind::status_current;
    if (n == 6 && is(4, "status") && m == http::Method::POST) {
      p.kind = Kind::guest_action;
      p.action = std::string(seg[5]);
      p.task_type = prefix + p.action;
      p.upid = true;
    }
    if (n == 5 && is(4, "clone") && m == http::Method::POST) p.kind = Kind::guest_clone, p.task_type = prefix + "clone", p.upid = true;
    if (n == 5 && is(4, "migrate") && m == http::Method::POST)
      p.kind = Kind::guest_migrate, p.task_type = p.guest == "qemu" ? "qmigrate" : "vzmigrate", p.upid = true;
  }
  if (p.kind == Kind::fallback && p.upid) {
    p.kind = Kind::other_task;
    // The task's type as Proxmox names it for the well-known ones; else the last literal segment.
    std::string last;
    for (auto it = seg.rbegin(); it != seg.rend(); ++it)
      if (!it->empty() && it->front() != '{') {
        last = std::string(*it);
        break;
      }
    if (guest_tree) {
      const std::string prefix = p.guest == "qemu" ? "qm" : "vz";
      if (last == "snapshot" && m == http::Method::POST) last = prefix + "snapshot";
      else if (last == "snapshot" || (n == 6 && m == http::Method::DELETE)) last = prefix + "delsnapshot";
      else if (last == "rollback") last = prefix + "rollback";
      else if (last == "template") last = prefix + "template";
      else if (last == "resize") last = "resize";
      else if (last == "move_disk" || last == "move_volume") last = prefix == "qm" ? "qmmove" : "move_volume";
    }
    if (op.path == "/nodes/{node}/vzdump") last = "vzdump";
    if (ends_with(op.path, "/startall")) last = "startall";
    if (ends_with(op.path, "/stopall")) last = "stopall";
    p.task_type = last.empty() ? "task" : last;
  }
}

void ProxmoxProfile::Impl::seed_nodes() const {
  // The Mock seeds a collection the first time it is touched unless it is marked: the nodes are
  // the ones configured, and guests and tasks are what clients create.
  store.mark("seeded /nodes");
  store.mark("seeded /cluster/tasks");
  for (const auto& node : opt.nodes) {
    for (const char* c : {"/qemu", "/lxc", "/tasks"}) store.mark("seeded /nodes/" + node + c);
    std::string key = "/nodes/" + node;
    if (store.exists(key)) continue;
    json::object n{{"node", node},      {"status", "online"},     {"type", "node"},
                   {"id", "node/" + node}, {"cpu", 0.01},          {"maxcpu", 8},
                   {"mem", 2147483648LL},  {"maxmem", 17179869184LL}, {"disk", 4294967296LL},
                   {"maxdisk", 107374182400LL}, {"uptime", 86400},  {"level", ""},
                   {"ssl_fingerprint", "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF"}};
    store.put(key, std::move(n));
  }
}

bool ProxmoxProfile::Impl::node_exists(std::string_view node) const {
  for (const auto& n : opt.nodes)
    if (n == node) return true;
  return false;
}

// Query string, then the body (form or JSON) over it, as one set.
bool ProxmoxProfile::Impl::merge_params(const http::Request& req, const OpPlan& p, Call& call, json::object& errors,
                                        http::Response& res) const {
  (void)p;
  (void)errors;
  json::object merged;
  if (!add_pairs(req.query(), merged)) return fail(res, 400, "too many parameters"), false;
  std::string_view body = req.body();
  if (!body.empty()) {
    std::string ct = lower(req.header("Content-Type"));
    if (auto semi = ct.find(';'); semi != std::string::npos) ct.resize(semi);
    while (!ct.empty() && ct.back() == ' ') ct.pop_back();
    if (ct == "application/json") {
      boost::system::error_code ec;
      json::parse_options po;
      po.max_depth = 32;
      json::value v = json::parse(body, ec, {}, po);
      if (ec || !v.is_object()) return fail(res, 400, "malformed JSON body: expected an object of parameters"), false;
      for (auto& [k, val] : v.as_object()) {
        if (merged.size() >= max_params) return fail(res, 400, "too many parameters"), false;
        merged[k] = std::move(val);
      }
    } else if (ct.empty() || ct == "application/x-www-form-urlencoded") {
      if (!add_pairs(body, merged)) return fail(res, 400, "too many parameters"), false;
    } else {
      return fail(res, 415, "Unsupported content type '" + ct + "'"), false;
    }
  }
  merged.erase("_dc");  // the cache buster web clients add; pveproxy drops it
  call.params = std::move(merged);
  return true;
}

// Normalises the merged parameters by their declared schemas and checks them; what is wrong goes
// into `errors` keyed by parameter, worded as pveproxy words it.
void ProxmoxProfile::Impl::check_params(const OpPlan& p, Call& call, json::object& errors) const {
  const spec::Operation& op = *call.op;
  auto schema_of = [&](std::string_view name, bool& in_query) -> schema::SchemaRef {
    in_query = false;
    for (const auto* q : p.query)
      if (q->name == name) return in_query = true, q->schema ? q->schema : schema::SchemaRef(nullptr);
    if (p.body) return schema::property(schema::resolve(p.body), name);
    return nullptr;
  };
  json::object checked;  // what the schemas see (booleans as booleans)
  for (auto& [name, value] : call.params) {
    bool path_param = op.find_parameter(spec::ParameterIn::path, name) != nullptr;
    if (path_param) continue;  // the path's value wins
    bool in_query = false;
    schema::SchemaRef s = schema_of(name, in_query);
    const json::value* pattern_schema = nullptr;
    if (!s && !in_query)
      for (const auto& [re, sch] : p.pattern_props)
        if (std::regex_search(std::string(name), re)) {
          pattern_schema = sch;
          break;
        }
    if (pattern_schema) {
      // Checked as a property string when it is one; the whole body's check sees it too.
      if (value.is_int64() || value.is_uint64() || value.is_double()) value = json::string(id_text(value));
      std::string why = check_property_string(pattern_schema, value);
      if (!why.empty()) {
        errors[name] = why;
        continue;
      }
      checked[name] = value;
      continue;
    }
    const bool declared = s || in_query;
    if (!declared) {
      if (p.body && p.body_allows_more) {
        checked[name] = value;
        continue;
      }
      errors[name] = "property is not defined in schema and the schema does not allow additional properties";
      continue;
    }
    schema::SchemaRef rs = s ? schema::resolve(s) : nullptr;
    std::uint8_t types = rs ? schema::info(rs).types : std::uint8_t(schema::type_any);
    json::value v = value;
    if (types & schema::type_boolean) {
      bool b = false;
      if (!parse_bool(value, b)) {
        errors[name] = "type check ('boolean') failed - got '" + id_text(value) + "'";
        continue;
      }
      value = b ? 1 : 0;  // stored and answered as Proxmox does
      v = b;
    } else if (v.is_string() && (types & (schema::type_integer | schema::type_number)) && !(types & schema::type_string)) {
      v = spec::coerce_scalar(v.as_string(), rs);
      if (v.is_string()) {
        errors[name] = std::string("type check ('") + ((types & schema::type_integer) ? "integer" : "number") +
                       "') failed - got '" + std::string(value.as_string()) + "'";
        continue;
      }
      value = v;
    } else if ((v.is_int64() || v.is_uint64() || v.is_double()) && (types & schema::type_string) &&
               !(types & (schema::type_integer | schema::type_number))) {
      v = json::string(id_text(v));  // JSON numbers for string properties, as Perl sees them
      value = v;
    }
    if (rs && v.is_string()) {
      std::string why = check_property_string(schema::info(rs).source, v);
      if (!why.empty()) {
        errors[name] = why;
        continue;
      }
    }
    if (rs) {
      schema::ValidateOptions vo;
      vo.direction = schema::Direction::request;
      vo.max_violations = 1;
      auto r = schema::validate(rs, v, vo);
      if (!r.ok()) {
        errors[name] = r.violations.front().message;
        continue;
      }
    }
    checked[name] = std::move(v);
  }
  // Required parameters.
  for (const auto* q : p.query)
    if (q->required && !call.params.contains(q->name) && !errors.contains(q->name))
      errors[q->name] = "property is missing and it is not optional";
  if (p.body) {
    auto rs = schema::resolve(p.body);
    for (const auto& r : schema::info(rs).required)
      if (!call.params.contains(r) && !errors.contains(r) && !op.find_parameter(spec::ParameterIn::path, r))
        errors[r] = "property is missing and it is not optional";
  }
  // Whatever the schema says about the body as a whole (dependencies, oneOf…), last.
  if (errors.empty() && p.body) {
    schema::ValidateOptions vo;
    vo.direction = schema::Direction::request;
    vo.max_violations = 5;
    auto r = schema::validate(p.body, checked, vo);
    for (const auto& v : r.violations) {
      std::string key = v.instance_pointer.size() > 1 ? v.instance_pointer.substr(1) : std::string("body");
      if (auto slash = key.find('/'); slash != std::string::npos) key.resize(slash);
      if (!errors.contains(key)) errors[key] = v.message;
    }
  }
}

// The Mock underneath answers, given the merged parameters as a JSON body (and the declared
// query parameters as a query string); its answer is put into pveproxy's shape.
void ProxmoxProfile::Impl::fallback(const http::Request& req, const Call& call, http::Response& res) const {
  const spec::Operation& op = *call.op;
  const OpPlan& p = *call.plan;
  std::string query, body;
  json::object body_obj;
  for (const auto& [name, value] : call.params) {
    bool in_query = false;
    for (const auto* q : p.query)
      if (q->name == name) in_query = true;
    if (in_query) {
      if (!query.empty()) query += '&';
      query += http::percent_encode(name);
      query += '=';
      query += http::percent_encode(id_text(value));
    } else if (op.request_body) {
      body_obj[name] = value;
    }
  }
  if (op.request_body) body = json::serialize(body_obj);
  std::string target(req.path());
  if (!query.empty()) target += "?" + query;
  http::Request r;
  r.set_method(req.method_name());
  r.set_target(target);
  r.set_version(req.version_major(), req.version_minor());
  for (const auto& f : req.headers())
    if (!http::iequals(f.name, "Content-Type") && !http::iequals(f.name, "Content-Length") &&
        !http::iequals(f.name, "Transfer-Encoding"))
      r.mutable_headers().add(f.name, f.value);
  if (op.request_body) {
    r.mutable_headers().add("Content-Type", "application/json");
    r.set_body(body);
  }
  r.set_keep_alive(req.keep_alive());
  r.set_remote_address(req.remote_address());
  inner(r, res);
  if (res.deferred()) return;
  const int st = res.status();
  std::string_view ct = res.header("Content-Type");
  if (st >= 400) {
    std::string message(http::reason_phrase(st));
    if (ct.find("problem+json") != std::string_view::npos) {
      boost::system::error_code ec;
      json::value pr = json::parse(res.body(), ec);
      if (!ec && pr.is_object())
        if (auto* d = pr.as_object().if_contains("detail"); d && d->is_string()) message = std::string(d->as_string());
    }
    res.remove_header("Content-Type");
    return fail(res, st, message);
  }
  if (st == 204 || res.body().empty()) {
    res.status(200);
    return ok(res, nullptr);
  }
  if (ct.find("json") == std::string_view::npos) return;
  boost::system::error_code ec;
  json::value v = json::parse(res.body(), ec);
  if (ec) return;
  // Already in the envelope (the document declares it): as it is. Else wrapped.
  if (v.is_object() && v.as_object().contains("data")) {
    bool only_envelope = true;
    for (const auto& [k, val] : v.as_object()) {
      (void)val;
      if (k != "data" && k != "total" && k != "changes" && k != "errors" && k != "success" && k != "message") only_envelope = false;
    }
    if (only_envelope) {
      // Items the Mock generated from an enveloped item schema: listed without their envelope.
      auto& d = v.as_object()["data"];
      bool rewrap = false;
      if (d.is_array())
        for (auto& e : d.as_array())
          if (e.is_object() && e.as_object().size() == 1 && e.as_object().contains("data")) {
            json::value inner_v = e.as_object()["data"];
            e = std::move(inner_v);
            rewrap = true;
          }
      if (!rewrap) return;
      res.remove_header("Content-Type");
      res.body("application/json;charset=UTF-8", json::serialize(v));
      return;
    }
  }
  res.remove_header("Content-Type");
  const int keep = st;
  ok(res, std::move(v));
  res.status(keep);
}

void ProxmoxProfile::Impl::handle(const http::Request& req, http::Response& res) const {
  std::string_view path = req.path();
  // The admin API and anything outside the base path: the Mock as it is.
  if (path.substr(0, 8) == "/_oasis/" || (!base.empty() && path.substr(0, base.size()) != base)) return inner(req, res);
  if (any_pending.load(std::memory_order_acquire)) settle();
  if (!store.exists(first_node_key)) seed_nodes();  // after a reset through /_oasis/state

  spec::RouteMatch m;
  mock.router().find(req.method(), path, m);
  if (!m.found()) {
    // pveproxy: an unknown path or method is "not implemented".
    std::string rel(path.substr(base.size()));
    return fail(res, 501, "Method '" + std::string(req.method_name()) + " " + rel + "' not implemented");
  }
  Call call;
  call.op = m.operation;
  call.plan = &plans[m.operation->index];
  const OpPlan& p = *call.plan;
  call.path = std::string(path.substr(base.size()));
  while (call.path.size() > 1 && call.path.back() == '/') call.path.pop_back();
  for (const auto& pp : m.params) {
    if (pp.name == "node") call.node = spec::percent_decode(pp.value);
    if (pp.name == "vmid") call.vmid = spec::percent_decode(pp.value);
    if (pp.name == "upid") call.upid = spec::percent_decode(pp.value);
  }

  if (opt.auth && p.needs_auth) {
    std::string why = authenticate(req, p, call);
    if (!why.empty()) return fail_auth(res, why);
  }

  json::object errors;
  if (!merge_params(req, p, call, errors, res)) return;
  check_params(p, call, errors);
  // Path parameters are checked like the rest.
  for (const auto& pp : m.params) {
    const spec::Parameter* prm = call.op->find_parameter(spec::ParameterIn::path, pp.name);
    if (!prm || !prm->schema) continue;
    json::value v = spec::deserialize_simple_value(*prm, pp.value);
    if (auto r = schema::validate(prm->schema, v, {}); !r.ok()) errors[std::string(pp.name)] = r.violations.front().message;
  }
  if (!errors.empty()) return fail_params(res, std::move(errors));

  if (p.has_node && !node_exists(call.node))
    return fail(res, 500, "hostname lookup '" + call.node + "' failed - failed to get address info for: " + call.node +
                              ": Name or service not known");
  dispatch(req, call, res);
}

void ProxmoxProfile::Impl::dispatch(const http::Request& req, Call& call, http::Response& res) const {
  const OpPlan& p = *call.plan;
  // Anything under a guest needs the guest: Proxmox says its configuration file is missing (as a
  // 500); the profile answers 404 with that message (see docs/proxmox.md).
  if (p.has_vmid && !p.guest.empty()) {
    if (store.get(guest_path(call.node, p.guest, call.vmid)) == nullptr) {
      const std::string dir = p.guest == "qemu" ? "qemu-server" : "lxc";
      return fail(res, 404, "Configuration file 'nodes/" + call.node + "/" + dir + "/" + call.vmid + ".conf' does not exist");
    }
  }
  switch (p.kind) {
    case Kind::login: return login(call, res);
    case Kind::guest_list: return guest_list(call, res);
    case Kind::guest_create: return guest_create(call, res);
    case Kind::guest_index: return guest_index(call, res);
    case Kind::guest_delete: return guest_delete(call, res);
    case Kind::config_get: return config_get(call, res);
    case Kind::config_set: return config_set(call, res);
    case Kind::status_current: return status_current(call, res);
    case Kind::guest_action: return guest_action(call, res);
    case Kind::guest_clone: return guest_clone(call, res);
    case Kind::guest_migrate: return guest_migrate(call, res);
    case Kind::task_list: return task_list(call, res);
    case Kind::task_index:
    case Kind::task_status:
    case Kind::task_log: return task_read(call, res);
    case Kind::task_stop: return task_stop(call, res);
    case Kind::cluster_tasks: return cluster_tasks(call, res);
    case Kind::cluster_resources: return cluster_resources(call, res);
    case Kind::node_list: return node_list(call, res);
    case Kind::other_task: return other_task(call, res);
    case Kind::open:
    case Kind::fallback: return fallback(req, call, res);
  }
}

// --- options ------------------------------------------------------------------------------------

ProxmoxUser parse_proxmox_user(std::string_view text) {
  auto colon = text.find(':');
  auto at = text.find('@');
  if (colon == std::string_view::npos || at == std::string_view::npos || at == 0 || at > colon || colon + 1 >= text.size() ||
      at + 1 == colon)
    throw std::invalid_argument("--user: expected USER@REALM:PASSWORD (root@pam:secret), got '" + std::string(text) + "'");
  return {std::string(text.substr(0, colon)), std::string(text.substr(colon + 1))};
}

ProxmoxToken parse_proxmox_token(std::string_view text) {
  auto bang = text.find('!');
  auto eq = text.find('=', bang == std::string_view::npos ? 0 : bang);
  auto at = text.find('@');
  if (bang == std::string_view::npos || eq == std::string_view::npos || at == std::string_view::npos || at == 0 ||
      at > bang || bang + 1 >= eq || eq + 1 >= text.size() || at + 1 == bang)
    throw std::invalid_argument("--token: expected USER@REALM!ID=SECRET (root@pam!ci=s3cret), got '" + std::string(text) + "'");
  return {std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))};
}

std::chrono::milliseconds parse_task_duration(std::string_view t) {
  auto bad = [&] { return std::invalid_argument("--task-duration: expected a duration like 2s, 500ms or 0, got '" + std::string(t) + "'"); };
  long long n = 0;
  auto r = std::from_chars(t.data(), t.data() + t.size(), n);
  if (r.ec != std::errc() || n < 0) throw bad();
  std::string_view unit(r.ptr, static_cast<std::size_t>(t.data() + t.size() - r.ptr));
  std::chrono::milliseconds d;
  if (unit.empty() || unit == "ms") d = std::chrono::milliseconds(n);
  else if (unit == "s") d = std::chrono::milliseconds(n * 1000);
  else throw bad();
  if (d > std::chrono::hours(1)) throw std::invalid_argument("--task-duration: at most one hour");
  return d;
}

// --- the public face ------------------------------------------------------------------------------

ProxmoxProfile::ProxmoxProfile(const spec::Document& doc, const Mock& mock, Store& store, ProxmoxOptions opts,
                               http::Handler inner)
    : impl_(std::make_unique<Impl>(doc, mock, store, std::move(opts), std::move(inner))) {}
ProxmoxProfile::~ProxmoxProfile() = default;
void ProxmoxProfile::handle(const http::Request& req, http::Response& res) const { impl_->handle(req, res); }
http::Handler ProxmoxProfile::handler() const {
  return [this](const http::Request& req, http::Response& res) { impl_->handle(req, res); };
}
void ProxmoxProfile::settle() const { impl_->settle(); }
std::size_t ProxmoxProfile::task_operations() const noexcept { return impl_->task_ops; }

}  // namespace oasis::mock
