// tests/schema/json_text_test.cpp — parse_plain_json builds the very DOM boost::json::parse builds
// (kinds, doubles to the bit, member order, the last of duplicate keys) for every text it takes,
// takes no text Boost.JSON refuses, and takes the plain text API answers are made of.
#include <oasis/schema/json_text.hpp>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <bit>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace {

namespace json = boost::json;
using oasis::schema::parse_plain_json;

// Same kinds all the way down, doubles compared by their bits, members in the same order.
bool same(const json::value& a, const json::value& b, std::string& why) {
  if (a.kind() != b.kind()) {
    why = "kinds differ: " + json::serialize(a) + " vs " + json::serialize(b);
    return false;
  }
  switch (a.kind()) {
    case json::kind::double_:
      if (std::bit_cast<std::uint64_t>(a.get_double()) != std::bit_cast<std::uint64_t>(b.get_double())) {
        why = "doubles differ in their bits: " + json::serialize(a) + " vs " + json::serialize(b);
        return false;
      }
      return true;
    case json::kind::array: {
      const auto &x = a.get_array(), &y = b.get_array();
      if (x.size() != y.size()) {
        why = "array sizes differ";
        return false;
      }
      for (std::size_t i = 0; i < x.size(); ++i)
        if (!same(x[i], y[i], why)) return false;
      return true;
    }
    case json::kind::object: {
      const auto &x = a.get_object(), &y = b.get_object();
      if (x.size() != y.size()) {
        why = "object sizes differ";
        return false;
      }
      for (auto i = x.begin(), j = y.begin(); i != x.end(); ++i, ++j) {
        if (i->key() != j->key()) {
          why = "keys differ: " + std::string(i->key()) + " vs " + std::string(j->key());
          return false;
        }
        if (!same(i->value(), j->value(), why)) return false;
      }
      return true;
    }
    default:
      if (a != b) {
        why = json::serialize(a) + " vs " + json::serialize(b);
        return false;
      }
      return true;
  }
}

enum class Taken { plain, declined };

// parse_plain_json on `text`: when it takes the text, Boost.JSON must take it too and build the
// same value; which of the two happened is returned.
Taken check(const std::string& text, std::size_t max_depth = 32) {
  json::monotonic_resource mr;
  auto ours = parse_plain_json(text, json::storage_ptr(&mr), max_depth);
  if (!ours) return Taken::declined;
  json::parse_options po;
  po.max_depth = max_depth;
  json::error_code ec;
  json::value theirs = json::parse(text, ec, {}, po);
  EXPECT_FALSE(ec) << "taken as plain, refused by Boost.JSON (" << ec.message() << "): " << text;
  std::string why;
  EXPECT_TRUE(ec || same(*ours, theirs, why)) << why << "\n  in: " << text;
  return Taken::plain;
}

TEST(JsonText, TakesPlainAnswersAsBoostBuildsThem) {
  const char* plain[] = {
      R"({"data":{"name":"vm-101","memory":2048,"cores":2,"boot":"order=scsi0;net0","digest":"0000000000000000000000000000000000000065"}})",
      R"({"data":{"vmid":101,"status":"running","uptime":86401,"cpu":1E-2,"mem":1073741824,"maxmem":2147483648}})",
      R"({"data":[{"name":"before-upgrade","description":"vm-101 before the upgrade","snaptime":1700000001},{"name":"current","parent":"before-upgrade"}]})",
      "{ \"a\" : [ 1 , 2.5 , -3 , true , false , null ] ,\n\t\"b\" : { } , \"c\" : [ ] }\r\n",
      R"([0,-0,0.0,-0.0,1e2,1E+2,1e-2,-1.5e-99,123456789012345,0.000000000000001,9.99e99])",
      R"({"a":1,"a":2,"b":{"a":3,"a":"x"}})",  // duplicate keys: the last one kept, in the first one's place
      "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
      R"("")", "0", "-7", "true", "null", "  [ ]  ", R"({"":""})",
      R"({"key that is longer than sixteen bytes":"and a value that is longer than sixteen bytes too"})",
  };
  for (const char* t : plain) EXPECT_EQ(check(t), Taken::plain) << t;
}

TEST(JsonText, LeavesEverythingElseToBoost) {
  const char* other[] = {
      // outside the plain subset, but JSON: escapes, long numbers, long exponents, deep nesting
      R"("a\"b")", R"({"a\nb":1})", R"("\u00e9")", "1234567890123456", "-1234567890123456", "12345678901234567890",
      "0.1234567890123456", "1e100", "1e-100", "1.5E+308",
      // malformed: Boost.JSON refuses these, and so must this
      "", " ", "{", "[1,]", "[1 2]", R"({"a" 1})", R"({"a":1,})", R"({1:2})", "01", "-", "1.", ".5", "+1", "1e",
      "1e+", "--1", "tru", "nul", "falsey", "[1]x", "\"a", "\"a\x01\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"",
      "\"\xf4\x90\x80\x80\"", "\"\xe2\x82\"", "\"\x80\"", "{\"a\":1}}", "[[]", "NaN", "Infinity",
  };
  for (const char* t : other) EXPECT_EQ(check(t), Taken::declined) << t;
}

