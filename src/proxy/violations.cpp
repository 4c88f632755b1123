// proxy/violations.cpp — the violation log: JSON lines, the in-memory tail, counts.
#include <oasis/http/date.hpp>
#include <oasis/proxy/violations.hpp>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace oasis::proxy {

namespace json = boost::json;

std::string_view to_string(Direction d) noexcept { return d == Direction::request ? "request" : "response"; }

namespace {

json::object to_object(const ViolationRecord& r) {
  json::object o;
  o["time"] = http::format_rfc3339(r.time);
  o["operation"] = r.operation;
  o["method"] = r.method;
  o["target"] = r.target;
  o["direction"] = to_string(r.direction);
  o["pointer"] = r.pointer;
  o["message"] = r.message;
  o["keyword"] = r.keyword;
  return o;
}

}  // namespace

std::string to_json_line(const ViolationRecord& r) { return json::serialize(to_object(r)); }

ViolationLog::ViolationLog(std::size_t keep) : keep_(keep) {}

ViolationLog::~ViolationLog() {
  if (report_) std::fclose(report_);
}

bool ViolationLog::open_report(const std::string& path, std::string& error) {
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (!f) {
    error = path + ": " + std::strerror(errno);
    return false;
  }
  std::lock_guard lock(mu_);
  if (report_) std::fclose(report_);
  report_ = f;
  return true;
}

void ViolationLog::add_locked(ViolationRecord&& r) {
  auto& c = by_operation_[r.operation];
  if (r.direction == Direction::request) {
    ++request_;
    ++c.request;
  } else {
    ++response_;
    ++c.response;
  }
  if (report_) {
    std::string line = to_json_line(r);
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), report_);
  }
  if (keep_ == 0) return;
  if (recent_.size() == keep_) recent_.pop_front();
  recent_.push_back(std::move(r));
}

void ViolationLog::record(std::string_view operation, std::string_view method, std::string_view target,
                          Direction direction, std::span<const schema::Violation> violations) {
  if (violations.empty()) return;
  auto now = std::chrono::system_clock::now();
  std::lock_guard lock(mu_);
  for (const auto& v : violations)
    add_locked({now, std::string(operation), std::string(method), std::string(target), direction, v.instance_pointer,
                v.message, v.keyword});
  // Flushed per exchange so that a reader (or a crash) sees whole lines.
  if (report_) std::fflush(report_);
}

void ViolationLog::record(std::string_view operation, std::string_view method, std::string_view target,
                          Direction direction, std::string_view pointer, std::string_view keyword,
                          std::string_view message) {
  auto now = std::chrono::system_clock::now();
  std::lock_guard lock(mu_);
  add_locked({now, std::string(operation), std::string(method), std::string(target), direction, std::string(pointer),
              std::string(message), std::string(keyword)});
  if (report_) std::fflush(report_);
}

std::string ViolationLog::to_json() const {
  json::object o;
  json::array list;
  std::lock_guard lock(mu_);
  o["total"] = request_ + response_;
  o["request"] = request_;
  o["response"] = response_;
  o["kept"] = recent_.size();
  list.reserve(recent_.size());
  for (const auto& r : recent_) list.push_back(to_object(r));
  o["violations"] = std::move(list);
  return json::serialize(o);
}

void ViolationLog::clear() {
  std::lock_guard lock(mu_);
  recent_.clear();
  by_operation_.clear();
  request_ = response_ = 0;
}

std::uint64_t ViolationLog::total() const {
  std::lock_guard lock(mu_);
  return request_ + response_;
}

std::uint64_t ViolationLog::count(Direction d) const {
  std::lock_guard lock(mu_);
  return d == Direction::request ? request_ : response_;
}

std::map<std::string, OperationCounts> ViolationLog::by_operation() const {
  std::lock_guard lock(mu_);
  return by_operation_;
}

std::vector<ViolationRecord> ViolationLog::recent() const {
  std::lock_guard lock(mu_);
  return {recent_.begin(), recent_.end()};
}

}  // namespace oasis::proxy
