// mock/mock.cpp — routing, validation and the collection/item/sub-resource behaviours.
#include <oasis/mock/mock.hpp>

#include <oasis/mock/record.hpp>

#include <oasis/http/date.hpp>
#include <oasis/rest/conditional.hpp>
#include <oasis/spec/problem.hpp>
#include <oasis/spec/request.hpp>

#include <boost/json.hpp>
#include <boost/unordered/unordered_flat_set.hpp>

#include <atomic>
#include <cctype>
#include <charconv>
#include <mutex>
#include <shared_mutex>
#include <functional>

namespace oasis::mock {

namespace json = boost::json;

void merge_patch(json::value& target, const json::value& patch) {
  if (!patch.is_object()) {
    target = patch;
    return;
  }
  if (!target.is_object()) target = json::object{};
  auto& obj = target.as_object();
  for (const auto& [k, v] : patch.as_object()) {
    if (v.is_null()) obj.erase(k);
    else merge_patch(obj[k], v);
  }
}

namespace {

// FNV-1a: seeds derived from paths, so the same path always gets the same data.
std::uint64_t hash_of(std::string_view s, std::uint64_t seed) {
  std::uint64_t h = 1469598103934665603ull ^ seed;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

std::size_t segment_count(std::string_view path) { return static_cast<std::size_t>(std::count(path.begin(), path.end(), '/')); }

// The first `n` segments of a concrete path ("/a/b/c", 2 → "/a/b").
std::string_view first_segments(std::string_view path, std::size_t n) {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '/' && seen++ == n) return path.substr(0, i);
  }
  return path;
}

int status_number(std::string_view s) {
  int v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() ? v : 0;
}

bool json_media(std::string_view t) {
  return t == "application/json" || (t.size() > 5 && t.substr(t.size() - 5) == "+json") || t == "*/*";
}

const spec::MediaType* pick_media(const std::vector<spec::MediaType>& content) {
  for (const auto& m : content)
    if (json_media(m.type)) return &m;
  return content.empty() ? nullptr : &content.front();
}

// Makes `v` valid against `s` where it is not, taking what it lacks from `defaults` (valid data
// generated from `s`): properties that do not fit are replaced by the defaults' or removed, and
// missing ones are filled in; when that is not enough, `v` becomes the defaults. A client's
// write keeps every field that fits the item's schema (a date the request schema took as any
// string, but the response schema wants as date-time, does not get stored).
void conform(schema::SchemaRef s, json::value& v, const json::value& defaults) {
  s = schema::resolve(s);
  if (!s || schema::is_valid(s, v, schema::Direction::response)) return;
  if (v.is_object() && defaults.is_object()) {
    auto& o = v.as_object();
    std::vector<std::string> drop;
    for (auto& [k, val] : o) {
      schema::SchemaRef ps = schema::property(s, k);
      if (ps && schema::is_valid(ps, val, schema::Direction::response)) continue;
      if (auto* d = defaults.as_object().if_contains(k)) val = *d;
      else drop.emplace_back(k);
    }
    for (const auto& k : drop) o.erase(k);
    for (const auto& [k, d] : defaults.as_object())
      if (!o.contains(k)) o[k] = d;
    if (schema::is_valid(s, v, schema::Direction::response)) return;
  }
  v = defaults;
}

void problem(http::Response& res, int status, std::string detail, std::vector<schema::Violation> errors = {}) {
  spec::write_problem(res, {status, "about:blank", {}, std::move(detail), std::move(errors)});
}

}  // namespace

// What the mock does for one operation, decided at load.
struct Plan {
  Role role = Role::other;
  const Collection* collection = nullptr;  // for collection and item operations
  std::size_t item_segments = 0;           // segments of the owning item's template
  bool under_item = false;                 // sub-resources and actions under an item
  const Collection* owner = nullptr;       // the collection of that item (seeded before use)
  // A collection under an item: that item's collection and the item's segment count.
  const Collection* parent = nullptr;
  std::size_t parent_segments = 0;
  int success = 200;                       // the status a success answers with
  bool declares_201 = false;
  const spec::MediaType* media = nullptr;  // the success response's body, if it has one
  json::value generated_value;             // that body, generated once at load
  std::string generated;                   // and serialised once (where it is sent as it is)
  bool has_generated = false;              // the success response has a schema: a body was generated
  schema::SchemaRef item_schema = nullptr; // collections and items: what an item is
  std::string content_type = "application/json";  // of the success body (a +json type as declared)
  bool creates = false;                    // a POST on a collection that creates one item
  // A list whose elements are not described by the item schema: each item is made to conform
  // to `list_items` (from `list_example`) before it is listed.
  schema::SchemaRef list_items = nullptr;
  json::value list_example;
};

struct Mock::Impl {
  const spec::Document& doc;
  Store& store;
  MockOptions opt;
  Topology topology;
  spec::Router router;
  mutable Recorder recorder;  // for /_oasis/requests and /_oasis/metrics
  std::vector<Plan> plans;  // by Operation::index
  // Concrete collection paths known to be seeded (a cache of the store's marks, so the common
  // case takes a shared lock and no write).
  mutable std::shared_mutex seed_mu;
  struct PathHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  mutable boost::unordered_flat_set<std::string, PathHash, std::equal_to<>> seeded;
  mutable std::atomic<std::uint64_t> next_id{1000};

  // A collection's generated item, made the first time a client creates one there: what a new
  // item's fields default to where the client's body says nothing. Generating it per create
  // would cost more than the rest of the request on a large schema.
  struct CreateDefaults {
    std::once_flag once;
    json::value value;
  };
  std::unique_ptr<CreateDefaults[]> create_defaults;

