# Compiler flags for every target (STYLE.md §8). Warnings are errors in every build type.
set(CMAKE_C_STANDARD 17)
set(CMAKE_C_STANDARD_REQUIRED ON)
set(CMAKE_C_EXTENSIONS ON)   # gnu17
set(CMAKE_POSITION_INDEPENDENT_CODE ON)

add_compile_options(
  -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes
  -Wswitch-enum -Wvla -Wimplicit-fallthrough -Wno-unused-parameter
  -fstack-protector-strong -fno-common)
add_link_options(-Wl,-z,relro,-z,now -Wl,-z,noexecstack)

if(CMAKE_BUILD_TYPE STREQUAL "Debug")
  add_compile_options(-O0 -g3)
elseif(CMAKE_BUILD_TYPE STREQUAL "Release")
  add_compile_options(-O2 -g -D_FORTIFY_SOURCE=2)
elseif(CMAKE_BUILD_TYPE STREQUAL "ASan")
  set(LK_SAN -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_compile_options(-O1 -g3 ${LK_SAN})
  add_link_options(${LK_SAN})
elseif(CMAKE_BUILD_TYPE STREQUAL "Fuzz")
  if(NOT CMAKE_C_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "The Fuzz build type needs clang: configure with CC=clang")
  endif()
  # Everything is instrumented for coverage; only fuzz targets link the libFuzzer main.
  set(LK_SAN -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_compile_options(-O1 -g ${LK_SAN})
  add_link_options(-fsanitize=address,undefined)
endif()

# Hardening for programs: PIE.
set(CMAKE_C_FLAGS "${CMAKE_C_FLAGS} -fPIE")
