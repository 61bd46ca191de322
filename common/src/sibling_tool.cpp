#include "compozy/sibling_tool.hpp"

#include <limits.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace compozy {

Error exec_sibling_tool(std::string_view name, const std::vector<std::string>& arguments) {
  char self[PATH_MAX];
  const ssize_t length = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (length <= 0) return Error{"cannot find this tool's own folder: " + std::string(std::strerror(errno))};
  std::string path(self, static_cast<std::size_t>(length));
  path = path.substr(0, path.rfind('/') + 1) + std::string(name);

  std::vector<std::string> words{std::string(name)};
  words.insert(words.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (auto& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);
  std::fflush(nullptr);
  ::execv(path.c_str(), argv.data());
  return Error{"cannot run '" + path + "': " + std::strerror(errno), ExitCode::failure,
               "install " + std::string(name) + " beside this tool (it ships with compozy)"};
}

}  // namespace compozy
