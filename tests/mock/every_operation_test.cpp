// Every operation of three real documents (petstore-expanded, GitHub's 2020 API, Proxmox VE)
// answered once, in-process, with generated valid input: path parameters naming items that
// exist (the collection is listed, or an item created, first), every required query and header
// parameter, a generated request body. Each must be answered 2xx, and each 2xx must conform to
// what the operation declares (status, headers, content type, body schema). Operations the
// mock cannot answer 2xx for a stated reason are listed below with that reason; nothing is
// skipped silently.
#include <oasis/mock/mock.hpp>
#include <oasis/spec/request.hpp>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <support/specs.hpp>

#include "e2e/support.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>
#include <optional>
#include <sstream>

using namespace oasis;
namespace json = boost::json;

namespace {

// Operations a mock cannot answer with 2xx, and why. Keyed by "METHOD /path/template".
// They must still answer what the document declares, and conform to it.
const std::map<std::string, std::string, std::less<>> kCannot = {
    {"GET /repos/{owner}/{repo}/tarball/{ref}", "the document declares only a 302 redirect to the archive"},
    {"GET /repos/{owner}/{repo}/zipball/{ref}", "the document declares only a 302 redirect to the archive"},
    {"GET /orgs/{org}/migrations/{migration_id}/archive", "the document declares only a 302 redirect to the archive"},
    {"GET /user/migrations/{migration_id}/archive", "the document declares only a 302 redirect to the archive"},
    {"GET /repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format}", "the document declares only a 302 redirect to the archive"},
    {"GET /repos/{owner}/{repo}/actions/jobs/{job_id}/logs", "the document declares only a 302 redirect to the logs"},
    {"GET /repos/{owner}/{repo}/actions/runs/{run_id}/logs", "the document declares only a 302 redirect to the logs"},
};

// Query and path values are sent percent-encoded, as a client would.
std::string (&encode)(std::string_view) = oasis::http::percent_encode;

std::string scalar_text(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_null()) return "";
  return json::serialize(v);
}

struct Built {
  std::string method, target, body, content_type;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct Answer {
  int status = 0;
  std::string body, content_type, location;
  std::vector<std::pair<std::string, std::string>> header_storage;
  http::Response res;
};

class EveryOperation {
 public:
  EveryOperation(const spec::Document& doc) : doc_(doc), mock_(doc, store_) {}
  // Through the real binary, listening on `port`, instead of in-process.
  EveryOperation(const spec::Document& doc, int port)
      : doc_(doc), mock_(doc, store_), client_(std::make_unique<oasis_test::Client>(port)), port_of_client_(port) {}

  Answer send(const Built& b) {
    if (client_) return send_over_http(b);
    http::Request req;
    req.set_method(b.method);
    req.set_target(b.target);
    req.mutable_headers().add("Host", "t");
    for (const auto& [k, v] : b.headers) req.mutable_headers().add(k, v);
    std::string length = std::to_string(b.body.size());
    if (!b.content_type.empty()) {
      req.mutable_headers().add("Content-Type", b.content_type);
      req.mutable_headers().add("Content-Length", length);
    }
    req.set_body(b.body);
    Answer a;
    mock_.handle(req, a.res);
    a.status = a.res.status();
    a.body = std::string(a.res.body());
    a.content_type = std::string(a.res.header("Content-Type"));
    a.location = std::string(a.res.header("Location"));
    return a;
  }

