// src/schema/plain_scan.hpp — the plain subset of JSON text, scanned without basic_parser: the
// pieces that validate_text.cpp's tokenizer and json_text.cpp's DOM builder share.
//
// Plain means: strings without escapes or controls (UTF-8 checked by basic_parser's own rules),
// integers and decimals of up to 15 digits with at most a two-digit exponent, and the literals.
// Each number gets the very value basic_parser gives it: an int64, or detail::dec_to_float of the
// same mantissa and exponent (basic_parser keeps every digit of a mantissa below 2^53, wherever
// it stands in the text; of longer ones it may drop digits near the end of the text). Each step
// takes the position and gives the next one, or null at anything outside the subset — including
// any malformed text — and the caller then starts over with basic_parser, which decides.
#pragma once

#include <boost/json/basic_parser_impl.hpp>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace oasis::schema::detail {

class PlainScan {
 protected:
  explicit PlainScan(std::string_view text) noexcept : begin_(text.data()), end_(text.data() + text.size()) {}

  static bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
  static bool is_ws(char c) noexcept { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

  // Past any whitespace (compact text has none); null at the end of the text.
  const char* more(const char* p) const noexcept {
    if (p != end_ && static_cast<unsigned char>(*p) > ' ') return p;
    while (p != end_ && is_ws(*p)) ++p;
    return p == end_ ? nullptr : p;
  }

  // Only whitespace from p to the end.
  bool rest_blank(const char* p) const noexcept {
    while (p != end_ && is_ws(*p)) ++p;
    return p == end_;
  }

  bool literal(const char* p, const char* word, std::size_t n) const noexcept {
    return static_cast<std::size_t>(end_ - p) >= n && std::memcmp(p, word, n) == 0;
  }

  // From a key's closing quote: its value's first byte, past the colon.
  [[gnu::always_inline]] const char* after_key(const char* p) const noexcept {
    if (end_ - p > 2 && p[1] == ':' && static_cast<unsigned char>(p[2]) > ' ') return p + 2;  // compact: "key":value
    if (!(p = more(p + 1)) || *p != ':') return nullptr;
    return more(p + 1);
  }

  // Past a member's or an item's value: the next one's first byte (after the comma), or the
  // container's closing byte `close` with `done` set.
  [[gnu::always_inline]] const char* after_element(const char* p, char close, bool& done) const noexcept {
    if (close == '}' && end_ - p > 1 && p[0] == ',' && p[1] == '"') return p + 1;  // compact: ,"key"
    if (!(p = more(p))) return nullptr;
    if (*p == ',') return more(p + 1);
    if (*p != close) return nullptr;
    done = true;
    return p;
  }

  // From the first byte of a string's contents: the closing quote, when the contents are plain.
  [[gnu::always_inline]] const char* string(const char* p) const noexcept {
#if defined(__SSE2__)
    if (end_ - p >= 16) {
      const int mask = stops(p);
      if (mask) {
        p += __builtin_ctz(static_cast<unsigned>(mask));
        if (*p == '"') return p;
      }
    }
#endif
    return string_rest(p);
  }

  // At a number's first byte: gives its value to on_int (an int64) or on_double, and the
  // position after it.
  template <class OnInt, class OnDouble>
  [[gnu::always_inline]] const char* number(const char* p, OnInt&& on_int, OnDouble&& on_double) const {
    const bool neg = *p == '-';
    if (neg) ++p;
    if (p == end_) return nullptr;
    std::uint64_t mant = 0;
    int digits = 0;
    if (*p == '0') {
      ++p;
      if (p != end_ && is_digit(*p)) return nullptr;
    } else if (is_digit(*p)) {
      do {
        if (++digits > 15) return nullptr;
        mant = mant * 10 + static_cast<std::uint64_t>(*p - '0');
        ++p;
      } while (p != end_ && is_digit(*p));
    } else {
      return nullptr;
    }
    int exp = 0;
    bool dbl = false;
    if (p != end_ && *p == '.') {
      ++p;
      int frac = 0;
      while (p != end_ && is_digit(*p)) {
        if (digits + ++frac > 15) return nullptr;  // below 2^53: no digit dropped anywhere
        mant = mant * 10 + static_cast<std::uint64_t>(*p - '0');
        ++p;
      }
      if (frac == 0) return nullptr;
      exp = -frac;
      dbl = true;
    }
    if (p != end_ && (*p | 32) == 'e') {
      ++p;
      const bool eneg = p != end_ && *p == '-';
      if (p != end_ && (*p == '-' || *p == '+')) ++p;
      if (p == end_ || !is_digit(*p)) return nullptr;
      int e = *p++ - '0';
      if (p != end_ && is_digit(*p)) e = e * 10 + (*p++ - '0');
      if (p != end_ && is_digit(*p)) return nullptr;  // three digits and more: basic_parser's
      exp += eneg ? -e : e;
      dbl = true;
    }
    if (dbl)
      on_double(boost::json::detail::dec_to_float(mant, exp, neg));
    else
      on_int(neg ? -static_cast<std::int64_t>(mant) : static_cast<std::int64_t>(mant));
    return p;
  }

  const char* const begin_;
  const char* const end_;

 private:
#if defined(__SSE2__)
  // Of the 16 bytes at p: which are a quote, a backslash, a control or not ASCII.
  static int stops(const char* p) noexcept {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // signed: bytes from 0x80 compare below ' ' as well as the controls do
    const __m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
                                      _mm_cmplt_epi8(v, _mm_set1_epi8(' ')));
    return _mm_movemask_epi8(stop);
  }
#endif

