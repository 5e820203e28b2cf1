// SPDX-License-Identifier: GPL-2.0
/*
 * File data through the page cache, as the in-kernel send reads it: the
 * inode is opened by (root, ino, generation) with a btrfs file handle on
 * the sent subvolume's mount, then read with kernel_read. btrfs does the
 * decompression, inline extents and data checksums on that path. The
 * current inode stays open while its extents are sent.
 */
#include <linux/exportfs.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mount.h>

#include "module/core/platform.h"
#include "compat.h"
#include "host.h"

/* btrfs's file handle without a parent (FILEID_BTRFS_WITHOUT_PARENT). */
#define BSEND_FILEID_BTRFS 0x4d

struct bsend_btrfs_fid {
	u64 objectid;
	u64 root_objectid;
	u32 gen;
} __packed;

static int accept_any_alias(void *context, struct dentry *dentry)
{
	return 1;
}

static int open_inode(struct bsend_host_files *files, u64 root, u64 ino,
		      u64 gen)
{
	struct bsend_btrfs_fid fid = {
		.objectid = ino, .root_objectid = root, .gen = (u32)gen,
	};
	struct dentry *dentry;
	struct path path;
	struct file *file;

	if (files->file && files->root == root && files->ino == ino &&
	    files->gen == gen)
		return 0;
	bsend_host_files_close(files);
	dentry = exportfs_decode_fh(files->mnt, (struct fid *)&fid,
				    sizeof(fid) / 4, BSEND_FILEID_BTRFS,
				    accept_any_alias, NULL);
	if (IS_ERR(dentry))
		return PTR_ERR(dentry);
	path.mnt = files->mnt;
	path.dentry = dentry;
	file = dentry_open(&path, O_RDONLY | O_LARGEFILE, current_cred());
	dput(dentry);
	if (IS_ERR(file))
		return PTR_ERR(file);
	files->file = file;
	files->root = root;
	files->ino = ino;
	files->gen = gen;
	return 0;
}

/*
 * After a read: the inode must still be in the state of its committed
 * item. A read-only snapshot's inodes are, unless the snapshot was made
 * read-write and the file changed since the commit the engine reads; btrfs
 * updates ctime before it changes data, so bytes read after such a change
 * come with a ctime (or size) that gives them away.
 */
static int check_committed(struct bsend_host_files *files,
			   const struct bsend_committed_inode *committed)
{
	struct inode *inode = file_inode(files->file);
	struct timespec64 ctime = bsend_inode_ctime(inode);
	loff_t size = i_size_read(inode);

	if (size == committed->size && ctime.tv_sec == committed->ctime_sec &&
	    ctime.tv_nsec == committed->ctime_nsec)
		return 0;
	pr_err("bsend: inode %llu of root %llu changed under the send: size %lld ctime %lld.%09ld, committed size %llu ctime %llu.%09u\n",
	       files->ino, files->root, size, (long long)ctime.tv_sec,
	       ctime.tv_nsec, committed->size, committed->ctime_sec,
	       committed->ctime_nsec);
	return -ESTALE;
}

int bsend_host_read_file(struct bsend_host_files *files, uint64_t root,
			 uint64_t ino,
			 const struct bsend_committed_inode *committed,
			 uint64_t offset, void *buf, size_t len)
{
	loff_t pos = offset;
	size_t done = 0;
	int ret;

	ret = open_inode(files, root, ino, committed->generation);
	if (ret) {
		pr_err("bsend: cannot open inode %llu gen %llu of root %llu: %d\n",
		       ino, committed->generation, root, ret);
		return ret;
	}
	while (done < len) {
		ssize_t n = kernel_read(files->file, (u8 *)buf + done,
					len - done, &pos);

		if (n == -EINTR || n == -ERESTARTSYS) {
			if (fatal_signal_pending(current))
				return -EINTR;
			continue;
		}
		if (n < 0)
			return n;
		if (n == 0) {
			pr_err("bsend: inode %llu of root %llu ends at %lld, before %llu\n",
			       ino, root, pos, offset + len);
			return -EIO;
		}
		done += n;
	}
	return check_committed(files, committed);
}

void bsend_host_files_close(struct bsend_host_files *files)
{
	if (files->file)
		fput(files->file);
	files->file = NULL;
}

/*
 * The kernel reads file data through the page cache, where btrfs itself
 * decompresses: the engine's offline decompression is never needed here.
 */
int bsend_host_decompress(uint8_t compression, const void *in, size_t in_len,
			  void *out, size_t out_len)
{
	return -EOPNOTSUPP;
}
