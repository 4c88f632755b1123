// proxy/proxy.cpp — route, validate, forward, validate again, answer.
//
// The handler runs on the server connection's thread. A request that goes upstream is copied
// into a ClientRequest (the Request's views die when the handler returns) and the response is
// deferred. Each server thread has its own client Transport, built on that thread's event loop
// (http::this_thread_context()): the upstream exchange, the validation of the answer and the
// write to the client all happen on the connection's thread, with no hand-over to another
// thread and back (two wake-ups per request). The transports are released when their thread
// stops serving (http::at_thread_stop). Only when the handler is called from a thread that is
// not a server's does it fall back to a transport with a thread of its own, whose callback
// hops back to the connection's thread.
//
// An answer the proxy does not validate (--validate request, or a request that matched no
// operation) is streamed on that thread's transport: its head goes to the client as soon as it
// is in, and each piece of its body is written before the next is read from the upstream
// (http::Exchange::stream, http::Deferred::start_stream), so no body is held whole and a slow
// client slows the upstream instead of filling memory. An upstream that breaks off mid-body
// aborts the client's answer (its connection closes), and a client that goes away cancels the
// upstream exchange. Validated answers are held whole (up to max_response_body) and checked.
// Likewise a request body the proxy does not validate (--validate response) is not held: the
// server hands the handler a reader at the end of the header section (request_body_streaming()
// is the server's ServerOptions::stream_request_body), and the transport sends the upload
// upstream piece by piece from it, reading the next piece from the client only once the last
// went to the upstream.
#include <oasis/proxy/headers.hpp>
#include <oasis/proxy/proxy.hpp>
#include <oasis/spec/problem.hpp>
#include <oasis/spec/request.hpp>
#include <oasis/spec/router.hpp>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <oasis/http/server.hpp>

#include <mutex>
#include <stdexcept>
#include <vector>

namespace oasis::proxy {

namespace json = boost::json;

namespace {

std::atomic<unsigned> next_transport_slot{0};
std::atomic<std::uint64_t> next_proxy_id{1};

// The transport of the calling server thread for one proxy (by id: an address may be reused).
struct LocalTransport {
  std::uint64_t proxy = 0;
  http::Transport* transport = nullptr;
};
thread_local LocalTransport local_transport;

std::string upstream_base_path(std::string_view url) {
  auto sep = url.find("://");
  if (sep == std::string_view::npos) return {};
  std::string_view rest = url.substr(sep + 3);
  auto slash = rest.find('/');
  if (slash == std::string_view::npos) return {};
  std::string_view path = rest.substr(slash);
  path = path.substr(0, path.find_first_of("?#"));
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  return std::string(path);
}

// The parameter a violation is about, as Proxmox names it: "/query/vmid" → "vmid",
// "/body/net0/..." → "net0"; a missing required property is named by the message.
std::string proxmox_key(const schema::Violation& v) {
  std::string_view p = v.instance_pointer;
  if (!p.empty() && p.front() == '/') p.remove_prefix(1);
  auto slash = p.find('/');
  std::string_view location = p.substr(0, slash);
  std::string_view rest = slash == std::string_view::npos ? std::string_view{} : p.substr(slash + 1);
  std::string_view key = rest.substr(0, rest.find('/'));
  if (key.empty() && v.keyword == "required") {
    auto open = v.message.find('\'');
    auto close = v.message.rfind('\'');
    if (open != std::string::npos && close > open) return v.message.substr(open + 1, close - open - 1);
  }
  if (key.empty()) key = location.empty() ? std::string_view("body") : location;
  std::string out;
  for (std::size_t i = 0; i < key.size(); ++i) {  // RFC 6901 unescaping
    if (key[i] == '~' && i + 1 < key.size()) {
      out += key[i + 1] == '1' ? '/' : '~';
      ++i;
    } else {
      out += key[i];
    }
  }
  return out;
}

void answer_problem(http::Response& res, int status, std::string detail, std::vector<schema::Violation> errors = {}) {
  spec::write_problem(res, {status, "about:blank", {}, std::move(detail), std::move(errors)});
}

}  // namespace

struct Proxy::Impl {
  const spec::Document& doc;
  ProxyOptions opts;
  spec::Router router;
  http::Origin origin;
  std::string base;                    // upstream path prefix
  std::vector<std::string> names;      // per operation index: operationId or "GET /path"
  const std::uint64_t id = next_proxy_id.fetch_add(1, std::memory_order_relaxed);
  http::TransportOptions transport_options;
  // Fallback transports (own threads), for calls from threads that are not a server's; made on
  // first use.
  std::mutex fallback_mu;
  std::vector<std::unique_ptr<http::Transport>> transports;
  std::atomic<bool> stopped{false};
  ViolationLog log;
  struct Counters {
    std::atomic<std::uint64_t> requests{0}, forwarded{0}, refused{0}, replaced{0}, upstream_errors{0},
        upstream_timeouts{0};
  } counters;

