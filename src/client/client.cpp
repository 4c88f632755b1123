// client/client.cpp — one call's life: build the request (path, query or body, auth
// headers), send it through the transport, then decide — done, retry after a delay (backoff
// with jitter, or the server's Retry-After, never beyond the total budget), or log in again
// once after a 401 — and fulfil the call's Future.
#include <oasis/client/client.hpp>
#include <oasis/http/per_thread.hpp>
#include <oasis/schema/json_text.hpp>

#include <boost/json/memory_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/parser.hpp>
#include <boost/json/serialize.hpp>
#include <boost/unordered/unordered_flat_map.hpp>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <deque>
#include <random>
#include <unordered_map>

namespace oasis::client {

namespace json = boost::json;

// --- blocks kept per thread ---------------------------------------------------------------

namespace {

using http::detail::PerThread;

// A call's state and a parsed answer are allocated by the hundred and freed by the hundred
// (when_all, for_each_in_order over a batch of calls): more than the allocator keeps per thread
// and size (seven), so each went through its slower bins and back, ~350 instructions a
// malloc/free pair. Blocks of up to 4 KiB freed on a thread are kept here, by size class, for
// that thread's next allocations, up to 1 MiB per thread (the allocator would hold on to them
// as well, only not for this size).
class BlockCache {
 public:
  static constexpr std::size_t granule = 256;
  static constexpr std::size_t classes = 16;  // blocks of 256 B .. 4 KiB
  static constexpr std::size_t max_bytes = std::size_t(1) << 20;

  // What a block asked for `size` bytes really holds.
  static constexpr std::size_t capacity(std::size_t size) noexcept {
    return size <= granule * classes ? (size + granule - 1) / granule * granule : size;
  }
  static void* take(std::size_t size) {
    if (size <= granule * classes)
      if (Lists* l = lists()) {
        auto& head = l->head[(size - 1) / granule];
        if (Node* n = head) {
          head = n->next;
          l->bytes -= capacity(size);
          return n;
        }
      }
    return ::operator new(capacity(size));
  }
  static void give(void* p, std::size_t size) noexcept {
    if (size <= granule * classes)
      if (Lists* l = lists(); l && l->bytes + capacity(size) <= max_bytes) {
        auto* n = static_cast<Node*>(p);
        auto& head = l->head[(size - 1) / granule];
        n->next = head;
        head = n;
        l->bytes += capacity(size);
        return;
      }
    ::operator delete(p);
  }

 private:
  struct Node {
    Node* next;
  };
  struct Lists {
    Node* head[classes] = {};
    std::size_t bytes = 0;
    Lists() = default;
    Lists(const Lists&) = delete;
    Lists& operator=(const Lists&) = delete;
    ~Lists() {
      for (Node*& h : head)
        while (Node* n = h) {
          h = n->next;
          ::operator delete(n);
        }
    }
  };
  static Lists* lists() noexcept { return PerThread<Lists>::get(); }
};

// Request targets of finished calls, kept per thread for the next calls' targets: under a
// base URL with a path a call's target is built anew (the base path, then the call's path),
// and a batch of hundreds of them freed together went through the allocator's slower bins as
// the states did. Short strings only (up to 256 bytes), at most 1024 per thread.
class TargetStash {
 public:
  // `into` (empty) takes the buffer of a kept string, if any.
  static void take(std::string& into) noexcept {
    if (Kept* k = kept(); k && k->n) into.swap(k->strings[--k->n]);
  }
  static void give(std::string& s) noexcept {
    if (s.capacity() <= 256)
      if (Kept* k = kept(); k && k->n < max) {
        s.clear();
        k->strings[k->n++].swap(s);
      }
  }

