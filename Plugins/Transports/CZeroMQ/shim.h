#ifndef NIMBUS_CZEROMQ_SHIM_H
#define NIMBUS_CZEROMQ_SHIM_H
// libzmq (Debian: libzmq3-dev) plus eventfd, which wakes the transport's poller thread.
#include <zmq.h>
#include <sys/eventfd.h>
#endif