  Impl(const spec::Document& d, ProxyOptions o)
      : doc(d), opts(std::move(o)), router(d), origin(http::Origin::parse(opts.upstream)),
        base(upstream_base_path(opts.upstream)), log(opts.keep_violations) {
    names.reserve(doc.operations().size());
    for (const auto& op : doc.operations())
      names.push_back(!op.operation_id.empty() ? op.operation_id : op.method_name + " " + op.path);
    if (!opts.report_file.empty()) {
      std::string error;
      if (!log.open_report(opts.report_file, error)) throw std::runtime_error("cannot open the report file " + error);
    }
    auto& to = transport_options;
    to.max_connections = opts.max_connections;
    to.max_idle = opts.max_connections;
    to.connect_timeout = opts.connect_timeout;
    to.request_timeout = opts.upstream_timeout;
    to.tls.verify = !opts.insecure_upstream;
    to.max_response_body = opts.max_response_body;
  }

  // The calling server thread's transport (made on its first request), or nullptr on a thread
  // that is not a server's.
  http::Transport* local() {
    if (local_transport.proxy == id) return local_transport.transport;
    auto* ctx = http::this_thread_context();
    if (!ctx) return nullptr;
    auto t = std::make_shared<std::unique_ptr<http::Transport>>(std::make_unique<http::Transport>(transport_options, *ctx));
    http::Transport* raw = t->get();
    // Released on this thread when it stops serving: its connections close, the loop ends.
    http::at_thread_stop([t, raw] {
      if (local_transport.transport == raw) local_transport = {};
      t->reset();
    });
    local_transport = {id, raw};
    return raw;
  }

  // Other threads are spread over the fallback transports, one each, for as long as they live.
  http::Transport* fallback() {
    std::lock_guard lk(fallback_mu);
    if (stopped) return nullptr;
    if (transports.empty()) {
      unsigned n = std::max(1u, opts.transports);
      for (unsigned i = 0; i < n; ++i) transports.push_back(std::make_unique<http::Transport>(transport_options));
    }
    thread_local unsigned slot = next_transport_slot.fetch_add(1, std::memory_order_relaxed);
    return transports[slot % transports.size()].get();
  }

  bool reporting() const { return opts.mode == Mode::report; }

  void admin(const http::Request& req, http::Response& res) {
    res.compress(true);
    if (req.method() == http::Method::GET || req.method() == http::Method::HEAD) {
      res.body("application/json", log.to_json());
    } else if (req.method() == http::Method::DELETE) {
      log.clear();
      res.status(204);
    } else {
      res.header("Allow", "GET, HEAD, DELETE");
      answer_problem(res, 405, "/_oasis/violations allows GET and DELETE");
    }
  }

  void refuse(http::Response& res, const spec::RequestValidation& v) {
    if (opts.profile == Profile::proxmox) {
      json::object errors;
      for (const auto& e : v.violations) {
        auto key = proxmox_key(e);
        if (!errors.contains(key)) errors[key] = e.message;
      }
      json::object body;
      body["errors"] = std::move(errors);
      body["data"] = nullptr;
      res.status(v.status == 0 ? 400 : v.status);
      res.body("application/json;charset=UTF-8", json::serialize(body));
      return;
    }
    spec::write_problem(res, spec::problem_from(v));
  }

