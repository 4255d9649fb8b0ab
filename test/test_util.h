// Helpers shared by the tests: temporary directories that clean up after themselves.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

namespace promlite::testing {

class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("PROMLITE_TEST_TMPDIR");
    std::filesystem::path root = base ? base : std::filesystem::temp_directory_path();
    std::filesystem::create_directories(root);
    std::random_device rd;
    for (;;) {
      path_ = root / ("promlite-test-" + std::to_string(rd()));
      if (std::filesystem::create_directory(path_)) break;
    }
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add, ec);
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace promlite::testing
