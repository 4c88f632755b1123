// http/date.cpp — HTTP-date formatting and parsing.
#include <oasis/http/date.hpp>

#include <cstdio>
#include <cstring>

namespace oasis::http {

namespace {
constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// The civil date of a day count since 1970-01-01, in the proleptic Gregorian calendar: days are
// shifted to start on 0000-03-01 so each 400-year era has the leap day at the end of a year.
struct Civil {
  std::int64_t year;
  unsigned month;  // 1..12
  unsigned day;    // 1..31
};
Civil civil_from_days(std::int64_t z) {
  z += 719468;  // days from 0000-03-01 to 1970-01-01
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);                // [0, 146096]
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);           // [0, 365], from March 1st
  const unsigned mp = (5 * doy + 2) / 153;                                // [0, 11], March = 0
  const unsigned day = doy - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(yoe) + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

void two_digits(char* out, unsigned v) {
  out[0] = static_cast<char>('0' + v / 10);
  out[1] = static_cast<char>('0' + v % 10);
}

// Per response (Last-Modified, Expires): plain arithmetic, no gmtime_r and no printf.
std::size_t format_into(char* out, std::size_t cap, std::time_t t) noexcept {
  constexpr std::size_t kLen = 29;  // "Sun, 06 Nov 1994 08:49:37 GMT"
  std::int64_t days = static_cast<std::int64_t>(t) / 86400;
  std::int64_t secs = static_cast<std::int64_t>(t) % 86400;
  if (secs < 0) {
    secs += 86400;
    --days;
  }
  const Civil c = civil_from_days(days);
  if (cap < kLen || c.year < 0 || c.year > 9999) return 0;  // IMF-fixdate has a four-digit year
  const auto weekday = static_cast<std::size_t>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday
  std::memcpy(out, kDays[weekday], 3);
  std::memcpy(out + 3, ", ", 2);
  two_digits(out + 5, c.day);
  out[7] = ' ';
  std::memcpy(out + 8, kMonths[c.month - 1], 3);
  out[11] = ' ';
  two_digits(out + 12, static_cast<unsigned>(c.year / 100));
  two_digits(out + 14, static_cast<unsigned>(c.year % 100));
  out[16] = ' ';
  two_digits(out + 17, static_cast<unsigned>(secs / 3600));
  out[19] = ':';
  two_digits(out + 20, static_cast<unsigned>(secs / 60 % 60));
  out[22] = ':';
  two_digits(out + 23, static_cast<unsigned>(secs % 60));
  std::memcpy(out + 25, " GMT", 4);
  return kLen;
}

int month_index(std::string_view m) {
  for (int i = 0; i < 12; ++i)
    if (m == kMonths[i]) return i;
  return -1;
}

bool digits(std::string_view s, int& out) {
  if (s.empty()) return false;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

bool parse_clock(std::string_view s, std::tm& tm) {
  if (s.size() != 8 || s[2] != ':' || s[5] != ':') return false;
  return digits(s.substr(0, 2), tm.tm_hour) && digits(s.substr(3, 2), tm.tm_min) &&
         digits(s.substr(6, 2), tm.tm_sec) && tm.tm_hour < 24 && tm.tm_min < 60 && tm.tm_sec < 61;
}
}  // namespace

std::string format_http_date(std::time_t t) {
  char buf[40];
  return std::string(buf, format_into(buf, sizeof buf, t));
}

std::size_t format_http_date(std::time_t t, char* out, std::size_t cap) noexcept { return format_into(out, cap, t); }

std::optional<std::time_t> parse_http_date(std::string_view s) noexcept {
  std::tm tm{};
  auto finish = [&]() -> std::optional<std::time_t> {
    if (tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_mon < 0) return std::nullopt;
    return timegm(&tm);
  };
  auto comma = s.find(',');
  if (comma != std::string_view::npos) {
    std::string_view rest = s.substr(comma + 1);
    if (rest.empty() || rest[0] != ' ') return std::nullopt;
    rest.remove_prefix(1);
    if (rest.size() == 24 && rest[2] == ' ' && rest[6] == ' ' && rest[11] == ' ' && rest[20] == ' ') {
      // IMF-fixdate: "06 Nov 1994 08:49:37 GMT"
      if (rest.substr(21) != "GMT") return std::nullopt;
      if (!digits(rest.substr(0, 2), tm.tm_mday)) return std::nullopt;
      tm.tm_mon = month_index(rest.substr(3, 3));
      int year;
      if (!digits(rest.substr(7, 4), year)) return std::nullopt;
      tm.tm_year = year - 1900;
      if (!parse_clock(rest.substr(12, 8), tm)) return std::nullopt;
      return finish();
    }
    if (rest.size() == 22 && rest[2] == '-' && rest[6] == '-' && rest[9] == ' ' && rest[18] == ' ') {
      // RFC 850: "06-Nov-94 08:49:37 GMT"
      if (rest.substr(19) != "GMT") return std::nullopt;
      if (!digits(rest.substr(0, 2), tm.tm_mday)) return std::nullopt;
      tm.tm_mon = month_index(rest.substr(3, 3));
      int yy;
      if (!digits(rest.substr(7, 2), yy)) return std::nullopt;
      tm.tm_year = yy < 70 ? yy + 100 : yy;  // RFC 9110: interpret as the nearest past century
      if (!parse_clock(rest.substr(10, 8), tm)) return std::nullopt;
      return finish();
    }
    return std::nullopt;
  }
  // asctime: "Sun Nov  6 08:49:37 1994"
  if (s.size() == 24 && s[3] == ' ' && s[7] == ' ' && s[10] == ' ' && s[19] == ' ') {
    tm.tm_mon = month_index(s.substr(4, 3));
    std::string_view day = s.substr(8, 2);
    if (day[0] == ' ') day.remove_prefix(1);
    if (!digits(day, tm.tm_mday)) return std::nullopt;
    if (!parse_clock(s.substr(11, 8), tm)) return std::nullopt;
    int year;
    if (!digits(s.substr(20, 4), year)) return std::nullopt;
    tm.tm_year = year - 1900;
    return finish();
  }
  return std::nullopt;
}

void DateCache::refresh(std::time_t now) {
  if (now == last_ && len_) return;
  last_ = now;
  std::memcpy(buf_, "Date: ", 6);
  std::size_t n = format_into(buf_ + 6, sizeof buf_ - 8, now);
  std::memcpy(buf_ + 6 + n, "\r\n", 2);
  len_ = 8 + n;
}

std::string format_rfc3339(std::chrono::system_clock::time_point t) {
  auto ms = std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch()).count();
  auto secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                        tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms - static_cast<std::int64_t>(secs) * 1000));
  return std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
}

}  // namespace oasis::http
