// The webmachine v3 decision flow. Hold the published diagram in one hand and this file in the
// other: the table lists every square with its question and both exits, and Flow has one
// member per square, named after it, answering that square's question.
#include <oasis/rest/flow.hpp>

#include <chrono>
#include <initializer_list>
#include <optional>

namespace oasis::rest {

namespace {

using M = http::Method;
using S = Square;
constexpr Next st(int code) { return Next::status(code); }

// Squares whose answer a default callback fixes in advance are folded away by compile_plan.
constexpr Callbacks cb(Callback c) { return bit(c); }

// The diagram. Columns: square, question, exit when yes, exit when no, callbacks whose
// defaults make the square foldable, and the answer those defaults give.
constexpr SquareInfo kSquares[] = {
    {S::b13, "b13", "Service available?", S::b12, st(503), cb(Callback::service_available), true},
    {S::b12, "b12", "Known method?", S::b11, st(501)},
    {S::b11, "b11", "URI too long?", st(414), S::b10, cb(Callback::uri_too_long), false},
    {S::b10, "b10", "Method allowed?", S::b9, st(405)},
    {S::b9, "b9", "Malformed?", st(400), S::b8, cb(Callback::malformed_request), false},
    {S::b8, "b8", "Authorized?", S::b7, st(401), cb(Callback::is_authorized), true},
    {S::b7, "b7", "Forbidden?", st(403), S::b6, cb(Callback::forbidden), false},
    {S::b6, "b6", "Okay Content-* Headers?", S::b5, st(501), cb(Callback::valid_content_headers), true},
    {S::b5, "b5", "Known Content-Type?", S::b4, st(415), cb(Callback::known_content_type), true},
    {S::b4, "b4", "Req Entity Too Large?", st(413), S::b3, cb(Callback::valid_entity_length), false},
    {S::b3, "b3", "OPTIONS?", st(200), S::c3},
    {S::c3, "c3", "Accept exists?", S::c4, S::d4},
    {S::c4, "c4", "Acceptable media type available?", S::d4, st(406)},
    {S::d4, "d4", "Accept-Language exists?", S::d5, S::e5, cb(Callback::languages_provided), false},
    {S::d5, "d5", "Acceptable language available?", S::e5, st(406), cb(Callback::languages_provided), true},
    {S::e5, "e5", "Accept-Charset exists?", S::e6, S::f6, cb(Callback::charsets_provided), false},
    {S::e6, "e6", "Acceptable charset available?", S::f6, st(406), cb(Callback::charsets_provided), true},
    {S::f6, "f6", "Accept-Encoding exists?", S::f7, S::g7, cb(Callback::encodings_provided), false},
    {S::f7, "f7", "Acceptable encoding available?", S::g7, st(406), cb(Callback::encodings_provided), true},
    {S::g7, "g7", "Resource exists?", S::g8, S::h7, cb(Callback::resource_exists), true},
    {S::g8, "g8", "If-Match exists?", S::g9, S::h10},
    {S::g9, "g9", "If-Match: * exists?", S::h10, S::g11},
    {S::g11, "g11", "ETag in If-Match?", S::h10, st(412)},
    {S::h7, "h7", "If-Match: * exists?", st(412), S::i7},
    {S::h10, "h10", "If-Unmodified-Since exists?", S::h11, S::i12},
    {S::h11, "h11", "I-UM-S is valid date?", S::h12, S::i12},
    {S::h12, "h12", "Last-Modified > I-UM-S?", st(412), S::i12},
    {S::i4, "i4", "Moved permanently? (apply to PUT)", st(301), S::p3, cb(Callback::moved_permanently), false},
    {S::i7, "i7", "PUT?", S::i4, S::k7},
    {S::i12, "i12", "If-None-Match exists?", S::i13, S::l13},
    {S::i13, "i13", "If-None-Match: * exists?", S::j18, S::k13},
    {S::j18, "j18", "GET or HEAD?", st(304), st(412)},
    {S::k5, "k5", "Moved permanently?", st(301), S::l5, cb(Callback::moved_permanently), false},
    {S::k7, "k7", "Previously existed?", S::k5, S::l7, cb(Callback::previously_existed), false},
    {S::k13, "k13", "ETag in If-None-Match?", S::j18, S::l13},
    {S::l5, "l5", "Moved temporarily?", st(307), S::m5, cb(Callback::moved_temporarily), false},
    {S::l7, "l7", "POST?", S::m7, st(404)},
    {S::l13, "l13", "If-Modified-Since exists?", S::l14, S::m16},
    {S::l14, "l14", "I-M-S is valid date?", S::l15, S::m16},
    {S::l15, "l15", "I-M-S > Now?", S::m16, S::l17},
    {S::l17, "l17", "Last-Modified > I-M-S?", S::m16, st(304)},
    {S::m5, "m5", "POST?", S::n5, st(410)},
    {S::m7, "m7", "Server allows POST to missing resource?", S::n11, st(404), cb(Callback::allow_missing_post), false},
    {S::m16, "m16", "DELETE?", S::m20, S::n16},
    {S::m20, "m20", "Delete enacted?", S::m20b, st(500), cb(Callback::delete_resource), false},
    {S::m20b, "m20b", "Delete completed?", S::o20, st(202), cb(Callback::delete_completed), true},
    {S::n5, "n5", "Server allows POST to missing resource?", S::n11, st(410), cb(Callback::allow_missing_post), false},
    {S::n11, "n11", "Redirect?", st(303), S::p11},
    {S::n16, "n16", "POST?", S::n11, S::o16},
    {S::o14, "o14", "Conflict?", st(409), S::p11},
    {S::o16, "o16", "PUT?", S::o14, S::o18},
    {S::o18, "o18", "Multiple representations?", st(300), st(200)},
    {S::o20, "o20", "Response includes an entity?", S::o18, st(204)},
    {S::p3, "p3", "Conflict?", st(409), S::p11},
    {S::p11, "p11", "New resource?", st(201), S::o20},
};
static_assert(std::size(kSquares) == square_count);

constexpr bool table_in_order() {
  for (std::size_t i = 0; i < square_count; ++i)
    if (static_cast<std::size_t>(kSquares[i].id) != i) return false;
  return true;
}
static_assert(table_in_order(), "kSquares must list the squares in enum order");

}  // namespace

std::span<const SquareInfo> squares() noexcept { return kSquares; }
const SquareInfo& info(Square s) noexcept { return kSquares[static_cast<std::size_t>(s)]; }
std::string_view to_string(Square s) noexcept { return info(s).name; }

// --- the plan --------------------------------------------------------------------------------

namespace {

// The answer a square is known to give for this resource and method, if any. `conditional`
// false: the request carries none of the four conditional header fields, so the squares that
// only ask whether one was sent answer no.
std::optional<bool> known_answer(const SquareInfo& sq, Callbacks overrides, M m, bool conditional) noexcept {
  if (sq.folds_unless != 0 && (overrides & sq.folds_unless) == 0) return sq.folded_answer;
  switch (sq.id) {
    case S::g8: case S::h7: case S::h10: case S::i12: case S::l13:
      if (!conditional) return false;
      return std::nullopt;
    // B12 with the default known_methods: the answer depends on the method alone.
    case S::b12:
      if (!(overrides & bit(Callback::known_methods))) return default_known_methods.has(m);
      return std::nullopt;
    // B10 with the default allowed_methods: fold only "yes"; "no" must still write Allow.
    case S::b10:
      if (!(overrides & bit(Callback::allowed_methods)) && default_allowed_methods.has(m)) return true;
      return std::nullopt;
    // B3's "yes" writes Allow and calls options(): fold only "no".
    case S::b3: return m == M::OPTIONS ? std::nullopt : std::optional<bool>(false);
    case S::i7: case S::o16: return m == M::PUT;
    case S::l7: case S::m5: case S::n16: return m == M::POST;
    case S::m16: return m == M::DELETE;
    case S::j18: return m == M::GET || m == M::HEAD;
    default: return std::nullopt;
  }
}

Next resolve(Next n, Callbacks overrides, M m, bool conditional) noexcept {
  while (n.is_square()) {
    const auto& sq = info(n.square());
    auto answer = known_answer(sq, overrides, m, conditional);
    if (!answer) break;
    n = *answer ? sq.on_true : sq.on_false;
  }
  return n;
}

MethodPlan compile_method(Callbacks overrides, M m, bool conditional) {
  MethodPlan p;
  for (const auto& sq : kSquares) {
    auto i = static_cast<std::size_t>(sq.id);
    p.on_true[i] = resolve(sq.on_true, overrides, m, conditional);
    p.on_false[i] = resolve(sq.on_false, overrides, m, conditional);
  }
  p.start = resolve(Next(S::b13), overrides, m, conditional);
  std::array<bool, square_count> seen{};
  std::vector<Square> stack;
  if (p.start.is_square()) stack.push_back(p.start.square());
  while (!stack.empty()) {
    auto s = stack.back();
    stack.pop_back();
    auto i = static_cast<std::size_t>(s);
    if (seen[i]) continue;
    seen[i] = true;
    for (Next n : {p.on_true[i], p.on_false[i]})
      if (n.is_square() && !seen[static_cast<std::size_t>(n.square())]) stack.push_back(n.square());
  }
  for (std::size_t i = 0; i < square_count; ++i)
    if (seen[i]) p.evaluated.push_back(static_cast<Square>(i));
  return p;
}

}  // namespace

Plan compile_plan(Callbacks overrides) {
  Plan p;
  p.overrides = overrides;
  for (std::size_t m = 0; m < method_count; ++m) {
    p.methods[m] = compile_method(overrides, static_cast<M>(m), true);
    p.unconditional[m] = compile_method(overrides, static_cast<M>(m), false);
  }
  return p;
}

bool Plan::evaluates(Square s, http::Method m) const noexcept {
  for (auto e : for_method(m).evaluated)
    if (e == s) return true;
  return false;
}

bool Plan::evaluates(Square s) const noexcept {
  for (std::size_t m = 0; m < method_count; ++m)
    if (evaluates(s, static_cast<M>(m))) return true;
  return false;
}

std::string Plan::describe() const {
  auto exit = [](Next n) {
    return n.is_square() ? std::string(to_string(n.square())) : std::to_string(n.status_code());
  };
  std::string out;
  for (std::size_t m = 0; m < method_count; ++m) {
    const auto& mp = methods[m];
    out += "  ";
    out += m == method_count - 1 ? std::string_view("other") : http::to_string(static_cast<M>(m));
    out += ": start " + exit(mp.start) + "\n";
    for (auto s : mp.evaluated) {
      auto i = static_cast<std::size_t>(s);
      out += "    ";
      out += to_string(s);
      out += " ";
      out += info(s).question;
      out += " yes:" + exit(mp.on_true[i]) + " no:" + exit(mp.on_false[i]) + "\n";
    }
  }
  return out;
}

// --- the walk --------------------------------------------------------------------------------

// The request fields the squares read, found in one pass over the request's headers instead
// of one scan per question.
enum class F : std::uint8_t {
  accept, accept_language, accept_charset, accept_encoding, if_match, if_none_match,
  if_modified_since, if_unmodified_since, if_range, range, content_type, count
};

struct RequestFields {
  // Only the entries whose bit is set in `present` are written (and read): most requests carry
  // none of these fields, and clearing the array would cost more than finding them.
  struct View {
    const char* data;
    std::size_t size;
  };
  std::array<View, static_cast<std::size_t>(F::count)> value;
  std::uint16_t present = 0;

