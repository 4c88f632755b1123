// oasis/spec/router.hpp — finds the Operation a (method, path) pair is for.
//
// Compiled once from every path template and method of a Document into a segment trie: static
// segments in a hash map, one child for a segment that is a whole template variable
// ("/pets/{id}"), and children for segments that mix literals and variables ("/files/{name}.{ext}",
// "/compare/{base}...{head}"). Static segments win over templated ones; when a static branch
// dead-ends the lookup backtracks into the templated one. A lookup costs O(path length), never
// O(number of operations), and allocates nothing for up to 8 path parameters.
//
// It knows nothing about sockets or what happens to the request next: it only maps strings.
#pragma once

#include <oasis/spec/document.hpp>

#include <boost/container/small_vector.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace oasis::spec {

struct RouterOptions {
  // The prefix requests carry before the path templates ("/v1", "/api/v3"). nullopt: the path
  // of the first server URL (Swagger 2.0: basePath); "" for none.
  std::optional<std::string> base_path;
  // Also accept paths without the base path (a mock addressed as "/pets" instead of "/v1/pets").
  bool accept_without_base_path = true;
  // A HEAD request for a path that only declares GET is routed to the GET operation.
  bool head_uses_get = true;
};

enum class RouteStatus : std::uint8_t { found, not_found, method_not_allowed };

struct PathParam {
  std::string_view name;   // the template variable's name (lives in the Router)
  std::string_view value;  // raw, still percent-encoded; a view into the path given to find()
};

struct RouteMatch {
  RouteStatus status = RouteStatus::not_found;
  const Operation* operation = nullptr;  // set when found
  boost::container::small_vector<PathParam, 8> params;
  // The methods the matched path allows ("GET, HEAD, POST"), for a 405's Allow header; empty
  // when not_found. Lives in the Router.
  std::string_view allow;
  std::string_view path_template;  // "/pets/{petId}" when the path matched; lives in the Router

  bool found() const { return status == RouteStatus::found; }
};

class Router {
 public:
  explicit Router(const Document& doc, RouterOptions opts = {});
  ~Router();
  Router(Router&&) noexcept;
  Router& operator=(Router&&) noexcept;

  // `path` is the request target's path (no query), still percent-encoded.
  RouteMatch find(http::Method method, std::string_view path) const;
  // The same, reusing `out` (no allocation when warm).
  void find(http::Method method, std::string_view path, RouteMatch& out) const;

  const std::string& base_path() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace oasis::spec
