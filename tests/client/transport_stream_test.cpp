// tests/client/transport_stream_test.cpp — streamed exchanges against scripted servers: the
// answer in pieces (Content-Length, chunked, close-delimited, whole in one read), bodies far
// larger than max_response_body in a bounded buffer, backpressure (the upstream stalls while
// the exchange holds a piece), an upstream breaking off mid-body, cancel(), HEAD / 204 / 304,
// timeouts as an inactivity limit, and keep-alive reuse after a streamed answer.
#include "scripted_server.hpp"

#include <oasis/http/client.hpp>

#include <gtest/gtest.h>

#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>

using namespace oasis::http;
using oasis_test::ScriptedConn;
using oasis_test::ScriptedServer;
using namespace std::chrono_literals;

namespace {

Origin local(std::uint16_t port) { return Origin{"http", "127.0.0.1", port}; }

// The i-th byte of every generated body: letters (so chunk framing stays readable) with no
// short period, so a piece lost, repeated or out of order shows.
char body_byte(std::uint64_t i) { return static_cast<char>('a' + (i * 7 + (i >> 13)) % 26); }
void fill_body(std::string& s, std::uint64_t from, std::size_t n) {
  s.resize(n);
  for (std::size_t k = 0; k < n; ++k) s[k] = body_byte(from + k);
}
std::string body_bytes(std::uint64_t from, std::size_t n) {
  std::string s;
  fill_body(s, from, n);
  return s;
}

// Writes `total` generated body bytes from offset `from` in writes of `step` (as far as the
// peer takes them within `wait` each time its socket is full); how much went out.
std::uint64_t write_body(ScriptedConn& c, std::uint64_t from, std::uint64_t total, std::size_t step,
                         std::chrono::milliseconds wait = 5s, std::atomic<std::uint64_t>* sent = nullptr) {
  std::uint64_t off = 0;
  std::string piece;  // one buffer for all the writes: the server's own memory stays flat too
  piece.reserve(step);
  while (off < total) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(step, total - off));
    fill_body(piece, from + off, n);
    const std::size_t w = c.write_within(piece, wait);
    off += w;
    if (sent) *sent += w;
    if (w < n) break;
  }
  return off;
}

std::size_t peak_memory_kib() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stoul(line.substr(6));
  return 0;
}

// A streamed exchange that checks each piece against the generated body as it comes (or keeps
// it, for small bodies) and records everything the transport called.
struct StreamExchange final : Exchange {
  enum class Resume { inside, later, hold };  // inside on_body; from the transport's loop; when told
  Transport* transport = nullptr;
  bool keep = false;  // keep the body instead of checking it against body_byte()
  std::function<void(StreamExchange&)> on_piece;  // runs inside on_body (after the checks)

  std::mutex mu;
  std::condition_variable cv;
  Resume resume = Resume::inside;
  int heads = 0, completions = 0;
  ClientResponse head;
  std::string body;
  std::uint64_t bytes = 0;
  std::size_t pieces = 0, empty_pieces = 0, max_read_buffer = 0;
  bool mismatch = false, piece_before_head = false, call_after_end = false, held = false;
  TransportError err;

  StreamExchange(Transport& t, std::string target, std::string method = "GET") : transport(&t) {
    stream = true;
    request.method = std::move(method);
    request.target = std::move(target);
  }
  void on_head(ClientResponse& h) override {
    std::lock_guard lk(mu);
    if (completions) call_after_end = true;
    ++heads;
    head = std::move(h);
  }
  void on_body(std::string_view piece) override {
    Resume r;
    {
      std::lock_guard lk(mu);
      if (completions) call_after_end = true;
      if (!heads) piece_before_head = true;
      if (piece.empty()) ++empty_pieces;
      ++pieces;
      if (keep) {
        body.append(piece);
      } else {
        for (std::size_t k = 0; k < piece.size() && !mismatch; ++k)
          if (piece[k] != body_byte(bytes + k)) mismatch = true;
      }
      bytes += piece.size();
      max_read_buffer = std::max(max_read_buffer, transport->stats().read_buffer_bytes);
      r = resume;
      held = r == Resume::hold;
    }
    cv.notify_all();
    if (on_piece) on_piece(*this);
    if (r == Resume::inside) resume_body();
    if (r == Resume::later) transport->schedule(0ns, [self = shared_from_this()] { self->resume_body(); });
  }
  void complete(TransportError e, ClientResponse res) override {
    std::lock_guard lk(mu);
    ++completions;
    err = std::move(e);
    if (!res.body.empty() || res.status) call_after_end = true;  // a streamed end carries nothing
    cv.notify_all();
  }

