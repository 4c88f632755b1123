// `oasis import proxmox` as a user runs it: convert the real Proxmox VE schema, lint the result
// strictly, serve it with `oasis mock`, list its topology; bad input exits 2 and writes nothing.
#include "support.hpp"

#include <support/specs.hpp>

#include <boost/json.hpp>

#include <gmock/gmock.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

using ::testing::HasSubstr;
namespace json = boost::json;

namespace {

struct Output {
  int status = -1;
  std::string out;  // stdout and stderr
};

Output run_oasis(const std::string& args) {
  std::string cmd = oasis_test::binary("oasis") + " " + args + " 2>&1";
  Output o;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return o;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) o.out.append(buf.data(), n);
  int rc = pclose(p);
  o.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return o;
}

std::filesystem::path temp_dir() {
  auto d = std::filesystem::temp_directory_path() / ("oasis_import_e2e_" + std::to_string(::getpid()));
  std::filesystem::create_directories(d);
  return d;
}

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST(ImportCli, ProxmoxVeImportLintsStrictlyAndServes) {
  OASIS_REQUIRE_SPECS();
  auto out = temp_dir() / "pve.json";
  std::string input = (oasis_test::specs_dir() / "pve-apidata.js").string();
  Output imp = run_oasis("import proxmox " + input + " -o " + out.string());
  ASSERT_EQ(imp.status, 0) << imp.out;
  EXPECT_THAT(imp.out, HasSubstr("435 paths, 649 operations imported"));
  json::value doc = json::parse(read(out));
  EXPECT_EQ(doc.at("openapi"), json::value("3.1.0"));
  EXPECT_EQ(doc.at_pointer("/servers/0/url"), json::value("/api2/json"));

  Output lint = run_oasis("lint --strict " + out.string());
  EXPECT_EQ(lint.status, 0) << lint.out;
  EXPECT_THAT(lint.out, HasSubstr("version 3.1.0, 435 paths, 649 operations"));
  EXPECT_THAT(lint.out, HasSubstr("0 errors, 0 warnings"));

  Output routes = run_oasis("routes --topology " + out.string());
  EXPECT_EQ(routes.status, 0) << routes.out;
  EXPECT_THAT(routes.out, HasSubstr("/nodes/{node}/qemu"));

  oasis_test::Process mock({oasis_test::binary("oasis"), "mock", out.string(), "--port", "0"});
  int port = mock.wait_for_port();
  auto version = oasis_test::exchange(port, "GET /api2/json/version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  ASSERT_TRUE(version);
  EXPECT_EQ(version->status, 200);
  json::value v = json::parse(version->body);
  EXPECT_TRUE(v.as_object().contains("data")) << version->body;
  std::string form = "vmid=5";
  auto bad = oasis_test::exchange(port, "POST /api2/json/nodes/pve/qemu HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
                                            std::to_string(form.size()) + "\r\n\r\n" + form);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400) << bad->body;
  EXPECT_THAT(bad->body, HasSubstr("/body/vmid"));
  mock.kill(SIGTERM);
  mock.wait();
  std::filesystem::remove_all(out.parent_path());
}

TEST(ImportCli, StandardOutputTitleAndServerUrl) {
  std::string input = (oasis_test::source_dir() / "tests/spec/data/pbs-apidata.js").string();
  Output o = run_oasis("import proxmox " + input + " -q --title 'My PBS' --server-url https://pbs.example:8007/api2/json");
  ASSERT_EQ(o.status, 0) << o.out;
  json::value doc = json::parse(o.out);
  EXPECT_EQ(doc.at_pointer("/info/title"), json::value("My PBS"));
  EXPECT_EQ(doc.at_pointer("/servers/0/url"), json::value("https://pbs.example:8007/api2/json"));
  EXPECT_TRUE(doc.at("paths").as_object().contains("/admin/datastore/{store}/snapshots"));
}

TEST(ImportCli, BadInputExitsTwoAndWritesNothing) {
  auto dir = temp_dir();
  auto bad = dir / "bad.js";
  std::ofstream(bad) << "const apiSchema = [\n  {\"path\": \"/a\",\n   \"info\": {\"GET\" {}}}\n];\n";
  auto out = dir / "out.json";
  std::ofstream(out) << "keep";
  Output o = run_oasis("import proxmox " + bad.string() + " -o " + out.string());
  EXPECT_EQ(o.status, 2);
  EXPECT_THAT(o.out, HasSubstr(bad.string() + ":3:"));
  EXPECT_THAT(o.out, HasSubstr("invalid JSON"));
  EXPECT_THAT(o.out, HasSubstr("nothing written"));
  EXPECT_EQ(read(out), "keep");
  Output missing = run_oasis("import proxmox " + (dir / "absent.js").string());
  EXPECT_EQ(missing.status, 2);
  EXPECT_THAT(missing.out, HasSubstr("cannot read"));
  Output format = run_oasis("import swagger " + bad.string());
  EXPECT_NE(format.status, 0);
  std::filesystem::remove_all(dir);
}
