/* Everything Swift imports from the C side. */
#include "tusk_probes.h"
#include "tusk_floor.h"
