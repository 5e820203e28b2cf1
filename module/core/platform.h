/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The seam between the bsend engine (module/core, C++) and its host: the
 * kernel glue (module/kernel) or the POSIX image reader (module/posix).
 *
 * This header is C so that the kernel glue can include it. It declares, in
 * two groups:
 *   - bsend_host_*: services every host implements for the engine;
 *   - bsend_engine_*: entry points the engine offers to its host.
 * Nothing else crosses between the engine and the world.
 */
#ifndef BSEND_CORE_PLATFORM_H
#define BSEND_CORE_PLATFORM_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stddef.h>
#include <stdint.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Host services ---------------------------------------------------- */

/*
 * Counted allocation. Returns NULL on failure, never sleeps forever. The
 * host counts outstanding allocations; a non-zero count when the host shuts
 * down is a leak and is reported. Memory is not zeroed.
 */
void *bsend_host_alloc(size_t size);
void bsend_host_free(void *ptr);

/*
 * Counted allocation of whole pages for buffers that the devices read into:
 * page aligned, with no header, so that a block of a power-of-two size
 * takes exactly that much memory. size is rounded up to a page; the caller
 * gives the same size back to bsend_host_free_pages(). Counted with
 * bsend_host_alloc()'s blocks. Memory is not zeroed.
 */
void *bsend_host_alloc_pages(size_t size);
void bsend_host_free_pages(void *ptr, size_t size);

/* Checksum algorithms, numbered as btrfs_super_block.csum_type. */
enum bsend_csum_type {
	BSEND_CSUM_CRC32C = 0,
	BSEND_CSUM_XXHASH64 = 1,
	BSEND_CSUM_SHA256 = 2,
	BSEND_CSUM_BLAKE2B = 3,
};

/* Largest digest any algorithm produces (BTRFS_CSUM_SIZE). */
#define BSEND_CSUM_MAX 32

/*
 * Computes the digest of data[0, len) with the given algorithm into out and
 * returns its length in bytes, or a negative errno (-ENOENT if the host has
 * no such algorithm, -ENOMEM).
 */
int bsend_host_checksum(enum bsend_csum_type type, const void *data,
			size_t len, uint8_t out[BSEND_CSUM_MAX]);

/*
 * The host's view of one filesystem's devices, opaque to the engine: in the
 * kernel the block devices sendctl passed, in userspace an image file.
 */
struct bsend_host_fs;

/* devid for "whichever device holds the primary superblock". */
#define BSEND_ANY_DEVICE 0

/*
 * Reads len bytes at byte offset physical of device devid into buf,
 * bypassing any cache that the filesystem does not keep coherent. Returns
 * 0, -ENODEV when the host has no such device, or another negative errno.
 */
int bsend_host_read(struct bsend_host_fs *fs, uint64_t devid, uint64_t physical,
		    void *buf, size_t len);

/* One read of a batch: where, into what, and (filled in) how it went. */
struct bsend_read_request {
	uint64_t devid;		/* as bsend_host_read()'s devid */
	uint64_t physical;	/* byte offset on the device */
	void *buf;		/* len bytes */
	size_t len;
	int result;		/* set by the host: as bsend_host_read() returns */
};

/* A batch of reads in flight: see bsend_host_read_start(). */
struct bsend_read_batch;

/*
 * Starts reading every request of reqs[0, count) as bsend_host_read()
 * would, all issued before any is waited for, so that the device serves
 * them together, and returns without waiting: the caller goes on with
 * other work while they are read. bsend_host_read_finish() must then be
 * called on what this returns, before reqs or their buffers are used or
 * freed; it waits for the reads and sets each request's result (a host may
 * set some results here already). Returns NULL, every result -ENOMEM, when
 * out of memory; finishing NULL does nothing.
 */
struct bsend_read_batch *bsend_host_read_start(struct bsend_host_fs *fs,
					       struct bsend_read_request *reqs,
					       size_t count);
void bsend_host_read_finish(struct bsend_read_batch *batch);

