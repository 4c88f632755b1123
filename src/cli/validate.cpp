// cli/validate.cpp — `oasis validate SPEC --request 'POST /pets' [--body FILE] [--query ..]
// [--header 'K: V']... [--content-type T]`: route one request and check it against the document.
// Exit status: 0 valid, 1 invalid (including no such route), 2 usage or load errors.
#include "command.hpp"

#include <oasis/spec/problem.hpp>
#include <oasis/spec/request.hpp>
#include <oasis/spec/router.hpp>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>

namespace {

oasis::cli::Run setup(CLI::App& sub) {
  struct Options {
    std::string spec, request, body_file, query, content_type;
    std::vector<std::string> headers;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  sub.add_option("spec", o->spec, "OpenAPI 3.0/3.1 or Swagger 2.0 document (JSON or YAML)")->required();
  sub.add_option("--request", o->request, "method and path, e.g. 'POST /pets' or 'GET /pets?limit=5'")->required();
  sub.add_option("--body", o->body_file, "file holding the request body ('-' for standard input)");
  sub.add_option("--query", o->query, "query string, e.g. 'a=1&b=2'");
  sub.add_option("--header", o->headers, "a request header 'Name: value' (repeatable)");
  sub.add_option("--content-type", o->content_type, "Content-Type of the body (default application/json)");
  sub.add_flag("--json", o->json, "print the result as an application/problem+json body");
  return [o]() -> int {
    using namespace oasis::spec;
    auto space = o->request.find(' ');
    if (space == std::string::npos) {
      std::fprintf(stderr, "oasis validate: --request must be 'METHOD /path', got '%s'\n", o->request.c_str());
      return 2;
    }
    std::string method = o->request.substr(0, space);
    std::string target = o->request.substr(space + 1);
    while (!target.empty() && target.front() == ' ') target.erase(0, 1);
    std::string path = target, query = o->query;
    if (auto q = target.find('?'); q != std::string::npos) {
      path = target.substr(0, q);
      std::string tq = target.substr(q + 1);
      query = query.empty() ? tq : tq + "&" + query;
    }
    oasis::http::Method m = method_from_name(method);
    if (m == oasis::http::Method::OTHER) {
      std::fprintf(stderr, "oasis validate: unknown method '%s'\n", method.c_str());
      return 2;
    }
    std::vector<oasis::http::Field> headers;
    for (const auto& h : o->headers) {
      auto colon = h.find(':');
      if (colon == std::string::npos) {
        std::fprintf(stderr, "oasis validate: --header must be 'Name: value', got '%s'\n", h.c_str());
        return 2;
      }
      std::string_view name(h.data(), colon), value(h.data() + colon + 1, h.size() - colon - 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      headers.push_back({name, value});
    }
    std::string body;
    bool has_body = false;
    if (!o->body_file.empty()) {
      if (o->body_file == "-") {
        body.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
      } else {
        std::ifstream in(o->body_file, std::ios::binary);
        if (!in) {
          std::fprintf(stderr, "oasis validate: cannot read body file '%s'\n", o->body_file.c_str());
          return 2;
        }
        std::ostringstream ss;
        ss << in.rdbuf();
        body = ss.str();
      }
      has_body = true;
    }
    std::string content_type = o->content_type;
    if (content_type.empty() && has_body) {
      bool in_headers = false;
      for (const auto& h : headers) {
        std::string n(h.name);
        for (auto& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        in_headers |= n == "content-type";
      }
      if (!in_headers) content_type = "application/json";
    }

    LoadResult r = Document::load_file(o->spec);
    if (!r.ok()) {
      for (const auto& d : r.diagnostics)
        if (d.error()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
      return 2;
    }
    Router router(*r.document);
    RouteMatch match = router.find(m, path);
    if (!match.found()) {
      if (match.status == RouteStatus::method_not_allowed)
        std::printf("405 Method Not Allowed: %s %s (allowed: %.*s)\n", method.c_str(), path.c_str(),
                    int(match.allow.size()), match.allow.data());
      else
        std::printf("404 Not Found: no operation for %s %s\n", method.c_str(), path.c_str());
      return 1;
    }
    const Operation& op = *match.operation;
    RequestInput in;
    in.path_params = {match.params.data(), match.params.size()};
    in.query = query;
    in.headers = headers;
    in.content_type = content_type;
    in.body = body;
    in.has_body = has_body;
    RequestOptions ro;
    ro.keep = keep_none;  // only the verdict is printed
    RequestValidation v = validate_request(op, in, ro);
    std::string who = op.method_name + " " + op.path + (op.operation_id.empty() ? "" : " (" + op.operation_id + ")");
    if (o->json) {
      if (v.ok())
        std::printf("{\"valid\":true,\"operation\":\"%s\"}\n", op.operation_id.c_str());
      else
        std::printf("%s\n", problem_body(problem_from(v)).c_str());
      return v.ok() ? 0 : 1;
    }
    if (v.ok()) {
      std::printf("valid: %s\n", who.c_str());
      return 0;
    }
    std::printf("invalid (%d): %s\n", v.status, who.c_str());
    for (const auto& x : v.violations)
      std::printf("  %s: %s\n", x.instance_pointer.empty() ? "/" : x.instance_pointer.c_str(), x.message.c_str());
    return 1;
  };
}

}  // namespace

OASIS_COMMAND("validate", "Check one request against an OpenAPI document", setup, 52);