  Impl(const spec::Document& d, Store& s, MockOptions o)
      : doc(d), store(s), opt(std::move(o)), topology(d), router(d, opt.router), recorder(d, opt.requests) {
    for (const auto& c : topology.collections()) item_schemas.push_back(item_schema_of(c));
    create_defaults = std::make_unique<CreateDefaults[]>(topology.collections().size());
    plans.resize(doc.operations().size());
    for (const auto& op : doc.operations()) plan(op, plans[op.index]);
  }

  static schema::SchemaRef success_schema(const spec::Operation* op) {
    if (!op) return nullptr;
    for (const auto& r : op->responses) {
      int st = status_number(r.status);
      if (st >= 200 && st < 300)
        if (auto* m = pick_media(r.content); m && m->schema) return m->schema;
    }
    return nullptr;
  }

  static schema::SchemaRef array_items(schema::SchemaRef s) {
    s = schema::resolve(s);
    if (!s) return nullptr;
    const auto& i = schema::info(s);
    if (i.types & schema::type_array) return i.items;
    return nullptr;
  }

  // What an item of `c` is: what reading one answers, else creating one, else an element of
  // the list (a bare array, or one wrapped in an object).
  static schema::SchemaRef item_schema_of(const Collection& c) {
    schema::SchemaRef s = success_schema(c.read);
    if (!s) s = success_schema(c.create);
    if (!s) s = array_items(success_schema(c.list));
    if (!s)
      if (auto ls = schema::resolve(success_schema(c.list)))
        for (const auto& prop : schema::info(ls).properties)
          if (auto a = array_items(prop.schema)) return a;
    return s;
  }

  // Whether every answer of `op` is made of stored items, so that its generated body would be
  // thrown away (see plan): a GET of an item, or of a collection whose success body is a bare
  // array of the item schema.
  static bool answers_stored_only(const spec::Operation& op, const Plan& p) {
    if (op.method != http::Method::GET) return false;
    if (p.role == Role::item) return true;
    if (p.role != Role::collection || !p.media || !p.item_schema) return false;
    schema::SchemaRef s = schema::resolve(p.media->schema);
    schema::SchemaRef elements = array_items(s);
    return s && (schema::info(s).types & schema::type_array) && elements &&
           schema::resolve(elements) == schema::resolve(p.item_schema);
  }

  void plan(const spec::Operation& op, Plan& p) {
    p.role = topology.role_of(op.path);
    if (p.role == Role::collection) p.collection = topology.collection_at(op.path);
    if (p.role == Role::item) p.collection = topology.collection_of_item(op.path);
    std::string_view owner = topology.owning_item(op.path);
    if (p.role == Role::other && !owner.empty()) p.role = Role::sub_resource;
    if (p.role == Role::item) owner = op.path;
    p.under_item = !owner.empty();
    p.item_segments = segment_count(owner);
    // Found here, once: at request time these would be scans over every collection.
    if (p.under_item) p.owner = topology.collection_of_item(owner);
    if (p.role == Role::collection && !p.collection->parent_item.empty()) {
      p.parent = topology.collection_of_item(p.collection->parent_item);
      p.parent_segments = segment_count(p.collection->parent_item);
    }
    if (p.collection) p.item_schema = item_schema_of(*p.collection);
    // The success response: 201 for a create when declared, else the lowest 2xx, else default.
    const spec::Response* chosen = nullptr;
    int best = 1000;
    for (const auto& r : op.responses) {
      int st = status_number(r.status);
      if (st == 0 && r.status.size() == 3 && r.status[0] == '2') st = 200;  // "2XX"
      if (st == 201) p.declares_201 = true;
      if (st >= 200 && st < 300 && st < best) {
        best = st;
        chosen = &r;
      }
    }
    const bool is_create = p.role == Role::collection && op.method == http::Method::POST;
    // A POST that answers a list (GitHub's "add labels to an issue") creates no single item.
    p.creates = is_create && !array_items(success_schema(&op));
    if (is_create && p.declares_201) {
      for (const auto& r : op.responses)
        if (r.status == "201") chosen = &r, best = 201;
    }
    if (!chosen)
      for (const auto& r : op.responses)
        if (r.status == "default") chosen = &r, best = 200;
    if (!chosen)  // only a redirect declared (GitHub's archive downloads): answer it
      for (const auto& r : op.responses)
        if (int st = status_number(r.status); st >= 300 && st < 400 && st < best) chosen = &r, best = st;
    p.success = chosen ? best : (op.method == http::Method::DELETE ? 204 : 200);
    if (chosen) p.media = pick_media(chosen->content);
    if (p.media && json_media(p.media->type) && p.media->type != "*/*") p.content_type = p.media->type;
    if (p.media && p.media->schema) {
      p.has_generated = true;
      // Generated unless no answer can use it: an item's GET answers what is stored (or 404),
      // and a bare list of items the item schema describes answers the stored items alone.
      if (!answers_stored_only(op, p)) {
        schema::GenerateOptions g;
        g.seed = hash_of(op.pointer, opt.seed);
        p.generated_value = schema::generate(p.media->schema, g);
      }
    }
    // A list of elements the item schema does not describe.
    if (p.role == Role::collection && op.method == http::Method::GET && p.media) {
      schema::SchemaRef s = schema::resolve(p.media->schema);
      schema::SchemaRef elements = array_items(s);
      const json::value* example = p.generated_value.is_array() && !p.generated_value.as_array().empty()
                                       ? &p.generated_value.as_array()[0] : nullptr;
      if (!elements && s && p.generated_value.is_object()) {
        for (const auto& prop : schema::info(s).properties)
          if (auto a = array_items(prop.schema)) {
            elements = a;
            if (auto* arr = p.generated_value.as_object().if_contains(prop.name); arr && arr->is_array() && !arr->as_array().empty())
              example = &arr->as_array()[0];
            break;
          }
      }
      if (elements && (!p.item_schema || schema::resolve(elements) != schema::resolve(p.item_schema))) {
        p.list_items = elements;
        schema::GenerateOptions g;
        g.seed = hash_of(op.pointer, opt.seed + 1);
        p.list_example = example ? *example : schema::generate(elements, g);
      }
    }
    // What is kept of the generated body is what answers use (on a large document, megabytes):
    // - serialised, where it is sent as it is: not for an item's GET (it answers what is stored,
    //   or 404), a list's (the stored items) or a sub-resource's GET (the generated body merged
    //   with its item's fields);
    // - parsed, where an answer is built on it: a sub-resource's GET, and a list wrapped in an
    //   object ({"total_count", "items": [...]}); a bare-array list is the stored items alone.
    const bool get = op.method == http::Method::GET;
    if (p.has_generated && !(get && (p.role == Role::item || p.role == Role::collection || p.role == Role::sub_resource)))
      p.generated = json::serialize(p.generated_value);
    const bool list_in_object = p.role == Role::collection && get && p.media && schema::resolve(p.media->schema) &&
                                !(schema::info(schema::resolve(p.media->schema)).types & schema::type_array);
    if (!list_in_object && !(p.role == Role::sub_resource && get)) p.generated_value = nullptr;
  }

