import { shellQuote } from './bash-quote';

// Run by `sh -c` with the marker, the stage shell's parent pid, the record file and the sweep script
// (see process-sweep). sshd does not signal a session's processes when a connection without a
// pty drops, so a job whose executor died (SIGKILL, host lost) would run on until its own end.
// This watcher finds the sshd process that serves the connection (the stage shell's parent, or
// its nearest ancestor named sshd*; the parent, as a short stage may be gone by then) and
// remembers its start time, so a reused pid is not taken for it; once that process is gone,
// the job is swept (TERM, a short grace, KILL) as the executor would have.
// It ends by itself when the job's record is removed (the executor's final sweep), and it runs
// in its own session, without the marker and re-parented away from the job, so the job's own
// sweeps never count it as one of the job's processes.
// Connections are pooled (worker/connection-pool), so the watched sshd process serves every job
// on the connection: it ends when the executor dies or the connection drops, which is when each
// of those jobs must be swept. A job's channel that closes while the connection lives on is not
// watched here: the executor is alive then and its own end-of-job sweep (run-job) covers it.
const watchScript = `m=$1; p=$2; f=$3; sweep=$4
start_of() { read -r l < "/proc/$1/stat" 2>/dev/null || return 1; l=\${l##*") "}; set -- $l; echo "\${20}"; }
a=; i=0
while [ "$i" -lt 8 ] && [ "$p" -gt 1 ] 2>/dev/null; do
  read -r l < "/proc/$p/stat" 2>/dev/null || break
  case \${l#*\\(} in sshd*) a=$p; break;; esac
  l=\${l##*") "}; set -- $l; p=$2; i=$((i + 1))
done
[ -n "$a" ] || exit 0
t=$(start_of "$a") || exit 0
while [ -e "$f" ]; do
  sleep 1
  [ "$(start_of "$a")" = "$t" ] && continue
  [ -e "$f" ] || exit 0
  sh -c "$sweep" taskfleet-sweep "$m" TERM 0 > /dev/null
  sleep 2
  sh -c "$sweep" taskfleet-sweep "$m" KILL 1 > /dev/null
  exit 0
done`;

/**
 * Shell lines for a stage's prologue that start, once per job (a `mkdir` lock beside the
 * record), a watcher on the instance that sweeps the job's processes when the SSH connection
 * serving it ends; stock tools only (sh, setsid, env, sleep). Failures are ignored: without a
 * watcher the job still runs, only an executor crash would leave its processes behind.
 */
export function sessionWatchLines(input: {
  readonly marker: string;
  readonly markerVariable: string;
  readonly recordDir: string;
  readonly recordFile: string;
  readonly sweepScript: string;
}): string {
  const lock = `${input.recordDir}/${shellQuote(input.marker)}.watch`;
  const args = [
    shellQuote(watchScript),
    'taskfleet-watch',
    shellQuote(input.marker),
    '"$PPID"',
    input.recordFile,
    shellQuote(input.sweepScript),
  ].join(' ');
  // One line: a newline inside the subshell would end the command before its `&`.
  const watcher = `setsid env -u ${input.markerVariable} sh -c ${args} < /dev/null > /dev/null 2>&1`;
  return `{ mkdir ${lock} && (${watcher} &); } 2>/dev/null || :`;
}
