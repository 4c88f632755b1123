// mock/proxmox_auth.cpp — the Proxmox profile's authentication: tickets (POST /access/ticket),
// the PVEAuthCookie cookie, CSRF prevention tokens for writes, and API tokens.
//
// A ticket reads like a cluster's, PVE:USER@REALM:HEXTIME::SIGNATURE, and a CSRF token like
// HEXTIME:SIGNATURE; both are signed with HMAC-SHA256 under the profile's key. Expiry is measured
// on the monotonic clock (ProxmoxOptions::clock) from when the ticket was issued, kept in a table:
// a forged or expired ticket, or one from an earlier run, is refused.
#include "proxmox_impl.hpp"

#include <oasis/spec/request.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace oasis::mock {

using namespace pve;

namespace {

constexpr std::size_t max_tickets = 100000;

std::string base64(const unsigned char* data, std::size_t n) {
  std::string out(4 * ((n + 2) / 3) + 1, '\0');
  int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(n));
  out.resize(static_cast<std::size_t>(len));
  while (!out.empty() && out.back() == '=') out.pop_back();
  return out;
}

// The value of one cookie in a Cookie header ("a=1; PVEAuthCookie=…").
std::string_view cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    auto semi = header.find(';');
    std::string_view part = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    auto eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name) return part.substr(eq + 1);
  }
  return {};
}

json::object capabilities() {
  auto privs = [](std::initializer_list<const char*> names) {
    json::object o;
    for (const char* n : names) o[n] = 1;
    return o;
  };
  return json::object{
      {"vms", privs({"VM.Allocate", "VM.Audit", "VM.Backup", "VM.Clone", "VM.Config.CDROM", "VM.Config.CPU",
                     "VM.Config.Cloudinit", "VM.Config.Disk", "VM.Config.HWType", "VM.Config.Memory",
                     "VM.Config.Network", "VM.Config.Options", "VM.Console", "VM.Migrate", "VM.Monitor",
                     "VM.PowerMgmt", "VM.Snapshot", "VM.Snapshot.Rollback", "Permissions.Modify"})},
      {"storage", privs({"Datastore.Allocate", "Datastore.AllocateSpace", "Datastore.AllocateTemplate",
                         "Datastore.Audit", "Permissions.Modify"})},
      {"access", privs({"Group.Allocate", "Permissions.Modify", "Realm.Allocate", "Realm.AllocateUser",
                        "User.Modify"})},
      {"nodes", privs({"Permissions.Modify", "Sys.Audit", "Sys.Console", "Sys.Incoming", "Sys.Modify",
                       "Sys.PowerMgmt", "Sys.Syslog"})},
      {"dc", privs({"Sys.Audit", "Sys.Modify", "SDN.Allocate", "SDN.Audit", "SDN.Use"})},
      {"sdn", privs({"Permissions.Modify", "SDN.Allocate", "SDN.Audit", "SDN.Use"})},
      {"mapping", privs({"Mapping.Audit", "Mapping.Modify", "Mapping.Use", "Permissions.Modify"})},
  };
}

}  // namespace

std::string ProxmoxProfile::Impl::sign(std::string_view text) const {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), opt.key.data(), static_cast<int>(opt.key.size()), reinterpret_cast<const unsigned char*>(text.data()),
       text.size(), mac, &len);
  return base64(mac, len);
}

std::string ProxmoxProfile::Impl::authenticate(const http::Request& req, const OpPlan& p, Call& call) const {
  // API tokens: Authorization: PVEAPIToken=USER@REALM!ID=SECRET (no CSRF token needed).
  std::string_view authz = req.header("Authorization");
  if (authz.substr(0, 12) == "PVEAPIToken=" || authz.substr(0, 12) == "PVEAPIToken ") {
    std::string_view rest = authz.substr(12);
    auto bang = rest.find('!');
    auto eq = rest.find_first_of("=:", bang == std::string_view::npos ? rest.size() : bang);
    if (bang == std::string_view::npos || eq == std::string_view::npos) return "invalid API token";
    std::string_view id = rest.substr(0, eq), secret = rest.substr(eq + 1);
    for (const auto& t : opt.tokens)
      if (t.tokenid == id && t.secret == secret) {
        call.user = t.tokenid;
        return {};
      }
    return "invalid API token";
  }
  std::string ticket;
  req.headers().for_each("Cookie", [&](std::string_view v) {
    if (ticket.empty())
      if (auto c = cookie_value(v, "PVEAuthCookie"); !c.empty()) ticket = spec::percent_decode(c);
  });
  if (ticket.empty()) return "No ticket";
  TicketEntry entry;
  {
    std::lock_guard lock(auth_mu);
    auto it = tickets.find(ticket);
    if (it == tickets.end()) return "permission denied - invalid PVE ticket";
    if (now() - it->second.issued >= ProxmoxOptions::ticket_lifetime) {
      tickets.erase(it);
      return "permission denied - invalid PVE ticket";
    }
    entry = it->second;
  }
  call.user = entry.user;
  if (p.write) {
    // HEXTIME:SIGNATURE, signed for this user, and younger than two hours like the ticket.
    std::string_view csrf = req.header("CSRFPreventionToken");
    auto colon = csrf.find(':');
    if (colon == std::string_view::npos || csrf.size() > 256 ||
        sign(std::string(csrf.substr(0, colon)) + ":" + entry.user) != csrf.substr(colon + 1))
      return "Permission denied - invalid csrf token";
  }
  return {};
}

void ProxmoxProfile::Impl::login(Call& call, http::Response& res) const {
  std::string user, password;
  if (auto* u = call.params.if_contains("username")) user = id_text(*u);
  if (auto* pw = call.params.if_contains("password")) password = id_text(*pw);
  if (auto* realm = call.params.if_contains("realm"); realm && user.find('@') == std::string::npos)
    user += "@" + id_text(*realm);
  bool good = false;
  if (password.substr(0, 4) == "PVE:") {
    // Renewing: a valid ticket of the same user stands for the password.
    std::lock_guard lock(auth_mu);
    auto it = tickets.find(password);
    good = it != tickets.end() && it->second.user == user && now() - it->second.issued < ProxmoxOptions::ticket_lifetime;
  } else {
    for (const auto& u : opt.users)
      if (u.userid == user && u.password == password) good = true;
  }
  // pveproxy says no more than this, so that user names cannot be probed.
  if (!good) return fail(res, 401, "authentication failure");
  const std::string hextime = hex8(static_cast<std::uint64_t>(wall()));
  const std::string plain = "PVE:" + user + ":" + hextime;
  std::string ticket = plain + "::" + sign(plain);
  std::string csrf = hextime + ":" + sign(hextime + ":" + user);
  {
    std::lock_guard lock(auth_mu);
    const auto t = now();
    if (tickets.size() >= max_tickets) {
      for (auto it = tickets.begin(); it != tickets.end();)
        it = t - it->second.issued >= ProxmoxOptions::ticket_lifetime ? tickets.erase(it) : std::next(it);
      if (tickets.size() >= max_tickets) tickets.erase(tickets.begin());
    }
    tickets[ticket] = TicketEntry{user, t};
  }
  ok(res, json::object{{"username", user},
                       {"ticket", ticket},
                       {"CSRFPreventionToken", csrf},
                       {"clustername", opt.cluster_name},
                       {"cap", capabilities()}});
}

}  // namespace oasis::mock
