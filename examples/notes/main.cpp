// examples/notes — a small notes service written as two rest::Resources. It shows what the
// decision flow gives for free: 201 + Location on create, ETag and Last-Modified with 304 and
// 412, 406 and 415 from negotiation, 405 + Allow, 501 for methods it does not know, 409 on a
// version or title conflict, problem+json errors.
//
//   notes --port 8080
//   curl -i -X POST -H 'Content-Type: application/json' -d '{"title":"a"}' 127.0.0.1:8080/notes
//   curl -i http://127.0.0.1:8080/notes/1
//
// State is in memory, shared by every server thread behind a reader/writer lock.
#include <oasis/http/server.hpp>
#include <oasis/rest/app.hpp>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <charconv>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>

namespace rest = oasis::rest;
namespace http = oasis::http;
namespace json = boost::json;
using M = http::Method;

struct Note {
  std::uint64_t id = 0;
  std::string title, body;
  std::uint64_t version = 0;
  rest::Time modified{};
};

// Every note, shared across threads: many readers, one writer at a time.
class NoteStore {
 public:
  enum class Write { created, updated, title_taken, version_mismatch };

  std::optional<Note> get(std::uint64_t id) const {
    std::shared_lock lock(mutex_);
    auto it = notes_.find(id);
    if (it == notes_.end()) return std::nullopt;
    return it->second;
  }
  // The whole list with the collection's validators, read under one lock.
  json::array list(std::uint64_t& version, rest::Time& modified) const {
    std::shared_lock lock(mutex_);
    json::array out;
    for (const auto& [id, n] : notes_) out.push_back(to_json(n));
    version = version_;
    modified = modified_;
    return out;
  }
  void validators(std::uint64_t& version, rest::Time& modified) const {
    std::shared_lock lock(mutex_);
    version = version_;
    modified = modified_;
  }
  std::uint64_t reserve_id() {
    std::unique_lock lock(mutex_);
    return next_id_++;
  }
  bool title_taken(std::string_view title, std::uint64_t except) const {
    std::shared_lock lock(mutex_);
    return taken(title, except);
  }
  // Creates or replaces a note. `expected_version` (when set) must match the current one; the
  // checks are repeated under the write lock so two writers cannot both pass them.
  Write put(std::uint64_t id, std::string title, std::string body, std::optional<std::uint64_t> expected_version,
            Note& result) {
    std::unique_lock lock(mutex_);
    if (taken(title, id)) return Write::title_taken;
    auto it = notes_.find(id);
    if (expected_version && (it == notes_.end() || it->second.version != *expected_version)) return Write::version_mismatch;
    bool created = it == notes_.end();
    Note& n = notes_[id];
    n.id = id;
    n.title = std::move(title);
    n.body = std::move(body);
    n.version = created ? 1 : n.version + 1;
    n.modified = now();
    if (id >= next_id_) next_id_ = id + 1;
    touch();
    result = n;
    return created ? Write::created : Write::updated;
  }
  bool erase(std::uint64_t id) {
    std::unique_lock lock(mutex_);
    if (notes_.erase(id) == 0) return false;
    touch();
    return true;
  }

  static json::object to_json(const Note& n) {
    return {{"id", n.id}, {"title", n.title}, {"body", n.body}, {"version", n.version},
            {"modified", rest::format_http_date(n.modified)}};
  }

 private:
  static rest::Time now() { return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()); }
  bool taken(std::string_view title, std::uint64_t except) const {
    for (const auto& [id, n] : notes_)
      if (id != except && n.title == title) return true;
    return false;
  }
  void touch() {
    ++version_;
    modified_ = now();
  }

  mutable std::shared_mutex mutex_;
  std::map<std::uint64_t, Note> notes_;
  std::uint64_t next_id_ = 1, version_ = 0;
  rest::Time modified_ = now();
};