  void handle(const http::Request& req, http::Response& res) {
    if (req.path() == "/_oasis/violations") return admin(req, res);
    counters.requests.fetch_add(1, std::memory_order_relaxed);
    spec::RouteMatch m;
    router.find(req.method(), req.path(), m);
    const spec::Operation* op = m.found() ? m.operation : nullptr;
    std::size_t noted = 0;  // violations of this exchange so far
    if (!op) {
      const bool missing = m.status == spec::RouteStatus::not_found;
      std::string message = missing ? "no operation of the API matches " + std::string(req.method_name()) + " " +
                                          std::string(req.path())
                                    : "the path does not allow " + std::string(req.method_name()) + " (allowed: " +
                                          std::string(m.allow) + ")";
      log.record("", req.method_name(), req.target(), Direction::request, "", missing ? "operation" : "method",
                 message);
      if (!reporting()) {
        counters.refused.fetch_add(1, std::memory_order_relaxed);
        if (!missing) res.header("Allow", m.allow);
        return answer_problem(res, missing ? 404 : 405, std::move(message));
      }
      noted = 1;
    } else if (opts.validate_requests) {
      spec::RequestInput in;
      in.path_params = {m.params.data(), m.params.size()};
      in.query = req.query();
      in.headers = {req.headers().begin(), req.headers().end()};
      in.body = req.body();
      in.has_body =
          !req.body().empty() || req.headers().has(http::KnownField::content_length) ||
          req.headers().has(http::KnownField::transfer_encoding);
      spec::RequestOptions ro;
      ro.keep = spec::keep_none;  // only the verdict is needed
      auto v = spec::validate_request(*op, in, ro);
      if (!v.ok()) {
        log.record(names[op->index], req.method_name(), req.target(), Direction::request, v.violations);
        if (!reporting()) {
          counters.refused.fetch_add(1, std::memory_order_relaxed);
          return refuse(res, v);
        }
        noted = v.violations.size();
      }
    }
    forward(req, res, op, noted);
  }

  void forward(const http::Request& req, http::Response& res, const spec::Operation* op, std::size_t noted) {
    if (stopped.load(std::memory_order_relaxed)) return answer_problem(res, 503, "the proxy is shutting down");
    http::Transport* local_t = local();
    http::Transport* t = local_t ? local_t : fallback();
    if (!t) return answer_problem(res, 503, "the proxy is shutting down");
    const bool check_response = op && opts.validate_responses;
    http::ClientRequest cr;
    cr.method.assign(req.method_name());
    cr.target.assign(base).append(req.target());  // (its default is "/")
    forward_request_headers(req.headers(), cr.headers, check_response);
    if (req.body_reader())
      cr.body_reader = req.body_reader();  // an upload nothing validates: it goes on as it comes
    else
      cr.body.assign(req.body());
    cr.timeout = opts.upstream_timeout;
    const bool head = req.method() == http::Method::HEAD;
    http::Deferred d = res.defer();
    counters.forwarded.fetch_add(1, std::memory_order_relaxed);
    if (local_t && !check_response) {
      auto x = std::make_shared<Streamed>(*this, std::move(d), noted, head);
      x->request = std::move(cr);
      x->stream = true;
      local_t->async_send(origin, std::move(x));
      return;
    }
    // What a response violation is recorded under (the request's views die with this call).
    std::string method(req.method_name()), target(req.target());
    if (local_t) {
      // The callback runs on this thread, the connection's: answer straight from it.
      local_t->async_send(origin, std::move(cr),
                          [this, d = std::move(d), op, noted, head, check_response, method = std::move(method),
                           target = std::move(target)](http::TransportError err, http::ClientResponse r) mutable {
                            answer(d, op, noted, head, check_response, method, target, err, r);
                          });
      return;
    }
    t->async_send(origin, std::move(cr),
                  [this, d, op, noted, head, check_response, method = std::move(method),
                   target = std::move(target)](http::TransportError err, http::ClientResponse r) mutable {
                    auto deferred = d;
                    deferred.dispatch([this, d = std::move(d), op, noted, head, check_response,
                                       method = std::move(method), target = std::move(target),
                                       err = std::move(err), r = std::move(r)]() mutable {
                      answer(d, op, noted, head, check_response, method, target, err, r);
                    });
                  });
  }

