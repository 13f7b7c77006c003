/* durable.pml: the durable, paged termination sweep of batch-task-reactivation, for SPIN 6.5.
   The protocol as built. What it refines over the first version of this model is marked REFINED:
   (a) the call sends its safety message before its write, sweeps pages inline while its deadline
   allows, then withdraws the message (job completed) or shows it at once; (b) a worker may sweep
   several pages per delivery and hands over with one message; (c) the cursor moves a row at a
   time, listings may be cut short, and the last page is the one without a continuation; (d) the
   loser of the cursor race goes on from the cursor it reads; (e) the poison queue's function sends
   a failed message again.

   Safety (assertions; prints "errors: 0", or "assertion violated" for a weakened variant), ~4.5 GB:
     spin -a durable.pml && gcc -O2 -DSAFETY -DCOLLAPSE -o pan pan.c && ./pan -m100000
   Liveness (LTL "live", weak fairness; "errors: 0", or "acceptance cycle"), ~10 GB:
     spin -DLIVE -a durable.pml && gcc -O2 -DNFAIR=4 -DCOLLAPSE -DNO_RESIZE -o pan pan.c && ./pan -a -f -m100000 -w28
   A weakened variant: add its -D flag to the spin command; each one must fail. Its trail:
     spin -D<VARIANT> [-DLIVE] -t -p durable.pml
   Configurations: -DTWOCALLS (two terminate calls at once, no reactivation; run with
   -DMAXLAPSE=0), -DLEGACY (a job left terminating with no sweep fields and no message, and one
   terminate call). docs/termination.md has the states, errors and trails of every run.
   Weakened variants: EARLYCURSOR, NOSTAMPCHECK (with -DMAXCRASH=0 -DMAXLAPSE=0 for a quick trail),
   SHORTLAST (safety); NONET, STOPONLOSS, NOSAFETY, EARLYSHOW, WITHDRAWEARLY, NOPOISONFN, NOHANDOVER,
   and NORESEND with -DLEGACY (liveness).

   The system: one job, 3 task rows t0 t1 t2 in pages of at most 2 rows, t1 running, t0 and t2
   completed with a failure (reactivatable). Processes: the terminate call, 2 sweep workers (queue
   trigger, loop forever), a reactivation (of t0 or t2), Lapse (a held message becomes visible while
   its worker still runs, so two workers hold one message), Resume (the poison-queue function),
   Monitor. Crashes: after any step with an effect of the call or a worker, MAXCRASH in all.

   Abstractions: an ETag is a counter bumped by every write; If-Match = "counter unchanged". The
   cursor is the index of the next row to sweep (the RowKey of the last row swept, in the code). A
   listing reads rows one by one (no snapshot) and may stop short with a continuation; a page that
   ends on the last row may still carry one. A page's writes are one atomic transaction (see
   commitPage for why that covers the code's several). The queue is counts, not slots: messages
   are alike but for whose pop receipt is valid, and a receipt is valid until someone else receives
   the message. A delay "longer than the sender can live" is modelled as "receivable only once the
   sender has ended or died". A failed delivery (a thrown fault) is a crash of that delivery.
   Sending a rescued message again and deleting it from the poison queue are one step: a crash
   between the two would only duplicate the message, which any number of messages tolerates. "No progress for longer than
   the safety delay" is not modelled (no time); the LEGACY configuration checks its other half, a
   job with no sweep fields at all. */

#define NT 3
#define PS 2
#define NW 2
#ifndef MAXCRASH
#define MAXCRASH 1
#endif
#ifndef MAXLAPSE
#define MAXLAPSE 1
#endif
#ifdef TWOCALLS
#define NCALLS 2
#else
#define NCALLS 1
#endif

#define T_COMPLETED 0   /* completed (failure) */
#define T_ACTIVE 1
#define T_RUNNING 2
#define J_ACTIVE 0
#define J_TERMINATING 1
#define J_COMPLETED 2
#define H_NONE 0        /* a worker holds no message (or its receipt is no longer valid) */
#define H_HELD 1        /* it holds one, invisible to others */
#define H_LAPSED 2      /* its message became visible again while it runs; its receipt still valid */
#define S_NONE 0        /* the call's safety message: none, withdrawn, or received by a worker */
#define S_HIDDEN 1      /* sent hidden, receivable once the call is over */
/* A safety message the call has shown is an ordinary visible message: its receipt is of no use to
   a call that has stopped touching it, so showNow moves it to `nvis`. */