  void set(F f, std::string_view v) noexcept {
    auto bit = static_cast<std::uint16_t>(1u << static_cast<unsigned>(f));
    if (present & bit) return;  // the first field of a name, as Headers::get does
    present |= bit;
    value[static_cast<std::size_t>(f)] = {v.data(), v.size()};
  }
  std::string_view get(F f) const noexcept {
    if (!(present & (1u << static_cast<unsigned>(f)))) return {};
    const auto& v = value[static_cast<std::size_t>(f)];
    return {v.data, v.size};
  }
  // Field names compare case-insensitively; `lower` is the name in lower case. Inlined here
  // because this runs for every header of every request.
  // Setting bit 0x20 lowers a letter and leaves '-' and digits alone; of the characters a field
  // name may hold (RFC 9110 tchar, which the parser enforces) only 'A' and 'a' become 'a', and
  // so on, so for the names below (letters and '-') this is an exact case-insensitive match.
  static bool is(std::string_view name, std::string_view lower) noexcept {
    for (std::size_t i = 0; i < name.size(); ++i)
      if ((name[i] | 0x20) != lower[i]) return false;
    return true;
  }
  explicit RequestFields(const http::Headers& headers) noexcept {
    for (const auto& h : headers) {
      auto n = h.name;
      switch (n.size()) {
        case 5: if (is(n, "range")) set(F::range, h.value); break;
        case 6: if (is(n, "accept")) set(F::accept, h.value); break;
        case 8:
          if (is(n, "if-match")) set(F::if_match, h.value);
          else if (is(n, "if-range")) set(F::if_range, h.value);
          break;
        case 12: if (is(n, "content-type")) set(F::content_type, h.value); break;
        case 13: if (is(n, "if-none-match")) set(F::if_none_match, h.value); break;
        case 14: if (is(n, "accept-charset")) set(F::accept_charset, h.value); break;
        case 15:
          if (is(n, "accept-encoding")) set(F::accept_encoding, h.value);
          else if (is(n, "accept-language")) set(F::accept_language, h.value);
          break;
        case 17: if (is(n, "if-modified-since")) set(F::if_modified_since, h.value); break;
        case 19: if (is(n, "if-unmodified-since")) set(F::if_unmodified_since, h.value); break;
        default: break;
      }
    }
  }
};

constexpr std::uint16_t field_bit(F f) noexcept { return static_cast<std::uint16_t>(1u << static_cast<unsigned>(f)); }
// The fields whose presence alone the plan's conditional squares ask about.
constexpr std::uint16_t conditional_fields =
    field_bit(F::if_match) | field_bit(F::if_none_match) | field_bit(F::if_modified_since) | field_bit(F::if_unmodified_since);

// Whether a response already has a field, without scanning an empty header block.
bool has_field(const http::Response& res, std::string_view name) {
  return !res.header_block().empty() && res.has_header(name);
}

// One request's walk through the plan. A friend of Context: it records what the squares decide.
struct Flow {
  Resource& r;
  Context& c;
  const Plan& plan;
  RequestFields fields;
  // Written by the square that asks (C3, D4, E5, F6, H11, L14) before any square reads them.
  std::span<const std::string_view> types, languages, charsets, encodings;
  Time unmodified_since, modified_since;

