// oasis/rest/resource.hpp — what a REST resource is: a set of callbacks the webmachine v3
// decision flow (flow.hpp) asks its questions of, and the per-request Context they read and
// write.
//
// A resource answers questions ("does it exist?", "what is its ETag?"); it does not pick status
// codes. Every callback has webmachine's default, and a resource overrides only the ones it
// cares about; which ones it overrides is found at compile time (overridden_callbacks<T>()),
// so the flow can skip, once at route registration, every square whose answer is a default.
//
// This header knows nothing about sockets, routing tables or OpenAPI.
#pragma once

#include <oasis/http/message.hpp>
#include <oasis/rest/negotiate.hpp>

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

namespace oasis::rest {

class Context;
class Dependencies;
namespace detail {
template <class T>
struct FlowWalk;
}

// A unique address per type: the key dependencies are found by.
template <class T>
const void* type_key() noexcept {
  static constexpr char key = 0;
  return &key;
}

// Every callback of Resource, in the order the flow first asks it. One list, used for the
// Callback enum, for override detection and for the docs.
#define OASIS_REST_CALLBACKS(X) \
  X(service_available)          \
  X(known_methods)              \
  X(uri_too_long)               \
  X(allowed_methods)            \
  X(malformed_request)          \
  X(is_authorized)              \
  X(forbidden)                  \
  X(valid_content_headers)      \
  X(known_content_type)         \
  X(valid_entity_length)        \
  X(options)                    \
  X(content_types_provided)     \
  X(languages_provided)         \
  X(charsets_provided)          \
  X(encodings_provided)         \
  X(variances)                  \
  X(resource_exists)            \
  X(generate_etag)              \
  X(last_modified)              \
  X(expires)                    \
  X(moved_permanently)          \
  X(moved_temporarily)          \
  X(previously_existed)         \
  X(allow_missing_post)         \
  X(delete_resource)            \
  X(delete_completed)           \
  X(post_is_create)             \
  X(create_path)                \
  X(process_post)               \
  X(is_conflict)                \
  X(content_types_accepted)     \
  X(from_body)                  \
  X(multiple_choices)           \
  X(to_body)                    \
  X(ranges_provided)            \
  X(error_body)

enum class Callback : std::uint8_t {
#define OASIS_REST_ENUM(name) name,
  OASIS_REST_CALLBACKS(OASIS_REST_ENUM)
#undef OASIS_REST_ENUM
      count
};
static_assert(static_cast<int>(Callback::count) <= 64);

// A set of callbacks as a bitmask.
using Callbacks = std::uint64_t;
constexpr Callbacks bit(Callback c) noexcept { return Callbacks{1} << static_cast<int>(c); }
inline constexpr Callbacks all_callbacks = (Callbacks{1} << static_cast<int>(Callback::count)) - 1;
std::string_view to_string(Callback c) noexcept;

// A set of request methods (http::Method) as a bitmask: tested once per request with one AND.
class MethodSet {
 public:
  constexpr MethodSet() = default;
  constexpr MethodSet(std::initializer_list<http::Method> ms) {
    for (auto m : ms) bits_ |= mask(m);
  }
  constexpr bool has(http::Method m) const noexcept { return (bits_ & mask(m)) != 0; }
  constexpr MethodSet& add(http::Method m) noexcept {
    bits_ |= mask(m);
    return *this;
  }
  constexpr bool empty() const noexcept { return bits_ == 0; }
  constexpr bool operator==(const MethodSet&) const = default;
  // "GET, HEAD, PUT": the value of an Allow field.
  std::string to_allow() const;

