#include "module/posix/host_fs.h"

extern "C" int bsend_host_read(bsend_host_fs* fs, uint64_t devid, uint64_t physical, void* buf, size_t len)
{
	return fs->read(fs, devid, physical, buf, len);
}

extern "C" int bsend_host_read_many(bsend_host_fs* fs, bsend_read_request* reqs, size_t count)
{
	if (fs->read_many)
		return fs->read_many(fs, reqs, count);
	int first_error = 0;
	for (size_t i = 0; i < count; i++) {
		reqs[i].result = fs->read(fs, reqs[i].devid, reqs[i].physical, reqs[i].buf, reqs[i].len);
		if (reqs[i].result < 0 && first_error == 0)
			first_error = reqs[i].result;
	}
	return first_error;
}
