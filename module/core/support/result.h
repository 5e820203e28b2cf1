// Errors are values. A Result<T> holds either a T or an Error; TRY(expr)
// unwraps a Result or returns its Error from the enclosing function.
#pragma once

#include "module/core/platform.h"
#include "module/core/support/move.h"
#include "module/core/support/new.h"
#include "module/core/support/types.h"

namespace bsend {

// An error with the numbers that locate it. Built once, where it happens.
struct Error {
	int errno_value = 0;	// positive errno
	const char* cause = "";	// static text
	u64 bytenr = 0;
	u64 ino = 0;
	u64 expected = 0;
	u64 found = 0;
	u64 devid = 0;	// the device involved, 0: none

	static Error make(int errno_value, const char* cause) { return {errno_value, cause}; }
	Error& at_bytenr(u64 value) { bytenr = value; return *this; }
	Error& at_ino(u64 value) { ino = value; return *this; }
	Error& mismatch(u64 want, u64 got) { expected = want; found = got; return *this; }
	Error& on_device(u64 value) { devid = value; return *this; }

	bsend_error to_c() const
	{
		return {-errno_value, cause, bytenr, ino, expected, found, devid};
	}
};

template <typename T> class [[nodiscard]] Result {
public:
	Result(T value) : has_value_(true) { new (&storage_.value) T(bsend::move(value)); }
	Result(Error error) : has_value_(false) { new (&storage_.error) Error(error); }
	Result(Result&& other) : has_value_(other.has_value_)
	{
		if (has_value_)
			new (&storage_.value) T(bsend::move(other.storage_.value));
		else
			new (&storage_.error) Error(other.storage_.error);
	}
	Result(const Result&) = delete;
	Result& operator=(const Result&) = delete;
	Result& operator=(Result&&) = delete;
	~Result()
	{
		if (has_value_)
			storage_.value.~T();
	}

	bool is_ok() const { return has_value_; }
	const Error& error() const { return storage_.error; }
	T& value() { return storage_.value; }
	const T& value() const { return storage_.value; }
	T release_value() { return bsend::move(storage_.value); }

private:
	union Storage {
		Storage() {}
		~Storage() {}
		T value;
		Error error;
	} storage_;
	bool has_value_;
};

template <> class [[nodiscard]] Result<void> {
public:
	Result() = default;
	Result(Error error) : error_(error), failed_(true) {}

	bool is_ok() const { return !failed_; }
	const Error& error() const { return error_; }
	void release_value() {}

private:
	Error error_;
	bool failed_ = false;
};

} // namespace bsend

// Evaluates a Result; on error returns it from the enclosing function, else
// yields the value. A GNU statement expression, supported by g++ and clang.
#define TRY(expression)                                         \
	({                                                      \
		auto _bsend_try_result = (expression);          \
		if (!_bsend_try_result.is_ok())                 \
			return _bsend_try_result.error();       \
		_bsend_try_result.release_value();              \
	})
