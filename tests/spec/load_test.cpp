// Loading: real documents, YAML typing, multi-file bundling, Swagger 2.0 conversion, and each
// error the loader reports (with file, line and pointer).
#include <oasis/spec/document.hpp>

#include <support/specs.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include <filesystem>
#include <map>

namespace json = boost::json;
using namespace oasis::spec;
using ::testing::HasSubstr;

namespace {

// Loads `text` as /mem/api.yaml, with other in-memory files reachable by relative $ref.
LoadResult load_mem(std::string_view text, std::map<std::string, std::string> files = {}, LoadOptions opts = {}) {
  opts.read_file = [files](const std::string& path) -> std::optional<std::string> {
    auto it = files.find(path);
    if (it == files.end()) return std::nullopt;
    return it->second;
  };
  return Document::load_string(text, "/mem/api.yaml", opts);
}

std::string all(const std::vector<Diagnostic>& ds) {
  std::string s;
  for (const auto& d : ds) s += d.to_string() + "\n";
  return s;
}

const Diagnostic* first_error(const LoadResult& r) {
  for (const auto& d : r.diagnostics)
    if (d.error()) return &d;
  return nullptr;
}

std::vector<std::filesystem::path> all_spec_documents() {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(oasis_test::specs_dir())) {
    auto p = e.path();
    if (!e.is_regular_file()) continue;
    if (p.extension() != ".json" && p.extension() != ".yaml") continue;
    // pieces of the multi-file petstore are not documents on their own
    if (p.string().find("petstore-separate") != std::string::npos && p.filename() != "swagger.yaml") continue;
    out.push_back(p);
  }
  std::sort(out.begin(), out.end());
  return out;
}

constexpr const char* kPetstore = R"(openapi: 3.0.3
info: {title: Pets, version: "1"}
servers: [{url: "https://example.com/v1"}]
paths:
  /pets:
    get:
      operationId: listPets
      parameters:
        - {name: limit, in: query, schema: {type: integer, maximum: 100}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: array, items: {$ref: "#/components/schemas/Pet"}}
  /pets/{petId}:
    parameters:
      - {name: petId, in: path, required: true, schema: {type: integer}}
    get:
      operationId: showPet
      responses:
        "200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Pet"}}}}
        default: {description: error}
components:
  schemas:
    Pet:
      type: object
      required: [id, name]
      properties:
        id: {type: integer}
        name: {type: string}
)";

}  // namespace

TEST(SpecLoad, EveryRealDocumentLoads) {
  OASIS_REQUIRE_SPECS();
  auto docs = all_spec_documents();
  ASSERT_GE(docs.size(), 15u);
  for (const auto& p : docs) {
    LoadResult r = Document::load_file(p.string());
    EXPECT_TRUE(r.ok()) << p << "\n" << all(r.diagnostics);
    if (r.ok()) {
      EXPECT_FALSE(r.document->operations().empty() && r.document->version() != SpecVersion::openapi31) << p;
    }
  }
}

TEST(SpecLoad, GithubModelHasExpectedShape) {
  OASIS_REQUIRE_SPECS();
  LoadResult r = Document::load_file((oasis_test::specs_dir() / "github-api-2020.json").string());
  ASSERT_TRUE(r.ok()) << all(r.diagnostics);
  const Document& d = *r.document;
  EXPECT_EQ(d.version(), SpecVersion::openapi30);
  EXPECT_EQ(d.path_count(), 403u);
  EXPECT_EQ(d.operations().size(), 623u);
  ASSERT_FALSE(d.servers().empty());
  EXPECT_EQ(d.servers().front().base_path, "");
  const Operation* op = d.find_operation("repos/get");
  ASSERT_NE(op, nullptr);
  EXPECT_EQ(op->path, "/repos/{owner}/{repo}");
  EXPECT_EQ(op->method, oasis::http::Method::GET);
  ASSERT_NE(op->find_parameter(ParameterIn::path, "owner"), nullptr);
  const Response* ok = op->find_response(200);
  ASSERT_NE(ok, nullptr);
  ASSERT_FALSE(ok->content.empty());
  EXPECT_NE(ok->content.front().schema, nullptr);
}

