// server/privileges.cc — prctl/setrlimit for dumps; getpwnam_r, initgroups, setresgid and
// setresuid for the switch, in that order (groups and gid need root, so they go first).
#include "server/privileges.h"

#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace mailrelay::server {
namespace {

struct Account {
  uid_t uid;
  gid_t gid;
};

std::string Errno(int err) { return std::strerror(err); }

StatusOr<Account> LookUpUser(const std::string& user, const std::string& source) {
  long hint = ::sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buffer(hint > 0 ? static_cast<size_t>(hint) : 16384);
  struct passwd entry;
  struct passwd* found = nullptr;
  int err;
  // ERANGE: the entry does not fit; grow the buffer and ask again.
  while ((err = ::getpwnam_r(user.c_str(), &entry, buffer.data(), buffer.size(), &found)) ==
             ERANGE &&
         buffer.size() < (1u << 20)) {
    buffer.resize(buffer.size() * 2);
  }
  if (found == nullptr && (err == 0 || err == ENOENT || err == ESRCH)) {
    return Status::InvalidArgument(source + ": at /service/user: no user \"" + user +
                                   "\" on this system; create it (useradd --system " + user +
                                   ") or name an existing one");
  }
  if (found == nullptr) {
    return Status::Internal("cannot look up user \"" + user + "\" (" + source +
                            ", /service/user): " + Errno(err));
  }
  return Account{entry.pw_uid, entry.pw_gid};
}

}  // namespace

Status KeepKeysOutOfCoreDumps() {
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    return Status::Internal("cannot mark the process non-dumpable (prctl PR_SET_DUMPABLE): " +
                            Errno(errno) + "; refusing to load keys that a core dump could hold");
  }
  const struct rlimit none = {0, 0};
  if (::setrlimit(RLIMIT_CORE, &none) != 0) {
    return Status::Internal("cannot set the core file size limit to 0 (setrlimit RLIMIT_CORE): " +
                            Errno(errno) + "; refusing to load keys that a core dump could hold");
  }
  return Status::Ok();
}

StatusOr<uint64_t> RaiseOpenFileLimit() {
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return Status::Internal("cannot read the open-file limit (getrlimit RLIMIT_NOFILE): " +
                            Errno(errno));
  }
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
      return Status::Internal("cannot raise the open-file limit (setrlimit RLIMIT_NOFILE): " +
                              Errno(errno));
    }
  }
  return static_cast<uint64_t>(limit.rlim_cur);
}

StatusOr<ServiceIdentity> BecomeServiceUser(const std::string& user, const std::string& source) {
  const uid_t uid = ::getuid();
  const uid_t euid = ::geteuid();
  using Change = ServiceIdentity::Change;
  if (user.empty()) {
    return ServiceIdentity{euid == 0 ? Change::kStayingRoot : Change::kAlreadyUser, euid,
                           ::getegid()};
  }
  MR_ASSIGN_OR_RETURN(Account account, LookUpUser(user, source));
  if (euid != 0) {
    if (account.uid == euid && account.uid == uid) {
      return ServiceIdentity{Change::kAlreadyUser, euid, ::getegid()};
    }
    return Status::InvalidArgument(source + ": at /service/user: cannot switch to user \"" + user +
                                   "\": mailrelay runs as uid " + std::to_string(euid) +
                                   " (not root); start it as root or as that user");
  }
  if (account.uid == 0) {
    return Status::InvalidArgument(source + ": at /service/user: user \"" + user +
                                   "\" is uid 0, which keeps every privilege; name an "
                                   "unprivileged user, or remove the key to run as root");
  }
  // Supplementary groups first (root's, such as root, would otherwise stay), then the gid
  // while still root, then the uid: after setresuid nothing else can be changed.
  if (::initgroups(user.c_str(), account.gid) != 0) {
    return Status::Internal("cannot set the groups of user \"" + user +
                            "\" (initgroups): " + Errno(errno));
  }
  if (::setresgid(account.gid, account.gid, account.gid) != 0) {
    return Status::Internal("cannot switch to gid " + std::to_string(account.gid) + " of user \"" +
                            user + "\" (setresgid): " + Errno(errno));
  }
  if (::setresuid(account.uid, account.uid, account.uid) != 0) {
    return Status::Internal("cannot switch to uid " + std::to_string(account.uid) + " of user \"" +
                            user + "\" (setresuid): " + Errno(errno));
  }
  // The switch must be one-way: a saved root uid (or a kernel that ignored a step) would let
  // an exploited session regain root.
  if (::setuid(0) == 0 || ::geteuid() == 0 || ::getuid() == 0) {
    return Status::Internal("after switching to user \"" + user +
                            "\" the process could become root again; refusing to run");
  }
  return ServiceIdentity{Change::kSwitched, account.uid, account.gid};
}

}  // namespace mailrelay::server