  // The schema of the path parameter naming an item of `c` (null when none is declared).
  static schema::SchemaRef id_schema(const Collection& c) {
    const spec::Parameter* param = nullptr;
    for (const spec::Operation* o : {c.read, c.replace, c.patch, c.remove})
      if (o && !param) param = o->find_parameter(spec::ParameterIn::path, c.id_param);
    return param ? schema::resolve(param->schema) : nullptr;
  }

  // Whether a value can name an item: a string or integer that fits the path parameter and
  // needs no percent-encoding in a path ("name": "Rex" is no id for /pets/{id} with an integer
  // id, and "\"abc\"" none for any path).
  static bool id_fits(schema::SchemaRef ps, const json::value& v) {
    if (!(v.is_string() || v.is_int64() || v.is_uint64())) return false;
    if (v.is_string()) {
      if (v.as_string().empty()) return false;
      for (char ch : v.as_string())
        if (!(std::isalnum(static_cast<unsigned char>(ch)) || std::string_view("-._~!$&'()*+,;=:@").find(ch) != std::string_view::npos))
          return false;
    }
    return !ps || schema::is_valid(ps, v, schema::Direction::request);
  }

  // A new id for an item of `c`, fitting its path parameter's schema.
  json::value new_id(const Collection& c, const json::value* body) const {
    schema::SchemaRef ps = id_schema(c);
    // A body field gives the id only when its value fits the path parameter.
    auto from_body = [&](std::string_view field) -> const json::value* {
      if (!body || !body->is_object()) return nullptr;
      auto* v = body->as_object().if_contains(field);
      return v && id_fits(ps, *v) ? v : nullptr;
    };
    if (auto* v = from_body(c.id_param)) return *v;
    for (const auto& alias : opt.id_aliases)
      if (auto* v = from_body(alias)) return *v;
    std::uint64_t n = next_id++;
    if (ps && (schema::info(ps).types & schema::type_integer)) return json::value(static_cast<std::int64_t>(n));
    // A string id with constraints (a pattern, a format): generated from the parameter's own
    // schema, ignoring its example so that ids differ.
    if (ps && (schema::info(ps).types & schema::type_string) && (!schema::info(ps).format.empty() || schema::info(ps).source)) {
      for (std::uint64_t attempt = 0; attempt < 4; ++attempt) {
        schema::GenerateOptions g;
        g.seed = hash_of(c.item_path, opt.seed + n * 31 + attempt);
        g.use_examples = false;
        json::value v = schema::generate(ps, g);
        if (v.is_string() && !v.as_string().empty() && v.as_string().find_first_of("/?# ") == json::string::npos &&
            schema::is_valid(ps, v, schema::Direction::request))
          return v;
      }
    }
    if (ps && schema::info(ps).format == "uuid") {
      char buf[40];
      std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012llx", static_cast<unsigned long long>(n));
      return json::value(buf);
    }
    return json::value(c.id_param + "-" + std::to_string(n));
  }

  static std::string id_text(const json::value& id) {
    if (id.is_string()) return std::string(id.as_string());
    return json::serialize(id);
  }

  // An item for `c` at `key`: generated defaults (seeded by the key), then `body` over them,
  // with the id in its field.
  const json::value& defaults_for_create(const Collection& c) const {
    auto& d = create_defaults[static_cast<std::size_t>(&c - topology.collections().data())];
    std::call_once(d.once, [&] {
      d.value = json::object{};
      if (auto s = schema::resolve(plans_item_schema(c))) {
        schema::GenerateOptions g;
        g.seed = hash_of(c.path, opt.seed);
        d.value = schema::generate(s, g);
      }
    });
    return d.value;
  }

