// `import_proxmox`: each rule that turns the Proxmox API viewer schema into OpenAPI 3.1, checked on
// small inputs by loading the result and validating requests and responses against it; then the
// whole Proxmox VE schema (../shared/specs/pve-apidata.js) and a Backup Server-shaped fixture
// (tests/spec/data/pbs-apidata.js), counted against the input tree walked independently and
// linted strictly.
#include <oasis/spec/import.hpp>
#include <oasis/spec/request.hpp>
#include <oasis/spec/router.hpp>

#include <support/specs.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <fstream>
#include <set>
#include <sstream>

namespace json = boost::json;
using namespace oasis::spec;
using ::testing::HasSubstr;

namespace {

std::string all(const std::vector<Diagnostic>& ds) {
  std::string s;
  for (const auto& d : ds) s += d.to_string() + "\n";
  return s;
}

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// One node `path` with the methods given (a JSON object text of `info`), wrapped as apidata.js.
std::string apidata(const std::string& nodes) { return "const apiSchema = [" + nodes + "];\n"; }

std::string node(const std::string& path, const std::string& info, const std::string& children = "") {
  std::string s = R"({"path": ")" + path + R"(", "text": "x", "info": )" + info;
  if (!children.empty()) s += R"(, "children": [)" + children + "]";
  return s + "}";
}

struct Imported {
  ImportResult result;
  std::unique_ptr<Document> doc;
  std::string diagnostics;
};

// Imports, then loads the output strictly with lint notes: any warning fails the test.
Imported import_and_load(const std::string& text, ImportOptions opts = {}) {
  Imported out;
  out.result = import_proxmox(text, opts);
  out.diagnostics = all(out.result.diagnostics);
  EXPECT_TRUE(out.result.ok()) << out.diagnostics;
  if (!out.result.ok()) return out;
  LoadOptions lo;
  lo.strict = true;
  lo.lint = true;
  LoadResult lr = Document::load_string(json::serialize(*out.result.document), "imported.json", lo);
  EXPECT_TRUE(lr.ok()) << all(lr.diagnostics);
  EXPECT_TRUE(lr.diagnostics.empty()) << all(lr.diagnostics);
  out.doc = std::move(lr.document);
  return out;
}

const Operation* find_op(const Document& doc, std::string_view method, std::string_view path) {
  for (const auto& op : doc.operations())
    if (op.method_name == method && op.path == path) return &op;
  return nullptr;
}

const json::value& at(const json::value& v, std::string_view pointer) { return v.at_pointer(pointer); }

RequestValidation request(const Document& doc, const Operation& op, std::string_view path, std::string_view query,
                          std::string_view content_type = {}, std::string_view body = {}) {
  static std::vector<std::unique_ptr<Router>> routers;  // RouteMatch views live in the Router
  routers.push_back(std::make_unique<Router>(doc));
  RouteMatch m = routers.back()->find(op.method, path);
  EXPECT_TRUE(m.found()) << op.method_name << " " << path;
  RequestInput in;
  in.path_params = m.params;
  in.query = query;
  in.content_type = content_type;
  in.body = body;
  in.has_body = !body.empty();
  return validate_request(op, in);
}

// Every (path, METHOD) of an apidata tree, walked here with no help from the importer: the text
// between the first '[' and the last ']' is the JSON array.
std::set<std::pair<std::string, std::string>> walk_input(const std::string& text, std::size_t& paths) {
  std::set<std::pair<std::string, std::string>> ops;
  auto b = text.find('['), e = text.rfind(']');
  json::parse_options po;
  po.max_depth = 1000;
  json::value v = json::parse(std::string_view(text).substr(b, e - b + 1), {}, po);
  std::vector<const json::value*> todo;
  for (const auto& n : v.as_array()) todo.push_back(&n);
  paths = 0;
  while (!todo.empty()) {
    const json::object& n = todo.back()->as_object();
    todo.pop_back();
    ++paths;
    std::string path(n.at("path").as_string());
    if (auto* info = n.if_contains("info"))
      for (const auto& m : info->as_object()) ops.insert({path, std::string(m.key())});
    if (auto* c = n.if_contains("children"))
      for (const auto& child : c->as_array()) todo.push_back(&child);
  }
  return ops;
}

}  // namespace

// --- the rules, one by one --------------------------------------------------------------------------

TEST(ImportProxmox, OptionalBecomesRequired) {
  auto im = import_and_load(apidata(node("/things", R"({"POST": {"method": "POST", "description": "Create.",
    "parameters": {"additionalProperties": 0, "properties": {
      "a": {"type": "string"},
      "b": {"type": "string", "optional": 1},
      "c": {"type": "string", "optional": "1"},
      "d": {"type": "string", "optional": 0},
      "e": {"type": "string", "optional": true},
      "nested": {"type": "object", "optional": 1, "properties": {"x": {"type": "integer"}, "y": {"type": "integer", "optional": 1}}}}},
    "returns": {"type": "null"}}})")));
  ASSERT_TRUE(im.doc);
  const json::value& body = at(*im.result.document, "/components/schemas/post_things_body");
  EXPECT_EQ(json::serialize(body.at("required")), R"(["a","d"])");
  EXPECT_EQ(json::serialize(at(body, "/properties/nested/required")), R"(["x"])");
  EXPECT_FALSE(body.as_object().contains("optional"));
  EXPECT_FALSE(at(body, "/properties/b").as_object().contains("optional"));
  EXPECT_EQ(at(body, "/additionalProperties"), json::value(false));
  const Operation* op = find_op(*im.doc, "POST", "/things");
  ASSERT_TRUE(op);
  ASSERT_TRUE(op->request_body);
  EXPECT_TRUE(op->request_body->required);
  EXPECT_TRUE(request(*im.doc, *op, "/things", "", "application/json", R"({"a":"1","d":"2"})").ok());
  auto missing = request(*im.doc, *op, "/things", "", "application/json", R"({"a":"1"})");
  EXPECT_EQ(missing.status, 400);
  auto extra = request(*im.doc, *op, "/things", "", "application/json", R"({"a":"1","d":"2","zzz":1})");
  EXPECT_EQ(extra.status, 400) << "additionalProperties 0 refuses unknown parameters";
}