 private:
  static constexpr std::uint16_t mask(http::Method m) noexcept {
    return static_cast<std::uint16_t>(1u << static_cast<unsigned>(m));
  }
  std::uint16_t bits_ = 0;
};

// Webmachine's defaults for B12 and B10.
inline constexpr MethodSet default_known_methods{http::Method::GET,    http::Method::HEAD,
                                                http::Method::POST,   http::Method::PUT,
                                                http::Method::DELETE, http::Method::TRACE,
                                                http::Method::CONNECT, http::Method::OPTIONS};
inline constexpr MethodSet default_allowed_methods{http::Method::GET, http::Method::HEAD};

// An entity-tag as a resource states it: the opaque part without quotes; empty means none.
struct ETag {
  std::string value;
  bool weak = false;
};

// An RFC 9457 problem, the body of every error the flow produces.
struct Problem {
  int status = 500;
  std::string_view title;   // the reason phrase unless a resource says otherwise
  std::string_view detail;  // what went wrong with this request, when known
  std::string_view type = "about:blank";
};

// Writes `p` as application/problem+json into the response.
void write_problem(http::Response& response, const Problem& p);

// A path parameter bound by the route template ("/notes/{id}" binds "id").
struct PathParam {
  std::string_view name;
  std::string_view value;  // still percent-encoded, a view into the request path
};

// Everything one request carries through the flow. Lives on the stack of the handler; nothing
// in it outlives the request.
class Context {
 public:
  static constexpr std::size_t max_params = 8;
  static constexpr std::size_t max_trace = 64;

  Context(const http::Request& request, http::Response& response) noexcept
      : request_(request), response_(response) {}
  ~Context() {
    if ((made_ & (made_owned | made_detail | made_etag)) != 0) destroy_lazy();
  }
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  const http::Request& request() const noexcept { return request_; }
  http::Response& response() noexcept { return response_; }
  http::Method method() const noexcept { return request_.method(); }

  // A path parameter by name; empty if the route has none of that name.
  std::string_view param(std::string_view name) const noexcept;
  std::span<const PathParam> params() const noexcept { return {params_, param_count_}; }

  // A dependency by type (and name): per-request values are created on first use and kept for
  // the rest of the request; application values come from the App. Throws std::out_of_range
  // when nothing provides it.
  template <class T>
  T& get(std::string_view name = {}) {
    return *static_cast<T*>(resolve(type_key<T>(), name));
  }

  // The outcome of negotiation (empty before the flow has decided, or when not negotiated).
  std::string_view media_type() const noexcept { return chosen(chose_media_type, media_type_); }
  std::string_view language() const noexcept { return chosen(chose_language, language_); }
  std::string_view charset() const noexcept { return chosen(chose_charset, charset_); }
  std::string_view encoding() const noexcept {
    return (chose_ & chose_encoding) != 0 ? encoding_ : std::string_view("identity");
  }
  // The accepted media type the request body matched (PUT/POST), for from_body.
  std::string_view content_type() const noexcept { return chosen(chose_content_type, content_type_); }

  // Ends the flow now with this status; `detail` goes into the problem body of an error.
  void halt(int status, std::string_view detail = {});
  // Explains the error the flow is about to produce (e.g. from malformed_request).
  void set_detail(std::string_view detail);
  std::string_view detail() const noexcept {
    return (made_ & made_detail) != 0 ? std::string_view(detail_) : std::string_view();
  }
  bool halted() const noexcept { return halt_status_ != 0; }
  int halt_status() const noexcept { return halt_status_; }

  // Sets Location: a relative path is resolved against the request path ("/notes" + "3").
  void set_location(std::string_view uri);
  // After process_post: answer 303 See Other to this URI (square N11).
  void redirect_to(std::string_view uri) {
    set_location(uri);
    redirect_ = true;
  }

  // The squares this request passed, when tracing.
  bool tracing() const noexcept { return tracing_; }
  void set_tracing(bool on) noexcept {
    tracing_ = on;
    trace_len_ = 0;
  }

  // --- for the flow and the App; not for resources -----------------------------------------
  void bind_param(std::string_view name, std::string_view value) noexcept;
  void set_dependencies(Dependencies* d) noexcept { deps_ = d; }

 private:
  template <class>
  friend struct detail::FlowWalk;
  friend std::string trace_string(const Context& ctx);

  void* resolve(const void* type, std::string_view name);
  // Destroys the per-request dependencies, and detail_ and etag_ if they were made.
  void destroy_lazy() noexcept;