byte ts[NT];            /* task row: state */
bool stamp[NT];         /* task row: job_state = terminating */
byte tver[NT];          /* task row: ETag */
byte js = J_ACTIVE;     /* job row: state */
byte jcur = 0;          /* job row: sweep cursor (next row to sweep) */
bool jprog = true;      /* job row: has sweep fields (false only for a LEGACY job) */
byte jver = 0;          /* job row: ETag */
/* The sweep queue, as counts rather than slots (messages are alike but for whose receipt is valid): */
byte nvis = 0;          /* visible messages no one holds a receipt for */
byte npoison = 0;       /* messages on job-sweeps-poison */
byte hold[NW];          /* each worker's message */
byte safety[NCALLS];    /* each call's safety message */
bool callEnded[NCALLS]; /* the call has answered or died: its deadline is over */
byte crashes = 0;
byte lapses = 0;

#define ALLDONE (stamp[0] && stamp[1] && stamp[2] && ts[0] == T_COMPLETED && ts[1] == T_COMPLETED && ts[2] == T_COMPLETED)
#define SAFETYRECV(c) (safety[c] == S_HIDDEN && callEnded[c])
#define ANYRECV (nvis > 0 || hold[0] == H_LAPSED || hold[1] == H_LAPSED || SAFETYRECV(0) || (NCALLS > 1 && SAFETYRECV(NCALLS - 1)))
#define CRASHPT if :: atomic { crashes < MAXCRASH -> crashes++ }; goto crashed :: true -> skip fi
#define SEND atomic { assert(nvis < 4); nvis++ }   /* sendMessage, visible now */

/* REFINED (c). List the page after the cursor rc: rows one by one, up to PS; storage may cut it short, and a
   page that reaches the last row may still carry a continuation. An empty page with a continuation
   is followed within the same listing (the code does), so a page with rows left has at least one. */
inline listPage(rc, e, tok) {
  e = rc; tok = false;
  do
  :: e < NT && e < rc + PS -> atomic { lst[e] = ts[e]; lstp[e] = stamp[e]; lv[e] = tver[e] }; e++
  :: e > rc && e < NT && e < rc + PS -> tok = true; break
  :: e == NT || e == rc + PS ->
     if :: tok = (e < NT) :: e == NT && e > rc -> tok = true fi;
     break
  od
}

/* One transaction: every listed row that is not stamped and completed already, each If-Match on
   its listed version; a lost If-Match re-reads the page's rows and decides afresh. (The code writes a
   page in several transactions; a crash between two of them leaves the same state as a page cut
   short after the first, then a crash before the cursor moved, which the model has.) */
inline commitPage(rc, e, i, ok) {
  do
  :: atomic {
       ok = true;
       i = rc;
       do
       :: i < e -> if :: !(lstp[i] && lst[i] == T_COMPLETED) && tver[i] != lv[i] -> ok = false :: else -> skip fi; i++
       :: else -> break
       od;
       if
       :: ok ->
          i = rc;
          do
          :: i < e -> if :: !(lstp[i] && lst[i] == T_COMPLETED) -> stamp[i] = true; ts[i] = T_COMPLETED; tver[i]++ :: else -> skip fi; i++
          :: else -> break
          od;
          /* the listing is not needed any more */
          lst[0] = 0; lst[1] = 0; lst[2] = 0; lstp[0] = 0; lstp[1] = 0; lstp[2] = 0; lv[0] = 0; lv[1] = 0; lv[2] = 0
       :: else -> skip
       fi;
       i = 0
     };
     CRASHPT;
     if
     :: ok -> break
     :: else ->
        i = rc;
        do
        :: i < e -> atomic { lst[i] = ts[i]; lstp[i] = stamp[i]; lv[i] = tver[i] }; i++
        :: else -> i = 0; break
        od
     fi
  od
}

/* REFINED (c): the last page is the one without a continuation (SHORTLAST: one with fewer rows than asked). */
#ifdef SHORTLAST
#define ISLAST(rc, e, tok) (!tok || e < rc + PS)
#else
#define ISLAST(rc, e, tok) (!tok)
#endif

/* Move the cursor past the page, or complete the job after the last page, If-Match on the row the
   page began from; on success the sweeper holds the new version and the new cursor. (Locals that
   are dead afterwards are cleared in the same step, which keeps the state space small.) */
#define ADVANCE(rc, e, tok, last, ok, rjv) \
  atomic { \
    last = ISLAST(rc, e, tok); tok = false; ok = (jver == rjv); \
    if \
    :: ok -> jcur = e; jprog = true; if :: last -> js = J_COMPLETED :: else -> skip fi; jver++; rjv = jver; rc = e \
    :: else -> rc = 0; rjv = 0 \
    fi; \
    e = 0 \
  }

