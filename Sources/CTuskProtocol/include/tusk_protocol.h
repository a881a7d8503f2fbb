/* The kernel programs' protocol parsing (bpf/protocol.h) compiled for the host, so that its
 * framing, recognition and field parsing run over byte fixtures in Tests/KernelProtocolTests
 * without loading anything into a kernel. */
#ifndef TUSK_PROTOCOL_HOST_H
#define TUSK_PROTOCOL_HOST_H

#include "../../../bpf/protocol.h"

#endif
