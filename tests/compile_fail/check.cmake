# Compiles SOURCE, which must fail, and checks that the compiler's output holds
# the message named on the source's "// expect:" line.
file(STRINGS "${SOURCE}" expect_line REGEX "^// expect: ")
if(NOT expect_line)
  message(FATAL_ERROR "${SOURCE} has no '// expect: <message>' line")
endif()
string(REGEX REPLACE "^// expect: " "" expected "${expect_line}")
separate_arguments(flags UNIX_COMMAND "${FLAGS}")
execute_process(COMMAND "${COMPILER}" ${flags} -fsyntax-only "${SOURCE}"
                RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
if(result EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled, but it must not")
endif()
string(FIND "${output}" "${expected}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "${SOURCE} failed to compile, but without the message '${expected}':\n${output}")
endif()
message(STATUS "failed to compile as intended: ${expected}")
