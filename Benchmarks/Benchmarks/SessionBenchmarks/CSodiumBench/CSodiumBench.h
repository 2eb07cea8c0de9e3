#ifndef CSODIUMBENCH_H
#define CSODIUMBENCH_H
/* libsodium called directly, for the "raw" figures the session benchmarks are compared with. */
#include <sodium.h>
#endif