  // `defaults`: the generated item to start from; without it, one is generated for this key.
  json::value make_item(const Collection& c, std::string_view key, const json::value& id, const json::value* body,
                        const json::value* defaults = nullptr) const {
    json::value item = json::object{};
    if (defaults) {
      item = *defaults;
    } else if (auto s = schema::resolve(plans_item_schema(c))) {
      schema::GenerateOptions g;
      g.seed = hash_of(key, opt.seed);
      item = schema::generate(s, g);
    }
    if (body) {
      json::value defaults = item;
      merge_patch(item, *body);
      conform(plans_item_schema(c), item, defaults);
    }
    if (item.is_object()) {
      // The id goes in the field named like the path parameter, else "id", when the item has
      // (or its schema declares) such a field; a numeric field gets the id as a number.
      auto& o = item.as_object();
      schema::SchemaRef is = plans_item_schema(c);
      for (std::string_view f : {std::string_view(c.id_param), std::string_view("id")}) {
        schema::SchemaRef fs = is ? schema::resolve(schema::property(is, f)) : nullptr;
        if (!fs && !o.contains(f)) continue;
        json::value v = id;
        bool numeric = fs ? (schema::info(fs).types & schema::type_integer) != 0 : o.at(f).is_number();
        if (numeric && id.is_string()) {
          std::int64_t n = 0;
          auto sv = id.as_string();
          auto r = std::from_chars(sv.data(), sv.data() + sv.size(), n);
          if (r.ec != std::errc() || r.ptr != sv.data() + sv.size()) break;  // a name is no number: keep the field's own
          v = n;
        } else if (!numeric && fs && !id.is_string() && (schema::info(fs).types & schema::type_string)) {
          v = id_text(id);  // a string field gets the id as text
        }
        o[f] = std::move(v);
        break;
      }
    }
    return item;
  }

  // Found at load, by collection (an operation's plan may be for another collection when its
  // path is both an item and a collection).
  std::vector<schema::SchemaRef> item_schemas;  // parallel to topology.collections()
  schema::SchemaRef plans_item_schema(const Collection& c) const {
    return item_schemas[static_cast<std::size_t>(&c - topology.collections().data())];
  }

  // Seeds a concrete collection the first time it is touched.
  // A collection counts as seeded only once its items are stored: the seeding runs under the
  // exclusive lock, so a request on another thread waits for it instead of finding the
  // collection marked but its items not yet there. (Once per concrete collection.)
  void ensure_seeded(const Collection& c, std::string_view concrete) const {
    {
      std::shared_lock lock(seed_mu);
      if (seeded.count(concrete)) return;
    }
    std::unique_lock lock(seed_mu);
    if (seeded.count(concrete)) return;
    seed(c, concrete);
    seeded.insert(std::string(concrete));
  }

  void seed(const Collection& c, std::string_view concrete) const {
    // Seeded by an earlier run of a persistent mock: what is stored is what clients left.
    if (!store.mark("seeded " + std::string(concrete))) return;
    if (!c.read && !c.list) return;
    // Items the --data file gives for this collection replace the generated seed.
    if (auto* given = opt.data.if_contains(concrete); given && given->is_array()) {
      for (const auto& element : given->as_array()) {
        const json::value* body = element.is_object() ? &element : nullptr;
        json::value id = new_id(c, body);
        std::string key = std::string(concrete) + "/" + id_text(id);
        if (!store.exists(key)) store.put(key, make_item(c, key, id, body));
      }
      return;
    }
    for (std::size_t i = 0; i < opt.seed_items; ++i) {
      std::string salt = std::string(concrete) + "#" + std::to_string(i);
      json::value generated = json::object{};
      if (auto s = plans_item_schema(c)) {
        schema::GenerateOptions g;
        g.seed = hash_of(salt, opt.seed);
        generated = schema::generate(s, g);
      }
      // The id: the generated item's own id field when it has one, else a fresh one.
      json::value id;
      if (generated.is_object()) {
        const auto& o = generated.as_object();
        schema::SchemaRef ps = id_schema(c);
        for (std::string_view f : {std::string_view(c.id_param), std::string_view("id")})
          if (auto* v = o.if_contains(f); v && id_fits(ps, *v)) {
            id = *v;
            break;
          }
      }
      std::string key = id.is_null() ? std::string() : std::string(concrete) + "/" + id_text(id);
      if (id.is_null() || store.exists(key)) {  // examples repeat: the next seeded item needs its own id
        id = new_id(c, nullptr);
        key = std::string(concrete) + "/" + id_text(id);
      }
      if (key.find_first_of("?# ") != std::string::npos || store.exists(key)) continue;
      store.put(key, make_item(c, key, id, &generated));
    }
  }

  void answer(http::Response& res, int status, const json::value& body) const {
    res.status(status);
    res.body("application/json", json::serialize(body));
  }

  void answer_generated(const Plan& p, http::Response& res) const {
    res.status(p.success);
    if (p.media && !p.generated.empty() && p.success != 204) res.body(p.media->type == "*/*" ? "application/json" : p.media->type, p.generated);
  }

  // Sends `res` once the write `commit` is durable. In a server the thread goes on answering
  // other requests meanwhile, so the store's group commit can gather the writes made in between
  // into one fsync; elsewhere (no server to defer to) it waits here.
  void send_when_durable(Commit commit, http::Response& res) const {
    if (commit == 0) return;
    http::Deferred later = res.defer();
    if (!later) return store.wait_durable(commit);
    store.on_durable(commit, [later](bool ok) mutable {
      later.dispatch([later, ok]() mutable {
        if (!ok) {
          later.response().clear();
          problem(later.response(), 500, "the write could not be made durable; the state file is read-only now");
        }
        later.finish();
      });
    });
  }

