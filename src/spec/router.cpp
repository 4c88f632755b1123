// spec/router.cpp — the segment trie behind Router::find.
#include <oasis/spec/router.hpp>

#include <boost/unordered/unordered_flat_map.hpp>

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>

namespace oasis::spec {

namespace {

constexpr std::size_t method_count = static_cast<std::size_t>(http::Method::OTHER) + 1;

struct Node;

struct TransparentHash {
  using is_transparent = void;
  // FNV-1a: path segments are short, and the map mixes the result further
  std::size_t operator()(std::string_view s) const noexcept {
    std::uint64_t h = 14695981039346656037ull;
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    return static_cast<std::size_t>(h);
  }
};
struct TransparentEq {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const noexcept { return a == b; }
};

// A segment that mixes literals and variables: prefix {v0} sep0 {v1} sep1 ... (the last sep is
// the suffix, maybe empty).
struct SegmentPattern {
  std::string key;  // the segment with variable names removed: "{}.{}"
  std::string prefix;
  std::vector<std::string> separators;
  std::unique_ptr<Node> child;

  // Captures the variables of `seg`; false when it does not fit.
  template <class Caps>
  bool match(std::string_view seg, Caps& caps) const {
    if (seg.substr(0, prefix.size()) != prefix) return false;
    std::size_t pos = prefix.size();
    for (std::size_t i = 0; i < separators.size(); ++i) {
      const std::string& sep = separators[i];
      bool last = i + 1 == separators.size();
      std::size_t end;
      if (last) {
        if (seg.size() < pos + sep.size() + 1) return false;
        if (seg.substr(seg.size() - sep.size()) != sep) return false;
        end = seg.size() - sep.size();
      } else {
        if (sep.empty()) return false;  // two adjacent variables cannot be told apart
        end = seg.find(sep, pos + 1);
        if (end == std::string_view::npos) return false;
      }
      if (end <= pos) return false;
      caps.push_back({{}, seg.substr(pos, end - pos)});
      pos = end + sep.size();
    }
    return true;
  }
};

struct Node {
  boost::unordered_flat_map<std::string, std::unique_ptr<Node>, TransparentHash, TransparentEq> statics;
  // When a node has few static children a scan of (length, bytes) beats hashing the segment.
  std::vector<std::pair<std::string, const Node*>> few;
  bool use_few = false;
  std::vector<SegmentPattern> patterns;
  std::unique_ptr<Node> var_child;
  // terminal data
  bool terminal = false;
  std::array<const Operation*, method_count> ops{};
  std::string allow;
  std::string path_template;
};

using Captures = boost::container::small_vector<PathParam, 8>;

}  // namespace

struct Router::Impl {
  RouterOptions opts;
  std::string base_path;
  Node root;
  std::vector<std::vector<std::string>> names_by_op;  // template variable names, by Operation::index

  // Splits "/a/{b}/c" into its segments ("a", "{b}", "c"); "/" is one empty segment.
  static std::vector<std::string_view> segments(std::string_view path) {
    std::vector<std::string_view> out;
    if (!path.empty() && path[0] == '/') path.remove_prefix(1);
    while (true) {
      std::size_t slash = path.find('/');
      out.push_back(path.substr(0, slash));
      if (slash == std::string_view::npos) break;
      path.remove_prefix(slash + 1);
    }
    return out;
  }

  void add(const Operation& op) {
    Node* n = &root;
    std::vector<std::string> names;
    for (std::string_view seg : segments(op.path)) {
      std::size_t open = seg.find('{');
      if (open == std::string_view::npos) {
        auto it = n->statics.find(seg);
        if (it == n->statics.end()) it = n->statics.emplace(std::string(seg), std::make_unique<Node>()).first;
        n = it->second.get();
        continue;
      }
      if (open == 0 && seg.back() == '}' && seg.find('{', 1) == std::string_view::npos) {
        names.emplace_back(seg.substr(1, seg.size() - 2));
        if (!n->var_child) n->var_child = std::make_unique<Node>();
        n = n->var_child.get();
        continue;
      }
      SegmentPattern pat;
      pat.prefix = std::string(seg.substr(0, open));
      pat.key = pat.prefix;
      std::size_t pos = open;
      while (pos != std::string_view::npos && pos < seg.size()) {
        std::size_t close = seg.find('}', pos);
        if (close == std::string_view::npos) break;
        names.emplace_back(seg.substr(pos + 1, close - pos - 1));
        std::size_t next = seg.find('{', close);
        std::string sep(seg.substr(close + 1, next == std::string_view::npos ? std::string_view::npos : next - close - 1));
        pat.key += "{}" + sep;
        pat.separators.push_back(std::move(sep));
        pos = next;
      }
      auto it = std::find_if(n->patterns.begin(), n->patterns.end(),
                             [&](const SegmentPattern& p) { return p.key == pat.key; });
      if (it == n->patterns.end()) {
        pat.child = std::make_unique<Node>();
        n->patterns.push_back(std::move(pat));
        it = n->patterns.end() - 1;
      }
      n = it->child.get();
    }
    n->terminal = true;
    if (n->path_template.empty()) n->path_template = op.path;
    auto m = static_cast<std::size_t>(op.method);
    if (!n->ops[m]) n->ops[m] = &op;  // the first declaration of a path and method wins
    if (names_by_op.size() <= op.index) names_by_op.resize(op.index + 1);
    names_by_op[op.index] = std::move(names);
  }

