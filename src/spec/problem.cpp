// spec/problem.cpp — RFC 9457 problem details from violations.
#include <oasis/spec/problem.hpp>
#include <oasis/spec/request.hpp>

#include <boost/json/serialize.hpp>

namespace json = boost::json;

namespace oasis::spec {

namespace {

std::string_view reason(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    default: return status >= 500 ? "Server Error" : "Client Error";
  }
}

}  // namespace

json::object to_json(const Problem& p) {
  json::object o;
  o["type"] = p.type.empty() ? "about:blank" : p.type;
  o["title"] = p.title.empty() ? std::string(reason(p.status)) : p.title;
  o["status"] = p.status;
  if (!p.detail.empty()) {
    o["detail"] = p.detail;
  } else if (!p.errors.empty()) {
    o["detail"] = p.errors.size() == 1 ? "1 violation: " + p.errors.front().message
                                       : std::to_string(p.errors.size()) + " violations";
  }
  json::array errors;
  errors.reserve(p.errors.size());
  for (const auto& v : p.errors) {
    json::object e;
    e["pointer"] = v.instance_pointer;
    e["message"] = v.message;
    if (!v.keyword.empty()) e["keyword"] = v.keyword;
    if (!v.schema_pointer.empty()) e["schemaPointer"] = v.schema_pointer;
    errors.push_back(std::move(e));
  }
  o["errors"] = std::move(errors);
  return o;
}

std::string problem_body(const Problem& p) { return json::serialize(to_json(p)); }

Problem problem_from(const RequestValidation& v) {
  Problem p;
  p.status = v.status == 0 ? 400 : v.status;
  p.title = p.status == 415 ? "Unsupported Media Type" : "Request does not match the API description";
  p.errors = v.violations;
  if (v.truncated) p.detail = std::to_string(v.violations.size()) + " violations (more were not listed)";
  return p;
}

}  // namespace oasis::spec
