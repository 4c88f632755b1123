// mock/topology.cpp — collections, items, sub-resources and actions from path templates.
#include <oasis/mock/topology.hpp>

#include <algorithm>
#include <map>
#include <set>

namespace oasis::mock {

std::string_view to_string(Role r) noexcept {
  switch (r) {
    case Role::collection: return "collection";
    case Role::item: return "item";
    case Role::sub_resource: return "sub-resource";
    case Role::action: return "action";
    case Role::other: break;
  }
  return "other";
}

bool is_variable_segment(std::string_view s) noexcept {
  return s.size() > 2 && s.front() == '{' && s.back() == '}' && s.find('}') == s.size() - 1;
}

std::string_view last_segment(std::string_view path) noexcept {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string_view parent_template(std::string_view path) noexcept {
  auto slash = path.rfind('/');
  if (slash == std::string_view::npos) return {};
  return path.substr(0, slash);
}

Topology::Topology(const spec::Document& doc) {
  // Operations by path template and method.
  std::map<std::string, std::map<http::Method, const spec::Operation*>, std::less<>> by_path;
  for (const auto& op : doc.operations()) by_path[op.path][op.method] = &op;

  auto op_at = [&](const std::string& path, http::Method m) -> const spec::Operation* {
    auto it = by_path.find(path);
    if (it == by_path.end()) return nullptr;
    auto jt = it->second.find(m);
    return jt == it->second.end() ? nullptr : jt->second;
  };

  // Collections: every P with a child P/{param}. The first such child wins when a document
  // has two ("/a/{id}" and "/a/{name}" cannot both be the item).
  std::set<std::string, std::less<>> item_paths;
  for (const auto& [path, methods] : by_path) {
    std::string_view last = last_segment(path);
    if (!is_variable_segment(last)) continue;
    std::string parent(parent_template(path));
    if (parent.empty() || !by_path.count(parent)) continue;
    if (std::any_of(collections_.begin(), collections_.end(), [&](const Collection& c) { return c.path == parent; }))
      continue;
    Collection c;
    c.path = parent;
    c.item_path = path;
    c.id_param = std::string(last.substr(1, last.size() - 2));
    c.list = op_at(parent, http::Method::GET);
    c.create = op_at(parent, http::Method::POST);
    c.read = op_at(path, http::Method::GET);
    c.replace = op_at(path, http::Method::PUT);
    c.patch = op_at(path, http::Method::PATCH);
    c.remove = op_at(path, http::Method::DELETE);
    collections_.push_back(std::move(c));
    item_paths.insert(path);
  }
  // The item a path is under: the longest item template that is a proper prefix of it.
  auto owner = [&](std::string_view path) -> std::string {
    std::string best;
    for (const auto& item : item_paths) {
      if (path.size() > item.size() && path.substr(0, item.size()) == item && path[item.size()] == '/' &&
          item.size() > best.size())
        best = item;
    }
    return best;
  };
  for (auto& c : collections_) c.parent_item = owner(c.path);
  for (const auto& [path, methods] : by_path) {
    bool is_collection = collection_at(path) != nullptr;
    bool is_item = item_paths.count(path) != 0;
    std::string item = owner(path);
    if (!is_collection && !is_item && !item.empty()) subs_.push_back({path, item});
    if (auto post = methods.find(http::Method::POST); post != methods.end() && !is_collection)
      actions_.push_back({post->second, item});
  }
}

const Collection* Topology::collection_at(std::string_view path) const noexcept {
  for (const auto& c : collections_)
    if (c.path == path) return &c;
  return nullptr;
}

const Collection* Topology::collection_of_item(std::string_view item) const noexcept {
  for (const auto& c : collections_)
    if (c.item_path == item) return &c;
  return nullptr;
}

const SubResource* Topology::sub_resource_at(std::string_view path) const noexcept {
  for (const auto& s : subs_)
    if (s.path == path) return &s;
  return nullptr;
}

Role Topology::role_of(std::string_view path) const noexcept {
  if (collection_at(path)) return Role::collection;
  if (collection_of_item(path)) return Role::item;
  if (sub_resource_at(path)) return Role::sub_resource;
  return Role::other;
}

std::string_view Topology::owning_item(std::string_view path) const noexcept {
  std::string_view best;
  for (const auto& c : collections_) {
    std::string_view item = c.item_path;
    if (path.size() > item.size() && path.substr(0, item.size()) == item && path[item.size()] == '/' &&
        item.size() > best.size())
      best = item;
  }
  return best;
}

std::string Topology::to_text() const {
  std::string out;
  auto ops = [](const Collection& c) {
    std::string s;
    auto add = [&](const spec::Operation* op, const char* what) {
      if (!op) return;
      if (!s.empty()) s += ", ";
      s += what;
    };
    add(c.list, "list");
    add(c.create, "create");
    add(c.read, "read");
    add(c.replace, "replace");
    add(c.patch, "patch");
    add(c.remove, "delete");
    return s;
  };
  for (const auto& c : collections_) {
    out += "collection " + c.path + "  items " + c.item_path + "  id " + c.id_param;
    if (!c.parent_item.empty()) out += "  under " + c.parent_item;
    out += "  (" + ops(c) + ")\n";
  }
  for (const auto& s : subs_) out += "sub-resource " + s.path + "  of " + s.item_path + "\n";
  for (const auto& a : actions_) {
    out += "action POST " + a.operation->path;
    if (!a.item_path.empty()) out += "  on " + a.item_path;
    out += "\n";
  }
  return out;
}

}  // namespace oasis::mock
