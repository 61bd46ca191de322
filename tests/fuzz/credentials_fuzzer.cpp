// credentials.yaml as it may be found on disk (damaged, edited, written by a
// newer compozy): reading every profile, and a change to one or to several, must
// never crash, and a change must leave a file that reads back.
#include <sys/stat.h>

#include <algorithm>
#include <fstream>

#include "compozy/credential_store.hpp"
#include "fuzz_input.hpp"
#include "support/temp_folder.hpp"

using namespace compozy;
using namespace compozy::fuzzing;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static TempFolder folder;
  const auto file = folder.path() / "credentials.yaml";
  {
    std::ofstream stream(file, std::ios::binary | std::ios::trunc);
    stream.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  ::chmod(file.c_str(), 0600);
  CredentialStore store(folder.path());
  for (const char* profile : {"default", "work"}) (void)store.load(profile);
  (void)store.load_all();
  StoredCredential credential;
  credential.host = "https://cloud.example.com";
  credential.access_token = "at-fuzz";
  credential.refresh_token = "rt-fuzz";
  if (store.save("work", credential)) {
    const auto again = store.load("work");
    FUZZ_CHECK(again && *again && (*again)->access_token == "at-fuzz");
    // As a revocation removes every profile of a session.
    const auto removed = store.remove_all([](const CredentialStore::Entry& entry) { return entry.profile == "work"; });
    FUZZ_CHECK(removed && std::find(removed->begin(), removed->end(), "work") != removed->end());
  }
  return 0;
}
