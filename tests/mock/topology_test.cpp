// Topology: collections, items, sub-resources and actions inferred from path templates.
#include <oasis/mock/topology.hpp>

#include <gtest/gtest.h>

#include <support/specs.hpp>

using namespace oasis;

namespace {
std::unique_ptr<spec::Document> load(std::string_view yaml) {
  auto r = spec::Document::load_string(yaml, "test.yaml");
  for (const auto& d : r.diagnostics) ADD_FAILURE() << d.to_string();
  return std::move(r.document);
}

constexpr std::string_view kPve = R"(openapi: 3.0.0
info: {title: pve-like, version: "1"}
paths:
  /nodes:
    get: {responses: {"200": {description: ok}}}
  /nodes/{node}:
    parameters: [{name: node, in: path, required: true, schema: {type: string}}]
    get: {responses: {"200": {description: ok}}}
  /nodes/{node}/qemu:
    parameters: [{name: node, in: path, required: true, schema: {type: string}}]
    get: {responses: {"200": {description: ok}}}
    post: {responses: {"200": {description: ok}}}
  /nodes/{node}/qemu/{vmid}:
    parameters:
      - {name: node, in: path, required: true, schema: {type: string}}
      - {name: vmid, in: path, required: true, schema: {type: integer}}
    get: {responses: {"200": {description: ok}}}
    delete: {responses: {"200": {description: ok}}}
  /nodes/{node}/qemu/{vmid}/config:
    parameters:
      - {name: node, in: path, required: true, schema: {type: string}}
      - {name: vmid, in: path, required: true, schema: {type: integer}}
    get: {responses: {"200": {description: ok}}}
    put: {responses: {"200": {description: ok}}}
  /nodes/{node}/qemu/{vmid}/status/start:
    parameters:
      - {name: node, in: path, required: true, schema: {type: string}}
      - {name: vmid, in: path, required: true, schema: {type: integer}}
    post: {responses: {"200": {description: ok}}}
  /version:
    get: {responses: {"200": {description: ok}}}
  /login:
    post: {responses: {"200": {description: ok}}}
)";
}  // namespace

TEST(Topology, NestedCollectionsItemsSubResourcesAndActions) {
  auto doc = load(kPve);
  ASSERT_TRUE(doc);
  mock::Topology t(*doc);
  ASSERT_EQ(t.collections().size(), 2u);
  const auto* nodes = t.collection_at("/nodes");
  ASSERT_TRUE(nodes);
  EXPECT_EQ(nodes->item_path, "/nodes/{node}");
  EXPECT_EQ(nodes->id_param, "node");
  EXPECT_TRUE(nodes->parent_item.empty());
  EXPECT_TRUE(nodes->list && nodes->read);
  EXPECT_FALSE(nodes->create);

  const auto* qemu = t.collection_at("/nodes/{node}/qemu");
  ASSERT_TRUE(qemu);
  EXPECT_EQ(qemu->id_param, "vmid");
  EXPECT_EQ(qemu->parent_item, "/nodes/{node}");
  EXPECT_TRUE(qemu->create && qemu->list && qemu->read && qemu->remove);
  EXPECT_FALSE(qemu->replace);

  EXPECT_EQ(t.role_of("/nodes/{node}/qemu"), mock::Role::collection);
  EXPECT_EQ(t.role_of("/nodes/{node}/qemu/{vmid}"), mock::Role::item);
  EXPECT_EQ(t.role_of("/nodes/{node}/qemu/{vmid}/config"), mock::Role::sub_resource);
  EXPECT_EQ(t.role_of("/version"), mock::Role::other);
  EXPECT_EQ(t.owning_item("/nodes/{node}/qemu/{vmid}/config"), "/nodes/{node}/qemu/{vmid}");
  EXPECT_EQ(t.owning_item("/nodes/{node}/qemu"), "/nodes/{node}");

  // POSTs that do not create are actions, with the item they act on.
  ASSERT_EQ(t.actions().size(), 2u);
  bool start = false, login = false;
  for (const auto& a : t.actions()) {
    if (a.operation->path == "/nodes/{node}/qemu/{vmid}/status/start") {
      start = true;
      EXPECT_EQ(a.item_path, "/nodes/{node}/qemu/{vmid}");
    }
    if (a.operation->path == "/login") {
      login = true;
      EXPECT_TRUE(a.item_path.empty());
    }
  }
  EXPECT_TRUE(start && login);
  std::string text = t.to_text();
  EXPECT_NE(text.find("collection /nodes/{node}/qemu  items /nodes/{node}/qemu/{vmid}  id vmid  under /nodes/{node}"),
            std::string::npos)
      << text;
}

TEST(Topology, PathTemplateHelpers) {
  EXPECT_TRUE(mock::is_variable_segment("{id}"));
  EXPECT_FALSE(mock::is_variable_segment("{name}.{ext}"));
  EXPECT_FALSE(mock::is_variable_segment("pets"));
  EXPECT_EQ(mock::last_segment("/a/b/{c}"), "{c}");
  EXPECT_EQ(mock::parent_template("/a/b/{c}"), "/a/b");
}

TEST(Topology, PetstoreExpanded) {
  OASIS_REQUIRE_SPECS();
  auto r = spec::Document::load_file((oasis_test::specs_dir() / "oai" / "petstore-expanded.yaml").string());
  ASSERT_TRUE(r.ok());
  mock::Topology t(*r.document);
  ASSERT_EQ(t.collections().size(), 1u);
  const auto& pets = t.collections()[0];
  EXPECT_EQ(pets.path, "/pets");
  EXPECT_EQ(pets.item_path, "/pets/{id}");
  EXPECT_TRUE(pets.list && pets.create && pets.read && pets.remove);
  EXPECT_TRUE(t.actions().empty());
}

TEST(Topology, RealDocumentsHaveCollections) {
  OASIS_REQUIRE_SPECS();
  for (const char* name : {"github-api-2020.json", "pve-openapi.json"}) {
    auto r = spec::Document::load_file((oasis_test::specs_dir() / name).string());
    ASSERT_TRUE(r.ok()) << name;
    mock::Topology t(*r.document);
    EXPECT_GT(t.collections().size(), 20u) << name;
    EXPECT_GT(t.sub_resources().size(), 20u) << name;
    // Every collection's item really is its child.
    for (const auto& c : t.collections()) EXPECT_EQ(mock::parent_template(c.item_path), c.path) << name;
  }
}
