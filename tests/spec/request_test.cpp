// Parameter styles, body media types, 400/415, response checks and problem+json.
#include <oasis/spec/problem.hpp>
#include <oasis/spec/request.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace json = boost::json;
using namespace oasis::spec;
using oasis::http::Field;
using oasis::http::Method;
using ::testing::HasSubstr;

namespace {

constexpr const char* kDoc = R"(openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /items/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: integer, minimum: 1}}
    get:
      operationId: getItem
      parameters:
        - {name: limit, in: query, schema: {type: integer, maximum: 100}}
        - {name: ratio, in: query, schema: {type: number}}
        - {name: flag, in: query, schema: {type: boolean}}
        - {name: tags, in: query, schema: {type: array, items: {type: string}}}
        - {name: csv, in: query, explode: false, schema: {type: array, items: {type: integer}}}
        - {name: spaced, in: query, style: spaceDelimited, explode: false, schema: {type: array, items: {type: integer}}}
        - {name: piped, in: query, style: pipeDelimited, explode: false, schema: {type: array, items: {type: string}}}
        - {name: filter, in: query, style: deepObject, explode: true, schema: {type: object, properties: {min: {type: integer}, name: {type: string}, inner: {type: object, properties: {deep: {type: boolean}}}}}}
        - {name: point, in: query, explode: false, schema: {type: object, properties: {x: {type: integer}, y: {type: integer}}}}
        - {name: X-Request-Id, in: header, required: true, schema: {type: string, format: uuid}}
        - {name: X-Counts, in: header, schema: {type: array, items: {type: integer}}}
        - {name: session, in: cookie, schema: {type: string, minLength: 3}}
        - {name: page, in: cookie, schema: {type: integer}}
        - {name: q, in: query, content: {application/json: {schema: {type: object, properties: {a: {type: integer}}}}}}
        - {name: empty, in: query, allowEmptyValue: true, schema: {type: integer}}
      responses:
        "200":
          description: ok
          headers:
            X-Rate: {required: true, schema: {type: integer}}
          content:
            application/json:
              schema: {type: object, required: [id], properties: {id: {type: integer}, secret: {type: string, writeOnly: true}}}
        "4XX": {description: client error, content: {application/problem+json: {schema: {type: object}}}}
        "204": {description: nothing}
  /styles/{simple}/{label}/{matrix}/{exploded}:
    parameters:
      - {name: simple, in: path, required: true, schema: {type: array, items: {type: integer}}}
      - {name: label, in: path, required: true, style: label, schema: {type: array, items: {type: string}}}
      - {name: matrix, in: path, required: true, style: matrix, explode: true, schema: {type: array, items: {type: integer}}}
      - {name: exploded, in: path, required: true, style: simple, explode: true, schema: {type: object, properties: {r: {type: integer}, g: {type: integer}}}}
    get: {operationId: styles, responses: {"200": {description: ok}}}
  /objects/{obj}/{lab}/{mat}:
    parameters:
      - {name: obj, in: path, required: true, schema: {type: object, properties: {r: {type: integer}, name: {type: string}}}}
      - {name: lab, in: path, required: true, style: label, explode: true, schema: {type: object, properties: {r: {type: integer}}}}
      - {name: mat, in: path, required: true, style: matrix, schema: {type: integer}}
    get: {operationId: objects, responses: {"200": {description: ok}}}
  /things:
    post:
      operationId: createThing
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Thing"}
          application/x-www-form-urlencoded:
            schema: {$ref: "#/components/schemas/Thing"}
          multipart/form-data:
            schema: {$ref: "#/components/schemas/Thing"}
          text/plain:
            schema: {type: string, maxLength: 5}
      responses: {"201": {description: created}}
  /any:
    put:
      operationId: putAny
      requestBody:
        content:
          application/*: {schema: {type: object}}
      responses: {"200": {description: ok}}
  /wild:
    put:
      operationId: putWild
      requestBody:
        content:
          "*/*": {schema: {type: string}}
      responses: {"200": {description: ok}}
components:
  schemas:
    Thing:
      type: object
      required: [name, count]
      properties:
        id: {type: integer, readOnly: true}
        name: {type: string, minLength: 2}
        count: {type: integer}
        active: {type: boolean}
        tags: {type: array, items: {type: string}}
        price: {type: number}
        file: {type: string, format: binary}
        meta: {type: object, properties: {a: {type: integer}}}
)";

