/* Loads the empty floor programs for the overhead benchmark. */
#include <errno.h>
#include "tusk_floor.h"
#include "floor.skel.h"

struct tusk_floor *tusk_floor_attach(void)
{
	struct floor_bpf *skel = floor_bpf__open_and_load();
	if (!skel)
		return NULL;
	int err = floor_bpf__attach(skel);
	if (err) {
		floor_bpf__destroy(skel);
		errno = -err;
		return NULL;
	}
	return (struct tusk_floor *)skel;
}

void tusk_floor_destroy(struct tusk_floor *floor)
{
	floor_bpf__destroy((struct floor_bpf *)floor);
}
