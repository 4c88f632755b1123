// http/client.cpp — the client transport on Asio: a pool of connections per origin, each
// with a queue of requests in the order they were written, so the n-th response read belongs
// to the n-th request in the queue (HTTP/1.1 has no other way to match them).
//
// Everything here runs on the transport's one thread: no locks on the request path. A request
// goes to an idle connection, else a new one (up to max_connections), else — when it may be
// pipelined — the least loaded connection whose queue is all pipelinable, else it waits in the
// pool. A connection that breaks sends its unanswered requests back to the pool when that is
// safe (never written, or idempotent), bounded by broken_connection_retries.
//
// A request with a body_reader has its connection to itself: its head goes out, then each
// piece the reader gives is written before the next is asked for, while the socket is read
// all along so an early answer stops the upload.
#include <oasis/http/client.hpp>
#include <oasis/http/parser.hpp>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <array>
#include <charconv>
#include <deque>
#include <future>
#include <optional>
#include <thread>
#include <unordered_map>
#include <unordered_set>

namespace oasis::http {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace detail {

struct Pool {
  Transport::Core* core = nullptr;
  Origin origin;
  std::string host_header;
  std::vector<std::shared_ptr<Connection>> conns;
  std::deque<std::shared_ptr<Exchange>> waiting;
};

}  // namespace detail

namespace {

using detail::Connection;
using detail::Pool;
using PendingPtr = std::shared_ptr<Exchange>;

// What the callback form of async_send sends.
struct CallbackExchange final : Exchange {
  Transport::Callback done;
  void complete(TransportError err, ClientResponse res) override {
    auto f = std::move(done);
    done = nullptr;
    if (f) f(std::move(err), std::move(res));
  }
};

}  // namespace

struct Transport::Core : std::enable_shared_from_this<Transport::Core> {
  asio::io_context& ctx;
  TransportOptions opt;
  // Requests started and not finished (declared before the pools: a request dropped while the
  // core goes still unlinks itself from here). One timer, set for the earliest deadline, times
  // them out.
  Exchange* live = nullptr;
  asio::steady_timer sweep_timer{ctx};
  std::chrono::steady_clock::time_point sweep_at = std::chrono::steady_clock::time_point::max();
  std::optional<ssl::context> tls;
  std::unordered_map<std::string, std::unique_ptr<Pool>> pools;
  std::unordered_set<std::shared_ptr<asio::steady_timer>> scheduled;
  TransportStats stats;
  bool stopped = false;
  Pool* last_pool = nullptr;  // most calls go to one origin: no key to build and hash

  // Requests handed over by other threads, taken in batches: one post (one wake-up of the
  // io thread) per batch instead of per request.
  std::mutex submit_mu;
  std::vector<PendingPtr> submitted;
  bool drain_posted = false;
  std::vector<PendingPtr> draining;  // the batch being placed (io thread only)
  // While a batch is placed, or the answers of one read are delivered (each freeing a slot
  // for a waiting request), connections are written once at its end, not per request.
  bool corked = false;
  std::vector<std::shared_ptr<Connection>> to_flush;
  void uncork();

  Core(asio::io_context& c, TransportOptions o) : ctx(c), opt(std::move(o)) {
    if (opt.pipeline_depth == 0) opt.pipeline_depth = 1;
    if (opt.max_connections == 0) opt.max_connections = 1;
  }

  ssl::context& tls_context();
  void submit(PendingPtr p);
  void drain();
  Pool& pool_for(const Origin& origin);
  void start(PendingPtr p, std::chrono::steady_clock::time_point now);
  void dispatch(PendingPtr p);
  bool try_place(Pool& pool, const PendingPtr& p, bool may_open);
  // Places waiting requests; `freed`, a connection that just answered one, is tried first.
  void pump(Pool& pool, Connection* freed = nullptr);
  // (By reference: an answer is moved once, into the exchange's complete().)
  void finish(const PendingPtr& p, TransportError&& err, ClientResponse&& res);
  // Completes `p` with `err` wherever it is: waiting here, or on a connection, which goes.
  void abort(const PendingPtr& p, TransportError err);
  void on_timeout(const PendingPtr& p);
  std::chrono::milliseconds timeout_of(const Exchange& p) const noexcept {
    return p.request.timeout.count() > 0 ? p.request.timeout : opt.request_timeout;
  }
  // A streamed answer's inactivity limit starts again (the transport waits for its upstream).
  void extend(Exchange& p) {
    p.deadline = std::chrono::steady_clock::now() + timeout_of(p);
    if (p.deadline < sweep_at) arm_sweep(p.deadline);
  }
  // The request's timeout rests while the transport waits on its body_reader, and goes on
  // with what was left when the reader answers.
  void rest(Exchange& p) noexcept {
    if (p.deadline == std::chrono::steady_clock::time_point::max()) return;
    p.deadline_left = p.deadline - std::chrono::steady_clock::now();
    p.deadline = std::chrono::steady_clock::time_point::max();
  }
  void wake(Exchange& p) {
    if (p.deadline != std::chrono::steady_clock::time_point::max()) return;
    p.deadline = std::chrono::steady_clock::now() + std::max(p.deadline_left, std::chrono::steady_clock::duration::zero());
    if (p.deadline < sweep_at) arm_sweep(p.deadline);
  }
  void arm_sweep(std::chrono::steady_clock::time_point at);
  void sweep();
  void shutdown();
};

using Core = Transport::Core;

class detail::Connection : public std::enable_shared_from_this<Connection> {
 public:
  enum class State { connecting, open, closed };