  bool wait_done(std::chrono::milliseconds within = 10s) {
    std::unique_lock lk(mu);
    return cv.wait_for(lk, within, [&] { return completions > 0; });
  }
  bool wait_held(std::chrono::milliseconds within = 5s) {
    std::unique_lock lk(mu);
    return cv.wait_for(lk, within, [&] { return held || completions > 0; });
  }
  // From the test's thread: resume (from the transport's thread) and stop holding pieces.
  void release() {
    {
      std::lock_guard lk(mu);
      resume = Resume::inside;
      held = false;
    }
    transport->schedule(0ns, [self = shared_from_this()] { self->resume_body(); });
  }
};

std::shared_ptr<StreamExchange> start(Transport& t, std::uint16_t port, std::string target,
                                      StreamExchange::Resume resume = StreamExchange::Resume::inside) {
  auto x = std::make_shared<StreamExchange>(t, std::move(target));
  x->resume = resume;
  t.async_send(local(port), x);
  return x;
}

void expect_reused(Transport& t, ScriptedServer& server, int connections) {
  ClientRequest r;
  r.target = "/after";
  auto [err, res] = t.send(local(server.port()), r);
  ASSERT_FALSE(err) << err.message;
  EXPECT_EQ(res.body, "after");
  EXPECT_EQ(server.connections(), connections);
}

// Answers every request left on the connection with "after".
void answer_the_rest(ScriptedConn& c) {
  while (auto r = c.read_request(2s)) c.respond("after");
}

}  // namespace

