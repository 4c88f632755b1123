// mock/proxmox_impl.hpp — what the Proxmox profile's files share (private to src/mock).
//
// proxmox.cpp: wiring (routing, parameter merging, validation, errors, dispatch);
// proxmox_auth.cpp: tickets, CSRF tokens, API tokens; proxmox_tasks.cpp: UPIDs and the task
// lifecycle; proxmox_guests.cpp: qemu/lxc guests and /cluster/resources.
#pragma once

#include <oasis/mock/proxmox.hpp>
#include <oasis/spec/router.hpp>

#include <boost/json.hpp>

#include <atomic>
#include <regex>
#include <map>
#include <mutex>
#include <unordered_map>

namespace oasis::mock {

namespace pve {

namespace json = boost::json;

// What the profile does for an operation, decided at load.
enum class Kind : std::uint8_t {
  fallback,           // the Mock underneath answers
  login,              // POST /access/ticket
  open,               // GET /access/ticket and the like: no authentication, the Mock answers
  guest_list,         // GET /nodes/{node}/qemu
  guest_create,       // POST /nodes/{node}/qemu
  guest_index,        // GET /nodes/{node}/qemu/{vmid}
  guest_delete,       // DELETE /nodes/{node}/qemu/{vmid}
  config_get,         // GET …/config (and …/pending)
  config_set,         // PUT …/config (synchronous) and POST …/config (a task)
  status_current,     // GET …/status/current
  guest_action,       // POST …/status/start, stop, shutdown, … (a task)
  guest_clone,        // POST …/clone (a task)
  guest_migrate,      // POST …/migrate (a task)
  task_list,          // GET /nodes/{node}/tasks
  task_index,         // GET /nodes/{node}/tasks/{upid}
  task_status,        // GET /nodes/{node}/tasks/{upid}/status
  task_log,           // GET /nodes/{node}/tasks/{upid}/log
  task_stop,          // DELETE /nodes/{node}/tasks/{upid}
  cluster_tasks,      // GET /cluster/tasks
  cluster_resources,  // GET /cluster/resources
  node_list,          // GET /nodes
  other_task,         // any other operation that answers with a UPID
};

struct OpPlan {
  Kind kind = Kind::fallback;
  std::string guest;       // "qemu" or "lxc" for guest operations
  std::string task_type;   // "qmstart", "vzcreate", … for operations that answer with a task
  std::string action;      // guest_action: "start", "stop", …
  bool upid = false;       // answers with a UPID
  bool write = false;      // POST, PUT, DELETE: needs the CSRF token with a ticket
  bool needs_auth = true;
  bool has_node = false, has_vmid = false;
  // Where parameters go: the declared query parameters, else the body's properties.
  std::vector<const spec::Parameter*> query;
  schema::SchemaRef body = nullptr;       // the JSON body's schema (an object), if any
  bool body_allows_more = false;          // the body takes properties it does not name
  // The body's patternProperties (net0, scsi1, … in Proxmox's "net[n]" style): the pattern and
  // the property's schema as JSON.
  std::vector<std::pair<std::regex, const json::value*>> pattern_props;
};

// One request, once routed, authenticated and checked.
struct Call {
  const spec::Operation* op = nullptr;
  const OpPlan* plan = nullptr;
  json::object params;         // merged and normalised (booleans as 1/0)
  std::string node, vmid;      // path parameters, decoded ("" when absent)
  std::string upid;            // the {upid} path parameter, decoded
  std::string user = "root@pam";  // who is calling (for UPIDs)
  std::string path;            // the concrete path without the base path
};

// A running task's deadline and what happens when it ends.
struct Pending {
  std::string node;
  std::chrono::steady_clock::time_point due;
};

}  // namespace pve

namespace json = boost::json;

struct ProxmoxProfile::Impl {
  const spec::Document& doc;
  const Mock& mock;
  Store& store;
  ProxmoxOptions opt;
  http::Handler inner;
  std::string base;                 // "/api2/json"
  std::string first_node_key;       // "/nodes/pve": its absence means the state was reset
  std::vector<pve::OpPlan> plans;   // by Operation::index
  std::size_t task_ops = 0;