  // What negotiation chose (bits of chose_): a field is written only when its bit is set, so
  // a Context starts with none of them initialised.
  enum : std::uint8_t {
    chose_media_type = 1,
    chose_language = 2,
    chose_charset = 4,
    chose_encoding = 8,
    chose_content_type = 16,
  };
  // The dimensions negotiated among more than one alternative (bits of vary_): Vary names them.
  // vary_negotiated: negotiation began (C3) for a resource with its own variances.
  enum : std::uint8_t { vary_accept = 1, vary_language = 2, vary_charset = 4, vary_encoding = 8, vary_negotiated = 16 };
  // What was computed or constructed on first use (bits of made_).
  // made_owned: owned_count_ is set (a per-request dependency was made).
  enum : std::uint8_t { made_etag = 1, made_last_modified = 2, made_detail = 4, made_owned = 8 };
  std::string_view chosen(std::uint8_t bit, const std::string_view& v) const noexcept {
    return (chose_ & bit) != 0 ? v : std::string_view();
  }

  // Set by every constructor; the rest is written on first use.
  const http::Request& request_;
  http::Response& response_;
  Dependencies* deps_ = nullptr;
  // The small fields every request starts from, side by side in eight bytes: one store.
  std::uint16_t halt_status_ = 0;
  std::uint8_t chose_ = 0, vary_ = 0, made_ = 0;
  bool redirect_ = false;
  bool tracing_ = false;
  std::uint8_t param_count_ = 0;
  // Written when first used: trace_len_ by set_tracing, owned_count_ with made_owned.
  std::uint8_t trace_len_;
  std::uint8_t owned_count_;

  // Union members are neither initialised nor destroyed with the Context: each is written
  // when its bit above is set (or, for params_, trace_ and owned_, up to its count) and read
  // only then.
  union { std::string_view media_type_; };
  union { std::string_view language_; };
  union { std::string_view charset_; };
  union { std::string_view encoding_; };
  union { std::string_view content_type_; };
  union { ETag etag_; };
  union { std::string detail_; };
  union { std::optional<Time> last_modified_; };
  union { PathParam params_[max_params]; };
  union { std::array<std::uint8_t, max_trace> trace_; };
  // Per-request dependency values, destroyed in reverse order of creation.
  struct Owned {
    std::size_t entry;
    void* value;
    void (*destroy)(void*);
  };
  union { std::array<Owned, 8> owned_; };
};

// The base of every resource. Override what the resource knows; the rest keeps webmachine's
// defaults. Do not overload a callback name: override detection compares member pointers.
class Resource {
 public:
  virtual ~Resource() = default;

