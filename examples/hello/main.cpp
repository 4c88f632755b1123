// examples/hello — the smallest oasis server: the two answers HTTP benchmarks ask for, plus a
// few routes the engine's end-to-end tests use (echo, slow, big).
//
//   hello --port 8080 --threads 1
//   curl http://127.0.0.1:8080/plaintext    -> Hello, World!
//   curl http://127.0.0.1:8080/json         -> {"message":"Hello, World!"}
#include <oasis/http/server.hpp>

#include <CLI/CLI.hpp>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <string>

using namespace oasis::http;

int main(int argc, char** argv) {
  ServerOptions opt;
  opt.port = 8080;
  opt.server_name = "oasis-hello";
  long header_ms = opt.timeouts.header.count(), body_ms = opt.timeouts.body.count(), idle_ms = opt.timeouts.idle.count();
  long shutdown_ms = opt.timeouts.shutdown.count();
  CLI::App app{"hello: plaintext and JSON over the oasis HTTP engine"};
  app.add_option("--host", opt.host, "address to bind")->capture_default_str();
  app.add_option("--port", opt.port, "port (0 picks one)")->capture_default_str();
  app.add_option("--threads", opt.threads, "threads (0: one per core)")->capture_default_str();
  app.add_option("--tls-cert", opt.tls.cert_file, "PEM certificate chain (with --tls-key: serve HTTPS)");
  app.add_option("--tls-key", opt.tls.key_file, "PEM private key");
  app.add_option("--max-body", opt.limits.max_body, "largest request body in bytes")->capture_default_str();
  app.add_option("--max-header-bytes", opt.limits.max_header_bytes, "largest header section")->capture_default_str();
  app.add_option("--max-headers", opt.limits.max_headers, "most header fields")->capture_default_str();
  app.add_option("--max-request-line", opt.limits.max_request_line, "longest request target")->capture_default_str();
  app.add_option("--header-timeout-ms", header_ms, "time to receive a header section")->capture_default_str();
  app.add_option("--body-timeout-ms", body_ms, "time to receive a body")->capture_default_str();
  app.add_option("--idle-timeout-ms", idle_ms, "keep-alive idle time")->capture_default_str();
  app.add_option("--shutdown-timeout-ms", shutdown_ms, "grace for in-flight requests on SIGTERM")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  opt.timeouts.header = std::chrono::milliseconds(header_ms);
  opt.timeouts.body = std::chrono::milliseconds(body_ms);
  opt.timeouts.idle = std::chrono::milliseconds(idle_ms);
  opt.timeouts.shutdown = std::chrono::milliseconds(shutdown_ms);

  const std::string big(64 * 1024, 'x');
  Server server(opt, [&big](const Request& req, Response& res) {
    std::string_view path = req.path();
    if (path == "/plaintext") {
      res.body("text/plain", "Hello, World!");
    } else if (path == "/json") {
      res.body("application/json", R"({"message":"Hello, World!"})");
    } else if (path == "/echo") {
      // The request body back, and what framing it came with.
      res.header("X-Method", req.method_name());
      res.header("X-Body-Length", std::to_string(req.body().size()));
      if (auto t = req.trailers().get("X-Checksum"); !t.empty()) res.header("X-Trailer-Checksum", t);
      res.body("application/octet-stream", req.body());
    } else if (path == "/big") {
      res.body("text/plain", big);
    } else if (path == "/slow") {
      // Answers after a delay through a deferred response: the connection goes on with other
      // work (its thread is not blocked) and pipelined requests behind this one wait their turn.
      long ms = 300;
      if (auto q = req.query(); q.rfind("ms=", 0) == 0) std::from_chars(q.data() + 3, q.data() + q.size(), ms);
      Deferred later = res.defer();
      later.after(std::chrono::milliseconds(ms), [later]() mutable {
        later.response().body("text/plain", "done");
        later.finish();
      });
    } else {
      res.status(404);
      res.body("text/plain", "not found");
    }
  });
  server.handle_signals();
  server.listen();
  std::printf("listening on %s://%s:%u\n", opt.tls.enabled() ? "https" : "http", opt.host.c_str(), server.port());
  std::fflush(stdout);
  server.run();
  std::printf("stopped\n");
  return 0;
}
