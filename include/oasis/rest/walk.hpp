// oasis/rest/walk.hpp — the walk of one request through a compiled Plan (flow.hpp), as a
// template on the resource's type: instantiated for the type a route was registered with, the
// squares call the resource's callbacks directly, so the compiler inlines them and drops every
// test on a callback the type does not override; instantiated for Resource itself (run_flow),
// the same walk calls them through the vtable.
//
// Internal to rest: resources and applications use App or run_flow, not this header's names.
#pragma once

#include <oasis/rest/flow.hpp>
#include <oasis/rest/negotiate.hpp>
#include <oasis/rest/resource.hpp>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

namespace oasis::rest::detail {

// Whether a response already has a field, without scanning an empty header block.
[[gnu::always_inline]] inline bool has_field(const http::Response& res, std::string_view name) {
  return !res.header_block().empty() && res.has_header(name);
}

// The fields whose presence alone the plan's conditional squares ask about.
inline constexpr std::uint32_t conditional_fields =
    http::field_bit(http::KnownField::if_match) | http::field_bit(http::KnownField::if_none_match) |
    http::field_bit(http::KnownField::if_modified_since) | http::field_bit(http::KnownField::if_unmodified_since);

// A callback of the resource: called directly (and inlined) when the walk is instantiated for
// the resource's own type, through the vtable when it runs on a plain Resource&.
#define OASIS_REST_CB(name)                        \
  [&](auto&&... a) -> decltype(auto) {             \
    if constexpr (generic) return r.name(a...);    \
    else return r.T::name(a...);                   \
  }

// One request's walk through the plan, for a resource of type T (exactly: the App builds the
// object as a T), or for any Resource when T is Resource itself. A friend of Context: it
// records what the squares decide.
template <class T>
struct FlowWalk {
  using S = Square;
  using M = http::Method;
  using K = http::KnownField;
  static constexpr bool generic = std::is_same_v<T, Resource>;

  T& r;
  Context& c;
  const Plan& plan;
  const http::Headers& h;  // the request's, indexed by the parser
  // Written by the square that asks (C3, D4, E5, F6, H11, L14) before any square reads them.
  // Plain members, so that a walk inlined whole keeps them in registers (the compiler drops
  // the initial values no square reads).
  // Plain members (a union would keep the compiler from holding the walk in registers): their
  // initial values, which no square reads, are dropped when the walk is inlined.
  std::span<const std::string_view> types;
  std::span<const std::string_view> languages;
  std::span<const std::string_view> charsets;
  std::span<const std::string_view> encodings;
  Time unmodified_since;
  Time modified_since;
  // The request's method, and what this walk negotiated (also recorded in the Context, for the
  // resource and for a finish out of line): kept here, they stay in registers across the
  // resource's calls, so finish_as() inlined after the resolved walk folds its tests on them.
  const M meth;
  http::Response& resp;
  std::uint8_t vary = 0;
  std::string_view media;

  FlowWalk(T& resource, Context& ctx, const Plan& p) noexcept
      : r(resource), c(ctx), plan(p), h(ctx.request_.headers()), meth(ctx.method()), resp(ctx.response_) {}
  // A walk resuming what another recorded in the Context (a finish out of line).
  struct Resume {};
  FlowWalk(T& resource, Context& ctx, const Plan& p, Resume) noexcept
      : FlowWalk(resource, ctx, p) {
    vary = ctx.vary_;
    media = ctx.media_type();
  }

