// What `compozy doctor` asks of the network below HTTP: a name lookup, a TCP
// connection and a TLS handshake, each with its own deadline, behind an
// interface so that unit tests drive every finding with a fake.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "compozy/environment.hpp"
#include "compozy/error.hpp"

namespace compozy {

// What a TLS handshake showed of the server's certificate and of who vouches for it.
struct TlsFacts {
  std::string version;  // "TLSv1.3"
  std::string subject;  // of the server's certificate
  std::string issuer;   // of the server's certificate: its CA, or the proxy that re-signed it
  std::string root;     // the last certificate of the verified chain (its subject), or empty
  bool verified = false;         // against the trust compozy uses (SSL_CERT_FILE/DIR, else the system's)
  std::string verify_error;      // OpenSSL's words, when not verified
  bool trust_from_environment = false;  // SSL_CERT_FILE or SSL_CERT_DIR was set
  bool verified_by_system = false;      // the chain verifies against /etc/ssl/certs alone
  std::string locally_added_root;       // a file of /usr/local/share/ca-certificates that is the root
};

class NetworkProbe {
 public:
  virtual ~NetworkProbe() = default;
  // The addresses `host` resolves to (numeric ones as they are).
  virtual Result<std::vector<std::string>> resolve(const std::string& host, std::chrono::milliseconds deadline) = 0;
  // Opens and closes a TCP connection to `host`:`port`.
  virtual Result<void> connect(const std::string& host, int port, std::chrono::milliseconds deadline) = 0;
  // A TLS handshake with `server_name`:`port`, through an http proxy's CONNECT
  // tunnel when `proxy_host` is not empty. Verifies, and never sends anything else.
  virtual Result<TlsFacts> handshake(const std::string& server_name, int port, const std::string& proxy_host,
                                     int proxy_port, std::chrono::milliseconds deadline) = 0;
};

// The real probe over getaddrinfo, sockets and OpenSSL, trusting what the HTTP client trusts.
std::unique_ptr<NetworkProbe> make_network_probe(const Environment& env);

}  // namespace compozy
