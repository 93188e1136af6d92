# zsh -f capture.zsh FPATH_DIR 'command line': what zsh's completion system offers after typing
# the line and pressing Tab, one candidate per line. An interactive zsh runs on a pseudo-terminal
# (zpty); compadd is wrapped so each match zsh adds is also printed.
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "fpath=(${(q)1} \$fpath); PROMPT=''; autoload -U compinit; compinit -u -D"
zpty -w z 'compadd() { if [[ ${@[(I)-[OAD]]} -gt 0 ]]; then builtin compadd "$@"; return; fi; local -a __hits; builtin compadd -A __hits "$@"; print -rl -- "${(@)__hits/#/CANDIDATE:}"; builtin compadd "$@" }'
zpty -w z '_capture_end() { print -r -- "CAPTURE-END" }; comppostfuncs=(_capture_end)'
zpty -w z "zstyle ':completion:*' list-prompt ''; zstyle ':completion:*' menu no; bindkey '^I' complete-word; print -r -- CAPTURE-READY"
while zpty -r z line; do [[ $line == CAPTURE-READY* ]] && break; done
zpty -w -n z "$2"$'\t'
while zpty -r z line; do
  [[ $line == *CAPTURE-END* ]] && break
  [[ $line == *CANDIDATE:* ]] && print -r -- "${${line##*CANDIDATE:}%%$'\r'}"
done
zpty -d z
