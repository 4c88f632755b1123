// src/schema/char_run.hpp — the commonest `pattern` shapes, matched without the regex engine.
//
// Most patterns in real documents that constrain identifiers, names and ids are ASCII character
// classes between the anchors, each repeated a fixed number of times but one:
// "^[a-zA-Z0-9-]+$", "^[0-9]{1,5}$", "^\d+$", "^[A-Za-z][A-Za-z0-9_-]*$", "^v[0-9]{2}$",
// "^[a-z][a-z0-9.-]*[a-z0-9]$", and a host name's label, "^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$"
// (an optional group at the end makes two such runs) — each also wrapped as "^(?:...)$", as
// the Proxmox importer writes them. Such a pattern is recognised once, when the schema is
// compiled, and then checked by a length test and a table lookup per byte: with every count
// fixed but one, where each class starts is known, so there is nothing to backtrack over. It
// gives the same answer as RE2 on every input: a byte outside ASCII is in no class it accepts,
// and with only ASCII bytes matched, bytes are code points. Anything else (alternation, other
// groups, negated classes, \s, flags) is left to RE2.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace oasis::schema::detail {

struct CharRun {
  struct Atom {
    std::uint64_t set[2] = {0, 0};  // the ASCII bytes the class holds
    std::size_t min = 1, max = 1;   // max SIZE_MAX: no upper bound
    bool holds(unsigned char c) const { return c < 128 && ((set[c >> 6] >> (c & 63)) & 1); }
  };
  struct Run {
    static constexpr std::size_t kMaxAtoms = 8;
    Atom atoms[kMaxAtoms];
    std::size_t count = 0;    // atoms in use (at least one)
    std::size_t varying = 0;  // the one atom whose count may vary (the last when none does)
    std::size_t fixed = 0;    // the bytes all the other atoms take

    bool matches(std::string_view s) const {
      if (s.size() < fixed) return false;
      const std::size_t rest = s.size() - fixed;
      if (rest < atoms[varying].min || rest > atoms[varying].max) return false;
      std::size_t at = 0;
      for (std::size_t a = 0; a < count; ++a) {
        const std::size_t n = a == varying ? rest : atoms[a].min;
        for (std::size_t k = 0; k < n; ++k, ++at)
          if (!atoms[a].holds(static_cast<unsigned char>(s[at]))) return false;
      }
      return true;
    }
  };
  Run runs[2];  // the pattern without and with its optional group
  std::size_t alternatives = 1;

  bool matches(std::string_view s) const {
    for (std::size_t k = 0; k < alternatives; ++k)
      if (runs[k].matches(s)) return true;
    return false;
  }
};

// The run an ECMA-262 pattern is, or null when it has any other shape.
std::unique_ptr<const CharRun> char_run_of(std::string_view pattern);

}  // namespace oasis::schema::detail
