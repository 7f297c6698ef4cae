// cli/main.cc — the `mailrelay` entry point: dispatches to the subcommands (cmd_*.cc).
// JSON on stdout, human text on stderr, sysexits-style exit codes.
#include <iostream>
#include <string>
#include <vector>

#include "cli/command.h"
#include "server/privileges.h"

namespace mailrelay::cli {
namespace {

constexpr char kTopHelp[] =
    "mailrelay — inbound SMTP to HTTP relay\n"
    "\n"
    "usage: mailrelay COMMAND [options]\n"
    "\n"
    "commands:\n"
    "  serve [--config FILE]        run the relay and the API (no config: quickstart defaults)\n"
    "  parse [--format json|multipart|raw] [--config FILE] FILE|-\n"
    "                               print the payload an endpoint would receive for a message\n"
    "  keys init [--config FILE]    create the master key (if missing) and the vault files\n"
    "  keys rotate --region R [--skip-rekey] [--config FILE]\n"
    "                               new keys for a region: re-encrypt its records, destroy the\n"
    "                               old keys, re-key its file\n"
    "  keys new-master --out FILE   create a second master key file (mode 0600)\n"
    "  keys rotate-master --new-key-file FILE [--config FILE]\n"
    "                               move every vault file to the new master key (serve stopped)\n"
    "  messages [--route ID] [--status delivered|rejected|delayed] [--since ISO8601|UNIX_MS]\n"
    "           [--limit N] [--cursor C] [--config FILE]\n"
    "                               message history from the vault, decrypted, newest first\n"
    "  tokens create --role admin|compliance|auditor --name NAME | list | revoke ID\n"
    "         [--config FILE]       API bearer tokens (a new token is printed once)\n"
    "  audit log|checkpoint|prove|export|verify|report … [--config FILE]\n"
    "                               the signed audit log: entries, checkpoints, proofs, export\n"
    "  sweep [--now ISO8601] [--dry-run] [--config FILE]\n"
    "                               retention sweep: delete expired records, clear expired fields\n"
    "  export --subject ADDR [--out FILE] [--seal-to PUBKEY]\n"
    "                               a data subject's records, signed (GDPR Art. 15/20)\n"
    "  erase --subject ADDR --reason TEXT --actor NAME [--dry-run]\n"
    "                               destroy a data subject's records; signed receipt (Art. 17)\n"
    "  lea open|decide|disclose|notify|list|show …\n"
    "                               law-enforcement access requests, every step audited\n"
    "  policy check [--policy-dir DIR] [--config FILE]\n"
    "                               validate the config and the policy files against each other\n"
    "  help                         this text\n"
    "\n"
    "Every command takes --help.\n";

}  // namespace

int Main(int argc, char** argv) {
  std::vector<std::string> argv_s(argv + 1, argv + argc);
  if (argv_s.empty() || argv_s[0] == "help" || argv_s[0] == "--help" || argv_s[0] == "-h") {
    std::cout << kTopHelp;
    return argv_s.empty() ? kExitUsage : 0;
  }
  const std::string command = argv_s[0];
  auto args = Args::Parse(std::vector<std::string>(argv_s.begin() + 1, argv_s.end()));
  if (!args.ok()) {
    std::cerr << "mailrelay " << command << ": " << args.status().message() << "\n";
    return kExitUsage;
  }
  // Every command but parse and policy loads the master key: none of them may leave it in a
  // core file or let another process of the same uid read it via ptrace or /proc/PID/mem.
  if (command != "parse" && command != "policy") {
    if (Status s = server::KeepKeysOutOfCoreDumps(); !s.ok()) {
      std::cerr << "mailrelay " << command << ": " << s.message() << "\n";
      return 71;  // EX_OSERR
    }
  }
  if (command == "serve") return Serve(*args);
  if (command == "parse") return Parse(*args);
  if (command == "keys") return Keys(*args);
  if (command == "messages") return Messages(*args);
  if (command == "audit") return Audit(*args);
  if (command == "tokens") return Tokens(*args);
  if (command == "sweep") return Sweep(*args);
  if (command == "export") return Export(*args);
  if (command == "erase") return Erase(*args);
  if (command == "lea") return Lea(*args);
  if (command == "policy") return Policy(*args);
  std::cerr << "mailrelay: unknown command \"" << command << "\"\n\n" << kTopHelp;
  return kExitUsage;
}

}  // namespace mailrelay::cli

int main(int argc, char** argv) { return mailrelay::cli::Main(argc, argv); }