  void answer(http::Deferred& d, const spec::Operation* op, std::size_t noted, bool head, bool check_response,
              const std::string& method, const std::string& target, const http::TransportError& err,
              http::ClientResponse& r) {
    http::Response& res = d.response();
    if (err) {
      const bool timeout = err.kind == http::TransportError::Kind::timeout;
      (timeout ? counters.upstream_timeouts : counters.upstream_errors).fetch_add(1, std::memory_order_relaxed);
      answer_problem(res, timeout ? 504 : 502,
                     "the upstream " + origin.key() +
                         (timeout ? " did not answer in time: " : " could not be reached or answered badly: ") +
                         err.message);
      return d.finish();
    }
    std::size_t n = noted;
    if (check_response) {
      // One pass over the answer's fields: views for the validator, and the two it needs first.
      thread_local std::vector<http::Field> fields;  // views into r, reused
      fields.clear();
      std::string_view type, encoding;
      bool seen_type = false, seen_encoding = false;
      for (const auto& [k, v] : r.headers) {
        fields.push_back({k, v});
        if (k.size() == 12 && !seen_type && http::iequals(k, "Content-Type")) {
          type = v;
          seen_type = true;
        } else if (k.size() == 16 && !seen_encoding && http::iequals(k, "Content-Encoding")) {
          encoding = v;
          seen_encoding = true;
        }
      }
      const bool encoded = !encoding.empty() && !http::iequals(encoding, "identity");
      // A HEAD answer has no body to check, and an encoded one (the upstream ignored
      // Accept-Encoding: identity) cannot be read as its media type.
      auto v = head || encoded ? spec::validate_response(*op, r.status, {}, {}, fields)
                               : spec::validate_response(*op, r.status, type, r.body, fields);
      if (!v.ok()) {
        log.record(names[op->index], method, target, Direction::response, v.violations);
        if (!reporting()) {
          counters.replaced.fetch_add(1, std::memory_order_relaxed);
          std::size_t count = v.violations.size();
          answer_problem(res, 502,
                         "the upstream's " + std::to_string(r.status) + " answer to " + names[op->index] +
                             " does not match the API description (" + std::to_string(count) +
                             (count == 1 ? " violation)" : " violations)"),
                         std::move(v.violations));
          return d.finish();
        }
        n += v.violations.size();
      }
    }
    pass_head(r, res, n, head);
    if (head) {
      // The head as the upstream sent it, its Content-Length too (a whole answer's would be the
      // empty body's).
      d.start_stream();
      return d.finish();
    }
    res.body_buffer().swap(r.body);
    d.finish();
  }

  // The upstream's status line and headers, as they go to the client (hop-by-hop fields
  // dropped, Via added, the count of violations in report mode). `length`: the upstream's
  // Content-Length too, for a streamed answer or a HEAD (a whole body gets the engine's).
  void pass_head(const http::ClientResponse& r, http::Response& res, std::size_t violations, bool length) {
    res.status(r.status);
    if (!r.reason.empty()) res.reason(r.reason);  // some APIs (Proxmox) say what went wrong there
    forward_response_headers(r.headers, res);
    if (length)
      if (auto cl = r.header("Content-Length"); !cl.empty() && r.header("Transfer-Encoding").empty())
        res.header("Content-Length", cl);
    if (reporting()) res.header("Oasis-Violations", std::to_string(violations));
    res.compress(false);  // the upstream's bytes as they came
  }

  // An upstream exchange whose answer goes to the client as it comes (see the top of the file).
  // Lives on the connection's thread, which is its transport's.
  struct Streamed final : http::Exchange {
    Impl& proxy;
    http::Deferred d;
    std::size_t noted;
    bool head;
    bool started = false;  // the head went to the client