struct SpecRequest : ::testing::Test {
  static void SetUpTestSuite() {
    LoadResult r = Document::load_string(kDoc, "request.yaml");
    std::string why;
    for (const auto& d : r.diagnostics) why += d.to_string() + "\n";
    ASSERT_TRUE(r.ok()) << why;
    doc = std::move(r.document).release();
    router = new Router(*doc);
  }
  static void TearDownTestSuite() {
    delete router;
    delete doc;
  }
  static inline Document* doc = nullptr;
  static inline Router* router = nullptr;

  // Routes and validates; keeps the strings alive in the fixture.
  RequestValidation run(Method m, std::string path, std::string query = {}, std::vector<Field> headers = {},
                        std::string content_type = {}, std::string body = {}, std::uint8_t keep = keep_all) {
    path_ = std::move(path);
    query_ = std::move(query);
    headers_ = std::move(headers);
    ct_ = std::move(content_type);
    body_ = std::move(body);
    match_ = router->find(m, path_);
    EXPECT_TRUE(match_.found()) << path_;
    if (!match_.found()) return {};
    RequestInput in;
    in.path_params = {match_.params.data(), match_.params.size()};
    in.query = query_;
    in.headers = headers_;
    in.content_type = ct_;
    in.body = body_;
    RequestOptions ro;
    ro.keep = keep;
    return validate_request(*match_.operation, in, ro);
  }
  static std::string pointers(const RequestValidation& v) {
    std::string s;
    for (const auto& x : v.violations) s += x.instance_pointer + " (" + x.message + ")\n";
    return s;
  }
  std::string path_, query_, ct_, body_;
  std::vector<Field> headers_;
  RouteMatch match_;
};

const std::vector<Field> kId{{"X-Request-Id", "123e4567-e89b-12d3-a456-426614174000"}};

}  // namespace

TEST_F(SpecRequest, PathIntegerIsCoercedAndChecked) {
  auto ok = run(Method::GET, "/items/42", "", kId);
  EXPECT_TRUE(ok.ok()) << pointers(ok);
  EXPECT_EQ(ok.path.at("id"), json::value(42));
  auto bad = run(Method::GET, "/items/abc", "", kId);
  EXPECT_EQ(bad.status, 400);
  ASSERT_FALSE(bad.violations.empty());
  EXPECT_EQ(bad.violations[0].instance_pointer, "/path/id");
  EXPECT_EQ(bad.path.at("id"), json::value("abc"));  // not coercible: stays a string
  auto low = run(Method::GET, "/items/0", "", kId);
  EXPECT_EQ(low.violations.at(0).instance_pointer, "/path/id");
  // percent-encoded: decoded before it is coerced
  auto escaped = run(Method::GET, "/items/%34%32", "", kId);
  EXPECT_TRUE(escaped.ok()) << pointers(escaped);
  EXPECT_EQ(escaped.path.at("id"), json::value(42));
  auto escaped_bad = run(Method::GET, "/items/4%20", "", kId);
  EXPECT_EQ(escaped_bad.status, 400);
  EXPECT_EQ(escaped_bad.path.at("id"), json::value("4 "));
}