 private:
  static constexpr std::size_t max = 1024;
  struct Kept {
    std::unique_ptr<std::string[]> strings{new std::string[max]};
    std::size_t n = 0;
  };
  static Kept* kept() noexcept { return PerThread<Kept>::get(); }
};

// For allocate_shared: blocks from the thread's BlockCache.
template <class T>
struct CachedAllocator {
  using value_type = T;
  CachedAllocator() = default;
  template <class U>
  CachedAllocator(const CachedAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(BlockCache::take(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { BlockCache::give(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const CachedAllocator<U>&) const noexcept { return true; }
};

}  // namespace

// --- Response -----------------------------------------------------------------------------

namespace {

// Where a parsed body's DOM lives: a bump allocator over a first block that shares the
// Response's one allocation, then over blocks of its own (each twice the last) for a DOM that
// outgrows it. Nothing is freed before the whole arena goes, so the DOM is not destroyed node
// by node (is_deallocate_trivial below). Not json::monotonic_resource: over the same first
// block it cost 386 more instructions per pipelined GET of the inventory (15.35k vs 14.96k,
// callgrind, 2026-12-06), its allocation being an out-of-line call into the library.
class Arena final : public json::memory_resource {
 public:
  Arena(unsigned char* block, std::size_t size) noexcept : cur_(block), end_(block + size), next_(std::max<std::size_t>(size, 1024) * 2) {}
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  // Where the next allocation goes, and back to it: what an abandoned parse allocated is taken
  // back when it stayed in the same block (otherwise it stays until the arena goes).
  struct Mark {
    unsigned char* at;
    const void* block;
  };
  Mark mark() const noexcept { return {cur_, more_}; }
  void rewind(Mark m) noexcept {
    if (m.block == more_) cur_ = m.at;
  }
  ~Arena() {
    while (more_) {
      Chunk* c = more_;
      more_ = c->next;
      ::operator delete(c);
    }
  }

 private:
  struct Chunk {
    Chunk* next;
  };

  void* do_allocate(std::size_t n, std::size_t align) override {
    // align is a power of two (memory_resource's contract)
    const auto at = (reinterpret_cast<std::uintptr_t>(cur_) + align - 1) & ~(align - 1);
    if (at <= reinterpret_cast<std::uintptr_t>(end_) && n <= reinterpret_cast<std::uintptr_t>(end_) - at) {
      cur_ = reinterpret_cast<unsigned char*>(at + n);
      return reinterpret_cast<void*>(at);
    }
    return grow(n, align);
  }
  // Out of line: the common path above stays a few instructions with no stack frame.
  [[gnu::noinline]] void* grow(std::size_t n, std::size_t align) {
    const std::size_t want = n + align + sizeof(Chunk);
    if (want < n) throw std::bad_alloc();
    const std::size_t size = std::max(next_, want);
    auto* c = static_cast<Chunk*>(::operator new(size));
    c->next = more_;
    more_ = c;
    end_ = reinterpret_cast<unsigned char*>(c) + size;
    if (next_ < (std::size_t(1) << 30)) next_ *= 2;
    const auto at = (reinterpret_cast<std::uintptr_t>(c + 1) + align - 1) & ~(align - 1);
    cur_ = reinterpret_cast<unsigned char*>(at + n);
    return reinterpret_cast<void*>(at);
  }
  void do_deallocate(void*, std::size_t, std::size_t) override {}
  bool do_is_equal(const json::memory_resource& o) const noexcept override { return this == &o; }

  unsigned char* cur_;
  unsigned char* end_;
  std::size_t next_;
  Chunk* more_ = nullptr;
};

}  // namespace
}  // namespace oasis::client

template <>
struct boost::json::is_deallocate_trivial<oasis::client::Arena> : std::true_type {};

namespace oasis::client {

// The DOM, its arena and the count of Responses sharing them, followed in the same allocation
// by the arena's first block. The block is sized from the body: these small objects take up
// to about 3.5 times their text (a member is 40 bytes, a key its length plus one); a DOM that
// outgrows it continues in blocks of its own. Sized to the body, not in steps: 500 answers
// of 2 KiB each made every batch grow the heap by a megabyte that the allocator gave back to
// the kernel and faulted in again, and a step too small spilled every fifth answer of the
// inventory into a second allocation.
struct Response::Parsed {
  mutable std::atomic<std::uint32_t> refs{1};
  std::size_t bytes;  // of the whole allocation, this head and the first block
  Arena arena;
  json::value value;

  Parsed(std::string_view text, unsigned char* block, std::size_t size, std::size_t bytes)
      : bytes(bytes), arena(block, size), value(parse(text, &arena)) {}
  Parsed(const Parsed&) = delete;
  Parsed& operator=(const Parsed&) = delete;

  static const Parsed* of(std::string_view text) {
    constexpr std::size_t max_first = 64 * 1024;  // a larger DOM continues in blocks of its own
    constexpr std::size_t head = (sizeof(Parsed) + 15) & ~std::size_t(15);
    const std::size_t bytes = BlockCache::capacity(head + std::min(text.size(), max_first / 4) * 4 + 64);
    void* mem = BlockCache::take(bytes);
    try {
      return ::new (mem) Parsed(text, static_cast<unsigned char*>(mem) + head, bytes - head, bytes);
    } catch (...) {
      BlockCache::give(mem, bytes);
      throw;
    }
  }

  // Plain text (most answers) by schema::parse_plain_json; anything else by Boost.JSON's parser,
  // which builds the same DOM and decides what is malformed.
  static json::value parse(std::string_view text, Arena* arena) {
    const json::storage_ptr sp(arena);
    const Arena::Mark start = arena->mark();
    if (auto v = schema::parse_plain_json(text, sp)) return std::move(*v);
    arena->rewind(start);
    thread_local json::parser p;  // its working stacks are kept from one parse to the next
    p.reset(sp);
    boost::system::error_code ec;
    p.write(text.data(), text.size(), ec);
    if (ec) {
      p.reset();
      throw boost::system::system_error(ec);
    }
    return p.release();
  }
};

void Response::retain(const Parsed* p) noexcept { p->refs.fetch_add(1, std::memory_order_relaxed); }

void Response::release(const Parsed* p) noexcept {
  if (p->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  const std::size_t bytes = p->bytes;
  p->~Parsed();
  BlockCache::give(const_cast<Parsed*>(p), bytes);
}

const json::value& Response::json() const {
  if (!json_.get()) json_ = ParsedRef(Parsed::of(r_.body));
  return json_.get()->value;
}

const json::value& Response::data() const {
  const auto& j = json();
  if (j.is_object())
    if (const auto* d = j.get_object().if_contains("data")) return *d;
  return j;
}

// --- Auth ---------------------------------------------------------------------------------

Auth Auth::bearer(std::string token) {
  Auth a;
  a.kind = Kind::bearer;
  a.token = std::move(token);
  return a;
}
Auth Auth::basic(std::string user, std::string password) {
  Auth a;
  a.kind = Kind::basic;
  a.username = std::move(user);
  a.password = std::move(password);
  return a;
}
Auth Auth::api_key(std::string header, std::string key) {
  Auth a;
  a.kind = Kind::api_key;
  a.header = std::move(header);
  a.token = std::move(key);
  return a;
}
Auth Auth::proxmox_token(std::string token_id, std::string secret) {
  Auth a;
  a.kind = Kind::proxmox_token;
  a.username = std::move(token_id);
  a.token = std::move(secret);
  return a;
}
Auth Auth::proxmox_ticket(std::string user, std::string password) {
  Auth a;
  a.kind = Kind::proxmox_ticket;
  a.username = std::move(user);
  a.password = std::move(password);
  return a;
}

namespace {

std::string base64(std::string_view in) {
  static constexpr char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned n = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    out += table[n >> 18];
    out += table[(n >> 12) & 63];
    out += table[(n >> 6) & 63];
    out += table[n & 63];
  }
  if (i + 1 == in.size()) {
    unsigned n = (unsigned char)in[i] << 16;
    out += table[n >> 18];
    out += table[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    unsigned n = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
    out += table[n >> 18];
    out += table[(n >> 12) & 63];
    out += table[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

// application/json, or a +json suffix (application/problem+json), parameters aside.
bool is_json_media(std::string_view type) {
  type = type.substr(0, type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  auto ends_with_ci = [&](std::string_view suffix) {
    return type.size() >= suffix.size() && http::iequals(type.substr(type.size() - suffix.size()), suffix);
  };
  return http::iequals(type, "application/json") || ends_with_ci("+json");
}

const HeaderList no_headers;
const Params no_params;

// A GET's key among those in flight (its target, dozens of bytes): eight bytes a step, the
// last eight read whole (overlapping the step before); the map mixes the result further.
std::size_t hash_key(std::string_view s) noexcept {
  std::uint64_t h = s.size() * 0x9e3779b97f4a7c15ull;
  auto step = [&h](std::uint64_t w) {
    h = (h ^ w) * 0xff51afd7ed558ccdull;
    h ^= h >> 32;
  };
  std::uint64_t w = 0;
  if (s.size() < 8) {
    std::memcpy(&w, s.data(), s.size());
    step(w);
    return h;
  }
  const char* p = s.data();
  for (const char* last = p + s.size() - 8; p < last; p += 8) {
    std::memcpy(&w, p, 8);
    step(w);
  }
  std::memcpy(&w, s.data() + s.size() - 8, 8);
  step(w);
  return h;
}

bool is_safe_method(std::string_view m) { return m == "GET" || m == "HEAD" || m == "OPTIONS"; }

// The default clock: steady_clock, with timers on the transport's thread.
class TransportClock final : public Clock {
 public:
  explicit TransportClock(http::Transport& t) : t_(t) {}
  time_point now() override { return std::chrono::steady_clock::now(); }
  void after(duration d, std::function<void()> f) override { t_.schedule(d, std::move(f)); }

 private:
  http::Transport& t_;
};

}  // namespace

// --- the call machinery -------------------------------------------------------------------

struct Client::Impl : std::enable_shared_from_this<Client::Impl> {
  // One call, in one allocation: it is what the transport sends (request.method, .target and
  // .body are the call's), and it holds the state of the Future the caller waits on.
  struct State final : http::Exchange {
    State() = default;
    State(const State&) = delete;
    State& operator=(const State&) = delete;
    ~State() override { TargetStash::give(request.target); }

    Impl* owner = nullptr;  // outlives every send: the transport goes (and joins) before it
    HeaderList headers;     // the call's own; request.headers gets them and auth at each send
    oasis::detail::SharedState<Response> result;
    bool idempotent = false;
    bool is_login = false;
    bool relogged = false;
    unsigned retries = 0;
    std::string ticket_used;
    Clock::time_point deadline;
    // The GET cache: where the answer is kept, for how long, and the stale entry being
    // revalidated (its body answers a 304).
    std::string cache_key;
    std::chrono::milliseconds ttl{0};
    std::optional<http::ClientResponse> stale;
    bool holds_slot = false;  // counts against max_in_flight while on the wire
    // A coalesced GET's key in gets_in_flight (the target, plus the call's headers if any):
    // identical GETs that came while this one was in flight get its answer too.
    bool leads_flight = false;
    bool sent = false;  // the first send's time budget is the whole total_timeout
    std::string flight_key;
    std::size_t flight_hash = 0;  // of the key, computed once for joining and leaving

    // The transport holds this exchange until complete() returns: no reference of our own is
    // taken unless the call goes on (a retry, a new login).
    void complete(http::TransportError err, http::ClientResponse res) override {
      owner->release(*this);
      owner->on_response(*this, std::move(err), std::move(res));
    }
  };
  using StatePtr = std::shared_ptr<State>;
  static StatePtr ptr(State& s) { return std::static_pointer_cast<State>(s.shared_from_this()); }

  static Future<Response> future_of(const StatePtr& s) {
    return Future<Response>(std::shared_ptr<oasis::detail::SharedState<Response>>(s, &s->result));
  }

  ClientOptions opt;
  http::CommonHeaders default_headers;  // opt.default_headers, written out once
  http::Origin origin;
  std::string base_path;
  std::unique_ptr<http::Transport> transport;
  std::shared_ptr<Clock> clock;

  std::mutex mu;  // rng and the ticket
  std::mt19937_64 rng;
  std::string ticket, csrf;
  Clock::time_point ticket_at{};
  std::optional<Future<int>> login_in_flight;

  struct CacheEntry {
    http::ClientResponse res;
    std::string etag;
    Clock::time_point fresh_until;
  };
  std::mutex cache_mu;  // the cache, the GETs in flight and the stats
  std::unordered_map<std::string, CacheEntry> cache;
  // Keyed by views into the leading call's State, which lives until its entry goes.
  // Open addressing: a GET joins and leaves the map without a node allocation of its own.
  struct FlightKey {
    std::string_view text;
    std::size_t hash;
    bool operator==(const FlightKey& o) const noexcept { return text == o.text; }
  };
  struct FlightHash {
    std::size_t operator()(const FlightKey& k) const noexcept { return k.hash; }
  };
  boost::unordered_flat_map<FlightKey, std::vector<Promise<Response>>, FlightHash> gets_in_flight;
  CacheStats cstats;

  std::mutex slots_mu;  // max_in_flight
  std::size_t on_wire = 0;
  std::deque<StatePtr> held;

  explicit Impl(ClientOptions o) : opt(std::move(o)), default_headers(opt.default_headers) {
    origin = http::Origin::parse(opt.base_url);
    auto after_scheme = opt.base_url.find("://") + 3;
    auto slash = opt.base_url.find('/', after_scheme);
    if (slash != std::string::npos) base_path = opt.base_url.substr(slash);
    while (!base_path.empty() && base_path.back() == '/') base_path.pop_back();
    transport = std::make_unique<http::Transport>(opt.transport);
    clock = opt.clock ? opt.clock : std::make_shared<TransportClock>(*transport);
    rng.seed(opt.jitter_seed ? opt.jitter_seed : static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
  }

  // What a call asks for, read while its State is built: a Call's fields, or those the verbs
  // (async_get(path, query), ...) hand over without building a Call.
  struct Spec {
    std::string_view method;
    const Params& data;
    const json::value* json = nullptr;
    const HeaderList& headers;
    std::optional<std::chrono::milliseconds> cache_ttl;
    bool no_cache = false;

    static Spec of(const Call& c) { return {c.method, c.data, c.json ? &*c.json : nullptr, c.headers, c.cache_ttl, c.no_cache}; }
    static Spec verb(std::string_view method, const Params& data, const json::value* json = nullptr) {
      return {method, data, json, no_headers, std::nullopt, false};
    }
  };

  // `path` is the call's path, moved in when the caller gives it up: under a base URL without
  // a path it becomes the request target as it is, with no copy.
  StatePtr make_state(const Spec& c, std::string&& path) {
    auto s = std::allocate_shared<State>(CachedAllocator<State>());
    s->owner = this;
    const std::string_view m = c.method;
    if (m != s->request.method) s->request.method = m;  // a new request's is GET already
    s->idempotent = m == "GET" || m == "HEAD" || m == "PUT" || m == "DELETE" || m == "OPTIONS" || m == "TRACE";
    auto& target = s->request.target;
    if (base_path.empty() && !path.empty() && path.front() == '/') {
      target = std::move(path);
    } else {
      target.clear();
      TargetStash::take(target);
      target.reserve(base_path.size() + 1 + path.size());
      target = base_path;
      if (!path.empty() && path.front() != '/') target += '/';
      target += path;
      if (target.empty()) target = "/";
    }
    std::string query;
    if (c.json) {
      s->request.body = json::serialize(*c.json);
      s->headers.emplace_back("Content-Type", "application/json");
    } else if (m == "GET" || m == "HEAD" || m == "DELETE") {
      if (!c.data.empty()) query = encode_query(c.data, opt.bool_as_int);
    } else if (!c.data.empty()) {
      if (opt.body_format == BodyFormat::json) {
        json::object o;
        for (const auto& p : c.data)
          if (!p.value.is_null()) o[p.key] = p.value;
        s->request.body = json::serialize(o);
        s->headers.emplace_back("Content-Type", "application/json");
      } else {
        s->request.body = encode_query(c.data, opt.bool_as_int);
        s->headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
      }
    }
    if (!query.empty()) {
      target += target.find('?') == std::string::npos ? '?' : '&';
      target += query;
    }
    for (const auto& h : c.headers) s->headers.push_back(h);
    s->deadline = clock->now() + opt.total_timeout;
    return s;
  }

  // The GETs that joined this one while it was in flight (none unless it leads one).
  std::vector<Promise<Response>> take_joiners(State& s) {
    std::vector<Promise<Response>> waiters;
    if (!s.leads_flight) return waiters;
    s.leads_flight = false;
    std::lock_guard lk(cache_mu);
    auto it = gets_in_flight.find(
        FlightKey{s.flight_key.empty() ? std::string_view(s.request.target) : std::string_view(s.flight_key), s.flight_hash});
    if (it != gets_in_flight.end()) {
      waiters = std::move(it->second);
      gets_in_flight.erase(it);
    }
    return waiters;
  }

  void fail(State& s, Error e) {
    auto waiters = take_joiners(s);
    auto err = std::make_exception_ptr(std::move(e));
    for (auto& w : waiters) w.set_exception(err);
    s.result.set_exception(std::move(err));
  }

  void fulfil(State& s, http::ClientResponse&& res) {
    auto waiters = take_joiners(s);
    if (waiters.empty() && !opt.parse_json_on_arrival) {
      s.result.emplace_value(std::move(res));  // the Response is built in the Future's state
      return;
    }
    Response r(std::move(res));
    if (opt.parse_json_on_arrival && is_json_media(r.header("Content-Type"))) {
      try {
        r.json();
      } catch (const std::exception&) {  // the caller's json() tells
      }
    }
    for (auto& w : waiters) w.set_value(r);
    s.result.set_value(std::move(r));
  }

  void run(const StatePtr& s) {
    if (opt.auth.kind == Auth::Kind::proxmox_ticket && !s->is_login) return with_ticket(s);
    send(s);
  }

  // Sends once a valid ticket is at hand; logs in first (one login shared by every call that
  // needs it) when there is none or it is about to expire.
  void with_ticket(const StatePtr& s) {
    Future<int> login;
    std::optional<Promise<int>> start;
    {
      std::lock_guard lk(mu);
      const auto fresh_until = ticket_at + opt.auth.ticket_lifetime - opt.auth.renew_before;
      if (!ticket.empty() && clock->now() < fresh_until) {
        login = make_ready_future(0);
      } else if (login_in_flight) {
        login = *login_in_flight;
      } else {
        start.emplace();
        login = start->get_future();
        login_in_flight = login;
      }
    }
    if (start) start_login(*start);
    auto self = shared_from_this();
    login.on_ready([self, s, login] {
      if (auto e = login.exception()) {
        try {
          std::rethrow_exception(e);
        } catch (const Error& err) {
          return self->fail(*s, err);
        } catch (const std::exception& other) {
          return self->fail(*s, Error(Error::Kind::http, std::string("login failed: ") + other.what()));
        }
      }
      self->send(s);
    });
  }

  // Logs in; `done` is fulfilled with the ticket stored (or the failure).
  void start_login(Promise<int> done) {
    Call c;
    c.method = "POST";
    c.path = "/access/ticket";
    c.data = {{"username", json::value(opt.auth.username)}, {"password", json::value(opt.auth.password)}};
    auto s = make_state(Spec::of(c), std::string(c.path));
    s->is_login = true;
    // Form bodies whatever body_format says: that is what /access/ticket takes.
    s->request.body = encode_query(c.data);
    s->headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    auto self = shared_from_this();
    auto f = future_of(s);
    f.on_ready([self, f, done] {
      std::exception_ptr err = f.exception();
      if (!err) {
        try {
          Response r = f.get();
          const auto& d = r.data();
          std::lock_guard lk(self->mu);
          self->ticket = std::string(d.at("ticket").as_string());
          self->csrf = std::string(d.at("CSRFPreventionToken").as_string());
          self->ticket_at = self->clock->now();
          self->login_in_flight.reset();
        } catch (const std::exception& e) {
          err = std::make_exception_ptr(Error(Error::Kind::http, std::string("login answer without a ticket: ") + e.what()));
        }
      }
      if (err) {
        {
          std::lock_guard lk(self->mu);
          self->login_in_flight.reset();
        }
        return done.set_exception(err);
      }
      done.set_value(1);
    });
    send(s);
  }

  void add_auth(State& s, http::ClientRequest& req) {
    const auto& a = opt.auth;
    switch (a.kind) {
      case Auth::Kind::none: break;
      case Auth::Kind::bearer: req.headers.emplace_back("Authorization", "Bearer " + a.token); break;
      case Auth::Kind::basic: req.headers.emplace_back("Authorization", "Basic " + base64(a.username + ":" + a.password)); break;
      case Auth::Kind::api_key: req.headers.emplace_back(a.header, a.token); break;
      case Auth::Kind::proxmox_token:
        req.headers.emplace_back("Authorization", "PVEAPIToken=" + a.username + "=" + a.token);
        break;
      case Auth::Kind::proxmox_ticket: {
        if (s.is_login) break;
        std::lock_guard lk(mu);
        s.ticket_used = ticket;
        req.headers.emplace_back("Cookie", "PVEAuthCookie=" + ticket);
        // Proxmox refuses writes without the CSRF token that came with the ticket.
        if (!is_safe_method(s.request.method)) req.headers.emplace_back("CSRFPreventionToken", csrf);
        break;
      }
    }
  }

  // Sends now, or holds the call until one of the max_in_flight slots frees up.
  void send(const StatePtr& s) {
    if (opt.max_in_flight > 0) {
      std::lock_guard lk(slots_mu);
      if (on_wire >= opt.max_in_flight) {
        held.push_back(s);
        return;
      }
      ++on_wire;
      s->holds_slot = true;
    }
    send_now(s);
  }

  // Gives the slot to the first held call, if any.
  void release(State& s) {
    if (!s.holds_slot) return;
    s.holds_slot = false;
    StatePtr next;
    {
      std::lock_guard lk(slots_mu);
      if (held.empty()) {
        --on_wire;
      } else {
        next = std::move(held.front());
        held.pop_front();
        next->holds_slot = true;
      }
    }
    if (next) send_now(next);
  }

  void send_now(const StatePtr& s) {
    if (!transport) {
      release(*s);
      return fail(*s, Error(Error::Kind::transport, "client shut down", 0, {}, http::TransportError::Kind::cancelled));
    }
    auto left = s->sent ? std::chrono::duration_cast<std::chrono::milliseconds>(s->deadline - clock->now())
                        : std::chrono::duration_cast<std::chrono::milliseconds>(opt.total_timeout);
    s->sent = true;
    if (left.count() <= 0) {
      release(*s);
      return fail(*s, Error(Error::Kind::transport, "total timeout exceeded", 0, {}, http::TransportError::Kind::timeout));
    }
    auto& req = s->request;
    req.common_headers = &default_headers;  // outlives the transport
    if (!s->headers.empty() || !req.headers.empty()) req.headers = s->headers;  // a resend drops the last auth
    if (opt.auth.kind != Auth::Kind::none) add_auth(*s, req);
    req.timeout = std::min(left, opt.transport.request_timeout);
    transport->async_send(origin, s);
  }

  bool may_retry(const State& s) const {
    return s.retries < opt.retry.max_retries && (s.idempotent || opt.retry.non_idempotent) && !s.is_login;
  }

  std::chrono::milliseconds jittered(std::chrono::milliseconds d) {
    if (opt.retry.jitter <= 0) return d;
    std::lock_guard lk(mu);
    std::uniform_real_distribution<double> u(1.0 - opt.retry.jitter, 1.0 + opt.retry.jitter);
    return std::chrono::milliseconds(static_cast<long long>(static_cast<double>(d.count()) * u(rng)));
  }

  // Retries after `delay` if the budget allows; false if it does not.
  bool retry_after(State& s, std::chrono::milliseconds delay) {
    if (clock->now() + delay >= s.deadline) return false;
    ++s.retries;
    clock->after(delay, [self = shared_from_this(), s = ptr(s)] { self->run(s); });
    return true;
  }

  void on_response(State& s, http::TransportError&& err, http::ClientResponse&& res) {
    if (err) {
      if (opt.retry.on_connection_errors && err.retryable() && may_retry(s) &&
          retry_after(s, jittered(backoff_delay(opt.retry, s.retries))))
        return;
      return fail(s, Error(Error::Kind::transport, std::string(http::to_string(err.kind)) + ": " + err.message, 0, {}, err.kind));
    }
    if (res.status == 401 && opt.auth.kind == Auth::Kind::proxmox_ticket && !s.is_login && !s.relogged) {
      // The ticket was refused (expired early, server restarted): log in again, once.
      s.relogged = true;
      {
        std::lock_guard lk(mu);
        if (ticket == s.ticket_used) ticket.clear();
      }
      return run(ptr(s));
    }
    const auto& st = opt.retry.statuses;
    if (std::find(st.begin(), st.end(), res.status) != st.end() && may_retry(s)) {
      std::optional<std::chrono::milliseconds> delay;
      if (opt.retry.honour_retry_after)
        if (auto ra = res.header("Retry-After"); !ra.empty()) delay = parse_retry_after(ra, std::time(nullptr));
      if (!delay) delay = jittered(backoff_delay(opt.retry, s.retries));
      if (retry_after(s, *delay)) return;
    }
    complete(s, std::move(res));
  }

  void complete(State& s, http::ClientResponse&& res) {
    if (!s.cache_key.empty()) remember(s, res);
    if (res.status >= 400 && (opt.throw_on_http_error || s.is_login)) {
      std::string msg = "HTTP " + std::to_string(res.status) + " " + std::string(http::reason_phrase(res.status)) + " for " +
                        s.request.method + " " + s.request.target;
      if (!res.body.empty()) msg += ": " + res.body.substr(0, 200);
      return fail(s, Error(Error::Kind::http, std::move(msg), res.status, res.body));
    }
    fulfil(s, std::move(res));
  }

  // --- the GET cache and coalescing -------------------------------------------------------

  // Keeps a 200 (with no Cache-Control: no-store); turns a 304 to a revalidation into the
  // kept answer, fresh again.
  void remember(State& s, http::ClientResponse& res) {
    const auto now = clock->now();
    std::lock_guard lk(cache_mu);
    if (res.status == 304 && s.stale) {
      ++cstats.revalidated;
      http::ClientResponse fresh = *s.stale;
      auto& e = cache[s.cache_key];
      e.res = fresh;
      e.etag = std::string(fresh.header("ETag"));
      e.fresh_until = now + s.ttl;
      res = std::move(fresh);
      return;
    }
    if (res.status != 200 || res.body.size() > opt.cache.max_body) return;
    if (res.header("Cache-Control").find("no-store") != std::string_view::npos) return;
    if (cache.size() >= opt.cache.max_entries && !cache.contains(s.cache_key)) {
      // Full: drop what no longer serves (stale, nothing to revalidate with), else anything.
      std::erase_if(cache, [&](const auto& kv) { return kv.second.fresh_until <= now && kv.second.etag.empty(); });
      if (cache.size() >= opt.cache.max_entries) cache.erase(cache.begin());
    }
    auto& e = cache[s.cache_key];
    e.res = res;
    e.etag = std::string(res.header("ETag"));
    e.fresh_until = now + s.ttl;
  }

  // Every call starts here: a GET may be answered from the cache or join an identical GET in
  // flight; anything else goes to run().
  Future<Response> start(const Call& c) { return start(Spec::of(c), std::string(c.path)); }
  Future<Response> start(Call&& c) {
    std::string path = std::move(c.path);
    return start(Spec::of(c), std::move(path));
  }
  Future<Response> start(const Spec& c, std::string&& path) {
    auto s = make_state(c, std::move(path));
    const bool get = c.method == "GET";
    const bool cached = opt.cache.enabled && get && !c.no_cache;
    const bool coalesce = opt.coalesce_gets && get && !c.no_cache;
    if (!cached && !coalesce) {
      auto f = future_of(s);
      run(s);
      return f;
    }
    {
      std::lock_guard lk(cache_mu);
      if (cached) {
        if (auto it = cache.find(s->request.target); it != cache.end()) {
          if (clock->now() < it->second.fresh_until) {
            ++cstats.hits;
            return make_ready_future(Response(it->second.res));
          }
          if (opt.cache.revalidate && !it->second.etag.empty()) {
            s->stale = it->second.res;
            s->headers.emplace_back("If-None-Match", it->second.etag);
          }
        }
        s->cache_key = s->request.target;
        s->ttl = c.cache_ttl.value_or(opt.cache.ttl);
      }
      if (coalesce) {
        for (const auto& [name, value] : c.headers) {
          if (s->flight_key.empty()) s->flight_key = s->request.target;
          s->flight_key += '\n';
          s->flight_key += name;
          s->flight_key += ':';
          s->flight_key += value;
        }
        std::string_view key = s->flight_key.empty() ? std::string_view(s->request.target) : std::string_view(s->flight_key);
        s->flight_hash = hash_key(key);
        if (auto [it, first] = gets_in_flight.try_emplace(FlightKey{key, s->flight_hash}); !first) {
          ++cstats.coalesced;
          Promise<Response> joined;
          it->second.push_back(joined);
          return joined.get_future();
        }
        s->leads_flight = true;
      }
      ++cstats.misses;
    }
    auto f = future_of(s);
    run(s);
    return f;
  }

  // --- Proxmox tasks ----------------------------------------------------------------------

  struct TaskWait {
    Upid upid;
    TaskWaitOptions o;
    std::string path;
    Clock::time_point started, deadline;
    std::chrono::milliseconds next{0};
    unsigned polls = 0;
    Promise<TaskStatus> done;
  };

  void poll_task(const std::shared_ptr<TaskWait>& w) {
    Call c;
    c.path = w->path;
    c.no_cache = true;
    auto f = start(c);
    auto self = shared_from_this();
    f.on_ready([self, w, f] {
      if (auto e = f.exception()) return w->done.set_exception(e);
      const auto now = self->clock->now();
      TaskStatus st;
      st.upid = w->upid;
      st.polls = ++w->polls;
      st.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - w->started);
      try {
        Response r = f.get();
        st.data = r.data();
        const auto& obj = st.data.as_object();
        st.status = std::string(obj.at("status").as_string());
        if (const auto* x = obj.if_contains("exitstatus"); x && x->is_string()) st.exitstatus = std::string(x->get_string());
      } catch (const std::exception& e) {
        return w->done.set_exception(std::make_exception_ptr(
            Error(Error::Kind::task, "task " + w->upid.text + ": status answer without a status: " + e.what())));
      }
      if (w->o.on_progress) {
        try {
          w->o.on_progress(st);
        } catch (...) {
          return w->done.set_exception(std::current_exception());
        }
      }
      if (st.status != "running") {
        if (st.exitstatus == "OK") return w->done.set_value(std::move(st));
        std::string why = st.status == "stopped" ? "failed: " + (st.exitstatus.empty() ? std::string("no exit status") : st.exitstatus)
                                                 : "has status '" + st.status + "'";
        return w->done.set_exception(std::make_exception_ptr(Error(Error::Kind::task, "task " + w->upid.text + " " + why, 0, st.exitstatus)));
      }
      if (now >= w->deadline) {
        return w->done.set_exception(std::make_exception_ptr(Error(
            Error::Kind::task, "task " + w->upid.text + " still running after " + std::to_string(w->o.timeout.count()) + " ms",
            0, {}, http::TransportError::Kind::timeout)));
      }
      auto delay = std::min<Clock::duration>(w->next, w->deadline - now);
      w->next = std::min(w->next * 2, std::max(w->o.max_interval, w->o.interval));
      self->clock->after(delay, [self, w] { self->poll_task(w); });
    });
  }

  Future<TaskStatus> wait_task(std::string upid, TaskWaitOptions o) {
    auto w = std::make_shared<TaskWait>();
    try {
      w->upid = Upid::parse(upid);
    } catch (const std::exception& e) {
      return make_failed_future<TaskStatus>(std::make_exception_ptr(Error(Error::Kind::task, e.what())));
    }
    w->path = "/nodes/" + percent_encode(w->upid.node) + "/tasks/" + percent_encode(upid) + "/status";
    w->o = std::move(o);
    if (w->o.interval.count() <= 0) w->o.interval = std::chrono::milliseconds(1);
    w->started = clock->now();
    w->deadline = w->started + w->o.timeout;
    w->next = w->o.interval;
    auto f = w->done.get_future();
    poll_task(w);
    return f;
  }
};

// --- UPID ---------------------------------------------------------------------------------

Upid Upid::parse(std::string_view text) {
  if (text.size() > 1024) throw std::invalid_argument("UPID longer than 1024 characters");
  std::vector<std::string_view> f;
  std::string_view rest = text;
  while (!rest.empty()) {
    auto colon = rest.find(':');
    if (colon == std::string_view::npos) throw std::invalid_argument("UPID does not end with ':': " + std::string(text));
    f.push_back(rest.substr(0, colon));
    rest.remove_prefix(colon + 1);
  }
  if (f.size() != 8 || f[0] != "UPID")
    throw std::invalid_argument("not a UPID (expected UPID:node:pid:pstart:starttime:type:id:user:): " + std::string(text));
  auto hex = [&](std::string_view field, const char* what, auto& out) {
    auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), out, 16);
    if (field.empty() || ec != std::errc() || end != field.data() + field.size())
      throw std::invalid_argument(std::string("UPID ") + what + " is not hexadecimal: '" + std::string(field) + "'");
  };
  Upid u;
  if (f[1].empty()) throw std::invalid_argument("UPID without a node: " + std::string(text));
  u.node = f[1];
  hex(f[2], "pid", u.pid);
  hex(f[3], "pstart", u.pstart);
  std::uint64_t start = 0;
  hex(f[4], "starttime", start);
  u.starttime = static_cast<std::int64_t>(start);
  u.type = f[5];
  u.id = f[6];
  u.user = f[7];
  u.text = text;
  return u;
}

// --- Client -------------------------------------------------------------------------------

Client::Client(ClientOptions options) : impl_(std::make_shared<Impl>(std::move(options))) {}

Client::~Client() {
  // The transport goes first: it fails what is in flight and joins its thread, so nothing
  // runs on it once the rest of the client is gone.
  auto t = std::move(impl_->transport);
  t.reset();
  // Calls still held back by max_in_flight will never be sent.
  std::deque<Impl::StatePtr> held;
  {
    std::lock_guard lk(impl_->slots_mu);
    held.swap(impl_->held);
  }
  for (auto& s : held)
    impl_->fail(*s, Error(Error::Kind::transport, "client shut down", 0, {}, http::TransportError::Kind::cancelled));
}

Future<Response> Client::async_call(Call call) { return impl_->start(std::move(call)); }

Future<std::vector<Response>> Client::async_gather(std::vector<Call> calls, std::size_t limit) {
  struct Gather {
    std::shared_ptr<Impl> impl;
    std::vector<Call> calls;
    std::vector<Future<Response>> results;
    std::mutex mu;
    std::size_t next = 0, done = 0;
    Promise<std::vector<Response>> out;

    // Starts the next call, if any is left; its completion starts another.
    static void launch(const std::shared_ptr<Gather>& g) {
      std::size_t i;
      {
        std::lock_guard lk(g->mu);
        if (g->next == g->calls.size()) return;
        i = g->next++;
      }
      auto f = g->impl->start(g->calls[i]);
      {
        std::lock_guard lk(g->mu);
        g->results[i] = f;
      }
      f.on_ready([g] {
        bool last;
        {
          std::lock_guard lk(g->mu);
          last = ++g->done == g->calls.size();
        }
        if (!last) return launch(g);
        std::vector<Response> values;
        values.reserve(g->results.size());
        for (auto& r : g->results) {
          if (auto e = r.exception()) return g->out.set_exception(e);
          values.push_back(std::move(r).get());  // moved when nobody else holds the Future
        }
        g->out.set_value(std::move(values));
      });
    }
  };
  auto g = std::make_shared<Gather>();
  g->impl = impl_;
  g->calls = std::move(calls);
  g->results.resize(g->calls.size());
  auto f = g->out.get_future();
  if (g->calls.empty()) {
    g->out.set_value({});
    return f;
  }
  const std::size_t first = limit == 0 ? g->calls.size() : std::min(limit, g->calls.size());
  for (std::size_t i = 0; i < first; ++i) Gather::launch(g);
  return f;
}

void Client::invalidate(std::string_view key) {
  std::string k = impl_->base_path;
  if (!key.empty() && key.front() != '/') k += '/';
  k += key;
  std::lock_guard lk(impl_->cache_mu);
  impl_->cache.erase(k);
}

void Client::invalidate_prefix(std::string_view prefix) {
  std::string k = impl_->base_path;
  if (!prefix.empty() && prefix.front() != '/') k += '/';
  k += prefix;
  std::lock_guard lk(impl_->cache_mu);
  std::erase_if(impl_->cache, [&](const auto& kv) { return kv.first.starts_with(k); });
}

void Client::clear_cache() {
  std::lock_guard lk(impl_->cache_mu);
  impl_->cache.clear();
}

CacheStats Client::cache_stats() const {
  std::lock_guard lk(impl_->cache_mu);
  CacheStats s = impl_->cstats;
  s.entries = impl_->cache.size();
  return s;
}

Future<TaskStatus> Client::async_wait_for_task(std::string upid, TaskWaitOptions options) {
  return impl_->wait_task(std::move(upid), std::move(options));
}
TaskStatus Client::wait_for_task(std::string upid, TaskWaitOptions options) {
  return async_wait_for_task(std::move(upid), std::move(options)).get();
}

Result<Response> Client::call(Call c) {
  try {
    return async_call(std::move(c)).get();
  } catch (const Error& e) {
    return e;
  }
}

// The verbs go to start() without building a Call: it only reads what they hand over.

Future<Response> Client::async_get(std::string path, Params q) { return impl_->start(Impl::Spec::verb("GET", q), std::move(path)); }
Future<Response> Client::async_post(std::string path, Params d) { return impl_->start(Impl::Spec::verb("POST", d), std::move(path)); }
Future<Response> Client::async_post_json(std::string path, json::value j) { return impl_->start(Impl::Spec::verb("POST", no_params, &j), std::move(path)); }
Future<Response> Client::async_put(std::string path, Params d) { return impl_->start(Impl::Spec::verb("PUT", d), std::move(path)); }
Future<Response> Client::async_put_json(std::string path, json::value j) { return impl_->start(Impl::Spec::verb("PUT", no_params, &j), std::move(path)); }
Future<Response> Client::async_patch(std::string path, Params d) { return impl_->start(Impl::Spec::verb("PATCH", d), std::move(path)); }
Future<Response> Client::async_patch_json(std::string path, json::value j) { return impl_->start(Impl::Spec::verb("PATCH", no_params, &j), std::move(path)); }
Future<Response> Client::async_del(std::string path, Params q) { return impl_->start(Impl::Spec::verb("DELETE", q), std::move(path)); }

Response Client::get(std::string path, Params q) { return async_get(std::move(path), std::move(q)).get(); }
Response Client::post(std::string path, Params d) { return async_post(std::move(path), std::move(d)).get(); }
Response Client::post_json(std::string path, json::value j) { return async_post_json(std::move(path), std::move(j)).get(); }
Response Client::put(std::string path, Params d) { return async_put(std::move(path), std::move(d)).get(); }
Response Client::put_json(std::string path, json::value j) { return async_put_json(std::move(path), std::move(j)).get(); }
Response Client::patch(std::string path, Params d) { return async_patch(std::move(path), std::move(d)).get(); }
Response Client::patch_json(std::string path, json::value j) { return async_patch_json(std::move(path), std::move(j)).get(); }
Response Client::del(std::string path, Params q) { return async_del(std::move(path), std::move(q)).get(); }

Path Client::operator[](std::string_view segments) { return path()[segments]; }
const ClientOptions& Client::options() const noexcept { return impl_->opt; }
http::TransportStats Client::transport_stats() const { return impl_->transport->stats(); }

// --- Path ---------------------------------------------------------------------------------

Path Path::operator[](std::string_view segments) const {
  std::string p = path_;
  while (!segments.empty()) {
    auto slash = segments.find('/');
    auto seg = segments.substr(0, slash);
    if (!seg.empty()) {
      p += '/';
      p += percent_encode(seg);
    }
    if (slash == std::string_view::npos) break;
    segments.remove_prefix(slash + 1);
  }
  return Path(*client_, std::move(p));
}
Path Path::operator()(std::string_view segment) const { return Path(*client_, path_ + "/" + percent_encode(segment)); }
Path Path::operator()(long long id) const { return Path(*client_, path_ + "/" + std::to_string(id)); }

Response Path::get(Params q) const { return client_->get(path_, std::move(q)); }
Response Path::post(Params d) const { return client_->post(path_, std::move(d)); }
Response Path::put(Params d) const { return client_->put(path_, std::move(d)); }
Response Path::patch(Params d) const { return client_->patch(path_, std::move(d)); }
Response Path::del(Params q) const { return client_->del(path_, std::move(q)); }
Future<Response> Path::async_get(Params q) const { return client_->async_get(path_, std::move(q)); }
Future<Response> Path::async_post(Params d) const { return client_->async_post(path_, std::move(d)); }
Future<Response> Path::async_put(Params d) const { return client_->async_put(path_, std::move(d)); }
Future<Response> Path::async_patch(Params d) const { return client_->async_patch(path_, std::move(d)); }
Future<Response> Path::async_del(Params q) const { return client_->async_del(path_, std::move(q)); }

}  // namespace oasis::client
