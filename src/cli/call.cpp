// cli/call.cpp — `oasis call [--url BASE | --config FILE] METHOD PATH [key=value ...] [--json BODY]`:
// one request through oasis::Client, the body on stdout (JSON indented on a terminal, compact
// otherwise, or --output yaml|table), and an exit status from the answer's class:
//   0 for 2xx/3xx, 4 for 4xx, 5 for 5xx, 1 when no answer came (connection, TLS, timeout,
//   configuration), 2 for a usage error, 3 when --wait followed a task that failed or outlived
//   --wait-timeout.
// Options come from the configuration file and the environment first (load_config), then the
// command line.
#include "command.hpp"

#include <oasis/client/client.hpp>
#include <oasis/client/config.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>

namespace {

namespace json = boost::json;

void pretty(const json::value& v, std::string& out, int indent) {
  auto pad = [&](int n) { out.append(static_cast<std::size_t>(n) * 2, ' '); };
  switch (v.kind()) {
    case json::kind::object: {
      const auto& o = v.get_object();
      if (o.empty()) {
        out += "{}";
        return;
      }
      out += "{\n";
      bool first = true;
      for (const auto& [k, item] : o) {
        if (!first) out += ",\n";
        first = false;
        pad(indent + 1);
        out += json::serialize(json::value(k));
        out += ": ";
        pretty(item, out, indent + 1);
      }
      out += '\n';
      pad(indent);
      out += '}';
      return;
    }
    case json::kind::array: {
      const auto& a = v.get_array();
      if (a.empty()) {
        out += "[]";
        return;
      }
      out += "[\n";
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (i) out += ",\n";
        pad(indent + 1);
        pretty(a[i], out, indent + 1);
      }
      out += '\n';
      pad(indent);
      out += ']';
      return;
    }
    default: out += json::serialize(v);
  }
}

// --- YAML ---------------------------------------------------------------------------------

// A string that YAML would read back as the same string without quotes.
bool plain_yaml(std::string_view s) {
  if (s.empty() || s.size() > 200) return false;
  std::string lower;
  for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* word : {"true", "false", "yes", "no", "on", "off", "null", "~", "y", "n"})
    if (lower == word) return false;
  const char f = s.front();
  if (!(std::isalpha(static_cast<unsigned char>(f)) || f == '_' || f == '/')) return false;
  if (s.back() == ' ') return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == '/' || c == '@' ||
          c == ' ' || c == '+'))
      return false;
  return true;
}

std::string yaml_scalar(const json::value& v) {
  if (v.is_string()) {
    std::string_view s = v.get_string();
    return plain_yaml(s) ? std::string(s) : json::serialize(v);  // a JSON string is a YAML double-quoted one
  }
  return json::serialize(v);  // numbers, booleans, null
}

bool yaml_block(const json::value& v) {
  return (v.is_object() && !v.get_object().empty()) || (v.is_array() && !v.get_array().empty());
}

void yaml(const json::value& v, std::string& out, int indent) {
  auto pad = [&](int n) { out.append(static_cast<std::size_t>(n) * 2, ' '); };
  if (v.is_object()) {
    if (v.get_object().empty()) {
      pad(indent);
      out += "{}\n";
      return;
    }
    for (const auto& [k, item] : v.get_object()) {
      pad(indent);
      out += yaml_scalar(json::value(k));
      if (yaml_block(item)) {
        out += ":\n";
        yaml(item, out, indent + 1);
      } else {
        out += ": ";
        out += item.is_object() ? "{}" : item.is_array() ? "[]" : yaml_scalar(item);
        out += '\n';
      }
    }
  } else if (v.is_array()) {
    if (v.get_array().empty()) {
      pad(indent);
      out += "[]\n";
      return;
    }
    for (const auto& item : v.get_array()) {
      pad(indent);
      if (yaml_block(item)) {
        // "- " then the first line of the nested block on the same line.
        std::string nested;
        yaml(item, nested, indent + 1);
        out += "- ";
        out += nested.substr(static_cast<std::size_t>(indent + 1) * 2);
      } else {
        out += "- ";
        out += item.is_object() ? "{}" : item.is_array() ? "[]" : yaml_scalar(item);
        out += '\n';
      }
    }
  } else {
    pad(indent);
    out += yaml_scalar(v);
    out += '\n';
  }
}

