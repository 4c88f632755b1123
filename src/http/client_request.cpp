// http/client_request.cpp — the client side of the wire format: origins, the request
// serializer and what the transport reports. The response side is the shared Parser.
#include <oasis/http/client.hpp>
#include <oasis/http/per_thread.hpp>

#include <charconv>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <stdexcept>

namespace oasis::http {

namespace {

// Eight bytes to a test: every request's header names and values are looked at.
bool has_crlf(std::string_view s) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  const char* p = s.data();
  const char* const end = p + s.size();
  for (; end - p >= 8; p += 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    const std::uint64_t cr = w ^ (ones * '\r'), lf = w ^ (ones * '\n');
    if (((cr - ones) & ~cr & highs) | ((lf - ones) & ~lf & highs)) [[unlikely]]
      return true;
  }
  for (; p != end; ++p)
    if (*p == '\r' || *p == '\n') [[unlikely]]
      return true;
  return false;
}

// Whether a header may be sent as the caller wrote it: framing is the transport's to decide,
// and a CR or LF could split the request.
bool sendable(std::string_view n, std::string_view v) noexcept {
  if (n.empty() || has_crlf(n) || has_crlf(v)) return false;
  if (n.size() == 14 && iequals(n, "content-length")) return false;
  if (n.size() == 17 && iequals(n, "transfer-encoding")) return false;
  return true;
}

void put(char*& p, std::string_view s) noexcept {
  if (s.empty()) return;  // (an empty view's data may be null: no memcpy from it)
  std::memcpy(p, s.data(), s.size());
  p += s.size();
}

}  // namespace

CommonHeaders::CommonHeaders(HeaderList fields) : fields_(std::move(fields)) {
  for (const auto& [n, v] : fields_) {
    if (!sendable(n, v)) continue;
    if (n.size() == 4 && iequals(n, "host")) has_host_ = true;
    if (n.size() == 10 && iequals(n, "user-agent")) has_agent_ = true;
    wire_.append(n).append(": ").append(v).append("\r\n");
  }
}

std::string Origin::key() const {
  std::string k = scheme;
  k += "://";
  k += host;
  k += ':';
  k += std::to_string(port);
  return k;
}

std::string Origin::host_header() const {
  const bool bracket = host.find(':') != std::string::npos;  // an IPv6 literal
  std::string h = bracket ? "[" + host + "]" : host;
  if ((secure() && port != 443) || (!secure() && port != 80)) {
    h += ':';
    h += std::to_string(port);
  }
  return h;
}

Origin Origin::parse(std::string_view url) {
  Origin o;
  auto sep = url.find("://");
  if (sep == std::string_view::npos) throw std::invalid_argument("URL without a scheme: " + std::string(url));
  std::string scheme(url.substr(0, sep));
  for (auto& c : scheme) c = static_cast<char>(c | 0x20);
  if (scheme != "http" && scheme != "https") throw std::invalid_argument("unsupported URL scheme: " + scheme);
  o.scheme = scheme;
  std::string_view rest = url.substr(sep + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  if (authority.empty()) throw std::invalid_argument("URL without a host: " + std::string(url));
  std::string_view host = authority, port;
  if (authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) throw std::invalid_argument("unterminated IPv6 literal: " + std::string(url));
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') throw std::invalid_argument("bad authority: " + std::string(url));
      port = after.substr(1);
    }
  } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  o.host = std::string(host);
  o.port = o.secure() ? 443 : 80;
  if (!port.empty()) {
    unsigned p = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc{} || end != port.data() + port.size() || p == 0 || p > 65535)
      throw std::invalid_argument("bad port in URL: " + std::string(url));
    o.port = static_cast<std::uint16_t>(p);
  }
  return o;
}

bool ClientRequest::idempotent() const noexcept {
  // RFC 9110 §9.2.2.
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" || method == "OPTIONS" ||
         method == "TRACE";
}

void HeaderBlock::emplace_back(std::string_view name, std::string_view value) {
  const std::size_t at = buf_.size() - count_ * sizeof(Entry);  // where the text ends
  if (buf_.size() + name.size() + value.size() + sizeof(Entry) > std::numeric_limits<std::uint32_t>::max())
    throw std::length_error("header block larger than 4 GiB");
  const Entry e{static_cast<std::uint32_t>(at), static_cast<std::uint32_t>(name.size()),
                static_cast<std::uint32_t>(at + name.size()), static_cast<std::uint32_t>(value.size())};
  // The field's bytes go between the text and the entries; the entries move up behind them.
  buf_.insert(at, name.size() + value.size(), '\0');
  std::memcpy(buf_.data() + at, name.data(), name.size());
  std::memcpy(buf_.data() + at + name.size(), value.data(), value.size());
  buf_.append(reinterpret_cast<const char*>(&e), sizeof e);
  ++count_;
}