/*
 * The send stream's crc32c: seed is the starting value and there is no
 * inversion before or after, as the kernel's crc32c(seed, data, len). A
 * command's crc is bsend_host_stream_crc32c(0, command, length); chaining
 * over two pieces gives the crc of both.
 */
uint32_t bsend_host_stream_crc32c(uint32_t seed, const void *data, size_t len);

/* The stream's destination: the send fd in the kernel. */
struct bsend_host_out;

/*
 * Writes all of buf[0, len) to the stream, or fails: -EINTR when a fatal
 * signal is pending, -EPIPE when the reader is gone, another errno. Partial
 * writes and interrupted writes of a non-fatal signal are retried.
 */
int bsend_host_write(struct bsend_host_out *out, const void *buf, size_t len);

/* The files of the subvolumes being sent, as the host opens them. */
struct bsend_host_files;

/*
 * What the committed inode item the engine read says of an inode whose data
 * it reads: the inode opened must still match it, so that no byte sent
 * comes from a state of the file other than the one the metadata
 * describes. btrfs updates ctime before it changes a file's data (write,
 * mmap, clone, truncate, fallocate), so a file of a snapshot made
 * read-write and written under the send shows another ctime or size.
 */
struct bsend_committed_inode {
	uint64_t generation;
	uint64_t size;
	uint64_t ctime_sec;
	uint32_t ctime_nsec;
	uint32_t reserved;
};

/*
 * Reads len bytes at offset of inode (root, ino, committed->generation)
 * into buf, through the page cache (the kernel opens the inode by file
 * handle). -ESTALE when the inode is gone or has another generation, or
 * when, after the read, its size or ctime is not the committed one; -EIO
 * when the file is shorter.
 */
int bsend_host_read_file(struct bsend_host_files *files, uint64_t root,
			 uint64_t ino,
			 const struct bsend_committed_inode *committed,
			 uint64_t offset, void *buf, size_t len);

/* The host's record of one send in flight (NULL where there is none). */
struct bsend_host_send;

/* How far a send is, as the engine reports it at each checkpoint. */
struct bsend_progress {
	uint64_t inodes;	/* inodes sent */
	uint64_t stream_bytes;	/* stream bytes written */
	uint64_t current_ino;	/* the inode being sent */
	uint64_t last_ino;	/* highest inode number of the subvolume */
};

/*
 * Called between units of work with the send's progress: records it,
 * publishes it (at most every BSEND_PROGRESS_INTERVAL_MS), yields the CPU
 * if others wait, and returns a negative errno when the send must stop
 * (-EINTR: a fatal signal; -ECANCELED: cancelled).
 */
int bsend_host_checkpoint(struct bsend_host_send *send,
			  const struct bsend_progress *progress);

/*
 * Decompresses a btrfs compressed extent (compression as in
 * btrfs_file_extent_item: 1 zlib, 2 lzo, 3 zstd) of in_len bytes into
 * exactly out_len bytes. Only offline hosts need it (the kernel reads file
 * data through the page cache); others return -EOPNOTSUPP.
 */
int bsend_host_decompress(uint8_t compression, const void *in, size_t in_len,
			  void *out, size_t out_len);

/* ---- Engine entry points ---------------------------------------------- */

/*
 * An error as the engine reports it: a negative errno, a static text naming
 * the cause, and the numbers that locate it (0 where they do not apply).
 * The host turns it into a log line or a message for the user.
 */
struct bsend_error {
	int err;		/* negative errno */
	const char *cause;	/* static string, never NULL when err != 0 */
	uint64_t bytenr;	/* logical or physical byte number involved */
	uint64_t ino;		/* inode number involved */
	uint64_t expected;	/* the value that was expected, if any */
	uint64_t found;		/* the value that was found, if any */
	uint64_t devid;		/* the device involved, 0: none */
};

/* What a device's primary superblock says about the device. */
struct bsend_device_identity {
	uint64_t devid;		/* dev_item.devid */
	uint64_t num_devices;	/* devices in the filesystem */
	uint64_t generation;	/* superblock generation */
	uint32_t csum_type;	/* enum bsend_csum_type */
	uint32_t nodesize;
	uint32_t sectorsize;
	uint8_t fsid[16];	/* the fsid the superblock bears */
};

