// server/smtp_connection.h — one SMTP connection: socket bytes into the smtp::Session,
// its actions out (replies, delivery, STARTTLS, close). All socket I/O for SMTP lives here.
#pragma once

#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>

#include <string>

#include "server/smtp_listener.h"
#include "smtp/session.h"

namespace mailrelay::server {

class SmtpConnection : public Poco::Net::TCPServerConnection {
 public:
  // The connection was counted by the limiter under `ip`; the destructor uncounts it.
  SmtpConnection(const Poco::Net::StreamSocket& socket, SmtpShared& shared, std::string ip);
  ~SmtpConnection() override;
  void run() override;

 private:
  // Carries out `actions` (and those they lead to); returns false when the session is over.
  bool Perform(smtp::Session& session, std::vector<smtp::Action> actions);
  void Send(const std::string& bytes);

  SmtpShared& shared_;
  std::string ip_;
  Poco::Net::StreamSocket io_;  // plain, or the TLS socket after STARTTLS
  std::string out_;             // replies not yet written
};

class SmtpConnectionFactory : public Poco::Net::TCPServerConnectionFactory {
 public:
  explicit SmtpConnectionFactory(SmtpShared& shared) : shared_(shared) {}
  Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override;

 private:
  SmtpShared& shared_;
};

}  // namespace mailrelay::server