// What both resources share: JSON only, and no TRACE or CONNECT (they answer 501, B12).
class JsonResource : public rest::Resource {
 public:
  explicit JsonResource(rest::Context& ctx) : store_(ctx.get<NoteStore>()) {}

  rest::MethodSet known_methods(rest::Context&) override {
    return {M::GET, M::HEAD, M::POST, M::PUT, M::DELETE, M::PATCH, M::OPTIONS};
  }
  std::span<const std::string_view> content_types_provided(rest::Context&) override { return json_only(); }
  std::span<const std::string_view> content_types_accepted(rest::Context&) override { return json_only(); }

  // B9: a JSON body must be an object with a string "title", an optional string "body" and an
  // optional integer "version". Bodies of other types are left to the 415 check.
  bool malformed_request(rest::Context& ctx) override {
    if (ctx.method() != M::POST && ctx.method() != M::PUT) return false;
    if (!rest::media_type_matches(ctx.request().header("Content-Type"), "application/json")) return false;
    std::error_code ec;
    auto v = json::parse(ctx.request().body(), ec);
    if (ec || !v.is_object()) {
      ctx.set_detail("the body must be a JSON object");
      return true;
    }
    const auto& o = v.as_object();
    auto* title = o.if_contains("title");
    auto* body = o.if_contains("body");
    auto* version = o.if_contains("version");
    if (!title || !title->is_string() || title->as_string().empty()) {
      ctx.set_detail("/title: a non-empty string is required");
      return true;
    }
    if (body && !body->is_string()) {
      ctx.set_detail("/body: must be a string");
      return true;
    }
    if (version && !(version->is_uint64() || (version->is_int64() && version->as_int64() >= 0))) {
      ctx.set_detail("/version: must be a non-negative integer");
      return true;
    }
    input_.title = title->as_string();
    input_.body = body ? std::string(body->as_string()) : std::string();
    if (version) input_.version = version->to_number<std::uint64_t>();
    return false;
  }

 protected:
  struct Input {
    std::string title, body;
    std::optional<std::uint64_t> version;
  };
  static std::span<const std::string_view> json_only() {
    static constexpr std::string_view t[] = {"application/json"};
    return t;
  }
  static std::string etag_for(std::uint64_t a, std::uint64_t b, char tag) {
    return std::string(1, tag) + std::to_string(a) + "-" + std::to_string(b);
  }

  NoteStore& store_;
  Input input_;
};

// /notes: the list (GET) and the factory of new notes (POST).
class NotesCollection : public JsonResource {
 public:
  using JsonResource::JsonResource;

  rest::MethodSet allowed_methods(rest::Context&) override { return {M::GET, M::HEAD, M::POST, M::OPTIONS}; }
  rest::ETag generate_etag(rest::Context&) override {
    load();
    return {etag_for(0, version_, 'c')};
  }
  std::optional<rest::Time> last_modified(rest::Context&) override {
    load();
    return modified_;
  }
  bool post_is_create(rest::Context&) override { return true; }
  std::string create_path(rest::Context&) override {
    id_ = store_.reserve_id();
    return std::to_string(id_);
  }
  void from_body(rest::Context& ctx) override {
    Note n;
    auto w = store_.put(id_, input_.title, input_.body, std::nullopt, n);
    if (w == NoteStore::Write::title_taken) return ctx.halt(409, "a note with this title exists");
    ctx.response().header("ETag", rest::format_etag(etag_for(n.id, n.version, 'n'), false));
    ctx.response().body(json::serialize(NoteStore::to_json(n)));
  }
  void to_body(rest::Context& ctx) override {
    ctx.response().body(json::serialize(store_.list(version_, modified_)));
  }

 private:
  void load() {
    if (!loaded_) store_.validators(version_, modified_);
    loaded_ = true;
  }
  std::uint64_t id_ = 0, version_ = 0;
  rest::Time modified_{};
  bool loaded_ = false;
};