TEST(ImportProxmox, BooleansAreZeroOneOrTrueFalse) {
  auto im = import_and_load(apidata(node("/flags", R"({
    "GET": {"method": "GET", "parameters": {"properties": {"full": {"type": "boolean", "optional": 1, "default": 0}}},
            "returns": {"type": "boolean"}},
    "PUT": {"method": "PUT", "parameters": {"properties": {"on": {"type": "boolean"}}}, "returns": {"type": "null"}}})")));
  ASSERT_TRUE(im.doc);
  const json::value& s = at(*im.result.document, "/components/schemas/put_flags_body/properties/on");
  EXPECT_EQ(json::serialize(s.at("type")), R"(["integer","boolean"])");
  EXPECT_EQ(s.at("x-proxmox-type"), json::value("boolean"));
  const Operation* put = find_op(*im.doc, "PUT", "/flags");
  ASSERT_TRUE(put);
  for (const char* ok : {R"({"on":1})", R"({"on":0})", R"({"on":true})", R"({"on":false})"})
    EXPECT_TRUE(request(*im.doc, *put, "/flags", "", "application/json", ok).ok()) << ok;
  for (const char* bad : {R"({"on":2})", R"({"on":-1})", R"({"on":"yes"})"})
    EXPECT_EQ(request(*im.doc, *put, "/flags", "", "application/json", bad).status, 400) << bad;
  for (const char* ok : {"on=1", "on=0", "on=true", "on=false"})
    EXPECT_TRUE(request(*im.doc, *put, "/flags", "", "application/x-www-form-urlencoded", ok).ok()) << ok;
  EXPECT_EQ(request(*im.doc, *put, "/flags", "", "application/x-www-form-urlencoded", "on=2").status, 400);
  const Operation* get = find_op(*im.doc, "GET", "/flags");
  ASSERT_TRUE(get);
  EXPECT_TRUE(request(*im.doc, *get, "/flags", "full=1").ok());
  EXPECT_TRUE(request(*im.doc, *get, "/flags", "full=false").ok());
  EXPECT_EQ(request(*im.doc, *get, "/flags", "full=7").status, 400);
  // the response side: data 0/1
  EXPECT_TRUE(validate_response(*get, 200, "application/json", R"({"data":1})").ok());
  EXPECT_FALSE(validate_response(*get, 200, "application/json", R"({"data":3})").ok());
}

TEST(ImportProxmox, EnumRangesLengthsPatternDefaultsCarriedOver) {
  auto im = import_and_load(apidata(node("/opts", R"({"GET": {"method": "GET", "parameters": {"properties": {
      "mode": {"type": "string", "enum": ["a", "b"], "default": "a", "optional": 1, "typetext": "<a|b>", "description": "Mode."},
      "count": {"type": "integer", "minimum": 1, "maximum": 10, "optional": 1},
      "name": {"type": "string", "maxLength": 5, "optional": 1},
      "id": {"type": "string", "pattern": "[a-z]+\\d", "optional": 1}}},
    "returns": {"type": "null"}}})")));
  ASSERT_TRUE(im.doc);
  const json::value& params = at(*im.result.document, "/paths/~1opts/get/parameters");
  ASSERT_EQ(params.as_array().size(), 4u);
  const json::value& mode = params.as_array()[0];
  EXPECT_EQ(mode.at("name"), json::value("mode"));
  EXPECT_EQ(mode.at("in"), json::value("query"));
  EXPECT_FALSE(mode.as_object().contains("required"));
  EXPECT_EQ(mode.at("description"), json::value("Mode."));
  EXPECT_EQ(json::serialize(at(mode, "/schema/enum")), R"(["a","b"])");
  EXPECT_EQ(at(mode, "/schema/default"), json::value("a"));
  EXPECT_EQ(at(mode, "/schema/x-proxmox-typetext"), json::value("<a|b>"));
  // Proxmox anchors its patterns; JSON Schema does not, so the import does
  EXPECT_EQ(at(params, "/3/schema/pattern"), json::value("^(?:[a-z]+\\d)$"));
  const Operation* op = find_op(*im.doc, "GET", "/opts");
  ASSERT_TRUE(op);
  EXPECT_TRUE(request(*im.doc, *op, "/opts", "mode=b&count=10&name=abcde&id=ab1").ok());
  EXPECT_EQ(request(*im.doc, *op, "/opts", "mode=c").status, 400);
  EXPECT_EQ(request(*im.doc, *op, "/opts", "count=11").status, 400);
  EXPECT_EQ(request(*im.doc, *op, "/opts", "count=0").status, 400);
  EXPECT_EQ(request(*im.doc, *op, "/opts", "name=abcdef").status, 400);
  EXPECT_EQ(request(*im.doc, *op, "/opts", "id=1ab1").status, 400) << "a digit before the match is refused: anchored";
  EXPECT_EQ(request(*im.doc, *op, "/opts", "id=ab1x").status, 400);
}

