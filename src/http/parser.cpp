// http/parser.cpp — llhttp behind the Parser interface, plus RFC 9112 strictness llhttp lacks.
//
// Header fields go straight into the Request as views while llhttp reports them; each name is
// classified once, when it completes (classify_field): the fields that decide framing (Host,
// Transfer-Encoding, Expect) are noted for the checks below, and every well-known field is
// indexed in the request's Headers, so no lookup by name happens later. Every check on the header section runs
// inside llhttp's headers-complete callback, from exact offsets noted on the way, so llhttp
// pauses only once per message: at its end, where the caller answers it.
#include <oasis/http/parser.hpp>

#include <llhttp.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

namespace oasis::http {

namespace {

// RFC 9110 §5.6.2 tchar.
constexpr bool is_tchar(unsigned char c) noexcept {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-':
    case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
  }
  return false;
}

// What the plain path (Parser::parse_plain) takes, by byte: a field name's tchar, an
// origin-form target's RFC 3986 characters ('%' included), and field-value or reason text —
// printable ASCII, SP and HTAB (obs-text and controls go to llhttp).
enum : std::uint8_t { kTchar = 1, kTarget = 2, kText = 4 };
constexpr std::array<std::uint8_t, 256> plain_classes() {
  std::array<std::uint8_t, 256> t{};
  for (unsigned c = 0; c < 256; ++c) {
    auto u = static_cast<unsigned char>(c);
    std::uint8_t k = 0;
    if (is_tchar(u)) k |= kTchar;
    if ((u >= 0x20 && u < 0x7f) || u == '\t') k |= kText;
    const bool alnum = (u >= '0' && u <= '9') || ((u | 0x20) >= 'a' && (u | 0x20) <= 'z');
    if (alnum) k |= kTarget;
    switch (u) {
      case '-': case '.': case '_': case '~': case '!': case '$': case '&': case '\'': case '(': case ')':
      case '*': case '+': case ',': case ';': case '=': case ':': case '@': case '/': case '?': case '%':
        k |= kTarget;
        break;
      default: break;
    }
    t[c] = k;
  }
  return t;
}
constexpr std::array<std::uint8_t, 256> kPlain = plain_classes();
inline std::uint8_t plain_class(char c) noexcept { return kPlain[static_cast<unsigned char>(c)]; }

// Past the field-value or reason text starting at p: eight bytes at a time while none is a
// control or above '~', then straight to the first that is (the lowest flagged byte of a word
// is exact: the borrows and carries of these tests only flag bytes above one that is flagged);
// HTAB, the one control allowed, goes on in the byte loop.
inline const char* skip_text(const char* p, const char* end) noexcept {
#if defined(__SSE2__)
  // Sixteen bytes to a test: a control (tab among them) or a byte from 0x7f (signed: below ' ').
  while (end - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const int flagged = _mm_movemask_epi8(_mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)), _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f))));
    if (flagged) {
      p += std::countr_zero(static_cast<unsigned>(flagged));
      break;
    }
    p += 16;
  }
#endif
  constexpr std::uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  while (end - p >= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    const std::uint64_t below_space = (w - ones * 0x20) & ~w & highs;
    const std::uint64_t above_tilde = ((w + ones * (127 - 0x7e)) | w) & highs;
    if (const std::uint64_t flagged = below_space | above_tilde) {
      if constexpr (std::endian::native == std::endian::little) p += std::countr_zero(flagged) >> 3;
      break;
    }
    p += 8;
  }
  while (p < end && (plain_class(*p) & kText)) ++p;
  return p;
}

