// mime/reply_plain.cc — ReplyPlain(): strips quoted history and signature from a reply, as
// CloudMailin's reply_plain does, with heuristics for Gmail, Apple Mail and Outlook.
#include <array>
#include <string>
#include <vector>

#include "mime/message.h"

namespace mailrelay::mime {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Attribution lines end like "… wrote:" in the languages mail clients localise to.
bool EndsLikeAttribution(std::string_view t) {
  static constexpr std::array<std::string_view, 12> kEndings = {
      "wrote:",   "a écrit :", "a écrit:", "schrieb:", "escribió:",  "ha scritto:",
      "schreef:", "написал:",  "napisał:", "skrev:",   "kirjoitti:", "escreveu:"};
  for (std::string_view e : kEndings) {
    if (EndsWith(t, e)) return true;
  }
  return false;
}

bool StartsLikeAttribution(std::string_view t) {
  static constexpr std::array<std::string_view, 8> kStarts = {"On ", "Le ", "Am ", "El ",
                                                              "Il ", "Op ", "Em ", "W dniu "};
  for (std::string_view s : kStarts) {
    if (StartsWith(t, s)) return true;
  }
  return false;
}

std::string_view NextNonBlank(const std::vector<std::string_view>& lines, size_t i) {
  for (++i; i < lines.size(); ++i) {
    if (!Trim(lines[i]).empty()) return lines[i];
  }
  return {};
}

// Returns true when the history starts at line `i` (the line is not part of the reply).
bool StartsHistory(const std::vector<std::string_view>& lines, size_t i) {
  const std::string_view line = lines[i];
  const std::string_view t = Trim(line);
  if (StartsWith(line, ">")) return true;
  if (EndsLikeAttribution(t) &&
      (StartsLikeAttribution(t) || StartsWith(NextNonBlank(lines, i), ">"))) {
    return true;
  }
  // Gmail wraps long attributions: "On Mon, … <a@b>" / "wrote:".
  if (StartsLikeAttribution(t) && i + 1 < lines.size() && EndsLikeAttribution(Trim(lines[i + 1])) &&
      Trim(lines[i + 1]).size() < 80) {
    return true;
  }
  if (StartsWith(t, "-----Original Message-----") ||
      StartsWith(t, "----- Original Message -----") ||
      StartsWith(t, "-----Ursprüngliche Nachricht-----") ||
      StartsWith(t, "-----Message d'origine-----")) {
    return true;
  }
  // Outlook: a rule of underscores, or a bare header block "From: … Sent: … To: …".
  const bool rule = t.size() >= 20 && t.find_first_not_of('_') == std::string_view::npos;
  if (rule && StartsWith(Trim(NextNonBlank(lines, i)), "From:")) return true;
  if (StartsWith(t, "From:")) {
    bool sent = false, to = false;
    for (size_t k = i + 1; k < lines.size() && k <= i + 5; ++k) {
      const std::string_view u = Trim(lines[k]);
      sent = sent || StartsWith(u, "Sent:") || StartsWith(u, "Date:");
      to = to || StartsWith(u, "To:") || StartsWith(u, "Subject:");
    }
    if (sent && to) return true;
  }
  return false;
}

bool IsSignatureSeparator(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line == "-- " || line == "--";
}

std::string Finish(const std::vector<std::string_view>& kept) {
  size_t end = kept.size();
  while (end > 0 && Trim(kept[end - 1]).empty()) --end;
  size_t begin = 0;
  while (begin < end && Trim(kept[begin]).empty()) ++begin;
  std::string out;
  for (size_t i = begin; i < end; ++i) {
    std::string_view l = kept[i];
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    out.append(l);
    out += '\n';
  }
  return out;
}

}  // namespace

std::string ReplyPlain(std::string_view plain) {
  std::vector<std::string_view> lines;
  for (size_t i = 0; i <= plain.size();) {
    size_t eol = plain.find('\n', i);
    if (eol == std::string_view::npos) eol = plain.size();
    lines.push_back(plain.substr(i, eol - i));
    i = eol + 1;
  }
  std::vector<std::string_view> kept;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (IsSignatureSeparator(lines[i]) || StartsHistory(lines, i)) break;
    kept.push_back(lines[i]);
  }
  std::string reply = Finish(kept);
  if (!reply.empty()) return reply;

  // Nothing above the history: an inline (interleaved) reply. Keep the unquoted lines.
  kept.clear();
  for (size_t i = 0; i < lines.size(); ++i) {
    if (IsSignatureSeparator(lines[i])) break;
    const std::string_view t = Trim(lines[i]);
    if (StartsWith(lines[i], ">") || (EndsLikeAttribution(t) && StartsLikeAttribution(t))) {
      continue;
    }
    kept.push_back(lines[i]);
  }
  return Finish(kept);
}

}  // namespace mailrelay::mime