  Answer send_over_http(const Built& b) {
    std::string raw = b.method + " " + b.target + " HTTP/1.1\r\nHost: t\r\n";
    for (const auto& [k, v] : b.headers) raw += k + ": " + v + "\r\n";
    if (!b.content_type.empty()) raw += "Content-Type: " + b.content_type + "\r\nContent-Length: " + std::to_string(b.body.size()) + "\r\n";
    raw += "\r\n" + b.body;
    Answer a;
    client_->send(raw);
    auto r = client_->read_response(b.method == "HEAD");
    if (!r) {
      ADD_FAILURE() << "no answer to " << b.method << " " << b.target;
      client_ = std::make_unique<oasis_test::Client>(port_of_client_);
      return a;
    }
    a.status = r->status;
    a.body = r->body;
    a.content_type = r->header("Content-Type");
    a.location = r->header("Location");
    // The header fields, for the response check.
    std::string_view head = r->head;
    head.remove_prefix(std::min(head.size(), head.find("\r\n") + 2));
    while (!head.empty()) {
      auto eol = head.find("\r\n");
      std::string_view line = head.substr(0, eol);
      head = eol == std::string_view::npos ? std::string_view{} : head.substr(eol + 2);
      auto colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      std::string_view v = line.substr(colon + 1);
      while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      a.header_storage.emplace_back(std::string(line.substr(0, colon)), std::string(v));
    }
    return a;
  }

  // The ids of the items stored directly under a concrete collection, in creation order.
  std::vector<std::string> ids(const std::string& concrete) {
    std::vector<std::string> out;
    if (!client_) {
      for (const auto& item : store_.list(concrete)) out.emplace_back(mock::last_segment(item->path));
      return out;
    }
    Built b;
    b.method = "GET";
    b.target = "/_oasis/state";
    Answer a = send(b);
    if (a.status != 200) return out;
    json::value state = json::parse(a.body);
    for (const auto& [key, value] : state.as_object()) {
      (void)value;
      std::string_view k = key;
      if (k.size() > concrete.size() + 1 && k.substr(0, concrete.size()) == concrete && k[concrete.size()] == '/' &&
          k.find('/', concrete.size() + 1) == std::string_view::npos)
        out.emplace_back(k.substr(concrete.size() + 1));
    }
    return out;
  }

  // A value for a parameter or body, generated to fit its schema.
  static json::value generate(schema::SchemaRef s, std::string_view name, std::uint64_t seed) {
    if (!s) return json::value("x");
    schema::GenerateOptions g;
    g.seed = seed;
    g.direction = schema::Direction::request;
    g.name_hint = name;
    return schema::generate(s, g);
  }

