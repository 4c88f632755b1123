// src/schema/validate_internal.hpp — what the text validator (validate_text.cpp) needs from the
// DOM evaluator (validate.cpp): its limits, and an entry that evaluates one schema on one value
// as if the evaluation were nested inside a larger one (at an instance depth, under a number of
// active evaluations, sharing the step budget), so both agree on every limit.
#pragma once

#include <oasis/schema/schema.hpp>

#include <cstddef>

namespace oasis::schema::detail {

// (Constants here, so that the text validator compares with immediates.)
inline constexpr std::size_t eval_max_frames = 1000;  // nested evaluations before "nested too deeply"
// Nested anyOf/oneOf can make the work exponential in the schema's nesting (whatever the
// instance): a hostile schema stops here instead of hanging its caller.
inline constexpr std::size_t eval_max_steps = 2'000'000;  // evaluations before "the schema needs too much work"

// is_valid(s, v, d) for a value found at instance `depth`, evaluated under `frames` active
// evaluations; `steps` is the shared counter (incremented by the evaluations made here).
bool is_valid_at(SchemaRef s, const boost::json::value& v, Direction d, std::size_t depth, std::size_t frames,
                 std::size_t& steps);

}  // namespace oasis::schema::detail
