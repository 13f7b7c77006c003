/* outbox.pml: the outbox of batch-task-reactivation, for the SPIN model checker (Debian: spin, gcc).
   docs/outbox.md tells the argument in words; this checks it over every interleaving.

   Safety (assertions: "errors: 0", or "assertion violated" for a weakened variant):
     spin -a outbox.pml && gcc -O2 -DSAFETY -DCOLLAPSE -o pan pan.c && ./pan -m5000000
   Liveness (LTL "live": "errors: 0", or "acceptance cycle" for a weakened variant):
     spin -DLIVE -DMAXCRASH=1 -a outbox.pml && gcc -O2 -DNFAIR=3 -DCOLLAPSE -o pan pan.c && ./pan -a -f -m5000000
   With -DBULK the two history rows are one bulk transaction's: one request commits both, under
   one check. A weakened variant is one more -D flag (listed below); for its counterexample:
   ./pan -i (shortest), then spin [-DLIVE] -D<VARIANT> -t -p outbox.pml

   Started from model C of the design notes (one delayed check message per request, no index
   rows), with what the app does differently:
   - The lease is not a clock. A check that finds a row unpublished does not compare a claim's time
     with its own clock: the first time it sees a version of the row it sends itself again, delayed
     by the lease, remembering that version (`seen`); only if the row still has that very version
     when it comes back is its writer gone, and the row taken over (If-Match on that version). The
     lease exceeds any writer's lifetime, so the delayed message is modelled as receivable only once
     the writer of each version it saw can no longer write, or the row has moved on. Every version
     is thus its writer's for a lease, the commit's too: a row is born held by its request, which is
     what `claimed_by` records for people; no decision reads that column.
   - A request whose commit did not land withdraws its check at once (DROP, on by default).
   Abstractions as in the design notes: an ETag is a counter bumped by every write; If-Match is
   "counter unchanged"; a transaction is one atomic step; a crash may follow any step with an
   effect; a pop receipt is valid until someone else receives the message; a held message can lapse
   (become visible again while its worker still runs: two workers on one message).

   Expected (SPIN 6.5.2; safety with MAXCRASH 2, liveness with MAXCRASH 1; MAXLAPSE 1):
     safety 0 errors, liveness 0 errors, with and without -DBULK (states and times in docs/outbox.md;
     the full safety run stores 3.3e8 states, about 14 GB)
     -DEAGER        a check takes a row over the first time it sees it, without a lease: it sends
                    while the request that committed the row is still sending: assertion violated
     -DNOCLAIM      two checkers on one message both send: assertion violated
     -DNODELAY      the check is visible at once, finds no row, is deleted; the commit then lands
                    and its publisher dies: acceptance cycle (an event never sent)
     -DSENDAFTER    the check is sent after the commit; the request dies in between: acceptance cycle */

#ifdef BULK
#define NREQ 1
#else
#define NREQ 2
#endif
#define NR 2
/* At most one message per request, plus one per crash and per lapse. */
#define NQ 5
#ifndef MAXCRASH
#define MAXCRASH 2
#endif
#ifndef MAXLAPSE
#define MAXLAPSE 1
#endif
#define M_FREE 0
#define M_VIS 1
#define M_HELD 2
#define M_DELAYED 3     /* a request's check: receivable once that request's commit can no longer land */
#define M_LEASE 4       /* a check that came back after a lease: receivable once the holders it saw are gone */
#define NONE 255

bool hc[NR];            /* history row r exists (its reactivation committed) */
bool hp[NR];            /* event_published */
byte hwr[NR];           /* who wrote the row's current version: 1 + q for request q, 10 + pid for a checker */
bool hexp[NR];          /* that writer can no longer write (ended or crashed): its lease has passed */
byte hver[NR];          /* ETag */
byte sent[NR];          /* task.reactivated events of row r on the events queue */
bool infl[NREQ];        /* request q's commit may still land */
byte qst[NQ]; byte qreq[NQ]; byte qown[NQ];
byte qseen[NQ * NR];    /* per message and row: the version a lease saw, or NONE */
byte crashes, lapses;