  // The walk of a request without conditional fields and without a trace, for method m: the
  // same table the plan holds for it (plan.unconditional, compiled from the same callbacks by
  // the same detail::resolve), resolved here at compile time, so each square's exits are
  // direct calls to the next square and the compiler folds the chain into straight code. Each
  // final status is finished where the walk reaches it: a 200 to GET or HEAD in place, with
  // every test finish_as() makes on the status folded; any other status, or a halt, out of line.
  template <M m, std::uint16_t at>
  [[gnu::always_inline]] int step() {
    constexpr Next n = Next::from_raw(at);
    if constexpr (!n.is_square()) {
      if constexpr (n.status_code() == 200 && (m == M::GET || m == M::HEAD))
        return finish_as(200, m);
      else
        return finish_out(r, c, plan, n.status_code());
    } else {
      constexpr Callbacks overrides = overridden_callbacks<T>();
      constexpr const SquareInfo& sq = detail::kSquares[static_cast<std::size_t>(n.square())];
      constexpr Next yes_exit = detail::resolve(sq.on_true, overrides, m, false);
      constexpr Next no_exit = detail::resolve(sq.on_false, overrides, m, false);
      const bool yes = decide_at<n.square()>();
      if (c.halt_status_ != 0) [[unlikely]]
        return finish_out(r, c, plan, c.halt_status_);
      return yes ? next<m, yes_exit.raw()>() : next<m, no_exit.raw()>();
    }
  }
  // A resource whose resolved walk has few ends (a plain GET resource: C3, C4, O18) gets it
  // as straight code in its runner; a larger one as one function per square it reaches, so
  // that the unrolled paths do not multiply the code.
  template <M m, std::uint16_t at>
  [[gnu::always_inline]] int next() {
    if constexpr (detail::resolved_ends(overridden_callbacks<T>(), m) <= inline_ends) return step<m, at>();
    else return step_outline<m, at>();
  }
  template <M m, std::uint16_t at>
  int step_outline() {
    return step<m, at>();
  }
  static constexpr std::size_t inline_ends = 6;

  // Inlined where the App runs a route of this type, so that a plain GET costs no call into
  // the flow: the walk resolved at compile time for GET and HEAD, the plan's tables otherwise.
  [[gnu::always_inline]] static int run(const Plan& plan, T& resource, Context& ctx) {
    if constexpr (!generic) {
      if (!ctx.tracing_ && (ctx.request_.headers().known_fields() & conditional_fields) == 0) {
        constexpr std::uint16_t start = detail::resolve(Next(S::b13), overridden_callbacks<T>(), M::GET, false).raw();
        constexpr std::uint16_t head_start =
            detail::resolve(Next(S::b13), overridden_callbacks<T>(), M::HEAD, false).raw();
        const M m = ctx.method();
        if (m == M::GET) return FlowWalk(resource, ctx, plan).template next<M::GET, start>();
        if (m == M::HEAD) return FlowWalk(resource, ctx, plan).template next<M::HEAD, head_start>();
      }
    }
    return run_table(plan, resource, ctx);
  }

  // Every other request: the plan's tables, then finish_as().
  [[gnu::noinline]] static int run_table(const Plan& plan, T& resource, Context& ctx) {
    FlowWalk f(resource, ctx, plan);
    return f.finish_as(f.walk_table(), ctx.method());
  }
  // Finishes a status the resolved walk reached (or a halt) out of the hot path.
  [[gnu::noinline]] static int finish_out(T& resource, Context& ctx, const Plan& plan, int status) {
    FlowWalk f(resource, ctx, plan, Resume{});
    return f.finish_as(status, ctx.method());
  }

  // The walk through the plan's tables, one square at a time.
  [[gnu::noinline]] int walk_table() {
    // A traced request walks the full table, so that its trace shows every question the
    // diagram asks of it, the conditional ones included.
    const MethodPlan& mp = plan.for_request(c.method(), c.tracing_ || (h.known_fields() & conditional_fields) != 0);
    Next n = mp.start;
    while (n.is_square()) {
      auto s = n.square();
      if (c.tracing_ && c.trace_len_ < Context::max_trace) c.trace_[c.trace_len_++] = static_cast<std::uint8_t>(s);
      bool yes = decide(s);
      if (c.halt_status_ != 0) return c.halt_status_;
      auto i = static_cast<std::size_t>(s);
      n = yes ? mp.on_true[i] : mp.on_false[i];
    }
    return n.status_code();
  }


