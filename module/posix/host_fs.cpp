#include "module/posix/host_fs.h"

extern "C" int bsend_host_read(bsend_host_fs* fs, uint64_t devid, uint64_t physical, void* buf, size_t len)
{
	return fs->read(fs, devid, physical, buf, len);
}
