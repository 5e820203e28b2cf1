// The POSIX hosts' struct bsend_host_fs: a read function, so that an image
// file (image.h) and an in-memory image (the fuzzers') can both serve the
// engine's reads.
#pragma once

#include "module/core/platform.h"

struct bsend_host_fs {
	// Reads as bsend_host_read() documents.
	int (*read)(bsend_host_fs* self, uint64_t devid, uint64_t physical, void* buf, size_t len);
	// Reads every request of a batch and sets its result, for
	// bsend_host_read_start(); when null, the batch is read one request
	// at a time through read.
	void (*read_many)(bsend_host_fs* self, bsend_read_request* reqs, size_t count) = nullptr;
};
