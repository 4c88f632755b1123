// bench/rest/flow_server — one server, two routes with the same answer: /raw-json from a plain
// engine handler, /resource from a rest::Resource through the whole decision flow. The two
// paths have the same length, so the parser's per-byte cost of the request line is the same.
#include "hello_resource.hpp"

#include <oasis/http/server.hpp>

#include <CLI/CLI.hpp>

#include <cstdio>

int main(int argc, char** argv) {
  oasis::http::ServerOptions opt;
  opt.server_name = "oasis-bench";
  CLI::App cli{"flow_server: /raw and /resource, the same response two ways"};
  cli.add_option("--host", opt.host)->capture_default_str();
  cli.add_option("--port", opt.port)->capture_default_str();
  cli.add_option("--threads", opt.threads)->capture_default_str();
  CLI11_PARSE(cli, argc, argv);

  oasis::rest::App app;
  app.resource<bench_rest::Hello>("/resource");
  app.start();
  // Both answers go through the same outer handler, so the comparison is the flow alone.
  oasis::http::Server server(opt, [&app](const oasis::http::Request& req, oasis::http::Response& res) {
    if (req.path() == "/raw-json")
      bench_rest::raw(req, res);
    else
      app.handle(req, res);
  });
  server.handle_signals();
  server.listen();
  std::printf("listening on http://%s:%u\n", opt.host.c_str(), server.port());
  std::fflush(stdout);
  server.run();
  return 0;
}
