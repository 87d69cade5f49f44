#!/usr/bin/env bash
# Trains several Model Zero candidates side by side (SimCLR, train_simclr.py) and probes each on
# Fashion-MNIST (probe_fmnist.py): the architecture search behind ADR 0018, run on a GPU machine.
#
# usage: scripts/model-zero/sweep.sh DATA.npy FMNIST_DIR OUT MINUTES "NAME WIDTHS CONVS [train args]" ...
#   e.g. sweep.sh /tmp/oc.npy /tmp/fm /tmp/sweep 6 "A 16,32,64,128 1" "S1 32,64,128,256 1 --stem-stride 2"
# Every candidate trains for at most MINUTES (train_simclr.py --max-minutes; epochs fixed after the
# warm-up epoch), then is probed. Writes OUT/NAME/{train.log,log.jsonl,backbone.pt,probe.json} and
# OUT/summary.jsonl. DEVICE=cpu runs it without a GPU (a smoke test; slow).
set -uo pipefail
[ $# -ge 5 ] || { sed -n 2,9p "$0"; exit 2; }
data=$1 fm=$2 out=$3 minutes=$4
shift 4
here=$(cd "$(dirname "$0")" && pwd)
device=${DEVICE:-cuda}
py=${PYTHON:-python3}
mkdir -p "$out"
pids=()
names=()
for spec in "$@"; do
    read -r name widths convs extra <<<"$spec"
    mkdir -p "$out/$name"
    (
        $py "$here/train_simclr.py" --data "$data" --out "$out/$name" --device "$device" --threads 2 \
            --widths "$widths" --convs "$convs" --max-minutes "$minutes" --epochs "${EPOCHS:-2000}" $extra \
            >"$out/$name/train.log" 2>&1 &&
        $py "$here/probe_fmnist.py" --fmnist "$fm" --checkpoint "$out/$name/backbone.pt" --device "$device" \
            --json "$out/$name/probe.json" >"$out/$name/probe.log" 2>&1
    ) &
    pids+=($!)
    names+=("$name")
done
failed=0
for i in "${!pids[@]}"; do
    if wait "${pids[$i]}"; then
        echo "${names[$i]}: $(tail -c 400 "$out/${names[$i]}/probe.json" | tr -d '\n ' | head -c 400)"
        $py -c "import json,sys; d=json.load(open(sys.argv[1])); d['name']=sys.argv[2]; d['spec']=sys.argv[3]; print(json.dumps(d))" \
            "$out/${names[$i]}/probe.json" "${names[$i]}" "${@:$((i + 1)):1}" >>"$out/summary.jsonl"
    else
        echo "${names[$i]}: FAILED"; tail -5 "$out/${names[$i]}/train.log" "$out/${names[$i]}/probe.log" 2>/dev/null
        failed=1
    fi
done
exit $failed