// The mask says which values are kept; every parameter is checked whatever it says.
TEST_F(SpecRequest, KeepMaskChoosesTheValuesKeptNotTheChecks) {
  const std::vector<Field> good{{"X-Request-Id", "123e4567-e89b-12d3-a456-426614174000"},
                                {"X-Counts", "1,2"},
                                {"Cookie", "session=abcdef"}};
  auto only_query = run(Method::GET, "/items/7", "limit=3", good, {}, {}, keep_query);
  EXPECT_TRUE(only_query.ok()) << pointers(only_query);
  EXPECT_EQ(only_query.query.at("limit"), json::value(3));
  EXPECT_TRUE(only_query.path.empty());
  EXPECT_TRUE(only_query.header.empty());
  EXPECT_TRUE(only_query.cookie.empty());

  auto path_and_cookie = run(Method::GET, "/items/7", "limit=3", good, {}, {}, keep_path | keep_cookie);
  EXPECT_EQ(path_and_cookie.path.at("id"), json::value(7));
  EXPECT_EQ(path_and_cookie.cookie.at("session"), json::value("abcdef"));
  EXPECT_TRUE(path_and_cookie.query.empty());
  EXPECT_TRUE(path_and_cookie.header.empty());

  const std::vector<Field> bad{{"X-Request-Id", "not-a-uuid"}, {"X-Counts", "1,x"}, {"Cookie", "session=ab"}};
  auto all = run(Method::GET, "/items/0", "limit=1000", bad);
  auto none = run(Method::GET, "/items/0", "limit=1000", bad, {}, {}, keep_none);
  EXPECT_EQ(none.status, 400);
  EXPECT_EQ(pointers(none), pointers(all));
  EXPECT_EQ(none.violations.size(), 5u) << pointers(none);
  EXPECT_TRUE(none.path.empty() && none.query.empty() && none.header.empty() && none.cookie.empty());
}

TEST_F(SpecRequest, QueryFormScalarsAndExplodedArray) {
  auto v = run(Method::GET, "/items/1", "limit=10&ratio=0.5&flag=true&tags=a&tags=b%20c&tags=d+e", kId);
  EXPECT_TRUE(v.ok()) << pointers(v);
  EXPECT_EQ(v.query.at("limit"), json::value(10));
  EXPECT_EQ(v.query.at("ratio"), json::value(0.5));
  EXPECT_EQ(v.query.at("flag"), json::value(true));
  EXPECT_EQ(v.query.at("tags"), json::parse(R"(["a","b c","d e"])"));
  auto bad = run(Method::GET, "/items/1", "limit=1000&flag=maybe", kId);
  EXPECT_EQ(bad.status, 400);
  std::string p = pointers(bad);
  EXPECT_THAT(p, HasSubstr("/query/limit"));
  EXPECT_THAT(p, HasSubstr("/query/flag"));
}

TEST_F(SpecRequest, QueryFormNotExplodedSpacePipe) {
  auto v = run(Method::GET, "/items/1", "csv=1,2,3&spaced=4%205+6&piped=a|b%7Cc", kId);
  EXPECT_TRUE(v.ok()) << pointers(v);
  EXPECT_EQ(v.query.at("csv"), json::parse("[1,2,3]"));
  EXPECT_EQ(v.query.at("spaced"), json::parse("[4,5,6]"));
  EXPECT_EQ(v.query.at("piped"), json::parse(R"(["a","b","c"])"));
  auto bad = run(Method::GET, "/items/1", "csv=1,x", kId);
  EXPECT_EQ(bad.violations.at(0).instance_pointer, "/query/csv/1");
}

TEST_F(SpecRequest, QueryDeepObjectAndFormObject) {
  auto v = run(Method::GET, "/items/1", "filter%5Bmin%5D=3&filter[name]=bob&filter[inner][deep]=false&point=x,1,y,2", kId);
  EXPECT_TRUE(v.ok()) << pointers(v);
  EXPECT_EQ(v.query.at("filter"), json::parse(R"({"min":3,"name":"bob","inner":{"deep":false}})"));
  EXPECT_EQ(v.query.at("point"), json::parse(R"({"x":1,"y":2})"));
  auto bad = run(Method::GET, "/items/1", "filter[min]=low", kId);
  EXPECT_EQ(bad.violations.at(0).instance_pointer, "/query/filter/min");
}

