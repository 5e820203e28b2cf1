// SPDX-License-Identifier: GPL-2.0
/*
 * Whether a block device is one that the mounted btrfs of a super block has
 * open, not a copy of one (dd, an LVM snapshot) and not a device of another
 * btrfs.
 *
 * btrfs opens its devices exclusively. Until 6.17 the holder is its
 * filesystem type, the same for every btrfs mounted (the super block
 * since), so the holder tells a device that some btrfs has open from one
 * that nobody has, not which btrfs. What names the filesystem is sysfs:
 * btrfs links each device it has open into /sys/fs/btrfs/FSID/devices/,
 * under the device's own name, FSID being the one the mount reports in
 * s_uuid. For a mount with a temporary fsid (6.7 and later: a single-device
 * filesystem mounted beside another with the same fsid) that FSID is a
 * random one, while the device keeps the fsid it was made with.
 */
#include <linux/blkdev.h>
#include <linux/fs.h>
#include <linux/kernfs.h>
#include <linux/kobject.h>
#include <linux/uuid.h>

#include "internal.h"

static bool held_by_btrfs(struct block_device *bdev, struct super_block *sb)
{
	void *holder = READ_ONCE(bdev->bd_holder);

	return holder && (holder == sb || holder == sb->s_type);
}

/* /sys/fs/btrfs/FSID/devices/NAME links to bdev, FSID sb's. */
static bool linked_in_sysfs(struct block_device *bdev, struct super_block *sb)
{
	struct kobject *device_kobj = bdev_kobj(bdev);
	struct kernfs_node *btrfs_dir, *fs_dir, *devices_dir = NULL;
	struct kernfs_node *link = NULL;
	char fsid[UUID_STRING_LEN + 1];
	bool linked = false;

	btrfs_dir = kernfs_find_and_get(fs_kobj->sd, "btrfs");
	if (!btrfs_dir)
		return false;
	snprintf(fsid, sizeof(fsid), "%pU", sb->s_uuid.b);
	fs_dir = kernfs_find_and_get(btrfs_dir, fsid);
	if (fs_dir)
		devices_dir = kernfs_find_and_get(fs_dir, "devices");
	if (devices_dir)
		link = kernfs_find_and_get(devices_dir,
					   kobject_name(device_kobj));
	if (link)
		linked = kernfs_type(link) == KERNFS_LINK &&
			 link->symlink.target_kn == device_kobj->sd;
	kernfs_put(link);
	kernfs_put(devices_dir);
	kernfs_put(fs_dir);
	kernfs_put(btrfs_dir);
	return linked;
}

bool bsend_bdev_of_fs(struct block_device *bdev, struct super_block *sb)
{
	return held_by_btrfs(bdev, sb) && linked_in_sysfs(bdev, sb);
}