  // A list element made from an item of another schema carries the item's id in the field
  // named like the path parameter, when the element declares one (Proxmox lists users with
  // their userid, which reading one user does not answer).
  void name_element(const Plan& p, std::string_view item_path, json::value& e) const {
    if (!e.is_object() || !p.collection) return;
    schema::SchemaRef fs = schema::resolve(schema::property(p.list_items, p.collection->id_param));
    if (!fs) return;
    std::string_view id = last_segment(item_path);
    json::value v(id);
    if (schema::info(fs).types & schema::type_integer) {
      std::int64_t n = 0;
      if (std::from_chars(id.data(), id.data() + id.size(), n).ec == std::errc()) v = n;
    }
    if (schema::is_valid(fs, v, schema::Direction::response)) e.as_object()[p.collection->id_param] = std::move(v);
  }

  void item_headers(const Item& item, http::Response& res) const {
    res.header("ETag", item.etag);
    res.header("Last-Modified", item.last_modified);
  }
  // Whether a stored item is valid as the body `s` describes; remembered in the item.
  static bool conforms(const Item& item, const schema::Schema* s) {
    if (!s || item.conforms_to.load(std::memory_order_relaxed) == s) return true;
    if (!schema::is_valid(s, item.value, schema::Direction::response)) return false;
    item.conforms_to.store(s, std::memory_order_relaxed);
    return true;
  }

  void handle(const http::Request& req, http::Response& res) const;
  // What handle() does; tells which operation matched and, for a refused request, its
  // violations (serialised, only when requests are remembered).
  void serve(const http::Request& req, http::Response& res, const spec::Operation*& matched, std::string& violations) const;
  std::function<void()> reset_to_seed;  // Mock::reset, for the admin API
  void admin(const http::Request& req, http::Response& res) const;
  bool prefer(const spec::Operation& op, std::string_view header, http::Response& res) const;
  void list(const Plan& p, const spec::Operation& op, const spec::RequestValidation& v, std::string_view concrete, http::Response& res) const;
};

void Mock::Impl::list(const Plan& p, const spec::Operation& op, const spec::RequestValidation& v, std::string_view concrete,
                      http::Response& res) const {
  auto items = store.list(concrete);
  // Query parameters that name item fields filter; paging parameters page.
  std::int64_t limit = -1, offset = 0, page = -1, per_page = 30;
  std::vector<const Item*> kept;
  kept.reserve(items.size());
  for (const auto& it : items) {
    bool keep = true;
    for (const auto& [name, value] : v.query) {
      if (name == "limit" || name == "offset" || name == "page" || name == "per_page") continue;
      if (!it->value.is_object()) continue;
      auto* field = it->value.as_object().if_contains(name);
      if (!field) continue;
      if (*field != value && !(field->is_string() && value.is_string() && field->as_string() == value.as_string()) &&
          json::serialize(*field) != (value.is_string() ? std::string(value.as_string()) : json::serialize(value)))
        keep = false;
    }
    if (keep) kept.push_back(it.get());
  }
  auto num = [&](const char* name, std::int64_t& into) {
    if (auto* q = v.query.if_contains(name); q && q->is_int64()) into = q->as_int64();
  };
  if (op.find_parameter(spec::ParameterIn::query, "limit")) num("limit", limit);
  if (op.find_parameter(spec::ParameterIn::query, "offset")) num("offset", offset);
  if (op.find_parameter(spec::ParameterIn::query, "per_page")) num("per_page", per_page);
  if (op.find_parameter(spec::ParameterIn::query, "page")) {
    num("page", page);
    if (page >= 1) {
      offset = (page - 1) * per_page;
      limit = per_page;
    }
  }
  std::size_t from = 0, to = kept.size();
  if (offset > 0 || limit >= 0) {
    from = std::min<std::size_t>(static_cast<std::size_t>(std::max<std::int64_t>(offset, 0)), kept.size());
    if (limit >= 0) to = std::min<std::size_t>(to, from + static_cast<std::size_t>(limit));
  }
  char total[24];
  auto tr = std::to_chars(total, total + sizeof total, items.size());
  res.header("X-Total-Count", std::string_view(total, static_cast<std::size_t>(tr.ptr - total)));
  // The list as the operation declares it: an array, or an object holding one.
  schema::SchemaRef s = p.media ? schema::resolve(p.media->schema) : nullptr;
  if (!s || (schema::info(s).types & schema::type_array)) {
    // The items' bodies were serialised when stored: the array is their concatenation, written
    // straight into the response's buffer.
    res.status(p.success);
    res.header("Content-Type", p.content_type);
    std::string& out = res.body_buffer();
    out.clear();
    out.push_back('[');
    for (std::size_t i = from; i < to; ++i) {
      if (i != from) out.push_back(',');
      if (!p.list_items) {
        out += kept[i]->body;
      } else {  // elements of another schema than the items (GitHub lists simple-user for collaborators)
        json::value e = kept[i]->value;
        conform(p.list_items, e, p.list_example);
        name_element(p, kept[i]->path, e);
        out += json::serialize(e);
      }
    }
    out.push_back(']');
    return;
  }
  // An object holding the list ({"data": [...]}, {"items": [...], "total_count": n}): the
  // object's other members as generated, the array again the items' stored bodies.
  const json::value* base = p.has_generated && p.generated_value.is_object() ? &p.generated_value : nullptr;
  if (!p.list_items && (base || !p.has_generated)) {
    std::string_view array_prop;
    for (const auto& prop : schema::info(s).properties) {
      auto ps = schema::resolve(prop.schema);
      if (ps && (schema::info(ps).types & schema::type_array)) {
        array_prop = prop.name;
        break;
      }
    }
    auto items_array = [&](std::string& out) {
      out.push_back('[');
      for (std::size_t i = from; i < to; ++i) {
        if (i != from) out.push_back(',');
        out += kept[i]->body;
      }
      out.push_back(']');
    };
    res.status(p.success);
    res.header("Content-Type", p.content_type);
    std::string& out = res.body_buffer();
    out.clear();
    out.push_back('{');
    bool first = true, placed = array_prop.empty();
    if (base)
      for (const auto& kv : base->as_object()) {
        if (!first) out.push_back(',');
        first = false;
        out += json::serialize(json::string_view(kv.key()));
        out.push_back(':');
        if (!placed && kv.key() == array_prop) {
          items_array(out);
          placed = true;
        } else {
          out += json::serialize(kv.value());
        }
      }
    if (!placed) {
      if (!first) out.push_back(',');
      out += json::serialize(json::string_view(array_prop));
      out.push_back(':');
      items_array(out);
    }
    out.push_back('}');
    return;
  }
  json::array out;
  out.reserve(to - from);
  for (std::size_t i = from; i < to; ++i) {
    out.push_back(kept[i]->value);
    if (p.list_items) {
      conform(p.list_items, out.back(), p.list_example);
      name_element(p, kept[i]->path, out.back());
    }
  }
  json::value body = p.has_generated ? p.generated_value : json::value(json::object{});
  if (body.is_object()) {
    for (const auto& prop : schema::info(s).properties) {
      auto ps = schema::resolve(prop.schema);
      if (ps && (schema::info(ps).types & schema::type_array)) {
        body.as_object()[prop.name] = std::move(out);
        break;
      }
    }
  }
  res.status(p.success);
  res.body(p.content_type, json::serialize(body));
}

