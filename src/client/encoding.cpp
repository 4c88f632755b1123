// client/encoding.cpp — how data becomes bytes on the wire: percent-encoding, query strings
// and form bodies from key-value lists, Retry-After and the backoff schedule.
#include <oasis/client/client.hpp>
#include <oasis/http/date.hpp>

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace oasis::client {

namespace {

std::string scalar(const boost::json::value& v, bool bool_as_int) {
  switch (v.kind()) {
    case boost::json::kind::string: return std::string(v.get_string());
    case boost::json::kind::bool_: return v.get_bool() ? (bool_as_int ? "1" : "true") : (bool_as_int ? "0" : "false");
    default: return boost::json::serialize(v);  // numbers as JSON writes them; objects as JSON
  }
}

}  // namespace

std::string encode_query(const Params& params, bool bool_as_int) {
  std::string out;
  auto add = [&](const std::string& key, const boost::json::value& v) {
    if (v.is_null()) return;
    if (!out.empty()) out += '&';
    out += percent_encode(key);
    out += '=';
    out += percent_encode(scalar(v, bool_as_int));
  };
  for (const auto& p : params) {
    if (p.value.is_array()) {
      for (const auto& item : p.value.get_array()) add(p.key, item);
    } else {
      add(p.key, p.value);
    }
  }
  return out;
}

std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, unsigned attempt) {
  // base * 2^attempt, capped; computed in double so a large attempt cannot overflow.
  double ms = static_cast<double>(policy.base_delay.count()) * std::pow(2.0, std::min(attempt, 62u));
  ms = std::min(ms, static_cast<double>(policy.max_delay.count()));
  return std::chrono::milliseconds(static_cast<long long>(ms));
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value, std::time_t now_utc) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  long long seconds = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc{} && end == value.data() + value.size()) {
    if (seconds < 0) return std::nullopt;
    return std::chrono::seconds(seconds);
  }
  if (auto t = http::parse_http_date(value)) {
    if (*t <= now_utc) return std::chrono::milliseconds(0);
    return std::chrono::seconds(*t - now_utc);
  }
  return std::nullopt;
}

}  // namespace oasis::client