TEST_F(SpecRequest, QueryContentJsonAndAllowEmptyValue) {
  auto v = run(Method::GET, "/items/1", "q=%7B%22a%22%3A5%7D&empty=", kId);
  EXPECT_TRUE(v.ok()) << pointers(v);
  EXPECT_EQ(v.query.at("q"), json::parse(R"({"a":5})"));
  EXPECT_EQ(v.query.at("empty"), json::value(""));
  auto bad = run(Method::GET, "/items/1", "q=%7B%22a%22%3A%22x%22%7D", kId);
  EXPECT_EQ(bad.violations.at(0).instance_pointer, "/query/q/a");
}

TEST_F(SpecRequest, HeaderAndCookieParameters) {
  auto missing = run(Method::GET, "/items/1");
  ASSERT_EQ(missing.status, 400);
  EXPECT_EQ(missing.violations.at(0).instance_pointer, "/header/X-Request-Id");
  EXPECT_EQ(missing.violations.at(0).keyword, "required");
  auto v = run(Method::GET, "/items/1", "",
               {{"x-request-id", "123e4567-e89b-12d3-a456-426614174000"}, {"X-Counts", "1, 2,3"},
                {"Cookie", "session=abcdef; page=4"}});
  EXPECT_TRUE(v.ok()) << pointers(v);
  EXPECT_EQ(v.header.at("X-Counts"), json::parse("[1,2,3]"));
  EXPECT_EQ(v.cookie.at("session"), json::value("abcdef"));
  EXPECT_EQ(v.cookie.at("page"), json::value(4));
  auto bad = run(Method::GET, "/items/1", "", {{"X-Request-Id", "not-a-uuid"}, {"Cookie", "session=ab"}});
  std::string p = pointers(bad);
  EXPECT_THAT(p, HasSubstr("/header/X-Request-Id"));
  EXPECT_THAT(p, HasSubstr("/cookie/session"));
}

TEST_F(SpecRequest, PathStylesSimpleLabelMatrix) {
  auto v = run(Method::GET, "/styles/1,2,3/.a.b/;matrix=4;matrix=5/r=1,g=2");
  EXPECT_TRUE(v.ok()) << pointers(v);
  EXPECT_EQ(v.path.at("simple"), json::parse("[1,2,3]"));
  EXPECT_EQ(v.path.at("label"), json::parse(R"(["a.b"])"));  // label not exploded: comma-separated
  EXPECT_EQ(v.path.at("matrix"), json::parse("[4,5]"));
  EXPECT_EQ(v.path.at("exploded"), json::parse(R"({"r":1,"g":2})"));
  auto l = run(Method::GET, "/styles/1/.a,b%2Cc/;matrix=4/r=1");
  EXPECT_EQ(l.path.at("label"), json::parse(R"(["a","b,c"])"));
}

TEST_F(SpecRequest, PathObjectStyles) {
  auto v = run(Method::GET, "/objects/r,100,name,a%20b/.r=5/;mat=7");
  EXPECT_TRUE(v.ok()) << pointers(v);
  EXPECT_EQ(v.path.at("obj"), json::parse(R"({"r":100,"name":"a b"})"));
  EXPECT_EQ(v.path.at("lab"), json::parse(R"({"r":5})"));
  EXPECT_EQ(v.path.at("mat"), json::value(7));
}

TEST_F(SpecRequest, JsonBody) {
  auto v = run(Method::POST, "/things", "", {}, "application/json; charset=utf-8", R"({"name":"box","count":2})");
  EXPECT_TRUE(v.ok()) << pointers(v);
  EXPECT_EQ(v.media_type, "application/json");
  EXPECT_EQ(v.body, json::parse(R"({"name":"box","count":2})"));
  auto bad = run(Method::POST, "/things", "", {}, "application/json", R"({"name":"b","id":5})");
  EXPECT_EQ(bad.status, 400);
  std::string p = pointers(bad);
  EXPECT_THAT(p, HasSubstr("/body/name"));
  EXPECT_THAT(p, HasSubstr("/body/id"));  // readOnly in a request
  EXPECT_THAT(p, HasSubstr("/body "));   // required count missing
  auto syntax = run(Method::POST, "/things", "", {}, "application/json", "{\"name\": ");
  EXPECT_EQ(syntax.status, 400);
  EXPECT_EQ(syntax.violations.at(0).instance_pointer, "/body");
  EXPECT_EQ(syntax.violations.at(0).keyword, "syntax");
}