// The admin API under /_oasis/: not part of the mocked API.
void Mock::Impl::admin(const http::Request& req, http::Response& res) const {
  std::string_view what = req.path().substr(8);  // after "/_oasis/"
  const auto method = req.method();
  if (what == "health" && (method == http::Method::GET || method == http::Method::HEAD)) {
    json::object o{{"status", "ok"}, {"title", doc.title()}, {"operations", doc.operations().size()},
                   {"collections", topology.collections().size()}, {"state_version", store.version()}};
    return answer(res, 200, o);
  }
  if (what == "spec" && (method == http::Method::GET || method == http::Method::HEAD)) return answer(res, 200, doc.tree());
  if (what == "state") {
    if (method == http::Method::GET || method == http::Method::HEAD) return answer(res, 200, store.export_all());
    if (method == http::Method::PUT) {
      boost::system::error_code ec;
      json::value v = json::parse(req.body(), ec);
      if (ec || !v.is_object()) return problem(res, 400, "the state must be a JSON object of {\"/path\": item}");
      try {
        store.import_all(v.as_object());
      } catch (const StoreError& e) {
        return problem(res, 400, e.what());
      }
      // Imported collections are taken as they are: no seeding on top of them.
      std::unique_lock lock(seed_mu);
      seeded.clear();
      for (const auto& [key, value] : v.as_object()) {
        (void)value;
        std::string coll(parent_path(key));
        seeded.insert(coll);
        store.mark("seeded " + coll);
      }
      return res.status(204);
    }
    if (method == http::Method::DELETE) {
      reset_to_seed();
      return res.status(204);
    }
    res.header("Allow", "GET, HEAD, PUT, DELETE");
    return problem(res, 405, "the state allows GET, PUT and DELETE");
  }
  if (what == "requests" && (method == http::Method::GET || method == http::Method::HEAD)) {
    std::size_t limit = recorder.ring();
    std::string_view q = req.query();
    while (!q.empty()) {
      auto amp = q.find('&');
      std::string_view kv = q.substr(0, amp);
      q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
      if (kv.substr(0, 6) != "limit=") continue;
      std::size_t n = 0;
      auto r = std::from_chars(kv.data() + 6, kv.data() + kv.size(), n);
      if (r.ec != std::errc() || r.ptr != kv.data() + kv.size())
        return problem(res, 400, "limit: expected a whole number, got '" + std::string(kv.substr(6)) + "'");
      limit = n;
    }
    json::object o{{"capacity_per_thread", recorder.ring()}, {"requests", recorder.recent(limit)}};
    return answer(res, 200, o);
  }
  if (what == "metrics" && (method == http::Method::GET || method == http::Method::HEAD)) {
    res.status(200);
    return res.body("text/plain; version=0.0.4; charset=utf-8", recorder.metrics());
  }
  problem(res, 404, "no such admin resource: " + std::string(req.path()));
}

// `Prefer: code=404` or `Prefer: example=NAME` (as Prism reads them): answer that declared
// response instead, changing nothing. False when the header asks for nothing the operation has.
bool Mock::Impl::prefer(const spec::Operation& op, std::string_view header, http::Response& res) const {
  std::string_view code, example;
  while (!header.empty()) {
    auto sep = header.find_first_of(",;");
    std::string_view item = header.substr(0, sep);
    header = sep == std::string_view::npos ? std::string_view{} : header.substr(sep + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.substr(0, 5) == "code=") code = item.substr(5);
    if (item.substr(0, 8) == "example=") example = item.substr(8);
  }
  if (code.empty() && example.empty()) return false;
  for (const auto& r : op.responses) {
    int st = status_number(r.status);
    if (!code.empty() ? r.status != code : (st < 200 || st >= 300)) continue;
    const spec::MediaType* m = pick_media(r.content);
    if (!example.empty()) {
      if (!m) continue;
      for (const auto& ex : m->examples)
        if (ex.name == example && ex.value) {
          res.status(st ? st : 200);
          res.body(m->type, json::serialize(*ex.value));
          return true;
        }
      continue;
    }
    res.status(st ? st : 500);
    if (m && m->schema) {
      schema::GenerateOptions g;
      g.seed = hash_of(r.pointer, opt.seed);
      res.body(json_media(m->type) ? std::string_view("application/json") : std::string_view(m->type),
               json::serialize(schema::generate(m->schema, g)));
    }
    return true;
  }
  return false;
}

