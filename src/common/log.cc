// common/log.cc — formatting and writing of log lines (one write(2) per line, so
// concurrent threads never interleave within a line).
#include "common/log.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace mailrelay::log {
namespace {

std::atomic<Level> g_min_level{Level::kInfo};

void StderrSink(std::string_view line) {
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::write(STDERR_FILENO, line.data() + off, line.size() - off);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}
std::atomic<void (*)(std::string_view)> g_sink{&StderrSink};

std::string_view LevelName(Level l) {
  switch (l) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

// Literals and ids are ASCII written by us; escaping still guards the JSON shape.
void AppendEscaped(std::string& out, std::string_view s) {
  out += '"';
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

bool IsSafeId(std::string_view v) {
  if (v.empty() || v.size() > 64) return false;
  for (char c : v) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

void SetMinLevel(Level level) { g_min_level = level; }
void SetSink(void (*sink)(std::string_view)) { g_sink = sink ? sink : &StderrSink; }

Event::Event(Level level, Literal name) {
  if (level < g_min_level.load()) {
    emitted_ = true;  // suppressed
    return;
  }
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char ts[64];
  std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  line_.reserve(160);
  line_ += "{\"ts\":\"";
  line_ += ts;
  line_ += "\",\"level\":\"";
  line_ += LevelName(level);
  line_ += "\",\"event\":";
  AppendEscaped(line_, name.view());
}

Event::~Event() {
  if (!emitted_) Emit();
}

void Event::Key(Literal key) {
  line_ += ',';
  AppendEscaped(line_, key.view());
  line_ += ':';
}

Event& Event::Num(Literal key, int64_t value) {
  if (emitted_) return *this;
  Key(key);
  line_ += std::to_string(value);
  return *this;
}

Event& Event::Dbl(Literal key, double value) {
  if (emitted_) return *this;
  Key(key);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", value);
  line_ += buf;
  return *this;
}

Event& Event::Bool(Literal key, bool value) {
  if (emitted_) return *this;
  Key(key);
  line_ += value ? "true" : "false";
  return *this;
}

Event& Event::Text(Literal key, Literal value) {
  if (emitted_) return *this;
  Key(key);
  AppendEscaped(line_, value.view());
  return *this;
}

Event& Event::Ident(Literal key, Id value) {
  if (emitted_) return *this;
  Key(key);
  AppendEscaped(line_, IsSafeId(value.value) ? value.value : std::string_view("<redacted>"));
  return *this;
}

void Event::Emit() {
  if (emitted_) return;
  emitted_ = true;
  line_ += "}\n";
  g_sink.load()(line_);
}

}  // namespace mailrelay::log
