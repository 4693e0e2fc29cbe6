# Sourced by the prepared machine checks (gpu-check.sh, cpu-check.sh): runs one named step of a check,
# records it and goes on whether it passed or not. Expects $out (the results folder, holding
# status.txt) and $skip (" NAME NAME … ": steps to leave out).
#
# run NAME COMMAND...: stdout to $out/NAME.out, stderr to $out/NAME.err, "NAME STATUS SECONDS" to status.txt.
run() {
    local name="$1"; shift
    if [[ "$skip" == *" $name "* ]]; then echo "== $name: skipped"; return; fi
    echo "== $name: $*"
    local start=$SECONDS
    "$@" >"$out/$name.out" 2>"$out/$name.err"
    local rc=$?
    echo "$name $rc $((SECONDS - start))" >>"$out/status.txt"
    tail -n 3 "$out/$name.err"; tail -n 5 "$out/$name.out"
}
