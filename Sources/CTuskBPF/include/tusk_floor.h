/* Empty programs on Tusk's tracepoints: the overhead benchmark's floor. */
#ifndef TUSK_FLOOR_H
#define TUSK_FLOOR_H

struct tusk_floor;

/* Load and attach; NULL with errno set on failure. */
struct tusk_floor *tusk_floor_attach(void);
void tusk_floor_destroy(struct tusk_floor *floor);

#endif
