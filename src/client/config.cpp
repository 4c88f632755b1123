// client/config.cpp — the client's options from a YAML file and the environment, read once.
//
// Values are first collected as text with where they came from (file:line or $VARIABLE), in
// increasing precedence (file, PROXMOX_*, OASIS_*), then converted; a bad value is an error
// naming its source. Only known keys and variables are read.
#include <oasis/client/config.hpp>

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

namespace oasis::client {

namespace {

struct Key {
  const char* name;          // in the YAML file
  const char* env;           // OASIS_* variable
  const char* proxmox_env;   // proxmox-sdk's variable, or nullptr
};

// Every key the loader knows.
constexpr Key kKeys[] = {
    {"url", "OASIS_URL", "PROXMOX_API_URL"},
    {"auth", "OASIS_AUTH", nullptr},
    {"token", "OASIS_TOKEN", nullptr},
    {"token_id", "OASIS_TOKEN_ID", "PROXMOX_API_TOKEN_ID"},
    {"token_secret", "OASIS_TOKEN_SECRET", "PROXMOX_API_TOKEN_SECRET"},
    {"user", "OASIS_USER", "PROXMOX_API_USERNAME"},
    {"password", "OASIS_PASSWORD", "PROXMOX_API_PASSWORD"},
    {"api_key_header", "OASIS_API_KEY_HEADER", nullptr},
    {"verify_tls", "OASIS_VERIFY_TLS", "PROXMOX_API_VERIFY_SSL"},
    {"ca_file", "OASIS_CA_FILE", nullptr},
    {"ca_dir", "OASIS_CA_DIR", nullptr},
    {"cert_file", "OASIS_CERT_FILE", nullptr},
    {"key_file", "OASIS_KEY_FILE", nullptr},
    {"server_name", "OASIS_SERVER_NAME", nullptr},
    {"timeout", "OASIS_TIMEOUT", nullptr},
    {"connect_timeout", "OASIS_CONNECT_TIMEOUT", nullptr},
    {"request_timeout", "OASIS_REQUEST_TIMEOUT", nullptr},
    {"retries", "OASIS_RETRIES", nullptr},
    {"max_connections", "OASIS_MAX_CONNECTIONS", nullptr},
    {"pipeline_depth", "OASIS_PIPELINE_DEPTH", nullptr},
    {"bool_as_int", "OASIS_BOOL_AS_INT", nullptr},
    {"cache_ttl", "OASIS_CACHE_TTL", nullptr},
};

struct Value {
  std::string text;
  std::string source;  // "file.yaml:3" or "$OASIS_URL"
};

Error config_error(const Value& v, const std::string& key, const std::string& why) {
  return Error(Error::Kind::config, v.source + ": " + key + ": " + why);
}

bool to_bool(const Value& v, const std::string& key) {
  std::string t;
  for (char c : v.text) t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (t == "1" || t == "true" || t == "yes" || t == "on") return true;
  if (t == "0" || t == "false" || t == "no" || t == "off") return false;
  throw config_error(v, key, "expected true/false (or 1/0, yes/no), got '" + v.text + "'");
}

std::uint64_t to_count(const Value& v, const std::string& key, std::uint64_t max) {
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(v.text.data(), v.text.data() + v.text.size(), n);
  if (ec != std::errc() || end != v.text.data() + v.text.size() || n > max)
    throw config_error(v, key, "expected a whole number from 0 to " + std::to_string(max) + ", got '" + v.text + "'");
  return n;
}

// "30" or "2.5" (seconds), "500ms", "30s", "2m".
std::chrono::milliseconds to_duration(const Value& v, const std::string& key) {
  std::string t = v.text;
  double scale = 1000;
  auto ends_with = [&](std::string_view suffix) { return t.size() > suffix.size() && t.ends_with(suffix); };
  if (ends_with("ms")) {
    scale = 1;
    t.resize(t.size() - 2);
  } else if (ends_with("s")) {
    t.resize(t.size() - 1);
  } else if (ends_with("m")) {
    scale = 60'000;
    t.resize(t.size() - 1);
  }
  double d = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), d);
  if (t.empty() || ec != std::errc() || end != t.data() + t.size() || d < 0 || d * scale > 86'400'000.0 * 7)
    throw config_error(v, key, "expected a duration (30, 2.5s, 500ms, 2m; at most 7 days), got '" + v.text + "'");
  return std::chrono::milliseconds(static_cast<long long>(d * scale + 0.5));
}

std::string known_keys() {
  std::string s;
  for (const auto& k : kKeys) {
    if (!s.empty()) s += ", ";
    s += k.name;
  }
  return s;
}

void read_file(const std::string& file, std::map<std::string, Value>& values) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(Error::Kind::config, file + ": cannot read the configuration file");
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.size() > 1024 * 1024) throw Error(Error::Kind::config, file + ": configuration file larger than 1 MiB");
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw Error(Error::Kind::config, file + ":" + std::to_string(e.mark.line + 1) + ": not valid YAML: " + e.msg);
  }
  if (root.IsNull()) return;  // an empty file
  if (!root.IsMap()) throw Error(Error::Kind::config, file + ": expected a mapping of keys to values at the top");
  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string where = file + ":" + std::to_string(it->first.Mark().line + 1);
    const std::string key = it->first.as<std::string>();
    bool known = false;
    for (const auto& k : kKeys) known = known || key == k.name;
    if (!known) throw Error(Error::Kind::config, where + ": unknown key '" + key + "' (known: " + known_keys() + ")");
    if (!it->second.IsScalar() && !it->second.IsNull())
      throw Error(Error::Kind::config, where + ": " + key + ": expected a single value");
    values[key] = Value{it->second.IsNull() ? std::string() : it->second.Scalar(), where};
  }
}

}  // namespace