TEST(ImportProxmox, NamedFormatsBecomePatternsOrExtensions) {
  auto im = import_and_load(apidata(node("/f", R"({"PUT": {"method": "PUT", "parameters": {"properties": {
      "vmid": {"type": "integer", "format": "pve-vmid", "optional": 1},
      "node": {"type": "string", "format": "pve-node", "optional": 1},
      "vmids": {"type": "string", "format": "pve-vmid-list", "optional": 1},
      "cfg": {"type": "string", "format": "pve-configid", "optional": 1},
      "storage": {"type": "string", "format": "pve-storage-id", "optional": 1},
      "ip": {"type": "string", "format": "ipv4", "optional": 1},
      "odd": {"type": "string", "format": "pve-something-new", "optional": 1},
      "own": {"type": "string", "format": "pve-node", "pattern": "n[0-9]", "optional": 1}}},
    "returns": {"type": "null"}}})")));
  ASSERT_TRUE(im.doc);
  const json::value& p = at(*im.result.document, "/components/schemas/put_f_body/properties");
  EXPECT_EQ(at(p, "/vmid/minimum"), json::value(100));
  EXPECT_EQ(at(p, "/vmid/maximum"), json::value(999999999));
  EXPECT_EQ(at(p, "/vmid/x-proxmox-format"), json::value("pve-vmid"));
  EXPECT_EQ(at(p, "/node/x-proxmox-format"), json::value("pve-node"));
  EXPECT_TRUE(p.at("node").as_object().contains("pattern"));
  EXPECT_FALSE(p.at("node").as_object().contains("format")) << "no invalid `format` values";
  EXPECT_EQ(at(p, "/ip/format"), json::value("ipv4"));
  EXPECT_FALSE(p.at("odd").as_object().contains("format"));
  EXPECT_FALSE(p.at("odd").as_object().contains("pattern"));
  EXPECT_EQ(at(p, "/odd/x-proxmox-format"), json::value("pve-something-new"));
  EXPECT_EQ(at(p, "/own/pattern"), json::value("^(?:n[0-9])$")) << "Proxmox's own pattern wins";
  const Operation* op = find_op(*im.doc, "PUT", "/f");
  ASSERT_TRUE(op);
  auto put = [&](const char* body) { return request(*im.doc, *op, "/f", "", "application/json", body); };
  EXPECT_TRUE(put(R"({"vmid":100,"node":"pve-1","vmids":"100,101 102;103","cfg":"net0","storage":"local-lvm","ip":"10.0.0.1","odd":"anything"})").ok());
  EXPECT_EQ(put(R"({"vmid":99})").status, 400);
  EXPECT_EQ(put(R"({"node":"-pve"})").status, 400);
  EXPECT_EQ(put(R"({"node":"a.b"})").status, 400);
  EXPECT_EQ(put(R"({"vmids":"100,abc"})").status, 400);
  EXPECT_EQ(put(R"({"cfg":"0net"})").status, 400);
  EXPECT_EQ(put(R"({"ip":"10.0.0.300"})").status, 400);
}

TEST(ImportProxmox, PropertyStringsKeepTheirSubKeys) {
  auto im = import_and_load(apidata(node("/link", R"({"POST": {"method": "POST", "parameters": {"properties": {
      "link": {"type": "string", "optional": 1, "typetext": "[address=]<IP> [,priority=<integer>]",
               "format": {"address": {"default_key": 1, "type": "string", "format": "address", "format_description": "IP"},
                          "priority": {"type": "integer", "optional": 1, "minimum": 0, "maximum": 255, "default": 0},
                          "fast": {"type": "boolean", "optional": 1}}}}},
    "returns": {"type": "null"}}})")));
  ASSERT_TRUE(im.doc);
  const json::value& s = at(*im.result.document, "/components/schemas/post_link_body/properties/link");
  EXPECT_EQ(s.at("type"), json::value("string"));
  EXPECT_FALSE(s.as_object().contains("format"));
  const json::value& ps = s.at("x-proxmox-property-string");
  EXPECT_EQ(ps.at("type"), json::value("object"));
  EXPECT_EQ(json::serialize(ps.at("required")), R"(["address"])");
  EXPECT_EQ(ps.at("x-proxmox-default-key"), json::value("address"));
  EXPECT_EQ(at(ps, "/properties/priority/maximum"), json::value(255));
  EXPECT_EQ(at(ps, "/properties/address/x-proxmox-format"), json::value("address"));
  EXPECT_EQ(json::serialize(at(ps, "/properties/fast/type")), R"(["integer","boolean"])");
  const Operation* op = find_op(*im.doc, "POST", "/link");
  ASSERT_TRUE(op);
  auto post = [&](const std::string& v) {
    return request(*im.doc, *op, "/link", "", "application/json", json::serialize(json::object{{"link", v}}));
  };
  EXPECT_TRUE(post("10.0.0.1").ok());
  EXPECT_TRUE(post("10.0.0.1,priority=3").ok());
  EXPECT_TRUE(post("address=10.0.0.1,priority=3,fast=1").ok());
  EXPECT_EQ(post("address=10.0.0.1,colour=red").status, 400) << "unknown sub-key";
  EXPECT_EQ(post("a=b=c,priority=1").status, 400);
  // the sub-key schema can be compiled on its own and checks the parsed value
  auto sub = im.doc->compiler().compile("/components/schemas/post_link_body/properties/link/x-proxmox-property-string");
  EXPECT_TRUE(oasis::schema::is_valid(sub, json::parse(R"({"address":"10.0.0.1","priority":3})")));
  EXPECT_FALSE(oasis::schema::is_valid(sub, json::parse(R"({"priority":300,"address":"x"})")));
  EXPECT_FALSE(oasis::schema::is_valid(sub, json::parse(R"({"priority":3})")));
}

