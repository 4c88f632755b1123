// One test per format checker, through the functions and through a compiled schema.
#include <oasis/schema/format.hpp>

#include "schema_test_util.hpp"

using namespace oasis::schema;

TEST(SchemaFormat, DateTime) {
  EXPECT_TRUE(is_date_time("2024-01-31T12:00:00Z"));
  EXPECT_TRUE(is_date_time("2024-02-29T23:59:60.123+02:00"));
  EXPECT_TRUE(is_date_time("2024-01-31t12:00:00z"));
  EXPECT_FALSE(is_date_time("2023-02-29T12:00:00Z"));  // not a leap year
  EXPECT_FALSE(is_date_time("2024-01-31T12:00:00"));   // offset required
  EXPECT_FALSE(is_date_time("2024-01-31 12:00:00Z"));
  EXPECT_FALSE(is_date_time("2024-13-01T12:00:00Z"));
  EXPECT_FALSE(is_date_time("2024-01-31T24:00:00Z"));
  EXPECT_FALSE(is_date_time("2024-01-31T12:00:00+0200"));
}

TEST(SchemaFormat, Date) {
  EXPECT_TRUE(is_date("2000-02-29"));
  EXPECT_FALSE(is_date("1900-02-29"));
  EXPECT_FALSE(is_date("2024-04-31"));
  EXPECT_FALSE(is_date("2024-1-01"));
  EXPECT_FALSE(is_date("20240101"));
}

TEST(SchemaFormat, Time) {
  EXPECT_TRUE(is_time("08:30:06Z"));
  EXPECT_TRUE(is_time("08:30:06.5-05:00"));
  EXPECT_FALSE(is_time("08:30:06"));
  EXPECT_FALSE(is_time("8:30:06Z"));
  EXPECT_FALSE(is_time("08:60:06Z"));
}

TEST(SchemaFormat, Email) {
  EXPECT_TRUE(is_email("joe.bloggs@example.com"));
  EXPECT_TRUE(is_email("\"joe bloggs\"@example.com"));
  EXPECT_TRUE(is_email("joe@[192.0.2.1]"));
  EXPECT_FALSE(is_email("joe"));
  EXPECT_FALSE(is_email("@example.com"));
  EXPECT_FALSE(is_email("joe..bloggs@example.com"));
  EXPECT_FALSE(is_email(".joe@example.com"));
  EXPECT_FALSE(is_email("joe@-example.com"));
}

TEST(SchemaFormat, Uuid) {
  EXPECT_TRUE(is_uuid("2EB8AA08-AA98-11EA-B4AA-73B441D16380"));
  EXPECT_TRUE(is_uuid("123e4567-e89b-12d3-a456-426614174000"));
  EXPECT_FALSE(is_uuid("123e4567e89b12d3a456426614174000"));
  EXPECT_FALSE(is_uuid("123e4567-e89b-12d3-a456-42661417400g"));
}

TEST(SchemaFormat, Ipv4) {
  EXPECT_TRUE(is_ipv4("192.168.0.1"));
  EXPECT_TRUE(is_ipv4("0.0.0.0"));
  EXPECT_FALSE(is_ipv4("256.0.0.1"));
  EXPECT_FALSE(is_ipv4("192.168.0"));
  EXPECT_FALSE(is_ipv4("192.168.0.01"));
  EXPECT_FALSE(is_ipv4("1.2.3.4.5"));
  EXPECT_FALSE(is_ipv4("1.2.3.4 "));
}

TEST(SchemaFormat, Ipv6) {
  EXPECT_TRUE(is_ipv6("::1"));
  EXPECT_TRUE(is_ipv6("::"));
  EXPECT_TRUE(is_ipv6("2001:db8::8a2e:370:7334"));
  EXPECT_TRUE(is_ipv6("2001:0db8:0000:0000:0000:ff00:0042:8329"));
  EXPECT_TRUE(is_ipv6("::ffff:192.0.2.1"));
  EXPECT_TRUE(is_ipv6("fe80::"));
  EXPECT_FALSE(is_ipv6("2001:db8::1::1"));
  EXPECT_FALSE(is_ipv6("12345::"));
  EXPECT_FALSE(is_ipv6("1:2:3:4:5:6:7:8:9"));
  EXPECT_FALSE(is_ipv6("1:2:3:4:5:6:7"));
  EXPECT_FALSE(is_ipv6(":1:2:3:4:5:6:7"));
  EXPECT_FALSE(is_ipv6("g::1"));
}