proctype Terminate(byte c) {
  byte rjs, rjv, rc, e, i;
  bool ok, tok, last, sent = false;
  byte lst[NT]; bool lstp[NT]; byte lv[NT];
  do                                           /* read the job row; start, or find a termination under way */
  :: atomic { rjs = js; rjv = jver };
     if
     :: rjs == J_TERMINATING ->
        /* another termination (or a LEGACY one): its sweep is live unless the row has no sweep fields */
#ifndef NORESEND
        if :: !jprog -> SEND :: else -> skip fi;
#endif
        goto withdraw
     :: rjs == J_COMPLETED -> goto withdraw
     :: rjs == J_ACTIVE ->
#ifndef NOSAFETY
        if                                     /* REFINED (a): the safety message before the job write */
        :: !sent -> atomic { safety[c] = S_HIDDEN; sent = true }; CRASHPT
        :: else -> skip
        fi;
#ifdef EARLYSHOW
        atomic { if :: safety[c] == S_HIDDEN -> safety[c] = S_NONE; nvis++ :: else -> skip fi };  /* WEAK: shown before the write */
#endif
#endif
        atomic { ok = (jver == rjv); if :: ok -> js = J_TERMINATING; jcur = 0; jprog = true; jver++; rjv = jver :: else -> skip fi };
        CRASHPT;
        if :: ok -> break :: else -> skip fi   /* 412: read again */
     fi
  od;
  skip;
  d_step { rjs = 0; rc = 0; ok = false };
tpage:                                         /* REFINED (a): sweep pages inline while the deadline allows */
  if :: goto tstop :: true -> skip fi;
  listPage(rc, e, tok);
  commitPage(rc, e, i, ok);
#if defined(WITHDRAWEARLY) && !defined(NOSAFETY)
  if :: ISLAST(rc, e, tok) -> atomic { safety[c] = S_NONE } :: else -> skip fi;  /* WEAK: withdrawn before the job is completed */
  CRASHPT;
#endif
  ADVANCE(rc, e, tok, last, ok, rjv);
  CRASHPT;
  if
  :: ok && last -> goto tdone
  :: ok && !last -> ok = false; goto tpage
  :: !ok ->                                    /* REFINED (d): re-read, go on from the cursor it shows */
     atomic { rjs = js; rc = jcur; rjv = jver };
     if :: rjs == J_COMPLETED -> goto tdone :: else -> rjs = 0; goto tpage fi
  fi;
tdone:                                         /* completed within the call: 200, the safety message withdrawn */
#ifndef NOSAFETY
  atomic { safety[c] = S_NONE };
#endif
  goto ended;
tstop:                                         /* REFINED (a): 202; "send visible, delete the safety" as one showNow */
  CRASHPT;                                     /* (showNow and the fallback send both failing = a crash here) */
#ifndef NOSAFETY
  if
  :: atomic { safety[c] == S_HIDDEN -> safety[c] = S_NONE; nvis++ }
  :: SEND                                      /* showNow failed: a fresh message instead */
  fi;
#else
  SEND;
#endif
  goto ended;
withdraw:                                      /* this call's own write never landed: its safety is not needed */
#ifndef NOSAFETY
  if :: sent -> atomic { safety[c] = S_NONE } :: else -> skip fi;
#endif
  goto ended;
crashed:
ended:                                         /* the call is over; its locals are dead */
  skip;
  d_step {
    callEnded[c] = true; rjs = 0; rjv = 0; rc = 0; e = 0; i = 0; ok = false; tok = false; last = false; sent = false;
    lst[0] = 0; lst[1] = 0; lst[2] = 0; lstp[0] = 0; lstp[1] = 0; lstp[2] = 0; lv[0] = 0; lv[1] = 0; lv[2] = 0
  }
}