  Flow(Resource& resource, Context& ctx, const Plan& p) noexcept
      : r(resource), c(ctx), plan(p), fields(ctx.request_.headers()) {}

  static int run(const Plan& plan, Resource& resource, Context& ctx) {
    Flow f(resource, ctx, plan);
    // A traced request walks the full table, so that its trace shows every question the
    // diagram asks of it, the conditional ones included.
    const MethodPlan& mp = plan.for_request(ctx.method(), ctx.tracing_ || (f.fields.present & conditional_fields) != 0);
    Next n = mp.start;
    while (n.is_square()) {
      auto s = n.square();
      if (ctx.tracing_ && ctx.trace_len_ < Context::max_trace) ctx.trace_[ctx.trace_len_++] = static_cast<std::uint8_t>(s);
      bool yes = f.decide(s);
      if (ctx.halt_status_ != 0) {
        n = Next::status(ctx.halt_status_);
        break;
      }
      auto i = static_cast<std::size_t>(s);
      n = yes ? mp.on_true[i] : mp.on_false[i];
    }
    f.finish(n.status_code());
    return ctx.response_.status();
  }

  static std::string trace_of(const Context& ctx) {
    std::string s;
    for (std::size_t i = 0; i < ctx.trace_len_; ++i) {
      if (i) s += ',';
      s += to_string(static_cast<Square>(ctx.trace_[i]));
    }
    return s;
  }

