// A compiled stand-in for a third-party plugin: writes each argument it got,
// NUL-terminated, to stdout, then exits with the status in PRINT_ARGS_EXIT.
#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) std::fwrite(argv[i], 1, std::strlen(argv[i]) + 1, stdout);
  const char* status = std::getenv("PRINT_ARGS_EXIT");
  return status != nullptr ? std::atoi(status) : 0;
}
