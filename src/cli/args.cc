// cli/args.cc — argument parsing.
#include "cli/args.h"

namespace mailrelay::cli {
namespace {

const std::set<std::string> kValueOptions = {"config",
                                             "format",
                                             "subject",
                                             "out",
                                             "seal-to",
                                             "reason",
                                             "actor",
                                             "now",
                                             "route",
                                             "status",
                                             "limit",
                                             "since",
                                             "cursor",
                                             "from",
                                             "index",
                                             "size",
                                             "consistency",
                                             "key",
                                             "trusted-checkpoint",
                                             "role",
                                             "name",
                                             "to",
                                             "authority",
                                             "country",
                                             "legal-basis",
                                             "reference",
                                             "scope-subject",
                                             "scope-from",
                                             "scope-to",
                                             "defer-until",
                                             "policy-dir",
                                             "expires-in-days"};
// `keys rotate` (cli/cmd_keys_rotate.cc), `keys rotate-master` (cli/cmd_keys_master.cc).
const std::set<std::string> kKeysRotateValueOptions = {"region", "batch-size", "max-batches",
                                                       "new-key-file"};

}  // namespace

StatusOr<Args> Args::Parse(const std::vector<std::string>& argv) {
  Args args;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.size() > 2 && a.compare(0, 2, "--") == 0) {
      std::string name = a.substr(2);
      auto eq = name.find('=');
      if (eq != std::string::npos) {
        args.options_[name.substr(0, eq)] = name.substr(eq + 1);
      } else if (kValueOptions.count(name) || kKeysRotateValueOptions.count(name)) {
        if (i + 1 == argv.size()) {
          return Status::InvalidArgument("option --" + name + " needs a value");
        }
        args.options_[name] = argv[++i];
      } else {
        args.flags_.insert(name);
      }
    } else if (a == "-h") {
      args.flags_.insert("help");
    } else {
      args.positional_.push_back(a);
    }
  }
  return args;
}

std::optional<std::string> Args::Option(const std::string& name) const {
  auto it = options_.find(name);
  if (it == options_.end()) return std::nullopt;
  return it->second;
}

bool Args::Flag(const std::string& name) const { return flags_.count(name) > 0; }

Status Args::Check(const std::set<std::string>& options, const std::set<std::string>& flags,
                   size_t positional_count) const {
  for (const auto& [name, value] : options_) {
    if (!options.count(name)) return Status::InvalidArgument("unknown option --" + name);
  }
  for (const auto& name : flags_) {
    if (name != "help" && !flags.count(name)) {
      return Status::InvalidArgument(options.count(name) ? "option --" + name + " needs a value"
                                                         : "unknown option --" + name);
    }
  }
  if (positional_.size() != positional_count) {
    return Status::InvalidArgument("expected " + std::to_string(positional_count) +
                                   " argument(s), got " + std::to_string(positional_.size()));
  }
  return Status::Ok();
}

Status Args::Require(std::initializer_list<const char*> names) const {
  for (const char* n : names) {
    auto v = Option(n);
    if (!v || v->empty()) return Status::InvalidArgument(std::string("--") + n + " is required");
  }
  return Status::Ok();
}

}  // namespace mailrelay::cli
