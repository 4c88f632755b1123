// mock/proxmox_guests.cpp — the Proxmox profile's guests (qemu VMs and lxc containers).
//
// A guest is two items in the Store: its summary at /nodes/{node}/{qemu|lxc}/{vmid} (what the
// node's guest list and /cluster/resources show: vmid, name, status, cpus, maxmem, …) and its
// configuration at …/{vmid}/config (what clients set). Creating answers with a task and the guest
// exists at once, stopped; start/stop/shutdown/… change its status when their task ends; a
// destroy removes it, with everything under it, when its task ends.
#include "proxmox_impl.hpp"

#include <openssl/evp.h>

#include <charconv>

namespace oasis::mock {

using namespace pve;

namespace {

// Parameters of create/config calls that are instructions, not configuration.
bool instruction(std::string_view k) {
  for (std::string_view s : {"node", "vmid", "start", "pool", "digest", "delete", "revert", "skiplock", "force", "unique",
                             "archive", "ostemplate", "password", "ssh-public-keys", "storage", "bwlimit",
                             "live-restore", "background_delay", "ignore-unpack-errors", "restore", "unprivileged-restore"})
    if (k == s) return true;
  return false;
}

std::int64_t int_of(const json::object& o, std::string_view k, std::int64_t d) {
  auto* v = o.if_contains(k);
  if (!v) return d;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
  if (v->is_string()) {
    std::int64_t n = d;
    std::string_view s = v->as_string();
    if (s.substr(0, 8) == "current=") s.remove_prefix(8);  // memory as a property string
    std::from_chars(s.data(), s.data() + s.size(), n);
    return n;
  }
  return d;
}

// The size of a disk from its property string: "local-lvm:32" (a new 32 GiB volume) or
// "local-lvm:vm-100-disk-0,size=32G".
std::int64_t disk_bytes(std::string_view spec) {
  auto unit = [](char u) -> std::int64_t {
    switch (u) {
      case 'K': return 1LL << 10;
      case 'M': return 1LL << 20;
      case 'G': return 1LL << 30;
      case 'T': return 1LL << 40;
      default: return 1;
    }
  };
  if (auto p = spec.find("size="); p != std::string_view::npos) {
    std::string_view s = spec.substr(p + 5);
    double n = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), n);
    if (r.ec == std::errc()) return static_cast<std::int64_t>(n * static_cast<double>(unit(r.ptr < s.data() + s.size() ? *r.ptr : 'G')));
  }
  auto colon = spec.find(':');
  if (colon != std::string_view::npos) {
    std::string_view s = spec.substr(colon + 1);
    s = s.substr(0, s.find(','));
    double n = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), n);
    if (r.ec == std::errc() && r.ptr == s.data() + s.size()) return static_cast<std::int64_t>(n * static_cast<double>(1LL << 30));
  }
  return 0;
}

bool is_disk_key(std::string_view k) {
  for (std::string_view p : {"scsi", "virtio", "sata", "ide", "efidisk", "tpmstate", "rootfs", "mp"})
    if (k.substr(0, p.size()) == p && (k.size() == p.size() || std::isdigit(static_cast<unsigned char>(k[p.size()]))))
      return k.find("ide2") == std::string_view::npos;  // ide2 is the CD-ROM by custom
  return false;
}

std::string sha1_hex(std::string_view s) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(s.data(), s.size(), md, &n, EVP_sha1(), nullptr);
  std::string out;
  char buf[3];
  for (unsigned int i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", md[i]);
    out += buf;
  }
  return out;
}

}  // namespace

std::string ProxmoxProfile::Impl::guest_path(std::string_view node, std::string_view type, std::string_view vmid) const {
  return "/nodes/" + std::string(node) + "/" + std::string(type) + "/" + std::string(vmid);
}

std::string ProxmoxProfile::Impl::find_guest(std::string_view vmid, std::string* type) const {
  for (const auto& node : opt.nodes)
    for (const char* t : {"qemu", "lxc"})
      if (store.exists(guest_path(node, t, vmid))) {
        if (type) *type = t;
        return node;
      }
  return {};
}