TEST(ImportProxmox, ReturnsAreWrappedInTheDataEnvelope) {
  auto im = import_and_load(apidata(node("/list", R"({"GET": {"method": "GET", "parameters": {"properties": {}},
    "returns": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "string"}, "n": {"type": "integer", "optional": 1}}},
                "links": [{"rel": "child", "href": "{id}"}]}}})")));
  ASSERT_TRUE(im.doc);
  const json::value& schema = at(*im.result.document, "/paths/~1list/get/responses/200/content/application~1json/schema");
  EXPECT_EQ(schema.at("type"), json::value("object"));
  EXPECT_EQ(json::serialize(schema.at("required")), R"(["data"])");
  EXPECT_EQ(at(schema, "/properties/data/type"), json::value("array"));
  EXPECT_EQ(json::serialize(at(schema, "/properties/data/x-proxmox-links/0/rel")), R"("child")");
  EXPECT_FALSE(at(schema, "/properties/data").as_object().contains("links"));
  const Operation* op = find_op(*im.doc, "GET", "/list");
  ASSERT_TRUE(op);
  EXPECT_TRUE(validate_response(*op, 200, "application/json", R"({"data":[{"id":"a"},{"id":"b","n":1}]})").ok());
  EXPECT_FALSE(validate_response(*op, 200, "application/json", R"([{"id":"a"}])").ok()) << "no envelope";
  EXPECT_FALSE(validate_response(*op, 200, "application/json", R"({"data":[{"n":1}]})").ok()) << "id required";
}

