// http/server.cpp — acceptors, connections, keep-alive, pipelining, limits, timeouts, TLS and
// graceful shutdown on Asio.
//
// Each thread owns one io_context (no locking in its reactor), one SO_REUSEPORT acceptor, a
// cached Date line and a timer that ticks four times a second: the tick refreshes the Date and
// sweeps the thread's connections for expired deadlines, so no per-request timer is ever armed.
// A connection parses everything it has received, answers each complete request into one
// output buffer (responses in request order), writes the batch, then reads again.
//
// Plain TCP connections are registered once, edge-triggered, in a per-thread epoll set that
// the io_context watches as a single descriptor. Each connection remembers whether its socket
// can still be read or written, so a keep-alive exchange costs one recv and one send: Asio's
// own reactor must either try a read that says EAGAIN after every response or re-arm the
// descriptor with epoll_ctl, a third system call per request (see docs/http.md). TLS
// connections, timers, signals and accepts stay on Asio.
#include <oasis/http/date.hpp>
#include <oasis/http/parser.hpp>
#include <oasis/http/serializer.hpp>
#include <oasis/http/server.hpp>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <functional>
#include <optional>
#include <system_error>
#include <thread>
#include <type_traits>
#include <vector>

namespace oasis::http {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {
constexpr auto kTick = std::chrono::milliseconds(250);
constexpr auto kLinger = std::chrono::seconds(2);
}  // namespace

struct Worker;

// The part of a connection the worker's sweep needs; the rest is templated on the stream.
class ConnectionBase {
 public:
  virtual ~ConnectionBase() = default;
  virtual void on_deadline() = 0;
  virtual void on_shutdown() = 0;
  virtual void force_close() = 0;
  // Readiness from the thread's epoll set (plain TCP connections only).
  virtual void on_io(std::uint32_t events) = 0;
  ConnectionBase* prev = nullptr;
  ConnectionBase* next = nullptr;
  Clock::time_point deadline = Clock::time_point::max();
};

struct Worker {
  asio::io_context ctx{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};  // destroyed last
  Server::Impl* server = nullptr;
  unsigned index = 0;
  std::optional<tcp::acceptor> acceptor;
  asio::steady_timer tick{ctx};
  int epfd = -1;                                     // plain connections' readiness
  std::optional<asio::posix::stream_descriptor> epoll_watch;  // epfd, as seen by the io_context
  DateCache date;
  ConnectionBase* head = nullptr;
  std::size_t connections = 0;
  std::vector<std::function<void()>> at_stop;  // at_thread_stop(): run once on this thread
  bool stopping = false;
  Clock::time_point stop_deadline = Clock::time_point::max();

  void link(ConnectionBase* c) {
    c->next = head;
    if (head) head->prev = c;
    head = c;
    ++connections;
  }
  void unlink(ConnectionBase* c) {
    if (c->prev) c->prev->next = c->next;
    else if (head == c) head = c->next;
    if (c->next) c->next->prev = c->prev;
    c->prev = c->next = nullptr;
    --connections;
  }
  void start_tick();
  void on_tick();
  void run_stop_hooks();
  void watch_epoll();
  void on_epoll();
  void begin_stop();
  void do_accept();
};

namespace {
thread_local Worker* this_worker = nullptr;  // set while a worker's io_context runs

// Runs a worker's io_context with this_worker set.
void run_worker(Worker& w) {
  Worker* outer = this_worker;
  this_worker = &w;
  w.ctx.run();
  this_worker = outer;
}
}  // namespace

asio::io_context* this_thread_context() noexcept { return this_worker ? &this_worker->ctx : nullptr; }

bool at_thread_stop(std::function<void()> f) {
  if (!this_worker) return false;
  this_worker->at_stop.push_back(std::move(f));
  return true;
}

struct Server::Impl {
  ServerOptions opt;
  Handler handler;
  std::string server_line;
  std::vector<std::unique_ptr<Worker>> workers;
  std::optional<ssl::context> tls;
  std::optional<asio::signal_set> signals;
  std::uint16_t port = 0;
  bool listening = false;
  std::atomic<bool> stop_requested{false};
  std::atomic<bool> stopped{false};

  void arm_signals();
};

template <class Stream>
class Connection final : public ConnectionBase, public std::enable_shared_from_this<Connection<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, tcp::socket>;
  enum class Phase : std::uint8_t { none, handshake, idle, header, body, write, linger };

 public:
  template <class... Args>
  Connection(Worker& w, Args&&... args)
      : w_(w),
        stream_(std::forward<Args>(args)...),
        parser_(Parser::Kind::request, w.server->opt.limits),
        may_stream_(static_cast<bool>(w.server->opt.stream_request_body)) {
    w_.link(this);
    // A Deferred shares the connection's ownership and points at its embedded sink: deferring
    // allocates nothing, and keeps the connection alive for as long as the answer is pending.
    sink_factory_ = [this] { return std::shared_ptr<ResponseSink>(this->shared_from_this(), &sink_); };
    res_.set_sink_factory(&sink_factory_);
    boost::system::error_code ec;
    auto ep = socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string();
  }
  ~Connection() override { w_.unlink(this); }