// The summary as clients see it: uptime counted from the start, the profile's own fields left out.
json::object ProxmoxProfile::Impl::guest_summary(const Item& item) const {
  json::object o = item.value.is_object() ? item.value.as_object() : json::object{};
  std::int64_t started = int_of(o, "_started", 0);
  o.erase("_started");
  const bool running = o.contains("status") && o.at("status") == "running";
  o["uptime"] = running && started ? std::max<std::int64_t>(0, wall() - started) : 0;
  if (running) {
    o["cpu"] = 0.02;
    o["mem"] = int_of(o, "maxmem", 0) / 4;
  } else {
    o["cpu"] = 0;
    o["mem"] = 0;
    o.erase("pid");
  }
  return o;
}

// Fields of the summary that follow from a configuration.
static void summarise(json::object& s, const json::object& config, std::string_view type, std::string_view vmid) {
  if (auto* n = config.if_contains("name"); n && n->is_string()) s["name"] = *n;
  else if (auto* h = config.if_contains("hostname"); h && h->is_string()) s["name"] = *h;
  else s["name"] = std::string(type == "qemu" ? "VM " : "CT") + std::string(vmid);
  const std::int64_t cores = int_of(config, "cores", type == "lxc" ? 1 : 1), sockets = int_of(config, "sockets", 1);
  s["cpus"] = type == "qemu" ? cores * sockets : cores;
  s["maxmem"] = int_of(config, "memory", type == "qemu" ? 2048 : 512) * 1048576;
  if (type == "lxc") s["maxswap"] = int_of(config, "swap", 512) * 1048576;
  std::int64_t disk = 0;
  for (const auto& [k, v] : config)
    if (v.is_string() && is_disk_key(k)) disk += disk_bytes(v.as_string());
  s["maxdisk"] = disk;
  s["template"] = int_of(config, "template", 0);
  if (auto* tags = config.if_contains("tags")) s["tags"] = *tags;
  else s.erase("tags");
}

void ProxmoxProfile::Impl::guest_list(const Call& call, http::Response& res) const {
  json::array out;
  for (const auto& it : store.list("/nodes/" + call.node + "/" + call.plan->guest)) out.push_back(guest_summary(*it));
  ok(res, std::move(out));
}

void ProxmoxProfile::Impl::guest_create(const Call& call, http::Response& res) const {
  const std::string& type = call.plan->guest;
  auto* v = call.params.if_contains("vmid");
  std::string vmid = v ? id_text(*v) : std::string();
  if (vmid.empty()) {
    // Proxmox requires it; a document that does not: the next free id from 100, as /cluster/nextid.
    for (int n = 100; n < 1000000000 && vmid.empty(); ++n)
      if (find_guest(std::to_string(n)).empty()) vmid = std::to_string(n);
  }
  std::int64_t vmid_n = 0;
  if (std::from_chars(vmid.data(), vmid.data() + vmid.size(), vmid_n).ec != std::errc() || vmid_n < 100)
    return fail_params(res, json::object{{"vmid", "value must have a minimum value of 100"}});
  const std::string key = guest_path(call.node, type, vmid);
  json::object effect;
  {
    std::lock_guard lock(task_mu);
    std::string other_type;
    if (std::string other = find_guest(vmid, &other_type); !other.empty())
      return fail(res, 500, "unable to create " + std::string(type == "qemu" ? "VM " : "CT ") + vmid + " - " +
                                (other_type == "qemu" ? "VM " : "CT ") + vmid + " already exists on node '" + other + "'");
    json::object config;
    for (const auto& [k, val] : call.params)
      if (!instruction(k)) config[k] = val;
    if (type == "qemu") {
      if (!config.contains("smbios1")) {
        char uuid[64];
        std::snprintf(uuid, sizeof uuid, "uuid=%08llx-0000-4000-8000-%012lld", static_cast<unsigned long long>(wall()),
                      static_cast<long long>(vmid_n));
        config["smbios1"] = uuid;
      }
      config["meta"] = "creation-qemu=9.0.0,ctime=" + std::to_string(wall());
    } else if (call.params.contains("ostemplate") && !config.contains("ostype")) {
      config["ostype"] = "debian";
    }
    json::object summary{{"vmid", vmid_n}, {"status", "stopped"}, {"type", type},     {"cpu", 0},
                         {"mem", 0},       {"disk", 0},           {"netin", 0},       {"netout", 0},
                         {"diskread", 0},  {"diskwrite", 0},      {"uptime", 0}};
    summarise(summary, config, type, vmid);
    store.put(key, std::move(summary));
    store.put(key + "/config", std::move(config));
  }
  if (auto* s = call.params.if_contains("start"); s && int_of(json::object{{"s", *s}}, "s", 0) == 1)
    effect = json::object{{"op", "status"}, {"path", key}, {"status", "running"}};
  ok_upid(res, start_task(call, call.plan->task_type, vmid, std::move(effect)));
}

