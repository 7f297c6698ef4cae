// server/privileges.h — what `serve` does about its own privileges: keeps key material out of
// core dumps and same-uid ptrace, and switches from root to service.user after binding.
#pragma once

#include <sys/types.h>

#include <string>

#include "common/status.h"

namespace mailrelay::server {

// Marks the process non-dumpable (no core file; no ptrace or /proc/PID/mem by another process
// of the same uid) and sets the core size limit to 0/0. Call before any key is loaded, and
// again after a uid change: the kernel resets the dumpable flag then.
Status KeepKeysOutOfCoreDumps();

// Raises the soft limit on open files to the hard limit and returns the new soft limit. Each
// open vault file costs serve about nine descriptors (three connections, each with its WAL and
// WAL index), and expiry partitions add one file per span of days (docs/retention.md).
StatusOr<uint64_t> RaiseOpenFileLimit();

struct ServiceIdentity {
  enum class Change {
    kSwitched,     // was root, now runs as service.user
    kAlreadyUser,  // not root, and already service.user (or none is set)
    kStayingRoot,  // root and no service.user
  };
  Change change = Change::kAlreadyUser;
  uid_t uid = 0;
  gid_t gid = 0;
};

// Becomes `user` (service.user of the config in `source`; "" = none): as root, its
// supplementary groups, then its gid, then its uid — and checks that root cannot be regained.
// InvalidArgument naming `source` and /service/user when the user does not exist, is uid 0,
// or is another user while the process is not root; Internal when the system refuses a step.
StatusOr<ServiceIdentity> BecomeServiceUser(const std::string& user, const std::string& source);

}  // namespace mailrelay::server
