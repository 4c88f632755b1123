// Which HTTP/1.1 parser sits behind oasis::http::Parser: llhttp or Beast's basic_parser.
// Both parse the same real requests into the same thing (method, target, header views, body
// view) from one buffer, message after message, as a keep-alive connection would.
#include <oasis/http/parser.hpp>

#include <benchmark/benchmark.h>
#include <llhttp.h>
#include <boost/beast/http/basic_parser.hpp>

#include <string>
#include <vector>

namespace {

const std::string kCurl = "GET /pets/42 HTTP/1.1\r\nHost: 127.0.0.1:4010\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n";

const std::string kBrowser =
    "GET /repos/octocat/hello-world/issues?state=open&per_page=50 HTTP/1.1\r\n"
    "Host: api.example.com\r\n"
    "Connection: keep-alive\r\n"
    "sec-ch-ua: \"Chromium\";v=\"120\", \"Not?A_Brand\";v=\"8\"\r\n"
    "Accept: application/vnd.github+json\r\n"
    "Authorization: Bearer ghp_16C7e42F292c6912E7710c838347Ae178B4a\r\n"
    "sec-ch-ua-mobile: ?0\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\r\n"
    "sec-ch-ua-platform: \"Linux\"\r\n"
    "Sec-Fetch-Site: same-origin\r\n"
    "Sec-Fetch-Mode: cors\r\n"
    "Sec-Fetch-Dest: empty\r\n"
    "Referer: https://api.example.com/\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "Accept-Language: en-US,en;q=0.9\r\n"
    "If-None-Match: W/\"a1b2c3d4\"\r\n\r\n";

const std::string kJsonBody =
    "{\"vmid\":100,\"name\":\"web-01\",\"memory\":2048,\"cores\":2,\"sockets\":1,\"net0\":\"virtio,bridge=vmbr0\","
    "\"scsi0\":\"local-lvm:32\",\"ostype\":\"l26\",\"start\":1,\"description\":\"created by the benchmark client\"}";
const std::string kPostJson =
    "POST /nodes/pve1/qemu HTTP/1.1\r\nHost: pve:8006\r\nContent-Type: application/json\r\n"
    "CSRFPreventionToken: 4EEC61E2:lwk7od06fa1+DcPUwBTXCcndyAY\r\nCookie: PVEAuthCookie=PVE:root@pam:4EEC61E2::rsKoApxDTLYPn6H3NNT6iP2mv\r\n"
    "Content-Length: " + std::to_string(kJsonBody.size()) + "\r\n\r\n" + kJsonBody;

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

constexpr int kBatch = 64;

// oasis::http::Parser as the engine runs it: plain messages by its single scan, the rest by llhttp.
void BM_oasis(benchmark::State& state, const std::string* req, bool plain) {
  const std::string batch = repeat(*req, kBatch);
  oasis::http::Parser p;
  p.use_plain_path(plain);
  std::size_t headers = 0;
  for (auto _ : state) {
    p.feed(batch);
    for (int i = 0; i < kBatch; ++i) {
      auto st = p.parse();
      while (st == oasis::http::Parser::Status::headers_complete) st = p.parse();
      if (st != oasis::http::Parser::Status::message_complete) {
        state.SkipWithError("parse failed");
        return;
      }
      headers += p.request().headers().size();
      benchmark::DoNotOptimize(p.request().target().data());
      p.next();
    }
  }
  benchmark::DoNotOptimize(headers);
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(batch.size()));
}