  Connection(std::shared_ptr<Core> core, Pool& pool)
      : core_(std::move(core)),
        pool_(&pool),
        resolver_(core_->ctx),
        connect_timer_(core_->ctx),
        idle_timer_(core_->ctx),
        parser_(Parser::Kind::response, response_limits(core_->opt)) {
    if (pool.origin.secure())
      tls_.emplace(core_->ctx, core_->tls_context());
    else
      plain_.emplace(core_->ctx);
  }

  static Limits response_limits(const TransportOptions& o) {
    Limits l;
    l.max_header_bytes = 64 * 1024;
    l.max_headers = 256;
    l.max_body = o.max_response_body;
    return l;
  }

  State state() const noexcept { return state_; }
  std::size_t buffer_bytes() const noexcept { return parser_.buffer_capacity(); }
  std::size_t load() const noexcept { return queue_.size(); }
  bool accepting() const noexcept { return state_ != State::closed && !closing_; }
  bool idle() const noexcept { return state_ == State::open && queue_.empty() && !closing_; }
  bool all_pipelinable() const noexcept { return unpipelinable_ == 0; }

  void connect() {
    ++core_->stats.connections_opened;
    auto self = shared_from_this();
    connect_timer_.expires_after(core_->opt.connect_timeout);
    connect_timer_.async_wait([self](const error_code& ec) {
      if (ec || self->state_ != State::connecting) return;
      self->connect_timed_out_ = true;
      self->resolver_.cancel();
      error_code ignored;
      self->socket().close(ignored);
    });
    resolver_.async_resolve(pool_->origin.host, std::to_string(pool_->origin.port),
                            [self](const error_code& ec, tcp::resolver::results_type results) {
                              if (self->state_ == State::closed) return;
                              if (ec) return self->fail_connect(TransportError::Kind::resolve, ec);
                              asio::async_connect(self->socket(), results, [self](const error_code& ec2, const tcp::endpoint&) {
                                if (self->state_ == State::closed) return;
                                if (ec2) return self->fail_connect(TransportError::Kind::connect, ec2);
                                error_code ignored;
                                self->socket().set_option(tcp::no_delay(true), ignored);
                                if (self->tls_) return self->handshake();
                                self->opened();
                              });
                            });
  }

  void assign(const PendingPtr& p) {
    p->conn = this;
    queue_.push_back(p);
    if (!p->pipelinable) ++unpipelinable_;
    idle_timer_.cancel();
    if (queue_.size() == 1) expect(*p);
    if (core_->corked) {
      if (!flush_due_) {
        flush_due_ = true;
        core_->to_flush.push_back(shared_from_this());
      }
      return;
    }
    flush();
  }

  // The end of a batch: what was queued during it goes out in one write.
  void uncork() {
    flush_due_ = false;
    flush();
  }

  // A request queued here timed out or was cancelled: nothing after it can be matched
  // reliably once we stop waiting for its answer, so the connection goes.
  void abandon_for(TransportError::Kind why) {
    broken(TransportError::Kind::closed, why == TransportError::Kind::timeout ? "another request on the connection timed out"
                                                                               : "another request on the connection was cancelled");
  }

  void close() {
    if (state_ == State::closed) return;
    state_ = State::closed;
    error_code ignored;
    connect_timer_.cancel();
    idle_timer_.cancel();
    resolver_.cancel();
    socket().close(ignored);
  }

  // Fails or re-queues everything still here and leaves the pool.
  void broken(TransportError::Kind kind, std::string message) {
    if (state_ == State::closed && removed_) return;
    auto self = shared_from_this();  // the pool may hold the last reference
    close();
    remove_from_pool();
    auto queue = std::move(queue_);
    queue_.clear();
    unpipelinable_ = 0;
    streaming_ = nullptr;
    paused_ = end_pending_ = false;
    upload_ = nullptr;
    upload_state_ = Upload::none;
    std::size_t written = written_;
    written_ = 0;
    const bool connect_failure =
        kind == TransportError::Kind::resolve || kind == TransportError::Kind::connect || kind == TransportError::Kind::tls;
    std::size_t i = 0;
    for (auto& p : queue) {
      const bool was_written = i++ < written;
      p->conn = nullptr;
      if (p->finished) continue;
      // A streamed answer whose head went up is not asked for again: its pieces are gone; nor is
      // a request whose body reader gave pieces (they cannot be had again).
      const bool safe = !p->headed && !p->body_read && (!was_written || p->request.idempotent());
      if (!connect_failure && safe && p->resends < core_->opt.broken_connection_retries && !core_->stopped) {
        ++p->resends;
        if (was_written) ++core_->stats.requests_resent;
        core_->dispatch(p);
      } else {
        core_->finish(p, TransportError{kind, message}, {});
      }
    }
    if (!core_->stopped) core_->pump(*pool_);
  }

 private:
  tcp::socket& socket() { return tls_ ? tls_->next_layer() : *plain_; }

  void remove_from_pool() {
    if (removed_) return;
    removed_ = true;
    auto& v = pool_->conns;
    for (auto it = v.begin(); it != v.end(); ++it)
      if (it->get() == this) {
        v.erase(it);
        break;
      }
  }