  // Known when the walk is instantiated for the resource's type (the plan was compiled from
  // the same set).
  bool calls(Callback cbk) const noexcept {
    if constexpr (generic) return (plan.overrides & bit(cbk)) != 0;
    else return (overridden_callbacks<T>() & bit(cbk)) != 0;
  }
  bool calls_any(Callbacks cbks) const noexcept {
    if constexpr (generic) return (plan.overrides & cbks) != 0;
    else return (overridden_callbacks<T>() & cbks) != 0;
  }
  M method() const noexcept { return meth; }
  std::string_view header(K f) const noexcept { return h.get(f); }
  bool has_header(K f) const noexcept { return h.has(f); }

  const ETag& etag() {
    if (!(c.made_ & Context::made_etag)) {
      if (calls(Callback::generate_etag))
        new (&c.etag_) ETag(OASIS_REST_CB(generate_etag)(c));
      else
        new (&c.etag_) ETag();
      c.made_ |= Context::made_etag;
    }
    return c.etag_;
  }
  const std::optional<Time>& last_modified() {
    if (!(c.made_ & Context::made_last_modified)) {
      if (calls(Callback::last_modified))
        new (&c.last_modified_) std::optional<Time>(OASIS_REST_CB(last_modified)(c));
      else
        new (&c.last_modified_) std::optional<Time>();
      c.made_ |= Context::made_last_modified;
    }
    return c.last_modified_;
  }
  // Records what negotiation chose.
  void choose(std::uint8_t bit, std::string_view& field, std::string_view v) noexcept {
    field = v;
    c.chose_ |= bit;
    if (bit == Context::chose_media_type) media = v;
  }
  void add_variance(std::uint8_t bit) noexcept {
    vary |= bit;
    c.vary_ |= bit;
  }

  // The accept step of P3, O14 and N11: the request body must be of an accepted type.
  void accept_body() {
    auto accepted = OASIS_REST_CB(content_types_accepted)(c);
    std::string_view ct = header(K::content_type);
    if (ct.empty()) ct = "application/octet-stream";  // RFC 9110 §8.3: what a recipient may assume
    for (auto t : accepted) {
      if (media_type_matches(ct, t)) {
        choose(Context::chose_content_type, c.content_type_, t);
        OASIS_REST_CB(from_body)(c);
        return;
      }
    }
    c.halt(415, "the request body's media type is not one this resource accepts");
  }