// llhttp alone with empty callbacks: the floor under any wrapper.
void BM_llhttp_raw(benchmark::State& state, const std::string* req) {
  const std::string batch = repeat(*req, kBatch);
  llhttp_settings_t st;
  llhttp_settings_init(&st);
  st.on_header_field = [](llhttp_t*, const char*, std::size_t) { return 0; };
  st.on_header_value = [](llhttp_t*, const char*, std::size_t) { return 0; };
  st.on_url = [](llhttp_t*, const char*, std::size_t) { return 0; };
  llhttp_t p;
  llhttp_init(&p, HTTP_REQUEST, &st);
  for (auto _ : state) {
    if (llhttp_execute(&p, batch.data(), batch.size()) != HPE_OK) {
      state.SkipWithError("parse failed");
      return;
    }
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

// The same job with Beast: views of method, target, fields and body, kept in a vector.
class BeastViews : public boost::beast::http::basic_parser<true> {
 public:
  std::string_view method, target, body;
  std::vector<std::pair<std::string_view, std::string_view>> fields;
  BeastViews() { fields.reserve(32); }

 private:
  void on_request_impl(boost::beast::http::verb, boost::beast::string_view m, boost::beast::string_view t, int,
                       boost::beast::error_code&) override {
    method = {m.data(), m.size()};
    target = {t.data(), t.size()};
  }
  void on_response_impl(int, boost::beast::string_view, int, boost::beast::error_code&) override {}
  void on_field_impl(boost::beast::http::field, boost::beast::string_view n, boost::beast::string_view v,
                     boost::beast::error_code&) override {
    fields.emplace_back(std::string_view{n.data(), n.size()}, std::string_view{v.data(), v.size()});
  }
  void on_header_impl(boost::beast::error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&, boost::beast::error_code&) override {}
  std::size_t on_body_impl(boost::beast::string_view s, boost::beast::error_code&) override {
    body = {s.data(), s.size()};
    return s.size();
  }
  void on_chunk_header_impl(std::uint64_t, boost::beast::string_view, boost::beast::error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, boost::beast::string_view s, boost::beast::error_code&) override {
    return s.size();
  }
  void on_finish_impl(boost::beast::error_code&) override {}
};

void BM_beast(benchmark::State& state, const std::string* req) {
  const std::string batch = repeat(*req, kBatch);
  std::size_t headers = 0;
  for (auto _ : state) {
    std::string_view rest = batch;
    for (int i = 0; i < kBatch; ++i) {
      // Beast's parser is single-message: one object per request, as its docs prescribe.
      BeastViews p;
      p.eager(true);
      boost::beast::error_code ec;
      std::size_t used = p.put(boost::asio::buffer(rest.data(), rest.size()), ec);
      if (ec || !p.is_done()) {
        state.SkipWithError("beast parse failed");
        return;
      }
      headers += p.fields.size();
      benchmark::DoNotOptimize(p.target.data());
      rest.remove_prefix(used);
    }
  }
  benchmark::DoNotOptimize(headers);
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(batch.size()));
}

}  // namespace

// BM_llhttp: the Parser with its plain path off (llhttp + views + checks); BM_oasis: as it runs.
void BM_llhttp(benchmark::State& state, const std::string* req) { BM_oasis(state, req, false); }
void BM_plain(benchmark::State& state, const std::string* req) { BM_oasis(state, req, true); }

BENCHMARK_CAPTURE(BM_llhttp_raw, curl_get, &kCurl);
BENCHMARK_CAPTURE(BM_llhttp, curl_get, &kCurl);
BENCHMARK_CAPTURE(BM_plain, curl_get, &kCurl);
BENCHMARK_CAPTURE(BM_beast, curl_get, &kCurl);
BENCHMARK_CAPTURE(BM_llhttp_raw, browser_get, &kBrowser);
BENCHMARK_CAPTURE(BM_llhttp, browser_get, &kBrowser);
BENCHMARK_CAPTURE(BM_plain, browser_get, &kBrowser);
BENCHMARK_CAPTURE(BM_beast, browser_get, &kBrowser);
BENCHMARK_CAPTURE(BM_llhttp_raw, post_json, &kPostJson);
BENCHMARK_CAPTURE(BM_llhttp, post_json, &kPostJson);
BENCHMARK_CAPTURE(BM_plain, post_json, &kPostJson);
BENCHMARK_CAPTURE(BM_beast, post_json, &kPostJson);

BENCHMARK_MAIN();
