// cli/output_file.h — files the compliance commands write (exports, receipts, disclosures):
// created new (never over an existing file), mode 0600 because they hold personal data,
// fsynced, and removed again if writing fails (a full disk leaves no half file behind).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace mailrelay::cli {

class OutputFile {
 public:
  // Creates `path` (O_CREAT|O_EXCL, 0600). kAlreadyExists if it exists, else the OS error.
  static StatusOr<OutputFile> Create(const std::string& path);
  OutputFile(OutputFile&& other) noexcept;
  OutputFile& operator=(OutputFile&&) = delete;
  // Removes the file unless Commit succeeded.
  ~OutputFile();

  // Writes all of `bytes`, fsyncs and closes. On failure the file is removed.
  Status Commit(std::string_view bytes);
  const std::string& path() const { return path_; }

 private:
  OutputFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  int fd_ = -1;
  bool committed_ = false;
};

}  // namespace mailrelay::cli