  void fail_connect(TransportError::Kind kind, const error_code& ec) {
    if (connect_timed_out_)
      broken(TransportError::Kind::timeout, "connect timed out after " + std::to_string(core_->opt.connect_timeout.count()) + " ms");
    else
      broken(kind, ec.message());
  }

  void handshake() {
    const auto& t = core_->opt.tls;
    const std::string& name = t.server_name.empty() ? pool_->origin.host : t.server_name;
    // SNI: servers hosting several names pick the certificate by it.
    SSL_set_tlsext_host_name(tls_->native_handle(), name.c_str());
    if (t.verify) {
      tls_->set_verify_mode(ssl::verify_peer);
      tls_->set_verify_callback(ssl::host_name_verification(name));
    } else {
      tls_->set_verify_mode(ssl::verify_none);
    }
    auto self = shared_from_this();
    tls_->async_handshake(ssl::stream_base::client, [self](const error_code& ec) {
      if (self->state_ == State::closed) return;
      if (ec) {
        // Say which certificate check failed and how to proceed, not just "handshake failed".
        const long vr = SSL_get_verify_result(self->tls_->native_handle());
        if (self->core_->opt.tls.verify && vr != X509_V_OK && !self->connect_timed_out_) {
          const auto& t = self->core_->opt.tls;
          std::string name = t.server_name.empty() ? self->pool_->origin.host : t.server_name;
          return self->broken(TransportError::Kind::tls,
                              "certificate of " + name + " not trusted: " + X509_verify_cert_error_string(vr) +
                                  " (give the issuing CA with tls.ca_file / tls.ca_dir, or turn verification off "
                                  "explicitly with tls.verify = false)");
        }
        return self->fail_connect(TransportError::Kind::tls, ec);
      }
      self->opened();
    });
  }

  void opened() {
    connect_timer_.cancel();
    state_ = State::open;
    read();
    flush();
    if (queue_.empty()) went_idle();
  }

  void flush() {
    if (state_ != State::open || writing_ || written_ >= queue_.size()) return;
    out_.clear();
    for (std::size_t i = written_; i < queue_.size(); ++i) {
      serialize_request(queue_[i]->request, pool_->host_header, core_->opt.user_agent, out_);
      ++core_->stats.requests_sent;
    }
    written_ = queue_.size();
    // A request with a body reader is alone on its connection: its head went out, its body follows.
    if (queue_.back()->request.body_reader) [[unlikely]]
      begin_upload(*queue_.back());
    writing_ = true;
    auto self = shared_from_this();
    auto on_written = [self](const error_code& ec, std::size_t) {
      self->writing_ = false;
      if (self->state_ == State::closed) return;
      if (ec) return self->broken(TransportError::Kind::closed, "write failed: " + ec.message());
      if (self->upload_state_ != Upload::none) [[unlikely]] {
        if (self->upload_state_ == Upload::head) self->next_piece();
        return;
      }
      self->flush();
    };
    if (tls_)
      asio::async_write(*tls_, asio::buffer(out_), std::move(on_written));
    else
      asio::async_write(*plain_, asio::buffer(out_), std::move(on_written));
  }

  void read() {
    if (streaming_) [[unlikely]]
      core_->extend(*streaming_);
    auto room = parser_.prepare(16 * 1024);
    auto self = shared_from_this();
    auto on_read = [self](const error_code& ec, std::size_t n) { self->on_read(ec, n); };
    if (tls_)
      tls_->async_read_some(asio::buffer(room.data(), room.size()), std::move(on_read));
    else
      plain_->async_read_some(asio::buffer(room.data(), room.size()), std::move(on_read));
  }

  void on_read(const error_code& ec, std::size_t n) {
    if (state_ == State::closed) return;
    if (ec) {
      // A body delimited by the end of the connection ends here.
      if (parser_.in_message() && !queue_.empty() && parser_.finish_eof() == Parser::Status::message_complete) {
        closing_ = true;
        if (parser_.streaming()) {
          // Ends now, or after its last piece was taken (the connection stays until then).
          finish_stream();
          return;
        }
        deliver_front();
      }
      if (queue_.empty()) {
        close();
        remove_from_pool();
        core_->pump(*pool_);
        return;
      }
      return broken(TransportError::Kind::closed,
                    ec != asio::error::eof ? ec.message()
                    : streaming_           ? "connection closed by the server in the middle of the body"
                                           : "connection closed by the server before the response");
    }
    parser_.commit(n);
    go_on(false);
  }

  // Delivers what is buffered and reads on, unless the connection is done for or paused.
  // `end_first`: a streamed answer's last piece was just taken; it ends before anything else.
  void go_on(bool end_first) {
    const bool nested = core_->corked;
    core_->corked = true;
    const bool more = (!end_first || end_stream()) && deliver_answers();
    if (!nested) core_->uncork();
    if (!more) return;
    if (queue_.empty()) went_idle();
    if (state_ == State::open) read();
  }

