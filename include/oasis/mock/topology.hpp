// oasis/mock/topology.hpp — what the mock infers about an API's resources from its paths.
//
// A *collection* is a path template P with a direct child P/{param}; the child is its *item*;
// paths deeper under an item are the item's *sub-resources* (a sub-resource may itself be a
// collection: /nodes/{node}/qemu under the item /nodes/{node}); a POST on any other path is an
// *action*. Inferred once when the document loads; `oasis routes --topology` prints it.
//
// Pure: knows the spec model, nothing about HTTP servers or storage.
#pragma once

#include <oasis/spec/document.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace oasis::mock {

enum class Role : std::uint8_t { collection, item, sub_resource, action, other };
std::string_view to_string(Role r) noexcept;

struct Collection {
  std::string path;       // "/pets" (a template: may hold variables of its parents)
  std::string item_path;  // "/pets/{petId}"
  std::string id_param;   // "petId"
  // The item this collection lives under ("" for a top-level collection).
  std::string parent_item;
  const spec::Operation* list = nullptr;     // GET path
  const spec::Operation* create = nullptr;   // POST path
  const spec::Operation* read = nullptr;     // GET item_path
  const spec::Operation* replace = nullptr;  // PUT item_path
  const spec::Operation* patch = nullptr;    // PATCH item_path
  const spec::Operation* remove = nullptr;   // DELETE item_path
};

struct SubResource {
  std::string path;       // "/nodes/{node}/qemu/{vmid}/config"
  std::string item_path;  // the nearest item above it: "/nodes/{node}/qemu/{vmid}"
};

struct Action {
  const spec::Operation* operation = nullptr;  // a POST that does not create
  std::string item_path;  // the item it acts on, "" when it is under none
};

class Topology {
 public:
  explicit Topology(const spec::Document& doc);

  const std::vector<Collection>& collections() const noexcept { return collections_; }
  const std::vector<SubResource>& sub_resources() const noexcept { return subs_; }
  const std::vector<Action>& actions() const noexcept { return actions_; }

  // What a path template is: for a collection or item, the Collection; for a sub-resource, the
  // SubResource; null for neither.
  Role role_of(std::string_view path_template) const noexcept;
  const Collection* collection_at(std::string_view path_template) const noexcept;     // path == P
  const Collection* collection_of_item(std::string_view item_template) const noexcept;  // item_path == P
  const SubResource* sub_resource_at(std::string_view path_template) const noexcept;
  // The nearest item template above a path template ("" when none).
  std::string_view owning_item(std::string_view path_template) const noexcept;

  // A human-readable listing, one resource per line.
  std::string to_text() const;

 private:
  std::vector<Collection> collections_;
  std::vector<SubResource> subs_;
  std::vector<Action> actions_;
};

// Path-template helpers. Segments are split on '/'; a segment is a variable when it is
// exactly "{name}".
bool is_variable_segment(std::string_view segment) noexcept;
std::string_view last_segment(std::string_view path) noexcept;
std::string_view parent_template(std::string_view path) noexcept;

}  // namespace oasis::mock
