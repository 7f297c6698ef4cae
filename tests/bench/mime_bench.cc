// tests/bench/mime_bench.cc — parse + JSON payload throughput (MB/s, messages/s) over the
// shared corpus and a generated 10 MiB message; peak memory while handling a 25 MiB one.
// Prints numbers; asserts nothing.
//
//   mime_bench [CORPUS_DIR]          throughput
//   mime_bench --peak MIB            peak RSS growth for one MIB-sized message (own process)
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "mime/message.h"
#include "relay/json_payload.h"

namespace {

using Clock = std::chrono::steady_clock;

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

long PeakRssKb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// A multipart/mixed message of about `bytes`: a text part, an HTML part and base64
// attachments of pseudo-random bytes (76-column lines, as real mailers write them).
std::string BigMessage(size_t bytes) {
  std::string m =
      "From: Big Sender <big@sender.test>\r\nTo: r@x.test\r\nSubject: =?utf-8?q?gro=C3=9F?=\r\n"
      "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"BOUNDARY\"\r\n\r\n"
      "--BOUNDARY\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello,\r\nsee attached.\r\n"
      "--BOUNDARY\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Hello</p>\r\n";
  static const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  uint32_t x = 2463534242u;
  int n = 0;
  while (m.size() < bytes) {
    m += "--BOUNDARY\r\nContent-Type: application/octet-stream\r\n"
         "Content-Disposition: attachment; filename=\"part" +
         std::to_string(n++) + ".bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n";
    const size_t part = std::min<size_t>(bytes - m.size() + 80, 2u << 20);
    for (size_t i = 0; i < part; i += 78) {
      for (int c = 0; c < 76; ++c) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        m += kB64[x & 63];
      }
      m += "\r\n";
    }
  }
  m += "--BOUNDARY--\r\n";
  return m;
}

struct Result {
  double seconds = 0;
  size_t bytes = 0;
  size_t messages = 0;
};

Result Run(const std::vector<std::string>& messages, int rounds) {
  mailrelay::relay::PayloadEnvelope env;
  env.to = "r@x.test";
  env.recipients = {"r@x.test"};
  Result r;
  size_t sink = 0;
  const auto start = Clock::now();
  for (int i = 0; i < rounds; ++i) {
    for (const std::string& raw : messages) {
      auto parsed = mailrelay::mime::Parse(raw);
      if (!parsed.ok()) continue;
      sink += mailrelay::relay::RenderJsonPayload(*parsed, env).size();
      r.bytes += raw.size();
      ++r.messages;
    }
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (sink == 0) std::printf("(no output)\n");
  return r;
}

void Print(const char* what, const Result& r) {
  std::printf("%-34s %9.1f MB/s %10.0f msgs/s  (%zu messages, %.1f MB, %.2f s)\n", what,
              r.bytes / 1e6 / r.seconds, r.messages / r.seconds, r.messages, r.bytes / 1e6,
              r.seconds);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--peak") == 0) {
    const size_t mib = std::stoul(argv[2]);
    std::string raw = BigMessage(mib << 20);
    const long before = PeakRssKb();
    auto parsed = mailrelay::mime::Parse(raw);
    mailrelay::relay::PayloadEnvelope env;
    std::string payload = parsed.ok() ? mailrelay::relay::RenderJsonPayload(*parsed, env) : "";
    const long after = PeakRssKb();
    std::printf(
        "peak memory for a %zu MiB message: +%.1f MiB over the message itself "
        "(%.2fx the message size; the JSON payload alone is %.1f MiB)\n",
        mib, (after - before) / 1024.0, (after - before) / 1024.0 / mib,
        payload.size() / 1048576.0);
    return 0;
  }
  const std::filesystem::path corpus = argc > 1 ? argv[1] : "../shared/corpus";
  std::vector<std::string> messages;
  for (const auto& e : std::filesystem::directory_iterator(corpus)) {
    if (e.path().extension() == ".eml") messages.push_back(ReadFile(e.path()));
  }
  if (messages.empty()) {
    std::fprintf(stderr, "no .eml files in %s\n", corpus.c_str());
    return 1;
  }
  std::printf("parse + JSON payload (RenderJsonPayload), one thread\n");
  Print("corpus (x200)", Run(messages, 200));
  Print("10 MiB message with attachments (x5)", Run({BigMessage(10u << 20)}, 5));
  std::printf("peak memory: run `mime_bench --peak 25`\n");
  return 0;
}