  // Every complete answer in the buffer, in order; false once the connection is done for.
  bool deliver_answers() {
    for (;;) {
      auto st = parser_.parse();
      if (st == Parser::Status::need_more) break;
      if (st == Parser::Status::headers_complete) {
        if (upload_state_ != Upload::none && !interim(parser_.status_code())) [[unlikely]]
          stop_upload();
        if (parser_.streaming() && !interim(parser_.status_code())) [[unlikely]] {
          if (queue_.empty() || written_ == 0) {
            broken(TransportError::Kind::protocol, "response without a request");
            return false;
          }
          if (!start_stream()) return false;
        }
        continue;
      }
      if (st == Parser::Status::body_piece) {
        if (!give_piece(false)) return false;
        continue;
      }
      if (st == Parser::Status::error) {
        std::string why = "malformed response: " + std::string(parser_.error_reason());
        if (!queue_.empty() && !queue_.front()->finished) {
          auto p = queue_.front();
          queue_.pop_front();
          if (!p->pipelinable) --unpipelinable_;
          --written_;
          p->conn = nullptr;
          core_->finish(p, {TransportError::Kind::protocol, why}, {});
        }
        broken(TransportError::Kind::closed, why);
        return false;
      }
      // message_complete
      if (interim(parser_.status_code())) {  // the real answer follows
        parser_.next();
        if (!queue_.empty()) expect(*queue_.front());
        continue;
      }
      if (queue_.empty() || written_ == 0) {
        broken(TransportError::Kind::protocol, "response without a request");
        return false;
      }
      if (upload_state_ != Upload::none) [[unlikely]]
        stop_upload();  // an answer that came whole in one read: no headers_complete before it
      if (!parser_.keep_alive()) closing_ = true;
      if (parser_.streaming()) [[unlikely]] {
        if (!finish_stream()) return false;
        continue;
      }
      deliver_front();
      if (!after_answer()) return false;
    }
    return true;
  }

  static bool interim(int status) noexcept { return status >= 100 && status < 200 && status != 101; }

  // After an answer was handed over: false when the connection is done for.
  bool after_answer() {
    if (state_ == State::closed) return false;
    if (closing_) {
      // The server ends the connection after this answer: the rest goes elsewhere.
      broken(TransportError::Kind::closed, "connection closed by the server (Connection: close)");
      return false;
    }
    return true;
  }

  // Tells the parser how the answer to `p`, now first in line, is read.
  void expect(const Exchange& p) {
    parser_.expect_no_body(p.head);
    if (p.stream) [[unlikely]]
      parser_.stream_body(true);
  }

  void deliver_front() {
    ClientResponse res;
    res.status = parser_.status_code();
    res.reason = std::string(parser_.reason());
    res.headers.assign(parser_.headers());
    res.body = detail::AnswerBuffers::take();
    res.body.assign(parser_.body());
    parser_.next();
    hand_over(std::move(res));
  }

  // The front's answer is in (the parser has moved on): it leaves the queue and completes.
  void hand_over(ClientResponse&& res) {
    auto p = std::move(queue_.front());
    queue_.pop_front();
    if (!p->pipelinable) --unpipelinable_;
    --written_;
    p->conn = nullptr;
    if (!queue_.empty()) expect(*queue_.front());
    ++core_->stats.responses_received;
    // No reference of our own is taken: this runs inside a read handler that holds one.
    core_->finish(p, {}, std::move(res));
    if (!closing_ && state_ == State::open) core_->pump(*pool_, this);
  }

  // --- streaming: the front exchange takes its answer in pieces (it is alone on the connection)

 public:
  // Exchange::resume_body().
  void resume_body(const Exchange* x) {
    if (state_ == State::closed || queue_.empty() || queue_.front().get() != x) return;
    if (in_piece_) {  // from inside on_body: delivery goes on when it returns
      resumed_ = true;
      return;
    }
    if (!paused_ || resume_posted_) return;
    resume_posted_ = true;
    // Never from inside the caller's own call: no callback of the exchange runs before it returns.
    asio::post(core_->ctx, [self = shared_from_this()] {
      self->resume_posted_ = false;
      if (!self->paused_ || self->state_ == State::closed) return;  // cancelled meanwhile
      self->paused_ = false;
      const bool end = self->end_pending_;
      self->end_pending_ = false;
      self->go_on(end);
    });
  }

 private:
  // Calls a callback of the streamed exchange `p`; one that throws cancels it.
  template <class F>
  void call_exchange(const PendingPtr& p, F&& f) {
    try {
      f();
    } catch (const std::exception& e) {
      core_->abort(p, {TransportError::Kind::cancelled, std::string("the exchange failed: ") + e.what()});
    } catch (...) {
      core_->abort(p, {TransportError::Kind::cancelled, "the exchange failed"});
    }
  }

  // The header section of the front's streamed answer is in: on_head. False when the exchange
  // went (cancel() from inside).
  bool start_stream() {
    PendingPtr p = queue_.front();  // cancel() takes it out of the queue
    p->headed = true;
    streaming_ = p.get();
    ClientResponse head;
    head.status = parser_.status_code();
    head.reason = std::string(parser_.reason());
    head.headers.assign(parser_.headers());
    call_exchange(p, [&] { p->on_head(head); });
    return !p->finished;
  }

  // Hands the parser's body() to the front's streamed exchange (`last`: the message's final
  // bytes, maybe none). True when delivery may go on at once; false when the exchange is paused
  // on the piece (the rest follows resume_body()) or went (cancel()).
  bool give_piece(bool last) {
    PendingPtr p = queue_.front();
    if (!p->headed && !start_stream()) return false;  // the whole answer came in one read
    const std::string_view piece = parser_.body();
    if (piece.empty()) return true;
    in_piece_ = true;
    resumed_ = false;
    call_exchange(p, [&] { p->on_body(piece); });
    in_piece_ = false;
    if (p->finished) return false;
    if (resumed_) return true;
    paused_ = true;
    end_pending_ = last;
    p->deadline = std::chrono::steady_clock::time_point::max();  // no timeout while it holds the piece
    return false;
  }

