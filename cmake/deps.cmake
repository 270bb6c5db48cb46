# Debian bookworm packages only (see shared/DESIGN.md).
find_package(Threads REQUIRED)
find_package(OpenSSL 3.0 REQUIRED)
find_package(Boost 1.81 REQUIRED COMPONENTS url)
find_package(tl-expected REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(spdlog REQUIRED)
find_package(fmt REQUIRED)
find_package(CLI11 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(PostgreSQL 15 REQUIRED)  # libpq only (libpq-dev); no server headers needed
find_package(PkgConfig REQUIRED)
pkg_check_modules(CARES REQUIRED IMPORTED_TARGET libcares)
if(ATTESTCA_TESTS)
  find_package(GTest REQUIRED)
endif()

# attestca_component(NAME DEPS...): static library ca_NAME from every .cc in this folder.
function(attestca_component name)
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  if(srcs)
    add_library(ca_${name} STATIC ${srcs})
    target_link_libraries(ca_${name} PUBLIC ${ARGN})
  else()  # a component whose sources have not landed yet
    add_library(ca_${name} INTERFACE)
    target_link_libraries(ca_${name} INTERFACE ${ARGN})
  endif()
endfunction()
