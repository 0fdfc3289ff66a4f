// Catch2 runner shared by the native and the Wasm (Node) builds of the engine tests.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