TEST(SpecLoad, ProxmoxQuirksAreWarningsAndStrictMakesThemErrors) {
  OASIS_REQUIRE_SPECS();
  std::string path = (oasis_test::specs_dir() / "pve-openapi.json").string();
  LoadResult r = Document::load_file(path);
  ASSERT_TRUE(r.ok()) << all(r.diagnostics);
  bool saw_optional = false, saw_body = false, saw_links = false;
  for (const auto& d : r.diagnostics) {
    EXPECT_FALSE(d.error());
    EXPECT_GT(d.line, 0) << d.to_string();
    saw_optional |= d.message.find("`optional`") != std::string::npos;
    saw_links |= d.message.find("`links`") != std::string::npos;
    saw_body |= d.message.find("in: query") != std::string::npos;
  }
  EXPECT_TRUE(saw_optional);
  EXPECT_TRUE(saw_links);
  EXPECT_TRUE(saw_body);
  // POST /nodes/{node}/qemu: its query parameters became a form/JSON body
  const Document& d = *r.document;
  const Operation* create = nullptr;
  for (const auto& op : d.operations())
    if (op.path == "/nodes/{node}/qemu" && op.method == oasis::http::Method::POST) create = &op;
  ASSERT_NE(create, nullptr);
  ASSERT_TRUE(create->request_body.has_value());
  EXPECT_TRUE(create->request_body->from_query_parameters);
  EXPECT_EQ(create->find_parameter(ParameterIn::query, "vmid"), nullptr);
  ASSERT_NE(create->find_parameter(ParameterIn::path, "node"), nullptr);

  LoadOptions strict;
  strict.strict = true;
  LoadResult s = Document::load_file(path, strict);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(first_error(s), nullptr);
}

TEST(SpecLoad, YamlScalarsAreTypedAndOrderKept) {
  LoadResult r = load_mem(R"(openapi: "3.0.0"
info: {title: t, version: 1.0}
paths: {}
x-values:
  int: 42
  neg: -7
  float: 1.5
  exp: 1e3
  bool: true
  nul: ~
  empty:
  quoted: "42"
  single: 'true'
  str: hello
  hex: 0x1F
  version: 3.0.3
  z: 1
  a: 2
)");
  ASSERT_TRUE(r.ok()) << all(r.diagnostics);
  const auto& x = r.document->tree().as_object().at("x-values").as_object();
  EXPECT_TRUE(x.at("int").is_int64());
  EXPECT_EQ(x.at("int").as_int64(), 42);
  EXPECT_EQ(x.at("neg").as_int64(), -7);
  EXPECT_TRUE(x.at("float").is_double());
  EXPECT_DOUBLE_EQ(x.at("exp").as_double(), 1000.0);
  EXPECT_EQ(x.at("bool"), json::value(true));
  EXPECT_TRUE(x.at("nul").is_null());
  EXPECT_TRUE(x.at("empty").is_null());
  EXPECT_EQ(x.at("quoted"), json::value("42"));
  EXPECT_EQ(x.at("single"), json::value("true"));
  EXPECT_EQ(x.at("str"), json::value("hello"));
  EXPECT_EQ(x.at("hex").as_int64(), 31);
  EXPECT_EQ(x.at("version"), json::value("3.0.3"));
  std::vector<std::string> keys;
  for (const auto& kv : x) keys.emplace_back(kv.key());
  EXPECT_EQ(keys.back(), "a");
  EXPECT_EQ(keys[keys.size() - 2], "z");
}

TEST(SpecLoad, PetstoreModel) {
  LoadResult r = load_mem(kPetstore);
  ASSERT_TRUE(r.ok()) << all(r.diagnostics);
  const Document& d = *r.document;
  EXPECT_EQ(d.title(), "Pets");
  ASSERT_EQ(d.operations().size(), 2u);
  ASSERT_EQ(d.servers().size(), 1u);
  EXPECT_EQ(d.servers()[0].base_path, "/v1");
  const Operation* show = d.find_operation("showPet");
  ASSERT_NE(show, nullptr);
  ASSERT_EQ(show->parameters.size(), 1u);  // path-level parameter merged in
  EXPECT_EQ(show->parameters[0].style, Style::simple);
  EXPECT_TRUE(show->parameters[0].required);
  EXPECT_EQ(show->pointer, "/paths/~1pets~1{petId}/get");
  ASSERT_NE(show->find_response(404), nullptr);
  EXPECT_EQ(show->find_response(404)->status, "default");
  EXPECT_EQ(show->find_response(200)->status, "200");
  EXPECT_EQ(d.component_schemas().size(), 1u);
}

