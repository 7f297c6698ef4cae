// cli/output_file.cc — see output_file.h.
#include "cli/output_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mailrelay::cli {

StatusOr<OutputFile> OutputFile::Create(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int err = errno;
    if (err == EEXIST) {
      return Status::AlreadyExists(path + " exists; choose a new file (it is never overwritten)");
    }
    return Status::Unavailable("cannot create " + path + ": " + std::strerror(err));
  }
  return OutputFile(path, fd);
}

OutputFile::OutputFile(OutputFile&& other) noexcept
    : path_(std::move(other.path_)), fd_(other.fd_), committed_(other.committed_) {
  other.fd_ = -1;
  other.committed_ = true;
}

OutputFile::~OutputFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(path_.c_str());
}

Status OutputFile::Commit(std::string_view bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return Status::Unavailable("writing " + path_ + ": " + std::strerror(errno) +
                                 " (the partial file was removed)");
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd_) != 0 || ::close(fd_) != 0) {
    fd_ = -1;
    return Status::Unavailable("writing " + path_ + ": " + std::strerror(errno) +
                               " (the partial file was removed)");
  }
  fd_ = -1;
  committed_ = true;
  return Status::Ok();
}

}  // namespace mailrelay::cli