  void start() {
    if constexpr (kTls) {
      set_phase(Phase::handshake);
      stream_.async_handshake(ssl::stream_base::server, [self = this->shared_from_this()](const boost::system::error_code& ec) {
        if (ec) return self->close();
        self->do_read();
      });
    } else {
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
      ev.data.ptr = static_cast<ConnectionBase*>(this);
      if (::epoll_ctl(w_.epfd, EPOLL_CTL_ADD, socket().native_handle(), &ev) != 0) return close();
      self_ = this->shared_from_this();  // the worker's epoll set holds no reference of its own
      do_read();
    }
  }

  void on_io(std::uint32_t events) override {
    if constexpr (!kTls) {
      if (closed_) return;
      auto keep = self_;
      if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
        can_write_ = true;
        if (writing_) {
          if (streaming_) [[unlikely]] write_stream_now();
          else write_now();
        } else if (deferred_ && (events & (EPOLLERR | EPOLLHUP))) [[unlikely]] {
          return close();  // the client is gone (reset) while its answer is pending
        }
      }
      if (!closed_ && (events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP))) {
        can_read_ = true;
        // The peer's end came: reads go on until they find it (a short read does not mean
        // there is nothing left, and no further edge will say so).
        if (events & (EPOLLRDHUP | EPOLLERR | EPOLLHUP)) peer_done_ = true;
        if (lingering_) drain();
        else if (reading_) read_now();
      }
    } else {
      (void)events;
    }
  }

  void on_deadline() override {
    deadline = Clock::time_point::max();
    switch (phase_) {
      case Phase::header:
      case Phase::body:
        if (in_) [[unlikely]] return body_timed_out();
        // A client too slow to send its request gets 408 (RFC 9110 §15.5.9), then the door.
        if constexpr (kTls) {
          timed_out_ = true;
          socket().cancel();
        } else {
          if (!reading_) return force_close();
          auto keep = self_;
          reading_ = false;
          serialize_error(408, "the request was not received in time");
          flush();
        }
        break;
      default:
        force_close();
    }
  }

  void on_shutdown() override {
    // Idle connections go at once; busy ones finish their exchange and then close.
    if (reading_ && !parser_.in_message() && !parser_.has_buffered()) force_close();
  }

  void force_close() override { close(); }

 private:
  struct Sink final : ResponseSink {
    explicit Sink(Connection* c) : c(c) {}
    void finish() override {
      if (c->streaming_) c->finish_stream();
      else c->finish_deferred();
    }
    void dispatch(std::function<void()> f) override { asio::post(c->w_.ctx, std::move(f)); }
    void after(std::chrono::milliseconds delay, std::function<void()> f) override {
      auto timer = std::make_shared<asio::steady_timer>(c->w_.ctx, delay);
      timer->async_wait([timer, f = std::move(f)](const boost::system::error_code& ec) {
        if (!ec) f();
      });
    }
    Response& response() override { return c->res_; }
    void start_stream() override { c->start_stream(); }
    void write(std::string_view piece, std::function<void()> written) override {
      c->stream_write(piece, std::move(written));
    }
    void abort() override { c->abort_deferred(); }
    bool open() const noexcept override { return !c->closed_ && c->deferred_; }
    void on_close(std::function<void()> f) override { c->set_on_close(std::move(f)); }
    Connection* c;  // the sink is a member of *c
  };

  // What a deferred answer needs beyond the ordinary path: the close callback and the state
  // of a streamed body. Made on first use, so a connection that never streams carries one
  // null pointer.
  struct Later {
    std::function<void()> on_close;  // until finish() or abort()
    std::function<void()> written;   // for the piece queued or under way
    std::string_view queued;         // a piece not yet framed (a write is still under way)
    std::string_view piece, tail;    // under way, after out_: the piece and its CRLF if chunked
    std::uint64_t left = 0;          // BodyFraming::length: bytes not yet queued
    BodyFraming framing = BodyFraming::none;
    bool has_queued = false, in_flight = false;
    bool awaiting = false;     // the last piece's `written` has not run yet
    bool end_pending = false;  // finish() or abort(): the end goes out after what is queued
    bool ending = false;       // the end is in out_: once it is sent, the answer is done
    bool aborted = false;      // the end is a close, not the end of the message
  };

  // The handler's end of a request body read piece by piece (stream_request_body). Tied to its
  // connection while the body is under way; once it ended, failed or was given up, it answers
  // every read() itself with how it ended.
  struct Reader final : BodyReader {
    Reader(std::shared_ptr<Connection> conn, std::int64_t length)
        : c(std::move(conn)), ctx(&c->w_.ctx), len(length) {}
    void read(std::function<void(std::string_view, Status)> f) override {
      if (!f) return;
      if (c) return c->body_read(std::move(f));
      asio::post(*ctx, [f = std::move(f), st = final] { f({}, st); });
    }
    std::int64_t length() const noexcept override { return len; }
    std::shared_ptr<Connection> c;  // null once the body ended, failed or was given up
    asio::io_context* ctx;
    std::int64_t len;
    Status final = Status::error;
  };

  // A request whose body comes through a Reader, from its head until its answer is settled.
  struct BodyIn {
    std::weak_ptr<Reader> reader;  // the handler's, while the body is under way
    std::function<void(std::string_view, BodyReader::Status)> pending;  // the read() waiting
    bool ended = false;          // read() reported the end: the connection may go on
    bool continue_owed = false;  // Expect: 100-continue, answered at the first read()
    // What the answer needs of the request (its head's views go with the first piece).
    bool head = false, gzip = false;
  };

  tcp::socket& socket() {
    if constexpr (kTls) return stream_.next_layer();
    else return stream_;
  }

  std::chrono::milliseconds timeout_of(Phase p) const {
    const auto& t = w_.server->opt.timeouts;
    switch (p) {
      case Phase::header: return t.header;
      case Phase::body: return t.body;
      case Phase::idle: return t.idle;
      case Phase::write: return t.write;
      case Phase::handshake: return t.header;
      case Phase::linger: return std::chrono::duration_cast<std::chrono::milliseconds>(kLinger);
      case Phase::none: break;
    }
    return std::chrono::milliseconds::max();
  }

  // Deadlines are set when a phase begins, never pushed back by progress within it, so a
  // client dribbling a byte at a time is still cut off.
  void set_phase(Phase p) {
    if (p == phase_) return;
    phase_ = p;
    deadline = Clock::now() + timeout_of(p);
  }

  void do_read() {
    if (closed_) return;
    if (w_.stopping && !parser_.in_message() && !parser_.has_buffered()) return close();
    set_phase(!parser_.in_message() ? Phase::idle : !parser_.headers_done() ? Phase::header : Phase::body);
    reading_ = true;
    if constexpr (!kTls) {
      if (can_read_) read_now();
      return;
    }
    auto room = parser_.prepare(4096);
    stream_.async_read_some(asio::buffer(room.data(), room.size()),
                            [self = this->shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                              self->on_read(ec, n);
                            });
  }

  void on_read(const boost::system::error_code& ec, std::size_t n) {
    reading_ = false;
    if (ec) {
      if (in_ && timed_out_) [[unlikely]] {  // a read() of the body waited too long: it has failed
        timed_out_ = false;
        return;
      }
      if (timed_out_ && !closed_ && parser_.in_message()) {
        timed_out_ = false;
        serialize_error(408, "the request was not received in time");
        return flush();
      }
      return close();
    }
    parser_.commit(n);
    process();
  }

  // Plain TCP: read what the socket has. A short read means it is empty (edge-triggered epoll
  // will say when that changes), so no read is ever tried just to learn EAGAIN.
  void read_now() {
    if (sync_depth_ > 16) {
      // A client that never stops sending: go round the event loop rather than the stack.
      asio::post(w_.ctx, [keep = self_] { keep->read_now(); });
      return;
    }
    auto room = parser_.prepare(4096);
    ssize_t n;
    do n = ::recv(socket().native_handle(), room.data(), room.size(), 0);
    while (n < 0 && errno == EINTR);
    if (n > 0) {
      if (static_cast<std::size_t>(n) < room.size() && !peer_done_) can_read_ = false;
      reading_ = false;
      parser_.commit(static_cast<std::size_t>(n));
      ++sync_depth_;
      process();
      --sync_depth_;
      return;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      can_read_ = false;  // stay reading_: the next EPOLLIN comes here
      return;
    }
    close();  // EOF or error
  }

  // After a send that took nothing (`n` <= 0): true to try again (interrupted); otherwise it
  // waits for EPOLLOUT (a full socket) or closes (an error), and the caller returns.
  bool send_failed(ssize_t n) {
    if (n < 0 && errno == EINTR) return true;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      can_write_ = false;
      writing_ = true;
      set_phase(Phase::write);
      return false;
    }
    close();
    return false;
  }

  // Plain TCP: write what is pending; on a full socket, wait for EPOLLOUT.
  void write_now() {
    while (written_ < out_.size()) {
      ssize_t n = ::send(socket().native_handle(), out_.data() + written_, out_.size() - written_, MSG_NOSIGNAL);
      if (n > 0) {
        written_ += static_cast<std::size_t>(n);
        continue;
      }
      if (!send_failed(n)) return;
    }
    out_.clear();
    written_ = 0;
    writing_ = false;
    after_write();
  }

  // Answers every complete request in the buffer, then writes them all at once.
  void process() {
    if (in_) [[unlikely]] return pump_body();
    while (!closed_ && !close_after_write_) {
      // A body may be read by the handler: the parser must know before the head is parsed
      // (it then leaves max_body to us).
      if (may_stream_ && !parser_.in_message()) [[unlikely]] parser_.stream_body(true);
      auto st = parser_.parse();
      if (st == Parser::Status::need_more) break;
      if (st == Parser::Status::headers_complete) {
        if (may_stream_) [[unlikely]] {
          if (!at_headers()) return;  // the handler reads the body: it answers later
          continue;
        }
        if (parser_.expects_continue()) Serializer::write_continue(out_);
        continue;
      }
      if (st == Parser::Status::error) {
        serialize_error(parser_.error_status(), parser_.error_reason());
        break;
      }
      if (may_stream_ && parser_.body().size() > w_.server->opt.limits.max_body) [[unlikely]] {
        serialize_error(413, "body larger than the limit");  // came whole, the parser streaming
        break;
      }
      phase_ = Phase::none;  // the next request gets a fresh idle deadline
      if (!handle()) return;  // answered later: finish_deferred() goes on from here
    }
    flush();
  }

  // Runs the handler; false when it deferred its answer.
  bool handle() {
    Request& req = const_cast<Request&>(parser_.request());
    req.set_remote_address(remote_);
    req.set_secure(kTls);
    res_.clear();
    try {
      w_.server->handler(req, res_);
    } catch (const std::exception& e) {
      res_.clear();
      serialize_error(500, "the handler failed");
      close_after_write_ = false;
      if (in_) [[unlikely]] {  // its body is left unread
        end_body_exchange();
        close_after_write_ = true;
      }
      return true;
    }
    if (res_.deferred()) {
      deferred_ = true;
      // The answer's time is the handler's (and its upstream's) to keep: the deadline left
      // over from reading the request must not cut it off.
      deadline = Clock::time_point::max();
      return false;
    }
    serialize_response();
    return true;
  }

  SerializeOptions options_for(const Request& req, bool keep_alive) {
    const auto& o = w_.server->opt;
    SerializeOptions so;
    so.head = req.method() == Method::HEAD;
    so.keep_alive = keep_alive;
    so.version_minor = req.version_minor();
    so.gzip_min_bytes = o.gzip_min_bytes;
    if (in_) [[unlikely]] {
      so.head = in_->head;
      so.gzip = o.gzip && res_.body().size() >= o.gzip_min_bytes && in_->gzip;
    } else {
      so.gzip = o.gzip && res_.body().size() >= o.gzip_min_bytes && accepts_gzip(req.header("Accept-Encoding"));
    }
    so.date_line = w_.date.line();
    so.server_line = w_.server->server_line;
    return so;
  }

  void serialize_response() {
    const Request& req = parser_.request();
    bool keep = req.keep_alive() && !w_.stopping && !res_.closing();
    SerializeOptions so = options_for(req, keep);
    if (in_ && !end_body_exchange()) [[unlikely]] so.keep_alive = keep = false;  // body left unread
    serializer_.write(res_, so, out_);
    if (!keep) close_after_write_ = true;
    parser_.next();
  }

  void serialize_error(int status, std::string_view detail) {
    SerializeOptions so;
    so.keep_alive = false;
    so.date_line = w_.date.line();
    so.server_line = w_.server->server_line;
    serializer_.write_error(status, detail, so, out_);
    close_after_write_ = true;
  }

  void finish_deferred() {
    if (!deferred_) return;
    deferred_ = false;
    if (closed_) return;
    if (later_) later_.reset();  // the caller's handle keeps *this alive meanwhile
    serialize_response();
    if (close_after_write_) return flush();
    process();
  }

  // --- request bodies read by the handler (ServerOptions::stream_request_body) ---------------

  // The head of a request whose body is still to come, with stream_request_body set: asks it.
  // False when the handler took the body and answers later (process() stops there).
  bool at_headers() {
    Request& req = const_cast<Request&>(parser_.request());
    req.set_remote_address(remote_);
    req.set_secure(kTls);
    req.set_body({});
    bool take = false;
    if (parser_.has_body()) {
      try {
        take = w_.server->opt.stream_request_body(req);
      } catch (const std::exception&) {
        serialize_error(500, "the handler failed");
        return true;
      }
    }
    if (!take) {
      // max_body applies again: a declared length past it makes the next parse() a 413
      parser_.stream_body(false);
      if (!parser_.error_status() && parser_.expects_continue()) Serializer::write_continue(out_);
      return true;
    }
    in_ = std::make_unique<BodyIn>();
    auto reader = std::make_shared<Reader>(this->shared_from_this(), parser_.declared_length());
    in_->reader = reader;
    in_->continue_owed = parser_.expects_continue();
    in_->head = req.method() == Method::HEAD;
    in_->gzip = accepts_gzip(req.header("Accept-Encoding"));
    req.set_body_reader(std::move(reader));
    phase_ = Phase::none;
    const bool answered = handle();
    req.set_body_reader(nullptr);  // the handler's copy is the only one
    return answered;
  }

  // Reader::read(): answered from the event loop, never inside the call.
  void body_read(std::function<void(std::string_view, BodyReader::Status)> f) {
    if (closed_ || !in_ || in_->pending) {  // (a second read() at once is refused)
      asio::post(w_.ctx, [f = std::move(f)] { f({}, BodyReader::Status::error); });
      return;
    }
    in_->pending = std::move(f);
    asio::post(w_.ctx, [self = this->shared_from_this()] { self->body_resume(); });
  }

  void body_resume() {
    if (closed_ || !in_ || !in_->pending) return;
    if (in_->continue_owed) {
      in_->continue_owed = false;
      // The handler wants the body: now the client may send it (unless an answer started).
      if (!streaming_ && !writing_) return send_continue();
    }
    pump_body();
  }

  // 100 Continue, after any earlier answers still owed; the body is read once it went out.
  void send_continue() {
    if constexpr (kTls) {
      // From a buffer of its own: an answer given while it is under way goes to out_, which is
      // written after it.
      continue_out_.swap(out_);
      out_.clear();
      Serializer::write_continue(continue_out_);
      writing_ = true;
      set_phase(Phase::write);
      asio::async_write(stream_, asio::buffer(continue_out_),
                        [self = this->shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                          self->writing_ = false;
                          if (ec || self->closed_) return self->close();
                          self->continue_out_.clear();
                          if (self->streaming_) {
                            self->phase_ = Phase::none;
                            return self->stream_flush();
                          }
                          if (!self->out_.empty()) return self->flush();
                          self->after_write();
                        });
    } else {
      Serializer::write_continue(out_);
      flush();  // then after_write() reads the body
    }
  }

  // A read() is pending: hands it the next piece if one is in, else reads the socket for it.
  void pump_body() {
    if (closed_ || !in_ || !in_->pending || reading_ || (writing_ && !streaming_)) return;
    switch (parser_.parse()) {
      case Parser::Status::body_piece: return deliver(parser_.body(), BodyReader::Status::more);
      case Parser::Status::message_complete: return deliver(parser_.body(), BodyReader::Status::end);
      case Parser::Status::error: return deliver({}, BodyReader::Status::error);
      default: break;
    }
    do_read();  // the body timeout runs from here until a piece comes
  }

  void deliver(std::string_view piece, BodyReader::Status st) {
    auto& in = *in_;
    auto f = std::move(in.pending);
    in.pending = nullptr;
    if (phase_ == Phase::body) {
      phase_ = Phase::none;
      deadline = Clock::time_point::max();
      if (writing_) set_phase(Phase::write);  // a streamed answer still blocked
    }
    if (st == BodyReader::Status::end) in.ended = true;
    if (st != BodyReader::Status::more) release_reader(in, st);
    f(piece, st);  // may settle the answer (and go on to the next request): nothing after it
  }

  // The answer is settled: the body's exchange ends. A body not read to its end stays unread
  // (the connection closes after the answer) and its reader fails. Whether it had ended.
  bool end_body_exchange() {
    auto in = std::move(in_);
    if (in->ended) return true;
    fail_body(*in);
    return false;
  }

  // The body cannot be completed: the pending read() and every later one get error.
  void fail_body(BodyIn& in) {
    if (in.pending) asio::post(w_.ctx, [f = std::move(in.pending)] { f({}, BodyReader::Status::error); });
    in.pending = nullptr;
    release_reader(in, BodyReader::Status::error);
  }

  // The reader answers for itself from now on; its hold on *this goes from the event loop (this
  // may be running inside one of our own calls).
  void release_reader(BodyIn& in, BodyReader::Status st) {
    auto r = in.reader.lock();
    in.reader.reset();
    if (!r) return;
    r->final = st;
    asio::post(w_.ctx, [c = std::move(r->c)] {});
  }

  // A read() waited Timeouts::body for the client: it fails; the handler answers, then the
  // connection closes.
  void body_timed_out() {
    phase_ = Phase::none;
    fail_body(*in_);
    if constexpr (kTls) {
      if (reading_) {
        timed_out_ = true;
        socket().cancel();
      }
    } else {
      reading_ = false;
    }
  }

  // --- streamed answers (see Deferred) ------------------------------------------------------

  Later& later() {
    if (!later_) later_ = std::make_unique<Later>();
    return *later_;
  }

  void set_on_close(std::function<void()> f) {
    if (!deferred_ || (later_ && later_->end_pending)) return;  // answered already
    if (closed_) {
      if (f) asio::post(w_.ctx, std::move(f));
      return;
    }
    later().on_close = std::move(f);
  }

  void start_stream() {
    if (closed_ || !deferred_ || streaming_) return;
    const Request& req = parser_.request();
    bool keep = req.keep_alive() && !w_.stopping && !res_.closing();
    if (in_ && !in_->ended) [[unlikely]] keep = false;  // the body may not be read to its end
    SerializeOptions so = options_for(req, keep);
    so.gzip = false;
    auto& l = later();
    auto head = serializer_.write_stream_head(res_, so, out_);
    if (!head.keep_alive) close_after_write_ = true;
    l.framing = head.framing;
    l.left = head.length;
    streaming_ = true;
    // Deadlines while streaming are the write timeout per blocked write, none in between.
    phase_ = Phase::none;
    deadline = Clock::time_point::max();
    stream_flush();
  }

  void stream_write(std::string_view piece, std::function<void()> written) {
    if (closed_ || !streaming_) return;
    auto& l = *later_;
    if (l.end_pending) return;
    if (l.awaiting) return abort_stream(/*notify=*/true);  // the previous piece's `written` is still due
    if (l.framing == BodyFraming::length) {
      if (piece.size() > l.left) return abort_stream(/*notify=*/true);  // beyond Content-Length
      l.left -= piece.size();
    }
    l.awaiting = true;
    // Nothing to send (or HEAD): ready at once.
    if (piece.empty() || l.framing == BodyFraming::none) return post_written(std::move(written));
    l.written = std::move(written);
    l.queued = piece;
    l.has_queued = true;
    stream_flush();
  }

  void finish_stream() {
    if (closed_) return;
    auto& l = *later_;
    if (l.end_pending) return;
    if (l.framing == BodyFraming::length && l.left > 0) return abort_stream(/*notify=*/false);  // short
    l.on_close = nullptr;
    l.end_pending = true;
    stream_flush();
  }

  // Deferred::abort(): a streamed body is cut short; an answer not started is never given.
  void abort_deferred() {
    if (closed_ || !deferred_) return;
    if (streaming_) return abort_stream(/*notify=*/false);
    deferred_ = false;
    if (later_) later_.reset();
    if (in_) end_body_exchange();
    close_after_write_ = true;
    flush();  // earlier answers still owed go out, then the connection closes
  }

  // Ends a stream with a close. `notify`: the engine gave up (the streamer's misuse), so the
  // streamer hears of it through on_close as if the connection had closed.
  void abort_stream(bool notify) {
    auto& l = *later_;
    if (l.end_pending) return;
    if (notify && l.on_close) asio::post(w_.ctx, std::move(l.on_close));
    l.on_close = nullptr;
    l.written = nullptr;  // a piece queued or under way is the streamer's again: not sent on
    l.has_queued = false;
    l.aborted = l.end_pending = true;
    if (writing_) {
      if constexpr (kTls) return close();  // the write under way reads the piece: stop it now
      l.piece = l.tail = {};
      if (written_ < out_.size()) return;  // earlier bytes still go out, then the close
      writing_ = false;
    }
    stream_flush();
  }

  // Sends what a stream has queued, or moves it on: frames the next piece, queues the end, or
  // ends the answer once everything went out. Never while a write is under way.
  void stream_flush() {
    if (closed_ || writing_) return;
    auto& l = *later_;
    if (l.has_queued) {
      l.has_queued = false;
      l.in_flight = true;
      l.piece = l.queued;
      if (l.framing == BodyFraming::chunked) {
        Serializer::write_chunk_size(l.piece.size(), out_);
        l.tail = "\r\n";
      }
    } else if (l.end_pending && !l.ending) {
      l.ending = true;
      if (!l.aborted && l.framing == BodyFraming::chunked) Serializer::write_last_chunk(out_);
    }
    if (written_ < out_.size() || !l.piece.empty() || !l.tail.empty()) {
      if constexpr (!kTls) {
        if (can_write_) return write_stream_now();
        writing_ = true;
        set_phase(Phase::write);
        return;
      }
      writing_ = true;
      set_phase(Phase::write);
      std::array<asio::const_buffer, 3> bufs{asio::buffer(out_), asio::buffer(l.piece.data(), l.piece.size()),
                                             asio::buffer(l.tail.data(), l.tail.size())};
      asio::async_write(stream_, bufs, [self = this->shared_from_this()](const boost::system::error_code& ec, std::size_t) {
        self->writing_ = false;
        if (ec || self->closed_) return self->close();
        self->out_.clear();
        self->later_->piece = self->later_->tail = {};
        self->stream_sent();
      });
      return;
    }
    out_.clear();
    written_ = 0;
    if (l.ending) end_stream();
  }

  // Plain TCP: out_, then the piece and its tail, in one gathered write per attempt.
  void write_stream_now() {
    auto& l = *later_;
    for (;;) {
      iovec iov[3];
      int n = 0;
      if (written_ < out_.size()) iov[n++] = {out_.data() + written_, out_.size() - written_};
      if (!l.piece.empty()) iov[n++] = {const_cast<char*>(l.piece.data()), l.piece.size()};
      if (!l.tail.empty()) iov[n++] = {const_cast<char*>(l.tail.data()), l.tail.size()};
      if (n == 0) break;
      msghdr m{};
      m.msg_iov = iov;
      m.msg_iovlen = static_cast<std::size_t>(n);
      ssize_t sent = ::sendmsg(socket().native_handle(), &m, MSG_NOSIGNAL);
      if (sent > 0) {
        auto left = static_cast<std::size_t>(sent);
        auto from_out = std::min(left, out_.size() - written_);
        written_ += from_out;
        left -= from_out;
        auto from_piece = std::min(left, l.piece.size());
        l.piece.remove_prefix(from_piece);
        l.tail.remove_prefix(left - from_piece);
        continue;
      }
      if (!send_failed(sent)) return;
    }
    out_.clear();
    written_ = 0;
    writing_ = false;
    stream_sent();
  }

  // Everything queued went to the socket: the piece's `written` may run, and the next write
  // gets a fresh deadline.
  void stream_sent() {
    phase_ = Phase::none;
    deadline = Clock::time_point::max();
    if (in_ && reading_) [[unlikely]] set_phase(Phase::body);  // a read() of the body still waits
    auto& l = *later_;
    if (l.in_flight) {
      l.in_flight = false;
      post_written(std::move(l.written));
      l.written = nullptr;
    }
    stream_flush();
  }

  // Runs a piece's `written` from the event loop (never inside a call of the streamer's); the
  // next write() is welcome from then on.
  void post_written(std::function<void()> written) {
    asio::post(w_.ctx, [self = this->shared_from_this(), at = later_.get(), written = std::move(written)] {
      if (self->later_.get() == at) at->awaiting = false;
      if (written) written();
    });
  }

  // The streamed answer is complete (or cut off): go on as after any answer.
  void end_stream() {
    auto l = std::move(later_);  // released on return; the caller holds a reference to *this
    streaming_ = false;
    deferred_ = false;
    if (in_ && !end_body_exchange()) [[unlikely]] close_after_write_ = true;  // body left unread
    if (l->aborted) {
      close_after_write_ = true;
      if (l->framing == BodyFraming::close) return reset();
      return linger_close();
    }
    parser_.next();
    if (close_after_write_) return linger_close();
    process();
  }

  // Closes with a reset, for a close-delimited body that must not look complete.
  void reset() {
    ::linger lg{1, 0};
    ::setsockopt(socket().native_handle(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close();
  }

  void flush() {
    if (closed_ || writing_) return;  // (a 100 Continue under way: what is added goes after it)
    if (out_.empty()) {
      if (close_after_write_) return linger_close();
      if (in_) [[unlikely]] return pump_body();
      return do_read();
    }
    if constexpr (!kTls) {
      if (can_write_) {
        write_now();
      } else {
        writing_ = true;
        set_phase(Phase::write);
      }
      return;
    }
    set_phase(Phase::write);
    writing_ = true;
    asio::async_write(stream_, asio::buffer(out_),
                      [self = this->shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                        self->writing_ = false;
                        if (ec) return self->close();
                        self->out_.clear();
                        self->after_write();
                      });
  }

  void after_write() {
    if (close_after_write_) return linger_close();
    phase_ = Phase::none;
    if (in_) [[unlikely]] return pump_body();
    if (parser_.has_buffered() && !parser_.in_message()) return process();
    do_read();
  }

  // Closing right after an error answer could reset the connection before the client reads
  // it (unread input makes the kernel send RST): stop sending, drain briefly, then close.
  void linger_close() {
    if (closed_) return;
    if constexpr (kTls) {
      set_phase(Phase::linger);
      stream_.async_shutdown([self = this->shared_from_this()](const boost::system::error_code&) { self->close(); });
    } else {
      boost::system::error_code ec;
      socket().shutdown(tcp::socket::shutdown_send, ec);
      if (ec) return close();
      set_phase(Phase::linger);
      lingering_ = true;
      drain();
    }
  }

  void drain() {
    if constexpr (!kTls) {
      char scratch[4096];
      for (;;) {
        ssize_t n = ::recv(socket().native_handle(), scratch, sizeof scratch, 0);
        if (n > 0) continue;
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;  // wait for more, or the deadline
        return close();  // the client closed: done
      }
    }
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ec;
    socket().close(ec);  // also leaves the epoll set
    if (in_) [[unlikely]] {
      auto in = std::move(in_);
      fail_body(*in);
    }
    if (later_) [[unlikely]] {
      // A streamed piece never goes out (its `written` never runs); the streamer hears of the
      // close instead, outside of whatever call of ours is running now.
      asio::post(w_.ctx, [l = std::move(later_)] {
        if (l->on_close) l->on_close();
      });
    }
    // Let go of the self-reference later: this may be running inside one of our own calls.
    if (self_) asio::post(w_.ctx, [keep = std::move(self_)] {});
  }

  Worker& w_;
  Stream stream_;
  Parser parser_;
  Serializer serializer_;
  Response res_;
  std::string out_;
  std::string remote_;
  Sink sink_{this};
  std::unique_ptr<Later> later_;
  std::unique_ptr<BodyIn> in_;  // a request body read by the handler, until its answer is settled
  std::string continue_out_;    // TLS: a 100 Continue (after earlier answers) being written
  std::function<std::shared_ptr<ResponseSink>()> sink_factory_;
  Phase phase_ = Phase::none;
  bool reading_ = false, writing_ = false, closed_ = false, close_after_write_ = false;
  bool peer_done_ = false;  // EPOLLRDHUP/HUP/ERR seen: the socket holds its end
  bool deferred_ = false, timed_out_ = false, streaming_ = false;
  const bool may_stream_;  // stream_request_body is set
  // Plain TCP only: what the socket can do without waiting, as edge-triggered epoll reports it.
  bool can_read_ = true, can_write_ = true, lingering_ = false;
  std::size_t written_ = 0;
  int sync_depth_ = 0;
  std::shared_ptr<Connection> self_;
};

void Worker::start_tick() {
  tick.expires_after(kTick);
  tick.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) on_tick();
  });
}