TEST(SpecLoad, OperationLevelParameterOverridesPathLevel) {
  LoadResult r = load_mem(R"(openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    parameters:
      - {name: q, in: query, schema: {type: string}}
      - {name: keep, in: query, schema: {type: string}}
    get:
      parameters:
        - {name: q, in: query, required: true, schema: {type: integer}}
      responses: {"200": {description: ok}}
)");
  ASSERT_TRUE(r.ok()) << all(r.diagnostics);
  const Operation& op = r.document->operations().at(0);
  ASSERT_EQ(op.parameters.size(), 2u);
  const Parameter* q = op.find_parameter(ParameterIn::query, "q");
  ASSERT_NE(q, nullptr);
  EXPECT_TRUE(q->required);
  EXPECT_NE(op.find_parameter(ParameterIn::query, "keep"), nullptr);
}

TEST(SpecLoad, MultiFileRefsAreBundled) {
  std::map<std::string, std::string> files{
      {"/mem/schemas/Pet.yaml", "type: object\nproperties:\n  id: {type: integer}\n  parent: {$ref: 'Pet.yaml'}\n  tag: {$ref: '../common.yaml#/Tag'}\n"},
      {"/mem/common.yaml", "Tag: {type: string}\nLimit: {name: limit, in: query, schema: {type: integer}}\n"},
  };
  LoadResult r = load_mem(R"(openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /pets:
    get:
      parameters: [{$ref: 'common.yaml#/Limit'}]
      responses:
        "200":
          description: ok
          content: {application/json: {schema: {$ref: 'schemas/Pet.yaml'}}}
)",
                          files);
  ASSERT_TRUE(r.ok()) << all(r.diagnostics);
  const json::value& t = r.document->tree();
  const auto& schemas = t.at("components").at("schemas").as_object();
  ASSERT_TRUE(schemas.contains("Pet"));
  ASSERT_TRUE(schemas.contains("Tag"));
  // the recursive reference inside Pet.yaml now points at the bundled copy
  EXPECT_EQ(schemas.at("Pet").at("properties").at("parent").at("$ref"), json::value("#/components/schemas/Pet"));
  EXPECT_EQ(schemas.at("Pet").at("properties").at("tag").at("$ref"), json::value("#/components/schemas/Tag"));
  EXPECT_TRUE(t.at("components").at("parameters").as_object().contains("Limit"));
  const Operation& op = r.document->operations().at(0);
  ASSERT_EQ(op.parameters.size(), 1u);
  EXPECT_EQ(op.parameters[0].name, "limit");
  EXPECT_NE(op.parameters[0].schema, nullptr);
  // every $ref in the bundled tree is internal
  std::string text = json::serialize(t);
  EXPECT_EQ(text.find("\"$ref\":\"schemas/"), std::string::npos);
  EXPECT_EQ(text.find(".yaml"), std::string::npos);
}

TEST(SpecLoad, SwaggerPetstoreSeparateIsBundledAndConverted) {
  OASIS_REQUIRE_SPECS();
  auto path = oasis_test::specs_dir() / "oai/swagger2/petstore-separate/spec/swagger.yaml";
  LoadResult r = Document::load_file(path.string());
  ASSERT_TRUE(r.ok()) << all(r.diagnostics);
  const Document& d = *r.document;
  EXPECT_EQ(d.version(), SpecVersion::swagger20);
  EXPECT_EQ(d.dialect(), oasis::schema::Dialect::swagger20);
  ASSERT_FALSE(d.servers().empty());
  EXPECT_EQ(d.servers()[0].url, "http://petstore.swagger.io/api");
  EXPECT_EQ(d.servers()[0].base_path, "/api");
  const auto& schemas = d.tree().at("components").at("schemas").as_object();
  EXPECT_TRUE(schemas.contains("Pet"));
  EXPECT_TRUE(schemas.contains("NewPet"));
  EXPECT_TRUE(schemas.contains("Error"));
  const Operation* add = d.find_operation("addPet");
  ASSERT_NE(add, nullptr);
  ASSERT_TRUE(add->request_body.has_value());
  EXPECT_TRUE(add->request_body->required);
  ASSERT_EQ(add->request_body->content.size(), 1u);
  EXPECT_EQ(add->request_body->content[0].type, "application/json");
  EXPECT_NE(add->request_body->content[0].schema, nullptr);
  const Operation* find = d.find_operation("findPets");
  ASSERT_NE(find, nullptr);
  const Parameter* tags = find->find_parameter(ParameterIn::query, "tags");
  ASSERT_NE(tags, nullptr);
  EXPECT_EQ(tags->style, Style::form);
  EXPECT_FALSE(tags->explode);  // collectionFormat: csv
  ASSERT_NE(find->find_response(200), nullptr);
  EXPECT_EQ(find->find_response(200)->content.at(0).type, "application/json");
}