void Mock::Impl::handle(const http::Request& req, http::Response& res) const {
  if (req.path().substr(0, 8) == "/_oasis/") return admin(req, res);
  const auto start = std::chrono::steady_clock::now();
  const spec::Operation* matched = nullptr;
  std::string violations;
  serve(req, res, matched, violations);
  Recorder::Entry e;
  e.method = req.method_name();
  e.target = req.target();
  e.op = matched;
  e.status = res.status();
  e.end = std::chrono::steady_clock::now();
  e.duration = e.end - start;
  e.violations = violations;
  recorder.record(e);
}

void Mock::Impl::serve(const http::Request& req, http::Response& res, const spec::Operation*& matched,
                       std::string& violations) const {
  spec::RouteMatch m;
  router.find(req.method(), req.path(), m);
  if (m.status == spec::RouteStatus::not_found) return problem(res, 404, "no operation of the API matches this path");
  if (m.status == spec::RouteStatus::method_not_allowed) {
    res.header("Allow", m.allow);
    return problem(res, 405, "the path does not allow " + std::string(req.method_name()));
  }
  const spec::Operation& op = *m.operation;
  const Plan& p = plans[op.index];
  matched = &op;

  spec::RequestInput in;
  in.path_params = {m.params.data(), m.params.size()};
  in.query = req.query();
  in.headers = {req.headers().begin(), req.headers().end()};
  in.body = req.body();
  in.has_body = !req.body().empty() || req.headers().has("Content-Length") || req.headers().has("Transfer-Encoding");
  spec::RequestOptions ro;
  ro.keep = spec::keep_query;  // list() reads the query's values; the rest are only checked
  auto v = spec::validate_request(op, in, ro);
  if (!v.ok()) {
    if (recorder.ring()) {
      json::array list;
      for (const auto& viol : v.violations) list.push_back(json::object{{"pointer", viol.instance_pointer}, {"message", viol.message}});
      if (list.empty()) list.push_back(json::object{{"pointer", ""}, {"message", "status " + std::to_string(v.status)}});
      violations = json::serialize(list);
    }
    auto pr = spec::problem_from(v);
    // The document's own 4xx for bad input, when it declares one.
    if (v.status == 400)
      for (const auto& r : op.responses)
        if (r.status == "422" || r.status == "400") {
          pr.status = status_number(r.status);
          break;
        }
    return spec::write_problem(res, pr);
  }

  if (auto pref = req.header("Prefer"); !pref.empty() && prefer(op, pref, res)) return;

  // The concrete path, without the base path.
  std::string_view path = req.path();
  const std::string& base = router.base_path();
  if (!base.empty() && path.substr(0, base.size()) == base) path.remove_prefix(base.size());
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);

  // Whatever is under an item needs the item.
  std::string_view item_path;
  if (p.under_item) {
    item_path = first_segments(path, p.item_segments);
    if (p.owner) ensure_seeded(*p.owner, parent_template(item_path));
    if (p.role != Role::item && !store.exists(item_path)) return problem(res, 404, "no such item: " + std::string(item_path));
  }

  const auto method = req.method() == http::Method::HEAD ? http::Method::GET : req.method();
  if (p.role == Role::collection) {
    const Collection& c = *p.collection;
    if (p.parent) {
      std::string_view parent = first_segments(path, p.parent_segments);
      ensure_seeded(*p.parent, parent_template(parent));
      if (!store.exists(parent)) return problem(res, 404, "no such item: " + std::string(parent));
    }
    ensure_seeded(c, path);
    if (method == http::Method::GET) return list(p, op, v, path, res);
    if (method == http::Method::POST && p.creates) {
      const json::value* body = v.body.is_null() ? nullptr : &v.body;
      json::value id = new_id(c, body);
      std::string key = std::string(path) + "/" + id_text(id);
      if (store.exists(key)) return problem(res, 409, "an item with id " + id_text(id) + " already exists");
      Commit commit = 0;
      auto item = store.put_pending(key, make_item(c, key, id, body, &defaults_for_create(c)), commit);
      res.status(p.success);
      if (p.success == 201 || p.declares_201) res.header("Location", base + key);
      item_headers(*item, res);
      if (p.media) {
        // The created item when the response describes it, else the operation's own answer
        // (Proxmox answers a create with null).
        if (conforms(*item, p.media->schema))
          res.body(p.content_type, item->body);
        else if (!p.generated.empty())
          res.body(p.media->type == "*/*" ? "application/json" : p.media->type, p.generated);
      }
      return send_when_durable(commit, res);
    }
    return answer_generated(p, res);
  }

  if (p.role == Role::item) {
    const Collection& c = *p.collection;
    auto item = store.get(path);
    // Preconditions, by the rest module's rules (RFC 9110 §13.2.2). They are ignored when the
    // request would not succeed without them (a missing item is 404 except for a PUT or POST,
    // which creates it).
    if (item || method == http::Method::PUT || method == http::Method::POST) {
      if (rest::ConditionalFields cf = rest::conditional_fields(req); cf.any()) {
        rest::Validators current;
        if (item) {
          std::string_view tag = item->etag;
          if (tag.size() >= 2 && tag.front() == '"' && tag.back() == '"') tag = tag.substr(1, tag.size() - 2);
          current = {true, {tag, false}, rest::Time(std::chrono::seconds(item->modified))};
        }
        switch (rest::evaluate_preconditions(req.method(), cf, current)) {
          case rest::Precondition::not_modified:
            item_headers(*item, res);
            return res.status(304);
          case rest::Precondition::failed:
            if (item) item_headers(*item, res);
            return problem(res, 412, "a precondition of the request (If-Match, If-None-Match or If-Unmodified-Since) does not hold for the item");
          case rest::Precondition::proceed:
            break;
        }
      }
    }
    if (method == http::Method::GET) {
      if (!item) return problem(res, 404, "no such item: " + std::string(path));
      item_headers(*item, res);
      res.status(p.success);
      if (p.success == 204 || !p.media) return;  // GitHub's "is a member" checks, redirects: no body
      return res.body(p.content_type, item->body);  // serialised once, when stored
    }
    if (method == http::Method::DELETE) {
      if (!item) return problem(res, 404, "no such item: " + std::string(path));
      store.erase(path);
      res.status(p.success);
      if (p.success != 204 && p.media && !p.generated.empty()) res.body("application/json", p.generated);
      return;
    }
    // PUT replaces or creates, PATCH merges, POST on an item path creates it when it is missing
    // (Proxmox creates API tokens so); a POST on an existing item is an action on it.
    if (method == http::Method::PUT || method == http::Method::PATCH || (method == http::Method::POST && !item)) {
      if (!item && method == http::Method::PATCH) return problem(res, 404, "no such item: " + std::string(path));
      if (!item && !c.parent_item.empty()) {
        // A new item of a nested collection needs the item it lives under.
        std::string_view parent = first_segments(path, segment_count(c.parent_item));
        if (const Collection* pc = topology.collection_of_item(c.parent_item)) ensure_seeded(*pc, parent_template(parent));
        if (!store.exists(parent)) return problem(res, 404, "no such item: " + std::string(parent));
      }
      json::value id(std::string(last_segment(path)));
      json::value next;
      if (method == http::Method::PATCH) {
        next = item->value;
        if (!v.body.is_null()) merge_patch(next, v.body);
        conform(p.item_schema, next, item->value);
      } else {
        next = make_item(c, path, id, v.body.is_null() ? nullptr : &v.body);
      }
      auto stored = store.put(path, std::move(next));
      item_headers(*stored, res);
      res.status(!item && p.declares_201 ? 201 : p.success);
      // The stored item when the response describes it, else the operation's own answer
      // (Proxmox answers a PUT with null).
      if (p.media) {
        if (conforms(*stored, p.media->schema))
          res.body(p.content_type, stored->body);
        else if (!p.generated.empty())
          res.body(p.media->type == "*/*" ? "application/json" : p.media->type, p.generated);
      }
      return;
    }
    return answer_generated(p, res);
  }

  if (p.role == Role::sub_resource) {
    if (method == http::Method::GET) {
      if (auto stored = store.get(path)) {
        item_headers(*stored, res);
        if (!p.media || p.success == 204) return answer_generated(p, res);
        res.status(p.success);
        // What was written, as far as it fits what this GET answers.
        if (conforms(*stored, p.media->schema))
          return res.body(p.content_type, stored->body);
        json::value body = stored->value;
        conform(p.media->schema, body, p.generated_value);
        return res.body(p.content_type, json::serialize(body));
      }
      // Generated, with the item's own fields where names match (a VM's name in its config).
      if (!p.media || !p.has_generated) return answer_generated(p, res);
      json::value body = p.generated_value;
      auto item = store.get(item_path);
      if (item && item->value.is_object() && body.is_object()) {
        for (auto& [k, val] : body.as_object())
          if (auto* from = item->value.as_object().if_contains(k); from && from->kind() == val.kind()) val = *from;
        if (!p.media->schema || !schema::is_valid(p.media->schema, body, schema::Direction::response)) body = p.generated_value;
      }
      res.status(p.success);
      return res.body(p.content_type, json::serialize(body));
    }
    if (method == http::Method::DELETE) {
      store.erase(path);
      return answer_generated(p, res);
    }
    if (method == http::Method::PUT || method == http::Method::PATCH || (method == http::Method::POST && !v.body.is_null())) {
      json::value next = json::object{};
      if (auto cur = store.get(path); cur && method == http::Method::PATCH) next = cur->value;
      if (!v.body.is_null()) merge_patch(next, v.body);
      store.put(path, std::move(next));
    }
    return answer_generated(p, res);
  }
  answer_generated(p, res);
}