  // The front's streamed answer is complete: its last bytes, then (once taken) its end.
  bool finish_stream() { return give_piece(true) && end_stream(); }

  // The streamed answer ended properly and its last piece was taken: complete, and the
  // connection goes on as after any answer. False when it is done for.
  bool end_stream() {
    streaming_ = nullptr;
    parser_.next();
    hand_over({});
    return after_answer();
  }

  // --- uploads: the request's body from its BodyReader, one piece at a time (it is alone on
  // the connection). head: its head is being written; reading: the reader has the turn (the
  // timeout rests); writing: a piece goes out; last: the body's end goes out; stopped: an
  // answer came first, nothing more is sent and the connection closes after it.
  enum class Upload : std::uint8_t { none, head, reading, writing, last, stopped };

  void begin_upload(Exchange& x) {
    upload_ = &x;
    ++upload_serial_;
    upload_state_ = Upload::head;
    upload_reader_ = x.request.body_reader;
    upload_length_ = upload_reader_->length();
    upload_sent_ = 0;
  }

  // Asks the reader for the next piece; on_piece() takes it.
  void next_piece() {
    Exchange& x = *upload_;
    upload_state_ = Upload::reading;
    x.body_read = true;
    core_->rest(x);
    try {
      upload_reader_->read([weak = weak_from_this(), serial = upload_serial_](std::string_view piece, BodyReader::Status st) {
        if (auto self = weak.lock()) self->on_piece(serial, piece, st);
      });
    } catch (const std::exception& e) {
      fail_upload(std::string("the request body could not be read: ") + e.what());
    }
  }

  void on_piece(std::uint64_t serial, std::string_view piece, BodyReader::Status st) {
    // Late: the exchange completed (cancelled, timed out, answered early) or the connection went.
    if (state_ == State::closed || serial != upload_serial_ || upload_state_ != Upload::reading) return;
    core_->wake(*upload_);
    if (st == BodyReader::Status::error) return fail_upload("the request body could not be read (its reader failed)");
    const bool last = st == BodyReader::Status::end;
    const std::uint64_t total = upload_sent_ + piece.size();
    if (upload_length_ >= 0) {
      const auto declared = static_cast<std::uint64_t>(upload_length_);
      if (total > declared)
        return fail_upload("the request body is longer than its Content-Length (" + std::to_string(declared) + ")");
      if (last && total < declared)
        return fail_upload("the request body ended after " + std::to_string(total) + " of its " +
                           std::to_string(declared) + " bytes (Content-Length)");
    }
    if (!last && piece.empty()) return next_piece();  // nothing to send (a chunk of 0 would end the body)
    upload_sent_ = total;
    upload_state_ = last ? Upload::last : Upload::writing;
    // Chunked: the size line, the piece, its CRLF (and the last chunk after the last piece).
    static constexpr std::string_view crlf = "\r\n", crlf_end = "\r\n0\r\n\r\n", end = "0\r\n\r\n";
    std::array<asio::const_buffer, 3> out;
    if (upload_length_ >= 0) {
      if (piece.empty()) return upload_done();
      out[0] = asio::buffer(piece.data(), piece.size());
    } else if (piece.empty()) {
      out[0] = asio::buffer(end.data(), end.size());
    } else {
      char* e = std::to_chars(chunk_line_, chunk_line_ + sizeof chunk_line_ - 2, piece.size(), 16).ptr;
      *e++ = '\r';
      *e++ = '\n';
      out[0] = asio::buffer(chunk_line_, static_cast<std::size_t>(e - chunk_line_));
      out[1] = asio::buffer(piece.data(), piece.size());
      const std::string_view tail = last ? crlf_end : crlf;
      out[2] = asio::buffer(tail.data(), tail.size());
    }
    writing_ = true;
    auto on_written = [self = shared_from_this()](const error_code& ec, std::size_t) {
      self->writing_ = false;
      if (self->state_ == State::closed || self->upload_state_ == Upload::stopped) return;
      if (ec) {
        // Answered already: nothing left to wait for on this connection.
        if (!self->upload_) return self->broken(TransportError::Kind::closed, "write failed: " + ec.message());
        // An upstream that answered early and closed fails the write before its answer is read:
        // the read side says how the exchange ends (the answer, or the connection's end).
        self->abandon_upload();
        return;
      }
      if (self->upload_state_ == Upload::writing) return self->next_piece();
      self->upload_done();
    };
    if (tls_)
      asio::async_write(*tls_, out, std::move(on_written));
    else
      asio::async_write(*plain_, out, std::move(on_written));
  }

  // The body is all out: the request waits for its answer as any other.
  void upload_done() {
    ++upload_serial_;  // a read still out (its end, after an answer) is ignored when it comes
    upload_ = nullptr;
    upload_state_ = Upload::none;
    upload_reader_.reset();
    flush();  // a request placed here once the answer came while the body's end went out
  }