proctype Worker(byte w) {
  byte rjs, rc, rjv, e, i;
  bool ok, tok, last;
  byte lst[NT]; bool lstp[NT]; byte lv[NT];
end_idle:
  do
  :: atomic {                                  /* receive any receivable message (messages are alike) */
       ANYRECV ->
       if
       :: nvis > 0 -> nvis--
       :: hold[1 - w] == H_LAPSED -> hold[1 - w] = H_NONE   /* the other's, shown again while it runs */
       :: SAFETYRECV(0) -> safety[0] = S_NONE
       :: NCALLS > 1 && SAFETYRECV(NCALLS - 1) -> safety[NCALLS - 1] = S_NONE
       fi;
       hold[w] = H_HELD
     };
#ifdef NONET
     atomic { hold[w] = H_NONE };              /* WEAK: message gone on receipt (errors swallowed) */
#endif
rd:  atomic { rjs = js; rc = jcur; rjv = jver };
     if
     :: rjs != J_TERMINATING -> goto fin       /* completed: done; active: the termination never took */
     :: else -> rjs = 0
     fi;
wpage:
     listPage(rc, e, tok);
#ifdef EARLYCURSOR
     atomic { ok = (jver == rjv); if :: ok -> jcur = e; jver++; rjv = jver :: else -> skip fi };  /* WEAK: cursor before the rows */
     CRASHPT;
     if :: !ok -> goto rd :: else -> skip fi;
#endif
     commitPage(rc, e, i, ok);
     ADVANCE(rc, e, tok, last, ok, rjv);
     CRASHPT;
     if
     :: !ok ->
#ifdef STOPONLOSS
        goto fin                               /* WEAK: the loser of the cursor race stops */
#else
        goto rd                                /* REFINED (d): go on from the cursor the row shows */
#endif
     :: ok && last -> goto fin
     :: ok && !last ->
        if
        :: ok = false; goto wpage              /* REFINED (b): the budget allows another page */
        :: true -> skip                        /* the budget ends: hand over with one message */
        fi;
#ifndef NOHANDOVER
        SEND;
        CRASHPT
#endif
     fi;
fin: atomic { hold[w] = H_NONE };              /* only now: the runtime deletes on success (a stale receipt deletes nothing) */
     goto next;
crashed:                                       /* the delivery failed: the message comes back, or, after its */
     atomic {                                  /* last allowed delivery, goes to the poison queue */
       if
       :: hold[w] == H_HELD -> hold[w] = H_NONE; if :: nvis++ :: npoison++ fi
       :: hold[w] == H_LAPSED -> hold[w] = H_NONE; nvis++
       :: else -> skip
       fi
     };
next: skip;
     d_step { rjs = 0; rc = 0; rjv = 0; e = 0; i = 0; ok = false; tok = false; last = false;
              lst[0] = 0; lst[1] = 0; lst[2] = 0; lstp[0] = 0; lstp[1] = 0; lstp[2] = 0; lv[0] = 0; lv[1] = 0; lv[2] = 0 }
  od
}

proctype Reactivate() {
  byte t, rs, rv, rj;
  bool rst, done = false;
  if :: t = 0 :: t = 2 fi;                     /* a task of the first page or of the last */
  do
  :: done -> break
  :: else ->
     if                                        /* the two reads of one round trip, either order */
     :: atomic { rs = ts[t]; rst = stamp[t]; rv = tver[t] }; rj = js
     :: rj = js; atomic { rs = ts[t]; rst = stamp[t]; rv = tver[t] }
     fi;
     if
#ifdef NOSTAMPCHECK
     :: rj != J_ACTIVE || rs != T_COMPLETED -> done = true              /* WEAK: job row only */
#else
     :: rj != J_ACTIVE || rst || rs != T_COMPLETED -> done = true       /* refused */
#endif
     :: else ->
        atomic {
          if
          :: tver[t] == rv -> assert(!stamp[t]); ts[t] = T_ACTIVE; tver[t]++; done = true
          :: else -> skip                      /* 412: read again */
          fi
        }
     fi
  od
}

#define LAPSE(k) :: atomic { lapses < MAXLAPSE && hold[k] == H_HELD -> hold[k] = H_LAPSED; lapses++ }
active proctype Lapse() {
end: do LAPSE(0) LAPSE(1) od
}

/* REFINED (e): the function on job-sweeps-poison sends the message to job-sweeps again (later). */
#ifndef NOPOISONFN
active proctype Resume() {
end: do :: atomic { npoison > 0 -> npoison--; nvis++ } od
}
#endif

active proctype Monitor() {
end: atomic { js == J_COMPLETED && !ALLDONE -> assert(false) }
}

init {
  atomic {
    ts[0] = T_COMPLETED; ts[1] = T_RUNNING; ts[2] = T_COMPLETED;
#ifdef LEGACY
    js = J_TERMINATING; jprog = false;         /* left terminating before sweeps were durable */
#endif
    run Terminate(0); run Worker(0); run Worker(1);
#ifdef TWOCALLS
    run Terminate(1);
#else
    run Reactivate();
#endif
  }
}

#ifdef LIVE
ltl live { [] ((js == J_TERMINATING) -> <> (js == J_COMPLETED)) }
#endif