  void finish(Node& n) {
    if (n.terminal) {
      auto get = static_cast<std::size_t>(http::Method::GET), head = static_cast<std::size_t>(http::Method::HEAD);
      if (opts.head_uses_get && !n.ops[head] && n.ops[get]) n.ops[head] = n.ops[get];
      static constexpr http::Method order[] = {http::Method::GET,   http::Method::HEAD,    http::Method::POST,
                                               http::Method::PUT,   http::Method::PATCH,   http::Method::DELETE,
                                               http::Method::OPTIONS, http::Method::TRACE, http::Method::CONNECT};
      for (http::Method m : order)
        if (n.ops[static_cast<std::size_t>(m)]) {
          if (!n.allow.empty()) n.allow += ", ";
          n.allow += method_name(m);
        }
    }
    if (n.statics.size() <= 8) {
      n.use_few = true;
      for (auto& [k, c] : n.statics) n.few.emplace_back(k, c.get());
    }
    for (auto& [k, c] : n.statics) finish(*c);
    for (auto& p : n.patterns) finish(*p.child);
    if (n.var_child) finish(*n.var_child);
  }

  // Depth-first, static before pattern before variable; the first terminal with the method
  // wins, and the first terminal at all is remembered for a 405.
  const Node* match(const Node* n, std::string_view path, std::size_t pos, std::size_t m, Captures& caps,
                    const Node*& first_terminal) const {
    if (pos >= path.size()) {
      if (!n->terminal) return nullptr;
      if (n->ops[m]) return n;
      if (!first_terminal) first_terminal = n;
      return nullptr;
    }
    // path[pos] == '/'
    std::size_t start = pos + 1;
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view seg = path.substr(start, end - start);
    if (n->use_few) {
      for (const auto& [k, child] : n->few)
        if (k.size() == seg.size() && std::memcmp(k.data(), seg.data(), seg.size()) == 0) {
          if (const Node* r = match(child, path, end, m, caps, first_terminal)) return r;
          break;
        }
    } else {
      auto it = n->statics.find(seg);
      if (it != n->statics.end())
        if (const Node* r = match(it->second.get(), path, end, m, caps, first_terminal)) return r;
    }
    if (seg.empty()) return nullptr;  // a variable is never empty
    for (const auto& p : n->patterns) {
      std::size_t mark = caps.size();
      if (p.match(seg, caps))
        if (const Node* r = match(p.child.get(), path, end, m, caps, first_terminal)) return r;
      caps.resize(mark);
    }
    if (n->var_child) {
      caps.push_back({{}, seg});
      if (const Node* r = match(n->var_child.get(), path, end, m, caps, first_terminal)) return r;
      caps.pop_back();
    }
    return nullptr;
  }

  bool lookup(http::Method method, std::string_view path, RouteMatch& out) const {
    if (path.empty()) path = "/";
    if (path[0] != '/') return false;
    std::size_t m = static_cast<std::size_t>(method);
    Captures& caps = out.params;  // values captured in place; names filled in below
    const Node* first_terminal = nullptr;
    const Node* n = match(&root, path, 0, m, caps, first_terminal);
    if (n) {
      const Operation* op = n->ops[m];
      out.status = RouteStatus::found;
      out.operation = op;
      out.allow = n->allow;
      out.path_template = n->path_template;
      const auto& names = names_by_op[op->index];
      if (caps.size() > names.size()) caps.resize(names.size());
      for (std::size_t i = 0; i < caps.size(); ++i) caps[i].name = names[i];
      return true;
    }
    caps.clear();
    if (first_terminal) {
      out.status = RouteStatus::method_not_allowed;
      out.allow = first_terminal->allow;
      out.path_template = first_terminal->path_template;
      return true;
    }
    return false;
  }
};

Router::Router(const Document& doc, RouterOptions opts) : impl_(std::make_unique<Impl>()) {
  impl_->opts = std::move(opts);
  if (impl_->opts.base_path) {
    impl_->base_path = *impl_->opts.base_path;
  } else if (!doc.servers().empty()) {
    impl_->base_path = doc.servers().front().base_path;
  }
  while (!impl_->base_path.empty() && impl_->base_path.back() == '/') impl_->base_path.pop_back();
  if (!impl_->base_path.empty() && impl_->base_path[0] != '/') impl_->base_path = "/" + impl_->base_path;
  for (const auto& op : doc.operations())
    if (op.method != http::Method::OTHER) impl_->add(op);
  impl_->finish(impl_->root);
}

Router::~Router() = default;
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;

const std::string& Router::base_path() const { return impl_->base_path; }

RouteMatch Router::find(http::Method method, std::string_view path) const {
  RouteMatch out;
  find(method, path, out);
  return out;
}

void Router::find(http::Method method, std::string_view path, RouteMatch& out) const {
  out.status = RouteStatus::not_found;
  out.operation = nullptr;
  out.params.clear();
  out.allow = {};
  out.path_template = {};
  const std::string& base = impl_->base_path;
  if (!base.empty()) {
    bool has_base = path.size() >= base.size() && path.compare(0, base.size(), base) == 0 &&
                    (path.size() == base.size() || path[base.size()] == '/');
    if (has_base) {
      std::string_view rest = path.substr(base.size());
      if (impl_->lookup(method, rest.empty() ? std::string_view("/") : rest, out)) return;
      out.params.clear();
    }
    if (!impl_->opts.accept_without_base_path) return;
  }
  impl_->lookup(method, path, out);
}

}  // namespace oasis::spec
