# Project-wide warning and sanitizer flags.
add_compile_options(-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
                    -Wcast-align -Wunused -Woverloaded-virtual -Wnull-dereference
                    -Wimplicit-fallthrough -Wformat=2)
if(ATTESTCA_WERROR)
  add_compile_options(-Werror)
endif()
if(ATTESTCA_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
# Boost.Asio with C++20 coroutines.
add_compile_definitions(BOOST_ASIO_NO_DEPRECATED BOOST_BEAST_USE_STD_STRING_VIEW OPENSSL_API_COMPAT=30000 OPENSSL_NO_DEPRECATED)