void Worker::on_tick() {
  date.refresh(std::time(nullptr));
  auto now = Clock::now();
  const bool force = stopping && now >= stop_deadline;
  for (ConnectionBase* c = head; c;) {
    ConnectionBase* next = c->next;  // the callee may unlink itself later, never now
    if (force) c->force_close();
    else if (now >= c->deadline) c->on_deadline();
    c = next;
  }
  if (stopping && connections == 0) {
    run_stop_hooks();
    if (index == 0 && server->signals) {
      boost::system::error_code ec;
      server->signals->cancel(ec);
    }
    if (epoll_watch) {
      boost::system::error_code ec;
      epoll_watch->cancel(ec);
    }
    return;  // nothing left: the io_context runs out of work and run() returns
  }
  start_tick();
}

void Worker::run_stop_hooks() {
  // A hook may release work that adds hooks: take them until none are left.
  while (!at_stop.empty()) {
    auto hooks = std::move(at_stop);
    at_stop.clear();
    for (auto& h : hooks) {
      try {
        h();
      } catch (...) {
        // A hook that throws must not keep the others from running.
      }
    }
  }
}

void Worker::watch_epoll() {
  epoll_watch->async_wait(asio::posix::stream_descriptor::wait_read, [this](const boost::system::error_code& ec) {
    if (ec) return;
    on_epoll();
    watch_epoll();
  });
}

