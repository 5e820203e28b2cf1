// What one send is asked to do: BSEND_IOC_SEND's arguments as the engine
// uses them.
#pragma once

#include "module/core/platform.h"
#include "module/core/support/span.h"
#include "module/core/support/string_view.h"

namespace bsend::send {

struct SendOptions {
	u64 subvolume = 0;		// tree id of the subvolume to send
	u64 parent = 0;			// tree id of the parent; 0: a full send
	Span<const u64> clone_sources;	// tree ids data may also be cloned from
	StringView name;		// the SUBVOL or SNAPSHOT command's path
	bool send_file_data = true;	// false: BTRFS_SEND_FLAG_NO_FILE_DATA
	bool stream_header = true;	// false: BTRFS_SEND_FLAG_OMIT_STREAM_HEADER
	bool end_command = true;	// false: BTRFS_SEND_FLAG_OMIT_END_CMD
	bsend_host_send* control = nullptr;	// progress and cancellation
	// The bytes the send's change set may take before an incremental send
	// stops holding the inodes whose names stay (incremental_send.h).
	usize change_set_budget = 16 << 20;
};

} // namespace bsend::send
