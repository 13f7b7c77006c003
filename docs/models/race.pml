/* race.pml: the reactivation/termination protocol of docs/race.md, for the SPIN model checker.
   Task row T: state, job_state stamp, version (ETag). Job row J: state.
   Reactivation: read T and J in either order (parallel reads), decide, commit with If-Match on T.
   Termination: J -> terminating; sweep T with If-Match (stamp it; complete it if not completed);
   J -> completed. Invariant (LTL "safe"): once the termination is done, T is not active.
   Two reactivations race one termination.

     spin -a race.pml && gcc -O2 -DSAFETY -o pan pan.c && ./pan

   Variants (one more -D for spin), each half of the protocol removed:
     -DNOSTAMP  the sweep skips completed tasks (no stamp)
     -DNOCHECK  the reactivation ignores T's stamp and trusts the job row alone
   Last run (2026-12-01, SPIN 6.5.2): 1,566 states, errors: 0; NOSTAMP and NOCHECK: assertion
   violated (a task left active in a completed job). */
#define ACTIVE 0
#define COMPLETED 1
#define TERMINATING 2
#define JCOMPLETED 3

byte tstate = COMPLETED;   /* failed, reactivatable */
byte tstamp = ACTIVE;
byte tver = 0;
byte jstate = ACTIVE;
bool termDone = false;
byte commits = 0;

proctype Reactivate() {
  byte rs, rstamp, rver, rj;
  bool done = false;
  do
  :: done -> break
  :: else ->
     if  /* the two reads of one round trip, in either order */
     :: atomic { rs = tstate; rstamp = tstamp; rver = tver }; rj = jstate
     :: rj = jstate; atomic { rs = tstate; rstamp = tstamp; rver = tver }
     fi;
#ifdef NOCHECK
     if
     :: rj != ACTIVE || rs != COMPLETED -> done = true   /* refused */
#else
     if
     :: rj != ACTIVE || rstamp != ACTIVE || rs != COMPLETED -> done = true
#endif
     :: else ->
        atomic {
          if
          :: tver == rver -> tstate = ACTIVE; tver++; commits++; done = true
          :: else -> skip   /* 412: read again */
          fi
        }
     fi
  od
}

proctype Terminate() {
  byte rs, rver;
  jstate = TERMINATING;
  do
  :: atomic { rs = tstate; rver = tver };
#ifdef NOSTAMP
     if
     :: rs == COMPLETED -> break   /* nothing to do for a completed task */
     :: else -> skip
     fi;
#endif
     atomic {
       if
       :: tver == rver -> tstamp = TERMINATING; tstate = COMPLETED; tver++; break
       :: else -> skip   /* 412: list again */
       fi
     }
  od;
  jstate = JCOMPLETED;
  termDone = true
}

init {
  atomic { run Reactivate(); run Reactivate(); run Terminate() }
}

ltl safe { [] (termDone -> tstate != ACTIVE) }