  // "Service available?"
  bool b13() { return OASIS_REST_CB(service_available)(c); }
  // "Known method?"
  bool b12() { return OASIS_REST_CB(known_methods)(c).has(method()); }
  // "URI too long?"
  bool b11() { return OASIS_REST_CB(uri_too_long)(c); }
  // "Method allowed?" — a 405 must say what is allowed.
  bool b10() {
    auto allowed = OASIS_REST_CB(allowed_methods)(c);
    if (allowed.has(method())) return true;
    c.response_.header("Allow", allowed.to_allow());
    return false;
  }
  // "Malformed?"
  bool b9() { return OASIS_REST_CB(malformed_request)(c); }
  // "Authorized?"
  bool b8() { return OASIS_REST_CB(is_authorized)(c); }
  // "Forbidden?"
  bool b7() { return OASIS_REST_CB(forbidden)(c); }
  // "Okay Content-* Headers?"
  bool b6() { return OASIS_REST_CB(valid_content_headers)(c); }
  // "Known Content-Type?"
  bool b5() { return OASIS_REST_CB(known_content_type)(c); }
  // "Req Entity Too Large?"
  bool b4() { return !OASIS_REST_CB(valid_entity_length)(c); }
  // "OPTIONS?" — the answer carries Allow and whatever options() adds.
  bool b3() {
    if (method() != M::OPTIONS) return false;
    c.response_.header("Allow", OASIS_REST_CB(allowed_methods)(c).to_allow());
    OASIS_REST_CB(options)(c);
    return true;
  }
  // "Accept exists?" — without one, the first type provided is the answer.
  [[gnu::always_inline]] bool c3() {
    types = OASIS_REST_CB(content_types_provided)(c);
    if (types.size() > 1) add_variance(Context::vary_accept);
    // Vary names the resource's own variances only once negotiation has begun.
    if (calls(Callback::variances)) add_variance(Context::vary_negotiated);
    if (has_header(K::accept)) return true;
    if (!types.empty()) choose(Context::chose_media_type, c.media_type_, types[0]);
    return false;
  }
  // "Acceptable media type available?"
  [[gnu::always_inline]] bool c4() {
    // What most clients send: everything equally welcome, so the resource's first type wins.
    auto accept = header(K::accept);
    if (accept.size() == 3 && std::memcmp(accept.data(), "*/*", 3) == 0 && !types.empty()) {
      choose(Context::chose_media_type, c.media_type_, types[0]);
      return true;
    }
    auto i = choose_media_type(types, accept);
    if (i == no_choice) return false;
    choose(Context::chose_media_type, c.media_type_, types[i]);
    return true;
  }
  // "Accept-Language exists?"
  bool d4() {
    languages = OASIS_REST_CB(languages_provided)(c);
    if (languages.size() > 1) add_variance(Context::vary_language);
    if (has_header(K::accept_language)) return true;
    if (!languages.empty()) choose(Context::chose_language, c.language_, languages[0]);
    return false;
  }
  // "Acceptable language available?" — a resource without languages accepts any.
  bool d5() {
    if (languages.empty()) return true;
    auto i = choose_language(languages, header(K::accept_language));
    if (i == no_choice) return false;
    choose(Context::chose_language, c.language_, languages[i]);
    return true;
  }
  // "Accept-Charset exists?"
  bool e5() {
    charsets = OASIS_REST_CB(charsets_provided)(c);
    if (charsets.size() > 1) add_variance(Context::vary_charset);
    if (has_header(K::accept_charset)) return true;
    if (!charsets.empty()) choose(Context::chose_charset, c.charset_, charsets[0]);
    return false;
  }
  // "Acceptable charset available?" — a resource without charsets accepts any.
  bool e6() {
    if (charsets.empty()) return true;
    auto i = choose_charset(charsets, header(K::accept_charset));
    if (i == no_choice) return false;
    choose(Context::chose_charset, c.charset_, charsets[i]);
    return true;
  }
  // "Accept-Encoding exists?"
  bool f6() {
    encodings = OASIS_REST_CB(encodings_provided)(c);
    if (encodings.size() > 1) add_variance(Context::vary_encoding);
    if (has_header(K::accept_encoding)) return true;
    if (!encodings.empty()) choose(Context::chose_encoding, c.encoding_, encodings[0]);
    return false;
  }
  // "Acceptable encoding available?"
  bool f7() {
    auto i = choose_encoding(encodings, header(K::accept_encoding));
    if (i == no_choice) return false;
    choose(Context::chose_encoding, c.encoding_, encodings[i]);
    return true;
  }
  // "Resource exists?"
  bool g7() { return OASIS_REST_CB(resource_exists)(c); }
  // "If-Match exists?"
  bool g8() { return has_header(K::if_match); }
  // "If-Match: * exists?"
  bool g9() { return is_any_etag(header(K::if_match)); }
  // "ETag in If-Match?" — strong comparison (RFC 9110 §13.1.1).
  bool g11() {
    const auto& e = etag();
    return !e.value.empty() && etag_list_matches(header(K::if_match), {e.value, e.weak}, true);
  }
  // "If-Match: * exists?" (the resource does not exist)
  bool h7() { return has_header(K::if_match) && is_any_etag(header(K::if_match)); }
  // "If-Unmodified-Since exists?" — ignored when If-Match was sent (RFC 9110 §13.1.4).
  bool h10() { return has_header(K::if_unmodified_since) && !has_header(K::if_match); }
  // "I-UM-S is valid date?"
  bool h11() {
    auto t = parse_http_date(header(K::if_unmodified_since));
    if (!t) return false;
    unmodified_since = *t;
    return true;
  }
  // "Last-Modified > I-UM-S?"
  bool h12() {
    const auto& lm = last_modified();
    return lm && *lm > unmodified_since;
  }
  // "Moved permanently? (apply to PUT)"
  bool i4() { return moved(OASIS_REST_CB(moved_permanently)(c)); }
  // "PUT?"
  bool i7() { return method() == M::PUT; }
  // "If-None-Match exists?"
  bool i12() { return has_header(K::if_none_match); }
  // "If-None-Match: * exists?"
  bool i13() { return is_any_etag(header(K::if_none_match)); }
  // "GET or HEAD?"
  bool j18() { return method() == M::GET || method() == M::HEAD; }
  // "Moved permanently?"
  bool k5() { return moved(OASIS_REST_CB(moved_permanently)(c)); }
  // "Previously existed?"
  bool k7() { return OASIS_REST_CB(previously_existed)(c); }
  // "ETag in If-None-Match?" — weak comparison (RFC 9110 §13.1.2).
  bool k13() {
    const auto& e = etag();
    return !e.value.empty() && etag_list_matches(header(K::if_none_match), {e.value, e.weak}, false);
  }
  // "Moved temporarily?"
  bool l5() { return moved(OASIS_REST_CB(moved_temporarily)(c)); }
  // "POST?"
  bool l7() { return method() == M::POST; }
  // "If-Modified-Since exists?" — only for GET and HEAD, and ignored when If-None-Match was
  // sent (RFC 9110 §13.1.3).
  bool l13() {
    return has_header(K::if_modified_since) && !has_header(K::if_none_match) &&
           (method() == M::GET || method() == M::HEAD);
  }
  // "I-M-S is valid date?"
  bool l14() {
    auto t = parse_http_date(header(K::if_modified_since));
    if (!t) return false;
    modified_since = *t;
    return true;
  }
  // "I-M-S > Now?"
  bool l15() {
    return modified_since > std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  }
  // "Last-Modified > I-M-S?" — without a Last-Modified there is nothing to compare: not 304.
  bool l17() {
    const auto& lm = last_modified();
    return !lm || *lm > modified_since;
  }
  // "POST?"
  bool m5() { return method() == M::POST; }
  // "Server allows POST to missing resource?"
  bool m7() { return OASIS_REST_CB(allow_missing_post)(c); }
  // "DELETE?"
  bool m16() { return method() == M::DELETE; }
  // "Delete enacted?"
  bool m20() { return OASIS_REST_CB(delete_resource)(c); }
  // "Delete completed?"
  bool m20b() { return OASIS_REST_CB(delete_completed)(c); }
  // "Server allows POST to missing resource?"
  bool n5() { return OASIS_REST_CB(allow_missing_post)(c); }
  // "Redirect?" — POST is a create (create_path, then the body) or a process_post.
  bool n11() {
    if (calls(Callback::post_is_create) && OASIS_REST_CB(post_is_create)(c)) {
      auto path = OASIS_REST_CB(create_path)(c);
      if (path.empty()) {
        c.halt(500, "post_is_create without a create_path");
        return false;
      }
      c.set_location(path);
      accept_body();
    } else if (!OASIS_REST_CB(process_post)(c)) {
      if (!c.halted()) c.halt(500, "process_post failed");
      return false;
    }
    return c.redirect_;
  }
  // "POST?"
  bool n16() { return method() == M::POST; }
  // "Conflict?" — if not, the body is taken.
  bool o14() { return conflict_or_accept(); }
  // "PUT?"
  bool o16() { return method() == M::PUT; }
  // "Multiple representations?" — for GET and HEAD, this is where the body is made.
  [[gnu::always_inline]] bool o18() {
    if (method() == M::GET || method() == M::HEAD) {
      constexpr Callbacks validators = bit(Callback::generate_etag) | bit(Callback::last_modified) | bit(Callback::expires);
      if (calls_any(validators)) {
        const auto& e = etag();
        if (!e.value.empty()) c.response_.header("ETag", format_etag(e.value, e.weak));
        if (const auto& lm = last_modified()) c.response_.header("Last-Modified", format_http_date(*lm));
        if (calls(Callback::expires))
          if (auto ex = OASIS_REST_CB(expires)(c)) c.response_.header("Expires", format_http_date(*ex));
      }
      if constexpr (generic) r.to_body(c);
      else call_to_body(r, c);
      if (c.halted()) return false;
    }
    return calls(Callback::multiple_choices) && OASIS_REST_CB(multiple_choices)(c);
  }
  // The resource's own representation code, out of line: whatever a resource inlines into its
  // to_body (a serializer, say) stays out of the runner, which is the flow's hot path.
  [[gnu::noinline]] static void call_to_body(T& resource, Context& ctx) { resource.T::to_body(ctx); }
  // "Response includes an entity?"
  bool o20() { return !c.response_.body().empty(); }
  // "Conflict?" (PUT to a missing resource) — if not, the body is taken.
  bool p3() { return conflict_or_accept(); }
  // "New resource?"
  bool p11() { return has_field(c.response_, "Location"); }

