// cli/mock.cpp — `oasis mock SPEC`: serve a stateful, validating mock of the whole API.
//
//   oasis mock api.yaml [--host 127.0.0.1] [--port 4010] [--threads N] [--state FILE] [--seed N]
//                       [--latency 20ms|20ms-200ms] [--fail-rate 0.01] [--log requests] [--requests N] [--strict]
//                       [--profile proxmox [--auth] [--user U@REALM:PW]... [--token U@REALM!ID=SECRET]...
//                        [--task-duration 2s] [--node pve]...]
//
// Prints, once ready, the URL, the operations served and how long loading took.
#include "command.hpp"

#include <oasis/http/server.hpp>
#include <oasis/mock/mock.hpp>
#include <oasis/mock/proxmox.hpp>
#include <oasis/mock/serve.hpp>
#include <oasis/spec/file.hpp>

#include <chrono>
#include <cstdio>
#include <memory>

namespace {

oasis::cli::Run setup(CLI::App& sub) {
  struct Options {
    std::string spec;
    oasis::http::ServerOptions server;
    std::string state;
    std::uint64_t seed = 1;
    std::size_t seed_items = 3;
    bool strict = false;
    std::string latency;
    double fail_rate = 0;
    std::string log;
    std::string data;
    std::size_t requests = 100;
    std::string profile;  // "proxmox"
    bool auth = false;
    std::vector<std::string> users, tokens, nodes;
    std::string task_duration = "2s";
  };
  auto o = std::make_shared<Options>();
  o->server.port = 4010;
  o->server.server_name = "oasis-mock";
  sub.add_option("spec", o->spec, "OpenAPI 3.0/3.1 or Swagger 2.0 document (JSON or YAML)")->required();
  sub.add_option("--host", o->server.host, "address to bind")->capture_default_str();
  sub.add_option("--port", o->server.port, "port (0 picks a free one)")->capture_default_str();
  sub.add_option("--threads", o->server.threads, "threads (0: one per core)")->capture_default_str();
  sub.add_option("--state", o->state, "keep state in this SQLite file (durable before each response)");
  sub.add_option("--seed", o->seed, "seed for generated data")->capture_default_str();
  sub.add_option("--seed-items", o->seed_items, "items each collection starts with")->capture_default_str();
  sub.add_flag("--strict", o->strict, "refuse documents with warnings");
  sub.add_option("--data", o->data, "JSON or YAML keyed by concrete path: items that replace the seed there");
  sub.add_option("--latency", o->latency, "delay every answer: 20ms, or a range 20ms-200ms");
  sub.add_option("--fail-rate", o->fail_rate, "answer this share of requests (0..1) with 503")->check(CLI::Range(0.0, 1.0));
  sub.add_option("--requests", o->requests, "requests each thread remembers for GET /_oasis/requests (0: none)")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{0}, std::size_t{100000}));
  sub.add_option("--log", o->log, "'requests': one line per request on stdout")->check(CLI::IsMember({"requests"}));
  sub.add_option("--profile", o->profile, "answer as this product does: 'proxmox' (Proxmox VE's pveproxy; docs/proxmox.md)")
      ->check(CLI::IsMember({"proxmox"}));
  sub.add_flag("--auth", o->auth, "proxmox: require a ticket (POST /access/ticket) or an API token");
  sub.add_option("--user", o->users, "proxmox: USER@REALM:PASSWORD allowed to log in (repeatable; default root@pam:oasis)");
  sub.add_option("--token", o->tokens, "proxmox: API token USER@REALM!ID=SECRET (repeatable)");
  sub.add_option("--task-duration", o->task_duration, "proxmox: how long every task runs: 2s, 500ms, 0")->capture_default_str();
  sub.add_option("--node", o->nodes, "proxmox: a node of the cluster (repeatable; default pve)");
  return [o]() -> int {
    auto start = std::chrono::steady_clock::now();
    auto document = oasis::cli::load_served_document("mock", o->spec, o->strict);
    if (!document) return 2;
    std::unique_ptr<oasis::mock::Store> store =
        o->state.empty() ? std::make_unique<oasis::mock::Store>() : std::make_unique<oasis::mock::Store>(o->state);
    oasis::mock::MockOptions mo;
    mo.seed = o->seed;
    mo.seed_items = o->seed_items;
    mo.requests = o->requests;
    if (!o->data.empty()) {
      auto d = oasis::spec::read_json_or_yaml(o->data);
      if (!d.value) {
        std::fprintf(stderr, "oasis mock: %s\n", d.error.c_str());
        return 2;
      }
      if (!d.value->is_object()) {
        std::fprintf(stderr, "oasis mock: %s: expected an object keyed by concrete paths (\"/pets\": [...])\n", o->data.c_str());
        return 2;
      }
      mo.data = std::move(d.value->as_object());
    }
    oasis::mock::Mock mock(*document, *store, mo);
    oasis::mock::ServeOptions so;
    so.seed = o->seed;
    so.fail_rate = o->fail_rate;
    if (o->log == "requests") {
      std::setvbuf(stdout, nullptr, _IOLBF, 0);  // a log is read as it happens, line by line
      so.log = stdout;
    }
    if (!o->latency.empty()) so.latency = oasis::mock::parse_latency(o->latency);
    oasis::http::Handler handler = oasis::mock::make_handler(mock, so);
    std::unique_ptr<oasis::mock::ProxmoxProfile> profile;
    if (o->profile == "proxmox") {
      oasis::mock::ProxmoxOptions po;
      po.auth = o->auth;
      try {
        for (const auto& u : o->users) po.users.push_back(oasis::mock::parse_proxmox_user(u));
        for (const auto& t : o->tokens) po.tokens.push_back(oasis::mock::parse_proxmox_token(t));
        po.task_duration = oasis::mock::parse_task_duration(o->task_duration);
      } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "oasis mock: %s\n", e.what());
        return 2;
      }
      if (!o->nodes.empty()) po.nodes = o->nodes;
      profile = std::make_unique<oasis::mock::ProxmoxProfile>(*document, mock, *store, po, handler);
      handler = profile->handler();
    } else if (o->auth || !o->users.empty() || !o->tokens.empty() || !o->nodes.empty()) {
      std::fprintf(stderr, "oasis mock: --auth, --user, --token and --node need --profile proxmox\n");
      return 2;
    }
    oasis::http::Server server(o->server, handler);
    server.handle_signals();
    server.listen();
    auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::printf("oasis mock: %s (%s), %zu operations, %zu collections, loaded in %.0f ms\n", o->spec.c_str(),
                document->title().c_str(), document->operations().size(),
                mock.topology().collections().size(), ms);
    std::printf("listening on http://%s:%u%s\n", o->server.host.c_str(), server.port(), mock.router().base_path().c_str());
    if (profile)
      std::printf("profile proxmox: nodes %zu, %zu task operations, auth %s, tasks run %lld ms\n", o->nodes.empty() ? std::size_t(1) : o->nodes.size(),
                  profile->task_operations(), o->auth ? "on" : "off",
                  static_cast<long long>(oasis::mock::parse_task_duration(o->task_duration).count()));
    std::fflush(stdout);
    server.run();
    store->sync();  // writes still being committed answer their connections before those go
    return 0;
  };
}

}  // namespace

OASIS_COMMAND("mock", "Serve a stateful, validating mock of an OpenAPI document", setup, 10);