void Worker::on_epoll() {
  epoll_event events[256];
  int n;
  do {
    n = ::epoll_wait(epfd, events, 256, 0);
    for (int i = 0; i < n; ++i) static_cast<ConnectionBase*>(events[i].data.ptr)->on_io(events[i].events);
  } while (n == 256);
}

void Worker::begin_stop() {
  if (stopping) return;
  stopping = true;
  stop_deadline = Clock::now() + server->opt.timeouts.shutdown;
  if (acceptor) {
    boost::system::error_code ec;
    acceptor->close(ec);
  }
  for (ConnectionBase* c = head; c;) {
    ConnectionBase* next = c->next;
    c->on_shutdown();
    c = next;
  }
}

void Worker::do_accept() {
  acceptor->async_accept(ctx, [this](const boost::system::error_code& ec, tcp::socket s) {
    if (ec) {
      if (stopping || ec == asio::error::operation_aborted) return;
      // Out of descriptors or similar: try again on the next tick rather than spin.
      auto retry = std::make_shared<asio::steady_timer>(ctx, kTick);
      retry->async_wait([this, retry](const boost::system::error_code&) {
        if (!stopping) do_accept();
      });
      return;
    }
    if (stopping) return;
    boost::system::error_code ignored;
    s.set_option(tcp::no_delay(true), ignored);
    if (server->tls) {
      std::make_shared<Connection<ssl::stream<tcp::socket>>>(*this, std::move(s), *server->tls)->start();
    } else {
      s.non_blocking(true, ignored);
      std::make_shared<Connection<tcp::socket>>(*this, std::move(s))->start();
    }
    do_accept();
  });
}