TEST(SpecLoad, SwaggerFormDataBecomesFormBody) {
  LoadResult r = load_mem(R"(swagger: "2.0"
info: {title: t, version: "1"}
host: api.example.com
basePath: /v2
schemes: [https]
paths:
  /upload:
    post:
      consumes: [multipart/form-data]
      parameters:
        - {name: file, in: formData, type: file, required: true}
        - {name: note, in: formData, type: string}
        - {name: ids, in: query, type: array, items: {type: integer}, collectionFormat: pipes}
      responses:
        "200": {description: ok, schema: {$ref: "#/definitions/Result"}, headers: {X-Rate: {type: integer}}}
definitions:
  Result: {type: object, properties: {ok: {type: boolean}}}
securityDefinitions:
  basic: {type: basic}
)");
  ASSERT_TRUE(r.ok()) << all(r.diagnostics);
  const Document& d = *r.document;
  EXPECT_EQ(d.servers().at(0).url, "https://api.example.com/v2");
  const Operation& op = d.operations().at(0);
  ASSERT_TRUE(op.request_body.has_value());
  EXPECT_TRUE(op.request_body->required);
  EXPECT_EQ(op.request_body->content.at(0).type, "multipart/form-data");
  const Parameter* ids = op.find_parameter(ParameterIn::query, "ids");
  ASSERT_NE(ids, nullptr);
  EXPECT_EQ(ids->style, Style::pipe_delimited);
  const Response* ok = op.find_response(200);
  ASSERT_NE(ok, nullptr);
  ASSERT_EQ(ok->headers.size(), 1u);
  EXPECT_EQ(ok->content.at(0).type, "application/json");
  EXPECT_EQ(d.tree().at("paths").at("/upload").at("post").at("responses").at("200").at("content").at("application/json").at("schema").at("$ref"),
            json::value("#/components/schemas/Result"));
  EXPECT_EQ(d.tree().at("components").at("securitySchemes").at("basic").at("scheme"), json::value("basic"));
}

// --- errors -----------------------------------------------------------------------------------

TEST(SpecLoadErrors, RefToMissingFile) {
  LoadResult r = load_mem(R"(openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    get:
      responses:
        "200": {description: ok, content: {application/json: {schema: {$ref: 'nowhere.yaml#/X'}}}}
)");
  ASSERT_FALSE(r.ok());
  const Diagnostic* e = first_error(r);
  ASSERT_NE(e, nullptr);
  EXPECT_THAT(e->message, HasSubstr("/mem/nowhere.yaml"));
  EXPECT_EQ(e->file, "/mem/api.yaml");
  EXPECT_EQ(e->pointer, "/paths/~1a/get/responses/200/content/application~1json/schema/$ref");
  EXPECT_EQ(e->line, 7);
}

TEST(SpecLoadErrors, RefToMissingPointer) {
  std::map<std::string, std::string> files{{"/mem/other.yaml", "Pet: {type: object}\n"}};
  LoadResult r = load_mem(R"(openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    get:
      parameters: [{$ref: '#/components/parameters/Nope'}]
      responses:
        "200": {description: ok, content: {application/json: {schema: {$ref: 'other.yaml#/Dog'}}}}
)",
                          files);
  ASSERT_FALSE(r.ok());
  std::string text = all(r.diagnostics);
  EXPECT_THAT(text, HasSubstr("'/Dog'"));
  EXPECT_THAT(text, HasSubstr("/components/parameters/Nope"));
}