#define CRASHTO(l) if :: atomic { crashes < MAXCRASH -> crashes++ }; goto l :: true -> skip fi
#define SEND(r) atomic { assert(hc[r]); sent[r]++; assert(sent[r] <= 1 + crashes) }
/* The rows a request commits: its own, or (BULK) both. */
#ifdef BULK
#define FIRSTROW(q) 0
#define LASTROW(q) 1
#else
#define FIRSTROW(q) (q)
#define LASTROW(q) (q)
#endif
#ifdef NODELAY
#define DUE(k) true
#else
#define DUE(k) (!infl[qreq[k]])
#endif
/* The lease is longer than any holder lives: once it has passed, the holder of each version seen
   can no longer write (hexp), unless the row has moved on since (a newer version, a newer claim). */
#define GONE(k, r) (qseen[(k) * NR + (r)] == NONE || hexp[r] || hver[r] != qseen[(k) * NR + (r)])
#define LEASED(k) (GONE(k, 0) && GONE(k, 1))
#define RECV(k) (qst[k] == M_VIS || (qst[k] == M_DELAYED && DUE(k)) || (qst[k] == M_LEASE && LEASED(k)))
#define ANYRECV (RECV(0) || RECV(1) || RECV(2) || RECV(3) || RECV(4))

/* A new message in a free slot k: a request's check (seen nothing yet), or a lease copying `seen`. */
inline send(kind, q, k, who) {
  k = 0;
  do
  :: k < NQ && qst[k] != M_FREE -> k++
  :: k < NQ && qst[k] == M_FREE -> break
  :: k == NQ -> assert(false)   /* model too small */
  od;
  qst[k] = kind; qreq[k] = q; qown[k] = who; qseen[k * NR] = NONE; qseen[k * NR + 1] = NONE
}
inline delete(k, who) {
  if :: qown[k] == who && qst[k] != M_FREE -> qst[k] = M_FREE; qown[k] = 0 :: else -> skip fi
}

proctype Request(byte q) {
  byte r, m;
  byte v[NR];
  bool ok;
#ifndef SENDAFTER
  atomic { send(M_DELAYED, q, m, _pid); infl[q] = true };  /* the check, before the commit */
  CRASHTO(pre);
#endif
  atomic {                                                /* the commit: task rows + history rows */
    if
    :: ok = true; r = FIRSTROW(q);
       do
       :: r <= LASTROW(q) -> hc[r] = true; hver[r]++; v[r] = hver[r]; hwr[r] = 1 + q; hexp[r] = false;
          r++
       :: else -> break
       od
    :: ok = false                                         /* lost its race: nothing landed */
    fi;
    infl[q] = false
  };
  if
  :: !ok ->
#ifndef NODROP
     atomic { delete(m, _pid) };                          /* nothing to check: withdraw it */
#endif
     goto done
  :: else -> skip
  fi;
  CRASHTO(done);
#ifdef SENDAFTER
  atomic { send(M_VIS, q, m, _pid) };                     /* WEAK: the check after the commit */
  CRASHTO(done);
#endif
  r = FIRSTROW(q);                                        /* the events, right after the commit */
  do
  :: r <= LASTROW(q) -> SEND(r); CRASHTO(done); r++
  :: else -> break
  od;
  atomic {                                                /* the marks, If-Match, in one transaction */
    r = FIRSTROW(q);
    do
    :: r <= LASTROW(q) -> if :: hver[r] == v[r] -> hp[r] = true; hver[r]++; hwr[r] = 1 + q; hexp[r] = false :: else -> skip fi; r++
    :: else -> break
    od
  };
  CRASHTO(done);
  atomic { delete(m, _pid) };                             /* the check is no longer needed */
  goto done;
pre:
  infl[q] = false;
done:                                                     /* ended or crashed: what it wrote is no one's now */
  atomic { r = 0; do :: r < NR -> if :: hwr[r] == 1 + q -> hexp[r] = true :: else -> skip fi; r++ :: else -> break od }
}