TEST(SchemaFormat, UriAndUriReference) {
  EXPECT_TRUE(is_uri("https://api.github.com/repos/o/r?x=1#frag"));
  EXPECT_TRUE(is_uri("urn:isbn:0451450523"));
  EXPECT_TRUE(is_uri("mailto:joe@example.com"));
  EXPECT_FALSE(is_uri("/relative/path"));
  EXPECT_FALSE(is_uri("https://exa mple.com"));
  EXPECT_FALSE(is_uri("https://example.com/%zz"));
  EXPECT_TRUE(is_uri_reference("/relative/path?x=1"));
  EXPECT_TRUE(is_uri_reference("https://example.com"));
  EXPECT_TRUE(is_uri_reference(""));
  EXPECT_FALSE(is_uri_reference("a b"));
  EXPECT_FALSE(is_uri_reference("\\\\windows\\path"));
}

TEST(SchemaFormat, Hostname) {
  EXPECT_TRUE(is_hostname("example.com"));
  EXPECT_TRUE(is_hostname("a-b.c1"));
  EXPECT_FALSE(is_hostname("-a.com"));
  EXPECT_FALSE(is_hostname("a-.com"));
  EXPECT_FALSE(is_hostname("a..com"));
  EXPECT_FALSE(is_hostname(std::string(64, 'a') + ".com"));
  EXPECT_FALSE(is_hostname("under_score.com"));
}

TEST(SchemaFormat, Byte) {
  EXPECT_TRUE(is_base64("aGVsbG8="));
  EXPECT_TRUE(is_base64(""));
  EXPECT_TRUE(is_base64("aGk/+w=="));
  EXPECT_FALSE(is_base64("aGVsbG8"));
  EXPECT_FALSE(is_base64("aGV=bG8="));
  EXPECT_FALSE(is_base64("a==="));
}

TEST(SchemaFormat, Regex) {
  EXPECT_TRUE(is_regex("^[a-z]+$"));
  EXPECT_FALSE(is_regex("(unclosed"));
}

TEST(SchemaFormat, NumericRanges) {
  using oasis_test::json;
  EXPECT_TRUE(in_numeric_format(Format::int32, json("2147483647")));
  EXPECT_FALSE(in_numeric_format(Format::int32, json("2147483648")));
  EXPECT_FALSE(in_numeric_format(Format::int32, json("-2147483649")));
  EXPECT_FALSE(in_numeric_format(Format::int32, json("1.5")));
  EXPECT_TRUE(in_numeric_format(Format::int32, json("3.0")));
  EXPECT_TRUE(in_numeric_format(Format::int64, json("9223372036854775807")));
  EXPECT_FALSE(in_numeric_format(Format::int64, json("9223372036854775808")));
  EXPECT_TRUE(in_numeric_format(Format::float_, json("3.4e38")));
  EXPECT_FALSE(in_numeric_format(Format::float_, json("3.5e38")));
  EXPECT_TRUE(in_numeric_format(Format::double_, json("1e308")));
}

TEST(SchemaFormat, NamesRoundTrip) {
  for (std::string_view n : {"date-time", "date", "time", "email", "uuid", "ipv4", "ipv6", "uri", "uri-reference",
                             "hostname", "byte", "int32", "int64", "float", "double"}) {
    Format f = format_from_name(n);
    EXPECT_NE(f, Format::unknown) << n;
    EXPECT_EQ(format_name(f), n);
  }
  EXPECT_EQ(format_from_name("pve-node"), Format::unknown);
}

TEST(SchemaFormat, CheckedThroughACompiledSchema) {
  auto c = oasis_test::compile(R"({"type":"string","format":"date-time"})");
  EXPECT_TRUE(oasis_test::valid(c, R"("2024-01-31T12:00:00Z")"));
  EXPECT_FALSE(oasis_test::valid(c, R"("yesterday")"));
  auto i = oasis_test::compile(R"({"type":"integer","format":"int32"})");
  EXPECT_FALSE(oasis_test::valid(i, "4294967296"));
  // a string format says nothing about numbers and the other way round
  auto mixed = oasis_test::compile(R"({"format":"email"})");
  EXPECT_TRUE(oasis_test::valid(mixed, "12"));
}

TEST(SchemaFormat, UnknownFormatIsALintNoteNotAnError) {
  auto c = oasis_test::compile(R"({"type":"string","format":"pve-node"})", Dialect::openapi30);
  ASSERT_EQ(c.diagnostics().size(), 1u);
  EXPECT_FALSE(c.diagnostics()[0].error);
  EXPECT_EQ(c.diagnostics()[0].pointer, "/format");
  EXPECT_NE(c.diagnostics()[0].message.find("pve-node"), std::string::npos);
  EXPECT_TRUE(oasis_test::valid(c, R"("anything")"));
}

TEST(SchemaFormat, ObjectValuedFormatIgnoredWithADiagnostic) {
  // pve-openapi.json writes a whole property-string description into `format`
  auto c = oasis_test::compile(R"({"type":"string","format":{"aio":{"enum":["native"]}}})", Dialect::openapi30);
  ASSERT_EQ(c.diagnostics().size(), 1u);
  EXPECT_FALSE(c.diagnostics()[0].error);
  EXPECT_TRUE(oasis_test::valid(c, R"("aio=native")"));
}
