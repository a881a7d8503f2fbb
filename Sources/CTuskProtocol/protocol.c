/* Everything is inline in bpf/protocol.h; this file makes the module a C target. */
#include "tusk_protocol.h"