// --- table --------------------------------------------------------------------------------

std::string cell(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  return json::serialize(v);
}

// Rows of an array of objects (columns in order of first appearance), an array of scalars
// (one VALUE column), or an object (KEY and VALUE). Proxmox's {"data": ...} is unwrapped.
std::string table(const json::value& body) {
  const json::value* v = &body;
  if (body.is_object())
    if (const auto* d = body.get_object().if_contains("data"); d && body.get_object().size() == 1) v = d;
  std::vector<std::string> cols;
  std::vector<std::vector<std::string>> rows;
  if (v->is_array()) {
    bool objects = !v->get_array().empty();
    for (const auto& item : v->get_array()) objects = objects && item.is_object();
    if (objects) {
      for (const auto& item : v->get_array())
        for (const auto& [k, x] : item.get_object())
          if (std::find(cols.begin(), cols.end(), k) == cols.end()) cols.emplace_back(k);
      for (const auto& item : v->get_array()) {
        std::vector<std::string> row;
        for (const auto& c : cols) {
          const auto* x = item.get_object().if_contains(c);
          row.push_back(x ? cell(*x) : "");
        }
        rows.push_back(std::move(row));
      }
    } else {
      cols = {"value"};
      for (const auto& item : v->get_array()) rows.push_back({cell(item)});
    }
  } else if (v->is_object()) {
    cols = {"key", "value"};
    for (const auto& [k, x] : v->get_object()) rows.push_back({std::string(k), cell(x)});
  } else {
    return cell(*v) + "\n";
  }
  std::vector<std::size_t> width(cols.size());
  for (std::size_t i = 0; i < cols.size(); ++i) width[i] = cols[i].size();
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  std::string out;
  auto line = [&](const std::vector<std::string>& r, bool upper) {
    for (std::size_t i = 0; i < r.size(); ++i) {
      std::string c = r[i];
      if (upper)
        for (auto& ch : c) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      out += c;
      if (i + 1 < r.size()) out.append(width[i] - c.size() + 2, ' ');
    }
    out += '\n';
  };
  line(cols, true);
  for (const auto& r : rows) line(r, false);
  return out;
}

void print_body(const std::string& body, const std::string& format) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) {  // not JSON: as it came
    std::fwrite(body.data(), 1, body.size(), stdout);
    if (!body.empty() && body.back() != '\n') std::fputc('\n', stdout);
    return;
  }
  std::string out;
  if (format == "yaml") {
    yaml(v, out, 0);
  } else if (format == "table") {
    out = table(v);
  } else {
    if (isatty(STDOUT_FILENO))
      pretty(v, out, 0);
    else
      out = json::serialize(v);
    out += '\n';
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
}

// "key=value" sends the string value; "key:=json" sends a JSON value (a number, boolean, null,
// array or object), so digit strings such as ISBNs stay strings unless asked otherwise.
oasis::client::Param parse_param(const std::string& kv) {
  auto eq = kv.find('=');
  if (eq == std::string::npos || eq == 0 || (eq == 1 && kv[0] == ':'))
    throw CLI::ValidationError("data", "expected key=value or key:=json, got '" + kv + "'");
  if (kv[eq - 1] == ':') {
    std::string key = kv.substr(0, eq - 1), text = kv.substr(eq + 1);
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec) throw CLI::ValidationError("data", "the value of " + key + ":= is not JSON: '" + text + "'");
    return {key, std::move(v)};
  }
  return {kv.substr(0, eq), json::string(kv.substr(eq + 1))};
}

