// mock/proxmox_tasks.cpp — the Proxmox profile's tasks: UPIDs, a task that runs for
// ProxmoxOptions::task_duration and then stops with exitstatus "OK", and what it changes when it
// ends (a guest's status, a destroyed, cloned or migrated guest).
//
// A task is an item at /nodes/{node}/tasks/{upid} in the Store: {upid, node, pid, pstart,
// starttime, type, id, user, status, exitstatus, endtime, log, effect}. Deadlines of running
// tasks live in memory and are checked at the start of every request (settle); a task found
// running in a persisted state with no deadline (the mock was restarted) is taken as finished.
#include "proxmox_impl.hpp"

#include <charconv>

namespace oasis::mock {

using namespace pve;

namespace {

bool hex_field(std::string_view s, std::uint64_t& out) {
  if (s.size() < 8 || s.size() > 9) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out, 16);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// Fields of a task entry that clients see (the rest is the profile's own).
json::object public_task(const json::object& t, bool for_list) {
  json::object o;
  for (const char* k : {"upid", "node", "pid", "pstart", "starttime", "type", "id", "user"})
    if (auto* v = t.if_contains(k)) o[k] = *v;
  bool running = t.contains("status") && t.at("status") == "running";
  if (for_list) {
    // In task lists Proxmox gives a finished task its end time and its exit status as "status".
    if (!running) {
      if (auto* e = t.if_contains("endtime")) o["endtime"] = *e;
      if (auto* x = t.if_contains("exitstatus")) o["status"] = *x;
    }
  } else {
    o["status"] = running ? "running" : "stopped";
    if (!running)
      if (auto* x = t.if_contains("exitstatus")) o["exitstatus"] = *x;
  }
  return o;
}

std::string describe(std::string_view type, std::string_view id) {
  std::string what(type);
  if (!id.empty()) what += " " + std::string(id);
  return "starting task " + what;
}

}  // namespace

std::string format_upid(const Upid& u) {
  return "UPID:" + u.node + ":" + hex8(u.pid) + ":" + hex8(u.pstart) + ":" + hex8(static_cast<std::uint64_t>(u.starttime)) +
         ":" + u.type + ":" + u.id + ":" + u.user + ":";
}

std::optional<Upid> parse_upid(std::string_view text) {
  if (text.size() > 512 || text.substr(0, 5) != "UPID:" || text.back() != ':') return std::nullopt;
  std::vector<std::string_view> f;
  std::string_view rest = text.substr(5, text.size() - 6);
  while (true) {
    auto c = rest.find(':');
    f.push_back(rest.substr(0, c));
    if (c == std::string_view::npos) break;
    rest.remove_prefix(c + 1);
  }
  if (f.size() != 7) return std::nullopt;
  Upid u;
  std::uint64_t pid = 0, pstart = 0, start = 0;
  if (f[0].empty() || !hex_field(f[1], pid) || !hex_field(f[2], pstart) || f[3].size() != 8 || !hex_field(f[3], start) ||
      f[4].empty() || f[6].empty())
    return std::nullopt;
  for (char c : f[0])
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return std::nullopt;
  u.node = std::string(f[0]);
  u.pid = static_cast<std::uint32_t>(pid);
  u.pstart = static_cast<std::uint32_t>(pstart);
  u.starttime = static_cast<std::int64_t>(start);
  u.type = std::string(f[4]);
  u.id = std::string(f[5]);
  u.user = std::string(f[6]);
  return u;
}

std::string ProxmoxProfile::Impl::start_task(const Call& call, std::string_view type, std::string_view id, json::object effect) const {
  Upid u;
  u.node = call.node.empty() ? opt.nodes.front() : call.node;
  u.pid = next_pid.fetch_add(1) & 0x3FFFFF;
  // pstart: the process's start in clock ticks since boot; grows with the pid as on a host.
  u.pstart = static_cast<std::uint32_t>(0x00100000u + u.pid * 7u);
  u.starttime = wall();
  u.type = std::string(type);
  u.id = std::string(id);
  u.user = call.user;
  std::string upid = format_upid(u);
  json::object t{{"upid", upid},          {"node", u.node},     {"pid", u.pid},   {"pstart", u.pstart},
                 {"starttime", u.starttime}, {"type", u.type}, {"id", u.id},     {"user", u.user},
                 {"status", "running"},   {"log", json::array{json::string(describe(u.type, u.id))}},
                 {"effect", std::move(effect)}};
  std::lock_guard lock(task_mu);
  store.put("/nodes/" + u.node + "/tasks/" + upid, std::move(t));
  pending[upid] = Pending{u.node, now() + opt.task_duration};
  any_pending.store(true, std::memory_order_release);
  return upid;
}

void ProxmoxProfile::Impl::settle() const {
  std::lock_guard lock(task_mu);
  const auto t = now();
  for (auto it = pending.begin(); it != pending.end();) {
    if (it->second.due <= t) {
      std::string upid = it->first, node = it->second.node;
      it = pending.erase(it);
      finish_task(upid, node, true);
    } else {
      ++it;
    }
  }
  any_pending.store(!pending.empty(), std::memory_order_release);
}

// Under task_mu.
void ProxmoxProfile::Impl::finish_task(const std::string& upid, const std::string& node, bool ok_) const {
  const std::string key = "/nodes/" + node + "/tasks/" + upid;
  auto item = store.get(key);
  if (!item || !item->value.is_object()) return;
  json::object t = item->value.as_object();
  if (t.contains("status") && t.at("status") != "running") return;
  t["status"] = "stopped";
  t["exitstatus"] = ok_ ? "OK" : "interrupted by signal";
  std::int64_t start = t.contains("starttime") && t.at("starttime").is_int64() ? t.at("starttime").as_int64() : wall();
  t["endtime"] = std::max(start, wall());
  if (auto* log = t.if_contains("log"); log && log->is_array())
    log->as_array().push_back(json::string(ok_ ? "TASK OK" : "TASK ERROR: interrupted by signal"));
  if (ok_)
    if (auto* e = t.if_contains("effect"); e && e->is_object()) apply_effect(e->as_object());
  t.erase("effect");
  store.put(key, std::move(t));
}

void ProxmoxProfile::Impl::task_list(const Call& call, http::Response& res) const {
  auto num = [&](const char* k, std::int64_t d) {
    if (auto* v = call.params.if_contains(k); v && v->is_int64()) return v->as_int64();
    return d;
  };
  auto text = [&](const char* k) {
    auto* v = call.params.if_contains(k);
    return v ? id_text(*v) : std::string();
  };
  const std::int64_t start = std::max<std::int64_t>(0, num("start", 0)), limit = std::max<std::int64_t>(0, num("limit", 50));
  const std::string userfilter = text("userfilter"), typefilter = text("typefilter"), vmid = text("vmid"),
                    source = text("source"), statusfilter = text("statusfilter");
  const bool errors_only = num("errors", 0) == 1;
  const std::int64_t since = num("since", 0), until = num("until", 0);
  auto items = store.list("/nodes/" + call.node + "/tasks");
  json::array out;
  std::int64_t total = 0;
  for (auto it = items.rbegin(); it != items.rend(); ++it) {  // newest first
    if (!(*it)->value.is_object()) continue;
    const auto& t = (*it)->value.as_object();
    const bool running = t.contains("status") && t.at("status") == "running";
    if (source == "archive" && running) continue;
    if (source == "active" && !running) continue;
    auto str = [&](const char* k) { return t.contains(k) ? id_text(t.at(k)) : std::string(); };
    if (!userfilter.empty() && str("user").find(userfilter) == std::string::npos) continue;
    if (!typefilter.empty() && str("type") != typefilter) continue;
    if (!vmid.empty() && str("id") != vmid) continue;
    if (errors_only && (running || str("exitstatus") == "OK")) continue;
    if (!statusfilter.empty()) {
      std::string s = running ? "active" : str("exitstatus") == "OK" ? "ok" : "error";
      if (statusfilter.find(s) == std::string::npos) continue;
    }
    std::int64_t st = t.contains("starttime") && t.at("starttime").is_int64() ? t.at("starttime").as_int64() : 0;
    if (since && st < since) continue;
    if (until && st > until) continue;
    if (total++ < start || static_cast<std::int64_t>(out.size()) >= limit) continue;
    out.push_back(public_task(t, true));
  }
  json::object o{{"data", std::move(out)}, {"total", total}};
  res.status(200);
  res.body("application/json;charset=UTF-8", json::serialize(o));
}

void ProxmoxProfile::Impl::cluster_tasks(const Call&, http::Response& res) const {
  json::array out;
  for (const auto& node : opt.nodes)
    for (const auto& it : store.list("/nodes/" + node + "/tasks"))
      if (it->value.is_object()) out.push_back(public_task(it->value.as_object(), true));
  // Newest first, as the cluster's task list shows them.
  std::stable_sort(out.begin(), out.end(), [](const json::value& a, const json::value& b) {
    return a.as_object().at("starttime").to_number<std::int64_t>() > b.as_object().at("starttime").to_number<std::int64_t>();
  });
  if (out.size() > 1000) out.resize(1000);
  ok(res, std::move(out));
}

void ProxmoxProfile::Impl::task_read(const Call& call, http::Response& res) const {
  auto u = parse_upid(call.upid);
  if (!u) return fail(res, 400, "unable to parse worker upid '" + call.upid + "'");
  if (u->node != call.node) return fail(res, 400, "upid does not belong to node '" + call.node + "'");
  const std::string key = "/nodes/" + call.node + "/tasks/" + call.upid;
  auto item = store.get(key);
  if (!item || !item->value.is_object()) return fail(res, 404, "no such task '" + call.upid + "'");
  if (item->value.as_object().at("status") == "running") {
    // Running in the store but not here: left by an earlier run of the mock; it has ended.
    std::lock_guard lock(task_mu);
    if (!pending.count(call.upid)) {
      finish_task(call.upid, call.node, true);
      item = store.get(key);
    }
  }
  const auto& t = item->value.as_object();
  const std::string_view path = call.path;
  if (path.size() >= 7 && path.substr(path.size() - 7) == "/status") return ok(res, public_task(t, false));
  if (path.size() >= 4 && path.substr(path.size() - 4) == "/log") {
    std::int64_t start = 0, limit = 50;
    if (auto* v = call.params.if_contains("start"); v && v->is_int64()) start = std::max<std::int64_t>(0, v->as_int64());
    if (auto* v = call.params.if_contains("limit"); v && v->is_int64()) limit = std::max<std::int64_t>(0, v->as_int64());
    json::array lines;
    std::int64_t total = 0;
    if (auto* log = t.if_contains("log"); log && log->is_array()) {
      total = static_cast<std::int64_t>(log->as_array().size());
      for (std::int64_t i = start; i < total && static_cast<std::int64_t>(lines.size()) < limit; ++i)
        lines.push_back(json::object{{"n", i + 1}, {"t", log->as_array()[static_cast<std::size_t>(i)]}});
    }
    json::object o{{"data", std::move(lines)}, {"total", total}};
    res.status(200);
    return res.body("application/json;charset=UTF-8", json::serialize(o));
  }
  ok(res, json::array{json::object{{"name", "log"}}, json::object{{"name", "status"}}});
}

void ProxmoxProfile::Impl::task_stop(const Call& call, http::Response& res) const {
  auto u = parse_upid(call.upid);
  if (!u) return fail(res, 400, "unable to parse worker upid '" + call.upid + "'");
  const std::string key = "/nodes/" + call.node + "/tasks/" + call.upid;
  std::lock_guard lock(task_mu);
  if (!store.exists(key)) return fail(res, 404, "no such task '" + call.upid + "'");
  pending.erase(call.upid);
  finish_task(call.upid, call.node, false);
  ok(res, nullptr);
}

void ProxmoxProfile::Impl::other_task(const Call& call, http::Response& res) const {
  std::string id = call.vmid;
  if (id.empty())
    if (auto* v = call.params.if_contains("vmid")) id = id_text(*v);
  if (id.find_first_of(": \t") != std::string::npos) id.clear();
  ok_upid(res, start_task(call, call.plan->task_type, id, json::object{}));
}

}  // namespace oasis::mock