TEST(SpecLoadErrors, CycleThroughNonSchemaObjects) {
  LoadResult r = load_mem(R"(openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    get:
      parameters: [{$ref: '#/components/parameters/A'}]
      responses: {"200": {description: ok}}
  /b:
    $ref: '#/paths/~1c'
  /c:
    $ref: '#/paths/~1b'
components:
  parameters:
    A: {$ref: '#/components/parameters/B'}
    B: {$ref: '#/components/parameters/A'}
)");
  ASSERT_FALSE(r.ok());
  std::string text = all(r.diagnostics);
  EXPECT_THAT(text, HasSubstr("cycle through parameter"));
  EXPECT_THAT(text, HasSubstr("cycle through path item"));
  EXPECT_THAT(text, HasSubstr("#/components/parameters/A"));
}

TEST(SpecLoadErrors, DuplicateOperationIds) {
  LoadResult r = load_mem(R"(openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a: {get: {operationId: same, responses: {"200": {description: ok}}}}
  /b: {get: {operationId: same, responses: {"200": {description: ok}}}}
)");
  ASSERT_FALSE(r.ok());
  const Diagnostic* e = first_error(r);
  ASSERT_NE(e, nullptr);
  EXPECT_THAT(e->message, HasSubstr("duplicate operationId 'same'"));
  EXPECT_EQ(e->pointer, "/paths/~1b/get/operationId");
  EXPECT_EQ(e->line, 5);
}

TEST(SpecLoadErrors, TemplateVariableWithoutPathParameter) {
  LoadResult r = load_mem(R"(openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /pets/{id}: {get: {responses: {"200": {description: ok}}}}
)");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(first_error(r)->message, HasSubstr("has {id} but the operation declares no path parameter 'id'"));
}

TEST(SpecLoadErrors, PathParameterNotInTemplate) {
  LoadResult r = load_mem(R"(openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /pets:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: ok}}
)");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(first_error(r)->message, HasSubstr("path parameter 'id' does not appear in the path template"));
  EXPECT_EQ(first_error(r)->pointer, "/paths/~1pets/get/parameters/0");
}

TEST(SpecLoadErrors, PathParameterNotRequired) {
  const char* doc = R"(openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /pets/{id}:
    get:
      parameters: [{name: id, in: path, schema: {type: string}}]
      responses: {"200": {description: ok}}
)";
  // lenient (Proxmox does this): a warning, and the parameter is treated as required
  LoadResult lenient = load_mem(doc);
  ASSERT_TRUE(lenient.ok());
  ASSERT_EQ(lenient.diagnostics.size(), 1u);
  EXPECT_THAT(lenient.diagnostics[0].message, HasSubstr("must be `required: true`"));
  EXPECT_TRUE(lenient.document->operations()[0].parameters[0].required);
  LoadOptions strict;
  strict.strict = true;
  LoadResult s = load_mem(doc, {}, strict);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(first_error(s)->message, HasSubstr("must be `required: true`"));
  EXPECT_EQ(first_error(s)->line, 6);
}

TEST(SpecLoadErrors, InvalidYamlSyntaxHasLineAndColumn) {
  LoadResult r = load_mem("openapi: 3.0.3\ninfo:\n  title: [unclosed\n  version: 1\npaths: {}\n");
  ASSERT_FALSE(r.ok());
  const Diagnostic* e = first_error(r);
  ASSERT_NE(e, nullptr);
  EXPECT_THAT(e->message, HasSubstr("invalid YAML"));
  EXPECT_GT(e->line, 0);
  EXPECT_THAT(e->to_string(), HasSubstr("/mem/api.yaml:"));
}

TEST(SpecLoadErrors, InvalidJsonSyntaxHasLineAndColumn) {
  LoadResult r = Document::load_string("{\n  \"openapi\": \"3.0.3\",\n  \"info\": {,}\n}\n", "api.json");
  ASSERT_FALSE(r.ok());
  const Diagnostic* e = first_error(r);
  ASSERT_NE(e, nullptr);
  EXPECT_THAT(e->message, HasSubstr("invalid JSON"));
  EXPECT_EQ(e->line, 3);
  EXPECT_EQ(e->column, 12);
  EXPECT_THAT(e->to_string(), HasSubstr("api.json:3:12: error"));
}

TEST(SpecLoadErrors, MissingVersion) {
  LoadResult r = load_mem("info: {title: t, version: '1'}\npaths: {}\n");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(first_error(r)->message, HasSubstr("missing version"));
}

