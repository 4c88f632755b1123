// http/serializer.cpp — responses into bytes, gzip included.
#include <oasis/http/serializer.hpp>

#include <zlib.h>

#include <array>
#include <charconv>
#include <cstring>

namespace oasis::http {

namespace {

// "HTTP/1.1 200 OK\r\n" for every status, formatted once.
const std::string& status_line(int status) {
  static const auto table = [] {
    std::array<std::string, 600> t;
    for (int s = 100; s < 600; ++s) {
      t[s] = "HTTP/1.1 " + std::to_string(s) + " " + std::string(reason_phrase(s)) + "\r\n";
    }
    return t;
  }();
  if (status < 100 || status >= 600) return table[500];
  return table[status];
}

void append_number(std::string& out, std::size_t n, int base = 10) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, n, base);
  out.append(buf, r.ptr);
}

bool ieq_prefix(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// q=0 (with any number of zero decimals) forbids a coding.
bool q_is_zero(std::string_view params) {
  while (!params.empty()) {
    auto semi = params.find(';');
    std::string_view p = trim(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view{} : params.substr(semi + 1);
    if (p.size() >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
      std::string_view v = p.substr(2);
      if (v.empty() || v[0] != '0') return false;
      for (char c : v.substr(1))
        if (c != '0' && c != '.') return false;
      return true;
    }
  }
  return false;
}

}  // namespace

bool accepts_gzip(std::string_view ae) noexcept {
  bool gzip = false, star = false, gzip_seen = false;
  while (!ae.empty()) {
    auto comma = ae.find(',');
    std::string_view item = trim(ae.substr(0, comma));
    ae = comma == std::string_view::npos ? std::string_view{} : ae.substr(comma + 1);
    auto semi = item.find(';');
    std::string_view coding = trim(item.substr(0, semi));
    std::string_view params = semi == std::string_view::npos ? std::string_view{} : item.substr(semi + 1);
    if (iequals(coding, "gzip") || iequals(coding, "x-gzip")) {
      gzip_seen = true;
      gzip = !q_is_zero(params);
    } else if (coding == "*") {
      star = !q_is_zero(params);
    }
  }
  return gzip_seen ? gzip : star;
}

bool compressible_type(std::string_view ct) noexcept {
  auto semi = ct.find(';');
  ct = trim(ct.substr(0, semi));
  if (ieq_prefix(ct, "text/")) return true;
  if (!ieq_prefix(ct, "application/")) return false;
  std::string_view sub = ct.substr(12);
  if (iequals(sub, "json") || iequals(sub, "javascript") || iequals(sub, "xml") || iequals(sub, "yaml") ||
      iequals(sub, "x-yaml") || iequals(sub, "x-www-form-urlencoded"))
    return true;
  return sub.size() > 5 && (iequals(sub.substr(sub.size() - 5), "+json") || iequals(sub.substr(sub.size() - 4), "+xml"));
}

struct Serializer::Zlib {
  z_stream zs{};
  bool ready = false;
  ~Zlib() {
    if (ready) deflateEnd(&zs);
  }
};

Serializer::Serializer() : z_(std::make_unique<Zlib>()) {}
Serializer::~Serializer() = default;

bool Serializer::gzip(std::string_view in, std::string& out) {
  auto& z = *z_;
  if (!z.ready) {
    // Level 1, as nginx's default: most of the ratio for JSON at a fraction of the CPU.
    if (deflateInit2(&z.zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return false;
    z.ready = true;
  } else if (deflateReset(&z.zs) != Z_OK) {
    return false;
  }
  out.resize(deflateBound(&z.zs, in.size()) + 32);
  z.zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.zs.avail_in = static_cast<uInt>(in.size());
  z.zs.next_out = reinterpret_cast<Bytef*>(out.data());
  z.zs.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z.zs, Z_FINISH) != Z_STREAM_END) return false;
  out.resize(out.size() - z.zs.avail_out);
  return true;
}

namespace {
void append_status_line(const Response& res, std::string& out) {
  const int status = res.status();
  if (res.reason().empty()) {
    out += status_line(status);
  } else {
    const int shown = status < 100 || status >= 600 ? 500 : status;
    out.append("HTTP/1.1 ");
    append_number(out, static_cast<std::size_t>(shown));
    out.push_back(' ');
    out.append(res.reason());
    out.append("\r\n");
  }
}

// A Content-Length value: digits only, no sign, no overflow.
bool parse_length(std::string_view v, std::uint64_t& n) {
  v = trim(v);
  if (v.empty()) return false;
  auto r = std::from_chars(v.data(), v.data() + v.size(), n);
  return r.ec == std::errc{} && r.ptr == v.data() + v.size() && v.front() != '+' && v.front() != '-';
}
}  // namespace

void Serializer::write(const Response& res, const SerializeOptions& opt, std::string& out) {
  const int status = res.status();
  append_status_line(res, out);
  out.append(opt.server_line);
  out.append(opt.date_line);
  const bool keep_alive = opt.keep_alive && !res.closing();
  if (!keep_alive)
    out.append("Connection: close\r\n");
  else if (opt.version_minor == 0)
    out.append("Connection: keep-alive\r\n");
  out.append(res.header_block());

  const bool no_body = status < 200 || status == 204 || status == 304;
  if (no_body) {
    out.append("\r\n");
    return;
  }
  std::string_view body = res.body();
  if (body.size() >= opt.gzip_min_bytes && res.compressible() && compressible_type(res.header("Content-Type")) &&
      !res.has_header("Content-Encoding")) {
    // The representation varies with Accept-Encoding whether or not this client gets gzip.
    if (!res.has_header("Vary")) out.append("Vary: Accept-Encoding\r\n");
    if (opt.gzip && gzip(body, gz_)) {
      out.append("Content-Encoding: gzip\r\n");
      body = gz_;
    }
  }
  if (res.is_chunked() && opt.version_minor >= 1) {
    out.append("Transfer-Encoding: chunked\r\n\r\n");
    if (opt.head) return;
    if (!body.empty()) {
      append_number(out, body.size(), 16);
      out.append("\r\n");
      out.append(body);
      out.append("\r\n");
    }
    out.append("0\r\n\r\n");
    return;
  }
  out.append("Content-Length: ");
  append_number(out, body.size());
  out.append("\r\n\r\n");
  if (!opt.head) out.append(body);
}

StreamHead Serializer::write_stream_head(const Response& res, const SerializeOptions& opt, std::string& out) {
  const int status = res.status();
  const bool no_body_status = status < 200 || status == 204 || status == 304;
  StreamHead h;
  bool has_length = false;
  std::size_t length_at = 0;  // which header holds the length used (headers counted from 0)
  std::size_t i = 0;
  res.for_each_header([&](std::string_view name, std::string_view value) {
    if (!has_length && iequals(name, "Content-Length") && parse_length(value, h.length)) {
      has_length = true;
      length_at = i;
    }
    ++i;
  });
  // Content-Length is not sent with 1xx and 204 (RFC 9110 §8.6).
  if (status < 200 || status == 204) has_length = false;
  const bool chunked = !has_length && !no_body_status && opt.version_minor >= 1;
  if (no_body_status || opt.head) h.framing = BodyFraming::none;
  else if (has_length) h.framing = BodyFraming::length;
  else if (chunked) h.framing = BodyFraming::chunked;
  else h.framing = BodyFraming::close;
  h.keep_alive = opt.keep_alive && !res.closing() && h.framing != BodyFraming::close;

  append_status_line(res, out);
  out.append(opt.server_line);
  out.append(opt.date_line);
  if (!h.keep_alive)
    out.append("Connection: close\r\n");
  else if (opt.version_minor == 0)
    out.append("Connection: keep-alive\r\n");
  i = 0;
  res.for_each_header([&](std::string_view name, std::string_view value) {
    const bool keep = iequals(name, "Content-Length") ? has_length && i == length_at : !iequals(name, "Transfer-Encoding");
    ++i;
    if (keep) out.append(name).append(": ").append(value).append("\r\n");
  });
  if (chunked) out.append("Transfer-Encoding: chunked\r\n");
  out.append("\r\n");
  return h;
}

void Serializer::write_chunk_size(std::size_t n, std::string& out) {
  append_number(out, n, 16);
  out.append("\r\n");
}

void Serializer::write_last_chunk(std::string& out) { out.append("0\r\n\r\n"); }

void Serializer::write_continue(std::string& out) { out.append("HTTP/1.1 100 Continue\r\n\r\n"); }

void Serializer::write_error(int status, std::string_view detail, const SerializeOptions& opt, std::string& out) {
  Response res;
  res.status(status);
  res.header("Content-Type", "application/problem+json");
  std::string& b = res.body_buffer();
  b.append("{\"type\":\"about:blank\",\"title\":\"");
  b.append(reason_phrase(status));
  b.append("\",\"status\":");
  append_number(b, static_cast<std::size_t>(status));
  b.append(",\"detail\":\"");
  for (char c : detail) {
    // The detail comes from the engine's own messages; keep it valid JSON regardless.
    if (c == '"' || c == '\\') b.push_back('\\');
    if (static_cast<unsigned char>(c) >= 0x20) b.push_back(c);
  }
  b.append("\"}");
  res.close();
  write(res, opt, out);
}

}  // namespace oasis::http