  // B13: false answers 503.
  virtual bool service_available(Context&) { return true; }
  // B12: a method not in this set answers 501.
  virtual MethodSet known_methods(Context&) { return default_known_methods; }
  // B11: true answers 414.
  virtual bool uri_too_long(Context&) { return false; }
  // B10: a method not in this set answers 405 with Allow.
  virtual MethodSet allowed_methods(Context&) { return default_allowed_methods; }
  // B9: true answers 400 (say why with ctx.set_detail).
  virtual bool malformed_request(Context&) { return false; }
  // B8: false answers 401; add WWW-Authenticate to ctx.response() when returning false.
  virtual bool is_authorized(Context&) { return true; }
  // B7: true answers 403.
  virtual bool forbidden(Context&) { return false; }
  // B6: false answers 501 (a Content-* header the resource does not understand).
  virtual bool valid_content_headers(Context&) { return true; }
  // B5: false answers 415.
  virtual bool known_content_type(Context&) { return true; }
  // B4: false answers 413.
  virtual bool valid_entity_length(Context&) { return true; }
  // B3: headers for the 200 answer to OPTIONS (Allow is added by the flow).
  virtual void options(Context&) {}
  // C4: the media types this resource can produce, preferred first.
  virtual std::span<const std::string_view> content_types_provided(Context&) {
    static constexpr std::string_view html[] = {"text/html"};
    return html;
  }
  // D5: languages; empty means the resource does not negotiate language.
  virtual std::span<const std::string_view> languages_provided(Context&) { return {}; }
  // E6: charsets; empty means the resource does not negotiate charset.
  virtual std::span<const std::string_view> charsets_provided(Context&) { return {}; }
  // F7: content codings the resource applies itself (the engine's gzip is separate).
  virtual std::span<const std::string_view> encodings_provided(Context&) {
    static constexpr std::string_view identity[] = {"identity"};
    return identity;
  }
  // Extra field names for Vary, besides those negotiation adds.
  virtual std::span<const std::string_view> variances(Context&) { return {}; }
  // G7.
  virtual bool resource_exists(Context&) { return true; }
  // G11, K13: the current entity-tag; an empty value means the resource has none.
  virtual ETag generate_etag(Context&) { return {}; }
  // H12, L17.
  virtual std::optional<Time> last_modified(Context&) { return std::nullopt; }
  // O18: the Expires field of a GET answer.
  virtual std::optional<Time> expires(Context&) { return std::nullopt; }
  // I4, K5: a non-empty URI answers 301 with Location.
  virtual std::string moved_permanently(Context&) { return {}; }
  // L5: a non-empty URI answers 307 with Location.
  virtual std::string moved_temporarily(Context&) { return {}; }
  // K7: true sends a missing resource to the 301/307/410 squares instead of 404.
  virtual bool previously_existed(Context&) { return false; }
  // M7, N5: whether POST to a missing resource is allowed.
  virtual bool allow_missing_post(Context&) { return false; }
  // M20: false answers 500.
  virtual bool delete_resource(Context&) { return false; }
  // M20b: false answers 202 Accepted (deletion still under way).
  virtual bool delete_completed(Context&) { return true; }
  // N11: true makes POST a create: create_path names the new resource, from_body fills it,
  // and the answer is 201 with Location. False makes it a process_post.
  virtual bool post_is_create(Context&) { return false; }
  // N11: the new resource's path, relative to the request path or absolute ("/notes/7").
  virtual std::string create_path(Context&) { return {}; }
  // N11: false answers 500; ctx.redirect_to() answers 303.
  virtual bool process_post(Context&) { return false; }
  // O14, P3: true answers 409.
  virtual bool is_conflict(Context&) { return false; }
  // P3, O14, N11: the media types a body may have; a body of another type answers 415.
  virtual std::span<const std::string_view> content_types_accepted(Context&) { return {}; }
  // P3, O14, N11: take the request body (of type ctx.content_type()); use ctx.halt() to fail,
  // ctx.set_location() to make a PUT answer 201.
  virtual void from_body(Context&) {}
  // O18: true answers 300 Multiple Choices.
  virtual bool multiple_choices(Context&) { return false; }
  // O18: write the representation of type ctx.media_type() into ctx.response().
  virtual void to_body(Context&) {}
  // O18: whether GET answers Range requests on this representation (206/416, If-Range).
  virtual bool ranges_provided(Context&) { return false; }
  // Every 4xx/5xx without a body: writes p as application/problem+json unless overridden.
  virtual void error_body(Context& ctx, const Problem& p) { write_problem(ctx.response(), p); }
};

// Which callbacks T overrides, found at compile time: &T::name has type `R (Resource::*)(...)`
// only when neither T nor a base between T and Resource declares `name`.
template <class T>
constexpr Callbacks overridden_callbacks() noexcept {
  static_assert(std::is_base_of_v<Resource, T>, "a resource derives from oasis::rest::Resource");
  Callbacks c = 0;
#define OASIS_REST_DETECT(name) \
  if constexpr (!std::is_same_v<decltype(&T::name), decltype(&Resource::name)>) c |= bit(Callback::name);
  OASIS_REST_CALLBACKS(OASIS_REST_DETECT)
#undef OASIS_REST_DETECT
  return c;
}

}  // namespace oasis::rest
