// The vocabulary of version 1 and 2 send streams (uapi/bsend_stream.h): the
// names of commands and attributes, the stream version that brought each,
// the kind of value each attribute holds, and the attributes each command
// must carry, as btrfs receive requires them. Shared by the stream reader
// and whatever prints or applies commands.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sendctl::stream {

enum class AttributeKind {
	kUnknown,	// not a v1 or v2 attribute
	kBytes,		// any length: paths, names, xattr values, file data
	kU32,		// le32
	kU64,		// le64
	kUuid,		// 16 bytes
	kTimespec,	// struct btrfs_timespec: le64 seconds, le32 nanoseconds
};

constexpr size_t kUuidBytes = 16;
constexpr size_t kTimespecBytes = 12;

// The highest stream version read.
constexpr uint32_t kMaxStreamVersion = 2;

// "WRITE" for BSEND_SEND_C_WRITE; nullptr for a number v1 and v2 do not
// define.
const char* command_name(uint16_t command);

// The stream version that brought the command (1 or 2); 0 if unknown.
uint32_t command_version(uint16_t command);

// "FILE_OFFSET" for BSEND_SEND_A_FILE_OFFSET; nullptr if v1 and v2 do not
// define it.
const char* attribute_name(uint16_t attribute);

AttributeKind attribute_kind(uint16_t attribute);

// The exact size of a value of a fixed-size kind; 0 for kBytes and kUnknown.
size_t fixed_size(AttributeKind kind);

// The attributes a command must carry, as a list ending with
// BSEND_SEND_A_UNSPEC (0); an empty list for commands v1 and v2 do not
// define.
const uint16_t* required_attributes(uint16_t command);

} // namespace sendctl::stream
