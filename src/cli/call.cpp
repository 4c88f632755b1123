// cli/call.cpp — `oasis call [--url BASE] METHOD PATH [key=value ...] [--json BODY]`: one
// request through oasis::Client, the body on stdout (JSON indented on a terminal, compact
// otherwise), and an exit status from the answer's class: 0 for 2xx/3xx, 4 for 4xx, 5 for
// 5xx, 1 when no answer came, 2 for a usage error.
#include "command.hpp"

#include <oasis/client/client.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

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

// "key=value": the value as JSON when it parses as a number, boolean or null, else a string.
oasis::client::Param parse_param(const std::string& kv) {
  auto eq = kv.find('=');
  if (eq == std::string::npos || eq == 0) throw CLI::ValidationError("data", "expected key=value, got '" + kv + "'");
  std::string key = kv.substr(0, eq), text = kv.substr(eq + 1);
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !(v.is_number() || v.is_bool() || v.is_null())) v = json::string(text);
  return {key, std::move(v)};
}

oasis::cli::Run setup(CLI::App& sub) {
  struct Options {
    std::string url, method, path, json_body, token, output = "json";
    std::vector<std::string> data;
    bool insecure = false;
  };
  auto o = std::make_shared<Options>();
  sub.add_option("--url", o->url, "base URL of the API (default: $OASIS_URL)");
  sub.add_option("--token", o->token, "bearer token (default: $OASIS_TOKEN)");
  sub.add_option("--json", o->json_body, "request body as JSON (instead of key=value data)");
  sub.add_option("--output", o->output, "output format")->check(CLI::IsMember({"json"}));
  sub.add_flag("--insecure", o->insecure, "do not verify the server's TLS certificate");
  sub.add_option("method", o->method, "GET, POST, PUT, PATCH or DELETE")->required();
  sub.add_option("path", o->path, "path under the base URL (/nodes/pve)")->required();
  sub.add_option("data", o->data, "key=value pairs: the query for GET/DELETE, the body otherwise");
  return [o]() -> int {
    using namespace oasis::client;
    ClientOptions opt;
    if (o->url.empty())
      if (const char* env = std::getenv("OASIS_URL")) o->url = env;
    if (o->url.empty()) {
      std::fprintf(stderr, "oasis call: no base URL (--url or OASIS_URL)\n");
      return 2;
    }
    opt.base_url = o->url;
    if (o->token.empty())
      if (const char* env = std::getenv("OASIS_TOKEN")) o->token = env;
    if (!o->token.empty()) opt.auth = Auth::bearer(o->token);
    opt.transport.tls.verify = !o->insecure;
    opt.throw_on_http_error = false;
    for (auto& m : o->method) m = static_cast<char>(std::toupper(static_cast<unsigned char>(m)));
    Call call;
    call.method = o->method;
    call.path = o->path;
    for (const auto& kv : o->data) call.data.push_back(parse_param(kv));
    if (!o->json_body.empty()) {
      boost::system::error_code ec;
      call.json = json::parse(o->json_body, ec);
      if (ec) {
        std::fprintf(stderr, "oasis call: --json is not valid JSON: %s\n", ec.message().c_str());
        return 2;
      }
    }
    Client client(opt);
    auto result = client.call(std::move(call));
    if (!result.ok()) {
      std::fprintf(stderr, "oasis call: %s\n", result.error().what());
      return 1;
    }
    const Response& r = result.value();
    boost::system::error_code ec;
    json::value body = json::parse(r.body(), ec);
    if (ec) {
      std::fwrite(r.body().data(), 1, r.body().size(), stdout);
      if (!r.body().empty() && r.body().back() != '\n') std::fputc('\n', stdout);
    } else {
      std::string out;
      if (isatty(STDOUT_FILENO))
        pretty(body, out, 0);
      else
        out = json::serialize(body);
      std::printf("%s\n", out.c_str());
    }
    if (r.status() >= 500) return 5;
    if (r.status() >= 400) return 4;
    return 0;
  };
}

}  // namespace

OASIS_COMMAND("call", "Call an HTTP API: oasis call [--url BASE] METHOD PATH [key=value ...] [--json BODY]", setup, 40);
