// svidd-bench: svidd's load generator, in two modes.
//   svidd-bench unary [flags]    Istio's CreateCertificate against svidd in its own process,
//                                with the crypto ceiling and cfssl as references
//                                (docs/PERFORMANCE.md)
//   svidd-bench streams [flags]  thousands of rotation streams (docs/scale.md)
// Without a mode name the flags are the streams mode's, as before modes existed.
#include <cstring>
#include <iostream>

#include "bench/unary_mode.h"

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "unary") == 0) {
    return svidd::bench::RunUnaryMode(argc - 1, argv + 1);
  }
  if (argc >= 2 && std::strcmp(argv[1], "streams") == 0) {
    return svidd::bench::RunStreamsMode(argc - 1, argv + 1);
  }
  if (argc >= 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
    std::cout << "svidd-bench unary --help    Istio API issuance rate, crypto ceiling, cfssl\n"
                 "svidd-bench streams --help  rotation streams at scale\n";
    return 0;
  }
  return svidd::bench::RunStreamsMode(argc, argv);
}