    Streamed(Impl& p, http::Deferred deferred, std::size_t n, bool h)
        : proxy(p), d(std::move(deferred)), noted(n), head(h) {}

    void on_head(http::ClientResponse& h) override {
      if (!d.open()) return cancel();  // the client went away while the upstream thought
      proxy.pass_head(h, d.response(), noted, true);
      started = true;
      // From here a client that goes away takes the upstream exchange with it.
      d.on_close([weak = std::weak_ptr<http::Exchange>(shared_from_this())] {
        if (auto self = weak.lock()) self->cancel();
      });
      d.start_stream();
    }
    void on_body(std::string_view piece) override {
      d.write(piece, [weak = std::weak_ptr<http::Exchange>(shared_from_this())] {
        if (auto self = weak.lock()) self->resume_body();
      });
    }
    void complete(http::TransportError err, http::ClientResponse r) override {
      if (!started) {
        // No head came (refused, timed out, cancelled before it): answered as any failure.
        // Nothing is validated, so no operation or target is recorded.
        if (!d.open()) return d.abort();
        static const std::string none;
        return proxy.answer(d, nullptr, noted, head, false, none, none, err, r);
      }
      if (err) {
        if (err.kind != http::TransportError::Kind::cancelled)
          proxy.counters.upstream_errors.fetch_add(1, std::memory_order_relaxed);
        return d.abort();  // the client sees its answer cut short, not a complete one
      }
      d.finish();
    }
  };

  std::string summary() const {
    std::string s = "oasis proxy: " + std::to_string(counters.requests.load()) + " requests, " +
                    std::to_string(counters.forwarded.load()) + " forwarded, " +
                    std::to_string(counters.refused.load()) + " refused, " + std::to_string(counters.replaced.load()) +
                    " answers replaced by 502, " + std::to_string(counters.upstream_errors.load()) +
                    " upstream errors, " + std::to_string(counters.upstream_timeouts.load()) + " upstream timeouts\n";
    s += "violations: " + std::to_string(log.total()) + " (request " + std::to_string(log.count(Direction::request)) +
         ", response " + std::to_string(log.count(Direction::response)) + ")\n";
    for (const auto& [name, c] : log.by_operation())
      s += "  " + (name.empty() ? std::string("(no operation)") : name) + ": request " + std::to_string(c.request) +
           ", response " + std::to_string(c.response) + "\n";
    return s;
  }
};

Proxy::Proxy(const spec::Document& doc, ProxyOptions options)
    : impl_(std::make_unique<Impl>(doc, std::move(options))) {}
Proxy::~Proxy() = default;

void Proxy::handle(const http::Request& req, http::Response& res) { impl_->handle(req, res); }

std::function<bool(const http::Request&)> Proxy::request_body_streaming() const {
  if (impl_->opts.validate_requests) return {};
  return [](const http::Request& req) { return req.path() != "/_oasis/violations"; };
}

http::Handler Proxy::handler() {
  return [impl = impl_.get()](const http::Request& req, http::Response& res) { impl->handle(req, res); };
}

ViolationLog& Proxy::violations() noexcept { return impl_->log; }

ProxyStats Proxy::stats() const noexcept {
  const auto& c = impl_->counters;
  return {c.requests.load(), c.forwarded.load(), c.refused.load(), c.replaced.load(), c.upstream_errors.load(),
          c.upstream_timeouts.load()};
}

const ProxyOptions& Proxy::options() const noexcept { return impl_->opts; }
const http::Origin& Proxy::origin() const noexcept { return impl_->origin; }
std::string Proxy::summary() const { return impl_->summary(); }
void Proxy::shutdown() {
  // The server threads' own transports went when those threads stopped (at_thread_stop).
  std::vector<std::unique_ptr<http::Transport>> gone;
  {
    std::lock_guard lk(impl_->fallback_mu);
    impl_->stopped = true;
    gone.swap(impl_->transports);
  }
}

}  // namespace oasis::proxy
