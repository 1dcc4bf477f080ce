include(CMakePackageConfigHelpers)

set(QUARRY_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/quarry)
set(quarry_targets quarry)
if(QUARRY_WITH_POSTGRESQL)
  list(APPEND quarry_targets quarry_postgresql)
endif()
if(QUARRY_SEPARATE_COMPILATION)
  list(APPEND quarry_targets quarry_compiled)
  if(QUARRY_WITH_POSTGRESQL)
    list(APPEND quarry_targets quarry_postgresql_compiled)
  endif()
endif()

install(TARGETS ${quarry_targets} EXPORT quarry-targets)
install(DIRECTORY include/quarry DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES LICENSE DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/quarry)
install(EXPORT quarry-targets NAMESPACE quarry:: DESTINATION ${QUARRY_CMAKE_DIR})
export(EXPORT quarry-targets NAMESPACE quarry:: FILE ${CMAKE_CURRENT_BINARY_DIR}/quarry-targets.cmake)

configure_package_config_file(cmake/quarry-config.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/quarry-config.cmake
  INSTALL_DESTINATION ${QUARRY_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/quarry-config-version.cmake
  COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)
install(FILES
  ${CMAKE_CURRENT_BINARY_DIR}/quarry-config.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/quarry-config-version.cmake
  cmake/quarry-dependencies.cmake
  DESTINATION ${QUARRY_CMAKE_DIR})