  // The upload's answer came (its head, or all of it): when the body is not all out, nothing
  // more is read from the reader or sent, and the connection closes after the answer (its
  // request is unfinished). Once the body's end is on its way, the request is whole and the
  // connection may stay; upload_ is cleared either way (the exchange is about to complete).
  void stop_upload() {
    if (upload_state_ == Upload::none || upload_state_ == Upload::stopped) return;
    // All the declared bytes are out (or going), only the reader's end is awaited: the request
    // is whole on the wire (the reader's end, when it comes, is ignored).
    const bool whole = upload_length_ >= 0 && upload_sent_ == static_cast<std::uint64_t>(upload_length_);
    if (upload_state_ == Upload::last || (upload_state_ == Upload::writing && whole)) {
      upload_state_ = Upload::last;
      upload_ = nullptr;
      return;
    }
    if (upload_state_ == Upload::reading) {
      core_->wake(*upload_);  // the answer's wait counts
      if (whole) return upload_done();
    }
    abandon_upload();
  }

  // Nothing more of the body goes out; the connection closes once its answer is in (or broke).
  void abandon_upload() {
    upload_ = nullptr;
    ++upload_serial_;
    upload_state_ = Upload::stopped;
    closing_ = true;
  }

  // The body cannot be sent: the exchange completes with `why` and the connection closes (the
  // upstream sees the request cut short).
  void fail_upload(std::string why) {
    if (queue_.empty() || queue_.front().get() != upload_) [[unlikely]]
      return broken(TransportError::Kind::cancelled, std::move(why));
    PendingPtr p = queue_.front();  // the upload, unanswered: an answer would have stopped it
    core_->abort(p, {TransportError::Kind::cancelled, std::move(why)});
  }

  void went_idle() {
    if (state_ != State::open || !queue_.empty()) return;
    std::size_t idle = 0;
    for (auto& c : pool_->conns)
      if (c->idle()) ++idle;
    if (idle > core_->opt.max_idle) {
      close();
      remove_from_pool();
      return;
    }
    auto self = shared_from_this();
    idle_timer_.expires_after(core_->opt.idle_timeout);
    idle_timer_.async_wait([self](const error_code& ec) {
      if (ec || !self->idle()) return;
      self->close();
      self->remove_from_pool();
    });
  }

