// QUARRY_PP_FOR_EACH and the other preprocessor helpers of the model macros.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

// QUARRY_PP_FOR_EACH(macro, data, a, b, ...) expands to macro(data, a) macro(data, b) ...
// for up to 64 elements, by re-scanning with C++20's __VA_OPT__.
#define QUARRY_PP_PARENS ()
#define QUARRY_PP_EXPAND(...) QUARRY_PP_EXPAND3(QUARRY_PP_EXPAND3(QUARRY_PP_EXPAND3(QUARRY_PP_EXPAND3(__VA_ARGS__))))
#define QUARRY_PP_EXPAND3(...) QUARRY_PP_EXPAND2(QUARRY_PP_EXPAND2(QUARRY_PP_EXPAND2(QUARRY_PP_EXPAND2(__VA_ARGS__))))
#define QUARRY_PP_EXPAND2(...) QUARRY_PP_EXPAND1(QUARRY_PP_EXPAND1(QUARRY_PP_EXPAND1(QUARRY_PP_EXPAND1(__VA_ARGS__))))
#define QUARRY_PP_EXPAND1(...) __VA_ARGS__

#define QUARRY_PP_FOR_EACH(macro, data, ...) \
  __VA_OPT__(QUARRY_PP_EXPAND(QUARRY_PP_FOR_EACH_STEP(macro, data, __VA_ARGS__)))
#define QUARRY_PP_FOR_EACH_STEP(macro, data, first, ...) \
  macro(data, first) __VA_OPT__(QUARRY_PP_FOR_EACH_AGAIN QUARRY_PP_PARENS(macro, data, __VA_ARGS__))
#define QUARRY_PP_FOR_EACH_AGAIN() QUARRY_PP_FOR_EACH_STEP

// Removes the parentheses around a list: QUARRY_PP_REM (a, b) is a, b.
#define QUARRY_PP_REM(...) __VA_ARGS__
#define QUARRY_PP_APPLY(macro, arguments) macro arguments