  // The request for `op`: path parameters of items that exist, generated everything else.
  // `generate_last`: the last path parameter is generated (a probe that seeds the collection).
  Built build(const spec::Operation& op, std::uint64_t seed, bool generate_last = false, int depth = 0) {
    Built b;
    b.method = op.method_name;
    std::string concrete, tmpl;
    std::string_view rest = op.path;
    while (!rest.empty()) {
      rest.remove_prefix(1);  // '/'
      auto slash = rest.find('/');
      std::string_view seg = rest.substr(0, slash);
      rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
      tmpl += "/";
      tmpl += seg;
      if (!mock::is_variable_segment(seg)) {
        concrete += "/";
        concrete += seg;
        continue;
      }
      std::string name(seg.substr(1, seg.size() - 2));
      const spec::Parameter* p = op.find_parameter(spec::ParameterIn::path, name);
      std::optional<std::string> value;
      const bool last = rest.empty();
      if (const auto* c = mock_.topology().collection_of_item(tmpl); c && !(last && generate_last) && depth < 8)
        value = existing(*c, concrete, seed, depth);
      if (!value) {
        json::value v = generate(p ? p->schema : nullptr, name, seed ^ std::hash<std::string>{}(tmpl));
        std::string text = scalar_text(v);
        // A value equal to a literal sibling segment routes elsewhere: later attempts salt it.
        if (salt_ && v.is_string()) text += "x" + std::to_string(salt_);
        value = encode(text);
        if (value->empty()) value = "x";
      }
      concrete += "/" + *value;
    }
    b.target = concrete.empty() ? "/" : concrete;
    // Required query and header parameters.
    std::string query;
    auto add_query = [&](std::string_view k, std::string_view v) {
      query += query.empty() ? '?' : '&';
      query += k;
      query += '=';
      query += v;
    };
    for (const auto& p : op.parameters) {
      if (!p.required || p.in == spec::ParameterIn::path) continue;
      json::value v = generate(p.schema, p.name, seed ^ std::hash<std::string>{}(p.name));
      if (!p.content_type.empty()) v = json::serialize(v);
      if (p.in == spec::ParameterIn::query) {
        if (v.is_array()) {
          std::string joined;
          for (const auto& e : v.as_array()) {
            if (p.explode && p.style == spec::Style::form) add_query(encode(p.name), encode(scalar_text(e)));
            else joined += (joined.empty() ? "" : (p.style == spec::Style::pipe_delimited ? "|" : p.style == spec::Style::space_delimited ? "%20" : ",")) + encode(scalar_text(e));
          }
          if (!(p.explode && p.style == spec::Style::form)) add_query(encode(p.name), joined);
        } else if (v.is_object()) {
          std::string joined;
          for (const auto& [k, e] : v.as_object()) {
            if (p.style == spec::Style::deep_object) add_query(encode(p.name) + "%5B" + encode(k) + "%5D", encode(scalar_text(e)));
            else if (p.explode) add_query(encode(k), encode(scalar_text(e)));
            else joined += (joined.empty() ? "" : ",") + encode(k) + "," + encode(scalar_text(e));
          }
          if (p.style != spec::Style::deep_object && !p.explode) add_query(encode(p.name), joined);
        } else {
          add_query(encode(p.name), encode(scalar_text(v)));
        }
      } else if (p.in == spec::ParameterIn::header) {
        std::string text;
        if (v.is_array())
          for (const auto& e : v.as_array()) text += (text.empty() ? "" : ",") + scalar_text(e);
        else
          text = scalar_text(v);
        b.headers.push_back({p.name, text});
      } else if (p.in == spec::ParameterIn::cookie) {
        b.headers.push_back({"Cookie", p.name + "=" + encode(scalar_text(v))});
      }
    }
    b.target += query;
    // The body, in the first JSON media type (else form, else text).
    if (op.request_body && !op.request_body->content.empty()) {
      const spec::MediaType* m = nullptr;
      for (const auto& mt : op.request_body->content)
        if (mt.type == "application/json" || mt.type.ends_with("+json") || mt.type == "*/*") {
          m = &mt;
          break;
        }
      if (!m)
        for (const auto& mt : op.request_body->content)
          if (mt.type == "application/x-www-form-urlencoded" || mt.type.starts_with("text/")) {
            m = &mt;
            break;
          }
      if (!m) m = &op.request_body->content.front();
      json::value v = m->schema ? generate(m->schema, "", seed) : json::value(json::object{});
      b.content_type = m->type == "*/*" ? "application/json" : m->type;
      if (b.content_type == "application/x-www-form-urlencoded") {
        if (v.is_object())
          for (const auto& [k, e] : v.as_object())
            b.body += (b.body.empty() ? "" : "&") + encode(k) + "=" + encode(scalar_text(e));
      } else if (b.content_type.starts_with("text/")) {
        b.body = scalar_text(v);
      } else {
        b.body = json::serialize(v);
      }
    }
    return b;
  }

  // The id of an item that exists in the concrete collection (seeding it, or creating one, if
  // need be); nullopt when there is none to have.
  std::optional<std::string> existing(const mock::Collection& c, const std::string& concrete_collection,
                                      std::uint64_t seed, int depth) {
    // The first stored child that is an item of `c` (not a sub-resource stored beside the items,
    // such as /gists/{id}/star beside /gists/{id}/{sha}).
    auto first = [&]() -> std::optional<std::string> {
      for (const auto& id : ids(concrete_collection)) {
        spec::RouteMatch m;
        std::string path = concrete_collection + "/" + id;
        for (http::Method method : {http::Method::GET, http::Method::DELETE, http::Method::PUT, http::Method::PATCH, http::Method::POST}) {
          mock_.router().find(method, path, m);
          if (m.status == spec::RouteStatus::found) break;
        }
        if (m.status == spec::RouteStatus::found && m.operation->path == c.item_path) return id;
      }
      return std::nullopt;
    };
    if (auto id = first()) return id;
    // Touching the collection seeds it: list it, or read an item of it.
    if (c.list) send(build_under(*c.list, concrete_collection, seed, depth));
    else if (c.read) send(build_under(*c.read, concrete_collection, seed, depth, true));
    if (auto id = first()) return id;
    if (c.create) {
      for (std::uint64_t attempt = 0; attempt < 3; ++attempt) {
        Answer a = send(build_under(*c.create, concrete_collection, seed + attempt, depth));
        if (a.status / 100 == 2) break;
      }
    }
    return first();
  }