  // --- auth (proxmox_auth.cpp)
  struct TicketEntry {
    std::string user;
    std::chrono::steady_clock::time_point issued;
  };
  mutable std::mutex auth_mu;
  mutable std::unordered_map<std::string, TicketEntry> tickets;  // by ticket text

  // --- tasks (proxmox_tasks.cpp)
  mutable std::mutex task_mu;                          // serialises task and guest changes
  mutable std::map<std::string, pve::Pending> pending;  // running tasks by UPID
  mutable std::atomic<bool> any_pending{false};
  mutable std::atomic<std::uint32_t> next_pid{0};

  Impl(const spec::Document& d, const Mock& m, Store& s, ProxmoxOptions o, http::Handler in);

  std::chrono::steady_clock::time_point now() const { return opt.clock ? opt.clock() : std::chrono::steady_clock::now(); }
  std::int64_t wall() const;

  // proxmox.cpp
  void plan(const spec::Operation& op, pve::OpPlan& p);
  void handle(const http::Request& req, http::Response& res) const;
  bool merge_params(const http::Request& req, const pve::OpPlan& p, pve::Call& call, json::object& errors,
                    http::Response& res) const;
  void check_params(const pve::OpPlan& p, pve::Call& call, json::object& errors) const;
  void fallback(const http::Request& req, const pve::Call& call, http::Response& res) const;
  void dispatch(const http::Request& req, pve::Call& call, http::Response& res) const;
  void seed_nodes() const;
  bool node_exists(std::string_view node) const;

  // proxmox_auth.cpp
  std::string sign(std::string_view text) const;
  // Empty when authenticated (call.user set); else the 401 reason.
  std::string authenticate(const http::Request& req, const pve::OpPlan& p, pve::Call& call) const;
  void login(pve::Call& call, http::Response& res) const;

  // proxmox_tasks.cpp
  std::string start_task(const pve::Call& call, std::string_view type, std::string_view id,
                         json::object effect) const;
  void settle() const;
  void finish_task(const std::string& upid, const std::string& node, bool ok) const;
  void apply_effect(const json::object& task) const;
  void task_list(const pve::Call& call, http::Response& res) const;
  void cluster_tasks(const pve::Call& call, http::Response& res) const;
  void task_read(const pve::Call& call, http::Response& res) const;
  void task_stop(const pve::Call& call, http::Response& res) const;
  void other_task(const pve::Call& call, http::Response& res) const;

  // proxmox_guests.cpp
  std::string guest_path(std::string_view node, std::string_view type, std::string_view vmid) const;
  // The node holding this vmid (of any type), or "".
  std::string find_guest(std::string_view vmid, std::string* type = nullptr) const;
  void guest_list(const pve::Call& call, http::Response& res) const;
  void guest_create(const pve::Call& call, http::Response& res) const;
  void guest_index(const pve::Call& call, http::Response& res) const;
  void guest_delete(const pve::Call& call, http::Response& res) const;
  void config_get(const pve::Call& call, http::Response& res) const;
  void config_set(const pve::Call& call, http::Response& res) const;
  void status_current(const pve::Call& call, http::Response& res) const;
  void guest_action(const pve::Call& call, http::Response& res) const;
  void guest_clone(const pve::Call& call, http::Response& res) const;
  void guest_migrate(const pve::Call& call, http::Response& res) const;
  void cluster_resources(const pve::Call& call, http::Response& res) const;
  void node_list(const pve::Call& call, http::Response& res) const;
  json::object guest_summary(const Item& item) const;
};

namespace pve {

// Answers as pveproxy does.
void ok(http::Response& res, json::value data);
inline void ok_upid(http::Response& res, const std::string& upid) { ok(res, json::value(json::string(upid))); }
void fail(http::Response& res, int status, std::string_view message);           // {"data": null}
void fail_params(http::Response& res, json::object errors);                     // 400
void fail_auth(http::Response& res, std::string_view message);                  // 401, no body
std::string hex8(std::uint64_t v);
std::string id_text(const json::value& v);  // "100" for 100 and "100"

}  // namespace pve

}  // namespace oasis::mock