TEST(TransportStream, ContentLengthBodyComesInPiecesAndTheConnectionIsReused) {
  constexpr std::uint64_t total = 300'000;
  ScriptedServer server([&](ScriptedConn& c, int) {
    if (!c.read_request()) return;
    c.write("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(total) + "\r\nX-Kind: cl\r\n\r\n");
    for (int i = 0; i < 3; ++i) {
      write_body(c, i * total / 3, total / 3, 16 * 1024);
      std::this_thread::sleep_for(30ms);
    }
    answer_the_rest(c);
  });
  Transport t;
  auto x = start(t, server.port(), "/cl");
  ASSERT_TRUE(x->wait_done());
  {
    std::lock_guard lk(x->mu);
    EXPECT_FALSE(x->err) << x->err.message;
    EXPECT_EQ(x->completions, 1);
    EXPECT_EQ(x->heads, 1);
    EXPECT_EQ(x->head.status, 200);
    EXPECT_EQ(x->head.reason, "OK");
    EXPECT_EQ(x->head.header("x-kind"), "cl");
    EXPECT_EQ(x->head.header("content-length"), std::to_string(total));
    EXPECT_TRUE(x->head.body.empty());
    EXPECT_EQ(x->bytes, total);
    EXPECT_FALSE(x->mismatch);
    EXPECT_GE(x->pieces, 3u);  // three writes apart in time
    EXPECT_EQ(x->empty_pieces, 0u);
    EXPECT_FALSE(x->piece_before_head);
  }
  expect_reused(t, server, 1);
  std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(x->call_after_end);
  auto s = t.stats();
  EXPECT_EQ(s.connections_opened, 1u);
  EXPECT_EQ(s.responses_received, 2u);
}

TEST(TransportStream, ChunkedBodyAfterAnInterimAnswerResumedFromTheLoop) {
  constexpr std::uint64_t total = 200'000;
  ScriptedServer server([&](ScriptedConn& c, int) {
    if (!c.read_request()) return;
    c.write("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    std::uint64_t off = 0;
    for (std::size_t n : {1u, 7u, 4096u, 50'000u, 100'000u, 45'896u}) {
      std::string chunk = body_bytes(off, n);
      off += n;
      char size[32];
      std::snprintf(size, sizeof size, "%zx\r\n", n);
      c.write(size + chunk + "\r\n");
      std::this_thread::sleep_for(5ms);
    }
    c.write("0\r\nX-Trailer: t\r\n\r\n");
    answer_the_rest(c);
  });
  Transport t;
  auto x = start(t, server.port(), "/chunked", StreamExchange::Resume::later);
  ASSERT_TRUE(x->wait_done());
  {
    std::lock_guard lk(x->mu);
    EXPECT_FALSE(x->err) << x->err.message;
    EXPECT_EQ(x->heads, 1);
    EXPECT_EQ(x->head.status, 200);
    EXPECT_EQ(x->bytes, total);
    EXPECT_FALSE(x->mismatch);
    EXPECT_GE(x->pieces, 3u);
    EXPECT_EQ(x->empty_pieces, 0u);
  }
  expect_reused(t, server, 1);
}

TEST(TransportStream, CloseDelimitedBodyEndsWithTheConnection) {
  constexpr std::uint64_t total = 150'000;
  ScriptedServer server([&](ScriptedConn& c, int index) {
    if (index > 0) return answer_the_rest(c);
    if (!c.read_request()) return;
    c.write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
    write_body(c, 0, total / 2, 8192);
    std::this_thread::sleep_for(20ms);
    write_body(c, total / 2, total / 2, 8192);
    c.close();
  });
  Transport t;
  auto x = start(t, server.port(), "/eof", StreamExchange::Resume::later);
  ASSERT_TRUE(x->wait_done());
  {
    std::lock_guard lk(x->mu);
    EXPECT_FALSE(x->err) << x->err.message;
    EXPECT_EQ(x->bytes, total);
    EXPECT_FALSE(x->mismatch);
  }
  expect_reused(t, server, 2);  // the next request needs a new connection
}

TEST(TransportStream, AnAnswerWholeInOneReadIsOnePieceAndTheEndWaitsForItsResume) {
  ScriptedServer server([&](ScriptedConn& c, int) {
    if (c.read_request()) c.respond("hello", "X-A: 1\r\n");
    answer_the_rest(c);
  });
  Transport t;
  auto x = std::make_shared<StreamExchange>(t, "/small");
  x->keep = true;
  x->resume = StreamExchange::Resume::hold;
  t.async_send(local(server.port()), x);
  ASSERT_TRUE(x->wait_held());
  std::this_thread::sleep_for(50ms);
  {
    std::lock_guard lk(x->mu);
    EXPECT_EQ(x->completions, 0);  // not before the last piece is taken
    EXPECT_EQ(x->heads, 1);
    EXPECT_EQ(x->head.header("x-a"), "1");
    EXPECT_EQ(x->body, "hello");
  }
  x->release();
  ASSERT_TRUE(x->wait_done());
  {
    std::lock_guard lk(x->mu);
    EXPECT_FALSE(x->err) << x->err.message;
    EXPECT_EQ(x->pieces, 1u);
  }
  expect_reused(t, server, 1);
}

// 64 MiB through a transport that holds answers of at most 1 MiB: the read buffer and the
// process's peak memory stay far below the body's size.
TEST(TransportStream, ABodyFarLargerThanMaxResponseBodyPassesInABoundedBuffer) {
  constexpr std::uint64_t total = 64ull << 20;
  ScriptedServer server([&](ScriptedConn& c, int) {
    if (!c.read_request()) return;
    c.write("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(total) + "\r\n\r\n");
    write_body(c, 0, total, 64 * 1024);
    answer_the_rest(c);
  });
  TransportOptions opt;
  opt.max_response_body = 1 << 20;
  Transport t(opt);
  const std::size_t peak_before = peak_memory_kib();
  auto x = start(t, server.port(), "/big");
  ASSERT_TRUE(x->wait_done(120s));
  const std::size_t peak_after = peak_memory_kib();
  {
    std::lock_guard lk(x->mu);
    EXPECT_FALSE(x->err) << x->err.message;
    EXPECT_EQ(x->bytes, total);
    EXPECT_FALSE(x->mismatch);
    EXPECT_GT(x->pieces, 64u);
    EXPECT_GT(x->max_read_buffer, 0u);
    EXPECT_LE(x->max_read_buffer, 128u * 1024) << "the read buffer grew with the body";
  }
  EXPECT_LT(peak_after - peak_before, 16u * 1024) << "peak memory grew by " << (peak_after - peak_before) << " KiB";
  // The limit still holds for an ordinary answer on the same transport.
  expect_reused(t, server, 1);
}

TEST(TransportStream, TheUpstreamStallsWhileThePieceIsHeldAndGoesOnAfterResume) {
  constexpr std::uint64_t total = 48ull << 20;
  std::atomic<std::uint64_t> sent{0};
  std::atomic<bool> stalled{false};
  std::atomic<std::uint64_t> sent_at_stall{0};
  ScriptedServer server([&](ScriptedConn& c, int) {
    if (!c.read_request()) return;
    c.write("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(total) + "\r\n\r\n");
    std::uint64_t off = 0;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (off < total && !c.peer_gone() && std::chrono::steady_clock::now() < deadline) {
      off += write_body(c, off, total - off, 64 * 1024, 300ms, &sent);
      if (off < total && !stalled) {
        sent_at_stall = sent.load();
        stalled = true;  // the client read nothing for 300 ms
      }
    }
    answer_the_rest(c);
  });
  Transport t;
  auto x = start(t, server.port(), "/held", StreamExchange::Resume::hold);
  ASSERT_TRUE(x->wait_held());
  for (int i = 0; i < 100 && !stalled; ++i) std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(stalled) << "the server never blocked: " << sent << " bytes went out";
  const std::uint64_t at_stall = sent_at_stall;
  std::this_thread::sleep_for(400ms);
  EXPECT_EQ(sent.load(), at_stall) << "the server wrote on while the piece was held";
  EXPECT_LT(at_stall, total / 2);  // what the socket buffers hold, not the body
  {
    std::lock_guard lk(x->mu);
    EXPECT_EQ(x->pieces, 1u);
    EXPECT_EQ(x->completions, 0);
  }
  x->release();
  ASSERT_TRUE(x->wait_done(120s));
  {
    std::lock_guard lk(x->mu);
    EXPECT_FALSE(x->err) << x->err.message;
    EXPECT_EQ(x->bytes, total);
    EXPECT_FALSE(x->mismatch);
  }
  EXPECT_EQ(sent.load(), total);
  expect_reused(t, server, 1);
}

TEST(TransportStream, AnUpstreamBreakingOffMidBodyIsClosedAndNotResent) {
  ScriptedServer server([&](ScriptedConn& c, int) {
    if (!c.read_request()) return;
    c.write("HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n");
    write_body(c, 0, 300'000, 16 * 1024);
    c.close();
  });
  Transport t;
  auto x = start(t, server.port(), "/cut");
  ASSERT_TRUE(x->wait_done());
  std::this_thread::sleep_for(100ms);  // a resend would show as a second connection
  std::lock_guard lk(x->mu);
  EXPECT_EQ(x->err.kind, TransportError::Kind::closed) << x->err.message;
  EXPECT_EQ(x->heads, 1);
  EXPECT_EQ(x->completions, 1);
  EXPECT_EQ(x->bytes, 300'000u);
  EXPECT_FALSE(x->mismatch);
  EXPECT_EQ(server.connections(), 1);
  EXPECT_FALSE(x->call_after_end);
}

TEST(TransportStream, AMalformedChunkMidBodyIsAProtocolError) {
  ScriptedServer server([&](ScriptedConn& c, int) {
    if (!c.read_request()) return;
    c.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
    std::this_thread::sleep_for(30ms);
    c.write("zz\r\n\r\n");
    c.data_within(500ms);
  });
  Transport t;
  auto x = std::make_shared<StreamExchange>(t, "/bad");
  x->keep = true;
  t.async_send(local(server.port()), x);
  ASSERT_TRUE(x->wait_done());
  std::lock_guard lk(x->mu);
  EXPECT_EQ(x->err.kind, TransportError::Kind::protocol) << x->err.message;
  EXPECT_EQ(x->heads, 1);
  EXPECT_EQ(x->body, "hello");
  EXPECT_EQ(server.connections(), 1);
}

TEST(TransportStream, CancelInsideOnBodyClosesTheUpstreamAndCompletesAtOnce) {
  std::atomic<bool> upstream_closed{false};
  ScriptedServer server([&](ScriptedConn& c, int index) {
    if (index > 0) return answer_the_rest(c);
    if (!c.read_request()) return;
    c.write("HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\n");
    write_body(c, 0, 100'000, 16 * 1024);
    upstream_closed = c.closed_within(3s);
  });
  Transport t;
  auto x = std::make_shared<StreamExchange>(t, "/cancel");
  bool completed_inside = false;
  x->on_piece = [&](StreamExchange& self) {
    self.cancel();
    std::lock_guard lk(self.mu);
    completed_inside = self.completions == 1;
  };
  t.async_send(local(server.port()), x);
  ASSERT_TRUE(x->wait_done());
  for (int i = 0; i < 60 && !upstream_closed; ++i) std::this_thread::sleep_for(50ms);
  EXPECT_TRUE(upstream_closed);
  {
    std::lock_guard lk(x->mu);
    EXPECT_EQ(x->err.kind, TransportError::Kind::cancelled) << x->err.message;
    EXPECT_EQ(x->completions, 1);
    EXPECT_EQ(x->pieces, 1u);
    EXPECT_FALSE(x->call_after_end);
  }
  EXPECT_TRUE(completed_inside);
  x->cancel();  // once completed: nothing
  expect_reused(t, server, 2);
  std::lock_guard lk(x->mu);
  EXPECT_EQ(x->completions, 1);
}

TEST(TransportStream, CancelWhileHoldingAPieceAndBeforeTheTransportTookIt) {
  std::atomic<bool> upstream_closed{false};
  ScriptedServer server([&](ScriptedConn& c, int index) {
    if (index > 0) return answer_the_rest(c);
    if (!c.read_request()) return;
    c.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n");
    upstream_closed = c.closed_within(3s);
  });
  Transport t;
  auto x = std::make_shared<StreamExchange>(t, "/held");
  x->keep = true;
  x->resume = StreamExchange::Resume::hold;
  t.async_send(local(server.port()), x);
  ASSERT_TRUE(x->wait_held());
  // A resume posted just before the cancel finds nothing to do.
  std::promise<int> completions_on_return;
  t.schedule(0ns, [&] {
    x->resume_body();
    x->cancel();
    std::lock_guard lk(x->mu);
    completions_on_return.set_value(x->completions);
  });
  EXPECT_EQ(completions_on_return.get_future().get(), 1);
  for (int i = 0; i < 60 && !upstream_closed; ++i) std::this_thread::sleep_for(50ms);
  EXPECT_TRUE(upstream_closed);
  std::this_thread::sleep_for(50ms);
  {
    std::lock_guard lk(x->mu);
    EXPECT_EQ(x->err.kind, TransportError::Kind::cancelled);
    EXPECT_EQ(x->completions, 1);
    EXPECT_EQ(x->body, "abcd");
  }

  // Cancelled after async_send, before the transport's loop took it: it never goes out.
  auto y = std::make_shared<StreamExchange>(t, "/never");
  std::promise<void> sent;
  t.schedule(0ns, [&] {
    t.async_send(local(server.port()), y);
    y->cancel();
    sent.set_value();
  });
  sent.get_future().get();
  ASSERT_TRUE(y->wait_done());
  {
    std::lock_guard lk(y->mu);
    EXPECT_EQ(y->err.kind, TransportError::Kind::cancelled);
    EXPECT_EQ(y->heads, 0);
  }
  expect_reused(t, server, 2);  // only the ordinary request reached the new connection
  auto reqs = t.stats().requests_sent;
  EXPECT_EQ(reqs, 2u);
}

TEST(TransportStream, HeadAnd204And304CompleteWithoutPieces) {
  ScriptedServer server([&](ScriptedConn& c, int) {
    while (auto r = c.read_request(2s)) {
      auto target = oasis_test::target_of(*r);
      if (target == "/head")
        c.write("HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n");
      else if (target == "/204")
        c.write("HTTP/1.1 204 No Content\r\n\r\n");
      else if (target == "/304")
        c.write("HTTP/1.1 304 Not Modified\r\nETag: \"e\"\r\n\r\n");
      else
        c.respond("after");
    }
  });
  Transport t;
  const std::pair<const char*, int> cases[] = {{"/head", 200}, {"/204", 204}, {"/304", 304}};
  for (auto [target, status] : cases) {
    auto x = std::make_shared<StreamExchange>(t, target, std::string(target) == "/head" ? "HEAD" : "GET");
    t.async_send(local(server.port()), x);
    ASSERT_TRUE(x->wait_done()) << target;
    std::lock_guard lk(x->mu);
    EXPECT_FALSE(x->err) << target << ": " << x->err.message;
    EXPECT_EQ(x->heads, 1) << target;
    EXPECT_EQ(x->head.status, status) << target;
    EXPECT_EQ(x->pieces, 0u) << target;
  }
  expect_reused(t, server, 1);
}

TEST(TransportStream, TheTimeoutIsAnInactivityLimitOnceStreamingAndRestsWhileAPieceIsHeld) {
  // Pieces every 100 ms for 800 ms under a 500 ms timeout, then silence.
  ScriptedServer server([&](ScriptedConn& c, int index) {
    if (!c.read_request()) return;
    if (index == 0) {
      c.write("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
      for (int i = 0; i < 8; ++i) {
        write_body(c, static_cast<std::uint64_t>(i) * 1000, 1000, 1000);
        std::this_thread::sleep_for(100ms);
      }
      c.data_within(3s);
    } else {
      // The second exchange holds its first piece for more than two timeouts; the rest then comes.
      c.write("HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n");
      write_body(c, 0, 1000, 1000);
      std::this_thread::sleep_for(100ms);
      write_body(c, 1000, 1000, 1000);
      answer_the_rest(c);
    }
  });
  TransportOptions opt;
  opt.request_timeout = 500ms;
  opt.max_connections = 1;
  Transport t(opt);
  const auto t0 = std::chrono::steady_clock::now();
  auto x = start(t, server.port(), "/trickle");
  ASSERT_TRUE(x->wait_done());
  const auto took = std::chrono::steady_clock::now() - t0;
  {
    std::lock_guard lk(x->mu);
    EXPECT_EQ(x->err.kind, TransportError::Kind::timeout) << x->err.message;
    EXPECT_EQ(x->bytes, 8000u);
    EXPECT_FALSE(x->mismatch);
  }
  EXPECT_GE(took, 1200ms);  // 700 ms to the last piece + 500 ms of silence (from dispatch: 500 ms)
  EXPECT_LT(took, 4s);

  auto y = start(t, server.port(), "/held", StreamExchange::Resume::hold);
  ASSERT_TRUE(y->wait_held());
  std::this_thread::sleep_for(1200ms);
  {
    std::lock_guard lk(y->mu);
    EXPECT_EQ(y->completions, 0) << y->err.message;
  }
  y->release();
  ASSERT_TRUE(y->wait_done());
  {
    std::lock_guard lk(y->mu);
    EXPECT_FALSE(y->err) << y->err.message;
    EXPECT_EQ(y->bytes, 2000u);
    EXPECT_FALSE(y->mismatch);
  }
  expect_reused(t, server, 2);
}

TEST(TransportStream, AStreamedExchangeHasItsConnectionToItself) {
  std::atomic<bool> alone{false};
  ScriptedServer server([&](ScriptedConn& c, int index) {
    if (index > 0) return answer_the_rest(c);
    auto first = c.read_request();
    if (!first) return;
    alone = !c.data_within(200ms);
    c.write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
    write_body(c, 0, 1000, 1000);
    answer_the_rest(c);
  });
  TransportOptions opt;
  opt.max_connections = 1;
  opt.pipeline_depth = 8;
  Transport t(opt);
  auto x = start(t, server.port(), "/s");
  std::vector<std::future<std::pair<TransportError, ClientResponse>>> rest;
  for (int i = 0; i < 3; ++i) {
    auto pr = std::make_shared<std::promise<std::pair<TransportError, ClientResponse>>>();
    rest.push_back(pr->get_future());
    ClientRequest r;
    r.target = "/g";
    t.async_send(local(server.port()), std::move(r), [pr](TransportError e, ClientResponse res) { pr->set_value({e, res}); });
  }
  ASSERT_TRUE(x->wait_done());
  for (auto& f : rest) {
    auto [e, res] = f.get();
    ASSERT_FALSE(e) << e.message;
    EXPECT_EQ(res.body, "after");
  }
  EXPECT_TRUE(alone);
  std::lock_guard lk(x->mu);
  EXPECT_FALSE(x->err) << x->err.message;
  EXPECT_EQ(x->bytes, 1000u);
  EXPECT_EQ(server.connections(), 1);
}

TEST(TransportStream, AnExchangeThatThrowsIsCancelled) {
  ScriptedServer server([&](ScriptedConn& c, int index) {
    if (index > 0) return answer_the_rest(c);
    if (!c.read_request()) return;
    c.write("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
    write_body(c, 0, 50'000, 16 * 1024);
    c.closed_within(2s);
  });
  Transport t;
  auto x = std::make_shared<StreamExchange>(t, "/throws");
  x->on_piece = [](StreamExchange&) { throw std::runtime_error("sink gone"); };
  t.async_send(local(server.port()), x);
  ASSERT_TRUE(x->wait_done());
  {
    std::lock_guard lk(x->mu);
    EXPECT_EQ(x->err.kind, TransportError::Kind::cancelled);
    EXPECT_NE(x->err.message.find("sink gone"), std::string::npos) << x->err.message;
    EXPECT_EQ(x->pieces, 1u);
  }
  expect_reused(t, server, 2);
}

TEST(TransportStream, DestroyingTheTransportWhileAPieceIsHeldCancels) {
  ScriptedServer server([&](ScriptedConn& c, int) {
    if (!c.read_request()) return;
    c.write("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
    write_body(c, 0, 1000, 1000);
    c.closed_within(2s);
  });
  std::shared_ptr<StreamExchange> x;
  {
    Transport t;
    x = start(t, server.port(), "/held", StreamExchange::Resume::hold);
    ASSERT_TRUE(x->wait_held());
  }
  std::lock_guard lk(x->mu);
  EXPECT_EQ(x->completions, 1);
  EXPECT_EQ(x->err.kind, TransportError::Kind::cancelled);
  EXPECT_EQ(server.connections(), 1);
}
