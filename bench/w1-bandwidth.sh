#!/bin/bash
# The hand-written W1 gradient alone, then two copies at once (bench/w1-bandwidth.c): the throughput
# two cores give a memory-bound evaluation on this machine, whatever the library (run it beside
# bench/concurrent.ts; the VM's bandwidth moves with its neighbours).
#   bash bench/w1-bandwidth.sh [rounds]
set -e
bin=$(mktemp)
cc -O3 -march=native "$(dirname "$0")/w1-bandwidth.c" -o "$bin" -lm
for r in $(seq "${1:-3}"); do
  alone=$("$bin" | cut -d' ' -f1)
  both=$( ("$bin" & "$bin"; wait) | cut -d' ' -f1 | paste -sd' ')
  echo "alone $alone ms; two at once $both ms; throughput gain $(echo "$alone $both" | awk '{printf "%.2f", 2 * $1 / (($2 + $3) / 2)}')×"
done
rm -f "$bin"
