// smtp/session.cc — the session core: input buffering, line splitting, DATA/BDAT content,
// error counting and the one SetState. Command handlers live in session_commands.cc.
#include "smtp/session.h"

#include <algorithm>
#include <utility>

#include "smtp/received.h"

namespace mailrelay::smtp {

Session::Session(Limits limits, SessionInfo info, SessionEnv* env)
    : limits_(limits), info_(std::move(info)), env_(env) {}

void Session::SetState(State next) {
  // The single place a state changes; a trace hook would go here. Leaving the data states
  // always drops the reader, so no message content outlives its transaction.
  if (next != State::kData) data_.reset();
  state_ = next;
}

std::vector<Action> Session::Greet() {
  Actions out;
  if (closed()) return out;
  Respond(out, Reply{220, "", Host() + " ESMTP mailrelay"});
  return out;
}

std::vector<Action> Session::Feed(std::string_view bytes) {
  Actions out;
  // Before the handshake, nothing the client sent may survive into the TLS session
  // (CVE-2011-0411); after Close, nothing is read.
  if (state_ == State::kStartingTls || state_ == State::kClosed) return out;
  in_.append(bytes);
  Pump(out);
  return out;
}

std::vector<Action> Session::OnDeliveryReply(const Reply& reply) {
  Actions out;
  if (state_ != State::kAwaitingDelivery) return out;
  Respond(out, reply);
  SetState(helo_.empty() ? State::kGreeted : State::kReady);
  Pump(out);
  return out;
}

std::vector<Action> Session::OnTlsStarted(std::string_view cipher) {
  if (state_ != State::kStartingTls) return {};
  tls_ = true;
  tls_cipher_ = std::string(cipher);
  helo_.clear();
  ehlo_ = false;
  ResetTransaction();
  in_.clear();
  in_pos_ = 0;
  discarding_line_ = false;
  SetState(State::kGreeted);
  return {};
}

std::vector<Action> Session::OnTimeout() {
  Actions out;
  if (!closed()) CloseWith(out, Reply{421, "4.4.2", Host() + " Timeout, closing connection"});
  return out;
}

std::vector<Action> Session::OnShutdown() {
  Actions out;
  if (!closed()) CloseWith(out, Reply{421, "4.3.2", Host() + " Service shutting down"});
  return out;
}

void Session::Respond(Actions& out, Reply reply) {
  if (closed()) return;
  out.push_back(std::move(reply));
}

void Session::Reject(Actions& out, Reply reply) {
  // Protocol errors (unknown command, syntax, sequence) count; policy answers such as
  // 550 unknown recipient or 552 too big do not.
  bool protocol_error =
      reply.code == 500 || reply.code == 501 || reply.code == 503 || reply.code == 555;
  Respond(out, std::move(reply));
  if (protocol_error && ++errors_ >= limits_.max_errors) {
    CloseWith(out, Reply{421, "4.7.0", Host() + " Too many errors, closing connection"});
  }
}

void Session::CloseWith(Actions& out, Reply reply) {
  Respond(out, std::move(reply));
  out.push_back(Close{});
  SetState(State::kClosed);
  in_.clear();
  in_pos_ = 0;
  txn_ = Transaction{};
}

void Session::ResetTransaction() { txn_ = Transaction{}; }

bool Session::InTransaction() const {
  return state_ == State::kMail || state_ == State::kRcpt || state_ == State::kBdat;
}

void Session::Pump(Actions& out) {
  while (in_pos_ < in_.size() || state_ == State::kBdatChunk) {
    bool progress = false;
    switch (state_) {
      case State::kAwaitingDelivery:
      case State::kStartingTls:
      case State::kClosed:
        break;
      case State::kData:
        progress = PumpData(out);
        break;
      case State::kBdatChunk:
        progress = PumpChunk(out);
        break;
      default:
        progress = PumpCommand(out);
        break;
    }
    if (!progress) break;
  }
  // Keep only the unprocessed tail: memory stays bounded by what is still pending.
  if (in_pos_ == in_.size()) {
    in_.clear();
  } else if (in_pos_ > 0) {
    in_.erase(0, in_pos_);
  }
  in_pos_ = 0;
}

bool Session::PumpCommand(Actions& out) {
  std::string_view rest = std::string_view(in_).substr(in_pos_);
  size_t lf = rest.find('\n');
  if (discarding_line_) {
    if (lf == std::string_view::npos) {
      in_pos_ = in_.size();
      return false;
    }
    in_pos_ += lf + 1;
    discarding_line_ = false;
    return true;
  }
  if (lf == std::string_view::npos) {
    // No terminator yet. Once the line cannot fit any more, answer now and skip the rest
    // up to the next LF without buffering it.
    if (rest.size() < limits_.max_command_line) return false;
    in_pos_ = in_.size();
    discarding_line_ = true;
    Reject(out, Reply{500, "5.5.2", "Line too long"});
    return true;
  }
  in_pos_ += lf + 1;
  if (lf + 1 > limits_.max_command_line) {
    Reject(out, Reply{500, "5.5.2", "Line too long"});
    return true;
  }
  HandleLine(rest.substr(0, lf), out);
  return true;
}

void Session::HandleLine(std::string_view line, Actions& out) {
  // CRLF ends a command; a bare LF is accepted too (lenient, as many tools send it). Bare
  // LF never ends DATA content, which is where it matters (see DataReader).
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.find('\r') != std::string_view::npos || line.find('\0') != std::string_view::npos) {
    Reject(out, Reply{500, "5.5.2", "Bare CR or NUL in command line"});
    return;
  }
  Dispatch(SplitCommand(line), out);
}