  bool calls(Callback cbk) const noexcept { return (plan.overrides & bit(cbk)) != 0; }
  M method() const noexcept { return c.method(); }
  std::string_view header(F f) const noexcept { return fields.get(f); }
  bool has_header(F f) const noexcept { return (fields.present & (1u << static_cast<unsigned>(f))) != 0; }

  const ETag& etag() {
    if (!c.etag_known_) {
      if (calls(Callback::generate_etag)) c.etag_ = r.generate_etag(c);
      c.etag_known_ = true;
    }
    return c.etag_;
  }
  const std::optional<Time>& last_modified() {
    if (!c.last_modified_known_) {
      if (calls(Callback::last_modified)) c.last_modified_ = r.last_modified(c);
      c.last_modified_known_ = true;
    }
    return c.last_modified_;
  }

  // The accept step of P3, O14 and N11: the request body must be of an accepted type.
  void accept_body() {
    auto accepted = r.content_types_accepted(c);
    std::string_view ct = header(F::content_type);
    if (ct.empty()) ct = "application/octet-stream";  // RFC 9110 §8.3: what a recipient may assume
    for (auto t : accepted) {
      if (media_type_matches(ct, t)) {
        c.content_type_ = t;
        r.from_body(c);
        return;
      }
    }
    c.halt(415, "the request body's media type is not one this resource accepts");
  }

