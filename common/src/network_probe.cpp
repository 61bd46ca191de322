#include "compozy/network_probe.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <future>
#include <memory>
#include <thread>

#include "compozy/file_descriptor.hpp"
#include "compozy/http_client.hpp"

namespace compozy {

namespace {

using SteadyClock = std::chrono::steady_clock;

// Administrators add CAs here for update-ca-certificates (Debian, Ubuntu).
constexpr char locally_added_cas[] = "/usr/local/share/ca-certificates";

std::unexpected<Error> unreachable(std::string message) {
  return fail({.message = std::move(message), .kind = Error::Kind::unreachable});
}

struct Lookup {
  int status = 0;
  std::vector<sockaddr_storage> addresses;
  std::vector<std::string> shown;
};

// getaddrinfo cannot be given a deadline, so it runs on a thread of its own that
// is left behind when it takes too long; the process ends soon after anyway.
Result<Lookup> look_up(const std::string& host, int port, std::chrono::milliseconds deadline) {
  auto promise = std::make_shared<std::promise<Lookup>>();
  auto future = promise->get_future();
  std::thread([promise, host, port] {
    Lookup lookup;
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    lookup.status = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
    for (addrinfo* entry = found; entry != nullptr; entry = entry->ai_next) {
      sockaddr_storage address{};
      std::memcpy(&address, entry->ai_addr, entry->ai_addrlen);
      char text[INET6_ADDRSTRLEN] = {};
      const void* raw = entry->ai_family == AF_INET6
                            ? static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(entry->ai_addr)->sin6_addr)
                            : static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(entry->ai_addr)->sin_addr);
      ::inet_ntop(entry->ai_family, raw, text, sizeof text);
      if (std::find(lookup.shown.begin(), lookup.shown.end(), text) != lookup.shown.end()) continue;
      lookup.addresses.push_back(address);
      lookup.shown.emplace_back(text);
    }
    if (found != nullptr) ::freeaddrinfo(found);
    promise->set_value(std::move(lookup));
  }).detach();
  if (future.wait_for(deadline) != std::future_status::ready) {
    return unreachable("no answer from DNS within " + std::to_string(deadline.count()) + " ms");
  }
  Lookup lookup = future.get();
  if (lookup.status != 0) return unreachable(std::string("cannot resolve: ") + ::gai_strerror(lookup.status));
  if (lookup.addresses.empty()) return unreachable("no address");
  return lookup;
}

bool wait_ready(int fd, short events, SteadyClock::time_point until) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - SteadyClock::now()).count();
  if (left <= 0) return false;
  pollfd entry{fd, events, 0};
  return ::poll(&entry, 1, static_cast<int>(left)) == 1;
}

Result<FileDescriptor> open_connection(const std::string& host, int port, SteadyClock::time_point until) {
  auto lookup = look_up(host, port, std::chrono::duration_cast<std::chrono::milliseconds>(until - SteadyClock::now()));
  if (!lookup) return propagate(lookup);
  std::string last_error = "timed out";
  for (const auto& address : lookup->addresses) {
    FileDescriptor socket(::socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (socket.get() < 0) continue;
    const socklen_t size = address.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
    int result = ::connect(socket.get(), reinterpret_cast<const sockaddr*>(&address), size);
    if (result != 0 && errno == EINPROGRESS) {
      if (!wait_ready(socket.get(), POLLOUT, until)) {
        last_error = "timed out";
        continue;
      }
      int error = 0;
      socklen_t length = sizeof error;
      ::getsockopt(socket.get(), SOL_SOCKET, SO_ERROR, &error, &length);
      result = error == 0 ? 0 : -1;
      errno = error;
    }
    if (result == 0) return socket;
    last_error = std::strerror(errno);
  }
  return unreachable("cannot connect: " + last_error);
}

Result<void> send_all(int fd, std::string_view data, SteadyClock::time_point until) {
  while (!data.empty()) {
    if (!wait_ready(fd, POLLOUT, until)) return unreachable("timed out");
    const ssize_t sent = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent <= 0) return unreachable("the connection was closed");
    data.remove_prefix(static_cast<std::size_t>(sent));
  }
  return {};
}

// RFC 9110 §9.3.6: the tunnel is open once the proxy answers 2xx.
Result<void> open_tunnel(int fd, const std::string& host, int port, SteadyClock::time_point until) {
  const std::string authority = host + ":" + std::to_string(port);
  if (auto sent = send_all(fd, "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n", until); !sent) {
    return sent;
  }
  std::string answer;
  while (answer.find("\r\n\r\n") == std::string::npos && answer.size() < 16384) {
    if (!wait_ready(fd, POLLIN, until)) return unreachable("the proxy did not answer CONNECT in time");
    char byte = 0;  // one at a time: what follows the answer belongs to TLS
    if (::recv(fd, &byte, 1, 0) != 1) return unreachable("the proxy closed the connection");
    answer += byte;
  }
  if (answer.size() < 12 || answer[9] != '2') {
    return unreachable("the proxy refused the tunnel: " + answer.substr(0, answer.find('\r')));
  }
  return {};
}

std::string name_of(const X509_NAME* name) {
  if (name == nullptr) return "";
  char text[256] = {};
  for (const int nid : {NID_commonName, NID_organizationName}) {
    if (X509_NAME_get_text_by_NID(const_cast<X509_NAME*>(name), nid, text, sizeof text) > 0) return text;
  }
  char* line = X509_NAME_oneline(name, nullptr, 0);
  std::string shown = line != nullptr ? line : "";
  OPENSSL_free(line);
  return shown;
}

using CtxPtr = std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)>;
using SslPtr = std::unique_ptr<SSL, decltype(&SSL_free)>;
using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;