  [[gnu::noinline]] const char* string_rest(const char* p) const noexcept {
    for (;;) {
#if defined(__SSE2__)
      while (end_ - p >= 16) {
        const int mask = stops(p);
        if (mask) {
          p += __builtin_ctz(static_cast<unsigned>(mask));
          break;
        }
        p += 16;
      }
#endif
      while (p != end_) {
        const unsigned char c = static_cast<unsigned char>(*p);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++p;
      }
      if (p == end_) return nullptr;
      if (*p == '"') return p;
      if (static_cast<unsigned char>(*p) < 0x80) return nullptr;  // an escape or a control
      const std::uint16_t first = boost::json::detail::classify_utf8(*p);
      const std::size_t len = first & 0xFF;
      if (len == 0 || static_cast<std::size_t>(end_ - p) < len || !boost::json::detail::is_valid_utf8(p, first)) return nullptr;
      p += len;
    }
  }
};

// The walk over a whole text: a value at the top, nothing but whitespace after it, containers
// nested less deep than the limit. D gives the
// containers (object, array: from the opening byte, at their depth), a string from its opening
// quote (string_value), a number (number_value) and the literals (on_bool, on_null).
template <class D>
class PlainWalk : protected PlainScan {
 public:
  // It recurses once per level: deeper text goes to basic_parser, which keeps its own stack.
  static constexpr std::size_t kMaxDepth = 64;

 protected:
  PlainWalk(std::string_view text, std::size_t max_depth) noexcept
      : PlainScan(text), max_depth_(std::min(max_depth, kMaxDepth)) {}

  // A container at `depth` is as deep as this walk goes, or deeper.
  bool too_deep(std::size_t depth) const noexcept { return depth >= max_depth_; }

  bool walk() {
    const char* p = more(begin_);
    if (!p) return false;
    p = value(p, 0);
    return p && rest_blank(p);
  }

  // At `*p`, which exists.
  const char* value(const char* p, std::size_t depth) {
    D& d = static_cast<D&>(*this);
    switch (*p) {
      case '{': return d.object(p, depth + 1);
      case '[': return d.array(p, depth + 1);
      case '"': return d.string_value(p);
      case 't':
        if (!literal(p, "true", 4)) return nullptr;
        d.on_bool(true);
        return p + 4;
      case 'f':
        if (!literal(p, "false", 5)) return nullptr;
        d.on_bool(false);
        return p + 5;
      case 'n':
        if (!literal(p, "null", 4)) return nullptr;
        d.on_null();
        return p + 4;
      default: return d.number_value(p);
    }
  }

 private:
  const std::size_t max_depth_;
};

}  // namespace oasis::schema::detail
