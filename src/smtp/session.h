// smtp/session.h — RFC 5321 server session. Pure: no sockets, clocks or threads.
// Raw bytes in, actions (replies, deliveries, STARTTLS, close) out.
//
//   Session s(Limits{}, SessionInfo{"mx.example", "192.0.2.1", true}, &env);
//   Send(s.Greet());
//   for (;;) Perform(s.Feed(ReadSocket()));   // a Deliver → later s.OnDeliveryReply(r)
//
// Not thread-safe; one Session per connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/action.h"
#include "smtp/command.h"
#include "smtp/data_reader.h"
#include "smtp/limits.h"
#include "smtp/reply.h"
#include "smtp/session_env.h"

namespace mailrelay::smtp {

struct SessionInfo {
  std::string server_hostname;  // greeting, EHLO, Received "by"
  std::string remote_ip;        // textual peer IP
  bool tls_available = false;   // offer STARTTLS
};

class Session {
 public:
  // "*env" must remain live while this Session is in use.
  Session(Limits limits, SessionInfo info, SessionEnv* env);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Returns the greeting: 220 <host> ESMTP mailrelay.
  std::vector<Action> Greet();
  // Takes raw socket bytes (the session splits lines itself, so it sees bare CR/LF) and
  // returns the actions for every complete command, in order. Processing stops after a
  // Deliver (the rest stays buffered until OnDeliveryReply), after StartTls (the rest is
  // discarded) and after Close (the rest is ignored).
  std::vector<Action> Feed(std::string_view bytes);
  // The relay's answer for the last Deliver. Returns that reply first, then the actions
  // for the pipelined input buffered meanwhile. Ignored unless awaiting_delivery().
  std::vector<Action> OnDeliveryReply(const Reply& reply);
  // TLS handshake done: back to "greeted, no EHLO yet" (RFC 3207 4.2), now under TLS.
  // Ignored unless a StartTls was emitted and not yet answered.
  std::vector<Action> OnTlsStarted(std::string_view cipher);
  // Returns 421 4.4.2 <host> Timeout, closing connection + Close.
  std::vector<Action> OnTimeout();
  // Returns 421 4.3.2 <host> Service shutting down + Close.
  std::vector<Action> OnShutdown();

  bool awaiting_delivery() const { return state_ == State::kAwaitingDelivery; }
  // Reading DATA or BDAT content (the listener uses the data timeout).
  bool in_data() const { return state_ == State::kData || state_ == State::kBdatChunk; }
  bool closed() const { return state_ == State::kClosed; }
  // Bytes received but not yet processed (pipelined input held during a delivery).
  size_t buffered_bytes() const { return in_.size() - in_pos_; }

 private:
  using Actions = std::vector<Action>;

  enum class State {
    kGreeted,           // no HELO/EHLO yet (also right after STARTTLS)
    kReady,             // HELO/EHLO done, no transaction
    kMail,              // MAIL accepted, no recipient yet
    kRcpt,              // at least one recipient accepted
    kData,              // reading DATA content up to <CRLF>.<CRLF>
    kBdat,              // between BDAT chunks of one transaction
    kBdatChunk,         // reading the octets of one BDAT chunk
    kAwaitingDelivery,  // a Deliver is out; input stays buffered
    kStartingTls,       // StartTls is out; input is discarded
    kClosed,
  };

  struct Transaction {
    std::string mail_from;
    std::vector<std::string> recipients;
    std::string route_id;
    bool smtputf8 = false;
    bool body_8bitmime = false;
    std::string bdat_message;          // chunks so far
    uint64_t bdat_size = 0;            // chunk octets so far, stored or not
    std::optional<Reply> bdat_failed;  // answer for every further chunk of this transaction
  };

  // The BDAT chunk being read.
  struct Chunk {
    uint64_t remaining = 0;
    bool last = false;
    std::optional<Reply> reply;  // rejection to send once the chunk has been skipped
    bool in_transaction = false;
    State return_state = State::kReady;
  };