// Whether the chain verifies against the system's CAs alone.
bool verifies_against_system(X509* leaf, STACK_OF(X509) * chain, const std::string& host) {
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), X509_STORE_free);
  if (!store || X509_STORE_load_locations(store.get(), nullptr, system_ca_folder) != 1) return false;
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> context(X509_STORE_CTX_new(), X509_STORE_CTX_free);
  if (!context || X509_STORE_CTX_init(context.get(), store.get(), leaf, chain) != 1) return false;
  X509_VERIFY_PARAM_set1_host(X509_STORE_CTX_get0_param(context.get()), host.c_str(), host.size());
  return X509_verify_cert(context.get()) == 1;
}

std::string locally_added(X509* root) {
  std::error_code error;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(locally_added_cas, error)) {
    if (!entry.is_regular_file(error)) continue;
    std::unique_ptr<FILE, decltype(&std::fclose)> file(std::fopen(entry.path().c_str(), "r"), std::fclose);
    if (!file) continue;
    X509Ptr certificate(PEM_read_X509(file.get(), nullptr, nullptr, nullptr), X509_free);
    if (certificate && X509_cmp(certificate.get(), root) == 0) return entry.path().string();
  }
  return "";
}

class SystemNetworkProbe final : public NetworkProbe {
 public:
  explicit SystemNetworkProbe(Environment env) : env_(std::move(env)) {}

  Result<std::vector<std::string>> resolve(const std::string& host, std::chrono::milliseconds deadline) override {
    auto lookup = look_up(host, 443, deadline);
    if (!lookup) return propagate(lookup);
    return lookup->shown;
  }

  Result<void> connect(const std::string& host, int port, std::chrono::milliseconds deadline) override {
    auto socket = open_connection(host, port, SteadyClock::now() + deadline);
    if (!socket) return propagate(socket);
    return {};
  }

  Result<TlsFacts> handshake(const std::string& server_name, int port, const std::string& proxy_host, int proxy_port,
                             std::chrono::milliseconds deadline) override;

 private:
  Environment env_;
};

Result<TlsFacts> SystemNetworkProbe::handshake(const std::string& server_name, int port, const std::string& proxy_host,
                                               int proxy_port, std::chrono::milliseconds deadline) {
  const auto until = SteadyClock::now() + deadline;
  auto socket = open_connection(proxy_host.empty() ? server_name : proxy_host,
                                proxy_host.empty() ? port : proxy_port, until);
  if (!socket) return propagate(socket);
  if (!proxy_host.empty()) {
    if (auto tunnel = open_tunnel(socket->get(), server_name, port, until); !tunnel) return propagate(tunnel);
  }
  CtxPtr context(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  if (!context) return fail("cannot set up TLS");
  SSL_CTX_set_min_proto_version(context.get(), TLS1_2_VERSION);
  const auto [file, folder] = trusted_ca_locations(env_);
  SSL_CTX_load_verify_locations(context.get(), file.empty() ? nullptr : file.c_str(),
                                folder.empty() ? nullptr : folder.c_str());
  // The verdict is read after the handshake, so that an untrusted certificate can still be named.
  SSL_CTX_set_verify(context.get(), SSL_VERIFY_NONE, nullptr);
  SslPtr ssl(SSL_new(context.get()), SSL_free);
  SSL_set_fd(ssl.get(), socket->get());
  SSL_set_tlsext_host_name(ssl.get(), server_name.c_str());
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl.get());
  if (X509_VERIFY_PARAM_set1_ip_asc(param, server_name.c_str()) != 1) SSL_set1_host(ssl.get(), server_name.c_str());
  while (true) {
    const int result = SSL_connect(ssl.get());
    if (result == 1) break;
    const int reason = SSL_get_error(ssl.get(), result);
    const short wanted = reason == SSL_ERROR_WANT_READ ? POLLIN : reason == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
    if (wanted == 0) {
      char text[256] = "the handshake failed";
      if (const unsigned long code = ERR_get_error(); code != 0) ERR_error_string_n(code, text, sizeof text);
      return unreachable(std::string("TLS handshake with ") + server_name + ": " + text);
    }
    if (!wait_ready(socket->get(), wanted, until)) return unreachable("TLS handshake with " + server_name + " timed out");
  }
  TlsFacts facts;
  facts.version = SSL_get_version(ssl.get());
  X509Ptr leaf(SSL_get1_peer_certificate(ssl.get()), X509_free);
  if (!leaf) return unreachable("the server sent no certificate");
  facts.subject = name_of(X509_get_subject_name(leaf.get()));
  facts.issuer = name_of(X509_get_issuer_name(leaf.get()));
  const long verdict = SSL_get_verify_result(ssl.get());
  facts.verified = verdict == X509_V_OK;
  if (!facts.verified) facts.verify_error = X509_verify_cert_error_string(verdict);
  facts.trust_from_environment = env_.has("SSL_CERT_FILE") || env_.has("SSL_CERT_DIR");
  if (facts.verified) {
    STACK_OF(X509)* verified = SSL_get0_verified_chain(ssl.get());
    const int depth = verified != nullptr ? sk_X509_num(verified) : 0;
    X509* root = depth > 0 ? sk_X509_value(verified, depth - 1) : nullptr;
    facts.root = root != nullptr ? name_of(X509_get_subject_name(root)) : "";
    facts.verified_by_system = !facts.trust_from_environment ||
                               verifies_against_system(leaf.get(), SSL_get_peer_cert_chain(ssl.get()), server_name);
    if (root != nullptr && facts.verified_by_system) facts.locally_added_root = locally_added(root);
  }
  SSL_shutdown(ssl.get());
  return facts;
}

}  // namespace

std::unique_ptr<NetworkProbe> make_network_probe(const Environment& env) {
  return std::make_unique<SystemNetworkProbe>(env);
}

}  // namespace compozy
