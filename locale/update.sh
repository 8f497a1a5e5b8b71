#!/usr/bin/env bash
# Re-extract translatable strings into locale/<lang>/LC_MESSAGES/django.po and report what is
# left to translate. Run from anywhere:  locale/update.sh [LANG ...]   (default: es)
# Exit status is 1 while any message is untranslated or fuzzy, so CI can use it as a check.
# Needs GNU gettext (xgettext, msgmerge, msgattrib, msgfmt): apt-get install -y gettext
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON=.venv/bin/python
[ -x "$PYTHON" ] || PYTHON=python3
LANGS=("$@")
[ ${#LANGS[@]} -gt 0 ] || LANGS=(es)

# Same options as the first extraction: locations kept (useful to translators), no JS domain.
args=()
for lang in "${LANGS[@]}"; do args+=(-l "$lang"); done
"$PYTHON" manage.py makemessages "${args[@]}" \
    --ignore=.venv --ignore=var --ignore='*/tests/*' 2>&1 | grep -v '^AXES' || true

# Messages in a msgattrib selection, not counting the header entry (msgid "" right after
# the file's leading comments).
count() {
    msgattrib "$@" | awk '
        /^msgid / { n++; if (!seen && $0 == "msgid \"\"") { header = 1 } seen = 1 }
        END { print n - header }'
}

status=0
for lang in "${LANGS[@]}"; do
    po="locale/$lang/LC_MESSAGES/django.po"
    untranslated=$(count --untranslated --no-obsolete "$po")
    fuzzy=$(count --only-fuzzy --no-obsolete "$po")
    total=$(count --no-obsolete "$po")
    echo "$lang: $total messages, $untranslated untranslated, $fuzzy fuzzy ($po)"
    if [ "$untranslated" -gt 0 ] || [ "$fuzzy" -gt 0 ]; then
        status=1
        echo "  To translate (or to check and then remove the '#, fuzzy' line):"
        msgattrib --untranslated --no-obsolete "$po" | msgattrib --no-wrap | grep '^msgid "..*"' \
            | sed 's/^/    /' || true
        msgattrib --only-fuzzy --no-obsolete "$po" | msgattrib --no-wrap | grep '^msgid "..*"' \
            | sed 's/^/    fuzzy: /' || true
    fi
    msgfmt --check -o /dev/null "$po" || status=1
done
exit $status
