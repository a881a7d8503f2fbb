/* The contract is all declarations (bpf/tusk_record.h); this file makes the module a C target. */
#include "tusk_record_host.h"