const std::vector<std::string>& config_environment_variables() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& k : kKeys)
      if (k.proxmox_env) v.emplace_back(k.proxmox_env);
    for (const auto& k : kKeys) v.emplace_back(k.env);
    return v;
  }();
  return names;
}

Config load_config(const std::string& file, bool environment) {
  std::map<std::string, Value> values;
  if (!file.empty()) read_file(file, values);
  if (environment) {
    // proxmox-sdk's names first, so OASIS_* wins when both are set.
    for (const auto& k : kKeys)
      if (k.proxmox_env)
        if (const char* e = std::getenv(k.proxmox_env)) values[k.name] = Value{e, std::string("$") + k.proxmox_env};
    for (const auto& k : kKeys)
      if (const char* e = std::getenv(k.env)) values[k.name] = Value{e, std::string("$") + k.env};
  }

  Config cfg;
  ClientOptions& o = cfg.options;
  auto get = [&](const char* key) -> const Value* {
    auto it = values.find(key);
    return it == values.end() || it->second.text.empty() ? nullptr : &it->second;
  };
  for (const auto& [key, v] : values) cfg.sources.push_back(key + ": " + v.source);

  if (auto* v = get("url")) {
    try {
      (void)http::Origin::parse(v->text);
    } catch (const std::exception& e) {
      throw config_error(*v, "url", e.what());
    }
    o.base_url = v->text;
    cfg.has_url = true;
  }

  // Auth: explicit `auth`, else a Proxmox API token, a bearer token, a Proxmox ticket login.
  const Value* token = get("token");
  const Value* token_id = get("token_id");
  const Value* token_secret = get("token_secret");
  const Value* user = get("user");
  const Value* password = get("password");
  std::string kind;
  if (auto* v = get("auth")) {
    kind = v->text;
    if (kind != "none" && kind != "bearer" && kind != "basic" && kind != "api-key" && kind != "proxmox-token" &&
        kind != "proxmox-ticket")
      throw config_error(*v, "auth", "expected none, bearer, basic, api-key, proxmox-token or proxmox-ticket, got '" + kind + "'");
  } else if (token_id || token_secret) {
    kind = "proxmox-token";
  } else if (token) {
    kind = "bearer";
  } else if (user || password) {
    kind = "proxmox-ticket";
  }
  auto need = [&](const Value* v, const char* key) -> const std::string& {
    if (!v) throw Error(Error::Kind::config, "auth " + kind + " needs '" + key + "' (in the file or the environment)");
    return v->text;
  };
  if (kind == "bearer") {
    o.auth = Auth::bearer(need(token, "token"));
  } else if (kind == "api-key") {
    o.auth = Auth::api_key(get("api_key_header") ? get("api_key_header")->text : "X-API-Key", need(token, "token"));
  } else if (kind == "basic" || kind == "proxmox-ticket") {
    const std::string& u = need(user, "user");  // checked in this order: the first missing is named
    const std::string& pw = need(password, "password");
    o.auth = kind == "basic" ? Auth::basic(u, pw) : Auth::proxmox_ticket(u, pw);
  } else if (kind == "proxmox-token") {
    const std::string& id = need(token_id, "token_id");
    const std::string& secret = need(token_secret, "token_secret");
    // proxmox-sdk's PROXMOX_API_TOKEN_ID may be the whole "user@realm!name" or just "name"
    // with the user in PROXMOX_API_USERNAME.
    std::string full = id.find('!') == std::string::npos && user ? user->text + "!" + id : id;
    o.auth = Auth::proxmox_token(full, secret);
  }

  auto& t = o.transport;
  if (auto* v = get("verify_tls")) t.tls.verify = to_bool(*v, "verify_tls");
  if (auto* v = get("ca_file")) t.tls.ca_file = v->text;
  if (auto* v = get("ca_dir")) t.tls.ca_dir = v->text;
  if (auto* v = get("cert_file")) t.tls.cert_file = v->text;
  if (auto* v = get("key_file")) t.tls.key_file = v->text;
  if (auto* v = get("server_name")) t.tls.server_name = v->text;
  if ((t.tls.cert_file.empty()) != (t.tls.key_file.empty()))
    throw Error(Error::Kind::config, "cert_file and key_file go together: give both or neither");
  if (auto* v = get("timeout")) o.total_timeout = to_duration(*v, "timeout");
  if (auto* v = get("connect_timeout")) t.connect_timeout = to_duration(*v, "connect_timeout");
  if (auto* v = get("request_timeout")) t.request_timeout = to_duration(*v, "request_timeout");
  if (auto* v = get("retries")) o.retry.max_retries = static_cast<unsigned>(to_count(*v, "retries", 100));
  if (auto* v = get("max_connections")) t.max_connections = std::max<std::size_t>(1, to_count(*v, "max_connections", 1024));
  if (auto* v = get("pipeline_depth")) t.pipeline_depth = std::max<std::size_t>(1, to_count(*v, "pipeline_depth", 1024));
  if (auto* v = get("bool_as_int")) o.bool_as_int = to_bool(*v, "bool_as_int");
  if (auto* v = get("cache_ttl")) {
    o.cache.ttl = to_duration(*v, "cache_ttl");
    o.cache.enabled = o.cache.ttl.count() > 0;
  }
  return cfg;
}

}  // namespace oasis::client