TEST_F(SpecRequest, JsonBodyNestingIsLimited) {
  std::string deep(100, '[');
  deep += std::string(100, ']');
  auto v = run(Method::POST, "/things", "", {}, "application/json", deep);
  EXPECT_EQ(v.status, 400);
  EXPECT_THAT(v.violations.at(0).message, HasSubstr("deeper than 64"));
}

TEST_F(SpecRequest, FormUrlencodedBody) {
  auto v = run(Method::POST, "/things", "", {}, "application/x-www-form-urlencoded",
               "name=big+box&count=3&active=true&tags=a&tags=b&price=2.5&meta=%7B%22a%22%3A1%7D");
  EXPECT_TRUE(v.ok()) << pointers(v);
  EXPECT_EQ(v.body, json::parse(R"({"name":"big box","count":3,"active":true,"tags":["a","b"],"price":2.5,"meta":{"a":1}})"));
  auto bad = run(Method::POST, "/things", "", {}, "application/x-www-form-urlencoded", "name=box&count=many");
  EXPECT_EQ(bad.violations.at(0).instance_pointer, "/body/count");
}

TEST_F(SpecRequest, MultipartBody) {
  std::string body =
      "--XyZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nwidget\r\n"
      "--XyZ\r\nContent-Disposition: form-data; name=\"count\"\r\n\r\n7\r\n"
      "--XyZ\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{\"a\":2}\r\n"
      "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n\x01\x02\r\n"
      "--XyZ--\r\n";
  auto v = run(Method::POST, "/things", "", {}, "multipart/form-data; boundary=XyZ", body);
  EXPECT_TRUE(v.ok()) << pointers(v);
  EXPECT_EQ(v.body.at("name"), json::value("widget"));
  EXPECT_EQ(v.body.at("count"), json::value(7));
  EXPECT_EQ(v.body.at("meta"), json::parse(R"({"a":2})"));
  EXPECT_EQ(v.body.at("file"), json::value("\x01\x02"));
  auto noboundary = run(Method::POST, "/things", "", {}, "multipart/form-data", body);
  EXPECT_EQ(noboundary.status, 400);
  EXPECT_THAT(noboundary.violations.at(0).message, HasSubstr("boundary"));
}

TEST_F(SpecRequest, TextPlainBody) {
  auto v = run(Method::POST, "/things", "", {}, "text/plain", "abc");
  EXPECT_TRUE(v.ok()) << pointers(v);
  EXPECT_EQ(v.body, json::value("abc"));
  auto bad = run(Method::POST, "/things", "", {}, "text/plain", "abcdefgh");
  EXPECT_EQ(bad.violations.at(0).instance_pointer, "/body");
}

TEST_F(SpecRequest, UnsupportedMediaTypeIs415) {
  auto v = run(Method::POST, "/things", "", {}, "application/xml", "<a/>");
  EXPECT_EQ(v.status, 415);
  EXPECT_EQ(v.violations.at(0).instance_pointer, "/header/Content-Type");
  EXPECT_THAT(v.violations.at(0).message, HasSubstr("application/json"));
}

TEST_F(SpecRequest, MissingRequiredBodyIs400) {
  auto v = run(Method::POST, "/things");
  EXPECT_EQ(v.status, 400);
  EXPECT_EQ(v.violations.at(0).instance_pointer, "/body");
  EXPECT_EQ(v.violations.at(0).keyword, "required");
  auto optional = run(Method::PUT, "/any");
  EXPECT_TRUE(optional.ok());
}

