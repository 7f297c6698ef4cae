// mime/address_list.cc — a one-pass, character-level address list parser that never fails
// (junk yields fewer or odder addresses, never an error).
#include <string>

#include "mime/charset.h"
#include "mime/encoded_word.h"
#include "mime/message.h"

namespace mailrelay::mime {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return std::string(s);
}

// Collects the pieces of one mailbox while scanning.
class MailboxBuilder {
 public:
  bool HasAngle() const { return has_angle_; }
  bool Empty() const { return words_.empty() && !has_angle_ && comments_.empty(); }

  void AddWord(std::string word) { words_.push_back(std::move(word)); }
  void AddComment(std::string comment) { comments_.push_back(std::move(comment)); }
  void SetAngle(std::string addr) {
    angle_ = std::move(addr);
    has_angle_ = true;
  }

  // Appends the mailbox(es) collected so far to `out` and resets.
  void Flush(std::vector<Address>& out) {
    if (has_angle_) {
      Address a;
      a.name = Name(words_);
      a.address = ToUtf8(StripRoute(angle_), "");
      if (!a.address.empty() || !a.name.empty()) out.push_back(std::move(a));
    } else if (!words_.empty()) {
      // No angle brackets: words holding '@' are addr-specs; the rest is a name.
      std::vector<std::string> specs, others;
      for (std::string& w : words_)
        (w.find('@') != std::string::npos ? specs : others).push_back(w);
      if (specs.empty()) {
        // "Mailer-Daemon" or a local part alone: keep it as the address.
        specs.push_back(Join(words_, ""));
        others.clear();
      }
      for (size_t i = 0; i < specs.size(); ++i) {
        Address a;
        a.address = ToUtf8(specs[i], "");
        if (i == 0) a.name = others.empty() ? "" : Name(others);
        if (i == 0 && a.name.empty()) a.name = CommentName();
        out.push_back(std::move(a));
      }
    }
    words_.clear();
    comments_.clear();
    angle_.clear();
    has_angle_ = false;
  }

 private:
  static std::string Join(const std::vector<std::string>& words, std::string_view sep) {
    std::string s;
    for (size_t i = 0; i < words.size(); ++i) {
      if (i > 0) s += sep;
      s += words[i];
    }
    return s;
  }

  std::string Name(const std::vector<std::string>& words) const {
    std::string name = Trim(DecodeHeaderText(Join(words, " ")));
    return name.empty() ? CommentName() : name;
  }

  std::string CommentName() const {
    return comments_.empty() ? "" : Trim(DecodeHeaderText(comments_.front()));
  }

  // "<@relay1,@relay2:user@host>" → "user@host" (RFC 5322 §4.4 obs-route).
  static std::string StripRoute(const std::string& addr) {
    std::string a = Trim(addr);
    if (!a.empty() && a[0] == '@') {
      const size_t colon = a.find(':');
      if (colon != std::string::npos) a = a.substr(colon + 1);
    }
    return Trim(a);
  }

  std::vector<std::string> words_;
  std::vector<std::string> comments_;
  std::string angle_;
  bool has_angle_ = false;
};

// Reads a quoted string starting after the opening quote at `*i`; leaves `*i` after the
// closing quote and returns the unescaped content.
std::string ReadQuoted(std::string_view s, size_t* i) {
  std::string out;
  size_t k = *i;
  while (k < s.size() && s[k] != '"') {
    if (s[k] == '\\' && k + 1 < s.size()) ++k;
    out += s[k++];
  }
  *i = k < s.size() ? k + 1 : k;
  return out;
}

// Reads a (nested) comment starting after the '(' at `*i`.
std::string ReadComment(std::string_view s, size_t* i) {
  std::string out;
  int depth = 1;
  size_t k = *i;
  for (; k < s.size(); ++k) {
    const char c = s[k];
    if (c == '\\' && k + 1 < s.size()) {
      out += s[++k];
      continue;
    }
    if (c == '(') ++depth;
    if (c == ')' && --depth == 0) break;
    out += c;
  }
  *i = k < s.size() ? k + 1 : k;
  return out;
}

}  // namespace

std::vector<Address> ParseAddressList(std::string_view s) {
  std::vector<Address> out;
  MailboxBuilder box;
  std::string word;
  const auto end_word = [&] {
    if (word.empty()) return;
    // A word after a complete "<addr>" means the comma before a new mailbox is missing.
    if (box.HasAngle()) box.Flush(out);
    box.AddWord(std::move(word));
    word.clear();
  };
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (IsSpace(c)) {
      end_word();
      ++i;
    } else if (c == '"') {
      ++i;
      const std::string q = ReadQuoted(s, &i);
      if (!word.empty() || (i < s.size() && s[i] == '@')) {
        word += '"' + q + '"';  // a quoted local part, kept as written
      } else {
        end_word();
        if (box.HasAngle()) box.Flush(out);
        box.AddWord(q.empty() ? std::string() : q);
      }
    } else if (c == '(') {
      end_word();
      ++i;
      box.AddComment(ReadComment(s, &i));
    } else if (c == '<') {
      end_word();
      if (box.HasAngle()) box.Flush(out);
      const size_t close = s.find('>', i + 1);
      const size_t stop = close == std::string_view::npos ? s.size() : close;
      std::string addr;
      for (size_t k = i + 1; k < stop; ++k) {
        if (!IsSpace(s[k]) && s[k] != '"') addr += s[k];
      }
      box.SetAngle(std::move(addr));
      i = stop == s.size() ? stop : stop + 1;
    } else if (c == ',') {
      end_word();
      box.Flush(out);
      ++i;
    } else if (c == ':' && !box.HasAngle()) {
      // Group start: the phrase so far names the group; members are listed flat.
      end_word();
      box = MailboxBuilder();
      ++i;
    } else if (c == ';') {
      end_word();
      box.Flush(out);
      ++i;
    } else {
      word += c;
      ++i;
    }
  }
  end_word();
  box.Flush(out);
  return out;
}

}  // namespace mailrelay::mime
