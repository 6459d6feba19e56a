/*
 * socket_address.h -- the ADDRESS:PORT syntax of kflowd's listening options (--listen,
 * --sflow-listen, --metrics): "192.0.2.1:2055", "[2001:db8::1]:2055", "[::]:2055".
 */
#ifndef KF_SOCKET_ADDRESS_H
#define KF_SOCKET_ADDRESS_H

#include <sys/socket.h>

#include "store/store.h"

/* Fills *ss from "host:port" / "[host]:port"; what names the option goes into the message. */
int			kf_parse_socket_address(const char *address, const char *what, struct sockaddr_storage *ss,
									socklen_t *sslen, kf_error *err);

#endif							/* KF_SOCKET_ADDRESS_H */