void ProxmoxProfile::Impl::guest_index(const Call& call, http::Response& res) const {
  json::array out;
  std::initializer_list<const char*> qemu = {"config", "pending", "status", "unlink", "vncproxy", "termproxy", "migrate",
                                             "resize", "move", "rrd", "rrddata", "monitor", "agent", "snapshot",
                                             "spiceproxy", "sendkey", "firewall", "mtunnel", "remote_migrate"};
  std::initializer_list<const char*> lxc = {"config", "status", "vncproxy", "termproxy", "vncwebsocket", "spiceproxy",
                                            "migrate", "clone", "rrd", "firewall", "snapshot", "resize", "interfaces",
                                            "pending", "rrddata"};
  for (const char* s : call.plan->guest == "qemu" ? qemu : lxc) out.push_back(json::object{{"subdir", s}});
  ok(res, std::move(out));
}

void ProxmoxProfile::Impl::guest_delete(const Call& call, http::Response& res) const {
  const std::string key = guest_path(call.node, call.plan->guest, call.vmid);
  auto item = store.get(key);
  if (item && item->value.is_object() && item->value.as_object().contains("status") &&
      item->value.as_object().at("status") == "running")
    return fail(res, 500, std::string(call.plan->guest == "qemu" ? "VM " : "CT ") + call.vmid + " is running - destroy failed");
  ok_upid(res, start_task(call, call.plan->task_type, call.vmid, json::object{{"op", "erase"}, {"path", key}}));
}

void ProxmoxProfile::Impl::config_get(const Call& call, http::Response& res) const {
  const std::string key = guest_path(call.node, call.plan->guest, call.vmid) + "/config";
  auto item = store.get(key);
  json::object config = item && item->value.is_object() ? item->value.as_object() : json::object{};
  if (call.path.size() >= 8 && call.path.substr(call.path.size() - 8) == "/pending") {
    json::array out;
    for (const auto& [k, v] : config) out.push_back(json::object{{"key", k}, {"value", v}});
    return ok(res, std::move(out));
  }
  config["digest"] = sha1_hex(json::serialize(config));
  ok(res, std::move(config));
}

void ProxmoxProfile::Impl::config_set(const Call& call, http::Response& res) const {
  const std::string base_key = guest_path(call.node, call.plan->guest, call.vmid);
  {
    std::lock_guard lock(task_mu);
    auto item = store.get(base_key + "/config");
    json::object config = item && item->value.is_object() ? item->value.as_object() : json::object{};
    if (auto* d = call.params.if_contains("digest"); d && id_text(*d) != sha1_hex(json::serialize(config)))
      return fail(res, 500, "detected modified configuration - file changed by other user? Try again.");
    json::object errors;
    if (auto* del = call.params.if_contains("delete")) {
      std::string list = id_text(*del);
      std::size_t i = 0;
      while (i <= list.size()) {
        auto j = list.find_first_of(",; \t", i);
        std::string k = list.substr(i, j == std::string::npos ? std::string::npos : j - i);
        if (!k.empty()) {
          if (call.params.contains(k)) errors[k] = "cannot set and delete the same option";
          config.erase(k);
        }
        if (j == std::string::npos) break;
        i = j + 1;
      }
    }
    if (!errors.empty()) return fail_params(res, std::move(errors));
    for (const auto& [k, v] : call.params)
      if (!instruction(k)) config[k] = v;
    auto summary = store.get(base_key);
    json::object s = summary && summary->value.is_object() ? summary->value.as_object() : json::object{};
    summarise(s, config, call.plan->guest, call.vmid);
    store.put(base_key + "/config", std::move(config));
    store.put(base_key, std::move(s));
  }
  if (call.op->method == http::Method::POST) return ok_upid(res, start_task(call, call.plan->task_type, call.vmid, json::object{}));
  ok(res, nullptr);
}

