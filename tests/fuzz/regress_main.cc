// SPDX-License-Identifier: Apache-2.0
// Runs a fuzz target's LLVMFuzzerTestOneInput over files, or every file in directories,
// outside libFuzzer: the seed corpus and the kept crashers become a plain test that
// fails (by crashing or aborting) if any of them crashes again.
#include <dirent.h>
#include <sys/stat.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

void run_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::printf("%s (%zu bytes)\n", path.c_str(), data.size());
  std::fflush(stdout);
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(data.data()), data.size());
}

}  // namespace

int main(int argc, char** argv) {
  int ran = 0;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    struct stat st;
    if (::stat(arg.c_str(), &st) < 0) continue;  // an empty corpus folder is not in git
    if (!S_ISDIR(st.st_mode)) {
      run_file(arg);
      ++ran;
      continue;
    }
    DIR* d = ::opendir(arg.c_str());
    if (d == nullptr) continue;
    std::vector<std::string> names;
    while (struct dirent* de = ::readdir(d))
      if (de->d_name[0] != '.') names.push_back(de->d_name);
    ::closedir(d);
    for (const auto& n : names) {
      run_file(arg + "/" + n);
      ++ran;
    }
  }
  std::printf("%d inputs ran clean\n", ran);
  return 0;
}