void Session::Dispatch(const CommandLine& cmd, Actions& out) {
  for (const CommandSpec* spec = kCommands; !spec->verb.empty(); ++spec) {
    if (spec->verb != cmd.verb) continue;
    parsed_ = Parsed{};
    if (std::optional<Reply> rejection = (this->*spec->check)(cmd)) {
      Reject(out, std::move(*rejection));
      return;
    }
    (this->*spec->proceed)(cmd, out);
    return;
  }
  Reject(out, Reply{500, "5.5.2", "Command unrecognized"});
}

bool Session::PumpData(Actions& out) {
  std::string_view rest = std::string_view(in_).substr(in_pos_);
  in_pos_ += data_->Consume(rest);
  if (!data_->done()) return false;
  FinishData(out);
  return true;
}

void Session::FinishData(Actions& out) {
  if (std::optional<Reply> rejection = data_->rejection()) {
    // Answered once, after the final dot; the transaction ends either way.
    ResetTransaction();
    SetState(State::kReady);
    Respond(out, std::move(*rejection));
    return;
  }
  EmitDeliver(data_->TakeMessage(), out);
}

bool Session::PumpChunk(Actions& out) {
  size_t avail = in_.size() - in_pos_;
  size_t take = static_cast<size_t>(std::min<uint64_t>(chunk_.remaining, avail));
  // Chunk octets are stored only for an accepted chunk; rejected ones are skipped.
  if (take > 0 && !chunk_.reply) txn_.bdat_message.append(in_, in_pos_, take);
  in_pos_ += take;
  chunk_.remaining -= take;
  if (chunk_.remaining > 0) return false;
  FinishChunk(out);
  return true;
}

void Session::FinishChunk(Actions& out) {
  Chunk chunk = std::move(chunk_);
  chunk_ = Chunk{};
  if (chunk.reply) {
    if (!chunk.in_transaction) {
      SetState(chunk.return_state);
    } else if (chunk.last) {
      ResetTransaction();
      SetState(State::kReady);
    } else {
      SetState(State::kBdat);
    }
    Reject(out, std::move(*chunk.reply));
    return;
  }
  if (chunk.last) {
    EmitDeliver(std::move(txn_.bdat_message), out);
    return;
  }
  SetState(State::kBdat);
  Respond(out, Reply{250, "2.0.0", "Ok: " + std::to_string(txn_.bdat_size) + " octets received"});
}

void Session::EmitDeliver(std::string body, Actions& out) {
  Deliver d;
  d.id = env_->NewMessageId();
  Envelope& e = d.envelope;
  e.helo = helo_;
  e.mail_from = std::move(txn_.mail_from);
  e.recipients = std::move(txn_.recipients);
  e.route_id = std::move(txn_.route_id);
  e.smtputf8 = txn_.smtputf8;
  e.body_8bitmime = txn_.body_8bitmime;
  e.remote_ip = info_.remote_ip;
  e.tls = tls_;
  if (tls_) e.tls_cipher = tls_cipher_;
  ReceivedFields f;
  f.helo = helo_;
  f.remote_ip = info_.remote_ip;
  f.server_hostname = info_.server_hostname;
  f.protocol = ReceivedProtocol(ehlo_, tls_, e.smtputf8);
  f.id = d.id;
  if (e.recipients.size() == 1) f.recipient = e.recipients.front();
  f.when = env_->Now();
  body.insert(0, FormatReceived(f));
  d.message = std::move(body);
  ResetTransaction();
  SetState(State::kAwaitingDelivery);
  out.push_back(std::move(d));
}

}  // namespace mailrelay::smtp
