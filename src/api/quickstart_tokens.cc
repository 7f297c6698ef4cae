// api/quickstart_tokens.cc — quickstart token creation and the notice on later starts.
#include "api/quickstart_tokens.h"

#include "api/roles.h"
#include "vault/token_store.h"
#include "vault/vault.h"

namespace mailrelay::api {

void AnnounceQuickstartTokens(vault::Vault& vault, std::ostream& out) {
  auto store = vault.Tokens();
  if (!store.ok()) {
    out << "  API tokens: unavailable (" << store.status().message() << ")\n" << std::flush;
    return;
  }
  auto existing = (*store)->List();
  if (!existing.ok()) {
    out << "  API tokens: cannot be listed (" << existing.status().message() << ")\n" << std::flush;
    return;
  }
  if (!existing->empty()) {
    out << "  API tokens: " << existing->size()
        << " exist (shown only when created). More: mailrelay tokens create --role "
           "admin|compliance|auditor --name NAME; list: mailrelay tokens list\n"
        << std::flush;
    return;
  }
  out << "  API tokens (shown ONCE, keep them; use as Authorization: Bearer <token>):\n";
  for (Role role : AllRoles()) {
    std::string name = "quickstart-" + std::string(RoleName(role));
    auto issued = (*store)->Create(RoleName(role), name);
    if (!issued.ok()) {
      out << "    " << RoleName(role) << ": cannot be created (" << issued.status().message()
          << ")\n";
      continue;
    }
    out << "    " << RoleName(role) << std::string(12 - RoleName(role).size(), ' ') << issued->token
        << "\n";
    vault::WipeString(issued->token);
  }
  out << std::flush;
}

}  // namespace mailrelay::api