  bool conflict_or_accept() {
    if (calls(Callback::is_conflict) && OASIS_REST_CB(is_conflict)(c)) return true;
    accept_body();
    return false;
  }
  bool moved(const std::string& uri) {
    if (uri.empty()) return false;
    c.set_location(uri);
    return true;
  }

  bool decide(Square s) {
    switch (s) {
      case S::b13: return b13();
      case S::b12: return b12();
      case S::b11: return b11();
      case S::b10: return b10();
      case S::b9: return b9();
      case S::b8: return b8();
      case S::b7: return b7();
      case S::b6: return b6();
      case S::b5: return b5();
      case S::b4: return b4();
      case S::b3: return b3();
      case S::c3: return c3();
      case S::c4: return c4();
      case S::d4: return d4();
      case S::d5: return d5();
      case S::e5: return e5();
      case S::e6: return e6();
      case S::f6: return f6();
      case S::f7: return f7();
      case S::g7: return g7();
      case S::g8: return g8();
      case S::g9: return g9();
      case S::g11: return g11();
      case S::h7: return h7();
      case S::h10: return h10();
      case S::h11: return h11();
      case S::h12: return h12();
      case S::i4: return i4();
      case S::i7: return i7();
      case S::i12: return i12();
      case S::i13: return i13();
      case S::j18: return j18();
      case S::k5: return k5();
      case S::k7: return k7();
      case S::k13: return k13();
      case S::l5: return l5();
      case S::l7: return l7();
      case S::l13: return l13();
      case S::l14: return l14();
      case S::l15: return l15();
      case S::l17: return l17();
      case S::m5: return m5();
      case S::m7: return m7();
      case S::m16: return m16();
      case S::m20: return m20();
      case S::m20b: return m20b();
      case S::n5: return n5();
      case S::n11: return n11();
      case S::n16: return n16();
      case S::o14: return o14();
      case S::o16: return o16();
      case S::o18: return o18();
      case S::o20: return o20();
      case S::p3: return p3();
      case S::p11: return p11();
      case S::count: break;
    }
    return false;
  }

