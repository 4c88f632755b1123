// oasis/spec/problem.hpp — violations rendered as an RFC 9457 problem details body
// (application/problem+json): {"type","title","status","detail","errors":[{"pointer","message",..}]}.
//
// Only formatting: it knows nothing about how the body is sent.
#pragma once

#include <oasis/schema/schema.hpp>

#include <boost/json/object.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace oasis::spec {

struct RequestValidation;

inline constexpr std::string_view problem_content_type = "application/problem+json";

struct Problem {
  int status = 400;
  std::string type = "about:blank";
  std::string title;   // "" → the status's reason phrase ("Bad Request")
  std::string detail;  // "" → a count of the violations
  std::vector<schema::Violation> errors;
};

// The problem object; errors become {"pointer","message","keyword","schemaPointer"}.
boost::json::object to_json(const Problem& p);
// Serialised to_json(p).
std::string problem_body(const Problem& p);

// Answers `p` on a response builder (http::Response; a template so that this module stays free
// of the engine): its status, and the problem as an application/problem+json body.
template <class Response>
void write_problem(Response& res, const Problem& p) {
  res.status(p.status);
  res.body(problem_content_type, problem_body(p));
}
// The problem a failed request validation answers with (status 400 or 415).
Problem problem_from(const RequestValidation& v);

}  // namespace oasis::spec