  std::shared_ptr<Core> core_;
  Pool* pool_;
  tcp::resolver resolver_;
  asio::steady_timer connect_timer_, idle_timer_;
  std::optional<tcp::socket> plain_;
  std::optional<ssl::stream<tcp::socket>> tls_;
  Parser parser_;
  std::deque<PendingPtr> queue_;
  std::size_t written_ = 0;  // the first written_ entries of queue_ are on the wire
  std::size_t unpipelinable_ = 0;  // entries of queue_ that may not share the connection
  std::string out_;
  State state_ = State::connecting;
  bool writing_ = false, closing_ = false, removed_ = false, connect_timed_out_ = false, flush_due_ = false;
  // Streaming: the front exchange once its head went up; inside its on_body; resumed from
  // there; paused on a piece (and whether it was the last); a resume posted.
  Exchange* streaming_ = nullptr;
  bool in_piece_ = false, resumed_ = false, paused_ = false, end_pending_ = false, resume_posted_ = false;
  // Uploading: the exchange whose body goes out, where it stands, its reader (held until the
  // connection goes, so a piece being written stays valid), its declared length (-1: chunked)
  // and what was sent; the size line of the chunk being written.
  Exchange* upload_ = nullptr;
  std::uint64_t upload_serial_ = 0;  // which upload a reader's callback belongs to
  Upload upload_state_ = Upload::none;
  std::shared_ptr<BodyReader> upload_reader_;
  std::int64_t upload_length_ = -1;
  std::uint64_t upload_sent_ = 0;
  char chunk_line_[24];
};

ssl::context& Transport::Core::tls_context() {
  if (tls) return *tls;
  // Built aside and kept only once every file loaded: a failure leaves no half-set context.
  ssl::context ctx(ssl::context::tls_client);
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  const auto& t = opt.tls;
  auto load = [](const char* what, const std::string& file, auto&& f) {
    try {
      f();
    } catch (const std::exception& e) {
      throw std::runtime_error(std::string("cannot load TLS ") + what + " '" + file + "': " + e.what());
    }
  };
  if (t.ca_file.empty() && t.ca_dir.empty()) ctx.set_default_verify_paths();
  if (!t.ca_file.empty()) load("CA file", t.ca_file, [&] { ctx.load_verify_file(t.ca_file); });
  if (!t.ca_dir.empty()) load("CA directory", t.ca_dir, [&] { ctx.add_verify_path(t.ca_dir); });
  if (!t.cert_file.empty()) load("client certificate", t.cert_file, [&] { ctx.use_certificate_chain_file(t.cert_file); });
  if (!t.key_file.empty()) load("client key", t.key_file, [&] { ctx.use_private_key_file(t.key_file, ssl::context::pem); });
  tls.emplace(std::move(ctx));
  return *tls;
}

void Transport::Core::submit(PendingPtr p) {
  bool post;
  {
    std::lock_guard lk(submit_mu);
    submitted.push_back(std::move(p));
    post = !drain_posted;
    drain_posted = true;
  }
  if (post) asio::post(ctx, [self = shared_from_this()] { self->drain(); });
}

void Transport::Core::drain() {
  {
    std::lock_guard lk(submit_mu);
    draining.swap(submitted);
    drain_posted = false;
  }
  corked = true;
  const auto now = std::chrono::steady_clock::now();  // one reading for the batch's deadlines
  for (auto& p : draining) start(std::move(p), now);
  draining.clear();
  uncork();
}

void Transport::Core::uncork() {
  corked = false;
  // A connection flushed here may break and call back into the pool: work on a copy.
  auto conns = std::move(to_flush);
  to_flush.clear();
  for (auto& c : conns) c->uncork();
}

Pool& Transport::Core::pool_for(const Origin& origin) {
  if (last_pool && last_pool->origin.port == origin.port && last_pool->origin.host == origin.host &&
      last_pool->origin.scheme == origin.scheme)
    return *last_pool;
  auto& slot = pools[origin.key()];
  if (!slot) {
    slot = std::make_unique<Pool>();
    slot->core = this;
    slot->origin = origin;
    slot->host_header = origin.host_header();
  }
  last_pool = slot.get();
  return *slot;
}

void Transport::Core::start(PendingPtr p, std::chrono::steady_clock::time_point now) {
  // Sent again after it completed (a retry from above): fresh bookkeeping.
  p->finished = false;
  p->conn = nullptr;
  p->resends = 0;
  p->headed = false;
  p->body_read = false;
  if (stopped) return finish(p, {TransportError::Kind::cancelled, "transport shut down"}, {});
  if (p->request.body_reader && !p->request.body.empty()) [[unlikely]]
    return finish(p, {TransportError::Kind::cancelled, "a request with a body_reader has a body as well"}, {});
  if (p->cancel_pending) return finish(p, {TransportError::Kind::cancelled, "cancelled before it was sent"}, {});
  p->pool = &pool_for(p->origin);
  // A streamed answer holds its connection (reading paused) for as long as its taker wants.
  // So does an upload (its body comes as its reader gives it; nothing may go out behind it).
  p->pipelinable = !p->stream && !p->request.body_reader && (p->request.idempotent() || p->request.allow_pipelining);
  p->head = p->request.method == "HEAD";
  p->deadline = now + timeout_of(*p);
  p->link(&live);
  if (p->deadline < sweep_at) arm_sweep(p->deadline);
  try {
    dispatch(p);
  } catch (const std::exception& e) {  // a TLS context that could not load its files
    finish(p, {TransportError::Kind::tls, e.what()}, {});
  }
}

bool Transport::Core::try_place(Pool& pool, const PendingPtr& p, bool may_open) {
  // One pass: the first idle connection, else (after opening one, if allowed) the least
  // loaded one this request may share.
  const bool share = p->pipelinable && opt.pipeline_depth > 1;
  Connection* best = nullptr;
  std::size_t best_load = 0;
  for (auto& c : pool.conns) {
    if (!c->accepting()) continue;
    const std::size_t load = c->load();
    if (load == 0) {
      c->assign(p);
      return true;
    }
    if (share && load < opt.pipeline_depth && (!best || load < best_load) && c->all_pipelinable()) {
      best = c.get();
      best_load = load;
    }
  }
  if (may_open && pool.conns.size() < opt.max_connections) {
    auto c = std::make_shared<Connection>(shared_from_this(), pool);
    pool.conns.push_back(c);
    c->assign(p);
    c->connect();
    return true;
  }
  if (best) {
    best->assign(p);
    return true;
  }
  return false;
}

void Transport::Core::dispatch(PendingPtr p) {
  if (p->finished) return;
  if (!try_place(*p->pool, p, true)) p->pool->waiting.push_back(std::move(p));
}

void Transport::Core::pump(Pool& pool, Connection* freed) {
  while (!pool.waiting.empty()) {
    auto& p = pool.waiting.front();
    if (p->finished) {
      pool.waiting.pop_front();
      continue;
    }
    // While requests wait, every other connection is full or busy with what it cannot share
    // (it would have taken one when its own answer freed a slot): the one that just answered
    // is where the next request goes, without looking at the rest.
    if (freed && p->pipelinable && freed->accepting() && freed->load() < opt.pipeline_depth && freed->all_pipelinable() &&
        freed->load() > 0) {
      freed->assign(p);
    } else if (!try_place(pool, p, true)) {
      break;
    }
    pool.waiting.pop_front();
  }
}

void Transport::Core::finish(const PendingPtr& p, TransportError&& err, ClientResponse&& res) {
  if (p->finished) return;
  p->finished = true;
  p->unlink();
  try {
    p->complete(std::move(err), std::move(res));
  } catch (...) {
    // A callback that throws must not take the transport's thread down with it.
  }
}

void Transport::Core::on_timeout(const PendingPtr& p) {
  if (p->finished) return;
  const auto ms = std::to_string(timeout_of(*p).count());
  abort(p, {TransportError::Kind::timeout,
            p->headed ? "no more of the body within " + ms + " ms" : "no response within " + ms + " ms"});
}

void Transport::Core::abort(const PendingPtr& p, TransportError err) {
  if (p->finished) return;
  // The connection stays while the exchange completes, whatever complete() does.
  auto c = p->conn ? p->conn->shared_from_this() : nullptr;
  const auto why = err.kind;
  finish(p, std::move(err), {});
  if (c) {
    c->abandon_for(why);
  } else if (p->pool) {
    auto& w = p->pool->waiting;
    for (auto it = w.begin(); it != w.end(); ++it)
      if (*it == p) {
        w.erase(it);
        break;
      }
  }
}

void Transport::Core::arm_sweep(std::chrono::steady_clock::time_point at) {
  sweep_at = at;
  sweep_timer.expires_at(at);  // a wait already set is cancelled (its handler sees the error)
  sweep_timer.async_wait([self = shared_from_this()](const error_code& ec) {
    if (!ec && !self->stopped) self->sweep();
  });
}

// Times out every live request past its deadline, then sets the timer for the earliest left.
void Transport::Core::sweep() {
  sweep_at = std::chrono::steady_clock::time_point::max();
  const auto now = std::chrono::steady_clock::now();
  std::vector<PendingPtr> due;
  for (Exchange* p = live; p; p = p->next)
    if (p->deadline <= now) due.push_back(p->shared_from_this());
  for (auto& p : due) on_timeout(p);
  if (stopped) return;
  auto next = std::chrono::steady_clock::time_point::max();
  for (Exchange* p = live; p; p = p->next) next = std::min(next, p->deadline);
  if (next != std::chrono::steady_clock::time_point::max()) arm_sweep(next);
}

void Transport::Core::shutdown() {
  if (stopped) return;
  stopped = true;
  sweep_timer.cancel();
  for (auto& t : scheduled) t->cancel();
  scheduled.clear();
  for (auto& [key, pool] : pools) {
    auto waiting = std::move(pool->waiting);
    for (auto& p : waiting) finish(p, {TransportError::Kind::cancelled, "transport shut down"}, {});
    auto conns = pool->conns;
    for (auto& c : conns) c->broken(TransportError::Kind::cancelled, "transport shut down");
    pool->conns.clear();
  }
}

// --- Transport ----------------------------------------------------------------------------

struct Transport::Runner {
  asio::io_context ctx{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{ctx.get_executor()};
  std::thread thread{[this] { ctx.run(); }};
};

Transport::Transport(TransportOptions options) : runner_(std::make_unique<Runner>()) {
  core_ = std::make_shared<Core>(runner_->ctx, std::move(options));
}

Transport::Transport(TransportOptions options, asio::io_context& ctx)
    : core_(std::make_shared<Core>(ctx, std::move(options))) {}

Transport::~Transport() {
  auto core = core_;
  if (core->ctx.get_executor().running_in_this_thread()) {
    core->shutdown();
  } else {
    auto done = std::make_shared<std::promise<void>>();
    auto f = done->get_future();
    asio::post(core->ctx, [core, done] {
      core->shutdown();
      done->set_value();
    });
    // An io_context nobody runs any more cannot shut down; the core stays with the handler.
    f.wait_for(std::chrono::seconds(5));
  }
  if (runner_) {
    runner_->work.reset();
    runner_->thread.join();
  }
  core_.reset();
}

void Transport::async_send(const Origin& origin, ClientRequest request, Callback done) {
  auto p = std::make_shared<CallbackExchange>();
  p->request = std::move(request);
  p->origin = origin;
  p->done = std::move(done);
  core_->submit(std::move(p));
}

void Transport::async_send(const Origin& origin, std::shared_ptr<Exchange> x) {
  x->origin = origin;
  x->cancel_pending = false;
  core_->submit(std::move(x));
}

std::pair<TransportError, ClientResponse> Transport::send(const Origin& origin, ClientRequest request) {
  auto result = std::make_shared<std::promise<std::pair<TransportError, ClientResponse>>>();
  auto f = result->get_future();
  async_send(origin, std::move(request), [result](TransportError err, ClientResponse res) {
    result->set_value({std::move(err), std::move(res)});
  });
  return f.get();
}

void Transport::schedule(std::chrono::nanoseconds delay, std::function<void()> f) {
  asio::post(core_->ctx, [core = core_, delay, f = std::move(f)]() mutable {
    if (core->stopped) return;
    auto timer = std::make_shared<asio::steady_timer>(core->ctx, delay);
    core->scheduled.insert(timer);
    timer->async_wait([core, timer, f = std::move(f)](const error_code& ec) {
      core->scheduled.erase(timer);
      if (!ec && !core->stopped) f();
    });
  });
}

void Transport::close_idle() {
  asio::post(core_->ctx, [core = core_] {
    for (auto& [key, pool] : core->pools) {
      auto conns = pool->conns;
      for (auto& c : conns)
        if (c->idle()) c->broken(TransportError::Kind::closed, "closed while idle");
    }
  });
}

TransportStats Transport::stats() const {
  auto collect = [](Core& core) {
    TransportStats s = core.stats;
    s.open_connections = s.idle_connections = 0;
    for (auto& [key, pool] : core.pools)
      for (auto& c : pool->conns) {
        ++s.open_connections;
        if (c->idle()) ++s.idle_connections;
        s.read_buffer_bytes += c->buffer_bytes();
      }
    return s;
  };
  if (core_->ctx.get_executor().running_in_this_thread()) return collect(*core_);
  auto result = std::make_shared<std::promise<TransportStats>>();
  auto f = result->get_future();
  asio::post(core_->ctx, [core = core_, result, collect] { result->set_value(collect(*core)); });
  return f.get();
}

const TransportOptions& Transport::options() const noexcept { return core_->opt; }

// --- Exchange -----------------------------------------------------------------------------

void Exchange::resume_body() {
  if (conn && !finished) conn->resume_body(this);
}

void Exchange::cancel() {
  cancel_pending = true;  // not taken by the transport yet: start() sees it
  if (list && !finished && pool) pool->core->abort(shared_from_this(), {TransportError::Kind::cancelled, "cancelled"});
}

}  // namespace oasis::http