// Past the bytes of class `k` starting at p (a field name's token characters, a target's), four
// bytes to a test.
template <std::uint8_t k>
inline const char* skip_class(const char* p, const char* end) noexcept {
  while (end - p >= 4 && (plain_class(p[0]) & plain_class(p[1]) & plain_class(p[2]) & plain_class(p[3]) & k)) p += 4;
  while (p < end && (plain_class(*p) & k)) ++p;
  return p;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

struct Parser::Impl {
  llhttp_t p;
  llhttp_settings_t settings;
  Parser* self;
  std::uint32_t te_index = 0, expect_index = 0;

  static Impl& impl(llhttp_t* p) { return *static_cast<Impl*>(p->data); }
  static Parser& of(llhttp_t* p) { return *impl(p).self; }
  static std::uint32_t off(Parser& s, const char* at) { return static_cast<std::uint32_t>(at - (s.buf_ + s.base_)); }
  static void extend(Parser& s, Span& span, bool& open, const char* at, std::size_t len) {
    if (!open) {
      span.off = off(s, at);
      span.len = 0;
      open = true;
    }
    span.len += static_cast<std::uint32_t>(len);
  }
  static std::string_view grow(std::string_view v, std::size_t len) { return {v.data(), v.size() + len}; }
  static int stop(Parser& s, int status, const char* reason) {
    s.cb_error_status_ = status;
    s.cb_error_reason_ = reason;
    return -1;
  }

  static int on_message_begin(llhttp_t* p) {
    of(p).in_message_ = true;
    return 0;
  }
  static int on_method(llhttp_t* p, const char* at, std::size_t len) {
    auto& s = of(p);
    bool open = s.method_.len != 0;
    extend(s, s.method_, open, at, len);
    return 0;
  }
  static int on_url(llhttp_t* p, const char* at, std::size_t len) {
    auto& s = of(p);
    extend(s, s.url_, s.in_url_, at, len);
    if (s.url_.len > s.limits_.max_request_line) return stop(s, 414, "request target too long");
    return 0;
  }
  static int on_status(llhttp_t* p, const char* at, std::size_t len) {
    auto& s = of(p);
    bool open = s.status_text_.len != 0;
    extend(s, s.status_text_, open, at, len);
    return 0;
  }
  static int on_header_field(llhttp_t* p, const char* at, std::size_t len) {
    auto& s = of(p);
    if (s.in_field_) {
      s.fields_->back().name = grow(s.fields_->back().name, len);
      return 0;
    }
    if (s.fields_->size() >= s.limits_.max_headers)
      return stop(s, 431, s.headers_done_ ? "too many trailer fields" : "too many header fields");
    s.fields_->add_partial({at, len});
    s.in_field_ = true;
    s.value_done_ = false;
    return 0;
  }
  static int on_header_field_complete(llhttp_t* p) {
    auto& s = of(p);
    s.in_field_ = false;
    std::string_view name = s.fields_->back().name;
    // llhttp keeps whitespace before the colon in the name; RFC 9112 §5.1 forbids it.
    if (name.empty() || name.back() == ' ' || name.back() == '\t')
      return stop(s, 400, "whitespace between a header field name and its colon");
    s.line_end_ = off(s, name.data() + name.size()) + 1;  // past the colon, for an empty value
    if (s.headers_done_) return 0;  // trailers decide nothing
    auto idx = static_cast<std::uint32_t>(s.fields_->size() - 1);
    // One classification serves the framing checks below and the request's index of
    // well-known fields (Headers::get(KnownField)).
    const KnownField kind = classify_field(name);
    s.fields_->index(idx, kind);
    switch (kind) {
      case KnownField::host: ++s.host_count_; break;
      case KnownField::transfer_encoding:
        s.has_te_ = true;
        impl(p).te_index = idx;
        break;
      case KnownField::expect:
        s.has_expect_ = true;
        impl(p).expect_index = idx;
        break;
      default: break;
    }
    return 0;
  }
  static int on_header_value(llhttp_t* p, const char* at, std::size_t len) {
    auto& s = of(p);
    // An empty value comes as an empty span placed at the next line: it must not move the
    // end of this line (the section's end is checked from it).
    if (len == 0 || s.fields_->empty()) return 0;
    // A second value for the same field is a continuation line (obs-fold, RFC 9112 §5.2).
    if (s.value_done_) return stop(s, 400, "obsolete line folding (obs-fold) in a header field");
    auto& f = s.fields_->back();
    if (s.in_value_) {
      // llhttp reports a folded line as more of the same value, after a gap (the CRLF).
      if (at != f.value.data() + f.value.size())
        return stop(s, 400, "obsolete line folding (obs-fold) in a header field");
      f.value = grow(f.value, len);
    } else {
      f.value = {at, len};
      s.in_value_ = true;
    }
    s.line_end_ = off(s, at + len);
    return 0;
  }
  static int on_header_value_complete(llhttp_t* p) {
    auto& s = of(p);
    s.in_value_ = false;
    s.value_done_ = true;
    if (!s.fields_->empty()) {
      auto& v = s.fields_->back().value;
      while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    }
    return 0;
  }
  static int on_headers_complete(llhttp_t* p) {
    auto& s = of(p);
    s.headers_done_ = true;
    s.fields_ = &s.request_.mutable_trailers();
    int rc = s.check_headers();
    if (rc < 0) return stop(s, s.error_status_, nullptr);
    return rc;
  }
  static int on_body(llhttp_t* p, const char* at, std::size_t len) {
    auto& s = of(p);
    s.body_bytes_ += len;
    if (s.body_bytes_ > s.limits_.max_body && !s.stream_) return stop(s, 413, "body larger than the limit");
    s.body_end_ = off(s, at + len);
    if (s.body_chunked_) {
      s.chunked_body_.append(at, len);
    } else {
      bool open = s.body_span_.len != 0;
      extend(s, s.body_span_, open, at, len);
    }
    return 0;
  }
  static int on_message_complete(llhttp_t*) { return HPE_PAUSED; }
};

Parser::Parser(Kind kind, Limits limits) : kind_(kind), limits_(limits), impl_(std::make_unique<Impl>()) {
  auto& st = impl_->settings;
  llhttp_settings_init(&st);
  st.on_message_begin = &Impl::on_message_begin;
  st.on_method = &Impl::on_method;
  st.on_url = &Impl::on_url;
  st.on_status = &Impl::on_status;
  st.on_header_field = &Impl::on_header_field;
  st.on_header_field_complete = &Impl::on_header_field_complete;
  st.on_header_value = &Impl::on_header_value;
  st.on_header_value_complete = &Impl::on_header_value_complete;
  st.on_headers_complete = &Impl::on_headers_complete;
  st.on_body = &Impl::on_body;
  st.on_message_complete = &Impl::on_message_complete;
  llhttp_init(&impl_->p, kind == Kind::request ? HTTP_REQUEST : HTTP_RESPONSE, &st);
  impl_->p.data = impl_.get();
  impl_->self = this;
  request_.mutable_headers().reserve(32);
  fields_ = &request_.mutable_headers();
}

Parser::~Parser() { delete[] buf_; }

void Parser::rebase(const char* old_base, const char* new_base) noexcept {
  auto move = [&](std::string_view& v) {
    if (!v.empty()) v = {new_base + (v.data() - old_base), v.size()};
  };
  for (auto* hs : {&request_.mutable_headers(), &request_.mutable_trailers()})
    for (auto& f : hs->mutable_fields()) {
      move(f.name);
      move(f.value);
    }
}

std::span<char> Parser::prepare(std::size_t min) {
  if (cap_ - end_ < min) {
    const char* old_msg = buf_ + base_;
    // Compact: everything before the current message is done with.
    if (base_ > 0) {
      std::memmove(buf_, buf_ + base_, end_ - base_);
      end_ -= base_;
      parsed_ -= base_;
      base_ = 0;
    }
    if (cap_ - end_ < min) {
      std::size_t want = std::max({cap_ * 2, end_ + min, std::size_t{16 * 1024}});
      char* grown = new char[want];
      if (end_) std::memcpy(grown, buf_, end_);
      delete[] buf_;
      buf_ = grown;
      cap_ = want;
    }
    if (old_msg != buf_) {
      rebase(old_msg, buf_);
      moved_ = true;
    }
  }
  return {buf_ + end_, cap_ - end_};
}

void Parser::feed(std::string_view bytes) {
  auto room = prepare(bytes.size());
  std::memcpy(room.data(), bytes.data(), bytes.size());
  commit(bytes.size());
}

Parser::Status Parser::fail(int status, std::string_view reason) {
  error_status_ = status;
  error_reason_.assign(reason.data(), reason.size());
  return Status::error;
}

void Parser::stream_body(bool on) {
  stream_ = on;
  if (!on && headers_done_ && !error_status_ && declared_length_ > 0 &&
      static_cast<std::uint64_t>(declared_length_) > limits_.max_body)
    fail(413, "declared body larger than the limit");
}

Parser::Status Parser::parse() {
  if (error_status_) return Status::error;
  if (stream_) {
    if (piece_out_) release_piece();
    if (headers_reported_ && piece_pending()) return hand_out_piece();  // came with the head
  }
  if (parsed_ >= end_) return Status::need_more;
  if (plain_path_ && !ended_ && !in_message_ && parsed_ == base_ && parse_plain()) return Status::message_complete;
  const char* start = buf_ + parsed_;
  llhttp_errno_t err = llhttp_execute(&impl_->p, start, end_ - parsed_);
  if (err == HPE_OK) {
    parsed_ = end_;
    if (!headers_done_) {
      // A header section that never ends is cut off at the limit.
      if (in_message_ && end_ - base_ > limits_.max_header_bytes) return fail(431, "header section larger than the limit");
      return Status::need_more;
    }
    if (!headers_reported_) {
      headers_reported_ = true;
      return Status::headers_complete;  // the body is still to come
    }
    if (stream_ && piece_pending()) return hand_out_piece();
    return Status::need_more;
  }
  if (err == HPE_PAUSED) {
    parsed_ = static_cast<std::size_t>(llhttp_get_error_pos(&impl_->p) - buf_);
    llhttp_resume(&impl_->p);
    materialize();
    // llhttp reads nothing more after a message that ends the connection; neither do we.
    if (!request_.keep_alive()) ended_ = true;
    return Status::message_complete;
  }
  if (cb_error_status_) return cb_error_reason_ ? fail(cb_error_status_, cb_error_reason_) : Status::error;
  if (!headers_done_ && end_ - base_ > limits_.max_header_bytes) return fail(431, "header section larger than the limit");
  const char* reason = llhttp_get_error_reason(&impl_->p);
  if (err == HPE_INVALID_METHOD) {
    // A well-formed request line whose method the server does not know is 501 (RFC 9110
    // §9.1); anything else is malformed.
    std::string_view line(buf_ + base_, end_ - base_);
    while (!line.empty() && (line.front() == '\r' || line.front() == '\n')) line.remove_prefix(1);
    auto eol = line.find("\r\n");
    if (eol != std::string_view::npos) {
      line = line.substr(0, eol);
      auto sp1 = line.find(' ');
      auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
      bool well_formed = sp1 != std::string_view::npos && sp1 > 0 && sp2 != std::string_view::npos && sp2 > sp1 + 1 &&
                         line.find(' ', sp2 + 1) == std::string_view::npos && line.substr(sp2 + 1).size() == 8 &&
                         line.substr(sp2 + 1, 5) == "HTTP/" &&
                         std::all_of(line.begin(), line.begin() + sp1, [](char c) { return is_tchar(static_cast<unsigned char>(c)); });
      if (well_formed) return fail(501, "method not implemented");
    }
    return fail(400, "invalid method");
  }
  if (err == HPE_INVALID_VERSION) return fail(505, "HTTP version not supported");
  return fail(400, reason ? reason : "malformed message");
}

bool Parser::parse_plain() {
  const char* const msg = buf_ + base_;
  const char* const end = buf_ + end_;
  const char* p = msg;
  const bool is_request = kind_ == Kind::request;
  std::string_view method, target, reason;
  int minor = 1, status = 0;
  if (is_request) {
    while (p < end && *p >= 'A' && *p <= 'Z') ++p;
    method = {msg, static_cast<std::size_t>(p - msg)};
    if (!(method == "GET" || method == "POST" || method == "PUT" || method == "DELETE" || method == "PATCH" ||
          method == "HEAD" || method == "OPTIONS"))
      return false;
    if (end - p < 2 || p[0] != ' ' || p[1] != '/') return false;
    const char* t = ++p;
    p = skip_class<kTarget>(p, end);
    target = {t, static_cast<std::size_t>(p - t)};
    if (target.size() > limits_.max_request_line) return false;
    // " HTTP/1.1" CRLF
    if (end - p < 11 || std::memcmp(p, " HTTP/1.", 8) != 0 || (p[8] != '0' && p[8] != '1') || p[9] != '\r' ||
        p[10] != '\n')
      return false;
    minor = p[8] - '0';
    p += 11;
  } else {
    // "HTTP/1.1 200 " reason CRLF; interim and bodiless statuses go to llhttp
    if (end - p < 13 || std::memcmp(p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1') || p[8] != ' ' ||
        p[12] != ' ')
      return false;
    for (int i = 9; i < 12; ++i) {
      if (p[i] < '0' || p[i] > '9') return false;
      status = status * 10 + (p[i] - '0');
    }
    if (status < 200 || status == 204 || status == 304 || no_body_) return false;
    minor = p[7] - '0';
    p += 13;
    const char* r = p;
    while (p < end && (plain_class(*p) & kText)) ++p;
    reason = {r, static_cast<std::size_t>(p - r)};
    if (end - p < 2 || p[0] != '\r' || p[1] != '\n') return false;
    p += 2;
  }

  Headers& hs = request_.mutable_headers();  // empty: this is the message's first byte
  std::size_t hosts = 0, connections = 0;
  bool has_length = false, close = false, keep_alive = false;
  std::uint64_t length = 0;
  auto defer = [&hs] {
    hs.clear();
    return false;
  };
  for (;;) {
    if (end - p < 2) return defer();
    if (p[0] == '\r') {
      if (p[1] != '\n') return defer();
      p += 2;
      break;
    }
    const char* n = p;
    p = skip_class<kTchar>(p, end);
    if (p == n || p == end || *p != ':') return defer();  // also obs-fold, space before the colon
    const std::string_view name(n, static_cast<std::size_t>(p - n));
    ++p;
    while (p < end && (*p == ' ' || *p == '\t')) ++p;
    const char* v = p;
    p = skip_text(p, end);
    const char* ve = p;
    if (end - p < 2 || p[0] != '\r' || p[1] != '\n') return defer();
    p += 2;
    const bool trailing_space = ve > v && (ve[-1] == ' ' || ve[-1] == '\t');
    while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t')) --ve;
    const std::string_view value(v, static_cast<std::size_t>(ve - v));
    if (hs.size() >= limits_.max_headers) return defer();
    const KnownField kind = classify_field(name);
    switch (kind) {
      case KnownField::host: ++hosts; break;
      case KnownField::content_length: {
        if (has_length || trailing_space || value.empty() || value.size() > 15) return defer();
        for (char c : value) {
          if (c < '0' || c > '9') return defer();
          length = length * 10 + static_cast<std::uint64_t>(c - '0');
        }
        has_length = true;
        break;
      }
      case KnownField::transfer_encoding:
      case KnownField::expect:
        return defer();
      case KnownField::count:
        // What changes the connection is llhttp's to read, but for a plain close/keep-alive.
        if (name.size() == 7 && iequals(name, "upgrade")) return defer();
        if ((name.size() == 10 && iequals(name, "connection")) ||
            (name.size() == 16 && iequals(name, "proxy-connection"))) {
          if (++connections > 1 || trailing_space) return defer();
          if (iequals(value, "close"))
            close = true;
          else if (iequals(value, "keep-alive"))
            keep_alive = true;
          else
            return defer();
        }
        break;
      default: break;
    }
    hs.add_partial(name);
    hs.back().value = value;
    hs.index(hs.size() - 1, kind);
  }
  const auto head = static_cast<std::size_t>(p - msg);
  if (head > limits_.max_header_bytes) return defer();
  if (is_request && minor == 1 && hosts != 1) return defer();  // llhttp's path refuses it
  if (!is_request && !has_length) return defer();              // ends with the connection
  if (length > limits_.max_body && !stream_) return defer();
  if (static_cast<std::uint64_t>(end - p) < length) return defer();  // not all in yet
  // After a message that ends the connection llhttp reads no further: it keeps that state.
  const bool persistent = minor == 1 ? !close : keep_alive;
  if (!persistent) return defer();

  const auto body_len = static_cast<std::size_t>(length);
  declared_length_ = static_cast<std::int64_t>(length);
  in_message_ = headers_done_ = true;
  fields_ = &request_.mutable_trailers();
  host_count_ = static_cast<std::uint16_t>(hosts);
  has_body_ = body_len > 0;
  body_bytes_ = body_len;
  const auto at = [msg](const char* x) { return static_cast<std::uint32_t>(x - msg); };
  if (is_request) {
    method_ = {0, static_cast<std::uint32_t>(method.size())};
    url_ = {at(target.data()), static_cast<std::uint32_t>(target.size())};
    request_.set_method(method);
    request_.set_target(target);
  } else {
    status_text_ = {at(reason.data()), static_cast<std::uint32_t>(reason.size())};
    status_code_ = status;
    reason_ = reason;
  }
  request_.set_version(1, minor);
  body_span_ = {at(p), static_cast<std::uint32_t>(body_len)};
  request_.set_body(body_len ? std::string_view(p, body_len) : std::string_view{});
  request_.set_keep_alive(true);
  parsed_ = static_cast<std::size_t>(p - buf_) + body_len;
  ++plain_messages_;
  return true;
}

// Runs in llhttp's headers-complete callback: 0 go on, 1 no body follows, -1 refused (with
// error_status_ and error_reason_ set).
int Parser::check_headers() {
  auto& p = impl_->p;
  auto refuse = [this](int status, const char* reason) {
    error_status_ = status;
    error_reason_ = reason;
    return -1;
  };
  const bool is_request = kind_ == Kind::request;
  // llhttp insists on CRLF inside the header lines but lets a bare LF end the request line and
  // the section; RFC 9112 §2.2 does not. Both ends are at known offsets, and llhttp has already
  // consumed every byte looked at here. (Responses, read by our client, are taken as llhttp
  // takes them.)
  if (is_request) {
    const char* msg = buf_ + base_;
    std::size_t at = url_.off + url_.len + 9;  // " HTTP/1.1"
    if (msg[at] != '\r') return refuse(400, "bare LF where CRLF is required");
    if (!request_.headers().empty()) at = line_end_;
    while (msg[at] == ' ' || msg[at] == '\t') ++at;
    if (std::string_view(msg + at, 4) != "\r\n\r\n") return refuse(400, "bare LF where CRLF is required");
    if (at + 4 > limits_.max_header_bytes) return refuse(431, "header section larger than the limit");
  }
  const auto& hs = request_.headers();
  if (is_request) {
    if (p.http_major != 1) return refuse(505, "HTTP version not supported");
    if (p.http_minor == 1) {
      if (host_count_ == 0) return refuse(400, "HTTP/1.1 request without Host");
      if (host_count_ > 1) return refuse(400, "more than one Host header");
    }
    if (p.http_minor == 0 && has_te_) return refuse(400, "Transfer-Encoding in an HTTP/1.0 request");
  }
  body_chunked_ = (p.flags & F_CHUNKED) != 0;
  declared_length_ = body_chunked_                      ? -1
                     : (p.flags & F_CONTENT_LENGTH) != 0 ? static_cast<std::int64_t>(p.content_length)
                                                         : 0;
  // Known with the head (a handler that reads the body itself answers before its end).
  request_.set_keep_alive(llhttp_should_keep_alive(&p) != 0);
  // llhttp accepts "gzip, chunked": we decode no coding but chunked (RFC 9112 §6.1: 501).
  if (body_chunked_ && (!has_te_ || !iequals(trim(hs[impl_->te_index].value), "chunked")))
    return refuse(501, "transfer coding not implemented");
  has_body_ = body_chunked_ || ((p.flags & F_CONTENT_LENGTH) && p.content_length > 0);
  // An answer to HEAD, a 204 or a 304 has no body whatever its headers say (RFC 9110 §6.4.1);
  // a Content-Length there is the length the representation would have.
  const bool bodiless_answer = !is_request && (no_body_ || p.status_code == 204 || p.status_code == 304);
  if ((p.flags & F_CONTENT_LENGTH) && p.content_length > limits_.max_body && !stream_ && !bodiless_answer)
    return refuse(413, "declared body larger than the limit");
  expect_continue_ = false;
  if (is_request && has_expect_) {
    if (!iequals(trim(hs[impl_->expect_index].value), "100-continue")) return refuse(417, "unsupported expectation");
    expect_continue_ = p.http_minor >= 1;
  }
  materialize_head();
  moved_ = false;
  if (bodiless_answer) {
    has_body_ = false;
    return 1;
  }
  return 0;
}

bool Parser::expects_continue() const noexcept {
  // Only worth saying if the body is not already on its way.
  return expect_continue_ && has_body_ && body_bytes_ == 0 && parsed_ == end_;
}

void Parser::materialize_head() {
  auto& p = impl_->p;
  if (kind_ == Kind::request) {
    request_.set_method(method_.len ? view(method_) : std::string_view(llhttp_method_name(static_cast<llhttp_method_t>(p.method))));
    request_.set_target(view(url_));
  } else {
    status_code_ = p.status_code;
    reason_ = view(status_text_);
  }
  request_.set_version(p.http_major, p.http_minor);
}

void Parser::materialize() {
  auto& p = impl_->p;
  // The request line's views were set at the end of the headers; the buffer may have moved
  // since (a body that needed room), so set them again from their offsets. (Not after a
  // streamed piece was let go: the head went with it.)
  if (moved_ && !streamed_) materialize_head();
  if (body_chunked_)
    request_.set_body(chunked_body_);
  else
    request_.set_body(body_span_.len ? view(body_span_) : std::string_view{});
  request_.set_keep_alive(llhttp_should_keep_alive(&p) != 0);
}

Parser::Status Parser::hand_out_piece() noexcept {
  piece_out_ = true;
  request_.set_body(body_chunked_ ? std::string_view(chunked_body_) : view(body_span_));
  return Status::body_piece;
}

void Parser::release_piece() noexcept {
  piece_out_ = false;
  if (!streamed_) {
    // The head's views point before the body: they go with the first piece.
    streamed_ = true;
    request_.mutable_headers().clear();
    reason_ = {};
    request_.set_method(to_string(request_.method()));  // the method stays, its name not a view
    request_.set_target("/");
  }
  request_.set_body({});
  body_span_ = Span{};
  chunked_body_.clear();
  // Everything up to the last body byte is done with (trailers, if any, come after it).
  base_ += body_end_;
  body_end_ = 0;
}

Parser::Status Parser::finish_eof() {
  if (error_status_) return Status::error;
  if (stream_ && piece_out_) release_piece();
  llhttp_errno_t err = llhttp_finish(&impl_->p);
  if (err == HPE_PAUSED) {
    llhttp_resume(&impl_->p);
    materialize();
    return Status::message_complete;
  }
  if (err != HPE_OK) {
    const char* reason = llhttp_get_error_reason(&impl_->p);
    return fail(400, reason ? reason : "truncated message");
  }
  return Status::need_more;
}

void Parser::next() {
  base_ = parsed_;
  method_ = url_ = status_text_ = body_span_ = Span{};
  request_.mutable_headers().clear();
  request_.mutable_trailers().clear();
  fields_ = &request_.mutable_headers();
  host_count_ = 0;
  has_te_ = has_expect_ = false;
  chunked_body_.clear();
  body_chunked_ = false;
  declared_length_ = 0;
  body_bytes_ = 0;
  in_field_ = in_value_ = in_url_ = value_done_ = false;
  in_message_ = headers_done_ = has_body_ = false;
  expect_continue_ = false;
  headers_reported_ = false;
  moved_ = false;
  stream_ = piece_out_ = streamed_ = false;
  body_end_ = 0;
  line_end_ = 0;
  status_code_ = 0;
  if (base_ == end_) base_ = parsed_ = end_ = 0;  // nothing pipelined: reuse from the start
}

}  // namespace oasis::http
