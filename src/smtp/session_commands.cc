// smtp/session_commands.cc — the command table and its check / proceed functions.
// A check function only decides (and may parse into parsed_); proceed acts and replies.
#include <utility>

#include "smtp/session.h"

namespace mailrelay::smtp {
namespace {

Reply BadSequence(std::string text) { return Reply{503, "5.5.1", std::move(text)}; }

// A HELO/EHLO argument is one token of printable ASCII: it is echoed into Received.
bool IsValidHeloArg(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < 33 || c > 126) return false;
  }
  return true;
}

}  // namespace

const Session::CommandSpec Session::kCommands[] = {
    {"EHLO", &Session::CheckHelo, &Session::ProceedEhlo},
    {"HELO", &Session::CheckHelo, &Session::ProceedHelo},
    {"MAIL", &Session::CheckMail, &Session::ProceedMail},
    {"RCPT", &Session::CheckRcpt, &Session::ProceedRcpt},
    {"DATA", &Session::CheckData, &Session::ProceedData},
    {"BDAT", &Session::CheckBdat, &Session::ProceedBdat},
    {"RSET", &Session::CheckNoArgs, &Session::ProceedRset},
    {"NOOP", &Session::CheckAny, &Session::ProceedNoop},
    {"QUIT", &Session::CheckAny, &Session::ProceedQuit},
    {"VRFY", &Session::CheckVrfy, &Session::ProceedVrfy},
    {"EXPN", &Session::CheckAny, &Session::ProceedExpn},
    {"HELP", &Session::CheckAny, &Session::ProceedHelp},
    {"STARTTLS", &Session::CheckStartTls, &Session::ProceedStartTls},
    {"", nullptr, nullptr},
};

std::optional<Reply> Session::CheckHelo(const CommandLine& cmd) {
  if (!IsValidHeloArg(cmd.args)) return Reply{501, "5.5.4", "Syntax: " + cmd.verb + " hostname"};
  return std::nullopt;
}

void Session::ProceedHelo(const CommandLine& cmd, Actions& out) {
  // HELO/EHLO also acts as RSET (RFC 5321 4.1.4).
  helo_ = std::string(cmd.args);
  ehlo_ = false;
  ResetTransaction();
  SetState(State::kReady);
  Respond(out, Reply{250, "", Host()});
}

void Session::ProceedEhlo(const CommandLine& cmd, Actions& out) {
  helo_ = std::string(cmd.args);
  ehlo_ = true;
  ResetTransaction();
  SetState(State::kReady);
  std::string text = Host() + " greets " + helo_;
  text += "\nPIPELINING";
  text += "\nSIZE " + std::to_string(limits_.max_message_bytes);
  text += "\n8BITMIME\nSMTPUTF8\nENHANCEDSTATUSCODES\nCHUNKING";
  if (info_.tls_available && !tls_) text += "\nSTARTTLS";
  Respond(out, Reply{250, "", std::move(text)});
}

std::optional<Reply> Session::CheckMail(const CommandLine& cmd) {
  if (!HasGreeting()) return BadSequence("Send HELO/EHLO first");
  if (InTransaction()) return BadSequence("Nested MAIL command");
  ReplyOr<MailArgs> mail = ParseMailArgs(cmd.args);
  if (!mail.ok()) return mail.reply();
  const MailArgs& m = mail.value();
  if (m.size && *m.size > limits_.max_message_bytes) {
    return Reply{552, "5.3.4", "Message size exceeds fixed limit"};
  }
  if (m.non_ascii && !m.smtputf8) {
    return Reply{553, "5.6.7", "Non-ASCII sender address needs SMTPUTF8"};
  }
  parsed_.mail = std::move(mail.value());
  return std::nullopt;
}

void Session::ProceedMail(const CommandLine&, Actions& out) {
  txn_ = Transaction{};
  txn_.mail_from = std::move(parsed_.mail.from);
  txn_.smtputf8 = parsed_.mail.smtputf8;
  txn_.body_8bitmime = parsed_.mail.body_8bitmime;
  SetState(State::kMail);
  Respond(out, Reply{250, "2.1.0", "Ok"});
}

std::optional<Reply> Session::CheckRcpt(const CommandLine& cmd) {
  if (state_ != State::kMail && state_ != State::kRcpt) return BadSequence("Need MAIL before RCPT");
  ReplyOr<RcptArgs> rcpt = ParseRcptArgs(cmd.args);
  if (!rcpt.ok()) return rcpt.reply();
  const RcptArgs& r = rcpt.value();
  if (r.non_ascii && !txn_.smtputf8) {
    return Reply{553, "5.6.7", "Non-ASCII recipient address needs SMTPUTF8"};
  }
  for (const std::string& have : txn_.recipients) {
    if (SameMailbox(have, r.to)) {
      parsed_.duplicate = true;  // accepted again, listed once
      return std::nullopt;
    }
  }
  std::optional<std::string> route = env_->RouteFor(r.to);
  if (!route) return Reply{550, "5.1.1", "Recipient address rejected: no route for this address"};
  if (!txn_.recipients.empty() && *route != txn_.route_id) {
    // One transaction goes to one route target; the sender retries this one separately.
    return Reply{452, "4.5.3", "Recipient on another route; send it in a new transaction"};
  }
  if (txn_.recipients.size() >= limits_.max_recipients) {
    return Reply{452, "4.5.3", "Too many recipients"};
  }
  parsed_.route = std::move(*route);
  parsed_.rcpt = std::move(rcpt.value());
  return std::nullopt;
}