  // "Service available?"
  bool b13() { return r.service_available(c); }
  // "Known method?"
  bool b12() { return r.known_methods(c).has(method()); }
  // "URI too long?"
  bool b11() { return r.uri_too_long(c); }
  // "Method allowed?" — a 405 must say what is allowed.
  bool b10() {
    auto allowed = r.allowed_methods(c);
    if (allowed.has(method())) return true;
    c.response_.header("Allow", allowed.to_allow());
    return false;
  }
  // "Malformed?"
  bool b9() { return r.malformed_request(c); }
  // "Authorized?"
  bool b8() { return r.is_authorized(c); }
  // "Forbidden?"
  bool b7() { return r.forbidden(c); }
  // "Okay Content-* Headers?"
  bool b6() { return r.valid_content_headers(c); }
  // "Known Content-Type?"
  bool b5() { return r.known_content_type(c); }
  // "Req Entity Too Large?"
  bool b4() { return !r.valid_entity_length(c); }
  // "OPTIONS?" — the answer carries Allow and whatever options() adds.
  bool b3() {
    if (method() != M::OPTIONS) return false;
    c.response_.header("Allow", r.allowed_methods(c).to_allow());
    r.options(c);
    return true;
  }
  // "Accept exists?" — without one, the first type provided is the answer.
  bool c3() {
    types = r.content_types_provided(c);
    c.provided_types_ = types.size();
    c.negotiated_ = true;
    if (has_header(F::accept)) return true;
    if (!types.empty()) c.media_type_ = types[0];
    return false;
  }
  // "Acceptable media type available?"
  bool c4() {
    // What most clients send: everything equally welcome, so the resource's first type wins.
    if (header(F::accept) == "*/*" && !types.empty()) {
      c.media_type_ = types[0];
      return true;
    }
    auto i = choose_media_type(types, header(F::accept));
    if (i == no_choice) return false;
    c.media_type_ = types[i];
    return true;
  }
  // "Accept-Language exists?"
  bool d4() {
    languages = r.languages_provided(c);
    c.provided_languages_ = languages.size();
    if (has_header(F::accept_language)) return true;
    if (!languages.empty()) c.language_ = languages[0];
    return false;
  }
  // "Acceptable language available?" — a resource without languages accepts any.
  bool d5() {
    if (languages.empty()) return true;
    auto i = choose_language(languages, header(F::accept_language));
    if (i == no_choice) return false;
    c.language_ = languages[i];
    return true;
  }
  // "Accept-Charset exists?"
  bool e5() {
    charsets = r.charsets_provided(c);
    c.provided_charsets_ = charsets.size();
    if (has_header(F::accept_charset)) return true;
    if (!charsets.empty()) c.charset_ = charsets[0];
    return false;
  }
  // "Acceptable charset available?" — a resource without charsets accepts any.
  bool e6() {
    if (charsets.empty()) return true;
    auto i = choose_charset(charsets, header(F::accept_charset));
    if (i == no_choice) return false;
    c.charset_ = charsets[i];
    return true;
  }
  // "Accept-Encoding exists?"
  bool f6() {
    encodings = r.encodings_provided(c);
    c.provided_encodings_ = encodings.size();
    if (has_header(F::accept_encoding)) return true;
    if (!encodings.empty()) c.encoding_ = encodings[0];
    return false;
  }
  // "Acceptable encoding available?"
  bool f7() {
    auto i = choose_encoding(encodings, header(F::accept_encoding));
    if (i == no_choice) return false;
    c.encoding_ = encodings[i];
    return true;
  }
  // "Resource exists?"
  bool g7() { return r.resource_exists(c); }
  // "If-Match exists?"
  bool g8() { return has_header(F::if_match); }
  // "If-Match: * exists?"
  bool g9() { return is_any_etag(header(F::if_match)); }
  // "ETag in If-Match?" — strong comparison (RFC 9110 §13.1.1).
  bool g11() {
    const auto& e = etag();
    return !e.value.empty() && etag_list_matches(header(F::if_match), {e.value, e.weak}, true);
  }
  // "If-Match: * exists?" (the resource does not exist)
  bool h7() { return has_header(F::if_match) && is_any_etag(header(F::if_match)); }
  // "If-Unmodified-Since exists?" — ignored when If-Match was sent (RFC 9110 §13.1.4).
  bool h10() { return has_header(F::if_unmodified_since) && !has_header(F::if_match); }
  // "I-UM-S is valid date?"
  bool h11() {
    auto t = parse_http_date(header(F::if_unmodified_since));
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
  bool i4() { return moved(r.moved_permanently(c)); }
  // "PUT?"
  bool i7() { return method() == M::PUT; }
  // "If-None-Match exists?"
  bool i12() { return has_header(F::if_none_match); }
  // "If-None-Match: * exists?"
  bool i13() { return is_any_etag(header(F::if_none_match)); }
  // "GET or HEAD?"
  bool j18() { return method() == M::GET || method() == M::HEAD; }
  // "Moved permanently?"
  bool k5() { return moved(r.moved_permanently(c)); }
  // "Previously existed?"
  bool k7() { return r.previously_existed(c); }
  // "ETag in If-None-Match?" — weak comparison (RFC 9110 §13.1.2).
  bool k13() {
    const auto& e = etag();
    return !e.value.empty() && etag_list_matches(header(F::if_none_match), {e.value, e.weak}, false);
  }
  // "Moved temporarily?"
  bool l5() { return moved(r.moved_temporarily(c)); }
  // "POST?"
  bool l7() { return method() == M::POST; }
  // "If-Modified-Since exists?" — only for GET and HEAD, and ignored when If-None-Match was
  // sent (RFC 9110 §13.1.3).
  bool l13() {
    return has_header(F::if_modified_since) && !has_header(F::if_none_match) &&
           (method() == M::GET || method() == M::HEAD);
  }
  // "I-M-S is valid date?"
  bool l14() {
    auto t = parse_http_date(header(F::if_modified_since));
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
  bool m7() { return r.allow_missing_post(c); }
  // "DELETE?"
  bool m16() { return method() == M::DELETE; }
  // "Delete enacted?"
  bool m20() { return r.delete_resource(c); }
  // "Delete completed?"
  bool m20b() { return r.delete_completed(c); }
  // "Server allows POST to missing resource?"
  bool n5() { return r.allow_missing_post(c); }
  // "Redirect?" — POST is a create (create_path, then the body) or a process_post.
  bool n11() {
    if (calls(Callback::post_is_create) && r.post_is_create(c)) {
      auto path = r.create_path(c);
      if (path.empty()) {
        c.halt(500, "post_is_create without a create_path");
        return false;
      }
      c.set_location(path);
      accept_body();
    } else if (!r.process_post(c)) {
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
  bool o18() {
    if (method() == M::GET || method() == M::HEAD) {
      constexpr Callbacks validators = bit(Callback::generate_etag) | bit(Callback::last_modified) | bit(Callback::expires);
      if (plan.overrides & validators) {
        const auto& e = etag();
        if (!e.value.empty()) c.response_.header("ETag", format_etag(e.value, e.weak));
        if (const auto& lm = last_modified()) c.response_.header("Last-Modified", format_http_date(*lm));
        if (calls(Callback::expires))
          if (auto ex = r.expires(c)) c.response_.header("Expires", format_http_date(*ex));
      }
      r.to_body(c);
      if (c.halted()) return false;
    }
    return calls(Callback::multiple_choices) && r.multiple_choices(c);
  }
  // "Response includes an entity?"
  bool o20() { return !c.response_.body().empty(); }
  // "Conflict?" (PUT to a missing resource) — if not, the body is taken.
  bool p3() { return conflict_or_accept(); }
  // "New resource?"
  bool p11() { return has_field(c.response_, "Location"); }

  bool conflict_or_accept() {
    if (calls(Callback::is_conflict) && r.is_conflict(c)) return true;
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

  // What every answer gets once the walk has reached a status.
  void finish(int status) {
    auto& res = c.response_;
    res.status(status);
    if (status == 304) {
      // A 304 repeats the validators a 200 would have carried (RFC 9110 §15.4.5).
      res.body(std::string_view{});
      const auto& e = etag();
      if (!e.value.empty() && !has_field(res, "ETag")) res.header("ETag", format_etag(e.value, e.weak));
      if (calls(Callback::expires))
        if (auto ex = r.expires(c)) res.header("Expires", format_http_date(*ex));
    }
    if (c.negotiated_ && (c.provided_types_ > 1 || c.provided_languages_ > 1 || c.provided_charsets_ > 1 ||
                          c.provided_encodings_ > 1 || calls(Callback::variances)))
      add_vary();
    if (status == 200 && method() == M::GET && calls(Callback::ranges_provided) && r.ranges_provided(c))
      status = apply_range();
    if (status >= 400) {
      if (res.body().empty()) {
        Problem p{status, http::reason_phrase(status), c.detail_};
        r.error_body(c, p);
      }
      return;
    }
    if (status == 204 || status == 304) {
      res.body(std::string_view{});
      return;
    }
    if (!res.body().empty() && !c.media_type_.empty() && !has_field(res, "Content-Type")) {
      if (c.charset_.empty()) {
        res.header("Content-Type", c.media_type_);
      } else {
        std::string ct;
        ct.reserve(c.media_type_.size() + c.charset_.size() + 10);
        ct.append(c.media_type_).append("; charset=").append(c.charset_);
        res.header("Content-Type", ct);
      }
    }
    if (!c.language_.empty() && !res.body().empty()) res.header("Content-Language", c.language_);
    if (c.provided_encodings_ != 0 && !c.encoding_.empty() && c.encoding_ != "identity") {
      res.header("Content-Encoding", c.encoding_);
      res.compress(false);  // the resource encoded the body itself
    }
  }

  // Only called when something was chosen among alternatives.
  void add_vary() {
    std::string vary;
    auto add = [&](std::string_view name) {
      if (!vary.empty()) vary += ", ";
      vary += name;
    };
    if (c.provided_types_ > 1) add("Accept");
    if (c.provided_languages_ > 1) add("Accept-Language");
    if (c.provided_charsets_ > 1) add("Accept-Charset");
    if (c.provided_encodings_ > 1) add("Accept-Encoding");
    if (calls(Callback::variances))
      for (auto v : r.variances(c)) add(v);
    if (!vary.empty()) c.response_.header("Vary", vary);
  }

  // Range on a 200 GET: 206 with the part, 416 when it cannot be met, 200 otherwise.
  int apply_range() {
    auto& res = c.response_;
    res.header("Accept-Ranges", "bytes");
    auto range = header(F::range);
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
    auto v = header(F::if_range);
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

int run_flow(const Plan& plan, Resource& resource, Context& ctx) { return Flow::run(plan, resource, ctx); }

std::string trace_string(const Context& ctx) { return Flow::trace_of(ctx); }

}  // namespace oasis::rest
