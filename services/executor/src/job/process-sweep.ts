import { randomBytes } from 'node:crypto';

import { shellQuote } from './bash-quote';
import { sessionWatchLines } from './session-watch';

/**
 * The variable every process of a job carries, set when each stage's shell is started (so it is
 * in the initial environment that /proc/<pid>/environ shows) and inherited by whatever it runs.
 */
export const jobMarkerVariable = 'TASKFLEET_JOB_MARKER';

/** A marker unique to one run of one job: the GitLab job id and 48 random bits. */
export function newJobMarker(jobId: number): string {
  return `${jobId}-${randomBytes(6).toString('hex')}`;
}

// Where each stage records its process group; under the home directory, never a shared /tmp.
const recordDir = '"$HOME/.taskfleet/run"';

/**
 * Shell lines that start every stage: record the stage's process group (field 5 of
 * /proc/self/stat, read without forking), so processes that scrubbed their environment but
 * stayed in the group are found too, and start the job's session watcher (see session-watch).
 * Failures are ignored: the marker sweep still works.
 */
export function stagePrologue(marker: string): string {
  const file = `${recordDir}/${shellQuote(marker)}.pgids`;
  return [
    `{ (umask 077 && mkdir -p ${recordDir}) && read -r tf_stat < /proc/$$/stat &&`,
    `  tf_stat=\${tf_stat##*") "} && set -- $tf_stat && printf '%s\\n' "$3" >> ${file}; } 2>/dev/null || :`,
    sessionWatchLines({
      marker,
      markerVariable: jobMarkerVariable,
      recordDir,
      recordFile: file,
      sweepScript,
    }),
    'unset tf_stat; set --',
    '',
  ].join('\n');
}

// Run by `sh -c` with the marker, the signal and 1 (remove the record) or 0. It signals the
// processes that carry the marker, the members of each recorded group, and every descendant of
// those (which catches a child that both left the session and scrubbed its environment while
// its parent still runs). A recorded group counts only while its leader carries the marker or
// is gone: Linux never reuses a pid that still names a live process group, so a gone leader with
// members left is still our group, while a live leader without the marker is a reused pid that
// belongs to someone else; a group without members is skipped (kill -0), and with nothing to
// start from the sweep stops before walking /proc/*/stat (with shell builtins, then awk). KILL
// rounds repeat (bounded) because a process may fork between the listing and the kill.
const sweepScript = `m=$1; sig=$2; f="$HOME/.taskfleet/run/$m.pgids"; v="${jobMarkerVariable}=$m"; total=0
rounds=1; [ "$sig" = KILL ] && rounds=10
while [ "$rounds" -gt 0 ]; do
  rounds=$((rounds - 1)); groups=
  for g in $(cat "$f" 2>/dev/null); do
    case $g in *[!0-9]*|'') continue;; esac
    kill -0 -- "-$g" 2>/dev/null || continue
    if [ ! -e "/proc/$g" ] || grep -qzx "$v" "/proc/$g/environ" 2>/dev/null; then
      groups="$groups $g"
    fi
  done
  marked=$(grep -lzx "$v" /proc/[0-9]*/environ 2>/dev/null | sed 's,^/proc/,,; s,/environ$,,')
  [ -z "$groups$marked" ] && break
  pids=$(for s in /proc/[0-9]*/stat; do
      read -r l < "$s" 2>/dev/null || continue
      p=\${s#/proc/}; l=\${l##*") "}; set -- $l; echo "\${p%/stat} $2 $3"
    done | awk -v seeds="$marked" -v groups="$groups" -v self=$$ '
      BEGIN { n = split(seeds, a); for (i = 1; i <= n; i++) hit[a[i]] = 1
              n = split(groups, b); for (i = 1; i <= n; i++) grp[b[i]] = 1 }
      { pid[NR] = $1; parent[$1] = $2; if ($3 in grp) hit[$1] = 1 }
      END { do { more = 0
              for (i = 1; i <= NR; i++) { p = pid[i]
                if (!(p in hit) && (parent[p] in hit)) { hit[p] = 1; more = 1 } } } while (more)
            for (p in hit) if (p != self && (p in parent)) print p }')
  n=0
  for p in $pids; do kill "-$sig" "$p" 2>/dev/null && n=$((n + 1)); done
  total=$((total + n))
  [ "$n" -eq 0 ] && break
  [ "$rounds" -gt 0 ] && sleep 0.05
done
[ "$3" = 1 ] && rm -rf "$f" "$HOME/.taskfleet/run/$m.watch"
echo "$total"`;

/** Signals that end a job's processes: TERM asks, KILL insists. */
export type SweepSignal = 'TERM' | 'KILL';

/**
 * The command line that sends `signal` to every process of the job with `marker`, on the
 * instance, as the job's user (no privileges, no cgroups); it prints how many it signalled.
 * The marker is not secret, so it may travel in the command line.
 */
export function sweepCommand(
  marker: string,
  signal: SweepSignal,
  options: { readonly removeRecord?: boolean } = {},
): string {
  const remove = options.removeRecord === true ? '1' : '0';
  return `sh -c ${shellQuote(sweepScript)} taskfleet-sweep ${shellQuote(marker)} ${signal} ${remove}`;
}