// /notes/{id}: one note; PUT creates or replaces it, DELETE removes it.
class NoteItem : public JsonResource {
 public:
  explicit NoteItem(rest::Context& ctx) : JsonResource(ctx) {
    auto s = ctx.param("id");
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), id_);
    valid_id_ = ec == std::errc{} && p == s.data() + s.size() && id_ > 0;
  }

  rest::MethodSet allowed_methods(rest::Context&) override {
    return {M::GET, M::HEAD, M::PUT, M::DELETE, M::OPTIONS};
  }
  bool resource_exists(rest::Context&) override {
    if (valid_id_) note_ = store_.get(id_);
    return note_.has_value();
  }
  bool malformed_request(rest::Context& ctx) override {
    if (!valid_id_ && ctx.method() == M::PUT) {
      ctx.set_detail("the id must be a positive integer");
      return true;
    }
    return JsonResource::malformed_request(ctx);
  }
  rest::ETag generate_etag(rest::Context&) override {
    if (!note_) return {};
    return {etag_for(note_->id, note_->version, 'n')};
  }
  std::optional<rest::Time> last_modified(rest::Context&) override {
    if (!note_) return std::nullopt;
    return note_->modified;
  }
  // O14/P3: the client said which version it edited, and it is not the current one; or the
  // title belongs to another note.
  bool is_conflict(rest::Context& ctx) override {
    if (input_.version && (!note_ || note_->version != *input_.version)) {
      ctx.set_detail("/version: the note has changed since that version");
      return true;
    }
    if (store_.title_taken(input_.title, id_)) {
      ctx.set_detail("/title: another note has this title");
      return true;
    }
    return false;
  }
  void from_body(rest::Context& ctx) override {
    Note n;
    auto w = store_.put(id_, input_.title, input_.body, input_.version, n);
    if (w == NoteStore::Write::title_taken) return ctx.halt(409, "/title: another note has this title");
    if (w == NoteStore::Write::version_mismatch) return ctx.halt(409, "/version: the note has changed since that version");
    if (w == NoteStore::Write::created) ctx.set_location(std::string("/notes/") + std::to_string(n.id));
    ctx.response().header("ETag", rest::format_etag(etag_for(n.id, n.version, 'n'), false));
    ctx.response().body(json::serialize(NoteStore::to_json(n)));
  }
  bool delete_resource(rest::Context&) override { return store_.erase(id_); }
  void to_body(rest::Context& ctx) override { ctx.response().body(json::serialize(NoteStore::to_json(*note_))); }

 private:
  std::uint64_t id_ = 0;
  bool valid_id_ = false;
  std::optional<Note> note_;
};

int main(int argc, char** argv) {
  http::ServerOptions server_options;
  server_options.server_name = "oasis-notes";
  bool trace = false;
  CLI::App cli{"notes: a small JSON notes service built on oasis::rest"};
  cli.add_option("--host", server_options.host, "address to bind")->capture_default_str();
  cli.add_option("--port", server_options.port, "port (0 picks one)")->capture_default_str();
  cli.add_option("--threads", server_options.threads, "threads (0: one per core)")->capture_default_str();
  cli.add_flag("--trace", trace, "answer X-Oasis-Trace: 1 requests with the decision trace");
  CLI11_PARSE(cli, argc, argv);

  rest::AppOptions app_options;
  app_options.trace = trace ? rest::TraceMode::on_request : rest::TraceMode::off;
  rest::App app(app_options);
  app.dependencies().application<NoteStore>([](rest::Dependencies&) { return std::make_unique<NoteStore>(); });
  app.resource<NotesCollection>("/notes");
  app.resource<NoteItem>("/notes/{id}");

  http::Server server(server_options, app.handler());
  server.handle_signals();
  server.listen();
  std::printf("listening on http://%s:%u\n", server_options.host.c_str(), server.port());
  std::fflush(stdout);
  server.run();
  app.stop();
  return 0;
}
