# bash completion for latchkey
_latchkey()
{
        local cur prev words cword
        _init_completion || return

        local globals="--lock --via --adapter --pin-file --state-dir --timeout --json --verbose --quiet --help"
        local top="scan pair locks forget state battery lock unlock unlatch time config code log auth pin"
        local cmd="" sub="" i
        for ((i = 1; i < cword; i++)); do
                case ${words[i]} in
                --lock|-l|--via|--adapter|--pin-file|--state-dir|--timeout) ((i++)); continue ;;
                -*) continue ;;
                esac
                if [[ -z $cmd ]]; then cmd=${words[i]}; elif [[ -z $sub ]]; then sub=${words[i]}; fi
        done

        case $prev in
        --lock|-l)
                local dir=${LATCHKEY_STATE_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/latchkey}
                [[ $EUID -eq 0 && -z $LATCHKEY_STATE_DIR ]] && dir=/var/lib/latchkey
                COMPREPLY=($(compgen -W "$(cd "$dir/locks" 2>/dev/null && ls *.lock 2>/dev/null | sed 's/\.lock$//')" -- "$cur"))
                return ;;
        --pin-file|--code-file|--new-pin-file|--state-dir) _filedir; return ;;
        --id-type) COMPREPLY=($(compgen -W "app bridge fob" -- "$cur")); return ;;
        --weekdays) COMPREPLY=($(compgen -W "all weekdays weekends mon tue wed thu fri sat sun" -- "$cur")); return ;;
        --via) COMPREPLY=($(compgen -W "sim: ble:" -- "$cur")); compopt -o nospace; return ;;
        esac

        local opts=""
        case $cmd in
        "") COMPREPLY=($(compgen -W "$top $globals" -- "$cur")); return ;;
        time) [[ -z $sub ]] && { COMPREPLY=($(compgen -W "sync" -- "$cur")); return; } ;;
        config) [[ -z $sub ]] && { COMPREPLY=($(compgen -W "show" -- "$cur")); return; } ;;
        auth) [[ -z $sub ]] && { COMPREPLY=($(compgen -W "list remove" -- "$cur")); return; }
              [[ $sub == remove ]] && opts="--force" ;;
        pin) [[ -z $sub ]] && { COMPREPLY=($(compgen -W "verify set" -- "$cur")); return; }
             [[ $sub == set ]] && opts="--new-pin-file" ;;
        code) [[ -z $sub ]] && { COMPREPLY=($(compgen -W "list add update remove import" -- "$cur")); return; }
              [[ $sub == import ]] && { _filedir; return; }
              case $sub in
              add) opts="--name --code-file --generate --from --until --weekdays --daily" ;;
              update) opts="--name --code-file --from --until --weekdays --daily --no-window --enable --disable" ;;
              esac ;;
        pair) opts="--name --id-type --auth-name --force" ;;
        log) opts="--all" ;;
        esac
        COMPREPLY=($(compgen -W "$opts $globals" -- "$cur"))
}
complete -F _latchkey latchkey
