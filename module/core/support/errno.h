// Linux errno values, which are ABI. The engine includes no kernel or libc
// header, so it names the few it returns here.
#pragma once

namespace bsend::err {

constexpr int kPermission = 1;		// EPERM
constexpr int kNoEntry = 2;		// ENOENT
constexpr int kIo = 5;			// EIO
constexpr int kNoMemory = 12;		// ENOMEM
constexpr int kFault = 14;		// EFAULT
constexpr int kCrossDevice = 18;	// EXDEV
constexpr int kNoDevice = 19;		// ENODEV
constexpr int kInvalid = 22;		// EINVAL
constexpr int kFileTooBig = 27;		// EFBIG
constexpr int kRange = 34;		// ERANGE
constexpr int kNameTooLong = 36;	// ENAMETOOLONG
constexpr int kOverflow = 75;		// EOVERFLOW
constexpr int kNotSupported = 95;	// EOPNOTSUPP
constexpr int kStale = 116;		// ESTALE
constexpr int kCorrupt = 117;		// EUCLEAN: a block or item fails validation
// ENOTRECOVERABLE: the engine reached a state it has no way on from (an
// invariant of its own failed), on metadata that passed validation: a
// limit of bsend, not damage to the filesystem.
constexpr int kEngineLimit = 131;

} // namespace bsend::err