void HeaderBlock::assign(const Headers& fields) {
  // A parsed head's fields are its lines, in order, in one buffer: then the text from the first
  // name to the last value is copied at once, the colons and line ends between the fields with
  // it. Views from elsewhere, out of order or far apart are copied field by field.
  std::size_t bytes = 0;
  bool lines = !fields.empty();
  const std::uintptr_t first = lines ? reinterpret_cast<std::uintptr_t>(fields.begin()->name.data()) : 0;
  std::uintptr_t last = first;
  for (const auto& f : fields) {
    bytes += f.name.size() + f.value.size();
    const auto n = reinterpret_cast<std::uintptr_t>(f.name.data());
    const auto v = f.value.empty() ? n + f.name.size() : reinterpret_cast<std::uintptr_t>(f.value.data());
    lines = lines && n >= last && v >= n + f.name.size();
    last = v + f.value.size();
  }
  lines = lines && last - first <= bytes + 4 * fields.size() + 64;  // ": " and CRLF, a few spaces
  const std::size_t text = lines ? last - first : bytes;
  const std::size_t need = text + fields.size() * sizeof(Entry);
  if (need > std::numeric_limits<std::uint32_t>::max()) throw std::length_error("header block larger than 4 GiB");
  if (buf_.capacity() < need)
    if (std::string room = detail::AnswerBuffers::take(); room.capacity() >= need) buf_.swap(room);
  buf_.resize(need);
  count_ = fields.size();
  char* const base = buf_.data();
  char* e = base + text;
  auto entry = [&e](std::size_t name_at, std::size_t name, std::size_t value_at, std::size_t value) {
    const Entry x{static_cast<std::uint32_t>(name_at), static_cast<std::uint32_t>(name),
                  static_cast<std::uint32_t>(value_at), static_cast<std::uint32_t>(value)};
    std::memcpy(e, &x, sizeof x);
    e += sizeof x;
  };
  if (lines) {
    if (text) std::memcpy(base, reinterpret_cast<const char*>(first), text);
    for (const auto& f : fields) {
      const std::size_t n = reinterpret_cast<std::uintptr_t>(f.name.data()) - first;
      entry(n, f.name.size(), f.value.empty() ? n : reinterpret_cast<std::uintptr_t>(f.value.data()) - first, f.value.size());
    }
    return;
  }
  char* p = base;
  for (const auto& f : fields) {
    const auto at = static_cast<std::size_t>(p - base);
    entry(at, f.name.size(), at + f.name.size(), f.value.size());
    std::memcpy(p, f.name.data(), f.name.size());
    p += f.name.size();
    std::memcpy(p, f.value.data(), f.value.size());
    p += f.value.size();
  }
}

std::string_view HeaderBlock::get(std::string_view name) const noexcept {
  for (std::size_t i = 0; i < count_; ++i)
    if (const Entry e = entry(i); e.name == name.size() && iequals(std::string_view(buf_.data() + e.name_at, e.name), name))
      return std::string_view(buf_.data() + e.value_at, e.value);
  return {};
}

std::string_view ClientResponse::header(std::string_view name) const noexcept { return headers.get(name); }

void ClientResponse::give_back() noexcept {
  detail::AnswerBuffers::give(body);
  detail::AnswerBuffers::give(headers.buf_);
}

namespace detail {

namespace {

constexpr std::size_t kMaxBuffer = 8 * 1024;
constexpr std::size_t kBatch = 64;       // buffers kept per thread, and passed between threads at once
constexpr std::size_t kMaxBatches = 16;  // shared

using Batch = std::vector<std::string>;

// Whole batches change hands under the lock (a vector's three pointers), not buffer by buffer;
// emptied batch vectors go back for a giving thread to fill again.
struct Shared {
  std::mutex mu;
  std::vector<Batch> full, empty;
  Shared() {
    full.reserve(kMaxBatches);
    empty.reserve(kMaxBatches);
  }
};

Shared& shared() {
  static Shared s;  // (never destroyed before a thread that gives or takes)
  return s;
}

// This thread's batch (room for kBatch from the start).
struct Local {
  Batch buffers;
  Local() { buffers.reserve(kBatch); }
};

}  // namespace

std::string AnswerBuffers::take() noexcept {
  Local* l = PerThread<Local>::get();
  if (!l) return {};
  if (l->buffers.empty()) {  // this batch's vector for a full one
    Shared& sh = shared();
    std::lock_guard lk(sh.mu);
    if (sh.full.empty()) return {};
    if (sh.empty.size() < kMaxBatches) sh.empty.push_back(std::move(l->buffers));  // (reserved)
    l->buffers = std::move(sh.full.back());
    sh.full.pop_back();
  }
  std::string s = std::move(l->buffers.back());
  l->buffers.pop_back();
  s.clear();
  return s;
}

void AnswerBuffers::give(std::string& s) noexcept {
  if (s.capacity() <= std::string().capacity() || s.capacity() > kMaxBuffer) return;  // in place, or too large to keep
  Local* l = PerThread<Local>::get();
  if (!l) return;
  if (l->buffers.size() >= kBatch) {  // the full batch for an empty vector
    Shared& sh = shared();
    std::lock_guard lk(sh.mu);
    if (sh.full.size() == kMaxBatches) return;  // enough kept: this one is freed as usual
    Batch next;
    if (!sh.empty.empty()) {
      next = std::move(sh.empty.back());
      sh.empty.pop_back();
    } else {
      try {
        next.reserve(kBatch);
      } catch (...) {
        return;
      }
    }
    sh.full.push_back(std::move(l->buffers));  // (reserved)
    l->buffers = std::move(next);
  }
  l->buffers.push_back(std::move(s));  // (within the reserved kBatch)
}

}  // namespace detail

