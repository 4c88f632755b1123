// src/schema/char_run.hpp — the commonest `pattern` shape, matched without the regex engine.
//
// Most patterns in real documents that constrain identifiers, names and ids are one ASCII
// character class repeated between the anchors: "^[a-zA-Z0-9-]+$", "^[0-9]{1,5}$", "^\d+$".
// Such a pattern is recognised once, when the schema is compiled, and then checked by a length
// test and a table lookup per byte. It gives the same answer as RE2 on every input: a byte outside
// ASCII is in no class it accepts, and with only ASCII bytes matched, bytes are code points.
// Anything else (alternation, groups, negated classes, \s, flags) is left to RE2.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace oasis::schema::detail {

struct CharRun {
  std::uint64_t set[2] = {0, 0};  // the ASCII bytes the class holds
  std::size_t min = 0;
  std::size_t max = 0;  // SIZE_MAX: no upper bound

  bool holds(unsigned char c) const { return c < 128 && ((set[c >> 6] >> (c & 63)) & 1); }
  bool matches(std::string_view s) const {
    if (s.size() < min || s.size() > max) return false;
    for (char c : s)
      if (!holds(static_cast<unsigned char>(c))) return false;
    return true;
  }
};

// The run an ECMA-262 pattern is, or nothing when it has any other shape.
std::optional<CharRun> char_run_of(std::string_view pattern);

}  // namespace oasis::schema::detail