proctype Checker() {
  byte s, r, v, ns, i;
  byte seen[NR];                                          /* this delivery's copy of what the message remembers */
  byte again[NR];                                         /* what the lease, if one is needed, remembers */
  bool c, p, got, waiting;
end_idle:
  do
  :: atomic { ANYRECV -> s = 0; do :: !RECV(s) -> s++ :: else -> break od; qst[s] = M_HELD; qown[s] = _pid;
              seen[0] = qseen[s * NR]; seen[1] = qseen[s * NR + 1] };
     waiting = false; again[0] = NONE; again[1] = NONE;
     r = FIRSTROW(qreq[s]);
     do                                                   /* the rows of the tasks the check names */
     :: r <= LASTROW(qreq[s]) ->
        atomic { c = hc[r]; p = hp[r]; v = hver[r] };     /* read the row */
        if
        :: !c || p -> goto nextrow                        /* never committed (never will), or done */
#ifndef EAGER
        :: c && !p && seen[r] != v ->                     /* first sight of this version: a lease */
           again[r] = v; waiting = true; goto nextrow
#endif
        :: else -> skip                                   /* unchanged a lease later: no holder */
        fi;
#ifndef NOCLAIM
        atomic { got = (hver[r] == v); if :: got -> hexp[r] = false; hwr[r] = 10 + _pid; hver[r]++; v = hver[r] :: else -> skip fi };
        CRASHTO(crashed);
        if :: !got -> waiting = true; goto nextrow :: else -> skip fi;   /* moved meanwhile: look again */
#endif
        SEND(r);
        CRASHTO(crashed);
#ifndef NOCLAIM
        atomic { if :: hver[r] == v -> hp[r] = true; hver[r]++; hwr[r] = 10 + _pid; hexp[r] = false :: else -> skip fi };
#else
        atomic { hp[r] = true; hver[r]++; hwr[r] = 10 + _pid; hexp[r] = false };
#endif
        CRASHTO(crashed);
nextrow: r++
     :: else -> break
     od;
     if
     :: waiting ->                                        /* the check sends itself again, after a lease */
        if
        :: atomic { crashes < MAXCRASH ->                 /* ... and dies before returning: both remain */
             send(M_LEASE, qreq[s], ns, 0); qseen[ns * NR] = again[0]; qseen[ns * NR + 1] = again[1]; crashes++ };
           goto crashed
        :: true ->                                        /* sent again, and this one deleted: as one step when */
           atomic {                                       /* this checker still holds it, else a new message */
             if
             :: qown[s] == _pid && qst[s] == M_HELD -> qst[s] = M_LEASE; qown[s] = 0; qseen[s * NR] = again[0]; qseen[s * NR + 1] = again[1]
             :: else -> send(M_LEASE, qreq[s], ns, 0); qseen[ns * NR] = again[0]; qseen[ns * NR + 1] = again[1]
             fi
           }
        fi
     :: else -> atomic { delete(s, _pid) }                /* returned: the host deletes the message */
     fi;
     goto next;
crashed:                                                  /* the message reappears; what this run wrote is no one's */
     atomic { if :: qown[s] == _pid && qst[s] == M_HELD -> qst[s] = M_VIS :: else -> skip fi };
next:
     atomic { i = 0; do :: i < NR -> if :: hwr[i] == 10 + _pid -> hexp[i] = true :: else -> skip fi; i++ :: else -> break od };
     d_step { s = 0; r = 0; v = 0; ns = 0; i = 0; c = false; p = false; got = false; waiting = false; again[0] = 0; again[1] = 0; seen[0] = 0; seen[1] = 0 }
  od
}

#define LAPSE(k) :: atomic { lapses < MAXLAPSE && qst[k] == M_HELD -> qst[k] = M_VIS; lapses++ }
active proctype Lapse() {
end: do LAPSE(0) LAPSE(1) LAPSE(2) LAPSE(3) LAPSE(4) od
}

init {
  atomic {
    run Request(0);
#if NREQ > 1
    run Request(1);
#endif
    run Checker(); run Checker()
  }
}

#ifdef LIVE
ltl live { [] ((hc[0] -> <> (sent[0] > 0)) && (hc[1] -> <> (sent[1] > 0))) }
#endif