void Session::ProceedRcpt(const CommandLine&, Actions& out) {
  if (!parsed_.duplicate) {
    if (txn_.recipients.empty()) txn_.route_id = std::move(parsed_.route);
    txn_.recipients.push_back(std::move(parsed_.rcpt.to));
  }
  SetState(State::kRcpt);
  Respond(out, Reply{250, "2.1.5", "Ok"});
}

std::optional<Reply> Session::CheckData(const CommandLine& cmd) {
  if (state_ == State::kBdat) return BadSequence("DATA cannot follow BDAT in a transaction");
  if (state_ == State::kMail) return Reply{554, "5.5.1", "No valid recipients"};
  if (state_ != State::kRcpt) return BadSequence("Need MAIL and RCPT before DATA");
  if (!cmd.args.empty()) return Reply{501, "5.5.4", "Syntax: DATA"};
  return std::nullopt;
}

void Session::ProceedData(const CommandLine&, Actions& out) {
  data_.emplace(limits_);
  SetState(State::kData);
  // 354 is intermediate: RFC 3463 has no class 3, so no enhanced code.
  Respond(out, Reply{354, "", "End data with <CR><LF>.<CR><LF>"});
}

std::optional<Reply> Session::CheckBdat(const CommandLine& cmd) {
  // Only syntax here: with a valid size the chunk follows and must be read even when the
  // command is rejected (RFC 3030 2), so sequence and size are decided in ProceedBdat.
  ReplyOr<BdatArgs> bdat = ParseBdatArgs(cmd.args);
  if (!bdat.ok()) return bdat.reply();
  parsed_.bdat = bdat.value();
  return std::nullopt;
}

void Session::ProceedBdat(const CommandLine&, Actions&) {
  const BdatArgs& a = parsed_.bdat;
  Chunk c;
  c.remaining = a.size;
  c.last = a.last;
  c.return_state = state_;
  c.in_transaction = state_ == State::kRcpt || state_ == State::kBdat;
  if (!HasGreeting()) {
    c.reply = BadSequence("Send HELO/EHLO first");
  } else if (state_ == State::kMail) {
    c.reply = Reply{554, "5.5.1", "No valid recipients"};
  } else if (!c.in_transaction) {
    c.reply = BadSequence("Need MAIL and RCPT before BDAT");
  } else if (txn_.bdat_failed) {
    c.reply = txn_.bdat_failed;
  } else if (a.size > limits_.max_message_bytes - txn_.bdat_size) {
    txn_.bdat_failed = Reply{552, "5.3.4", "Message size exceeds fixed limit"};
    std::string().swap(txn_.bdat_message);
    c.reply = txn_.bdat_failed;
  }
  if (!c.reply) txn_.bdat_size += a.size;
  chunk_ = std::move(c);
  SetState(State::kBdatChunk);  // the reply comes once the chunk is read (Pump)
}

std::optional<Reply> Session::CheckNoArgs(const CommandLine& cmd) {
  if (!cmd.args.empty()) return Reply{501, "5.5.4", "Syntax: " + cmd.verb};
  return std::nullopt;
}

std::optional<Reply> Session::CheckAny(const CommandLine&) { return std::nullopt; }

void Session::ProceedRset(const CommandLine&, Actions& out) {
  ResetTransaction();
  SetState(HasGreeting() ? State::kReady : State::kGreeted);
  Respond(out, Reply{250, "2.0.0", "Ok"});
}

void Session::ProceedNoop(const CommandLine&, Actions& out) {
  Respond(out, Reply{250, "2.0.0", "Ok"});
}

void Session::ProceedQuit(const CommandLine&, Actions& out) {
  CloseWith(out, Reply{221, "2.0.0", Host() + " closing connection"});
}

std::optional<Reply> Session::CheckVrfy(const CommandLine& cmd) {
  if (cmd.args.empty()) return Reply{501, "5.5.4", "Syntax: VRFY address"};
  return std::nullopt;
}

void Session::ProceedVrfy(const CommandLine&, Actions& out) {
  // VRFY is disabled (address harvesting); 252 as RFC 5321 3.5.3 suggests.
  Respond(out, Reply{252, "2.5.2", "Cannot VRFY user; try RCPT"});
}

void Session::ProceedExpn(const CommandLine&, Actions& out) {
  Respond(out, Reply{502, "5.5.1", "EXPN not supported"});
}

void Session::ProceedHelp(const CommandLine&, Actions& out) {
  Respond(out, Reply{214, "2.0.0",
                     "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS"});
}

std::optional<Reply> Session::CheckStartTls(const CommandLine& cmd) {
  if (tls_) return BadSequence("TLS already active");
  if (!info_.tls_available) return Reply{502, "5.5.1", "STARTTLS not available"};
  if (!cmd.args.empty()) return Reply{501, "5.5.4", "Syntax: STARTTLS"};
  if (!HasGreeting()) return BadSequence("Send EHLO first");
  return std::nullopt;
}

void Session::ProceedStartTls(const CommandLine&, Actions& out) {
  Respond(out, Reply{220, "2.0.0", "Ready to start TLS"});
  out.push_back(StartTls{});
  // Everything pipelined after STARTTLS arrived in plaintext: discard it (CVE-2011-0411).
  in_.clear();
  in_pos_ = 0;
  discarding_line_ = false;
  ResetTransaction();
  SetState(State::kStartingTls);
}

}  // namespace mailrelay::smtp
