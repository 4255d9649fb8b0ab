# Install rules and the CMake package config, so a host application can
# find_package(promlite) after `cmake --install` and link promlite::tsdb.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(_promlite_libs)
foreach(_l promlite_tsdb promlite_promql promlite_scrape)
  if(TARGET ${_l})
    list(APPEND _promlite_libs ${_l})
  endif()
endforeach()
install(TARGETS ${_promlite_libs} promlite_warnings
  EXPORT promliteTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY
  ${PROJECT_SOURCE_DIR}/libtsdb/include/promlite
  ${PROJECT_SOURCE_DIR}/libpromql/include/promlite
  ${PROJECT_SOURCE_DIR}/libscrape/include/promlite
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT promliteTargets
  NAMESPACE promlite::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/promlite)
configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/promliteConfig.cmake.in
  ${PROJECT_BINARY_DIR}/promliteConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/promlite)
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/promliteConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/promliteConfig.cmake
  ${PROJECT_BINARY_DIR}/promliteConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/promlite)
