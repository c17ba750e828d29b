# strata_module(NAME n SOURCES a.cc ... DEPS m ... LIBS l ...)
#   Builds the static library strata_<n>. Sources are relative to the current dir.
function(strata_module)
  cmake_parse_arguments(M "" "NAME" "SOURCES;DEPS;LIBS" ${ARGN})
  add_library(strata_${M_NAME} STATIC ${M_SOURCES})
  target_include_directories(strata_${M_NAME} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  set(deps "")
  foreach(d ${M_DEPS})
    list(APPEND deps strata_${d})
  endforeach()
  target_link_libraries(strata_${M_NAME} PUBLIC ${deps} ${M_LIBS})
endfunction()

# strata_test(n SOURCES a_test.cc ...): builds strata_<n>_test, registered with ctest.
function(strata_test NAME)
  if(NOT STRATA_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(T "" "" "SOURCES;LABELS" ${ARGN})
  add_executable(strata_${NAME}_test ${T_SOURCES})
  target_link_libraries(strata_${NAME}_test PRIVATE strata_${NAME} strata_testutil
                        GTest::gtest GTest::gtest_main)
  gtest_discover_tests(strata_${NAME}_test DISCOVERY_TIMEOUT 30
                       PROPERTIES LABELS "unit;${T_LABELS}")
endfunction()