/* Size of a btrfs superblock copy, and the offset of the primary copy. */
#define BSEND_SUPER_SIZE 4096
#define BSEND_SUPER_OFFSET 65536

/*
 * Checks that super[0, len) is a valid primary btrfs superblock of the
 * filesystem whose fsid is given: magic, checksum, and fsid. A NULL fsid
 * takes the one the superblock bears (the caller has proved the device to
 * be the filesystem's otherwise: a mount with a temporary fsid). On success
 * fills *identity and returns 0. On failure returns the negative errno and
 * fills *error: -EXDEV when the block is not a superblock of this
 * filesystem, -EUCLEAN when it fails its checksum or its own bounds,
 * -EOPNOTSUPP for an unknown checksum type.
 */
int bsend_engine_check_device_super(const void *super, size_t len,
				    const uint8_t fsid[16],
				    struct bsend_device_identity *identity,
				    struct bsend_error *error);

/* What a walk of one tree found. */
struct bsend_tree_stats {
	uint64_t root_generation;
	uint32_t root_level;
	uint64_t blocks;	/* tree blocks visited */
	uint64_t items;		/* leaf items */
	uint64_t inodes;	/* INODE_ITEM items */
};

/*
 * Opens the filesystem behind fs with bsend's reader (superblock, chunk
 * tree) and walks every block of tree tree_id, validating each. The walk
 * checkpoints with control (NULL where there is none) at every leaf, so it
 * can be killed or cancelled like a send.
 */
int bsend_engine_tree_stats(struct bsend_host_fs *fs, uint64_t tree_id,
			    struct bsend_host_send *control,
			    struct bsend_tree_stats *stats,
			    struct bsend_error *error);

/* A send as BSEND_IOC_SEND asks for it. */
struct bsend_send_params {
	uint64_t subvolume;	/* tree id of the read-only subvolume */
	uint64_t parent;	/* tree id of the read-only parent; 0: full */
	const uint64_t *clone_sources;	/* tree ids that data may be cloned from */
	uint64_t clone_source_count;
	uint64_t flags;		/* BTRFS_SEND_FLAG_*, BSEND_SEND_FLAG_DRY_RUN */
	uint32_t version;	/* stream version; 0: bsend_engine_proto_max() */
	uint64_t memory_budget;	/* bytes the send may hold; 0: the default */
};

struct bsend_send_stats {
	uint64_t inodes;
	uint64_t commands;
	uint64_t data_bytes;	/* file data in WRITE commands */
	uint64_t stream_bytes;
	uint64_t newer_commits;	/* times the reader moved to a newer commit */
};

/*
 * Sends the subvolume, in full or (with params->parent) as the changes from
 * the parent: reads the committed trees through fs, file data through
 * files, writes the stream to out. The one entry of every host: the kernel
 * glue's BSEND_IOC_SEND and sendctl send --image. -EPERM when the
 * subvolume, the parent or a clone source is not read-only, -ENOENT when
 * one does not exist; -ESTALE when one of them changed in a newer commit
 * and that explains the failure. Data is cloned from the clone sources.
 * files NULL (an offline host, which has no page cache): file data is read
 * from the extents' blocks with bsend_host_read() and decompressed with
 * bsend_host_decompress(). With BSEND_SEND_FLAG_DRY_RUN in params->flags,
 * neither files nor out is used (both may be NULL) and stats tell what
 * would have been written.
 */
int bsend_engine_send(struct bsend_host_fs *fs, struct bsend_host_out *out,
			   struct bsend_host_files *files,
			   struct bsend_host_send *send,
			   const struct bsend_send_params *params,
			   struct bsend_send_stats *stats,
			   struct bsend_error *error);

/* Stream versions the engine writes. */
uint32_t bsend_engine_proto_min(void);
uint32_t bsend_engine_proto_max(void);

#ifdef __cplusplus
}
#endif

#endif /* BSEND_CORE_PLATFORM_H */
