// src/schema/generate_audit.hpp — a check on the generator's shortcut, for tests.
//
// The generator does not validate an object or array it built when every keyword of its parts
// is satisfied by construction and every child validated (generate.cpp); of a oneOf it checks
// only the branches not chosen. This hook lets a test
// hold it to that: with an audit, each skipped check is still made and a disagreement counted,
// or (never_skip) the generator checks everything as if it had no shortcut. Neither changes the
// value generated. Not part of the public API.
#pragma once

#include <oasis/schema/schema.hpp>

#include <cstddef>

namespace oasis::schema::detail {

struct GenerateAudit {
  bool never_skip = false;  // validate every candidate (the generator without its shortcut)
  std::size_t skipped = 0;  // full checks skipped (valid by construction, but for a oneOf's other branches)
  std::size_t wrong = 0;    // of those, values the validator judges otherwise (must stay 0)
};

boost::json::value generate_audited(SchemaRef s, const GenerateOptions& opts, GenerateAudit& audit);

}  // namespace oasis::schema::detail