Mock::Mock(const spec::Document& doc, Store& store, MockOptions opts)
    : impl_(std::make_unique<Impl>(doc, store, std::move(opts))) {
  load_data();
  impl_->reset_to_seed = [this] { reset(); };
}

void Mock::load_data() {
  for (const auto& [key, value] : impl_->opt.data) {
    if (!value.is_object() || key.empty() || key[0] != '/') continue;
    if (!impl_->store.exists(key) && impl_->store.mark("data " + std::string(key))) impl_->store.put(key, value);
  }
}
Mock::~Mock() = default;

void Mock::handle(const http::Request& req, http::Response& res) const { impl_->handle(req, res); }

void Mock::record_outside(const http::Request& req, int status, std::chrono::nanoseconds took) const {
  spec::RouteMatch m;
  impl_->router.find(req.method(), req.path(), m);
  Recorder::Entry e;
  e.method = req.method_name();
  e.target = req.target();
  e.op = m.status == spec::RouteStatus::found ? m.operation : nullptr;
  e.status = status;
  e.duration = took;
  impl_->recorder.record(e);
}
const Topology& Mock::topology() const noexcept { return impl_->topology; }
const spec::Router& Mock::router() const noexcept { return impl_->router; }

void Mock::reset() {
  {
    std::unique_lock lock(impl_->seed_mu);
    impl_->seeded.clear();
    impl_->store.clear();
  }
  load_data();
}

}  // namespace oasis::mock
