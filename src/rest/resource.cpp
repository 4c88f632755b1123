// Context, MethodSet and problem bodies: the small pieces every resource touches.
#include <oasis/rest/dependencies.hpp>
#include <oasis/rest/resource.hpp>

#include <new>

#include <boost/json.hpp>

#include <stdexcept>

namespace oasis::rest {

namespace {
constexpr std::string_view kCallbackNames[] = {
#define OASIS_REST_NAME(name) #name,
    OASIS_REST_CALLBACKS(OASIS_REST_NAME)
#undef OASIS_REST_NAME
};
}  // namespace

std::string_view to_string(Callback c) noexcept {
  auto i = static_cast<std::size_t>(c);
  return i < std::size(kCallbackNames) ? kCallbackNames[i] : std::string_view("?");
}

std::string MethodSet::to_allow() const {
  std::string out;
  for (int m = 0; m < static_cast<int>(http::Method::OTHER); ++m) {
    auto method = static_cast<http::Method>(m);
    if (!has(method)) continue;
    if (!out.empty()) out += ", ";
    out += http::to_string(method);
  }
  return out;
}

void write_problem(http::Response& response, const Problem& p) {
  boost::json::object o;
  o["type"] = p.type;
  o["title"] = p.title.empty() ? http::reason_phrase(p.status) : p.title;
  o["status"] = p.status;
  if (!p.detail.empty()) o["detail"] = p.detail;
  response.remove_header("Content-Type");
  response.body("application/problem+json", boost::json::serialize(o));
}

// --- Context ---------------------------------------------------------------------------------

void Context::destroy_lazy() noexcept {
  if (made_ & made_owned)
    while (owned_count_ > 0) {
      auto& o = owned_[--owned_count_];
      o.destroy(o.value);
    }
  if (made_ & made_detail) detail_.~basic_string();
  if (made_ & made_etag) etag_.~ETag();
  made_ &= static_cast<std::uint8_t>(~(made_owned | made_detail | made_etag));
}

void Context::set_detail(std::string_view detail) {
  if (made_ & made_detail) {
    detail_.assign(detail);
  } else {
    new (&detail_) std::string(detail);
    made_ |= made_detail;
  }
}

std::string_view Context::param(std::string_view name) const noexcept {
  for (std::size_t i = 0; i < param_count_; ++i)
    if (params_[i].name == name) return params_[i].value;
  return {};
}

void Context::bind_param(std::string_view name, std::string_view value) noexcept {
  if (param_count_ < max_params) params_[param_count_++] = {name, value};
}

void Context::halt(int status, std::string_view detail) {
  halt_status_ = static_cast<std::uint16_t>((status >= 100 && status <= 599) ? status : 500);
  if (!detail.empty()) set_detail(detail);
}

void Context::set_location(std::string_view uri) {
  if (response_.has_header("Location")) response_.remove_header("Location");
  if (uri.starts_with('/') || uri.find("://") != std::string_view::npos) {
    response_.header("Location", uri);
    return;
  }
  std::string full(request_.path());
  if (full.empty() || full.back() != '/') full += '/';
  full += uri;
  response_.header("Location", full);
}

void* Context::resolve(const void* type, std::string_view name) {
  if (!deps_) throw std::out_of_range("no dependencies are bound to this request");
  auto entry = deps_->find_or_throw(type, name);
  if (!deps_->per_request(entry)) return deps_->application_value(entry);
  if (!(made_ & made_owned)) {
    owned_count_ = 0;
    made_ |= made_owned;
  }
  for (std::size_t i = 0; i < owned_count_; ++i)
    if (owned_[i].entry == entry) return owned_[i].value;
  if (owned_count_ == owned_.size())
    throw std::length_error("more per-request dependencies than a request can hold");
  void* v = deps_->make_request_value(entry, *this);
  owned_[owned_count_++] = {entry, v, deps_->destroyer(entry)};
  return v;
}

// --- Dependencies ----------------------------------------------------------------------------

void Dependencies::add(const void* type, std::string_view name, bool per_request,
                       std::function<void*(Dependencies&, Context*)> make, void (*destroy)(void*)) {
  if (find(type, name) != npos) throw std::logic_error("dependency provided twice: " + std::string(name));
  entries_.push_back({type, std::string(name), per_request, std::move(make), destroy, nullptr});
}

std::size_t Dependencies::find(const void* type, std::string_view name) const noexcept {
  for (std::size_t i = 0; i < entries_.size(); ++i)
    if (entries_[i].type == type && entries_[i].name == name) return i;
  return npos;
}

std::size_t Dependencies::find_or_throw(const void* type, std::string_view name) const {
  auto i = find(type, name);
  if (i == npos) throw std::out_of_range("no dependency provided for this type and name '" + std::string(name) + "'");
  return i;
}

void* Dependencies::application_value(std::size_t entry) {
  auto& e = entries_[entry];
  if (!e.instance) {
    e.instance = e.make(*this, nullptr);
    creation_order_.push_back(entry);
  }
  return e.instance;
}

void* Dependencies::make_request_value(std::size_t entry, Context& ctx) {
  return entries_[entry].make(*this, &ctx);
}

void Dependencies::start() {
  for (std::size_t i = 0; i < entries_.size(); ++i)
    if (!entries_[i].per_request) application_value(i);
  started_ = true;
}

void Dependencies::stop() noexcept {
  while (!creation_order_.empty()) {
    auto& e = entries_[creation_order_.back()];
    creation_order_.pop_back();
    e.destroy(e.instance);
    e.instance = nullptr;
  }
  started_ = false;
}

}  // namespace oasis::rest