void ProxmoxProfile::Impl::status_current(const Call& call, http::Response& res) const {
  auto item = store.get(guest_path(call.node, call.plan->guest, call.vmid));
  if (!item) return fail(res, 404, "no such guest");
  json::object o = guest_summary(*item);
  const bool running = o.contains("status") && o.at("status") == "running";
  o["ha"] = json::object{{"managed", 0}};
  if (call.plan->guest == "qemu") {
    if (!o.contains("qmpstatus")) o["qmpstatus"] = running ? "running" : "stopped";
    o["running-machine"] = running ? "pc-i440fx-9.0+pve0" : "";
    o["agent"] = 0;
  }
  if (!running) {
    o.erase("running-machine");
    o.erase("qmpstatus");
    if (call.plan->guest == "qemu") o["qmpstatus"] = "stopped";
  }
  ok(res, std::move(o));
}

void ProxmoxProfile::Impl::guest_action(const Call& call, http::Response& res) const {
  const std::string key = guest_path(call.node, call.plan->guest, call.vmid);
  const std::string& a = call.plan->action;
  json::object effect;
  if (a == "start" || a == "reboot" || a == "reset" || a == "resume")
    effect = json::object{{"op", "status"}, {"path", key}, {"status", "running"}, {"qmpstatus", "running"}};
  else if (a == "stop" || a == "shutdown")
    effect = json::object{{"op", "status"}, {"path", key}, {"status", "stopped"}};
  else if (a == "suspend")
    effect = json::object{{"op", "status"}, {"path", key}, {"status", "running"}, {"qmpstatus", "paused"}};
  ok_upid(res, start_task(call, call.plan->task_type, call.vmid, std::move(effect)));
}

void ProxmoxProfile::Impl::guest_clone(const Call& call, http::Response& res) const {
  auto* n = call.params.if_contains("newid");
  std::string newid = n ? id_text(*n) : std::string();
  if (newid.empty()) return fail_params(res, json::object{{"newid", "property is missing and it is not optional"}});
  std::string target = call.node;
  if (auto* t = call.params.if_contains("target")) target = id_text(*t);
  if (!node_exists(target)) return fail(res, 500, "no such cluster node '" + target + "'");
  if (!find_guest(newid).empty())
    return fail(res, 500, "unable to create " + std::string(call.plan->guest == "qemu" ? "VM " : "CT ") + newid + ": config file already exists");
  json::object effect{{"op", "clone"},
                      {"from", guest_path(call.node, call.plan->guest, call.vmid)},
                      {"to", guest_path(target, call.plan->guest, newid)},
                      {"vmid", newid},
                      {"type", call.plan->guest}};
  for (const char* k : {"name", "hostname", "description", "pool"})
    if (auto* v = call.params.if_contains(k)) effect[k] = *v;
  ok_upid(res, start_task(call, call.plan->task_type, call.vmid, std::move(effect)));
}

void ProxmoxProfile::Impl::guest_migrate(const Call& call, http::Response& res) const {
  auto* t = call.params.if_contains("target");
  std::string target = t ? id_text(*t) : std::string();
  if (target == call.node) return fail(res, 400, "target is local node.");
  if (!node_exists(target)) return fail(res, 500, "no such cluster node '" + target + "'");
  json::object effect{{"op", "migrate"},
                      {"from", guest_path(call.node, call.plan->guest, call.vmid)},
                      {"to", guest_path(target, call.plan->guest, call.vmid)}};
  ok_upid(res, start_task(call, call.plan->task_type, call.vmid, std::move(effect)));
}

