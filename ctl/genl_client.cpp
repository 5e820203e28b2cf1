#include "ctl/genl_client.h"

#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include <sys/socket.h>
#include <sys/time.h>

#include <netlink/errno.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/handlers.h>
#include <netlink/msg.h>
#include <netlink/socket.h>

#include "uapi/bsend.h"

namespace sendctl {
namespace {

struct SocketFree {
	void operator()(nl_sock *sock) const { nl_socket_free(sock); }
};
struct MessageFree {
	void operator()(nl_msg *msg) const { nlmsg_free(msg); }
};
struct CallbacksPut {
	void operator()(nl_cb *cb) const { nl_cb_put(cb); }
};
using Socket = std::unique_ptr<nl_sock, SocketFree>;
using Message = std::unique_ptr<nl_msg, MessageFree>;
using Callbacks = std::unique_ptr<nl_cb, CallbacksPut>;

// How long to wait for the module's answer before giving up.
constexpr time_t kReplyTimeoutSeconds = 10;

// What the receive callbacks found: the parsed reply and whether the
// exchange is over (ACK or error received).
struct Exchange {
	std::optional<Result<ModuleInfo>> reply;
	int kernel_errno = 0;
	bool done = false;
};

int on_valid(nl_msg *msg, void *arg)
{
	auto *exchange = static_cast<Exchange *>(arg);
	exchange->reply = parse_module_info(nlmsg_hdr(msg));
	return NL_OK;
}

int on_ack(nl_msg *, void *arg)
{
	static_cast<Exchange *>(arg)->done = true;
	return NL_STOP;
}

int on_error(sockaddr_nl *, nlmsgerr *err, void *arg)
{
	auto *exchange = static_cast<Exchange *>(arg);
	exchange->kernel_errno = -err->error;
	exchange->done = true;
	return NL_STOP;
}

Error netlink_error(const std::string &what, int nl_err)
{
	return Error{EPROTO, what + ": " + nl_geterror(nl_err)};
}

}  // namespace

Result<ModuleInfo> query_module_info()
{
	Socket sock(nl_socket_alloc());
	Callbacks callbacks(nl_cb_alloc(NL_CB_DEFAULT));
	Message request(nlmsg_alloc());
	if (!sock || !callbacks || !request)
		return Error{ENOMEM, "cannot allocate a netlink socket"};

	int err = genl_connect(sock.get());
	if (err < 0)
		return netlink_error("cannot open a generic netlink socket", err);
	timeval timeout = {kReplyTimeoutSeconds, 0};
	setsockopt(nl_socket_get_fd(sock.get()), SOL_SOCKET, SO_RCVTIMEO,
		   &timeout, sizeof(timeout));

	int family = genl_ctrl_resolve(sock.get(), BSEND_GENL_NAME);
	if (family == -NLE_OBJ_NOTFOUND)
		return Error{ENOENT,
			     "the bsend module is not loaded (generic netlink"
			     " family \"" BSEND_GENL_NAME "\" not found)"};
	if (family < 0)
		return netlink_error("cannot resolve the generic netlink family"
				     " \"" BSEND_GENL_NAME "\"", family);

	if (!genlmsg_put(request.get(), NL_AUTO_PORT, NL_AUTO_SEQ, family, 0,
			 NLM_F_REQUEST, BSEND_CMD_GET_INFO, BSEND_GENL_VERSION))
		return Error{ENOMEM, "cannot build the GET_INFO request"};

	Exchange exchange;
	nl_cb_set(callbacks.get(), NL_CB_VALID, NL_CB_CUSTOM, on_valid,
		  &exchange);
	nl_cb_set(callbacks.get(), NL_CB_ACK, NL_CB_CUSTOM, on_ack, &exchange);
	nl_cb_err(callbacks.get(), NL_CB_CUSTOM, on_error, &exchange);

	// nl_send_auto adds NLM_F_ACK: the exchange ends with the ACK.
	err = nl_send_auto(sock.get(), request.get());
	if (err < 0)
		return netlink_error("cannot send GET_INFO to the bsend module",
				     err);
	while (!exchange.done) {
		err = nl_recvmsgs(sock.get(), callbacks.get());
		if (err < 0 && !exchange.done)
			return netlink_error("no GET_INFO reply from the bsend"
					     " module", err);
	}
	if (exchange.kernel_errno)
		return Error{exchange.kernel_errno,
			     std::string("the bsend module failed GET_INFO: ") +
				     strerror(exchange.kernel_errno)};
	if (!exchange.reply)
		return Error{EPROTO, "the bsend module acknowledged GET_INFO"
				     " without a reply"};
	return *exchange.reply;
}

}  // namespace sendctl
