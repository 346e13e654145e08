# follow FILE PATTERN COUNT SECONDS: return 0 as soon as FILE (read from its start, then as it
# grows) has COUNT lines matching PATTERN; 1 if SECONDS pass first. Event-driven: tail -f
# follows the file, and is stopped the moment enough lines were seen.
follow() {
        _fifo=$(mktemp -u "${TMPDIR:-/tmp}/follow.XXXXXX")
        mkfifo "$_fifo" || return 1
        tail -n +1 -f "$1" > "$_fifo" 2>/dev/null &
        _tail=$!
        _n=$(timeout "$4" grep -m "$3" -e "$2" < "$_fifo" | wc -l)
        kill "$_tail" 2>/dev/null
        wait "$_tail" 2>/dev/null
        rm -f "$_fifo"
        [ "$_n" -ge "$3" ]
}