TEST(JsonText, TakesNestingBelowTheLimitOnly) {
  auto nested = [](int depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  EXPECT_EQ(check(nested(31)), Taken::plain);
  EXPECT_EQ(check(nested(32)), Taken::declined);  // Boost.JSON decides at its own limit
  EXPECT_EQ(check(nested(33)), Taken::declined);
  EXPECT_EQ(check(nested(4), 4), Taken::declined);
  EXPECT_EQ(check(nested(3), 4), Taken::plain);
  EXPECT_EQ(check(nested(200), 1000), Taken::declined);  // its own recursion stops at 64
}

// Generated documents in every spacing, with every kind of number the plain subset takes and
// strings of every UTF-8 length; then the same documents cut and changed at random.
TEST(JsonText, AgreesWithBoostOnGeneratedAndBrokenDocuments) {
  std::mt19937_64 rng(20261206);
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  const char* pieces[] = {"a", "Z", "0", " ", "-", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "key", "vm-100"};
  auto ws = [&] { return pick(4) == 0 ? std::string(" \n\t\r").substr(pick(4), 1 + pick(2)) : std::string(); };
  auto number = [&] {
    std::string s = pick(3) == 0 ? "-" : "";
    const std::size_t digits = 1 + pick(15);
    s += static_cast<char>('1' + pick(9));
    for (std::size_t i = 1; i < digits; ++i) s += static_cast<char>('0' + pick(10));
    if (pick(3) == 0 && digits > 1) s.insert(s.size() - pick(digits - 1) - 1, ".");
    if (pick(4) == 0) s += std::string(pick(2) ? "e" : "E") + (pick(3) == 0 ? "-" : pick(2) ? "+" : "") + std::to_string(pick(120));
    if (pick(10) == 0) s = pick(2) ? "0" : "0." + std::to_string(pick(1000));
    return s;
  };
  std::function<std::string(int)> value = [&](int depth) -> std::string {
    switch (depth > 5 ? 2 + pick(4) : pick(6)) {
      case 0: {
        std::string s = "{" + ws();
        const std::size_t n = pick(6);
        for (std::size_t i = 0; i < n; ++i) {
          if (i) s += "," + ws();
          s += "\"" + std::string(pieces[pick(std::size(pieces))]) + std::to_string(pick(4)) + "\"" + ws() + ":" + ws() + value(depth + 1) + ws();
        }
        return s + "}";
      }
      case 1: {
        std::string s = "[" + ws();
        const std::size_t n = pick(6);
        for (std::size_t i = 0; i < n; ++i) s += (i ? "," + ws() : "") + value(depth + 1) + ws();
        return s + "]";
      }
      case 2: {
        std::string s = "\"";
        for (std::size_t i = pick(5); i > 0; --i) s += pieces[pick(std::size(pieces))];
        return s + "\"";
      }
      case 3: return number();
      case 4: return pick(2) ? "true" : "false";
      default: return pick(2) ? "null" : number();
    }
  };
  std::size_t taken = 0, declined = 0, broken_taken = 0;
  const char mutations[] = {'"', '\\', ',', ':', '{', '}', '[', ']', ' ', '0', 'e', '.', '-', '\x01', '\x80'};
  for (int round = 0; round < 4000; ++round) {
    const std::string doc = ws() + value(0) + ws();
    (check(doc) == Taken::plain ? taken : declined)++;
    std::string broken = doc;
    if (pick(2)) {
      broken.resize(pick(broken.size() + 1));
    } else {
      for (std::size_t i = 1 + pick(3); i > 0 && !broken.empty(); --i) broken[pick(broken.size())] = mutations[pick(std::size(mutations))];
    }
    if (check(broken) == Taken::plain) ++broken_taken;
  }
  // The generator's documents are mostly plain (the rest: 3-digit exponents), and the run
  // takes broken ones that are still JSON as well as declining the rest.
  EXPECT_GT(taken, 3000u);
  EXPECT_GT(declined, 10u);
  EXPECT_GT(broken_taken, 100u);
}

TEST(JsonText, AllocatesFromTheStorageGivenAndKeepsNoHoldOnIt) {
  json::monotonic_resource mr;
  json::storage_ptr sp(&mr);
  auto v = parse_plain_json(R"({"a long key, longer than a string's inline room":["a long string value, too"]})", sp);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->storage().get(), &mr);
  EXPECT_EQ(v->as_object().begin()->value().as_array()[0].as_string().storage().get(), &mr);
  // A shared resource is not kept alive by the parser once the call returns, taken or declined.
  struct Tracked final : json::memory_resource {
    explicit Tracked(bool* gone) : gone(gone) {}
    ~Tracked() override { *gone = true; }
    void* do_allocate(std::size_t n, std::size_t) override { return ::operator new(n); }
    void do_deallocate(void* p, std::size_t, std::size_t) override { ::operator delete(p); }
    bool do_is_equal(const json::memory_resource& o) const noexcept override { return this == &o; }
    bool* gone;
  };
  for (const char* text : {R"(["a string longer than its inline room"])", R"(["a string longer than its inline room",)"}) {
    bool gone = false;
    {
      json::storage_ptr shared = json::make_shared_resource<Tracked>(&gone);
      auto w = parse_plain_json(text, shared);
      if (w) {
        EXPECT_EQ(w->as_array()[0].storage(), shared);
      }
    }
    EXPECT_TRUE(gone) << text;
  }
}

}  // namespace