TEST_F(SpecRequest, WildcardMediaTypes) {
  auto v = run(Method::PUT, "/any", "", {}, "application/vnd.api+json", R"({"a":1})");
  EXPECT_TRUE(v.ok()) << pointers(v);
  EXPECT_EQ(v.media_type, "application/*");
  EXPECT_TRUE(v.body.is_object());
  EXPECT_EQ(run(Method::PUT, "/any", "", {}, "text/plain", "x").status, 415);
  auto w = run(Method::PUT, "/wild", "", {}, "image/png", "PNG");
  EXPECT_TRUE(w.ok()) << pointers(w);
  EXPECT_EQ(w.body, json::value("PNG"));
}

TEST(SpecMediaType, ChoosesExactThenRangeThenAny) {
  std::vector<MediaType> c{{"*/*", nullptr, "", {}}, {"text/*", nullptr, "", {}}, {"text/html", nullptr, "", {}}};
  EXPECT_EQ(choose_media_type(c, "text/html; charset=utf-8")->type, "text/html");
  EXPECT_EQ(choose_media_type(c, "TEXT/plain")->type, "text/*");
  EXPECT_EQ(choose_media_type(c, "image/png")->type, "*/*");
  std::vector<MediaType> j{{"application/json", nullptr, "", {}}};
  EXPECT_EQ(choose_media_type(j, "application/xml"), nullptr);
}

TEST(SpecPercent, Decode) {
  EXPECT_EQ(percent_decode("a%20b%2Fc"), "a b/c");
  EXPECT_EQ(percent_decode("a+b", true), "a b");
  EXPECT_EQ(percent_decode("a+b"), "a+b");
  EXPECT_EQ(percent_decode("bad%zz%4"), "bad%zz%4");
}

TEST_F(SpecRequest, ResponseValidation) {
  const Operation* op = doc->find_operation("getItem");
  ASSERT_NE(op, nullptr);
  std::vector<Field> rate{{"X-Rate", "10"}};
  EXPECT_TRUE(validate_response(*op, 200, "application/json", R"({"id":1})", rate).ok());
  auto undeclared = validate_response(*op, 500, "application/json", "{}");
  ASSERT_FALSE(undeclared.ok());
  EXPECT_EQ(undeclared.violations[0].instance_pointer, "/status");
  auto wrong_type = validate_response(*op, 200, "text/html", "<p>", rate);
  EXPECT_EQ(wrong_type.violations.at(0).instance_pointer, "/header/Content-Type");
  auto bad_body = validate_response(*op, 200, "application/json", R"({"id":"x","secret":"s"})", rate);
  std::string p;
  for (const auto& v : bad_body.violations) p += v.instance_pointer + "\n";
  EXPECT_THAT(p, HasSubstr("/body/id"));
  EXPECT_THAT(p, HasSubstr("/body/secret"));  // writeOnly in a response
  auto no_header = validate_response(*op, 200, "application/json", R"({"id":1})");
  EXPECT_EQ(no_header.violations.at(0).instance_pointer, "/header/X-Rate");
  auto range = validate_response(*op, 404, "application/problem+json", "{}");
  EXPECT_TRUE(range.ok());
  EXPECT_EQ(range.response->status, "4XX");
  EXPECT_TRUE(validate_response(*op, 204, "", "").ok());
  EXPECT_FALSE(validate_response(*op, 204, "application/json", "{}").ok());
}

TEST_F(SpecRequest, ProblemJson) {
  auto v = run(Method::GET, "/items/abc", "limit=1000", kId);
  ASSERT_EQ(v.status, 400);
  Problem p = problem_from(v);
  json::value body = json::parse(problem_body(p));
  EXPECT_EQ(body.at("status"), json::value(400));
  EXPECT_EQ(body.at("type"), json::value("about:blank"));
  EXPECT_TRUE(body.at("title").is_string());
  EXPECT_TRUE(body.at("detail").is_string());
  const auto& errors = body.at("errors").as_array();
  ASSERT_EQ(errors.size(), v.violations.size());
  EXPECT_EQ(errors[0].at("pointer"), json::value("/path/id"));
  EXPECT_TRUE(errors[0].at("message").is_string());
  auto u = run(Method::POST, "/things", "", {}, "application/xml", "<a/>");
  EXPECT_EQ(json::parse(problem_body(problem_from(u))).at("status"), json::value(415));
}