TEST(ImportProxmox, WritesTakeFormAndJsonBodiesWithTheSameSchema) {
  auto im = import_and_load(apidata(node("/nodes", R"({"GET": {"method": "GET", "parameters": {"properties": {}}, "returns": {"type": "array"}}})",
    node("/nodes/{node}", R"({"GET": {"method": "GET", "parameters": {"properties": {"node": {"type": "string", "format": "pve-node"}}}, "returns": {"type": "array"}}})",
      node("/nodes/{node}/qemu/{vmid}/config", R"({
        "POST": {"method": "POST", "parameters": {"additionalProperties": 0, "properties": {
            "node": {"type": "string", "format": "pve-node", "description": "The cluster node name."},
            "vmid": {"type": "integer", "format": "pve-vmid", "minimum": 100},
            "memory": {"type": "integer", "optional": 1}, "name": {"type": "string", "optional": 1}}},
          "returns": {"type": "string"}, "protected": 1, "proxyto": "node", "permissions": {"check": ["perm", "/vms/{vmid}", ["VM.Config.Memory"]]}},
        "DELETE": {"method": "DELETE", "parameters": {"properties": {"node": {"type": "string"}, "vmid": {"type": "integer"},
            "purge": {"type": "boolean", "optional": 1}}}, "returns": {"type": "null"}}})")))));
  ASSERT_TRUE(im.doc);
  const json::value& post = at(*im.result.document, "/paths/~1nodes~1{node}~1qemu~1{vmid}~1config/post");
  const json::value& content = at(post, "/requestBody/content");
  ASSERT_EQ(content.as_object().size(), 2u);
  EXPECT_EQ(at(content, "/application~1x-www-form-urlencoded/schema"), at(content, "/application~1json/schema"));
  // path parameters: required, typed from the method's own parameters, and not in the body
  const json::value& params = post.at("parameters");
  ASSERT_EQ(params.as_array().size(), 2u);
  EXPECT_EQ(at(params, "/0/name"), json::value("node"));
  EXPECT_EQ(at(params, "/0/in"), json::value("path"));
  EXPECT_EQ(at(params, "/0/required"), json::value(true));
  EXPECT_EQ(at(params, "/0/description"), json::value("The cluster node name."));
  EXPECT_EQ(at(params, "/1/schema/type"), json::value("integer"));
  const json::value& body = at(*im.result.document, "/components/schemas/post_nodes_node_qemu_vmid_config_body");
  EXPECT_FALSE(body.at("properties").as_object().contains("node"));
  EXPECT_FALSE(body.at("properties").as_object().contains("vmid"));
  EXPECT_FALSE(body.as_object().contains("required"));
  EXPECT_EQ(at(post, "/requestBody/required"), json::value(false));
  // extensions and tags
  EXPECT_EQ(post.at("x-proxmox-protected"), json::value(true));
  EXPECT_EQ(post.at("x-proxmox-proxyto"), json::value("node"));
  EXPECT_EQ(at(post, "/x-proxmox-permissions/check/1"), json::value("/vms/{vmid}"));
  EXPECT_EQ(json::serialize(post.at("tags")), R"(["nodes"])");
  EXPECT_EQ(post.at("operationId"), json::value("post_nodes_node_qemu_vmid_config"));
  const Operation* op = find_op(*im.doc, "POST", "/nodes/{node}/qemu/{vmid}/config");
  ASSERT_TRUE(op);
  const std::string path = "/nodes/pve1/qemu/100/config";
  EXPECT_TRUE(request(*im.doc, *op, path, "", "application/x-www-form-urlencoded", "memory=512&name=web").ok());
  EXPECT_TRUE(request(*im.doc, *op, path, "", "application/json", R"({"memory":512,"name":"web"})").ok());
  EXPECT_EQ(request(*im.doc, *op, path, "", "application/x-www-form-urlencoded", "memory=lots").status, 400);
  EXPECT_EQ(request(*im.doc, *op, "/nodes/pve1/qemu/99/config", "", "application/json", "{}").status, 400)
      << "vmid below 100";
  // DELETE: a body by default, query parameters on request
  const json::value& del = at(*im.result.document, "/paths/~1nodes~1{node}~1qemu~1{vmid}~1config/delete");
  EXPECT_TRUE(del.as_object().contains("requestBody"));
  EXPECT_EQ(del.at("parameters").as_array().size(), 2u);
  ImportOptions q;
  q.delete_parameters_in_query = true;
  auto im2 = import_and_load(apidata(node("/x/{id}", R"({"DELETE": {"method": "DELETE", "parameters": {"properties": {"id": {"type": "string"}, "purge": {"type": "boolean", "optional": 1}}}, "returns": {"type": "null"}}})")), q);
  ASSERT_TRUE(im2.doc);
  const json::value& del2 = at(*im2.result.document, "/paths/~1x~1{id}/delete");
  EXPECT_FALSE(del2.as_object().contains("requestBody"));
  EXPECT_EQ(at(del2, "/parameters/1/in"), json::value("query"));
}

TEST(ImportProxmox, IndexedPropertiesBecomePatternProperties) {
  auto im = import_and_load(apidata(node("/vm", R"({"PUT": {"method": "PUT", "parameters": {"additionalProperties": 0, "properties": {
      "net[n]": {"type": "string", "optional": 1, "format": {"model": {"type": "string", "default_key": 1, "enum": ["virtio", "e1000"]}}},
      "memory": {"type": "integer", "optional": 1}}}, "returns": {"type": "null"}}})")));
  ASSERT_TRUE(im.doc);
  const json::value& body = at(*im.result.document, "/components/schemas/put_vm_body");
  EXPECT_TRUE(at(body, "/patternProperties").as_object().contains("^net[0-9]+$"));
  EXPECT_FALSE(body.at("properties").as_object().contains("net[n]"));
  const Operation* op = find_op(*im.doc, "PUT", "/vm");
  ASSERT_TRUE(op);
  EXPECT_TRUE(request(*im.doc, *op, "/vm", "", "application/json", R"({"net0":"virtio","net12":"model=e1000"})").ok());
  EXPECT_EQ(request(*im.doc, *op, "/vm", "", "application/json", R"({"net0":"model=rtl"})").status, 400);
  EXPECT_EQ(request(*im.doc, *op, "/vm", "", "application/json", R"({"netx":"virtio"})").status, 400);
}

TEST(ImportProxmox, OperationIdsAreUniqueAndStable) {
  std::string text = apidata(node("/a-b", R"({"GET": {"method": "GET", "returns": {}}})") + "," +
                             node("/a_b", R"({"GET": {"method": "GET", "returns": {}}})"));
  auto one = import_proxmox(text), two = import_proxmox(text);
  ASSERT_TRUE(one.ok()) << all(one.diagnostics);
  EXPECT_EQ(json::serialize(*one.document), json::serialize(*two.document));
  auto a = at(*one.document, "/paths/~1a-b/get/operationId").as_string();
  auto b = at(*one.document, "/paths/~1a_b/get/operationId").as_string();
  EXPECT_NE(a, b);
  EXPECT_EQ(a, "get_a-b");
  EXPECT_EQ(b, "get_a_b");
  // "/x/{y}" and "/x/y" render alike: the second gets a suffix and a note
  auto c = import_proxmox(apidata(node("/x/{y}", R"({"GET": {"method": "GET", "parameters": {"properties": {"y": {"type": "string"}}}, "returns": {}}})") +
                                  "," + node("/x/y", R"({"GET": {"method": "GET", "returns": {}}})")));
  ASSERT_TRUE(c.ok()) << all(c.diagnostics);
  EXPECT_EQ(at(*c.document, "/paths/~1x~1y/get/operationId"), json::value("get_x_y_2"));
  EXPECT_THAT(all(c.diagnostics), HasSubstr("operationId 'get_x_y' is taken"));
}

TEST(ImportProxmox, PerlPatternsBecomeEcmaPatterns) {
  EXPECT_EQ(proxmox_pattern("(?^i:[a-z0-9_][a-z0-9_\\-]*)"), "^(?:(?i:[a-z0-9_][a-z0-9_\\-]*))$");
  EXPECT_EQ(proxmox_pattern("(?^:[^\\s:/]+)\\@x"), "^(?:(?:[^\\s:/]+)@x)$");
  EXPECT_EQ(proxmox_pattern("[A-Za-z0-9\\-_\\s]{,8}"), "^(?:[A-Za-z0-9\\-_\\s]{0,8})$");
  EXPECT_EQ(proxmox_pattern("\\w+=x(?:\\0\\w+=x)*"), "^(?:\\w+=x(?:\\x00\\w+=x)*)$");
  EXPECT_EQ(proxmox_pattern("(?>[+-]?\\w+,?)+"), "^(?:(?:[+-]?\\w+,?)+)$");
  EXPECT_EQ(proxmox_pattern("a(?=b)"), std::nullopt) << "lookahead: RE2 has none";
  EXPECT_EQ(proxmox_pattern("\\Aabc\\z"), std::nullopt);
  EXPECT_EQ(proxmox_pattern("[abc"), std::nullopt);
  // a pattern RE2 refuses is kept as an extension, with a note
  auto r = import_proxmox(apidata(node("/p", R"({"GET": {"method": "GET", "parameters": {"properties": {"q": {"type": "string", "pattern": "(?<=a)b"}}}, "returns": {}}})")));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(at(*r.document, "/paths/~1p/get/parameters/0/schema/x-proxmox-pattern"), json::value("(?<=a)b"));
  EXPECT_THAT(all(r.diagnostics), HasSubstr("kept as `x-proxmox-pattern`"));
}

TEST(ImportProxmox, JavaScriptWrappers) {
  const std::string tree = "[" + node("/v", R"({"GET": {"method": "GET", "returns": {"type": "object"}}})") + "]";
  for (const std::string& text : {"const apiSchema = " + tree + ";\n", "var apiSchema=" + tree, tree,
                                  "// viewer data\n/* generated */\nlet apiSchema =\n" + tree + ";\nconsole.log(apiSchema.length);\n",
                                  "const apiSchema = [" + node("/v", R"({"GET": {"method": "GET", "returns": {},}})") + ",];"}) {
    auto r = import_proxmox(text);
    EXPECT_TRUE(r.ok()) << text << "\n" << all(r.diagnostics);
    EXPECT_EQ(r.paths, 1u);
    EXPECT_EQ(r.operations, 1u);
  }
}

TEST(ImportProxmox, MalformedInputIsAClearError) {
  ImportOptions o;
  o.source_name = "apidata.js";
  auto first_error = [&](const std::string& text) -> Diagnostic {
    auto r = import_proxmox(text, o);
    EXPECT_FALSE(r.ok()) << text;
    EXPECT_FALSE(r.document);
    for (const auto& d : r.diagnostics)
      if (d.error()) return d;
    ADD_FAILURE() << "no error for " << text;
    return {};
  };
  Diagnostic d = first_error("hello world");
  EXPECT_EQ(d.file, "apidata.js");
  EXPECT_THAT(d.message, HasSubstr("const apiSchema = ["));
  d = first_error("const apiSchema = [\n  {\"path\": \"/a\",\n   \"info\": {\"GET\" {}}}\n];");
  EXPECT_EQ(d.line, 3);
  EXPECT_GT(d.column, 1);
  EXPECT_THAT(d.message, HasSubstr("invalid JSON"));
  EXPECT_THAT(d.to_string(), HasSubstr("apidata.js:3:"));
  d = first_error("const apiSchema = [\n {\"path\": \"/a\"}\n");
  EXPECT_THAT(d.message, HasSubstr("unexpected end of file"));
  d = first_error("const apiSchema = 42;");
  EXPECT_THAT(d.message, HasSubstr("expected `[`"));
  d = first_error(apidata(R"({"text": "no path"})"));
  EXPECT_EQ(d.pointer, "/0/path");
  EXPECT_THAT(d.message, HasSubstr("expected `path`"));
  d = first_error(apidata(node("/a", R"({"FETCH": {}})")));
  EXPECT_EQ(d.pointer, "/0/info/FETCH");
  EXPECT_THAT(d.message, HasSubstr("expected an HTTP method"));
  d = first_error(apidata(node("/a/{b", R"({})")));
  EXPECT_THAT(d.message, HasSubstr("unbalanced"));
  d = first_error(apidata(node("/a", R"({"GET": {"parameters": {"properties": {"x": 5}}}})")));
  EXPECT_EQ(d.pointer, "/0/info/GET/parameters/properties/x");
  d = first_error(apidata(node("/a", R"({})") + "," + node("/a", R"({})")));
  EXPECT_THAT(d.message, HasSubstr("appears twice"));
  d = first_error(apidata(node("/a", R"({})", R"({"path": "/a/b", "children": 3})")));
  EXPECT_EQ(d.pointer, "/0/children/0/children");
  std::string deep = "const apiSchema = ";
  for (int i = 0; i < 300; ++i) deep += "[";
  d = first_error(deep);
  EXPECT_THAT(d.message, HasSubstr("deeper"));
  o.max_bytes = 10;
  d = first_error(apidata(node("/a", "{}")));
  EXPECT_THAT(d.message, HasSubstr("limit"));
}

TEST(ImportProxmox, PrettyOutputReadsBackTheSame) {
  auto r = import_proxmox(apidata(node("/v", R"({"GET": {"method": "GET", "returns": {"type": "object", "properties": {"a": {"type": "array", "items": {}}}}}})")));
  ASSERT_TRUE(r.ok());
  std::string text = to_pretty_json(*r.document);
  EXPECT_THAT(text, HasSubstr("\n  \"openapi\": \"3.1.0\""));
  EXPECT_EQ(json::parse(text), *r.document);
}

// --- whole schemas ----------------------------------------------------------------------------------

namespace {

void check_whole(const std::string& text, const std::string& name, Imported& im) {
  std::size_t input_paths = 0;
  auto input_ops = walk_input(text, input_paths);
  ImportOptions o;
  o.source_name = name;
  im = import_and_load(text, o);
  ASSERT_TRUE(im.doc);
  EXPECT_EQ(im.result.paths, input_paths);
  EXPECT_EQ(im.result.operations, input_ops.size());
  EXPECT_EQ(im.doc->path_count(), input_paths);
  EXPECT_EQ(im.doc->operations().size(), input_ops.size());
  std::set<std::pair<std::string, std::string>> output_ops;
  std::set<std::string> ids;
  for (const auto& op : im.doc->operations()) {
    output_ops.insert({op.path, op.method_name});
    EXPECT_TRUE(ids.insert(op.operation_id).second) << op.operation_id;
    EXPECT_EQ(op.tags.size(), 1u);
    const Response* ok = op.find_response(200);
    ASSERT_TRUE(ok) << op.path;
    ASSERT_EQ(ok->content.size(), 1u);
    EXPECT_EQ(ok->content[0].type, "application/json");
  }
  EXPECT_EQ(output_ops, input_ops);
  EXPECT_EQ(im.doc->servers().at(0).base_path, "/api2/json");
}

}  // namespace

TEST(ImportProxmox, WholeProxmoxVeSchema) {
  OASIS_REQUIRE_SPECS();
  std::string text = read(oasis_test::specs_dir() / "pve-apidata.js");
  Imported im;
  check_whole(text, "pve-apidata.js", im);
  ASSERT_TRUE(im.doc);
  EXPECT_EQ(im.doc->title(), "Proxmox VE API");
  // SOURCES.md says what the file holds; the walk above must agree with it
  EXPECT_EQ(im.doc->path_count(), 435u);
  EXPECT_EQ(im.doc->operations().size(), 649u);
  // a few operations as a Proxmox user knows them
  const Operation* create = find_op(*im.doc, "POST", "/nodes/{node}/qemu");
  ASSERT_TRUE(create);
  ASSERT_TRUE(create->request_body);
  EXPECT_EQ(create->request_body->content.size(), 2u);
  EXPECT_TRUE(request(*im.doc, *create, "/nodes/pve/qemu", "", "application/x-www-form-urlencoded",
                      "vmid=100&memory=2048&net0=virtio,bridge=vmbr0&onboot=1").ok());
  EXPECT_EQ(request(*im.doc, *create, "/nodes/pve/qemu", "", "application/x-www-form-urlencoded", "vmid=5").status, 400);
  const Operation* start = find_op(*im.doc, "POST", "/nodes/{node}/qemu/{vmid}/status/start");
  ASSERT_TRUE(start);
  EXPECT_TRUE(validate_response(*start, 200, "application/json",
                                R"({"data":"UPID:pve:0000C0DE:00ABCDEF:65A1B2C3:qmstart:100:root@pam:"})").ok());
  const Operation* ticket = find_op(*im.doc, "POST", "/access/ticket");
  ASSERT_TRUE(ticket);
  EXPECT_TRUE(request(*im.doc, *ticket, "/access/ticket", "", "application/json",
                      R"({"username":"root@pam","password":"secret"})").ok());
}

TEST(ImportProxmox, BackupServerShapedSchema) {
  std::string text = read(oasis_test::source_dir() / "tests/spec/data/pbs-apidata.js");
  ASSERT_FALSE(text.empty());
  Imported im;
  check_whole(text, "pbs-apidata.js", im);
  ASSERT_TRUE(im.doc);
  EXPECT_EQ(im.doc->title(), "Proxmox Backup Server API");
  EXPECT_EQ(im.doc->path_count(), 8u);
  EXPECT_EQ(im.doc->operations().size(), 10u);
  const Operation* snaps = find_op(*im.doc, "GET", "/admin/datastore/{store}/snapshots");
  ASSERT_TRUE(snaps);
  EXPECT_TRUE(request(*im.doc, *snaps, "/admin/datastore/store1/snapshots", "backup-type=vm&backup-id=100").ok());
  EXPECT_EQ(request(*im.doc, *snaps, "/admin/datastore/store1/snapshots", "backup-type=tape").status, 400);
  EXPECT_EQ(request(*im.doc, *snaps, "/admin/datastore/s/snapshots", "").status, 400) << "store: minLength 3";
  EXPECT_TRUE(validate_response(*snaps, 200, "application/json",
                                R"({"data":[{"backup-type":"vm","backup-id":"100","backup-time":1700000000,"protected":false}]})").ok());
  const Operation* del = find_op(*im.doc, "DELETE", "/admin/datastore/{store}/snapshots");
  ASSERT_TRUE(del);
  ASSERT_TRUE(del->request_body);
  EXPECT_TRUE(del->request_body->required);
  const Operation* create = find_op(*im.doc, "POST", "/config/datastore");
  ASSERT_TRUE(create);
  EXPECT_TRUE(request(*im.doc, *create, "/config/datastore", "", "application/json",
                      R"({"name":"store1","path":"/backup","verify-new":true,"tuning":"chunk-order=inode,sync-level=file"})").ok());
  EXPECT_EQ(request(*im.doc, *create, "/config/datastore", "", "application/json",
                    R"({"name":"store1","path":"/backup","tuning":"chunk-order=random"})").status, 400)
      << "the pattern admits each sub-key with a value of its enum";
  const json::value& doc = *im.result.document;
  EXPECT_EQ(at(doc, "/components/securitySchemes/ticket/name"), json::value("PBSAuthCookie"));
  EXPECT_EQ(at(doc, "/paths/~1config~1datastore/post/x-proxmox-protected"), json::value(true));
}

TEST(ImportProxmox, SummaryIsTheFirstLineCutOnACharacterBoundary) {
  std::string long_line = std::string(119, 'a') + "\xc3\xa9" + "tail";  // "é" straddles byte 120
  json::object info{{"GET", json::object{{"method", "GET"}, {"description", long_line + "\nmore"}, {"returns", json::object{}}}}};
  auto r = import_proxmox(apidata(node("/s", json::serialize(info))));
  ASSERT_TRUE(r.ok()) << all(r.diagnostics);
  const json::value& op = at(*r.document, "/paths/~1s/get");
  EXPECT_EQ(op.at("summary"), json::value(std::string(119, 'a')));
  EXPECT_EQ(op.at("description"), json::value(long_line + "\nmore"));
  // the whole output is valid UTF-8 JSON
  json::error_code ec;
  json::parse(to_pretty_json(*r.document), ec);
  EXPECT_FALSE(ec) << ec.message();
}

// The mock answers with generated values and validates requests: the imported patterns (formats,
// property strings) must be ones the generator can satisfy, for responses and request bodies.
TEST(ImportProxmox, GeneratedValuesOfTheImportedSchemaValidate) {
  OASIS_REQUIRE_SPECS();
  auto r = import_proxmox(read(oasis_test::specs_dir() / "pve-apidata.js"));
  ASSERT_TRUE(r.ok());
  LoadResult lr = Document::load_string(json::serialize(*r.document), "pve.json");
  ASSERT_TRUE(lr.ok()) << all(lr.diagnostics);
  std::size_t checked = 0;
  std::vector<std::string> failures;
  for (const auto& op : lr.document->operations()) {
    std::vector<std::pair<oasis::schema::SchemaRef, std::string>> schemas;
    if (const Response* ok = op.find_response(200))
      for (const auto& mt : ok->content) schemas.push_back({mt.schema, mt.schema_pointer});
    if (op.request_body)
      for (const auto& mt : op.request_body->content) schemas.push_back({mt.schema, mt.schema_pointer});
    for (const auto& [s, where] : schemas) {
      if (!s) continue;
      for (std::uint64_t seed : {1, 2, 3}) {
        oasis::schema::GenerateOptions go;
        go.seed = seed;
        json::value v = oasis::schema::generate(s, go);
        auto res = oasis::schema::validate(s, v);
        ++checked;
        if (!res.ok() && failures.size() < 20)
          failures.push_back(where + " seed " + std::to_string(seed) + ": " + res.violations[0].instance_pointer + " " +
                             res.violations[0].message + " (" + res.violations[0].schema_pointer + ")");
      }
    }
  }
  EXPECT_GT(checked, 1500u);
  std::string text;
  for (const auto& f : failures) text += f + "\n";
  EXPECT_TRUE(failures.empty()) << text;
}

TEST(ImportProxmox, NumericEnumsWrittenAsStringsBecomeNumbers) {
  auto im = import_and_load(apidata(node("/n", R"({"PUT": {"method": "PUT", "parameters": {"properties": {
      "step": {"type": "integer", "enum": ["1", "2", "32"], "default": "32", "optional": 1},
      "odd": {"type": "integer", "enum": ["one", 2], "optional": 1}}}, "returns": {"type": "null"}}})")));
  ASSERT_TRUE(im.doc);
  const json::value& p = at(*im.result.document, "/components/schemas/put_n_body/properties");
  EXPECT_EQ(json::serialize(at(p, "/step/enum")), "[1,2,32]");
  EXPECT_EQ(at(p, "/step/default"), json::value(32));
  EXPECT_FALSE(p.at("odd").as_object().contains("enum"));
  EXPECT_EQ(json::serialize(at(p, "/odd/x-proxmox-enum")), R"(["one",2])");
  EXPECT_THAT(im.diagnostics, HasSubstr("read as numbers"));
  const Operation* op = find_op(*im.doc, "PUT", "/n");
  ASSERT_TRUE(op);
  EXPECT_TRUE(request(*im.doc, *op, "/n", "", "application/x-www-form-urlencoded", "step=32").ok());
  EXPECT_EQ(request(*im.doc, *op, "/n", "", "application/x-www-form-urlencoded", "step=3").status, 400);
}