  // The same, for a square known at compile time.
  template <Square s>
  [[gnu::always_inline]] bool decide_at() {
    if constexpr (s == S::b13) return b13();
    else if constexpr (s == S::b12) return b12();
    else if constexpr (s == S::b11) return b11();
    else if constexpr (s == S::b10) return b10();
    else if constexpr (s == S::b9) return b9();
    else if constexpr (s == S::b8) return b8();
    else if constexpr (s == S::b7) return b7();
    else if constexpr (s == S::b6) return b6();
    else if constexpr (s == S::b5) return b5();
    else if constexpr (s == S::b4) return b4();
    else if constexpr (s == S::b3) return b3();
    else if constexpr (s == S::c3) return c3();
    else if constexpr (s == S::c4) return c4();
    else if constexpr (s == S::d4) return d4();
    else if constexpr (s == S::d5) return d5();
    else if constexpr (s == S::e5) return e5();
    else if constexpr (s == S::e6) return e6();
    else if constexpr (s == S::f6) return f6();
    else if constexpr (s == S::f7) return f7();
    else if constexpr (s == S::g7) return g7();
    else if constexpr (s == S::g8) return g8();
    else if constexpr (s == S::g9) return g9();
    else if constexpr (s == S::g11) return g11();
    else if constexpr (s == S::h7) return h7();
    else if constexpr (s == S::h10) return h10();
    else if constexpr (s == S::h11) return h11();
    else if constexpr (s == S::h12) return h12();
    else if constexpr (s == S::i4) return i4();
    else if constexpr (s == S::i7) return i7();
    else if constexpr (s == S::i12) return i12();
    else if constexpr (s == S::i13) return i13();
    else if constexpr (s == S::j18) return j18();
    else if constexpr (s == S::k5) return k5();
    else if constexpr (s == S::k7) return k7();
    else if constexpr (s == S::k13) return k13();
    else if constexpr (s == S::l5) return l5();
    else if constexpr (s == S::l7) return l7();
    else if constexpr (s == S::l13) return l13();
    else if constexpr (s == S::l14) return l14();
    else if constexpr (s == S::l15) return l15();
    else if constexpr (s == S::l17) return l17();
    else if constexpr (s == S::m5) return m5();
    else if constexpr (s == S::m7) return m7();
    else if constexpr (s == S::m16) return m16();
    else if constexpr (s == S::m20) return m20();
    else if constexpr (s == S::m20b) return m20b();
    else if constexpr (s == S::n5) return n5();
    else if constexpr (s == S::n11) return n11();
    else if constexpr (s == S::n16) return n16();
    else if constexpr (s == S::o14) return o14();
    else if constexpr (s == S::o16) return o16();
    else if constexpr (s == S::o18) return o18();
    else if constexpr (s == S::o20) return o20();
    else if constexpr (s == S::p3) return p3();
    else if constexpr (s == S::p11) return p11();
    else return false;
  }

