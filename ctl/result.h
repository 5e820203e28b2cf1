// Errors as values for sendctl: a failure is an Error (the errno behind it,
// if any, and a message for the user) returned instead of thrown.
#ifndef SENDCTL_RESULT_H
#define SENDCTL_RESULT_H

#include <string>
#include <utility>
#include <variant>

namespace sendctl {

struct Error {
	int errnum = 0;		 // errno that caused it; 0 for a usage error
	std::string message;	 // a sentence for the user, without "sendctl: "
	int exit_status = 1;	 // what the command exits with
};

// Either a T or the Error that prevented it.
template <typename T>
class [[nodiscard]] Result {
public:
	Result(T value) : state_(std::move(value)) {}
	Result(Error error) : state_(std::move(error)) {}

	bool ok() const { return state_.index() == 0; }
	T &value() { return std::get<0>(state_); }
	const T &value() const { return std::get<0>(state_); }
	const Error &error() const { return std::get<1>(state_); }

private:
	std::variant<T, Error> state_;
};

// The result of an operation that yields nothing but success or an Error.
using Status = Result<std::monostate>;

inline Status success() { return std::monostate{}; }

}  // namespace sendctl

#endif
