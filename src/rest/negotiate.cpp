// Content negotiation, entity-tags, HTTP-dates and byte ranges: RFC 9110 read as code.
#include <oasis/rest/negotiate.hpp>

#include <oasis/http/message.hpp>

#include <charconv>
#include <cstdio>

namespace oasis::rest {
namespace {

using http::iequals;

bool is_ows(char c) noexcept { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

// Calls f(element) for each non-empty element of a comma-separated list, commas inside quoted
// strings not counting.
template <class F>
void for_each_element(std::string_view list, F&& f) {
  std::size_t start = 0;
  bool quoted = false;
  for (std::size_t i = 0; i <= list.size(); ++i) {
    if (i < list.size()) {
      char c = list[i];
      if (c == '"') quoted = !quoted;
      if (quoted && c == '\\') {
        ++i;
        continue;
      }
      if (c != ',' || quoted) continue;
    }
    auto e = trim(list.substr(start, i - start));
    if (!e.empty()) f(e);
    start = i + 1;
  }
}

// Calls f(name, value) for each ";name=value" parameter of `params`. Returns early (false)
// when f returns false.
template <class F>
bool for_each_param(std::string_view params, F&& f) {
  while (!params.empty()) {
    auto semi = params.find(';');
    auto p = trim(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view{} : params.substr(semi + 1);
    if (p.empty()) continue;
    auto eq = p.find('=');
    auto name = trim(p.substr(0, eq));
    auto value = eq == std::string_view::npos ? std::string_view{} : trim(p.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    if (!f(name, value)) return false;
  }
  return true;
}

// "0", "0.5", "1.000" -> thousandths; -1 if not a qvalue.
Quality parse_q(std::string_view v) noexcept {
  if (v.empty() || (v[0] != '0' && v[0] != '1')) return -1;
  int whole = v[0] - '0';
  int frac = 0, digits = 0;
  if (v.size() > 1) {
    if (v[1] != '.' || v.size() > 5) return -1;
    for (std::size_t i = 2; i < v.size(); ++i) {
      if (v[i] < '0' || v[i] > '9') return -1;
      frac = frac * 10 + (v[i] - '0');
      ++digits;
    }
  }
  while (digits++ < 3) frac *= 10;
  Quality q = whole * 1000 + frac;
  return q > 1000 ? -1 : q;
}

// One element of an Accept-* field: its value, its parameters before q, and q.
struct Element {
  std::string_view value;
  std::string_view params;  // ";a=b;c=d" without q and what follows it
  Quality q = 1000;
};

bool parse_element(std::string_view e, Element& out) noexcept {
  auto semi = e.find(';');
  out.value = trim(e.substr(0, semi));
  out.params = {};
  out.q = 1000;
  if (semi == std::string_view::npos) return !out.value.empty();
  std::string_view rest = e.substr(semi);
  // Parameters run until the "q" parameter; anything after it is an accept-ext, ignored.
  std::size_t pos = 0;
  while (pos < rest.size()) {
    auto next = rest.find(';', pos + 1);
    auto p = trim(rest.substr(pos + 1, next == std::string_view::npos ? std::string_view::npos : next - pos - 1));
    auto eq = p.find('=');
    if (eq != std::string_view::npos && iequals(trim(p.substr(0, eq)), "q")) {
      out.params = rest.substr(0, pos);
      out.q = parse_q(trim(p.substr(eq + 1)));
      return out.q >= 0 && !out.value.empty();
    }
    if (next == std::string_view::npos) break;
    pos = next;
  }
  out.params = rest;
  return !out.value.empty();
}

struct MediaType {
  std::string_view type, subtype, params;
};

MediaType split_media_type(std::string_view v, std::string_view params) noexcept {
  auto slash = v.find('/');
  if (slash == std::string_view::npos) return {trim(v), {}, params};
  return {trim(v.substr(0, slash)), trim(v.substr(slash + 1)), params};
}

MediaType parse_media_type(std::string_view s) noexcept {
  auto semi = s.find(';');
  return split_media_type(s.substr(0, semi),
                          semi == std::string_view::npos ? std::string_view{} : s.substr(semi));
}

// Whether every parameter of `wanted` is in `have`, and how many there were.
bool params_included(std::string_view wanted, std::string_view have, int& count) noexcept {
  count = 0;
  return for_each_param(wanted, [&](std::string_view n, std::string_view v) {
    ++count;
    bool found = false;
    for_each_param(have, [&](std::string_view hn, std::string_view hv) {
      if (iequals(n, hn) && iequals(v, hv)) found = true;
      return !found;
    });
    return found;
  });
}

// Specificity of a media range for a media type, or -1 if it does not match.
int media_range_specificity(const MediaType& range, const MediaType& type) noexcept {
  if (range.type == "*" && range.subtype == "*") return 0;
  if (!iequals(range.type, type.type)) return -1;
  if (range.subtype == "*") return 1;
  if (!iequals(range.subtype, type.subtype)) return -1;
  int n = 0;
  if (!params_included(range.params, type.params, n)) return -1;
  return 2 + n;
}

// For each provided value, the q of the most specific matching element (-1 when none
// matches); `specificity(range, provided)` returns -1 when the range does not match.
template <class Spec>
Quality quality_of(std::string_view provided, std::string_view field, Spec&& specificity) {
  int best_spec = -1;
  Quality q = -1;
  for_each_element(field, [&](std::string_view e) {
    Element el;
    if (!parse_element(e, el)) return;
    int s = specificity(el, provided);
    if (s > best_spec) {
      best_spec = s;
      q = el.q;
    }
  });
  return q;
}

template <class Q>
std::size_t choose(std::span<const std::string_view> provided, Q&& quality) {
  std::size_t best = no_choice;
  Quality best_q = 0;
  for (std::size_t i = 0; i < provided.size(); ++i) {
    Quality q = quality(provided[i]);
    if (q > best_q) {
      best_q = q;
      best = i;
    }
  }
  return best;
}

int language_specificity(const Element& el, std::string_view tag) noexcept {
  auto range = el.value;
  if (range == "*") return 0;
  if (iequals(range, tag)) return static_cast<int>(range.size());
  if (tag.size() > range.size() && tag[range.size()] == '-' && iequals(range, tag.substr(0, range.size())))
    return static_cast<int>(range.size());
  return -1;
}

int token_specificity(const Element& el, std::string_view value) noexcept {
  if (el.value == "*") return 0;
  return iequals(el.value, value) ? 1 : -1;
}

}  // namespace

Quality media_type_quality(std::string_view media_type, std::string_view accept) {
  auto type = parse_media_type(media_type);
  Quality q = quality_of(media_type, accept, [&](const Element& el, std::string_view) {
    return media_range_specificity(split_media_type(el.value, el.params), type);
  });
  return q < 0 ? 0 : q;
}

std::size_t choose_media_type(std::span<const std::string_view> provided, std::string_view accept) {
  // What most clients send: everything is equally welcome, so the server's first choice wins.
  if (trim(accept) == "*/*") return provided.empty() ? no_choice : 0;
  return choose(provided, [&](std::string_view p) { return media_type_quality(p, accept); });
}

std::size_t choose_language(std::span<const std::string_view> provided,
                            std::string_view accept_language) {
  return choose(provided, [&](std::string_view p) {
    return quality_of(p, accept_language, language_specificity);
  });
}

std::size_t choose_charset(std::span<const std::string_view> provided,
                           std::string_view accept_charset) {
  return choose(provided, [&](std::string_view p) {
    return quality_of(p, accept_charset, token_specificity);
  });
}

std::size_t choose_encoding(std::span<const std::string_view> provided,
                            std::string_view accept_encoding) {
  return choose(provided, [&](std::string_view p) {
    Quality q = quality_of(p, accept_encoding, token_specificity);
    // identity is acceptable unless something said otherwise, but below anything the client
    // named: asking for gzip means preferring it.
    if (q < 0 && iequals(p, "identity")) return Quality{1};
    return q;
  });
}

bool media_type_matches(std::string_view content_type, std::string_view accepted) {
  auto have = parse_media_type(content_type);
  auto want = parse_media_type(accepted);
  return media_range_specificity(want, have) >= 0;
}

// --- entity tags -----------------------------------------------------------------------------

std::string format_etag(std::string_view opaque, bool weak) {
  std::string s;
  s.reserve(opaque.size() + 4);
  if (weak) s += "W/";
  s += '"';
  s += opaque;
  s += '"';
  return s;
}

bool is_any_etag(std::string_view field) noexcept { return trim(field) == "*"; }

bool etag_list_matches(std::string_view field, EntityTagView current, bool strong) noexcept {
  if (strong && current.weak) return false;
  std::size_t i = 0;
  while (i < field.size()) {
    char c = field[i];
    if (is_ows(c) || c == ',') {
      ++i;
      continue;
    }
    bool weak = false;
    if (c == 'W' && i + 1 < field.size() && field[i + 1] == '/') {
      weak = true;
      i += 2;
    }
    if (i >= field.size() || field[i] != '"') return false;  // not an entity-tag list
    auto close = field.find('"', i + 1);
    if (close == std::string_view::npos) return false;
    auto opaque = field.substr(i + 1, close - i - 1);
    if (opaque == current.opaque && !(strong && weak)) return true;
    i = close + 1;
  }
  return false;
}

// --- dates -----------------------------------------------------------------------------------

namespace {

constexpr std::string_view kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool number(std::string_view s, int& out) noexcept {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size();
}

int month_index(std::string_view m) noexcept {
  for (int i = 0; i < 12; ++i)
    if (m == kMonths[i]) return i + 1;
  return 0;
}

// "08:49:37"
bool clock(std::string_view s, int& h, int& m, int& sec) noexcept {
  return s.size() == 8 && s[2] == ':' && s[5] == ':' && number(s.substr(0, 2), h) &&
         number(s.substr(3, 2), m) && number(s.substr(6, 2), sec) && h < 24 && m < 60 && sec < 61;
}

std::optional<Time> make_time(int y, int mon, int d, int h, int m, int s) noexcept {
  using namespace std::chrono;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mon)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return sys_days{ymd} + hours{h} + minutes{m} + seconds{s};
}

}  // namespace

std::optional<Time> parse_http_date(std::string_view s) noexcept {
  s = trim(s);
  int y = 0, mon = 0, d = 0, h = 0, m = 0, sec = 0;
  auto comma = s.find(',');
  if (comma == 3) {
    // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
    if (s.size() != 29 || s.substr(25) != " GMT" || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' ||
        s[16] != ' ')
      return std::nullopt;
    mon = month_index(s.substr(8, 3));
    if (!mon || !number(s.substr(5, 2), d) || !number(s.substr(12, 4), y) ||
        !clock(s.substr(17, 8), h, m, sec))
      return std::nullopt;
    return make_time(y, mon, d, h, m, sec);
  }
  if (comma != std::string_view::npos) {
    // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"
    auto rest = s.substr(comma + 1);
    if (rest.size() != 23 || rest[0] != ' ' || rest[3] != '-' || rest[7] != '-' || rest[10] != ' ' ||
        rest.substr(19) != " GMT")
      return std::nullopt;
    mon = month_index(rest.substr(4, 3));
    if (!mon || !number(rest.substr(1, 2), d) || !number(rest.substr(8, 2), y) ||
        !clock(rest.substr(11, 8), h, m, sec))
      return std::nullopt;
    y += y < 70 ? 2000 : 1900;  // two-digit years: RFC 9110 §5.6.7 leaves the window to us
    return make_time(y, mon, d, h, m, sec);
  }
  // asctime: "Sun Nov  6 08:49:37 1994"
  if (s.size() != 24 || s[3] != ' ' || s[7] != ' ' || s[10] != ' ' || s[19] != ' ') return std::nullopt;
  mon = month_index(s.substr(4, 3));
  auto day = s.substr(8, 2);
  if (day[0] == ' ') day.remove_prefix(1);
  if (!mon || !number(day, d) || !clock(s.substr(11, 8), h, m, sec) || !number(s.substr(20, 4), y))
    return std::nullopt;
  return make_time(y, mon, d, h, m, sec);
}

std::string format_http_date(Time t) {
  using namespace std::chrono;
  auto days = floor<std::chrono::days>(t);
  year_month_day ymd{days};
  hh_mm_ss hms{t - days};
  weekday wd{days};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02d:%02d:%02d GMT",
                kDays[wd.c_encoding()].data(), static_cast<unsigned>(ymd.day()),
                kMonths[static_cast<unsigned>(ymd.month()) - 1].data(), static_cast<int>(ymd.year()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

// --- byte ranges ----------------------------------------------------------------------------

RangeAnswer parse_byte_range(std::string_view range, std::uint64_t length, ByteRange& out) noexcept {
  range = trim(range);
  auto eq = range.find('=');
  if (eq == std::string_view::npos || !iequals(trim(range.substr(0, eq)), "bytes")) return RangeAnswer::ignore;
  auto spec = trim(range.substr(eq + 1));
  if (spec.find(',') != std::string_view::npos) return RangeAnswer::ignore;
  auto dash = spec.find('-');
  if (dash == std::string_view::npos) return RangeAnswer::ignore;
  auto first_s = trim(spec.substr(0, dash)), last_s = trim(spec.substr(dash + 1));
  auto parse = [](std::string_view s, std::uint64_t& v) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return !s.empty() && ec == std::errc{} && p == s.data() + s.size();
  };
  std::uint64_t first = 0, last = 0;
  if (first_s.empty()) {
    // Suffix range: the last N bytes.
    if (!parse(last_s, last)) return RangeAnswer::ignore;
    if (last == 0 || length == 0) return RangeAnswer::unsatisfiable;
    out.first = last >= length ? 0 : length - last;
    out.last = length - 1;
    return RangeAnswer::partial;
  }
  if (!parse(first_s, first)) return RangeAnswer::ignore;
  if (last_s.empty()) {
    last = length == 0 ? 0 : length - 1;
  } else if (!parse(last_s, last) || last < first) {
    return RangeAnswer::ignore;  // an invalid range-spec is ignored, not refused
  }
  if (first >= length) return RangeAnswer::unsatisfiable;
  out.first = first;
  out.last = last >= length ? length - 1 : last;
  return RangeAnswer::partial;
}

}  // namespace oasis::rest