  // build() for an operation on `concrete_collection` or its items: the collection's own path
  // parameters are the ones already chosen.
  Built build_under(const spec::Operation& op, const std::string& concrete_collection, std::uint64_t seed, int depth,
                    bool generate_last = false) {
    Built b = build(op, seed, generate_last, depth + 1);
    // Replace the prefix with the concrete collection (the same parameters were chosen, but be
    // exact about it).
    std::size_t segs = static_cast<std::size_t>(std::count(concrete_collection.begin(), concrete_collection.end(), '/'));
    std::size_t i = 0, seen = 0;
    for (; i < b.target.size(); ++i)
      if ((b.target[i] == '/' || b.target[i] == '?') && seen++ == segs) break;
    b.target = concrete_collection + b.target.substr(std::min(i, b.target.size()));
    return b;
  }

  struct Result {
    std::size_t operations = 0, answered = 0, validated = 0, listed = 0;
    std::vector<std::string> failures;
  };

  // Every `stride`-th operation (1: all of them).
  Result run(std::size_t stride = 1) {
    Result r;
    std::vector<const spec::Operation*> order;
    for (const auto& op : doc_.operations())
      if (op.index % stride == 0) order.push_back(&op);
    // Deletes last, deepest first, so that they do not take away what other operations need.
    std::stable_sort(order.begin(), order.end(), [](const spec::Operation* a, const spec::Operation* b) {
      bool da = a->method == http::Method::DELETE, db = b->method == http::Method::DELETE;
      if (da != db) return db;
      if (!da) return false;
      return std::count(a->path.begin(), a->path.end(), '/') > std::count(b->path.begin(), b->path.end(), '/');
    });
    for (const spec::Operation* op : order) {
      ++r.operations;
      std::string key = op->method_name + " " + op->path;
      Built b;
      Answer a;
      for (std::uint64_t attempt = 0; attempt < 4; ++attempt) {
        b = build(*op, 7 + attempt * 1000);
        // A generated value that happens to equal a literal sibling segment routes elsewhere
        // (/gists/{gist_id}/{sha} with sha "star"): generate another.
        spec::RouteMatch m;
        std::string path = b.target.substr(0, b.target.find('?'));
        mock_.router().find(op->method, path, m);
        if (m.status == spec::RouteStatus::found && m.operation != op) {
          salt_ = attempt + 1;
          b = build(*op, 7 + attempt * 1000);
          salt_ = 0;
        }
        if (attempt > 0) fresh_id(*op, b, attempt);
        a = send(b);
        if (a.status != 409) break;  // a generated id that exists already: try a fresh one
      }
      const bool cannot = kCannot.count(key) > 0;
      if (a.status / 100 != 2 && !(cannot && a.status / 100 == 3)) {
        r.failures.push_back(key + ": " + std::to_string(a.status) + " for " + b.method + " " + b.target + " " +
                             b.body.substr(0, 300) + "\n    " + a.body.substr(0, 600));
        continue;
      }
      if (cannot && a.status / 100 == 2) r.failures.push_back(key + ": listed as not answerable but answered " + std::to_string(a.status));
      if (!cannot) ++r.answered;
      std::vector<http::Field> fields;
      if (client_)
        for (const auto& [k, v] : a.header_storage) fields.push_back({k, v});
      else
        a.res.for_each_header([&](std::string_view k, std::string_view v) { fields.push_back({k, v}); });
      auto v = spec::validate_response(*op, a.status, a.content_type, a.body, fields);
      if (!v.ok()) {
        std::ostringstream msg;
        msg << key << ": " << a.status << " answer does not conform (" << b.target << "):";
        for (const auto& viol : v.violations)
          msg << "\n    " << viol.instance_pointer << ": " << viol.message << " [" << viol.schema_pointer << "]";
        msg << "\n    body: " << a.body.substr(0, 400);
        r.failures.push_back(msg.str());
        continue;
      }
      if (cannot) ++r.listed;
      else ++r.validated;
    }
    return r;
  }

