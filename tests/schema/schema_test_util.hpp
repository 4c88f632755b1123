// tests/schema/schema_test_util.hpp — compile a schema from JSON text and check instances.
#pragma once

#include <oasis/schema/schema.hpp>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <memory>
#include <string_view>

namespace oasis_test {

struct Compiled {
  std::unique_ptr<oasis::schema::Compiler> compiler;
  oasis::schema::SchemaRef schema = nullptr;
  const std::vector<oasis::schema::Diagnostic>& diagnostics() const { return compiler->diagnostics(); }
};

inline boost::json::value json(std::string_view text) {
  boost::json::parse_options po;
  po.max_depth = 10000;
  return boost::json::parse(text, {}, po);
}

// The schema is the document root (so "$ref": "#" and "#/$defs/..." work), or the schema at
// `pointer` of the document when given.
inline Compiled compile(std::string_view document,
                        oasis::schema::Dialect d = oasis::schema::Dialect::jsonschema2020,
                        std::string_view pointer = "", bool strict = false) {
  Compiled c;
  c.compiler = std::make_unique<oasis::schema::Compiler>(json(document), oasis::schema::CompileOptions{d, strict});
  c.schema = c.compiler->compile(pointer);
  return c;
}

// validate() and is_valid() must agree; returns the verdict.
inline bool valid(const Compiled& c, std::string_view instance,
                  oasis::schema::Direction dir = oasis::schema::Direction::none) {
  auto v = json(instance);
  bool fast = oasis::schema::is_valid(c.schema, v, dir);
  oasis::schema::ValidateOptions o;
  o.direction = dir;
  auto r = oasis::schema::validate(c.schema, v, o);
  EXPECT_EQ(fast, r.ok()) << "is_valid and validate disagree on " << instance;
  // the text validator decides the same from the text alone
  auto text = oasis::schema::is_valid_text(c.schema, instance, dir, 10000);
  EXPECT_EQ(fast ? oasis::schema::TextValidity::valid : oasis::schema::TextValidity::invalid, text)
      << "is_valid_text disagrees with is_valid on " << instance;
  if (!fast) {
    EXPECT_FALSE(r.violations.empty());
  }
  return fast;
}

inline oasis::schema::Result check(const Compiled& c, std::string_view instance,
                                   oasis::schema::Direction dir = oasis::schema::Direction::none) {
  oasis::schema::ValidateOptions o;
  o.direction = dir;
  return oasis::schema::validate(c.schema, json(instance), o);
}

}  // namespace oasis_test
