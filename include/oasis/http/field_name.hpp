// oasis/http/field_name.hpp — comparing a header field name with a known one, ignoring case, a
// word at a time: `field_is<"content-length">(p)` is one load, one OR and one compare per eight
// bytes of the name. For code that has already matched the length (the engine's header index,
// the proxy's hop-by-hop rules); knows nothing else about messages.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace oasis::http {

// A lower-case field name (letters and '-') as eight-byte words, with the bits a case-insensitive
// comparison ignores: bit 0x20 of every letter. Setting that bit maps only 'A' and 'a' to 'a'
// (and so on); dashes, where it would map CR to '-', compare exactly.
template <std::size_t N>
struct FieldName {
  static constexpr std::size_t size = N - 1;
  static constexpr std::size_t words = (size + 7) / 8;
  std::uint64_t word[words] = {}, fold[words] = {};
  constexpr FieldName(const char (&lower)[N]) {
    for (std::size_t w = 0; w < words; ++w) {
      std::array<char, 8> bytes{}, bits{};
      for (std::size_t i = 0; i < 8 && w * 8 + i < size; ++i) {
        bytes[i] = lower[w * 8 + i];
        bits[i] = lower[w * 8 + i] == '-' ? 0 : 0x20;
      }
      word[w] = std::bit_cast<std::uint64_t>(bytes);
      fold[w] = std::bit_cast<std::uint64_t>(bits);
    }
  }
};

// The L.size bytes at `name` are L, ignoring case (the caller has checked there are that many).
template <FieldName L>
bool field_is(const char* name) noexcept {
  static_assert(std::endian::native == std::endian::little, "the words are compared little-endian");
  for (std::size_t w = 0; w < L.words; ++w) {
    std::uint64_t x = 0;
    std::memcpy(&x, name + w * 8, std::min<std::size_t>(8, L.size - w * 8));
    if ((x | L.fold[w]) != L.word[w]) return false;
  }
  return true;
}

}  // namespace oasis::http
