#include "module/posix/host_fs.h"

#include <cerrno>

extern "C" int bsend_host_read(bsend_host_fs* fs, uint64_t devid, uint64_t physical, void* buf, size_t len)
{
	return fs->read(fs, devid, physical, buf, len);
}

// A POSIX host reads a batch at once, in bsend_host_read_start(): the batch
// it returns is only a token, allocated so that a batch never finished
// shows as an allocation outstanding.
struct bsend_read_batch {
	size_t count;
};

extern "C" bsend_read_batch* bsend_host_read_start(bsend_host_fs* fs, bsend_read_request* reqs, size_t count)
{
	auto* batch = static_cast<bsend_read_batch*>(bsend_host_alloc(sizeof(bsend_read_batch)));
	if (!batch) {
		for (size_t i = 0; i < count; i++)
			reqs[i].result = -ENOMEM;
		return nullptr;
	}
	batch->count = count;
	if (fs->read_many) {
		fs->read_many(fs, reqs, count);
		return batch;
	}
	for (size_t i = 0; i < count; i++)
		reqs[i].result = fs->read(fs, reqs[i].devid, reqs[i].physical, reqs[i].buf, reqs[i].len);
	return batch;
}

extern "C" void bsend_host_read_finish(bsend_read_batch* batch)
{
	bsend_host_free(batch);
}
