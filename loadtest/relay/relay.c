// relay.c: a bare MQTT relay, the reference the load tester's figures are set against (issue #12's "bare relay").
//
// It does what a broker cannot do less of: one thread, epoll, MQTT 3.1.1 only; answers CONNECT, SUBSCRIBE and
// PINGREQ, acknowledges each QoS 1 PUBLISH at once (PUBACK) and forwards every PUBLISH frame as it is, bytes
// unchanged, to every subscriber, with one write per subscriber per epoll round. No topic matching, sessions, retained messages, QoS 2
// towards subscribers, or checks; the subscribers' acknowledgements are read and ignored. A subscriber whose socket
// does not take more gets at most 4 MiB buffered here; beyond that messages are dropped and counted (printed on
// SIGTERM or SIGINT). Listens on 127.0.0.1 only. For measurements on one machine, never for clients.
//
//   gcc -O2 -o relay loadtest/relay/relay.c && taskset -c 1 ./relay 18840
//   java -jar loadtest/target/ringmq-loadtest.jar fan-in --port 18840 --publishers 8 --subscribers 1 --qos 0 ...
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#define MAXC 4096
#define RBUF (256 * 1024)
#define WCAP (4 * 1024 * 1024)

typedef struct { int fd; int sub; unsigned char *r; int rlen; unsigned char *w; int wlen; int dirty; int armed; } conn;
static int dirtyq[MAXC]; static int ndirty;
static conn *cs[MAXC];
static int subs[MAXC]; static int nsubs;
static volatile sig_atomic_t stop;
static long dropped;

static void on_stop(int sig) { (void)sig; stop = 1; }

static void out(conn *c, const unsigned char *p, int n) {
    if (c->wlen + n > WCAP) { dropped++; return; }
    memcpy(c->w + c->wlen, p, n); c->wlen += n; if (!c->dirty) { c->dirty = 1; dirtyq[ndirty++] = c->fd; }
}
static void flush(conn *c) {
    int off = 0;
    while (off < c->wlen) {
        int k = write(c->fd, c->w + off, c->wlen - off);
        if (k <= 0) break;
        off += k;
    }
    if (off > 0) { memmove(c->w, c->w + off, c->wlen - off); c->wlen -= off; }
}
static void drop(int ep, conn *c) {
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL); close(c->fd);
    if (c->sub) { for (int i = 0; i < nsubs; i++) if (subs[i] == c->fd) { subs[i] = subs[--nsubs]; break; } }
    cs[c->fd] = NULL; free(c->r); free(c->w); free(c);
}
int main(int argc, char **argv) {
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = {0}; sa.sa_handler = on_stop; sigaction(SIGTERM, &sa, NULL); sigaction(SIGINT, &sa, NULL);
    int port = argc > 1 ? atoi(argv[1]) : 18840;
    int ls = socket(AF_INET, SOCK_STREAM, 0); int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {0}; a.sin_family = AF_INET; a.sin_port = htons(port); a.sin_addr.s_addr = htonl(0x7f000001);
    if (bind(ls, (void *)&a, sizeof a) || listen(ls, 1024)) { perror("bind"); return 1; }
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = ls}; epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
    struct epoll_event evs[256];
    while (!stop) {
        int n = epoll_wait(ep, evs, 256, -1);
        if (n < 0) continue;    // EINTR: the loop condition sees a stop
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == ls) {
                int c = accept4(ls, NULL, NULL, SOCK_NONBLOCK);
                if (c < 0 || c >= MAXC) { if (c >= 0) close(c); continue; }
                setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                conn *k = calloc(1, sizeof *k); k->fd = c; k->r = malloc(RBUF); k->w = malloc(WCAP); cs[c] = k;
                struct epoll_event e2 = {.events = EPOLLIN, .data.fd = c}; epoll_ctl(ep, EPOLL_CTL_ADD, c, &e2);
                continue;
            }
            conn *c = cs[fd]; if (!c) continue;
            if (evs[i].events & EPOLLOUT) {
                flush(c);
                if (0 == c->wlen && c->armed) {
                    struct epoll_event e3 = {.events = EPOLLIN, .data.fd = fd}; epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e3); c->armed = 0;
                }
            }
            if (!(evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
            int k = read(fd, c->r + c->rlen, RBUF - c->rlen);
            if (k == 0 || (k < 0 && errno != EAGAIN)) { drop(ep, c); continue; }
            if (k < 0) continue;
            c->rlen += k;
            int p = 0, closed = 0;
            while (c->rlen - p >= 2) {
                int rl = 0, mul = 1, h = 1, ok = 0;
                while (h < 5 && p + h < c->rlen) { int b = c->r[p + h]; rl += (b & 127) * mul; mul <<= 7; h++; if (!(b & 128)) { ok = 1; break; } }
                if (!ok || c->rlen - p < h + rl) break;
                int type = c->r[p] >> 4; unsigned char *f = c->r + p; int len = h + rl;
                if (type == 1) { unsigned char ack[] = {0x20, 2, 0, 0}; out(c, ack, 4); }
                else if (type == 8) { unsigned char ack[] = {0x90, 3, f[h], f[h + 1], 0}; out(c, ack, 5); c->sub = 1; subs[nsubs++] = fd; }
                else if (type == 3) {
                    int qos = (f[0] >> 1) & 3;
                    if (qos > 0) {  // acknowledge at once; the subscriber's PUBACK (type 4) is ignored
                        int tl = (f[h] << 8) | f[h + 1];
                        unsigned char ack[] = {qos == 1 ? 0x40 : 0x50, 2, f[h + 2 + tl], f[h + 3 + tl]};
                        out(c, ack, 4);
                    }
                    for (int s = 0; s < nsubs; s++) out(cs[subs[s]], f, len);
                }
                else if (type == 6) { unsigned char ack[] = {0x70, 2, f[h], f[h + 1]}; out(c, ack, 4); }
                else if (type == 12) { unsigned char ack[] = {0xd0, 0}; out(c, ack, 2); }
                else if (type == 14) { closed = 1; break; }
                p += len;
            }
            if (closed) { flush(c); drop(ep, c); continue; }
            memmove(c->r, c->r + p, c->rlen - p); c->rlen -= p;
        }
        for (int d = 0; d < ndirty; d++) {
            conn *c = cs[dirtyq[d]];
            if (!c) continue;
            c->dirty = 0;
            flush(c);
            int want = c->wlen > 0;
            if (want != c->armed) {
                struct epoll_event e2 = {.events = EPOLLIN | (want ? EPOLLOUT : 0), .data.fd = c->fd};
                epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e2); c->armed = want;
            }
        }
        ndirty = 0;
    }
    fprintf(stderr, "relay: %ld messages dropped for subscribers that did not keep up\n", dropped);
    return 0;
}
