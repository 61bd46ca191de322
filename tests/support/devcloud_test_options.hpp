// What the devcloud unit tests start a server with: one account, one client,
// a one-second device interval and a signing key shared by every test.
#pragma once

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <filesystem>

#include "support/temp_folder.hpp"

#include "devcloud/options.hpp"
#include "devcloud/signing_key.hpp"

namespace compozy::testing {

// Generating an RSA key takes a tenth of a second or more; every test signs with this one.
inline const std::filesystem::path& shared_signing_key() {
  static TempFolder folder;
  static const std::filesystem::path path = [] {
    auto key = devcloud::SigningKey::generate();
    BOOST_TEST_REQUIRE(key.has_value());
    folder.write("signing-key.pem", key->private_key_pem());
    return folder.path() / "signing-key.pem";
  }();
  return path;
}

inline devcloud::Options test_options() {
  devcloud::Options options;
  options.users = {"ada@example.com"};
  options.clients = {"compozy-cli"};
  options.device_interval = std::chrono::seconds(1);
  options.signing_key_file = shared_signing_key();
  return options;
}

}  // namespace compozy::testing
