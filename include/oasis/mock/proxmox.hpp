// oasis/mock/proxmox.hpp — the Proxmox VE profile: the mock answering the way a PVE cluster's
// pveproxy does (`oasis mock pve.json --profile proxmox`).
//
// It sits in front of Mock (and of whatever wraps it: latency, failures, logs) and adds what a
// Proxmox client relies on:
//   - the API under the document's base path (/api2/json), every answer as {"data": …};
//   - parameters from the query string, a form body and a JSON body merged into one set before
//     they are checked (as pveproxy does); booleans as 1/0/true/false/yes/no/on/off, stored as 1/0;
//   - errors as pveproxy sends them: 400 "Parameter verification failed." with
//     {"errors": {"param": "message"}, "data": null}; any other failure with its message as the
//     status line's reason and {"data": null} as the body; the authentication layer's 401s with
//     the reason and no body;
//   - tickets, CSRF prevention tokens and API tokens (proxmox_auth.cpp);
//   - tasks with real UPIDs that run for a set time and stop with "OK" (proxmox_tasks.cpp);
//   - guests (qemu and lxc) whose list, config, status and /cluster/resources entry follow what
//     clients did, and whose status follows their tasks (proxmox_guests.cpp).
// Everything the profile does not model itself is answered by the Mock underneath.
//
// State lives in the Store (so --state persists guests and tasks); tickets and the deadlines of
// running tasks live in memory (after a restart clients log in again, and tasks found running in
// a persisted state are taken as finished).
//
// Knows the spec model, the store and the HTTP message types; nothing about sockets.
#pragma once

#include <oasis/http/message.hpp>
#include <oasis/mock/mock.hpp>
#include <oasis/mock/store.hpp>
#include <oasis/spec/document.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oasis::mock {

struct ProxmoxUser {
  std::string userid;    // "root@pam"
  std::string password;
};

struct ProxmoxToken {
  std::string tokenid;   // "root@pam!ci"
  std::string secret;
};

struct ProxmoxOptions {
  bool auth = false;  // --auth: tickets or API tokens required (POST /access/ticket is open)
  // --user; when empty, root@pam with the password default_password.
  std::vector<ProxmoxUser> users;
  std::vector<ProxmoxToken> tokens;  // --token
  std::chrono::milliseconds task_duration{2000};  // --task-duration: how long every task runs
  std::vector<std::string> nodes{"pve"};          // --node: the cluster's nodes, seeded
  std::string cluster_name = "oasis";
  // The monotonic clock for ticket expiry and task deadlines (tests inject their own).
  std::function<std::chrono::steady_clock::time_point()> clock;
  // Seconds since the epoch, for the times written into UPIDs, tickets and task entries.
  std::function<std::int64_t()> wall_clock;
  // The key tickets and CSRF tokens are signed with (HMAC-SHA256); random when empty.
  std::string key;

  static constexpr std::string_view default_user = "root@pam";
  static constexpr std::string_view default_password = "oasis";
  // Tickets (and CSRF tokens) are valid for two hours, as on a cluster.
  static constexpr std::chrono::seconds ticket_lifetime{7200};
};

// "root@pam:secret" → user; "root@pam!ci=SECRET" → token. Throw std::invalid_argument saying
// what was expected.
ProxmoxUser parse_proxmox_user(std::string_view text);
ProxmoxToken parse_proxmox_token(std::string_view text);
// "2s", "500ms", "0", "1500" (milliseconds); at most one hour.
std::chrono::milliseconds parse_task_duration(std::string_view text);

// A task id: UPID:node:PID:PSTART:STARTTIME:type:id:user: (numbers as 8 upper-case hex digits).
struct Upid {
  std::string node;
  std::uint32_t pid = 0, pstart = 0;
  std::int64_t starttime = 0;
  std::string type, id, user;
};
std::string format_upid(const Upid& u);
std::optional<Upid> parse_upid(std::string_view text);

class ProxmoxProfile {
 public:
  // `inner` answers what the profile does not model (given a request rewritten to carry the
  // merged parameters: a JSON body and the declared query parameters); by default mock.handle.
  // `doc`, `mock` and `store` must outlive the profile.
  ProxmoxProfile(const spec::Document& doc, const Mock& mock, Store& store, ProxmoxOptions opts = {},
                 http::Handler inner = {});
  ~ProxmoxProfile();
  ProxmoxProfile(const ProxmoxProfile&) = delete;
  ProxmoxProfile& operator=(const ProxmoxProfile&) = delete;

  // Thread-safe.
  void handle(const http::Request& req, http::Response& res) const;
  // A handler for http::Server that calls handle(); the profile must outlive it.
  http::Handler handler() const;
  // Finishes the tasks whose time has come; every request does this first.
  void settle() const;
  // How many operations of the document answer with a task (UPID).
  std::size_t task_operations() const noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace oasis::mock
