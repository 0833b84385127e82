// `svidd-bench unary`: certificates per second from a real svidd in its own process over
// Istio's CreateCertificate API, beside the crypto ceiling and cfssl measured in the same run
// (docs/PERFORMANCE.md). `svidd-bench streams` (rotation_fleet.h) is the other mode.
#pragma once

namespace svidd::bench {

// argv[0] is the mode's name. Exit code: 0 if every svidd call succeeded, 1 if any failed or
// nothing was issued, 2 for bad flags.
int RunUnaryMode(int argc, char** argv);

// The rotation-stream mode (docs/scale.md): same flags as svidd-bench had before modes.
int RunStreamsMode(int argc, char** argv);

}  // namespace svidd::bench
