// keyring/master_key.cc — reading, checking and creating the master key file.
#include "keyring/master_key.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace mailrelay::keyring {
namespace {

bool IsSpace(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string OctalMode(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

std::string ErrnoText(int err) { return std::strerror(err); }

// Closes a file descriptor on scope exit.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

StatusOr<MasterKey> MasterKey::FromHex(std::string_view hex, std::string_view source) {
  MR_RETURN_IF_ERROR(EnsureSodium());
  size_t begin = 0, end = hex.size();
  while (begin < end && IsSpace(static_cast<unsigned char>(hex[begin]))) ++begin;
  while (end > begin && IsSpace(static_cast<unsigned char>(hex[end - 1]))) --end;
  std::string_view digits = hex.substr(begin, end - begin);
  auto malformed = [&](std::string_view why) {
    return Status::InvalidArgument(std::string(source) + " is malformed: " + std::string(why) +
                                   "; expected exactly 64 hex digits (32 bytes)");
  };
  if (digits.size() != 2 * kMasterKeyBytes) {
    return malformed("it holds " + std::to_string(digits.size()) + " characters");
  }
  MR_ASSIGN_OR_RETURN(SecretBytes bytes, SecretBytes::Allocate(kMasterKeyBytes));
  size_t bin_len = 0;
  if (sodium_hex2bin(bytes.data(), bytes.size(), digits.data(), digits.size(), nullptr, &bin_len,
                     nullptr) != 0 ||
      bin_len != kMasterKeyBytes) {
    return malformed("it contains a character that is not a hex digit");
  }
  return MasterKey(std::move(bytes));
}

StatusOr<MasterKey> MasterKey::LoadFile(const std::string& path) {
  Fd f;
  f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (f.fd < 0) {
    int err = errno;
    if (err == ENOENT) {
      return Status::NotFound("master key file " + path +
                              " missing: run `mailrelay keys init` (or set " + kMasterKeyEnv + ")");
    }
    if (err == ELOOP) {
      return Status::FailedPrecondition("master key file " + path +
                                        " is a symbolic link; point the config at the real file");
    }
    return Status::PermissionDenied("master key file " + path +
                                    " cannot be opened: " + ErrnoText(err));
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) {
    return Status::Internal("master key file " + path + ": fstat failed: " + ErrnoText(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return Status::FailedPrecondition("master key file " + path + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    return Status::FailedPrecondition(
        "master key file " + path + " has mode " + OctalMode(st.st_mode) +
        " (readable or writable by group/others); run chmod 600 " + path);
  }
  // Read into guarded memory; a key file is 64 hex digits plus a newline, allow some slack.
  constexpr size_t kMax = 256;
  MR_ASSIGN_OR_RETURN(SecretBytes text, SecretBytes::Allocate(kMax));
  size_t len = 0;
  while (len < kMax) {
    ssize_t n = ::read(f.fd, text.data() + len, kMax - len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Internal("master key file " + path + ": read failed: " + ErrnoText(errno));
    }
    if (n == 0) break;
    len += static_cast<size_t>(n);
  }
  if (len == kMax) {
    return Status::InvalidArgument("master key file " + path +
                                   " is malformed: it is too long; expected exactly 64 hex "
                                   "digits (32 bytes)");
  }
  return FromHex(std::string_view(reinterpret_cast<const char*>(text.data()), len),
                 "master key file " + path);
}

StatusOr<MasterKey> MasterKey::Load(const std::string& path) {
  const char* env = std::getenv(kMasterKeyEnv);
  if (env != nullptr && env[0] != '\0') return FromHex(env, kMasterKeyEnv);
  return LoadFile(path);
}

Status CreateMasterKeyFile(const std::string& path) {
  MR_RETURN_IF_ERROR(EnsureSodium());
  Fd f;
  f.fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (f.fd < 0) {
    int err = errno;
    if (err == EEXIST) {
      return Status::AlreadyExists("master key file " + path +
                                   " already exists; refusing to overwrite it (it may protect "
                                   "existing vaults)");
    }
    if (err == ENOENT) {
      return Status::NotFound("master key file " + path +
                              " cannot be created: its directory does not exist");
    }
    return Status::PermissionDenied("master key file " + path +
                                    " cannot be created: " + ErrnoText(err));
  }
  // The umask can only remove bits; make sure nothing but the owner can read it anyway.
  (void)::fchmod(f.fd, 0600);
  MR_ASSIGN_OR_RETURN(SecretBytes key, SecretBytes::Random(kMasterKeyBytes));
  MR_ASSIGN_OR_RETURN(SecretBytes hex, SecretBytes::Allocate(2 * kMasterKeyBytes + 2));
  sodium_bin2hex(reinterpret_cast<char*>(hex.data()), hex.size(), key.data(), key.size());
  hex.data()[2 * kMasterKeyBytes] = '\n';
  size_t total = 2 * kMasterKeyBytes + 1, off = 0;
  while (off < total) {
    ssize_t n = ::write(f.fd, hex.data() + off, total - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::unlink(path.c_str());
      return Status::Internal("master key file " + path + ": write failed: " + ErrnoText(err));
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(f.fd) != 0) {
    int err = errno;
    ::unlink(path.c_str());
    return Status::Internal("master key file " + path + ": fsync failed: " + ErrnoText(err));
  }
  // Make the directory entry durable too.
  std::string dir = path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/'));
  if (dir.empty()) dir = "/";
  Fd d;
  d.fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (d.fd >= 0) (void)::fsync(d.fd);
  return Status::Ok();
}

}  // namespace mailrelay::keyring
