# What `cmake --install` puts beside the binary, the libraries and the
# header (CMakeLists.txt), and the Debian package (`cpack -G DEB`):
#   LIBDIR/pkgconfig/callveil.pc           pkg-config --cflags --libs [--static] callveil
#   LIBDIR/cmake/callveil/                 find_package(callveil): callveil::callveil, callveil::callveil_static
#   share/callveil/                        the default and the sample policy, the samples of the quick start
#   share/bash-completion/completions/     callveil
#   share/man/man5/callveil-policy.5       the policy language
# The .pc and the CMake config find their prefix from their own place, so an
# install under any --prefix (or DESTDIR) works as it is.
set(CV_SOVERSION 0)
# libraries the static library needs, in link order (no pkg-config file for
# libcsv and libphonenumber on Debian)
set(CV_STATIC_LIB_NAMES sodium pcre2-8 zstd z yaml yajl csv phonenumber protobuf)
set(CV_PC_LIBS_PRIVATE "")
foreach(l ${CV_STATIC_LIB_NAMES})
  string(APPEND CV_PC_LIBS_PRIVATE "-l${l} ")
endforeach()
string(APPEND CV_PC_LIBS_PRIVATE "-lstdc++ -lm -lpthread -ldl")
# from LIBDIR/pkgconfig and LIBDIR/cmake/callveil back up to the prefix
file(RELATIVE_PATH CV_PC_UP "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
file(RELATIVE_PATH CV_CMAKE_UP "/p/${CMAKE_INSTALL_LIBDIR}/cmake/callveil" "/p")
configure_file(${CMAKE_CURRENT_SOURCE_DIR}/cmake/callveil.pc.in ${CMAKE_CURRENT_BINARY_DIR}/callveil.pc @ONLY)
configure_file(${CMAKE_CURRENT_SOURCE_DIR}/cmake/callveilConfig.cmake.in
               ${CMAKE_CURRENT_BINARY_DIR}/callveilConfig.cmake @ONLY)
include(CMakePackageConfigHelpers)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/callveilConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/callveil.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/callveilConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/callveilConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/callveil)

install(FILES pipeline/default_policy.yaml DESTINATION ${CMAKE_INSTALL_DATADIR}/callveil RENAME default-policy.yaml)
install(FILES samples/policy.yaml DESTINATION ${CMAKE_INSTALL_DATADIR}/callveil RENAME sample-policy.yaml)
install(DIRECTORY samples/ DESTINATION ${CMAKE_INSTALL_DATADIR}/callveil/samples
        PATTERN "*.sh" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE
        PATTERN "*.py" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
install(FILES pipeline/cli/callveil.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME callveil)
install(FILES pipeline/cli/callveil-policy.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)

# ---- Debian package: cpack -G DEB (in the build directory) ---------------
set(CPACK_PACKAGE_NAME callveil)
set(CPACK_PACKAGE_VENDOR "callveil")
set(CPACK_PACKAGE_CONTACT "callveil maintainers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "pseudonymise and anonymise contact-centre data (chats, SMS, CDRs, recordings)")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
# the package installs where the build was configured for (the paths compiled
# in): configure with -DCMAKE_INSTALL_PREFIX=/usr for a Debian package
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  message(STATUS "cpack -G DEB would install under ${CMAKE_INSTALL_PREFIX}: configure with -DCMAKE_INSTALL_PREFIX=/usr for a Debian package")
endif()
set(CPACK_RESOURCE_FILE_LICENSE ${CMAKE_CURRENT_SOURCE_DIR}/LICENSE)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
# Depends: from the ELF files' needs (dpkg-shlibdeps): libsodium23, libpcre2-8-0,
# libzstd1, libyaml-0-2, libyajl2, libcsv3, libphonenumber8, zlib1g, libav*...
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# the shared library's shlibs file and the ldconfig trigger
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
include(CPack)

if(BUILD_TESTING)
  if(CV_SANITIZE)
    set(CV_INSTALL_SANITIZED 1)
  else()
    set(CV_INSTALL_SANITIZED 0)
  endif()
  find_program(CV_SYSTEM_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
  add_test(NAME e2e_install COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e/test_install.sh)
  set_tests_properties(e2e_install PROPERTIES LABELS e2e TIMEOUT 600
    ENVIRONMENT "CV_SRC=${CMAKE_CURRENT_SOURCE_DIR};CV_BUILD=${CMAKE_CURRENT_BINARY_DIR};CV_SANITIZED=${CV_INSTALL_SANITIZED}")
  add_test(NAME e2e_completion COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e/test_completion.sh)
  set_tests_properties(e2e_completion PROPERTIES LABELS e2e
    ENVIRONMENT "CV_SRC=${CMAKE_CURRENT_SOURCE_DIR};CV_BIN=${CMAKE_CURRENT_BINARY_DIR}/callveil")
  add_test(NAME e2e_policy_man COMMAND ${CV_SYSTEM_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e/test_policy_man.py)
  set_tests_properties(e2e_policy_man PROPERTIES LABELS e2e
    ENVIRONMENT "CV_SRC=${CMAKE_CURRENT_SOURCE_DIR};CV_BIN=${CMAKE_CURRENT_BINARY_DIR}/callveil")
endif()
