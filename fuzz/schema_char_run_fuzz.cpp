// fuzz/schema_char_run_fuzz.cpp — the regex-free pattern check answers as RE2 does.
//
// Input: "<pattern>\0<string>". When char_run_of() takes the pattern, RE2 must accept it as
// well (the compiler uses a run only for a pattern RE2 compiled) and PartialMatch must give the
// run's answer on the string, on each of its prefixes and on each of its suffixes.
#include "../src/schema/char_run.hpp"

#include <re2/re2.h>

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto nul = in.find('\0');
  if (nul == std::string_view::npos) return 0;
  const std::string_view pattern = in.substr(0, nul), text = in.substr(nul + 1);
  auto run = oasis::schema::detail::char_run_of(pattern);
  if (!run) return 0;
  RE2::Options o;
  o.set_log_errors(false);
  RE2 re(re2::StringPiece(pattern.data(), pattern.size()), o);
  if (!re.ok()) return 0;  // (the compiler keeps no run for a pattern RE2 refuses)
  auto same = [&](std::string_view s) {
    if (RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), re) != run->matches(s)) std::abort();
  };
  for (std::size_t k = 0; k <= text.size(); ++k) {
    same(text.substr(0, k));
    same(text.substr(k));
  }
  return 0;
}
