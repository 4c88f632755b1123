// src/schema/pattern_gen.hpp — strings that match a `pattern`, for example generation.
//
// Understands the part of ECMA-262 regex syntax that API documents use: literals, escapes (\d \w
// \s ...), character classes and ranges (negated too), '.', groups (capturing, (?:...), named),
// alternation, the quantifiers * + ? {n} {n,} {n,m} (lazy or not) and the anchors ^ $.
// Look-arounds and back-references are not supported (nullopt). The caller checks the result
// with RE2: this is a generator, not a matcher.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace oasis::schema::detail {

// splitmix64: small, fast, and the same sequence everywhere (std:: distributions are not).
struct Rng {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }
};

// `stretch`: how many optional repetitions a quantifier may add (0 = as few as allowed).
std::optional<std::string> string_from_pattern(std::string_view pattern, Rng& rng, std::size_t stretch);

}  // namespace oasis::schema::detail
