// server/tls_context.cc — Poco does not expose the SSL*, so an OpenSSL info callback on the
// context records the negotiated version in a thread-local when a handshake completes.
#include "server/tls_context.h"

#include <openssl/ssl.h>

namespace mailrelay::server {
namespace {

thread_local std::string t_last_protocol;

void InfoCallback(const SSL* ssl, int where, int /*ret*/) {
  if (where & SSL_CB_HANDSHAKE_DONE) t_last_protocol = SSL_get_version(ssl);
}

}  // namespace

std::string LastHandshakeProtocol() { return t_last_protocol; }

StatusOr<Poco::Net::Context::Ptr> MakeServerTlsContext(const TlsFiles& files) {
  try {
    Poco::Net::Context::Params params;
    params.privateKeyFile = files.key_file;
    params.certificateFile = files.cert_file;
    params.verificationMode = Poco::Net::Context::VERIFY_NONE;  // clients have no certs
    params.loadDefaultCAs = false;
    params.cipherList = "HIGH:!aNULL:!MD5:!RC4:!3DES";
    Poco::Net::Context::Ptr context =
        new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, params);
    context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
    SSL_CTX_set_info_callback(context->sslContext(), &InfoCallback);
    return context;
  } catch (const Poco::Exception& e) {
    return Status::InvalidArgument("TLS certificate \"" + files.cert_file + "\" or key \"" +
                                   files.key_file + "\" cannot be used: " + e.displayText());
  }
}

}  // namespace mailrelay::server