  // What every answer gets once the walk has reached a status (m: the request's method);
  // returns the final status (a range may make a 200 a 206 or 416). Inlined with a constant
  // status and method where the resolved walk ends, so its tests fold.
  [[gnu::always_inline]] int finish_as(int status, M m) {
    auto& res = resp;
    res.status(status);
    if (status == 304) {
      // A 304 repeats the validators a 200 would have carried (RFC 9110 §15.4.5).
      res.body(std::string_view{});
      const auto& e = etag();
      if (!e.value.empty() && !has_field(res, "ETag")) res.header("ETag", format_etag(e.value, e.weak));
      if (calls(Callback::expires))
        if (auto ex = OASIS_REST_CB(expires)(c)) res.header("Expires", format_http_date(*ex));
    }
    // A square a resource does not override leaves its choice at the Context's default (no
    // language, no charset, identity), so those tests fold away for its type.
    // Only a dimension negotiated among alternatives sets a bit of vary_ (a square the type
    // does not override sets none, so for most types this is one test).
    if (vary != 0) add_vary(r, c, plan);
    if (status == 200 && m == M::GET && calls(Callback::ranges_provided) && OASIS_REST_CB(ranges_provided)(c))
      status = apply_range();
    if (status >= 400) {
      if (res.body().empty()) {
        Problem p{status, http::reason_phrase(status), c.detail()};
        OASIS_REST_CB(error_body)(c, p);
      }
      return status;
    }
    if (status == 204 || status == 304) {
      res.body(std::string_view{});
      return status;
    }
    if (!media.empty() && !res.body().empty() && !has_field(res, "Content-Type")) {
      if (!calls(Callback::charsets_provided) || c.charset().empty()) {
        res.header("Content-Type", media);
      } else {
        std::string ct;
        ct.reserve(media.size() + c.charset_.size() + 10);
        ct.append(media).append("; charset=").append(c.charset_);
        res.header("Content-Type", ct);
      }
    }
    if (calls(Callback::languages_provided) && !c.language().empty() && !res.body().empty())
      res.header("Content-Language", c.language_);
    if (calls(Callback::encodings_provided) && (c.chose_ & Context::chose_encoding) != 0 && !c.encoding_.empty() &&
        c.encoding_ != "identity") {
      res.header("Content-Encoding", c.encoding_);
      res.compress(false);  // the resource encoded the body itself
    }
    return status;
  }

