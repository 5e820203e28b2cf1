// Subvolume and filesystem uuids: 16 bytes, printed as btrfs-progs prints
// them.
#ifndef SENDCTL_UUID_H
#define SENDCTL_UUID_H

#include <array>
#include <cstdint>
#include <string>

namespace sendctl {

using Uuid = std::array<std::uint8_t, 16>;

// "8-4-4-4-12" lowercase hex.
std::string uuid_text(const Uuid &uuid);

// All zero: a subvolume that is not a snapshot has this parent_uuid.
bool is_nil_uuid(const Uuid &uuid);

}  // namespace sendctl

#endif
