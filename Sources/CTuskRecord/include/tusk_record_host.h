/* The kernel/user contract (bpf/tusk_record.h) as Swift imports it: the record layout, its kinds,
 * outcomes and flags, and the kernel's counters. No libbpf: decoding records needs none. */
#ifndef TUSK_RECORD_HOST_H
#define TUSK_RECORD_HOST_H

#include "../../../bpf/tusk_record.h"

#endif