  // Only called when something was chosen among alternatives. Static, so that the walk that
  // calls it is not handed out of line.
  [[gnu::noinline]] static void add_vary(T& resource, Context& ctx, const Plan& plan) {
    FlowWalk(resource, ctx, plan).add_vary();
  }
  void add_vary() {
    std::string vary;
    auto add = [&](std::string_view name) {
      if (!vary.empty()) vary += ", ";
      vary += name;
    };
    if (c.vary_ & Context::vary_accept) add("Accept");
    if (c.vary_ & Context::vary_language) add("Accept-Language");
    if (c.vary_ & Context::vary_charset) add("Accept-Charset");
    if (c.vary_ & Context::vary_encoding) add("Accept-Encoding");
    if (calls(Callback::variances) && (c.vary_ & Context::vary_negotiated))
      for (auto v : OASIS_REST_CB(variances)(c)) add(v);
    if (!vary.empty()) c.response_.header("Vary", vary);
  }

  // Range on a 200 GET: 206 with the part, 416 when it cannot be met, 200 otherwise.
  int apply_range() {
    auto& res = c.response_;
    res.header("Accept-Ranges", "bytes");
    auto range = header(K::range);
    if (range.empty() || !if_range_holds()) return 200;
    ByteRange br;
    auto length = res.body().size();
    auto answer = parse_byte_range(range, length, br);
    if (answer == RangeAnswer::ignore) return 200;
    if (answer == RangeAnswer::unsatisfiable) {
      res.header("Content-Range", "bytes */" + std::to_string(length));
      res.body(std::string_view{});
      res.status(416);
      return 416;
    }
    res.header("Content-Range", "bytes " + std::to_string(br.first) + "-" + std::to_string(br.last) +
                                    "/" + std::to_string(length));
    auto& body = res.body_buffer();
    body.erase(br.last + 1);
    body.erase(0, br.first);
    res.status(206);
    return 206;
  }

  // If-Range: the range applies only if the representation is unchanged, judged by a strong
  // entity-tag or an exact Last-Modified date (RFC 9110 §13.1.5).
  bool if_range_holds() {
    auto v = header(K::if_range);
    if (v.empty()) return true;
    if (v.front() == '"' || v.starts_with("W/")) {
      const auto& e = etag();
      return !e.value.empty() && !e.weak && etag_list_matches(v, {e.value, false}, true);
    }
    auto t = parse_http_date(v);
    const auto& lm = last_modified();
    return t && lm && *t == *lm;
  }
};

#undef OASIS_REST_CB

}  // namespace oasis::rest::detail

namespace oasis::rest {

// run_flow for a resource object whose type is exactly T (not a type derived from T).
template <class T>
[[gnu::always_inline]] inline int run_flow_for(const Plan& plan, T& resource, Context& ctx) {
  return detail::FlowWalk<T>::run(plan, resource, ctx);
}

}  // namespace oasis::rest
