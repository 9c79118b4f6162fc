#!/usr/bin/env bash
# A/B of two builds of the benchmarks jar on a noisy host: runs the same JMH selection with each jar in turn, for a
# number of rounds, one fork each, so that the host's drift falls on both sides alike. Prints one line per score,
# prefixed with the jar's label and the round.
#
# usage: benchmarks/ab-compare.sh BASE.jar NEW.jar ROUNDS REGEX [JMH options...]
# e.g.:  benchmarks/ab-compare.sh /tmp/base.jar /tmp/new.jar 2 'TimerBenchmark.armFire_(loop|loopLight)$' -p tickShift=20
# Build each jar with ./mvnw -B -q -pl benchmarks -am package -DskipTests and copy benchmarks/target/benchmarks.jar.
# The JMH options must not repeat -f, -wi, -w, -i or -r, which are set here (JMH refuses an option given twice). If a
# run prints no score, its last lines of output are shown and the script fails.
set -euo pipefail
base=$1 new=$2 rounds=$3 regex=$4
shift 4
for r in $(seq 1 "$rounds"); do
  for side in base new; do
    jar=$base
    [ "$side" = new ] && jar=$new
    out=$(java -jar "$jar" "$regex" -f 1 -wi 3 -w 1s -i 5 -r 1s "$@" 2>&1) || true
    scores=$(grep -E '^[A-Za-z]+Benchmark\.[A-Za-z_0-9]+ ' <<<"$out") || {
      echo "$side r$r: no score from $jar; JMH said:" >&2
      tail -n 20 <<<"$out" >&2
      exit 1
    }
    sed "s/^/$side r$r /" <<<"$scores"
  done
done