  // After a 409: the body's id field (named like the item's parameter, or an id-like field)
  // made fresh, so that the create names an item that does not exist yet.
  void fresh_id(const spec::Operation& op, Built& b, std::uint64_t attempt) {
    const mock::Collection* c = mock_.topology().collection_at(op.path);
    if (!c || b.content_type != "application/json") return;
    boost::system::error_code ec;
    json::value body = json::parse(b.body, ec);
    if (ec || !body.is_object()) return;
    for (std::string_view f : {std::string_view(c->id_param), std::string_view("id"), std::string_view("name"),
                               std::string_view("uuid"), std::string_view("key"), std::string_view("slug"), std::string_view("vmid")}) {
      auto* v = body.as_object().if_contains(f);
      if (!v) continue;
      if (v->is_string()) *v = std::string(v->as_string()) + std::to_string(attempt);
      else if (v->is_int64()) *v = v->as_int64() + static_cast<std::int64_t>(attempt) * 7;
      else continue;
      b.body = json::serialize(body);
      return;
    }
  }

 private:
  const spec::Document& doc_;
  mock::Store store_;
  mock::Mock mock_;  // in-process; over HTTP, only its topology is used
  std::unique_ptr<oasis_test::Client> client_;
  int port_of_client_ = 0;
  std::uint64_t salt_ = 0;
};

// A sample (every `stride`-th operation) through `oasis mock` itself, over loopback.
void sample_over_http(const std::string& file, std::size_t stride) {
  auto loaded = spec::Document::load_file((oasis_test::specs_dir() / file).string());
  ASSERT_TRUE(loaded.ok()) << file;
  oasis_test::Process p({oasis_test::binary("oasis"), "mock", (oasis_test::specs_dir() / file).string(), "--port", "0"});
  int port = p.wait_for_port();
  EveryOperation e(*loaded.document, port);
  auto r = e.run(stride);
  std::printf("%s over HTTP: %zu operations sampled, %zu answered 2xx, %zu conform, %zu listed, %zu failures\n", file.c_str(),
              r.operations, r.answered, r.validated, r.listed, r.failures.size());
  EXPECT_GT(r.operations, 0u);
  for (const auto& f : r.failures) ADD_FAILURE() << f;
  EXPECT_EQ(r.validated + r.listed, r.operations);
}

void every_operation(const std::string& file, std::size_t expected_operations) {
  auto t0 = std::chrono::steady_clock::now();
  auto loaded = spec::Document::load_file((oasis_test::specs_dir() / file).string());
  ASSERT_TRUE(loaded.ok()) << file;
  EveryOperation e(*loaded.document);
  auto r = e.run();
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%s: %zu operations, %zu answered 2xx, %zu conform, %zu listed as not answerable, %zu failures (%.0f ms)\n",
              file.c_str(), r.operations, r.answered, r.validated, r.listed, r.failures.size(), ms);
  EXPECT_EQ(r.operations, expected_operations);
  for (const auto& f : r.failures) ADD_FAILURE() << f;
  EXPECT_EQ(r.validated + r.listed, r.operations);
}

}  // namespace

TEST(EveryOperation, PetstoreExpanded) {
  OASIS_REQUIRE_SPECS();
  every_operation("oai/petstore-expanded.yaml", 4);
}

TEST(EveryOperation, GitHub2020) {
  OASIS_REQUIRE_SPECS();
  every_operation("github-api-2020.json", 623);
}

TEST(EveryOperation, ProxmoxVE) {
  OASIS_REQUIRE_SPECS();
  every_operation("pve-openapi.json", 628);
}

TEST(EveryOperationOverHttp, SampleOfEachDocument) {
  OASIS_REQUIRE_SPECS();
  sample_over_http("oai/petstore-expanded.yaml", 1);
  sample_over_http("github-api-2020.json", 10);
  sample_over_http("pve-openapi.json", 10);
}