  // Arguments a check function parsed for its proceed function.
  struct Parsed {
    MailArgs mail;
    RcptArgs rcpt;
    std::string route;
    bool duplicate = false;
    BdatArgs bdat;
  };

  // One row of the command table: checking is apart from acting (OpenSMTPD).
  // check returns the rejection, or nullopt to go on with proceed.
  struct CommandSpec {
    std::string_view verb;
    std::optional<Reply> (Session::*check)(const CommandLine&);
    void (Session::*proceed)(const CommandLine&, Actions&);
  };
  static const CommandSpec kCommands[];

  // Every state change goes through here.
  void SetState(State next);

  // Runs the buffered input until it is used up or the session must wait.
  void Pump(Actions& out);
  bool PumpCommand(Actions& out);
  bool PumpData(Actions& out);
  bool PumpChunk(Actions& out);
  void HandleLine(std::string_view line, Actions& out);
  void Dispatch(const CommandLine& cmd, Actions& out);

  // Adds a reply. Reject also counts protocol errors and closes with 421 at the limit.
  void Respond(Actions& out, Reply reply);
  void Reject(Actions& out, Reply reply);
  void CloseWith(Actions& out, Reply reply);

  void ResetTransaction();
  bool HasGreeting() const { return state_ != State::kGreeted; }
  bool InTransaction() const;
  // Emits the Deliver for `body` and waits for the relay.
  void EmitDeliver(std::string body, Actions& out);
  void FinishData(Actions& out);
  void FinishChunk(Actions& out);
  std::string Host() const { return info_.server_hostname; }

  // Command table entries (session_commands.cc).
  std::optional<Reply> CheckHelo(const CommandLine& cmd);
  void ProceedHelo(const CommandLine& cmd, Actions& out);
  void ProceedEhlo(const CommandLine& cmd, Actions& out);
  std::optional<Reply> CheckMail(const CommandLine& cmd);
  void ProceedMail(const CommandLine& cmd, Actions& out);
  std::optional<Reply> CheckRcpt(const CommandLine& cmd);
  void ProceedRcpt(const CommandLine& cmd, Actions& out);
  std::optional<Reply> CheckData(const CommandLine& cmd);
  void ProceedData(const CommandLine& cmd, Actions& out);
  std::optional<Reply> CheckBdat(const CommandLine& cmd);
  void ProceedBdat(const CommandLine& cmd, Actions& out);
  std::optional<Reply> CheckNoArgs(const CommandLine& cmd);
  std::optional<Reply> CheckAny(const CommandLine& cmd);
  void ProceedRset(const CommandLine& cmd, Actions& out);
  void ProceedNoop(const CommandLine& cmd, Actions& out);
  void ProceedQuit(const CommandLine& cmd, Actions& out);
  std::optional<Reply> CheckVrfy(const CommandLine& cmd);
  void ProceedVrfy(const CommandLine& cmd, Actions& out);
  void ProceedExpn(const CommandLine& cmd, Actions& out);
  void ProceedHelp(const CommandLine& cmd, Actions& out);
  std::optional<Reply> CheckStartTls(const CommandLine& cmd);
  void ProceedStartTls(const CommandLine& cmd, Actions& out);

  const Limits limits_;
  const SessionInfo info_;
  SessionEnv* const env_;

  State state_ = State::kGreeted;
  std::string in_;  // received bytes; those before in_pos_ are processed
  size_t in_pos_ = 0;
  bool discarding_line_ = false;  // skipping the rest of an overlong command line
  size_t errors_ = 0;
  std::string helo_;
  bool ehlo_ = false;
  bool tls_ = false;
  std::string tls_cipher_;
  Transaction txn_;
  std::optional<DataReader> data_;
  Chunk chunk_;
  Parsed parsed_;
};

}  // namespace mailrelay::smtp
