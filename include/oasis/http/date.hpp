// oasis/http/date.hpp — HTTP dates (RFC 9110 §5.6.7): formatting, parsing and the cached
// `Date` header line a server refreshes once a second instead of formatting per response.
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace oasis::http {

// "Sun, 06 Nov 1994 08:49:37 GMT" (IMF-fixdate).
std::string format_http_date(std::time_t t);
// The same into `out` without allocating; returns its length (29), or 0 when `cap` is under 29
// or the year has not four digits.
std::size_t format_http_date(std::time_t t, char* out, std::size_t cap) noexcept;
// Accepts IMF-fixdate, the obsolete RFC 850 and asctime forms; nullopt if none fits.
std::optional<std::time_t> parse_http_date(std::string_view s) noexcept;

// "2026-11-22T05:35:00.123Z" (RFC 3339, UTC, milliseconds): for logs and JSON records.
std::string format_rfc3339(std::chrono::system_clock::time_point t);

// The "Date: ...\r\n" line, formatted at most once a second. One per thread.
class DateCache {
 public:
  DateCache() { refresh(std::time(nullptr)); }
  void refresh(std::time_t now);
  std::string_view line() const noexcept { return {buf_, len_}; }

 private:
  char buf_[64] = {};
  std::size_t len_ = 0;
  std::time_t last_ = 0;
};

}  // namespace oasis::http
