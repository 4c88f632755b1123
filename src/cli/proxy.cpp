// cli/proxy.cpp — `oasis proxy SPEC --upstream URL`: a validating reverse proxy.
//
//   oasis proxy api.yaml --upstream http://127.0.0.1:8006 [--host 127.0.0.1] [--port 4010]
//       [--threads N] [--mode report|enforce] [--validate request|response|both] [--report FILE]
//       [--profile proxmox] [--insecure-upstream] [--upstream-timeout 30s] [--connect-timeout 5s]
//
// Prints the banner once ready and, at SIGINT/SIGTERM, a summary of what it saw.
#include "command.hpp"

#include <oasis/http/server.hpp>
#include <oasis/proxy/proxy.hpp>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <thread>

namespace {

// "500ms", "2s", "1500" (milliseconds).
std::chrono::milliseconds parse_duration(const std::string& s) {
  double value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  std::string_view unit(end, static_cast<std::size_t>(s.data() + s.size() - end));
  if (ec != std::errc() || value < 0 || value > 3'600'000) throw std::invalid_argument("bad duration '" + s + "'");
  if (unit.empty() || unit == "ms") return std::chrono::milliseconds(static_cast<long long>(value));
  if (unit == "s") return std::chrono::milliseconds(static_cast<long long>(value * 1000));
  throw std::invalid_argument("bad duration '" + s + "' (use 500ms or 2s)");
}

oasis::cli::Run setup(CLI::App& sub) {
  struct Options {
    std::string spec;
    oasis::http::ServerOptions server;
    oasis::proxy::ProxyOptions proxy;
    std::string mode = "report", validate = "both", profile, upstream_timeout = "30s", connect_timeout = "5s";
    bool strict = false;
  };
  auto o = std::make_shared<Options>();
  o->server.port = 4010;
  o->server.server_name = "oasis-proxy";
  sub.add_option("spec", o->spec, "OpenAPI 3.0/3.1 or Swagger 2.0 document (JSON or YAML)")->required();
  sub.add_option("--upstream", o->proxy.upstream, "the real service: http://host:port[/base] or https://...")->required();
  sub.add_option("--host", o->server.host, "address to bind")->capture_default_str();
  sub.add_option("--port", o->server.port, "port (0 picks a free one)")->capture_default_str();
  sub.add_option("--threads", o->server.threads, "threads (0: one per core)")->capture_default_str();
  sub.add_option("--mode", o->mode, "report: forward and record; enforce: refuse invalid requests, 502 invalid answers")
      ->check(CLI::IsMember({"report", "enforce"}))
      ->capture_default_str();
  sub.add_option("--validate", o->validate, "what to check")
      ->check(CLI::IsMember({"request", "response", "both"}))
      ->capture_default_str();
  sub.add_option("--report", o->proxy.report_file, "append every violation to this file as a JSON line");
  sub.add_option("--profile", o->profile, "proxmox: refuse requests with Proxmox VE's error shape")
      ->check(CLI::IsMember({"proxmox"}));
  sub.add_flag("--insecure-upstream", o->proxy.insecure_upstream, "do not verify the upstream's TLS certificate");
  sub.add_option("--upstream-timeout", o->upstream_timeout, "answer 504 when the upstream takes longer")
      ->capture_default_str();
  sub.add_option("--connect-timeout", o->connect_timeout, "give up connecting to the upstream after this")
      ->capture_default_str();
  sub.add_flag("--strict", o->strict, "refuse documents with warnings");
  return [o]() -> int {
    auto start = std::chrono::steady_clock::now();
    auto& po = o->proxy;
    try {
      po.upstream_timeout = parse_duration(o->upstream_timeout);
      po.connect_timeout = parse_duration(o->connect_timeout);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "oasis proxy: %s\n", e.what());
      return 2;
    }
    po.mode = o->mode == "enforce" ? oasis::proxy::Mode::enforce : oasis::proxy::Mode::report;
    po.validate_requests = o->validate != "response";
    po.validate_responses = o->validate != "request";
    if (o->profile == "proxmox") po.profile = oasis::proxy::Profile::proxmox;
    unsigned threads = o->server.threads ? o->server.threads : std::max(1u, std::thread::hardware_concurrency());
    po.transports = threads;

    auto document = oasis::cli::load_served_document("proxy", o->spec, o->strict);
    if (!document) return 2;
    std::unique_ptr<oasis::proxy::Proxy> proxy;
    try {
      proxy = std::make_unique<oasis::proxy::Proxy>(*document, po);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "oasis proxy: %s\n", e.what());
      return 2;
    }
    o->server.stream_request_body = proxy->request_body_streaming();
    oasis::http::Server server(o->server, proxy->handler());
    server.handle_signals();
    try {
      server.listen();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "oasis proxy: cannot listen on %s:%u: %s\n", o->server.host.c_str(), o->server.port, e.what());
      return 1;
    }
    auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::printf("oasis proxy: %s (%s), %zu operations, upstream %s, mode %s, validating %s, loaded in %.0f ms\n",
                o->spec.c_str(), document->title().c_str(), document->operations().size(),
                po.upstream.c_str(), o->mode.c_str(), o->validate.c_str(), ms);
    std::printf("listening on http://%s:%u\n", o->server.host.c_str(), server.port());
    std::fflush(stdout);
    server.run();
    proxy->shutdown();
    std::fputs(proxy->summary().c_str(), stdout);
    std::fflush(stdout);
    return 0;
  };
}

}  // namespace

OASIS_COMMAND("proxy", "Validate traffic both ways in front of a real service", setup, 20);
