# Finds the Debian 12 packages promlite builds on. See docs/design-notes.md and
# shared/notes/debian-deps.md for why each is found the way it is.
find_package(Threads REQUIRED)
find_package(absl CONFIG REQUIRED)
find_package(zstd CONFIG REQUIRED)
find_package(Snappy CONFIG REQUIRED)
find_package(PkgConfig REQUIRED)
# RE2 ships no CMake config on Debian 12; its pkg-config file is the way in.
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)


# libscrape: YAML configs, MD5 for hashmod, HTTP client for scraping.
find_package(yaml-cpp CONFIG REQUIRED)
find_package(OpenSSL REQUIRED)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
if(PROMLITE_BUILD_SERVER OR PROMLITE_BUILD_TESTS)
  find_package(nlohmann_json 3.11 CONFIG REQUIRED)
  # bcrypt for --web.config.file's basic_auth_users (libxcrypt's crypt_r).
  pkg_check_modules(LIBCRYPT REQUIRED IMPORTED_TARGET libxcrypt)
endif()
if(PROMLITE_BUILD_TESTS)
  find_package(Catch2 2 CONFIG REQUIRED)
endif()
if(PROMLITE_BUILD_BENCH)
  find_package(benchmark CONFIG REQUIRED)
endif()