oasis::cli::Run setup(CLI::App& sub) {
  struct Options {
    std::string url, config, method, path, json_body, token, user, password, ca_file, output = "json", body_format = "form";
    std::vector<std::string> data, headers;
    bool insecure = false, wait = false;
    double timeout = 0, wait_timeout = 600;
  };
  auto o = std::make_shared<Options>();
  sub.add_option("--url", o->url, "base URL of the API (default: url from --config, $OASIS_URL, $PROXMOX_API_URL)");
  sub.add_option("--config", o->config, "YAML configuration file (default: $OASIS_CONFIG); see docs/client.md");
  sub.add_option("--token", o->token, "bearer token, or a Proxmox API token USER@REALM!ID=SECRET");
  sub.add_option("--user", o->user, "user for a Proxmox ticket login (with --password)");
  sub.add_option("--password", o->password, "password for --user (default: $OASIS_PASSWORD)");
  sub.add_option("--json", o->json_body, "request body as JSON, or @FILE (instead of key=value data)");
  sub.add_option("--body-format", o->body_format, "how key=value data is sent in a body")
      ->check(CLI::IsMember({"form", "json"}))
      ->capture_default_str();
  sub.add_option("-H,--header", o->headers, "extra request header 'Name: value' (repeatable)");
  sub.add_option("--output", o->output, "output format")->check(CLI::IsMember({"json", "yaml", "table"}))->capture_default_str();
  sub.add_option("--timeout", o->timeout, "seconds for the whole call, retries included");
  sub.add_flag("--insecure", o->insecure, "do not verify the server's TLS certificate");
  sub.add_option("--ca-file", o->ca_file, "PEM file of the CA that signed the server's certificate");
  sub.add_flag("--wait", o->wait, "if the answer is a task UPID, follow the task until it ends");
  sub.add_option("--wait-timeout", o->wait_timeout, "seconds --wait follows a task")->capture_default_str();
  sub.add_option("method", o->method, "GET, POST, PUT, PATCH, DELETE or HEAD")->required();
  sub.add_option("path", o->path, "path under the base URL (/nodes/pve)")->required();
  sub.add_option("data", o->data, "key=value (string) or key:=json pairs: the query for GET/DELETE, the body otherwise");
  return [o]() -> int {
    using namespace oasis::client;
    for (auto& m : o->method) m = static_cast<char>(std::toupper(static_cast<unsigned char>(m)));
    if (o->method != "GET" && o->method != "POST" && o->method != "PUT" && o->method != "PATCH" && o->method != "DELETE" &&
        o->method != "HEAD" && o->method != "OPTIONS") {
      std::fprintf(stderr, "oasis call: unknown method '%s' (GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS)\n", o->method.c_str());
      return 2;
    }
    if (o->config.empty())
      if (const char* env = std::getenv("OASIS_CONFIG")) o->config = env;
    Config cfg;
    try {
      cfg = load_config(o->config);
    } catch (const Error& e) {
      std::fprintf(stderr, "oasis call: %s\n", e.what());
      return 2;
    }
    ClientOptions& opt = cfg.options;
    if (!o->url.empty()) {
      try {
        (void)oasis::http::Origin::parse(o->url);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "oasis call: --url: %s\n", e.what());
        return 2;
      }
      opt.base_url = o->url;
    } else if (!cfg.has_url) {
      std::fprintf(stderr, "oasis call: no base URL (--url, url in --config, $OASIS_URL or $PROXMOX_API_URL)\n");
      return 2;
    }
    if (!o->token.empty()) {
      // USER@REALM!TOKENID=SECRET is a Proxmox API token; anything else a bearer token.
      auto bang = o->token.find('!'), eq = o->token.find('=', bang == std::string::npos ? 0 : bang);
      if (bang != std::string::npos && eq != std::string::npos && o->token.find('@') < bang)
        opt.auth = Auth::proxmox_token(o->token.substr(0, eq), o->token.substr(eq + 1));
      else
        opt.auth = Auth::bearer(o->token);
    }
    if (!o->user.empty()) {
      std::string pw = o->password;
      if (pw.empty() && opt.auth.kind == Auth::Kind::proxmox_ticket) pw = opt.auth.password;
      if (pw.empty())
        if (const char* env = std::getenv("OASIS_PASSWORD")) pw = env;
      if (pw.empty()) {
        std::fprintf(stderr, "oasis call: --user needs --password (or $OASIS_PASSWORD)\n");
        return 2;
      }
      opt.auth = Auth::proxmox_ticket(o->user, pw);
    }
    if (o->insecure) opt.transport.tls.verify = false;
    if (!o->ca_file.empty()) opt.transport.tls.ca_file = o->ca_file;
    if (o->timeout > 0) opt.total_timeout = std::chrono::milliseconds(static_cast<long long>(o->timeout * 1000));
    if (o->body_format == "json") opt.body_format = BodyFormat::json;
    opt.throw_on_http_error = false;

    Call call;
    call.method = o->method;
    call.path = o->path;
    try {
      for (const auto& kv : o->data) call.data.push_back(parse_param(kv));
    } catch (const CLI::ValidationError& e) {
      std::fprintf(stderr, "oasis call: %s\n", e.what());
      return 2;
    }
    for (const auto& h : o->headers) {
      auto colon = h.find(':');
      if (colon == std::string::npos || colon == 0) {
        std::fprintf(stderr, "oasis call: --header expects 'Name: value', got '%s'\n", h.c_str());
        return 2;
      }
      std::string value = h.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      call.headers.emplace_back(h.substr(0, colon), value);
    }
    if (!o->json_body.empty()) {
      std::string text = o->json_body;
      if (text.front() == '@') {
        std::ifstream in(text.substr(1), std::ios::binary);
        if (!in) {
          std::fprintf(stderr, "oasis call: --json: cannot read %s\n", text.substr(1).c_str());
          return 2;
        }
        std::ostringstream ss;
        ss << in.rdbuf();
        text = ss.str();
      }
      boost::system::error_code ec;
      call.json = json::parse(text, ec);
      if (ec) {
        std::fprintf(stderr, "oasis call: --json is not valid JSON: %s\n", ec.message().c_str());
        return 2;
      }
      if (!call.data.empty()) {
        std::fprintf(stderr, "oasis call: give either key=value data or --json, not both\n");
        return 2;
      }
    }

    std::unique_ptr<Client> client;
    try {
      client = std::make_unique<Client>(opt);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "oasis call: %s\n", e.what());
      return 2;
    }
    auto result = client->call(std::move(call));
    if (!result.ok()) {
      std::fprintf(stderr, "oasis call: %s\n", result.error().what());
      return 1;
    }
    const Response& r = result.value();
    const int code = r.status() >= 500 ? 5 : r.status() >= 400 ? 4 : 0;

    if (o->wait && code == 0) {
      std::string upid;
      try {
        if (r.data().is_string() && r.data().get_string().starts_with("UPID:")) upid = r.data().get_string();
      } catch (const std::exception&) {
      }
      if (upid.empty()) {
        std::fprintf(stderr, "oasis call: --wait: the answer carries no task UPID; nothing to follow\n");
      } else {
        const bool tty = isatty(STDERR_FILENO);
        TaskWaitOptions w;
        w.timeout = std::chrono::milliseconds(static_cast<long long>(o->wait_timeout * 1000));
        w.on_progress = [tty](const TaskStatus& s) {
          std::fprintf(stderr, "%stask %s %s: %s after %.1f s (poll %u)%s", tty ? "\r\033[K" : "", s.upid.type.c_str(),
                       s.upid.id.c_str(), s.running() ? "running" : s.exitstatus.c_str(),
                       static_cast<double>(s.elapsed.count()) / 1000.0, s.polls, tty && s.running() ? "" : "\n");
          std::fflush(stderr);
        };
        try {
          TaskStatus st = client->wait_for_task(upid, w);
          print_body(json::serialize(st.data), o->output);
          return 0;
        } catch (const Error& e) {
          std::fprintf(stderr, "oasis call: %s\n", e.what());
          return e.kind() == Error::Kind::task ? 3 : 1;
        }
      }
    }
    if (o->method != "HEAD") print_body(r.body(), o->output);
    return code;
  };
}

}  // namespace

OASIS_COMMAND("call", "Call an HTTP API: oasis call [--url BASE | --config FILE] METHOD PATH [key=value ...] [--json BODY]",
              setup, 40);