// Under task_mu: what a finished task changes.
void ProxmoxProfile::Impl::apply_effect(const json::object& e) const {
  auto str = [&](const char* k) { return e.contains(k) ? id_text(e.at(k)) : std::string(); };
  const std::string op = str("op");
  if (op == "status") {
    auto item = store.get(str("path"));
    if (!item || !item->value.is_object()) return;
    json::object s = item->value.as_object();
    const bool was_running = s.contains("status") && s.at("status") == "running";
    s["status"] = str("status");
    if (e.contains("qmpstatus")) s["qmpstatus"] = e.at("qmpstatus");
    else s.erase("qmpstatus");
    if (str("status") == "running") {
      if (!was_running) s["_started"] = wall();
      if (!s.contains("pid")) s["pid"] = static_cast<std::int64_t>(next_pid.fetch_add(1) & 0x3FFFFF);
    } else {
      s.erase("_started");
      s.erase("pid");
    }
    store.put(str("path"), std::move(s));
  } else if (op == "erase") {
    store.erase(str("path"));
  } else if (op == "clone" || op == "migrate") {
    auto from = store.get(str("from"));
    auto config = store.get(str("from") + "/config");
    if (!from || !from->value.is_object()) return;
    json::object s = from->value.as_object();
    json::object c = config && config->value.is_object() ? config->value.as_object() : json::object{};
    if (op == "clone") {
      for (const char* k : {"name", "hostname", "description"})
        if (e.contains(k)) c[k] = e.at(k);
      if (!e.contains("name") && !e.contains("hostname") && c.contains("name") && c.at("name").is_string())
        c["name"] = "Copy-of-VM-" + std::string(c.at("name").as_string());
      const std::string vmid = str("vmid");
      std::int64_t n = 0;
      std::from_chars(vmid.data(), vmid.data() + vmid.size(), n);
      s["vmid"] = n;
      s["status"] = "stopped";
      s.erase("_started");
      s.erase("pid");
      s.erase("qmpstatus");
      summarise(s, c, str("type"), vmid);
    } else {
      store.erase(str("from"));
    }
    store.put(str("to"), std::move(s));
    store.put(str("to") + "/config", std::move(c));
  }
}

void ProxmoxProfile::Impl::node_list(const Call&, http::Response& res) const {
  json::array out;
  for (const auto& node : opt.nodes)
    if (auto it = store.get("/nodes/" + node)) out.push_back(it->value);
  ok(res, std::move(out));
}

void ProxmoxProfile::Impl::cluster_resources(const Call& call, http::Response& res) const {
  std::string type;
  if (auto* t = call.params.if_contains("type")) type = id_text(*t);
  json::array out;
  for (const auto& node : opt.nodes) {
    if (type.empty() || type == "node")
      if (auto it = store.get("/nodes/" + node); it && it->value.is_object()) {
        json::object n = it->value.as_object();
        n["id"] = "node/" + node;
        n["type"] = "node";
        out.push_back(std::move(n));
      }
    if (type.empty() || type == "vm")
      for (const char* gt : {"qemu", "lxc"})
        for (const auto& it : store.list("/nodes/" + node + "/" + gt)) {
          json::object g = guest_summary(*it);
          g["id"] = std::string(gt) + "/" + id_text(g["vmid"]);
          g["type"] = gt;
          g["node"] = node;
          out.push_back(std::move(g));
        }
    if (type.empty() || type == "storage") {
      for (const char* st : {"local", "local-lvm"}) {
        out.push_back(json::object{{"id", "storage/" + node + "/" + st},
                                   {"type", "storage"},
                                   {"storage", st},
                                   {"node", node},
                                   {"status", "available"},
                                   {"plugintype", std::string_view(st) == "local" ? "dir" : "lvmthin"},
                                   {"content", std::string_view(st) == "local" ? "iso,vztmpl,backup" : "images,rootdir"},
                                   {"shared", 0},
                                   {"disk", 8589934592LL},
                                   {"maxdisk", 107374182400LL}});
      }
    }
    if (type.empty() || type == "sdn")
      out.push_back(json::object{{"id", "sdn/" + node + "/localnetwork"}, {"type", "sdn"}, {"sdn", "localnetwork"},
                                 {"node", node}, {"status", "ok"}});
  }
  ok(res, std::move(out));
}

}  // namespace oasis::mock