void Server::Impl::arm_signals() {
  signals->async_wait([this](const boost::system::error_code& ec, int) {
    if (ec) return;
    if (stop_requested.exchange(true)) {
      // A second signal: stop waiting for in-flight requests.
      for (auto& w : workers)
        asio::post(w->ctx, [wp = w.get()] {
          wp->stop_deadline = Clock::now();
        });
    } else {
      for (auto& w : workers) asio::post(w->ctx, [wp = w.get()] { wp->begin_stop(); });
    }
    arm_signals();
  });
}

Server::Server(ServerOptions options, Handler handler) : impl_(std::make_unique<Impl>()) {
  impl_->opt = std::move(options);
  impl_->handler = std::move(handler);
  impl_->server_line = "Server: " + impl_->opt.server_name + "\r\n";
  unsigned n = impl_->opt.threads ? impl_->opt.threads : std::max(1u, std::thread::hardware_concurrency());
  impl_->opt.threads = n;
  for (unsigned i = 0; i < n; ++i) {
    auto w = std::make_unique<Worker>();
    w->server = impl_.get();
    w->index = i;
    w->epfd = ::epoll_create1(EPOLL_CLOEXEC);
    if (w->epfd < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
    w->epoll_watch.emplace(w->ctx, ::dup(w->epfd));
    impl_->workers.push_back(std::move(w));
  }
}

Server::~Server() {
  for (auto& w : impl_->workers) {
    // Close whatever is left and let the aborted handlers run, so no connection outlives its
    // worker.
    for (ConnectionBase* c = w->head; c;) {
      ConnectionBase* next = c->next;
      c->force_close();
      c = next;
    }
    w->tick.cancel();
    if (w->epoll_watch) {
      boost::system::error_code ec;
      w->epoll_watch->cancel(ec);
    }
    if (w->acceptor) {
      boost::system::error_code ec;
      w->acceptor->close(ec);
    }
    w->ctx.restart();
    if (!w->at_stop.empty()) asio::post(w->ctx, [wp = w.get()] { wp->run_stop_hooks(); });
    Worker* outer = this_worker;
    this_worker = w.get();
    w->ctx.poll();
    this_worker = outer;
    w->epoll_watch.reset();
    ::close(w->epfd);
  }
  if (impl_->signals) {
    boost::system::error_code ec;
    impl_->signals->cancel(ec);
  }
}

void Server::listen() {
  auto& im = *impl_;
  if (im.listening) return;
  if (im.opt.tls.enabled()) {
    im.tls.emplace(ssl::context::tls_server);
    im.tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                        ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    im.tls->use_certificate_chain_file(im.opt.tls.cert_file);
    im.tls->use_private_key_file(im.opt.tls.key_file, ssl::context::pem);
  }
  auto address = asio::ip::make_address(im.opt.host);
  std::uint16_t port = im.opt.port;
  bool first = true;
  for (auto& w : im.workers) {
    tcp::endpoint ep(address, port);
    w->acceptor.emplace(w->ctx);
    w->acceptor->open(ep.protocol());
    w->acceptor->set_option(tcp::acceptor::reuse_address(true));
    int one = 1;
    // The first acceptor binds without SO_REUSEPORT, so a port another process listens on
    // (even with SO_REUSEPORT) is refused as in use instead of silently shared; it allows
    // the sharing once bound, for the other threads' acceptors.
    if (!first) ::setsockopt(w->acceptor->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    boost::system::error_code ec;
    w->acceptor->bind(ep, ec);
    if (first && !ec) ::setsockopt(w->acceptor->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    if (!ec) w->acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      for (auto& each : im.workers) each->acceptor.reset();
      throw std::system_error(ec.value(), std::generic_category(),
                              "cannot listen on " + im.opt.host + ":" + std::to_string(ep.port()));
    }
    if (port == 0) port = w->acceptor->local_endpoint().port();
    first = false;
  }
  im.port = port;
  im.listening = true;
}

std::uint16_t Server::port() const noexcept { return impl_->port; }

const ServerOptions& Server::options() const noexcept { return impl_->opt; }

void Server::handle_signals() {
  auto& im = *impl_;
  if (im.signals) return;
  im.signals.emplace(im.workers[0]->ctx, SIGINT, SIGTERM);
  im.arm_signals();
}

void Server::run() {
  auto& im = *impl_;
  listen();
  for (auto& w : im.workers) {
    w->start_tick();
    w->watch_epoll();
    w->do_accept();
  }
  if (im.stop_requested) {
    for (auto& w : im.workers) asio::post(w->ctx, [wp = w.get()] { wp->begin_stop(); });
  }
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < im.workers.size(); ++i) threads.emplace_back([w = im.workers[i].get()] { run_worker(*w); });
  run_worker(*im.workers[0]);
  for (auto& t : threads) t.join();
  im.stopped = true;
}

void Server::stop() {
  auto& im = *impl_;
  im.stop_requested = true;
  for (auto& w : im.workers) asio::post(w->ctx, [wp = w.get()] { wp->begin_stop(); });
}

}  // namespace oasis::http
