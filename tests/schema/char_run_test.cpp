// tests/schema/char_run_test.cpp — the regex-free check of "^[class]{n}...$" patterns, one count
// varying, (src/schema/char_run.hpp) answers as RE2 does, and only takes the shapes it can answer.
#include "../../src/schema/char_run.hpp"
#include "schema_test_util.hpp"

#include <re2/re2.h>

#include <string>
#include <vector>

namespace {

using oasis::schema::detail::char_run_of;

// Every string of up to three bytes over an alphabet of class members, their neighbours, the
// anchors' characters, control bytes and the two bytes of a UTF-8 "é".
std::vector<std::string> inputs() {
  const std::string alphabet = std::string("abfvxzAZ09-_.:\\]^ !~\n$\t\x7f") + "\xc3\xa9";
  std::vector<std::string> out{""};
  for (char a : alphabet) {
    out.emplace_back(1, a);
    for (char b : alphabet) {
      out.push_back(std::string{a, b});
      for (char c : alphabet) out.push_back(std::string{a, b, c});
    }
  }
  for (std::size_t n : {4u, 5u, 6u, 7u, 8u, 9u, 999u, 1000u, 1001u}) {
    out.push_back(std::string(n, 'a'));
    out.push_back(std::string(n, '7'));
  }
  out.push_back("deadbeef");
  out.push_back("pve-node-01");
  return out;
}

TEST(CharRun, AnswersAsRe2DoesOnEveryShortString) {
  // spelled the same for both engines
  const char* patterns[] = {
      "^[a-zA-Z0-9-]+$", "^[0-9]{1,5}$", "^\\d+$",        "^\\w*$",       "^[a-z]$",
      "^[a-f0-9]{8}$",   "^[-_.a-z]{2,}$", "^[a-z]?$",    "^[\\d.]{0,3}$", "^[A-Z\\-]+$",
      "^[ !~]+$",        "^[\\\\a]+$",    "^[\\]a]+$",    "^[a^]+$",      "^[\\w.]{1000}$",
      "^[a7]{999,1000}$", "^\\d$",         "^[$]*$",
      // fixed-count atoms, then one that varies; literal characters; the importer's wrapper
      "^[A-Za-z][A-Za-z0-9\\-_]+$", "^(?:[A-Za-z][A-Za-z0-9\\-_]+)$", "^a+$", "^v[0-9]{2}$", "^[a-f]{2}:[0-9]*$",
      "^ab?$", "^(?:\\d+)$", "^x-[a-z]+$", "^[0-9]{3}-[0-9]{0,2}$", "^\\.\\d$", "^a$", "^[a9]{2}[9a]{2}[a-z]?$",
      "^a?b$", "^[a-z][a-z0-9.-]*[a-z0-9]$", "^(?:[a-zA-Z][a-zA-Z0-9._-]*[a-zA-Z0-9])$", "^[0-9]{2}[a-f]*:[0-9]$",
      "^v[0-9]{1,2}\\.[0-9]$", "^[ab]{2}[9a]*[9a]{2}$", "^[a-z]+[0-9]$",
      // an optional group at the end: a host name's label, as the Proxmox importer writes it
      "^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)$", "^[a-z](?:[0-9]{2})?$", "^a(?:b*)?$", "^[ab]+(?:[9a])?$",
      "^a{0}b$", "^[ab]{0,1}9$", "^9{1,10}[ab]{2}$",
  };
  const auto in = inputs();
  std::size_t matched = 0;
  for (const char* p : patterns) {
    SCOPED_TRACE(p);
    auto run = char_run_of(p);
    ASSERT_TRUE(run) << "not recognised";
    RE2 re(p);
    ASSERT_TRUE(re.ok()) << re.error();
    for (const auto& s : in) {
      bool want = RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), re);
      ASSERT_EQ(want, run->matches(s)) << "on \"" << s << "\" (" << s.size() << " bytes)";
      matched += want;
    }
  }
  EXPECT_GT(matched, 1000u);  // the inputs reach both answers, not only "no"
}

TEST(CharRun, LeavesEveryOtherShapeToTheRegexEngine) {
  for (const char* p : {"[a-z]+", "^[a-z]+", "[a-z]+$", "^[^a]+$", "^[a-z]+?$", "^(a|b)+$",
                        "^[\\s]+$", "^\\s+$", "^[[:alpha:]]+$", "^[]a]$", "^[\\d-z]+$", "^[z-a]+$", "^[a-z]{3,2}$",
                        "^[a-z]{1001}$", "^[a-z]{,3}$", "^[a-z]{2$", "^.+$", "^[a-z]+\\$", "^[\xc3\xa9]+$",
                        "^[a-z]+|x$", "^[\\D]+$", "^[\\n]+$", "^[a-z$", "^$", "^[a-z]{1}{2}$", "^a+b+$", "^a?b?$",
                        "^(a)$", "^[a-z]+[0-9]+$", "^(?:a|b)$", "^(?:a)(?:b)$", "^(?:a$", "^a.$", "^a\\sb$", "^(?:[a-z]+\\)$",
                        "^[a-z]*?$", "^a{2}+$", "^abcdefghi$", "^(?:)$", "^(?:a)?$", "^a(?:b)*$", "^a(?:b|c)?$",
                        "^a(?:b(?:c)?)?$", "^a+(?:b+)?$", "^a(?:)?$", "^a(?:b)?c$", "^a(?:b\\)?$", "^a\\(?:b)?$", "^a{01}$", "^a{1,02}$"}) {
    EXPECT_FALSE(char_run_of(p)) << p;
  }
}

TEST(CharRun, TakesIdentityEscapesOfPunctuationAsTheByte) {
  auto run = char_run_of("^[a-z\\_\\/\\.]+$");
  ASSERT_TRUE(run);
  EXPECT_TRUE(run->matches("a_b/c.d"));
  EXPECT_FALSE(run->matches("a\\b"));
  auto counted = char_run_of("^[0-9]{2,4}$");
  ASSERT_TRUE(counted);
  ASSERT_EQ(counted->alternatives, 1u);
  ASSERT_EQ(counted->runs[0].count, 1u);
  EXPECT_EQ(counted->runs[0].atoms[0].min, 2u);
  EXPECT_EQ(counted->runs[0].atoms[0].max, 4u);
}

// Through a compiled schema: the three validators give the run's answer and report the keyword.
TEST(CharRun, DecidesASchemasPatternInEveryValidator) {
  auto c = oasis_test::compile(R"({"type": "string", "pattern": "^[a-zA-Z0-9\\-]+$"})");
  EXPECT_TRUE(oasis_test::valid(c, R"("pve-01")"));
  EXPECT_FALSE(oasis_test::valid(c, R"("pve_01")"));
  EXPECT_FALSE(oasis_test::valid(c, R"("")"));
  EXPECT_FALSE(oasis_test::valid(c, R"("p\u00e9")"));
  EXPECT_FALSE(oasis_test::valid(c, R"("pve\n")"));
  auto r = oasis_test::check(c, R"("a b")");
  ASSERT_EQ(r.violations.size(), 1u);
  EXPECT_EQ(r.violations[0].keyword, "pattern");
}

}  // namespace
