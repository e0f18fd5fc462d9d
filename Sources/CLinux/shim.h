#ifndef MUTUALS_CLINUX_SHIM_H
#define MUTUALS_CLINUX_SHIM_H
// Linux interfaces that Swift's Glibc module does not export: epoll and eventfd headers are
// outside its module map, and accept4 is declared only under _GNU_SOURCE.
#include <sys/epoll.h>
#include <sys/eventfd.h>

struct sockaddr;
extern int accept4(int sockfd, struct sockaddr *addr, unsigned int *addrlen, int flags);

// GNU extensions, declared here because Glibc's module is built without _GNU_SOURCE.
#include <pthread.h>
#include <stddef.h>
extern int pthread_setname_np(pthread_t thread, const char *name);
extern int sched_getaffinity(int pid, size_t cpusetsize, void *mask);
#include <sys/types.h>
extern pid_t gettid(void);

// glibc's allocator tuning (`mallopt`), outside Glibc's module map.
#include <malloc.h>
#endif
