# bash completion for callveil(1): commands, each command's options, and
# the values of --format, --type, --policy, --key and the like.
# Installed as share/bash-completion/completions/callveil.

_callveil_opts()
{
    case "$1" in
    run) echo "-o --output -p --policy -k --key -j --jobs --zstd-level --max-record-size --as-of --resume
               --overwrite --max-rejects --shard -q --quiet -v --verbose -h --help" ;;
    merge) echo "-o --output -p --policy -k --key --overwrite -q --quiet -h --help" ;;
    filter) echo "-f --format --as -p --policy -k --key -z --zstd --zstd-level -j --jobs --max-record-size
                  --header --no-header --ephemeral-key --max-rejects -q --quiet -h --help" ;;
    scan) echo "-p --policy --explain -j --jobs --max-record-size -q --quiet -v --verbose -h --help" ;;
    risk) echo "--quasi --subject --points --samples --seed --generalise --enforce-k -o --output --min-keep
                -f --format --json --zstd-level --max-record-size -q --quiet -h --help" ;;
    keygen) echo "-o --output --controller -h --help" ;;
    token) echo "-t --type -p --policy -k --key -h --help" ;;
    find|forget) echo "-t --type -p --policy -k --key -h --help" ;;
    reveal) echo "-v --vault -s --secret-key -k --key -p --policy --epoch -h --help" ;;
    rekey) echo "--from-epoch --to-epoch -s --secret-key -p --policy -k --key -q --quiet -h --help" ;;
    check-policy) echo "-h --help" ;;
    esac
}

_callveil()
{
    local cur prev cmd i
    COMPREPLY=()
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    local commands="run merge filter scan risk keygen token find forget reveal rekey check-policy help version"

    cmd=
    for ((i = 1; i < COMP_CWORD; i++)); do
        case "${COMP_WORDS[i]}" in
        -*) ;;
        *) cmd=${COMP_WORDS[i]}; break ;;
        esac
    done

    if [[ -z $cmd ]]; then
        COMPREPLY=($(compgen -W "$commands -h --help -V --version" -- "$cur"))
        return
    fi

    case "$prev" in
    -f|--format)
        COMPREPLY=($(compgen -W "jsonl csv asterisk-cdr" -- "$cur")); return ;;
    -t|--type)
        local ents
        ents=$(callveil help token 2>/dev/null | sed -n 's/^Entities: //p' | tr -d ',.')
        COMPREPLY=($(compgen -W "$ents clid" -- "$cur")); return ;;
    -p|--policy)
        COMPREPLY=($(compgen -f -X '!*.y*ml' -- "$cur") $(compgen -d -- "$cur")); return ;;
    -k|--key|-s|--secret-key|-v|--vault|--header|--json|--as)
        if [[ $cmd == run || $cmd == scan ]] && [[ $prev == -v ]]; then :; else
            COMPREPLY=($(compgen -f -- "$cur")); return
        fi ;;
    -o|--output)
        if [[ $cmd == run || $cmd == merge ]]; then COMPREPLY=($(compgen -d -- "$cur")); else COMPREPLY=($(compgen -f -- "$cur")); fi
        return ;;
    -j|--jobs|--zstd-level|--max-record-size|--as-of|--max-rejects|--quasi|--subject|--points|--samples|--seed|\
    --generalise|--enforce-k|--min-keep|--epoch|--from-epoch|--to-epoch|--shard)
        return ;;
    esac

    if [[ $cmd == help ]]; then
        COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        return
    fi
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_callveil_opts "$cmd")" -- "$cur"))
        return
    fi
    COMPREPLY=($(compgen -f -- "$cur"))
}
complete -o filenames -F _callveil callveil
