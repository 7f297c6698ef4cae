// cli/args.h — command-line parsing shared by the subcommands: --name VALUE, --name=VALUE,
// --flag, and positional arguments ("-" is positional: stdin).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"

namespace mailrelay::cli {

class Args {
 public:
  // Returns the parsed arguments; options that take a value must be named in
  // kValueOptions (args.cc), everything else starting with -- is a flag.
  static StatusOr<Args> Parse(const std::vector<std::string>& argv);

  std::optional<std::string> Option(const std::string& name) const;
  bool Flag(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_; }

  // Returns InvalidArgument naming the first option not in `options`/`flags` ("help" is always
  // allowed) or a wrong count of positional arguments.
  Status Check(const std::set<std::string>& options, const std::set<std::string>& flags,
               size_t positional_count) const;
  // Returns InvalidArgument "--NAME is required" for the first of `names` missing or empty.
  Status Require(std::initializer_list<const char*> names) const;

 private:
  std::map<std::string, std::string> options_;
  std::set<std::string> flags_;
  std::vector<std::string> positional_;
};

}  // namespace mailrelay::cli