TEST(SpecLoadErrors, UnsupportedVersion) {
  LoadResult r = load_mem("openapi: 4.0.0\ninfo: {title: t, version: '1'}\npaths: {}\n");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(first_error(r)->message, HasSubstr("unsupported OpenAPI version '4.0.0'"));
  EXPECT_EQ(first_error(r)->pointer, "/openapi");
  EXPECT_EQ(first_error(r)->line, 1);
  LoadResult s = load_mem("swagger: '1.2'\ninfo: {title: t, version: '1'}\npaths: {}\n");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(first_error(s)->message, HasSubstr("unsupported Swagger version"));
}

TEST(SpecLoadErrors, NotAnObjectAndEmptyAndMissingFile) {
  EXPECT_FALSE(load_mem("- a\n- b\n").ok());
  EXPECT_FALSE(load_mem("").ok());
  LoadResult r = Document::load_file("/nonexistent/dir/api.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(first_error(r)->message, HasSubstr("cannot be read"));
}

TEST(SpecLoadErrors, AliasBombIsRefused) {
  std::string bomb = "openapi: 3.0.3\na: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'j'; ++c) {
    bomb += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) bomb += std::string(i ? ", *" : "*") + prev;
    bomb += "]\n";
    prev = c;
  }
  LoadResult r = load_mem(bomb);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(first_error(r)->message, HasSubstr("too many nodes"));
}

TEST(SpecLoadErrors, CycleAcrossFilesAndSelfReferentialSchemaDoNotHang) {
  std::map<std::string, std::string> files{
      {"/mem/a.yaml", "P: {$ref: 'b.yaml#/P'}\n"},
      {"/mem/b.yaml", "P: {$ref: 'a.yaml#/P'}\n"},
  };
  LoadResult r = load_mem(R"(openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    get:
      parameters: [{$ref: 'a.yaml#/P'}]
      responses:
        "200": {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Self'}}}}
components:
  schemas:
    Self: {$ref: '#/components/schemas/Self'}
    Tree: {type: object, properties: {kids: {type: array, items: {$ref: '#/components/schemas/Tree'}}}}
)",
                          files);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(all(r.diagnostics), HasSubstr("cycle through parameter"));
}

TEST(SpecLoad, RecursiveSchemasLoad) {
  LoadResult r = load_mem(R"(openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /tree:
    get:
      responses:
        "200": {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Tree'}}}}
components:
  schemas:
    Tree: {type: object, properties: {kids: {type: array, items: {$ref: '#/components/schemas/Tree'}}}}
)");
  ASSERT_TRUE(r.ok()) << all(r.diagnostics);
  EXPECT_NE(r.document->operations()[0].responses[0].content[0].schema, nullptr);
}

TEST(SpecLoad, WarningsAreLocatedUnlessAskedNotToErrorsAlways) {
  // `optional` is a quirk: a warning, an error under strict
  constexpr const char* kDoc = R"(openapi: 3.0.3
info: {title: Quirk, version: "1"}
paths:
  /things:
    get:
      parameters:
        - {name: size, in: query, schema: {type: integer, optional: 1}}
      responses:
        "200": {description: ok}
)";
  auto note = [](const LoadResult& r) -> const Diagnostic* {
    for (const auto& d : r.diagnostics)
      if (d.message.find("`optional`") != std::string::npos) return &d;
    return nullptr;
  };
  LoadResult located = load_mem(kDoc);
  ASSERT_TRUE(located.ok()) << all(located.diagnostics);
  const Diagnostic* w = note(located);
  ASSERT_NE(w, nullptr) << all(located.diagnostics);
  EXPECT_FALSE(w->error());
  EXPECT_EQ(w->line, 7) << w->to_string();

  LoadOptions quiet;
  quiet.locate_warnings = false;
  LoadResult unlocated = load_mem(kDoc, {}, quiet);
  ASSERT_TRUE(unlocated.ok());
  const Diagnostic* u = note(unlocated);
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(u->line, 0) << u->to_string();
  EXPECT_EQ(u->pointer, w->pointer);

  quiet.strict = true;  // the same note as an error is located all the same
  LoadResult strict = load_mem(kDoc, {}, quiet);
  EXPECT_FALSE(strict.ok());
  const Diagnostic* e = note(strict);
  ASSERT_NE(e, nullptr) << all(strict.diagnostics);
  EXPECT_TRUE(e->error());
  EXPECT_EQ(e->line, w->line) << e->to_string();
  EXPECT_EQ(e->column, w->column) << e->to_string();
}