std::string_view to_string(TransportError::Kind k) noexcept {
  switch (k) {
    case TransportError::Kind::none: return "none";
    case TransportError::Kind::resolve: return "resolve";
    case TransportError::Kind::connect: return "connect";
    case TransportError::Kind::tls: return "tls";
    case TransportError::Kind::timeout: return "timeout";
    case TransportError::Kind::closed: return "closed";
    case TransportError::Kind::protocol: return "protocol";
    case TransportError::Kind::cancelled: return "cancelled";
  }
  return "unknown";
}

// The size is counted first and the bytes copied into place once: one growth of `out` at
// most, no append-by-append checks (a pipelined batch serializes hundreds of these).
void serialize_request(const ClientRequest& req, std::string_view host_header, std::string_view user_agent,
                       std::string& out) {
  const std::string_view target = req.target.empty() ? std::string_view("/") : std::string_view(req.target);
  bool has_host = false, has_agent = false;
  std::size_t fields = 0;
  auto scan = [&](const HeaderList& list) {
    for (const auto& [n, v] : list) {
      if (n.size() == 4 && iequals(n, "host")) has_host = true;
      if (n.size() == 10 && iequals(n, "user-agent")) has_agent = true;
      fields += n.size() + v.size() + 4;
    }
  };
  std::string_view common;
  if (const CommonHeaders* c = req.common_headers) {
    common = c->wire();
    has_host = c->has_host();
    has_agent = c->has_user_agent();
  }
  scan(req.headers);
  const bool agent = !has_agent && !user_agent.empty();
  char length[24];
  std::size_t length_size = 0;
  // A body from a reader: only the head goes here, framed by its declared length or chunked.
  const BodyReader* reader = req.body_reader.get();
  const std::string_view body(req.body.data(), reader ? 0 : req.body.size());
  bool chunked = false;
  if (reader) [[unlikely]] {
    const std::int64_t n = reader->length();
    if (n >= 0)
      length_size = static_cast<std::size_t>(std::to_chars(length, length + sizeof length, n).ptr - length);
    else
      chunked = true;
  } else if (!body.empty() || req.method == "POST" || req.method == "PUT" || req.method == "PATCH") {
    length_size = static_cast<std::size_t>(std::to_chars(length, length + sizeof length, body.size()).ptr - length);
  }
  constexpr std::string_view te = "Transfer-Encoding: chunked\r\n";
  const std::size_t need = req.method.size() + 1 + target.size() + 11 + (has_host ? 0 : 8 + host_header.size()) + common.size() + fields +
                           (agent ? 14 + user_agent.size() : 0) + (length_size ? 18 + length_size : 0) +
                           (chunked ? te.size() : 0) + 2 + body.size();
  const std::size_t at = out.size();
  out.resize(at + need);
  char* p = out.data() + at;
  put(p, req.method);
  *p++ = ' ';
  put(p, target);
  put(p, " HTTP/1.1\r\n");
  if (!has_host) {
    put(p, "Host: ");
    put(p, host_header);
    put(p, "\r\n");
  }
  auto emit = [&](const HeaderList& list) {
    for (const auto& [n, v] : list) {
      if (!sendable(n, v)) continue;
      put(p, n);
      put(p, ": ");
      put(p, v);
      put(p, "\r\n");
    }
  };
  put(p, common);
  emit(req.headers);
  if (agent) {
    put(p, "User-Agent: ");
    put(p, user_agent);
    put(p, "\r\n");
  }
  if (length_size) {
    put(p, "Content-Length: ");
    put(p, std::string_view(length, length_size));
    put(p, "\r\n");
  }
  if (chunked) put(p, te);
  put(p, "\r\n");
  put(p, body);
  out.resize(static_cast<std::size_t>(p - out.data()));  // shorter by the headers left out
}

}  // namespace oasis::http
