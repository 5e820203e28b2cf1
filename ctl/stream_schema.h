// The vocabulary of a version 1 send stream (uapi/bsend_stream.h): the
// names of commands and attributes, the kind of value each attribute holds,
// and the attributes each command must carry, as btrfs receive requires
// them. Shared by the stream reader and whatever prints or applies commands.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sendctl::stream {

enum class AttributeKind {
	kUnknown,	// not a v1 attribute
	kBytes,		// any length: paths, names, xattr values, file data
	kU64,		// le64
	kUuid,		// 16 bytes
	kTimespec,	// struct btrfs_timespec: le64 seconds, le32 nanoseconds
};

constexpr size_t kUuidBytes = 16;
constexpr size_t kTimespecBytes = 12;

// "WRITE" for BSEND_SEND_C_WRITE; nullptr for a number v1 does not define.
const char* command_name(uint16_t command);

// "FILE_OFFSET" for BSEND_SEND_A_FILE_OFFSET; nullptr if v1 does not define it.
const char* attribute_name(uint16_t attribute);

AttributeKind attribute_kind(uint16_t attribute);

// The exact size of a value of a fixed-size kind; 0 for kBytes and kUnknown.
size_t fixed_size(AttributeKind kind);

// The attributes a v1 command must carry, as a list ending with
// BSEND_SEND_A_UNSPEC (0); an empty list for commands v1 does not define.
const uint16_t* required_attributes(uint16_t command);

} // namespace sendctl::stream
